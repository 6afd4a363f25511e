//! Why a pattern does not compile: [`RegexError`], with GNU's wording where GNU has one.

use core::fmt;

/// A pattern that [`crate::regex::compile`] refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegexError {
    /// A `(` (ERE) or `\(` (BRE) without its closing partner.
    UnmatchedOpenParen,
    /// A `\)` (BRE) without an opening partner.
    UnmatchedCloseParen,
    /// A `[` without its closing `]`, or an unterminated `[:`, `[=` or `[.`.
    UnmatchedBracket,
    /// A `\{` (BRE) without its closing `\}`.
    UnmatchedBrace,
    /// An interval that is not `{m}`, `{m,}`, `{,n}` or `{m,n}` with `m <= n`.
    InvalidInterval,
    /// `[:name:]` with an unknown class name.
    InvalidClassName,
    /// `[=x=]` or `[.x.]` naming more or less than one byte.
    InvalidCollatingElement,
    /// A range in brackets whose end sorts before its start.
    InvalidRangeEnd,
    /// The pattern ends in a lone `\`.
    TrailingBackslash,
    /// `\N` naming a group that is not closed yet.
    InvalidBackReference,
    /// `\N` naming a group that exists: this engine matches in linear time and has no
    /// back-references in patterns (they are fine in `sed` replacements).
    BackReferenceUnsupported,
    /// A repetition count above 32767, or a program too large to run.
    TooBig,
    /// Groups or repetitions nested deeper than the engine allows.
    NestedTooDeeply,
}

impl fmt::Display for RegexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RegexError::UnmatchedOpenParen => "Unmatched ( or \\(",
            RegexError::UnmatchedCloseParen => "Unmatched ) or \\)",
            RegexError::UnmatchedBracket => "Unmatched [, [^, [:, [., or [=",
            RegexError::UnmatchedBrace => "Unmatched \\{",
            RegexError::InvalidInterval => "Invalid content of \\{\\}",
            RegexError::InvalidClassName => "Invalid character class name",
            RegexError::InvalidCollatingElement => "Invalid collation character",
            RegexError::InvalidRangeEnd => "Invalid range end",
            RegexError::TrailingBackslash => "Trailing backslash",
            RegexError::InvalidBackReference => "Invalid back reference",
            RegexError::BackReferenceUnsupported => "Back-references in patterns are not supported",
            RegexError::TooBig => "Regular expression too big",
            RegexError::NestedTooDeeply => "Regular expression nested too deeply",
        })
    }
}
