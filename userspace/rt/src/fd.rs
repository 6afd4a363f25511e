//! Owned file descriptors as capabilities: [`OwnedFd`] (closed on drop,
//! readable and writable through [`Read`]/[`Write`]), [`pipe`], copying
//! with fewer rights ([`OwnedFd::dup`], [`dup2`]), and the type and rights
//! an fd carries ([`OwnedFd::info`]).
//!
//! Depends on [`crate::sys`], [`crate::io`] and `cairn-abi`.

use cairn_abi::{FdInfo, Syscall};

use crate::error::Result;
use crate::io::{Read, Write, read_fd, write_fd};
use crate::sys::{syscall1, syscall2, syscall3};

pub use cairn_abi::{O_CLOEXEC, O_NONBLOCK, ObjectType, rights};

/// An fd this process owns; closed when dropped.
#[derive(Debug)]
pub struct OwnedFd {
    fd: usize,
}

impl OwnedFd {
    /// Takes ownership of `fd`.
    ///
    /// # Safety
    /// `fd` must be open and owned by nothing else, since it will be closed.
    pub unsafe fn from_raw(fd: usize) -> OwnedFd {
        OwnedFd { fd }
    }

    /// The fd number.
    pub fn as_raw(&self) -> usize {
        self.fd
    }

    /// Gives up ownership without closing.
    pub fn into_raw(self) -> usize {
        let fd = self.fd;
        core::mem::forget(self);
        fd
    }

    /// A copy with the rights of this fd masked by `rights` (needs
    /// [`rights::DUP`]; rights never grow).
    pub fn dup(&self, rights: u32) -> Result<OwnedFd> {
        // SAFETY: `dup` only reads its integer arguments.
        let fd = unsafe { syscall2(Syscall::Dup as usize, self.fd, rights as usize) }?;
        Ok(OwnedFd { fd })
    }

    /// Object type, rights and flags.
    pub fn info(&self) -> Result<FdInfo> {
        info(self.fd)
    }

    /// Sets [`O_CLOEXEC`] and [`O_NONBLOCK`].
    pub fn set_flags(&self, flags: usize) -> Result<()> {
        // SAFETY: integer arguments only.
        unsafe { syscall2(Syscall::SetFdFlags as usize, self.fd, flags) }.map(drop)
    }
}

impl Drop for OwnedFd {
    fn drop(&mut self) {
        // SAFETY: this value owns the fd; nothing uses it afterwards.
        let _ = unsafe { syscall1(Syscall::Close as usize, self.fd) };
    }
}

impl Read for OwnedFd {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        read_fd(self.fd, buf)
    }
}

impl Write for OwnedFd {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        write_fd(self.fd, buf)
    }
}

/// The type, rights and flags of any fd.
pub fn info(fd: usize) -> Result<FdInfo> {
    let mut info = FdInfo::default();
    // SAFETY: the kernel writes one `FdInfo` into `info`.
    unsafe { syscall2(Syscall::FdInfo as usize, fd, (&raw mut info) as usize) }?;
    Ok(info)
}

/// Copies `fd` to `new_fd` (closing what was there) with rights masked by
/// `rights`; the caller owns `new_fd` afterwards.
pub fn dup2(fd: usize, new_fd: usize, rights: u32) -> Result<usize> {
    // SAFETY: integer arguments only.
    unsafe { syscall3(Syscall::Dup2 as usize, fd, new_fd, rights as usize) }
}

/// Closes `fd` (one the caller holds as a plain number, not an
/// [`OwnedFd`]).
pub fn close(fd: usize) -> Result<()> {
    // SAFETY: integer argument only.
    unsafe { syscall1(Syscall::Close as usize, fd) }.map(drop)
}

/// A new pipe: (read end, write end). `flags`: [`O_CLOEXEC`], [`O_NONBLOCK`].
pub fn pipe(flags: usize) -> Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0usize; 2];
    // SAFETY: the kernel writes two fds into `fds`.
    unsafe { syscall2(Syscall::Pipe2 as usize, (&raw mut fds) as usize, flags) }?;
    Ok((OwnedFd { fd: fds[0] }, OwnedFd { fd: fds[1] }))
}

impl OwnedFd {
    /// Reads at `offset` without moving the fd's position.
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        crate::io::read_at_fd(self.fd, buf, offset)
    }

    /// Writes at `offset` without moving the fd's position.
    pub fn write_at(&self, buf: &[u8], offset: u64) -> Result<usize> {
        crate::io::write_at_fd(self.fd, buf, offset)
    }

    /// Asks the scheme serving this fd for a new, derived handle (`request`
    /// tells the server what kind, e.g. `accept`).
    pub fn scheme_dup(&self, request: &[u8]) -> Result<OwnedFd> {
        OwnedFd::scheme_dup_raw(self.fd, request)
    }

    /// [`OwnedFd::scheme_dup`] of an fd this process does not own as an
    /// `OwnedFd` (e.g. standard input).
    pub fn scheme_dup_raw(fd: usize, request: &[u8]) -> Result<OwnedFd> {
        // SAFETY: the kernel reads `request.len()` bytes of `request`.
        let fd = unsafe { syscall3(Syscall::SchemeDup as usize, fd, request.as_ptr() as usize, request.len()) }?;
        Ok(OwnedFd { fd })
    }
}

/// `fcntl`: `F_DUPFD`/`F_DUPFD_CLOEXEC`, `F_GETFD`/`F_SETFD`,
/// `F_GETFL`/`F_SETFL`.
pub fn fcntl(fd: usize, command: usize, argument: usize) -> Result<usize> {
    // SAFETY: integer arguments only.
    unsafe { syscall3(Syscall::Fcntl as usize, fd, command, argument) }
}
