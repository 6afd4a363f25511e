//! The runtime's error type: a failed system call (an errno, printed with
//! Redox's error texts) or one of the few failures the runtime detects
//! itself.
//!
//! Depends on `cairn-abi` (errno values and texts) and `core`.

use core::fmt;

/// Result of a runtime operation.
pub type Result<T, E = Error> = core::result::Result<T, E>;

/// What went wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// A system call failed with this errno.
    Os(cairn_abi::Error),
    /// Data that had to be UTF-8 was not.
    InvalidUtf8,
    /// A read ended before the requested number of bytes arrived.
    UnexpectedEof,
    /// A write made no progress.
    WriteZero,
    /// A joined thread ended without returning a value (it called
    /// `thread_exit` itself).
    NoResult,
}

impl Error {
    /// The error for errno `errno` (a `cairn_abi::error::E*` value).
    pub const fn from_errno(errno: i32) -> Error {
        Error::Os(cairn_abi::Error::new(errno))
    }

    /// The errno, if this is a failed system call.
    pub const fn errno(&self) -> Option<i32> {
        match self {
            Error::Os(e) => Some(e.errno),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Os(e) => write!(f, "{} (os error {})", e.text(), e.errno),
            Error::InvalidUtf8 => f.write_str("stream did not contain valid UTF-8"),
            Error::UnexpectedEof => f.write_str("failed to fill whole buffer"),
            Error::WriteZero => f.write_str("failed to write whole buffer"),
            Error::NoResult => f.write_str("thread ended without returning a value"),
        }
    }
}

impl core::error::Error for Error {}

impl From<core::str::Utf8Error> for Error {
    fn from(_: core::str::Utf8Error) -> Error {
        Error::InvalidUtf8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn display_uses_redox_texts() {
        assert_eq!(Error::from_errno(cairn_abi::error::ENOENT).to_string(), "No such file or directory (os error 2)");
        assert_eq!(Error::from_errno(cairn_abi::error::EFAULT).errno(), Some(14));
        assert_eq!(Error::InvalidUtf8.errno(), None);
    }
}
