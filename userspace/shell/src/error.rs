//! The errors of parsing, arithmetic and word expansion.

use alloc::string::String;
use core::fmt;

/// A syntax error or incomplete input, with the position (1-based line and column) where it was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ParseErrorKind,
    pub line: usize,
    pub column: usize,
}

/// What is wrong with the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The input ends inside a construct (open quote, `if` without `fi`, trailing `|`, unterminated
    /// here-document ...): an interactive shell asks for another line.
    Incomplete,
    /// A token that cannot appear where it does; holds its text.
    Unexpected(String),
    /// A malformed `${...}`; holds its text.
    BadSubstitution(String),
    /// A function name that is not a valid name.
    BadFunctionName(String),
    /// Constructs nested deeper than the parser allows.
    TooDeep,
}

impl ParseError {
    /// Whether more input could complete the command.
    pub fn is_incomplete(&self) -> bool {
        self.kind == ParseErrorKind::Incomplete
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: syntax error: ", self.line, self.column)?;
        match &self.kind {
            ParseErrorKind::Incomplete => f.write_str("unexpected end of file"),
            ParseErrorKind::Unexpected(token) => write!(f, "unexpected '{token}'"),
            ParseErrorKind::BadSubstitution(text) => write!(f, "bad substitution '{text}'"),
            ParseErrorKind::BadFunctionName(name) => write!(f, "'{name}' is not a valid function name"),
            ParseErrorKind::TooDeep => f.write_str("nesting too deep"),
        }
    }
}

/// An error while evaluating `$((...))`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArithError {
    DivisionByZero,
    NegativeExponent,
    /// The expression is malformed; holds the offending text.
    Syntax(String),
    /// Assignment to a read-only variable.
    ReadOnly(String),
    /// Variables referring to expressions nested too deeply.
    TooDeep,
}

impl fmt::Display for ArithError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArithError::DivisionByZero => f.write_str("division by zero"),
            ArithError::NegativeExponent => f.write_str("exponent less than 0"),
            ArithError::Syntax(text) => write!(f, "arithmetic syntax error: '{text}'"),
            ArithError::ReadOnly(name) => write!(f, "{name}: readonly variable"),
            ArithError::TooDeep => f.write_str("arithmetic expression nested too deeply"),
        }
    }
}

/// An error that aborts the expansion of a word.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpandError {
    /// `set -u` and an unset parameter.
    Unbound(String),
    /// `${name:?message}` with the parameter unset or null.
    NullOrUnset {
        name: String,
        message: String,
    },
    /// `${name:=word}` on a parameter that cannot be assigned.
    CannotAssign(String),
    /// Assignment to a read-only variable.
    ReadOnly(String),
    Arithmetic(ArithError),
    /// Command substitutions nested deeper than the shell allows.
    TooDeep,
}

impl fmt::Display for ExpandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpandError::Unbound(name) => write!(f, "{name}: unbound variable"),
            ExpandError::NullOrUnset { name, message } => write!(f, "{name}: {message}"),
            ExpandError::CannotAssign(name) => write!(f, "${name}: cannot assign in this way"),
            ExpandError::ReadOnly(name) => write!(f, "{name}: readonly variable"),
            ExpandError::Arithmetic(error) => error.fmt(f),
            ExpandError::TooDeep => f.write_str("expansion nested too deeply"),
        }
    }
}

impl From<ArithError> for ExpandError {
    fn from(error: ArithError) -> Self {
        ExpandError::Arithmetic(error)
    }
}
