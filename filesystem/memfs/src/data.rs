//! File data: reading, writing (sparse: a gap reads as zeroes) and
//! truncating, with the space they take counted against the capacity.

use alloc::vec::Vec;

use crate::node::{Content, Node, Times};
use crate::{FsError, MAX_FILE_SIZE, MemFs, NodeId};

impl MemFs {
    /// The data and timestamps of regular file `id` (`IsDir` for a
    /// directory, `Invalid` for a symbolic link).
    fn file_mut(&mut self, id: NodeId) -> Result<(&mut Vec<u8>, &mut Times), FsError> {
        let Node { content, times, .. } = self.node_mut(id)?;
        match content {
            Content::File(data) => Ok((data, times)),
            Content::Dir(_) => Err(FsError::IsDir),
            Content::Symlink(_) => Err(FsError::Invalid),
        }
    }

    /// Whether a file may grow (or shrink) from `old` to `new` bytes.
    pub(crate) fn check_room(&self, old: u64, new: u64) -> Result<(), FsError> {
        if new > MAX_FILE_SIZE {
            return Err(FsError::TooLarge);
        }
        if new > old && self.used.saturating_add(new - old) > self.capacity {
            return Err(FsError::NoSpace);
        }
        Ok(())
    }

    /// Up to `len` bytes at `offset` (none past the end); reading at least
    /// one byte counts as an access at `now` (relatime).
    pub fn read(&mut self, id: NodeId, offset: u64, len: usize, now: u64) -> Result<&[u8], FsError> {
        let (data, times) = self.file_mut(id)?;
        if len > 0 {
            times.read(now);
        }
        let start = offset.min(data.len() as u64) as usize;
        let end = start + len.min(data.len() - start);
        Ok(&data[start..end])
    }

    /// Writes `bytes` at `offset` (past the end, the gap reads as zeroes),
    /// all or nothing: `TooLarge` beyond [`MAX_FILE_SIZE`], `NoSpace` beyond
    /// the capacity. Writing nothing changes nothing.
    pub fn write(&mut self, id: NodeId, offset: u64, bytes: &[u8], now: u64) -> Result<usize, FsError> {
        let old = self.file_mut(id)?.0.len() as u64;
        if bytes.is_empty() {
            return Ok(0);
        }
        let end = offset.checked_add(bytes.len() as u64).ok_or(FsError::TooLarge)?;
        let new = old.max(end);
        self.check_room(old, new)?;
        let (data, times) = self.file_mut(id)?;
        grow(data, new as usize)?;
        data[offset as usize..end as usize].copy_from_slice(bytes);
        times.modify(now);
        self.used = self.used.saturating_sub(old) + new;
        Ok(bytes.len())
    }

    /// Sets a file's length (growing with zeroes; shrinking returns memory).
    pub fn truncate(&mut self, id: NodeId, len: u64, now: u64) -> Result<(), FsError> {
        let old = self.file_mut(id)?.0.len() as u64;
        self.check_room(old, len)?;
        let (data, times) = self.file_mut(id)?;
        grow(data, len as usize)?;
        data.truncate(len as usize);
        data.shrink_to_fit();
        times.modify(now);
        self.used = self.used.saturating_sub(old) + len;
        Ok(())
    }
}

/// Makes `data` at least `len` bytes long (new bytes zero). Memory that
/// cannot be had is `NoSpace`, never an abort: the server outlives its
/// clients' worst requests. Growth tries the usual doubling first, then
/// smaller steps (a quarter, a sixteenth of the size), then the exact size,
/// so that a large file near the end of memory can still grow without a
/// reallocation for every write.
fn grow(data: &mut Vec<u8>, len: usize) -> Result<(), FsError> {
    let needed = len.saturating_sub(data.len());
    if needed > data.capacity() - data.len() {
        let reserved = [data.len(), data.len() / 4, data.len() / 16]
            .into_iter()
            .any(|step| data.try_reserve_exact(needed.max(step)).is_ok());
        if !reserved {
            data.try_reserve_exact(needed).map_err(|_| FsError::NoSpace)?;
        }
    }
    if len > data.len() {
        data.resize(len, 0);
    }
    Ok(())
}
