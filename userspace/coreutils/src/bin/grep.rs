//! `grep [OPTION...] PATTERN [FILE...]`, `grep [OPTION...] -e PATTERN...
//! [FILE...]`: prints the lines that match. Patterns are basic regular
//! expressions, extended with `-E`, fixed strings with `-F`; `-i` ignores
//! case, `-w`/`-x` match whole words/lines, `-v` selects the lines that do
//! not match. Output: `-n` line numbers, `-H`/`-h` file names (default:
//! with several files or `-r`), `-c` counts, `-l`/`-L` names of files
//! with/without a match, `-o` only the matches, `-q` nothing, `-m N` at
//! most N lines per file; `-s` hides messages about files. `-r` searches
//! directories (the working directory without operands), not following
//! symbolic links found inside them. Input is read as a stream: lines are
//! printed as they arrive, and reading stops once `-m`, `-q`, `-l` or `-L`
//! can learn nothing more. Exit status 0 if a line was selected, 1 if none
//! was, 2 on trouble (unless `-q` found a line).
#![no_std]
#![no_main]

use cairn_rt::fs::{self, EntryKind};
use cairn_rt::io::Read;
use cairn_rt::{String, Vec};
use cairn_text::grep::{Grep, GrepOptions, OutputMode};
use cairn_text::regex::{Extent, Syntax};
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::files::{join, sorted_entries};
use coreutils::input::Input;
use coreutils::tool::{self, Failure, Reason, Tool};

cairn_rt::main!(main);

/// The exit status for trouble (and for a bad command line).
const TROUBLE: i32 = 2;
/// Bytes read at a time.
const CHUNK: usize = 16 * 1024;

/// A search in progress.
struct Search {
    grep: Grep,
    quiet: bool,
    suppress_errors: bool,
    recursive: bool,
    /// Whether some line was selected in some file.
    selected: bool,
}

fn main() -> i32 {
    tool::run("grep", grep)
}

fn grep(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut options = GrepOptions::default();
    let (mut patterns, mut operands): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    let (mut recursive, mut suppress_errors, mut file_names) = (false, false, None);
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('E') => options.syntax = Syntax::Extended,
            Arg::Short('F') => options.syntax = Syntax::Fixed,
            Arg::Short('G') => options.syntax = Syntax::Basic,
            Arg::Short('i' | 'y') => options.ignore_case = true,
            Arg::Short('v') => options.invert = true,
            Arg::Short('w') => options.extent = Extent::Word,
            Arg::Short('x') => options.extent = Extent::Line,
            Arg::Short('n') => options.line_numbers = true,
            Arg::Short('c') => options.output = OutputMode::Count,
            Arg::Short('l') => options.output = OutputMode::FilesWithMatches,
            Arg::Short('L') => options.output = OutputMode::FilesWithoutMatch,
            Arg::Short('o') => options.output = OutputMode::OnlyMatching,
            Arg::Short('q') => options.output = OutputMode::Quiet,
            Arg::Short('m') => options.max_count = Some(args.number("max count")?),
            Arg::Short('H') => file_names = Some(true),
            Arg::Short('h') => file_names = Some(false),
            Arg::Short('r' | 'R') => recursive = true,
            Arg::Short('s') => suppress_errors = true,
            Arg::Short('e') => patterns.push(args.value()?),
            Arg::Long(name) if name == "regexp" => patterns.push(args.value()?),
            Arg::Long(name) if name == "ignore-case" => options.ignore_case = true,
            Arg::Long(name) if name == "invert-match" => options.invert = true,
            Arg::Long(name) if name == "count" => options.output = OutputMode::Count,
            Arg::Long(name) if name == "quiet" || name == "silent" => options.output = OutputMode::Quiet,
            Arg::Long(name) if name == "recursive" => recursive = true,
            Arg::Operand(operand) => operands.push(operand),
            other => return Err(other.unexpected().into()),
        }
    }
    if patterns.is_empty() {
        if operands.is_empty() {
            return Err(UsageError::MissingOperand.into());
        }
        patterns.push(operands.remove(0));
    }
    if operands.is_empty() {
        operands.push(String::from(if recursive { "." } else { "-" }));
    }
    options.with_file_names = file_names.unwrap_or(operands.len() > 1 || recursive);
    let pattern_bytes: Vec<&[u8]> = patterns.iter().map(String::as_bytes).collect();
    let grep = Grep::new(&pattern_bytes, options).map_err(Failure::usage)?;
    let quiet = options.output == OutputMode::Quiet;
    let mut search = Search { grep, quiet, suppress_errors, recursive, selected: false };
    for operand in &operands {
        search.operand(tool, operand, true)?;
        if search.selected && quiet {
            break;
        }
    }
    let status = match (search.selected, tool.status()) {
        (true, _) if quiet => 0,
        (_, TROUBLE) => TROUBLE,
        (true, _) => 0,
        (false, _) => 1,
    };
    Err(Failure::Exit(status))
}

