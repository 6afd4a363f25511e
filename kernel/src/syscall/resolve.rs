//! Where a path leads, seen from the caller: absolute paths through its
//! namespace (`/scheme/NAME/rest`, legacy `NAME:rest`, other absolute
//! paths to the root file system), relative paths from a directory fd or
//! the working directory. A directory of a user scheme is a held handle:
//! the relative path goes to its server, which resolves it (`..` stops at
//! the scheme's root). A directory the kernel lists (initfs, `/scheme`)
//! is joined as text.
//!
//! A directory fd needs [`rights::LOOKUP`] to start a path, or
//! [`rights::ATTR`] when the path is empty (the metadata calls acting on
//! the fd itself). A lookup from a handle whose scheme the caller's
//! namespace does not reach is confined beneath the handle: `..` above it
//! is refused here (`EACCES`) and the server is told to refuse symbolic
//! links leading out ([`protocol::PATH_BENEATH`]).

use alloc::string::String;
use alloc::sync::Arc;

use cairn_abi::scheme as protocol;
use cairn_abi::{AT_FDCWD, Error, Result, error, rights};

use crate::devices::{self, Entry};
use crate::fd::Object;
use crate::namespace::{self, KernelScheme, NamespaceRef, Resolved, Target};
use crate::scheme::{ClientHandle, SchemeRef};
use crate::task;
use crate::task::affinity::AffinityTarget;

/// What a path names.
pub enum Place {
    /// `/scheme`: the list of reachable scheme names.
    SchemeList,
    /// A path in the initfs (absolute).
    Initfs(String),
    /// A path in a kernel scheme.
    Kernel(KernelScheme, String),
    /// A path in a user scheme, relative to directory handle `base` (0:
    /// the scheme's root).
    User(UserPath),
    /// `/dev`: the list of device names.
    Devices,
    /// `/dev/fd`: the list of the caller's fds.
    Descriptors,
    /// `/dev/fd/N` (or `stdin`...): the caller's fd N.
    Descriptor(usize),
    /// A resource of a device context (`crate::device_context::open`).
    DeviceResource(Arc<crate::device_context::DeviceContext>, String),
    /// A file of a process or thread handle (`sched-affinity`), and whether
    /// the handle had the SIGNAL right (to act on the task).
    TaskFile(AffinityTarget, bool, String),
}

/// A path for a user scheme's server.
pub struct UserPath {
    pub scheme: SchemeRef,
    pub base: u64,
    pub path: String,
    /// The whole path, absolute and normalised as text (recorded on the
    /// handles it opens).
    pub absolute: String,
    /// The server must keep the lookup beneath `base`.
    pub beneath: bool,
}

impl UserPath {
    /// The path flags ([`protocol::PATH_BENEATH`]) a request for this path
    /// carries in `args[2]`.
    pub fn flags(&self) -> u64 {
        if self.beneath { protocol::PATH_BENEATH } else { 0 }
    }
}

/// Where a relative path starts.
enum Start {
    /// A directory handle of a user scheme.
    Handle(Arc<ClientHandle>),
    /// A directory known by its absolute path.
    Path(String),
    /// A device context, whose resources are opened relative to it.
    Device(Arc<crate::device_context::DeviceContext>),
    /// A process or thread handle, and whether it has the SIGNAL right.
    Task(AffinityTarget, bool),
}

/// The directory `dirfd` names ([`AT_FDCWD`]: the working directory); the
/// fd needs `needed` rights.
fn start(dirfd: usize, needed: u32) -> Result<(NamespaceRef, Start)> {
    task::with(|tasks| {
        let process = tasks.current_process();
        let start = if dirfd == AT_FDCWD {
            match &process.cwd.handle {
                Some(handle) => Start::Handle(handle.clone()),
                None => Start::Path(process.cwd.path.clone()),
            }
        } else {
            let handle = process.fds.get(dirfd, needed)?;
            let control = handle.rights & rights::SIGNAL != 0;
            match &handle.object {
                Object::SchemeHandle(client) => Start::Handle(client.clone()),
                Object::Directory { path, .. } => Start::Path(String::from(&**path)),
                Object::DeviceContext(context) => Start::Device(context.clone()),
                Object::Process { pid, end } => Start::Task(AffinityTarget::Process(*pid, end.clone()), control),
                Object::Thread { tid, end } => Start::Task(AffinityTarget::Thread(*tid, end.clone()), control),
                _ => return Err(Error::new(error::ENOTDIR)),
            }
        };
        Ok((process.namespace.clone(), start))
    })
}

