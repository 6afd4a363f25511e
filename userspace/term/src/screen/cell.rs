//! One character cell of the screen: a character, its colours and its attributes, and how a
//! renderer turns them into two RGB colours.

use super::color::{Color, DEFAULT_BACKGROUND, DEFAULT_FOREGROUND, Rgb};
use crate::flags::flag_set;

flag_set! {
    /// Character attributes (SGR).
    pub struct Attributes: u8 {
        /// SGR 1.
        const BOLD = 1;
        /// SGR 2 (faint).
        const DIM = 2;
        /// SGR 4.
        const UNDERLINE = 4;
        /// SGR 5 or 6.
        const BLINK = 8;
        /// SGR 7: foreground and background swapped.
        const REVERSE = 16;
    }
}

/// How text is drawn: the "pen" of the cursor and the look of each cell.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Style {
    pub fg: Color,
    pub bg: Color,
    pub attrs: Attributes,
}

impl Style {
    /// The foreground and background to draw with: bold makes the 8 standard colours bright
    /// (as the VGA console and xterm do), reverse swaps the two.
    pub fn rgb(&self) -> (Rgb, Rgb) {
        let fg = match self.fg {
            Color::Indexed(index @ 0..=7) if self.attrs.contains(Attributes::BOLD) => Color::Indexed(index + 8),
            other => other,
        };
        let fg = fg.to_rgb(DEFAULT_FOREGROUND);
        let bg = self.bg.to_rgb(DEFAULT_BACKGROUND);
        if self.attrs.contains(Attributes::REVERSE) { (bg, fg) } else { (fg, bg) }
    }
}

/// One cell of the grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cell {
    pub ch: char,
    pub style: Style,
}

impl Default for Cell {
    fn default() -> Self {
        Self { ch: ' ', style: Style::default() }
    }
}

impl Cell {
    /// An erased cell: a space that keeps only the background colour of `style` (xterm's
    /// background colour erase).
    pub fn blank(style: Style) -> Self {
        Self { ch: ' ', style: Style { bg: style.bg, ..Style::default() } }
    }
}
