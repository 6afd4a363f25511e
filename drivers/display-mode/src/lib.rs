//! Display modes, shared by the display driver (`bochs-display`), the
//! display server (`displayd`) and the tests: a [`Mode`] is a resolution
//! at 32 bits per pixel (`WIDTHxHEIGHT` as text), [`Limits`] are what one
//! adapter can show (largest width and height, video memory), and
//! [`Limits::check`] says why a mode cannot be set. [`Limits::modes`]
//! lists the standard modes an adapter offers. Pure; no_std.
#![no_std]

use core::fmt;

/// Bytes per pixel of every mode (`x8r8g8b8`).
pub const BYTES_PER_PIXEL: u32 = 4;

/// The smallest mode anything draws on.
pub const MIN_WIDTH: u32 = 320;
pub const MIN_HEIGHT: u32 = 200;

/// Widths must be a multiple of this (the Bochs interface's rule).
pub const WIDTH_ALIGN: u32 = 8;

/// A resolution at [`BYTES_PER_PIXEL`] bytes per pixel, rows packed
/// (the pitch is `width * 4`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mode {
    pub width: u32,
    pub height: u32,
}

/// Why a mode is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModeError {
    /// The text is not `WIDTHxHEIGHT` in decimal.
    Syntax,
    /// Below [`MIN_WIDTH`] x [`MIN_HEIGHT`].
    TooSmall,
    /// Wider or taller than the adapter allows.
    TooLarge,
    /// The width is not a multiple of [`WIDTH_ALIGN`].
    Unaligned,
    /// The frame does not fit in video memory.
    NoMemory,
}

impl fmt::Display for ModeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ModeError::Syntax => "not WIDTHxHEIGHT",
            ModeError::TooSmall => "smaller than 320x200",
            ModeError::TooLarge => "larger than the adapter allows",
            ModeError::Unaligned => "width not a multiple of 8",
            ModeError::NoMemory => "does not fit in video memory",
        })
    }
}

impl Mode {
    pub const fn new(width: u32, height: u32) -> Mode {
        Mode { width, height }
    }

    /// Parses `WIDTHxHEIGHT` (surrounding white space, as `echo` leaves
    /// it, is ignored).
    pub fn parse(text: &str) -> Result<Mode, ModeError> {
        let (width, height) = text.trim().split_once('x').ok_or(ModeError::Syntax)?;
        let number = |t: &str| {
            if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ModeError::Syntax);
            }
            t.parse::<u32>().map_err(|_| ModeError::TooLarge)
        };
        Ok(Mode { width: number(width)?, height: number(height)? })
    }

    /// Bytes per row.
    pub const fn pitch(&self) -> u32 {
        self.width * BYTES_PER_PIXEL
    }

    /// Bytes of one frame.
    pub const fn frame_bytes(&self) -> u64 {
        self.pitch() as u64 * self.height as u64
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}x{}", self.width, self.height)
    }
}

/// The modes offered when an adapter can show them, smallest first.
pub const STANDARD: [Mode; 12] = [
    Mode::new(640, 480),
    Mode::new(800, 600),
    Mode::new(1024, 768),
    Mode::new(1280, 720),
    Mode::new(1280, 800),
    Mode::new(1280, 1024),
    Mode::new(1440, 900),
    Mode::new(1600, 900),
    Mode::new(1600, 1200),
    Mode::new(1680, 1050),
    Mode::new(1920, 1080),
    Mode::new(1920, 1200),
];

/// What one adapter can show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub max_width: u32,
    pub max_height: u32,
    /// Bytes of video memory.
    pub memory: u64,
}

impl Limits {
    /// Whether `mode` can be set, and why not.
    pub fn check(&self, mode: Mode) -> Result<(), ModeError> {
        if mode.width < MIN_WIDTH || mode.height < MIN_HEIGHT {
            return Err(ModeError::TooSmall);
        }
        if mode.width > self.max_width || mode.height > self.max_height {
            return Err(ModeError::TooLarge);
        }
        if !mode.width.is_multiple_of(WIDTH_ALIGN) {
            return Err(ModeError::Unaligned);
        }
        if mode.frame_bytes() > self.memory {
            return Err(ModeError::NoMemory);
        }
        Ok(())
    }

    /// The standard modes this adapter can set.
    pub fn modes(&self) -> impl Iterator<Item = Mode> + '_ {
        STANDARD.into_iter().filter(|m| self.check(*m).is_ok())
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;
    use std::vec::Vec;

    /// QEMU's bochs-display with its default 16 MiB.
    const BOCHS: Limits = Limits { max_width: 16000, max_height: 12000, memory: 16 << 20 };

    #[test]
    fn parses_and_prints() {
        assert_eq!(Mode::parse("1024x768"), Ok(Mode::new(1024, 768)));
        assert_eq!(Mode::parse(" 1920x1080\n"), Ok(Mode::new(1920, 1080)));
        assert_eq!(Mode::new(1280, 720).to_string(), "1280x720");
        assert_eq!(Mode::new(1024, 768).pitch(), 4096);
        assert_eq!(Mode::new(1920, 1080).frame_bytes(), 1920 * 1080 * 4);
    }

    #[test]
    fn bad_text_is_a_syntax_error() {
        for text in ["", "x", "1024", "1024x", "x768", "1024X768", "-1x5", "1024x768x32", "10 24x768", "+8x8"] {
            assert_eq!(Mode::parse(text), Err(ModeError::Syntax), "{text:?}");
        }
        assert_eq!(Mode::parse("99999999999x768"), Err(ModeError::TooLarge));
    }

    #[test]
    fn limits_refuse_what_cannot_be_shown() {
        assert_eq!(BOCHS.check(Mode::new(1024, 768)), Ok(()));
        assert_eq!(BOCHS.check(Mode::new(1920, 1080)), Ok(()));
        assert_eq!(BOCHS.check(Mode::new(100, 100)), Err(ModeError::TooSmall));
        assert_eq!(BOCHS.check(Mode::new(100_000, 100_000)), Err(ModeError::TooLarge));
        assert_eq!(BOCHS.check(Mode::new(1366, 768)), Err(ModeError::Unaligned));
        assert_eq!(BOCHS.check(Mode::new(4096, 2160)), Err(ModeError::NoMemory));
        let small = Limits { max_width: 1280, max_height: 1024, memory: 8 << 20 };
        assert_eq!(small.check(Mode::new(1600, 900)), Err(ModeError::TooLarge));
    }

    #[test]
    fn mode_list_follows_the_limits() {
        let all: Vec<Mode> = BOCHS.modes().collect();
        assert_eq!(all.len(), STANDARD.len());
        assert_eq!(all, STANDARD);
        let four_mib = Limits { memory: 4 << 20, ..BOCHS };
        let few: Vec<Mode> = four_mib.modes().collect();
        assert!(few.contains(&Mode::new(1024, 768)));
        assert!(!few.contains(&Mode::new(1280, 1024)));
    }
}
