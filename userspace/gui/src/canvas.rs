//! A drawing surface over a slice of `x8r8g8b8` pixels (`0x00RRGGBB`,
//! the layout of the framebuffer and of window buffers), with a clip
//! rectangle every drawing call respects. It is an `embedded-graphics`
//! draw target (`Rgb888`), so shapes come from there; fills, alpha
//! blending (for anti-aliased text) and copies between buffers are here.

use core::convert::Infallible;

use embedded_graphics::pixelcolor::{Rgb888, RgbColor};
use embedded_graphics::prelude::{Dimensions, DrawTarget, Pixel};
use embedded_graphics::primitives::Rectangle;

use crate::Rect;

/// A colour as a pixel value.
pub fn pixel(color: Rgb888) -> u32 {
    ((color.r() as u32) << 16) | ((color.g() as u32) << 8) | color.b() as u32
}

/// `over` laid on `under` with coverage `alpha` (0-255).
pub fn blend(under: u32, over: u32, alpha: u8) -> u32 {
    let a = u32::from(alpha);
    let mix = |shift: u32| {
        let (u, o) = ((under >> shift) & 0xff, (over >> shift) & 0xff);
        ((o * a + u * (255 - a) + 127) / 255) << shift
    };
    mix(16) | mix(8) | mix(0)
}

/// Pixels of `width` x `height`, rows `stride` pixels apart.
pub struct Canvas<'a> {
    pixels: &'a mut [u32],
    width: u32,
    height: u32,
    stride: usize,
    clip: Rect,
}

impl<'a> Canvas<'a> {
    /// A canvas over `pixels`, or `None` if the slice is too short.
    pub fn new(pixels: &'a mut [u32], width: u32, height: u32, stride: usize) -> Option<Canvas<'a>> {
        let needed = (height as usize).checked_sub(1).map_or(0, |rows| rows * stride + width as usize);
        if stride < width as usize || pixels.len() < needed {
            return None;
        }
        Some(Canvas { pixels, width, height, stride, clip: Rect::new(0, 0, width, height) })
    }

    /// The whole surface.
    pub fn bounds(&self) -> Rect {
        Rect::new(0, 0, self.width, self.height)
    }

    /// Limits drawing to `clip` (within the surface).
    pub fn set_clip(&mut self, clip: Rect) {
        self.clip = clip.intersect(&self.bounds());
    }

    fn index(&self, x: i32, y: i32) -> Option<usize> {
        self.clip.contains(x, y).then(|| y as usize * self.stride + x as usize)
    }

    /// Sets (x, y) if inside the clip.
    pub fn put(&mut self, x: i32, y: i32, value: u32) {
        if let Some(at) = self.index(x, y) {
            self.pixels[at] = value;
        }
    }

    /// Lays `value` over (x, y) with coverage `alpha`.
    pub fn blend(&mut self, x: i32, y: i32, value: u32, alpha: u8) {
        if let Some(at) = self.index(x, y) {
            self.pixels[at] = blend(self.pixels[at], value, alpha);
        }
    }

    /// Fills `area` (clipped).
    pub fn fill(&mut self, area: Rect, value: u32) {
        let area = area.intersect(&self.clip);
        for y in area.y..area.y + area.height as i32 {
            let start = y as usize * self.stride + area.x as usize;
            self.pixels[start..start + area.width as usize].fill(value);
        }
    }

    /// The outline of `area`, one pixel wide.
    pub fn outline(&mut self, area: Rect, value: u32) {
        if area.is_empty() {
            return;
        }
        let (w, h) = (area.width, area.height);
        self.fill(Rect::new(area.x, area.y, w, 1), value);
        self.fill(Rect::new(area.x, area.y + h as i32 - 1, w, 1), value);
        self.fill(Rect::new(area.x, area.y, 1, h), value);
        self.fill(Rect::new(area.x + w as i32 - 1, area.y, 1, h), value);
    }

    /// Copies the pixels of `source` (`source_width` wide, rows packed)
    /// so that its (0, 0) lands at (x, y); only the clip is written.
    pub fn copy_from(&mut self, source: &[u32], source_width: u32, x: i32, y: i32) {
        if source_width == 0 {
            return;
        }
        let source_height = (source.len() / source_width as usize) as u32;
        let area = Rect::new(x, y, source_width, source_height).intersect(&self.clip);
        for row in area.y..area.y + area.height as i32 {
            let from = (row - y) as usize * source_width as usize + (area.x - x) as usize;
            let to = row as usize * self.stride + area.x as usize;
            let len = area.width as usize;
            self.pixels[to..to + len].copy_from_slice(&source[from..from + len]);
        }
    }
}

impl Dimensions for Canvas<'_> {
    fn bounding_box(&self) -> Rectangle {
        Rectangle::new(
            embedded_graphics::prelude::Point::zero(),
            embedded_graphics::prelude::Size::new(self.width, self.height),
        )
    }
}

impl DrawTarget for Canvas<'_> {
    type Color = Rgb888;
    type Error = Infallible;

    fn draw_iter<I: IntoIterator<Item = Pixel<Rgb888>>>(&mut self, pixels: I) -> Result<(), Infallible> {
        for Pixel(point, value) in pixels {
            self.put(point.x, point.y, pixel(value));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use embedded_graphics::Drawable;
    use embedded_graphics::prelude::{Point, Primitive, Size};
    use embedded_graphics::primitives::{PrimitiveStyle, Rectangle};

    #[test]
    fn pixels_and_colours() {
        assert_eq!(pixel(Rgb888::new(0x12, 0x34, 0x56)), 0x123456);
        assert_eq!(blend(0x000000, 0xffffff, 255), 0xffffff);
        assert_eq!(blend(0x000000, 0xffffff, 0), 0);
        assert_eq!(blend(0x000000, 0xff00ff, 128), 0x800080);
    }

    #[test]
    fn too_short_a_buffer_is_refused() {
        let mut small = vec![0u32; 99];
        assert!(Canvas::new(&mut small, 10, 10, 10).is_none());
        assert!(Canvas::new(&mut small, 10, 5, 9).is_none());
        let mut exact = vec![0u32; 100];
        assert!(Canvas::new(&mut exact, 10, 10, 10).is_some());
    }

    #[test]
    fn drawing_stays_inside_the_clip() {
        let mut pixels = vec![0u32; 100];
        let mut canvas = Canvas::new(&mut pixels, 10, 10, 10).unwrap();
        canvas.set_clip(Rect::new(2, 2, 3, 3));
        canvas.fill(Rect::new(-5, -5, 100, 100), 7);
        let style = PrimitiveStyle::with_fill(Rgb888::WHITE);
        Rectangle::new(Point::new(0, 0), Size::new(10, 10)).into_styled(style).draw(&mut canvas).unwrap();
        let set: usize = pixels.iter().filter(|&&p| p != 0).count();
        assert_eq!(set, 9);
        assert_eq!(pixels[2 * 10 + 2], 0xffffff);
        assert_eq!(pixels[0], 0);
    }

    #[test]
    fn copies_land_where_asked() {
        let source: alloc::vec::Vec<u32> = (0..6).collect();
        let mut pixels = vec![0xffu32; 25];
        let mut canvas = Canvas::new(&mut pixels, 5, 5, 5).unwrap();
        canvas.copy_from(&source, 3, 3, -1);
        // Row 1 of the source (3, 4, 5) lands on row 0 at x 3..5, clipped at x = 5.
        assert_eq!(&pixels[0..5], &[0xff, 0xff, 0xff, 3, 4]);
        assert_eq!(pixels[5 + 3], 0xff);
    }
}
