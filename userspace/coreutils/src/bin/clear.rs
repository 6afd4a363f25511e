//! `clear`: moves the terminal's cursor home and erases the screen
//! (`ESC [H ESC [2J`, which every VT100-like terminal understands).
#![no_std]
#![no_main]

use coreutils::args::ArgParser;
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("clear", clear)
}

fn clear(tool: &mut Tool) -> Result<(), Failure> {
    if let Some(arg) = ArgParser::from_env().next_arg()? {
        return Err(arg.unexpected().into());
    }
    tool.out.write(b"\x1b[H\x1b[2J")
}
