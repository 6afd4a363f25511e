//! `cp [-r|-R] [-p] [-f] SOURCE DEST`, `cp ... SOURCE... DIRECTORY`:
//! copies files (and with `-r` directories with all they hold, symbolic
//! links as links); into DIRECTORY when the destination is one. New files
//! get the source's permission bits; `-p` also keeps owner and times, `-f`
//! replaces a destination that cannot be opened.
#![no_std]
#![no_main]

use cairn_rt::{String, Vec};
use coreutils::args::{Arg, ArgParser};
use coreutils::files::{CopyOptions, copy, placements};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("cp", copy_files)
}

fn copy_files(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut options = CopyOptions::default();
    let mut operands: Vec<String> = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('r' | 'R') => options.recursive = true,
            Arg::Long(name) if name == "recursive" => options.recursive = true,
            Arg::Short('p') => options.preserve = true,
            Arg::Short('f') => options.force = true,
            Arg::Short('a') => (options.recursive, options.preserve) = (true, true),
            Arg::Operand(operand) => operands.push(operand),
            other => return Err(other.unexpected().into()),
        }
    }
    for (source, destination) in placements(operands)? {
        copy(tool, &source, &destination, options);
    }
    Ok(())
}
