//! The little UTF-8 the utilities need: how long the character at a position is (an invalid
//! byte counting as a character of its own), and how many characters a text has.

/// The length of the character starting at `text[pos]` (1 for an invalid byte; `pos` must be
/// inside `text`).
pub(crate) fn char_len(text: &[u8], pos: usize) -> usize {
    let width = match text[pos] {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => 1,
    };
    let valid = text.get(pos..pos + width).is_some_and(|bytes| core::str::from_utf8(bytes).is_ok());
    if valid { width } else { 1 }
}

/// The number of UTF-8 characters in `text`: the bytes that do not continue a character.
pub(crate) fn char_count(text: &[u8]) -> usize {
    text.iter().filter(|&&byte| byte & 0xc0 != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters() {
        assert_eq!(char_count("h\u{e9}llo".as_bytes()), 5);
        assert_eq!(char_count(b""), 0);
    }

    #[test]
    fn lengths_of_valid_and_invalid_characters() {
        let text = "a\u{e9}\u{20ac}\u{1f600}".as_bytes();
        assert_eq!([char_len(text, 0), char_len(text, 1), char_len(text, 3), char_len(text, 6)], [1, 2, 3, 4]);
        assert_eq!(char_len(b"\xc3", 0), 1);
        assert_eq!(char_len(b"\xc3(", 0), 1);
        assert_eq!(char_len(b"\xff", 0), 1);
        assert_eq!(char_len(b"\xed\xa0\x80", 0), 1);
    }
}
