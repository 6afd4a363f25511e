//! The mounted file system: mount-time checks and journal replay, the
//! metadata overlay and its write-back ([`Ext2::sync`]), inode reads and
//! writes, and block and inode allocation from the bitmaps.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec;
use alloc::vec::Vec;

use crate::device::BlockDevice;
use crate::dirindex::DirIndexes;
use crate::inode::{Inode, InodeNo, Timestamp};
use crate::journal::Journal;
use crate::superblock::{
    GroupDesc, STATE_ERROR, STATE_VALID, SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE, Superblock, compat, incompat, ro_compat,
};
use crate::{Corrupt, Error, Unsupported};

/// How to mount.
#[derive(Clone, Copy, Debug, Default)]
pub struct MountOptions {
    /// Never write to the device (a journal needing replay is replayed in
    /// memory only).
    pub read_only: bool,
    /// The time of mounting (stored as the mount and write time).
    pub now: Timestamp,
}

/// Why a mount asked for read-write came out read-only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadOnlyReason {
    /// Asked for.
    Requested,
    /// Incompatible features readable but not writable here (ext4:
    /// extents, 64-bit, flexible groups…).
    IncompatFeatures(u32),
    /// Read-only compatible features this crate cannot maintain.
    RoCompatFeatures(u32),
    /// Damage was found while mounted ([`Ext2::damaged`]).
    Damaged,
}

/// Space and inode counts (`statfs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatFs {
    /// Bytes per block.
    pub block_size: u32,
    /// Blocks in the file system.
    pub blocks: u64,
    /// Blocks free.
    pub free_blocks: u64,
    /// Free blocks less those reserved for the superuser.
    pub available_blocks: u64,
    /// Inodes in the file system.
    pub inodes: u32,
    /// Inodes free.
    pub free_inodes: u32,
}

/// Dirty metadata blocks kept before a write-back is forced (no journal).
const OVERLAY_LIMIT: usize = 4096;

/// A mounted ext2/ext3 (or read-only ext4) file system on device `D`.
pub struct Ext2<D: BlockDevice> {
    pub(crate) dev: D,
    pub(crate) sb: Superblock,
    pub(crate) groups: Vec<GroupDesc>,
    gdt_raw: Vec<u8>,
    pub(crate) bs: usize,
    read_only: Option<ReadOnlyReason>,
    /// Metadata blocks changed since the last write-back.
    dirty: BTreeMap<u64, Vec<u8>>,
    /// Blocks freed since the last write-back (not reused until then).
    pending_free: BTreeSet<u64>,
    journal: Option<Journal>,
    /// Inodes the server has open ([`Ext2::hold`]).
    pub(crate) held: BTreeSet<InodeNo>,
    /// Held inodes whose last name is gone, on the on-disk orphan list.
    pub(crate) orphans: BTreeSet<InodeNo>,
    /// Name indexes of large directories.
    pub(crate) dir_indexes: DirIndexes,
    /// Damaged htree indexes met since [`Ext2::take_index_damage`].
    pub(crate) index_damage: Vec<Corrupt>,
}

/// Most damaged indexes remembered between two [`Ext2::take_index_damage`].
const MAX_INDEX_DAMAGE: usize = 16;

/// The first clear bit of `bitmap` in `from..count` that `usable`
/// accepts. Runs of 64 set bits are skipped a word at a time, so a group
/// filled from its start costs a few hundred steps, not one per bit.
fn first_clear(bitmap: &[u8], from: u32, count: u32, mut usable: impl FnMut(u32) -> bool) -> Option<u32> {
    let mut bit = from;
    while bit < count {
        let at = bit as usize / 8;
        if bit.is_multiple_of(64) && bit + 64 <= count && bitmap[at..at + 8] == [0xff; 8] {
            bit += 64;
            continue;
        }
        if bitmap[at] & (1 << (bit % 8)) == 0 && usable(bit) {
            return Some(bit);
        }
        bit += 1;
    }
    None
}

