//! The `printf` formatting engine, as GNU `printf(1)` behaves: backslash escapes in the
//! format, conversions `%s %b %c %d %i %u %o %x %X %e %E %f %F %g %G %%` with flags `-+ 0#'`,
//! width, precision and `*`, the format reused until the arguments run out, and GNU's
//! warnings for arguments that are not numbers. Also the escapes of `%b`, for `echo -e`.
//!
//! Floating-point conversions use `f64` (GNU uses `long double`, which only differs past 15
//! significant digits); `%a` is not supported.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::decimal::{digit_count, saturating_usize};
use crate::escape::control_escape;

/// The widest field width or precision accepted.
const MAX_FIELD: usize = 1 << 20;

/// A problem `printf` reports. The first three stop the output; the others are warnings (the
/// argument is used as far as it could be read, and `printf` exits with status 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrintfError {
    /// A `%` directive that is not valid; holds the directive.
    InvalidConversion(Vec<u8>),
    /// `\x`, `\u` or `\U` without enough hex digits.
    MissingHexDigits,
    /// `\u` or `\U` naming something that is not a character.
    InvalidCharacterName,
    /// A width or precision beyond 2^20.
    FieldTooLarge(Vec<u8>),
    /// An argument for a numeric conversion with no number at its start.
    NotNumeric(Vec<u8>),
    /// An argument with something after its number.
    NotFullyConverted(Vec<u8>),
    /// A number beyond the conversion's range (clamped).
    OutOfRange(Vec<u8>),
}

impl fmt::Display for PrintfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = |bytes: &Vec<u8>| String::from_utf8_lossy(bytes).into_owned();
        match self {
            PrintfError::InvalidConversion(directive) => {
                write!(f, "{}: invalid conversion specification", text(directive))
            }
            PrintfError::MissingHexDigits => f.write_str("missing hexadecimal number in escape"),
            PrintfError::InvalidCharacterName => f.write_str("invalid universal character name"),
            PrintfError::FieldTooLarge(directive) => {
                write!(f, "{}: field width or precision too large", text(directive))
            }
            PrintfError::NotNumeric(argument) => write!(f, "'{}': expected a numeric value", text(argument)),
            PrintfError::NotFullyConverted(argument) => {
                write!(f, "'{}': value not completely converted", text(argument))
            }
            PrintfError::OutOfRange(argument) => write!(f, "'{}': Numerical result out of range", text(argument)),
        }
    }
}

/// What `printf` produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Printed {
    /// The output, up to a fatal error or `\c`.
    pub output: Vec<u8>,
    /// Problems with arguments (output continued).
    pub warnings: Vec<PrintfError>,
    /// The problem that stopped the output.
    pub error: Option<PrintfError>,
}

impl Printed {
    /// Whether `printf` exits with status 0.
    pub fn succeeded(&self) -> bool {
        self.warnings.is_empty() && self.error.is_none()
    }
}

/// Formats `args` with `format` as `printf FORMAT ARGS...` does.
pub fn printf(format: &[u8], args: &[&[u8]]) -> Printed {
    let mut run = Run { args, next_arg: 0, printed: Printed::default() };
    loop {
        let before = run.next_arg;
        match run.format_once(format) {
            Ok(Flow::Continue) => {}
            Ok(Flow::Stop) => break,
            Err(error) => {
                run.printed.error = Some(error);
                break;
            }
        }
        if run.next_arg >= args.len() || run.next_arg == before {
            break;
        }
    }
    run.printed
}

/// The result of expanding the escapes of `%b` or `echo -e`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unescaped {
    pub bytes: Vec<u8>,
    /// `\c` was met: nothing more is to be printed.
    pub stop: bool,
}

