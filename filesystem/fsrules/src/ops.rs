//! The checks of each namespace operation, before the tree changes
//! anything: what `open` finds or where it creates, which entry `mkdir`,
//! `symlink` and `link` add, which node `unlink` and `rmdir` remove, and
//! what `rename` moves and replaces. Each function returns what the tree
//! then does; every refusal comes from here, so every server refuses
//! alike.

use alloc::string::String;

use crate::access::{self, Access, Caller};
use crate::path::{self, Base, Entry, MAX_PATH, Walk};
use crate::{Denied, NodeType, Tree};

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

/// What `open` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opening<Id> {
    /// An existing node the caller may open as asked (the tree truncates
    /// it if asked).
    Existing(Id),
    /// A missing file to create as `name` in `dir` (the caller may).
    Create { dir: Id, name: String },
}

/// `open`'s lookup and checks: an existing node of a kind `options` allow,
/// with the permissions they ask for, or where to create a missing file.
pub fn open<T: Tree>(
    tree: &mut T,
    base: Base<T::Id>,
    path: &str,
    options: OpenOptions,
    caller: Caller,
) -> Result<Opening<T::Id>, T::Error> {
    if path.is_empty() {
        return Err(Denied::NotFound.into());
    }
    let exclusive = options.create && options.exclusive;
    let mut state = Walk::new(base);
    let id = match path::walk(tree, base.node, path, !options.no_follow && !exclusive, caller, &mut state) {
        Ok(_) if exclusive => return Err(Denied::Exists.into()),
        Ok(id) => id,
        Err(e) if options.create && !options.directory && e == Denied::NotFound.into() => {
            let (dir, name) = path::creation_point(tree, base.node, path, caller, &mut Walk::new(base))?;
            return Ok(Opening::Create { dir, name });
        }
        Err(e) => return Err(e),
    };
    match tree.attributes(id)?.kind {
        NodeType::Other | NodeType::Symlink if options.directory => return Err(Denied::NotDir.into()),
        NodeType::Symlink => return Err(Denied::Loop.into()),
        NodeType::Dir if options.write || options.truncate || options.create => return Err(Denied::IsDir.into()),
        _ => {}
    }
    let access = Access { read: options.read, write: options.write || options.truncate, execute: false };
    access::check(tree, id, caller, access)?;
    Ok(Opening::Existing(id))
}

/// The free entry `path` names, where `caller` may add a node of `kind`
/// (a trailing `/` only for a directory): for `mkdir`, `mknod`, creating a
/// file outright, and `symlink`.
pub fn new_entry<'p, T: Tree>(
    tree: &mut T,
    base: Base<T::Id>,
    path: &'p str,
    caller: Caller,
    kind: NodeType,
) -> Result<Entry<'p, T::Id>, T::Error> {
    let entry = path::entry(tree, base.node, path, caller, &mut Walk::new(base))?;
    if path::child(tree, &entry)?.is_some() {
        return Err(Denied::Exists.into());
    }
    if entry.must_be_dir && kind != NodeType::Dir {
        return Err(Denied::NotFound.into());
    }
    access::may_create(tree, entry.dir, caller)?;
    Ok(entry)
}

/// `symlink`: the target must be a non-empty path; the entry as for
/// [`new_entry`].
pub fn symlink<'p, T: Tree>(
    tree: &mut T,
    target: &str,
    base: Base<T::Id>,
    path: &'p str,
    caller: Caller,
) -> Result<Entry<'p, T::Id>, T::Error> {
    if target.is_empty() {
        return Err(Denied::NotFound.into());
    }
    if target.len() > MAX_PATH {
        return Err(Denied::NameTooLong.into());
    }
    new_entry(tree, base, path, caller, NodeType::Symlink)
}

/// `readlink`: the symbolic link `path` names (`base` itself for an empty
/// path); anything else is `Invalid`.
pub fn readlink<T: Tree>(tree: &mut T, base: Base<T::Id>, path: &str, caller: Caller) -> Result<T::Id, T::Error> {
    let id = path::lookup(tree, base, path, false, caller)?;
    if tree.attributes(id)?.kind != NodeType::Symlink {
        return Err(Denied::Invalid.into());
    }
    Ok(id)
}

/// A node and the free entry to give it (`link`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Linking<'p, Id> {
    pub id: Id,
    pub entry: Entry<'p, Id>,
}

