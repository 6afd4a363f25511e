//! `tee [-a] [FILE...]`: copies standard input to standard output and to
//! each file (truncated first, or appended to with `-a`). A file that
//! cannot be opened or written is reported and left out; the copying goes
//! on.
#![no_std]
#![no_main]

use cairn_rt::fs::{File, OpenOptions};
use cairn_rt::io::Write;
use cairn_rt::{String, Vec};
use coreutils::args::{Arg, ArgParser};
use coreutils::files::NEW_FILE_MODE;
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("tee", tee)
}

fn tee(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut append = false;
    let mut names = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('a') => append = true,
            Arg::Long(name) if name == "append" => append = true,
            Arg::Short('i') => {}
            Arg::Operand(name) => names.push(name),
            other => return Err(other.unexpected().into()),
        }
    }
    let mut files: Vec<(String, File)> = Vec::new();
    for name in names {
        let mut options = OpenOptions::new();
        options.write(true).create(true).mode(NEW_FILE_MODE);
        if append {
            options.append(true);
        } else {
            options.truncate(true);
        }
        match options.open(&name) {
            Ok(file) => files.push((name, file)),
            Err(error) => tool.report_error(&name, &error),
        }
    }
    let mut failed = Vec::new();
    tool.stream_operand("-", |out, chunk| {
        out.write(chunk)?;
        // Each piece goes out at once, so that the copy keeps up with a
        // slow input.
        out.flush()?;
        files.retain_mut(|(name, file)| match file.write_all(chunk) {
            Ok(()) => true,
            Err(error) => {
                failed.push((name.clone(), error));
                false
            }
        });
        Ok(())
    })?;
    for (name, error) in failed {
        tool.report_error(&name, &error);
    }
    Ok(())
}
