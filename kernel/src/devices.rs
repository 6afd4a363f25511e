//! The `dev` scheme, reached as `/dev`: the names programs expect there,
//! each leading somewhere else. Most are links to a path (`null` →
//! `/scheme/null`) resolved again, as text, through the caller's own
//! namespace with its own rights, so `/dev` grants nothing the caller could
//! not open by the longer name. Four are about the caller itself and are
//! answered here: `fd/N` (a copy of its fd N), `stdin`, `stdout`, `stderr`
//! (`fd/0`..`fd/2`) and `tty` (its controlling terminal).
//!
//! Drivers add their devices: `symlink(TARGET, "/dev/NAME")` by root adds a
//! link, `unlink("/dev/NAME")` removes it. The table is one for the
//! machine (like Linux's devtmpfs), so a link added after a process
//! narrowed its namespace is still seen by it; whether the link's target
//! opens is up to that namespace.
//!
//! Why the kernel and not a user-space server: `fd/N`, `stdin`... name the
//! caller's own fds and `tty` its session, which no server can reach; and a
//! server opening a link's target for its client would open it with the
//! server's rights and namespace instead of the client's. What is left is
//! a table of names and a re-resolution in `syscall::resolve`.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use cairn_abi::{Error, Result, error};

/// A name under `/dev`: at most this many bytes, no `/`.
const MAX_NAME: usize = 64;

/// Links followed while resolving one path before giving up (`ELOOP`).
pub const MAX_HOPS: usize = 8;

/// Links at most (a full table refuses more with `ENOSPC`).
const MAX_LINKS: usize = 256;

/// The links there from boot: the kernel's own devices.
const BUILT_IN: [(&str, &str); 5] = [
    ("null", "/scheme/null"),
    ("zero", "/scheme/zero"),
    ("full", "/scheme/full"),
    ("random", "/scheme/rand"),
    ("urandom", "/scheme/rand"),
];

/// Names answered from the caller's own state, listed with the links.
const PER_PROCESS: [&str; 5] = ["fd", "stdin", "stdout", "stderr", "tty"];

/// The link table (name → target path).
static LINKS: spin::Mutex<BTreeMap<String, String>> = spin::Mutex::new(BTreeMap::new());

/// Fills the table with the built-in links (at boot, before user space).
pub fn init() {
    let mut links = LINKS.lock();
    for (name, target) in BUILT_IN {
        links.insert(String::from(name), String::from(target));
    }
}

/// What a path inside `/dev` names.
#[derive(Debug, PartialEq, Eq)]
pub enum Entry {
    /// `/dev` itself.
    Root,
    /// `/dev/fd`: the caller's fds.
    Descriptors,
    /// `/dev/fd/N`, `/dev/stdin`...: the caller's fd N.
    Descriptor(usize),
    /// `/dev/tty`: the caller's controlling terminal.
    Terminal,
    /// A link: the path it leads to (the target, with the rest of the path
    /// after the name appended).
    Link(String),
}

/// What `inside` (the path after `/dev`, no `.` or `..`) names.
pub fn entry(inside: &str) -> Result<Entry> {
    let inside = inside.trim_start_matches('/');
    if inside.is_empty() {
        return Ok(Entry::Root);
    }
    let (name, rest) = inside.split_once('/').unwrap_or((inside, ""));
    let standard =
        |fd: usize| if rest.is_empty() { Ok(Entry::Descriptor(fd)) } else { Err(Error::new(error::ENOTDIR)) };
    match name {
        "fd" if rest.is_empty() => Ok(Entry::Descriptors),
        "fd" => match rest.parse::<usize>() {
            Ok(fd) if !rest.starts_with('+') => Ok(Entry::Descriptor(fd)),
            _ => Err(Error::new(error::ENOENT)),
        },
        "stdin" => standard(0),
        "stdout" => standard(1),
        "stderr" => standard(2),
        "tty" if rest.is_empty() => Ok(Entry::Terminal),
        "tty" => Err(Error::new(error::ENOTDIR)),
        _ => {
            let target = LINKS.lock().get(name).cloned().ok_or(Error::new(error::ENOENT))?;
            let leads_to = if rest.is_empty() { target } else { alloc::format!("{target}/{rest}") };
            Ok(Entry::Link(leads_to))
        }
    }
}

/// The names `/dev` lists, each with whether it is a link (else a
/// directory for `fd`, a file for the rest).
pub fn list() -> Vec<(String, bool)> {
    let mut names: Vec<(String, bool)> = PER_PROCESS.iter().map(|name| (String::from(*name), false)).collect();
    names.extend(LINKS.lock().keys().map(|name| (name.clone(), true)));
    names
}

/// The target of link `name`.
pub fn target(name: &str) -> Result<String> {
    LINKS.lock().get(name).cloned().ok_or(Error::new(error::ENOENT))
}

/// Adds link `name` → `target` for a process of uid `uid` (root only).
pub fn add(name: &str, target: &str, uid: u32) -> Result<()> {
    if uid != 0 {
        return Err(Error::new(error::EACCES));
    }
    if name.is_empty() || name.len() > MAX_NAME || name.contains('/') {
        return Err(Error::new(error::EINVAL));
    }
    if !target.starts_with('/') {
        return Err(Error::new(error::EINVAL));
    }
    if PER_PROCESS.contains(&name) {
        return Err(Error::new(error::EEXIST));
    }
    let mut links = LINKS.lock();
    if links.contains_key(name) {
        return Err(Error::new(error::EEXIST));
    }
    if links.len() >= MAX_LINKS {
        return Err(Error::new(error::ENOSPC));
    }
    links.insert(String::from(name), String::from(target));
    Ok(())
}

/// Removes link `name` for a process of uid `uid` (root only).
pub fn remove(name: &str, uid: u32) -> Result<()> {
    if uid != 0 {
        return Err(Error::new(error::EACCES));
    }
    LINKS.lock().remove(name).map(drop).ok_or(Error::new(error::ENOENT))
}