/// Resolves `path` from `dirfd`. An empty path names `dirfd` itself when
/// it is a user scheme handle (as Linux's `AT_EMPTY_PATH`), otherwise it
/// is `ENOENT`.
pub fn place(dirfd: usize, path: &str) -> Result<Place> {
    if !namespace::is_relative(path) {
        let namespace = task::with(|tasks| tasks.current_process().namespace.clone());
        return by_absolute(&namespace, namespace::absolute("/", path), 0);
    }
    let needed = if path.is_empty() { rights::ATTR } else { rights::LOOKUP };
    let (namespace, start) = start(dirfd, needed)?;
    match start {
        Start::Handle(client) => {
            let beneath = !namespace::reaches(&namespace, &client.scheme);
            if beneath && !namespace::stays_beneath(path) {
                return Err(Error::new(error::EACCES));
            }
            if !beneath && let Some(whole) = namespace::leaves_file_system(&namespace, &client.path, path) {
                return by_absolute(&namespace, whole, 0);
            }
            Ok(Place::User(UserPath {
                scheme: client.scheme.clone(),
                base: client.id,
                absolute: namespace::absolute(&client.path, path),
                path: String::from(path),
                beneath,
            }))
        }
        Start::Device(context) => Ok(Place::DeviceResource(context, String::from(path))),
        Start::Task(target, control) => Ok(Place::TaskFile(target, control, String::from(path))),
        Start::Path(_) if path.is_empty() => Err(Error::new(error::ENOENT)),
        Start::Path(directory) => by_absolute(&namespace, namespace::absolute(&directory, path), 0),
    }
}

/// The name of the `/dev` link `path` (from `dirfd`) names, when it is
/// `/dev/NAME` and the caller's namespace has `/dev`: for the calls acting
/// on a link itself (symlink, unlink, readlink), which must not follow it.
pub fn device_link(dirfd: usize, path: &str) -> Result<Option<String>> {
    let (namespace, absolute) = if !namespace::is_relative(path) {
        (task::with(|tasks| tasks.current_process().namespace.clone()), namespace::absolute("/", path))
    } else {
        match start(dirfd, rights::LOOKUP)? {
            (namespace, Start::Path(directory)) => (namespace, namespace::absolute(&directory, path)),
            (_, Start::Handle(_) | Start::Device(_) | Start::Task(..)) => return Ok(None),
        }
    };
    let Some(name) = absolute.strip_prefix("/dev/").filter(|name| !name.is_empty() && !name.contains('/')) else {
        return Ok(None);
    };
    match namespace::resolve(&namespace, &absolute) {
        Ok(Resolved::Named(Target::Kernel(KernelScheme::Devices), _)) => Ok(Some(String::from(name))),
        _ => Ok(None),
    }
}

/// Resolves an absolute, normalised path through `namespace`, after
/// `hops` `/dev` links.
fn by_absolute(namespace: &NamespaceRef, absolute: String, hops: usize) -> Result<Place> {
    if absolute == namespace::SCHEME_DIRECTORY {
        return Ok(Place::SchemeList);
    }
    let (target, inside) = match namespace::resolve(namespace, &absolute)? {
        Resolved::Named(target, inside) => (target, inside),
        Resolved::Mounted(scheme, inside) => {
            let path = scheme_root_path(inside);
            return Ok(Place::User(UserPath { scheme, base: 0, path, absolute, beneath: false }));
        }
    };
    Ok(match target {
        Target::Initfs => Place::Initfs(namespace::initfs_path(inside)),
        Target::Kernel(KernelScheme::Devices) => {
            let leads_to = match devices::entry(inside)? {
                Entry::Root => return Ok(Place::Devices),
                Entry::Descriptors => return Ok(Place::Descriptors),
                Entry::Descriptor(fd) => return Ok(Place::Descriptor(fd)),
                Entry::Terminal => task::with(|tasks| tasks.current_process().terminal.clone())
                    .map(|terminal| String::from(&*terminal))
                    .ok_or(Error::new(error::ENXIO))?,
                Entry::Link(leads_to) => leads_to,
            };
            if hops >= devices::MAX_HOPS {
                return Err(Error::new(error::ELOOP));
            }
            return by_absolute(namespace, namespace::absolute("/", &leads_to), hops + 1);
        }
        Target::Kernel(scheme) => Place::Kernel(scheme, String::from(inside)),
        Target::User(binding) => {
            let (scheme, path) = (binding.lock().clone(), scheme_root_path(inside));
            Place::User(UserPath { scheme, base: 0, path, absolute, beneath: false })
        }
    })
}

/// `inside`, a path from the root of a scheme, as its server takes it: the
/// scheme's own root is `/` (an empty path would name the base handle
/// itself).
fn scheme_root_path(inside: &str) -> String {
    String::from(if inside.is_empty() { "/" } else { inside })
}

/// The user scheme path `path` leads to; read-only places give `EROFS`.
pub fn writable(dirfd: usize, path: &str) -> Result<UserPath> {
    match place(dirfd, path)? {
        Place::User(user) => Ok(user),
        _ => Err(Error::new(error::EROFS)),
    }
}