/// Block `block` (of `bs` bytes, on a file system of `blocks_count`) read
/// from the device.
fn device_block<D: BlockDevice>(dev: &mut D, bs: usize, blocks_count: u64, block: u64) -> Result<Vec<u8>, Error> {
    if block >= blocks_count {
        return Err(Error::Corrupt(Corrupt::Superblock("block number past the end")));
    }
    Ok(dev.read_vec(block * bs as u64, bs)?)
}

fn read_superblock<D: BlockDevice>(dev: &mut D) -> Result<Superblock, Error> {
    let size = dev.size();
    if size < SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE as u64 {
        return Err(Error::Corrupt(Corrupt::Superblock("device too small")));
    }
    let mut raw = vec![0; SUPERBLOCK_SIZE];
    dev.read_at(SUPERBLOCK_OFFSET, &mut raw)?;
    Superblock::parse(raw, size)
}

impl<D: BlockDevice> Ext2<D> {
    /// Mounts the file system on `dev`.
    pub fn mount(mut dev: D, opts: MountOptions) -> Result<Ext2<D>, Error> {
        let sb = read_superblock(&mut dev)?;
        let unknown = sb.incompat & !incompat::READABLE;
        if unknown != 0 {
            return Err(Error::Unsupported(Unsupported::IncompatFeatures(unknown)));
        }
        if sb.incompat & incompat::JOURNAL_DEV != 0 {
            return Err(Error::Unsupported(Unsupported::ExternalJournal));
        }
        let read_only = if opts.read_only {
            Some(ReadOnlyReason::Requested)
        } else if sb.incompat & !incompat::WRITABLE != 0 {
            Some(ReadOnlyReason::IncompatFeatures(sb.incompat & !incompat::WRITABLE))
        } else if sb.ro_compat & !ro_compat::WRITABLE != 0 {
            Some(ReadOnlyReason::RoCompatFeatures(sb.ro_compat & !ro_compat::WRITABLE))
        } else {
            None
        };
        let bs = sb.block_size as usize;
        let mut fs = Ext2 {
            dev,
            sb,
            groups: Vec::new(),
            gdt_raw: Vec::new(),
            bs,
            read_only,
            dirty: BTreeMap::new(),
            pending_free: BTreeSet::new(),
            journal: None,
            held: BTreeSet::new(),
            orphans: BTreeSet::new(),
            dir_indexes: DirIndexes::new(),
            index_damage: Vec::new(),
        };
        fs.load_groups()?;
        if fs.sb.compat & compat::HAS_JOURNAL != 0 {
            let mut journal = Journal::load(&mut fs)?;
            let replayed = journal.replay(&mut fs.dev, fs.bs)?;
            let needs = !replayed.is_empty() || fs.sb.incompat & incompat::RECOVER != 0;
            if fs.read_only.is_some() {
                // Keep the replayed blocks in memory only.
                fs.dirty = replayed;
            } else if needs {
                for (block, data) in &replayed {
                    fs.dev.write_block(*block, data)?;
                }
                fs.dev.flush()?;
                journal.mark_empty(&mut fs.dev)?;
            }
            fs.journal = Some(journal);
            if needs {
                // The replay may have rewritten the superblock and the
                // group descriptors: read them again.
                let raw = fs.read_sb_bytes()?;
                fs.sb = Superblock::parse(raw, fs.dev.size())?;
                fs.load_groups()?;
            }
        }
        if fs.read_only.is_none() {
            let mut feat = fs.sb.incompat & !incompat::RECOVER;
            if fs.journal.is_some() {
                feat |= incompat::RECOVER;
            }
            fs.sb.set_incompat(feat);
            let state = fs.sb.state() & !STATE_VALID;
            fs.sb.set_state(state);
            fs.sb.stamp(opts.now.secs, true);
            fs.put_sb()?;
            fs.orphan_cleanup(opts.now)?;
            fs.sync()?;
        }
        Ok(fs)
    }

