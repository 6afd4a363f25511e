//! A node of the tree (regular file, directory or symbolic link) with its
//! metadata, and the rules for its three timestamps.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::{Creator, MODE_MASK, NodeId};

/// How old an access time may grow before reading refreshes it even though
/// the node has not changed since it was last read (relatime), in
/// nanoseconds: one day.
pub const RELATIME_INTERVAL: u64 = 24 * 60 * 60 * 1_000_000_000;

/// What kind of node it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
}

/// A node's metadata, as `stat` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeStat {
    /// The inode number ([`NodeId`]'s value).
    pub inode: u64,
    pub kind: Kind,
    /// Permission bits (within [`MODE_MASK`]), without the kind.
    pub mode: u16,
    pub uid: u32,
    pub gid: u32,
    /// Names of a file or link; 2 + subdirectories for a directory (0 once
    /// removed).
    pub links: u32,
    /// Bytes of a file, entries of a directory, bytes of a link's target.
    pub size: u64,
    /// Last access, in nanoseconds since the Unix epoch.
    pub accessed: u64,
    /// Last change of the data (or of a directory's entries).
    pub modified: u64,
    /// Last change of the data or the metadata.
    pub changed: u64,
}

/// A directory's entries, and the directory holding it (what `..` names;
/// itself for the root).
#[derive(Debug)]
pub(crate) struct Dir {
    pub(crate) entries: BTreeMap<String, NodeId>,
    pub(crate) parent: NodeId,
}

/// What a node holds.
#[derive(Debug)]
pub(crate) enum Content {
    File(Vec<u8>),
    Dir(Dir),
    Symlink(String),
}

/// A node's three timestamps, in nanoseconds since the Unix epoch.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Times {
    pub(crate) accessed: u64,
    pub(crate) modified: u64,
    pub(crate) changed: u64,
}

impl Times {
    /// The data was read: relatime.
    pub(crate) fn read(&mut self, now: u64) {
        if self.accessed <= self.modified
            || self.accessed <= self.changed
            || now.saturating_sub(self.accessed) >= RELATIME_INTERVAL
        {
            self.accessed = now;
        }
    }

    /// The data (or a directory's entries) changed.
    pub(crate) fn modify(&mut self, now: u64) {
        self.modified = now;
        self.changed = now;
    }

    /// The metadata changed.
    pub(crate) fn change(&mut self, now: u64) {
        self.changed = now;
    }
}

/// A file, directory or symbolic link with its metadata.
#[derive(Debug)]
pub(crate) struct Node {
    pub(crate) content: Content,
    /// Permission bits (within [`MODE_MASK`]).
    pub(crate) mode: u16,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    /// Directory entries naming it (a directory: 1 while linked, 0 once
    /// removed).
    pub(crate) links: u32,
    /// Open handles on it.
    pub(crate) opens: u32,
    pub(crate) times: Times,
}

impl Node {
    /// A node named once, made by `creator`.
    pub(crate) fn new(content: Content, creator: Creator) -> Node {
        let now = creator.now;
        Node {
            content,
            mode: creator.mode & MODE_MASK,
            uid: creator.caller.uid,
            gid: creator.caller.gid,
            links: 1,
            opens: 0,
            times: Times { accessed: now, modified: now, changed: now },
        }
    }

    pub(crate) fn kind(&self) -> Kind {
        match self.content {
            Content::File(_) => Kind::File,
            Content::Dir(_) => Kind::Dir,
            Content::Symlink(_) => Kind::Symlink,
        }
    }

    /// Size in bytes (entries for a directory, target length for a link).
    pub(crate) fn size(&self) -> u64 {
        match &self.content {
            Content::File(data) => data.len() as u64,
            Content::Dir(dir) => dir.entries.len() as u64,
            Content::Symlink(target) => target.len() as u64,
        }
    }
}
