//! Command-line parsing as GNU's `getopt_long` does it: short options that
//! cluster (`-la`) and take values attached or separate (`-n5`, `-n 5`),
//! long options (`--name`, `--name=value`, `--name value`), `--` ending the
//! options, `-` as an operand, and operands anywhere among the options —
//! or, for tools that run a command (`env`, `xargs`, `time`), options only
//! before the first operand.
//!
//! Depends on `cairn-rt` and `cairn-text` (the units of `head` and `tail`).

use core::fmt;

use cairn_rt::{String, ToString, Vec, env};
use cairn_text::headtail::Unit;

/// One item of the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// `-x` (also each letter of a cluster `-xyz`).
    Short(char),
    /// `--name` (without the dashes or any `=value`).
    Long(String),
    /// Anything else.
    Operand(String),
}

impl Arg {
    /// The error for an item the tool does not accept here.
    pub fn unexpected(self) -> UsageError {
        match self {
            Arg::Short(letter) => UsageError::UnknownShort(letter),
            Arg::Long(name) => UsageError::UnknownLong(name),
            Arg::Operand(operand) => UsageError::ExtraOperand(operand),
        }
    }
}

/// A command line the tool cannot use; shown as GNU words it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UsageError {
    UnknownShort(char),
    UnknownLong(String),
    /// The option (`-n` or `--name`) needs a value and has none.
    MissingValue(String),
    /// `--name=value` for an option without a value.
    UnexpectedValue(String),
    MissingOperand,
    ExtraOperand(String),
    /// A value that does not parse: `invalid WHAT: 'VALUE'`.
    InvalidValue {
        what: &'static str,
        value: String,
    },
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UsageError::UnknownShort(letter) => write!(f, "invalid option -- '{letter}'"),
            UsageError::UnknownLong(name) => write!(f, "unrecognized option '--{name}'"),
            UsageError::MissingValue(option) if option.starts_with("--") => {
                write!(f, "option '{option}' requires an argument")
            }
            UsageError::MissingValue(option) => {
                write!(f, "option requires an argument -- '{}'", option.trim_start_matches('-'))
            }
            UsageError::UnexpectedValue(option) => write!(f, "option '{option}' doesn't allow an argument"),
            UsageError::MissingOperand => f.write_str("missing operand"),
            UsageError::ExtraOperand(operand) => write!(f, "extra operand '{operand}'"),
            UsageError::InvalidValue { what, value } => write!(f, "invalid {what}: '{value}'"),
        }
    }
}

/// Walks a command line item by item.
#[derive(Debug)]
pub struct ArgParser {
    args: Vec<String>,
    /// The next argument to look at.
    index: usize,
    /// A cluster of short options being taken apart, and the byte offset of
    /// its next letter.
    cluster: Option<(String, usize)>,
    /// The `=value` of the long option just returned, until taken.
    long_value: Option<String>,
    /// The option just returned, as typed (`-n`, `--lines`), for messages.
    current: String,
    options_done: bool,
    stop_at_operand: bool,
    numbers_are_operands: bool,
}

impl ArgParser {
    /// Parses `args` (without the program name).
    pub fn new(args: Vec<String>) -> ArgParser {
        ArgParser {
            args,
            index: 0,
            cluster: None,
            long_value: None,
            current: String::new(),
            options_done: false,
            stop_at_operand: false,
            numbers_are_operands: false,
        }
    }

    /// Parses this program's arguments.
    pub fn from_env() -> ArgParser {
        ArgParser::new(env::args().skip(1).collect())
    }

    /// Treats everything from the first operand on as operands (for tools
    /// whose operands are a command and its own options).
    pub fn stop_at_first_operand(mut self) -> ArgParser {
        self.stop_at_operand = true;
        self
    }

    /// Treats `-5` and `-1.5` as operands, not options (`seq -5 5`).
    pub fn negative_numbers_are_operands(mut self) -> ArgParser {
        self.numbers_are_operands = true;
        self
    }

