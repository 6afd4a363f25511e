//! The special characters (`c_cc`): which byte interrupts, erases, ends the file and so on, and
//! the `VMIN`/`VTIME` parameters of non-canonical reads. Indices are Linux's.

use core::ops::{Index, IndexMut};

/// Number of `c_cc` slots (musl's and glibc's `NCCS`).
pub const NCCS: usize = 32;

/// The value that disables a special character (`_POSIX_VDISABLE` on Linux).
const DISABLED: u8 = 0;

/// One `c_cc` slot, named after its POSIX index without the `V` (`Cc::Intr` is `VINTR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cc {
    /// `VINTR` (default `^C`): `SIGINT`.
    Intr = 0,
    /// `VQUIT` (default `^\`): `SIGQUIT`.
    Quit = 1,
    /// `VERASE` (default DEL, 0x7f): erase one character.
    Erase = 2,
    /// `VKILL` (default `^U`): erase the line.
    Kill = 3,
    /// `VEOF` (default `^D`): end of file / push the line.
    Eof = 4,
    /// `VTIME`: non-canonical read timeout in tenths of a second.
    Time = 5,
    /// `VMIN`: non-canonical read minimum byte count.
    Min = 6,
    /// `VSTART` (default `^Q`): restart output.
    Start = 8,
    /// `VSTOP` (default `^S`): stop output.
    Stop = 9,
    /// `VSUSP` (default `^Z`): `SIGTSTP`.
    Susp = 10,
    /// `VEOL` (disabled by default): an extra line end.
    Eol = 11,
    /// `VREPRINT` (default `^R`): reprint the line being edited.
    Reprint = 12,
    /// `VDISCARD` (default `^O`): carried, no effect.
    Discard = 13,
    /// `VWERASE` (default `^W`): erase a word.
    Werase = 14,
    /// `VLNEXT` (default `^V`): take the next byte literally.
    Lnext = 15,
    /// `VEOL2` (disabled by default): another extra line end.
    Eol2 = 16,
}

/// The `c_cc` array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(transparent)]
pub struct ControlChars([u8; NCCS]);

/// The control character typed with Ctrl and `letter`.
const fn ctrl(letter: u8) -> u8 {
    letter & 0x1f
}

impl Default for ControlChars {
    /// Linux's defaults.
    fn default() -> Self {
        let mut cc = Self([DISABLED; NCCS]);
        cc[Cc::Intr] = ctrl(b'C');
        cc[Cc::Quit] = ctrl(b'\\');
        cc[Cc::Erase] = 0x7f;
        cc[Cc::Kill] = ctrl(b'U');
        cc[Cc::Eof] = ctrl(b'D');
        cc[Cc::Time] = 0;
        cc[Cc::Min] = 1;
        cc[Cc::Start] = ctrl(b'Q');
        cc[Cc::Stop] = ctrl(b'S');
        cc[Cc::Susp] = ctrl(b'Z');
        cc[Cc::Reprint] = ctrl(b'R');
        cc[Cc::Discard] = ctrl(b'O');
        cc[Cc::Werase] = ctrl(b'W');
        cc[Cc::Lnext] = ctrl(b'V');
        cc
    }
}

impl ControlChars {
    /// The array as stored in the binary layout.
    pub fn from_bytes(bytes: [u8; NCCS]) -> Self {
        Self(bytes)
    }

    /// The raw array.
    pub fn as_bytes(&self) -> &[u8; NCCS] {
        &self.0
    }

    /// Whether `byte` is the special character `which` (never true for a disabled one).
    pub fn is(&self, which: Cc, byte: u8) -> bool {
        let value = self[which];
        value != DISABLED && value == byte
    }
}

impl Index<Cc> for ControlChars {
    type Output = u8;

    fn index(&self, which: Cc) -> &u8 {
        &self.0[which as usize]
    }
}

impl IndexMut<Cc> for ControlChars {
    fn index_mut(&mut self, which: Cc) -> &mut u8 {
        &mut self.0[which as usize]
    }
}
