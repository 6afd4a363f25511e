//! The logic of `seq`: FIRST, INCREMENT and LAST as exact decimals (so `seq 0 0.1 1` ends at
//! 1.0), printed with GNU's precision (the most decimals of FIRST and INCREMENT), `-w` equal
//! width, `-s` separator and `-f` format (through the `printf` engine). The output comes
//! piece by piece from an iterator, so that long sequences need no memory.
//!
//! Not supported: `inf`, `nan`, hexadecimal numbers, and values beyond about 10^36.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use crate::printf::{conversions, printf};

/// The most decimal digits a number may have, before or after the point.
const MAX_DIGITS: u32 = 36;

/// Options of `seq`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeqOptions {
    /// `-s`: between numbers (default `\n`); a `\n` always ends the output.
    pub separator: Vec<u8>,
    /// `-w`: pad with leading zeros to equal width.
    pub equal_width: bool,
    /// `-f`: a `printf` format with one floating-point directive.
    pub format: Option<Vec<u8>>,
}

impl Default for SeqOptions {
    fn default() -> SeqOptions {
        SeqOptions { separator: vec![b'\n'], equal_width: false, format: None }
    }
}

/// Why `seq` refuses its operands, in GNU's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SeqError {
    MissingOperand,
    ExtraOperand(Vec<u8>),
    InvalidNumber(Vec<u8>),
    ZeroIncrement(Vec<u8>),
    /// A number with more digits than `seq` can count exactly.
    OutOfRange(Vec<u8>),
    FormatWithEqualWidth,
    /// A `-f` format without exactly one `%e`/`%f`/`%g` directive.
    BadFormat(Vec<u8>),
}

impl fmt::Display for SeqError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = |bytes: &Vec<u8>| String::from_utf8_lossy(bytes).into_owned();
        match self {
            SeqError::MissingOperand => f.write_str("missing operand"),
            SeqError::ExtraOperand(operand) => write!(f, "extra operand '{}'", text(operand)),
            SeqError::InvalidNumber(operand) => write!(f, "invalid floating point argument: '{}'", text(operand)),
            SeqError::ZeroIncrement(operand) => write!(f, "invalid Zero increment value: '{}'", text(operand)),
            SeqError::OutOfRange(operand) => write!(f, "number out of range: '{}'", text(operand)),
            SeqError::FormatWithEqualWidth => {
                f.write_str("format string may not be specified when printing equal width strings")
            }
            SeqError::BadFormat(format) => {
                write!(f, "format '{}' needs exactly one %e, %f or %g directive", text(format))
            }
        }
    }
}

/// An exact decimal: `mantissa / 10^scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Decimal {
    mantissa: i128,
    scale: u32,
}

impl Decimal {
    /// Parses `[blanks][+-]digits[.digits][e[+-]digits]` (or `.digits`).
    fn parse(operand: &[u8]) -> Result<Decimal, SeqError> {
        let invalid = || SeqError::InvalidNumber(operand.to_vec());
        let out_of_range = || SeqError::OutOfRange(operand.to_vec());
        let text = operand.trim_ascii_start();
        let (negative, text) = match text {
            [b'-', rest @ ..] => (true, rest),
            [b'+', rest @ ..] => (false, rest),
            _ => (false, text),
        };
        let (number, exponent) = match text.iter().position(|&byte| byte == b'e' || byte == b'E') {
            Some(e) => (&text[..e], Some(&text[e + 1..])),
            None => (text, None),
        };
        let (integer, fraction) = match number.iter().position(|&byte| byte == b'.') {
            Some(point) => (&number[..point], &number[point + 1..]),
            None => (number, &b""[..]),
        };
        let all_digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
        if (integer.is_empty() && fraction.is_empty()) || !all_digits(integer) || !all_digits(fraction) {
            return Err(invalid());
        }
        let exponent: i64 = match exponent {
            None => 0,
            Some(digits) => {
                let (sign, digits) = match digits {
                    [b'-', rest @ ..] => (-1, rest),
                    [b'+', rest @ ..] => (1, rest),
                    _ => (1, digits),
                };
                if digits.is_empty() || !all_digits(digits) || digits.len() > 6 {
                    return Err(if digits.is_empty() || !all_digits(digits) { invalid() } else { out_of_range() });
                }
                sign * digits.iter().fold(0i64, |value, &digit| value * 10 + i64::from(digit - b'0'))
            }
        };
        let significant = integer.iter().chain(fraction).skip_while(|&&digit| digit == b'0');
        if significant.count() > MAX_DIGITS as usize {
            return Err(out_of_range());
        }
        let mantissa =
            integer.iter().chain(fraction).fold(0i128, |value, &digit| value * 10 + i128::from(digit - b'0'));
        let scale = i64::try_from(fraction.len()).map_err(|_| out_of_range())? - exponent;
        let decimal = if scale >= 0 {
            Decimal { mantissa, scale: u32::try_from(scale).map_err(|_| out_of_range())? }
        } else {
            let factor =
                u32::try_from(-scale).ok().and_then(|power| 10i128.checked_pow(power)).ok_or_else(out_of_range)?;
            Decimal { mantissa: mantissa.checked_mul(factor).ok_or_else(out_of_range)?, scale: 0 }
        };
        if decimal.scale > MAX_DIGITS {
            return Err(out_of_range());
        }
        Ok(Decimal { mantissa: if negative { -decimal.mantissa } else { decimal.mantissa }, ..decimal })
    }

