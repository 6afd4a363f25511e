//! `printf format [arguments...]`: `%s %b %c %d %i %u %x %X %o %%` with flags, width and precision; the format
//! is reused while arguments remain.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::arith::parse_integer;
use crate::escape::{self, OctalStyle};
use crate::interp::Shell;
use crate::os::Os;

/// Widths and precisions are capped here, so that a typo cannot exhaust memory.
const MAX_WIDTH: usize = 4096;

/// A width or precision.
#[derive(Clone, Copy)]
enum Count {
    Fixed(usize),
    /// `*`: taken from the arguments.
    FromArgument,
}

#[derive(Clone, Copy, Default)]
struct Flags {
    left: bool,
    plus: bool,
    space: bool,
    zero: bool,
    alternate: bool,
}

#[derive(Clone, Copy)]
struct Directive {
    flags: Flags,
    width: Option<Count>,
    precision: Option<Count>,
    conversion: char,
}

/// A piece of a parsed format.
enum Segment {
    Text(Vec<u8>),
    Directive(Directive),
    /// `\c`: stop all output.
    Stop,
}

/// Why a format cannot be used.
enum FormatError {
    InvalidDirective(String),
}

fn parse_count(chars: &mut core::iter::Peekable<core::str::Chars<'_>>) -> Option<Count> {
    if chars.peek() == Some(&'*') {
        chars.next();
        return Some(Count::FromArgument);
    }
    let mut value: Option<usize> = None;
    while let Some(digit) = chars.peek().and_then(|c| c.to_digit(10)) {
        chars.next();
        value = Some(value.unwrap_or(0).saturating_mul(10).saturating_add(digit as usize));
    }
    value.map(|value| Count::Fixed(value.min(MAX_WIDTH)))
}

fn parse_format(format: &str) -> Result<Vec<Segment>, FormatError> {
    let mut segments = Vec::new();
    let mut text = String::new();
    let mut chars = format.chars().peekable();
    let flush = |text: &mut String, segments: &mut Vec<Segment>| -> bool {
        let (bytes, stop) = escape::decode(text, OctalStyle::Plain);
        text.clear();
        segments.push(Segment::Text(bytes));
        if stop {
            segments.push(Segment::Stop);
        }
        stop
    };
    while let Some(c) = chars.next() {
        if c != '%' {
            text.push(c);
            continue;
        }
        if flush(&mut text, &mut segments) {
            return Ok(segments);
        }
        let mut flags = Flags::default();
        while let Some(&flag) = chars.peek() {
            match flag {
                '-' => flags.left = true,
                '+' => flags.plus = true,
                ' ' => flags.space = true,
                '0' => flags.zero = true,
                '#' => flags.alternate = true,
                _ => break,
            }
            chars.next();
        }
        let width = parse_count(&mut chars);
        let precision = if chars.peek() == Some(&'.') {
            chars.next();
            Some(parse_count(&mut chars).unwrap_or(Count::Fixed(0)))
        } else {
            None
        };
        match chars.next() {
            Some(conversion @ ('%' | 's' | 'b' | 'c' | 'd' | 'i' | 'u' | 'x' | 'X' | 'o')) => {
                segments.push(Segment::Directive(Directive { flags, width, precision, conversion }));
            }
            other => {
                let mut directive = String::from("%");
                directive.extend(other);
                return Err(FormatError::InvalidDirective(directive));
            }
        }
    }
    flush(&mut text, &mut segments);
    Ok(segments)
}

/// Pads `body` (after `prefix`, e.g. a sign) to the width.
fn pad(prefix: &str, body: &str, width: usize, flags: Flags, zero_allowed: bool) -> String {
    let length = prefix.chars().count() + body.chars().count();
    let fill = width.saturating_sub(length);
    let mut out = String::new();
    if flags.left {
        out.push_str(prefix);
        out.push_str(body);
        out.extend(core::iter::repeat_n(' ', fill));
    } else if flags.zero && zero_allowed {
        out.push_str(prefix);
        out.extend(core::iter::repeat_n('0', fill));
        out.push_str(body);
    } else {
        out.extend(core::iter::repeat_n(' ', fill));
        out.push_str(prefix);
        out.push_str(body);
    }
    out
}

/// Applies a format to arguments.
struct Formatter<'a> {
    args: &'a [String],
    next: usize,
    output: Vec<u8>,
    invalid_numbers: Vec<String>,
}

