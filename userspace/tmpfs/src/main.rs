//! `tmpfs`: the RAM file system server, and the reference example of a
//! scheme server. It registers the scheme named by its first argument
//! (default `tmp`) and serves a `cairn-memfs` tree: files, directories and
//! symbolic links with POSIX semantics, owners and modes from the caller,
//! modification times from the realtime clock. Memory of deleted files is
//! returned once their last handle closes.
//!
//! Depends on `cairn-rt` and `cairn-memfs`.
#![no_std]
#![no_main]

use cairn_memfs::{Creator, FsError, Kind, MemFs, NodeId, OpenOptions};
use cairn_rt::abi::error::{
    EBADF, EBUSY, EEXIST, EFBIG, EINVAL, EISDIR, ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR, ENOTEMPTY,
};
use cairn_rt::abi::scheme::{self as op, DIRENT_DIR, DIRENT_FILE, DIRENT_SYMLINK, Request};
use cairn_rt::abi::{
    MODE_DIR, MODE_FILE, MODE_SYMLINK, O_ACCMODE, O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDONLY,
    O_TRUNC, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET, Stat,
};
use cairn_rt::collections::BTreeMap;
use cairn_rt::scheme::Server;
use cairn_rt::time::{SystemTime, UNIX_EPOCH};
use cairn_rt::{String, Vec, env, eprintln};

cairn_rt::main!(main);

/// One open handle.
#[derive(Clone, Copy)]
struct Handle {
    node: NodeId,
    position: u64,
    append: bool,
    readable: bool,
    writable: bool,
    /// Next directory entry `GETDENTS` returns.
    cursor: usize,
}

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
        FsError::Busy => EBUSY,
        FsError::TooLarge => EFBIG,
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A path from a request payload.
fn path(payload: &[u8]) -> Result<&str, i32> {
    core::str::from_utf8(payload).map_err(|_| EINVAL)
}

/// Two paths joined by a NUL (RENAME, SYMLINK).
fn path_pair(payload: &[u8]) -> Result<(&str, &str), i32> {
    let split = payload.iter().position(|b| *b == 0).ok_or(EINVAL)?;
    Ok((path(&payload[..split])?, path(&payload[split + 1..])?))
}

struct Tmpfs {
    fs: MemFs,
    handles: BTreeMap<u64, Handle>,
    next_handle: u64,
}

/// What to answer: a value or errno, and a payload.
type Answer = (Result<usize, i32>, Vec<u8>);

impl Tmpfs {
    fn creator(request: &Request, mode: u16) -> Creator {
        Creator { uid: request.caller_uid, gid: request.caller_gid, mode, now: now() }
    }

    fn handle(&mut self, id: u64) -> Result<&mut Handle, i32> {
        self.handles.get_mut(&id).ok_or(EBADF)
    }

    fn open(&mut self, request: &Request, payload: &[u8]) -> Result<usize, i32> {
        let flags = request.args[0] as usize;
        let options = OpenOptions {
            create: flags & O_CREAT != 0,
            exclusive: flags & O_EXCL != 0,
            truncate: flags & O_TRUNC != 0,
            directory: flags & O_DIRECTORY != 0,
            no_follow: flags & O_NOFOLLOW != 0,
        };
        let node = self.fs.open(path(payload)?, options, Self::creator(request, 0o644)).map_err(errno)?;
        let access = flags & O_ACCMODE;
        let id = self.next_handle;
        self.next_handle += 1;
        self.handles.insert(
            id,
            Handle {
                node,
                position: 0,
                append: flags & O_APPEND != 0,
                readable: access != O_WRONLY,
                writable: access != O_RDONLY,
                cursor: 0,
            },
        );
        Ok(id as usize)
    }

    fn stat(&self, node: NodeId) -> Vec<u8> {
        let Some(info) = self.fs.node(node) else { return Vec::new() };
        let kind = match info.kind() {
            Kind::File => MODE_FILE,
            Kind::Dir => MODE_DIR,
            Kind::Symlink => MODE_SYMLINK,
        };
        let stat = Stat {
            st_ino: node.0,
            st_mode: kind | info.mode,
            st_nlink: info.links,
            st_uid: info.uid,
            st_gid: info.gid,
            st_size: info.size(),
            st_blksize: 4096,
            st_blocks: info.size().div_ceil(512),
            st_mtime: info.modified,
            ..Stat::default()
        };
        // SAFETY: `Stat` is plain old data.
        unsafe { core::slice::from_raw_parts((&raw const stat).cast::<u8>(), size_of::<Stat>()) }.to_vec()
    }

    fn entries(&mut self, id: u64, wanted: usize) -> Answer {
        let (node, cursor) = match self.handle(id) {
            Ok(handle) => (handle.node, handle.cursor),
            Err(e) => return (Err(e), Vec::new()),
        };
        let entries = match self.fs.entries(node) {
            Ok(entries) => entries,
            Err(e) => return (Err(errno(e)), Vec::new()),
        };
        let mut out = Vec::new();
        let mut taken = 0;
        for (name, kind) in entries.iter().skip(cursor) {
            if out.len() + 2 + name.len() > wanted {
                break;
            }
            let kind = match kind {
                Kind::File => DIRENT_FILE,
                Kind::Dir => DIRENT_DIR,
                Kind::Symlink => DIRENT_SYMLINK,
            };
            out.push(kind);
            out.push(name.len() as u8);
            out.extend_from_slice(name.as_bytes());
            taken += 1;
        }
        if taken == 0 && cursor < entries.len() {
            return (Err(EINVAL), Vec::new());
        }
        if let Ok(handle) = self.handle(id) {
            handle.cursor += taken;
        }
        (Ok(out.len()), out)
    }

