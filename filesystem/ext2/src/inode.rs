//! On-disk inodes: the raw bytes of one inode (`s_inode_size` long, so
//! extended fields and in-inode attributes survive) with typed accessors,
//! and the file types and timestamps they encode.

use alloc::vec;
use alloc::vec::Vec;

use crate::bytes::{le16, le32, put_le16, put_le32};

/// An inode number (1-based, as ext2 counts them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InodeNo(pub u32);

/// The root directory.
pub const ROOT: InodeNo = InodeNo(2);

/// What an inode is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    /// A regular file.
    Regular,
    /// A directory.
    Directory,
    /// A symbolic link.
    Symlink,
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A named pipe.
    Fifo,
    /// A Unix socket's name.
    Socket,
}

impl FileType {
    /// The `S_IFMT` bits.
    pub fn mode_bits(self) -> u16 {
        match self {
            FileType::Fifo => 0x1000,
            FileType::CharDevice => 0x2000,
            FileType::Directory => 0x4000,
            FileType::BlockDevice => 0x6000,
            FileType::Regular => 0x8000,
            FileType::Symlink => 0xA000,
            FileType::Socket => 0xC000,
        }
    }

    /// The type of a mode, if it is one.
    pub fn from_mode(mode: u16) -> Option<FileType> {
        Some(match mode & 0xF000 {
            0x1000 => FileType::Fifo,
            0x2000 => FileType::CharDevice,
            0x4000 => FileType::Directory,
            0x6000 => FileType::BlockDevice,
            0x8000 => FileType::Regular,
            0xA000 => FileType::Symlink,
            0xC000 => FileType::Socket,
            _ => return None,
        })
    }

    /// The directory entry's `file_type` byte.
    pub fn dirent_code(self) -> u8 {
        match self {
            FileType::Regular => 1,
            FileType::Directory => 2,
            FileType::CharDevice => 3,
            FileType::BlockDevice => 4,
            FileType::Fifo => 5,
            FileType::Socket => 6,
            FileType::Symlink => 7,
        }
    }
}

/// A point in time: seconds since the Unix epoch and nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp {
    /// Seconds since 1970-01-01 00:00 UTC (ext2 keeps 34 bits).
    pub secs: i64,
    /// Nanoseconds within the second.
    pub nanos: u32,
}

impl Timestamp {
    /// `secs` seconds exactly.
    pub const fn from_secs(secs: i64) -> Timestamp {
        Timestamp { secs, nanos: 0 }
    }
}

/// Inode flags this crate looks at.
pub mod flags {
    /// Hashed-tree directory.
    pub const INDEX: u32 = 0x1000;
    /// `i_blocks` counts file-system blocks.
    pub const HUGE_FILE: u32 = 0x40000;
    /// The block map is an extent tree.
    pub const EXTENTS: u32 = 0x80000;
    /// Data stored in the inode.
    pub const INLINE_DATA: u32 = 0x1000_0000;
}

/// Which timestamp field.
#[derive(Clone, Copy)]
pub(crate) enum TimeField {
    Access,
    Change,
    Modify,
}

impl TimeField {
    fn offsets(self) -> (usize, usize) {
        match self {
            TimeField::Access => (8, 0x8C),
            TimeField::Change => (12, 0x84),
            TimeField::Modify => (16, 0x88),
        }
    }
}

/// One inode's bytes.
#[derive(Clone, Debug)]
pub(crate) struct Inode {
    pub raw: Vec<u8>,
}

impl Inode {
    /// A zeroed inode of `size` bytes with `extra` bytes of extended fields.
    pub fn new(size: u16, extra: u16) -> Inode {
        let mut raw = vec![0; size as usize];
        if size > 128 {
            put_le16(&mut raw, 128, extra);
        }
        Inode { raw }
    }

