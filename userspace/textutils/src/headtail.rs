//! The logic of `head` and `tail`: parsing their counts (`-n N`, `-n -N`, `-n +N`, `-c ...`
//! with GNU's suffixes `b K KB KiB M ...`) and selecting the part of an input they print.
//! Selection returns a sub-slice of the input: no copy, and a final line without a newline
//! stays so.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::decimal::{checked_value, digit_count};

/// Whether a count is of lines (`-n`) or bytes (`-c`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Lines,
    Bytes,
}

/// What `head` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadCount {
    /// `N` or `+N`: the first N.
    First(u64),
    /// `-N`: all but the last N.
    AllButLast(u64),
}

/// What `tail` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TailCount {
    /// `N` or `-N`: the last N.
    Last(u64),
    /// `+N`: from the N-th on (counting from 1; `+0` is `+1`).
    From(u64),
}

/// A count argument that does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CountError {
    pub unit: Unit,
    pub argument: Vec<u8>,
    /// The number is too large rather than malformed.
    pub too_large: bool,
}

impl fmt::Display for CountError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            Unit::Lines => "lines",
            Unit::Bytes => "bytes",
        };
        write!(f, "invalid number of {unit}: '{}'", String::from_utf8_lossy(&self.argument))?;
        if self.too_large {
            f.write_str(": Value too large for defined data type")?;
        }
        Ok(())
    }
}

/// Parses the count of `head -n`/`head -c`.
pub fn parse_head_count(argument: &[u8], unit: Unit) -> Result<HeadCount, CountError> {
    let (sign, value) = parse_signed(argument, unit)?;
    Ok(if sign == Some(b'-') { HeadCount::AllButLast(value) } else { HeadCount::First(value) })
}

/// Parses the count of `tail -n`/`tail -c`.
pub fn parse_tail_count(argument: &[u8], unit: Unit) -> Result<TailCount, CountError> {
    let (sign, value) = parse_signed(argument, unit)?;
    Ok(if sign == Some(b'+') { TailCount::From(value) } else { TailCount::Last(value) })
}

/// Splits off a leading `+` or `-` and parses the rest as a number with a suffix.
fn parse_signed(argument: &[u8], unit: Unit) -> Result<(Option<u8>, u64), CountError> {
    let error = |too_large| CountError { unit, argument: argument.to_vec(), too_large };
    let (sign, number) = match argument.split_first() {
        Some((&sign @ (b'+' | b'-'), rest)) => (Some(sign), rest),
        _ => (None, argument),
    };
    let digits = digit_count(number);
    if digits == 0 {
        return Err(error(false));
    }
    let value = checked_value(&number[..digits]).ok_or_else(|| error(true))?;
    let multiplier = suffix_multiplier(&number[digits..]).ok_or_else(|| error(false))?;
    let value = multiplier.and_then(|multiplier| value.checked_mul(multiplier)).ok_or_else(|| error(true))?;
    Ok((sign, value))
}

/// The multiplier of a GNU size suffix: `Some(None)` when it overflows 64 bits, `None` when
/// the suffix is unknown.
fn suffix_multiplier(suffix: &[u8]) -> Option<Option<u64>> {
    if suffix.is_empty() {
        return Some(Some(1));
    }
    if suffix == b"b" {
        return Some(Some(512));
    }
    let (letter, rest) = suffix.split_first()?;
    let upper = if *letter == b'k' { b'K' } else { *letter };
    let power = b"KMGTPEZYRQ".iter().position(|&unit| unit == upper)?;
    if *letter == b'k' && !rest.is_empty() && rest != b"B" {
        return None;
    }
    let base: u64 = match rest {
        b"" | b"iB" => 1024,
        b"B" => 1000,
        _ => return None,
    };
    Some(base.checked_pow(u32::try_from(power + 1).unwrap_or(u32::MAX)))
}

fn to_usize(count: u64) -> usize {
    usize::try_from(count).unwrap_or(usize::MAX)
}

/// How many lines `input` has (a final line without a newline counts).
fn line_count(input: &[u8]) -> usize {
    let newlines = input.iter().filter(|&&byte| byte == b'\n').count();
    newlines + usize::from(!input.is_empty() && !input.ends_with(b"\n"))
}

/// The index just past the first `lines` lines.
fn end_of_lines(input: &[u8], lines: usize) -> usize {
    if lines == 0 {
        return 0;
    }
    input
        .iter()
        .enumerate()
        .filter(|&(_, &byte)| byte == b'\n')
        .nth(lines - 1)
        .map_or(input.len(), |(index, _)| index + 1)
}

/// The part of `input` that `head` prints.
pub fn head(input: &[u8], unit: Unit, count: HeadCount) -> &[u8] {
    let end = match (unit, count) {
        (Unit::Bytes, HeadCount::First(count)) => to_usize(count).min(input.len()),
        (Unit::Bytes, HeadCount::AllButLast(count)) => input.len().saturating_sub(to_usize(count)),
        (Unit::Lines, HeadCount::First(count)) => end_of_lines(input, to_usize(count)),
        (Unit::Lines, HeadCount::AllButLast(count)) => {
            end_of_lines(input, line_count(input).saturating_sub(to_usize(count)))
        }
    };
    &input[..end]
}

