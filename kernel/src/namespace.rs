//! Namespaces: the set of scheme names a process can reach. A child shares
//! its parent's namespace; a process may build a namespace holding a subset
//! of its own names (never more) and enter it. The empty namespace leaves a
//! process only the fds it holds. Registering a scheme needs the
//! namespace's register permission, which a subset keeps only if asked.
//!
//! A registered name belongs to the uid that registered it: when its
//! server dies, only that uid or root may register the name again (so an
//! unprivileged process cannot take over a dead root server's name), and
//! only root may take the root file system `file` over from the initfs.
//! Kernel names and names with a live server are never taken.
//!
//! A user scheme's name is a [`Binding`] shared by every namespace copied
//! (whole or narrowed) from the one it was registered in. Registering a
//! dead name again rebinds it for all of them, so a restarted server (a
//! driver `devd` restarts) is reached again by every process that reached
//! the old one — and by no other.
//!
//! Confinement: a relative lookup through a held directory handle whose
//! scheme the namespace does not reach (see [`reaches`]) must stay beneath
//! that directory (checked as text here, and by the server for symbolic
//! links), so a narrowed namespace cannot be left through a directory fd
//! or the working directory.
//!
//! Path resolution: `/scheme/NAME/rest` and `NAME:rest` go to scheme NAME;
//! `/dev/rest` to scheme `dev` (see [`crate::devices`]); any other absolute
//! path goes to the file system mounted on its longest [`Mount`] point, or
//! to the root file system, scheme `file`.
//!
//! Mounts: a namespace holds up to [`MAX_MOUNTS`] mount points, each a
//! directory path of the file tree bound to a user scheme (a file-system
//! server mounts the scheme it serves). A path at or under the point goes
//! straight to that scheme's server with the rest of the path — one round
//! trip, no other server involved. Copies of a namespace share nothing: a
//! mount made later is seen by the processes sharing the namespace it was
//! made in (children share their parent's), as Linux's mount namespaces.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use cairn_abi::{Error, Result, error};

use crate::scheme::SchemeRef;

/// Schemes the kernel itself serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelScheme {
    /// Reads see end of file, writes vanish.
    Null,
    /// Reads see zero bytes, writes vanish.
    Zero,
    /// Reads see zero bytes, writes fail with `ENOSPC` (a full disk).
    Full,
    /// Reads see random bytes (RDRAND, or a seeded ChaCha20 generator).
    Rand,
    /// Text files about the system: `processes`, `meminfo`, `cpus`,
    /// `uptime`, `log`.
    Sys,
    /// Legacy interrupt lines (`irq/N`), for drivers.
    Irq,
    /// I/O port ranges (`ioport/FIRST-LAST`), for drivers.
    IoPort,
    /// The boot framebuffer, for the display driver.
    Framebuffer,
    /// The PCI functions found at boot, read-only (`crate::pci`).
    Pci,
    /// `/dev` (see [`crate::devices`]).
    Devices,
}

/// What a scheme name leads to.
#[derive(Clone, Debug)]
pub enum Target {
    /// The kernel's read-only initfs.
    Initfs,
    /// A scheme the kernel serves.
    Kernel(KernelScheme),
    /// A scheme served by a user process, through its name's binding.
    User(Binding),
}

/// The server a user scheme name leads to now, shared by the namespaces
/// that hold the name.
pub type Binding = Arc<spin::Mutex<SchemeRef>>;

#[derive(Clone, Debug)]
pub struct Namespace {
    /// Its own names (all of them, unless it is a [`View`]).
    pub entries: BTreeMap<String, Target>,
    /// A live view of another namespace: its names, except the hidden
    /// ones, are reached too — also those registered there later.
    pub view: Option<View>,
    pub can_register: bool,
    /// The uid that registered each user scheme name.
    pub owners: BTreeMap<String, u32>,
    /// Mount points of the file tree.
    pub mounts: Vec<Mount>,
}

/// A namespace seen through another, without some of its names.
#[derive(Clone, Debug)]
pub struct View {
    pub base: NamespaceRef,
    pub hidden: BTreeSet<String>,
}

/// Most views stacked on one another (a lookup walks them all).
pub const MAX_VIEW_DEPTH: usize = 8;

