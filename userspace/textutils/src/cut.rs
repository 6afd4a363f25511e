//! The logic of `cut`: select bytes (`-b`), characters (`-c`) or delimited fields (`-f`,
//! `-d`, `-s`) of each line by a list such as `1,3-5,7-`, with `--complement` and
//! `--output-delimiter`. `-c` counts UTF-8 characters (an invalid byte counts as one), as BSD
//! cut does; GNU cut treats `-c` like `-b`.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::decimal::checked_value;
use crate::lines::split_lines;
use crate::utf8::char_len;

/// A parsed list of positions: sorted, merged, 1-based inclusive ranges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PositionList {
    ranges: Vec<(usize, usize)>,
}

/// A list argument that does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CutError {
    /// A position of 0, or an empty list.
    NumberedFromOne,
    /// A lone `-`.
    NoEndpoint,
    /// `5-3`.
    DecreasingRange,
    /// Something other than digits, `-`, `,` and blanks.
    InvalidValue(Vec<u8>),
    /// A number beyond what positions can count.
    TooLarge(Vec<u8>),
}

impl fmt::Display for CutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CutError::NumberedFromOne => f.write_str("fields and positions are numbered from 1"),
            CutError::NoEndpoint => f.write_str("invalid range with no endpoint: -"),
            CutError::DecreasingRange => f.write_str("invalid decreasing range"),
            CutError::InvalidValue(value) => write!(f, "invalid field value '{}'", String::from_utf8_lossy(value)),
            CutError::TooLarge(value) => write!(f, "field or offset '{}' is too large", String::from_utf8_lossy(value)),
        }
    }
}

impl PositionList {
    /// Parses a list: items `N`, `N-`, `-M` or `N-M` separated by `,` or blanks.
    pub fn parse(spec: &[u8]) -> Result<PositionList, CutError> {
        let mut ranges = Vec::new();
        for item in spec.split(|&byte| matches!(byte, b',' | b' ' | b'\t')) {
            let (first, last) = match item.iter().position(|&byte| byte == b'-') {
                None => {
                    let position = parse_position(item)?;
                    (position, position)
                }
                Some(dash) => {
                    let (start, end) = (&item[..dash], &item[dash + 1..]);
                    if start.is_empty() && end.is_empty() {
                        return Err(CutError::NoEndpoint);
                    }
                    let first = if start.is_empty() { 1 } else { parse_position(start)? };
                    let last = if end.is_empty() { usize::MAX } else { parse_position(end)? };
                    if last < first {
                        return Err(CutError::DecreasingRange);
                    }
                    (first, last)
                }
            };
            ranges.push((first, last));
        }
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (first, last) in ranges {
            match merged.last_mut() {
                Some(previous) if first <= previous.1.saturating_add(1) => previous.1 = previous.1.max(last),
                _ => merged.push((first, last)),
            }
        }
        Ok(PositionList { ranges: merged })
    }

    /// Whether the 1-based `position` is listed.
    pub fn contains(&self, position: usize) -> bool {
        self.ranges.iter().any(|&(first, last)| (first..=last).contains(&position))
    }
}

fn parse_position(text: &[u8]) -> Result<usize, CutError> {
    if text.is_empty() {
        return Err(CutError::NumberedFromOne);
    }
    if !text.iter().all(u8::is_ascii_digit) {
        return Err(CutError::InvalidValue(text.to_vec()));
    }
    let value = checked_value(text).and_then(|value| usize::try_from(value).ok());
    match value {
        None => Err(CutError::TooLarge(text.to_vec())),
        Some(0) => Err(CutError::NumberedFromOne),
        Some(value) => Ok(value),
    }
}

/// What `cut` selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CutMode {
    /// `-b`.
    Bytes,
    /// `-c`.
    Characters,
    /// `-f` with `-d delimiter` (default tab); `-s` drops lines without the delimiter.
    Fields { delimiter: u8, only_delimited: bool },
}

/// A complete `cut` invocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CutOptions {
    pub mode: CutMode,
    pub list: PositionList,
    /// `--complement`: select what the list does not name.
    pub complement: bool,
    /// `--output-delimiter`: put between selected fields (default: the delimiter) or between
    /// separate ranges of bytes or characters (default: nothing).
    pub output_delimiter: Option<Vec<u8>>,
}

/// Runs `cut` over the lines of `input`.
pub fn cut(input: &[u8], options: &CutOptions) -> Vec<u8> {
    let mut out = Vec::new();
    for line in split_lines(input) {
        match options.mode {
            CutMode::Bytes => cut_units(line.chunks(1), options, &mut out),
            CutMode::Characters => cut_units(Utf8Chars(line), options, &mut out),
            CutMode::Fields { delimiter, only_delimited } => {
                if !line.contains(&delimiter) {
                    if only_delimited {
                        continue;
                    }
                    out.extend_from_slice(line);
                } else {
                    let separator = options.output_delimiter.as_deref().unwrap_or(core::slice::from_ref(&delimiter));
                    let mut first = true;
                    for (index, field) in line.split(|&byte| byte == delimiter).enumerate() {
                        if options.list.contains(index + 1) != options.complement {
                            if !first {
                                out.extend_from_slice(separator);
                            }
                            out.extend_from_slice(field);
                            first = false;
                        }
                    }
                }
            }
        }
        out.push(b'\n');
    }
    out
}

