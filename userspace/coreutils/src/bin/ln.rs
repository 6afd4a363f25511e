//! `ln [-s] [-f] TARGET [LINK]`, `ln [-s] [-f] TARGET... DIRECTORY`:
//! makes LINK (or DIRECTORY/NAME, or ./NAME) a new name for TARGET — a
//! hard link, or with `-s` a symbolic link holding TARGET as text. `-f`
//! removes an existing LINK first.
#![no_std]
#![no_main]

use cairn_rt::{String, Vec, fs};
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::files::{base_name, join};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("ln", link)
}

fn link(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let (mut symbolic, mut force) = (false, false);
    let mut operands: Vec<String> = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('s') => symbolic = true,
            Arg::Long(name) if name == "symbolic" => symbolic = true,
            Arg::Short('f') => force = true,
            Arg::Long(name) if name == "force" => force = true,
            Arg::Operand(operand) => operands.push(operand),
            other => return Err(other.unexpected().into()),
        }
    }
    let pairs: Vec<(String, String)> = match operands.as_slice() {
        [] => return Err(UsageError::MissingOperand.into()),
        [target] => Vec::from([(target.clone(), String::from(base_name(target)))]),
        [target, link] if !fs::metadata(link).is_ok_and(|meta| meta.is_dir()) => {
            Vec::from([(target.clone(), link.clone())])
        }
        [targets @ .., directory] => {
            if !fs::metadata(directory).is_ok_and(|meta| meta.is_dir()) {
                return Err(Failure::usage(cairn_rt::format!("target '{directory}' is not a directory")));
            }
            targets.iter().map(|target| (target.clone(), join(directory, base_name(target)))).collect()
        }
    };
    for (target, link) in &pairs {
        if force && fs::symlink_metadata(link).is_ok_and(|meta| !meta.is_dir()) {
            let _ = fs::remove_file(link);
        }
        let result = if symbolic { fs::symlink(target, link) } else { fs::hard_link(target, link) };
        if let Err(error) = result {
            tool.report_error(link, &error);
        }
    }
    Ok(())
}
