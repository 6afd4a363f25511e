//! The line display fed into the screen model: what the screen shows after every edit is the prompt
//! and the line wrapped at the window's width with the cursor on the right cell, and typing at the
//! end of the line sends one byte per character.

use std::string::String;
use std::vec::Vec;

use super::{LineBuffer, LineDisplay};
use crate::screen::{Position, Screen};
use crate::test_rng::XorShift;

const PROMPT: &str = "root@cairn:/# ";

/// A terminal (the screen model) with a line being edited on it, counting the bytes sent.
struct Terminal {
    screen: Screen,
    display: LineDisplay,
    line: LineBuffer,
    sent: usize,
}

impl Terminal {
    fn new(prompt: &str, columns: usize) -> Terminal {
        let mut terminal = Terminal {
            screen: Screen::new(40, columns),
            display: LineDisplay::new(prompt, columns),
            line: LineBuffer::default(),
            sent: 0,
        };
        let start = terminal.display.start(&terminal.line);
        terminal.send(&start);
        terminal
    }

    fn send(&mut self, bytes: &str) {
        self.sent += bytes.len();
        self.screen.feed(bytes.as_bytes());
    }

    /// Edits the line with `edit`, then sends what the display says.
    fn edit(&mut self, edit: impl FnOnce(&mut LineBuffer)) {
        edit(&mut self.line);
        let out = self.display.refresh(&self.line);
        self.send(&out);
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.edit(|line| line.insert(c));
        }
    }

    /// Checks the screen shows `prompt_tail` and the line, wrapped every `columns`, with the
    /// cursor on the line's cursor.
    fn check(&self, prompt_tail: &str) {
        let columns = self.screen.cols();
        let whole: Vec<char> = prompt_tail.chars().chain(self.line.chars().iter().copied()).collect();
        let rows: Vec<String> = whole.chunks(columns).map(|row| row.iter().collect()).collect();
        for (index, expected) in rows.iter().enumerate() {
            let shown = self.screen.row_text(index).unwrap();
            assert_eq!(shown, expected.trim_end(), "row {index} for line {:?}", self.line.text());
        }
        for index in rows.len()..self.screen.rows() {
            assert_eq!(self.screen.row_text(index).unwrap(), "", "row {index} should be empty");
        }
        let cell = prompt_tail.chars().count() + self.line.cursor();
        let expected = Position { row: cell / columns, col: cell % columns };
        assert_eq!(self.screen.cursor(), expected, "cursor for line {:?}", self.line.text());
    }
}

#[test]
fn typing_at_the_end_sends_one_byte_per_character() {
    let mut terminal = Terminal::new(PROMPT, 200);
    let after_prompt = terminal.sent;
    assert!(after_prompt <= PROMPT.len() + 4, "the prompt took {after_prompt} bytes");
    let command = "x".repeat(80);
    terminal.type_text(&command);
    assert_eq!(terminal.sent - after_prompt, 80, "typing 80 characters");
    terminal.check(PROMPT);
}

#[test]
fn typing_past_the_right_margin_adds_only_the_row_change() {
    let mut terminal = Terminal::new(PROMPT, 80);
    let after_prompt = terminal.sent;
    terminal.type_text(&"abcdefghij".repeat(15));
    // 150 characters after a 14-column prompt end two rows down; reaching the margin at cells 80
    // and 160 costs `\r\n` each.
    assert_eq!(terminal.sent - after_prompt, 150 + 2 * 2);
    terminal.check(PROMPT);
}

#[test]
fn moving_the_cursor_sends_only_cursor_motion() {
    let mut terminal = Terminal::new(PROMPT, 80);
    terminal.type_text("echo hello");
    let before = terminal.sent;
    terminal.edit(LineBuffer::move_left);
    assert_eq!(terminal.sent - before, 1, "one left is a backspace");
    terminal.edit(LineBuffer::move_home);
    terminal.check(PROMPT);
    terminal.edit(LineBuffer::move_end);
    terminal.check(PROMPT);
}

