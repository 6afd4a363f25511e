//! The namespace operations: opening (and creating) files, making
//! directories, symbolic and hard links, unlinking, removing directories,
//! renaming and listing, with their permission checks and the timestamps
//! of the directories they change.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use cairn_fsrules::{NodeType, OpenOptions, Opening, ops};

use crate::node::{Content, Dir, Node};
use crate::path::Base;
use crate::{Caller, FsError, Kind, MemFs, NodeId};

/// Who creates a node, with what permission bits (the caller applies its
/// umask), at what time.
#[derive(Clone, Copy, Debug, Default)]
pub struct Creator {
    pub caller: Caller,
    pub mode: u16,
    pub now: u64,
}

/// One entry of a directory, borrowed from the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirEntry<'a> {
    pub name: &'a str,
    pub kind: Kind,
    pub id: NodeId,
}

impl MemFs {
    /// Opens (and maybe creates) `path` from `base`; the caller must
    /// [`MemFs::release`] the node when its handle closes. A created file
    /// is opened whatever its mode; an existing one needs the permissions
    /// `options` ask for.
    pub fn open(
        &mut self,
        base: impl Into<Base>,
        path: &str,
        options: OpenOptions,
        creator: Creator,
    ) -> Result<NodeId, FsError> {
        let id = match ops::open(&mut &*self, base.into(), path, options, creator.caller)? {
            Opening::Existing(id) => {
                if options.truncate {
                    self.truncate(id, 0, creator.now)?;
                }
                id
            }
            Opening::Create { dir, name } => self.insert(dir, &name, Content::File(Vec::new()), creator)?,
        };
        self.retain(id)?;
        Ok(id)
    }

    /// Makes a node named `name` in `dir`.
    fn insert(&mut self, dir: NodeId, name: &str, content: Content, creator: Creator) -> Result<NodeId, FsError> {
        if self.nodes.len() as u64 >= self.max_nodes() {
            return Err(FsError::NoSpace);
        }
        let id = NodeId(self.next);
        self.put_entry(dir, name, id, creator.now)?;
        self.next += 1;
        self.nodes.insert(id, Node::new(content, creator));
        Ok(id)
    }

    /// Points `name` in `dir` at `id`, returning the node it named before.
    fn put_entry(&mut self, dir: NodeId, name: &str, id: NodeId, now: u64) -> Result<Option<NodeId>, FsError> {
        let node = self.node_mut(dir)?;
        let Content::Dir(directory) = &mut node.content else { return Err(FsError::NotDir) };
        let replaced = directory.entries.insert(String::from(name), id);
        node.times.modify(now);
        Ok(replaced)
    }

    /// Removes `name` from `dir`, returning the node it named (whose link
    /// count the caller settles).
    fn take_entry(&mut self, dir: NodeId, name: &str, now: u64) -> Result<NodeId, FsError> {
        let node = self.node_mut(dir)?;
        let Content::Dir(directory) = &mut node.content else { return Err(FsError::NotDir) };
        let id = directory.entries.remove(name).ok_or(FsError::NotFound)?;
        node.times.modify(now);
        Ok(id)
    }

    /// Creates a regular file holding `data` (for unpacking a boot image).
    /// The file is not opened.
    pub fn create_file(
        &mut self,
        base: impl Into<Base>,
        path: &str,
        data: Vec<u8>,
        creator: Creator,
    ) -> Result<NodeId, FsError> {
        let entry = ops::new_entry(&mut &*self, base.into(), path, creator.caller, NodeType::Other)?;
        let size = data.len() as u64;
        self.check_room(0, size)?;
        let id = self.insert(entry.dir, entry.name, Content::File(data), creator)?;
        self.used += size;
        Ok(id)
    }

    /// Makes a directory.
    pub fn mkdir(&mut self, base: impl Into<Base>, path: &str, creator: Creator) -> Result<NodeId, FsError> {
        let entry = ops::new_entry(&mut &*self, base.into(), path, creator.caller, NodeType::Dir)?;
        let dir = Dir { entries: BTreeMap::new(), parent: entry.dir };
        self.insert(entry.dir, entry.name, Content::Dir(dir), creator)
    }

