//! Fuzz-style tests: deterministic pseudo-random patterns, scripts, formats, operands and
//! inputs (hostile byte soup built from meaningful pieces) for every module, checking that
//! nothing panics and that results keep their guarantees. Test-only; uses `std` and
//! `cairn-testrng`.

use std::vec::Vec;

use cairn_testrng::Rng;

use crate::columns::{Fill, columns};
use crate::cut::{CutMode, CutOptions, PositionList, cut};
use crate::date::format_date;
use crate::glob::glob_match;
use crate::grep::{Grep, GrepOptions, OutputMode};
use crate::headtail::{Unit, head, parse_head_count, parse_tail_count, tail};
use crate::hexdump::hexdump;
use crate::human_size::{SizeBase, human_size};
use crate::mode::mode_string;
use crate::printf::{printf, unescape};
use crate::regex::{Extent, Options, Syntax, compile};
use crate::sed;
use crate::seq::{SeqOptions, Sequence};
use crate::sort::{SortOptions, first_disorder, parse_key, sort_lines};
use crate::tr::{TrOptions, Translator};
use crate::uniq::{UniqOptions, uniq};
use crate::wc::count;

const ROUNDS: usize = 2000;

/// Concatenates up to `max` random pieces.
fn soup(rng: &mut Rng, pieces: &[&[u8]], max: u64) -> Vec<u8> {
    let mut text = Vec::new();
    for _ in 0..rng.below(max + 1) {
        text.extend_from_slice(rng.pick(pieces));
    }
    text
}

const TEXT_PIECES: [&[u8]; 16] = [
    b"a",
    b"b",
    b"ab",
    b" ",
    b"\t",
    b"\n",
    b"\n",
    b"x1",
    b"-",
    b":",
    b"0",
    b"9.5",
    b"\xff",
    b"\xc3\xa9",
    b"\x00",
    b"_",
];

fn text(rng: &mut Rng) -> Vec<u8> {
    soup(rng, &TEXT_PIECES, 24)
}

const REGEX_PIECES: [&[u8]; 36] = [
    b"a",
    b"b",
    b".",
    b"*",
    b"+",
    b"?",
    b"\\(",
    b"\\)",
    b"(",
    b")",
    b"|",
    b"\\|",
    b"[",
    b"]",
    b"^",
    b"$",
    b"{",
    b"}",
    b"\\{",
    b"\\}",
    b"1",
    b",",
    b"\\",
    b"[:alpha:]",
    b"[^",
    b"\\w",
    b"\\<",
    b"\\>",
    b"\\b",
    b"-",
    b"\\1",
    b"\\+",
    b"{2,3}",
    b"\\{0,2\\}",
    b"[a-z]",
    b"\n",
];

#[test]
fn regexes_never_panic_and_report_sane_spans() {
    let mut rng = Rng::new(1);
    for _ in 0..ROUNDS {
        let pattern = soup(&mut rng, &REGEX_PIECES, 12);
        let syntax = rng.pick(&[Syntax::Basic, Syntax::Extended, Syntax::Fixed]);
        let extent = rng.pick(&[Extent::Anywhere, Extent::Word, Extent::Line]);
        let options = Options { syntax, ignore_case: rng.chance(30), extent };
        let Ok(regex) = compile(&pattern, options) else {
            continue;
        };
        for _ in 0..4 {
            let haystack = text(&mut rng);
            let start = rng.below(haystack.len() as u64 + 2) as usize;
            assert_eq!(regex.is_match(&haystack), regex.find_at(&haystack, 0).is_some());
            if let Some(found) = regex.find_at(&haystack, start) {
                assert!(start <= found.start && found.start <= found.end && found.end <= haystack.len());
                for (group_start, group_end) in found.groups.iter().flatten() {
                    assert!(found.start <= *group_start && group_start <= group_end && *group_end <= found.end);
                }
            }
        }
    }
}

#[test]
fn fixed_strings_find_the_first_occurrence() {
    let mut rng = Rng::new(2);
    for _ in 0..ROUNDS {
        let needle = soup(&mut rng, &[b"a", b"b"], 3);
        let haystack = soup(&mut rng, &[b"a", b"b", b"c"], 12);
        let regex = compile(&needle, Options { syntax: Syntax::Fixed, ..Options::default() }).unwrap();
        let expected = haystack.windows(needle.len().max(1)).position(|window| window == needle.as_slice());
        let expected = if needle.is_empty() { Some(0) } else { expected };
        assert_eq!(regex.find_at(&haystack, 0).map(|found| found.start), expected, "{needle:?} in {haystack:?}");
    }
}

