//! The scheme protocol over a mounted `cairn-ext2` file system: the same
//! requests, answers and rules as tmpfs (docs/ABI.md "The scheme
//! protocol"), with the POSIX rules (permissions against the caller's uid
//! and gid, path walking, `PATH_BENEATH`) from `cairn-fsrules` and the
//! request decoding from `cairn-fsproto`, both shared with tmpfs.
//!
//! The server counts its handles per inode and tells `cairn-ext2` which
//! inodes are open (`hold` at the first handle, `release` at the last), so
//! removing the last name of an open file or directory succeeds at once:
//! the inode lives on the file system's orphan list, reachable through
//! its handles (`st_nlink` 0), and is freed when the last one closes.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use cairn_ext2::{BlockDevice, Error, Ext2, FileType, InodeNo, Metadata, Owner, ROOT, Timestamp};
use cairn_fsproto::{
    Handle, Handles, OpenRequest, bytes_of, caller, mode_bits, now, open_answer, owner_id, pack_entries, path,
    path_pair, private_copy, split_time, time_set,
};
use cairn_fsrules::{Attributes, Base, Caller, Denied, NodeType, Opening, TimeSet, Tree, access, ops, path as walk};
use cairn_rt::abi::error::{
    EACCES, EBADF, EEXIST, EFBIG, EINVAL, EIO, EISDIR, ELOOP, EMLINK, ENAMETOOLONG, ENOENT, ENOSPC, ENOTDIR, ENOTEMPTY,
    EPERM, EROFS, EUCLEAN,
};
use cairn_rt::abi::scheme::{self as op, DIRENT_DIR, DIRENT_FILE, DIRENT_SYMLINK, MAX_PAYLOAD, Request};
use cairn_rt::abi::{EVENT_READ, EVENT_WRITE, Stat, StatVfs};
use cairn_rt::eprintln;

/// An errno value, as the rules and the file system produce them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub i32);

impl From<Denied> for Errno {
    fn from(denied: Denied) -> Errno {
        Errno(match denied {
            Denied::NotFound => ENOENT,
            Denied::Exists => EEXIST,
            Denied::NotDir => ENOTDIR,
            Denied::IsDir => EISDIR,
            Denied::NotEmpty => ENOTEMPTY,
            Denied::Loop => ELOOP,
            Denied::NameTooLong => ENAMETOOLONG,
            Denied::Invalid => EINVAL,
            Denied::PermissionDenied | Denied::Escape => EACCES,
            Denied::NotPermitted => EPERM,
        })
    }
}

impl From<Error> for Errno {
    fn from(error: Error) -> Errno {
        Errno(match error {
            Error::Device(_) => EIO,
            Error::NotExt2 | Error::Unsupported(_) | Error::Invalid => EINVAL,
            Error::Corrupt(_) => EUCLEAN,
            Error::ReadOnly => EROFS,
            Error::NotFound => ENOENT,
            Error::Exists => EEXIST,
            Error::NotDir => ENOTDIR,
            Error::IsDir => EISDIR,
            Error::NotEmpty => ENOTEMPTY,
            Error::NameTooLong => ENAMETOOLONG,
            Error::NoSpace => ENOSPC,
            Error::TooManyLinks => EMLINK,
            Error::FileTooLarge => EFBIG,
            Error::Loop => ELOOP,
            Error::NotPermitted => EPERM,
        })
    }
}

type Result<T> = core::result::Result<T, Errno>;

/// Nanoseconds since the epoch as an ext2 time.
fn timestamp(time: u64) -> Timestamp {
    let (secs, nanos) = split_time(time);
    Timestamp { secs: secs as i64, nanos }
}

/// An ext2 time as nanoseconds since the epoch (0 before it).
fn nanos(time: Timestamp) -> u64 {
    u64::try_from(time.secs).map_or(0, |secs| secs * 1_000_000_000 + u64::from(time.nanos))
}

/// The rules' view of a node's type.
fn node_type(file_type: FileType) -> NodeType {
    match file_type {
        FileType::Directory => NodeType::Dir,
        FileType::Symlink => NodeType::Symlink,
        _ => NodeType::Other,
    }
}

/// The file system as the shared rules walk it.
struct View<'a, D: BlockDevice>(&'a mut Ext2<D>);

