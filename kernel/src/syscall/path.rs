//! Path and directory system calls that only user schemes can serve
//! (the initfs and kernel schemes are read-only): mkdir, rmdir, unlink,
//! rename, symlink, readlink, and the fd calls ftruncate, fsync, getdents.

use alloc::string::String;
use alloc::vec::Vec;

use cairn_abi::scheme::{self as protocol, MAX_PAYLOAD};
use cairn_abi::{Error, Result, error, rights};

use super::file::{reply_value, scheme_call};
use super::user;
use crate::fd::Object;
use crate::namespace::{self, Target};
use crate::scheme::{Call, SchemeRef};
use crate::task;

fn errno(code: i32) -> Error {
    Error::new(code)
}

/// The user scheme serving `path` and the path inside it; read-only
/// schemes give `EROFS`.
fn writable_scheme(path: &str) -> Result<(SchemeRef, String)> {
    let (namespace, path) = super::file::locate(path);
    match namespace::resolve(&namespace, &path)? {
        (Target::User(scheme), inside) => Ok((scheme, String::from(inside))),
        _ => Err(errno(error::EROFS)),
    }
}

/// Sends a path operation and returns the server's result.
fn path_call(scheme: &SchemeRef, opcode: u32, args: [u64; 3], payload: Vec<u8>, max_reply: usize) -> Result<Vec<u8>> {
    let reply = scheme_call(scheme, Call { opcode, handle: 0, args, payload, max_reply, passed: None })?;
    reply_value(&reply)?;
    Ok(reply.payload)
}

pub fn mkdir(path: usize, len: usize, mode: usize) -> Result<usize> {
    let (scheme, inside) = writable_scheme(&user::read_path(path, len)?)?;
    path_call(&scheme, protocol::MKDIR, [mode as u64 & 0o7777, 0, 0], inside.into_bytes(), 0).map(|_| 0)
}

pub fn rmdir(path: usize, len: usize) -> Result<usize> {
    let (scheme, inside) = writable_scheme(&user::read_path(path, len)?)?;
    path_call(&scheme, protocol::RMDIR, [0; 3], inside.into_bytes(), 0).map(|_| 0)
}

pub fn unlink(path: usize, len: usize) -> Result<usize> {
    let (scheme, inside) = writable_scheme(&user::read_path(path, len)?)?;
    path_call(&scheme, protocol::UNLINK, [0; 3], inside.into_bytes(), 0).map(|_| 0)
}

/// Two strings joined by a NUL, as RENAME and SYMLINK carry them.
fn pair(first: &str, second: &str) -> Vec<u8> {
    [first.as_bytes(), &[0], second.as_bytes()].concat()
}

pub fn rename(old: usize, old_len: usize, new: usize, new_len: usize) -> Result<usize> {
    let (from_scheme, from) = writable_scheme(&user::read_path(old, old_len)?)?;
    let (to_scheme, to) = writable_scheme(&user::read_path(new, new_len)?)?;
    if !alloc::sync::Arc::ptr_eq(&from_scheme, &to_scheme) {
        return Err(errno(error::EXDEV));
    }
    path_call(&from_scheme, protocol::RENAME, [0; 3], pair(&from, &to), 0).map(|_| 0)
}

pub fn symlink(target: usize, target_len: usize, path: usize, path_len: usize) -> Result<usize> {
    let target = user::read_path(target, target_len)?;
    let (scheme, inside) = writable_scheme(&user::read_path(path, path_len)?)?;
    path_call(&scheme, protocol::SYMLINK, [0; 3], pair(&target, &inside), 0).map(|_| 0)
}

pub fn readlink(path: usize, len: usize, buffer: usize, capacity: usize) -> Result<usize> {
    let (scheme, inside) = writable_scheme(&user::read_path(path, len)?)?;
    let capacity = capacity.min(MAX_PAYLOAD);
    let target = path_call(&scheme, protocol::READLINK, [capacity as u64, 0, 0], inside.into_bytes(), capacity)?;
    user::write_bytes(buffer, &target)?;
    Ok(target.len())
}

/// Sends an operation on the scheme handle behind `fd` (which needs
/// `needed` rights); other objects give `not_scheme`.
fn handle_call(
    fd: usize,
    needed: u32,
    not_scheme: i32,
    opcode: u32,
    args: [u64; 3],
    max_reply: usize,
) -> Result<Vec<u8>> {
    let object = task::with(|tasks| tasks.current_process().fds.get(fd, needed).map(|h| h.object.clone()))?;
    let Object::SchemeHandle(client) = object else { return Err(errno(not_scheme)) };
    let reply = scheme_call(
        &client.scheme,
        Call { opcode, handle: client.id, args, payload: Vec::new(), max_reply, passed: None },
    )?;
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

pub fn getdents(fd: usize, buffer: usize, len: usize) -> Result<usize> {
    let wanted = len.min(MAX_PAYLOAD);
    let listed = task::with(|tasks| -> Result<Option<Vec<u8>>> {
        let handle = tasks.current_process().fds.get(fd, rights::READ)?;
        let Object::Directory { entries, cursor } = &mut handle.object else { return Ok(None) };
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