/// Expands the escapes of a `%b` argument (`\\ \a \b \c \e \f \n \r \t \v \0NNN \NNN \xHH
/// \uHHHH \UHHHHHHHH`); an unknown escape stays as it is.
pub fn unescape(text: &[u8]) -> Result<Unescaped, PrintfError> {
    let mut bytes = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        if text[pos] != b'\\' {
            bytes.push(text[pos]);
            pos += 1;
            continue;
        }
        match expand_escape(text, pos + 1, EscapeContext::Argument, &mut bytes)? {
            Some(next) => pos = next,
            None => return Ok(Unescaped { bytes, stop: true }),
        }
    }
    Ok(Unescaped { bytes, stop: false })
}

/// Lists the conversion characters of `format` in order (for `seq -f`, which accepts one).
pub fn conversions(format: &[u8]) -> Result<Vec<u8>, PrintfError> {
    let mut found = Vec::new();
    let mut pos = 0;
    while let Some(offset) = format.get(pos..).and_then(|rest| rest.iter().position(|&byte| byte == b'%')) {
        let spec = Spec::parse(format, pos + offset)?;
        if spec.conversion != b'%' {
            found.push(spec.conversion);
        }
        pos = spec.end;
    }
    Ok(found)
}

/// Where an escape appears: the format and `%b` arguments read octal differently.
#[derive(Clone, Copy, PartialEq, Eq)]
enum EscapeContext {
    /// `\NNN`, one to three octal digits.
    Format,
    /// `\0NNN` (up to three digits after the 0) or `\NNN`.
    Argument,
}

/// Expands the escape whose character (after `\`) is at `text[pos]`, appending to `out`;
/// returns the index after it, or `None` for `\c`.
fn expand_escape(
    text: &[u8],
    pos: usize,
    context: EscapeContext,
    out: &mut Vec<u8>,
) -> Result<Option<usize>, PrintfError> {
    let Some(&escaped) = text.get(pos) else {
        out.push(b'\\');
        return Ok(Some(pos));
    };
    let simple = match escaped {
        b'\\' => Some(b'\\'),
        b'"' if context == EscapeContext::Format => Some(b'"'),
        b'b' => Some(0x08),
        b'e' => Some(0x1b),
        _ => control_escape(escaped),
    };
    if let Some(byte) = simple {
        out.push(byte);
        return Ok(Some(pos + 1));
    }
    match escaped {
        b'c' => Ok(None),
        b'0'..=b'7' => {
            let start = if context == EscapeContext::Argument && escaped == b'0' { pos + 1 } else { pos };
            let (value, end) = read_digits(text, start, 8, 3);
            out.push(u8::try_from(value & 0xff).unwrap_or(u8::MAX));
            Ok(Some(end))
        }
        b'x' => {
            let (value, end) = read_digits(text, pos + 1, 16, 2);
            if end == pos + 1 {
                return Err(PrintfError::MissingHexDigits);
            }
            out.push(u8::try_from(value).unwrap_or(u8::MAX));
            Ok(Some(end))
        }
        b'u' | b'U' => {
            let digits = if escaped == b'u' { 4 } else { 8 };
            let (value, end) = read_digits(text, pos + 1, 16, digits);
            if end != pos + 1 + digits {
                return Err(PrintfError::MissingHexDigits);
            }
            let character = char::from_u32(value).ok_or(PrintfError::InvalidCharacterName)?;
            out.extend_from_slice(character.encode_utf8(&mut [0; 4]).as_bytes());
            Ok(Some(end))
        }
        _ => {
            out.extend_from_slice(&[b'\\', escaped]);
            Ok(Some(pos + 1))
        }
    }
}

/// Reads up to `max` digits of `radix` at `text[pos]`: the value and the index after them.
fn read_digits(text: &[u8], pos: usize, radix: u32, max: usize) -> (u32, usize) {
    let mut value = 0u32;
    let mut end = pos;
    while end < pos + max {
        let Some(digit) = text.get(end).and_then(|&byte| char::from(byte).to_digit(radix)) else {
            break;
        };
        value = value * radix + digit;
        end += 1;
    }
    (value, end)
}