#[test]
fn grep_never_panics() {
    let mut rng = Rng::new(3);
    for _ in 0..ROUNDS / 4 {
        let pattern = soup(&mut rng, &REGEX_PIECES, 6);
        let options = GrepOptions {
            syntax: rng.pick(&[Syntax::Basic, Syntax::Extended, Syntax::Fixed]),
            invert: rng.chance(30),
            line_numbers: rng.chance(50),
            output: rng.pick(&[OutputMode::Lines, OutputMode::OnlyMatching, OutputMode::Count, OutputMode::Quiet]),
            max_count: rng.chance(20).then(|| rng.below(3)),
            ..GrepOptions::default()
        };
        if let Ok(grep) = Grep::new(&[&pattern], options) {
            let report = grep.search(b"name", &text(&mut rng));
            assert!(options.output != OutputMode::Quiet || report.output.is_empty());
        }
    }
}

const SED_PIECES: [&[u8]; 40] = [
    b"s/a/b/",
    b"s/a*/x/g",
    b"s/\\(a\\)/\\1\\1/2",
    b"s|b|&&|gp",
    b"s/",
    b"/",
    b"p",
    b"P",
    b"d",
    b"=",
    b"q",
    b"Q",
    b"n",
    b"N",
    b"h",
    b"H",
    b"g",
    b"G",
    b"x",
    b"z",
    b"l",
    b"y/ab/ba/",
    b"a foo",
    b"i\\",
    b"c\\bar",
    b"{",
    b"}",
    b";",
    b"\n",
    b"!",
    b"1",
    b"$",
    b",",
    b"/a/",
    b"0,/b/",
    b"2~2",
    b"+1",
    b"~3",
    b"#c",
    b" ",
];

#[test]
fn sed_scripts_never_panic() {
    let mut rng = Rng::new(4);
    for _ in 0..ROUNDS {
        let script = soup(&mut rng, &SED_PIECES, 8);
        let Ok(script) = sed::parse(&[&script], rng.chance(50)) else {
            continue;
        };
        let input = text(&mut rng);
        script.run(&input, rng.chance(30));
    }
}

const FORMAT_PIECES: [&[u8]; 30] = [
    b"%",
    b"d",
    b"s",
    b"x",
    b"f",
    b"g",
    b"e",
    b"c",
    b"b",
    b"%%",
    b"-",
    b"+",
    b"0",
    b"#",
    b" ",
    b"5",
    b".",
    b"*",
    b"\\",
    b"n",
    b"x4",
    b"u00e9",
    b"U0001F600",
    b"0101",
    b"c",
    b"l",
    b"z",
    b"'",
    b"9999999",
    b"q",
];

const ARGUMENT_PIECES: [&[u8]; 14] =
    [b"1", b"-", b"0x", b"ff", b"'", b"a", b"1e5", b".", b"inf", b"nan", b" ", b"99999999999999999999", b"\\c", b"\\0"];

#[test]
fn printf_never_panics() {
    let mut rng = Rng::new(5);
    for _ in 0..ROUNDS {
        let format = soup(&mut rng, &FORMAT_PIECES, 8);
        let args: Vec<Vec<u8>> = (0..rng.below(4)).map(|_| soup(&mut rng, &ARGUMENT_PIECES, 3)).collect();
        let args: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
        let printed = printf(&format, &args);
        assert!(printed.output.len() < 8 << 20);
        let _ = unescape(&format);
    }
}

const NUMBER_PIECES: [&[u8]; 10] = [b"1", b"0", b"-", b"+", b".", b"5", b"e", b"9", b"x", b"  "];

#[test]
fn seq_never_panics() {
    let mut rng = Rng::new(6);
    for _ in 0..ROUNDS {
        let operands: Vec<Vec<u8>> = (0..rng.below(4)).map(|_| soup(&mut rng, &NUMBER_PIECES, 5)).collect();
        let operands: Vec<&[u8]> = operands.iter().map(Vec::as_slice).collect();
        let options = SeqOptions { equal_width: rng.chance(30), ..SeqOptions::default() };
        if let Ok(sequence) = Sequence::new(&operands, options) {
            sequence.take(20).for_each(drop);
        }
    }
}

const KEY_PIECES: [&[u8]; 10] = [b"1", b"2", b"0", b".", b",", b"n", b"r", b"b", b"f", b"99999999999999999999"];

