//! Linux's x86-64 system-call interface as data, and its pure translation
//! into Cairn's: system call numbers, `open`/`mmap`/`pipe2` flags, clocks,
//! `struct stat`, `struct timespec`, directory records, signal actions,
//! `clone` flags and `futex` operations, `struct sysinfo`. `libc-shim` (the Rust half of Cairn's C library) does the
//! calls; everything here is plain data conversion, tested on the host.
//!
//! Linux's errno values are the numbers Cairn already uses (`cairn_abi`
//! takes them from `redox_syscall`, which uses Linux's), so results pass
//! through unchanged; the tests check the ones the shim relies on.
//!
//! Depends on `cairn-abi` and `core`.
#![no_std]

#[cfg(test)]
extern crate std;

pub mod clone;
pub mod dirent;
pub mod flags;
pub mod nr;
pub mod signal;
pub mod stat;
pub mod sysinfo;

/// The system's identity as `uname` reports it (the same values as the
/// `uname` utility in `userspace/coreutils`).
pub mod uname {
    pub const SYSNAME: &str = "Cairn";
    pub const NODENAME: &str = "cairn";
    pub const RELEASE: &str = "0.1.0";
    pub const VERSION: &str = "#1";
    pub const MACHINE: &str = "x86_64";

    /// Linux's `struct utsname`: six fields of 65 bytes.
    pub const FIELD_LEN: usize = 65;

    /// Fills a `struct utsname` (6 × 65 bytes, NUL-terminated fields).
    pub fn fill(out: &mut [u8; 6 * FIELD_LEN]) {
        out.fill(0);
        for (i, value) in [SYSNAME, NODENAME, RELEASE, VERSION, MACHINE, "(none)"].iter().enumerate() {
            out[i * FIELD_LEN..i * FIELD_LEN + value.len()].copy_from_slice(value.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use cairn_abi::error;

    #[test]
    fn errno_values_are_linux_values() {
        // Linux x86-64's numbers (asm-generic/errno-base.h, errno.h).
        let linux = [
            (error::EPERM, 1),
            (error::ENOENT, 2),
            (error::EINTR, 4),
            (error::EIO, 5),
            (error::EBADF, 9),
            (error::ECHILD, 10),
            (error::EAGAIN, 11),
            (error::ENOMEM, 12),
            (error::EACCES, 13),
            (error::EFAULT, 14),
            (error::EEXIST, 17),
            (error::ENOTDIR, 20),
            (error::EISDIR, 21),
            (error::EINVAL, 22),
            (error::EMFILE, 24),
            (error::ENOTTY, 25),
            (error::ENOSPC, 28),
            (error::ESPIPE, 29),
            (error::EROFS, 30),
            (error::EPIPE, 32),
            (error::ERANGE, 34),
            (error::ENAMETOOLONG, 36),
            (error::ENOSYS, 38),
            (error::ENOTEMPTY, 39),
            (error::ELOOP, 40),
            (error::ETIMEDOUT, 110),
        ];
        for (cairn, linux) in linux {
            assert_eq!(cairn, linux);
        }
    }

    #[test]
    fn uname_fields_are_terminated() {
        let mut buf = [0xffu8; 6 * super::uname::FIELD_LEN];
        super::uname::fill(&mut buf);
        assert_eq!(&buf[..6], b"Cairn\0");
        assert_eq!(&buf[4 * 65..4 * 65 + 7], b"x86_64\0");
        assert!(buf.chunks(65).all(|field| field.contains(&0)));
    }
}
