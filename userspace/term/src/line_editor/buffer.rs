//! The line being edited: its characters and the cursor (an index between characters), with the editing
//! operations keys are bound to.

use alloc::string::String;
use alloc::vec::Vec;

#[derive(Clone, Debug, Default)]
pub struct LineBuffer {
    chars: Vec<char>,
    cursor: usize,
}

impl LineBuffer {
    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    /// The characters, one column each.
    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    pub fn is_empty(&self) -> bool {
        self.chars.is_empty()
    }

    /// The number of characters (each takes one column).
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// The cursor as a character index.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// The cursor as a byte offset into [`LineBuffer::text`].
    pub fn cursor_byte(&self) -> usize {
        self.chars[..self.cursor].iter().map(|c| c.len_utf8()).sum()
    }

    /// Replaces the whole line; the cursor goes to its end.
    pub fn set(&mut self, text: &str) {
        self.chars = text.chars().collect();
        self.cursor = self.chars.len();
    }

    pub fn insert(&mut self, c: char) {
        self.chars.insert(self.cursor, c);
        self.cursor += 1;
    }

    /// Replaces the text from byte offset `start` to the cursor with `replacement`; the cursor ends after it.
    /// Nothing happens if `start` is not a character boundary before the cursor.
    pub fn replace_before_cursor(&mut self, start: usize, replacement: &str) {
        let Some(first) = self.char_index(start).filter(|&first| first <= self.cursor) else { return };
        let tail = self.chars.split_off(self.cursor);
        self.chars.truncate(first);
        self.chars.extend(replacement.chars());
        self.cursor = self.chars.len();
        self.chars.extend(tail);
    }

    /// The index of the character starting at byte offset `byte` of the text (the length at its end).
    fn char_index(&self, byte: usize) -> Option<usize> {
        let mut offset = 0;
        for (index, c) in self.chars.iter().enumerate() {
            if offset >= byte {
                return (offset == byte).then_some(index);
            }
            offset += c.len_utf8();
        }
        (offset == byte).then_some(self.chars.len())
    }

    /// Backspace: removes the character before the cursor; false if there is none.
    pub fn delete_before(&mut self) -> bool {
        if self.cursor == 0 {
            return false;
        }
        self.cursor -= 1;
        self.chars.remove(self.cursor);
        true
    }

    /// Delete: removes the character under the cursor; false if there is none.
    pub fn delete_at(&mut self) -> bool {
        if self.cursor == self.chars.len() {
            return false;
        }
        self.chars.remove(self.cursor);
        true
    }

    pub fn move_left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn move_right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.chars.len());
    }

    pub fn move_home(&mut self) {
        self.cursor = 0;
    }

    pub fn move_end(&mut self) {
        self.cursor = self.chars.len();
    }

    /// `^K`: removes everything after the cursor.
    pub fn kill_to_end(&mut self) {
        self.chars.truncate(self.cursor);
    }

    /// `^U`: removes everything before the cursor.
    pub fn kill_to_start(&mut self) {
        self.chars.drain(..self.cursor);
        self.cursor = 0;
    }

    /// `^W`: removes the word before the cursor and the blanks after it.
    pub fn kill_word_before(&mut self) {
        let mut start = self.cursor;
        while start > 0 && self.chars[start - 1].is_whitespace() {
            start -= 1;
        }
        while start > 0 && !self.chars[start - 1].is_whitespace() {
            start -= 1;
        }
        self.chars.drain(start..self.cursor);
        self.cursor = start;
    }
}
