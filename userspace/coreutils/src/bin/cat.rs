//! `cat [-n] [-u] [FILE...]`: copies the files (standard input for none
//! or `-`) to standard output in chunks; `-n` numbers the lines (`%6d` and
//! a tab, counting on across files); `-u` is accepted and ignored (output
//! is not held back beyond one chunk anyway).
#![no_std]
#![no_main]

use cairn_rt::Vec;
use coreutils::args::{Arg, ArgParser, operands_or_stdin};
use coreutils::output::Output;
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// Where `-n` numbering stands.
struct Numbering {
    next: u64,
    at_line_start: bool,
}

impl Numbering {
    /// Writes `chunk` with a number before each line that starts in it.
    fn write(&mut self, out: &mut Output, chunk: &[u8]) -> Result<(), Failure> {
        for line in chunk.split_inclusive(|&byte| byte == b'\n') {
            if self.at_line_start {
                write!(out, "{:>6}\t", self.next)?;
                self.next += 1;
            }
            out.write(line)?;
            self.at_line_start = line.ends_with(b"\n");
        }
        Ok(())
    }
}

fn main() -> i32 {
    tool::run("cat", cat)
}

fn cat(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut numbering = None;
    let mut files = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('n') => numbering = Some(Numbering { next: 1, at_line_start: true }),
            Arg::Long(name) if name == "number" => numbering = Some(Numbering { next: 1, at_line_start: true }),
            Arg::Short('u') => {}
            Arg::Operand(file) => files.push(file),
            other => return Err(other.unexpected().into()),
        }
    }
    for file in operands_or_stdin(files) {
        tool.stream_operand(&file, |out, chunk| match &mut numbering {
            Some(numbering) => numbering.write(out, chunk),
            None => out.write(chunk),
        })?;
    }
    Ok(())
}