#[test]
fn editing_in_the_middle_renders_right_and_redraws_only_the_rest() {
    let mut terminal = Terminal::new(PROMPT, 80);
    terminal.type_text("echo world");
    for _ in 0..5 {
        terminal.edit(LineBuffer::move_left);
    }
    let before = terminal.sent;
    terminal.type_text("hello ");
    terminal.check(PROMPT);
    assert_eq!(terminal.line.text(), "echo hello world");
    // Each insertion sends the character and the rest of the line ("world"), then moves back
    // (`ESC [ 5 D`).
    assert_eq!(terminal.sent - before, 6 * (1 + 5 + 4), "bytes for 6 insertions");
    terminal.edit(|line| {
        line.delete_before();
    });
    terminal.check(PROMPT);
    terminal.edit(LineBuffer::kill_word_before);
    terminal.check(PROMPT);
    terminal.edit(LineBuffer::kill_to_end);
    terminal.check(PROMPT);
    assert_eq!(terminal.line.text(), "echo ");
}

#[test]
fn backspace_at_the_end_erases_the_character() {
    let mut terminal = Terminal::new(PROMPT, 80);
    terminal.type_text("lss");
    let before = terminal.sent;
    terminal.edit(|line| {
        line.delete_before();
    });
    terminal.check(PROMPT);
    assert!(terminal.sent - before <= 4, "{} bytes for one backspace", terminal.sent - before);
}

#[test]
fn a_multi_line_prompt_draws_its_first_lines_once() {
    let mut terminal = Terminal::new("first line\nsecond> ", 40);
    terminal.type_text("abc");
    assert_eq!(terminal.screen.row_text(0).unwrap(), "first line");
    assert_eq!(terminal.screen.row_text(1).unwrap(), "second> abc");
    assert_eq!(terminal.screen.cursor(), Position { row: 1, col: 11 });
}

#[test]
fn finish_leaves_the_line_and_goes_below_it() {
    for length in [0, 5, 6, 7, 25] {
        let mut terminal = Terminal::new("$ ", 8);
        terminal.type_text(&"y".repeat(length));
        terminal.edit(LineBuffer::move_home);
        let out = terminal.display.finish();
        terminal.send(&out);
        let rows = (2 + length).div_ceil(8);
        assert_eq!(terminal.screen.cursor(), Position { row: rows, col: 0 }, "line of {length}");
        assert_eq!(terminal.screen.row_text(rows).unwrap(), "", "line of {length}");
    }
}

/// Random edits on narrow windows (so lines wrap, and often end exactly at the margin): after
/// every one the screen shows the line and the cursor where they should be.
#[test]
fn random_edits_keep_the_screen_right() {
    let mut rng = XorShift::new(0x11e_ed17);
    for round in 0..200 {
        let columns = 5 + rng.below(20);
        let prompt = ["$ ", "> ", "root@cairn:/# "][round % 3];
        let mut terminal = Terminal::new(prompt, columns);
        for _ in 0..150 {
            if terminal.line.len() + prompt.len() > columns * 30 {
                terminal.edit(LineBuffer::kill_to_start);
            }
            match rng.below(10) {
                0..=3 => {
                    let c = rng.pick(&['a', 'b', ' ', 'z', 'é']);
                    terminal.edit(|line| line.insert(c));
                }
                4 => terminal.edit(|line| {
                    line.delete_before();
                }),
                5 => terminal.edit(|line| {
                    line.delete_at();
                }),
                6 => terminal.edit(LineBuffer::move_left),
                7 => terminal.edit(LineBuffer::move_right),
                8 => terminal.edit(rng.pick(&[LineBuffer::move_home, LineBuffer::move_end, LineBuffer::kill_to_end])),
                _ => terminal.edit(rng.pick(&[LineBuffer::kill_word_before, LineBuffer::kill_to_start])),
            }
            terminal.check(prompt);
        }
    }
}

#[test]
fn clear_screen_and_show_below_redraw_the_line() {
    let mut terminal = Terminal::new(PROMPT, 30);
    terminal.type_text("cat /etc/in");
    let out = terminal.display.show_below("init.conf  init/\r\n", &terminal.line);
    terminal.send(&out);
    assert_eq!(terminal.screen.row_text(1).unwrap(), "init.conf  init/");
    assert_eq!(terminal.screen.row_text(2).unwrap(), "root@cairn:/# cat /etc/in");
    let out = terminal.display.clear_screen(&terminal.line);
    terminal.send(&out);
    terminal.check(PROMPT);
}
