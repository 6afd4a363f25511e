//! Path and directory system calls that only user schemes can serve
//! (the initfs and kernel schemes are read-only): mkdir, rmdir, unlink,
//! rename, link, symlink, readlink, chmod, chown, utimens; and the fd calls
//! ftruncate, fsync, fstatvfs, getdents. `symlink`, `unlink` and
//! `readlink` of `/dev/NAME` act on the `dev` link table (see
//! [`crate::devices`]). Relative paths start at the
//! working directory or a directory fd (see [`super::resolve`]).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use cairn_abi::scheme::{self as protocol, MAX_PAYLOAD, TIME_NOW, TIME_OMIT};
use cairn_abi::{AT_FDCWD, Error, Result, StatVfs, TimeSpec, UTIME_NOW, UTIME_OMIT, error, rights};

use super::file::{reply_value, scheme_call};
use super::resolve::{self, UserPath};
use super::user;
use crate::devices;
use crate::fd::Object;
use crate::scheme::{Call, ClientHandle};
use crate::task;

fn errno(code: i32) -> Error {
    Error::new(code)
}

/// Sends a path operation (`args[2]` carries the path flags) and returns
/// the server's result.
fn path_call(target: UserPath, opcode: u32, args: [u64; 2], max_reply: usize) -> Result<Vec<u8>> {
    let args = [args[0], args[1], target.flags()];
    let call = Call::new(opcode, target.base, args, target.path.into_bytes(), max_reply);
    let reply = scheme_call(&target.scheme, call)?;
    reply_value(&reply)?;
    Ok(reply.payload)
}

/// A path read from user memory; with `empty_allowed` an empty path is
/// kept (it names the directory fd itself).
fn path_argument(address: usize, len: usize, empty_allowed: bool) -> Result<String> {
    if len == 0 && empty_allowed { Ok(String::new()) } else { user::read_path(address, len) }
}

/// The writable user-scheme place of a path relative to the working directory.
fn writable(path: usize, len: usize) -> Result<UserPath> {
    resolve::writable(AT_FDCWD, &user::read_path(path, len)?)
}

pub fn mkdir(path: usize, len: usize, mode: usize) -> Result<usize> {
    path_call(writable(path, len)?, protocol::MKDIR, [super::process::creation_mode(mode), 0], 0).map(|_| 0)
}

pub fn rmdir(path: usize, len: usize) -> Result<usize> {
    path_call(writable(path, len)?, protocol::RMDIR, [0; 2], 0).map(|_| 0)
}

pub fn unlink(path: usize, len: usize) -> Result<usize> {
    let path = user::read_path(path, len)?;
    if let Some(name) = resolve::device_link(AT_FDCWD, &path)? {
        return devices::remove(&name, caller_uid()).map(|_| 0);
    }
    path_call(resolve::writable(AT_FDCWD, &path)?, protocol::UNLINK, [0; 2], 0).map(|_| 0)
}

/// The uid of the calling process (root alone changes `/dev`).
fn caller_uid() -> u32 {
    task::with(|tasks| tasks.current_process().uid)
}

/// RENAME and LINK: two paths in one scheme; the payload is old NUL new and
/// `args[0]` the directory the new path starts at.
fn two_paths(opcode: u32, from: UserPath, to: UserPath) -> Result<usize> {
    if !Arc::ptr_eq(&from.scheme, &to.scheme) {
        return Err(errno(error::EXDEV));
    }
    let payload = [from.path.as_bytes(), &[0], to.path.as_bytes()].concat();
    let flags = from.flags() | if to.beneath { protocol::PATH_BENEATH_NEW } else { 0 };
    let call = Call::new(opcode, from.base, [to.base, 0, flags], payload, 0);
    reply_value(&scheme_call(&from.scheme, call)?).map(|_| 0)
}

pub fn rename(old: usize, old_len: usize, new: usize, new_len: usize) -> Result<usize> {
    two_paths(protocol::RENAME, writable(old, old_len)?, writable(new, new_len)?)
}

pub fn linkat(a: [usize; 6]) -> Result<usize> {
    let from = resolve::writable(a[0], &user::read_path(a[1], a[2])?)?;
    let to = resolve::writable(a[3], &user::read_path(a[4], a[5])?)?;
    two_paths(protocol::LINK, from, to)
}

pub fn symlink(target: usize, target_len: usize, path: usize, path_len: usize) -> Result<usize> {
    let target = user::read_path(target, target_len)?;
    let path = user::read_path(path, path_len)?;
    if let Some(name) = resolve::device_link(AT_FDCWD, &path)? {
        return devices::add(&name, &target, caller_uid()).map(|_| 0);
    }
    let link = resolve::writable(AT_FDCWD, &path)?;
    let payload = [target.as_bytes(), &[0], link.path.as_bytes()].concat();
    let call = Call::new(protocol::SYMLINK, link.base, [0, 0, link.flags()], payload, 0);
    reply_value(&scheme_call(&link.scheme, call)?).map(|_| 0)
}

pub fn readlink(path: usize, len: usize, buffer: usize, capacity: usize) -> Result<usize> {
    let capacity = capacity.min(MAX_PAYLOAD);
    let path = user::read_path(path, len)?;
    if let Some(name) = resolve::device_link(AT_FDCWD, &path)? {
        let target = devices::target(&name)?;
        let shown = &target.as_bytes()[..target.len().min(capacity)];
        user::write_bytes(buffer, shown)?;
        return Ok(shown.len());
    }
    let target = path_call(resolve::writable(AT_FDCWD, &path)?, protocol::READLINK, [capacity as u64, 0], capacity)?;
    user::write_bytes(buffer, &target)?;
    Ok(target.len())
}

