//! `tmpfs`: the RAM file system server, and the reference example of a
//! scheme server. `tmpfs NAME` registers scheme NAME (default `tmp`);
//! `tmpfs --root` copies the initfs into its tree (as Linux unpacks an
//! initramfs), adds `/tmp` (mode 1777), root's home `/root` (0700) and
//! `/mnt` (0755, for mounts), and takes over the root file system (scheme
//! `file`); `tmpfs --mount DIR [NAME]` serves scheme NAME (default
//! `tmpfs.PID`) mounted on DIR (what `mount -t tmpfs` runs). It serves a `cairn-memfs` tree: files,
//! directories, symbolic and hard links with POSIX semantics, permissions
//! checked against the caller's uid and gid, owners, nanosecond
//! timestamps from the realtime clock, and paths relative to directory
//! handles (for `openat` and working directories). A path the kernel marks
//! [`op::PATH_BENEATH`] (from a confined process) must stay beneath its
//! directory handle: escaping by `..` or a symbolic link is `EACCES`.
//! Memory of deleted files is returned once their last handle closes.
//!
//! `mmap` of a file is answered with a memory object holding a copy of the
//! file (right for `MAP_PRIVATE`); shared mappings are refused (`ENODEV`),
//! since the file's bytes do not live in a memory object.
//!
//! Depends on `cairn-rt`, `cairn-memfs` and `cairn-fsproto` (the protocol
//! side it shares with `ext2fs`).
#![no_std]
#![no_main]

use cairn_fsproto::{
    Handle, Handles, OpenRequest, bytes_of, caller, mode_bits, now, open_answer, owner_id, pack_entries, path,
    path_pair, private_copy, split_time, time_set,
};
use cairn_memfs::{Base, Caller, Creator, FsError, Kind, MemFs, NodeId, ROOT};
use cairn_rt::abi::error::{
    EACCES, EBADF, EEXIST, EFBIG, EINVAL, EISDIR, ELOOP, ENAMETOOLONG, ENOENT, ENOSPC, ENOTDIR, ENOTEMPTY, EPERM,
};
use cairn_rt::abi::scheme::{self as op, DIRENT_DIR, DIRENT_FILE, DIRENT_SYMLINK, Request};
use cairn_rt::abi::{EVENT_READ, EVENT_WRITE, MODE_DIR, MODE_FILE, MODE_SYMLINK, Stat, StatVfs};
use cairn_rt::fs::{self, EntryKind};
use cairn_rt::scheme::Server;
use cairn_rt::{String, Vec, env, eprintln, format, println};

cairn_rt::main!(main);

fn errno(error: FsError) -> i32 {
    match error {
        FsError::NotFound => ENOENT,
        FsError::Exists => EEXIST,
        FsError::NotDir => ENOTDIR,
        FsError::IsDir => EISDIR,
        FsError::NotEmpty => ENOTEMPTY,
        FsError::Loop => ELOOP,
        FsError::Invalid => EINVAL,
        FsError::NameTooLong => ENAMETOOLONG,
        FsError::TooLarge => EFBIG,
        FsError::PermissionDenied => EACCES,
        FsError::NotPermitted => EPERM,
        FsError::NoSpace => ENOSPC,
        FsError::Escape => EACCES,
    }
}

struct Tmpfs {
    fs: MemFs,
    handles: Handles<NodeId>,
}

/// What to answer: a value or errno, and a payload.
type Answer = (Result<usize, i32>, Vec<u8>);

impl Tmpfs {
    fn creator(request: &Request, mode: u64) -> Creator {
        Creator { caller: caller(request), mode: mode_bits(mode), now: now() }
    }

    fn handle(&mut self, id: u64) -> Result<&mut Handle<NodeId>, i32> {
        self.handles.get(id)
    }

    /// The directory a request's relative path starts at.
    fn base(&self, request: &Request) -> Result<Base, i32> {
        self.handles.request_base(request, ROOT)
    }

    /// The node a metadata request acts on: its path, or the handle itself.
    fn target(&self, request: &Request, payload: &[u8]) -> Result<NodeId, i32> {
        let base = self.base(request)?;
        match path(payload)? {
            "" => Ok(base.node),
            path => self.fs.lookup(base, path, true, caller(request)).map_err(errno),
        }
    }

    fn open(&mut self, request: &Request, payload: &[u8]) -> Result<usize, i32> {
        let flags = request.args[0] as usize;
        let (base, path) = (self.base(request)?, path(payload)?);
        let node = match OpenRequest::from_flags(flags) {
            // Only to look at (stat, chmod...): no permission on the node.
            OpenRequest::Stat { no_follow } => {
                let node = self.fs.lookup(base, path, !no_follow, caller(request)).map_err(errno)?;
                self.fs.retain(node).map_err(errno)?;
                node
            }
            OpenRequest::Open(options) => {
                self.fs.open(base, path, options, Self::creator(request, request.args[1])).map_err(errno)?
            }
        };
        Ok(self.handles.add(Handle::opened(node, flags)))
    }

