//! Reading the guest's screen: a QEMU `screendump` (binary PPM) decoded
//! back into text by matching each 8x13 character cell against the glyphs
//! of `embedded-graphics`' 8x13 font — the font the screen console draws
//! with — so tests can check what a person would see.

use embedded_graphics::mock_display::MockDisplay;
use embedded_graphics::mono_font::MonoTextStyle;
use embedded_graphics::mono_font::iso_8859_1::FONT_8X13;
use embedded_graphics::pixelcolor::BinaryColor;
use embedded_graphics::prelude::*;
use embedded_graphics::text::{Baseline, Text};

const CELL_WIDTH: usize = 8;
const CELL_HEIGHT: usize = 13;

/// A decoded screendump: its width, height and RGB pixels.
pub struct Picture {
    pub width: usize,
    pub height: usize,
    pixels: Vec<[u8; 3]>,
}

/// Parses a binary PPM (`P6`, max value 255) as QEMU writes it.
pub fn parse_ppm(bytes: &[u8]) -> Result<Picture, String> {
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while at < bytes.len() && bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while at < bytes.len() && !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        if start == at {
            return Err("PPM header ends early".into());
        }
        fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
    }
    let number = |s: &str| s.parse::<usize>().map_err(|_| format!("bad PPM number {s:?}"));
    if fields[0] != "P6" || fields[3] != "255" {
        return Err(format!("not an 8-bit P6 PPM: {} ... {}", fields[0], fields[3]));
    }
    let (width, height) = (number(&fields[1])?, number(&fields[2])?);
    let data = bytes.get(at + 1..).ok_or("no pixel data")?;
    if data.len() < width * height * 3 {
        return Err(format!("PPM holds {} bytes, {}x{} needs {}", data.len(), width, height, width * height * 3));
    }
    let pixels = data.chunks_exact(3).take(width * height).map(|p| [p[0], p[1], p[2]]).collect();
    Ok(Picture { width, height, pixels })
}

/// A cell's set pixels, row by row (8 bits per row).
type GlyphMask = [u8; CELL_HEIGHT];

/// The mask of every printable ASCII character in the console's font.
fn glyphs() -> Vec<(char, GlyphMask)> {
    (' '..='~')
        .map(|ch| {
            let mut display: MockDisplay<BinaryColor> = MockDisplay::new();
            display.set_allow_overdraw(true);
            let style = MonoTextStyle::new(&FONT_8X13, BinaryColor::On);
            let mut text = [0u8; 4];
            let _ =
                Text::with_baseline(ch.encode_utf8(&mut text), Point::zero(), style, Baseline::Top).draw(&mut display);
            let mut mask = [0u8; CELL_HEIGHT];
            for (y, row) in mask.iter_mut().enumerate() {
                for x in 0..CELL_WIDTH {
                    if display.get_pixel(Point::new(x as i32, y as i32)) == Some(BinaryColor::On) {
                        *row |= 1 << x;
                    }
                }
            }
            (ch, mask)
        })
        .collect()
}

impl Picture {
    pub fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        self.pixels[y * self.width + x]
    }

    /// The cell's mask: pixels that differ from its most common colour.
    fn cell_mask(&self, row: usize, col: usize) -> GlyphMask {
        let (left, top) = (col * CELL_WIDTH, row * CELL_HEIGHT);
        let mut counts: Vec<([u8; 3], usize)> = Vec::new();
        for y in top..top + CELL_HEIGHT {
            for x in left..left + CELL_WIDTH {
                let p = self.pixel(x, y);
                match counts.iter_mut().find(|(c, _)| *c == p) {
                    Some((_, n)) => *n += 1,
                    None => counts.push((p, 1)),
                }
            }
        }
        let background = counts.iter().max_by_key(|(_, n)| *n).map(|(c, _)| *c).unwrap_or_default();
        let mut mask = [0u8; CELL_HEIGHT];
        for (dy, bits) in mask.iter_mut().enumerate() {
            for dx in 0..CELL_WIDTH {
                if self.pixel(left + dx, top + dy) != background {
                    *bits |= 1 << dx;
                }
            }
        }
        mask
    }

    /// The text on the screen, one line per row of cells (trailing blanks
    /// removed); a cell matching no glyph reads as `?`.
    pub fn text(&self) -> String {
        let glyphs = glyphs();
        let (rows, cols) = (self.height / CELL_HEIGHT, self.width / CELL_WIDTH);
        let mut text = String::new();
        for row in 0..rows {
            let line: String = (0..cols)
                .map(|col| {
                    let mask = self.cell_mask(row, col);
                    glyphs.iter().find(|(_, g)| *g == mask).map_or('?', |(ch, _)| *ch)
                })
                .collect();
            text.push_str(line.trim_end());
            text.push('\n');
        }
        text
    }
}

