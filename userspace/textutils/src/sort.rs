//! The logic of `sort`: comparing lines as GNU sort does (bytewise by default; `-n`, `-h`,
//! `-f`, `-d`, `-i`, `-r`, `-b`; keys `-k POS1[,POS2]` with `-t SEP` and per-key modifiers),
//! with GNU's last-resort whole-line comparison unless `-s` or `-u`, and `-u`/`-c`.
//!
//! Not supported: `-g`, `-M`, `-R` and `-V` orderings.

use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;

use crate::charclass::is_blank;
use crate::decimal::{digit_count, saturating_usize};
use crate::lines::{push_line, skip_blank_fields, split_lines};

/// How a key (or, without keys, the whole line) compares.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyOptions {
    /// `n`: by leading numeric value (blanks, `-`, digits, `.`, digits).
    pub numeric: bool,
    /// `h`: by numeric value with an SI suffix (`2K < 1M`).
    pub human_numeric: bool,
    /// `r`: in reverse.
    pub reverse: bool,
    /// `f`: letters compared as upper case.
    pub fold_case: bool,
    /// `d`: only blanks and letters and digits count.
    pub dictionary_order: bool,
    /// `i`: only printable bytes count.
    pub ignore_nonprinting: bool,
    /// `b` on the start position: leading blanks are not part of the key.
    pub skip_start_blanks: bool,
    /// `b` on the end position: blanks are skipped before counting its characters.
    pub skip_end_blanks: bool,
}

/// A field and character position (both counting from 1) of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyPosition {
    pub field: usize,
    /// For an end position, 0 means the end of the field.
    pub character: usize,
}

/// A `-k` key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SortKey {
    pub start: KeyPosition,
    /// Where the key ends; `None` for the end of the line.
    pub end: Option<KeyPosition>,
    /// The key's own modifiers; a key without any takes the global options.
    pub options: KeyOptions,
}

/// The options of one `sort` run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SortOptions {
    /// The ordering options given outside `-k` (`-n`, `-r`, `-f`, `-b`, ...).
    pub global: KeyOptions,
    pub keys: Vec<SortKey>,
    /// `-t`: the field separator; without it, fields are separated by the empty string
    /// before a run of blanks (which belong to the next field).
    pub separator: Option<u8>,
    /// `-u`: output only the first of lines that compare equal.
    pub unique: bool,
    /// `-s`: no last-resort comparison of whole lines.
    pub stable: bool,
}

/// A `-k` argument that does not parse; each holds the argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SortError {
    FieldZero(Vec<u8>),
    CharacterZero(Vec<u8>),
    InvalidCount(Vec<u8>),
    StrayCharacter(Vec<u8>),
}

impl fmt::Display for SortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (problem, spec) = match self {
            SortError::FieldZero(spec) => ("field number is zero", spec),
            SortError::CharacterZero(spec) => ("character offset is zero", spec),
            SortError::InvalidCount(spec) => {
                return write!(
                    f,
                    "invalid number at field start: invalid count at start of '{}'",
                    String::from_utf8_lossy(spec)
                );
            }
            SortError::StrayCharacter(spec) => ("stray character in field spec", spec),
        };
        write!(f, "{problem}: invalid field specification '{}'", String::from_utf8_lossy(spec))
    }
}

/// Parses a `-k` argument: `F[.C][OPTS][,F[.C][OPTS]]`.
pub fn parse_key(spec: &[u8]) -> Result<SortKey, SortError> {
    let mut options = KeyOptions::default();
    let (start_text, end_text) = match spec.iter().position(|&byte| byte == b',') {
        Some(comma) => (&spec[..comma], Some(&spec[comma + 1..])),
        None => (spec, None),
    };
    let start = parse_position(spec, start_text, &mut options, true)?;
    let end = end_text.map(|text| parse_position(spec, text, &mut options, false)).transpose()?;
    Ok(SortKey { start, end, options })
}

