//! Metadata: `stat`, `statvfs`, and the operations changing a node's mode,
//! owner and timestamps with their ownership rules.

use crate::node::{Content, Kind, NodeStat};
use crate::{Access, BLOCK_SIZE, Caller, FsError, MAX_NAME, MODE_MASK, MemFs, NodeId, SET_GID, SET_UID};

/// How `set_times` sets one timestamp (`utimensat`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeSet {
    /// To the current time (`UTIME_NOW`).
    Now,
    /// Left alone (`UTIME_OMIT`).
    Omit,
    /// To this many nanoseconds since the Unix epoch.
    At(u64),
}

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
        let node = self.node_mut(id)?;
        if !caller.owns(node.uid) {
            return Err(FsError::NotPermitted);
        }
        let mut mode = mode & MODE_MASK;
        if !caller.is_root() && caller.gid != node.gid {
            mode &= !SET_GID;
        }
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
        let node = self.node_mut(id)?;
        let owner = caller.uid == node.uid;
        let uid_ok = uid.is_none_or(|uid| caller.is_root() || (owner && uid == node.uid));
        let gid_ok = gid.is_none_or(|gid| caller.is_root() || (owner && (gid == node.gid || gid == caller.gid)));
        if !uid_ok || !gid_ok {
            return Err(FsError::NotPermitted);
        }
        if uid.is_none() && gid.is_none() {
            return Ok(());
        }
        node.uid = uid.unwrap_or(node.uid);
        node.gid = gid.unwrap_or(node.gid);
        if node.kind() != Kind::Dir {
            node.mode &= !SET_UID;
            if node.mode & 0o010 != 0 {
                node.mode &= !SET_GID;
            }
        }
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
        let owner = caller.owns(self.node(id)?.uid);
        let explicit = matches!(accessed, TimeSet::At(_)) || matches!(modified, TimeSet::At(_));
        if explicit && !owner {
            return Err(FsError::NotPermitted);
        }
        if accessed == TimeSet::Omit && modified == TimeSet::Omit {
            return Ok(());
        }
        if !owner {
            self.check_access(id, caller, Access::WRITE)?;
        }
        let times = &mut self.node_mut(id)?.times;
        let resolve = |set: TimeSet, old: u64| match set {
            TimeSet::Now => now,
            TimeSet::Omit => old,
            TimeSet::At(time) => time,
        };
        times.accessed = resolve(accessed, times.accessed);
        times.modified = resolve(modified, times.modified);
        times.change(now);
        Ok(())
    }
}