impl Namespace {
    /// How many views deep it is: 0 for a namespace of its own names.
    pub fn depth(&self) -> usize {
        self.view.as_ref().map_or(0, |view| 1 + view.base.lock().depth())
    }
}

/// Most mount points a namespace holds.
pub const MAX_MOUNTS: usize = 64;

/// A directory of the file tree bound to a user scheme.
#[derive(Clone, Debug)]
pub struct Mount {
    /// The directory, absolute and normalised (never `/`).
    pub point: String,
    /// The server's scheme.
    pub scheme: SchemeRef,
    /// What `/scheme/sys/mounts` shows: the source (a device), the
    /// file-system type and the options, as the server gave them.
    pub description: MountDescription,
    /// The process that mounted it (the server).
    pub server: crate::task::Pid,
}

/// The words describing a mount: `SOURCE TYPE OPTIONS`.
#[derive(Clone, Debug)]
pub struct MountDescription(String);

impl MountDescription {
    /// Longest description accepted.
    pub const MAX_LEN: usize = 256;

    /// Accepts exactly three words of printable ASCII separated by single
    /// spaces, at most [`Self::MAX_LEN`] bytes.
    pub fn parse(text: &[u8]) -> Option<MountDescription> {
        let text = core::str::from_utf8(text).ok()?;
        let printable = text.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
        let mut words = text.split(' ');
        let three_words = (0..3).all(|_| words.next().is_some_and(|word| !word.is_empty())) && words.next().is_none();
        (text.len() <= Self::MAX_LEN && printable && three_words).then(|| MountDescription(String::from(text)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `path` is `point` or lies beneath it.
fn under(path: &str, point: &str) -> bool {
    path.strip_prefix(point).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

impl Namespace {
    /// The mount whose point is the longest prefix of the absolute,
    /// normalised file-tree path `path`.
    pub fn mount_of(&self, path: &str) -> Option<&Mount> {
        self.mounts.iter().filter(|mount| under(path, &mount.point)).max_by_key(|mount| mount.point.len())
    }
}

impl Namespace {
    /// A namespace of `entries` (and no view or mounts).
    pub fn new(entries: BTreeMap<String, Target>, can_register: bool, owners: BTreeMap<String, u32>) -> Namespace {
        Namespace { entries, view: None, can_register, owners, mounts: Vec::new() }
    }

    /// What `name` leads to: its own entry, or the viewed namespace's.
    pub fn lookup(&self, name: &str) -> Option<Target> {
        self.entries.get(name).cloned().or_else(|| {
            let view = self.view.as_ref().filter(|view| !view.hidden.contains(name))?;
            view.base.lock().lookup(name)
        })
    }

    /// The uid that registered user scheme `name`, here or in the viewed
    /// namespace.
    pub fn owner(&self, name: &str) -> Option<u32> {
        if self.entries.contains_key(name) {
            return self.owners.get(name).copied();
        }
        let view = self.view.as_ref().filter(|view| !view.hidden.contains(name))?;
        view.base.lock().owner(name)
    }

    /// Every name it reaches and where it leads (own entries first).
    pub fn names(&self) -> BTreeMap<String, Target> {
        let mut names = match &self.view {
            Some(view) => {
                let mut seen = view.base.lock().names();
                seen.retain(|name, _| !view.hidden.contains(name));
                seen
            }
            None => BTreeMap::new(),
        };
        names.extend(self.entries.iter().map(|(name, target)| (name.clone(), target.clone())));
        names
    }

    /// Whether the process of uid `uid` may register `name` here now.
    /// Taken names are `EEXIST`; a dead server's name registered by
    /// another uid (for anyone but root), or the initfs's `file` for
    /// anyone but root, is `EPERM`.
    pub fn may_register(&self, name: &str, uid: u32) -> Result<()> {
        let owned_by = |owner: u32| if uid == 0 || uid == owner { Ok(()) } else { Err(Error::new(error::EPERM)) };
        match self.lookup(name) {
            None => Ok(()),
            Some(Target::User(existing)) if existing.lock().lock().dead => owned_by(self.owner(name).unwrap_or(0)),
            Some(Target::Initfs) if name == ROOT_SCHEME => owned_by(0),
            Some(_) => Err(Error::new(error::EEXIST)),
        }
    }

    /// Registers `name` for `scheme`, owned by `uid` (after
    /// [`Namespace::may_register`]): a dead user scheme's binding is
    /// rebound (for every namespace sharing it), any other name bound anew.
    pub fn register(&mut self, name: String, scheme: SchemeRef, uid: u32) {
        self.owners.insert(name.clone(), uid);
        match self.lookup(&name) {
            Some(Target::User(binding)) => *binding.lock() = scheme,
            _ => {
                self.entries.insert(name, Target::User(Arc::new(spin::Mutex::new(scheme))));
            }
        }
    }
}

/// Whether `namespace` reaches `scheme` by some name or mount point (then
/// a lookup from a directory of `scheme` cannot go anywhere the namespace
/// could not).
pub fn reaches(namespace: &NamespaceRef, scheme: &SchemeRef) -> bool {
    let namespace = namespace.lock();
    namespace
        .names()
        .values()
        .any(|target| matches!(target, Target::User(binding) if Arc::ptr_eq(&binding.lock(), scheme)))
        || namespace.mounts.iter().any(|mount| Arc::ptr_eq(&mount.scheme, scheme))
}

/// Where a lookup of relative `path` from a directory reached as the
/// file-tree path `base` leaves the file system `base` is on — crossing a
/// mount point, or climbing above the root of `base`'s file system — as
/// the absolute path to resolve instead; `None` when it stays (the
/// directory's server resolves it).
pub fn leaves_file_system(namespace: &NamespaceRef, base: &str, path: &str) -> Option<String> {
    let namespace = namespace.lock();
    if namespace.mounts.is_empty() || !base.starts_with('/') || split(base).ok()?.0 != ROOT_SCHEME {
        return None;
    }
    let whole = absolute(base, path);
    let home = namespace.mount_of(base).map(|mount| mount.point.as_str());
    if namespace.mount_of(&whole).map(|mount| mount.point.as_str()) != home {
        return Some(whole);
    }
    // How deep `base` lies below its file system's root.
    let root = home.unwrap_or("");
    let mut depth = base[root.len()..].split('/').filter(|part| !part.is_empty()).count();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match depth.checked_sub(1) {
                Some(up) => depth = up,
                None => return Some(whole),
            },
            _ => depth += 1,
        }
    }
    None
}

/// Whether `path` stays beneath the directory it starts at, read as text:
/// it is relative and `..` never climbs above it.
pub fn stays_beneath(path: &str) -> bool {
    if path.starts_with('/') {
        return false;
    }
    let mut depth = 0usize;
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match depth.checked_sub(1) {
                Some(up) => depth = up,
                None => return false,
            },
            _ => depth += 1,
        }
    }
    true
}

pub type NamespaceRef = Arc<spin::Mutex<Namespace>>;

/// The scheme the root file system is reached through.
pub const ROOT_SCHEME: &str = "file";

/// The first process's namespace: the initfs as `initfs` and as the root
/// file system, the kernel's `null`, `zero`, `full`, `rand`, `sys`, `pci` and `dev` schemes, the
/// driver schemes `irq`, `ioport` and `framebuffer` (init keeps them for its
/// privileged services), and the right to register schemes.
pub fn initial() -> NamespaceRef {
    let mut entries = BTreeMap::new();
    entries.insert(String::from("initfs"), Target::Initfs);
    entries.insert(String::from(ROOT_SCHEME), Target::Initfs);
    for (name, scheme) in [
        ("null", KernelScheme::Null),
        ("zero", KernelScheme::Zero),
        ("full", KernelScheme::Full),
        ("rand", KernelScheme::Rand),
        ("sys", KernelScheme::Sys),
        ("irq", KernelScheme::Irq),
        ("ioport", KernelScheme::IoPort),
        ("framebuffer", KernelScheme::Framebuffer),
        ("pci", KernelScheme::Pci),
        (DEVICES_SCHEME, KernelScheme::Devices),
    ] {
        entries.insert(String::from(name), Target::Kernel(scheme));
    }
    Arc::new(spin::Mutex::new(Namespace::new(entries, true, BTreeMap::new())))
}

/// The scheme `/dev` leads to.
pub const DEVICES_SCHEME: &str = "dev";

/// Where the scheme listing lives.
pub const SCHEME_DIRECTORY: &str = "/scheme";

/// Whether `path` is legacy `NAME:rest` form.
fn is_legacy(path: &str) -> bool {
    !path.starts_with('/') && path.find(':').is_some_and(|c| path.find('/').is_none_or(|s| c < s))
}

/// Whether `path` starts from a directory (neither absolute nor legacy).
pub fn is_relative(path: &str) -> bool {
    !path.starts_with('/') && !is_legacy(path)
}

/// Makes `path` absolute (relative to `cwd`) and removes `.`, `..` and
/// empty components; `..` stops at the root of the file system or of a
/// `/scheme/NAME` tree. Legacy `NAME:rest` paths are returned unchanged.
pub fn absolute(cwd: &str, path: &str) -> String {
    if is_legacy(path) {
        return String::from(path);
    }
    let base = if path.starts_with('/') { "" } else { cwd };
    // Built in place, one allocation (this is on every open's path).
    let mut result = String::with_capacity(base.len() + path.len() + 2);
    // Parts so far, and the bytes `..` may not remove: `/scheme/NAME`.
    let (mut depth, mut floor) = (0usize, 0usize);
    for part in components(base).chain(components(path)) {
        match part {
            "" | "." => {}
            ".." => {
                if result.len() > floor {
                    result.truncate(result.rfind('/').unwrap_or(0));
                    depth -= 1;
                }
            }
            part => {
                result.push('/');
                result.push_str(part);
                depth += 1;
                if depth == 2 && result.starts_with("/scheme/") {
                    floor = result.len();
                }
            }
        }
    }
    if result.is_empty() {
        result.push('/');
    }
    result
}

/// The `/`-separated parts of `path`, empty ones included (as
/// `str::split('/')` gives them), found by a plain byte scan: paths are
/// short, and on the open path the general searcher cost more than the
/// scan.
fn components(path: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(path);
    core::iter::from_fn(move || {
        let text = rest?;
        match text.bytes().position(|b| b == b'/') {
            Some(at) => {
                rest = Some(&text[at + 1..]);
                Some(&text[..at])
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

/// Splits a path into scheme name and the path inside the scheme.
pub fn split(path: &str) -> Result<(&str, &str)> {
    if let Some(rest) = path.strip_prefix("/scheme/") {
        let (name, inside) =
            rest.bytes().position(|b| b == b'/').map_or((rest, ""), |at| (&rest[..at], &rest[at + 1..]));
        return Ok((name, inside));
    }
    if path == "/dev" {
        return Ok((DEVICES_SCHEME, ""));
    }
    if let Some(inside) = path.strip_prefix("/dev/") {
        return Ok((DEVICES_SCHEME, inside));
    }
    if path.starts_with('/') {
        return Ok((ROOT_SCHEME, path));
    }
    match path.split_once(':') {
        Some((name, inside)) => Ok((name, inside)),
        None => Err(Error::new(error::ENOENT)),
    }
}

/// The absolute initfs path for a path inside the initfs scheme.
pub fn initfs_path(inside: &str) -> String {
    if inside.starts_with('/') { String::from(inside) } else { alloc::format!("/{inside}") }
}

/// What a path leads to.
pub enum Resolved<'p> {
    /// A scheme name's target, and the path inside it.
    Named(Target, &'p str),
    /// A mounted file system's scheme, and the path inside it.
    Mounted(SchemeRef, &'p str),
}

/// Finds what `path` leads to in `namespace`: a mount point's scheme, or a
/// scheme name's target, with the path inside it. A name the namespace
/// lacks is `ENODEV`; a dead scheme `EIO`.
pub fn resolve<'p>(namespace: &NamespaceRef, path: &'p str) -> Result<Resolved<'p>> {
    let (name, inside) = split(path)?;
    let namespace = namespace.lock();
    if name == ROOT_SCHEME
        && path.starts_with('/')
        && let Some(mount) = namespace.mount_of(path)
    {
        if mount.scheme.lock().dead {
            return Err(Error::new(error::EIO));
        }
        return Ok(Resolved::Mounted(mount.scheme.clone(), &path[mount.point.len()..]));
    }
    let target = namespace.lookup(name).ok_or(Error::new(error::ENODEV))?;
    if let Target::User(binding) = &target
        && binding.lock().lock().dead
    {
        return Err(Error::new(error::EIO));
    }
    Ok(Resolved::Named(target, inside))
}