/// Parses one position of a key, adding its modifiers to `options`.
fn parse_position(
    spec: &[u8],
    text: &[u8],
    options: &mut KeyOptions,
    is_start: bool,
) -> Result<KeyPosition, SortError> {
    let mut rest = text;
    let field = take_count(&mut rest).ok_or_else(|| SortError::InvalidCount(text.to_vec()))?;
    if field == 0 {
        return Err(SortError::FieldZero(spec.to_vec()));
    }
    let mut character = if is_start { 1 } else { 0 };
    if let Some(after_dot) = rest.strip_prefix(b".") {
        rest = after_dot;
        character = take_count(&mut rest).ok_or_else(|| SortError::InvalidCount(after_dot.to_vec()))?;
        if character == 0 && is_start {
            return Err(SortError::CharacterZero(spec.to_vec()));
        }
    }
    for &modifier in rest {
        match modifier {
            b'b' if is_start => options.skip_start_blanks = true,
            b'b' => options.skip_end_blanks = true,
            b'n' => options.numeric = true,
            b'h' => options.human_numeric = true,
            b'r' => options.reverse = true,
            b'f' => options.fold_case = true,
            b'd' => options.dictionary_order = true,
            b'i' => options.ignore_nonprinting = true,
            _ => return Err(SortError::StrayCharacter(spec.to_vec())),
        }
    }
    Ok(KeyPosition { field, character })
}

/// Takes leading decimal digits off `text` (saturating); `None` when there are none.
fn take_count(text: &mut &[u8]) -> Option<usize> {
    let (number, rest) = text.split_at(digit_count(text));
    *text = rest;
    (!number.is_empty()).then(|| saturating_usize(number))
}

/// Sorts `lines` in place as `sort` with `options` would output them (`-u` included).
pub fn sort_lines(lines: &mut Vec<&[u8]>, options: &SortOptions) {
    let comparator = Comparator::new(options);
    lines.sort_by(|a, b| comparator.compare(a, b));
    if options.unique {
        lines.dedup_by(|later, earlier| comparator.compare(earlier, later) == Ordering::Equal);
    }
}

/// Sorts the lines of `input` and returns them, each ending with a newline.
pub fn sort(input: &[u8], options: &SortOptions) -> Vec<u8> {
    let mut lines: Vec<&[u8]> = split_lines(input).collect();
    sort_lines(&mut lines, options);
    let mut out = Vec::with_capacity(input.len() + 1);
    for line in lines {
        push_line(&mut out, line);
    }
    out
}

/// For `sort -c`: the index of the first line that sorts before its predecessor (or, with
/// `-u`, does not sort after it); `None` when `lines` are in order.
pub fn first_disorder(lines: &[&[u8]], options: &SortOptions) -> Option<usize> {
    let comparator = Comparator::new(options);
    let worst_allowed = if options.unique { Ordering::Less } else { Ordering::Equal };
    lines.windows(2).position(|pair| comparator.compare(pair[0], pair[1]) > worst_allowed).map(|index| index + 1)
}

/// The keys in force (with inherited options) and how ties are broken.
struct Comparator {
    keys: Vec<SortKey>,
    separator: Option<u8>,
    last_resort: bool,
    reverse: bool,
}

impl Comparator {
    fn new(options: &SortOptions) -> Comparator {
        let global = options.global;
        let mut keys: Vec<SortKey> = options
            .keys
            .iter()
            .map(|key| if key.options == KeyOptions::default() { SortKey { options: global, ..*key } } else { *key })
            .collect();
        if keys.is_empty() && (KeyOptions { reverse: false, ..global }) != KeyOptions::default() {
            let whole_line = KeyPosition { field: 1, character: 1 };
            keys.push(SortKey { start: whole_line, end: None, options: global });
        }
        // Without keys, whole lines are all there is to compare, even with `-u` or `-s`.
        let last_resort = keys.is_empty() || (!options.unique && !options.stable);
        Comparator { keys, separator: options.separator, last_resort, reverse: global.reverse }
    }

    fn compare(&self, a: &[u8], b: &[u8]) -> Ordering {
        for key in &self.keys {
            let order = compare_keys(self.key_of(a, key), self.key_of(b, key), &key.options);
            if order != Ordering::Equal {
                return if key.options.reverse { order.reverse() } else { order };
            }
        }
        if !self.last_resort {
            return Ordering::Equal;
        }
        let order = a.cmp(b);
        if self.reverse { order.reverse() } else { order }
    }