#[test]
fn sort_orders_totally_and_keeps_every_line() {
    let mut rng = Rng::new(7);
    for _ in 0..ROUNDS / 2 {
        let keys = (0..rng.below(3)).filter_map(|_| parse_key(&soup(&mut rng, &KEY_PIECES, 5)).ok()).collect();
        let options = SortOptions {
            keys,
            separator: rng.chance(30).then_some(b':'),
            unique: rng.chance(20),
            stable: rng.chance(20),
            ..SortOptions::default()
        };
        let input = text(&mut rng);
        let mut lines: Vec<&[u8]> = crate::lines::split_lines(&input).collect();
        let before = lines.len();
        sort_lines(&mut lines, &options);
        assert!(options.unique || lines.len() == before);
        assert_eq!(first_disorder(&lines, &options), None);
    }
}

#[test]
fn line_tools_never_panic() {
    let mut rng = Rng::new(8);
    for _ in 0..ROUNDS {
        let input = text(&mut rng);
        let spec = soup(&mut rng, &[b"1", b"2", b"-", b",", b"0", b" ", b"x"], 5);
        if let Ok(list) = PositionList::parse(&spec) {
            let mode = rng.pick(&[
                CutMode::Bytes,
                CutMode::Characters,
                CutMode::Fields { delimiter: b':', only_delimited: true },
            ]);
            cut(&input, &CutOptions { mode, list, complement: rng.chance(30), output_delimiter: None });
        }
        let sets: Vec<Vec<u8>> = (0..2)
            .map(|_| soup(&mut rng, &[b"a", b"-", b"z", b"[:lower:]", b"[", b"*", b"]", b"\\", b"3"], 4))
            .collect();
        let options = TrOptions {
            complement: rng.chance(30),
            delete: rng.chance(30),
            squeeze: rng.chance(30),
            truncate_set1: rng.chance(20),
        };
        if let Ok(mut translator) = Translator::new(&sets[0], rng.chance(70).then_some(sets[1].as_slice()), options) {
            translator.process(&input, &mut Vec::new());
        }
        let uniq_options = UniqOptions {
            count: true,
            skip_fields: rng.below(3) as usize,
            check_chars: rng.chance(30).then_some(1),
            ..UniqOptions::default()
        };
        uniq(&input, &uniq_options);
        let counts = count(&input);
        assert_eq!(counts.bytes, input.len() as u64);
        let amount = soup(&mut rng, &[b"1", b"-", b"+", b"0", b"k", b"9"], 4);
        let unit = rng.pick(&[Unit::Lines, Unit::Bytes]);
        if let Ok(amount) = parse_head_count(&amount, unit) {
            assert!(head(&input, unit, amount).len() <= input.len());
        }
        if let Ok(amount) = parse_tail_count(&amount, unit) {
            assert!(tail(&input, unit, amount).len() <= input.len());
        }
    }
}

#[test]
fn formatters_never_panic() {
    let mut rng = Rng::new(9);
    for _ in 0..ROUNDS {
        let input = text(&mut rng);
        let dump = hexdump(&input);
        assert!(dump.split(|&byte| byte == b'\n').all(|line| line.len() <= 78));
        human_size(rng.next_u64() >> rng.below(64), rng.pick(&[SizeBase::Binary, SizeBase::Decimal]));
        assert_eq!(mode_string(rng.next_u64() as u32).len(), 10);
        let seconds = rng.next_u64() as i64 >> rng.below(64);
        let format = soup(
            &mut rng,
            &[b"%", b"Y", b"-", b"_", b"0", b"^", b"#", b"9", b"V", b"G", b"N", b"c", b"E", b"s", b"j", b"e"],
            6,
        );
        format_date(seconds, rng.below(2_000_000_000) as u32, &format);
        let names: Vec<Vec<u8>> = (0..rng.below(30)).map(|_| soup(&mut rng, &TEXT_PIECES[..4], 5)).collect();
        let names: Vec<&[u8]> = names.iter().map(Vec::as_slice).collect();
        let width = rng.below(100) as usize;
        let layout = columns(&names, width, rng.pick(&[Fill::Down, Fill::Across]));
        let widest = names.iter().map(|name| name.len()).max().unwrap_or(0);
        assert!(layout.split(|&byte| byte == b'\n').all(|line| width == 0 || line.len() < width.max(widest + 1)));
        let pattern = soup(&mut rng, &[b"*", b"?", b"[", b"]", b"!", b"a", b"\\", b"-", b"[:digit:]"], 6);
        glob_match(&pattern, &input);
    }
}
