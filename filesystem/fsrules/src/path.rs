//! Path resolution over any [`Tree`]: walking a path from a base directory
//! (or from the root when it starts with `/`), with search permission
//! checked on every directory crossed and symbolic links followed; and
//! finding the directory entry a path's last component names, for the
//! operations that add or remove entries. A [`Base`] made with
//! [`Base::beneath`] confines the walk to the base directory's subtree
//! (Capsicum's rule for a sandboxed process): no absolute path, no `..`
//! above the base, no symbolic link that is absolute or leads out of it;
//! any of these is `Escape`.

use alloc::vec::Vec;

use crate::access::{self, Access, Caller};
use crate::{Denied, MAX_NAME, MAX_SYMLINK_HOPS, NodeType, Tree};

/// Longest path accepted, in bytes (and longest symbolic link target).
pub const MAX_PATH: usize = 4096;

/// Directories climbed at most when asking whether one holds another (a
/// tree whose `..` entries loop is damaged; the answer is then "no").
const MAX_DEPTH: usize = MAX_PATH;

/// Where a path starts: a directory node, and whether the walk must stay
/// beneath it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Base<Id> {
    pub node: Id,
    pub beneath: bool,
}

impl<Id> Base<Id> {
    /// A base the walk may not leave.
    pub fn beneath(node: Id) -> Base<Id> {
        Base { node, beneath: true }
    }

    /// A base the walk may leave.
    pub fn free(node: Id) -> Base<Id> {
        Base { node, beneath: false }
    }
}

/// The state of one resolution: symbolic links followed so far, and the
/// directory the walk must stay beneath, if any.
#[derive(Clone, Copy, Debug)]
pub struct Walk<Id> {
    hops: usize,
    confined_to: Option<Id>,
}

impl<Id: Copy> Walk<Id> {
    pub fn new(base: Base<Id>) -> Walk<Id> {
        Walk { hops: 0, confined_to: base.beneath.then_some(base.node) }
    }

    /// One more symbolic link followed: `Loop` past [`MAX_SYMLINK_HOPS`].
    fn hop(&mut self) -> Result<(), Denied> {
        self.hops += 1;
        if self.hops > MAX_SYMLINK_HOPS { Err(Denied::Loop) } else { Ok(()) }
    }
}

/// The directory entry named by a path's last component.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'p, Id> {
    /// The directory holding (or to hold) the entry.
    pub dir: Id,
    pub name: &'p str,
    /// The path ended with `/`: it must name a directory.
    pub must_be_dir: bool,
}

/// The node `path` names, resolved from `base` (from the root if it starts
/// with `/`; `base` itself if it is empty). Symbolic links are followed,
/// the last one only if `follow_last` or the path ends with `/`.
pub fn lookup<T: Tree>(
    tree: &mut T,
    base: Base<T::Id>,
    path: &str,
    follow_last: bool,
    caller: Caller,
) -> Result<T::Id, T::Error> {
    walk(tree, base.node, path, follow_last, caller, &mut Walk::new(base))
}

/// [`lookup`] from `start`, counting the symbolic links followed and
/// keeping to the directory `state` confines it to.
pub fn walk<T: Tree>(
    tree: &mut T,
    start: T::Id,
    path: &str,
    follow_last: bool,
    caller: Caller,
    state: &mut Walk<T::Id>,
) -> Result<T::Id, T::Error> {
    if path.len() > MAX_PATH {
        return Err(Denied::NameTooLong.into());
    }
    if state.confined_to.is_some() && path.starts_with('/') {
        return Err(Denied::Escape.into());
    }
    let mut current = if path.starts_with('/') { tree.root() } else { start };
    tree.attributes(current)?;
    let must_be_dir = path.ends_with('/');
    let parts: Vec<&str> = path.split('/').filter(|part| !part.is_empty()).collect();
    for (index, part) in parts.iter().enumerate() {
        let next = step(tree, current, part, caller)?;
        keep_beneath(tree, state, next)?;
        let is_last = index + 1 == parts.len();
        current = match tree.attributes(next)?.kind {
            NodeType::Symlink if !is_last || follow_last || must_be_dir => {
                state.hop()?;
                let target = tree.link_target(next)?;
                walk(tree, current, &target, true, caller, state)?
            }
            _ => next,
        };
    }
    if must_be_dir && tree.attributes(current)?.kind != NodeType::Dir {
        return Err(Denied::NotDir.into());
    }
    Ok(current)
}