    pub fn mode(&self) -> u16 {
        le16(&self.raw, 0)
    }
    pub fn set_mode(&mut self, m: u16) {
        put_le16(&mut self.raw, 0, m)
    }
    pub fn file_type(&self) -> Option<FileType> {
        FileType::from_mode(self.mode())
    }
    pub fn uid(&self) -> u32 {
        le16(&self.raw, 2) as u32 | (le16(&self.raw, 120) as u32) << 16
    }
    pub fn gid(&self) -> u32 {
        le16(&self.raw, 24) as u32 | (le16(&self.raw, 122) as u32) << 16
    }
    pub fn set_owner(&mut self, uid: u32, gid: u32) {
        put_le16(&mut self.raw, 2, uid as u16);
        put_le16(&mut self.raw, 120, (uid >> 16) as u16);
        put_le16(&mut self.raw, 24, gid as u16);
        put_le16(&mut self.raw, 122, (gid >> 16) as u16);
    }
    pub fn size(&self) -> u64 {
        le32(&self.raw, 4) as u64 | (le32(&self.raw, 108) as u64) << 32
    }
    pub fn set_size(&mut self, s: u64) {
        put_le32(&mut self.raw, 4, s as u32);
        put_le32(&mut self.raw, 108, (s >> 32) as u32);
    }
    pub fn links(&self) -> u16 {
        le16(&self.raw, 26)
    }
    pub fn set_links(&mut self, n: u16) {
        put_le16(&mut self.raw, 26, n)
    }
    /// `i_dtime`: the deletion time, or on an orphan the next inode of
    /// the orphan list.
    pub fn dtime(&self) -> u32 {
        le32(&self.raw, 20)
    }
    pub fn set_dtime(&mut self, t: u32) {
        put_le32(&mut self.raw, 20, t)
    }
    /// `i_blocks` in its raw unit (512-byte sectors unless `HUGE_FILE`).
    pub fn blocks_raw(&self, huge: bool) -> u64 {
        let lo = le32(&self.raw, 28) as u64;
        if huge { lo | (le16(&self.raw, 116) as u64) << 32 } else { lo }
    }
    pub fn set_sectors(&mut self, n: u32) {
        put_le32(&mut self.raw, 28, n)
    }
    pub fn flags(&self) -> u32 {
        le32(&self.raw, 32)
    }
    pub fn set_flags(&mut self, f: u32) {
        put_le32(&mut self.raw, 32, f)
    }
    /// `i_block[i]` (`i < 15`).
    pub fn block(&self, i: usize) -> u32 {
        le32(&self.raw, 40 + 4 * i)
    }
    pub fn set_block(&mut self, i: usize, b: u32) {
        put_le32(&mut self.raw, 40 + 4 * i, b)
    }
    /// The 60 bytes of `i_block` (fast symlink targets, extent roots).
    pub fn block_area(&self) -> &[u8] {
        &self.raw[40..100]
    }
    pub fn block_area_mut(&mut self) -> &mut [u8] {
        &mut self.raw[40..100]
    }
    /// The extended attribute block.
    pub fn file_acl(&self) -> u64 {
        le32(&self.raw, 104) as u64 | (le16(&self.raw, 118) as u64) << 32
    }
    fn extra_isize(&self) -> usize {
        if self.raw.len() > 128 { le16(&self.raw, 128) as usize } else { 0 }
    }
    fn has_extra(&self, off: usize) -> bool {
        off + 4 <= 128 + self.extra_isize() && off + 4 <= self.raw.len()
    }
    pub fn time(&self, f: TimeField) -> Timestamp {
        let (base, extra) = f.offsets();
        let lo = le32(&self.raw, base) as i32 as i64;
        if !self.has_extra(extra) {
            return Timestamp { secs: lo, nanos: 0 };
        }
        let x = le32(&self.raw, extra);
        Timestamp { secs: lo + (((x & 3) as i64) << 32), nanos: (x >> 2).min(999_999_999) }
    }
    pub fn set_time(&mut self, f: TimeField, t: Timestamp) {
        let (base, extra) = f.offsets();
        put_le32(&mut self.raw, base, t.secs as u32);
        if self.has_extra(extra) {
            let epoch = ((t.secs - (t.secs as i32 as i64)) >> 32) as u32 & 3;
            put_le32(&mut self.raw, extra, (t.nanos.min(999_999_999) << 2) | epoch);
        }
    }
}