    fn stat(&self, node: NodeId) -> Result<Vec<u8>, i32> {
        let info = self.fs.stat(node).map_err(errno)?;
        let kind = match info.kind {
            Kind::File => MODE_FILE,
            Kind::Dir => MODE_DIR,
            Kind::Symlink => MODE_SYMLINK,
        };
        let ((mtime, mtime_nsec), (atime, atime_nsec), (ctime, ctime_nsec)) =
            (split_time(info.modified), split_time(info.accessed), split_time(info.changed));
        Ok(bytes_of(&Stat {
            st_ino: info.inode,
            st_mode: kind | info.mode,
            st_nlink: info.links,
            st_uid: info.uid,
            st_gid: info.gid,
            st_size: info.size,
            st_blksize: 4096,
            st_blocks: info.size.div_ceil(512),
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
        let figures = self.fs.statvfs();
        bytes_of(&StatVfs {
            f_bsize: figures.block_size as u32,
            f_blocks: figures.blocks,
            f_bfree: figures.free_blocks,
            f_bavail: figures.free_blocks,
        })
    }

    fn entries(&mut self, id: u64, wanted: usize) -> Answer {
        let (node, cursor) = match self.handle(id) {
            Ok(handle) if handle.readable => (handle.node, handle.cursor),
            Ok(_) => return (Err(EBADF), Vec::new()),
            Err(e) => return (Err(e), Vec::new()),
        };
        let entries = match self.fs.entries(node, now()) {
            Ok(entries) => entries,
            Err(e) => return (Err(errno(e)), Vec::new()),
        };
        let kinds = entries.map(|entry| {
            let kind = match entry.kind {
                Kind::File => DIRENT_FILE,
                Kind::Dir => DIRENT_DIR,
                Kind::Symlink => DIRENT_SYMLINK,
            };
            (kind, entry.name.as_bytes())
        });
        let (out, taken) = match pack_entries(kinds, cursor, wanted) {
            Ok(packed) => packed,
            Err(e) => return (Err(e), Vec::new()),
        };
        if let Ok(handle) = self.handle(id) {
            handle.cursor += taken;
        }
        (Ok(out.len()), out)
    }

    fn read(&mut self, request: &Request) -> Answer {
        let (node, (offset, moves)) = match self.handle(request.handle) {
            Ok(handle) if handle.readable => (handle.node, handle.offset(request)),
            Ok(_) => return (Err(EBADF), Vec::new()),
            Err(e) => return (Err(e), Vec::new()),
        };
        match self.fs.read(node, offset, request.args[0] as usize, now()) {
            Ok(data) => {
                let data = data.to_vec();
                if let (true, Ok(handle)) = (moves, self.handle(request.handle)) {
                    handle.position += data.len() as u64;
                }
                (Ok(data.len()), data)
            }
            Err(e) => (Err(errno(e)), Vec::new()),
        }
    }

    fn write(&mut self, request: &Request, payload: &[u8]) -> Result<usize, i32> {
        let handle = *self.handle(request.handle)?;
        if !handle.writable {
            return Err(EBADF);
        }
        let (offset, moves) = match handle.offset(request) {
            (_, true) if handle.append => (self.fs.stat(handle.node).map_err(errno)?.size, true),
            at => at,
        };
        let written = self.fs.write(handle.node, offset, payload, now()).map_err(errno)?;
        if moves {
            self.handle(request.handle)?.position = offset + written as u64;
        }
        Ok(written)
    }

    fn seek(&mut self, request: &Request) -> Result<usize, i32> {
        let node = self.handle(request.handle)?.node;
        let size = self.fs.stat(node).map_err(errno)?.size;
        self.handle(request.handle)?.seek(request, size)
    }

    /// `MMAP`: a memory object holding a copy of the file.
    fn map(&mut self, request: &Request) -> Result<cairn_rt::fd::OwnedFd, i32> {
        let handle = *self.handle(request.handle)?;
        let fs = &mut self.fs;
        private_copy(request, handle.readable, |offset, len| {
            fs.read(handle.node, offset, len, now()).map(<[u8]>::to_vec).map_err(errno)
        })
    }

    /// Serves one request; `None` for those that take no answer.
    fn serve(&mut self, request: &Request, payload: &[u8]) -> Option<Answer> {
        let caller = caller(request);
        let result = match request.opcode {
            op::OPEN => {
                let opened = self.open(request, payload);
                return Some(open_answer(request.args[0] as usize, opened, |id| {
                    let node = self.handle(id)?.node;
                    self.stat(node)
                }));
            }
            op::READ => return Some(self.read(request)),
            op::WRITE => self.write(request, payload),
            op::FSTAT => {
                return Some(match self.handle(request.handle).map(|h| h.node).and_then(|node| self.stat(node)) {
                    Ok(stat) => (Ok(0), stat),
                    Err(e) => (Err(e), Vec::new()),
                });
            }
            op::FSTATVFS => return Some((Ok(0), self.statvfs())),
            op::LSEEK => self.seek(request),
            op::FCNTL => self.handle(request.handle).and_then(|handle| handle.fcntl(request)),
            op::FEVENT => self.handle(request.handle).map(|_| (EVENT_READ | EVENT_WRITE) as usize),
            op::FTRUNCATE => (|| {
                let handle = *self.handle(request.handle)?;
                if !handle.writable {
                    return Err(EBADF);
                }
                self.fs.truncate(handle.node, request.args[0], now()).map_err(errno).map(|_| 0)
            })(),
            op::FSYNC => self.handle(request.handle).map(|_| 0),
            op::GETDENTS => return Some(self.entries(request.handle, request.args[0] as usize)),
            op::CLOSE => {
                if let Some(handle) = self.handles.remove(request.handle) {
                    self.fs.release(handle.node);
                }
                return None;
            }
            op::CANCEL => return None,
            // A second, independent handle on the same node (its own position).
            op::DUP => (|| {
                let copy = Handle { position: 0, cursor: 0, ..*self.handle(request.handle)? };
                self.fs.retain(copy.node).map_err(errno)?;
                Ok(self.handles.add(copy))
            })(),
            op::MKDIR => (|| {
                let base = self.base(request)?;
                self.fs.mkdir(base, path(payload)?, Self::creator(request, request.args[0])).map_err(errno).map(|_| 0)
            })(),
            op::RMDIR => {
                (|| self.fs.rmdir(self.base(request)?, path(payload)?, caller, now()).map_err(errno))().map(|_| 0)
            }
            op::UNLINK => {
                (|| self.fs.unlink(self.base(request)?, path(payload)?, caller, now()).map_err(errno))().map(|_| 0)
            }
            op::RENAME | op::LINK => (|| {
                let (from, to) = path_pair(payload)?;
                let from_base = self.base(request)?;
                let to_base = self.handles.new_path_base(request, ROOT)?;
                if request.opcode == op::RENAME {
                    self.fs.rename(from_base, from, to_base, to, caller, now()).map_err(errno)
                } else {
                    self.fs.link(from_base, from, to_base, to, caller, now()).map_err(errno)
                }
            })()
            .map(|_| 0),
            op::SYMLINK => (|| {
                let (target, link) = path_pair(payload)?;
                let base = self.base(request)?;
                self.fs.symlink(target, base, link, Self::creator(request, 0o777)).map_err(errno).map(|_| 0)
            })(),
            op::READLINK => {
                let base = self.base(request);
                let target = base
                    .and_then(|base| path(payload).map(|p| (base, p)))
                    .and_then(|(base, p)| self.fs.readlink(base, p, caller, now()).map_err(errno));
                return Some(match target {
                    Ok(target) => {
                        let bytes = target.as_bytes();
                        let bytes = bytes[..bytes.len().min(request.args[0] as usize)].to_vec();
                        (Ok(bytes.len()), bytes)
                    }
                    Err(e) => (Err(e), Vec::new()),
                });
            }
            op::CHMOD => (|| {
                let node = self.target(request, payload)?;
                self.fs.chmod(node, request.args[0] as u16, caller, now()).map_err(errno)
            })()
            .map(|_| 0),
            op::CHOWN => (|| {
                let node = self.target(request, payload)?;
                let (uid, gid) = (owner_id(request.args[0]), owner_id(request.args[1]));
                self.fs.chown(node, uid, gid, caller, now()).map_err(errno)
            })()
            .map(|_| 0),
            op::UTIMENS => (|| {
                let node = self.target(request, payload)?;
                let (accessed, modified) = (time_set(request.args[0]), time_set(request.args[1]));
                self.fs.set_times(node, accessed, modified, caller, now()).map_err(errno)
            })()
            .map(|_| 0),
            _ => Err(EINVAL),
        };
        Some((result, Vec::new()))
    }

    /// Copies the initfs tree under `source` into directory `target`.
    fn unpack(&mut self, source: &str, target: &str) -> Result<usize, String> {
        let mut copied = 0;
        let entries = fs::read_dir(source).map_err(|e| format!("{source}: {e}"))?;
        for (name, kind) in entries {
            let (from, to) = (format!("{source}/{name}"), format!("{target}/{name}"));
            let root = Creator { caller: Caller::ROOT, mode: 0o755, now: now() };
            if kind == EntryKind::Dir {
                self.fs.mkdir(ROOT, &to, root).map_err(|e| format!("{to}: {e:?}"))?;
                copied += self.unpack(&from, &to)?;
                continue;
            }
            let data = fs::read(&from).map_err(|e| format!("{from}: {e}"))?;
            let mode = fs::metadata(&from).map_err(|e| format!("{from}: {e}"))?.permissions();
            let creator = Creator { mode, ..root };
            self.fs.create_file(ROOT, &to, data, creator).map_err(|e| format!("{to}: {e:?}"))?;
            copied += 1;
        }
        Ok(copied)
    }
}

/// Where the root file system comes from, and the scheme name it takes.
const INITFS: &str = "/scheme/initfs";
const ROOT_SCHEME: &str = "file";

/// Bytes of file data the file system holds: half of the machine's memory,
/// Linux's default for tmpfs, so that filling it leaves the rest of the
/// system room to run (writes beyond it are `ENOSPC`).
fn capacity() -> u64 {
    match cairn_rt::sys::memory_info() {
        Ok(info) => info.total_frames * info.frame_size / 2,
        Err(_) => cairn_memfs::DEFAULT_CAPACITY,
    }
}

/// What the command line asks for.
enum Role {
    /// `tmpfs [NAME]`: serve scheme NAME (default `tmp`).
    Scheme(String),
    /// `tmpfs --root`: the root file system, a copy of the initfs.
    Root,
    /// `tmpfs --mount DIR [NAME]`: serve scheme NAME (default `tmpfs.PID`)
    /// mounted on DIR.
    Mount { point: String, name: String },
}

impl Role {
    fn from_args() -> Option<Role> {
        let mut args = env::args().skip(1);
        let role = match args.next().as_deref() {
            None => Role::Scheme(String::from("tmp")),
            Some("--root") => Role::Root,
            Some("--mount") => {
                let point = args.next()?;
                let name = args.next().unwrap_or_else(|| format!("tmpfs.{}", cairn_rt::process::id()));
                Role::Mount { point, name }
            }
            Some(name) => Role::Scheme(String::from(name)),
        };
        args.next().is_none().then_some(role)
    }

    fn scheme(&self) -> &str {
        match self {
            Role::Scheme(name) | Role::Mount { name, .. } => name,
            Role::Root => ROOT_SCHEME,
        }
    }
}

fn main() -> i32 {
    let Some(role) = Role::from_args() else {
        eprintln!("usage: tmpfs [NAME] | tmpfs --root | tmpfs --mount DIR [NAME]");
        return 2;
    };
    let root = matches!(role, Role::Root);
    let mut tmpfs = Tmpfs { fs: MemFs::with_capacity(capacity()), handles: Handles::default() };
    if root {
        let unpacked = tmpfs.unpack(INITFS, "");
        let made = [("/tmp", 0o1777), ("/root", 0o700), ("/mnt", 0o755)].into_iter().try_for_each(|(path, mode)| {
            let creator = Creator { caller: Caller::ROOT, mode, now: now() };
            tmpfs.fs.mkdir(ROOT, path, creator).map(drop).map_err(|e| (path, e))
        });
        match (unpacked, made) {
            (Ok(files), Ok(())) => println!("tmpfs: root file system with {files} files from the initfs"),
            (Err(e), _) => {
                eprintln!("tmpfs: cannot copy the initfs: {e}");
                return 1;
            }
            (_, Err((path, e))) => {
                eprintln!("tmpfs: cannot make {path}: {e:?}");
                return 1;
            }
        }
    }
    let name = role.scheme();
    let server = match Server::create(name) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("tmpfs: cannot register scheme {name}: {e}");
            return 1;
        }
    };
    if let Role::Mount { point, .. } = &role
        && let Err(e) = cairn_rt::mount::mount(point, &server, "tmpfs", "tmpfs", "rw")
    {
        eprintln!("tmpfs: cannot mount on {point}: {e}");
        return 1;
    }
    loop {
        let incoming = match server.next() {
            Ok(incoming) => incoming,
            Err(e) => {
                eprintln!("tmpfs: reading requests failed: {e}");
                return 1;
            }
        };
        let request = &incoming.request;
        if request.opcode == op::MMAP {
            let _ = match tmpfs.map(request) {
                Ok(memory) => server.respond_fd(request.id, &memory),
                Err(e) => server.respond(request.id, Err(e), &[]),
            };
            continue;
        }
        if let Some((result, payload)) = tmpfs.serve(request, &incoming.payload) {
            let _ = server.respond(request.id, result, &payload);
        }
    }
}