    /// The mantissa at a larger `scale`.
    fn at_scale(self, scale: u32) -> Option<i128> {
        self.mantissa.checked_mul(10i128.checked_pow(scale.checked_sub(self.scale)?)?)
    }
}

/// Writes `value / 10^scale` with `decimals` digits after the point (cutting off any more).
fn format_decimal(value: i128, scale: u32, decimals: u32) -> String {
    let magnitude = value.unsigned_abs();
    let unit = 10u128.pow(scale);
    let integer = magnitude / unit;
    let fraction = (magnitude % unit) / 10u128.pow(scale - decimals.min(scale));
    let sign = if value < 0 { "-" } else { "" };
    match decimals {
        0 => alloc::format!("{sign}{integer}"),
        _ => alloc::format!("{sign}{integer}.{fraction:0width$}", width = decimals as usize),
    }
}

/// The pieces `seq` prints: each number (after the separator, from the second on), then the
/// final newline.
#[derive(Clone, Debug)]
pub struct Sequence {
    next: Option<i128>,
    step: i128,
    last: i128,
    scale: u32,
    decimals: u32,
    width: usize,
    options: SeqOptions,
    started: bool,
    finished: bool,
}

impl Sequence {
    /// Prepares `seq [options] [FIRST [INCREMENT]] LAST`.
    pub fn new(operands: &[&[u8]], options: SeqOptions) -> Result<Sequence, SeqError> {
        let (first, step, last): (&[u8], &[u8], &[u8]) = match *operands {
            [] => return Err(SeqError::MissingOperand),
            [last] => (b"1", b"1", last),
            [first, last] => (first, b"1", last),
            [first, step, last] => (first, step, last),
            [_, _, _, extra, ..] => return Err(SeqError::ExtraOperand(extra.to_vec())),
        };
        let (first_value, step_value, last_value) =
            (Decimal::parse(first)?, Decimal::parse(step)?, Decimal::parse(last)?);
        if step_value.mantissa == 0 {
            return Err(SeqError::ZeroIncrement(step.to_vec()));
        }
        if let Some(format) = &options.format {
            if options.equal_width {
                return Err(SeqError::FormatWithEqualWidth);
            }
            let found = conversions(format).map_err(|_| SeqError::BadFormat(format.clone()))?;
            if !matches!(found.as_slice(), [b'e' | b'E' | b'f' | b'F' | b'g' | b'G']) {
                return Err(SeqError::BadFormat(format.clone()));
            }
        }
        let decimals = first_value.scale.max(step_value.scale);
        let scale = decimals.max(last_value.scale);
        let rescale = |value: Decimal, operand: &[u8]| {
            value.at_scale(scale).ok_or_else(|| SeqError::OutOfRange(operand.to_vec()))
        };
        let (first_scaled, step_scaled, last_scaled) =
            (rescale(first_value, first)?, rescale(step_value, step)?, rescale(last_value, last)?);
        let width = if options.equal_width {
            format_decimal(first_scaled, scale, decimals).len().max(format_decimal(last_scaled, scale, decimals).len())
        } else {
            0
        };
        Ok(Sequence {
            next: Some(first_scaled),
            step: step_scaled,
            last: last_scaled,
            scale,
            decimals,
            width,
            options,
            started: false,
            finished: false,
        })
    }

