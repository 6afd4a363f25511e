//! Fuzz-style tests: deterministic pseudo-random command lines, both hostile byte soup and
//! well-formed lines with known meaning, checked against the parser's guarantees. Test-only;
//! uses `std` and `cairn-testrng`.

use std::format;
use std::string::String;
use std::vec::Vec;

use crate::{BootArgs, CmdlineWarning, EXCERPT_LEN, Excerpt, LogLevel, MAX_TESTS};
use cairn_testrng::Rng;

const PIECES: [&[u8]; 25] = [
    b"quiet",
    b"loglevel=",
    b"test=",
    b"init=",
    b"info",
    b"trace",
    b"bogus",
    b",",
    b"=",
    b"\"",
    b" ",
    b" ",
    b"\t",
    b"\n",
    b"a",
    b"b",
    b"/bin/x",
    b"\xff",
    b"\x00",
    b"\x1b",
    b"\xc3\xa9",
    b"\xc2\x85",
    b"\xe2\x82",
    b"kernel",
    b"test=1,2,3,4,5,6,7,8,",
];

fn excerpt<'a>(w: &CmdlineWarning<'a>) -> Excerpt<'a> {
    match *w {
        CmdlineWarning::NotUtf8(e)
        | CmdlineWarning::ControlCharacter(e)
        | CmdlineWarning::UnterminatedQuote(e)
        | CmdlineWarning::MisplacedQuote(e)
        | CmdlineWarning::EmptyKey(e)
        | CmdlineWarning::UnknownOption(e)
        | CmdlineWarning::TooManyTests(e)
        | CmdlineWarning::UnexpectedValue { word: e, .. }
        | CmdlineWarning::MissingValue { word: e, .. }
        | CmdlineWarning::Duplicate { word: e, .. }
        | CmdlineWarning::InvalidValue { value: e, .. } => e,
    }
}

fn within(part: &[u8], whole: &[u8]) -> bool {
    let range = whole.as_ptr_range();
    part.is_empty() || (range.start <= part.as_ptr() && part.as_ptr_range().end <= range.end)
}

fn clean(s: &str) -> bool {
    !s.is_empty() && !s.contains('"') && !s.chars().any(char::is_control)
}

#[test]
fn hostile_lines_keep_every_promise() {
    let mut rng = Rng::new(0xb007_0001);
    let mut seen_kinds = [false; 11];
    for _ in 0..20_000 {
        let mut line = Vec::new();
        for _ in 0..rng.below(40) {
            if rng.chance(10) {
                line.extend((0..rng.below(80)).map(|_| rng.next_u64() as u8));
            } else {
                line.extend_from_slice(rng.pick(&PIECES));
            }
        }
        let mut warnings = Vec::new();
        let args = BootArgs::parse(&line, &mut |w| warnings.push(w));
        assert_eq!(args, BootArgs::parse(&line, &mut |_| {}), "deterministic");

        assert!(args.tests.len() <= MAX_TESTS);
        for (i, name) in args.tests.iter().enumerate() {
            assert!(clean(name) && !name.contains(','), "{name:?}");
            assert!(within(name.as_bytes(), &line));
            assert!(args.tests.contains(name));
            assert!(!args.tests.as_slice()[..i].contains(&name), "duplicate {name:?}");
        }
        if let Some(init) = args.init {
            assert!(clean(init) && within(init.as_bytes(), &line), "{init:?}");
        }
        for w in &warnings {
            let kind = match w {
                CmdlineWarning::NotUtf8(_) => 0,
                CmdlineWarning::ControlCharacter(_) => 1,
                CmdlineWarning::UnterminatedQuote(_) => 2,
                CmdlineWarning::MisplacedQuote(_) => 3,
                CmdlineWarning::EmptyKey(_) => 4,
                CmdlineWarning::UnknownOption(_) => 5,
                CmdlineWarning::UnexpectedValue { .. } => 6,
                CmdlineWarning::MissingValue { .. } => 7,
                CmdlineWarning::InvalidValue { .. } => 8,
                CmdlineWarning::Duplicate { .. } => 9,
                CmdlineWarning::TooManyTests(_) => 10,
            };
            seen_kinds[kind] = true;
            let text = format!("{w}");
            assert!(text.bytes().all(|b| (0x20..0x7f).contains(&b)), "{text}");
            let e = excerpt(w);
            assert!(within(e.bytes(), &line) && !e.bytes().is_empty());
            assert!(e.bytes().len() <= EXCERPT_LEN);
            if e.is_truncated() {
                assert_eq!(e.bytes().len(), EXCERPT_LEN);
            }
        }
    }
    assert_eq!(seen_kinds, [true; 11], "the generator must reach every warning");
}

/// A random name from a harmless alphabet.
fn name(rng: &mut Rng, alphabet: &[u8], len: u64) -> String {
    (0..len).map(|_| char::from(rng.pick(alphabet))).collect()
}

#[test]
fn well_formed_lines_parse_exactly() {
    const GARBAGE: [(&str, usize); 6] =
        [("foo", 1), ("=x", 1), ("loglevel=bogus", 1), ("quiet=1", 1), ("x\u{1b}", 1), ("test=,", 1)];
    let mut rng = Rng::new(0xb007_0002);
    let levels = [LogLevel::Error, LogLevel::Warn, LogLevel::Info, LogLevel::Debug, LogLevel::Trace];
    for _ in 0..5000 {
        let quiet = rng.chance(50);
        let level = rng.chance(50).then(|| rng.pick(&levels));
        let init = rng.chance(50).then(|| {
            let len = 1 + rng.below(30);
            name(&mut rng, b"abz/._-09 ", len)
        });
        let mut tests: Vec<String> = Vec::new();
        for _ in 0..rng.below(MAX_TESTS as u64 + 1) {
            let len = 1 + rng.below(10);
            let n = name(&mut rng, b"abcxyz_-9", len);
            if !tests.contains(&n) {
                tests.push(n);
            }
        }

        let mut words: Vec<String> = Vec::new();
        if quiet {
            words.push("quiet".into());
        }
        if let Some(level) = level {
            words.push(format!("loglevel={level}"));
        }
        if let Some(init) = &init {
            let quote = init.contains(' ') || rng.chance(30);
            words.push(if quote { format!("init=\"{init}\"") } else { format!("init={init}") });
        }
        if !tests.is_empty() {
            words.push(format!("test={}", tests.join(",")));
        }
        let mut expected_warnings = 0;
        for _ in 0..rng.below(4) {
            let (word, count) = rng.pick(&GARBAGE);
            words.push(word.into());
            expected_warnings += count;
        }
        // Shuffle, then join with random whitespace runs.
        for i in (1..words.len()).rev() {
            words.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let mut line = String::new();
        for word in &words {
            for _ in 0..rng.below(3) {
                line.push(char::from(rng.pick(b" \t\n\r")));
            }
            line.push_str(word);
            line.push(' ');
        }

        let mut warnings = Vec::new();
        let args = BootArgs::parse(line.as_bytes(), &mut |w| warnings.push(w));
        assert_eq!(warnings.len(), expected_warnings, "{line:?}: {warnings:?}");
        assert_eq!(args.quiet, quiet, "{line:?}");
        assert_eq!(args.log_level, level, "{line:?}");
        let init_got = args.init.map(String::from);
        assert_eq!(init_got, init.map(|i| i.trim_matches('"').into()), "{line:?}");
        let tests_got: Vec<&str> = args.tests.iter().collect();
        assert_eq!(tests_got, tests, "{line:?}");
    }
}
