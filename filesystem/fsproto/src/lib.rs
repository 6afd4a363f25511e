//! What every file-system scheme server (tmpfs, ext2fs) does the same way
//! with the scheme protocol (docs/ABI.md "The scheme protocol"), apart
//! from the file system behind it: decoding paths, open flags, times and
//! owners from requests; the table of open handles with their positions,
//! `lseek` and `fcntl`; packing `GETDENTS` answers; the bases relative
//! paths start from (with `PATH_BENEATH`); `MMAP` answered with a private
//! copy; and ABI structures as bytes.
//!
//! Depends on `cairn-rt` (the ABI) and `cairn-fsrules`.
#![no_std]

use cairn_fsrules::{Base, Caller, OpenOptions, TimeSet};
use cairn_rt::Vec;
use cairn_rt::abi::error::{EACCES, EBADF, EINVAL, ENODEV};
use cairn_rt::abi::scheme::{self as op, Request, TIME_NOW, TIME_OMIT};
use cairn_rt::abi::{
    F_GETFL, F_SETFL, MapFlags, O_ACCMODE, O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDONLY, O_STAT,
    O_TRUNC, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET,
};
use cairn_rt::collections::BTreeMap;
use cairn_rt::fd::OwnedFd;
use cairn_rt::time::{SystemTime, UNIX_EPOCH};

/// Nanoseconds since the Unix epoch, from the realtime clock.
pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

/// A path from a request payload.
pub fn path(payload: &[u8]) -> Result<&str, i32> {
    core::str::from_utf8(payload).map_err(|_| EINVAL)
}

/// Two paths joined by a NUL (RENAME, LINK, SYMLINK).
pub fn path_pair(payload: &[u8]) -> Result<(&str, &str), i32> {
    let split = payload.iter().position(|b| *b == 0).ok_or(EINVAL)?;
    Ok((path(&payload[..split])?, path(&payload[split + 1..])?))
}

/// A `UTIMENS` time value.
pub fn time_set(value: u64) -> TimeSet {
    match value {
        TIME_NOW => TimeSet::Now,
        TIME_OMIT => TimeSet::Omit,
        at => TimeSet::At(at),
    }
}

/// A `CHOWN` id (`u32::MAX`: unchanged).
pub fn owner_id(value: u64) -> Option<u32> {
    u32::try_from(value).ok().filter(|id| *id != u32::MAX)
}

/// Who sent a request.
pub fn caller(request: &Request) -> Caller {
    Caller { uid: request.caller_uid, gid: request.caller_gid }
}

/// The permission bits of a `MKDIR`/`OPEN` mode argument.
pub fn mode_bits(mode: u64) -> u16 {
    (mode & 0o7777) as u16
}

/// Nanoseconds since the epoch as seconds and nanoseconds.
pub fn split_time(time: u64) -> (u64, u32) {
    (time / 1_000_000_000, (time % 1_000_000_000) as u32)
}

/// Plain-old-data bytes of an ABI structure.
pub fn bytes_of<T: Copy>(value: &T) -> Vec<u8> {
    // SAFETY: ABI structures are plain old data, `size_of::<T>()` bytes at
    // the reference's address.
    unsafe { core::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }.to_vec()
}

/// `OPEN`'s answer: the new handle's id and, for an `O_STAT` open, the
/// file's `Stat` (from `stat`, given the id) as payload, so that the
/// kernel's `fstatat` takes one round trip (docs/ABI.md, `OPEN`).
pub fn open_answer(
    flags: usize,
    opened: Result<usize, i32>,
    stat: impl FnOnce(u64) -> Result<Vec<u8>, i32>,
) -> (Result<usize, i32>, Vec<u8>) {
    let payload = match opened {
        Ok(id) if flags & O_STAT != 0 => stat(id as u64).unwrap_or_default(),
        _ => Vec::new(),
    };
    (opened, payload)
}

/// What an `OPEN` asks: only to look (`O_STAT`: stat, chmod..., with
/// `no_follow` for the link itself), or to open with these options.
#[derive(Clone, Copy, Debug)]
pub enum OpenRequest {
    Stat { no_follow: bool },
    Open(OpenOptions),
}

impl OpenRequest {
    /// From `OPEN`'s flags.
    pub fn from_flags(flags: usize) -> OpenRequest {
        let access = flags & O_ACCMODE;
        if flags & O_STAT != 0 {
            return OpenRequest::Stat { no_follow: flags & O_NOFOLLOW != 0 };
        }
        OpenRequest::Open(OpenOptions {
            read: access != O_WRONLY,
            write: access != O_RDONLY,
            create: flags & O_CREAT != 0,
            exclusive: flags & O_EXCL != 0,
            truncate: flags & O_TRUNC != 0,
            directory: flags & O_DIRECTORY != 0,
            no_follow: flags & O_NOFOLLOW != 0,
        })
    }
}

/// One open handle on node `N`.
#[derive(Clone, Copy, Debug)]
pub struct Handle<N> {
    pub node: N,
    pub position: u64,
    pub append: bool,
    pub readable: bool,
    pub writable: bool,
    /// Next directory entry `GETDENTS` returns.
    pub cursor: usize,
}

impl<N> Handle<N> {
    /// A handle on `node` as `OPEN`'s `flags` ask.
    pub fn opened(node: N, flags: usize) -> Handle<N> {
        let (data, access) = (flags & O_STAT == 0, flags & O_ACCMODE);
        Handle {
            node,
            position: 0,
            append: flags & O_APPEND != 0,
            readable: data && access != O_WRONLY,
            writable: data && access != O_RDONLY,
            cursor: 0,
        }
    }