/// A parsed `%` directive.
#[derive(Clone, Debug)]
struct Spec {
    left_align: bool,
    plus: bool,
    space: bool,
    alternate: bool,
    zero: bool,
    /// `None`: no width; `Some(None)`: `*`.
    width: Option<Option<usize>>,
    precision: Option<Option<usize>>,
    conversion: u8,
    /// The directive's text (for messages).
    text: Vec<u8>,
    /// The index after the directive.
    end: usize,
}

impl Spec {
    /// Parses the directive whose `%` is at `format[start]`.
    fn parse(format: &[u8], start: usize) -> Result<Spec, PrintfError> {
        let mut pos = start + 1;
        let mut spec = Spec {
            left_align: false,
            plus: false,
            space: false,
            alternate: false,
            zero: false,
            width: None,
            precision: None,
            conversion: 0,
            text: Vec::new(),
            end: 0,
        };
        let mut grouping = false;
        while let Some(&flag) = format.get(pos) {
            match flag {
                b'-' => spec.left_align = true,
                b'+' => spec.plus = true,
                b' ' => spec.space = true,
                b'#' => spec.alternate = true,
                b'0' => spec.zero = true,
                b'\'' => grouping = true,
                _ => break,
            }
            pos += 1;
        }
        let invalid = |end: usize| PrintfError::InvalidConversion(format[start..end.min(format.len())].to_vec());
        spec.width = read_field(format, &mut pos).map_err(|()| invalid(pos + 1))?;
        if format.get(pos) == Some(&b'.') {
            pos += 1;
            spec.precision = Some(read_field(format, &mut pos).map_err(|()| invalid(pos + 1))?.unwrap_or(Some(0)));
        }
        while format.get(pos).is_some_and(|byte| b"hlLqjzt".contains(byte)) {
            pos += 1;
        }
        let Some(&conversion) = format.get(pos) else {
            return Err(invalid(pos));
        };
        pos += 1;
        spec.conversion = conversion;
        spec.text = format[start..pos].to_vec();
        spec.end = pos;
        let plain = pos == start + 2;
        let allowed = match conversion {
            b'%' => plain,
            b'd' | b'i' | b'u' => !spec.alternate,
            b'o' | b'x' | b'X' | b'e' | b'E' => !grouping,
            b'f' | b'F' | b'g' | b'G' => true,
            b'c' => !grouping && !spec.alternate && !spec.zero && spec.precision.is_none(),
            b's' | b'b' => !grouping && !spec.alternate && !spec.zero,
            _ => false,
        };
        if !allowed {
            return Err(PrintfError::InvalidConversion(spec.text));
        }
        let too_large = |field: Option<Option<usize>>| field.flatten().is_some_and(|value| value > MAX_FIELD);
        if too_large(spec.width) || too_large(spec.precision) {
            return Err(PrintfError::FieldTooLarge(spec.text));
        }
        Ok(spec)
    }
}

/// Reads a width or precision: digits (`Some(Some(n))`), `*` (`Some(None)`) or nothing.
fn read_field(format: &[u8], pos: &mut usize) -> Result<Option<Option<usize>>, ()> {
    if format.get(*pos) == Some(&b'*') {
        *pos += 1;
        return Ok(Some(None));
    }
    let digits = digit_count(&format[*pos..]);
    if digits == 0 {
        return Ok(None);
    }
    let value = saturating_usize(&format[*pos..*pos + digits]);
    *pos += digits;
    Ok(Some(Some(value)))
}

/// Whether formatting goes on after a pass over the format.
enum Flow {
    Continue,
    Stop,
}

/// One `printf` invocation in progress.
struct Run<'a> {
    args: &'a [&'a [u8]],
    next_arg: usize,
    printed: Printed,
}

