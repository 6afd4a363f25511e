//! `ps [-e|-A] [-f]`: prints every process (`/scheme/sys/processes`): pid,
//! parent, group, session, user id, state (`R` running, `T` stopped, `Z`
//! zombie), thread count and program. Cairn's processes have no
//! controlling-terminal filter yet, so `ps` always lists them all with
//! every column, and `-e`, `-A` and `-f` are accepted for habit's sake.
#![no_std]
#![no_main]

use coreutils::args::{Arg, ArgParser};
use coreutils::system::{processes, write_processes};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("ps", ps)
}

fn ps(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('e' | 'A' | 'f') => {}
            other => return Err(other.unexpected().into()),
        }
    }
    let rows = processes()?;
    write_processes(&mut tool.out, &rows)
}
