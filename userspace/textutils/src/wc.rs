//! The logic of `wc`: counting lines, words, characters, bytes and the longest line's width
//! over input fed in chunks, and GNU's column layout for one or several inputs.

use alloc::vec::Vec;

use crate::charclass::is_space;
use crate::utf8::char_count;

/// The counts for one input (or the total of several).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Newlines.
    pub lines: u64,
    /// Maximal runs of bytes other than space, `\t`, `\n`, `\v`, `\f` and `\r`.
    pub words: u64,
    /// UTF-8 characters (bytes other than continuation bytes).
    pub chars: u64,
    pub bytes: u64,
    /// The display width of the widest line (tabs to multiples of 8, control bytes 0).
    pub max_line_length: u64,
}

impl Counts {
    /// Adds `other` into these counts (the widest line stays the widest of both).
    pub fn add(&mut self, other: &Counts) {
        self.lines = self.lines.saturating_add(other.lines);
        self.words = self.words.saturating_add(other.words);
        self.chars = self.chars.saturating_add(other.chars);
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.max_line_length = self.max_line_length.max(other.max_line_length);
    }
}

/// Counts an input given in any number of chunks.
#[derive(Clone, Debug, Default)]
pub struct Counter {
    counts: Counts,
    in_word: bool,
    line_width: u64,
}

impl Counter {
    pub fn new() -> Counter {
        Counter::default()
    }

    pub fn feed(&mut self, chunk: &[u8]) {
        let counts = &mut self.counts;
        counts.bytes = counts.bytes.saturating_add(chunk.len() as u64);
        counts.chars = counts.chars.saturating_add(char_count(chunk) as u64);
        for &byte in chunk {
            let word_byte = !is_space(byte);
            if word_byte && !self.in_word {
                counts.words = counts.words.saturating_add(1);
            }
            self.in_word = word_byte;
            match byte {
                b'\n' | b'\r' | 0x0c => {
                    counts.max_line_length = counts.max_line_length.max(self.line_width);
                    self.line_width = 0;
                    if byte == b'\n' {
                        counts.lines = counts.lines.saturating_add(1);
                    }
                }
                b'\t' => self.line_width = (self.line_width / 8).saturating_add(1).saturating_mul(8),
                b' '..=b'~' | 0xc2..=0xf4 => self.line_width = self.line_width.saturating_add(1),
                _ => {}
            }
        }
    }

    /// The counts of everything fed so far.
    pub fn counts(&self) -> Counts {
        Counts { max_line_length: self.counts.max_line_length.max(self.line_width), ..self.counts }
    }
}

/// The counts of a whole input.
pub fn count(input: &[u8]) -> Counts {
    let mut counter = Counter::new();
    counter.feed(input);
    counter.counts()
}

/// Which counts `wc` prints (always in this order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Columns {
    pub lines: bool,
    pub words: bool,
    pub chars: bool,
    pub bytes: bool,
    pub max_line_length: bool,
}

impl Columns {
    /// `wc` without options: lines, words and bytes.
    pub const DEFAULT: Columns =
        Columns { lines: true, words: true, chars: false, bytes: true, max_line_length: false };

    fn selected(&self, counts: &Counts) -> impl Iterator<Item = u64> {
        [
            (self.lines, counts.lines),
            (self.words, counts.words),
            (self.chars, counts.chars),
            (self.bytes, counts.bytes),
            (self.max_line_length, counts.max_line_length),
        ]
        .into_iter()
        .filter_map(|(wanted, value)| wanted.then_some(value))
    }

    fn count(&self) -> usize {
        [self.lines, self.words, self.chars, self.bytes, self.max_line_length].iter().filter(|&&wanted| wanted).count()
    }
}

/// What `wc` knows about an input before reading it, for the column width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// A regular file of this size.
    Regular { size: u64 },
    /// Standard input from a pipe or terminal, a device, ...
    Other,
}

/// GNU's column width: 1 for a single count of a single input; otherwise the digits of the
/// regular files' total size, at least 7 when some input is not a regular file.
pub fn number_width(inputs: &[InputKind], columns: &Columns) -> usize {
    if inputs.len() == 1 && columns.count() == 1 {
        return 1;
    }
    let mut total: u64 = 0;
    let mut minimum = 1;
    for input in inputs {
        match input {
            InputKind::Regular { size } => total = total.saturating_add(*size),
            InputKind::Other => minimum = 7,
        }
    }
    let mut width = 1;
    while total >= 10 {
        total /= 10;
        width += 1;
    }
    width.max(minimum)
}