    /// Frees the orphans (no handle outlives the mount), writes everything
    /// back, marks the file system clean and returns the device.
    pub fn unmount(mut self, now: Timestamp) -> Result<D, Error> {
        if self.read_only.is_none() {
            self.release_all(now)?;
            let feat = self.sb.incompat & !incompat::RECOVER;
            self.sb.set_incompat(feat);
            let state = self.sb.state() | STATE_VALID;
            self.sb.set_state(state);
            self.sb.stamp(now.secs, false);
            self.put_sb()?;
            self.sync()?;
        }
        Ok(self.dev)
    }

    /// Gives the device back without writing anything more, as a power
    /// cut or a vanished device would leave it (changes not yet committed
    /// are lost; the journal recovers the rest at the next mount).
    pub fn abandon(self) -> D {
        self.dev
    }

    /// Damage was found (a call returned [`Error::Corrupt`]): as ext3's
    /// `errors=remount-ro`, the changes not yet committed are dropped —
    /// they may rest on the damaged structure — the superblock on the
    /// device gets the error state (so that `e2fsck` checks it in full,
    /// the rest of it as last committed) and the file system turns
    /// read-only: later changes are [`Error::ReadOnly`], reads go on. Does
    /// nothing on a file system already read-only.
    pub fn damaged(&mut self) -> Result<(), Error> {
        if self.read_only.is_some() {
            return Ok(());
        }
        self.read_only = Some(ReadOnlyReason::Damaged);
        self.dirty.clear();
        self.pending_free.clear();
        self.dir_indexes = DirIndexes::new();
        let raw = self.read_sb_bytes()?;
        self.sb = Superblock::parse(raw, self.dev.size())?;
        self.load_groups()?;
        let state = self.sb.state() | STATE_ERROR;
        self.sb.set_state(state);
        let (block, off) = self.sb_location();
        let mut data = self.read_block(block)?;
        data[off..off + SUPERBLOCK_SIZE].copy_from_slice(&self.sb.raw);
        self.dev.write_block(block, &data)?;
        self.dev.flush()?;
        Ok(())
    }

    /// The device, borrowed (a server reads its cache's counters).
    pub fn device(&self) -> &D {
        &self.dev
    }

