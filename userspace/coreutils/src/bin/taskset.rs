//! `taskset [-c] MASK COMMAND [ARGUMENT...]`, `taskset -p [-c] [MASK] PID`:
//! runs a command on a set of CPUs, or shows or changes the CPUs a running
//! process may use (every thread of it). MASK is hexadecimal, bit n = CPU
//! n (`1` = CPU 0, `3` = CPUs 0 and 1); with `-c` it is a list (`0`,
//! `0,2-3`), and `-p` prints lists too. CPU numbers are `/scheme/sys/cpus`'
//! indices. The command inherits the set (it is kept across `exec`). Exit
//! status 127 if the command is not found, 126 if it cannot run, 1 when
//! the set is refused (no CPU, a CPU not online, another user's process).
#![no_std]
#![no_main]

use cairn_rt::process::{self, Command, TaskHandle};
use cairn_rt::sched::{self, CpuSet};
use cairn_rt::{String, Vec, format};
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::command::{launch_failure, resolve, search_path};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("taskset", taskset)
}

fn taskset(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env().stop_at_first_operand();
    let (mut pid_mode, mut list) = (false, false);
    let mut operands: Vec<String> = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('p') => pid_mode = true,
            Arg::Long(name) if name == "pid" => pid_mode = true,
            Arg::Short('c') => list = true,
            Arg::Long(name) if name == "cpu-list" => list = true,
            Arg::Operand(word) => {
                operands.push(word);
                operands.extend(args.rest());
            }
            other => return Err(other.unexpected().into()),
        }
    }
    let parse = |text: &str| {
        let set = if list { CpuSet::parse_list(text) } else { CpuSet::parse_mask(text) };
        set.map_err(|error| Failure::usage(format!("{text}: {error}")))
    };
    if pid_mode {
        let (set, pid) = match operands.as_slice() {
            [pid] => (None, pid),
            [set, pid] => (Some(parse(set)?), pid),
            [] => return Err(UsageError::MissingOperand.into()),
            _ => return Err(Failure::usage("-p takes at most a set and a pid")),
        };
        let pid = pid.parse::<usize>().map_err(|_| Failure::usage(format!("{pid}: not a process id")))?;
        return show_or_set(tool, pid, set, list);
    }
    let [set, command @ ..] = operands.as_slice() else { return Err(UsageError::MissingOperand.into()) };
    let set = parse(set)?;
    let Some((program, arguments)) = command.split_first() else { return Err(UsageError::MissingOperand.into()) };
    let me = TaskHandle::process(process::id()).map_err(|e| Failure::path("self", e))?;
    sched::set_affinity(&me, &set).map_err(|e| Failure::path(&set.to_list(), e))?;
    let error = match resolve(program, &search_path()) {
        Ok(resolved) => Command::new(&resolved).args(arguments).exec(),
        Err(error) => error,
    };
    Err(launch_failure(tool, program, &error))
}

/// `-p`: prints process `pid`'s set, then changes it to `set` if given.
fn show_or_set(tool: &mut Tool, pid: usize, set: Option<CpuSet>, list: bool) -> Result<(), Failure> {
    let subject = format!("{pid}");
    let task = TaskHandle::process(pid).map_err(|e| Failure::path(&subject, e))?;
    let (kind, text): (&str, fn(&CpuSet) -> String) =
        if list { ("list", CpuSet::to_list) } else { ("mask", CpuSet::to_mask) };
    let current = sched::affinity(&task).map_err(|e| Failure::path(&subject, e))?;
    writeln!(tool.out, "pid {pid}'s current affinity {kind}: {}", text(&current))?;
    if let Some(set) = set {
        sched::set_affinity(&task, &set).map_err(|e| Failure::path(&subject, e))?;
        let now = sched::affinity(&task).map_err(|e| Failure::path(&subject, e))?;
        writeln!(tool.out, "pid {pid}'s new affinity {kind}: {}", text(&now))?;
    }
    Ok(())
}
