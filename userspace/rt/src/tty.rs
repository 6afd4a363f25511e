//! Terminals served by the terminal server (`termd`): the settings of a
//! terminal fd (termios, as the 60-byte Linux x86-64 `struct termios` that
//! `cairn-term` encodes), its foreground process group and window size.
//! Each is reached through a control handle the server derives from the
//! terminal fd (`scheme_dup` with the payload `termios`, `pgrp` or
//! `winsize`) and read or written whole. An fd that is not a character
//! device is refused with `ENOTTY` before any request.
//!
//! Depends on `cairn-abi`, [`crate::fd`], [`crate::io`] and [`crate::sys`].

use cairn_abi::Syscall;

use crate::error::{Error, Result};
use crate::fd::OwnedFd;
use crate::io::{read_fd, write_fd};
use crate::sys::syscall2;

/// File-type bits of a terminal in `st_mode` (POSIX `S_IFCHR`).
const MODE_CHARACTER_DEVICE: u16 = 0o020_000;

/// Bytes of an encoded termios.
pub const TERMIOS_LEN: usize = 60;
/// Bytes of an encoded window size (rows, columns, x and y pixels as `u16`).
pub const WINDOW_SIZE_LEN: usize = 8;

/// Refuses (`ENOTTY`) an fd that is not a character device: a file server
/// may answer the control request with a plain copy of the handle, whose
/// reads would give the file's bytes as if they were the terminal's.
fn check_terminal(fd: usize) -> Result<()> {
    let mut stat = cairn_abi::Stat::default();
    // SAFETY: the kernel writes one `Stat` into `stat`.
    unsafe { syscall2(Syscall::Fstat as usize, fd, (&raw mut stat) as usize)? };
    if stat.st_mode & cairn_abi::MODE_TYPE != MODE_CHARACTER_DEVICE {
        return Err(Error::from_errno(cairn_abi::error::ENOTTY));
    }
    Ok(())
}

/// Reads a whole control value.
fn read_control<const N: usize>(terminal: usize, control: &str) -> Result<[u8; N]> {
    check_terminal(terminal)?;
    let handle = OwnedFd::scheme_dup_raw(terminal, control.as_bytes())?;
    let mut value = [0u8; N];
    let len = read_fd(handle.as_raw(), &mut value)?;
    if len != N {
        return Err(crate::error::Error::UnexpectedEof);
    }
    Ok(value)
}

/// Writes a whole control value.
fn write_control(terminal: usize, control: &str, value: &[u8]) -> Result<()> {
    check_terminal(terminal)?;
    let handle = OwnedFd::scheme_dup_raw(terminal, control.as_bytes())?;
    write_fd(handle.as_raw(), value).map(drop)
}

/// The terminal's settings (`tcgetattr`).
pub fn termios(terminal: usize) -> Result<[u8; TERMIOS_LEN]> {
    read_control(terminal, "termios")
}

/// Changes the terminal's settings (`tcsetattr`, taking effect at once).
pub fn set_termios(terminal: usize, termios: &[u8; TERMIOS_LEN]) -> Result<()> {
    write_control(terminal, "termios", termios)
}

/// The foreground process group (`tcgetpgrp`).
pub fn foreground_group(terminal: usize) -> Result<usize> {
    read_control::<4>(terminal, "pgrp").map(|bytes| u32::from_le_bytes(bytes) as usize)
}

/// Makes `group` the foreground process group (`tcsetpgrp`): it receives
/// the signals typed keys raise.
pub fn set_foreground_group(terminal: usize, group: usize) -> Result<()> {
    write_control(terminal, "pgrp", &(group as u32).to_le_bytes())
}

/// The window size as (rows, columns).
pub fn window_size(terminal: usize) -> Result<(u16, u16)> {
    let bytes = read_control::<WINDOW_SIZE_LEN>(terminal, "winsize")?;
    Ok((u16::from_le_bytes([bytes[0], bytes[1]]), u16::from_le_bytes([bytes[2], bytes[3]])))
}

/// Whether `fd` is a terminal (its server answers for a termios).
pub fn is_terminal(fd: usize) -> bool {
    termios(fd).is_ok()
}