/// The part of `input` that `tail` prints.
pub fn tail(input: &[u8], unit: Unit, count: TailCount) -> &[u8] {
    let start = match (unit, count) {
        (Unit::Bytes, TailCount::Last(count)) => input.len().saturating_sub(to_usize(count)),
        (Unit::Bytes, TailCount::From(count)) => to_usize(count).saturating_sub(1).min(input.len()),
        (Unit::Lines, TailCount::Last(count)) => end_of_lines(input, line_count(input).saturating_sub(to_usize(count))),
        (Unit::Lines, TailCount::From(count)) => end_of_lines(input, to_usize(count).saturating_sub(1)),
    };
    &input[start..]
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIVE: &[u8] = b"1\n2\n3\n4\n5";

    fn head_of(input: &[u8], unit: Unit, argument: &str) -> std::vec::Vec<u8> {
        head(input, unit, parse_head_count(argument.as_bytes(), unit).unwrap()).to_vec()
    }

    fn tail_of(input: &[u8], unit: Unit, argument: &str) -> std::vec::Vec<u8> {
        tail(input, unit, parse_tail_count(argument.as_bytes(), unit).unwrap()).to_vec()
    }

    #[test]
    fn head_lines_first_and_all_but_last() {
        assert_eq!(head_of(FIVE, Unit::Lines, "2"), b"1\n2\n");
        assert_eq!(head_of(FIVE, Unit::Lines, "-2"), b"1\n2\n3\n");
        assert_eq!(head_of(FIVE, Unit::Lines, "-0"), FIVE);
        assert_eq!(head_of(FIVE, Unit::Lines, "+2"), b"1\n2\n");
        assert_eq!(head_of(FIVE, Unit::Lines, "0"), b"");
        assert_eq!(head_of(FIVE, Unit::Lines, "1k"), FIVE);
        assert_eq!(head_of(b"a\nb\n", Unit::Lines, "-1"), b"a\n");
    }

    #[test]
    fn head_bytes() {
        assert_eq!(head_of(FIVE, Unit::Bytes, "3"), b"1\n2");
        assert_eq!(head_of(FIVE, Unit::Bytes, "-3"), b"1\n2\n3\n");
        assert_eq!(head_of(FIVE, Unit::Bytes, "1b"), FIVE);
        assert_eq!(head_of(FIVE, Unit::Bytes, "-99"), b"");
    }

    #[test]
    fn tail_lines_last_and_from() {
        assert_eq!(tail_of(FIVE, Unit::Lines, "2"), b"4\n5");
        assert_eq!(tail_of(FIVE, Unit::Lines, "-2"), b"4\n5");
        assert_eq!(tail_of(FIVE, Unit::Lines, "+4"), b"4\n5");
        assert_eq!(tail_of(FIVE, Unit::Lines, "+0"), FIVE);
        assert_eq!(tail_of(FIVE, Unit::Lines, "0"), b"");
        assert_eq!(tail_of(b"a\nb\n\n", Unit::Lines, "1"), b"\n");
        assert_eq!(tail_of(b"a\nb\n", Unit::Lines, "1"), b"b\n");
        assert_eq!(tail_of(b"", Unit::Lines, "3"), b"");
    }

    #[test]
    fn tail_bytes() {
        assert_eq!(tail_of(FIVE, Unit::Bytes, "3"), b"4\n5");
        assert_eq!(tail_of(FIVE, Unit::Bytes, "+3"), b"2\n3\n4\n5");
        assert_eq!(tail_of(FIVE, Unit::Bytes, "+999"), b"");
    }

    #[test]
    fn suffixes_like_gnu() {
        assert_eq!(parse_head_count(b"1kB", Unit::Bytes), Ok(HeadCount::First(1000)));
        assert_eq!(parse_head_count(b"1KiB", Unit::Bytes), Ok(HeadCount::First(1024)));
        assert_eq!(parse_head_count(b"2M", Unit::Bytes), Ok(HeadCount::First(2 << 20)));
        assert_eq!(parse_head_count(b"1E", Unit::Bytes), Ok(HeadCount::First(1 << 60)));
    }

    #[test]
    fn bad_counts_are_errors() {
        let bad = |argument: &str| parse_head_count(argument.as_bytes(), Unit::Lines).unwrap_err();
        assert!(!bad("2x").too_large && !bad("").too_large && !bad("1e").too_large && !bad("-").too_large);
        assert!(bad("99999999999999999999999").too_large);
        assert!(parse_tail_count(b"1Y", Unit::Bytes).unwrap_err().too_large);
        assert_eq!(std::format!("{}", bad("2x")), "invalid number of lines: '2x'");
        assert_eq!(
            std::format!("{}", bad("99999999999999999999999")),
            "invalid number of lines: '99999999999999999999999': Value too large for defined data type"
        );
    }

    #[test]
    fn huge_valid_counts_select_everything() {
        assert_eq!(head(FIVE, Unit::Lines, HeadCount::First(u64::MAX)), FIVE);
        assert_eq!(tail(FIVE, Unit::Lines, TailCount::Last(u64::MAX)), FIVE);
        assert_eq!(tail(FIVE, Unit::Bytes, TailCount::From(u64::MAX)), b"");
        assert_eq!(head(FIVE, Unit::Lines, HeadCount::AllButLast(u64::MAX)), b"");
    }
}
