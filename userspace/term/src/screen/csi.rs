//! The control sequences (`CSI …`) of the screen: cursor movement, erasing, inserting and
//! deleting, scrolling, the scroll region, modes, SGR and the reports.

use alloc::format;

use super::parser::Csi;
use super::{Screen, sgr};
use crate::keys::CursorKeyMode;

impl Screen {
    /// Carries out one CSI sequence; unknown ones are ignored.
    pub(super) fn control_sequence(&mut self, csi: &Csi) {
        match (csi.private, csi.intermediates.as_slice()) {
            (None, []) => self.standard_sequence(csi),
            (Some(b'?'), []) if matches!(csi.final_byte, b'h' | b'l') => {
                for &mode in csi.params.values() {
                    self.set_private_mode(mode, csi.final_byte == b'h');
                }
            }
            _ => {}
        }
    }

    fn standard_sequence(&mut self, csi: &Csi) {
        let params = &csi.params;
        // A count or 1-based position; `usize` so that sums cannot overflow.
        let arg = |index: usize| usize::from(params.count(index, 1));
        let (row, col) = (self.cursor.row, self.cursor.col);
        let blank = self.blank();
        match csi.final_byte {
            b'@' => {
                self.grid.insert_cells(row, col, arg(0), blank);
                self.cursor.pending_wrap = false;
            }
            b'A' => self.cursor_up(arg(0)),
            b'B' | b'e' => self.cursor_down(arg(0)),
            b'C' | b'a' => self.goto(row, col.saturating_add(arg(0))),
            b'D' => self.goto(row, col.saturating_sub(arg(0))),
            b'E' => {
                self.cursor_down(arg(0));
                self.cursor.col = 0;
            }
            b'F' => {
                self.cursor_up(arg(0));
                self.cursor.col = 0;
            }
            b'G' | b'`' => self.goto(row, arg(0) - 1),
            b'H' | b'f' => self.goto_origin(arg(0) - 1, arg(1) - 1),
            b'I' => self.tab_forward(arg(0)),
            b'J' => self.erase_display(params.get(0)),
            b'K' => self.erase_line(params.get(0)),
            b'L' | b'M' if (self.top..=self.bottom).contains(&row) => {
                let band = row..self.bottom + 1;
                if csi.final_byte == b'L' {
                    self.grid.scroll_down(band, arg(0), blank);
                } else {
                    self.grid.scroll_up(band, arg(0), blank);
                }
                self.goto(row, 0);
            }
            b'P' => {
                self.grid.delete_cells(row, col, arg(0), blank);
                self.cursor.pending_wrap = false;
            }
            b'S' => self.grid.scroll_up(self.region(), arg(0), blank),
            b'T' if params.len() <= 1 => self.grid.scroll_down(self.region(), arg(0), blank),
            b'X' => {
                self.grid.fill(row, col..col.saturating_add(arg(0)), blank);
                self.cursor.pending_wrap = false;
            }
            b'Z' => self.tab_backward(arg(0)),
            b'c' if params.get(0) == 0 => self.replies.extend_from_slice(b"\x1b[?1;2c"),
            b'd' => self.goto_origin(arg(0) - 1, col),
            b'g' => match params.get(0) {
                0 => self.tabs.set(col, false),
                3 => self.tabs.clear_all(),
                _ => {}
            },
            b'm' => sgr::apply(&mut self.cursor.pen, params),
            b'n' => self.device_status(params.get(0)),
            b'r' => self.set_scroll_region(arg(0), usize::from(params.count(1, u16::MAX))),
            b's' => self.save_cursor(),
            b'u' => self.restore_cursor(),
            _ => {}
        }
    }

    /// CUU: up, stopping at the top margin if the cursor is inside the region.
    fn cursor_up(&mut self, count: usize) {
        let limit = if self.cursor.row >= self.top { self.top } else { 0 };
        self.goto(self.cursor.row.saturating_sub(count).max(limit), self.cursor.col);
    }