    /// The part of `line` that `key` selects (GNU's `begfield` and `limfield`).
    fn key_of<'l>(&self, line: &'l [u8], key: &SortKey) -> &'l [u8] {
        let begin = {
            let mut pos = self.skip_fields(line, 0, key.start.field.saturating_sub(1), true);
            if key.options.skip_start_blanks {
                pos = skip_blanks(line, pos);
            }
            pos.saturating_add(key.start.character.saturating_sub(1)).min(line.len())
        };
        let limit = match key.end {
            None => line.len(),
            Some(end) => {
                let whole_field = end.character == 0;
                let fields = if whole_field { end.field } else { end.field.saturating_sub(1) };
                let mut pos = self.skip_fields(line, 0, fields, !whole_field);
                if !whole_field {
                    if key.options.skip_end_blanks {
                        pos = skip_blanks(line, pos);
                    }
                    pos = pos.saturating_add(end.character).min(line.len());
                }
                pos
            }
        };
        &line[begin..limit.max(begin)]
    }

    /// The position after `count` fields from `pos`. With a separator, the last separator is
    /// skipped only when `past_last_separator`.
    fn skip_fields(&self, line: &[u8], mut pos: usize, count: usize, past_last_separator: bool) -> usize {
        for remaining in (0..count).rev() {
            if pos >= line.len() {
                break;
            }
            match self.separator {
                Some(separator) => {
                    pos += line[pos..].iter().position(|&byte| byte == separator).unwrap_or(line.len() - pos);
                    if pos < line.len() && (remaining > 0 || past_last_separator) {
                        pos += 1;
                    }
                }
                None => pos = skip_blank_fields(line, pos, 1),
            }
        }
        pos
    }
}

fn skip_blanks(line: &[u8], pos: usize) -> usize {
    pos + line[pos..].iter().take_while(|&&byte| is_blank(byte)).count()
}

/// Compares two keys under `options` (ignoring `reverse`).
fn compare_keys(a: &[u8], b: &[u8], options: &KeyOptions) -> Ordering {
    if options.numeric {
        return compare_numbers(&Number::parse(a), &Number::parse(b));
    }
    if options.human_numeric {
        let (a, b) = (Number::parse(a), Number::parse(b));
        return a.unit_order().cmp(&b.unit_order()).then_with(|| compare_numbers(&a, &b));
    }
    if options.fold_case || options.dictionary_order || options.ignore_nonprinting {
        let counts = |byte: &&u8| {
            (!options.dictionary_order || is_blank(**byte) || byte.is_ascii_alphanumeric())
                && (!options.ignore_nonprinting || byte.is_ascii_graphic() || **byte == b' ')
        };
        let fold = |byte: &u8| if options.fold_case { byte.to_ascii_uppercase() } else { *byte };
        return a.iter().filter(counts).map(fold).cmp(b.iter().filter(counts).map(fold));
    }
    a.cmp(b)
}

/// The leading number of a key, as `sort -n` reads it.
struct Number<'k> {
    negative: bool,
    /// The integer digits without leading zeros.
    integer: &'k [u8],
    /// The fraction digits without trailing zeros.
    fraction: &'k [u8],
    /// The byte after the number (for `-h` suffixes).
    suffix: Option<u8>,
}

