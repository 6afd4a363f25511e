//! `ns [--allow NAME]... [--] PROGRAM [ARGUMENT...]`: runs a program in a
//! narrower namespace that holds only the named schemes (none by default:
//! the program then reaches nothing but the fds it inherits). The program
//! is looked up through `PATH` and opened first, the namespace is built
//! (only from names this process has) and entered, and the program is
//! started from the open file, so it needs no path in its namespace:
//! `ns --allow null -- cat /tmp/f` cannot open the file. Nor can it
//! through the working directory: entering the namespace leaves a working
//! directory whose scheme the namespace lacks for `/` (which resolves
//! through the new namespace), so `cd /tmp; ns -- cat ../etc/f` fails too,
//! and a directory held open stays a floor `..` cannot climb above (see
//! `docs/CAPABILITIES.md`). A name this
//! process cannot reach (such as `pipe`: pipes need no scheme) is left out
//! with a warning. Exit status: the program's (128 + signal if killed), 127
//! if it is not found, 125 if the namespace cannot be made.
#![no_std]
#![no_main]

use cairn_rt::fs::File;
use cairn_rt::{String, Vec, fs, process, scheme};
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::command::{environment, launch_failure, resolve, search_path, status_code};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// The exit status when the namespace cannot be made or entered.
const NS_TROUBLE: i32 = 125;

fn main() -> i32 {
    tool::run("ns", run_in_namespace)
}

fn run_in_namespace(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env().stop_at_first_operand();
    let mut allowed: Vec<String> = Vec::new();
    let mut command = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Long(name) if name == "allow" => allowed.push(args.value()?),
            Arg::Short('a') => allowed.push(args.value()?),
            Arg::Operand(program) => {
                command.push(program);
                command.extend(args.rest());
            }
            other => return Err(other.unexpected().into()),
        }
    }
    let Some(program) = command.first() else {
        return Err(UsageError::MissingOperand.into());
    };
    let executable = match resolve(program, &search_path()).and_then(|path| File::open(&path)) {
        Ok(executable) => executable,
        Err(error) => return Err(launch_failure(tool, program, &error)),
    };
    let present: Vec<String> = fs::read_dir("/scheme")
        .map_err(|error| Failure::path("/scheme", error))?
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    for missing in allowed.iter().filter(|name| !present.contains(name)) {
        tool.report(missing, "no such scheme here; left out");
    }
    let names: Vec<&str> = allowed.iter().filter(|name| present.contains(name)).map(String::as_str).collect();
    let entered = scheme::namespace_create(&names, false).and_then(|namespace| scheme::namespace_enter(&namespace));
    if let Err(error) = entered {
        tool.report_error("namespace", &error);
        return Err(Failure::Exit(NS_TROUBLE));
    }
    let started = process::spawn_fd(executable.as_raw_fd(), &command, &environment());
    match started.and_then(|mut child| child.wait()) {
        Ok(status) => {
            tool.raise_status(status_code(status));
            Ok(())
        }
        Err(error) => Err(launch_failure(tool, program, &error)),
    }
}
