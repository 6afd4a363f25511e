//! A streaming UTF-8 decoder that never fails: each maximal invalid subpart of the input becomes
//! one U+FFFD, as the Unicode standard recommends, and a sequence may be split across calls.
//! Used by the screen (output text) and the key decoder (typed characters).

/// What one input byte completed: nothing, one character, or a replacement character for the
/// sequence it broke followed by what the byte itself started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Decoded {
    chars: [Option<char>; 2],
    next: usize,
}

impl Decoded {
    fn new(first: Option<char>, second: Option<char>) -> Self {
        Self { chars: [first, second], next: 0 }
    }
}

impl Iterator for Decoded {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        while let Some(slot) = self.chars.get(self.next) {
            self.next += 1;
            if slot.is_some() {
                return *slot;
            }
        }
        None
    }
}

/// The decoder state: the bits gathered so far and what the next continuation byte must be.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Utf8Decoder {
    code: u32,
    /// Continuation bytes still missing; 0 between characters.
    needed: u8,
    /// Inclusive range the next continuation byte must lie in (narrower after some lead bytes,
    /// which rules out overlong forms, surrogates and values above U+10FFFF).
    lower: u8,
    upper: u8,
}

/// Whether `byte` is a UTF-8 continuation byte (`10xxxxxx`).
pub(crate) fn is_continuation(byte: u8) -> bool {
    byte & 0xc0 == 0x80
}

impl Utf8Decoder {
    /// Feeds one byte.
    pub(crate) fn push(&mut self, byte: u8) -> Decoded {
        if self.needed == 0 {
            return Decoded::new(self.start(byte), None);
        }
        if !(self.lower..=self.upper).contains(&byte) {
            self.needed = 0;
            return Decoded::new(Some(char::REPLACEMENT_CHARACTER), self.start(byte));
        }
        self.code = (self.code << 6) | u32::from(byte & 0x3f);
        self.needed -= 1;
        self.lower = 0x80;
        self.upper = 0xbf;
        if self.needed > 0 {
            return Decoded::new(None, None);
        }
        Decoded::new(Some(char::from_u32(self.code).unwrap_or(char::REPLACEMENT_CHARACTER)), None)
    }

    /// Ends the input (or interrupts it with a control byte): an unfinished sequence becomes
    /// U+FFFD.
    pub(crate) fn flush(&mut self) -> Option<char> {
        let pending = self.needed > 0;
        self.needed = 0;
        pending.then_some(char::REPLACEMENT_CHARACTER)
    }

    /// Whether part of a multi-byte sequence has been seen.
    pub(crate) fn is_pending(&self) -> bool {
        self.needed > 0
    }

    /// Handles a byte that starts a character.
    fn start(&mut self, byte: u8) -> Option<char> {
        let (needed, lower, upper, bits) = match byte {
            0x00..=0x7f => return Some(char::from(byte)),
            0xc2..=0xdf => (1, 0x80, 0xbf, byte & 0x1f),
            0xe0 => (2, 0xa0, 0xbf, byte & 0x0f),
            0xed => (2, 0x80, 0x9f, byte & 0x0f),
            0xe1..=0xef => (2, 0x80, 0xbf, byte & 0x0f),
            0xf0 => (3, 0x90, 0xbf, byte & 0x07),
            0xf4 => (3, 0x80, 0x8f, byte & 0x07),
            0xf1..=0xf3 => (3, 0x80, 0xbf, byte & 0x07),
            _ => return Some(char::REPLACEMENT_CHARACTER),
        };
        *self = Self { code: u32::from(bits), needed, lower, upper };
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    fn decode(bytes: &[u8]) -> String {
        let mut decoder = Utf8Decoder::default();
        let mut out: String = bytes.iter().flat_map(|&b| decoder.push(b)).collect();
        out.extend(decoder.flush());
        out
    }

    #[test]
    fn valid_text_of_every_length_decodes_unchanged() {
        let text = "a é € 𝄞 ~";
        assert_eq!(decode(text.as_bytes()), text);
    }

    #[test]
    fn every_scalar_value_round_trips() {
        let mut decoder = Utf8Decoder::default();
        for ch in (0..=0x10ffffu32).filter_map(char::from_u32) {
            let mut buf = [0; 4];
            let out: String = ch.encode_utf8(&mut buf).bytes().flat_map(|b| decoder.push(b)).collect();
            assert_eq!(out.chars().collect::<std::vec::Vec<_>>(), [ch], "U+{:04X}", ch as u32);
        }
    }

    #[test]
    fn invalid_sequences_become_one_replacement_each() {
        assert_eq!(decode(b"\xc0\xaf"), "\u{fffd}\u{fffd}", "overlong two-byte form");
        assert_eq!(decode(b"\xe0\x80\xaf"), "\u{fffd}\u{fffd}\u{fffd}", "overlong three-byte form");
        assert_eq!(decode(b"\xed\xa0\x80"), "\u{fffd}\u{fffd}\u{fffd}", "surrogate");
        assert_eq!(decode(b"\xf4\x90\x80\x80"), "\u{fffd}\u{fffd}\u{fffd}\u{fffd}", "above U+10FFFF");
        assert_eq!(decode(b"\xe2\x82a"), "\u{fffd}a", "truncated sequence then ASCII");
        assert_eq!(decode(b"\xff"), "\u{fffd}");
        assert_eq!(decode(b"\x80x"), "\u{fffd}x", "stray continuation byte");
    }

    #[test]
    fn sequence_split_across_pushes_waits_then_completes() {
        let mut decoder = Utf8Decoder::default();
        assert_eq!(decoder.push(0xe2).count(), 0);
        assert!(decoder.is_pending());
        assert_eq!(decoder.push(0x82).count(), 0);
        assert_eq!(decoder.push(0xac).collect::<String>(), "€");
        assert!(!decoder.is_pending());
    }

    #[test]
    fn flush_replaces_an_unfinished_sequence_only() {
        let mut decoder = Utf8Decoder::default();
        assert_eq!(decoder.flush(), None);
        let _ = decoder.push(0xf0);
        assert_eq!(decoder.flush(), Some(char::REPLACEMENT_CHARACTER));
        assert_eq!(decoder.flush(), None);
    }

    #[test]
    fn continuation_bytes_are_recognised() {
        assert!(is_continuation(0x80));
        assert!(is_continuation(0xbf));
        assert!(!is_continuation(0xc3));
        assert!(!is_continuation(b'a'));
    }
}
