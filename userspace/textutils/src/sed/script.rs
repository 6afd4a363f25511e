//! A parsed `sed` script: commands with their addresses, as [`super::parse`] builds them and
//! [`super::exec`] runs them.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::replace::Replacement;
use crate::regex::Regex;

/// Which compiled regex an address or `s` command uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RegexRef {
    /// The regex at this index of [`Script::regexes`].
    Index(usize),
    /// `//`: the regex used last at run time, or `fallback` (the previous one in the script)
    /// when none has been used yet.
    Last { fallback: usize },
}

/// A single address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Address {
    /// A line number (0 only as the start of `0,/re/`).
    Line(u64),
    /// `$`: the last line.
    Last,
    /// `/re/`: the pattern space matches.
    Match(RegexRef),
    /// `first~step`: lines `first`, `first + step`, ...
    Step { first: u64, step: u64 },
}

/// The second address of a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum RangeEnd {
    Line(u64),
    Last,
    Match(RegexRef),
    /// `+N`: N more lines.
    Following(u64),
    /// `~N`: up to the next line whose number is a multiple of N.
    MultipleOf(u64),
}

/// The addresses of a command and whether `!` negates them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Selector {
    pub(super) first: Option<Address>,
    pub(super) end: Option<RangeEnd>,
    pub(super) negated: bool,
}

/// When `b`, `t` and `T` jump.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum BranchCondition {
    Always,
    /// `t`: a substitution succeeded since the last line was read or `t`/`T` jumped.
    IfSubstituted,
    /// `T`: no substitution succeeded.
    UnlessSubstituted,
}

/// `s/regex/replacement/flags`.
#[derive(Clone, Debug)]
pub(super) struct Substitution {
    pub(super) regex: RegexRef,
    pub(super) replacement: Replacement,
    /// Replace from the N-th match on (1 without a number flag).
    pub(super) occurrence: usize,
    /// `g`: replace every match from the N-th on, not just the N-th.
    pub(super) global: bool,
    /// `p`: print the pattern space after a replacement.
    pub(super) print: bool,
}

/// What a command does.
#[derive(Clone, Debug)]
pub(super) enum Action {
    /// `{`: when not selected, continue after the command at `end` (its `}`).
    BlockStart {
        end: usize,
    },
    /// `}`.
    BlockEnd,
    Substitute(Box<Substitution>),
    /// `y`: the byte each byte becomes.
    Transliterate(Box<[u8; 256]>),
    /// `d`.
    Delete,
    /// `D`.
    DeleteFirstLine,
    /// `p`.
    Print,
    /// `P`.
    PrintFirstLine,
    /// `l`.
    List,
    /// `q` (with `autoprint`) or `Q`.
    Quit {
        exit_code: i32,
        autoprint: bool,
    },
    /// `=`.
    LineNumber,
    /// `a`: text (with its final newline) to print at the end of the cycle.
    Append(Vec<u8>),
    /// `i`: text to print now.
    Insert(Vec<u8>),
    /// `c`: text to print instead of the pattern space.
    Change(Vec<u8>),
    /// `n`.
    Next,
    /// `N`.
    NextAppend,
    /// `h`.
    Hold,
    /// `H`.
    HoldAppend,
    /// `g`.
    Get,
    /// `G`.
    GetAppend,
    /// `x`.
    Exchange,
    /// `b`, `t`, `T`: continue at command `target`, or end the cycle when `None`.
    Branch {
        target: Option<usize>,
        condition: BranchCondition,
    },
    /// `z`.
    Zap,
}

/// One command.
#[derive(Clone, Debug)]
pub(super) struct Command {
    pub(super) selector: Selector,
    pub(super) action: Action,
}

/// A parsed script, ready to run any number of times.
#[derive(Clone, Debug)]
pub struct Script {
    pub(super) commands: Vec<Command>,
    pub(super) regexes: Vec<Regex>,
    /// The script starts with the line `#n`, which means `-n`.
    pub(super) quiet: bool,
}
