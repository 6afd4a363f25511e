//! An in-memory POSIX-style file tree: the logic of Cairn's tmpfs server,
//! kept apart from the server loop so it can be tested on the host.
//!
//! Regular files (sparse: writing past the end fills with zeroes),
//! directories and symbolic links, each with a mode, an owner, a group and
//! three timestamps.
//!
//! - **Paths** resolve from a base directory node (an `openat` directory or
//!   a working directory held as a handle); a path starting with `/`
//!   resolves from [`ROOT`]. `..` never climbs above the root; symbolic links
//!   are followed up to [`MAX_SYMLINK_HOPS`] times (`Loop` beyond); a
//!   trailing `/` asks for a directory. An empty path names the base itself
//!   for [`MemFs::lookup`] and [`MemFs::readlink`] (Linux's `AT_EMPTY_PATH`;
//!   the metadata operations take the node a lookup returned) and is
//!   `NotFound` for every operation that creates or removes an entry. A base
//!   made with [`Base::beneath`] keeps the walk inside the base's subtree
//!   (no absolute path, no `..` above it, no symbolic link out: `Escape`).
//! - **Permissions** are POSIX: each operation names its [`Caller`]; the
//!   owner, group or other bits of a node apply (the first class that
//!   matches); search permission is needed on every directory walked, read
//!   or write to open for reading or for writing/truncating (a directory
//!   opened for reading can be listed), write and search on a directory to
//!   add or remove entries, and a sticky directory lets only the entry's
//!   owner, the directory's owner or root remove or rename an entry. Root
//!   (uid 0) passes every read, write and search check but executes only
//!   files with at least one execute bit ([`MemFs::may_execute`]). Denials
//!   are `PermissionDenied` (`EACCES`); ownership rules broken (`chmod`,
//!   `chown`, explicit times, sticky directories, hard links to directories)
//!   are `NotPermitted` (`EPERM`).
//! - **Timestamps** (nanoseconds since the Unix epoch, `now` supplied by the
//!   caller): creating sets all three and touches the parent's modification
//!   and change times; writing and truncating set modification and change
//!   times; adding or removing an entry (create, unlink, rmdir, rename, link)
//!   touches the directories involved and the change time of the node;
//!   `chmod`/`chown`/`set_times` set the change time. Reading a file, listing
//!   a directory or reading a link sets the access time under the *relatime*
//!   policy: only when it is not later than the modification or change time,
//!   or older than [`RELATIME_INTERVAL`].
//! - **Hard links**: files and symbolic links may have several names; a
//!   directory reports 2 + its subdirectories as its link count.
//! - **Rename** follows POSIX (replacing files, empty directories only,
//!   never into its own subtree, no effect between two names of one node).
//! - **Space**: file data counts against a capacity ([`MemFs::with_capacity`],
//!   [`DEFAULT_CAPACITY`] otherwise); growth beyond it is `NoSpace`. A node
//!   whose last name is gone lives on until its last handle is released,
//!   then its memory is returned.
//!
//! The POSIX rules (permissions, ownership, path walking) are
//! `cairn-fsrules`', shared with the ext2 server.
//!
//! Depends on `core`, `alloc` and `cairn-fsrules`.
#![no_std]

extern crate alloc;

mod access;
mod data;
mod meta;
mod node;
mod path;
mod tree;

use alloc::collections::BTreeMap;

pub use cairn_fsrules::TimeSet;
pub use cairn_fsrules::{
    Access, Caller, MAX_NAME, MAX_PATH, MAX_SYMLINK_HOPS, MODE_MASK, OpenOptions, SET_GID, SET_UID, STICKY,
};
pub use meta::FsStats;
pub use node::{Kind, NodeStat, RELATIME_INTERVAL};
pub use path::Base;
pub use tree::{Creator, DirEntry};

use node::{Content, Dir, Node};

/// Largest file, in bytes.
pub const MAX_FILE_SIZE: u64 = 1 << 30;
/// Bytes of file data a tree made by [`MemFs::new`] holds at most.
pub const DEFAULT_CAPACITY: u64 = 1 << 30;
/// Block size reported by [`MemFs::statvfs`].
pub const BLOCK_SIZE: u64 = 4096;

/// Identifies a node (its inode number).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NodeId(pub u64);

/// The root directory.
pub const ROOT: NodeId = NodeId(1);

