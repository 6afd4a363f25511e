//! The logic of `tr`: translate (`SET1 SET2`), delete (`-d`), squeeze (`-s`) and complement
//! (`-c`) bytes, with GNU's set syntax: ranges `a-z`, escapes `\n \t \\ \NNN`, classes
//! `[:lower:]`, equivalences `[=c=]` and, in SET2, repeats `[c*n]` and `[c*]`.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::charclass::{ByteSet, CharClass};
use crate::escape::control_escape;

/// The options of `tr`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrOptions {
    /// `-c`: use the bytes not in SET1, in ascending order.
    pub complement: bool,
    /// `-d`: delete the bytes of SET1.
    pub delete: bool,
    /// `-s`: squeeze runs of a byte of the last set given into one.
    pub squeeze: bool,
    /// `-t`: cut SET1 down to the length of SET2.
    pub truncate_set1: bool,
}

/// Why `tr` refuses its operands, in GNU's words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrError {
    /// Translating or `-ds` without SET2.
    MissingOperand,
    /// `-d` alone with SET2.
    ExtraOperand,
    ReversedRange(u8, u8),
    UnknownClass(Vec<u8>),
    RepeatInSet1,
    /// More than one `[c*]` in SET2.
    MultipleFills,
    /// A class other than `[:upper:]`/`[:lower:]` in SET2 when translating.
    ClassInSet2,
    /// `[:upper:]` or `[:lower:]` in SET2 without a class at the same place in SET1.
    Misaligned,
    EmptySet2,
}

impl fmt::Display for TrError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrError::MissingOperand => f.write_str("missing operand: two strings must be given when translating"),
            TrError::ExtraOperand => {
                f.write_str("extra operand: only one string may be given when deleting without squeezing")
            }
            TrError::ReversedRange(first, last) => write!(
                f,
                "range-endpoints of '{}-{}' are in reverse collating sequence order",
                char::from(*first),
                char::from(*last)
            ),
            TrError::UnknownClass(name) => write!(f, "invalid character class '{}'", String::from_utf8_lossy(name)),
            TrError::RepeatInSet1 => f.write_str("the [c*] repeat construct may not appear in string1"),
            TrError::MultipleFills => f.write_str("only one [c*] repeat construct may appear in string2"),
            TrError::ClassInSet2 => f.write_str(
                "when translating, the only character classes that may appear in string2 are 'upper' and 'lower'",
            ),
            TrError::Misaligned => f.write_str("misaligned [:upper:] and/or [:lower:] construct"),
            TrError::EmptySet2 => f.write_str("when not truncating set1, string2 must be non-empty"),
        }
    }
}

/// One element of a set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Element {
    Byte(u8),
    Range(u8, u8),
    Class(CharClass),
    /// `[c*n]`; `None` for `[c*]` (fill up to SET1's length).
    Repeat(u8, Option<usize>),
}

/// A running `tr`: the byte map, the bytes to delete and squeeze, and the last byte written
/// (squeezing goes on across calls of [`Translator::process`]).
#[derive(Clone, Debug)]
pub struct Translator {
    map: [u8; 256],
    delete: ByteSet,
    squeeze: ByteSet,
    last_written: Option<u8>,
}

impl Translator {
    /// Prepares `tr [options] set1 [set2]`.
    pub fn new(set1: &[u8], set2: Option<&[u8]>, options: TrOptions) -> Result<Translator, TrError> {
        let elements1 = parse_set(set1)?;
        if elements1.iter().any(|element| matches!(element, Element::Repeat(..))) {
            return Err(TrError::RepeatInSet1);
        }
        let mut bytes1 = expand(&elements1, 0)?;
        if options.complement {
            let listed = set_of(&bytes1);
            bytes1 = (0..=u8::MAX).filter(|&byte| !listed.contains(byte)).collect();
        }
        let mut translator = Translator {
            map: core::array::from_fn(|byte| byte as u8),
            delete: ByteSet::EMPTY,
            squeeze: ByteSet::EMPTY,
            last_written: None,
        };
        let translating = !options.delete && set2.is_some();
        match (options.delete, options.squeeze, set2) {
            (true, false, Some(_)) => return Err(TrError::ExtraOperand),
            (true, true, None) | (false, false, None) => return Err(TrError::MissingOperand),
            (true, _, _) => translator.delete = set_of(&bytes1),
            (false, true, None) => translator.squeeze = set_of(&bytes1),
            (false, _, Some(_)) => {}
        }
        if let Some(set2) = set2 {
            let elements2 = parse_set(set2)?;
            if translating {
                check_set2_classes(&elements1, &elements2, options.complement)?;
            }
            let mut bytes2 = expand(&elements2, bytes1.len())?;
            if translating {
                if options.truncate_set1 {
                    bytes1.truncate(bytes2.len());
                } else if bytes2.len() < bytes1.len() {
                    let &last = bytes2.last().ok_or(TrError::EmptySet2)?;
                    bytes2.resize(bytes1.len(), last);
                }
                for (&from, &to) in bytes1.iter().zip(&bytes2) {
                    translator.map[usize::from(from)] = to;
                }
            }
            if options.squeeze {
                translator.squeeze = set_of(&bytes2);
            }
        }
        Ok(translator)
    }