    /// CUD: down, stopping at the bottom margin if the cursor is inside the region.
    fn cursor_down(&mut self, count: usize) {
        let limit = if self.cursor.row <= self.bottom { self.bottom } else { self.last_row() };
        self.goto(self.cursor.row.saturating_add(count).min(limit), self.cursor.col);
    }

    fn tab_forward(&mut self, count: usize) {
        for _ in 0..count {
            let next = self.tabs.next(self.cursor.col);
            if next == self.cursor.col {
                break;
            }
            self.goto(self.cursor.row, next);
        }
    }

    fn tab_backward(&mut self, count: usize) {
        for _ in 0..count {
            let previous = self.tabs.previous(self.cursor.col);
            if previous == self.cursor.col {
                break;
            }
            self.goto(self.cursor.row, previous);
        }
    }

    /// ED: 0 from the cursor to the end, 1 from the start to the cursor, 2 everything; 3 erases
    /// the saved lines in xterm, and there are none.
    fn erase_display(&mut self, how: u16) {
        let (row, col, blank) = (self.cursor.row, self.cursor.col, self.blank());
        match how {
            0 => {
                self.grid.fill(row, col..self.cols(), blank);
                self.grid.fill_rows(row + 1..self.rows(), blank);
            }
            1 => {
                self.grid.fill_rows(0..row, blank);
                self.grid.fill(row, 0..col + 1, blank);
            }
            2 => self.grid.fill_rows(0..self.rows(), blank),
            _ => return,
        }
        self.cursor.pending_wrap = false;
    }

    /// EL: 0 from the cursor to the end of the line, 1 from its start to the cursor, 2 all of it.
    fn erase_line(&mut self, how: u16) {
        let (row, col, blank) = (self.cursor.row, self.cursor.col, self.blank());
        let cols = match how {
            0 => col..self.cols(),
            1 => 0..col + 1,
            2 => 0..self.cols(),
            _ => return,
        };
        self.grid.fill(row, cols, blank);
        self.cursor.pending_wrap = false;
    }

    /// DSR: 5 reports "OK", 6 the cursor position (1-based, relative to the region in origin
    /// mode).
    fn device_status(&mut self, which: u16) {
        match which {
            5 => self.replies.extend_from_slice(b"\x1b[0n"),
            6 => {
                let row = self.cursor.row - if self.modes.origin { self.top.min(self.cursor.row) } else { 0 };
                let report = format!("\x1b[{};{}R", row + 1, self.cursor.col + 1);
                self.replies.extend_from_slice(report.as_bytes());
            }
            _ => {}
        }
    }

    /// DECSTBM with 1-based `top` and `bottom` (clamped to the screen); a region of fewer than
    /// two rows is refused. The cursor goes home.
    fn set_scroll_region(&mut self, top: usize, bottom: usize) {
        let bottom = bottom.min(self.rows());
        if top >= bottom {
            return;
        }
        self.top = top - 1;
        self.bottom = bottom - 1;
        self.goto_origin(0, 0);
    }

    /// DECSET / DECRST.
    fn set_private_mode(&mut self, mode: u16, on: bool) {
        match mode {
            1 => self.modes.cursor_keys = if on { CursorKeyMode::Application } else { CursorKeyMode::Normal },
            6 => {
                self.modes.origin = on;
                self.goto_origin(0, 0);
            }
            7 => {
                self.modes.autowrap = on;
                self.cursor.pending_wrap &= on;
            }
            25 => self.modes.cursor_visible = on,
            47 | 1047 if on => self.enter_alternate(),
            47 | 1047 => self.leave_alternate(),
            1048 if on => self.save_cursor(),
            1048 => self.restore_cursor(),
            1049 if on => {
                self.save_cursor();
                self.enter_alternate();
            }
            1049 => {
                self.leave_alternate();
                self.restore_cursor();
            }
            _ => {}
        }
    }
}