/// `link`: the node `old_path` names (not followed; a directory is
/// `NotPermitted`) and the free entry to give it.
pub fn link<'p, T: Tree>(
    tree: &mut T,
    old: (Base<T::Id>, &str),
    new: (Base<T::Id>, &'p str),
    caller: Caller,
) -> Result<Linking<'p, T::Id>, T::Error> {
    if old.1.is_empty() {
        return Err(Denied::NotFound.into());
    }
    let id = path::lookup(tree, old.0, old.1, false, caller)?;
    let kind = tree.attributes(id)?.kind;
    if kind == NodeType::Dir {
        return Err(Denied::NotPermitted.into());
    }
    let entry = new_entry(tree, new.0, new.1, caller, kind)?;
    Ok(Linking { id, entry })
}

/// An entry to remove and the node it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Removal<'p, Id> {
    pub entry: Entry<'p, Id>,
    pub id: Id,
}

/// `unlink`: a name of a non-directory the caller may remove.
pub fn unlink<'p, T: Tree>(
    tree: &mut T,
    base: Base<T::Id>,
    path: &'p str,
    caller: Caller,
) -> Result<Removal<'p, T::Id>, T::Error> {
    let entry = path::entry(tree, base.node, path, caller, &mut Walk::new(base))?;
    let id = path::child(tree, &entry)?.ok_or(Denied::NotFound)?;
    access::may_delete(tree, entry.dir, id, caller)?;
    match tree.attributes(id)?.kind {
        NodeType::Dir => Err(Denied::IsDir.into()),
        _ if entry.must_be_dir => Err(Denied::NotDir.into()),
        _ => Ok(Removal { entry, id }),
    }
}

/// `rmdir`: an empty directory the caller may remove.
pub fn rmdir<'p, T: Tree>(
    tree: &mut T,
    base: Base<T::Id>,
    path: &'p str,
    caller: Caller,
) -> Result<Removal<'p, T::Id>, T::Error> {
    let entry = path::entry(tree, base.node, path, caller, &mut Walk::new(base))?;
    let id = path::child(tree, &entry)?.ok_or(Denied::NotFound)?;
    access::may_delete(tree, entry.dir, id, caller)?;
    if tree.attributes(id)?.kind != NodeType::Dir {
        return Err(Denied::NotDir.into());
    }
    if !tree.is_empty_dir(id)? {
        return Err(Denied::NotEmpty.into());
    }
    Ok(Removal { entry, id })
}

/// What a permitted `rename` does: move `id` from `source` to `target`,
/// dropping the node `replaced` named there, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Move<'p, Id> {
    pub source: Entry<'p, Id>,
    pub target: Entry<'p, Id>,
    pub id: Id,
    pub replaced: Option<Id>,
}

/// POSIX rename's checks: replaces a file, or an empty directory with a
/// directory; never moves a directory into its own subtree. `Ok(None)`:
/// both paths name the same node, nothing to do. Needs write and search on
/// both directories (and the sticky rules for the entries removed), and
/// write on a directory moved to another parent (its `..` changes).
pub fn rename<'p, T: Tree>(
    tree: &mut T,
    from: (Base<T::Id>, &'p str),
    to: (Base<T::Id>, &'p str),
    caller: Caller,
) -> Result<Option<Move<'p, T::Id>>, T::Error> {
    let source = path::entry(tree, from.0.node, from.1, caller, &mut Walk::new(from.0))?;
    let target = path::entry(tree, to.0.node, to.1, caller, &mut Walk::new(to.0))?;
    let id = path::child(tree, &source)?.ok_or(Denied::NotFound)?;
    let moving_dir = tree.attributes(id)?.kind == NodeType::Dir;
    if !moving_dir && (source.must_be_dir || target.must_be_dir) {
        return Err(Denied::NotDir.into());
    }
    let existing = path::child(tree, &target)?;
    if existing == Some(id) {
        return Ok(None);
    }
    access::may_delete(tree, source.dir, id, caller)?;
    if moving_dir && path::is_ancestor(tree, id, target.dir)? {
        return Err(Denied::Invalid.into());
    }
    match existing {
        Some(old) => {
            match (moving_dir, tree.attributes(old)?.kind == NodeType::Dir) {
                (true, true) if !tree.is_empty_dir(old)? => return Err(Denied::NotEmpty.into()),
                (true, false) => return Err(Denied::NotDir.into()),
                (false, true) => return Err(Denied::IsDir.into()),
                _ => {}
            }
            access::may_delete(tree, target.dir, old, caller)?;
        }
        None => access::may_create(tree, target.dir, caller)?,
    }
    if moving_dir && source.dir != target.dir {
        access::check(tree, id, caller, Access::WRITE)?;
    }
    Ok(Some(Move { source, target, id, replaced: existing }))
}
