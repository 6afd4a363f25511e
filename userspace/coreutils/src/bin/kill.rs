//! `kill [-s SIGNAL | -SIGNAL] PID...`, `kill -l [SIGNAL]`: sends a signal
//! (TERM by default; a name like `KILL`, `SIGKILL` or a number) to each
//! process; a negative PID names a process group, -1 every process the
//! sender may signal. `-l` lists the signal names, or converts between a
//! signal's name and number.
#![no_std]
#![no_main]

use cairn_rt::signal::{
    self, SIGABRT, SIGALRM, SIGBUS, SIGCHLD, SIGCONT, SIGFPE, SIGHUP, SIGILL, SIGINT, SIGKILL, SIGPIPE, SIGQUIT,
    SIGSEGV, SIGSTOP, SIGTERM, SIGTRAP, SIGTSTP, SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2,
};
use cairn_rt::{String, Vec, env, format};
use coreutils::args::UsageError;
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// The signals Cairn knows, by name.
const SIGNALS: [(&str, usize); 21] = [
    ("HUP", SIGHUP),
    ("INT", SIGINT),
    ("QUIT", SIGQUIT),
    ("ILL", SIGILL),
    ("TRAP", SIGTRAP),
    ("ABRT", SIGABRT),
    ("BUS", SIGBUS),
    ("FPE", SIGFPE),
    ("KILL", SIGKILL),
    ("USR1", SIGUSR1),
    ("SEGV", SIGSEGV),
    ("USR2", SIGUSR2),
    ("PIPE", SIGPIPE),
    ("ALRM", SIGALRM),
    ("TERM", SIGTERM),
    ("CHLD", SIGCHLD),
    ("CONT", SIGCONT),
    ("STOP", SIGSTOP),
    ("TSTP", SIGTSTP),
    ("TTIN", SIGTTIN),
    ("TTOU", SIGTTOU),
];

fn main() -> i32 {
    tool::run("kill", kill)
}

/// The signal `text` names (`TERM`, `SIGTERM`, `term`, `15`; 0 checks
/// that the process exists).
fn parse_signal(text: &str) -> Option<usize> {
    if let Ok(number) = text.parse::<usize>() {
        return (number == 0 || SIGNALS.iter().any(|&(_, known)| known == number)).then_some(number);
    }
    let upper = text.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    SIGNALS.iter().find(|&&(known, _)| known == name).map(|&(_, number)| number)
}

fn invalid_signal(text: &str) -> Failure {
    Failure::usage(format!("{text}: invalid signal specification"))
}

fn kill(tool: &mut Tool) -> Result<(), Failure> {
    let mut args: Vec<String> = env::args().skip(1).collect();
    let first = args.first().cloned().unwrap_or_default();
    if first == "-l" || first == "-L" {
        return list(tool, &args[1..]);
    }
    let mut signal = SIGTERM;
    if first == "-s" {
        let name = args.get(1).ok_or(UsageError::MissingValue(String::from("-s")))?;
        signal = parse_signal(name).ok_or_else(|| invalid_signal(name))?;
        args.drain(..2);
    } else if let Some(name) = first.strip_prefix('-').filter(|name| !name.is_empty() && *name != "-") {
        signal = parse_signal(name).ok_or_else(|| invalid_signal(name))?;
        args.remove(0);
    }
    if args.first().is_some_and(|arg| arg == "--") {
        args.remove(0);
    }
    if args.is_empty() {
        return Err(UsageError::MissingOperand.into());
    }
    for target in &args {
        let Ok(pid) = target.parse::<isize>() else {
            tool.report(target, "arguments must be process or job IDs");
            continue;
        };
        // The system call takes a group as the negated id, -1 as everyone.
        if let Err(error) = signal::kill(pid as usize, signal) {
            tool.report_error(target, &error);
        }
    }
    Ok(())
}

/// `kill -l`: every name, or the name of each number and the number of
/// each name given.
fn list(tool: &mut Tool, names: &[String]) -> Result<(), Failure> {
    if names.is_empty() {
        let all: Vec<&str> = SIGNALS.iter().map(|&(name, _)| name).collect();
        return writeln!(tool.out, "{}", all.join(" "));
    }
    for name in names {
        // An exit status above 128 stands for the signal that caused it.
        let number = name.parse::<usize>().map(|number| if number > 128 { number - 128 } else { number });
        match number {
            Ok(number) => match SIGNALS.iter().find(|&&(_, known)| known == number) {
                Some((known, _)) => writeln!(tool.out, "{known}")?,
                None => return Err(invalid_signal(name)),
            },
            Err(_) => writeln!(tool.out, "{}", parse_signal(name).ok_or_else(|| invalid_signal(name))?)?,
        }
    }
    Ok(())
}