impl<'k> Number<'k> {
    fn parse(key: &'k [u8]) -> Number<'k> {
        let text = &key[skip_blanks(key, 0)..];
        let (negative, text) = match text.strip_prefix(b"-") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let integer_len = text.iter().take_while(|byte| byte.is_ascii_digit()).count();
        let (integer, mut rest) = text.split_at(integer_len);
        let mut fraction: &[u8] = &[];
        if let Some(after_point) = rest.strip_prefix(b".") {
            let fraction_len = after_point.iter().take_while(|byte| byte.is_ascii_digit()).count();
            (fraction, rest) = after_point.split_at(fraction_len);
        }
        let integer = &integer[integer.iter().take_while(|&&digit| digit == b'0').count()..];
        let fraction = &fraction[..fraction.len() - fraction.iter().rev().take_while(|&&digit| digit == b'0').count()];
        let is_zero = integer.is_empty() && fraction.is_empty();
        Number { negative: negative && !is_zero, integer, fraction, suffix: rest.first().copied() }
    }

    /// For `-h`: the power of the suffix (0 without one), negated for negative numbers.
    fn unit_order(&self) -> i32 {
        let order = match self.suffix {
            Some(b'k' | b'K') => 1,
            Some(b'M') => 2,
            Some(b'G') => 3,
            Some(b'T') => 4,
            Some(b'P') => 5,
            Some(b'E') => 6,
            Some(b'Z') => 7,
            Some(b'Y') => 8,
            Some(b'R') => 9,
            Some(b'Q') => 10,
            _ => 0,
        };
        if self.negative { -order } else { order }
    }
}

fn compare_numbers(a: &Number<'_>, b: &Number<'_>) -> Ordering {
    match (a.negative, b.negative) {
        (false, true) => Ordering::Greater,
        (true, false) => Ordering::Less,
        (negative, _) => {
            let magnitude = a
                .integer
                .len()
                .cmp(&b.integer.len())
                .then_with(|| a.integer.cmp(b.integer))
                .then_with(|| a.fraction.cmp(b.fraction));
            if negative { magnitude.reverse() } else { magnitude }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    fn sorted(options: &SortOptions, input: &str) -> String {
        String::from_utf8(sort(input.as_bytes(), options)).unwrap().replace('\n', "|")
    }

    fn with_global(global: KeyOptions) -> SortOptions {
        SortOptions { global, ..SortOptions::default() }
    }

    fn with_keys(specs: &[&str]) -> SortOptions {
        SortOptions {
            keys: specs.iter().map(|spec| parse_key(spec.as_bytes()).unwrap()).collect(),
            ..SortOptions::default()
        }
    }

    const NUMBERS: &str = "10\n9\n-1\n-10\n1.5\n  3\nabc\n-0\n0\n+5\n.5\n-.5\n1e3\n";
    const CASES: &str = "b\nB\na\nA\nc\n";

    #[test]
    fn default_order_is_bytewise() {
        assert_eq!(sorted(&SortOptions::default(), CASES), "A|B|a|b|c|");
        assert_eq!(sorted(&SortOptions::default(), "a\n\nb"), "|a|b|");
        assert_eq!(sorted(&SortOptions::default(), ""), "");
    }

    #[test]
    fn numeric_order_like_gnu() {
        let numeric = with_global(KeyOptions { numeric: true, ..KeyOptions::default() });
        assert_eq!(sorted(&numeric, NUMBERS), "-10|-1|-.5|+5|-0|0|abc|.5|1e3|1.5|  3|9|10|");
        let reversed = with_global(KeyOptions { numeric: true, reverse: true, ..KeyOptions::default() });
        assert_eq!(sorted(&reversed, "3\n1\n2\n"), "3|2|1|");
        assert_eq!(
            sorted(&numeric, "100000000000000000000000001\n99999999999999999999999999\n"),
            "99999999999999999999999999|100000000000000000000000001|"
        );
        assert_eq!(sorted(&numeric, "0.10\n0.09\n0.1\n"), "0.09|0.1|0.10|");
    }

    #[test]
    fn reverse_fold_and_unique() {
        let reverse = with_global(KeyOptions { reverse: true, ..KeyOptions::default() });
        assert_eq!(sorted(&reverse, CASES), "c|b|a|B|A|");
        let fold = with_global(KeyOptions { fold_case: true, ..KeyOptions::default() });
        assert_eq!(sorted(&fold, CASES), "A|a|B|b|c|");
        let fold_unique = SortOptions { unique: true, ..fold };
        assert_eq!(sorted(&fold_unique, CASES), "a|b|c|");
        let unique = SortOptions { unique: true, ..SortOptions::default() };
        assert_eq!(sorted(&unique, "1\n1\n2\n"), "1|2|");
        let numeric_unique =
            SortOptions { unique: true, ..with_global(KeyOptions { numeric: true, ..KeyOptions::default() }) };
        assert_eq!(sorted(&numeric_unique, "1.0\n1\n01\n"), "1.0|");
    }

    #[test]
    fn keys_with_default_field_splitting() {
        assert_eq!(sorted(&with_keys(&["2"]), "b 2\na 2\nc 1\n"), "c 1|a 2|b 2|");
        let stable = SortOptions { stable: true, ..with_keys(&["2,2"]) };
        assert_eq!(sorted(&stable, "b 2\na 2\nc 1\n"), "c 1|b 2|a 2|");
        assert_eq!(sorted(&with_keys(&["2,2r"]), "b 2\na 2\nc 1\n"), "a 2|b 2|c 1|");
        let global_reverse =
            SortOptions { global: KeyOptions { reverse: true, ..KeyOptions::default() }, ..with_keys(&["2,2"]) };
        assert_eq!(sorted(&global_reverse, "b 2\na 2\nc 1\n"), "b 2|a 2|c 1|");
        assert_eq!(sorted(&with_keys(&["2"]), "a  b\na c\n"), "a  b|a c|");
        assert_eq!(sorted(&with_keys(&["2b"]), "a  c\na b\n"), "a b|a  c|");
    }

    #[test]
    fn keys_with_separator_and_numeric_modifier() {
        let options = SortOptions { separator: Some(b':'), ..with_keys(&["2n"]) };
        assert_eq!(sorted(&options, "x:10:a\ny:9:b\nz:100:c\n"), "y:9:b|x:10:a|z:100:c|");
        let reversed = SortOptions { separator: Some(b':'), ..with_keys(&["2,2nr"]) };
        assert_eq!(sorted(&reversed, "x:10:a\ny:9:b\nz:100:c\n"), "z:100:c|x:10:a|y:9:b|");
        let third = SortOptions { separator: Some(b':'), ..with_keys(&["3"]) };
        assert_eq!(sorted(&third, "a:b:z\nb:a:y\nc\n"), "c|b:a:y|a:b:z|");
    }

    #[test]
    fn keys_with_character_positions() {
        assert_eq!(sorted(&with_keys(&["1.3"]), "abcd\nabzz\nabaa\n"), "abaa|abcd|abzz|");
        assert_eq!(sorted(&with_keys(&["1.3,1.3r"]), "abcd\nabzz\nabaa\n"), "abzz|abcd|abaa|");
        assert_eq!(sorted(&with_keys(&["1.2,1.2", "1.1,1.1"]), "ba\nab\naa\n"), "aa|ba|ab|");
    }

    #[test]
    fn numeric_ties_fall_back_to_whole_lines() {
        assert_eq!(sorted(&with_keys(&["2n"]), "x 1\nx 01\n"), "x 01|x 1|");
        let reverse =
            SortOptions { global: KeyOptions { reverse: true, ..KeyOptions::default() }, ..with_keys(&["2n"]) };
        assert_eq!(sorted(&reverse, "x 1\nx 01\n"), "x 1|x 01|");
    }

    #[test]
    fn human_numeric_and_dictionary_order() {
        let human = with_global(KeyOptions { human_numeric: true, ..KeyOptions::default() });
        assert_eq!(sorted(&human, "2K\n1M\n512\n1G\n3K\n"), "512|2K|3K|1M|1G|");
        let dictionary = with_global(KeyOptions { dictionary_order: true, ..KeyOptions::default() });
        assert_eq!(sorted(&dictionary, "a-b\nab\na b\n"), "a b|a-b|ab|");
    }

    #[test]
    fn check_finds_the_first_disorder() {
        let lines: [&[u8]; 3] = [b"b", b"a", b"c"];
        assert_eq!(first_disorder(&lines, &SortOptions::default()), Some(1));
        let ordered: [&[u8]; 3] = [b"a", b"a", b"b"];
        assert_eq!(first_disorder(&ordered, &SortOptions::default()), None);
        assert_eq!(first_disorder(&ordered, &SortOptions { unique: true, ..SortOptions::default() }), Some(1));
    }

    #[test]
    fn key_specs_parse_and_fail_like_gnu() {
        let key = parse_key(b"2.3b,4.5nr").unwrap();
        assert_eq!(
            (key.start, key.end),
            (KeyPosition { field: 2, character: 3 }, Some(KeyPosition { field: 4, character: 5 }))
        );
        assert!(key.options.skip_start_blanks && key.options.numeric && key.options.reverse);
        assert_eq!(parse_key(b"1,1.0").unwrap().end, Some(KeyPosition { field: 1, character: 0 }));
        assert_eq!(parse_key(b"0"), Err(SortError::FieldZero(b"0".to_vec())));
        assert_eq!(parse_key(b"1.0"), Err(SortError::CharacterZero(b"1.0".to_vec())));
        assert_eq!(parse_key(b"x"), Err(SortError::InvalidCount(b"x".to_vec())));
        assert_eq!(parse_key(b"1z"), Err(SortError::StrayCharacter(b"1z".to_vec())));
        assert_eq!(
            std::format!("{}", SortError::FieldZero(b"0".to_vec())),
            "field number is zero: invalid field specification '0'"
        );
        assert_eq!(parse_key(b"99999999999999999999999").unwrap().start.field, usize::MAX);
    }

    #[test]
    fn hand_made_zero_positions_do_not_panic() {
        let zero = KeyPosition { field: 0, character: 0 };
        let options = SortOptions {
            keys: std::vec![SortKey { start: zero, end: Some(zero), options: KeyOptions::default() }],
            ..SortOptions::default()
        };
        assert_eq!(sorted(&options, "b\na\n"), "a|b|");
    }

    #[test]
    fn huge_positions_select_empty_keys() {
        let options = with_keys(&["99999999999999999999.99999999999999999999"]);
        assert_eq!(sorted(&options, "b\na\n"), "a|b|");
    }
}