/// QEMU `sendkey` names for typing `text` on a US keyboard (`None` for a
/// character without one).
pub fn key_names(text: &str) -> Option<Vec<String>> {
    text.chars()
        .map(|ch| {
            let name = match ch {
                'a'..='z' | '0'..='9' => ch.to_string(),
                'A'..='Z' => format!("shift-{}", ch.to_ascii_lowercase()),
                ' ' => "spc".into(),
                '\n' => "ret".into(),
                '\t' => "tab".into(),
                '-' => "minus".into(),
                '=' => "equal".into(),
                '.' => "dot".into(),
                ',' => "comma".into(),
                '/' => "slash".into(),
                ';' => "semicolon".into(),
                '\'' => "apostrophe".into(),
                '|' => "shift-backslash".into(),
                '>' => "shift-dot".into(),
                '<' => "shift-comma".into(),
                '$' => "shift-4".into(),
                '*' => "shift-8".into(),
                '(' => "shift-9".into(),
                ')' => "shift-0".into(),
                '+' => "shift-equal".into(),
                '_' => "shift-minus".into(),
                '"' => "shift-apostrophe".into(),
                '\u{3}' => "ctrl-c".into(),
                _ => return None,
            };
            Some(name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A picture with `text` drawn white on blue in the console's font.
    fn picture_of(lines: &[&str], cols: usize) -> Picture {
        let (width, height) = (cols * CELL_WIDTH, lines.len() * CELL_HEIGHT);
        let mut pixels = vec![[0, 0, 170]; width * height];
        let glyphs = glyphs();
        for (row, line) in lines.iter().enumerate() {
            for (col, ch) in line.chars().enumerate() {
                let mask = glyphs.iter().find(|(c, _)| *c == ch).unwrap().1;
                for (dy, bits) in mask.iter().enumerate() {
                    for dx in 0..CELL_WIDTH {
                        if bits & (1 << dx) != 0 {
                            pixels[(row * CELL_HEIGHT + dy) * width + col * CELL_WIDTH + dx] = [255, 255, 255];
                        }
                    }
                }
            }
        }
        Picture { width, height, pixels }
    }

    #[test]
    fn every_glyph_is_distinct() {
        let glyphs = glyphs();
        for (i, (a, mask)) in glyphs.iter().enumerate() {
            assert!(!glyphs[i + 1..].iter().any(|(_, other)| other == mask), "{a:?} looks like another glyph");
        }
    }

    #[test]
    fn text_is_read_back() {
        let picture = picture_of(&["root@cairn:/# echo hi", "hi"], 30);
        assert_eq!(picture.text(), "root@cairn:/# echo hi\nhi\n");
    }

    #[test]
    fn ppm_round_trip_and_errors() {
        let mut ppm = b"P6\n2 1\n255\n".to_vec();
        ppm.extend_from_slice(&[1, 2, 3, 4, 5, 6]);
        let picture = parse_ppm(&ppm).unwrap();
        assert_eq!((picture.width, picture.height, picture.pixel(1, 0)), (2, 1, [4, 5, 6]));
        assert!(parse_ppm(b"P5\n2 1\n255\n").is_err());
        assert!(parse_ppm(b"P6\n2 1\n255\n\x01").is_err());
        assert!(parse_ppm(b"P6").is_err());
    }

    #[test]
    fn keys_for_text() {
        assert_eq!(key_names("Ab 1\n").unwrap(), ["shift-a", "b", "spc", "1", "ret"]);
        assert!(key_names("é").is_none());
    }
}