    /// Appends `input` as `tr` transforms it to `out`.
    pub fn process(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &byte in input {
            if self.delete.contains(byte) {
                continue;
            }
            let byte = self.map[usize::from(byte)];
            if self.squeeze.contains(byte) && self.last_written == Some(byte) {
                continue;
            }
            out.push(byte);
            self.last_written = Some(byte);
        }
    }
}

fn set_of(bytes: &[u8]) -> ByteSet {
    let mut set = ByteSet::EMPTY;
    for &byte in bytes {
        set.insert(byte);
    }
    set
}

/// GNU's rule: when translating, SET2 may hold only `[:upper:]` and `[:lower:]`, each where
/// SET1 has `[:lower:]` or `[:upper:]` (so that the cases line up).
fn check_set2_classes(elements1: &[Element], elements2: &[Element], complement: bool) -> Result<(), TrError> {
    let class_starts = |elements: &[Element]| -> Vec<(usize, CharClass)> {
        let mut position = 0usize;
        let mut starts = Vec::new();
        for element in elements {
            if let Element::Class(class) = element {
                starts.push((position, *class));
            }
            position = position.saturating_add(element_len(element));
        }
        starts
    };
    let starts1 = class_starts(elements1);
    for (position, class) in class_starts(elements2) {
        if !matches!(class, CharClass::Upper | CharClass::Lower) {
            return Err(TrError::ClassInSet2);
        }
        let aligned = !complement
            && starts1
                .iter()
                .any(|&(start, class1)| start == position && matches!(class1, CharClass::Upper | CharClass::Lower));
        if !aligned {
            return Err(TrError::Misaligned);
        }
    }
    Ok(())
}

/// How many bytes an element (other than a fill) stands for.
fn element_len(element: &Element) -> usize {
    match *element {
        Element::Byte(_) => 1,
        Element::Range(first, last) => usize::from(last - first) + 1,
        Element::Class(class) => (0..=u8::MAX).filter(|&byte| class.contains(byte)).count(),
        Element::Repeat(_, count) => count.unwrap_or(0),
    }
}

/// The bytes a set stands for; a `[c*]` fill (at most one) makes it `target_len` long, and
/// repeats are cut at `target_len` (nothing beyond it is ever used).
fn expand(elements: &[Element], target_len: usize) -> Result<Vec<u8>, TrError> {
    let fills = elements.iter().filter(|element| matches!(element, Element::Repeat(_, None))).count();
    if fills > 1 {
        return Err(TrError::MultipleFills);
    }
    let fixed_len = elements.iter().fold(0usize, |total, element| total.saturating_add(element_len(element)));
    let mut bytes = Vec::new();
    for element in elements {
        match *element {
            Element::Byte(byte) => bytes.push(byte),
            Element::Range(first, last) => bytes.extend(first..=last),
            Element::Class(class) => bytes.extend((0..=u8::MAX).filter(|&byte| class.contains(byte))),
            Element::Repeat(byte, count) => {
                let count = count.unwrap_or(target_len.saturating_sub(fixed_len)).min(target_len.max(1));
                bytes.extend(core::iter::repeat_n(byte, count));
            }
        }
    }
    Ok(bytes)
}

/// Parses a set operand into elements.
fn parse_set(text: &[u8]) -> Result<Vec<Element>, TrError> {
    let mut elements = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        if let Some((element, next)) = parse_bracketed(text, pos)? {
            elements.push(element);
            pos = next;
            continue;
        }
        let (first, next) = parse_byte(text, pos);
        pos = next;
        if text.get(pos) == Some(&b'-') && pos + 1 < text.len() {
            let (last, next) = parse_byte(text, pos + 1);
            if last < first {
                return Err(TrError::ReversedRange(first, last));
            }
            elements.push(Element::Range(first, last));
            pos = next;
        } else {
            elements.push(Element::Byte(first));
        }
    }
    Ok(elements)
}

