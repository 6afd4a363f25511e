//! Block maps: from a file's logical block to its device block. ext2/ext3
//! inodes use 12 direct pointers and single, double and triple indirect
//! blocks (read, allocated on write, freed on truncate); ext4 extent trees
//! are read only. Every pointer is range-checked before it is followed, and
//! the tree depth is fixed (indirect) or bounded (extents), so a damaged
//! map cannot loop.

use alloc::vec::Vec;

use crate::bytes::{le16, le32, put_le32};
use crate::device::BlockDevice;
use crate::fs::Ext2;
use crate::inode::{Inode, InodeNo, flags};
use crate::{Corrupt, Error, Unsupported};

const DIRECT: u64 = 12;
const EXTENT_MAGIC: u16 = 0xF30A;
const MAX_EXTENT_DEPTH: u16 = 5;

/// Where a logical block sits in the indirect tree: the root slot of
/// `i_block` and the index at each level below it.
struct Path {
    slot: usize,
    idx: [u64; 3],
    depth: usize,
}

impl<D: BlockDevice> Ext2<D> {
    fn per_block(&self) -> u64 {
        self.bs as u64 / 4
    }

    fn path(&self, lblk: u64) -> Result<Path, Error> {
        let p = self.per_block();
        if lblk < DIRECT {
            return Ok(Path { slot: lblk as usize, idx: [0; 3], depth: 0 });
        }
        let mut n = lblk - DIRECT;
        if n < p {
            return Ok(Path { slot: 12, idx: [n, 0, 0], depth: 1 });
        }
        n -= p;
        if n < p * p {
            return Ok(Path { slot: 13, idx: [n / p, n % p, 0], depth: 2 });
        }
        n -= p * p;
        if n < p * p * p {
            return Ok(Path { slot: 14, idx: [n / (p * p), (n / p) % p, n % p], depth: 3 });
        }
        Err(Error::FileTooLarge)
    }

    /// Logical blocks the indirect map can address.
    pub(crate) fn max_blocks(&self) -> u64 {
        let p = self.per_block();
        DIRECT + p + p * p + p * p * p
    }

    fn check_ptr(&self, ino: InodeNo, b: u64) -> Result<u64, Error> {
        if self.block_in_range(b) {
            Ok(b)
        } else {
            Err(Error::Corrupt(Corrupt::Inode(ino, "block pointer out of range")))
        }
    }

    /// Pointer `index` of indirect block `block` as it stands: its 4
    /// bytes only, not a copy of the block (copies are what cost under
    /// TCG).
    fn read_pointer(&mut self, block: u64, index: u64) -> Result<u64, Error> {
        let mut raw = [0u8; 4];
        self.read_block_part(block, index as usize * 4, &mut raw)?;
        Ok(u64::from(u32::from_le_bytes(raw)))
    }

    /// The indirect block holding the pointer to logical block `lblk` of
    /// `inode` (`path` is `lblk`'s, of depth 1 or more), `None` when a
    /// pointer on the way is 0 (a hole).
    fn leaf_pointers(&mut self, ino: InodeNo, inode: &Inode, path: &Path) -> Result<Option<u64>, Error> {
        let mut b = inode.block(path.slot) as u64;
        for level in 0..path.depth - 1 {
            if b == 0 {
                return Ok(None);
            }
            b = self.read_pointer(self.check_ptr(ino, b)?, path.idx[level])?;
        }
        if b == 0 { Ok(None) } else { self.check_ptr(ino, b).map(Some) }
    }

    /// The device block holding logical block `lblk` of `inode` (`None`:
    /// a hole).
    pub(crate) fn map_block(&mut self, ino: InodeNo, inode: &Inode, lblk: u64) -> Result<Option<u64>, Error> {
        Ok(self.map_run(ino, inode, lblk, 1)?.0)
    }

