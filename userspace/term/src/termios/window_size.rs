//! The window size of a terminal (`struct winsize`, `TIOCGWINSZ`/`TIOCSWINSZ`) and its binary
//! form: four little-endian `u16`s, `ws_row`, `ws_col`, `ws_xpixel`, `ws_ypixel` (8 bytes).

use super::LayoutError;

/// Size of the binary form of [`WindowSize`].
pub const WINDOW_SIZE_LEN: usize = 8;

/// The size of a terminal in character cells and (0 if unknown) in pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct WindowSize {
    pub rows: u16,
    pub cols: u16,
    pub xpixel: u16,
    pub ypixel: u16,
}

const _: () = assert!(size_of::<WindowSize>() == WINDOW_SIZE_LEN);

impl WindowSize {
    /// The binary form.
    pub fn to_bytes(&self) -> [u8; WINDOW_SIZE_LEN] {
        let mut bytes = [0; WINDOW_SIZE_LEN];
        for (chunk, value) in bytes.chunks_exact_mut(2).zip([self.rows, self.cols, self.xpixel, self.ypixel]) {
            chunk.copy_from_slice(&value.to_le_bytes());
        }
        bytes
    }

    /// Reads the binary form; only the length is checked.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, LayoutError> {
        let [r0, r1, c0, c1, x0, x1, y0, y1]: [u8; WINDOW_SIZE_LEN] =
            bytes.try_into().map_err(|_| LayoutError::WrongLength { expected: WINDOW_SIZE_LEN, found: bytes.len() })?;
        Ok(Self {
            rows: u16::from_le_bytes([r0, r1]),
            cols: u16::from_le_bytes([c0, c1]),
            xpixel: u16::from_le_bytes([x0, x1]),
            ypixel: u16::from_le_bytes([y0, y1]),
        })
    }
}
