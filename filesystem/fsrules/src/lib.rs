//! The POSIX rules every Cairn file-system server applies, written once
//! over any tree: who may read, write, search, create and remove
//! ([`access`]), who may change modes, owners and times, and how a path is
//! walked from a base directory with symbolic links followed and a
//! confined walk kept beneath its base ([`path`]). `cairn-memfs` (tmpfs)
//! and the ext2 server both implement [`Tree`] and call these functions,
//! so the two file systems answer the same requests the same way.
//!
//! Depends on `core` and `alloc` only.
#![no_std]

extern crate alloc;

pub mod access;
pub mod ops;
pub mod path;

pub use access::{Access, Caller, MODE_MASK, SET_GID, SET_UID, STICKY, TimeSet};
pub use ops::{OpenOptions, Opening};
pub use path::{Base, Entry, MAX_PATH, Walk};

/// Symbolic links followed while resolving one path before giving up.
pub const MAX_SYMLINK_HOPS: usize = 40;
/// Longest name of one directory entry, in bytes.
pub const MAX_NAME: usize = 255;

/// Why a rule refused (each server maps these into its own errors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Denied {
    /// `ENOENT`: no such entry, an empty path, or a removed directory.
    NotFound,
    /// `EEXIST`.
    Exists,
    /// `ENOTDIR`.
    NotDir,
    /// `EISDIR`.
    IsDir,
    /// `ENOTEMPTY` (left to the tree: rules never list a directory).
    NotEmpty,
    /// `ELOOP`: too many symbolic links, or one where none may be.
    Loop,
    /// `ENAMETOOLONG`.
    NameTooLong,
    /// `EINVAL`: `.`/`..`/the root as a last component, a directory moved
    /// into its own subtree.
    Invalid,
    /// `EACCES`: the mode bits refuse.
    PermissionDenied,
    /// `EPERM`: only the owner (or root) may, or never.
    NotPermitted,
    /// A confined walk would leave its base (`EACCES`).
    Escape,
}

/// What kind of node, as far as the rules care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeType {
    Dir,
    Symlink,
    /// A regular file, device, FIFO or socket.
    Other,
}

/// What the rules need to know of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attributes {
    pub kind: NodeType,
    /// Permission bits (within [`MODE_MASK`]).
    pub mode: u16,
    pub uid: u32,
    pub gid: u32,
    /// Names of the node (0: removed, though still open).
    pub links: u32,
}

/// A file system as the rules see it. Errors of the tree's own (a damaged
/// disk, a failing device) pass through the walk unchanged.
pub trait Tree {
    /// Identifies a node (an inode number).
    type Id: Copy + Eq;
    /// The tree's error, which every [`Denied`] converts into.
    type Error: From<Denied> + PartialEq;

    /// The root directory (what `/` and `..` at the top name).
    fn root(&self) -> Self::Id;
    /// The node's kind, mode, owner and link count.
    fn attributes(&mut self, id: Self::Id) -> Result<Attributes, Self::Error>;
    /// What `name` (never `.`, `..` or empty) names in directory `dir`.
    fn child(&mut self, dir: Self::Id, name: &str) -> Result<Option<Self::Id>, Self::Error>;
    /// The directory holding directory `dir` (the root for the root).
    fn parent(&mut self, dir: Self::Id) -> Result<Self::Id, Self::Error>;
    /// The target of symbolic link `id`.
    fn link_target(&mut self, id: Self::Id) -> Result<alloc::string::String, Self::Error>;
    /// Whether directory `dir` holds no entry but `.` and `..`.
    fn is_empty_dir(&mut self, dir: Self::Id) -> Result<bool, Self::Error>;
}

#[cfg(test)]
mod tests;
