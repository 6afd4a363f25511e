//! An in-memory POSIX-style file tree: the logic of Cairn's tmpfs server,
//! kept apart from the server loop so it can be tested on the host.
//!
//! Regular files (sparse: writing past the end fills with zeroes),
//! directories and symbolic links; `..` never climbs above the root;
//! symbolic links are followed up to [`MAX_SYMLINK_HOPS`] times (`Loop`
//! beyond); rename follows POSIX (replacing files, empty directories only,
//! never into its own subtree); a node unlinked while open lives on until
//! its last handle is released, then its memory is returned.
//!
//! Depends on `core` and `alloc` only.
#![no_std]

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Symbolic links followed while resolving one path before giving up.
pub const MAX_SYMLINK_HOPS: usize = 40;
/// Longest name of one directory entry.
pub const MAX_NAME: usize = 255;
/// Largest file.
pub const MAX_FILE_SIZE: u64 = 1 << 30;

/// Identifies a node (an inode number).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NodeId(pub u64);

/// Why an operation failed (the server maps these to errno values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsError {
    NotFound,
    Exists,
    NotDir,
    IsDir,
    NotEmpty,
    Loop,
    Invalid,
    NameTooLong,
    Busy,
    TooLarge,
}

/// What a node is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    File(Vec<u8>),
    Dir(BTreeMap<String, NodeId>),
    Symlink(String),
}

/// A file, directory or symbolic link with its metadata.
#[derive(Clone, Debug)]
pub struct Node {
    pub content: Content,
    /// Permission bits (`0o7777`).
    pub mode: u16,
    pub uid: u32,
    pub gid: u32,
    /// Directory entries naming it.
    pub links: u32,
    /// Open handles on it.
    pub opens: u32,
    /// Last modification, in the caller's time unit.
    pub modified: u64,
    /// The directory holding it (itself for the root).
    pub parent: NodeId,
}

/// What kind of node a directory entry names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
}

impl Node {
    pub fn kind(&self) -> Kind {
        match self.content {
            Content::File(_) => Kind::File,
            Content::Dir(_) => Kind::Dir,
            Content::Symlink(_) => Kind::Symlink,
        }
    }

    /// Size in bytes (entries for a directory, target length for a link).
    pub fn size(&self) -> u64 {
        match &self.content {
            Content::File(data) => data.len() as u64,
            Content::Dir(entries) => entries.len() as u64,
            Content::Symlink(target) => target.len() as u64,
        }
    }
}

/// How `open` treats the last component.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenOptions {
    pub create: bool,
    pub exclusive: bool,
    pub truncate: bool,
    pub directory: bool,
    pub no_follow: bool,
}

/// Who creates a node, with what mode, at what time.
#[derive(Clone, Copy, Debug, Default)]
pub struct Creator {
    pub uid: u32,
    pub gid: u32,
    pub mode: u16,
    pub now: u64,
}

/// The tree.
#[derive(Debug)]
pub struct MemFs {
    nodes: BTreeMap<NodeId, Node>,
    next: u64,
}

pub const ROOT: NodeId = NodeId(1);

/// The components of a path; empty and `.` components are dropped.
fn components(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|c| !c.is_empty() && *c != ".")
}

/// Splits a path into its parent part and last component.
fn split_last(path: &str) -> Result<(&str, &str), FsError> {
    let trimmed = path.trim_end_matches('/');
    let (parent, name) = trimmed.rsplit_once('/').unwrap_or(("", trimmed));
    if name.is_empty() || name == "." || name == ".." {
        return Err(FsError::Invalid);
    }
    if name.len() > MAX_NAME {
        return Err(FsError::NameTooLong);
    }
    Ok((parent, name))
}

impl Default for MemFs {
    fn default() -> Self {
        MemFs::new()
    }
}