/// Appends the selected units (bytes or characters) of one line.
fn cut_units<'l>(units: impl Iterator<Item = &'l [u8]>, options: &CutOptions, out: &mut Vec<u8>) {
    let mut previous: Option<usize> = None;
    for (index, unit) in units.enumerate() {
        if options.list.contains(index + 1) == options.complement {
            continue;
        }
        if let (Some(separator), Some(previous)) = (&options.output_delimiter, previous)
            && previous + 1 != index
        {
            out.extend_from_slice(separator);
        }
        out.extend_from_slice(unit);
        previous = Some(index);
    }
}

/// The UTF-8 characters of a line; each invalid byte is a character of its own.
struct Utf8Chars<'l>(&'l [u8]);

impl<'l> Iterator for Utf8Chars<'l> {
    type Item = &'l [u8];

    fn next(&mut self) -> Option<&'l [u8]> {
        if self.0.is_empty() {
            return None;
        }
        let (character, rest) = self.0.split_at(char_len(self.0, 0));
        self.0 = rest;
        Some(character)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    fn run(mode: CutMode, list: &str, input: &str) -> String {
        let options = CutOptions {
            mode,
            list: PositionList::parse(list.as_bytes()).unwrap(),
            complement: false,
            output_delimiter: None,
        };
        String::from_utf8(cut(input.as_bytes(), &options)).unwrap()
    }

    const COLON: CutMode = CutMode::Fields { delimiter: b':', only_delimited: false };

    #[test]
    fn fields_by_list() {
        assert_eq!(run(COLON, "1,3-5,7-", "a:b:c:d:e:f:g\n"), "a:c:d:e:g\n");
        assert_eq!(run(COLON, "-2", "a:b:c:d\n"), "a:b\n");
        assert_eq!(run(COLON, "3,1", "a:b:c\n"), "a:c\n");
        assert_eq!(run(COLON, "5", "a:b:c\n"), "\n");
        assert_eq!(run(CutMode::Fields { delimiter: b'\t', only_delimited: false }, "2", "a\tb\n"), "b\n");
    }

    #[test]
    fn lines_without_delimiter() {
        assert_eq!(run(COLON, "2", "no delim\n"), "no delim\n");
        assert_eq!(run(CutMode::Fields { delimiter: b':', only_delimited: true }, "2", "no delim\na:b\n"), "b\n");
    }

    #[test]
    fn bytes_and_characters() {
        assert_eq!(run(CutMode::Bytes, "2-4,6", "abcdefg\n"), "bcdf\n");
        assert_eq!(run(CutMode::Bytes, "3-", "abcdefg\n"), "cdefg\n");
        assert_eq!(run(CutMode::Bytes, "1,1,2", "abc\n"), "ab\n");
        assert_eq!(run(CutMode::Bytes, "3-4 6", "abcdef\n"), "cdf\n");
        assert_eq!(run(CutMode::Bytes, "1", "abc"), "a\n");
        assert_eq!(run(CutMode::Characters, "1-2", "h\u{e9}llo\n"), "h\u{e9}\n");
        let bytes = CutOptions {
            mode: CutMode::Bytes,
            list: PositionList::parse(b"1-2").unwrap(),
            complement: false,
            output_delimiter: None,
        };
        assert_eq!(cut("h\u{e9}llo\n".as_bytes(), &bytes), b"h\xc3\n");
        let invalid = CutOptions {
            mode: CutMode::Characters,
            list: PositionList::parse(b"2").unwrap(),
            complement: false,
            output_delimiter: None,
        };
        assert_eq!(cut(b"a\xff\xc3b\n", &invalid), b"\xff\n");
    }

    #[test]
    fn complement_and_output_delimiter() {
        let list = PositionList::parse(b"2").unwrap();
        let complement = CutOptions { mode: COLON, list: list.clone(), complement: true, output_delimiter: None };
        assert_eq!(cut(b"a:b:c\n", &complement), b"a:c\n");
        let renamed = CutOptions {
            mode: COLON,
            list: PositionList::parse(b"1,3").unwrap(),
            complement: false,
            output_delimiter: Some(b"XX".to_vec()),
        };
        assert_eq!(cut(b"a:b:c\n", &renamed), b"aXXc\n");
        let bytes = CutOptions {
            mode: CutMode::Bytes,
            list: PositionList::parse(b"1-2,4").unwrap(),
            complement: false,
            output_delimiter: Some(b"|".to_vec()),
        };
        assert_eq!(cut(b"abcde\n", &bytes), b"ab|d\n");
    }

    #[test]
    fn list_errors_like_gnu() {
        assert_eq!(PositionList::parse(b"0"), Err(CutError::NumberedFromOne));
        assert_eq!(PositionList::parse(b""), Err(CutError::NumberedFromOne));
        assert_eq!(PositionList::parse(b"-"), Err(CutError::NoEndpoint));
        assert_eq!(PositionList::parse(b"3-1"), Err(CutError::DecreasingRange));
        assert_eq!(PositionList::parse(b"1,x"), Err(CutError::InvalidValue(b"x".to_vec())));
        assert_eq!(
            PositionList::parse(b"99999999999999999999"),
            Err(CutError::TooLarge(b"99999999999999999999".to_vec()))
        );
        assert_eq!(std::format!("{}", CutError::NoEndpoint), "invalid range with no endpoint: -");
    }

    #[test]
    fn ranges_merge_and_open_ends_reach_the_end() {
        let list = PositionList::parse(b"5-,1-2,2-3,7").unwrap();
        assert!(list.contains(1) && list.contains(3) && !list.contains(4) && list.contains(usize::MAX));
    }
}
