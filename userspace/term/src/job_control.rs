//! Job control on a terminal: process groups, the signals a terminal generates, and the POSIX
//! rule for background process groups that read from or write to their controlling terminal.

use crate::termios::{LocalFlags, Termios};

/// A process group id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProcessGroup(pub u32);

/// A signal a terminal sends, with its POSIX name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Signal {
    /// `SIGINT`: the `VINTR` character was typed.
    Int,
    /// `SIGQUIT`: the `VQUIT` character was typed.
    Quit,
    /// `SIGTSTP`: the `VSUSP` character was typed.
    Tstp,
    /// `SIGTTIN`: a background process group read from the terminal.
    Ttin,
    /// `SIGTTOU`: a background process group wrote to the terminal under `TOSTOP`.
    Ttou,
    /// `SIGWINCH`: the window size changed (the server sends it to the foreground group).
    Winch,
}

impl Signal {
    /// The signal number (Linux's values, as in `cairn_abi::signal`).
    pub fn number(self) -> u32 {
        match self {
            Self::Int => 2,
            Self::Quit => 3,
            Self::Tstp => 20,
            Self::Ttin => 21,
            Self::Ttou => 22,
            Self::Winch => 28,
        }
    }
}

/// Whether a process may go on with a read or write on its controlling terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Go on.
    Allowed,
    /// Send this signal to the caller's process group instead of doing the call. If the caller
    /// ignores or blocks it, a read fails with `EIO` and a write goes on, as on Linux.
    Signal(Signal),
}

/// Whether `caller` may read from its controlling terminal whose foreground group is
/// `foreground` (`None`: no foreground group, as after the session leader set none).
pub fn read_access(foreground: Option<ProcessGroup>, caller: ProcessGroup) -> Access {
    match foreground {
        Some(group) if group != caller => Access::Signal(Signal::Ttin),
        _ => Access::Allowed,
    }
}

/// Whether `caller` may write to its controlling terminal: background groups are stopped only
/// under `TOSTOP`.
pub fn write_access(termios: &Termios, foreground: Option<ProcessGroup>, caller: ProcessGroup) -> Access {
    match foreground {
        Some(group) if group != caller && termios.local.contains(LocalFlags::TOSTOP) => Access::Signal(Signal::Ttou),
        _ => Access::Allowed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FOREGROUND: ProcessGroup = ProcessGroup(7);
    const BACKGROUND: ProcessGroup = ProcessGroup(9);

    #[test]
    fn signal_numbers_are_the_linux_ones() {
        let numbers =
            [Signal::Int, Signal::Quit, Signal::Tstp, Signal::Ttin, Signal::Ttou, Signal::Winch].map(Signal::number);
        assert_eq!(numbers, [2, 3, 20, 21, 22, 28]);
    }

    #[test]
    fn foreground_group_reads_and_background_group_gets_sigttin() {
        assert_eq!(read_access(Some(FOREGROUND), FOREGROUND), Access::Allowed);
        assert_eq!(read_access(Some(FOREGROUND), BACKGROUND), Access::Signal(Signal::Ttin));
        assert_eq!(read_access(None, BACKGROUND), Access::Allowed);
    }

    #[test]
    fn background_write_is_stopped_only_under_tostop() {
        let mut termios = Termios::default();
        assert_eq!(write_access(&termios, Some(FOREGROUND), BACKGROUND), Access::Allowed);
        termios.local.insert(LocalFlags::TOSTOP);
        assert_eq!(write_access(&termios, Some(FOREGROUND), BACKGROUND), Access::Signal(Signal::Ttou));
        assert_eq!(write_access(&termios, Some(FOREGROUND), FOREGROUND), Access::Allowed);
        assert_eq!(write_access(&termios, None, BACKGROUND), Access::Allowed);
    }
}
