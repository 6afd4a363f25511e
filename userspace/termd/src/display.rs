//! The screen console's display: the boot framebuffer (from
//! `/scheme/framebuffer`, mapped into this process) showing a `cairn-term`
//! screen model in `embedded-graphics`' 8x13 font. Only rows the model
//! marks dirty, and the rows the cursor left or entered, are redrawn —
//! and only while the console has the screen: the model goes on in the
//! background, and the whole screen is drawn when the console gets it.

use core::convert::Infallible;

use cairn_rt::Vec;
use cairn_rt::abi::{FramebufferInfo, MapFlags};
use cairn_rt::fs::{File, OpenOptions};
use cairn_rt::io::Read;
use cairn_term::screen::{Position, Screen};
use embedded_graphics::mono_font::iso_8859_1::FONT_8X13;
use embedded_graphics::mono_font::{MonoFont, MonoTextStyle};
use embedded_graphics::pixelcolor::Rgb888;
use embedded_graphics::prelude::*;
use embedded_graphics::primitives::{PrimitiveStyle, Rectangle};
use embedded_graphics::text::{Baseline, Text};

const FONT: MonoFont<'static> = FONT_8X13;
const CELL_WIDTH: u32 = 8;
const CELL_HEIGHT: u32 = 13;

/// The mapped framebuffer as an `embedded-graphics` draw target.
struct Surface {
    base: *mut u8,
    info: FramebufferInfo,
}

impl Surface {
    fn pixel(&self, color: Rgb888) -> u32 {
        (u32::from(color.r()) << self.info.red_shift)
            | (u32::from(color.g()) << self.info.green_shift)
            | (u32::from(color.b()) << self.info.blue_shift)
    }
}

impl OriginDimensions for Surface {
    fn size(&self) -> Size {
        Size::new(self.info.width, self.info.height)
    }
}

impl DrawTarget for Surface {
    type Color = Rgb888;
    type Error = Infallible;

    fn draw_iter<I: IntoIterator<Item = Pixel<Rgb888>>>(&mut self, pixels: I) -> Result<(), Infallible> {
        for Pixel(point, color) in pixels {
            let (Ok(x), Ok(y)) = (u32::try_from(point.x), u32::try_from(point.y)) else { continue };
            if x >= self.info.width || y >= self.info.height {
                continue;
            }
            let offset = (y * self.info.pitch + x * 4) as usize;
            let value = self.pixel(color);
            // SAFETY: (x, y) lies inside the framebuffer, which is mapped
            // for `pitch * height` bytes at `base`, 4 bytes per pixel.
            unsafe { self.base.add(offset).cast::<u32>().write_volatile(value) };
        }
        Ok(())
    }
}

/// The display: framebuffer, screen model, where the cursor was drawn.
pub struct Display {
    _framebuffer: File,
    surface: Surface,
    pub screen: Screen,
    drawn_cursor: Option<Position>,
    /// The console has the screen.
    active: bool,
}

impl Display {
    /// Claims the framebuffer (the kernel stops drawing on it), maps it and
    /// sizes the screen model to it; it draws once it is given the screen.
    pub fn claim() -> cairn_rt::Result<Display> {
        let mut framebuffer = OpenOptions::new().read(true).write(true).open("/scheme/framebuffer")?;
        let mut raw = [0u8; size_of::<FramebufferInfo>()];
        framebuffer.read_exact(&mut raw)?;
        // SAFETY: `FramebufferInfo` is plain old data of exactly these bytes.
        let info: FramebufferInfo = unsafe { core::ptr::read_unaligned(raw.as_ptr().cast()) };
        if info.bits_per_pixel != 32 {
            return Err(cairn_rt::Error::from_errno(cairn_rt::abi::error::ENODEV));
        }
        let len = (info.pitch * info.height) as usize;
        let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
        // SAFETY: a fresh shared mapping of the framebuffer, placed by the kernel.
        let base = unsafe { cairn_rt::sys::mmap(0, len, flags, framebuffer.as_raw_fd(), 0) }?;
        let rows = (info.height / CELL_HEIGHT) as usize;
        let cols = (info.width / CELL_WIDTH) as usize;
        Ok(Display {
            _framebuffer: framebuffer,
            surface: Surface { base: base as *mut u8, info },
            screen: Screen::new(rows, cols),
            drawn_cursor: None,
            active: false,
        })
    }

    /// Rows and columns of text.
    pub fn size(&self) -> (usize, usize) {
        (self.screen.rows(), self.screen.cols())
    }

    /// The console gained or lost the screen; gaining it draws all of it.
    pub fn set_active(&mut self, active: bool) {
        self.active = active;
        if !active {
            return;
        }
        let _ = self.surface.clear(Rgb888::BLACK);
        let cursor = self.screen.cursor_visible().then(|| self.screen.cursor());
        for row in 0..self.screen.rows() {
            self.draw_row(row, cursor);
        }
        self.screen.clear_dirty();
        self.drawn_cursor = cursor;
    }

    /// Shows terminal output; returns what the screen answers (cursor
    /// position reports), which is terminal input.
    pub fn show(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.screen.feed(bytes);
        if !self.active {
            self.screen.clear_dirty();
            return self.screen.take_replies();
        }
        let cursor = self.screen.cursor_visible().then(|| self.screen.cursor());
        let mut rows: Vec<usize> = self.screen.dirty_rows().collect();
        for moved in [self.drawn_cursor, cursor].into_iter().flatten() {
            if !rows.contains(&moved.row) {
                rows.push(moved.row);
            }
        }
        for row in rows {
            self.draw_row(row, cursor);
        }
        self.screen.clear_dirty();
        self.drawn_cursor = cursor;
        self.screen.take_replies()
    }

    fn draw_row(&mut self, row: usize, cursor: Option<Position>) {
        let Some(cells) = self.screen.row(row) else { return };
        let cells: Vec<_> = cells.to_vec();
        for (col, cell) in cells.iter().enumerate() {
            let (mut fg, mut bg) = cell.style.rgb();
            if cursor == Some(Position { row, col }) {
                core::mem::swap(&mut fg, &mut bg);
            }
            let origin = Point::new((col as u32 * CELL_WIDTH) as i32, (row as u32 * CELL_HEIGHT) as i32);
            let background = Rgb888::new(bg.r, bg.g, bg.b);
            let area = Rectangle::new(origin, Size::new(CELL_WIDTH, CELL_HEIGHT));
            let _ = area.into_styled(PrimitiveStyle::with_fill(background)).draw(&mut self.surface);
            if cell.ch != ' ' {
                let mut glyph = [0u8; 4];
                let style = MonoTextStyle::new(&FONT, Rgb888::new(fg.r, fg.g, fg.b));
                let text = Text::with_baseline(cell.ch.encode_utf8(&mut glyph), origin, style, Baseline::Top);
                let _ = text.draw(&mut self.surface);
            }
        }
    }
}
