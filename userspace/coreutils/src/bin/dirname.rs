//! `dirname NAME...`: prints each name without its last component (`.` if
//! there is no directory part, `/` for the root).
#![no_std]
#![no_main]

use cairn_rt::Vec;
use cairn_text::path::dirname;
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("dirname", print_dirnames)
}

fn print_dirnames(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut names = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Operand(name) => names.push(name),
            other => return Err(other.unexpected().into()),
        }
    }
    if names.is_empty() {
        return Err(UsageError::MissingOperand.into());
    }
    for name in &names {
        tool.out.write(dirname(name.as_bytes()))?;
        tool.out.write(b"\n")?;
    }
    Ok(())
}
