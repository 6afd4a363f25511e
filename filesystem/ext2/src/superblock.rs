//! The ext2 superblock (1024 bytes at byte 1024) and the group descriptor
//! table after it: parsed, validated against each other and the device
//! size, and written back field by field (the raw bytes are kept so fields
//! this crate does not interpret survive unchanged).

use alloc::vec::Vec;

use crate::bytes::{le16, le32, put_le16, put_le32};
use crate::{Corrupt, Error};

/// Byte offset of the superblock on the device.
pub const SUPERBLOCK_OFFSET: u64 = 1024;
/// Size of the superblock.
pub const SUPERBLOCK_SIZE: usize = 1024;
const MAGIC: u16 = 0xEF53;

/// Compatible features (`s_feature_compat`) this crate acts on (the
/// others, e.g. `ext_attr`, `resize_inode`, need nothing).
pub mod compat {
    /// An ext3 journal in an inode.
    pub const HAS_JOURNAL: u32 = 0x4;
    /// Directories may carry a hashed-tree index (`htree.rs`).
    pub const DIR_INDEX: u32 = 0x20;
}

/// Incompatible features (`s_feature_incompat`).
pub mod incompat {
    /// Directory entries carry the file type.
    pub const FILETYPE: u32 = 0x2;
    /// The journal needs replaying.
    pub const RECOVER: u32 = 0x4;
    /// The journal is on another device.
    pub const JOURNAL_DEV: u32 = 0x8;
    /// Group descriptors spread over meta block groups.
    pub const META_BG: u32 = 0x10;
    /// ext4 extent trees.
    pub const EXTENTS: u32 = 0x40;
    /// 64-bit block numbers and 64-byte group descriptors.
    pub const BIT64: u32 = 0x80;
    /// Group metadata placed in flexible groups.
    pub const FLEX_BG: u32 = 0x200;
    /// The metadata checksum seed is stored in the superblock.
    pub const CSUM_SEED: u32 = 0x2000;
    /// Directories over 2 GiB or 3-level htrees.
    pub const LARGEDIR: u32 = 0x4000;
    /// Features this crate can read.
    pub const READABLE: u32 = FILETYPE | RECOVER | EXTENTS | BIT64 | FLEX_BG | CSUM_SEED | LARGEDIR;
    /// Features this crate can write.
    pub const WRITABLE: u32 = FILETYPE | RECOVER;
}

/// Read-only compatible features (`s_feature_ro_compat`).
pub mod ro_compat {
    /// Superblock backups only in groups 0, 1 and powers of 3, 5, 7.
    pub const SPARSE_SUPER: u32 = 0x1;
    /// Files of 2 GiB or more exist.
    pub const LARGE_FILE: u32 = 0x2;
    /// Unused historic flag.
    pub const BTREE_DIR: u32 = 0x4;
    /// `i_blocks` may count in file-system blocks.
    pub const HUGE_FILE: u32 = 0x8;
    /// Features this crate can write.
    pub const WRITABLE: u32 = SPARSE_SUPER | LARGE_FILE | BTREE_DIR;
}

/// `s_state` bit: unmounted cleanly.
pub const STATE_VALID: u16 = 0x1;
/// `s_state`: errors were detected (e2fsck checks the file system in full).
pub const STATE_ERROR: u16 = 0x2;

/// The superblock's interpreted fields.
#[derive(Clone, Debug)]
pub struct Superblock {
    /// The raw 1024 bytes, updated by the setters.
    pub raw: Vec<u8>,
    pub inodes_count: u32,
    pub blocks_count: u64,
    pub first_data_block: u32,
    pub block_size: u32,
    pub blocks_per_group: u32,
    pub inodes_per_group: u32,
    pub first_ino: u32,
    pub inode_size: u16,
    pub compat: u32,
    pub incompat: u32,
    pub ro_compat: u32,
    pub journal_inum: u32,
    pub desc_size: u16,
    pub group_count: u32,
}

/// What names a file system: its UUID and volume label (`mke2fs -U`,
/// `-L`), as `root=UUID=...` and `root=LABEL=...` find it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub uuid: [u8; 16],
    /// Up to 16 bytes, without the NUL padding.
    pub label: Vec<u8>,
}

impl Identity {
    /// The identity in superblock `raw` (its 1024 bytes), if it holds the
    /// ext2 magic number.
    pub fn read(raw: &[u8]) -> Option<Identity> {
        if raw.len() < SUPERBLOCK_SIZE || le16(raw, 56) != MAGIC {
            return None;
        }
        let uuid = raw[104..120].try_into().ok()?;
        let label = &raw[120..136];
        let end = label.iter().position(|&b| b == 0).unwrap_or(label.len());
        Some(Identity { uuid, label: label[..end].to_vec() })
    }

    /// The UUID as text, `01234567-89ab-cdef-0123-456789abcdef`.
    pub fn uuid_text(&self) -> alloc::string::String {
        let hex: Vec<alloc::string::String> = self.uuid.iter().map(|b| alloc::format!("{b:02x}")).collect();
        let hex = hex.concat();
        alloc::format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
    }
}

