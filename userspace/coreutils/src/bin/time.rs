//! `time COMMAND [ARGUMENT...]`: runs the command (found through `PATH`)
//! and then prints the time it took on standard error, as `real 0m0.012s`.
//! Cairn does not account CPU time per process yet, so the `user` and
//! `sys` lines of a shell's `time` are left out. Exit status: the
//! command's (128 + signal if one killed it; 126/127 if it could not
//! start).
#![no_std]
#![no_main]

use cairn_rt::eprintln;
use cairn_rt::time::Instant;
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::command::{launch_failure, spawn, status_code};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("time", time)
}

fn time(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env().stop_at_first_operand();
    let mut command = match args.next_arg()? {
        Some(Arg::Operand(program)) => cairn_rt::vec![program],
        Some(other) => return Err(other.unexpected().into()),
        None => return Err(UsageError::MissingOperand.into()),
    };
    command.extend(args.rest());
    let started = Instant::now();
    let status = match spawn(&command).and_then(|mut child| child.wait()) {
        Ok(status) => status_code(status),
        Err(error) => return Err(launch_failure(tool, &command[0], &error)),
    };
    let elapsed = started.elapsed();
    let millis = elapsed.as_millis();
    eprintln!("real {}m{}.{:03}s", millis / 60_000, millis / 1000 % 60, millis % 1000);
    tool.raise_status(status);
    Ok(())
}