impl<D: BlockDevice> Tree for View<'_, D> {
    type Id = InodeNo;
    type Error = Errno;

    fn root(&self) -> InodeNo {
        ROOT
    }

    fn attributes(&mut self, id: InodeNo) -> Result<Attributes> {
        let meta = self.0.metadata(id)?;
        let (uid, gid, links) = (meta.uid, meta.gid, u32::from(meta.links));
        Ok(Attributes { kind: node_type(meta.file_type), mode: meta.perm, uid, gid, links })
    }

    fn child(&mut self, dir: InodeNo, name: &str) -> Result<Option<InodeNo>> {
        match self.0.lookup(dir, name.as_bytes()) {
            Ok(ino) => Ok(Some(ino)),
            Err(Error::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn parent(&mut self, dir: InodeNo) -> Result<InodeNo> {
        Ok(self.0.lookup(dir, b"..")?)
    }

    fn link_target(&mut self, id: InodeNo) -> Result<String> {
        String::from_utf8(self.0.readlink(id)?).map_err(|_| Errno(EINVAL))
    }

    fn is_empty_dir(&mut self, dir: InodeNo) -> Result<bool> {
        Ok(self.0.read_dir(dir)?.iter().all(|e| e.name == b"." || e.name == b".."))
    }
}

/// A mounted file system and its open handles.
pub struct Served<D: BlockDevice> {
    pub fs: Ext2<D>,
    handles: Handles<InodeNo>,
    /// Handles open on each inode (an inode is held while it has any).
    open_count: BTreeMap<InodeNo, usize>,
    /// The listing each directory handle is reading (`GETDENTS`): taken
    /// at its first `GETDENTS`, dropped at its close, so a large
    /// directory is read once per listing, not once per call.
    listings: BTreeMap<u64, Vec<(u8, Vec<u8>)>>,
    /// The scheme served (for the log).
    scheme: String,
    /// The device failed and nothing has gone through it since (the
    /// failure is logged once, not once per call).
    device_failing: bool,
    /// What `READ`s are read into and answered from: kept between calls,
    /// so its bytes are zeroed once, not at every read (zeroing 64 KiB
    /// costs as much as copying it under TCG).
    read_buffer: Vec<u8>,
}

/// An answer's payload: bytes of its own, or the first N bytes of the
/// server's read buffer ([`Served::payload`] gives either).
pub enum Payload {
    Bytes(Vec<u8>),
    Read(usize),
}

/// What to answer: a value or errno, and a payload.
pub type Answer = (core::result::Result<usize, i32>, Payload);

fn answer(result: Result<usize>) -> Answer {
    (result.map_err(|e| e.0), Payload::Bytes(Vec::new()))
}

fn answer_with(result: Result<Vec<u8>>, value: impl Fn(&[u8]) -> usize) -> Answer {
    match result {
        Ok(payload) => (Ok(value(&payload)), Payload::Bytes(payload)),
        Err(e) => (Err(e.0), Payload::Bytes(Vec::new())),
    }
}

impl<D: BlockDevice> Served<D> {
    pub fn new(fs: Ext2<D>, scheme: &str) -> Served<D> {
        Served {
            fs,
            handles: Handles::default(),
            open_count: BTreeMap::new(),
            listings: BTreeMap::new(),
            scheme: String::from(scheme),
            device_failing: false,
            read_buffer: Vec::new(),
        }
    }

    /// The bytes of `payload`, an answer of this server's.
    pub fn payload<'a>(&'a self, payload: &'a Payload) -> &'a [u8] {
        match payload {
            Payload::Bytes(bytes) => bytes,
            Payload::Read(len) => &self.read_buffer[..*len],
        }
    }

    /// A call or a commit met a failing device (`EIO`): logged the first
    /// time (a vanished disk fails every call after; each fails with
    /// `EIO`, what the cache holds still reads).
    pub fn device_failed(&mut self) {
        if !self.device_failing {
            self.device_failing = true;
            eprintln!(
                "ext2fs: {}: the device failed: calls that need it fail with EIO, what the cache holds still reads",
                self.scheme
            );
        }
    }

    /// A commit went through: a later failure is logged again.
    pub fn device_worked(&mut self) {
        self.device_failing = false;
    }

    fn view(&mut self) -> View<'_, D> {
        View(&mut self.fs)
    }

    fn handle(&mut self, id: u64) -> Result<&mut Handle<InodeNo>> {
        self.handles.get(id).map_err(Errno)
    }

    fn base(&self, request: &Request) -> Result<Base<InodeNo>> {
        self.handles.request_base(request, ROOT).map_err(Errno)
    }

    /// The owner of a node `caller` creates.
    fn owner(caller: Caller) -> Owner {
        Owner { uid: caller.uid, gid: caller.gid }
    }

    /// The node a metadata request acts on: its path, or the handle itself.
    fn target(&mut self, request: &Request, payload: &[u8]) -> Result<InodeNo> {
        let base = self.base(request)?;
        match path(payload).map_err(Errno)? {
            "" => Ok(base.node),
            path => walk::lookup(&mut self.view(), base, path, true, caller(request)),
        }
    }

    /// Adds `handle`, holding its inode open in the file system if it is
    /// the first handle on it; returns the handle's id.
    fn add_handle(&mut self, handle: Handle<InodeNo>) -> usize {
        let count = self.open_count.entry(handle.node).or_insert(0);
        if *count == 0 {
            self.fs.hold(handle.node);
        }
        *count += 1;
        self.handles.add(handle)
    }

    /// `CLOSE`: drops handle `id`; the last handle on an inode releases it
    /// (an orphan is freed then).
    fn close(&mut self, id: u64) {
        self.listings.remove(&id);
        let Some(handle) = self.handles.remove(id) else { return };
        let Some(count) = self.open_count.get_mut(&handle.node) else { return };
        *count -= 1;
        if *count == 0 {
            self.open_count.remove(&handle.node);
            if let Err(e) = self.fs.release(handle.node, timestamp(now())) {
                eprintln!("ext2fs: freeing removed inode {} failed: {}", handle.node.0, crate::describe(e));
            }
        }
    }

    fn open(&mut self, request: &Request, payload: &[u8]) -> Result<usize> {
        let flags = request.args[0] as usize;
        let (base, path, who) = (self.base(request)?, path(payload).map_err(Errno)?, caller(request));
        let node = match OpenRequest::from_flags(flags) {
            OpenRequest::Stat { no_follow } => walk::lookup(&mut self.view(), base, path, !no_follow, who)?,
            OpenRequest::Open(options) => match ops::open(&mut self.view(), base, path, options, who)? {
                Opening::Existing(_) if (options.write || options.truncate) && self.fs.read_only().is_some() => {
                    return Err(Errno(EROFS));
                }
                Opening::Existing(id) => {
                    if options.truncate {
                        self.fs.truncate(id, 0, timestamp(now()))?;
                    }
                    id
                }
                Opening::Create { dir, name } => {
                    let perm = mode_bits(request.args[1]);
                    self.fs.create(dir, name.as_bytes(), perm, Self::owner(who), timestamp(now()))?
                }
            },
        };
        Ok(self.add_handle(Handle::opened(node, flags)))
    }

    fn stat(&mut self, node: InodeNo) -> Result<Vec<u8>> {
        let meta: Metadata = self.fs.metadata(node)?;
        let ((mtime, mtime_nsec), (atime, atime_nsec), (ctime, ctime_nsec)) =
            (split_time(nanos(meta.mtime)), split_time(nanos(meta.atime)), split_time(nanos(meta.ctime)));
        Ok(bytes_of(&Stat {
            st_ino: u64::from(meta.ino.0),
            st_mode: meta.file_type.mode_bits() | meta.perm,
            st_nlink: u32::from(meta.links),
            st_uid: meta.uid,
            st_gid: meta.gid,
            st_size: meta.size,
            st_blksize: self.fs.block_size(),
            st_blocks: meta.sectors,
            st_mtime: mtime,
            st_mtime_nsec: mtime_nsec,
            st_atime: atime,
            st_atime_nsec: atime_nsec,
            st_ctime: ctime,
            st_ctime_nsec: ctime_nsec,
            ..Stat::default()
        }))
    }

    fn statvfs(&self) -> Vec<u8> {
        let figures = self.fs.statfs();
        bytes_of(&StatVfs {
            f_bsize: figures.block_size,
            f_blocks: figures.blocks,
            f_bfree: figures.free_blocks,
            f_bavail: figures.available_blocks,
        })
    }

    fn entries(&mut self, id: u64, wanted: usize) -> Result<Vec<u8>> {
        let handle = *self.handle(id)?;
        if !handle.readable {
            return Err(Errno(EBADF));
        }
        if handle.cursor == 0 || !self.listings.contains_key(&id) {
            let entries = self.fs.read_dir(handle.node)?;
            let listed = entries.into_iter().filter(|e| e.name != b"." && e.name != b"..").map(|e| {
                let kind = match e.file_type {
                    FileType::Directory => DIRENT_DIR,
                    FileType::Symlink => DIRENT_SYMLINK,
                    FileType::Regular => DIRENT_FILE,
                    FileType::CharDevice => op::DIRENT_CHAR,
                    FileType::BlockDevice => op::DIRENT_BLOCK,
                    FileType::Fifo => op::DIRENT_FIFO,
                    FileType::Socket => op::DIRENT_SOCKET,
                };
                (kind, e.name)
            });
            self.listings.insert(id, listed.collect());
        }
        let listed = self.listings.get(&id).into_iter().flatten().map(|(kind, name)| (*kind, name.as_slice()));
        let (out, taken) = pack_entries(listed, handle.cursor, wanted).map_err(Errno)?;
        self.handle(id)?.cursor += taken;
        Ok(out)
    }

    /// `READ`: reads into the read buffer; returns how many bytes.
    fn read(&mut self, request: &Request) -> Result<usize> {
        let handle = *self.handle(request.handle)?;
        if !handle.readable {
            return Err(Errno(EBADF));
        }
        let (offset, moves) = handle.offset(request);
        let wanted = (request.args[0] as usize).min(MAX_PAYLOAD);
        if self.read_buffer.len() < wanted {
            self.read_buffer.resize(wanted, 0);
        }
        let n = self.fs.read(handle.node, offset, &mut self.read_buffer[..wanted])?;
        if moves {
            self.handle(request.handle)?.position = offset + n as u64;
        }
        Ok(n)
    }

    fn write(&mut self, request: &Request, payload: &[u8]) -> Result<usize> {
        let handle = *self.handle(request.handle)?;
        if !handle.writable {
            return Err(Errno(EBADF));
        }
        let (offset, moves) = match handle.offset(request) {
            (_, true) if handle.append => (self.fs.metadata(handle.node)?.size, true),
            at => at,
        };
        let written = self.fs.write(handle.node, offset, payload, timestamp(now()))?;
        if moves {
            self.handle(request.handle)?.position = offset + written as u64;
        }
        Ok(written)
    }

    fn seek(&mut self, request: &Request) -> Result<usize> {
        let node = self.handle(request.handle)?.node;
        let size = self.fs.metadata(node)?.size;
        self.handle(request.handle)?.seek(request, size).map_err(Errno)
    }

    fn truncate(&mut self, request: &Request) -> Result<usize> {
        let handle = *self.handle(request.handle)?;
        if !handle.writable {
            return Err(Errno(EBADF));
        }
        self.fs.truncate(handle.node, request.args[0], timestamp(now()))?;
        Ok(0)
    }

    fn mkdir(&mut self, request: &Request, payload: &[u8]) -> Result<usize> {
        let (base, who) = (self.base(request)?, caller(request));
        let entry = ops::new_entry(&mut self.view(), base, path(payload).map_err(Errno)?, who, NodeType::Dir)?;
        let perm = mode_bits(request.args[0]);
        self.fs.mkdir(entry.dir, entry.name.as_bytes(), perm, Self::owner(who), timestamp(now()))?;
        Ok(0)
    }

    fn remove(&mut self, request: &Request, payload: &[u8]) -> Result<usize> {
        let (base, who, path) = (self.base(request)?, caller(request), path(payload).map_err(Errno)?);
        let removal = if request.opcode == op::RMDIR {
            ops::rmdir(&mut self.view(), base, path, who)?
        } else {
            ops::unlink(&mut self.view(), base, path, who)?
        };
        let (dir, name, time) = (removal.entry.dir, removal.entry.name.as_bytes(), timestamp(now()));
        if request.opcode == op::RMDIR {
            self.fs.rmdir(dir, name, time)?
        } else {
            self.fs.unlink(dir, name, time)?
        }
        Ok(0)
    }

    fn rename_or_link(&mut self, request: &Request, payload: &[u8]) -> Result<usize> {
        let (from, to) = path_pair(payload).map_err(Errno)?;
        let from_base = self.base(request)?;
        let to_base = self.handles.new_path_base(request, ROOT).map_err(Errno)?;
        let who = caller(request);
        if request.opcode == op::LINK {
            let linking = ops::link(&mut self.view(), (from_base, from), (to_base, to), who)?;
            let (dir, name) = (linking.entry.dir, linking.entry.name.as_bytes());
            self.fs.link(linking.id, dir, name, timestamp(now()))?;
            return Ok(0);
        }
        let Some(plan) = ops::rename(&mut self.view(), (from_base, from), (to_base, to), who)? else {
            return Ok(0);
        };
        let (source, target) = (plan.source, plan.target);
        let time = timestamp(now());
        self.fs.rename(source.dir, source.name.as_bytes(), target.dir, target.name.as_bytes(), time)?;
        Ok(0)
    }

    fn symlink(&mut self, request: &Request, payload: &[u8]) -> Result<usize> {
        let (target, link) = path_pair(payload).map_err(Errno)?;
        let (base, who) = (self.base(request)?, caller(request));
        let entry = ops::symlink(&mut self.view(), target, base, link, who)?;
        let (dir, name) = (entry.dir, entry.name.as_bytes());
        self.fs.symlink(dir, name, target.as_bytes(), Self::owner(who), timestamp(now()))?;
        Ok(0)
    }

    fn readlink(&mut self, request: &Request, payload: &[u8]) -> Result<Vec<u8>> {
        let base = self.base(request)?;
        let id = ops::readlink(&mut self.view(), base, path(payload).map_err(Errno)?, caller(request))?;
        let mut target = self.fs.readlink(id)?;
        target.truncate(request.args[0] as usize);
        Ok(target)
    }

    fn chmod(&mut self, request: &Request, payload: &[u8]) -> Result<usize> {
        let node = self.target(request, payload)?;
        let attributes = self.view().attributes(node)?;
        let mode = access::chmod_mode(&attributes, request.args[0] as u16, caller(request))?;
        self.fs.chmod(node, mode, timestamp(now()))?;
        Ok(0)
    }

    fn chown(&mut self, request: &Request, payload: &[u8]) -> Result<usize> {
        let node = self.target(request, payload)?;
        let attributes = self.view().attributes(node)?;
        let (uid, gid) = (owner_id(request.args[0]), owner_id(request.args[1]));
        if let Some(owned) = access::chown_result(&attributes, uid, gid, caller(request))? {
            let time = timestamp(now());
            self.fs.chown(node, Owner { uid: owned.uid, gid: owned.gid }, time)?;
            if owned.mode != attributes.mode {
                self.fs.chmod(node, owned.mode, time)?;
            }
        }
        Ok(0)
    }

    fn utimens(&mut self, request: &Request, payload: &[u8]) -> Result<usize> {
        let node = self.target(request, payload)?;
        let (accessed, modified) = (time_set(request.args[0]), time_set(request.args[1]));
        if accessed == TimeSet::Omit && modified == TimeSet::Omit {
            return Ok(0);
        }
        let explicit = matches!(accessed, TimeSet::At(_)) || matches!(modified, TimeSet::At(_));
        access::may_set_times(&mut self.view(), node, explicit, caller(request))?;
        let meta = self.fs.metadata(node)?;
        let time = now();
        let atime = timestamp(accessed.resolve(nanos(meta.atime), time));
        let mtime = timestamp(modified.resolve(nanos(meta.mtime), time));
        self.fs.set_times(node, atime, mtime, timestamp(time))?;
        Ok(0)
    }

    /// `MMAP`: a memory object holding a copy of the file.
    pub fn map(&mut self, request: &Request) -> core::result::Result<cairn_rt::fd::OwnedFd, i32> {
        let handle = *self.handle(request.handle).map_err(|e| e.0)?;
        let fs = &mut self.fs;
        let mapped = private_copy(request, handle.readable, |offset, len| {
            let mut data = vec![0u8; len];
            let n = fs.read(handle.node, offset, &mut data).map_err(|e| Errno::from(e).0)?;
            data.truncate(n);
            Ok(data)
        });
        if matches!(mapped, Err(EUCLEAN)) {
            self.damage_found();
        }
        mapped
    }

    /// Serves one request but `MMAP`; `None` for those that take no
    /// answer. Damage met on the way (`EUCLEAN`) turns the file system
    /// read-only ([`Served::damage_found`]); a failing device
    /// ([`Served::device_failed`]) and a damaged directory index (read
    /// linearly, as Linux does) are logged.
    pub fn serve(&mut self, request: &Request, payload: &[u8]) -> Option<Answer> {
        let answer = self.answer(request, payload);
        if matches!(answer, Some((Err(EUCLEAN), _))) {
            self.damage_found();
        }
        if matches!(answer, Some((Err(EIO), _))) {
            self.device_failed();
        }
        for damage in self.fs.take_index_damage() {
            if let cairn_ext2::Corrupt::Directory(dir, why) = damage {
                eprintln!("ext2fs: directory inode {}: {why}: read linearly (e2fsck -fD rebuilds the index)", dir.0);
            }
        }
        answer
    }

    /// As ext3 mounted `errors=remount-ro`: the first damage found drops
    /// what was not yet committed, marks the superblock and leaves the
    /// file system read-only ([`Ext2::damaged`]), with a log line.
    fn damage_found(&mut self) {
        if self.fs.read_only().is_some() {
            return;
        }
        match self.fs.damaged() {
            Ok(()) => eprintln!("ext2fs: the file system is damaged: remounted read-only (run e2fsck)"),
            Err(e) => eprintln!(
                "ext2fs: the file system is damaged: remounted read-only, but marking it on the disk failed: {}",
                crate::describe(e)
            ),
        }
    }

    fn answer(&mut self, request: &Request, payload: &[u8]) -> Option<Answer> {
        let result = match request.opcode {
            op::OPEN => {
                let opened = self.open(request, payload).map_err(|e| e.0);
                let (result, stat) = open_answer(request.args[0] as usize, opened, |id| {
                    let node = self.handle(id).map_err(|e| e.0)?.node;
                    self.stat(node).map_err(|e| e.0)
                });
                return Some((result, Payload::Bytes(stat)));
            }
            op::READ => {
                return Some(match self.read(request) {
                    Ok(n) => (Ok(n), Payload::Read(n)),
                    Err(e) => answer(Err(e)),
                });
            }
            op::WRITE => self.write(request, payload),
            op::FSTAT => {
                let stat = self.handle(request.handle).map(|h| h.node).and_then(|node| self.stat(node));
                return Some(answer_with(stat, |_| 0));
            }
            op::FSTATVFS => return Some((Ok(0), Payload::Bytes(self.statvfs()))),
            op::LSEEK => self.seek(request),
            op::FCNTL => self.handle(request.handle).and_then(|h| h.fcntl(request).map_err(Errno)),
            op::FEVENT => self.handle(request.handle).map(|_| (EVENT_READ | EVENT_WRITE) as usize),
            op::FTRUNCATE => self.truncate(request),
            op::FSYNC => (|| {
                let node = self.handle(request.handle)?.node;
                self.fs.fsync(node)?;
                Ok(0)
            })(),
            op::GETDENTS => {
                return Some(answer_with(self.entries(request.handle, request.args[0] as usize), <[u8]>::len));
            }
            op::CLOSE => {
                self.close(request.handle);
                return None;
            }
            op::CANCEL => return None,
            op::DUP => (|| {
                let copy = Handle { position: 0, cursor: 0, ..*self.handle(request.handle)? };
                Ok(self.add_handle(copy))
            })(),
            op::MKDIR => self.mkdir(request, payload),
            op::RMDIR | op::UNLINK => self.remove(request, payload),
            op::RENAME | op::LINK => self.rename_or_link(request, payload),
            op::SYMLINK => self.symlink(request, payload),
            op::READLINK => return Some(answer_with(self.readlink(request, payload), <[u8]>::len)),
            op::CHMOD => self.chmod(request, payload),
            op::CHOWN => self.chown(request, payload),
            op::UTIMENS => self.utimens(request, payload),
            _ => Err(Errno(EINVAL)),
        };
        Some(answer(result))
    }
}