    /// Whether metadata changed since the last [`Ext2::sync`] (file data
    /// is written to the device at once and is the device's business).
    pub fn has_changes(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// Why the file system is read-only, if it is.
    pub fn read_only(&self) -> Option<ReadOnlyReason> {
        self.read_only
    }

    /// Whether the file system has a journal.
    pub fn has_journal(&self) -> bool {
        self.journal.is_some()
    }

    /// The block size.
    pub fn block_size(&self) -> u32 {
        self.sb.block_size
    }

    /// Space and inode counts.
    pub fn statfs(&self) -> StatFs {
        let free = self.sb.free_blocks();
        StatFs {
            block_size: self.sb.block_size,
            blocks: self.sb.blocks_count,
            free_blocks: free,
            available_blocks: free.saturating_sub(self.sb.reserved_blocks()),
            inodes: self.sb.inodes_count,
            free_inodes: self.sb.free_inodes(),
        }
    }

    /// Makes every change so far durable: with a journal, as one or more
    /// committed transactions (file data flushed first), then written home.
    /// On a file system turned read-only by damage, `ReadOnly`: what was
    /// not committed then is lost.
    pub fn sync(&mut self) -> Result<(), Error> {
        match self.read_only {
            Some(ReadOnlyReason::Damaged) => return Err(Error::ReadOnly),
            Some(_) => return Ok(()),
            None => {}
        }
        if self.dirty.is_empty() {
            self.dev.flush()?;
            return Ok(());
        }
        let dirty = core::mem::take(&mut self.dirty);
        if let Some(journal) = &mut self.journal {
            let blocks: Vec<(u64, &[u8])> = dirty.iter().map(|(b, d)| (*b, d.as_slice())).collect();
            for chunk in blocks.chunks(journal.max_transaction_blocks()) {
                journal.commit(&mut self.dev, chunk)?;
                for (block, data) in chunk {
                    self.dev.write_block(*block, data)?;
                }
                self.dev.flush()?;
                journal.mark_empty(&mut self.dev)?;
            }
        } else {
            for (block, data) in &dirty {
                self.dev.write_block(*block, data)?;
            }
            self.dev.flush()?;
        }
        self.pending_free.clear();
        Ok(())
    }

    /// `fsync`: the file's data and metadata are durable on return (this
    /// commits every pending change, as ext3 does).
    pub fn fsync(&mut self, _ino: InodeNo) -> Result<(), Error> {
        self.sync()
    }

    /// Called at the end of every mutating operation: writes back when the
    /// overlay grows past what one transaction should hold.
    pub(crate) fn end_op(&mut self) -> Result<(), Error> {
        let limit = match &self.journal {
            Some(j) => j.max_transaction_blocks() / 2,
            None => OVERLAY_LIMIT,
        };
        if self.dirty.len() >= limit { self.sync() } else { Ok(()) }
    }

    /// Notes that `dir`'s htree index is damaged (`why`): the directory is
    /// read linearly, and its next change drops the index flag.
    pub(crate) fn note_bad_index(&mut self, dir: InodeNo, why: &'static str) {
        let c = Corrupt::Directory(dir, why);
        if !self.index_damage.contains(&c) && self.index_damage.len() < MAX_INDEX_DAMAGE {
            self.index_damage.push(c);
        }
    }

    /// The damaged directory indexes met since the last call (the calls
    /// that met them went on linearly, as Linux does): for the server to
    /// log.
    pub fn take_index_damage(&mut self) -> Vec<Corrupt> {
        core::mem::take(&mut self.index_damage)
    }

    pub(crate) fn check_writable(&self) -> Result<(), Error> {
        if self.read_only.is_some() { Err(Error::ReadOnly) } else { Ok(()) }
    }

    fn sb_location(&self) -> (u64, usize) {
        (SUPERBLOCK_OFFSET / self.bs as u64, SUPERBLOCK_OFFSET as usize % self.bs)
    }

    fn read_sb_bytes(&mut self) -> Result<Vec<u8>, Error> {
        let (block, off) = self.sb_location();
        self.with_block(block, |b| b[off..off + SUPERBLOCK_SIZE].to_vec())
    }

    /// Stores the superblock into the overlay.
    pub(crate) fn put_sb(&mut self) -> Result<(), Error> {
        let (block, off) = self.sb_location();
        let raw = &self.sb.raw;
        let b = Self::overlay_mut(&mut self.dirty, &mut self.dev, self.bs, self.sb.blocks_count, block)?;
        b[off..off + SUPERBLOCK_SIZE].copy_from_slice(raw);
        Ok(())
    }

    fn gdt_start(&self) -> u64 {
        self.sb.first_data_block as u64 + 1
    }

    fn load_groups(&mut self) -> Result<(), Error> {
        if self.sb.incompat & incompat::META_BG != 0 {
            return Err(Error::Unsupported(Unsupported::IncompatFeatures(incompat::META_BG)));
        }
        let n = self.sb.gdt_blocks();
        if self.gdt_start() + n > self.sb.blocks_count {
            return Err(Error::Corrupt(Corrupt::Superblock("group descriptors past the end")));
        }
        let mut raw = Vec::with_capacity(n as usize * self.bs);
        for i in 0..n {
            raw.extend_from_slice(&self.read_block(self.gdt_start() + i)?);
        }
        let ds = self.sb.desc_size as usize;
        let mut groups = Vec::with_capacity(self.sb.group_count as usize);
        for g in 0..self.sb.group_count {
            let d = GroupDesc::parse(&raw[g as usize * ds..(g as usize + 1) * ds]);
            d.validate(&self.sb, g)?;
            groups.push(d);
        }
        self.groups = groups;
        self.gdt_raw = raw;
        Ok(())
    }

    /// Stores group `g`'s descriptor into the overlay (only its bytes: the
    /// rest of the block is as `gdt_raw` holds it already, since every
    /// change to a descriptor comes through here).
    fn put_group(&mut self, g: u32) -> Result<(), Error> {
        let ds = self.sb.desc_size as usize;
        let off = g as usize * ds;
        self.groups[g as usize].store_counts(&mut self.gdt_raw[off..off + ds]);
        let block = self.gdt_start() + (off / self.bs) as u64;
        let within = off % self.bs;
        let b = Self::overlay_mut(&mut self.dirty, &mut self.dev, self.bs, self.sb.blocks_count, block)?;
        b[within..within + ds].copy_from_slice(&self.gdt_raw[off..off + ds]);
        Ok(())
    }

    /// Block `block` as it stands (the overlay first, then the device).
    pub(crate) fn read_block(&mut self, block: u64) -> Result<Vec<u8>, Error> {
        if let Some(d) = self.dirty.get(&block) {
            return Ok(d.clone());
        }
        device_block(&mut self.dev, self.bs, self.sb.blocks_count, block)
    }

    /// Bytes `offset..offset + buf.len()` of block `block` as it stands
    /// (the overlay first, then the device): only those bytes, not a copy
    /// of the whole block.
    pub(crate) fn read_block_part(&mut self, block: u64, offset: usize, buf: &mut [u8]) -> Result<(), Error> {
        if let Some(d) = self.dirty.get(&block) {
            buf.copy_from_slice(&d[offset..offset + buf.len()]);
            return Ok(());
        }
        if block >= self.sb.blocks_count {
            return Err(Error::Corrupt(Corrupt::Superblock("block number past the end")));
        }
        self.dev.read_at(block * self.bs as u64 + offset as u64, buf)?;
        Ok(())
    }

    /// Whether the overlay holds any block of `first..=last`.
    pub(crate) fn overlay_holds_any(&self, first: u64, last: u64) -> bool {
        self.dirty.range(first..=last).next().is_some()
    }

    /// Calls `f` with block `block` as it stands, without copying it when
    /// the overlay holds it.
    pub(crate) fn with_block<R>(&mut self, block: u64, f: impl FnOnce(&[u8]) -> R) -> Result<R, Error> {
        if let Some(d) = self.dirty.get(&block) {
            return Ok(f(d));
        }
        Ok(f(&self.read_block(block)?))
    }

    /// Metadata block `block` in `dirty` (the overlay), to change in
    /// place: read from `dev` into the overlay first if it is not there.
    /// (Takes the fields it needs, so callers may borrow others.)
    fn overlay_mut<'a>(
        dirty: &'a mut BTreeMap<u64, Vec<u8>>,
        dev: &mut D,
        bs: usize,
        blocks_count: u64,
        block: u64,
    ) -> Result<&'a mut Vec<u8>, Error> {
        match dirty.entry(block) {
            alloc::collections::btree_map::Entry::Occupied(e) => Ok(e.into_mut()),
            alloc::collections::btree_map::Entry::Vacant(e) => {
                Ok(e.insert(device_block(dev, bs, blocks_count, block)?))
            }
        }
    }

    /// Metadata block `block`, to change in place (kept until the next
    /// write-back).
    pub(crate) fn meta_mut(&mut self, block: u64) -> Result<&mut Vec<u8>, Error> {
        Self::overlay_mut(&mut self.dirty, &mut self.dev, self.bs, self.sb.blocks_count, block)
    }

    /// Changes metadata block `block` (kept until the next write-back).
    pub(crate) fn write_meta(&mut self, block: u64, data: Vec<u8>) {
        self.dirty.insert(block, data);
    }

    /// Writes file data to `block` at once.
    pub(crate) fn write_data(&mut self, block: u64, data: &[u8]) -> Result<(), Error> {
        self.dirty.remove(&block);
        self.dev.write_block(block, data)?;
        Ok(())
    }

    fn inode_location(&self, ino: InodeNo) -> Result<(u64, usize), Error> {
        if ino.0 == 0 || ino.0 > self.sb.inodes_count {
            return Err(Error::Corrupt(Corrupt::Inode(ino, "inode number out of range")));
        }
        let idx = ino.0 - 1;
        let g = idx / self.sb.inodes_per_group;
        let byte = (idx % self.sb.inodes_per_group) as u64 * self.sb.inode_size as u64;
        let block = self.groups[g as usize].inode_table + byte / self.bs as u64;
        Ok((block, (byte % self.bs as u64) as usize))
    }

    pub(crate) fn read_inode(&mut self, ino: InodeNo) -> Result<Inode, Error> {
        let (block, off) = self.inode_location(ino)?;
        let size = self.sb.inode_size as usize;
        if let Some(b) = self.dirty.get(&block) {
            return Ok(Inode { raw: b[off..off + size].to_vec() });
        }
        // Only the inode's bytes, not its whole block.
        let raw = self.dev.read_vec(block * self.bs as u64 + off as u64, size)?;
        Ok(Inode { raw })
    }

    pub(crate) fn write_inode(&mut self, ino: InodeNo, inode: &Inode) -> Result<(), Error> {
        let (block, off) = self.inode_location(ino)?;
        self.meta_mut(block)?[off..off + inode.raw.len()].copy_from_slice(&inode.raw);
        Ok(())
    }

    /// The group holding inode `ino`.
    pub(crate) fn inode_group(&self, ino: InodeNo) -> u32 {
        (ino.0.saturating_sub(1) / self.sb.inodes_per_group).min(self.sb.group_count - 1)
    }

    /// Whether `b` may be a data or indirect block.
    pub(crate) fn block_in_range(&self, b: u64) -> bool {
        b > self.sb.first_data_block as u64 && b < self.sb.blocks_count
    }

    /// Allocates a block, preferring group `goal`.
    pub(crate) fn alloc_block(&mut self, goal: u32) -> Result<u64, Error> {
        let n = self.sb.group_count;
        for i in 0..n {
            let g = (goal + i) % n;
            if self.groups[g as usize].free_blocks == 0 {
                continue;
            }
            let bitmap_block = self.groups[g as usize].block_bitmap;
            let first = self.sb.group_first_block(g);
            let count = self.sb.blocks_in_group(g);
            let bitmap =
                Self::overlay_mut(&mut self.dirty, &mut self.dev, self.bs, self.sb.blocks_count, bitmap_block)?;
            let pending = &self.pending_free;
            let found = first_clear(bitmap, 0, count, |bit| !pending.contains(&(first + bit as u64)));
            let Some(bit) = found else { continue };
            bitmap[bit as usize / 8] |= 1 << (bit % 8);
            self.groups[g as usize].free_blocks -= 1;
            self.put_group(g)?;
            let free = self.sb.free_blocks().saturating_sub(1);
            self.sb.set_free_blocks(free);
            self.put_sb()?;
            return Ok(first + bit as u64);
        }
        Err(Error::NoSpace)
    }

    /// Free blocks that can be allocated before the next commit (those
    /// freed since the last one wait for it).
    pub(crate) fn allocatable_blocks(&self) -> u64 {
        self.sb.free_blocks().saturating_sub(self.pending_free.len() as u64)
    }

    /// Whether blocks freed since the last commit wait to be reusable.
    pub(crate) fn has_pending_frees(&self) -> bool {
        !self.pending_free.is_empty()
    }

    /// Returns block `b` to the free pool.
    pub(crate) fn free_block(&mut self, b: u64) -> Result<(), Error> {
        if !self.block_in_range(b) {
            return Err(Error::Corrupt(Corrupt::Bitmap("freeing a block out of range")));
        }
        let rel = b - self.sb.first_data_block as u64;
        let g = (rel / self.sb.blocks_per_group as u64) as u32;
        let bit = (rel % self.sb.blocks_per_group as u64) as usize;
        let bitmap_block = self.groups[g as usize].block_bitmap;
        let bitmap = self.meta_mut(bitmap_block)?;
        if bitmap[bit / 8] & (1 << (bit % 8)) == 0 {
            return Err(Error::Corrupt(Corrupt::Bitmap("freeing a free block")));
        }
        bitmap[bit / 8] &= !(1 << (bit % 8));
        let gd = &mut self.groups[g as usize];
        gd.free_blocks = (gd.free_blocks + 1).min(self.sb.blocks_in_group(g));
        self.put_group(g)?;
        let free = (self.sb.free_blocks() + 1).min(self.sb.blocks_count);
        self.sb.set_free_blocks(free);
        self.put_sb()?;
        self.pending_free.insert(b);
        Ok(())
    }

    /// Allocates an inode near `parent`'s group (directories: the group
    /// with the most free blocks among those with free inodes).
    pub(crate) fn alloc_inode(&mut self, parent: InodeNo, dir: bool) -> Result<InodeNo, Error> {
        let n = self.sb.group_count;
        let start = if dir {
            (0..n)
                .filter(|&g| self.groups[g as usize].free_inodes > 0)
                .max_by_key(|&g| (self.groups[g as usize].free_blocks, core::cmp::Reverse(g)))
                .unwrap_or(0)
        } else {
            self.inode_group(parent)
        };
        let ipg = self.sb.inodes_per_group;
        for i in 0..n {
            let g = (start + i) % n;
            if self.groups[g as usize].free_inodes == 0 {
                continue;
            }
            let bitmap_block = self.groups[g as usize].inode_bitmap;
            // Inodes below the first usable one are reserved.
            let from = self.sb.first_ino.saturating_sub(g * ipg + 1);
            let bitmap = self.meta_mut(bitmap_block)?;
            let found = first_clear(bitmap, from, ipg, |_| true);
            let Some(bit) = found else { continue };
            bitmap[bit as usize / 8] |= 1 << (bit % 8);
            let gd = &mut self.groups[g as usize];
            gd.free_inodes -= 1;
            if dir {
                gd.used_dirs += 1;
            }
            self.put_group(g)?;
            let free = self.sb.free_inodes().saturating_sub(1);
            self.sb.set_free_inodes(free);
            self.put_sb()?;
            return Ok(InodeNo(g * ipg + bit + 1));
        }
        Err(Error::NoSpace)
    }

    /// Returns inode `ino` to the free pool.
    pub(crate) fn free_inode(&mut self, ino: InodeNo, dir: bool) -> Result<(), Error> {
        self.inode_location(ino)?;
        let g = self.inode_group(ino);
        let bit = ((ino.0 - 1) % self.sb.inodes_per_group) as usize;
        let bitmap_block = self.groups[g as usize].inode_bitmap;
        let bitmap = self.meta_mut(bitmap_block)?;
        if bitmap[bit / 8] & (1 << (bit % 8)) == 0 {
            return Err(Error::Corrupt(Corrupt::Bitmap("freeing a free inode")));
        }
        bitmap[bit / 8] &= !(1 << (bit % 8));
        let ipg = self.sb.inodes_per_group;
        let gd = &mut self.groups[g as usize];
        gd.free_inodes = (gd.free_inodes + 1).min(ipg);
        if dir {
            gd.used_dirs = gd.used_dirs.saturating_sub(1);
        }
        self.put_group(g)?;
        let free = (self.sb.free_inodes() + 1).min(self.sb.inodes_count);
        self.sb.set_free_inodes(free);
        self.put_sb()
    }

    /// Records that a file passed 2 GiB (`large_file`).
    pub(crate) fn note_large_file(&mut self) -> Result<(), Error> {
        if self.sb.ro_compat & ro_compat::LARGE_FILE == 0 {
            let f = self.sb.ro_compat | ro_compat::LARGE_FILE;
            self.sb.set_ro_compat(f);
            self.put_sb()?;
        }
        Ok(())
    }
}
