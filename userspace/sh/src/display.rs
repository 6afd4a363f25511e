//! Drawing the prompt and the edited line in raw mode: the line may wrap over several rows of the window, so
//! every redraw goes back to the row the prompt's last line starts on, clears below and draws again, then puts
//! the cursor where the line's cursor is.

use cairn_rt::{String, format};

use crate::line_buffer::LineBuffer;
use crate::terminal;

/// Where the prompt and line are on the screen.
pub struct Display {
    /// The whole prompt, its lines separated by `\r\n` as raw mode needs.
    prompt: String,
    /// The part of the prompt after its last newline, drawn again on every redraw.
    prompt_tail: String,
    prompt_width: usize,
    columns: usize,
    /// Rows from the start of the prompt's last line to the cursor, and to the end of the line.
    cursor_row: usize,
    end_row: usize,
    /// The line fills its last row exactly, so the row after it is already a fresh one.
    end_on_fresh_row: bool,
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

impl Display {
    /// Shows `prompt` with an empty line after it, in a window `columns` wide.
    pub fn start(prompt: &str, columns: usize) -> Display {
        let prompt = prompt.replace("\r\n", "\n").replace('\n', "\r\n");
        let tail = String::from(prompt.rsplit('\n').next().unwrap_or_default());
        let mut display = Display {
            prompt_width: visible_width(&tail),
            prompt_tail: tail,
            prompt,
            columns: columns.max(1),
            cursor_row: 0,
            end_row: 0,
            end_on_fresh_row: false,
        };
        display.show_prompt();
        display
    }

    /// Draws the prompt's lines before its last one; the next redraw draws the rest.
    fn show_prompt(&mut self) {
        terminal::write(&self.prompt[..self.prompt.len() - self.prompt_tail.len()]);
        self.forget_position();
    }

    /// The cursor is at the start of a row that nothing is drawn on yet.
    fn forget_position(&mut self) {
        self.cursor_row = 0;
        self.end_row = 0;
        self.end_on_fresh_row = false;
    }

    /// Draws the prompt's last line and `line`, and places the cursor.
    pub fn refresh(&mut self, line: &LineBuffer) {
        let mut out = String::new();
        if self.cursor_row > 0 {
            out.push_str(&format!("\x1b[{}A", self.cursor_row));
        }
        out.push_str("\r\x1b[J");
        out.push_str(&self.prompt_tail);
        out.push_str(&line.text());
        let end = self.prompt_width + line.len();
        self.end_on_fresh_row = end > 0 && end.is_multiple_of(self.columns);
        if self.end_on_fresh_row {
            // The cursor waits at the right margin; go to the next row so positions are definite.
            out.push_str("\r\n");
        }
        self.end_row = end / self.columns;
        let cursor = self.prompt_width + line.cursor();
        let (cursor_row, cursor_column) = (cursor / self.columns, cursor % self.columns);
        self.cursor_row = cursor_row;
        if self.end_row > self.cursor_row {
            out.push_str(&format!("\x1b[{}A", self.end_row - self.cursor_row));
        }
        out.push('\r');
        if cursor_column > 0 {
            out.push_str(&format!("\x1b[{cursor_column}C"));
        }
        terminal::write(&out);
    }

    /// Moves to the start of the row below the line, leaving it as it is on the screen.
    pub fn finish(&mut self) {
        let mut out = String::new();
        if self.end_row > self.cursor_row {
            out.push_str(&format!("\x1b[{}B", self.end_row - self.cursor_row));
        }
        out.push_str(if self.end_on_fresh_row { "\r" } else { "\r\n" });
        terminal::write(&out);
        self.forget_position();
    }

    /// Shows `text` (lines ended by `\r\n`) below the line, then the prompt and line again.
    pub fn show_below(&mut self, text: &str, line: &LineBuffer) {
        self.finish();
        terminal::write(text);
        self.show_prompt();
        self.refresh(line);
    }

    /// `^L`: clears the screen and draws the prompt and line at the top.
    pub fn clear_screen(&mut self, line: &LineBuffer) {
        terminal::write("\x1b[H\x1b[2J");
        self.show_prompt();
        self.refresh(line);
    }

    /// Rings the bell.
    pub fn bell(&self) {
        terminal::write("\x07");
    }

    pub fn columns(&self) -> usize {
        self.columns
    }
}
