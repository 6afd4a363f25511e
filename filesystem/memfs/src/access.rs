//! Who asks and what they may do: POSIX permission checks from a node's
//! mode, owner and group, and the directory rules for adding and removing
//! entries (write and search, the sticky bit).

use crate::node::{Kind, Node};
use crate::{FsError, MemFs, NodeId};

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

    pub(crate) fn is_root(self) -> bool {
        self.uid == 0
    }

    /// Whether the caller is root or the owner `uid`.
    pub(crate) fn owns(self, uid: u32) -> bool {
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
    const WRITE_SEARCH: Access = Access { read: false, write: true, execute: true };

    /// As `rwx` bits (0o4, 0o2, 0o1).
    fn bits(self) -> u16 {
        (u16::from(self.read) << 2) | (u16::from(self.write) << 1) | u16::from(self.execute)
    }
}

/// Whether `caller` may access `node` as asked: root may read, write and
/// search anything but execute only what has an execute bit; others get the
/// owner, group or other bits, whichever class matches first.
fn permits(node: &Node, caller: Caller, access: Access) -> bool {
    if caller.is_root() {
        return !access.execute || node.kind() == Kind::Dir || node.mode & 0o111 != 0;
    }
    let shift = if caller.uid == node.uid {
        6
    } else if caller.gid == node.gid {
        3
    } else {
        0
    };
    let granted = (node.mode >> shift) & 0o7;
    granted & access.bits() == access.bits()
}

impl MemFs {
    /// Whether `caller` may access `id` as asked (`access(2)`); a missing
    /// node is `NotFound`, a refusal `PermissionDenied`.
    pub fn check_access(&self, id: NodeId, caller: Caller, access: Access) -> Result<(), FsError> {
        if permits(self.node(id)?, caller, access) { Ok(()) } else { Err(FsError::PermissionDenied) }
    }

    /// Whether `caller` may execute `id`: a regular file with the execute
    /// bit of its class (root: any execute bit). Anything else is
    /// `PermissionDenied`, as `execve` answers.
    pub fn may_execute(&self, id: NodeId, caller: Caller) -> Result<(), FsError> {
        if self.node(id)?.kind() != Kind::File {
            return Err(FsError::PermissionDenied);
        }
        self.check_access(id, caller, Access::EXECUTE)
    }

    /// Whether `caller` may add an entry to directory `dir` (a removed
    /// directory takes none: `NotFound`).
    pub(crate) fn may_create(&self, dir: NodeId, caller: Caller) -> Result<(), FsError> {
        if self.node(dir)?.links == 0 {
            return Err(FsError::NotFound);
        }
        self.check_access(dir, caller, Access::WRITE_SEARCH)
    }

    /// Whether `caller` may remove (or rename, or replace) the entry of
    /// directory `dir` naming `victim`.
    pub(crate) fn may_delete(&self, dir: NodeId, victim: NodeId, caller: Caller) -> Result<(), FsError> {
        self.check_access(dir, caller, Access::WRITE_SEARCH)?;
        let directory = self.node(dir)?;
        if directory.mode & STICKY != 0 && !caller.owns(directory.uid) && !caller.owns(self.node(victim)?.uid) {
            return Err(FsError::NotPermitted);
        }
        Ok(())
    }
}
