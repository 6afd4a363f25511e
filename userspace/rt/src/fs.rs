//! Files: [`File`] (open with [`OpenOptions`], read, write, seek, stat,
//! close on drop), [`Metadata`], directories ([`read_dir`], [`create_dir`]),
//! links, permissions, owners and times, and the whole-file helpers
//! [`read`], [`read_to_string`], [`write`]. Relative paths start at the
//! working directory, or at a directory [`File`] with
//! [`OpenOptions::open_at`].
//!
//! Depends on [`crate::sys`], [`crate::io`] and `cairn-abi` (`O_*`,
//! `SEEK_*`, `Stat`, `MODE_*`).

use alloc::string::String;
use alloc::vec::Vec;

use cairn_abi::{
    AT_FDCWD, AT_SYMLINK_NOFOLLOW, MODE_DIR, MODE_FILE, MODE_PERM, MODE_SYMLINK, MODE_TYPE, O_APPEND, O_CLOEXEC,
    O_CREAT, O_DIRECTORY, O_EXCL, O_RDONLY, O_RDWR, O_STAT, O_TRUNC, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET, Stat,
    StatVfs, Syscall, TimeSpec, UTIME_NOW, UTIME_OMIT,
};

use crate::error::Result;
use crate::io::{Read, Write, read_fd, write_fd};
use crate::sys::{syscall1, syscall2, syscall3, syscall4, syscall5, syscall6};

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

/// How to open a file, as `std::fs::OpenOptions`; new files get `mode`
/// (default `0o666`, less whatever the caller masks off itself).
#[derive(Clone, Copy, Debug)]
pub struct OpenOptions {
    read: bool,
    write: bool,
    append: bool,
    truncate: bool,
    create: bool,
    create_new: bool,
    mode: u16,
    flags: usize,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions::new()
    }
}

impl OpenOptions {
    pub fn new() -> OpenOptions {
        OpenOptions {
            read: false,
            write: false,
            append: false,
            truncate: false,
            create: false,
            create_new: false,
            mode: 0o666,
            flags: O_CLOEXEC,
        }
    }

    pub fn read(&mut self, read: bool) -> &mut Self {
        self.read = read;
        self
    }

    pub fn write(&mut self, write: bool) -> &mut Self {
        self.write = write;
        self
    }

    /// Every write goes to the end (implies write).
    pub fn append(&mut self, append: bool) -> &mut Self {
        self.append = append;
        self
    }

    pub fn truncate(&mut self, truncate: bool) -> &mut Self {
        self.truncate = truncate;
        self
    }

    pub fn create(&mut self, create: bool) -> &mut Self {
        self.create = create;
        self
    }

    /// Create, failing if the file exists.
    pub fn create_new(&mut self, create_new: bool) -> &mut Self {
        self.create_new = create_new;
        self
    }

    /// Permission bits of a created file.
    pub fn mode(&mut self, mode: u16) -> &mut Self {
        self.mode = mode;
        self
    }

    /// Extra `O_*` flags (`O_DIRECTORY`, `O_NOFOLLOW`, `O_NONBLOCK`,
    /// `O_STAT`...). Files are opened close-on-exec unless these replace it.
    pub fn custom_flags(&mut self, flags: usize) -> &mut Self {
        self.flags = flags;
        self
    }

    fn open_flags(&self) -> usize {
        let access = match (self.read, self.write || self.append) {
            (_, false) => O_RDONLY,
            (false, true) => O_WRONLY,
            (true, true) => O_RDWR,
        };
        let mut flags = access | self.flags;
        for (set, flag) in [
            (self.append, O_APPEND),
            (self.truncate, O_TRUNC),
            (self.create || self.create_new, O_CREAT),
            (self.create_new, O_EXCL),
        ] {
            if set {
                flags |= flag;
            }
        }
        flags
    }

    /// Opens `path` (relative paths from the working directory).
    pub fn open(&self, path: &str) -> Result<File> {
        open_at(AT_FDCWD, path, self.open_flags(), self.mode)
    }

    /// Opens `path` relative to the directory `dir`.
    pub fn open_at(&self, dir: &File, path: &str) -> Result<File> {
        open_at(dir.fd, path, self.open_flags(), self.mode)
    }
}