impl<'a> Run<'a> {
    fn take_arg(&mut self) -> &'a [u8] {
        let arg = self.args.get(self.next_arg).copied().unwrap_or_default();
        self.next_arg = (self.next_arg + 1).min(self.args.len());
        arg
    }

    /// Takes the argument of a `*` width or precision: (value, negative).
    fn take_star(&mut self, spec: &Spec) -> Result<(usize, bool), PrintfError> {
        let arg = self.take_arg();
        let (value, warning) = parse_integer(arg);
        if let Some(warning) = warning {
            self.printed.warnings.push(warning);
        }
        let magnitude = usize::try_from(value.unsigned_abs()).unwrap_or(usize::MAX);
        if magnitude > MAX_FIELD {
            return Err(PrintfError::FieldTooLarge(spec.text.clone()));
        }
        Ok((magnitude, value < 0))
    }

    fn format_once(&mut self, format: &[u8]) -> Result<Flow, PrintfError> {
        let mut pos = 0;
        while pos < format.len() {
            match format[pos] {
                b'\\' => match expand_escape(format, pos + 1, EscapeContext::Format, &mut self.printed.output)? {
                    Some(next) => pos = next,
                    None => return Ok(Flow::Stop),
                },
                b'%' => {
                    let mut spec = Spec::parse(format, pos)?;
                    pos = spec.end;
                    if spec.width == Some(None) {
                        let (width, negative) = self.take_star(&spec)?;
                        spec.left_align |= negative;
                        spec.width = Some(Some(width));
                    }
                    if spec.precision == Some(None) {
                        let (precision, negative) = self.take_star(&spec)?;
                        spec.precision = if negative { None } else { Some(Some(precision)) };
                    }
                    if let Flow::Stop = self.convert(&spec)? {
                        return Ok(Flow::Stop);
                    }
                }
                byte => {
                    self.printed.output.push(byte);
                    pos += 1;
                }
            }
        }
        Ok(Flow::Continue)
    }

    fn convert(&mut self, spec: &Spec) -> Result<Flow, PrintfError> {
        let precision = spec.precision.flatten();
        let body = match spec.conversion {
            b'%' => {
                self.printed.output.push(b'%');
                return Ok(Flow::Continue);
            }
            b's' => {
                let arg = self.take_arg();
                Field::text(truncate(arg, precision))
            }
            b'b' => {
                let arg = self.take_arg();
                let unescaped = unescape(arg)?;
                let flow = self.emit(Field::text(truncate(&unescaped.bytes, precision)), spec);
                return Ok(if unescaped.stop { Flow::Stop } else { flow });
            }
            b'c' => {
                // The first character; an empty argument gives a NUL byte, as in C.
                let arg = self.take_arg();
                let len = match arg.first() {
                    Some(0xc0..) => arg
                        .utf8_chunks()
                        .next()
                        .map_or(1, |chunk| chunk.valid().chars().next().map_or(1, char::len_utf8)),
                    Some(_) => 1,
                    None => return Ok(self.emit(Field::text(b"\0"), spec)),
                };
                Field::text(&arg[..len])
            }
            b'd' | b'i' => {
                let arg = self.take_arg();
                let (value, warning) = parse_integer(arg);
                let clamped = value.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
                self.warn(warning.or_else(|| (clamped != value).then(|| PrintfError::OutOfRange(arg.to_vec()))));
                format_integer(clamped.unsigned_abs(), clamped < 0, 10, spec)
            }
            b'u' | b'o' | b'x' | b'X' => {
                let arg = self.take_arg();
                let (value, warning) = parse_integer(arg);
                let magnitude = u64::try_from(value.unsigned_abs());
                self.warn(warning.or_else(|| magnitude.is_err().then(|| PrintfError::OutOfRange(arg.to_vec()))));
                let magnitude = magnitude.unwrap_or(u64::MAX);
                let unsigned = if value < 0 && magnitude != u64::MAX { magnitude.wrapping_neg() } else { magnitude };
                let radix = match spec.conversion {
                    b'o' => 8,
                    b'u' => 10,
                    _ => 16,
                };
                format_integer(u128::from(unsigned), false, radix, spec)
            }
            _ => {
                let arg = self.take_arg();
                let (value, warning) = parse_float(arg);
                self.warn(warning);
                format_float(value, spec)
            }
        };
        Ok(self.emit(body, spec))
    }

    /// Appends `field`, padded, to the output.
    fn emit(&mut self, field: Field, spec: &Spec) -> Flow {
        self.printed.output.extend(field.padded(spec));
        Flow::Continue
    }

    fn warn(&mut self, warning: Option<PrintfError>) {
        self.printed.warnings.extend(warning);
    }
}

