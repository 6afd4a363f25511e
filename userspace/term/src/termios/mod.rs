//! The terminal settings (`struct termios`) with Linux/POSIX meaning and values, limited to what
//! a Cairn terminal interprets, and their fixed binary layout for tcgetattr/tcsetattr through a
//! scheme.
//!
//! # Binary layout
//!
//! [`Termios::to_bytes`] / [`Termios::from_bytes`] use the layout of `struct termios` of musl and
//! glibc on x86_64 ([`TERMIOS_LEN`] = 60 bytes, integers little-endian), which is also the
//! in-memory layout of the `#[repr(C)]` [`Termios`]:
//!
//! | offset | size | C field     | Rust field      |
//! |--------|------|-------------|-----------------|
//! | 0      | 4    | `c_iflag`   | `input`         |
//! | 4      | 4    | `c_oflag`   | `output`        |
//! | 8      | 4    | `c_cflag`   | `control`       |
//! | 12     | 4    | `c_lflag`   | `local`         |
//! | 16     | 1    | `c_line`    | `line`          |
//! | 17     | 32   | `c_cc[32]`  | `cc` (indices as on Linux, see [`Cc`]) |
//! | 49     | 3    | padding     | written as zero, ignored when read |
//! | 52     | 4    | `c_ispeed`  | `input_speed`   |
//! | 56     | 4    | `c_ospeed`  | `output_speed`  |
//!
//! Flag bits and control-character indices are Linux's; bits without a name here are kept as
//! they are but have no effect. The window size ([`WindowSize`]) is the 8-byte `struct winsize`.

mod control_chars;
mod flags;
mod window_size;

#[cfg(test)]
mod tests;

use core::fmt;

pub use control_chars::{Cc, ControlChars, NCCS};
pub use flags::{ControlFlags, InputFlags, LocalFlags, OutputFlags};
pub use window_size::{WINDOW_SIZE_LEN, WindowSize};

/// Size of the binary form of [`Termios`].
pub const TERMIOS_LEN: usize = 60;

const IFLAG_AT: usize = 0;
const OFLAG_AT: usize = 4;
const CFLAG_AT: usize = 8;
const LFLAG_AT: usize = 12;
const LINE_AT: usize = 16;
const CC_AT: usize = 17;
const ISPEED_AT: usize = 52;
const OSPEED_AT: usize = 56;

/// Why a binary settings record was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutError {
    /// The record does not have the size of the structure.
    WrongLength { expected: usize, found: usize },
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WrongLength { expected, found } => write!(f, "expected {expected} bytes, found {found}"),
        }
    }
}

/// The settings of one terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Termios {
    /// Input processing (`c_iflag`).
    pub input: InputFlags,
    /// Output processing (`c_oflag`).
    pub output: OutputFlags,
    /// Hardware line settings (`c_cflag`); only [`ControlFlags::CREAD`] has an effect.
    pub control: ControlFlags,
    /// Line editing, echo and signals (`c_lflag`).
    pub local: LocalFlags,
    /// Line discipline number (`c_line`), carried verbatim; 0 is the only one.
    pub line: u8,
    /// Special characters and the non-canonical read parameters (`c_cc`).
    pub cc: ControlChars,
    /// Input line speed code, carried verbatim: a Cairn terminal has no line speed.
    pub input_speed: u32,
    /// Output line speed code, carried verbatim.
    pub output_speed: u32,
}

const _: () = assert!(size_of::<Termios>() == TERMIOS_LEN);

