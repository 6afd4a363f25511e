//! Byte I/O: the [`Read`] and [`Write`] traits, the standard streams
//! (fds 0, 1, 2) and the `print!` family of macros.
//!
//! Printing formats into a small stack buffer and issues one `write` per
//! buffer-full, so a line shorter than [`LINE_BUFFER`] bytes reaches the
//! console in one piece even with several threads or processes printing.
//! Nothing here allocates, so the panic handler can use it too.
//!
//! Depends on [`crate::sys`] and [`crate::error`].

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use cairn_abi::Syscall;

use crate::error::{Error, Result};
use crate::sys::syscall3;

/// Size of the stack buffer `print!` formats into.
pub const LINE_BUFFER: usize = 512;

/// `read(fd, buf)`: bytes read, 0 at end of file.
pub fn read_fd(fd: usize, buf: &mut [u8]) -> Result<usize> {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    unsafe { syscall3(Syscall::Read as usize, fd, buf.as_mut_ptr() as usize, buf.len()) }
}

/// `write(fd, buf)`: bytes written.
pub fn write_fd(fd: usize, buf: &[u8]) -> Result<usize> {
    // SAFETY: the kernel only reads `buf.len()` bytes from `buf`.
    unsafe { syscall3(Syscall::Write as usize, fd, buf.as_ptr() as usize, buf.len()) }
}

