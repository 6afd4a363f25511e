//! A text console on a linear framebuffer: glyphs from `embedded-graphics`'
//! 8x13 font, a cursor, line wrapping and scrolling. Used for the kernel log
//! until a user-space console takes over.

use core::convert::Infallible;

use embedded_graphics::mono_font::{MonoTextStyleBuilder, ascii::FONT_8X13};
use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use embedded_graphics::prelude::*;
use embedded_graphics::text::{Baseline, Text};

/// Position and size of one colour channel inside a pixel, in bits.
#[derive(Clone, Copy, Debug)]
pub struct ColorField {
    pub position: u8,
    pub size: u8,
}

/// A direct-colour linear framebuffer as GRUB describes it.
#[derive(Clone, Copy, Debug)]
pub struct FramebufferInfo {
    pub phys_addr: u64,
    pub pitch: u32,
    pub width: u32,
    pub height: u32,
    pub bits_per_pixel: u8,
    pub red: ColorField,
    pub green: ColorField,
    pub blue: ColorField,
}

/// The boot framebuffer, recorded for the display driver.
static BOOT_FRAMEBUFFER: spin::Once<FramebufferInfo> = spin::Once::new();

/// Records the boot framebuffer (once).
pub fn record(info: FramebufferInfo) {
    BOOT_FRAMEBUFFER.call_once(|| info);
}

/// The boot framebuffer, if there is one.
pub fn boot_framebuffer() -> Option<FramebufferInfo> {
    BOOT_FRAMEBUFFER.get().copied()
}

impl FramebufferInfo {
    /// What user space reads about it.
    pub fn abi(&self) -> cairn_abi::FramebufferInfo {
        cairn_abi::FramebufferInfo {
            width: self.width,
            height: self.height,
            pitch: self.pitch,
            bits_per_pixel: u32::from(self.bits_per_pixel),
            red_shift: self.red.position,
            green_shift: self.green.position,
            blue_shift: self.blue.position,
            reserved: 0,
        }
    }

    /// Size of the framebuffer in bytes.
    pub fn byte_len(&self) -> u64 {
        u64::from(self.pitch) * u64::from(self.height)
    }
}

const CELL_WIDTH: u32 = 8;
const CELL_HEIGHT: u32 = 13;

/// The framebuffer as an `embedded-graphics` draw target.
struct Surface {
    base: *mut u8,
    info: FramebufferInfo,
}

impl Surface {
    fn encode(&self, color: Rgb888) -> u32 {
        let channel = |value: u8, field: ColorField| -> u32 {
            let size = field.size.min(8);
            (u32::from(value) >> (8 - size)) << field.position
        };
        channel(color.r(), self.info.red) | channel(color.g(), self.info.green) | channel(color.b(), self.info.blue)
    }

