//! A terminal's text grid drawn with a TrueType font: each cell of a
//! `cairn-term` [`Screen`] at a fixed place (the cell is the monospace
//! font's advance wide and its line high), in the cell's colours, the
//! cursor shown in reverse. The desktop's terminal window draws with it,
//! and the harness renders the same window on the host to compare.

use alloc::vec::Vec;

use cairn_term::screen::{Position, Screen};

use crate::Rect;
use crate::canvas::Canvas;
use crate::text::Font;

/// The terminal's monospace font (Debian's `fonts-dejavu-core`, packed
/// into the initfs at the same path).
pub const MONO_FONT_PATH: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";

/// The text size in pixels.
pub const TEXT_SIZE: f32 = 14.0;

/// The grid a new terminal window shows.
pub const ROWS: usize = 24;
pub const COLS: usize = 80;

/// The window's title.
pub const TITLE: &str = "Terminal";

/// A screen model's renderer: the font and the cell it gives.
pub struct TerminalView {
    font: Font,
    cell_width: u32,
    cell_height: u32,
    /// Where the cursor was drawn last (its row is redrawn when it moves).
    drawn_cursor: Option<Position>,
}

fn rgb(color: cairn_term::screen::Rgb) -> u32 {
    (u32::from(color.r) << 16) | (u32::from(color.g) << 8) | u32::from(color.b)
}

impl TerminalView {
    /// A view drawing in `font` (a monospace one) at [`TEXT_SIZE`].
    pub fn new(font: Font) -> TerminalView {
        let cell_width = font.width("M", TEXT_SIZE).max(1);
        let cell_height = font.line(TEXT_SIZE).height;
        TerminalView { font, cell_width, cell_height, drawn_cursor: None }
    }

    /// The pixel size of a `rows` x `cols` grid.
    pub fn pixels_for(&self, rows: usize, cols: usize) -> (u32, u32) {
        (cols as u32 * self.cell_width, rows as u32 * self.cell_height)
    }

    /// Draws every row of `screen` and marks it clean.
    pub fn draw_all(&mut self, canvas: &mut Canvas, screen: &mut Screen) -> Rect {
        let cursor = screen.cursor_visible().then(|| screen.cursor());
        for row in 0..screen.rows() {
            self.draw_row(canvas, screen, row, cursor);
        }
        screen.clear_dirty();
        self.drawn_cursor = cursor;
        let (width, height) = self.pixels_for(screen.rows(), screen.cols());
        Rect::new(0, 0, width, height)
    }

    /// Draws the rows `screen` marks dirty and those the cursor left or
    /// entered, marks them clean, and returns the areas drawn.
    pub fn draw_changes(&mut self, canvas: &mut Canvas, screen: &mut Screen) -> Vec<Rect> {
        let cursor = screen.cursor_visible().then(|| screen.cursor());
        let mut rows: Vec<usize> = screen.dirty_rows().collect();
        for moved in [self.drawn_cursor, cursor].into_iter().flatten() {
            if !rows.contains(&moved.row) {
                rows.push(moved.row);
            }
        }
        let width = screen.cols() as u32 * self.cell_width;
        let damage = rows
            .iter()
            .map(|&row| {
                self.draw_row(canvas, screen, row, cursor);
                Rect::new(0, (row as u32 * self.cell_height) as i32, width, self.cell_height)
            })
            .collect();
        screen.clear_dirty();
        self.drawn_cursor = cursor;
        damage
    }

    fn draw_row(&self, canvas: &mut Canvas, screen: &Screen, row: usize, cursor: Option<Position>) {
        let Some(cells) = screen.row(row) else { return };
        let top = (row as u32 * self.cell_height) as i32;
        for (col, cell) in cells.iter().enumerate() {
            let (mut fg, mut bg) = cell.style.rgb();
            if cursor == Some(Position { row, col }) {
                core::mem::swap(&mut fg, &mut bg);
            }
            let left = (col as u32 * self.cell_width) as i32;
            canvas.fill(Rect::new(left, top, self.cell_width, self.cell_height), rgb(bg));
            if cell.ch != ' ' {
                let mut glyph = [0u8; 4];
                self.font.draw(canvas, cell.ch.encode_utf8(&mut glyph), TEXT_SIZE, left, top, rgb(fg));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    extern crate std;

    fn view() -> TerminalView {
        let bytes = std::fs::read(MONO_FONT_PATH).expect("fonts-dejavu-core is installed on the host");
        TerminalView::new(Font::from_bytes(&bytes).unwrap())
    }

    #[test]
    fn text_lands_in_its_cells_and_only_changed_rows_are_drawn() {
        let mut view = view();
        let mut screen = Screen::new(4, 10);
        let (width, height) = view.pixels_for(4, 10);
        let mut pixels = vec![0u32; (width * height) as usize];
        let mut canvas = Canvas::new(&mut pixels, width, height, width as usize).unwrap();
        assert_eq!(view.draw_all(&mut canvas, &mut screen), Rect::new(0, 0, width, height));
        screen.feed(b"\x1b[2;1H\x1b[31mhi");
        let damage = view.draw_changes(&mut canvas, &mut screen);
        // Row 1 changed; row 0 lost the cursor.
        let rows: Vec<i32> = damage.iter().map(|r| r.y / view.cell_height as i32).collect();
        assert!(rows.contains(&0) && rows.contains(&1) && rows.len() == 2, "{rows:?}");
        assert!(view.draw_changes(&mut canvas, &mut screen).iter().all(|r| r.y == view.cell_height as i32));
        // Red ink inside the first cell of row 1, none in row 2.
        let cell = |row: u32, col: u32| {
            let (w, h) = (view.cell_width, view.cell_height);
            (row * h..(row + 1) * h)
                .flat_map(move |y| (col * w..(col + 1) * w).map(move |x| (y * width + x) as usize))
                .map(|i| pixels[i])
                .collect::<Vec<u32>>()
        };
        assert!(cell(1, 0).iter().any(|&p| (p >> 16) & 0xff > 0x80 && p & 0xff < 0x40));
        assert!(cell(2, 0).iter().all(|&p| p == cell(2, 0)[0]));
        // The cursor (after "hi") is drawn in reverse: its cell is not all background.
        assert!(cell(1, 2).iter().any(|&p| p != cell(2, 0)[0]));
    }
}
