//! The namespace operations: opening (and creating) files, making
//! directories, symbolic and hard links, unlinking, removing directories,
//! renaming and listing, with their permission checks and the timestamps
//! of the directories they change.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::node::{Content, Dir, Node};
use crate::path::{Base, Entry, Walk};
use crate::{Access, Caller, FsError, Kind, MAX_PATH, MAX_SYMLINK_HOPS, MemFs, NodeId};

/// Who creates a node, with what permission bits (the caller applies its
/// umask), at what time.
#[derive(Clone, Copy, Debug, Default)]
pub struct Creator {
    pub caller: Caller,
    pub mode: u16,
    pub now: u64,
}

/// How `open` treats the path and the node. Opening with neither `read` nor
/// `write` checks no permission on the node itself (like `O_PATH`: for a
/// working directory or a base directory held as a handle).
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenOptions {
    /// For reading (or listing a directory): needs read permission.
    pub read: bool,
    /// For writing: needs write permission; refused on a directory.
    pub write: bool,
    /// Create a missing regular file (write and search on its directory);
    /// an existing directory is `IsDir`.
    pub create: bool,
    /// With `create`: fail if the last component exists (never followed).
    pub exclusive: bool,
    /// Empty the file: needs write permission; refused on a directory.
    pub truncate: bool,
    /// Only a directory will do.
    pub directory: bool,
    /// A symbolic link as last component is `Loop`.
    pub no_follow: bool,
}

