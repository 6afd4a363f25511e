//! The Cairn kernel command line (as passed by GRUB): `quiet`, `loglevel=…`, `test=a,b,c`
//! and `init=…`, parsed from raw bytes into [`BootArgs`].
//!
//! The input is untrusted: it may be any length, non-UTF-8, full of control characters or
//! unbalanced quotes. Every word that is not understood produces a [`CmdlineWarning`] and
//! parsing continues; nothing panics. Results borrow from the input, so there is no copying
//! and no heap: `#![no_std]` without `alloc`, no dependencies beyond `core`.
//!
//! Syntax: words are separated by ASCII whitespace; a word is `key` or `key=value`, and the
//! value may be enclosed in double quotes to contain spaces (`init="/bin/my init"`).

#![no_std]

#[cfg(test)]
extern crate std;

mod warning;
mod words;

#[cfg(test)]
mod fuzz_tests;

use core::fmt;

pub use warning::{CmdlineWarning, EXCERPT_LEN, Excerpt};

/// Most test names `test=` accepts.
pub const MAX_TESTS: usize = 8;

/// How much the kernel logs, least to most.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    const ALL: [LogLevel; 5] = [LogLevel::Error, LogLevel::Warn, LogLevel::Info, LogLevel::Debug, LogLevel::Trace];

    /// The level called `name` on the command line (`error`, `warn`, `info`, `debug`,
    /// `trace`).
    pub fn from_name(name: &[u8]) -> Option<Self> {
        Self::ALL.into_iter().find(|level| level.name().as_bytes() == name)
    }

    /// The command-line name of the level.
    pub const fn name(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The in-kernel tests requested with `test=a,b,c`: up to [`MAX_TESTS`] distinct, non-empty
/// names in the order given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TestSelection<'a> {
    names: [&'a str; MAX_TESTS],
    /// Names in use at the front of `names`; never above `MAX_TESTS`.
    len: usize,
}

impl<'a> TestSelection<'a> {
    /// Whether the test `name` was requested.
    pub fn contains(&self, name: &str) -> bool {
        self.as_slice().contains(&name)
    }

    /// Whether no test was requested.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of tests requested.
    pub fn len(&self) -> usize {
        self.len
    }

    /// The names, in the order given.
    pub fn as_slice(&self) -> &[&'a str] {
        &self.names[..self.len]
    }

    /// Iterates over the names, in the order given.
    pub fn iter(&self) -> core::iter::Copied<core::slice::Iter<'_, &'a str>> {
        self.as_slice().iter().copied()
    }

    /// Adds `name` unless it is already there; `false` if there is no room for it.
    fn insert(&mut self, name: &'a str) -> bool {
        if self.contains(name) {
            return true;
        }
        let Some(slot) = self.names.get_mut(self.len) else {
            return false;
        };
        *slot = name;
        self.len += 1;
        true
    }
}

/// The parsed kernel command line. Options not given keep their defaults (`false`, `None`,
/// no tests).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BootArgs<'a> {
    /// `quiet`: log only what matters on the console.
    pub quiet: bool,
    /// `loglevel=error|warn|info|debug|trace`.
    pub log_level: Option<LogLevel>,
    /// `test=a,b,c`: in-kernel tests to run.
    pub tests: TestSelection<'a>,
    /// `init=/path`: the first user program.
    pub init: Option<&'a str>,
    /// `root=DEVICE`: the disk partition init mounts as `/` (handed to
    /// init as its environment variable `ROOT`).
    pub root: Option<&'a str>,
}

