//! `mv [-f] [-n] SOURCE DEST`, `mv ... SOURCE... DIRECTORY`: renames files
//! and directories (into DIRECTORY when the destination is one). Between
//! file systems, where renaming is impossible, it copies (keeping modes,
//! owners and times) and then removes the source. `-n` leaves existing
//! destinations alone; `-f` is accepted (`mv` never asks).
#![no_std]
#![no_main]

use cairn_rt::{String, Vec, abi, fs};
use coreutils::args::{Arg, ArgParser};
use coreutils::files::{CopyOptions, copy, placements, remove_tree};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("mv", move_files)
}

fn move_files(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut no_clobber = false;
    let mut operands: Vec<String> = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('f') => no_clobber = false,
            Arg::Short('n') => no_clobber = true,
            Arg::Operand(operand) => operands.push(operand),
            other => return Err(other.unexpected().into()),
        }
    }
    for (source, destination) in placements(operands)? {
        if no_clobber && fs::symlink_metadata(&destination).is_ok() {
            continue;
        }
        match fs::rename(&source, &destination) {
            Ok(()) => {}
            Err(error) if error.errno() == Some(abi::error::EXDEV) => {
                let options = CopyOptions { recursive: true, preserve: true, force: false };
                if copy(tool, &source, &destination, options) {
                    remove_tree(tool, &source);
                }
            }
            Err(error) => tool.report_error(&source, &error),
        }
    }
    Ok(())
}