    /// The device block holding logical block `lblk` of `inode` (`None`:
    /// a hole), and how many of the (at most `most`, at least 1) logical
    /// blocks from `lblk` lie on consecutive device blocks (1 for a hole).
    /// An indirect map is read once per run: the pointers of the run come
    /// from their block in one read.
    pub(crate) fn map_run(
        &mut self,
        ino: InodeNo,
        inode: &Inode,
        lblk: u64,
        most: usize,
    ) -> Result<(Option<u64>, usize), Error> {
        if inode.flags() & flags::INLINE_DATA != 0 {
            return Err(Error::Unsupported(Unsupported::InodeLayout(ino)));
        }
        let most = most.max(1);
        if inode.flags() & flags::EXTENTS != 0 {
            let Some(first) = self.map_extent(ino, inode, lblk)? else { return Ok((None, 1)) };
            let mut run = 1;
            while run < most && self.map_extent(ino, inode, lblk + run as u64)? == Some(first + run as u64) {
                run += 1;
            }
            return Ok((Some(first), run));
        }
        let Ok(path) = self.path(lblk) else { return Ok((None, 1)) };
        if path.depth == 0 {
            let first = inode.block(path.slot) as u64;
            if first == 0 {
                return Ok((None, 1));
            }
            let first = self.check_ptr(ino, first)?;
            let mut run = 1;
            while run < most
                && path.slot + run < DIRECT as usize
                && inode.block(path.slot + run) as u64 == first + run as u64
            {
                run += 1;
            }
            return Ok((Some(first), run));
        }
        let Some(leaf) = self.leaf_pointers(ino, inode, &path)? else { return Ok((None, 1)) };
        let index = path.idx[path.depth - 1];
        let count = most.min((self.per_block() - index) as usize);
        let mut raw = alloc::vec![0u8; count * 4];
        self.read_block_part(leaf, index as usize * 4, &mut raw)?;
        let first = u64::from(le32(&raw, 0));
        if first == 0 {
            return Ok((None, 1));
        }
        let first = self.check_ptr(ino, first)?;
        let run = 1 + (1..count).take_while(|&i| u64::from(le32(&raw, i * 4)) == first + i as u64).count();
        Ok((Some(first), run))
    }

    fn map_extent(&mut self, ino: InodeNo, inode: &Inode, lblk: u64) -> Result<Option<u64>, Error> {
        let bad = |why| Error::Corrupt(Corrupt::Inode(ino, why));
        let mut node: Vec<u8> = inode.block_area().to_vec();
        let mut expected_depth: Option<u16> = None;
        loop {
            if le16(&node, 0) != EXTENT_MAGIC {
                return Err(bad("extent header magic"));
            }
            let entries = le16(&node, 2) as usize;
            let max = le16(&node, 4) as usize;
            let depth = le16(&node, 6);
            if entries > max || 12 + max * 12 > node.len() || depth > MAX_EXTENT_DEPTH {
                return Err(bad("extent header"));
            }
            if expected_depth.is_some_and(|d| d != depth) {
                return Err(bad("extent tree depth"));
            }
            // The last entry starting at or before `lblk`.
            let found = (0..entries).rev().find(|&i| le32(&node, 12 + i * 12) as u64 <= lblk);
            let Some(i) = found else { return Ok(None) };
            let e = 12 + i * 12;
            if depth == 0 {
                let start = le32(&node, e) as u64;
                let mut len = le16(&node, e + 4) as u64;
                let uninit = len > 32768;
                if uninit {
                    len -= 32768;
                }
                if lblk >= start + len {
                    return Ok(None);
                }
                let phys = (le16(&node, e + 6) as u64) << 32 | le32(&node, e + 8) as u64;
                let b = self.check_ptr(ino, phys + (lblk - start))?;
                return Ok(if uninit { None } else { Some(b) });
            }
            let child = (le16(&node, e + 8) as u64) << 32 | le32(&node, e + 4) as u64;
            node = self.read_block(self.check_ptr(ino, child)?)?;
            expected_depth = Some(depth - 1);
        }
    }

    fn add_sectors(&self, inode: &mut Inode, blocks: i64) -> Result<(), Error> {
        let per = self.bs as i64 / 512;
        let now = inode.blocks_raw(false) as i64;
        let n = now + blocks * per;
        let n = u32::try_from(n).map_err(|_| Error::FileTooLarge)?;
        inode.set_sectors(n);
        Ok(())
    }