impl Superblock {
    /// Parses and checks `raw` (1024 bytes) for a device of `device_size`
    /// bytes.
    pub fn parse(raw: Vec<u8>, device_size: u64) -> Result<Superblock, Error> {
        if raw.len() != SUPERBLOCK_SIZE {
            return Err(Error::Corrupt(Corrupt::Superblock("short superblock")));
        }
        if le16(&raw, 56) != MAGIC {
            return Err(Error::NotExt2);
        }
        let bad = |why| Err(Error::Corrupt(Corrupt::Superblock(why)));
        let log = le32(&raw, 24);
        if log > 6 {
            return bad("block size over 64 KiB");
        }
        let block_size = 1024u32 << log;
        if le32(&raw, 28) != log && le32(&raw, 100) & 0x200 == 0 {
            return bad("fragment size differs from block size");
        }
        let rev_level = le32(&raw, 76);
        let (first_ino, inode_size) = match rev_level {
            0 => (11, 128),
            1 => (le32(&raw, 84), le16(&raw, 88)),
            _ => return bad("unknown revision"),
        };
        let (compat, incompat, ro_compat) =
            if rev_level == 0 { (0, 0, 0) } else { (le32(&raw, 92), le32(&raw, 96), le32(&raw, 100)) };
        if !inode_size.is_power_of_two() || inode_size < 128 || inode_size as u32 > block_size {
            return bad("inode size");
        }
        let mut blocks_count = le32(&raw, 4) as u64;
        if incompat & incompat::BIT64 != 0 {
            blocks_count |= (le32(&raw, 336) as u64) << 32;
        }
        let first_data_block = le32(&raw, 20);
        if first_data_block != u32::from(block_size == 1024) {
            return bad("first data block");
        }
        if blocks_count <= first_data_block as u64 + 1 {
            return bad("block count");
        }
        if blocks_count.checked_mul(block_size as u64).is_none_or(|b| b > device_size) {
            return Err(Error::Corrupt(Corrupt::Superblock("file system larger than the device")));
        }
        let blocks_per_group = le32(&raw, 32);
        if blocks_per_group < 8 || blocks_per_group > block_size * 8 || !blocks_per_group.is_multiple_of(8) {
            return bad("blocks per group");
        }
        let inodes_per_group = le32(&raw, 40);
        if inodes_per_group == 0 || inodes_per_group > block_size * 8 {
            return bad("inodes per group");
        }
        let group_count = (blocks_count - first_data_block as u64).div_ceil(blocks_per_group as u64);
        let group_count = u32::try_from(group_count).map_err(|_| Error::Corrupt(Corrupt::Superblock("group count")))?;
        let inodes_count = le32(&raw, 0);
        if inodes_count as u64 != group_count as u64 * inodes_per_group as u64 {
            return bad("inode count disagrees with groups");
        }
        if first_ino < 11 || first_ino >= inodes_count {
            return bad("first inode");
        }
        let desc_size = if incompat & incompat::BIT64 != 0 {
            let d = le16(&raw, 254);
            if d < 64 || !d.is_power_of_two() || d as u32 > block_size {
                return bad("group descriptor size");
            }
            d
        } else {
            32
        };
        let journal_inum = if compat & compat::HAS_JOURNAL != 0 { le32(&raw, 224) } else { 0 };
        if compat & compat::HAS_JOURNAL != 0
            && (journal_inum == 0 || journal_inum > inodes_count || le32(&raw, 228) != 0)
        {
            return bad("journal inode");
        }
        Ok(Superblock {
            raw,
            inodes_count,
            blocks_count,
            first_data_block,
            block_size,
            blocks_per_group,
            inodes_per_group,
            first_ino,
            inode_size,
            compat,
            incompat,
            ro_compat,
            journal_inum,
            desc_size,
            group_count,
        })
    }

    /// Blocks in the group descriptor table.
    pub fn gdt_blocks(&self) -> u64 {
        (self.group_count as u64 * self.desc_size as u64).div_ceil(self.block_size as u64)
    }

    /// Blocks of group `g` (the last group may be short).
    pub fn blocks_in_group(&self, g: u32) -> u32 {
        let start = self.group_first_block(g);
        (self.blocks_count - start).min(self.blocks_per_group as u64) as u32
    }

    /// First block of group `g`.
    pub fn group_first_block(&self, g: u32) -> u64 {
        self.first_data_block as u64 + g as u64 * self.blocks_per_group as u64
    }

    /// Free blocks, as the superblock counts them.
    pub fn free_blocks(&self) -> u64 {
        let mut n = le32(&self.raw, 12) as u64;
        if self.incompat & incompat::BIT64 != 0 {
            n |= (le32(&self.raw, 344) as u64) << 32;
        }
        n
    }

    /// Sets the superblock's free block count.
    pub fn set_free_blocks(&mut self, n: u64) {
        put_le32(&mut self.raw, 12, n as u32);
        if self.incompat & incompat::BIT64 != 0 {
            put_le32(&mut self.raw, 344, (n >> 32) as u32);
        }
    }

