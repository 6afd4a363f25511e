//! Signal numbers (POSIX/Linux numbering, as Cairn uses) and their names for `trap`, `kill` and job reports.

use crate::os::Signal;

pub const SIGHUP: Signal = 1;
pub const SIGINT: Signal = 2;
pub const SIGKILL: Signal = 9;
pub const SIGPIPE: Signal = 13;
pub const SIGTERM: Signal = 15;
pub const SIGCONT: Signal = 18;
pub const SIGTSTP: Signal = 20;

/// Signal names without the `SIG` prefix, by number.
pub const NAMES: [(&str, Signal); 22] = [
    ("HUP", 1),
    ("INT", 2),
    ("QUIT", 3),
    ("ILL", 4),
    ("TRAP", 5),
    ("ABRT", 6),
    ("BUS", 7),
    ("FPE", 8),
    ("KILL", 9),
    ("USR1", 10),
    ("SEGV", 11),
    ("USR2", 12),
    ("PIPE", 13),
    ("ALRM", 14),
    ("TERM", 15),
    ("CHLD", 17),
    ("CONT", 18),
    ("STOP", 19),
    ("TSTP", 20),
    ("TTIN", 21),
    ("TTOU", 22),
    ("WINCH", 28),
];

/// The number of a signal given as `INT`, `SIGINT`, `int` or `2`.
pub fn from_name(text: &str) -> Option<Signal> {
    if let Ok(number) = text.parse::<Signal>() {
        return NAMES.iter().any(|(_, n)| *n == number).then_some(number);
    }
    let upper = text.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    NAMES.iter().find(|(n, _)| *n == name).map(|(_, number)| *number)
}

/// The name of a signal number (without `SIG`).
pub fn name(signal: Signal) -> Option<&'static str> {
    NAMES.iter().find(|(_, n)| *n == signal).map(|(name, _)| *name)
}

/// How `jobs` describes a process killed by `signal`.
pub fn description(signal: Signal) -> &'static str {
    match signal {
        SIGHUP => "Hangup",
        SIGINT => "Interrupt",
        SIGKILL => "Killed",
        SIGPIPE => "Broken pipe",
        SIGTERM => "Terminated",
        3 => "Quit",
        6 => "Aborted",
        11 => "Segmentation fault",
        _ => "Signaled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_convert_both_ways() {
        assert_eq!(from_name("INT"), Some(SIGINT));
        assert_eq!(from_name("sigterm"), Some(SIGTERM));
        assert_eq!(from_name("9"), Some(SIGKILL));
        assert_eq!(from_name("99"), None);
        assert_eq!(from_name("BOGUS"), None);
        assert_eq!(name(SIGTSTP), Some("TSTP"));
    }
}