pub fn fchmodat(dirfd: usize, path: usize, len: usize, mode: usize) -> Result<usize> {
    let target = resolve::writable(dirfd, &path_argument(path, len, true)?)?;
    path_call(target, protocol::CHMOD, [mode as u64 & 0o7777, 0], 0).map(|_| 0)
}

pub fn fchownat(a: [usize; 6]) -> Result<usize> {
    let target = resolve::writable(a[0], &path_argument(a[1], a[2], true)?)?;
    let id = |value: usize| u32::try_from(value).map(u64::from).map_err(|_| errno(error::EINVAL));
    path_call(target, protocol::CHOWN, [id(a[3])?, id(a[4])?], 0).map(|_| 0)
}

/// A `utimensat` time as the protocol carries it.
fn time_value(time: &TimeSpec) -> Result<u64> {
    match time.tv_nsec {
        UTIME_NOW => Ok(TIME_NOW),
        UTIME_OMIT => Ok(TIME_OMIT),
        nanos if (0..1_000_000_000).contains(&nanos) && time.tv_sec >= 0 => {
            (time.tv_sec as u64).checked_mul(1_000_000_000).map(|n| n + nanos as u64).ok_or(errno(error::EINVAL))
        }
        _ => Err(errno(error::EINVAL)),
    }
}

pub fn utimensat(dirfd: usize, path: usize, len: usize, times: usize) -> Result<usize> {
    let target = resolve::writable(dirfd, &path_argument(path, len, true)?)?;
    let (access, modified) = if times == 0 {
        (TIME_NOW, TIME_NOW)
    } else {
        let times: [TimeSpec; 2] = user::read_value(times)?;
        (time_value(&times[0])?, time_value(&times[1])?)
    };
    path_call(target, protocol::UTIMENS, [access, modified], 0).map(|_| 0)
}

/// The scheme handle behind `fd` (which needs `needed` rights); other
/// objects give `not_scheme`.
fn client(fd: usize, needed: u32, not_scheme: i32) -> Result<Arc<ClientHandle>> {
    let object = task::with(|tasks| tasks.current_process().fds.get(fd, needed).map(|h| h.object.clone()))?;
    match object {
        Object::SchemeHandle(client) => Ok(client),
        _ => Err(errno(not_scheme)),
    }
}

/// Sends an operation on the scheme handle behind `fd`.
fn handle_call(fd: usize, needed: u32, not_scheme: i32, opcode: u32, args: [u64; 3], max: usize) -> Result<Vec<u8>> {
    let client = client(fd, needed, not_scheme)?;
    let reply = scheme_call(&client.scheme, Call::new(opcode, client.id, args, Vec::new(), max))?;
    reply_value(&reply)?;
    Ok(reply.payload)
}

pub fn ftruncate(fd: usize, len: usize) -> Result<usize> {
    handle_call(fd, rights::WRITE, error::EINVAL, protocol::FTRUNCATE, [len as u64, 0, 0], 0).map(|_| 0)
}

pub fn fsync(fd: usize) -> Result<usize> {
    match handle_call(fd, 0, error::EINVAL, protocol::FSYNC, [0; 3], 0) {
        // Kernel objects have nothing to write back.
        Err(e) if e.errno == error::EINVAL => Ok(0),
        other => other.map(|_| 0),
    }
}

/// `fstatvfs`: a user scheme answers for its file system; kernel objects
/// live in no file system with space to report (all zero).
pub fn fstatvfs(fd: usize, address: usize) -> Result<usize> {
    let size = size_of::<StatVfs>();
    let statistics = match handle_call(fd, 0, error::ENOSYS, protocol::FSTATVFS, [0; 3], size) {
        Ok(bytes) if bytes.len() == size => bytes,
        Ok(_) => return Err(errno(error::EIO)),
        Err(e) if e.errno == error::ENOSYS => StatVfs::default().to_vec(),
        Err(e) => return Err(e),
    };
    user::write_bytes(address, &statistics)?;
    Ok(0)
}

pub fn getdents(fd: usize, buffer: usize, len: usize) -> Result<usize> {
    let wanted = len.min(MAX_PAYLOAD);
    let listed = task::with(|tasks| -> Result<Option<Vec<u8>>> {
        let handle = tasks.current_process().fds.get(fd, rights::READ)?;
        let Object::Directory { entries, cursor, .. } = &mut handle.object else { return Ok(None) };
        let mut out = Vec::new();
        for (name, kind) in entries.iter().skip(*cursor) {
            let name = &name.as_bytes()[..name.len().min(255)];
            if out.len() + 2 + name.len() > wanted {
                if out.is_empty() {
                    return Err(errno(error::EINVAL));
                }
                break;
            }
            out.push(*kind);
            out.push(name.len() as u8);
            out.extend_from_slice(name);
            *cursor += 1;
        }
        Ok(Some(out))
    })?;
    if let Some(entries) = listed {
        user::write_bytes(buffer, &entries)?;
        return Ok(entries.len());
    }
    let entries = handle_call(fd, rights::READ, error::ENOTDIR, protocol::GETDENTS, [wanted as u64, 0, 0], wanted)?;
    user::write_bytes(buffer, &entries)?;
    Ok(entries.len())
}