fn truncate(text: &[u8], precision: Option<usize>) -> &[u8] {
    &text[..precision.map_or(text.len(), |precision| precision.min(text.len()))]
}

/// A converted value before padding: the sign or prefix that zero padding goes after, and the
/// digits or text.
struct Field {
    prefix: Vec<u8>,
    body: Vec<u8>,
    /// Whether the `0` flag may pad this field with zeros.
    zero_pads: bool,
}

impl Field {
    fn text(text: &[u8]) -> Field {
        Field { prefix: Vec::new(), body: text.to_vec(), zero_pads: false }
    }

    /// The field padded to the spec's width.
    fn padded(self, spec: &Spec) -> Vec<u8> {
        let width = spec.width.flatten().unwrap_or(0);
        let len = self.prefix.len() + self.body.len();
        let padding = width.saturating_sub(len);
        let mut out = Vec::with_capacity(len + padding);
        if spec.left_align {
            out.extend(self.prefix);
            out.extend(self.body);
            out.resize(out.len() + padding, b' ');
        } else if spec.zero && self.zero_pads {
            out.extend(self.prefix);
            out.resize(out.len() + padding, b'0');
            out.extend(self.body);
        } else {
            out.resize(padding, b' ');
            out.extend(self.prefix);
            out.extend(self.body);
        }
        out
    }
}

/// The sign prefix for a number.
fn sign(negative: bool, spec: &Spec) -> &'static [u8] {
    match (negative, spec.plus, spec.space) {
        (true, _, _) => b"-",
        (false, true, _) => b"+",
        (false, false, true) => b" ",
        _ => b"",
    }
}

fn format_integer(magnitude: u128, negative: bool, radix: u32, spec: &Spec) -> Field {
    let mut digits: Vec<u8> = match radix {
        8 => alloc::format!("{magnitude:o}"),
        16 if spec.conversion == b'X' => alloc::format!("{magnitude:X}"),
        16 => alloc::format!("{magnitude:x}"),
        _ => alloc::format!("{magnitude}"),
    }
    .into_bytes();
    let precision = spec.precision.flatten();
    if precision == Some(0) && magnitude == 0 {
        digits.clear();
    }
    if let Some(precision) = precision
        && digits.len() < precision
    {
        digits.splice(0..0, core::iter::repeat_n(b'0', precision - digits.len()));
    }
    let mut prefix = if matches!(spec.conversion, b'd' | b'i') { sign(negative, spec).to_vec() } else { Vec::new() };
    if spec.alternate {
        match spec.conversion {
            b'o' if digits.first() != Some(&b'0') => digits.insert(0, b'0'),
            b'x' if magnitude != 0 => prefix.extend_from_slice(b"0x"),
            b'X' if magnitude != 0 => prefix.extend_from_slice(b"0X"),
            _ => {}
        }
    }
    Field { prefix, body: digits, zero_pads: precision.is_none() }
}

