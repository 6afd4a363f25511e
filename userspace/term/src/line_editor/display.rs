//! Drawing the prompt and the edited line. The line may wrap over several rows of the window, so the
//! display keeps what the screen shows (the line's characters and the cursor's cell, counted from the
//! start of the prompt's last line) and answers each change with the bytes that bring the screen up to
//! date: nothing but the new characters when typing at the end, only cursor motion when the cursor
//! moves, and otherwise a redraw from the first changed character on. A line that ends exactly at the
//! right margin is followed by `\r\n`, so the cursor's position is always definite.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::LineBuffer;

/// Where the prompt and line are on the screen.
pub struct LineDisplay {
    /// The whole prompt, its lines separated by `\r\n` as raw mode needs.
    prompt: String,
    /// The part of the prompt after its last newline.
    prompt_tail: String,
    prompt_width: usize,
    columns: usize,
    /// The line's characters as the screen shows them; `None` until the prompt's last line is drawn.
    shown: Option<Vec<char>>,
    /// The cursor's cell: columns from the start of the prompt's last line, wrapping every `columns`.
    cursor_cell: usize,
}

/// The columns `text` takes: its characters, not counting control characters and escape sequences.
fn visible_width(text: &str) -> usize {
    let mut width = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if ('\u{40}'..='\u{7e}').contains(&c) {
                        break;
                    }
                }
            }
        } else if !c.is_control() {
            width += 1;
        }
    }
    width
}

impl LineDisplay {
    /// A display for `prompt` in a window `columns` wide; the first [`LineDisplay::refresh`]
    /// draws the prompt.
    pub fn new(prompt: &str, columns: usize) -> LineDisplay {
        let prompt = prompt.replace("\r\n", "\n").replace('\n', "\r\n");
        let tail = String::from(prompt.rsplit('\n').next().unwrap_or_default());
        LineDisplay {
            prompt_width: visible_width(&tail),
            prompt_tail: tail,
            prompt,
            columns: columns.max(1),
            shown: None,
            cursor_cell: 0,
        }
    }

    pub fn columns(&self) -> usize {
        self.columns
    }

    /// The bytes that show the prompt (all of it) and `line` on a fresh row.
    pub fn start(&mut self, line: &LineBuffer) -> String {
        let mut out = String::from(&self.prompt[..self.prompt.len() - self.prompt_tail.len()]);
        self.forget();
        out.push_str(&self.refresh(line));
        out
    }

    /// The cursor is at the start of a row that nothing is drawn on yet.
    fn forget(&mut self) {
        self.shown = None;
        self.cursor_cell = 0;
    }

    /// The bytes that make the screen show `line` with its cursor.
    pub fn refresh(&mut self, line: &LineBuffer) -> String {
        let mut out = String::new();
        let text = line.chars();
        match self.shown.take() {
            None => {
                self.move_to(0, &mut out);
                out.push_str("\r\x1b[J");
                out.push_str(&self.prompt_tail);
                self.cursor_cell = 0;
                self.draw(self.prompt_width, text, &mut out);
            }
            Some(shown) => {
                let same = shown.iter().zip(text).take_while(|(a, b)| a == b).count();
                if same < shown.len() || same < text.len() {
                    self.move_to(self.prompt_width + same, &mut out);
                    // What the new text does not cover any more.
                    if text.len() < shown.len() {
                        out.push_str("\x1b[J");
                    }
                    self.draw(0, &text[same..], &mut out);
                }
            }
        }
        self.shown = Some(Vec::from(text));
        self.move_to(self.prompt_width + line.cursor(), &mut out);
        out
    }

    /// Writes `chars` at the cursor (which is where they go), after `written` columns the caller
    /// wrote there; output ending at the right margin goes on to the next row.
    fn draw(&mut self, written: usize, chars: &[char], out: &mut String) {
        out.extend(chars.iter());
        self.cursor_cell += written + chars.len();
        if written + chars.len() > 0 && self.cursor_cell.is_multiple_of(self.columns) {
            out.push_str("\r\n");
        }
    }

    /// Moves the cursor to cell `target` (on the line or the row after it).
    fn move_to(&mut self, target: usize, out: &mut String) {
        let (row, column) = (self.cursor_cell / self.columns, self.cursor_cell % self.columns);
        let (target_row, target_column) = (target / self.columns, target % self.columns);
        if target_row < row {
            out.push_str(&format!("\x1b[{}A", row - target_row));
        } else if target_row > row {
            out.push_str(&format!("\x1b[{}B", target_row - row));
        }
        match target_column {
            _ if target_column == column => {}
            0 => out.push('\r'),
            _ if target_column + 1 == column => out.push('\x08'),
            _ if target_column > column => out.push_str(&format!("\x1b[{}C", target_column - column)),
            _ => out.push_str(&format!("\x1b[{}D", column - target_column)),
        }
        self.cursor_cell = target;
    }

    /// The bytes that leave the line as it is on the screen and go to the start of the row below it.
    pub fn finish(&mut self) -> String {
        let mut out = String::new();
        let end = self.prompt_width + self.shown.as_ref().map_or(0, Vec::len);
        self.move_to(end, &mut out);
        // A line ending at the right margin already left the cursor on a fresh row.
        if end == 0 || !end.is_multiple_of(self.columns) {
            out.push_str("\r\n");
        }
        self.forget();
        out
    }

    /// The bytes that show `text` (lines ended by `\r\n`) below the line, then the prompt and line again.
    pub fn show_below(&mut self, text: &str, line: &LineBuffer) -> String {
        let mut out = self.finish();
        out.push_str(text);
        out.push_str(&self.start(line));
        out
    }

    /// `^L`: the bytes that clear the screen and draw the prompt and line at the top.
    pub fn clear_screen(&mut self, line: &LineBuffer) -> String {
        let mut out = String::from("\x1b[H\x1b[2J");
        out.push_str(&self.start(line));
        out
    }
}
