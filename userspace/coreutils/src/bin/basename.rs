//! `basename NAME [SUFFIX]`, `basename -a [-s SUFFIX] NAME...`: prints the
//! last component of each name, without trailing slashes and without the
//! suffix (unless that is all there is).
#![no_std]
#![no_main]

use cairn_rt::{String, Vec};
use cairn_text::path::basename;
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("basename", print_basenames)
}

fn print_basenames(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let (mut multiple, mut suffix): (bool, Option<String>) = (false, None);
    let mut names = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('a') => multiple = true,
            Arg::Long(name) if name == "multiple" => multiple = true,
            Arg::Short('s') => {
                suffix = Some(args.value()?);
                multiple = true;
            }
            Arg::Long(name) if name == "suffix" => {
                suffix = Some(args.value()?);
                multiple = true;
            }
            Arg::Operand(name) => names.push(name),
            other => return Err(other.unexpected().into()),
        }
    }
    if names.is_empty() {
        return Err(UsageError::MissingOperand.into());
    }
    if !multiple {
        match names.len() {
            1 => {}
            2 => suffix = names.pop(),
            _ => return Err(UsageError::ExtraOperand(names.swap_remove(2)).into()),
        }
    }
    for name in &names {
        tool.out.write(basename(name.as_bytes(), suffix.as_deref().map(str::as_bytes)))?;
        tool.out.write(b"\n")?;
    }
    Ok(())
}