    fn serve(&mut self, request: &Request, payload: &[u8]) -> Option<Answer> {
        let none = Vec::new;
        let result = match request.opcode {
            op::OPEN => self.open(request, payload),
            op::READ => {
                let positioned = request.args[2] == op::POSITIONED;
                let handle = match self.handle(request.handle) {
                    Ok(handle) if handle.readable => {
                        (handle.node, if positioned { request.args[1] } else { handle.position })
                    }
                    Ok(_) => return Some((Err(EBADF), none())),
                    Err(e) => return Some((Err(e), none())),
                };
                return Some(match self.fs.read(handle.0, handle.1, request.args[0] as usize) {
                    Ok(data) => {
                        let data = data.to_vec();
                        if let (false, Ok(h)) = (positioned, self.handle(request.handle)) {
                            h.position += data.len() as u64;
                        }
                        (Ok(data.len()), data)
                    }
                    Err(e) => (Err(errno(e)), none()),
                });
            }
            op::WRITE => (|| {
                let size = |fs: &MemFs, node| fs.node(node).map_or(0, |n| n.size());
                let handle = self.handle(request.handle)?;
                if !handle.writable {
                    return Err(EBADF);
                }
                let (node, append, position) = (handle.node, handle.append, handle.position);
                let positioned = request.args[2] == op::POSITIONED;
                let offset = match (positioned, append) {
                    (true, _) => request.args[1],
                    (false, true) => size(&self.fs, node),
                    (false, false) => position,
                };
                let written = self.fs.write(node, offset, payload, now()).map_err(errno)?;
                if !positioned {
                    self.handle(request.handle)?.position = offset + written as u64;
                }
                Ok(written)
            })(),
            op::FSTAT => {
                return Some(match self.handle(request.handle) {
                    Ok(handle) => {
                        let node = handle.node;
                        (Ok(0), self.stat(node))
                    }
                    Err(e) => (Err(e), none()),
                });
            }
            op::LSEEK => (|| {
                let handle = self.handles.get(&request.handle).ok_or(EBADF)?;
                let size = self.fs.node(handle.node).map_or(0, |n| n.size()) as i64;
                let base = match request.args[1] as usize {
                    SEEK_SET => 0,
                    SEEK_CUR => handle.position as i64,
                    SEEK_END => size,
                    _ => return Err(EINVAL),
                };
                let target = base.checked_add(request.args[0] as i64).filter(|t| *t >= 0).ok_or(EINVAL)?;
                self.handle(request.handle)?.position = target as u64;
                Ok(target as usize)
            })(),
            op::FTRUNCATE => (|| {
                let node = self.handle(request.handle)?.node;
                self.fs.truncate(node, request.args[0], now()).map_err(errno).map(|_| 0)
            })(),
            op::FSYNC => self.handle(request.handle).map(|_| 0),
            op::GETDENTS => return Some(self.entries(request.handle, request.args[0] as usize)),
            op::CLOSE => {
                if let Some(handle) = self.handles.remove(&request.handle) {
                    self.fs.release(handle.node);
                }
                return None;
            }
            op::CANCEL => return None,
            // A second, independent handle on the same node (its own position).
            op::DUP => (|| {
                let copy = Handle { position: 0, cursor: 0, ..*self.handle(request.handle)? };
                self.fs.retain(copy.node).map_err(errno)?;
                let id = self.next_handle;
                self.next_handle += 1;
                self.handles.insert(id, copy);
                Ok(id as usize)
            })(),
            op::MKDIR => (|| {
                let creator = Self::creator(request, (request.args[0] as u16) & 0o7777);
                self.fs.mkdir(path(payload)?, creator).map_err(errno).map(|_| 0)
            })(),
            op::RMDIR => (|| self.fs.rmdir(path(payload)?).map_err(errno).map(|_| 0))(),
            op::UNLINK => (|| self.fs.unlink(path(payload)?).map_err(errno).map(|_| 0))(),
            op::RENAME => (|| {
                let (from, to) = path_pair(payload)?;
                self.fs.rename(from, to).map_err(errno).map(|_| 0)
            })(),
            op::SYMLINK => (|| {
                let (target, link) = path_pair(payload)?;
                self.fs.symlink(target, link, Self::creator(request, 0o777)).map_err(errno).map(|_| 0)
            })(),
            op::READLINK => {
                return Some(match path(payload).and_then(|p| self.fs.readlink(p).map_err(errno)) {
                    Ok(target) => {
                        let bytes = target.as_bytes();
                        let bytes = bytes[..bytes.len().min(request.args[0] as usize)].to_vec();
                        (Ok(bytes.len()), bytes)
                    }
                    Err(e) => (Err(e), none()),
                });
            }
            _ => Err(EINVAL),
        };
        Some((result, none()))
    }
}

fn main() -> i32 {
    let name: String = env::args().nth(1).unwrap_or_else(|| String::from("tmp"));
    let server = match Server::create(&name) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("tmpfs: cannot register scheme {name}: {e}");
            return 1;
        }
    };
    let mut tmpfs = Tmpfs { fs: MemFs::new(), handles: BTreeMap::new(), next_handle: 1 };
    loop {
        let incoming = match server.next() {
            Ok(incoming) => incoming,
            Err(e) => {
                eprintln!("tmpfs: reading requests failed: {e}");
                return 1;
            }
        };
        if let Some((result, payload)) = tmpfs.serve(&incoming.request, &incoming.payload) {
            let _ = server.respond(incoming.request.id, result, &payload);
        }
    }
}