impl Formatter<'_> {
    fn take(&mut self) -> Option<&str> {
        let arg = self.args.get(self.next)?;
        self.next += 1;
        Some(arg)
    }

    fn take_number(&mut self) -> i64 {
        let Some(arg) = self.take() else { return 0 };
        let trimmed = arg.trim();
        if trimmed.is_empty() {
            return 0;
        }
        if let Some(quoted) = trimmed.strip_prefix(['\'', '"']) {
            return quoted.chars().next().map_or(0, |c| i64::from(u32::from(c)));
        }
        match parse_integer(trimmed) {
            Some(value) => value,
            None => {
                let arg = String::from(arg);
                let value = leading_integer(&arg);
                self.invalid_numbers.push(arg);
                value
            }
        }
    }

    fn count(&mut self, count: Option<Count>) -> Option<usize> {
        match count? {
            Count::Fixed(value) => Some(value),
            Count::FromArgument => Some(usize::try_from(self.take_number()).unwrap_or(0).min(MAX_WIDTH)),
        }
    }

    /// Runs the format once; `false` when `\c` stopped all output.
    fn run(&mut self, segments: &[Segment]) -> bool {
        for segment in segments {
            match segment {
                Segment::Text(bytes) => self.output.extend_from_slice(bytes),
                Segment::Stop => return false,
                Segment::Directive(directive) => {
                    if !self.directive(directive) {
                        return false;
                    }
                }
            }
        }
        true
    }

    fn directive(&mut self, directive: &Directive) -> bool {
        let width = self.count(directive.width).unwrap_or(0);
        let precision = self.count(directive.precision);
        let flags = directive.flags;
        let text = match directive.conversion {
            '%' => String::from("%"),
            's' => {
                let arg = self.take().unwrap_or_default();
                let arg: String = match precision {
                    Some(limit) => arg.chars().take(limit).collect(),
                    None => String::from(arg),
                };
                pad("", &arg, width, flags, false)
            }
            'b' => {
                let arg = String::from(self.take().unwrap_or_default());
                let (bytes, stop) = escape::decode(&arg, OctalStyle::LeadingZero);
                match String::from_utf8(bytes) {
                    Ok(text) => self.output.extend_from_slice(pad("", &text, width, flags, false).as_bytes()),
                    Err(not_text) => self.output.extend_from_slice(not_text.as_bytes()),
                }
                return !stop;
            }
            'c' => {
                let arg: String = self.take().unwrap_or_default().chars().take(1).collect();
                pad("", &arg, width, flags, false)
            }
            'd' | 'i' => {
                let value = self.take_number();
                let sign = if value < 0 {
                    "-"
                } else if flags.plus {
                    "+"
                } else if flags.space {
                    " "
                } else {
                    ""
                };
                let digits = with_precision(value.unsigned_abs().to_string(), precision);
                pad(sign, &digits, width, flags, precision.is_none())
            }
            conversion => {
                let value = self.take_number() as u64;
                let (digits, prefix) = match conversion {
                    'x' => (alloc::format!("{value:x}"), "0x"),
                    'X' => (alloc::format!("{value:X}"), "0X"),
                    'o' => (alloc::format!("{value:o}"), "0"),
                    _ => (value.to_string(), ""),
                };
                let prefix = if flags.alternate && value != 0 { prefix } else { "" };
                pad(prefix, &with_precision(digits, precision), width, flags, precision.is_none())
            }
        };
        self.output.extend_from_slice(text.as_bytes());
        true
    }
}

/// The value of the decimal digits (with an optional sign) an invalid number starts with, as other shells print.
fn leading_integer(text: &str) -> i64 {
    let text = text.trim_start();
    let unsigned = text.trim_start_matches(['-', '+']);
    let sign_length = text.len() - unsigned.len();
    let digits = unsigned.bytes().take_while(u8::is_ascii_digit).count();
    parse_integer(&alloc::format!("{}{}", &text[..sign_length.min(1)], &unsigned[..digits])).unwrap_or(0)
}

/// Digits zero-padded to at least `precision` digits.
fn with_precision(digits: String, precision: Option<usize>) -> String {
    let minimum = precision.unwrap_or(0);
    if digits.len() >= minimum {
        return digits;
    }
    let mut padded: String = core::iter::repeat_n('0', minimum - digits.len()).collect();
    padded.push_str(&digits);
    padded
}

impl<O: Os> Shell<O> {
    /// `printf format [arguments...]`.
    pub(super) fn builtin_printf(&mut self, args: &[String]) -> i32 {
        let args = match args.first() {
            Some(first) if first == "--" => &args[1..],
            _ => args,
        };
        let Some(format) = args.first() else {
            return self.usage_error("printf", format_args!("usage: printf format [arguments]"));
        };
        let segments = match parse_format(format) {
            Ok(segments) => segments,
            Err(FormatError::InvalidDirective(directive)) => {
                self.report(format_args!("printf: {directive}: invalid directive"));
                return 1;
            }
        };
        let mut formatter = Formatter { args: &args[1..], next: 0, output: Vec::new(), invalid_numbers: Vec::new() };
        loop {
            let before = formatter.next;
            if !formatter.run(&segments) || formatter.next >= formatter.args.len() || formatter.next == before {
                break;
            }
        }
        let Formatter { output, invalid_numbers, .. } = formatter;
        let write_failed = self.print_bytes(&output) != 0;
        for arg in &invalid_numbers {
            self.report(format_args!("printf: {arg}: invalid number"));
        }
        i32::from(write_failed || !invalid_numbers.is_empty())
    }
}