/// One output line of `wc`: the selected counts right-aligned in `width`, separated by a
/// space, then the name (for a file operand or `total`).
pub fn format_row(counts: &Counts, columns: &Columns, width: usize, name: Option<&[u8]>) -> Vec<u8> {
    let mut row = Vec::new();
    for (index, value) in columns.selected(counts).enumerate() {
        let separator = if index == 0 { "" } else { " " };
        row.extend_from_slice(alloc::format!("{separator}{value:>width$}").as_bytes());
    }
    if let Some(name) = name {
        row.push(b' ');
        row.extend_from_slice(name);
    }
    row.push(b'\n');
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_words_bytes_and_chars() {
        let counts = count(b"hello world\nfoo\n");
        assert_eq!((counts.lines, counts.words, counts.bytes, counts.chars), (2, 3, 16, 16));
        assert_eq!(count(b"x").lines, 0);
        assert_eq!(count("h\u{e9}llo\n".as_bytes()).chars, 6);
        assert_eq!(count(b"").words, 0);
    }

    #[test]
    fn words_are_separated_by_c_locale_space_only() {
        assert_eq!(count(b"a\x01b c\xffd\te\x00f\n").words, 3);
        assert_eq!(count(b"a\x0bb\x0cc\rd\n").words, 4);
        assert_eq!(count(b"  lead  trail  ").words, 2);
    }

    #[test]
    fn longest_line_width_like_gnu() {
        assert_eq!(count(b"a\tb\n12345678\n").max_line_length, 9);
        assert_eq!(count(b"ab\rcd\n").max_line_length, 2);
        assert_eq!(count(b"\x01\x02abc\n").max_line_length, 3);
        assert_eq!(count("h\u{e9}llo\n".as_bytes()).max_line_length, 5);
        assert_eq!(count(b"abc").max_line_length, 3);
    }

    #[test]
    fn chunks_count_like_a_whole() {
        let mut counter = Counter::new();
        for chunk in [&b"hel"[..], b"lo wo", b"rld\nfo", b"o\n"] {
            counter.feed(chunk);
        }
        assert_eq!(counter.counts(), count(b"hello world\nfoo\n"));
    }

    #[test]
    fn totals_add_and_keep_the_widest_line() {
        let mut total = count(b"a b\n");
        total.add(&count(b"abcdef\n"));
        assert_eq!((total.lines, total.words, total.bytes, total.max_line_length), (2, 3, 11, 6));
    }

    #[test]
    fn gnu_column_widths() {
        let one = [InputKind::Regular { size: 16 }];
        assert_eq!(number_width(&one, &Columns::DEFAULT), 2);
        let lines_only = Columns { lines: true, words: false, chars: false, bytes: false, max_line_length: false };
        assert_eq!(number_width(&one, &lines_only), 1);
        assert_eq!(number_width(&[InputKind::Other], &lines_only), 1);
        assert_eq!(number_width(&[InputKind::Other], &Columns::DEFAULT), 7);
        assert_eq!(number_width(&[InputKind::Regular { size: 16 }, InputKind::Regular { size: 8893 }], &lines_only), 4);
    }

    #[test]
    fn rows_like_gnu() {
        let counts = count(b"hello world\nfoo\n");
        assert_eq!(format_row(&counts, &Columns::DEFAULT, 2, Some(b"w1")), b" 2  3 16 w1\n");
        assert_eq!(format_row(&count(b"hi\n"), &Columns::DEFAULT, 7, None), b"      1       1       3\n");
        let lines_only = Columns { lines: true, words: false, chars: false, bytes: false, max_line_length: false };
        assert_eq!(format_row(&counts, &lines_only, 1, Some(b"w1")), b"2 w1\n");
        let all = Columns { lines: true, words: true, chars: true, bytes: true, max_line_length: true };
        assert_eq!(format_row(&counts, &all, 1, Some(b"total")), b"2 3 16 16 11 total\n");
    }
}