fn format_float(value: f64, spec: &Spec) -> Field {
    let upper = spec.conversion.is_ascii_uppercase();
    let prefix = sign(value.is_sign_negative() && !value.is_nan(), spec).to_vec();
    let magnitude = value.abs();
    if !magnitude.is_finite() {
        let text = if magnitude.is_nan() { "nan" } else { "inf" };
        let text = if upper { text.to_ascii_uppercase() } else { String::from(text) };
        return Field { prefix, body: text.into_bytes(), zero_pads: false };
    }
    let precision = spec.precision.flatten().unwrap_or(6);
    let mut body = match spec.conversion.to_ascii_lowercase() {
        b'f' => fixed(magnitude, precision, spec.alternate),
        b'e' => exponential(magnitude, precision, spec.alternate),
        _ => general(magnitude, precision, spec.alternate),
    };
    if upper {
        body.make_ascii_uppercase();
    }
    Field { prefix, body, zero_pads: true }
}

/// `%f` digits of a non-negative finite value.
fn fixed(magnitude: f64, precision: usize, alternate: bool) -> Vec<u8> {
    let mut text = alloc::format!("{magnitude:.precision$}").into_bytes();
    if alternate && precision == 0 {
        text.push(b'.');
    }
    text
}

/// `%e` digits of a non-negative finite value: `d.ddde+XX`.
fn exponential(magnitude: f64, precision: usize, alternate: bool) -> Vec<u8> {
    let text = alloc::format!("{magnitude:.precision$e}");
    let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let point = if alternate && precision == 0 { "." } else { "" };
    let exponent_sign = if exponent < 0 { '-' } else { '+' };
    alloc::format!("{mantissa}{point}e{exponent_sign}{:02}", exponent.unsigned_abs()).into_bytes()
}

/// `%g` digits of a non-negative finite value: `%e` or `%f` by the exponent, trailing zeros
/// removed unless `#`.
fn general(magnitude: f64, precision: usize, alternate: bool) -> Vec<u8> {
    let significant = precision.max(1);
    let exponent: i64 = if magnitude == 0.0 {
        0
    } else {
        let text = alloc::format!("{magnitude:.*e}", significant - 1);
        text.split_once('e').and_then(|(_, exponent)| exponent.parse().ok()).unwrap_or(0)
    };
    let significant_i64 = i64::try_from(significant).unwrap_or(i64::MAX);
    let mut text = if exponent < -4 || exponent >= significant_i64 {
        exponential(magnitude, significant - 1, alternate)
    } else {
        let decimals = usize::try_from(significant_i64 - 1 - exponent).unwrap_or(0);
        fixed(magnitude, decimals, alternate)
    };
    if !alternate {
        let mantissa_end = text.iter().position(|&byte| byte == b'e').unwrap_or(text.len());
        if text[..mantissa_end].contains(&b'.') {
            let mut cut = mantissa_end;
            while text[cut - 1] == b'0' {
                cut -= 1;
            }
            if text[cut - 1] == b'.' {
                cut -= 1;
            }
            text.drain(cut..mantissa_end);
        }
    }
    text
}

/// The code of the character after a leading `'` or `"`, which GNU takes as the number.
fn character_constant(arg: &[u8]) -> Option<i128> {
    let rest = arg.strip_prefix(b"'").or_else(|| arg.strip_prefix(b"\""))?;
    let code = match rest.utf8_chunks().next() {
        Some(chunk) if !chunk.valid().is_empty() => chunk.valid().chars().next().map_or(0, u32::from),
        _ => rest.first().copied().map_or(0, u32::from),
    };
    Some(i128::from(code))
}

