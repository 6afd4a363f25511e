//! The block cache between a file system and its disk: a bounded,
//! write-back cache of [`UNIT`]-byte pieces of a [`BlockDevice`] with LRU
//! eviction, itself the [`BlockDevice`] `cairn-ext2` runs on (in the
//! `ext2fs` server). The device under it is asked for at most
//! [`MAX_REQUEST`] bytes per request, at [`UNIT`]-aligned offsets:
//!
//! - a read that misses fetches the missing piece and the pieces after it
//!   that are not cached either, up to [`MAX_REQUEST`] bytes in one
//!   `pread`, so reading a large file costs one request per 64 KiB rather
//!   than one per block, and reading it again costs none; a read of
//!   several whole pieces (a file's run of blocks) instead reads its own
//!   uncached pieces straight into the caller's buffer and the cache keeps
//!   a copy (no bounce buffer to zero and copy out of: copies are what
//!   cost most under QEMU's TCG);
//! - a write changes the cached pieces and marks them dirty; dirty pieces
//!   reach the disk when one of them is evicted (all of them then, in runs)
//!   or at [`BlockCache::flush`] — any time before the barrier is right,
//!   since `cairn-ext2` only writes what may become durable early (data,
//!   journal blocks, and home blocks after their commit);
//! - `flush` (the file system's ordering barrier: its journal commits rely
//!   on it) writes every dirty piece — runs of adjacent pieces as single
//!   `pwrite`s of up to 64 KiB — and then `fsync`s the disk, so every write
//!   the file system made before the barrier is durable when it returns.
//!
//! A failed device request is passed on as the file system's `EIO`; a
//! dirty piece that could not be written stays dirty (and in the cache).
//!
//! Depends on `core`, `alloc` and `cairn-ext2` (the trait).
#![no_std]

extern crate alloc;

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;

use cairn_ext2::{BlockDevice, DeviceError};

/// Bytes one request to the device carries at most (what a `disk.*`
/// scheme takes per `pread`/`pwrite`).
pub const MAX_REQUEST: usize = 64 * 1024;

/// Bytes per cached piece: a multiple of every sector size (512 B, 4 KiB),
/// and of nothing larger, so any file-system block size works.
pub const UNIT: usize = 4096;
/// Pieces cached when the command line does not say: 32 MiB (a tree of
/// a few thousand small files with its inodes and directories fits; with
/// LRU, a working set a little larger than the cache misses on every
/// access).
pub const DEFAULT_UNITS: usize = 8192;
/// Fewest pieces a cache holds (one largest request, and room to work).
pub const MIN_UNITS: usize = 2 * MAX_REQUEST / UNIT;

/// One cached piece.
struct Piece {
    data: Box<[u8]>,
    dirty: bool,
    /// When it was last used (a key of `BlockCache::recency`).
    used: u64,
}

/// Counters of cache use.
#[derive(Clone, Copy, Debug, Default)]
pub struct CacheCounts {
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
    pub cached: usize,
    pub dirty: usize,
}

/// The cache over `disk`.
pub struct BlockCache<D: BlockDevice> {
    disk: D,
    capacity: usize,
    pieces: BTreeMap<u64, Piece>,
    /// Piece numbers by last use, oldest first.
    recency: BTreeMap<u64, u64>,
    clock: u64,
    counts: CacheCounts,
}

impl<D: BlockDevice> BlockCache<D> {
    /// A cache of `units` pieces (at least [`MIN_UNITS`]) over `disk`.
    pub fn new(disk: D, units: usize) -> BlockCache<D> {
        BlockCache {
            disk,
            capacity: units.max(MIN_UNITS),
            pieces: BTreeMap::new(),
            recency: BTreeMap::new(),
            clock: 0,
            counts: CacheCounts::default(),
        }
    }

    /// The counters, with the pieces held and dirty now.
    pub fn counts(&self) -> CacheCounts {
        CacheCounts {
            cached: self.pieces.len(),
            dirty: self.pieces.values().filter(|p| p.dirty).count(),
            ..self.counts
        }
    }

    /// Pieces held at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Bytes of piece `unit` that lie on the device.
    fn unit_len(&self, unit: u64) -> usize {
        let start = unit * UNIT as u64;
        (self.disk.size().saturating_sub(start)).min(UNIT as u64) as usize
    }

    fn touch(&mut self, unit: u64) {
        self.clock += 1;
        if let Some(piece) = self.pieces.get_mut(&unit) {
            self.recency.remove(&piece.used);
            piece.used = self.clock;
            self.recency.insert(self.clock, unit);
        }
    }

    /// Adds a piece read from the device (or to be written whole).
    fn insert(&mut self, unit: u64, data: Box<[u8]>, dirty: bool) -> Result<(), DeviceError> {
        self.make_room(1)?;
        self.clock += 1;
        self.recency.insert(self.clock, unit);
        self.pieces.insert(unit, Piece { data, dirty, used: self.clock });
        Ok(())
    }

    /// Evicts least recently used pieces (writing dirty ones) until
    /// `wanted` more fit.
    fn make_room(&mut self, wanted: usize) -> Result<(), DeviceError> {
        while self.pieces.len() + wanted > self.capacity {
            let Some((&used, &unit)) = self.recency.iter().next() else { return Ok(()) };
            if self.pieces.get(&unit).is_some_and(|piece| piece.dirty) {
                // Everything dirty goes, in runs: a file being written
                // leaves long runs, and one eviction then cleans them all.
                self.write_back()?;
            }
            self.recency.remove(&used);
            self.pieces.remove(&unit);
            self.counts.evictions += 1;
        }
        Ok(())
    }

