//! A VT100/ANSI screen model (an xterm subset): the terminal server feeds it everything written
//! to the terminal, and the drawing server renders its grid of cells.
//!
//! Supported: UTF-8 text (invalid sequences shown as U+FFFD; every character one cell wide);
//! BEL (counted), BS, HT (tab stops every 8 columns, HTS, TBC, CHT, CBT), LF/VT/FF, CR; `ESC 7`,
//! `ESC 8`, `ESC c`, `ESC D`, `ESC E`, `ESC M`, `ESC H`, `ESC # 8`; CSI `@ A B C D E F G H I J K L
//! M P S T X Z a d e f g m n r s u `` ` `` and `c` (device attributes); DEC private modes 1
//! (application cursor keys), 6 (origin), 7 (autowrap), 25 (cursor shown), 47/1047/1049
//! (alternate screen, blank each time it is entered) and 1048 (save cursor). Line wrap uses
//! xterm's pending-wrap rule: writing the last column leaves the cursor there, and the next
//! character wraps first. Replies (DSR, DA) are queued for the server to send back as input.
//! Not supported: double-width characters and combining marks, character sets (line drawing),
//! insert mode, scrollback, OSC (titles) and mouse reporting.
//!
//! Every operation clamps to the screen: no byte sequence, parameter or size can panic. Sizes are
//! clamped to [`MAX_ROWS`] × [`MAX_COLS`]; a 0×0 screen takes input and shows nothing.

mod cell;
mod color;
mod csi;
mod dirty;
mod grid;
mod parser;
mod sgr;
mod tabs;

#[cfg(test)]
mod tests;

use alloc::string::String;
use alloc::vec::Vec;

pub use cell::{Attributes, Cell, Style};
pub use color::{Color, DEFAULT_BACKGROUND, DEFAULT_FOREGROUND, Rgb, palette};

use crate::keys::CursorKeyMode;
use grid::Grid;
use parser::{Parser, Perform};
use tabs::TabStops;

/// Most rows a screen has.
pub const MAX_ROWS: usize = 512;
/// Most columns a screen has.
pub const MAX_COLS: usize = 1024;

/// A cell position, 0-based from the top left.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Position {
    pub row: usize,
    pub col: usize,
}

/// The cursor and the pen it writes with.
#[derive(Clone, Copy, Debug, Default)]
struct Cursor {
    row: usize,
    col: usize,
    /// The last column was just written: the next character goes to the next line.
    pending_wrap: bool,
    pen: Style,
}

/// What `ESC 7` / `CSI s` save.
#[derive(Clone, Copy, Debug, Default)]
struct SavedCursor {
    cursor: Cursor,
    origin_mode: bool,
}

/// The modes set with `CSI ? … h/l`.
#[derive(Clone, Copy, Debug)]
struct Modes {
    origin: bool,
    autowrap: bool,
    cursor_visible: bool,
    cursor_keys: CursorKeyMode,
}

impl Default for Modes {
    fn default() -> Self {
        Self { origin: false, autowrap: true, cursor_visible: true, cursor_keys: CursorKeyMode::Normal }
    }
}

/// The state of one terminal screen.
#[derive(Clone, Debug)]
pub struct Screen {
    parser: Parser,
    grid: Grid,
    /// The primary screen while the alternate one is shown.
    parked_primary: Option<Grid>,
    cursor: Cursor,
    saved: SavedCursor,
    /// The scroll region, inclusive rows; `top < bottom` unless the screen has under 2 rows.
    top: usize,
    bottom: usize,
    tabs: TabStops,
    modes: Modes,
    replies: Vec<u8>,
    bells: usize,
}

impl Screen {
    /// A blank screen of `rows` × `cols` (clamped to [`MAX_ROWS`] × [`MAX_COLS`]), all dirty.
    pub fn new(rows: usize, cols: usize) -> Self {
        let (rows, cols) = (rows.min(MAX_ROWS), cols.min(MAX_COLS));
        Self {
            parser: Parser::default(),
            grid: Grid::new(rows, cols),
            parked_primary: None,
            cursor: Cursor::default(),
            saved: SavedCursor::default(),
            top: 0,
            bottom: rows.saturating_sub(1),
            tabs: TabStops::new(cols),
            modes: Modes::default(),
            replies: Vec::new(),
            bells: 0,
        }
    }

    pub fn rows(&self) -> usize {
        self.grid.rows()
    }

    pub fn cols(&self) -> usize {
        self.grid.cols()
    }