impl<'a> BootArgs<'a> {
    /// Parses `cmdline`, calling `warn` once for every word it ignores or that overrides an
    /// earlier one (the last occurrence of an option wins).
    pub fn parse(cmdline: &'a [u8], warn: &mut dyn FnMut(CmdlineWarning<'a>)) -> Self {
        let mut args = BootArgs::default();
        for word in words::Words::new(cmdline) {
            if let Err(warning) = args.apply(word, warn) {
                warn(warning);
            }
        }
        args
    }

    /// Takes one word into account; `warn` gets the warnings about parts of a word that was
    /// otherwise used, the error is the reason the whole word was ignored.
    fn apply(
        &mut self,
        word: words::Word<'a>,
        warn: &mut dyn FnMut(CmdlineWarning<'a>),
    ) -> Result<(), CmdlineWarning<'a>> {
        let excerpt = Excerpt::new(word.text);
        if word.unterminated_quote {
            return Err(CmdlineWarning::UnterminatedQuote(excerpt));
        }
        let text = core::str::from_utf8(word.text).map_err(|_| CmdlineWarning::NotUtf8(excerpt))?;
        if text.chars().any(char::is_control) {
            return Err(CmdlineWarning::ControlCharacter(excerpt));
        }
        let (key, value) = match text.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (text, None),
        };
        if key.contains('"') {
            return Err(CmdlineWarning::MisplacedQuote(excerpt));
        }
        if key.is_empty() {
            return Err(CmdlineWarning::EmptyKey(excerpt));
        }
        let value = value.map(unquote).transpose().map_err(|()| CmdlineWarning::MisplacedQuote(excerpt))?;

        match key {
            "quiet" => {
                if value.is_some() {
                    return Err(CmdlineWarning::UnexpectedValue { key: "quiet", word: excerpt });
                }
                if self.quiet {
                    warn(CmdlineWarning::Duplicate { key: "quiet", word: excerpt });
                }
                self.quiet = true;
            }
            "loglevel" => {
                let value = required("loglevel", value, excerpt)?;
                let level = LogLevel::from_name(value.as_bytes())
                    .ok_or(CmdlineWarning::InvalidValue { key: "loglevel", value: Excerpt::new(value.as_bytes()) })?;
                if self.log_level.is_some() {
                    warn(CmdlineWarning::Duplicate { key: "loglevel", word: excerpt });
                }
                self.log_level = Some(level);
            }
            "init" => {
                let value = required("init", value, excerpt)?;
                if self.init.is_some() {
                    warn(CmdlineWarning::Duplicate { key: "init", word: excerpt });
                }
                self.init = Some(value);
            }
            "root" => {
                let value = required("root", value, excerpt)?;
                if self.root.is_some() {
                    warn(CmdlineWarning::Duplicate { key: "root", word: excerpt });
                }
                self.root = Some(value);
            }
            "test" => {
                let value = required("test", value, excerpt)?;
                let tests = parse_tests(value, warn)?;
                if !self.tests.is_empty() {
                    warn(CmdlineWarning::Duplicate { key: "test", word: excerpt });
                }
                self.tests = tests;
            }
            _ => return Err(CmdlineWarning::UnknownOption(excerpt)),
        }
        Ok(())
    }
}

/// The value of an option that needs one.
fn required<'a>(key: &'static str, value: Option<&'a str>, word: Excerpt<'a>) -> Result<&'a str, CmdlineWarning<'a>> {
    value.filter(|v| !v.is_empty()).ok_or(CmdlineWarning::MissingValue { key, word })
}

/// `value` without the double quotes around it; an error if it has quotes anywhere else.
fn unquote(value: &str) -> Result<&str, ()> {
    let inner = match value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
        Some(inner) => inner,
        None => value,
    };
    if inner.contains('"') { Err(()) } else { Ok(inner) }
}