    /// Makes piece `unit` cached: on a miss, one read of it and of the
    /// uncached pieces after it, up to [`MAX_REQUEST`] bytes.
    fn load(&mut self, unit: u64) -> Result<(), DeviceError> {
        if self.pieces.contains_key(&unit) {
            self.counts.hits += 1;
            self.touch(unit);
            return Ok(());
        }
        self.counts.misses += 1;
        let len = self.unit_len(unit);
        if len == 0 {
            return Err(DeviceError::OutOfRange);
        }
        let count = self.uncached_run(unit);
        let total = if count == 1 { len } else { count * UNIT };
        let mut buf = vec![0u8; total];
        self.disk.read_at(unit * UNIT as u64, &mut buf)?;
        self.keep(unit, &buf)
    }

    /// How many pieces from uncached piece `unit` are whole and not cached
    /// (at least 1, at most one [`MAX_REQUEST`]).
    fn uncached_run(&self, unit: u64) -> usize {
        let mut count = 1;
        while count < MAX_REQUEST / UNIT
            && self.unit_len(unit + count as u64) == UNIT
            && !self.pieces.contains_key(&(unit + count as u64))
        {
            count += 1;
        }
        count
    }

    /// Caches `data`, just read from the device at piece `unit`, as clean
    /// pieces; piece `unit` becomes the most recently used.
    fn keep(&mut self, unit: u64, data: &[u8]) -> Result<(), DeviceError> {
        self.make_room(data.len().div_ceil(UNIT))?;
        for (i, chunk) in data.chunks(UNIT).enumerate() {
            self.insert(unit + i as u64, chunk.into(), false)?;
        }
        // The piece asked for is the most recent.
        self.touch(unit);
        Ok(())
    }

    /// Writes every dirty piece, adjacent ones together.
    fn write_back(&mut self) -> Result<(), DeviceError> {
        let dirty: Vec<u64> = self.pieces.iter().filter(|(_, p)| p.dirty).map(|(u, _)| *u).collect();
        let mut at = 0;
        while at < dirty.len() {
            let mut run = 1;
            while at + run < dirty.len() && dirty[at + run] == dirty[at] + run as u64 && (run + 1) * UNIT <= MAX_REQUEST
            {
                run += 1;
            }
            let mut buf = Vec::with_capacity(run * UNIT);
            for unit in &dirty[at..at + run] {
                buf.extend_from_slice(&self.pieces[unit].data);
            }
            self.disk.write_at(dirty[at] * UNIT as u64, &buf)?;
            for unit in &dirty[at..at + run] {
                if let Some(piece) = self.pieces.get_mut(unit) {
                    piece.dirty = false;
                }
            }
            at += run;
        }
        Ok(())
    }
}

impl<D: BlockDevice> BlockDevice for BlockCache<D> {
    fn size(&self) -> u64 {
        self.disk.size()
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        let end = offset.checked_add(buf.len() as u64).ok_or(DeviceError::OutOfRange)?;
        if end > self.disk.size() {
            return Err(DeviceError::OutOfRange);
        }
        let mut done = 0;
        while done < buf.len() {
            let pos = offset + done as u64;
            let (unit, within) = (pos / UNIT as u64, (pos % UNIT as u64) as usize);
            let wanted = (buf.len() - done) / UNIT;
            if within == 0 && wanted >= 2 && self.unit_len(unit) == UNIT && !self.pieces.contains_key(&unit) {
                // A miss in a read of several whole pieces: read the
                // uncached ones straight into the caller's buffer (no
                // bounce buffer to fill and copy out of), and no further
                // (the caller reads its own run).
                self.counts.misses += 1;
                let bytes = self.uncached_run(unit).min(wanted) * UNIT;
                let into = &mut buf[done..done + bytes];
                self.disk.read_at(pos, into)?;
                self.keep(unit, into)?;
                done += bytes;
                continue;
            }
            self.load(unit)?;
            let piece = &self.pieces[&unit].data;
            let n = (piece.len() - within).min(buf.len() - done);
            buf[done..done + n].copy_from_slice(&piece[within..within + n]);
            done += n;
        }
        Ok(())
    }

    fn read_vec(&mut self, offset: u64, len: usize) -> Result<Vec<u8>, DeviceError> {
        let (unit, within) = (offset / UNIT as u64, (offset % UNIT as u64) as usize);
        if within + len > UNIT {
            let mut buf = vec![0; len];
            self.read_at(offset, &mut buf)?;
            return Ok(buf);
        }
        // Within one piece: copied out of it, with no zeroed buffer first.
        self.load(unit)?;
        let piece = &self.pieces[&unit].data;
        piece.get(within..within + len).map(<[u8]>::to_vec).ok_or(DeviceError::OutOfRange)
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), DeviceError> {
        let end = offset.checked_add(data.len() as u64).ok_or(DeviceError::OutOfRange)?;
        if end > self.disk.size() {
            return Err(DeviceError::OutOfRange);
        }
        let mut done = 0;
        while done < data.len() {
            let pos = offset + done as u64;
            let (unit, within) = (pos / UNIT as u64, (pos % UNIT as u64) as usize);
            let len = self.unit_len(unit);
            let n = (len - within).min(data.len() - done);
            if within == 0 && n == len && !self.pieces.contains_key(&unit) {
                // A whole piece: no need to read what it replaces.
                self.insert(unit, data[done..done + n].into(), true)?;
            } else {
                self.load(unit)?;
                let piece = self.pieces.get_mut(&unit).ok_or(DeviceError::Io)?;
                piece.data[within..within + n].copy_from_slice(&data[done..done + n]);
                piece.dirty = true;
            }
            done += n;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), DeviceError> {
        self.write_back()?;
        self.disk.flush()
    }
}

#[cfg(test)]
mod tests;
