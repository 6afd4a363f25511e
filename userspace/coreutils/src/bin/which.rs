//! `which [-a] PROGRAM...`: prints where each program would be found in
//! the `PATH` (default `/bin`): the first match, or every one with `-a`.
//! Exit status 1 if some program is not found.
#![no_std]
#![no_main]

use cairn_rt::Vec;
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::command::{find_all, search_path};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("which", which)
}

fn which(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut every = false;
    let mut programs = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('a') => every = true,
            Arg::Operand(program) => programs.push(program),
            other => return Err(other.unexpected().into()),
        }
    }
    if programs.is_empty() {
        return Err(UsageError::MissingOperand.into());
    }
    let path = search_path();
    for program in &programs {
        let found = find_all(program, &path);
        if found.is_empty() {
            tool.raise_status(1);
        }
        for location in found.iter().take(if every { usize::MAX } else { 1 }) {
            writeln!(tool.out, "{location}")?;
        }
    }
    Ok(())
}
