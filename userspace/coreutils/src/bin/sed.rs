//! `sed [-n] [-E|-r] [-i] [-s] [-e SCRIPT | -f FILE]... [SCRIPT] [FILE...]`:
//! edits its input with a script (the commands `cairn-text`'s sed knows:
//! `s`, `y`, `d`, `p`, `a`/`i`/`c`, `n`/`N`, hold space, branches, ...).
//! `-n` prints only what the script prints, `-E` uses extended regular
//! expressions. The files are one stream unless `-s` or `-i`; `-i` edits
//! each file in place (through a temporary file renamed over it). Exit
//! status 1 for a bad script, 2 for a missing input, or what `q`/`Q`
//! asked for.
#![no_std]
#![no_main]

use cairn_rt::fs::{self, OpenOptions};
use cairn_rt::io::Write;
use cairn_rt::{String, Vec, format};
use cairn_text::sed::{self, Script};
use coreutils::args::{Arg, ArgParser, UsageError, operands_or_stdin};
use coreutils::files::{NEW_FILE_MODE, base_name, join};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// The exit status for an input file that cannot be read.
const MISSING_INPUT: i32 = 2;

/// How the script runs over the files.
struct Run {
    script: Script,
    quiet: bool,
}

fn main() -> i32 {
    tool::run("sed", sed)
}

fn sed(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut scripts: Vec<Vec<u8>> = Vec::new();
    let (mut quiet, mut extended, mut in_place, mut separate) = (false, false, false, false);
    let mut files = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('n') => quiet = true,
            Arg::Long(name) if name == "quiet" || name == "silent" => quiet = true,
            Arg::Short('E' | 'r') => extended = true,
            Arg::Long(name) if name == "regexp-extended" => extended = true,
            Arg::Short('i') => in_place = true,
            Arg::Long(name) if name == "in-place" => in_place = true,
            Arg::Short('s') => separate = true,
            Arg::Short('e') => scripts.push(args.value()?.into_bytes()),
            Arg::Long(name) if name == "expression" => scripts.push(args.value()?.into_bytes()),
            Arg::Short('f') => {
                let path = args.value()?;
                let mut script = fs::read(&path).map_err(|error| Failure::path(&path, error))?;
                if script.last() == Some(&b'\n') {
                    script.pop();
                }
                scripts.push(script);
            }
            Arg::Operand(file) => files.push(file),
            other => return Err(other.unexpected().into()),
        }
    }
    if scripts.is_empty() {
        if files.is_empty() {
            return Err(UsageError::MissingOperand.into());
        }
        scripts.push(files.remove(0).into_bytes());
    }
    let parts: Vec<&[u8]> = scripts.iter().map(Vec::as_slice).collect();
    let script = sed::parse(&parts, extended).map_err(|error| {
        tool.warn(format!("-e expression #1, {error}"));
        Failure::Exit(1)
    })?;
    let run = Run { script, quiet };
    if in_place {
        if files.is_empty() {
            return Err(Failure::usage("no input files"));
        }
        for file in &files {
            if let Some(status) = run.edit_in_place(tool, file) {
                return Err(Failure::Exit(status));
            }
        }
        return Ok(());
    }
    let files = operands_or_stdin(files);
    if separate {
        for file in &files {
            if let Some(input) = read(tool, file)
                && let Some(status) = run.print(tool, &input)?
            {
                return Err(Failure::Exit(status));
            }
        }
        return Ok(());
    }
    let stream = tool.read_operands(&files, MISSING_INPUT);
    if let Some(status) = run.print(tool, &stream)? {
        return Err(Failure::Exit(status));
    }
    Ok(())
}

/// The contents of `file`, or `None` after reporting it (status 2).
fn read(tool: &mut Tool, file: &str) -> Option<Vec<u8>> {
    let input = tool.read_operand(file);
    if input.is_none() {
        tool.raise_status(MISSING_INPUT);
    }
    input
}

impl Run {
    /// Runs the script over `input` and prints the result; returns the
    /// exit status a `q`/`Q` asked for.
    fn print(&self, tool: &mut Tool, input: &[u8]) -> Result<Option<i32>, Failure> {
        let output = self.script.run(input, self.quiet);
        tool.out.write(&output.output)?;
        Ok(output.quit_status)
    }

    /// Runs the script over `file` and replaces its contents with the
    /// result; returns the exit status a `q`/`Q` asked for.
    fn edit_in_place(&self, tool: &mut Tool, file: &str) -> Option<i32> {
        let input = read(tool, file)?;
        let output = self.script.run(&input, self.quiet);
        let mode = fs::metadata(file).map_or(NEW_FILE_MODE, |meta| meta.permissions());
        let directory = cairn_text::path::dirname(file.as_bytes());
        let temporary = join(&String::from_utf8_lossy(directory), &format!(".sed-{}", base_name(file)));
        let written = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(mode)
            .open(&temporary)
            .and_then(|mut out| out.write_all(&output.output))
            .and_then(|()| fs::rename(&temporary, file));
        if let Err(error) = written {
            let _ = fs::remove_file(&temporary);
            tool.report_error(file, &error);
        }
        output.quit_status
    }
}