    /// Processes bytes written to the terminal.
    pub fn feed(&mut self, bytes: &[u8]) {
        let before = (self.cursor.row, self.cursor.col, self.modes.cursor_visible);
        let mut parser = core::mem::take(&mut self.parser);
        for &byte in bytes {
            parser.advance(byte, self);
        }
        self.parser = parser;
        if before != (self.cursor.row, self.cursor.col, self.modes.cursor_visible) {
            self.grid.dirty_mut().mark(before.0);
            self.grid.dirty_mut().mark(self.cursor.row);
        }
    }

    /// Changes the size, keeping content (see the module documentation for the limits): rows
    /// leave at the top if the cursor would fall off the bottom, and the scroll region becomes
    /// the whole screen. Everything is dirty afterwards.
    pub fn resize(&mut self, rows: usize, cols: usize) {
        let (rows, cols) = (rows.min(MAX_ROWS), cols.min(MAX_COLS));
        let drop_top = (self.cursor.row + 1).saturating_sub(rows);
        self.grid.resize(rows, cols, drop_top);
        self.cursor.row -= drop_top.min(self.cursor.row);
        if let Some(primary) = &mut self.parked_primary {
            let drop_primary = (self.saved.cursor.row + 1).saturating_sub(rows);
            primary.resize(rows, cols, drop_primary);
            self.saved.cursor.row -= drop_primary.min(self.saved.cursor.row);
        }
        self.tabs.resize(cols);
        self.top = 0;
        self.bottom = rows.saturating_sub(1);
        self.goto(self.cursor.row, self.cursor.col);
    }

    /// One cell, `None` outside the screen.
    pub fn cell(&self, row: usize, col: usize) -> Option<&Cell> {
        self.grid.row(row)?.get(col)
    }

    /// The cells of one row, `None` outside the screen.
    pub fn row(&self, row: usize) -> Option<&[Cell]> {
        self.grid.row(row)
    }

    /// The characters of one row without trailing spaces, `None` outside the screen.
    pub fn row_text(&self, row: usize) -> Option<String> {
        let text: String = self.grid.row(row)?.iter().map(|cell| cell.ch).collect();
        Some(String::from(text.trim_end_matches(' ')))
    }

    /// The whole screen as text (a screen dump): [`Self::row_text`] of every row joined by
    /// `\n`, without trailing empty rows.
    pub fn text(&self) -> String {
        let rows: Vec<String> = (0..self.rows()).filter_map(|row| self.row_text(row)).collect();
        let used = rows.iter().rposition(|row| !row.is_empty()).map_or(0, |last| last + 1);
        rows[..used].join("\n")
    }

    /// Where the cursor is.
    pub fn cursor(&self) -> Position {
        Position { row: self.cursor.row, col: self.cursor.col }
    }

    /// Whether the cursor is shown (DECTCEM).
    pub fn cursor_visible(&self) -> bool {
        self.modes.cursor_visible
    }

    /// How cursor keys should be sent (DECCKM), for [`crate::keys::encode`].
    pub fn cursor_key_mode(&self) -> CursorKeyMode {
        self.modes.cursor_keys
    }

    /// Whether the alternate screen is shown.
    pub fn alternate_screen(&self) -> bool {
        self.parked_primary.is_some()
    }