    fn new_meta_block(&mut self, goal: u32, inode: &mut Inode) -> Result<u64, Error> {
        let b = self.alloc_block(goal)?;
        self.add_sectors(inode, 1)?;
        self.write_meta(b, alloc::vec![0; self.bs]);
        Ok(b)
    }

    /// The device block for logical block `lblk`, allocating it (and any
    /// indirect blocks on the way) if it is a hole; `true` when it is new
    /// (its content is undefined until written).
    pub(crate) fn map_alloc(&mut self, ino: InodeNo, inode: &mut Inode, lblk: u64) -> Result<(u64, bool), Error> {
        if inode.flags() & (flags::EXTENTS | flags::INLINE_DATA) != 0 {
            return Err(Error::Unsupported(Unsupported::InodeLayout(ino)));
        }
        let path = self.path(lblk)?;
        let goal = self.inode_group(ino);
        let mut b = inode.block(path.slot) as u64;
        let mut fresh = false;
        if b == 0 {
            b = if path.depth == 0 {
                let d = self.alloc_block(goal)?;
                self.add_sectors(inode, 1)?;
                fresh = true;
                d
            } else {
                self.new_meta_block(goal, inode)?
            };
            inode.set_block(path.slot, b as u32);
        } else {
            self.check_ptr(ino, b)?;
        }
        for level in 0..path.depth {
            let mut next = self.read_pointer(b, path.idx[level])?;
            if next == 0 {
                next = if level + 1 == path.depth {
                    let d = self.alloc_block(goal)?;
                    self.add_sectors(inode, 1)?;
                    fresh = true;
                    d
                } else {
                    self.new_meta_block(goal, inode)?
                };
                // Set where it stands in the overlay: no copy of the block.
                put_le32(self.meta_mut(b)?, path.idx[level] as usize * 4, next as u32);
            } else {
                self.check_ptr(ino, next)?;
            }
            b = next;
        }
        Ok((b, fresh))
    }

    /// Frees every block of `inode` from logical block `keep` on (and the
    /// indirect blocks left empty).
    pub(crate) fn free_blocks_from(&mut self, ino: InodeNo, inode: &mut Inode, keep: u64) -> Result<(), Error> {
        if inode.flags() & (flags::EXTENTS | flags::INLINE_DATA) != 0 {
            return Err(Error::Unsupported(Unsupported::InodeLayout(ino)));
        }
        let p = self.per_block();
        let mut freed = 0i64;
        for slot in 0..15 {
            let ptr = inode.block(slot) as u64;
            if ptr == 0 {
                continue;
            }
            let (level, base) = match slot {
                0..=11 => (0, slot as u64),
                12 => (1, DIRECT),
                13 => (2, DIRECT + p),
                _ => (3, DIRECT + p + p * p),
            };
            if !self.trim(ino, ptr, level, base, keep, &mut freed)? {
                inode.set_block(slot, 0);
            }
        }
        self.add_sectors(inode, -freed)
    }

    /// Trims the subtree at `ptr` (`level` 0: a data block; `level` k: an
    /// indirect block whose children each span `per^(k-1)` blocks) that
    /// starts at logical block `base`. Returns whether `ptr` is still used.
    fn trim(
        &mut self,
        ino: InodeNo,
        ptr: u64,
        level: u32,
        base: u64,
        keep: u64,
        freed: &mut i64,
    ) -> Result<bool, Error> {
        self.check_ptr(ino, ptr)?;
        let p = self.per_block();
        let span = p.pow(level);
        if base + span <= keep {
            return Ok(true);
        }
        if level > 0 {
            let child_span = span / p;
            let mut blk = self.read_block(ptr)?;
            let mut changed = false;
            let mut used = false;
            for i in 0..p as usize {
                let child = le32(&blk, i * 4) as u64;
                if child == 0 {
                    continue;
                }
                if self.trim(ino, child, level - 1, base + i as u64 * child_span, keep, freed)? {
                    used = true;
                } else {
                    put_le32(&mut blk, i * 4, 0);
                    changed = true;
                }
            }
            if used {
                if changed {
                    self.write_meta(ptr, blk);
                }
                return Ok(true);
            }
        }
        self.free_block(ptr)?;
        *freed += 1;
        Ok(false)
    }
}
