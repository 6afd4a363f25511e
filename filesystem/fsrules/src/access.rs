//! Who asks and what they may do: POSIX permission checks from a node's
//! mode, owner and group; the directory rules for adding and removing
//! entries (write and search, the sticky bit); and the ownership rules of
//! `chmod`, `chown` and `utimensat`.

use crate::{Attributes, Denied, NodeType, Tree};

/// The permission bits a mode keeps.
pub const MODE_MASK: u16 = 0o7777;
/// Set-user-ID on execution.
pub const SET_UID: u16 = 0o4000;
/// Set-group-ID on execution.
pub const SET_GID: u16 = 0o2000;
/// On a directory: only an entry's owner, the directory's owner or root may
/// remove or rename the entry.
pub const STICKY: u16 = 0o1000;

/// The process asking, by effective user and group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Caller {
    pub uid: u32,
    pub gid: u32,
}

impl Caller {
    /// The superuser.
    pub const ROOT: Caller = Caller { uid: 0, gid: 0 };

    pub fn is_root(self) -> bool {
        self.uid == 0
    }

    /// Whether the caller is root or the owner `uid`.
    pub fn owns(self, uid: u32) -> bool {
        self.is_root() || self.uid == uid
    }
}

/// Permissions asked for, as `access(2)` names them (none at all asks only
/// whether the node exists). `execute` on a directory is search permission.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Access {
    pub read: bool,
    pub write: bool,
    pub execute: bool,
}

impl Access {
    pub const READ: Access = Access { read: true, write: false, execute: false };
    pub const WRITE: Access = Access { read: false, write: true, execute: false };
    /// Execute a file, or search a directory.
    pub const EXECUTE: Access = Access { read: false, write: false, execute: true };
    /// What adding or removing a directory entry needs on the directory.
    pub const WRITE_SEARCH: Access = Access { read: false, write: true, execute: true };

    /// As `rwx` bits (0o4, 0o2, 0o1).
    fn bits(self) -> u16 {
        (u16::from(self.read) << 2) | (u16::from(self.write) << 1) | u16::from(self.execute)
    }
}

/// Whether `caller` may access a node with `attributes` as asked: root may
/// read, write and search anything but execute only what has an execute
/// bit; others get the owner, group or other bits, whichever class matches
/// first.
pub fn permits(attributes: &Attributes, caller: Caller, access: Access) -> bool {
    if caller.is_root() {
        return !access.execute || attributes.kind == NodeType::Dir || attributes.mode & 0o111 != 0;
    }
    let shift = if caller.uid == attributes.uid {
        6
    } else if caller.gid == attributes.gid {
        3
    } else {
        0
    };
    let granted = (attributes.mode >> shift) & 0o7;
    granted & access.bits() == access.bits()
}

/// [`permits`] for node `id` of `tree`: a refusal is `PermissionDenied`.
pub fn check<T: Tree>(tree: &mut T, id: T::Id, caller: Caller, access: Access) -> Result<(), T::Error> {
    let attributes = tree.attributes(id)?;
    if permits(&attributes, caller, access) { Ok(()) } else { Err(Denied::PermissionDenied.into()) }
}

/// Whether `caller` may execute `id`: anything but a regular file (or a
/// node without the execute bit of the caller's class) is
/// `PermissionDenied`, as `execve` answers.
pub fn may_execute<T: Tree>(tree: &mut T, id: T::Id, caller: Caller) -> Result<(), T::Error> {
    if tree.attributes(id)?.kind != NodeType::Other {
        return Err(Denied::PermissionDenied.into());
    }
    check(tree, id, caller, Access::EXECUTE)
}

/// Whether `caller` may add an entry to directory `dir` (a removed
/// directory takes none: `NotFound`).
pub fn may_create<T: Tree>(tree: &mut T, dir: T::Id, caller: Caller) -> Result<(), T::Error> {
    if tree.attributes(dir)?.links == 0 {
        return Err(Denied::NotFound.into());
    }
    check(tree, dir, caller, Access::WRITE_SEARCH)
}

