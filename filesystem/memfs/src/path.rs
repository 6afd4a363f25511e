//! Path resolution: walking a path from a base directory (or from the root
//! when it starts with `/`), with search permission checked on every
//! directory crossed and symbolic links followed; and finding the directory
//! entry a path's last component names, for the operations that add or
//! remove entries. A [`Base`] made with [`Base::beneath`] confines the
//! walk to the base directory's subtree (Capsicum's rule for a sandboxed
//! process): no absolute path, no `..` above the base, no symbolic link
//! that is absolute or leads out of it; any of these is `Escape`.

use alloc::vec::Vec;

use crate::node::Content;
use crate::{Access, Caller, FsError, MAX_NAME, MAX_SYMLINK_HOPS, MemFs, NodeId, ROOT};

/// Longest path accepted, in bytes (and longest symbolic link target).
pub const MAX_PATH: usize = 4096;

/// Where a path starts: a directory node, and whether the walk must stay
/// beneath it. A plain [`NodeId`] converts to an unconfined base.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Base {
    pub node: NodeId,
    pub beneath: bool,
}

impl Base {
    /// A base the walk may not leave.
    pub fn beneath(node: NodeId) -> Base {
        Base { node, beneath: true }
    }
}

impl From<NodeId> for Base {
    fn from(node: NodeId) -> Base {
        Base { node, beneath: false }
    }
}

/// The state of one resolution: symbolic links followed so far, and the
/// directory the walk must stay beneath, if any.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Walk {
    pub(crate) hops: usize,
    pub(crate) confined_to: Option<NodeId>,
}

impl Walk {
    pub(crate) fn new(base: Base) -> Walk {
        Walk { hops: 0, confined_to: base.beneath.then_some(base.node) }
    }
}

/// The directory entry named by a path's last component.
pub(crate) struct Entry<'p> {
    /// The directory holding (or to hold) the entry.
    pub(crate) dir: NodeId,
    pub(crate) name: &'p str,
    /// The path ended with `/`: it must name a directory.
    pub(crate) must_be_dir: bool,
}

impl MemFs {
    /// The node `path` names, resolved from `base` (from the root if it
    /// starts with `/`; `base` itself if it is empty). Symbolic links are
    /// followed, the last one only if `follow_last` or the path ends with
    /// `/`.
    pub fn lookup(
        &self,
        base: impl Into<Base>,
        path: &str,
        follow_last: bool,
        caller: Caller,
    ) -> Result<NodeId, FsError> {
        let base = base.into();
        self.walk(base.node, path, follow_last, caller, &mut Walk::new(base))
    }

    /// [`MemFs::lookup`] from `start`, counting the symbolic links followed
    /// and keeping to the directory `walk` confines it to.
    pub(crate) fn walk(
        &self,
        start: NodeId,
        path: &str,
        follow_last: bool,
        caller: Caller,
        walk: &mut Walk,
    ) -> Result<NodeId, FsError> {
        if path.len() > MAX_PATH {
            return Err(FsError::NameTooLong);
        }
        if walk.confined_to.is_some() && path.starts_with('/') {
            return Err(FsError::Escape);
        }
        let mut current = if path.starts_with('/') { ROOT } else { start };
        self.node(current)?;
        let must_be_dir = path.ends_with('/');
        let parts: Vec<&str> = path.split('/').filter(|part| !part.is_empty()).collect();
        for (index, part) in parts.iter().enumerate() {
            let next = self.step(current, part, caller)?;
            self.keep_beneath(walk, next)?;
            let is_last = index + 1 == parts.len();
            current = match &self.node(next)?.content {
                Content::Symlink(target) if !is_last || follow_last || must_be_dir => {
                    walk.hops += 1;
                    if walk.hops > MAX_SYMLINK_HOPS {
                        return Err(FsError::Loop);
                    }
                    self.walk(current, target, true, caller, walk)?
                }
                _ => next,
            };
        }
        if must_be_dir {
            self.dir(current)?;
        }
        Ok(current)
    }

    /// `Escape` if the walk is confined and directory `id` lies outside its
    /// subtree. (Only directories are checked: a file or link is reached
    /// from a directory that was.)
    fn keep_beneath(&self, walk: &Walk, id: NodeId) -> Result<(), FsError> {
        match walk.confined_to {
            Some(base) if self.dir(id).is_ok() && !self.is_ancestor(base, id) => Err(FsError::Escape),
            _ => Ok(()),
        }
    }

    /// The node `name` (possibly `.` or `..`) names in directory `dir`,
    /// which the caller must be allowed to search.
    fn step(&self, dir: NodeId, name: &str, caller: Caller) -> Result<NodeId, FsError> {
        let entries = self.dir(dir)?;
        self.check_access(dir, caller, Access::EXECUTE)?;
        if name.len() > MAX_NAME {
            return Err(FsError::NameTooLong);
        }
        match name {
            "." => Ok(dir),
            ".." => Ok(entries.parent),
            _ => entries.entries.get(name).copied().ok_or(FsError::NotFound),
        }
    }

    /// The entry the last component of `path` names, in the directory the
    /// rest resolves to from `base` (which the caller must be allowed to
    /// search). An empty path is `NotFound`; a last component that is empty
    /// (the root), `.` or `..` is `Invalid`.
    pub(crate) fn entry<'p>(
        &self,
        base: NodeId,
        path: &'p str,
        caller: Caller,
        walk: &mut Walk,
    ) -> Result<Entry<'p>, FsError> {
        if path.is_empty() {
            return Err(FsError::NotFound);
        }
        if path.len() > MAX_PATH {
            return Err(FsError::NameTooLong);
        }
        let trimmed = path.trim_end_matches('/');
        let (parent, name) = match trimmed.rsplit_once('/') {
            Some(("", name)) => ("/", name),
            Some(split) => split,
            None => ("", trimmed),
        };
        if name.is_empty() || name == "." || name == ".." {
            return Err(FsError::Invalid);
        }
        if name.len() > MAX_NAME {
            return Err(FsError::NameTooLong);
        }
        let dir = self.walk(base, parent, true, caller, walk)?;
        self.dir(dir)?;
        self.check_access(dir, caller, Access::EXECUTE)?;
        Ok(Entry { dir, name, must_be_dir: trimmed.len() < path.len() })
    }

    /// The node `entry` names, if any.
    pub(crate) fn child(&self, entry: &Entry) -> Result<Option<NodeId>, FsError> {
        Ok(self.dir(entry.dir)?.entries.get(entry.name).copied())
    }
}
