//! Splitting the command line into words: separated by ASCII whitespace, except inside
//! double quotes or right after a backslash (GRUB escapes `\`, `'` and `"` that way when it
//! builds the line). The words keep their quotes and backslashes. Depends only on `core`.

/// One word of the command line, quotes included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Word<'a> {
    pub text: &'a [u8],
    /// The word has an odd number of `"`, so it runs to the end of the line.
    pub unterminated_quote: bool,
}

/// Iterator over the words of a command line.
pub struct Words<'a> {
    rest: &'a [u8],
}

impl<'a> Words<'a> {
    pub fn new(cmdline: &'a [u8]) -> Self {
        Self { rest: cmdline }
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = Word<'a>;

    fn next(&mut self) -> Option<Word<'a>> {
        let start = self.rest.iter().position(|b| !b.is_ascii_whitespace())?;
        let rest = &self.rest[start..];
        let mut in_quote = false;
        let mut escaped = false;
        let end = rest
            .iter()
            .position(|&b| {
                if escaped {
                    escaped = false;
                    return false;
                }
                if b == b'\\' {
                    escaped = true;
                    return false;
                }
                if b == b'"' {
                    in_quote = !in_quote;
                }
                !in_quote && b.is_ascii_whitespace()
            })
            .unwrap_or(rest.len());
        let (text, after) = rest.split_at(end);
        self.rest = after;
        Some(Word { text, unterminated_quote: in_quote })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn words(line: &[u8]) -> Vec<(&[u8], bool)> {
        Words::new(line).map(|w| (w.text, w.unterminated_quote)).collect()
    }

    #[test]
    fn splits_on_ascii_whitespace() {
        assert_eq!(words(b""), []);
        assert_eq!(words(b" \t\r\n\x0c "), []);
        assert_eq!(words(b"a"), [(&b"a"[..], false)]);
        assert_eq!(
            words(b" a\tbb\n\nccc \x0bd "),
            [(&b"a"[..], false), (b"bb", false), (b"ccc", false), (b"\x0bd", false)]
        );
    }

    #[test]
    fn quotes_protect_whitespace() {
        assert_eq!(words(b"k=\"a b\" c"), [(&b"k=\"a b\""[..], false), (b"c", false)]);
        assert_eq!(words(b"\"\" x\"\ty\"z"), [(&b"\"\""[..], false), (b"x\"\ty\"z", false)]);
        assert_eq!(words(b"a \"b c d"), [(&b"a"[..], false), (b"\"b c d", true)]);
        assert_eq!(words(b"\""), [(&b"\""[..], true)]);
    }

    #[test]
    fn backslash_protects_the_next_byte() {
        assert_eq!(words(b"a\\\"b c"), [(&b"a\\\"b"[..], false), (b"c", false)]);
        assert_eq!(words(b"a\\ b"), [(&b"a\\ b"[..], false)]);
        assert_eq!(words(b"x\\"), [(&b"x\\"[..], false)]);
    }
}
