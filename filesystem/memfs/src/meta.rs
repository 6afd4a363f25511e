//! Metadata: `stat`, `statvfs`, and the operations changing a node's mode,
//! owner and timestamps with their ownership rules.

use cairn_fsrules::{TimeSet, Tree, access};

use crate::node::{Content, NodeStat};
use crate::{BLOCK_SIZE, Caller, FsError, MAX_NAME, MemFs, NodeId};

/// The whole tree's figures, as `statvfs` reports them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FsStats {
    /// [`BLOCK_SIZE`].
    pub block_size: u64,
    /// Blocks of the capacity.
    pub blocks: u64,
    /// Blocks still free.
    pub free_blocks: u64,
    /// Bytes of file data held (unlinked files still open included).
    pub used_bytes: u64,
    /// Bytes of file data allowed.
    pub capacity_bytes: u64,
    /// Nodes alive.
    pub nodes: u64,
    /// Longest name ([`MAX_NAME`]).
    pub name_max: u64,
}

impl MemFs {
    /// The metadata of node `id`.
    pub fn stat(&self, id: NodeId) -> Result<NodeStat, FsError> {
        let node = self.node(id)?;
        let links = match &node.content {
            Content::Dir(dir) if node.links > 0 => {
                let subdirs = dir.entries.values().filter(|child| self.dir(**child).is_ok()).count();
                u32::try_from(subdirs).unwrap_or(u32::MAX).saturating_add(2)
            }
            _ => node.links,
        };
        Ok(NodeStat {
            inode: id.0,
            kind: node.kind(),
            mode: node.mode,
            uid: node.uid,
            gid: node.gid,
            links,
            size: node.size(),
            accessed: node.times.accessed,
            modified: node.times.modified,
            changed: node.times.changed,
        })
    }

    /// Space and node figures of the whole tree.
    pub fn statvfs(&self) -> FsStats {
        FsStats {
            block_size: BLOCK_SIZE,
            blocks: self.capacity / BLOCK_SIZE,
            free_blocks: self.capacity.saturating_sub(self.used) / BLOCK_SIZE,
            used_bytes: self.used,
            capacity_bytes: self.capacity,
            nodes: self.nodes.len() as u64,
            name_max: MAX_NAME as u64,
        }
    }

    /// Sets the permission bits of `id` (within [`MODE_MASK`]): only its
    /// owner or root may. The set-group-ID bit is dropped when a caller
    /// other than root is not in the node's group.
    pub fn chmod(&mut self, id: NodeId, mode: u16, caller: Caller, now: u64) -> Result<(), FsError> {
        let mode = access::chmod_mode(&(&*self).attributes(id)?, mode, caller)?;
        let node = self.node_mut(id)?;
        node.mode = mode;
        node.times.change(now);
        Ok(())
    }

    /// Changes the owner and/or group of `id` (`None` leaves one alone).
    /// Only root gives a node away; its owner may set the group to its own
    /// group (or keep it). On anything but a directory, as Linux does for
    /// every caller, the set-user-ID bit is cleared, and the set-group-ID
    /// bit when the group may execute.
    pub fn chown(
        &mut self,
        id: NodeId,
        uid: Option<u32>,
        gid: Option<u32>,
        caller: Caller,
        now: u64,
    ) -> Result<(), FsError> {
        let Some(owned) = access::chown_result(&(&*self).attributes(id)?, uid, gid, caller)? else {
            return Ok(());
        };
        let node = self.node_mut(id)?;
        (node.uid, node.gid, node.mode) = (owned.uid, owned.gid, owned.mode);
        node.times.change(now);
        Ok(())
    }

    /// Sets the access and modification times of `id` (`utimensat`):
    /// explicit times only by the owner or root (`NotPermitted`); the
    /// current time also by anyone who may write it (`PermissionDenied`).
    /// Anything set also sets the change time to `now`.
    pub fn set_times(
        &mut self,
        id: NodeId,
        accessed: TimeSet,
        modified: TimeSet,
        caller: Caller,
        now: u64,
    ) -> Result<(), FsError> {
        if accessed == TimeSet::Omit && modified == TimeSet::Omit {
            return self.node(id).map(drop);
        }
        let explicit = matches!(accessed, TimeSet::At(_)) || matches!(modified, TimeSet::At(_));
        access::may_set_times(&mut &*self, id, explicit, caller)?;
        let times = &mut self.node_mut(id)?.times;
        times.accessed = accessed.resolve(times.accessed, now);
        times.modified = modified.resolve(times.modified, now);
        times.change(now);
        Ok(())
    }
}