/// Why an operation failed (the server maps these to errno values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsError {
    /// `ENOENT`: no such entry (or node, or an empty path).
    NotFound,
    /// `EEXIST`.
    Exists,
    /// `ENOTDIR`: a directory was needed.
    NotDir,
    /// `EISDIR`: a directory where it cannot be used.
    IsDir,
    /// `ENOTEMPTY`.
    NotEmpty,
    /// `ELOOP`: too many symbolic links, or one where none may be.
    Loop,
    /// `EINVAL`.
    Invalid,
    /// `ENAMETOOLONG`: a name over [`MAX_NAME`] or a path over [`MAX_PATH`].
    NameTooLong,
    /// `EFBIG`: a file over [`MAX_FILE_SIZE`].
    TooLarge,
    /// `EACCES`: the mode bits refuse the access.
    PermissionDenied,
    /// `EPERM`: only the owner (or root) may do this, or it is never allowed.
    NotPermitted,
    /// `ENOSPC`: the capacity is used up.
    NoSpace,
    /// A walk confined to a base directory ([`Base::beneath`]) would leave
    /// it: an absolute path, `..` above the base, or a symbolic link that is
    /// absolute or leads out (the server answers `EACCES`).
    Escape,
}

/// The tree.
#[derive(Debug)]
pub struct MemFs {
    nodes: BTreeMap<NodeId, Node>,
    next: u64,
    /// Bytes of file data allowed.
    capacity: u64,
    /// Bytes of file data held (including unlinked files still open).
    used: u64,
}

impl Default for MemFs {
    fn default() -> Self {
        MemFs::new()
    }
}

impl MemFs {
    /// A tree holding only an empty root directory (mode 0o755, owned by
    /// root, all times 0), with room for [`DEFAULT_CAPACITY`] bytes.
    pub fn new() -> MemFs {
        MemFs::with_capacity(DEFAULT_CAPACITY)
    }

    /// Like [`MemFs::new`], with room for `capacity` bytes of file data.
    pub fn with_capacity(capacity: u64) -> MemFs {
        let root = Node::new(
            Content::Dir(Dir { entries: BTreeMap::new(), parent: ROOT }),
            Creator { caller: Caller::ROOT, mode: 0o755, now: 0 },
        );
        MemFs { nodes: BTreeMap::from([(ROOT, root)]), next: ROOT.0 + 1, capacity, used: 0 }
    }

    /// Most nodes the tree holds: one per [`BLOCK_SIZE`] of capacity (as
    /// Linux's tmpfs allows one inode per page of its size), so that empty
    /// files and directories cannot take more memory than the capacity
    /// promises either; creating more is `NoSpace`.
    pub fn max_nodes(&self) -> u64 {
        (self.capacity / BLOCK_SIZE).max(16)
    }

    /// Another handle opened `id` (undone by [`MemFs::release`]).
    pub fn retain(&mut self, id: NodeId) -> Result<(), FsError> {
        self.node_mut(id)?.opens += 1;
        Ok(())
    }

    /// A handle on `id` closed; frees the node if nothing names it any more.
    pub fn release(&mut self, id: NodeId) {
        if let Ok(node) = self.node_mut(id) {
            node.opens = node.opens.saturating_sub(1);
            self.free_if_unused(id);
        }
    }

    fn node(&self, id: NodeId) -> Result<&Node, FsError> {
        self.nodes.get(&id).ok_or(FsError::NotFound)
    }

    fn node_mut(&mut self, id: NodeId) -> Result<&mut Node, FsError> {
        self.nodes.get_mut(&id).ok_or(FsError::NotFound)
    }

    fn dir(&self, id: NodeId) -> Result<&Dir, FsError> {
        match &self.node(id)?.content {
            Content::Dir(dir) => Ok(dir),
            _ => Err(FsError::NotDir),
        }
    }

    /// One name of `id` is gone (at time `now`).
    fn drop_link(&mut self, id: NodeId, now: u64) {
        if let Ok(node) = self.node_mut(id) {
            node.links = node.links.saturating_sub(1);
            node.times.change(now);
            self.free_if_unused(id);
        }
    }

    /// Frees `id` (and returns its data's space) once neither a name nor a
    /// handle refers to it.
    fn free_if_unused(&mut self, id: NodeId) {
        if id == ROOT || !self.nodes.get(&id).is_some_and(|n| n.links == 0 && n.opens == 0) {
            return;
        }
        if let Some(Node { content: Content::File(data), .. }) = self.nodes.remove(&id) {
            self.used = self.used.saturating_sub(data.len() as u64);
        }
    }
}

#[cfg(test)]
mod tests;
