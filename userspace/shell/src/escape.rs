//! Backslash escapes as `echo -e`, `printf` formats and `printf %b` understand them.

use alloc::vec::Vec;

/// How octal escapes are written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum OctalStyle {
    /// `\0NNN` (echo -e, printf %b).
    LeadingZero,
    /// `\NNN` (printf formats).
    Plain,
}

/// The bytes of `text` with escapes replaced, and whether a `\c` asked to stop all output.
pub fn decode(text: &str, octal: OctalStyle) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let Some(&next) = chars.peek() else {
            out.push(b'\\');
            break;
        };
        let simple = match next {
            'a' => Some(7),
            'b' => Some(8),
            'e' | 'E' => Some(27),
            'f' => Some(12),
            'n' => Some(b'\n'),
            'r' => Some(b'\r'),
            't' => Some(b'\t'),
            'v' => Some(11),
            '\\' => Some(b'\\'),
            _ => None,
        };
        if let Some(byte) = simple {
            chars.next();
            out.push(byte);
            continue;
        }
        match next {
            'c' => return (out, true),
            'x' => {
                chars.next();
                let value = take_digits(&mut chars, 16, 2);
                match value {
                    Some(value) => out.push(value),
                    None => out.extend_from_slice(b"\\x"),
                }
            }
            '0'..='7' => {
                let max_digits = if octal == OctalStyle::LeadingZero && next == '0' {
                    chars.next();
                    3
                } else if octal == OctalStyle::Plain {
                    3
                } else {
                    out.push(b'\\');
                    continue;
                };
                out.push(take_digits(&mut chars, 8, max_digits).unwrap_or(0));
            }
            _ => out.push(b'\\'),
        }
    }
    (out, false)
}

/// Reads up to `max` digits of `radix` and returns their value as a byte (wrapping), `None` without digits.
fn take_digits(chars: &mut core::iter::Peekable<core::str::Chars<'_>>, radix: u32, max: usize) -> Option<u8> {
    let mut value: u32 = 0;
    let mut count = 0;
    while count < max {
        let Some(digit) = chars.peek().and_then(|c| c.to_digit(radix)) else { break };
        chars.next();
        value = value * radix + digit;
        count += 1;
    }
    (count > 0).then_some((value & 0xff) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_escapes() {
        assert_eq!(decode("a\\tb\\nc\\\\", OctalStyle::Plain), (b"a\tb\nc\\".to_vec(), false));
        assert_eq!(decode("\\x41\\q", OctalStyle::Plain), (b"A\\q".to_vec(), false));
    }

    #[test]
    fn octal_styles_differ() {
        assert_eq!(decode("\\101", OctalStyle::Plain).0, b"A");
        assert_eq!(decode("\\0101", OctalStyle::LeadingZero).0, b"A");
        assert_eq!(decode("\\101", OctalStyle::LeadingZero).0, b"\\101");
        assert_eq!(decode("\\0", OctalStyle::LeadingZero).0, b"\0");
    }

    #[test]
    fn backslash_c_stops_output() {
        assert_eq!(decode("ab\\cde", OctalStyle::LeadingZero), (b"ab".to_vec(), true));
    }
}