impl MemFs {
    /// A tree holding only an empty root directory (mode 0o755, owned by root).
    pub fn new() -> MemFs {
        let mut nodes = BTreeMap::new();
        let root = Node {
            content: Content::Dir(BTreeMap::new()),
            mode: 0o755,
            uid: 0,
            gid: 0,
            links: 1,
            opens: 0,
            modified: 0,
            parent: ROOT,
        };
        nodes.insert(ROOT, root);
        MemFs { nodes, next: 2 }
    }

    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(&id)
    }

    /// Another handle opened `id` (undone by [`MemFs::release`]).
    pub fn retain(&mut self, id: NodeId) -> Result<(), FsError> {
        self.nodes.get_mut(&id).ok_or(FsError::NotFound)?.opens += 1;
        Ok(())
    }

    /// Number of nodes alive (for tests: memory is returned).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    fn dir(&self, id: NodeId) -> Result<&BTreeMap<String, NodeId>, FsError> {
        match &self.nodes.get(&id).ok_or(FsError::NotFound)?.content {
            Content::Dir(entries) => Ok(entries),
            _ => Err(FsError::NotDir),
        }
    }

    fn dir_mut(&mut self, id: NodeId) -> Result<&mut BTreeMap<String, NodeId>, FsError> {
        match &mut self.nodes.get_mut(&id).ok_or(FsError::NotFound)?.content {
            Content::Dir(entries) => Ok(entries),
            _ => Err(FsError::NotDir),
        }
    }

    /// Resolves `path` from `start`, following symbolic links (the last
    /// one only if `follow_last`), counting hops in `hops`.
    fn walk(&self, start: NodeId, path: &str, follow_last: bool, hops: &mut usize) -> Result<NodeId, FsError> {
        let mut current = if path.starts_with('/') { ROOT } else { start };
        let parts: Vec<&str> = components(path).collect();
        for (index, part) in parts.iter().enumerate() {
            if *part == ".." {
                current = self.nodes[&current].parent;
                continue;
            }
            let next = *self.dir(current)?.get(*part).ok_or(FsError::NotFound)?;
            let is_last = index + 1 == parts.len();
            if let Content::Symlink(target) = &self.nodes[&next].content
                && (!is_last || follow_last)
            {
                *hops += 1;
                if *hops > MAX_SYMLINK_HOPS {
                    return Err(FsError::Loop);
                }
                current = self.walk(current, target, true, hops)?;
            } else {
                current = next;
            }
        }
        Ok(current)
    }

    /// The node `path` names (symbolic links followed, the last one only
    /// if `follow_last`).
    pub fn lookup(&self, path: &str, follow_last: bool) -> Result<NodeId, FsError> {
        self.walk(ROOT, path, follow_last, &mut 0)
    }

    /// The directory that will hold the last component of `path`, and that name.
    fn parent_of<'p>(&self, path: &'p str) -> Result<(NodeId, &'p str), FsError> {
        let (parent, name) = split_last(path)?;
        let parent = self.lookup(parent, true)?;
        self.dir(parent)?;
        Ok((parent, name))
    }

    fn insert(&mut self, parent: NodeId, name: &str, content: Content, creator: Creator) -> NodeId {
        let id = NodeId(self.next);
        self.next += 1;
        let node = Node {
            content,
            mode: creator.mode & 0o7777,
            uid: creator.uid,
            gid: creator.gid,
            links: 1,
            opens: 0,
            modified: creator.now,
            parent,
        };
        self.nodes.insert(id, node);
        if let Ok(entries) = self.dir_mut(parent) {
            entries.insert(name.to_string(), id);
        }
        id
    }

    /// Opens (and maybe creates) `path`; the caller must [`MemFs::release`]
    /// the node when its handle closes.
    pub fn open(&mut self, path: &str, options: OpenOptions, creator: Creator) -> Result<NodeId, FsError> {
        let found = self.lookup(path, !options.no_follow);
        let id = match found {
            Ok(_) if options.create && options.exclusive => return Err(FsError::Exists),
            Ok(id) => id,
            Err(FsError::NotFound) if options.create && !options.directory => {
                let (parent, name) = self.parent_of(path)?;
                self.insert(parent, name, Content::File(Vec::new()), creator)
            }
            Err(e) => return Err(e),
        };
        let node = self.nodes.get_mut(&id).ok_or(FsError::NotFound)?;
        match (&mut node.content, options.directory) {
            (Content::Dir(_), _) if options.truncate => return Err(FsError::IsDir),
            (Content::Dir(_), _) => {}
            (_, true) => return Err(FsError::NotDir),
            (Content::Symlink(_), false) => return Err(FsError::Loop),
            (Content::File(data), false) => {
                if options.truncate {
                    data.clear();
                    node.modified = creator.now;
                }
            }
        }
        node.opens += 1;
        Ok(id)
    }

    /// A handle on `id` closed; frees the node if nothing names it any more.
    pub fn release(&mut self, id: NodeId) {
        if let Some(node) = self.nodes.get_mut(&id) {
            node.opens = node.opens.saturating_sub(1);
            self.free_if_unused(id);
        }
    }

    fn free_if_unused(&mut self, id: NodeId) {
        if id != ROOT && self.nodes.get(&id).is_some_and(|n| n.links == 0 && n.opens == 0) {
            self.nodes.remove(&id);
        }
    }

    /// Reads up to `len` bytes at `offset`.
    pub fn read(&self, id: NodeId, offset: u64, len: usize) -> Result<&[u8], FsError> {
        match &self.nodes.get(&id).ok_or(FsError::NotFound)?.content {
            Content::File(data) => {
                let start = (offset as usize).min(data.len());
                let end = start + len.min(data.len() - start);
                Ok(&data[start..end])
            }
            Content::Dir(_) => Err(FsError::IsDir),
            Content::Symlink(_) => Err(FsError::Invalid),
        }
    }

    /// Writes `bytes` at `offset` (past the end, the gap reads as zeroes).
    pub fn write(&mut self, id: NodeId, offset: u64, bytes: &[u8], now: u64) -> Result<usize, FsError> {
        let end = offset.checked_add(bytes.len() as u64).ok_or(FsError::TooLarge)?;
        if end > MAX_FILE_SIZE {
            return Err(FsError::TooLarge);
        }
        let node = self.nodes.get_mut(&id).ok_or(FsError::NotFound)?;
        let Content::File(data) = &mut node.content else { return Err(FsError::IsDir) };
        if data.len() < end as usize {
            data.resize(end as usize, 0);
        }
        data[offset as usize..end as usize].copy_from_slice(bytes);
        node.modified = now;
        Ok(bytes.len())
    }

    /// Sets a file's length (growing with zeroes).
    pub fn truncate(&mut self, id: NodeId, len: u64, now: u64) -> Result<(), FsError> {
        if len > MAX_FILE_SIZE {
            return Err(FsError::TooLarge);
        }
        let node = self.nodes.get_mut(&id).ok_or(FsError::NotFound)?;
        let Content::File(data) = &mut node.content else { return Err(FsError::IsDir) };
        data.resize(len as usize, 0);
        data.shrink_to_fit();
        node.modified = now;
        Ok(())
    }

    pub fn mkdir(&mut self, path: &str, creator: Creator) -> Result<NodeId, FsError> {
        let (parent, name) = self.parent_of(path)?;
        if self.dir(parent)?.contains_key(name) {
            return Err(FsError::Exists);
        }
        Ok(self.insert(parent, name, Content::Dir(BTreeMap::new()), creator))
    }

    pub fn symlink(&mut self, target: &str, path: &str, creator: Creator) -> Result<NodeId, FsError> {
        let (parent, name) = self.parent_of(path)?;
        if self.dir(parent)?.contains_key(name) {
            return Err(FsError::Exists);
        }
        Ok(self.insert(parent, name, Content::Symlink(target.to_string()), Creator { mode: 0o777, ..creator }))
    }

    pub fn readlink(&self, path: &str) -> Result<&str, FsError> {
        match &self.nodes[&self.lookup(path, false)?].content {
            Content::Symlink(target) => Ok(target),
            _ => Err(FsError::Invalid),
        }
    }

    /// Removes a directory entry for a non-directory.
    pub fn unlink(&mut self, path: &str) -> Result<(), FsError> {
        let (parent, name) = self.parent_of(path)?;
        let id = *self.dir(parent)?.get(name).ok_or(FsError::NotFound)?;
        if self.nodes[&id].kind() == Kind::Dir {
            return Err(FsError::IsDir);
        }
        self.dir_mut(parent)?.remove(name);
        self.unlink_node(id);
        Ok(())
    }

    fn unlink_node(&mut self, id: NodeId) {
        if let Some(node) = self.nodes.get_mut(&id) {
            node.links = node.links.saturating_sub(1);
        }
        self.free_if_unused(id);
    }

    /// Removes an empty directory.
    pub fn rmdir(&mut self, path: &str) -> Result<(), FsError> {
        let (parent, name) = self.parent_of(path)?;
        let id = *self.dir(parent)?.get(name).ok_or(FsError::NotFound)?;
        if !self.dir(id)?.is_empty() {
            return Err(FsError::NotEmpty);
        }
        self.dir_mut(parent)?.remove(name);
        self.unlink_node(id);
        Ok(())
    }

    /// Whether `ancestor` is `id` or one of its parents.
    fn is_ancestor(&self, ancestor: NodeId, mut id: NodeId) -> bool {
        loop {
            if id == ancestor {
                return true;
            }
            let parent = self.nodes[&id].parent;
            if parent == id {
                return false;
            }
            id = parent;
        }
    }

    /// POSIX rename: replaces a file, or an empty directory with a
    /// directory; never moves a directory into itself.
    pub fn rename(&mut self, from: &str, to: &str) -> Result<(), FsError> {
        let (from_parent, from_name) = self.parent_of(from)?;
        let id = *self.dir(from_parent)?.get(from_name).ok_or(FsError::NotFound)?;
        let (to_parent, to_name) = self.parent_of(to)?;
        let moving_dir = self.nodes[&id].kind() == Kind::Dir;
        if moving_dir && self.is_ancestor(id, to_parent) {
            return Err(FsError::Invalid);
        }
        if let Some(&existing) = self.dir(to_parent)?.get(to_name) {
            if existing == id {
                return Ok(());
            }
            match (moving_dir, self.nodes[&existing].kind() == Kind::Dir) {
                (true, true) if !self.dir(existing)?.is_empty() => return Err(FsError::NotEmpty),
                (true, false) => return Err(FsError::NotDir),
                (false, true) => return Err(FsError::IsDir),
                _ => {}
            }
            self.dir_mut(to_parent)?.remove(to_name);
            self.unlink_node(existing);
        }
        self.dir_mut(from_parent)?.remove(from_name);
        self.dir_mut(to_parent)?.insert(to_name.to_string(), id);
        if let Some(node) = self.nodes.get_mut(&id) {
            node.parent = to_parent;
        }
        Ok(())
    }

    /// The entries of directory `id`, by name.
    pub fn entries(&self, id: NodeId) -> Result<Vec<(String, Kind)>, FsError> {
        Ok(self.dir(id)?.iter().map(|(name, child)| (name.clone(), self.nodes[child].kind())).collect())
    }
}

#[cfg(test)]
mod tests;