/// One entry of a directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
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
        if path.is_empty() {
            return Err(FsError::NotFound);
        }
        let caller = creator.caller;
        let exclusive = options.create && options.exclusive;
        let base = base.into();
        let id = match self.walk(base.node, path, !options.no_follow && !exclusive, caller, &mut Walk::new(base)) {
            Ok(_) if exclusive => return Err(FsError::Exists),
            Ok(id) => id,
            Err(FsError::NotFound) if options.create && !options.directory => {
                let (dir, name) = self.creation_point(base.node, path, caller, &mut Walk::new(base))?;
                let id = self.insert(dir, &name, Content::File(Vec::new()), creator)?;
                self.retain(id)?;
                return Ok(id);
            }
            Err(e) => return Err(e),
        };
        let kind = self.node(id)?.kind();
        match kind {
            Kind::File | Kind::Symlink if options.directory => return Err(FsError::NotDir),
            Kind::Symlink => return Err(FsError::Loop),
            Kind::Dir if options.write || options.truncate || options.create => return Err(FsError::IsDir),
            _ => {}
        }
        let access = Access { read: options.read, write: options.write || options.truncate, execute: false };
        self.check_access(id, caller, access)?;
        if options.truncate {
            self.truncate(id, 0, creator.now)?;
        }
        self.retain(id)?;
        Ok(id)
    }

    /// Where `open` creates a missing file: the entry `path` names or, when
    /// that is a dangling symbolic link, the entry its target names.
    fn creation_point(
        &self,
        start: NodeId,
        path: &str,
        caller: Caller,
        walk: &mut Walk,
    ) -> Result<(NodeId, String), FsError> {
        let entry = self.entry(start, path, caller, walk)?;
        match self.child(&entry)? {
            Some(id) => match &self.node(id)?.content {
                Content::Symlink(target) => {
                    walk.hops += 1;
                    if walk.hops > MAX_SYMLINK_HOPS {
                        return Err(FsError::Loop);
                    }
                    self.creation_point(entry.dir, target, caller, walk)
                }
                _ => Err(FsError::Exists),
            },
            None if entry.must_be_dir => Err(FsError::IsDir),
            None => {
                self.may_create(entry.dir, caller)?;
                Ok((entry.dir, entry.name.to_string()))
            }
        }
    }

    /// The free entry `path` names, where `caller` may add a `kind` node
    /// (a trailing `/` only for a directory).
    fn new_entry<'p>(&self, base: Base, path: &'p str, caller: Caller, kind: Kind) -> Result<Entry<'p>, FsError> {
        let entry = self.entry(base.node, path, caller, &mut Walk::new(base))?;
        if self.child(&entry)?.is_some() {
            return Err(FsError::Exists);
        }
        if entry.must_be_dir && kind != Kind::Dir {
            return Err(FsError::NotFound);
        }
        self.may_create(entry.dir, caller)?;
        Ok(entry)
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
        let replaced = directory.entries.insert(name.to_string(), id);
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
        let entry = self.new_entry(base.into(), path, creator.caller, Kind::File)?;
        let size = data.len() as u64;
        self.check_room(0, size)?;
        let id = self.insert(entry.dir, entry.name, Content::File(data), creator)?;
        self.used += size;
        Ok(id)
    }

    /// Makes a directory.
    pub fn mkdir(&mut self, base: impl Into<Base>, path: &str, creator: Creator) -> Result<NodeId, FsError> {
        let entry = self.new_entry(base.into(), path, creator.caller, Kind::Dir)?;
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
        if target.is_empty() {
            return Err(FsError::NotFound);
        }
        if target.len() > MAX_PATH {
            return Err(FsError::NameTooLong);
        }
        let entry = self.new_entry(base.into(), path, creator.caller, Kind::Symlink)?;
        let content = Content::Symlink(target.to_string());
        self.insert(entry.dir, entry.name, content, Creator { mode: 0o777, ..creator })
    }

    /// The target of the symbolic link `path` names (`base` itself for an
    /// empty path); `Invalid` for anything else.
    pub fn readlink(&mut self, base: impl Into<Base>, path: &str, caller: Caller, now: u64) -> Result<&str, FsError> {
        let base = base.into();
        let id = self.walk(base.node, path, false, caller, &mut Walk::new(base))?;
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
        if old_path.is_empty() {
            return Err(FsError::NotFound);
        }
        let old_base = old_base.into();
        let id = self.walk(old_base.node, old_path, false, caller, &mut Walk::new(old_base))?;
        let kind = self.node(id)?.kind();
        if kind == Kind::Dir {
            return Err(FsError::NotPermitted);
        }
        let entry = self.new_entry(new_base.into(), new_path, caller, kind)?;
        self.put_entry(entry.dir, entry.name, id, now)?;
        let node = self.node_mut(id)?;
        node.links += 1;
        node.times.change(now);
        Ok(())
    }

    /// Removes a name of a non-directory.
    pub fn unlink(&mut self, base: impl Into<Base>, path: &str, caller: Caller, now: u64) -> Result<(), FsError> {
        let base = base.into();
        let entry = self.entry(base.node, path, caller, &mut Walk::new(base))?;
        let id = self.child(&entry)?.ok_or(FsError::NotFound)?;
        self.may_delete(entry.dir, id, caller)?;
        match self.node(id)?.kind() {
            Kind::Dir => return Err(FsError::IsDir),
            _ if entry.must_be_dir => return Err(FsError::NotDir),
            _ => {}
        }
        self.take_entry(entry.dir, entry.name, now)?;
        self.drop_link(id, now);
        Ok(())
    }

    /// Removes an empty directory.
    pub fn rmdir(&mut self, base: impl Into<Base>, path: &str, caller: Caller, now: u64) -> Result<(), FsError> {
        let base = base.into();
        let entry = self.entry(base.node, path, caller, &mut Walk::new(base))?;
        let id = self.child(&entry)?.ok_or(FsError::NotFound)?;
        self.may_delete(entry.dir, id, caller)?;
        if !self.dir(id)?.entries.is_empty() {
            return Err(FsError::NotEmpty);
        }
        self.take_entry(entry.dir, entry.name, now)?;
        self.drop_link(id, now);
        Ok(())
    }

    /// Whether `ancestor` is `id` or one of the directories holding it.
    pub(crate) fn is_ancestor(&self, ancestor: NodeId, mut id: NodeId) -> bool {
        loop {
            if id == ancestor {
                return true;
            }
            match self.dir(id) {
                Ok(dir) if dir.parent != id => id = dir.parent,
                _ => return false,
            }
        }
    }

    /// POSIX rename: replaces a file, or an empty directory with a
    /// directory; never moves a directory into its own subtree; does
    /// nothing when both paths name the same node. Needs write and search
    /// on both directories (and the sticky rules for the entries removed),
    /// and write on a directory moved to another parent (its `..` changes).
    pub fn rename(
        &mut self,
        from_base: impl Into<Base>,
        from: &str,
        to_base: impl Into<Base>,
        to: &str,
        caller: Caller,
        now: u64,
    ) -> Result<(), FsError> {
        let (from_base, to_base) = (from_base.into(), to_base.into());
        let source = self.entry(from_base.node, from, caller, &mut Walk::new(from_base))?;
        let target = self.entry(to_base.node, to, caller, &mut Walk::new(to_base))?;
        let id = self.child(&source)?.ok_or(FsError::NotFound)?;
        let moving_dir = self.node(id)?.kind() == Kind::Dir;
        if !moving_dir && (source.must_be_dir || target.must_be_dir) {
            return Err(FsError::NotDir);
        }
        let existing = self.child(&target)?;
        if existing == Some(id) {
            return Ok(());
        }
        self.may_delete(source.dir, id, caller)?;
        if moving_dir && self.is_ancestor(id, target.dir) {
            return Err(FsError::Invalid);
        }
        match existing {
            Some(old) => {
                match (moving_dir, self.node(old)?.kind() == Kind::Dir) {
                    (true, true) if !self.dir(old)?.entries.is_empty() => return Err(FsError::NotEmpty),
                    (true, false) => return Err(FsError::NotDir),
                    (false, true) => return Err(FsError::IsDir),
                    _ => {}
                }
                self.may_delete(target.dir, old, caller)?;
            }
            None => self.may_create(target.dir, caller)?,
        }
        if moving_dir && source.dir != target.dir {
            self.check_access(id, caller, Access::WRITE)?;
        }
        self.take_entry(source.dir, source.name, now)?;
        if let Some(old) = self.put_entry(target.dir, target.name, id, now)? {
            self.drop_link(old, now);
        }
        let node = self.node_mut(id)?;
        node.times.change(now);
        if let Content::Dir(dir) = &mut node.content {
            dir.parent = target.dir;
        }
        Ok(())
    }

    /// The entries of directory `id`, by name (its access time is read).
    /// Whether the caller may list it was settled when it was opened.
    pub fn entries(&mut self, id: NodeId, now: u64) -> Result<Vec<DirEntry>, FsError> {
        self.dir(id)?;
        self.node_mut(id)?.times.read(now);
        let dir = self.dir(id)?;
        let entry = |(name, &id): (&String, &NodeId)| {
            self.nodes.get(&id).map(|node| DirEntry { name: name.clone(), kind: node.kind(), id })
        };
        Ok(dir.entries.iter().filter_map(entry).collect())
    }
}
