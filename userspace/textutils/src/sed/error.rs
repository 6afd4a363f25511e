//! Why a `sed` script does not parse: [`SedError`], worded as GNU sed words it.

use alloc::vec::Vec;
use core::fmt;

use crate::regex::RegexError;

/// A script that [`crate::sed::parse`] refused, and where (a 1-based byte position in the
/// script, the `-e` parts joined with newlines; 0 when the problem is the script as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SedError {
    pub position: usize,
    pub kind: SedErrorKind,
}

/// What is wrong with a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SedErrorKind {
    UnterminatedSubstitute,
    UnterminatedTransliterate,
    UnterminatedAddressRegex,
    UnknownCommand(u8),
    /// A GNU command this implementation leaves out (file reading and writing, `e`).
    UnsupportedCommand(u8),
    UnknownSubstituteOption,
    /// An `s` flag or address modifier this implementation leaves out (`M`, `w`, `e`).
    UnsupportedModifier(u8),
    UnmatchedOpenBrace,
    UnexpectedCloseBrace,
    ExtraCharacters,
    MissingCommand,
    /// `q` or `Q` with an address range.
    OneAddressOnly,
    /// `:`, `}` or a comment after an address.
    NoAddressAllowed(u8),
    ExpectedBackslash,
    InvalidLineZero,
    UnexpectedComma,
    MultipleNegation,
    MissingLabel,
    UnknownLabel(Vec<u8>),
    YLengthMismatch,
    ZeroOccurrence,
    MultipleGlobal,
    MultiplePrint,
    MultipleOccurrence,
    /// `\N` in a replacement for a group the regex does not have.
    InvalidReference(usize),
    /// An empty regex (`//`) before any regex.
    NoPreviousRegex,
    Regex(RegexError),
}

/// Shows `byte` as itself when printable, else as `\xNN`.
struct Shown(u8);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_ascii_graphic() { write!(f, "{}", char::from(self.0)) } else { write!(f, "\\x{:02x}", self.0) }
    }
}

impl fmt::Display for SedErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SedErrorKind::UnterminatedSubstitute => f.write_str("unterminated 's' command"),
            SedErrorKind::UnterminatedTransliterate => f.write_str("unterminated 'y' command"),
            SedErrorKind::UnterminatedAddressRegex => f.write_str("unterminated address regex"),
            SedErrorKind::UnknownCommand(byte) => write!(f, "unknown command: '{}'", Shown(*byte)),
            SedErrorKind::UnsupportedCommand(byte) => write!(f, "command not supported: '{}'", Shown(*byte)),
            SedErrorKind::UnknownSubstituteOption => f.write_str("unknown option to 's'"),
            SedErrorKind::UnsupportedModifier(byte) => write!(f, "modifier not supported: '{}'", Shown(*byte)),
            SedErrorKind::UnmatchedOpenBrace => f.write_str("unmatched '{'"),
            SedErrorKind::UnexpectedCloseBrace => f.write_str("unexpected '}'"),
            SedErrorKind::ExtraCharacters => f.write_str("extra characters after command"),
            SedErrorKind::MissingCommand => f.write_str("missing command"),
            SedErrorKind::OneAddressOnly => f.write_str("command only uses one address"),
            SedErrorKind::NoAddressAllowed(b'#') => f.write_str("comments don't accept any addresses"),
            SedErrorKind::NoAddressAllowed(byte) => write!(f, "'{}' doesn't want any addresses", Shown(*byte)),
            SedErrorKind::ExpectedBackslash => f.write_str("expected \\ after 'a', 'c' or 'i'"),
            SedErrorKind::InvalidLineZero => f.write_str("invalid usage of line address 0"),
            SedErrorKind::UnexpectedComma => f.write_str("unexpected ','"),
            SedErrorKind::MultipleNegation => f.write_str("multiple '!'s"),
            SedErrorKind::MissingLabel => f.write_str("\":\" lacks a label"),
            SedErrorKind::UnknownLabel(label) => {
                write!(f, "can't find label for jump to '{}'", alloc::string::String::from_utf8_lossy(label))
            }
            SedErrorKind::YLengthMismatch => f.write_str("strings for 'y' command are different lengths"),
            SedErrorKind::ZeroOccurrence => f.write_str("number option to 's' command may not be zero"),
            SedErrorKind::MultipleGlobal => f.write_str("multiple 'g' options to 's' command"),
            SedErrorKind::MultiplePrint => f.write_str("multiple 'p' options to 's' command"),
            SedErrorKind::MultipleOccurrence => f.write_str("multiple number options to 's' command"),
            SedErrorKind::InvalidReference(group) => write!(f, "invalid reference \\{group} on 's' command's RHS"),
            SedErrorKind::NoPreviousRegex => f.write_str("no previous regular expression"),
            SedErrorKind::Regex(error) => write!(f, "{error}"),
        }
    }
}

impl fmt::Display for SedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "char {}: {}", self.position, self.kind)
    }
}
