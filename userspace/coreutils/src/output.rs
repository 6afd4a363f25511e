//! Buffered output to a file descriptor (standard output for the tools):
//! bytes collect in a buffer that goes out in large writes, so a tool
//! printing many short lines makes few system calls. `write!` works on an
//! [`Output`] and returns the tool's [`Failure`] type.
//!
//! Depends on `cairn-rt` and [`crate::tool`].

use core::fmt;

use cairn_rt::io::write_fd;
use cairn_rt::{Error, Vec};

use crate::tool::Failure;

/// How many bytes collect before they are written.
const CAPACITY: usize = 32 * 1024;

/// A buffered writer to one fd; write errors become [`Failure::Write`].
/// After a failed write every later one fails the same way, so an error
/// met by a flush whose result was ignored is still reported.
#[derive(Debug)]
pub struct Output {
    fd: usize,
    buffer: Vec<u8>,
    failed: Option<Error>,
}

impl Output {
    /// Output to standard output.
    pub fn stdout() -> Output {
        Output { fd: 1, buffer: Vec::with_capacity(CAPACITY), failed: None }
    }

    /// Appends `bytes`, writing the buffer out when it is full.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        if self.buffer.len() + bytes.len() > CAPACITY {
            self.flush()?;
            if bytes.len() >= CAPACITY {
                return self.write_through(bytes);
            }
        }
        self.buffer.extend_from_slice(bytes);
        Ok(())
    }

    /// Appends formatted text (what `write!` calls).
    pub fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> Result<(), Failure> {
        struct Append<'a>(&'a mut Vec<u8>);
        impl fmt::Write for Append<'_> {
            fn write_str(&mut self, text: &str) -> fmt::Result {
                self.0.extend_from_slice(text.as_bytes());
                Ok(())
            }
        }
        // Appending to a vector cannot fail.
        let _ = fmt::write(&mut Append(&mut self.buffer), args);
        if self.buffer.len() >= CAPACITY { self.flush() } else { Ok(()) }
    }

    /// Writes the `==> NAME <==` line `head` and `tail` put before each of
    /// several files (after a blank line unless it is the `first`).
    pub fn write_file_header(&mut self, operand: &str, first: bool) -> Result<(), Failure> {
        let name = if operand == "-" { "standard input" } else { operand };
        writeln!(self, "{}==> {name} <==", if first { "" } else { "\n" })
    }

    /// Writes out whatever is buffered.
    pub fn flush(&mut self) -> Result<(), Failure> {
        let buffered = core::mem::take(&mut self.buffer);
        let result = self.write_through(&buffered);
        self.buffer = buffered;
        self.buffer.clear();
        result
    }

    /// Writes all of `bytes` to the fd at once.
    fn write_through(&mut self, mut bytes: &[u8]) -> Result<(), Failure> {
        if let Some(error) = self.failed {
            return Err(Failure::Write(error));
        }
        while !bytes.is_empty() {
            let error = match write_fd(self.fd, bytes) {
                Ok(0) => Error::WriteZero,
                Ok(written) => {
                    bytes = &bytes[written.min(bytes.len())..];
                    continue;
                }
                Err(error) => error,
            };
            self.failed = Some(error);
            return Err(Failure::Write(error));
        }
        Ok(())
    }
}
