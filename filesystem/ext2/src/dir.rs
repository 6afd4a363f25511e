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
    let mut out = alloc::vec::Vec::new();
    let mut off = 0;
    while off < block.len() {
        let e = entry_at(block, off, inodes, filetype).map_err(|why| Error::Corrupt(Corrupt::Directory(dir, why)))?;
        out.push(e);
        off += e.rec_len;
    }
    Ok(out)
}

/// The used entry named `name` in `block` (a block of directory `dir`),
/// each entry up to it checked as [`parse`] checks them: a search stops at
/// its name, with nothing collected on the way.
pub(crate) fn find(
    block: &[u8],
    dir: InodeNo,
    inodes: u32,
    filetype: bool,
    name: &[u8],
) -> Result<Option<RawEntry>, Error> {
    let mut off = 0;
    while off < block.len() {
        let e = entry_at(block, off, inodes, filetype).map_err(|why| Error::Corrupt(Corrupt::Directory(dir, why)))?;
        if e.ino != 0 && e.name(block) == name {
            return Ok(Some(e));
        }
        off += e.rec_len;
    }
    Ok(None)
}

/// The entry at byte `off` of `block`, checked against the block; `Err`
/// says how it is damaged.
#[inline]
fn entry_at(block: &[u8], off: usize, inodes: u32, filetype: bool) -> Result<RawEntry, &'static str> {
    let bs = block.len();
    if off + 8 > bs {
        return Err("entry header past the block");
    }
    let ino = le32(block, off);
    let mut rec_len = le16(block, off + 4) as usize;
    if rec_len == 0 && bs == 65536 {
        rec_len = 65536;
    }
    let name_len = block[off + 6] as usize;
    let file_type = if filetype { block[off + 7] } else { 0 };
    if !filetype && block[off + 7] != 0 {
        return Err("name length over 255");
    }
    if rec_len < 8 || !rec_len.is_multiple_of(4) || off + rec_len > bs {
        return Err("entry length runs past the block");
    }
    if 8 + name_len > rec_len {
        return Err("name longer than its entry");
    }
    if ino > inodes {
        return Err("inode number out of range");
    }
    if ino != 0 && name_len == 0 {
        return Err("empty name");
    }
    Ok(RawEntry { off, rec_len, ino, name_len, file_type })
}

/// The largest new entry `e` has room for (as [`insert`] places one: in
/// an unused entry, or after a used entry's name).
pub(crate) fn room_of(e: &RawEntry) -> usize {
    if e.ino == 0 { e.rec_len } else { e.rec_len - entry_size(e.name_len) }
}

/// The largest new entry `entries` have room for, leaving out entry
/// `skip`.
fn room_but(entries: &[RawEntry], skip: usize) -> usize {
    entries.iter().enumerate().filter(|(i, _)| *i != skip).map(|(_, e)| room_of(e)).max().unwrap_or(0)
}

/// Writes an entry at `off` spanning `rec_len` bytes.
pub(crate) fn write_entry(block: &mut [u8], off: usize, rec_len: usize, ino: u32, name: &[u8], file_type: u8) {
    put_le32(block, off, ino);
    put_le16(block, off + 4, rec_len as u16);
    block[off + 6] = name.len() as u8;
    block[off + 7] = file_type;
    block[off + 8..off + 8 + name.len()].copy_from_slice(name);
}

/// Puts an entry for `name` into `block` if it has room; returns the
/// room left then (as [`room_of`] counts it), or `None` if it had none.
pub(crate) fn insert(block: &mut [u8], entries: &[RawEntry], ino: u32, name: &[u8], file_type: u8) -> Option<usize> {
    let need = entry_size(name.len());
    for (i, e) in entries.iter().enumerate() {
        let (at, len) = if e.ino == 0 && e.rec_len >= need {
            (e.off, e.rec_len)
        } else if e.ino != 0 && e.rec_len >= entry_size(e.name_len) + need {
            let used = entry_size(e.name_len);
            put_le16(block, e.off + 4, used as u16);
            (e.off + used, e.rec_len - used)
        } else {
            continue;
        };
        write_entry(block, at, len, ino, name, file_type);
        return Some(room_but(entries, i).max(len - need));
    }
    None
}

/// Removes entry `index` of `entries` from `block`; returns the room left
/// then (as [`room_of`] counts it).
pub(crate) fn remove(block: &mut [u8], entries: &[RawEntry], index: usize) -> usize {
    let e = entries[index];
    if index == 0 {
        // Unused from now on, its name wiped (a listing shows nothing).
        put_le32(block, e.off, 0);
        block[e.off + 6] = 0;
        block[e.off + 8..e.off + 8 + e.name_len].fill(0);
        room_but(entries, 0).max(e.rec_len)
    } else {
        let prev = entries[index - 1];
        put_le16(block, prev.off + 4, (prev.rec_len + e.rec_len) as u16);
        let merged = RawEntry { rec_len: prev.rec_len + e.rec_len, ..prev };
        let others = entries.iter().enumerate().filter(|(i, _)| *i != index && *i != index - 1);
        others.map(|(_, e)| room_of(e)).max().unwrap_or(0).max(room_of(&merged))
    }
}