/// `pread(fd, buf, offset)`: bytes read at `offset`, the position unmoved.
pub fn read_at_fd(fd: usize, buf: &mut [u8], offset: u64) -> Result<usize> {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`.
    unsafe { crate::sys::syscall4(Syscall::Pread as usize, fd, buf.as_mut_ptr() as usize, buf.len(), offset as usize) }
}

/// `pwrite(fd, buf, offset)`: bytes written at `offset`, the position unmoved.
pub fn write_at_fd(fd: usize, buf: &[u8], offset: u64) -> Result<usize> {
    // SAFETY: the kernel only reads `buf.len()` bytes from `buf`.
    unsafe { crate::sys::syscall4(Syscall::Pwrite as usize, fd, buf.as_ptr() as usize, buf.len(), offset as usize) }
}

/// A source of bytes.
pub trait Read {
    /// Reads some bytes into `buf`; 0 means end of file.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize>;

    /// Reads until end of file, appending to `buf`; returns the count.
    fn read_to_end(&mut self, buf: &mut Vec<u8>) -> Result<usize> {
        let start = buf.len();
        let mut chunk = [0u8; 4096];
        loop {
            match self.read(&mut chunk)? {
                0 => return Ok(buf.len() - start),
                n => buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    /// Reads until end of file, appending UTF-8 text to `buf`.
    fn read_to_string(&mut self, buf: &mut String) -> Result<usize> {
        let mut bytes = Vec::new();
        let n = self.read_to_end(&mut bytes)?;
        buf.push_str(core::str::from_utf8(&bytes)?);
        Ok(n)
    }

    /// Fills `buf` completely or fails with [`Error::UnexpectedEof`].
    fn read_exact(&mut self, mut buf: &mut [u8]) -> Result<()> {
        while !buf.is_empty() {
            match self.read(buf)? {
                0 => return Err(Error::UnexpectedEof),
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }
}

/// A sink for bytes.
pub trait Write {
    /// Writes some of `buf`; returns how much.
    fn write(&mut self, buf: &[u8]) -> Result<usize>;

    /// Pushes buffered data out (the runtime's streams are unbuffered).
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }

    /// Writes all of `buf` or fails.
    fn write_all(&mut self, mut buf: &[u8]) -> Result<()> {
        while !buf.is_empty() {
            match self.write(buf)? {
                0 => return Err(Error::WriteZero),
                n => buf = &buf[n..],
            }
        }
        Ok(())
    }

    /// Writes formatted text (what `write!` calls).
    fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> Result<()> {
        let mut out = Formatted { inner: self, error: None };
        match fmt::write(&mut out, args) {
            Ok(()) => Ok(()),
            Err(_) => Err(out.error.unwrap_or(Error::WriteZero)),
        }
    }
}

/// Adapts a [`Write`] to `fmt::Write`, keeping the first I/O error.
struct Formatted<'a, W: Write + ?Sized> {
    inner: &'a mut W,
    error: Option<Error>,
}

impl<W: Write + ?Sized> fmt::Write for Formatted<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.inner.write_all(s.as_bytes()).map_err(|e| {
            self.error = Some(e);
            fmt::Error
        })
    }
}

impl Write for Vec<u8> {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        self.extend_from_slice(buf);
        Ok(buf.len())
    }
}

impl Read for &[u8] {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        let n = buf.len().min(self.len());
        buf[..n].copy_from_slice(&self[..n]);
        *self = &self[n..];
        Ok(n)
    }
}

/// Standard input (fd 0).
#[derive(Clone, Copy, Debug)]
pub struct Stdin;
/// Standard output (fd 1).
#[derive(Clone, Copy, Debug)]
pub struct Stdout;
/// Standard error (fd 2).
#[derive(Clone, Copy, Debug)]
pub struct Stderr;

pub fn stdin() -> Stdin {
    Stdin
}
pub fn stdout() -> Stdout {
    Stdout
}
pub fn stderr() -> Stderr {
    Stderr
}

impl Read for Stdin {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        read_fd(0, buf)
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        write_fd(1, buf)
    }
}

impl Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        write_fd(2, buf)
    }
}

/// Formats into a fixed buffer and writes it to a file descriptor whenever
/// it fills, and at the end.
pub(crate) struct LineWriter {
    fd: usize,
    buf: [u8; LINE_BUFFER],
    len: usize,
}

impl LineWriter {
    pub(crate) const fn new(fd: usize) -> LineWriter {
        LineWriter { fd, buf: [0; LINE_BUFFER], len: 0 }
    }

    /// Writes out what is buffered; output errors are dropped (there is
    /// nowhere left to report them).
    pub(crate) fn flush(&mut self) {
        let mut rest = &self.buf[..self.len];
        while !rest.is_empty() {
            match write_fd(self.fd, rest) {
                Ok(n @ 1..) => rest = &rest[n.min(rest.len())..],
                _ => break,
            }
        }
        self.len = 0;
    }
}

impl fmt::Write for LineWriter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            if self.len == LINE_BUFFER {
                self.flush();
            }
            self.buf[self.len] = b;
            self.len += 1;
        }
        Ok(())
    }
}

#[doc(hidden)]
pub fn _print_to(fd: usize, args: fmt::Arguments<'_>) {
    let mut w = LineWriter::new(fd);
    // `LineWriter` itself never fails; a `Display` impl may, leaving
    // partial output, as with `std`.
    let _ = fmt::write(&mut w, args);
    w.flush();
}

/// Prints to standard output.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::io::_print_to(1, format_args!($($arg)*)) };
}

/// Prints a line to standard output.
#[macro_export]
macro_rules! println {
    () => { $crate::io::_print_to(1, format_args!("\n")) };
    ($($arg:tt)*) => { $crate::io::_print_to(1, format_args!("{}\n", format_args!($($arg)*))) };
}

/// Prints to standard error.
#[macro_export]
macro_rules! eprint {
    ($($arg:tt)*) => { $crate::io::_print_to(2, format_args!($($arg)*)) };
}

/// Prints a line to standard error.
#[macro_export]
macro_rules! eprintln {
    () => { $crate::io::_print_to(2, format_args!("\n")) };
    ($($arg:tt)*) => { $crate::io::_print_to(2, format_args!("{}\n", format_args!($($arg)*))) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_helpers_on_slices() {
        let mut src: &[u8] = b"hello";
        let mut two = [0u8; 2];
        src.read_exact(&mut two).unwrap();
        assert_eq!(&two, b"he");
        let mut s = String::new();
        assert_eq!(src.read_to_string(&mut s), Ok(3));
        assert_eq!(s, "llo");
        assert_eq!(src.read_exact(&mut two), Err(Error::UnexpectedEof));
        let mut bad: &[u8] = &[0xff, 0xfe];
        assert_eq!(bad.read_to_string(&mut s), Err(Error::InvalidUtf8));
    }

    #[test]
    fn write_fmt_into_a_vec() {
        let mut v: Vec<u8> = Vec::new();
        let name = "a";
        write!(v, "{name}-{:02}", 7).unwrap();
        assert_eq!(v, b"a-07");
    }
}
