//! `env [-i] [-u NAME]... [NAME=VALUE]... [COMMAND [ARGUMENT...]]`: runs
//! the command (found through the new environment's `PATH`, default
//! `/bin`) in a changed environment — emptied first with `-i` (or `-`),
//! without NAME with `-u`, with the assignments added — or, without a
//! command, prints that environment, one `NAME=VALUE` a line. Exit status
//! 127 if the command is not found, 126 if it cannot run, 125 for a bad
//! command line.
#![no_std]
#![no_main]

use cairn_rt::process::Command;
use cairn_rt::{String, Vec, env};
use coreutils::args::{Arg, ArgParser};
use coreutils::command::{DEFAULT_PATH, launch_failure, resolve};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// The exit status for a bad command line (GNU env's).
const ENV_TROUBLE: i32 = 125;

fn main() -> i32 {
    tool::run("env", run_in_environment)
}

fn run_in_environment(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env().stop_at_first_operand();
    let mut variables: Vec<(String, String)> = env::vars().collect();
    let mut command: Vec<String> = Vec::new();
    while let Some(arg) = args.next_arg().map_err(|error| usage(tool, error))? {
        match arg {
            Arg::Short('i') => variables.clear(),
            Arg::Long(name) if name == "ignore-environment" => variables.clear(),
            Arg::Operand(dash) if dash == "-" && command.is_empty() => variables.clear(),
            Arg::Short('u') => {
                let name = args.value().map_err(|error| usage(tool, error))?;
                variables.retain(|(key, _)| *key != name);
            }
            Arg::Operand(assignment) if assignment.contains('=') && command.is_empty() => {
                let (key, value) = assignment.split_once('=').unwrap_or((&assignment, ""));
                variables.retain(|(existing, _)| existing != key);
                variables.push((String::from(key), String::from(value)));
            }
            Arg::Operand(word) => {
                command.push(word);
                command.extend(args.rest());
            }
            other => return Err(usage(tool, other.unexpected())),
        }
    }
    let Some((program, arguments)) = command.split_first() else {
        for (key, value) in &variables {
            writeln!(tool.out, "{key}={value}")?;
        }
        return Ok(());
    };
    let path = variables.iter().find(|(key, _)| key == "PATH").map_or(DEFAULT_PATH, |(_, value)| value.as_str());
    let error = match resolve(program, path) {
        Ok(resolved) => {
            let mut child = Command::new(&resolved);
            child.args(arguments).env_clear();
            for (key, value) in &variables {
                child.env(key, value);
            }
            child.exec()
        }
        Err(error) => error,
    };
    Err(launch_failure(tool, program, &error))
}

/// Reports a bad command line; env then exits with 125.
fn usage(tool: &mut Tool, error: impl core::fmt::Display) -> Failure {
    tool.warn(error);
    Failure::Exit(ENV_TROUBLE)
}