fn open_at(dirfd: usize, path: &str, flags: usize, mode: u16) -> Result<File> {
    // SAFETY: the kernel reads `path.len()` bytes of `path`.
    let fd = unsafe {
        syscall5(Syscall::Openat as usize, dirfd, path.as_ptr() as usize, path.len(), flags, usize::from(mode))
    }?;
    Ok(File { fd })
}

/// A time to give a file with [`set_times`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileTime {
    /// The current time.
    Now,
    /// Leave it as it is.
    Unchanged,
    /// Seconds and nanoseconds since the Unix epoch.
    At(u64, u32),
}

impl FileTime {
    fn timespec(self) -> TimeSpec {
        match self {
            FileTime::Now => TimeSpec { tv_sec: 0, tv_nsec: UTIME_NOW },
            FileTime::Unchanged => TimeSpec { tv_sec: 0, tv_nsec: UTIME_OMIT },
            FileTime::At(seconds, nanos) => TimeSpec { tv_sec: seconds as i64, tv_nsec: nanos as i32 },
        }
    }
}

/// `fchmodat`/`fchownat`/`utimensat`: an empty `path` acts on `dirfd`.
fn set_mode(dirfd: usize, path: &str, mode: u16) -> Result<()> {
    // SAFETY: the kernel reads `path.len()` bytes of `path`.
    unsafe { syscall4(Syscall::Fchmodat as usize, dirfd, path.as_ptr() as usize, path.len(), usize::from(mode)) }
        .map(drop)
}

fn set_owner(dirfd: usize, path: &str, uid: Option<u32>, gid: Option<u32>) -> Result<()> {
    let id = |value: Option<u32>| value.unwrap_or(u32::MAX) as usize;
    // SAFETY: the kernel reads `path.len()` bytes of `path`.
    unsafe { syscall5(Syscall::Fchownat as usize, dirfd, path.as_ptr() as usize, path.len(), id(uid), id(gid)) }
        .map(drop)
}

fn set_file_times(dirfd: usize, path: &str, accessed: FileTime, modified: FileTime) -> Result<()> {
    let times = [accessed.timespec(), modified.timespec()];
    // SAFETY: the kernel reads `path` and the two `TimeSpec`s.
    unsafe { syscall4(Syscall::Utimensat as usize, dirfd, path.as_ptr() as usize, path.len(), times.as_ptr() as usize) }
        .map(drop)
}

impl File {
    /// Opens `path` for reading.
    pub fn open(path: &str) -> Result<File> {
        OpenOptions::new().read(true).open(path)
    }

    /// Creates (or truncates) `path` for writing.
    pub fn create(path: &str) -> Result<File> {
        OpenOptions::new().write(true).create(true).truncate(true).open(path)
    }

    /// Sets the length, cutting or extending with zeroes.
    pub fn set_len(&self, len: u64) -> Result<()> {
        // SAFETY: integer arguments only.
        unsafe { syscall2(Syscall::Ftruncate as usize, self.fd, len as usize) }.map(drop)
    }

    /// Writes the file's data through to its storage.
    pub fn sync_all(&self) -> Result<()> {
        // SAFETY: integer argument only.
        unsafe { syscall1(Syscall::Fsync as usize, self.fd) }.map(drop)
    }

    /// Sets the permission bits.
    pub fn set_permissions(&self, mode: u16) -> Result<()> {
        set_mode(self.fd, "", mode)
    }

    /// Sets owner and/or group.
    pub fn chown(&self, uid: Option<u32>, gid: Option<u32>) -> Result<()> {
        set_owner(self.fd, "", uid, gid)
    }

    /// Sets the access and modification times.
    pub fn set_times(&self, accessed: FileTime, modified: FileTime) -> Result<()> {
        set_file_times(self.fd, "", accessed, modified)
    }

    /// Statistics of the file system holding the file.
    pub fn statvfs(&self) -> Result<StatVfs> {
        let mut statistics = StatVfs::default();
        // SAFETY: the kernel writes one `StatVfs`.
        unsafe { syscall2(Syscall::Fstatvfs as usize, self.fd, (&raw mut statistics) as usize) }?;
        Ok(statistics)
    }

    /// Makes this directory the working directory.
    pub fn chdir(&self) -> Result<()> {
        // SAFETY: integer argument only.
        unsafe { syscall1(Syscall::Fchdir as usize, self.fd) }.map(drop)
    }

