//! `rmdir [-p] DIRECTORY...`: removes the empty directories; `-p` then
//! removes each parent named in the path too (`rmdir -p a/b/c` removes
//! `a/b/c`, `a/b` and `a`).
#![no_std]
#![no_main]

use cairn_rt::{Vec, fs};
use cairn_text::path::dirname;
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("rmdir", remove_directories)
}

fn remove_directories(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut parents = false;
    let mut directories = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('p') => parents = true,
            Arg::Long(name) if name == "parents" => parents = true,
            Arg::Operand(directory) => directories.push(directory),
            other => return Err(other.unexpected().into()),
        }
    }
    if directories.is_empty() {
        return Err(UsageError::MissingOperand.into());
    }
    for directory in &directories {
        let mut path = directory.as_str();
        loop {
            if let Err(error) = fs::remove_dir(path) {
                tool.report_error(path, &error);
                break;
            }
            // `dirname` returns a prefix of `path`, so it is valid UTF-8.
            let parent = core::str::from_utf8(dirname(path.as_bytes())).unwrap_or(".");
            if !parents || parent == "." || parent == "/" || parent == path {
                break;
            }
            path = parent;
        }
    }
    Ok(())
}
