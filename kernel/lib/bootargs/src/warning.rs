//! What the command-line parser complains about: [`CmdlineWarning`], carrying the offending
//! text as an [`Excerpt`] that prints safely (escaped, length-limited) on a serial console.
//! Depends only on `core`.

use core::fmt;

/// Most bytes of offending text a warning keeps.
pub const EXCERPT_LEN: usize = 64;

/// The start (at most [`EXCERPT_LEN`] bytes) of a piece of the command line. Displayed with
/// every byte outside printable ASCII escaped as `\xNN` (and `\` and `"` backslash-escaped),
/// followed by `...` if it was cut short.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Excerpt<'a> {
    bytes: &'a [u8],
    truncated: bool,
}

impl<'a> Excerpt<'a> {
    /// The excerpt of `text`.
    pub fn new(text: &'a [u8]) -> Self {
        match text.get(..EXCERPT_LEN) {
            Some(bytes) if text.len() > EXCERPT_LEN => Self { bytes, truncated: true },
            _ => Self { bytes: text, truncated: false },
        }
    }

    /// The bytes kept.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// Whether the original text was longer than what was kept.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in self.bytes {
            match b {
                b'\\' => f.write_str("\\\\")?,
                b'"' => f.write_str("\\\"")?,
                0x20..=0x7e => write!(f, "{}", char::from(b))?,
                _ => write!(f, "\\x{b:02x}")?,
            }
        }
        if self.truncated {
            f.write_str("...")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// Something wrong with one word of the command line. The word is ignored (or, for
/// [`CmdlineWarning::Duplicate`], replaces the earlier one) and parsing goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmdlineWarning<'a> {
    /// The word is not valid UTF-8.
    NotUtf8(Excerpt<'a>),
    /// The word contains a control character.
    ControlCharacter(Excerpt<'a>),
    /// A `"` that is never closed; the rest of the line is ignored.
    UnterminatedQuote(Excerpt<'a>),
    /// Quotes anywhere but around a whole value (`key="value"`).
    MisplacedQuote(Excerpt<'a>),
    /// Nothing before the `=` (`=x`).
    EmptyKey(Excerpt<'a>),
    /// An option this kernel does not know.
    UnknownOption(Excerpt<'a>),
    /// A flag given a value (`quiet=1`).
    UnexpectedValue { key: &'static str, word: Excerpt<'a> },
    /// An option that needs a value given none (`init`, `init=`, `test=""`).
    MissingValue { key: &'static str, word: Excerpt<'a> },
    /// A value the option does not accept (`loglevel=bogus`, `test=a,,b`).
    InvalidValue { key: &'static str, value: Excerpt<'a> },
    /// An option given again; this later word replaces the earlier one.
    Duplicate { key: &'static str, word: Excerpt<'a> },
    /// A test name beyond the first [`crate::MAX_TESTS`]; ignored.
    TooManyTests(Excerpt<'a>),
}

impl fmt::Display for CmdlineWarning<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("command line: ")?;
        match *self {
            CmdlineWarning::NotUtf8(word) => write!(f, "ignoring \"{word}\": not valid UTF-8"),
            CmdlineWarning::ControlCharacter(word) => {
                write!(f, "ignoring \"{word}\": contains a control character")
            }
            CmdlineWarning::UnterminatedQuote(word) => {
                write!(f, "ignoring \"{word}\": unterminated quote")
            }
            CmdlineWarning::MisplacedQuote(word) => {
                write!(f, "ignoring \"{word}\": quotes must enclose the whole value")
            }
            CmdlineWarning::EmptyKey(word) => {
                write!(f, "ignoring \"{word}\": no option name before '='")
            }
            CmdlineWarning::UnknownOption(word) => write!(f, "ignoring unknown option \"{word}\""),
            CmdlineWarning::UnexpectedValue { key, word } => {
                write!(f, "ignoring \"{word}\": {key} takes no value")
            }
            CmdlineWarning::MissingValue { key, word } => {
                write!(f, "ignoring \"{word}\": {key} needs a value")
            }
            CmdlineWarning::InvalidValue { key, value } => {
                write!(f, "invalid value \"{value}\" for {key}")
            }
            CmdlineWarning::Duplicate { key, word } => {
                write!(f, "{key} given more than once; \"{word}\" replaces the earlier value")
            }
            CmdlineWarning::TooManyTests(name) => {
                write!(f, "more than {} test names; ignoring \"{name}\"", crate::MAX_TESTS)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;
    use std::string::ToString;

    #[test]
    fn excerpt_keeps_at_most_64_bytes() {
        let long = [b'a'; 100];
        let e = Excerpt::new(&long);
        assert_eq!(e.bytes().len(), EXCERPT_LEN);
        assert!(e.is_truncated());
        assert_eq!(e.to_string(), format!("{}...", "a".repeat(64)));
        let exact = [b'b'; EXCERPT_LEN];
        assert!(!Excerpt::new(&exact).is_truncated());
        assert_eq!(Excerpt::new(b"").to_string(), "");
    }

    #[test]
    fn excerpt_escapes_everything_unprintable() {
        let e = Excerpt::new(b"a\xff\x00\x1b\x7f\t\\\"\xc3\xa9~ ");
        assert_eq!(e.to_string(), "a\\xff\\x00\\x1b\\x7f\\x09\\\\\\\"\\xc3\\xa9~ ");
        assert_eq!(format!("{:?}", Excerpt::new(b"x\n")), "\"x\\x0a\"");
    }

    #[test]
    fn every_warning_displays() {
        let w = Excerpt::new(b"w\xff");
        let cases = [
            (CmdlineWarning::NotUtf8(w), "command line: ignoring \"w\\xff\": not valid UTF-8"),
            (CmdlineWarning::ControlCharacter(w), "command line: ignoring \"w\\xff\": contains a control character"),
            (CmdlineWarning::UnterminatedQuote(w), "command line: ignoring \"w\\xff\": unterminated quote"),
            (
                CmdlineWarning::MisplacedQuote(w),
                "command line: ignoring \"w\\xff\": quotes must enclose the whole value",
            ),
            (CmdlineWarning::EmptyKey(w), "command line: ignoring \"w\\xff\": no option name before '='"),
            (CmdlineWarning::UnknownOption(w), "command line: ignoring unknown option \"w\\xff\""),
            (
                CmdlineWarning::UnexpectedValue { key: "quiet", word: w },
                "command line: ignoring \"w\\xff\": quiet takes no value",
            ),
            (
                CmdlineWarning::MissingValue { key: "init", word: w },
                "command line: ignoring \"w\\xff\": init needs a value",
            ),
            (
                CmdlineWarning::InvalidValue { key: "loglevel", value: w },
                "command line: invalid value \"w\\xff\" for loglevel",
            ),
            (
                CmdlineWarning::Duplicate { key: "init", word: w },
                "command line: init given more than once; \"w\\xff\" replaces the earlier value",
            ),
            (CmdlineWarning::TooManyTests(w), "command line: more than 8 test names; ignoring \"w\\xff\""),
        ];
        for (warning, text) in cases {
            assert_eq!(warning.to_string(), text);
        }
    }
}
