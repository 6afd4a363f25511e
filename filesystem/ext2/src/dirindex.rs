//! In-memory name indexes of large linear directories, so that looking
//! up, adding and removing a name costs a block read or two instead of a
//! walk over the whole directory.
//!
//! It serves lookups in every large directory, those with an htree
//! (`htree.rs`, which places new names itself and keeps this index in
//! step through leaf splits) and the linear ones (file systems without
//! `dir_index`, directories that grew linear, htrees found damaged),
//! where it also chooses the block a new name goes to. For
//! each directory of at least [`MIN_BLOCKS`] blocks that a lookup or an
//! insert touches, it records which logical block holds each name (by a
//! 64-bit hash of the name, so no name is copied) and how large an entry
//! each block still has room for. Every change to the directory's entries
//! goes through `ops.rs`, which keeps the index in step (and forgets the
//! index of a removed directory or a reused inode); an index whose block
//! count no longer matches its directory's size is dropped and rebuilt.
//!
//! Memory is bounded: at most [`MAX_NAMES`] names in all indexes; the
//! least recently used index is dropped to make room, and a directory
//! larger than that on its own is simply not indexed.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::dir::{RawEntry, room_of};
use crate::inode::InodeNo;

/// Directories smaller than this (in blocks) are walked, not indexed.
pub(crate) const MIN_BLOCKS: u64 = 4;
/// Most names held by all indexes together (about 40 bytes each).
pub(crate) const MAX_NAMES: usize = 256 * 1024;

/// The hash a name is indexed by (64-bit FNV-1a).
fn name_hash(name: &[u8]) -> u64 {
    name.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3))
}

/// The index of one directory.
pub(crate) struct DirIndex {
    /// (name hash, logical block) → how many names of that hash the
    /// block holds.
    names: BTreeMap<(u64, u32), u32>,
    /// Names indexed.
    count: usize,
    /// Per logical block: the largest new entry it has room for.
    room: Vec<usize>,
    /// When it was last used (for eviction).
    used: u64,
}

impl DirIndex {
    /// An empty index of a directory of no blocks yet.
    pub fn new() -> DirIndex {
        DirIndex { names: BTreeMap::new(), count: 0, room: Vec::new(), used: 0 }
    }

    /// Records logical block `l` (the next one) with its entries.
    pub fn add_block(&mut self, block: &[u8], entries: &[RawEntry]) {
        let l = self.room.len() as u32;
        self.room.push(entries.iter().map(room_of).max().unwrap_or(0));
        for e in entries.iter().filter(|e| e.ino != 0) {
            self.add_name(e.name(block), l);
        }
    }

    /// Blocks the index covers.
    pub fn blocks(&self) -> u64 {
        self.room.len() as u64
    }

    /// The logical blocks that may hold `name`, in order.
    pub fn candidates(&self, name: &[u8]) -> impl Iterator<Item = u64> + '_ {
        let h = name_hash(name);
        self.names.range((h, 0)..=(h, u32::MAX)).map(|(&(_, l), _)| l as u64)
    }

    /// The first block with room for an entry of `need` bytes.
    pub fn block_with_room(&self, need: usize) -> Option<u64> {
        self.room.iter().position(|&r| r >= need).map(|l| l as u64)
    }

    /// Notes that `name` is now in block `l`, which has `room` left
    /// (`l` may be the next block, just added to the directory).
    pub fn inserted(&mut self, name: &[u8], l: u64, room: usize) {
        let l = l as usize;
        if l == self.room.len() {
            self.room.push(room);
        } else {
            self.room[l] = room;
        }
        self.add_name(name, l as u32);
    }

    /// Notes that the directory has `blocks` blocks now (an htree grew;
    /// the new blocks' room is not tracked: a tree places names itself).
    pub fn grow(&mut self, blocks: u64) {
        self.room.resize(self.room.len().max(blocks as usize), 0);
    }

    /// Notes that `name` moved from block `from` to block `to` (an htree
    /// leaf split).
    pub fn moved(&mut self, name: &[u8], from: u64, to: u64) {
        let h = name_hash(name);
        if let Some(n) = self.names.get_mut(&(h, from as u32)) {
            *n -= 1;
            if *n == 0 {
                self.names.remove(&(h, from as u32));
            }
            *self.names.entry((h, to as u32)).or_insert(0) += 1;
        }
    }

    /// Notes that `name` left block `l`, which has `room` left.
    pub fn removed(&mut self, name: &[u8], l: u64, room: usize) {
        self.room[l as usize] = room;
        let key = (name_hash(name), l as u32);
        if let Some(n) = self.names.get_mut(&key) {
            *n -= 1;
            if *n == 0 {
                self.names.remove(&key);
            }
            self.count -= 1;
        }
    }

    fn add_name(&mut self, name: &[u8], l: u32) {
        *self.names.entry((name_hash(name), l)).or_insert(0) += 1;
        self.count += 1;
    }
}