    /// The rows changed since [`Self::clear_dirty`], top to bottom. Moving the cursor or
    /// showing/hiding it marks its old and new rows.
    pub fn dirty_rows(&self) -> impl Iterator<Item = usize> + '_ {
        self.grid.dirty().iter()
    }

    /// Whether one row changed since [`Self::clear_dirty`].
    pub fn is_dirty(&self, row: usize) -> bool {
        self.grid.dirty().is_dirty(row)
    }

    /// Forgets the changes (after the server redrew them).
    pub fn clear_dirty(&mut self) {
        self.grid.dirty_mut().clear();
    }

    /// Takes the bytes the terminal answers (cursor position and status reports, device
    /// attributes), which the server delivers as input.
    pub fn take_replies(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.replies)
    }

    /// Takes the number of bells rung since the last call.
    pub fn take_bells(&mut self) -> usize {
        core::mem::take(&mut self.bells)
    }

    fn last_row(&self) -> usize {
        self.rows().saturating_sub(1)
    }

    fn last_col(&self) -> usize {
        self.cols().saturating_sub(1)
    }

    /// What erased cells look like now.
    fn blank(&self) -> Cell {
        Cell::blank(self.cursor.pen)
    }

    /// Moves the cursor, clamped to the screen.
    fn goto(&mut self, row: usize, col: usize) {
        self.cursor.row = row.min(self.last_row());
        self.cursor.col = col.min(self.last_col());
        self.cursor.pending_wrap = false;
    }

    /// Moves the cursor to a position that origin mode makes relative to the scroll region.
    fn goto_origin(&mut self, row: usize, col: usize) {
        if self.modes.origin {
            self.goto(self.top.saturating_add(row).min(self.bottom), col);
        } else {
            self.goto(row, col);
        }
    }

    /// The rows of the scroll region.
    fn region(&self) -> core::ops::Range<usize> {
        self.top..self.bottom + 1
    }

    /// LF: down one row, scrolling the region up at its bottom margin.
    fn linefeed(&mut self) {
        self.cursor.pending_wrap = false;
        if self.cursor.row == self.bottom {
            let blank = self.blank();
            self.grid.scroll_up(self.region(), 1, blank);
        } else if self.cursor.row < self.last_row() {
            self.cursor.row += 1;
        }
    }

    /// RI: up one row, scrolling the region down at its top margin.
    fn reverse_index(&mut self) {
        self.cursor.pending_wrap = false;
        if self.cursor.row == self.top {
            let blank = self.blank();
            self.grid.scroll_down(self.region(), 1, blank);
        } else {
            self.cursor.row = self.cursor.row.saturating_sub(1);
        }
    }

    fn save_cursor(&mut self) {
        self.saved = SavedCursor { cursor: self.cursor, origin_mode: self.modes.origin };
    }

    fn restore_cursor(&mut self) {
        let saved = self.saved;
        self.modes.origin = saved.origin_mode;
        self.cursor.pen = saved.cursor.pen;
        self.goto(saved.cursor.row, saved.cursor.col);
        self.cursor.pending_wrap = saved.cursor.pending_wrap && self.cursor.col == saved.cursor.col;
    }

    /// `ESC c`: back to the power-on state, keeping the size and unread replies and bells.
    fn reset(&mut self) {
        let replies = core::mem::take(&mut self.replies);
        let bells = self.bells;
        *self = Self::new(self.rows(), self.cols());
        self.replies = replies;
        self.bells = bells;
    }

    /// Shows the alternate screen, blank.
    fn enter_alternate(&mut self) {
        if self.parked_primary.is_none() {
            let alternate = Grid::new(self.rows(), self.cols());
            self.parked_primary = Some(core::mem::replace(&mut self.grid, alternate));
        }
    }

    /// Shows the primary screen again.
    fn leave_alternate(&mut self) {
        if let Some(primary) = self.parked_primary.take() {
            self.grid = primary;
            self.grid.dirty_mut().mark_all();
        }
    }

    /// `ESC # 8` (DECALN): fills the screen with `E` for alignment tests.
    fn alignment_pattern(&mut self) {
        let filled = Cell { ch: 'E', style: Style::default() };
        self.grid.fill_rows(0..self.rows(), filled);
        self.top = 0;
        self.bottom = self.last_row();
        self.modes.origin = false;
        self.goto(0, 0);
    }
}

impl Perform for Screen {
    fn print(&mut self, ch: char) {
        if self.rows() == 0 || self.cols() == 0 {
            return;
        }
        if self.cursor.pending_wrap {
            self.cursor.col = 0;
            self.linefeed();
        }
        let cell = Cell { ch, style: self.cursor.pen };
        self.grid.put(self.cursor.row, self.cursor.col, cell);
        if self.cursor.col < self.last_col() {
            self.cursor.col += 1;
        } else {
            self.cursor.pending_wrap = self.modes.autowrap;
        }
    }

    fn execute(&mut self, byte: u8) {
        match byte {
            0x07 => self.bells = self.bells.saturating_add(1),
            0x08 => self.goto(self.cursor.row, self.cursor.col.saturating_sub(1)),
            b'\t' => self.goto(self.cursor.row, self.tabs.next(self.cursor.col)),
            b'\n' | 0x0b | 0x0c => self.linefeed(),
            b'\r' => self.goto(self.cursor.row, 0),
            _ => {}
        }
    }

    fn esc_dispatch(&mut self, intermediates: &[u8], final_byte: u8) {
        match (intermediates, final_byte) {
            ([], b'7') => self.save_cursor(),
            ([], b'8') => self.restore_cursor(),
            ([], b'c') => self.reset(),
            ([], b'D') => self.linefeed(),
            ([], b'E') => {
                self.cursor.col = 0;
                self.linefeed();
            }
            ([], b'M') => self.reverse_index(),
            ([], b'H') => self.tabs.set(self.cursor.col, true),
            ([b'#'], b'8') => self.alignment_pattern(),
            _ => {}
        }
    }

    fn csi_dispatch(&mut self, csi: &parser::Csi) {
        self.control_sequence(csi);
    }
}