    /// Free inodes, as the superblock counts them.
    pub fn free_inodes(&self) -> u32 {
        le32(&self.raw, 16)
    }

    /// Sets the superblock's free inode count.
    pub fn set_free_inodes(&mut self, n: u32) {
        put_le32(&mut self.raw, 16, n);
    }

    /// The head of the orphan list (`s_last_orphan`, 0 when empty).
    pub fn last_orphan(&self) -> u32 {
        le32(&self.raw, 232)
    }

    /// Sets the head of the orphan list.
    pub fn set_last_orphan(&mut self, ino: u32) {
        put_le32(&mut self.raw, 232, ino);
    }

    /// `s_state`.
    pub fn state(&self) -> u16 {
        le16(&self.raw, 58)
    }

    /// Sets `s_state`.
    pub fn set_state(&mut self, s: u16) {
        put_le16(&mut self.raw, 58, s);
    }

    /// Sets the incompatible feature bits.
    pub fn set_incompat(&mut self, f: u32) {
        self.incompat = f;
        put_le32(&mut self.raw, 96, f);
    }

    /// Sets the read-only compatible feature bits.
    pub fn set_ro_compat(&mut self, f: u32) {
        self.ro_compat = f;
        put_le32(&mut self.raw, 100, f);
    }

    /// Sets the write time (`s_wtime`) and, when `mount` is set, the mount
    /// time and count.
    pub fn stamp(&mut self, now: i64, mount: bool) {
        put_le32(&mut self.raw, 48, now as u32);
        if mount {
            put_le32(&mut self.raw, 44, now as u32);
            let c = le16(&self.raw, 52).wrapping_add(1);
            put_le16(&mut self.raw, 52, c);
        }
    }

    /// Blocks reserved for the superuser.
    pub fn reserved_blocks(&self) -> u64 {
        let mut n = le32(&self.raw, 8) as u64;
        if self.incompat & incompat::BIT64 != 0 {
            n |= (le32(&self.raw, 340) as u64) << 32;
        }
        n
    }

    /// `s_want_extra_isize` when inodes are large enough, else 0.
    pub fn want_extra_isize(&self) -> u16 {
        if self.inode_size <= 128 {
            return 0;
        }
        let want = le16(&self.raw, 350).max(32);
        want.min(self.inode_size - 128)
    }
}

/// One group descriptor's interpreted fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupDesc {
    pub block_bitmap: u64,
    pub inode_bitmap: u64,
    pub inode_table: u64,
    pub free_blocks: u32,
    pub free_inodes: u32,
    pub used_dirs: u32,
    pub flags: u16,
}

impl GroupDesc {
    /// Decodes the descriptor in `d` (`desc_size` bytes).
    pub fn parse(d: &[u8]) -> GroupDesc {
        let wide = d.len() >= 64;
        let hi = |off: usize, lo: u64| if wide { lo | (le32(d, off) as u64) << 32 } else { lo };
        let hi16 = |off: usize, lo: u32| if wide { lo | (le16(d, off) as u32) << 16 } else { lo };
        GroupDesc {
            block_bitmap: hi(0x20, le32(d, 0) as u64),
            inode_bitmap: hi(0x24, le32(d, 4) as u64),
            inode_table: hi(0x28, le32(d, 8) as u64),
            free_blocks: hi16(0x2C, le16(d, 12) as u32),
            free_inodes: hi16(0x2E, le16(d, 14) as u32),
            used_dirs: hi16(0x30, le16(d, 16) as u32),
            flags: le16(d, 18),
        }
    }

    /// Stores the counters into `d` (locations never change here).
    pub fn store_counts(&self, d: &mut [u8]) {
        put_le16(d, 12, self.free_blocks as u16);
        put_le16(d, 14, self.free_inodes as u16);
        put_le16(d, 16, self.used_dirs as u16);
        if d.len() >= 64 {
            put_le16(d, 0x2C, (self.free_blocks >> 16) as u16);
            put_le16(d, 0x2E, (self.free_inodes >> 16) as u16);
            put_le16(d, 0x30, (self.used_dirs >> 16) as u16);
        }
    }

    /// Checks the descriptor of group `g` against the superblock.
    pub fn validate(&self, sb: &Superblock, g: u32) -> Result<(), Error> {
        let bad = Err(Error::Corrupt(Corrupt::GroupDesc(g)));
        let in_fs = |b: u64| b > sb.first_data_block as u64 && b < sb.blocks_count;
        let table_blocks = (sb.inodes_per_group as u64 * sb.inode_size as u64).div_ceil(sb.block_size as u64);
        if !in_fs(self.block_bitmap) || !in_fs(self.inode_bitmap) || !in_fs(self.inode_table) {
            return bad;
        }
        if self.inode_table + table_blocks > sb.blocks_count {
            return bad;
        }
        if self.free_blocks > sb.blocks_in_group(g)
            || self.free_inodes > sb.inodes_per_group
            || self.used_dirs > sb.inodes_per_group
        {
            return bad;
        }
        Ok(())
    }
}
