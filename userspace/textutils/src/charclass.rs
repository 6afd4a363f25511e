//! Sets of bytes and the POSIX character classes (`[:alpha:]` and friends) in the C locale,
//! shared by the regular expressions, `tr` and the glob matcher.

/// A set of bytes: one bit per possible value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub(crate) struct ByteSet([u64; 4]);

impl ByteSet {
    /// The set holding no byte.
    pub(crate) const EMPTY: ByteSet = ByteSet([0; 4]);
    /// The set holding every byte.
    pub(crate) const ALL: ByteSet = ByteSet([u64::MAX; 4]);

    pub(crate) fn insert(&mut self, byte: u8) {
        self.0[usize::from(byte >> 6)] |= 1 << (byte & 63);
    }

    pub(crate) fn insert_range(&mut self, first: u8, last: u8) {
        for byte in first..=last {
            self.insert(byte);
        }
    }

    pub(crate) fn insert_class(&mut self, class: CharClass) {
        for byte in 0..=u8::MAX {
            if class.contains(byte) {
                self.insert(byte);
            }
        }
    }

    pub(crate) fn contains(&self, byte: u8) -> bool {
        self.0[usize::from(byte >> 6)] & (1 << (byte & 63)) != 0
    }

    /// Every byte this set does not hold.
    pub(crate) fn complement(&self) -> ByteSet {
        ByteSet(self.0.map(|word| !word))
    }

    /// This set plus the other ASCII case of every letter in it.
    pub(crate) fn case_folded(&self) -> ByteSet {
        let mut folded = *self;
        for byte in (b'A'..=b'Z').chain(b'a'..=b'z') {
            if self.contains(byte) {
                folded.insert(byte ^ 0x20);
            }
        }
        folded
    }
}

/// A POSIX character class of the C locale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CharClass {
    Alnum,
    Alpha,
    Blank,
    Cntrl,
    Digit,
    Graph,
    Lower,
    Print,
    Punct,
    Space,
    Upper,
    Xdigit,
}

impl CharClass {
    /// The class named `name` (the part between `[:` and `:]`).
    pub(crate) fn from_name(name: &[u8]) -> Option<CharClass> {
        Some(match name {
            b"alnum" => CharClass::Alnum,
            b"alpha" => CharClass::Alpha,
            b"blank" => CharClass::Blank,
            b"cntrl" => CharClass::Cntrl,
            b"digit" => CharClass::Digit,
            b"graph" => CharClass::Graph,
            b"lower" => CharClass::Lower,
            b"print" => CharClass::Print,
            b"punct" => CharClass::Punct,
            b"space" => CharClass::Space,
            b"upper" => CharClass::Upper,
            b"xdigit" => CharClass::Xdigit,
            _ => return None,
        })
    }

    pub(crate) fn contains(self, byte: u8) -> bool {
        match self {
            CharClass::Alnum => byte.is_ascii_alphanumeric(),
            CharClass::Alpha => byte.is_ascii_alphabetic(),
            CharClass::Blank => byte == b' ' || byte == b'\t',
            CharClass::Cntrl => byte.is_ascii_control(),
            CharClass::Digit => byte.is_ascii_digit(),
            CharClass::Graph => byte.is_ascii_graphic(),
            CharClass::Lower => byte.is_ascii_lowercase(),
            CharClass::Print => byte.is_ascii_graphic() || byte == b' ',
            CharClass::Punct => byte.is_ascii_punctuation(),
            CharClass::Space => is_space(byte),
            CharClass::Upper => byte.is_ascii_uppercase(),
            CharClass::Xdigit => byte.is_ascii_hexdigit(),
        }
    }
}

/// `isspace` in the C locale: space, `\t`, `\n`, `\v`, `\f` and `\r`.
pub(crate) fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// `isblank` in the C locale: space and `\t`.
pub(crate) fn is_blank(byte: u8) -> bool {
    byte == b' ' || byte == b'\t'
}

/// A byte that may be part of a word for `\w`, `\<`, `grep -w`: a letter, a digit or `_`.
pub(crate) fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_insert_contains_complement() {
        let mut set = ByteSet::EMPTY;
        set.insert(0);
        set.insert(255);
        set.insert_range(b'a', b'c');
        assert!(set.contains(0) && set.contains(255) && set.contains(b'b'));
        assert!(!set.contains(b'd'));
        let complement = set.complement();
        assert!(!complement.contains(b'a') && complement.contains(b'd'));
        assert_eq!(ByteSet::ALL.complement(), ByteSet::EMPTY);
    }

    #[test]
    fn case_folding_adds_the_other_case_of_letters_only() {
        let mut set = ByteSet::EMPTY;
        set.insert(b'a');
        set.insert(b'Z');
        set.insert(b'1');
        let folded = set.case_folded();
        assert!(folded.contains(b'A') && folded.contains(b'z') && folded.contains(b'1'));
        assert!(!folded.contains(b'!'));
    }

    #[test]
    fn classes_by_name() {
        assert_eq!(CharClass::from_name(b"alpha"), Some(CharClass::Alpha));
        assert_eq!(CharClass::from_name(b"foo"), None);
        assert!(CharClass::Punct.contains(b'!') && !CharClass::Punct.contains(b'a'));
        assert!(CharClass::Space.contains(0x0b) && !CharClass::Blank.contains(b'\n'));
        assert!(CharClass::Xdigit.contains(b'F') && !CharClass::Xdigit.contains(b'g'));
        assert!(CharClass::Print.contains(b' ') && !CharClass::Graph.contains(b' '));
    }
}
