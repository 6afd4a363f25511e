//! `rm [-r|-R] [-f] [-d] FILE...`: removes files, and with `-r`
//! directories with everything in them (`-d`: empty directories). `-f`
//! ignores missing files and a missing operand. `.`, `..` and `/` are
//! never removed.
#![no_std]
#![no_main]

use cairn_rt::{Vec, abi, fs};
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::files::{base_name, remove_tree};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("rm", remove)
}

fn remove(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let (mut recursive, mut force, mut directories) = (false, false, false);
    let mut files = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('r' | 'R') => recursive = true,
            Arg::Long(name) if name == "recursive" => recursive = true,
            Arg::Short('f') => force = true,
            Arg::Long(name) if name == "force" => force = true,
            Arg::Short('d') => directories = true,
            Arg::Operand(file) => files.push(file),
            other => return Err(other.unexpected().into()),
        }
    }
    if files.is_empty() && !force {
        return Err(UsageError::MissingOperand.into());
    }
    for file in &files {
        if matches!(base_name(file), "." | ".." | "/") {
            tool.report(file, "refusing to remove '.', '..' or '/'");
            continue;
        }
        let meta = match fs::symlink_metadata(file) {
            Ok(meta) => meta,
            Err(error) if force && error.errno() == Some(abi::error::ENOENT) => continue,
            Err(error) => {
                tool.report_error(file, &error);
                continue;
            }
        };
        let result = if !meta.is_dir() {
            fs::remove_file(file)
        } else if recursive {
            remove_tree(tool, file);
            Ok(())
        } else if directories {
            fs::remove_dir(file)
        } else {
            Err(cairn_rt::Error::from_errno(abi::error::EISDIR))
        };
        if let Err(error) = result {
            tool.report_error(file, &error);
        }
    }
    Ok(())
}