    /// Where a read or write starts: `args[1]` for `pread`/`pwrite`, else
    /// the handle's position (`Some(position)` then, to move it after).
    pub fn offset(&self, request: &Request) -> (u64, bool) {
        if request.args[2] == op::POSITIONED { (request.args[1], false) } else { (self.position, true) }
    }

    /// `lseek` to `args[0]` from `args[1]` (`SEEK_SET`/`CUR`/`END`) in a
    /// node of `size` bytes.
    pub fn seek(&mut self, request: &Request, size: u64) -> Result<usize, i32> {
        let base = match request.args[1] as usize {
            SEEK_SET => 0,
            SEEK_CUR => self.position as i64,
            SEEK_END => size as i64,
            _ => return Err(EINVAL),
        };
        let target = base.checked_add(request.args[0] as i64).filter(|t| *t >= 0).ok_or(EINVAL)?;
        self.position = target as u64;
        Ok(target as usize)
    }

    /// `fcntl`: `F_GETFL` and `F_SETFL` with `O_APPEND`.
    pub fn fcntl(&mut self, request: &Request) -> Result<usize, i32> {
        match request.args[0] as usize {
            F_GETFL => Ok(if self.append { O_APPEND } else { 0 }),
            F_SETFL => {
                self.append = request.args[1] as usize & O_APPEND != 0;
                Ok(0)
            }
            _ => Err(EINVAL),
        }
    }
}

/// The open handles by id.
pub struct Handles<N> {
    table: BTreeMap<u64, Handle<N>>,
    next: u64,
}

impl<N: Copy> Default for Handles<N> {
    fn default() -> Self {
        Handles { table: BTreeMap::new(), next: 1 }
    }
}

impl<N: Copy> Handles<N> {
    pub fn get(&mut self, id: u64) -> Result<&mut Handle<N>, i32> {
        self.table.get_mut(&id).ok_or(EBADF)
    }

    /// Adds `handle`; returns its id.
    pub fn add(&mut self, handle: Handle<N>) -> usize {
        let id = self.next;
        self.next += 1;
        self.table.insert(id, handle);
        id as usize
    }

    pub fn remove(&mut self, id: u64) -> Option<Handle<N>> {
        self.table.remove(&id)
    }

    /// The directory handle `id` (0: `root`) as a base, confined to it when
    /// `beneath`.
    pub fn base(&self, id: u64, beneath: bool, root: N) -> Result<Base<N>, i32> {
        let node = match id {
            0 => root,
            id => self.table.get(&id).map(|h| h.node).ok_or(EBADF)?,
        };
        Ok(Base { node, beneath })
    }

    /// The base a request's relative path starts at ([`op::PATH_BENEATH`]).
    pub fn request_base(&self, request: &Request, root: N) -> Result<Base<N>, i32> {
        self.base(request.handle, request.args[2] & op::PATH_BENEATH != 0, root)
    }

    /// The base of the new path of `RENAME`/`LINK` ([`op::PATH_BENEATH_NEW`]).
    pub fn new_path_base(&self, request: &Request, root: N) -> Result<Base<N>, i32> {
        self.base(request.args[0], request.args[2] & op::PATH_BENEATH_NEW != 0, root)
    }
}

/// Packs directory entries (`kind`, name) from `cursor` into a `GETDENTS`
/// answer of at most `wanted` bytes; returns the payload and how many
/// entries it holds. An entry that does not fit an empty answer is
/// `EINVAL`.
pub fn pack_entries<'a>(
    entries: impl Iterator<Item = (u8, &'a [u8])>,
    cursor: usize,
    wanted: usize,
) -> Result<(Vec<u8>, usize), i32> {
    let mut out = Vec::new();
    let mut taken = 0;
    let mut left = false;
    for (kind, name) in entries.skip(cursor) {
        if out.len() + 2 + name.len() > wanted || name.len() > usize::from(u8::MAX) {
            left = true;
            break;
        }
        out.push(kind);
        out.push(name.len() as u8);
        out.extend_from_slice(name);
        taken += 1;
    }
    if taken == 0 && left {
        return Err(EINVAL);
    }
    Ok((out, taken))
}

/// Answers `MMAP` (`args` = offset, length, `MapFlags`) with a memory
/// object holding a copy of the file's bytes from the offset, as `read`
/// gives them (right for `MAP_PRIVATE`; the client maps the object).
/// Shared mappings are `ENODEV`: the file's bytes do not live in a memory
/// object. A handle not open for reading is `EACCES`.
pub fn private_copy(
    request: &Request,
    readable: bool,
    read: impl FnOnce(u64, usize) -> Result<Vec<u8>, i32>,
) -> Result<OwnedFd, i32> {
    if !readable {
        return Err(EACCES);
    }
    let flags = MapFlags::from_bits_truncate(request.args[2] as usize);
    if flags.contains(MapFlags::MAP_SHARED) {
        return Err(ENODEV);
    }
    let (offset, len) = (request.args[0], usize::try_from(request.args[1]).map_err(|_| EINVAL)?);
    let size = usize::try_from(offset.checked_add(len as u64).ok_or(EINVAL)?).map_err(|_| EINVAL)?;
    let memory = cairn_rt::sys::memory_create(size).map_err(|_| ENODEV)?;
    let data = read(offset, len)?;
    let copied = data.len().min(len);
    let writable = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
    // SAFETY: a fresh mapping of the new object, placed by the kernel.
    let address = unsafe { cairn_rt::sys::mmap(0, size, writable, memory.as_raw(), 0) }.map_err(|_| ENODEV)?;
    // SAFETY: the mapping is `size` writable bytes and `offset + copied <= size`.
    unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), (address + offset as usize) as *mut u8, copied) };
    // SAFETY: the mapping made above; nothing refers to it any more.
    let _ = unsafe { cairn_rt::sys::munmap(address, size) };
    Ok(memory)
}
