//! TrueType text: a [`Font`] parsed by `fontdue` from a font file's bytes
//! (a damaged or hostile file is a [`FontError`], never a crash), text
//! measured and drawn anti-aliased (each glyph's coverage blended over
//! what is there) with its top-left corner at a point.

use alloc::string::String;

use fontdue::FontSettings;

use crate::canvas::Canvas;

/// Where the desktop's font lies (Debian's `fonts-dejavu-core`, packed
/// into the initfs at the same path).
pub const FONT_PATH: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/// Files larger than this are not fonts the desktop loads.
pub const MAX_FONT_BYTES: usize = 16 << 20;

/// Why a font did not load.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FontError {
    Empty,
    TooLarge,
    /// `fontdue`'s word on it.
    Invalid(String),
}

impl core::fmt::Display for FontError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FontError::Empty => f.write_str("the font file is empty"),
            FontError::TooLarge => f.write_str("the font file is larger than 16 MiB"),
            FontError::Invalid(why) => write!(f, "not a usable TrueType font: {why}"),
        }
    }
}

/// The smallest whole number not below `v` (core has no `f32::ceil`).
fn ceil(v: f32) -> i32 {
    let whole = v as i32;
    if (whole as f32) < v { whole + 1 } else { whole }
}

/// The whole number nearest `v`.
fn round(v: f32) -> i32 {
    if v >= 0.0 { (v + 0.5) as i32 } else { (v - 0.5) as i32 }
}

/// A parsed TrueType font.
pub struct Font {
    inner: fontdue::Font,
}

/// A line's vertical measures at one size, in whole pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineMetrics {
    /// From the top of the line to the baseline.
    pub ascent: i32,
    /// The line's height.
    pub height: u32,
}

impl Font {
    /// Parses a font file's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Font, FontError> {
        if bytes.is_empty() {
            return Err(FontError::Empty);
        }
        if bytes.len() > MAX_FONT_BYTES {
            return Err(FontError::TooLarge);
        }
        let inner = fontdue::Font::from_bytes(bytes, FontSettings::default())
            .map_err(|why| FontError::Invalid(String::from(why)))?;
        Ok(Font { inner })
    }

    /// The line measures at `size` pixels.
    pub fn line(&self, size: f32) -> LineMetrics {
        match self.inner.horizontal_line_metrics(size) {
            Some(m) => LineMetrics { ascent: ceil(m.ascent), height: ceil(m.new_line_size).max(1) as u32 },
            None => LineMetrics { ascent: ceil(size), height: ceil(size).max(1) as u32 },
        }
    }

    /// The width of `text` at `size` pixels.
    pub fn width(&self, text: &str, size: f32) -> u32 {
        let advance: f32 = text.chars().map(|c| self.inner.metrics(c, size).advance_width).sum();
        ceil(advance).max(0) as u32
    }

    /// Draws `text` at `size` pixels in `value`, its line's top-left at
    /// (x, y); returns the width drawn.
    pub fn draw(&self, canvas: &mut Canvas, text: &str, size: f32, x: i32, y: i32, value: u32) -> u32 {
        let baseline = y + self.line(size).ascent;
        let mut pen = x as f32;
        for c in text.chars() {
            let (metrics, coverage) = self.inner.rasterize(c, size);
            let left = round(pen) + metrics.xmin;
            let top = baseline - metrics.ymin - metrics.height as i32;
            for (row, line) in coverage.chunks(metrics.width.max(1)).enumerate() {
                for (col, &alpha) in line.iter().enumerate() {
                    if alpha != 0 {
                        canvas.blend(left + col as i32, top + row as i32, value, alpha);
                    }
                }
            }
            pen += metrics.advance_width;
        }
        ceil(pen - x as f32).max(0) as u32
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use alloc::vec;

    extern crate std;

    /// The host's DejaVu Sans (`make deps` installs fonts-dejavu-core).
    pub fn dejavu() -> Font {
        let bytes = std::fs::read(FONT_PATH).expect("fonts-dejavu-core is installed on the host");
        Font::from_bytes(&bytes).unwrap()
    }

    #[test]
    fn damaged_fonts_fail_with_a_message() {
        assert_eq!(Font::from_bytes(&[]).err(), Some(FontError::Empty));
        assert!(matches!(Font::from_bytes(b"not a font at all"), Err(FontError::Invalid(_))));
        let real = std::fs::read(FONT_PATH).unwrap();
        for cut in [4, 12, 100, 1000, real.len() / 2] {
            // A truncated file: an error, or (if the tables needed are whole) a font; never a panic.
            let _ = Font::from_bytes(&real[..cut]);
        }
        let mut scrambled = real.clone();
        for (i, b) in scrambled.iter_mut().enumerate().skip(12).step_by(97) {
            *b ^= i as u8;
        }
        if let Ok(font) = Font::from_bytes(&scrambled) {
            let mut pixels = vec![0u32; 64 * 32];
            let mut canvas = Canvas::new(&mut pixels, 64, 32, 64).unwrap();
            font.draw(&mut canvas, "Ag", 15.0, 0, 0, 0xffffff);
        }
        assert_eq!(Font::from_bytes(&vec![0u8; MAX_FONT_BYTES + 1]).err(), Some(FontError::TooLarge));
    }

    #[test]
    fn text_is_measured_and_drawn_inside_its_box() {
        let font = dejavu();
        let line = font.line(15.0);
        assert!((14..=20).contains(&line.height), "{line:?}");
        let width = font.width("Hello", 15.0);
        assert!(width > font.width("Hell", 15.0) && (25..60).contains(&width), "{width}");
        let mut pixels = vec![0u32; 100 * 30];
        let mut canvas = Canvas::new(&mut pixels, 100, 30, 100).unwrap();
        let drawn = font.draw(&mut canvas, "Hello", 15.0, 5, 5, 0xffffff);
        assert_eq!(drawn, width);
        let lit: std::vec::Vec<(usize, usize)> =
            (0..30 * 100).filter(|&i| pixels[i] != 0).map(|i| (i % 100, i / 100)).collect();
        assert!(lit.len() > 50);
        assert!(
            lit.iter()
                .all(|&(x, y)| (5..5 + width as usize + 1).contains(&x) && (5..5 + line.height as usize).contains(&y))
        );
        // Anti-aliased: some pixels are partly covered.
        assert!(pixels.iter().any(|&p| p != 0 && p != 0xffffff));
    }
}
