//! `dmesg`: prints the kernel's log ring (`/scheme/sys/log`).
#![no_std]
#![no_main]

use coreutils::args::ArgParser;
use coreutils::system::read_sys;
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("dmesg", dmesg)
}

fn dmesg(tool: &mut Tool) -> Result<(), Failure> {
    if let Some(arg) = ArgParser::from_env().next_arg()? {
        return Err(arg.unexpected().into());
    }
    let log = read_sys("log")?;
    tool.out.write(log.as_bytes())
}