/// The names of `test=value`; an error if there is none.
fn parse_tests<'a>(
    value: &'a str,
    warn: &mut dyn FnMut(CmdlineWarning<'a>),
) -> Result<TestSelection<'a>, CmdlineWarning<'a>> {
    let mut tests = TestSelection::default();
    let mut empty_name = false;
    for name in value.split(',') {
        if name.is_empty() {
            empty_name = true;
        } else if !tests.insert(name) {
            warn(CmdlineWarning::TooManyTests(Excerpt::new(name.as_bytes())));
        }
    }
    let invalid = CmdlineWarning::InvalidValue { key: "test", value: Excerpt::new(value.as_bytes()) };
    if tests.is_empty() {
        return Err(invalid);
    }
    if empty_name {
        warn(invalid);
    }
    Ok(tests)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn parse(cmdline: &[u8]) -> (BootArgs<'_>, Vec<CmdlineWarning<'_>>) {
        let mut warnings = Vec::new();
        let args = BootArgs::parse(cmdline, &mut |w| warnings.push(w));
        (args, warnings)
    }

    fn ex(text: &[u8]) -> Excerpt<'_> {
        Excerpt::new(text)
    }

    #[test]
    fn empty_and_blank_lines() {
        for line in [&b""[..], b"   ", b"\t\n\r \x0c"] {
            let (args, warnings) = parse(line);
            assert_eq!(args, BootArgs::default());
            assert!(warnings.is_empty());
        }
        let args = BootArgs::default();
        assert!(!args.quiet && args.log_level.is_none() && args.init.is_none());
        assert!(args.tests.is_empty() && !args.tests.contains("kernel"));
    }

    #[test]
    fn everything_at_once() {
        let (args, warnings) =
            parse(b"  quiet\tloglevel=debug\ntest=kernel,fault,nxfault   init=/bin/init root=/dev/vda3 \r\n");
        assert_eq!(warnings, []);
        assert!(args.quiet);
        assert_eq!(args.root, Some("/dev/vda3"));
        assert_eq!(args.log_level, Some(LogLevel::Debug));
        assert_eq!(args.init, Some("/bin/init"));
        assert_eq!(args.tests.as_slice(), ["kernel", "fault", "nxfault"]);
        assert_eq!(args.tests.len(), 3);
        assert!(args.tests.contains("fault") && !args.tests.contains("faul"));
        assert_eq!(args.tests.iter().last(), Some("nxfault"));
    }

    #[test]
    fn every_log_level() {
        for level in LogLevel::ALL {
            let line = std::format!("loglevel={level}");
            let (args, warnings) = parse(line.as_bytes());
            assert_eq!((args.log_level, warnings.len()), (Some(level), 0));
        }
        assert!(LogLevel::Error < LogLevel::Trace);
        assert_eq!(LogLevel::from_name(b"INFO"), None);
    }

    #[test]
    fn quoted_values() {
        let (args, warnings) = parse(b"init=\"/bin/my init\" quiet test=\"a,b\"");
        assert_eq!(warnings, []);
        assert_eq!(args.init, Some("/bin/my init"));
        assert!(args.quiet);
        assert_eq!(args.tests.as_slice(), ["a", "b"]);
        let (args, warnings) = parse(b"loglevel=\"warn\"");
        assert_eq!((args.log_level, warnings), (Some(LogLevel::Warn), Vec::new()));
    }

    #[test]
    fn misplaced_quotes() {
        for word in [&b"init=/bin/\"x y\""[..], b"\"init=x\"", b"init=\"a\"\"b\"", b"init=x\"\"", b"qu\"ie\"t"] {
            let (args, warnings) = parse(word);
            assert_eq!(args, BootArgs::default());
            assert_eq!(warnings, [CmdlineWarning::MisplacedQuote(ex(word))]);
        }
        let (args, warnings) = parse(b"init=\"\"");
        assert_eq!(args.init, None);
        assert_eq!(warnings, [CmdlineWarning::MissingValue { key: "init", word: ex(b"init=\"\"") }]);
    }

    #[test]
    fn unterminated_quote_swallows_the_rest() {
        let (args, warnings) = parse(b"quiet init=\"/bin/x loglevel=info");
        assert!(args.quiet);
        assert_eq!((args.init, args.log_level), (None, None));
        assert_eq!(warnings, [CmdlineWarning::UnterminatedQuote(ex(b"init=\"/bin/x loglevel=info"))]);
    }

    #[test]
    fn unknown_and_malformed_words_are_skipped() {
        let (args, warnings) =
            parse(b"foo quiet=1 =x = bar=baz loglevel=bogus loglevel loglevel= init test= test=, QUIET");
        assert_eq!(args, BootArgs::default());
        assert_eq!(
            warnings,
            [
                CmdlineWarning::UnknownOption(ex(b"foo")),
                CmdlineWarning::UnexpectedValue { key: "quiet", word: ex(b"quiet=1") },
                CmdlineWarning::EmptyKey(ex(b"=x")),
                CmdlineWarning::EmptyKey(ex(b"=")),
                CmdlineWarning::UnknownOption(ex(b"bar=baz")),
                CmdlineWarning::InvalidValue { key: "loglevel", value: ex(b"bogus") },
                CmdlineWarning::MissingValue { key: "loglevel", word: ex(b"loglevel") },
                CmdlineWarning::MissingValue { key: "loglevel", word: ex(b"loglevel=") },
                CmdlineWarning::MissingValue { key: "init", word: ex(b"init") },
                CmdlineWarning::MissingValue { key: "test", word: ex(b"test=") },
                CmdlineWarning::InvalidValue { key: "test", value: ex(b",") },
                CmdlineWarning::UnknownOption(ex(b"QUIET")),
            ]
        );
    }

    #[test]
    fn bad_bytes_spoil_only_their_word() {
        let (args, warnings) = parse(b"init=/bin/\xffx quiet loglevel=\x1binfo test=a\x7f init=/ok\x00 test=k");
        assert!(args.quiet);
        assert_eq!((args.init, args.log_level), (None, None));
        assert_eq!(args.tests.as_slice(), ["k"]);
        assert_eq!(
            warnings,
            [
                CmdlineWarning::NotUtf8(ex(b"init=/bin/\xffx")),
                CmdlineWarning::ControlCharacter(ex(b"loglevel=\x1binfo")),
                CmdlineWarning::ControlCharacter(ex(b"test=a\x7f")),
                CmdlineWarning::ControlCharacter(ex(b"init=/ok\x00")),
            ]
        );
        // Whitespace inside quotes and Unicode control characters are control characters too.
        let (args, warnings) = parse("init=\"a\tb\" init=x\u{85}y init=\u{e9}t\u{e9}".as_bytes());
        assert_eq!(args.init, Some("\u{e9}t\u{e9}"));
        assert_eq!(warnings.len(), 2);
        assert!(warnings.iter().all(|w| matches!(w, CmdlineWarning::ControlCharacter(_))));
        // A vertical tab is not a separator.
        let (args, warnings) = parse(b"quiet\x0binit=x");
        assert_eq!(args, BootArgs::default());
        assert_eq!(warnings, [CmdlineWarning::ControlCharacter(ex(b"quiet\x0binit=x"))]);
    }

    #[test]
    fn duplicates_warn_and_the_last_wins() {
        let (args, warnings) = parse(b"quiet init=/a loglevel=info test=x,y quiet init=/b loglevel=trace test=z");
        assert!(args.quiet);
        assert_eq!(args.init, Some("/b"));
        assert_eq!(args.log_level, Some(LogLevel::Trace));
        assert_eq!(args.tests.as_slice(), ["z"]);
        assert_eq!(
            warnings,
            [
                CmdlineWarning::Duplicate { key: "quiet", word: ex(b"quiet") },
                CmdlineWarning::Duplicate { key: "init", word: ex(b"init=/b") },
                CmdlineWarning::Duplicate { key: "loglevel", word: ex(b"loglevel=trace") },
                CmdlineWarning::Duplicate { key: "test", word: ex(b"test=z") },
            ]
        );
        // A rejected later value does not replace a good earlier one.
        let (args, _) = parse(b"loglevel=info loglevel=loud init=/a init= test=a test=,,");
        assert_eq!(args.log_level, Some(LogLevel::Info));
        assert_eq!(args.init, Some("/a"));
        assert_eq!(args.tests.as_slice(), ["a"]);
    }

    #[test]
    fn test_names() {
        let (args, warnings) = parse(b"test=a,,b,a,");
        assert_eq!(args.tests.as_slice(), ["a", "b"]);
        assert_eq!(warnings, [CmdlineWarning::InvalidValue { key: "test", value: ex(b"a,,b,a,") }]);

        let (args, warnings) = parse(b"test=t1,t2,t3,t4,t5,t6,t7,t8,t9,t1,t10");
        assert_eq!(args.tests.len(), MAX_TESTS);
        assert_eq!(args.tests.as_slice(), ["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8"]);
        assert!(!args.tests.contains("t9"));
        assert_eq!(warnings, [CmdlineWarning::TooManyTests(ex(b"t9")), CmdlineWarning::TooManyTests(ex(b"t10"))]);
    }

    #[test]
    fn long_words_are_excerpted() {
        let mut line = b"init=/".to_vec();
        line.extend([b'x'; 5000]);
        line.extend(b" \xff");
        line.extend([b'y'; 200]);
        let (args, warnings) = parse(&line);
        assert_eq!(args.init.map(str::len), Some(5001));
        assert_eq!(warnings.len(), 1);
        let CmdlineWarning::NotUtf8(e) = warnings[0] else { panic!("{warnings:?}") };
        assert!(e.is_truncated());
        assert_eq!(e.bytes().len(), EXCERPT_LEN);
    }

    #[test]
    fn every_short_input_parses() {
        // All one- and two-byte command lines, and three-byte ones over the bytes that matter.
        let mut count = 0;
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                for line in [&[a][..], &[a, b]] {
                    let _ = BootArgs::parse(line, &mut |w| count += usize::from(!std::format!("{w}").is_empty()));
                }
            }
        }
        let alphabet = b" \t\"=,aq\xff\x00\xc3";
        for &a in alphabet {
            for &b in alphabet {
                for &c in alphabet {
                    let _ = BootArgs::parse(&[a, b, c], &mut |_| count += 1);
                }
            }
        }
        assert!(count > 60_000);
    }
}