/// `[:class:]`, `[=c=]` or `[c*n]` at `text[pos]`, if one is there.
fn parse_bracketed(text: &[u8], pos: usize) -> Result<Option<(Element, usize)>, TrError> {
    let rest = &text[pos..];
    if !rest.starts_with(b"[") {
        return Ok(None);
    }
    if let Some(body) = rest.strip_prefix(b"[:")
        && let Some(end) = body.windows(2).position(|pair| pair == b":]")
    {
        let name = &body[..end];
        let class = CharClass::from_name(name).ok_or_else(|| TrError::UnknownClass(name.to_vec()))?;
        return Ok(Some((Element::Class(class), pos + 2 + end + 2)));
    }
    if let [b'[', b'=', byte, b'=', b']', ..] = rest {
        return Ok(Some((Element::Byte(*byte), pos + 5)));
    }
    if rest.len() > 1 {
        let (byte, after) = parse_byte(text, pos + 1);
        if text.get(after) == Some(&b'*') {
            let digits_start = after + 1;
            let digits_len = text[digits_start..].iter().take_while(|byte| byte.is_ascii_digit()).count();
            if text.get(digits_start + digits_len) == Some(&b']') {
                let digits = &text[digits_start..digits_start + digits_len];
                let radix = if digits.starts_with(b"0") { 8 } else { 10 };
                let count = digits.iter().try_fold(0usize, |value, &digit| {
                    let digit = char::from(digit).to_digit(radix)?;
                    Some(value.saturating_mul(radix as usize).saturating_add(digit as usize))
                });
                if let Some(count) = count {
                    let count = if count == 0 { None } else { Some(count) };
                    return Ok(Some((Element::Repeat(byte, count), digits_start + digits_len + 1)));
                }
            }
        }
    }
    Ok(None)
}