impl Default for Termios {
    /// The settings of a freshly opened terminal, as Linux's `tty_std_termios` plus `stty sane`
    /// in a UTF-8 locale: canonical mode with echo and signals, `\r` read as `\n`, `\n` written
    /// as `\r\n`, `^S`/`^Q` flow control, UTF-8-aware erase and a bell on a full input queue.
    fn default() -> Self {
        Self {
            input: InputFlags::ICRNL | InputFlags::IXON | InputFlags::IMAXBEL | InputFlags::IUTF8,
            output: OutputFlags::OPOST | OutputFlags::ONLCR,
            control: ControlFlags::B38400 | ControlFlags::CS8 | ControlFlags::CREAD | ControlFlags::HUPCL,
            local: LocalFlags::ISIG
                | LocalFlags::ICANON
                | LocalFlags::ECHO
                | LocalFlags::ECHOE
                | LocalFlags::ECHOK
                | LocalFlags::ECHOCTL
                | LocalFlags::ECHOKE
                | LocalFlags::IEXTEN,
            line: 0,
            cc: ControlChars::default(),
            input_speed: ControlFlags::B38400.bits(),
            output_speed: ControlFlags::B38400.bits(),
        }
    }
}

impl Termios {
    /// Switches to raw mode like `cfmakeraw`: no input translation, flow control, output
    /// processing, echo, line editing or signals; 8-bit characters; a read returns as soon as
    /// one byte is there (`VMIN` 1, `VTIME` 0).
    pub fn make_raw(&mut self) {
        self.input
            .remove(InputFlags::ISTRIP | InputFlags::INLCR | InputFlags::IGNCR | InputFlags::ICRNL | InputFlags::IXON);
        self.output.remove(OutputFlags::OPOST);
        self.local
            .remove(LocalFlags::ECHO | LocalFlags::ECHONL | LocalFlags::ICANON | LocalFlags::ISIG | LocalFlags::IEXTEN);
        self.control.remove(ControlFlags::CSIZE | ControlFlags::PARENB);
        self.control.insert(ControlFlags::CS8);
        self.cc[Cc::Min] = 1;
        self.cc[Cc::Time] = 0;
    }

    /// Whether input is edited in lines (`ICANON`).
    pub fn is_canonical(&self) -> bool {
        self.local.contains(LocalFlags::ICANON)
    }

    /// The binary form described in the module documentation.
    pub fn to_bytes(&self) -> [u8; TERMIOS_LEN] {
        let mut bytes = [0; TERMIOS_LEN];
        bytes[IFLAG_AT..IFLAG_AT + 4].copy_from_slice(&self.input.bits().to_le_bytes());
        bytes[OFLAG_AT..OFLAG_AT + 4].copy_from_slice(&self.output.bits().to_le_bytes());
        bytes[CFLAG_AT..CFLAG_AT + 4].copy_from_slice(&self.control.bits().to_le_bytes());
        bytes[LFLAG_AT..LFLAG_AT + 4].copy_from_slice(&self.local.bits().to_le_bytes());
        bytes[LINE_AT] = self.line;
        bytes[CC_AT..CC_AT + NCCS].copy_from_slice(self.cc.as_bytes());
        bytes[ISPEED_AT..ISPEED_AT + 4].copy_from_slice(&self.input_speed.to_le_bytes());
        bytes[OSPEED_AT..OSPEED_AT + 4].copy_from_slice(&self.output_speed.to_le_bytes());
        bytes
    }

    /// Reads the binary form; any values are accepted, only the length is checked.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, LayoutError> {
        let bytes: &[u8; TERMIOS_LEN] =
            bytes.try_into().map_err(|_| LayoutError::WrongLength { expected: TERMIOS_LEN, found: bytes.len() })?;
        let mut cc = [0; NCCS];
        cc.copy_from_slice(&bytes[CC_AT..CC_AT + NCCS]);
        Ok(Self {
            input: InputFlags::from_bits(u32_at(bytes, IFLAG_AT)),
            output: OutputFlags::from_bits(u32_at(bytes, OFLAG_AT)),
            control: ControlFlags::from_bits(u32_at(bytes, CFLAG_AT)),
            local: LocalFlags::from_bits(u32_at(bytes, LFLAG_AT)),
            line: bytes[LINE_AT],
            cc: ControlChars::from_bytes(cc),
            input_speed: u32_at(bytes, ISPEED_AT),
            output_speed: u32_at(bytes, OSPEED_AT),
        })
    }
}

/// The little-endian `u32` at a fixed offset of a fixed-size record.
fn u32_at<const N: usize>(bytes: &[u8; N], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}