/// Reads an integer argument as `strtoimax` does (leading blanks, sign, `0x`, leading `0` for
/// octal, or a character constant): the value and a warning if it was not all a number.
fn parse_integer(arg: &[u8]) -> (i128, Option<PrintfError>) {
    if arg.is_empty() {
        return (0, None);
    }
    if let Some(code) = character_constant(arg) {
        let warning = (arg.len() == 1).then(|| PrintfError::NotNumeric(arg.to_vec()));
        return (code, warning);
    }
    let text = arg.trim_ascii_start();
    let (negative, text) = match text {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, text),
    };
    let (radix, digits_start) = match text {
        [b'0', b'x' | b'X', next, ..] if next.is_ascii_hexdigit() => (16, 2),
        [b'0', ..] => (8, 0),
        _ => (10, 0),
    };
    let digits = &text[digits_start..];
    let count = digits.iter().take_while(|&&byte| char::from(byte).is_digit(radix)).count();
    if count == 0 {
        return (0, Some(PrintfError::NotNumeric(arg.to_vec())));
    }
    let limit = i128::from(u64::MAX) + 1;
    let magnitude = digits[..count].iter().fold(0i128, |value, &digit| {
        let digit = i128::from(char::from(digit).to_digit(radix).unwrap_or(0));
        value.saturating_mul(i128::from(radix)).saturating_add(digit).min(limit)
    });
    let value = if negative { -magnitude } else { magnitude };
    let rest = &digits[count..];
    (value, (!rest.is_empty()).then(|| PrintfError::NotFullyConverted(arg.to_vec())))
}

/// Reads a floating-point argument as `strtod` does: the value and a warning if it was not
/// all a number.
fn parse_float(arg: &[u8]) -> (f64, Option<PrintfError>) {
    if arg.is_empty() {
        return (0.0, None);
    }
    if let Some(code) = character_constant(arg) {
        let warning = (arg.len() == 1).then(|| PrintfError::NotNumeric(arg.to_vec()));
        return (code as f64, warning);
    }
    let text = arg.trim_ascii_start();
    let sign_len = usize::from(matches!(text.first(), Some(b'-' | b'+')));
    let negative = text.first() == Some(&b'-');
    let body = &text[sign_len..];
    let lower: Vec<u8> = body.iter().take(8).map(u8::to_ascii_lowercase).collect();
    let (magnitude, len) = if lower.starts_with(b"infinity") {
        (f64::INFINITY, 8)
    } else if lower.starts_with(b"inf") {
        (f64::INFINITY, 3)
    } else if lower.starts_with(b"nan") {
        (f64::NAN, 3)
    } else if let [b'0', b'x' | b'X', next, ..] = body
        && next.is_ascii_hexdigit()
    {
        let digits = body[2..].iter().take_while(|byte| byte.is_ascii_hexdigit()).count();
        let value = body[2..2 + digits]
            .iter()
            .fold(0.0f64, |value, &digit| value * 16.0 + f64::from(char::from(digit).to_digit(16).unwrap_or(0)));
        (value, 2 + digits)
    } else {
        let len = decimal_prefix_len(body);
        let value = core::str::from_utf8(&body[..len]).ok().and_then(|number| number.parse::<f64>().ok());
        match value {
            Some(value) if len > 0 => (value, len),
            _ => return (0.0, Some(PrintfError::NotNumeric(arg.to_vec()))),
        }
    };
    let value = if negative { -magnitude } else { magnitude };
    let rest = &body[len..];
    (value, (!rest.is_empty()).then(|| PrintfError::NotFullyConverted(arg.to_vec())))
}

/// The length of the decimal floating-point number (`12`, `1.5`, `.5e-3`) at the start of
/// `text`, or 0.
fn decimal_prefix_len(text: &[u8]) -> usize {
    let digits =
        |from: usize| text.get(from..).map_or(0, |rest| rest.iter().take_while(|byte| byte.is_ascii_digit()).count());
    let integer = digits(0);
    let mut len = integer;
    let mut fraction = 0;
    if text.get(len) == Some(&b'.') {
        fraction = digits(len + 1);
        len += 1 + fraction;
    }
    if integer == 0 && fraction == 0 {
        return 0;
    }
    if matches!(text.get(len), Some(b'e' | b'E')) {
        let sign = usize::from(matches!(text.get(len + 1), Some(b'-' | b'+')));
        let exponent = digits(len + 1 + sign);
        if exponent > 0 {
            len += 1 + sign + exponent;
        }
    }
    len
}

#[cfg(test)]
mod tests;