/// Whether `caller` may remove (or rename, or replace) the entry of
/// directory `dir` naming `victim`.
pub fn may_delete<T: Tree>(tree: &mut T, dir: T::Id, victim: T::Id, caller: Caller) -> Result<(), T::Error> {
    check(tree, dir, caller, Access::WRITE_SEARCH)?;
    let directory = tree.attributes(dir)?;
    if directory.mode & STICKY != 0 && !caller.owns(directory.uid) && !caller.owns(tree.attributes(victim)?.uid) {
        return Err(Denied::NotPermitted.into());
    }
    Ok(())
}

/// The mode `chmod` stores (within [`MODE_MASK`]): only the owner or root
/// may change it, and set-group-ID is dropped when a caller other than root
/// is not in the node's group.
pub fn chmod_mode(attributes: &Attributes, mode: u16, caller: Caller) -> Result<u16, Denied> {
    if !caller.owns(attributes.uid) {
        return Err(Denied::NotPermitted);
    }
    let mut mode = mode & MODE_MASK;
    if !caller.is_root() && caller.gid != attributes.gid {
        mode &= !SET_GID;
    }
    Ok(mode)
}

/// What a permitted `chown` stores: owner, group and mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ownership {
    pub uid: u32,
    pub gid: u32,
    pub mode: u16,
}

/// `chown`'s rules for changing the owner and/or group (`None` leaves one
/// alone): only root gives a node away; its owner may set the group to its
/// own group (or keep it). `Ok(None)`: nothing to change. On anything but
/// a directory, as Linux does for every caller, the set-user-ID bit is
/// cleared, and the set-group-ID bit when the group may execute.
pub fn chown_result(
    attributes: &Attributes,
    uid: Option<u32>,
    gid: Option<u32>,
    caller: Caller,
) -> Result<Option<Ownership>, Denied> {
    let owner = caller.uid == attributes.uid;
    let uid_ok = uid.is_none_or(|uid| caller.is_root() || (owner && uid == attributes.uid));
    let gid_ok = gid.is_none_or(|gid| caller.is_root() || (owner && (gid == attributes.gid || gid == caller.gid)));
    if !uid_ok || !gid_ok {
        return Err(Denied::NotPermitted);
    }
    if uid.is_none() && gid.is_none() {
        return Ok(None);
    }
    let mut mode = attributes.mode;
    if attributes.kind != NodeType::Dir {
        mode &= !SET_UID;
        if mode & 0o010 != 0 {
            mode &= !SET_GID;
        }
    }
    Ok(Some(Ownership { uid: uid.unwrap_or(attributes.uid), gid: gid.unwrap_or(attributes.gid), mode }))
}

/// How `utimensat` sets one timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeSet {
    /// To the current time (`UTIME_NOW`).
    Now,
    /// Left alone (`UTIME_OMIT`).
    Omit,
    /// To this many nanoseconds since the Unix epoch.
    At(u64),
}

impl TimeSet {
    /// The time to store, given the old one and the time now.
    pub fn resolve(self, old: u64, now: u64) -> u64 {
        match self {
            TimeSet::Now => now,
            TimeSet::Omit => old,
            TimeSet::At(time) => time,
        }
    }
}

/// `utimensat`'s rule: explicit times only by the owner or root
/// (`NotPermitted`); the current time also by anyone who may write the
/// node (`PermissionDenied`).
pub fn may_set_times<T: Tree>(tree: &mut T, id: T::Id, explicit: bool, caller: Caller) -> Result<(), T::Error> {
    if caller.owns(tree.attributes(id)?.uid) {
        return Ok(());
    }
    if explicit {
        return Err(Denied::NotPermitted.into());
    }
    check(tree, id, caller, Access::WRITE)
}
