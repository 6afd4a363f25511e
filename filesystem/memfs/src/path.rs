//! Path resolution: the tree as `cairn-fsrules` walks it ([`Tree`]), and
//! [`MemFs::lookup`]. The walk itself (search permission on every
//! directory crossed, symbolic links followed, a [`Base::beneath`] walk
//! kept inside its base's subtree: `Escape`) is the shared one.

use alloc::string::String;

use cairn_fsrules::{Attributes, Denied, NodeType, Tree, path};

use crate::node::Content;
use crate::{Caller, FsError, Kind, MemFs, NodeId, ROOT};

/// Where a path starts: a directory node, and whether the walk must stay
/// beneath it. A plain [`NodeId`] converts to an unconfined base.
pub type Base = cairn_fsrules::Base<NodeId>;

impl From<NodeId> for Base {
    fn from(node: NodeId) -> Base {
        Base::free(node)
    }
}

impl From<Denied> for FsError {
    fn from(denied: Denied) -> FsError {
        match denied {
            Denied::NotFound => FsError::NotFound,
            Denied::Exists => FsError::Exists,
            Denied::NotDir => FsError::NotDir,
            Denied::IsDir => FsError::IsDir,
            Denied::NotEmpty => FsError::NotEmpty,
            Denied::Loop => FsError::Loop,
            Denied::NameTooLong => FsError::NameTooLong,
            Denied::Invalid => FsError::Invalid,
            Denied::PermissionDenied => FsError::PermissionDenied,
            Denied::NotPermitted => FsError::NotPermitted,
            Denied::Escape => FsError::Escape,
        }
    }
}

impl Tree for &MemFs {
    type Id = NodeId;
    type Error = FsError;

    fn root(&self) -> NodeId {
        ROOT
    }

    fn attributes(&mut self, id: NodeId) -> Result<Attributes, FsError> {
        let node = self.node(id)?;
        let kind = match node.kind() {
            Kind::Dir => NodeType::Dir,
            Kind::Symlink => NodeType::Symlink,
            Kind::File => NodeType::Other,
        };
        Ok(Attributes { kind, mode: node.mode, uid: node.uid, gid: node.gid, links: node.links })
    }

    fn child(&mut self, dir: NodeId, name: &str) -> Result<Option<NodeId>, FsError> {
        Ok(self.dir(dir)?.entries.get(name).copied())
    }

    fn parent(&mut self, dir: NodeId) -> Result<NodeId, FsError> {
        Ok(self.dir(dir)?.parent)
    }

    fn link_target(&mut self, id: NodeId) -> Result<String, FsError> {
        match &self.node(id)?.content {
            Content::Symlink(target) => Ok(target.clone()),
            _ => Err(FsError::Invalid),
        }
    }

    fn is_empty_dir(&mut self, dir: NodeId) -> Result<bool, FsError> {
        Ok(self.dir(dir)?.entries.is_empty())
    }
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
        path::lookup(&mut &*self, base.into(), path, follow_last, caller)
    }
}