/// `Escape` if the walk is confined and directory `id` lies outside its
/// subtree. (Only directories are checked: a file or link is reached from
/// a directory that was.)
fn keep_beneath<T: Tree>(tree: &mut T, state: &Walk<T::Id>, id: T::Id) -> Result<(), T::Error> {
    match state.confined_to {
        Some(base) if tree.attributes(id)?.kind == NodeType::Dir && !is_ancestor(tree, base, id)? => {
            Err(Denied::Escape.into())
        }
        _ => Ok(()),
    }
}

/// The node `name` (possibly `.` or `..`) names in directory `dir`, which
/// the caller must be allowed to search.
fn step<T: Tree>(tree: &mut T, dir: T::Id, name: &str, caller: Caller) -> Result<T::Id, T::Error> {
    if tree.attributes(dir)?.kind != NodeType::Dir {
        return Err(Denied::NotDir.into());
    }
    access::check(tree, dir, caller, Access::EXECUTE)?;
    if name.len() > MAX_NAME {
        return Err(Denied::NameTooLong.into());
    }
    match name {
        "." => Ok(dir),
        ".." => tree.parent(dir),
        _ => tree.child(dir, name)?.ok_or_else(|| Denied::NotFound.into()),
    }
}

/// Whether `ancestor` is `id` or one of the directories holding it.
pub fn is_ancestor<T: Tree>(tree: &mut T, ancestor: T::Id, mut id: T::Id) -> Result<bool, T::Error> {
    for _ in 0..MAX_DEPTH {
        if id == ancestor {
            return Ok(true);
        }
        if tree.attributes(id)?.kind != NodeType::Dir {
            return Ok(false);
        }
        let parent = tree.parent(id)?;
        if parent == id {
            return Ok(false);
        }
        id = parent;
    }
    Ok(false)
}

/// The entry the last component of `path` names, in the directory the rest
/// resolves to from `base` (which the caller must be allowed to search).
/// An empty path is `NotFound`; a last component that is empty (the root),
/// `.` or `..` is `Invalid`.
pub fn entry<'p, T: Tree>(
    tree: &mut T,
    base: T::Id,
    path: &'p str,
    caller: Caller,
    state: &mut Walk<T::Id>,
) -> Result<Entry<'p, T::Id>, T::Error> {
    if path.is_empty() {
        return Err(Denied::NotFound.into());
    }
    if path.len() > MAX_PATH {
        return Err(Denied::NameTooLong.into());
    }
    let trimmed = path.trim_end_matches('/');
    let (parent, name) = match trimmed.rsplit_once('/') {
        Some(("", name)) => ("/", name),
        Some(split) => split,
        None => ("", trimmed),
    };
    if name.is_empty() || name == "." || name == ".." {
        return Err(Denied::Invalid.into());
    }
    if name.len() > MAX_NAME {
        return Err(Denied::NameTooLong.into());
    }
    let dir = walk(tree, base, parent, true, caller, state)?;
    if tree.attributes(dir)?.kind != NodeType::Dir {
        return Err(Denied::NotDir.into());
    }
    access::check(tree, dir, caller, Access::EXECUTE)?;
    Ok(Entry { dir, name, must_be_dir: trimmed.len() < path.len() })
}

/// The node `entry` names, if any.
pub fn child<T: Tree>(tree: &mut T, entry: &Entry<T::Id>) -> Result<Option<T::Id>, T::Error> {
    tree.child(entry.dir, entry.name)
}

/// Follows a dangling symbolic link to where a new file goes (`open` with
/// `O_CREAT`): the entry `path` names or, when that is a symbolic link,
/// the entry its target names. The caller must be allowed to create there.
pub fn creation_point<T: Tree>(
    tree: &mut T,
    start: T::Id,
    path: &str,
    caller: Caller,
    state: &mut Walk<T::Id>,
) -> Result<(T::Id, alloc::string::String), T::Error> {
    let found = entry(tree, start, path, caller, state)?;
    match child(tree, &found)? {
        Some(id) if tree.attributes(id)?.kind == NodeType::Symlink => {
            state.hop()?;
            let target = tree.link_target(id)?;
            creation_point(tree, found.dir, &target, caller, state)
        }
        Some(_) => Err(Denied::Exists.into()),
        None if found.must_be_dir => Err(Denied::IsDir.into()),
        None => {
            access::may_create(tree, found.dir, caller)?;
            Ok((found.dir, alloc::string::String::from(found.name)))
        }
    }
}
