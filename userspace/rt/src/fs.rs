//! Files: [`File`] (open, read, seek, stat, close on drop), [`Metadata`]
//! and the whole-file helpers [`read`], [`read_to_string`], [`metadata`].
//! Today every path names a file of the read-only initfs.
//!
//! Depends on [`crate::sys`], [`crate::io`] and `cairn-abi` (`O_*`,
//! `SEEK_*`, `Stat`, `MODE_*`).

use alloc::string::String;
use alloc::vec::Vec;

use cairn_abi::{MODE_DIR, MODE_FILE, MODE_PERM, MODE_TYPE, O_RDONLY, SEEK_CUR, SEEK_END, SEEK_SET, Stat, Syscall};

use crate::error::Result;
use crate::io::{Read, read_fd};
use crate::sys::{syscall1, syscall2, syscall3};

/// Most bytes `read_to_end` asks for in one `read`.
const READ_WINDOW: usize = 256 * 1024;

/// An open file; closed when dropped.
#[derive(Debug)]
pub struct File {
    fd: usize,
}

/// Where [`File::seek`] counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeekFrom {
    Start(u64),
    End(i64),
    Current(i64),
}

impl File {
    /// Opens `path` for reading.
    pub fn open(path: &str) -> Result<File> {
        // SAFETY: the kernel reads `path.len()` bytes of `path`.
        let fd = unsafe { syscall3(Syscall::Open as usize, path.as_ptr() as usize, path.len(), O_RDONLY)? };
        Ok(File { fd })
    }

    /// The file descriptor (still owned by this `File`).
    pub fn as_raw_fd(&self) -> usize {
        self.fd
    }

    /// Gives up ownership of the fd without closing it.
    pub fn into_raw_fd(self) -> usize {
        let fd = self.fd;
        core::mem::forget(self);
        fd
    }

    /// The file's size and type.
    pub fn metadata(&self) -> Result<Metadata> {
        let mut stat = Stat::default();
        // SAFETY: the kernel writes one `Stat` into `stat`.
        unsafe { syscall2(Syscall::Fstat as usize, self.fd, (&raw mut stat) as usize)? };
        Ok(Metadata { stat })
    }

    /// Moves the file offset; returns the new offset.
    pub fn seek(&mut self, pos: SeekFrom) -> Result<u64> {
        let (offset, whence) = match pos {
            SeekFrom::Start(n) => (n as usize, SEEK_SET),
            SeekFrom::End(n) => (n as usize, SEEK_END),
            SeekFrom::Current(n) => (n as usize, SEEK_CUR),
        };
        // SAFETY: plain integer arguments.
        let at = unsafe { syscall3(Syscall::Lseek as usize, self.fd, offset, whence)? };
        Ok(at as u64)
    }
}

impl Read for File {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        read_fd(self.fd, buf)
    }

    fn read_to_end(&mut self, buf: &mut Vec<u8>) -> Result<usize> {
        // Reserve the remaining size up front, then read straight into it.
        let start = buf.len();
        if let Ok(meta) = self.metadata() {
            buf.reserve(usize::try_from(meta.len()).unwrap_or(0));
        }
        loop {
            if buf.capacity() == buf.len() {
                buf.reserve(4096);
            }
            // Zero at most one window per read, so the cost stays linear.
            let old = buf.len();
            buf.resize(buf.capacity().min(old + READ_WINDOW), 0);
            match read_fd(self.fd, &mut buf[old..]) {
                Ok(0) => {
                    buf.truncate(old);
                    return Ok(old - start);
                }
                Ok(n) => buf.truncate(old + n),
                Err(e) => {
                    buf.truncate(old);
                    return Err(e);
                }
            }
        }
    }
}

impl Drop for File {
    fn drop(&mut self) {
        // SAFETY: this `File` owns `fd`; nothing uses it afterwards. A failed
        // close leaves nothing to clean up.
        let _ = unsafe { syscall1(Syscall::Close as usize, self.fd) };
    }
}

/// What `fstat` says about a file.
#[derive(Clone, Copy, Debug)]
pub struct Metadata {
    stat: Stat,
}

impl Metadata {
    /// Size in bytes.
    pub fn len(&self) -> u64 {
        self.stat.st_size
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.stat.st_size == 0
    }

    pub fn is_dir(&self) -> bool {
        self.stat.st_mode & MODE_TYPE == MODE_DIR
    }

    pub fn is_file(&self) -> bool {
        self.stat.st_mode & MODE_TYPE == MODE_FILE
    }