    /// Formats one number as the options say.
    fn render(&self, value: i128) -> Vec<u8> {
        let text = format_decimal(value, self.scale, self.decimals);
        if let Some(format) = &self.options.format {
            return printf(format, &[text.as_bytes()]).output;
        }
        let (sign, digits) = text.split_at(usize::from(value < 0));
        let padding = self.width.saturating_sub(text.len());
        let mut rendered = Vec::with_capacity(text.len() + padding);
        rendered.extend_from_slice(sign.as_bytes());
        rendered.resize(rendered.len() + padding, b'0');
        rendered.extend_from_slice(digits.as_bytes());
        rendered
    }
}

impl Iterator for Sequence {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        let in_range = |value: i128| if self.step > 0 { value <= self.last } else { value >= self.last };
        match self.next.filter(|&value| in_range(value)) {
            Some(value) => {
                self.next = value.checked_add(self.step);
                let mut piece = if self.started { self.options.separator.clone() } else { Vec::new() };
                self.started = true;
                piece.extend(self.render(value));
                Some(piece)
            }
            None if self.started && !self.finished => {
                self.finished = true;
                Some(vec![b'\n'])
            }
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    fn seq_with(operands: &[&str], options: SeqOptions) -> String {
        let operands: std::vec::Vec<&[u8]> = operands.iter().map(|operand| operand.as_bytes()).collect();
        let pieces: std::vec::Vec<u8> = Sequence::new(&operands, options).unwrap().flatten().collect();
        String::from_utf8(pieces).unwrap()
    }

    /// The numbers `seq` prints, joined by spaces.
    fn seq(operands: &[&str]) -> String {
        seq_with(operands, SeqOptions { separator: b" ".to_vec(), ..SeqOptions::default() }).trim_end().into()
    }

    fn seq_w(operands: &[&str]) -> String {
        seq_with(operands, SeqOptions { separator: b" ".to_vec(), equal_width: true, format: None }).trim_end().into()
    }

    fn error(operands: &[&str]) -> SeqError {
        let operands: std::vec::Vec<&[u8]> = operands.iter().map(|operand| operand.as_bytes()).collect();
        Sequence::new(&operands, SeqOptions::default()).unwrap_err()
    }

    #[test]
    fn integers_up_and_down() {
        assert_eq!(seq(&["3"]), "1 2 3");
        assert_eq!(seq(&["5", "-2", "0"]), "5 3 1");
        assert_eq!(seq(&["-3", "-1"]), "-3 -2 -1");
        assert_eq!(seq(&["+2", "3"]), "2 3");
        assert_eq!(seq(&["18446744073709551614", "18446744073709551615"]), "18446744073709551614 18446744073709551615");
    }

    #[test]
    fn empty_sequences_print_nothing() {
        assert_eq!(seq_with(&["3", "1"], SeqOptions::default()), "");
        assert_eq!(seq_with(&["10", "-3"], SeqOptions::default()), "");
    }

    #[test]
    fn decimals_take_the_precision_of_first_and_increment() {
        assert_eq!(seq(&["0", "0.5", "2"]), "0.0 0.5 1.0 1.5 2.0");
        assert_eq!(seq(&["1", "1.5"]), "1");
        assert_eq!(seq(&["1", "0.1", "1.3"]), "1.0 1.1 1.2 1.3");
        assert_eq!(seq(&["1.50", "2.5"]), "1.50 2.50");
        assert_eq!(seq(&["0.1", "-0.05", "0"]), "0.10 0.05 0.00");
        assert_eq!(seq(&["0", "0.1", "1"]).split(' ').next_back(), Some("1.0"));
        assert_eq!(seq(&["1.", "3"]), "1 2 3");
        assert_eq!(seq(&[".5", "3"]), "0.5 1.5 2.5");
        assert_eq!(seq(&["-1", "0.5", "0"]), "-1.0 -0.5 0.0");
    }

    #[test]
    fn exponents() {
        assert_eq!(seq(&["1e2", "1e2", "3e2"]), "100 200 300");
        assert_eq!(seq(&["1.5e1", "16"]), "15 16");
        assert_eq!(seq(&["0", "25e-2", "0.5"]), "0.00 0.25 0.50");
    }

    #[test]
    fn equal_width() {
        assert_eq!(seq_w(&["-1", "1"]), "-1 00 01");
        assert_eq!(seq_w(&["8", "11"]), "08 09 10 11");
        assert_eq!(seq_w(&["0.5", "1", "3"]), "0.5 1.5 2.5");
        assert_eq!(seq_w(&["1", "0.5", "2.25"]), "1.0 1.5 2.0");
        assert_eq!(seq_w(&["-10", "5", "-1"]), "-10 -05");
        assert_eq!(seq_w(&["1", "-0.5", "-1"]), "01.0 00.5 00.0 -0.5 -1.0");
    }

    #[test]
    fn separator_and_final_newline() {
        assert_eq!(seq_with(&["3"], SeqOptions { separator: b",".to_vec(), ..SeqOptions::default() }), "1,2,3\n");
        assert_eq!(seq_with(&["2"], SeqOptions::default()), "1\n2\n");
        assert_eq!(seq_with(&["2"], SeqOptions { separator: b"".to_vec(), ..SeqOptions::default() }), "12\n");
    }

    #[test]
    fn printf_formats() {
        let format = |text: &str| SeqOptions { format: Some(text.as_bytes().to_vec()), ..SeqOptions::default() };
        assert_eq!(seq_with(&["3"], format("%03g")), "001\n002\n003\n");
        assert_eq!(seq_with(&["1", "2"], format("x%.2fy")), "x1.00y\nx2.00y\n");
        assert_eq!(seq_with(&["0", "0.25", "0.5"], format("%e")), "0.000000e+00\n2.500000e-01\n5.000000e-01\n");
    }

    #[test]
    fn long_sequences_are_lazy() {
        let operands: [&[u8]; 1] = [b"99999999999999999999999999999999"];
        let mut sequence = Sequence::new(&operands, SeqOptions::default()).unwrap();
        assert_eq!(sequence.nth(999), Some(b"\n1000".to_vec()));
        let near_max: [&[u8]; 3] =
            [b"999999999999999999999999999999999998", b"1", b"999999999999999999999999999999999999"];
        assert_eq!(Sequence::new(&near_max, SeqOptions::default()).unwrap().count(), 3);
    }

    #[test]
    fn bad_operands_are_errors() {
        assert_eq!(error(&["x"]), SeqError::InvalidNumber(b"x".to_vec()));
        assert_eq!(error(&[""]), SeqError::InvalidNumber(b"".to_vec()));
        assert_eq!(error(&["1", "0", "2"]), SeqError::ZeroIncrement(b"0".to_vec()));
        assert_eq!(error(&["1", "2", "3", "4"]), SeqError::ExtraOperand(b"4".to_vec()));
        assert_eq!(error(&[]), SeqError::MissingOperand);
        assert_eq!(error(&["1e", "2"]), SeqError::InvalidNumber(b"1e".to_vec()));
        assert_eq!(error(&["1.2.3"]), SeqError::InvalidNumber(b"1.2.3".to_vec()));
        assert_eq!(error(&["inf"]), SeqError::InvalidNumber(b"inf".to_vec()));
        assert_eq!(error(&["1e99999"]), SeqError::OutOfRange(b"1e99999".to_vec()));
        assert_eq!(error(&["1e9999999"]), SeqError::OutOfRange(b"1e9999999".to_vec()));
        assert_eq!(
            error(&["1234567890123456789012345678901234567890"]),
            SeqError::OutOfRange(b"1234567890123456789012345678901234567890".to_vec())
        );
        assert_eq!(
            error(&["0.0000000000000000000000000000000000001"]),
            SeqError::OutOfRange(b"0.0000000000000000000000000000000000001".to_vec())
        );
        assert_eq!(std::format!("{}", error(&["x"])), "invalid floating point argument: 'x'");
        assert_eq!(std::format!("{}", error(&["1", "0", "2"])), "invalid Zero increment value: '0'");
    }

    #[test]
    fn bad_formats_are_errors() {
        let with_format = |format: &str, equal_width: bool| {
            let options = SeqOptions { format: Some(format.as_bytes().to_vec()), equal_width, ..SeqOptions::default() };
            Sequence::new(&[b"3"], options).unwrap_err()
        };
        assert_eq!(with_format("%d", false), SeqError::BadFormat(b"%d".to_vec()));
        assert_eq!(with_format("%g%g", false), SeqError::BadFormat(b"%g%g".to_vec()));
        assert_eq!(with_format("none", false), SeqError::BadFormat(b"none".to_vec()));
        assert_eq!(with_format("%z", false), SeqError::BadFormat(b"%z".to_vec()));
        assert_eq!(with_format("%g", true), SeqError::FormatWithEqualWidth);
    }
}