/// The indexes of one mounted file system.
pub(crate) struct DirIndexes {
    dirs: BTreeMap<InodeNo, DirIndex>,
    clock: u64,
}

impl DirIndexes {
    pub fn new() -> DirIndexes {
        DirIndexes { dirs: BTreeMap::new(), clock: 0 }
    }

    /// The index of `dir` if it covers exactly `blocks` blocks (one that
    /// does not is out of date and dropped).
    pub fn get(&mut self, dir: InodeNo, blocks: u64) -> Option<&mut DirIndex> {
        if self.dirs.get(&dir).is_some_and(|d| d.blocks() != blocks) {
            self.dirs.remove(&dir);
        }
        self.clock += 1;
        let index = self.dirs.get_mut(&dir)?;
        index.used = self.clock;
        Some(index)
    }

    /// Keeps `index` as `dir`'s (a directory with more than
    /// [`MAX_NAMES`] names alone is not kept).
    pub fn insert(&mut self, dir: InodeNo, mut index: DirIndex) {
        self.clock += 1;
        index.used = self.clock;
        self.dirs.insert(dir, index);
        self.grew(dir);
    }

    /// Drops `dir`'s index (the directory is gone or out of step).
    pub fn forget(&mut self, dir: InodeNo) {
        self.dirs.remove(&dir);
    }

    /// After `dir`'s index grew: drops it if it holds more than
    /// [`MAX_NAMES`] names alone, then the least recently used indexes
    /// while all together hold more.
    pub fn grew(&mut self, dir: InodeNo) {
        if self.dirs.get(&dir).is_some_and(|d| d.count > MAX_NAMES) {
            self.dirs.remove(&dir);
        }
        while self.dirs.values().map(|d| d.count).sum::<usize>() > MAX_NAMES {
            let Some(oldest) = self.dirs.iter().min_by_key(|(_, d)| d.used).map(|(&k, _)| k) else {
                break;
            };
            self.dirs.remove(&oldest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An index claiming `count` names (the bound counts names only).
    fn sized(count: usize) -> DirIndex {
        DirIndex { count, ..DirIndex::new() }
    }

    #[test]
    fn the_least_recently_used_index_goes_first() {
        let mut all = DirIndexes::new();
        all.insert(InodeNo(20), sized(MAX_NAMES / 2));
        all.insert(InodeNo(21), sized(MAX_NAMES / 4));
        // 20 used again: 21 is now the oldest.
        assert!(all.get(InodeNo(20), 0).is_some());
        all.insert(InodeNo(22), sized(MAX_NAMES / 2));
        assert!(all.get(InodeNo(21), 0).is_none());
        assert!(all.get(InodeNo(20), 0).is_some());
        assert!(all.get(InodeNo(22), 0).is_some());
    }

    #[test]
    fn an_index_over_the_bound_alone_is_not_kept() {
        let mut all = DirIndexes::new();
        all.insert(InodeNo(20), sized(10));
        all.insert(InodeNo(21), sized(MAX_NAMES + 1));
        assert!(all.get(InodeNo(21), 0).is_none());
        assert!(all.get(InodeNo(20), 0).is_some());
    }

    #[test]
    fn an_index_of_another_size_is_dropped() {
        let mut all = DirIndexes::new();
        all.insert(InodeNo(20), sized(10));
        assert!(all.get(InodeNo(20), 1).is_none());
        assert!(all.get(InodeNo(20), 0).is_none(), "dropped, not kept for later");
    }
}