    /// Permission bits.
    pub fn permissions(&self) -> u16 {
        self.stat.st_mode & MODE_PERM
    }

    /// The raw `Stat`.
    pub fn stat(&self) -> &Stat {
        &self.stat
    }
}

/// The whole contents of the file at `path`.
pub fn read(path: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    File::open(path)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The whole contents of the file at `path`, as UTF-8 text.
pub fn read_to_string(path: &str) -> Result<String> {
    let mut text = String::new();
    File::open(path)?.read_to_string(&mut text)?;
    Ok(text)
}

/// Metadata of the file at `path`.
pub fn metadata(path: &str) -> Result<Metadata> {
    File::open(path)?.metadata()
}

/// Creates directory `path` with permission bits `mode`.
pub fn create_dir(path: &str, mode: u16) -> Result<()> {
    // SAFETY: the kernel reads `path.len()` bytes of `path`.
    unsafe { syscall3(Syscall::Mkdir as usize, path.as_ptr() as usize, path.len(), usize::from(mode)) }.map(drop)
}

/// Removes the empty directory `path`.
pub fn remove_dir(path: &str) -> Result<()> {
    // SAFETY: the kernel reads `path.len()` bytes of `path`.
    unsafe { syscall2(Syscall::Rmdir as usize, path.as_ptr() as usize, path.len()) }.map(drop)
}

/// Removes the file (or symbolic link) `path`.
pub fn remove_file(path: &str) -> Result<()> {
    // SAFETY: the kernel reads `path.len()` bytes of `path`.
    unsafe { syscall2(Syscall::Unlink as usize, path.as_ptr() as usize, path.len()) }.map(drop)
}

/// Renames `from` to `to` (POSIX semantics: replaces a file or an empty
/// directory).
pub fn rename(from: &str, to: &str) -> Result<()> {
    // SAFETY: the kernel reads both strings.
    unsafe {
        crate::sys::syscall4(
            Syscall::Rename as usize,
            from.as_ptr() as usize,
            from.len(),
            to.as_ptr() as usize,
            to.len(),
        )
    }
    .map(drop)
}

/// Creates the symbolic link `link` pointing at `target`.
pub fn symlink(target: &str, link: &str) -> Result<()> {
    // SAFETY: the kernel reads both strings.
    unsafe {
        crate::sys::syscall4(
            Syscall::Symlink as usize,
            target.as_ptr() as usize,
            target.len(),
            link.as_ptr() as usize,
            link.len(),
        )
    }
    .map(drop)
}

/// The target of symbolic link `path`.
pub fn read_link(path: &str) -> Result<String> {
    let mut buffer = alloc::vec![0u8; 4096];
    // SAFETY: the kernel writes at most `buffer.len()` bytes into `buffer`.
    let len = unsafe {
        crate::sys::syscall4(
            Syscall::Readlink as usize,
            path.as_ptr() as usize,
            path.len(),
            buffer.as_mut_ptr() as usize,
            buffer.len(),
        )
    }?;
    buffer.truncate(len);
    String::from_utf8(buffer).map_err(|_| crate::error::Error::InvalidUtf8)
}

/// What a directory entry names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
}

/// The names and kinds of the entries of directory `path`.
pub fn read_dir(path: &str) -> Result<Vec<(String, EntryKind)>> {
    // SAFETY: the kernel reads `path.len()` bytes of `path`.
    let fd = unsafe {
        syscall3(Syscall::Open as usize, path.as_ptr() as usize, path.len(), O_RDONLY | cairn_abi::O_DIRECTORY)
    }?;
    let dir = File { fd };
    let mut entries = Vec::new();
    let mut buffer = alloc::vec![0u8; 4096];
    loop {
        // SAFETY: the kernel writes at most `buffer.len()` bytes.
        let len = unsafe { syscall3(Syscall::Getdents as usize, dir.fd, buffer.as_mut_ptr() as usize, buffer.len()) }?;
        if len == 0 {
            return Ok(entries);
        }
        let mut at = 0;
        while at + 2 <= len {
            let (kind, name_len) = (buffer[at], usize::from(buffer[at + 1]));
            let name = core::str::from_utf8(buffer.get(at + 2..at + 2 + name_len).unwrap_or(&[]))?;
            let kind = match kind {
                cairn_abi::scheme::DIRENT_DIR => EntryKind::Dir,
                cairn_abi::scheme::DIRENT_SYMLINK => EntryKind::Symlink,
                _ => EntryKind::File,
            };
            entries.push((String::from(name), kind));
            at += 2 + name_len;
        }
    }
}
