//! Directory blocks: parsing the linear entry list of one block (every
//! length checked against the block), finding room for a new entry, and
//! removing one by merging it into its predecessor. Hashed-tree index
//! blocks parse as blocks holding one empty entry (and the root's index
//! hides inside the `..` entry), so a linear reader sees only names.

use crate::bytes::{le16, le32, put_le16, put_le32};
use crate::inode::InodeNo;
use crate::{Corrupt, Error};

/// One entry of a directory block.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawEntry {
    pub off: usize,
    pub rec_len: usize,
    pub ino: u32,
    pub name_len: usize,
    pub file_type: u8,
}

impl RawEntry {
    pub fn name<'a>(&self, block: &'a [u8]) -> &'a [u8] {
        &block[self.off + 8..self.off + 8 + self.name_len]
    }
}

/// Bytes an entry with a name of `name_len` bytes needs.
pub(crate) fn entry_size(name_len: usize) -> usize {
    (8 + name_len).div_ceil(4) * 4
}

/// The entries of `block`, a block of directory `dir`. With `filetype`
/// off, the type byte is the high byte of the name length (always 0 for
/// names this short).
pub(crate) fn parse(
    block: &[u8],
    dir: InodeNo,
    inodes: u32,
    filetype: bool,
) -> Result<alloc::vec::Vec<RawEntry>, Error> {
    let bad = |why| Err(Error::Corrupt(Corrupt::Directory(dir, why)));
    let bs = block.len();
    let mut out = alloc::vec::Vec::new();
    let mut off = 0;
    while off < bs {
        if off + 8 > bs {
            return bad("entry header past the block");
        }
        let ino = le32(block, off);
        let mut rec_len = le16(block, off + 4) as usize;
        if rec_len == 0 && bs == 65536 {
            rec_len = 65536;
        }
        let name_len = block[off + 6] as usize;
        let file_type = if filetype { block[off + 7] } else { 0 };
        if !filetype && block[off + 7] != 0 {
            return bad("name length over 255");
        }
        if rec_len < 8 || !rec_len.is_multiple_of(4) || off + rec_len > bs {
            return bad("entry length runs past the block");
        }
        if 8 + name_len > rec_len {
            return bad("name longer than its entry");
        }
        if ino > inodes {
            return bad("inode number out of range");
        }
        if ino != 0 && name_len == 0 {
            return bad("empty name");
        }
        out.push(RawEntry { off, rec_len, ino, name_len, file_type });
        off += rec_len;
    }
    Ok(out)
}

/// Writes an entry at `off` spanning `rec_len` bytes.
pub(crate) fn write_entry(block: &mut [u8], off: usize, rec_len: usize, ino: u32, name: &[u8], file_type: u8) {
    put_le32(block, off, ino);
    put_le16(block, off + 4, rec_len as u16);
    block[off + 6] = name.len() as u8;
    block[off + 7] = file_type;
    block[off + 8..off + 8 + name.len()].copy_from_slice(name);
}

/// Puts an entry for `name` into `block` if it has room; returns whether
/// it did.
pub(crate) fn insert(block: &mut [u8], entries: &[RawEntry], ino: u32, name: &[u8], file_type: u8) -> bool {
    let need = entry_size(name.len());
    for e in entries {
        if e.ino == 0 && e.rec_len >= need {
            write_entry(block, e.off, e.rec_len, ino, name, file_type);
            return true;
        }
        let used = entry_size(e.name_len);
        if e.ino != 0 && e.rec_len >= used + need {
            put_le16(block, e.off + 4, used as u16);
            write_entry(block, e.off + used, e.rec_len - used, ino, name, file_type);
            return true;
        }
    }
    false
}

/// Removes entry `index` of `entries` from `block`.
pub(crate) fn remove(block: &mut [u8], entries: &[RawEntry], index: usize) {
    let e = entries[index];
    if index == 0 {
        put_le32(block, e.off, 0);
    } else {
        let prev = entries[index - 1];
        put_le16(block, prev.off + 4, (prev.rec_len + e.rec_len) as u16);
    }
}
