//! `whoami`: prints the name of the user this process runs as, from
//! `/etc/passwd` (a uid it does not name prints as its number).
#![no_std]
#![no_main]

use cairn_rt::process;
use coreutils::args::ArgParser;
use coreutils::system::Names;
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("whoami", whoami)
}

fn whoami(tool: &mut Tool) -> Result<(), Failure> {
    if let Some(arg) = ArgParser::from_env().next_arg()? {
        return Err(arg.unexpected().into());
    }
    writeln!(tool.out, "{}", Names::load().user(process::getuid()))
}
