//! The `set` options of the shell (`-e`, `-u`, `-x`, `-o pipefail` ...).

use alloc::string::String;

/// One shell option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShellOption {
    AllExport,
    ErrExit,
    NoGlob,
    Monitor,
    NoExec,
    NoUnset,
    XTrace,
    PipeFail,
}

/// Every option with its `set -o` name and its letter, if it has one.
pub const OPTIONS: [(ShellOption, &str, Option<char>); 8] = [
    (ShellOption::AllExport, "allexport", Some('a')),
    (ShellOption::ErrExit, "errexit", Some('e')),
    (ShellOption::NoGlob, "noglob", Some('f')),
    (ShellOption::Monitor, "monitor", Some('m')),
    (ShellOption::NoExec, "noexec", Some('n')),
    (ShellOption::NoUnset, "nounset", Some('u')),
    (ShellOption::XTrace, "xtrace", Some('x')),
    (ShellOption::PipeFail, "pipefail", None),
];

impl ShellOption {
    pub fn from_letter(letter: char) -> Option<ShellOption> {
        OPTIONS.iter().find(|(_, _, l)| *l == Some(letter)).map(|(option, _, _)| *option)
    }

    pub fn from_name(name: &str) -> Option<ShellOption> {
        OPTIONS.iter().find(|(_, n, _)| *n == name).map(|(option, _, _)| *option)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// The set of options that are on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options(u16);

impl Options {
    pub fn is_on(self, option: ShellOption) -> bool {
        self.0 & option.bit() != 0
    }

    pub fn set(&mut self, option: ShellOption, on: bool) {
        if on {
            self.0 |= option.bit();
        } else {
            self.0 &= !option.bit();
        }
    }

    /// The letters of the options that are on, as `$-` shows them.
    pub fn letters(self) -> String {
        OPTIONS.iter().filter(|(option, _, _)| self.is_on(*option)).filter_map(|(_, _, letter)| *letter).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_toggle_and_list_their_letters() {
        let mut options = Options::default();
        options.set(ShellOption::ErrExit, true);
        options.set(ShellOption::XTrace, true);
        options.set(ShellOption::PipeFail, true);
        assert_eq!(options.letters(), "ex");
        options.set(ShellOption::ErrExit, false);
        assert!(!options.is_on(ShellOption::ErrExit));
        assert_eq!(ShellOption::from_letter('u'), Some(ShellOption::NoUnset));
        assert_eq!(ShellOption::from_name("pipefail"), Some(ShellOption::PipeFail));
    }
}
