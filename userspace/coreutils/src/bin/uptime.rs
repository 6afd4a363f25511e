//! `uptime`: prints the time of day, how long the system has been up, and
//! how many processes there are: ` 10:20:30 up 28 min,  14 processes`.
//! (Cairn keeps no user sessions or load averages, which GNU's line also
//! shows.)
#![no_std]
#![no_main]

use coreutils::args::ArgParser;
use coreutils::system;
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("uptime", uptime)
}

fn uptime(tool: &mut Tool) -> Result<(), Failure> {
    if let Some(arg) = ArgParser::from_env().next_arg()? {
        return Err(arg.unexpected().into());
    }
    let processes = system::processes()?;
    writeln!(tool.out, " {}", system::uptime_summary(processes.len())?)
}
