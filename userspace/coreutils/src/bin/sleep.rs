//! `sleep NUMBER[SUFFIX]...`: waits for the sum of the given times;
//! numbers may be decimal (`0.25`) and take GNU's suffixes `s`, `m`, `h`
//! and `d`.
#![no_std]
#![no_main]

use cairn_rt::thread;
use cairn_rt::time::Duration;
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::clock::parse_duration;
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("sleep", sleep)
}

fn sleep(_tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut total = Duration::ZERO;
    let mut any = false;
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Operand(text) => {
                let time =
                    parse_duration(&text).ok_or(UsageError::InvalidValue { what: "time interval", value: text })?;
                total = total.saturating_add(time);
                any = true;
            }
            other => return Err(other.unexpected().into()),
        }
    }
    if !any {
        return Err(UsageError::MissingOperand.into());
    }
    thread::sleep(total);
    Ok(())
}