    /// The next item, or `None` at the end.
    pub fn next_arg(&mut self) -> Result<Option<Arg>, UsageError> {
        if self.long_value.is_some() {
            return Err(UsageError::UnexpectedValue(self.current.clone()));
        }
        if let Some((text, at)) = &mut self.cluster {
            if let Some(letter) = text[*at..].chars().next() {
                *at += letter.len_utf8();
                self.current = option_text(letter);
                return Ok(Some(Arg::Short(letter)));
            }
            self.cluster = None;
        }
        let Some(arg) = self.args.get(self.index).cloned() else {
            return Ok(None);
        };
        self.index += 1;
        let is_number = self.numbers_are_operands
            && arg.strip_prefix('-').is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit() || c == '.'));
        if self.options_done || arg == "-" || !arg.starts_with('-') || is_number {
            if self.stop_at_operand {
                self.options_done = true;
            }
            return Ok(Some(Arg::Operand(arg)));
        }
        if arg == "--" {
            self.options_done = true;
            return self.next_arg();
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (long, None),
            };
            self.current = ["--", name].concat();
            self.long_value = value;
            return Ok(Some(Arg::Long(name.to_string())));
        }
        self.cluster = Some((arg, 1));
        self.next_arg()
    }

    /// The value of the option just returned: the rest of its cluster, its
    /// `=value`, or the next argument.
    pub fn value(&mut self) -> Result<String, UsageError> {
        if let Some((text, at)) = self.cluster.take()
            && at < text.len()
        {
            return Ok(text[at..].to_string());
        }
        if let Some(value) = self.long_value.take() {
            return Ok(value);
        }
        let value = self.args.get(self.index).cloned().ok_or_else(|| UsageError::MissingValue(self.current.clone()))?;
        self.index += 1;
        Ok(value)
    }

    /// The value of the option just returned, parsed as a number;
    /// `what` names it in the error (`number of lines`).
    pub fn number<T: core::str::FromStr>(&mut self, what: &'static str) -> Result<T, UsageError> {
        let value = self.value()?;
        value.parse().map_err(|_| UsageError::InvalidValue { what, value })
    }

    /// The arguments not looked at yet.
    pub fn rest(&mut self) -> Vec<String> {
        let rest = self.args.split_off(self.index.min(self.args.len()));
        self.index = self.args.len();
        rest
    }
}

/// `-x` for option letter `x`.
fn option_text(letter: char) -> String {
    let mut option = String::from("-");
    option.push(letter);
    option
}

/// The operands, or `-` (standard input) when there are none.
pub fn operands_or_stdin(operands: Vec<String>) -> Vec<String> {
    if operands.is_empty() { Vec::from([String::from("-")]) } else { operands }
}

/// The unit a `head` or `tail` count option counts: `-n`/`--lines`
/// lines, `-c`/`--bytes` bytes; `None` for any other item.
pub fn count_option(arg: &Arg) -> Option<Unit> {
    match arg {
        Arg::Short('n') => Some(Unit::Lines),
        Arg::Long(name) if name == "lines" => Some(Unit::Lines),
        Arg::Short('c') => Some(Unit::Bytes),
        Arg::Long(name) if name == "bytes" => Some(Unit::Bytes),
        _ => None,
    }
}

/// Rewrites the historical count form of `head` and `tail` as the first
/// argument into a `-n` option: `-5` becomes `-n 5`, and (for `tail`,
/// `plus_too`) `+5` becomes `-n +5`.
pub fn legacy_count(mut args: Vec<String>, plus_too: bool) -> Vec<String> {
    let Some(first) = args.first() else {
        return args;
    };
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let count = match (first.strip_prefix('-'), first.strip_prefix('+')) {
        (Some(rest), _) if digits(rest) => String::from(rest),
        (_, Some(rest)) if plus_too && digits(rest) => first.clone(),
        _ => return args,
    };
    args[0] = count;
    args.insert(0, String::from("-n"));
    args
}