/// One possibly escaped byte at `text[pos]` and the index after it.
fn parse_byte(text: &[u8], pos: usize) -> (u8, usize) {
    let byte = text[pos];
    if byte != b'\\' {
        return (byte, pos + 1);
    }
    let Some(&escaped) = text.get(pos + 1) else {
        return (b'\\', pos + 1);
    };
    if (b'0'..=b'7').contains(&escaped) {
        let mut value: u16 = 0;
        let mut end = pos + 1;
        while end < pos + 4 && text.get(end).is_some_and(|digit| (b'0'..=b'7').contains(digit)) {
            let next = value * 8 + u16::from(text[end] - b'0');
            if next > 0o377 {
                break;
            }
            value = next;
            end += 1;
        }
        return (u8::try_from(value).unwrap_or(u8::MAX), end);
    }
    let value = match escaped {
        b'b' => 0x08,
        _ => control_escape(escaped).unwrap_or(escaped),
    };
    (value, pos + 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    fn tr(set1: &str, set2: Option<&str>, options: TrOptions, input: &str) -> String {
        let mut translator = Translator::new(set1.as_bytes(), set2.map(str::as_bytes), options).unwrap();
        let mut out = std::vec::Vec::new();
        translator.process(input.as_bytes(), &mut out);
        String::from_utf8(out).unwrap()
    }

    fn translate(set1: &str, set2: &str, input: &str) -> String {
        tr(set1, Some(set2), TrOptions::default(), input)
    }

    fn error(set1: &str, set2: Option<&str>, options: TrOptions) -> TrError {
        Translator::new(set1.as_bytes(), set2.map(str::as_bytes), options).unwrap_err()
    }

    const DELETE: TrOptions = TrOptions { delete: true, complement: false, squeeze: false, truncate_set1: false };
    const SQUEEZE: TrOptions = TrOptions { squeeze: true, complement: false, delete: false, truncate_set1: false };

    #[test]
    fn translates_ranges_and_classes() {
        assert_eq!(translate("a-z", "A-Z", "hello\n"), "HELLO\n");
        assert_eq!(translate("[:lower:]", "[:upper:]", "hello\n"), "HELLO\n");
        assert_eq!(translate("[:upper:][:lower:]", "[:lower:][:upper:]", "Hello\n"), "hELLO\n");
        assert_eq!(translate("el", "ip", "hello\n"), "hippo\n");
        assert_eq!(translate("[:lower:]", "A-C", "abc\n"), "ABC\n");
    }

    #[test]
    fn short_set2_repeats_its_last_byte_unless_truncating() {
        assert_eq!(translate("elo", "x", "hello\n"), "hxxxx\n");
        assert_eq!(translate("a-c", "x", "abc\n"), "xxx\n");
        assert_eq!(tr("abc", Some("xy"), TrOptions { truncate_set1: true, ..TrOptions::default() }, "abc\n"), "xyc\n");
        assert_eq!(translate("aa", "xy", "aa\n"), "yy\n");
    }

    #[test]
    fn escapes_and_literal_brackets() {
        assert_eq!(translate("a\\-b", "xyz", "a-b\n"), "xyz\n");
        assert_eq!(translate("\\\\", "/", "a\\b\n"), "a/b\n");
        assert_eq!(translate("\\t", " ", "tab\tx\n"), "tab x\n");
        assert_eq!(translate("\\141", "z", "abc\n"), "zbc\n");
        assert_eq!(translate("\\n", "_", "a\nb\n"), "a_b_");
        assert_eq!(translate("[=.=]", "x", "a.b\n"), "axb\n");
        assert_eq!(translate("]", "x", "a]b\n"), "axb\n");
        assert_eq!(translate("[:", "x", "a:b\n"), "axb\n");
        assert_eq!(translate("a\\", "xy", "a\\\n"), "xy\n");
    }

    #[test]
    fn repeats_in_set2() {
        assert_eq!(translate("abc", "[x*2]y", "abc\n"), "xxy\n");
        assert_eq!(translate("abcd", "[x*]yz", "abcd\n"), "xxyz\n");
        assert_eq!(translate("a-z", "[x*010]y", "ijk\n"), "yyy\n");
        assert_eq!(translate("ab", "[x*99999999999999999999999]", "ab\n"), "xx\n");
    }

    #[test]
    fn delete_squeeze_and_complement() {
        assert_eq!(tr("l", None, DELETE, "hello\n"), "heo\n");
        assert_eq!(tr("a-c", None, SQUEEZE, "aabbccdd\n"), "abcdd\n");
        assert_eq!(tr(" ", None, SQUEEZE, "aa  bb\n"), "aa bb\n");
        assert_eq!(tr("l", Some("L"), SQUEEZE, "hello\n"), "heLo\n");
        assert_eq!(
            tr("l", Some("o"), TrOptions { delete: true, squeeze: true, ..TrOptions::default() }, "helloo\n"),
            "heo\n"
        );
        assert_eq!(
            tr("a-z\\n", Some("_"), TrOptions { complement: true, ..TrOptions::default() }, "hello world\n"),
            "hello_world\n"
        );
        assert_eq!(tr("0-9\\n", None, TrOptions { complement: true, ..DELETE }, "hello 123\n"), "123\n");
    }

    #[test]
    fn squeezing_continues_across_chunks() {
        let mut translator = Translator::new(b"a", None, SQUEEZE).unwrap();
        let mut out = std::vec::Vec::new();
        translator.process(b"xaa", &mut out);
        translator.process(b"aay", &mut out);
        assert_eq!(out, b"xay");
    }

    #[test]
    fn operand_errors_like_gnu() {
        assert_eq!(error("c-a", Some("x"), TrOptions::default()), TrError::ReversedRange(b'c', b'a'));
        assert_eq!(error("a", Some("[:upper:]"), TrOptions::default()), TrError::Misaligned);
        assert_eq!(error("A-C", Some("[:lower:]"), TrOptions::default()), TrError::Misaligned);
        assert_eq!(error("[:alpha:]", Some("[:digit:]"), TrOptions::default()), TrError::ClassInSet2);
        assert_eq!(error("a", Some(""), TrOptions::default()), TrError::EmptySet2);
        assert_eq!(error("a", Some("b"), DELETE), TrError::ExtraOperand);
        assert_eq!(error("a", None, TrOptions::default()), TrError::MissingOperand);
        assert_eq!(error("[a*]", Some("x"), TrOptions::default()), TrError::RepeatInSet1);
        assert_eq!(error("[:foo:]", None, DELETE), TrError::UnknownClass(b"foo".to_vec()));
        assert_eq!(error("ab", Some("[x*][y*]"), TrOptions::default()), TrError::MultipleFills);
        assert_eq!(
            std::format!("{}", TrError::ReversedRange(b'c', b'a')),
            "range-endpoints of 'c-a' are in reverse collating sequence order"
        );
    }
}