    /// Makes a symbolic link at `path` pointing at `target` (mode 0o777).
    pub fn symlink(
        &mut self,
        target: &str,
        base: impl Into<Base>,
        path: &str,
        creator: Creator,
    ) -> Result<NodeId, FsError> {
        let entry = ops::symlink(&mut &*self, target, base.into(), path, creator.caller)?;
        let content = Content::Symlink(String::from(target));
        self.insert(entry.dir, entry.name, content, Creator { mode: 0o777, ..creator })
    }

    /// The target of the symbolic link `path` names (`base` itself for an
    /// empty path); `Invalid` for anything else.
    pub fn readlink(&mut self, base: impl Into<Base>, path: &str, caller: Caller, now: u64) -> Result<&str, FsError> {
        let id = ops::readlink(&mut &*self, base.into(), path, caller)?;
        let Node { content: Content::Symlink(target), times, .. } = self.node_mut(id)? else {
            return Err(FsError::Invalid);
        };
        times.read(now);
        Ok(target)
    }

    /// Gives the file or symbolic link `old_path` names (not followed) the
    /// further name `new_path`. Directories are `NotPermitted`.
    pub fn link(
        &mut self,
        old_base: impl Into<Base>,
        old_path: &str,
        new_base: impl Into<Base>,
        new_path: &str,
        caller: Caller,
        now: u64,
    ) -> Result<(), FsError> {
        let linking = ops::link(&mut &*self, (old_base.into(), old_path), (new_base.into(), new_path), caller)?;
        let id = linking.id;
        self.put_entry(linking.entry.dir, linking.entry.name, id, now)?;
        let node = self.node_mut(id)?;
        node.links += 1;
        node.times.change(now);
        Ok(())
    }

    /// Removes a name of a non-directory.
    pub fn unlink(&mut self, base: impl Into<Base>, path: &str, caller: Caller, now: u64) -> Result<(), FsError> {
        let removal = ops::unlink(&mut &*self, base.into(), path, caller)?;
        self.take_entry(removal.entry.dir, removal.entry.name, now)?;
        self.drop_link(removal.id, now);
        Ok(())
    }

    /// Removes an empty directory.
    pub fn rmdir(&mut self, base: impl Into<Base>, path: &str, caller: Caller, now: u64) -> Result<(), FsError> {
        let removal = ops::rmdir(&mut &*self, base.into(), path, caller)?;
        self.take_entry(removal.entry.dir, removal.entry.name, now)?;
        self.drop_link(removal.id, now);
        Ok(())
    }

    /// POSIX rename (the rules are `cairn_fsrules::ops::rename`'s):
    /// replaces a file, or an empty directory with a directory; never moves
    /// a directory into its own subtree; does nothing when both paths name
    /// the same node.
    pub fn rename(
        &mut self,
        from_base: impl Into<Base>,
        from: &str,
        to_base: impl Into<Base>,
        to: &str,
        caller: Caller,
        now: u64,
    ) -> Result<(), FsError> {
        let Some(plan) = ops::rename(&mut &*self, (from_base.into(), from), (to_base.into(), to), caller)? else {
            return Ok(());
        };
        self.take_entry(plan.source.dir, plan.source.name, now)?;
        if let Some(old) = self.put_entry(plan.target.dir, plan.target.name, plan.id, now)? {
            self.drop_link(old, now);
        }
        let node = self.node_mut(plan.id)?;
        node.times.change(now);
        if let Content::Dir(dir) = &mut node.content {
            dir.parent = plan.target.dir;
        }
        Ok(())
    }

    /// The entries of directory `id`, by name (its access time is read),
    /// as they are found: a listing that wants only some of them (a
    /// `GETDENTS` answer from a cursor on) copies and allocates nothing
    /// for the rest. Whether the caller may list it was settled when it
    /// was opened.
    pub fn entries(&mut self, id: NodeId, now: u64) -> Result<impl Iterator<Item = DirEntry<'_>>, FsError> {
        self.dir(id)?;
        self.node_mut(id)?.times.read(now);
        let dir = self.dir(id)?;
        let nodes = &self.nodes;
        Ok(dir.entries.iter().filter_map(|(name, &id)| {
            nodes.get(&id).map(|node| DirEntry { name: name.as_str(), kind: node.kind(), id })
        }))
    }
}