    /// Reads at `offset` without moving the position (`pread`).
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        crate::io::read_at_fd(self.fd, buf, offset)
    }

    /// Writes at `offset` without moving the position (`pwrite`).
    pub fn write_at(&self, buf: &[u8], offset: u64) -> Result<usize> {
        crate::io::write_at_fd(self.fd, buf, offset)
    }

    /// Takes ownership of `fd` (an inherited one, say).
    ///
    /// # Safety
    /// `fd` must be open and owned by nothing else: it is closed on drop.
    pub unsafe fn from_raw_fd(fd: usize) -> File {
        File { fd }
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

impl Write for File {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        write_fd(self.fd, buf)
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

    pub fn is_symlink(&self) -> bool {
        self.stat.st_mode & MODE_TYPE == MODE_SYMLINK
    }

    /// Whether the file is a block device (a disk).
    pub fn is_block_device(&self) -> bool {
        self.stat.st_mode & MODE_TYPE == cairn_abi::MODE_BLOCK
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

/// Writes `data` as the whole contents of `path` (created if missing).
pub fn write(path: &str, data: &[u8]) -> Result<()> {
    File::create(path)?.write_all(data)
}

/// Metadata of the file at `path` (symbolic links followed). Needs no
/// permission on the file itself.
pub fn metadata(path: &str) -> Result<Metadata> {
    stat_at(AT_FDCWD, path, 0)
}

/// Metadata of `path` itself, not following a final symbolic link.
pub fn symlink_metadata(path: &str) -> Result<Metadata> {
    stat_at(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW)
}

/// `fstatat`: the metadata of `path` relative to `dirfd`, without an fd.
fn stat_at(dirfd: usize, path: &str, flags: usize) -> Result<Metadata> {
    let mut stat = Stat::default();
    // SAFETY: the kernel reads `path.len()` bytes of `path` and writes one
    // `Stat` into `stat`.
    unsafe {
        syscall5(Syscall::Fstatat as usize, dirfd, path.as_ptr() as usize, path.len(), flags, (&raw mut stat) as usize)
    }?;
    Ok(Metadata { stat })
}

/// Sets the permission bits of `path`.
pub fn set_permissions(path: &str, mode: u16) -> Result<()> {
    set_mode(AT_FDCWD, path, mode)
}

/// Sets the owner and/or group of `path`.
pub fn chown(path: &str, uid: Option<u32>, gid: Option<u32>) -> Result<()> {
    set_owner(AT_FDCWD, path, uid, gid)
}

/// Sets the access and modification times of `path`.
pub fn set_times(path: &str, accessed: FileTime, modified: FileTime) -> Result<()> {
    set_file_times(AT_FDCWD, path, accessed, modified)
}

/// Statistics of the file system holding `path`.
pub fn statvfs(path: &str) -> Result<StatVfs> {
    OpenOptions::new().custom_flags(O_STAT | O_CLOEXEC).open(path)?.statvfs()
}

/// A second name `link` for the file `original`.
pub fn hard_link(original: &str, link: &str) -> Result<()> {
    // SAFETY: the kernel reads both strings.
    unsafe {
        syscall6(
            Syscall::Linkat as usize,
            AT_FDCWD,
            original.as_ptr() as usize,
            original.len(),
            AT_FDCWD,
            link.as_ptr() as usize,
            link.len(),
        )
    }
    .map(drop)
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
    unsafe { syscall4(Syscall::Rename as usize, from.as_ptr() as usize, from.len(), to.as_ptr() as usize, to.len()) }
        .map(drop)
}

/// Creates the symbolic link `link` pointing at `target`.
pub fn symlink(target: &str, link: &str) -> Result<()> {
    // SAFETY: the kernel reads both strings.
    unsafe {
        syscall4(Syscall::Symlink as usize, target.as_ptr() as usize, target.len(), link.as_ptr() as usize, link.len())
    }
    .map(drop)
}

/// The target of symbolic link `path`.
pub fn read_link(path: &str) -> Result<String> {
    let mut buffer = alloc::vec![0u8; 4096];
    // SAFETY: the kernel writes at most `buffer.len()` bytes into `buffer`.
    let len = unsafe {
        syscall4(
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
    let dir = OpenOptions::new().read(true).custom_flags(O_DIRECTORY | O_CLOEXEC).open(path)?;
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