    fn put(&mut self, x: u32, y: u32, color: Rgb888) {
        if x >= self.info.width || y >= self.info.height {
            return;
        }
        let value = self.encode(color);
        let bytes_per_pixel = u32::from(self.info.bits_per_pixel / 8);
        let offset = (y * self.info.pitch + x * bytes_per_pixel) as usize;
        // SAFETY: (x, y) is inside the framebuffer, so `offset` plus the pixel
        // size lies within the `pitch * height` bytes mapped at `base`.
        unsafe {
            let pixel = self.base.add(offset);
            if bytes_per_pixel == 4 {
                pixel.cast::<u32>().write_volatile(value);
            } else {
                for (i, byte) in value.to_le_bytes().iter().take(3).enumerate() {
                    pixel.add(i).write_volatile(*byte);
                }
            }
        }
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

    fn draw_iter<I>(&mut self, pixels: I) -> Result<(), Infallible>
    where
        I: IntoIterator<Item = Pixel<Rgb888>>,
    {
        for Pixel(point, color) in pixels {
            if let (Ok(x), Ok(y)) = (u32::try_from(point.x), u32::try_from(point.y)) {
                self.put(x, y, color);
            }
        }
        Ok(())
    }
}

/// The text console state.
pub struct ScreenConsole {
    surface: Surface,
    columns: u32,
    rows: u32,
    column: u32,
    row: u32,
}

// SAFETY: the console owns its framebuffer mapping exclusively and is only
// reached through the console lock.
unsafe impl Send for ScreenConsole {}

impl ScreenConsole {
    /// Wraps a mapped framebuffer; `None` for formats it cannot draw
    /// (anything but 24 or 32 bits per pixel, or a screen too small for a
    /// single character cell).
    ///
    /// # Safety
    /// `base` must map `info.byte_len()` bytes of the framebuffer, writable,
    /// for as long as the console exists, and nothing else may write there.
    pub unsafe fn new(base: *mut u8, info: FramebufferInfo) -> Option<Self> {
        let columns = info.width / CELL_WIDTH;
        let rows = info.height / CELL_HEIGHT;
        let depth_ok = matches!(info.bits_per_pixel, 24 | 32);
        let fields_ok = [info.red, info.green, info.blue]
            .iter()
            .all(|f| f.size > 0 && u32::from(f.position) + u32::from(f.size.min(8)) <= u32::from(info.bits_per_pixel));
        let pitch_ok = u64::from(info.pitch) >= u64::from(info.width) * u64::from(info.bits_per_pixel / 8);
        if !depth_ok || !fields_ok || !pitch_ok || columns == 0 || rows == 0 {
            return None;
        }
        let mut console = ScreenConsole { surface: Surface { base, info }, columns, rows, column: 0, row: 0 };
        console.clear_rows(0, rows);
        Some(console)
    }

    /// Number of text columns and rows.
    pub fn dimensions(&self) -> (u32, u32) {
        (self.columns, self.rows)
    }

    /// Writes text, interpreting `\n`, `\r` and `\t`.
    pub fn write_str(&mut self, s: &str) {
        for c in s.chars() {
            match c {
                '\n' => self.new_line(),
                '\r' => self.column = 0,
                '\t' => {
                    for _ in 0..(8 - self.column % 8) {
                        self.put_char(' ');
                    }
                }
                c => self.put_char(c),
            }
        }
    }

    fn put_char(&mut self, c: char) {
        if self.column >= self.columns {
            self.new_line();
        }
        let style = MonoTextStyleBuilder::new()
            .font(&FONT_8X13)
            .text_color(Rgb888::new(0xd0, 0xd0, 0xd0))
            .background_color(Rgb888::BLACK)
            .build();
        let mut buf = [0u8; 4];
        let glyph: &str = if c.is_ascii() && !c.is_ascii_control() { c.encode_utf8(&mut buf) } else { "?" };
        let origin = Point::new((self.column * CELL_WIDTH) as i32, (self.row * CELL_HEIGHT) as i32);
        let _ = Text::with_baseline(glyph, origin, style, Baseline::Top).draw(&mut self.surface);
        self.column += 1;
    }

    fn new_line(&mut self) {
        self.column = 0;
        if self.row + 1 < self.rows {
            self.row += 1;
            return;
        }
        // Scroll by a third of the screen at once: moving the framebuffer is
        // the expensive part, so do it rarely.
        let shift = (self.rows / 3).max(1);
        let info = self.surface.info;
        let row_bytes = (info.pitch * CELL_HEIGHT) as usize;
        let kept = (self.rows - shift) as usize * row_bytes;
        // SAFETY: both ranges lie within the first `rows * row_bytes` bytes of
        // the mapped framebuffer; `copy` handles the overlap.
        unsafe {
            core::ptr::copy(self.surface.base.add(shift as usize * row_bytes), self.surface.base, kept);
        }
        self.clear_rows(self.rows - shift, self.rows);
        self.row = self.rows - shift;
    }

    fn clear_rows(&mut self, from: u32, to: u32) {
        let info = self.surface.info;
        let start = (from * CELL_HEIGHT * info.pitch) as usize;
        let len = ((to - from) * CELL_HEIGHT * info.pitch) as usize;
        // SAFETY: rows `from..to` are inside the mapped framebuffer.
        unsafe { core::ptr::write_bytes(self.surface.base.add(start), 0, len) };
    }
}