impl Search {
    /// Searches `path`: a file, or with `-r` a directory's files.
    /// Symbolic links are followed only on the command line.
    fn operand(&mut self, tool: &mut Tool, path: &str, command_line: bool) -> Result<(), Failure> {
        if self.recursive && path != "-" {
            let meta = if command_line { fs::metadata(path) } else { fs::symlink_metadata(path) };
            match meta {
                Ok(meta) if meta.is_symlink() => return Ok(()),
                Ok(meta) if meta.is_dir() => return self.directory(tool, path),
                _ => {}
            }
        }
        self.file(tool, path)
    }

    fn directory(&mut self, tool: &mut Tool, path: &str) -> Result<(), Failure> {
        let entries = match sorted_entries(path) {
            Ok(entries) => entries,
            Err(error) => {
                self.trouble(tool, path, &error);
                return Ok(());
            }
        };
        for (name, kind) in entries {
            if kind != EntryKind::Symlink {
                self.operand(tool, &join(path, &name), false)?;
            }
            if self.selected && self.quiet {
                break;
            }
        }
        Ok(())
    }

    /// Searches one file (or standard input) as its lines arrive.
    fn file(&mut self, tool: &mut Tool, path: &str) -> Result<(), Failure> {
        let mut input = match Input::open(path) {
            Ok(input) => input,
            Err(error) => {
                self.trouble(tool, path, &error);
                return Ok(());
            }
        };
        let name = if path == "-" { "(standard input)" } else { path };
        let mut search = self.grep.line_search(name.as_bytes());
        let (mut pending, mut output) = (Vec::new(), Vec::new());
        let mut chunk = [0u8; CHUNK];
        while !search.finished() {
            let read = match input.read(&mut chunk) {
                Ok(0) => break,
                Ok(read) => read,
                Err(error) => {
                    self.trouble(tool, path, &error);
                    break;
                }
            };
            pending.extend_from_slice(&chunk[..read]);
            // The complete lines: up to the last newline (which ends the last one).
            if let Some(last) = pending.iter().rposition(|&b| b == b'\n') {
                for line in pending[..last].split(|&b| b == b'\n') {
                    if search.finished() {
                        break;
                    }
                    search.line(line, &mut output);
                }
                pending.drain(..=last);
            }
            tool.out.write(&output)?;
            tool.out.flush()?;
            output.clear();
        }
        if !pending.is_empty() && !search.finished() {
            search.line(&pending, &mut output);
        }
        self.selected |= search.finish(&mut output) > 0;
        tool.out.write(&output)
    }

    /// Reports a problem with `path` (unless `-s`) and sets status 2.
    fn trouble(&self, tool: &mut Tool, path: &str, error: &cairn_rt::Error) {
        if self.suppress_errors {
            tool.raise_status(TROUBLE);
        } else {
            tool.report_with_status(path, Reason(error), TROUBLE);
        }
    }
}
