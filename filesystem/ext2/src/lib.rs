//! ext2 read-write with an ext3-compatible (JBD2) journal, and ext4
//! read-only, over any [`BlockDevice`]: the logic of Cairn's disk file
//! system server, kept apart from the server loop so it runs on the host
//! against images made and checked by Linux's e2fsprogs.
//!
//! - **Mount** ([`Ext2::mount`]) parses and cross-checks the superblock and
//!   the group descriptors, refuses unknown incompatible features
//!   ([`Error::Unsupported`]) and mounts read-only when it finds read-only
//!   compatible features (or ext4 features) it cannot maintain. A journal
//!   holding committed transactions is replayed first (in memory only when
//!   the mount is read-only).
//! - **Metadata** (superblock, group descriptors, bitmaps, inodes, indirect
//!   and directory blocks, slow symlink targets) is changed in an in-memory
//!   overlay of whole blocks; file data goes to the device at once. With a
//!   journal, [`Ext2::sync`] writes the overlay as one JBD2 transaction
//!   (after flushing the data: ordered mode), then to its home blocks, then
//!   marks the journal empty. Blocks freed in a transaction are not reused
//!   before it commits, so a crash never leaves a live file pointing at
//!   another file's data. Large operations commit part-way at consistent
//!   points so a transaction always fits in the journal.
//! - **Files**: direct, indirect, double and triple indirect blocks; holes
//!   read as zeros and are only filled when written; sizes up to the block
//!   map's limit (`large_file` is set when a file passes 2 GiB). ext4
//!   extent trees are read.
//! - **Directories**: hashed-tree (htree) indexes are searched and kept
//!   up on the disk as Linux keeps them (`htree.rs`: leaf and index splits,
//!   a second level when the root fills), and a one-block directory that
//!   fills becomes indexed, when the file system has `dir_index`. Other
//!   large directories are linear, with an in-memory name index
//!   (`dirindex.rs`); either way a lookup, create or removal reads a few
//!   blocks, not the directory. A damaged htree is read linearly (noted
//!   for [`Ext2::take_index_damage`]) and loses its index flag at the
//!   next change.
//! - **Open inodes** ([`Ext2::hold`], [`Ext2::release`]): the server says
//!   which inodes it has open; removing the last name of one puts it on
//!   the on-disk orphan list (as Linux's) until it is released, and a
//!   read-write mount frees the orphans a crash left.
//! - Names and paths are bytes. Permission checks belong to the server: the
//!   crate stores modes, owners and times exactly as given.
//!
//! Every length, offset, block and inode number read from the device is
//! checked before use; a damaged image gives [`Error::Corrupt`] for the call
//! that met the damage, never a panic or an endless loop.
//!
//! Depends on `core` and `alloc` only.
#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

mod bmap;
mod bytes;
mod crc32c;
mod device;
mod dir;
mod dirindex;
mod file;
mod fs;
mod htree;
mod inode;
mod journal;
mod ops;
mod orphan;
mod superblock;

pub use device::{BlockDevice, DeviceError, MemDevice};
pub use fs::{Ext2, MountOptions, ReadOnlyReason, StatFs};
pub use inode::{FileType, InodeNo, ROOT, Timestamp};
pub use ops::{DirEntry, Metadata, NodeKind, Owner};
pub use superblock::{Identity, SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE};

/// Longest name of one directory entry, in bytes.
pub const MAX_NAME: usize = 255;
/// Symbolic links followed while resolving one path before giving up.
pub const MAX_SYMLINK_HOPS: usize = 40;
/// Most hard links one inode can have.
pub const MAX_LINKS: u16 = 65000;

/// What is damaged (the structure named, and where).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corrupt {
    /// The superblock (what is wrong with it).
    Superblock(&'static str),
    /// The descriptor of a block group.
    GroupDesc(u32),
    /// An inode (what is wrong with it).
    Inode(InodeNo, &'static str),
    /// A directory's entries.
    Directory(InodeNo, &'static str),
    /// A block or inode bitmap disagrees with the counts or the inodes.
    Bitmap(&'static str),
    /// The journal.
    Journal(&'static str),
}

/// A feature the crate will not touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unsupported {
    /// Incompatible feature bits (`s_feature_incompat`) unknown here.
    IncompatFeatures(u32),
    /// The journal lives on another device.
    ExternalJournal,
    /// Journal incompatible feature bits unknown here.
    JournalFeatures(u32),
    /// An inode whose data is stored inline or in an unknown layout.
    InodeLayout(InodeNo),
}

/// Why an operation failed (the server maps these to errno values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// `EIO`: the device failed.
    Device(DeviceError),
    /// `EINVAL` at mount: no ext2 magic number.
    NotExt2,
    /// `EUCLEAN`: the file system is damaged.
    Corrupt(Corrupt),
    /// `EINVAL` at mount: a feature this crate does not implement.
    Unsupported(Unsupported),
    /// `EROFS`.
    ReadOnly,
    /// `ENOENT`.
    NotFound,
    /// `EEXIST`.
    Exists,
    /// `ENOTDIR`.
    NotDir,
    /// `EISDIR`.
    IsDir,
    /// `ENOTEMPTY`.
    NotEmpty,
    /// `ENAMETOOLONG`.
    NameTooLong,
    /// `EINVAL`: a bad argument (empty name, `.`/`..` where not allowed,
    /// a directory moved into itself, a wrong file type).
    Invalid,
    /// `ENOSPC`.
    NoSpace,
    /// `EMLINK`.
    TooManyLinks,
    /// `EFBIG`: past the largest offset the block map can address.
    FileTooLarge,
    /// `ELOOP`: too many symbolic links.
    Loop,
    /// `EPERM`: hard links to directories.
    NotPermitted,
}

impl From<DeviceError> for Error {
    fn from(e: DeviceError) -> Error {
        match e {
            DeviceError::ReadOnly => Error::ReadOnly,
            e => Error::Device(e),
        }
    }
}

#[cfg(test)]
mod tests;
