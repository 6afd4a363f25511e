//! File contents: reading (holes read as zeros), writing (allocating
//! blocks as needed, partial blocks read-modify-written, new blocks zero
//! filled), and truncating (freeing blocks past the end and zeroing the
//! tail of the last one so a later extension reads zeros).

use alloc::vec;
use alloc::vec::Vec;

use crate::device::BlockDevice;
use crate::fs::Ext2;
use crate::inode::{FileType, Inode, InodeNo, TimeField, Timestamp};
use crate::{Error, MAX_LINKS};

/// Blocks written per transaction step by one large write.
const WRITE_CHUNK_BLOCKS: u64 = 128;
/// Files of this size or more need `large_file`.
const LARGE_FILE: u64 = 1 << 31;

impl<D: BlockDevice> Ext2<D> {
    /// Reads up to `buf.len()` bytes of `ino` from `offset`; returns how
    /// many (0 at or past the end).
    pub fn read(&mut self, ino: InodeNo, offset: u64, buf: &mut [u8]) -> Result<usize, Error> {
        let inode = self.get(ino)?;
        match inode.file_type() {
            Some(FileType::Directory) => return Err(Error::IsDir),
            Some(FileType::Regular) | Some(FileType::Symlink) => {}
            _ => return Err(Error::Invalid),
        }
        self.read_inode_data(ino, &inode, offset, buf)
    }

    pub(crate) fn read_inode_data(
        &mut self,
        ino: InodeNo,
        inode: &Inode,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<usize, Error> {
        let size = inode.size();
        if offset >= size {
            return Ok(0);
        }
        let len = (buf.len() as u64).min(size - offset) as usize;
        let bs = self.bs as u64;
        let mut done = 0;
        while done < len {
            let pos = offset + done as u64;
            let in_block = (pos % bs) as usize;
            let n = (self.bs - in_block).min(len - done);
            match self.map_run(ino, inode, pos / bs, (len - done) / self.bs)? {
                (Some(b), run) if n == self.bs => {
                    self.read_run(b, &mut buf[done..done + run * self.bs])?;
                    done += run * self.bs;
                    continue;
                }
                (Some(b), _) => self.read_block_part(b, in_block, &mut buf[done..done + n])?,
                (None, _) => buf[done..done + n].fill(0),
            }
            done += n;
        }
        Ok(len)
    }

    /// Reads whole blocks from `first` into `buf`: one device request for
    /// the run (the device's cache splits it as it needs), unless the
    /// overlay holds one of them.
    fn read_run(&mut self, first: u64, buf: &mut [u8]) -> Result<(), Error> {
        let last = first + (buf.len() / self.bs) as u64 - 1;
        if self.overlay_holds_any(first, last) {
            for (i, chunk) in buf.chunks_mut(self.bs).enumerate() {
                chunk.copy_from_slice(&self.read_block(first + i as u64)?);
            }
            return Ok(());
        }
        self.dev.read_at(first * self.bs as u64, buf)?;
        Ok(())
    }

    /// Regular file `ino`'s inode, on a file system that may be written:
    /// `IsDir` for a directory, `Invalid` for any other kind.
    fn writable_regular_file(&mut self, ino: InodeNo) -> Result<Inode, Error> {
        self.check_writable()?;
        let inode = self.get(ino)?;
        match inode.file_type() {
            Some(FileType::Regular) => Ok(inode),
            Some(FileType::Directory) => Err(Error::IsDir),
            _ => Err(Error::Invalid),
        }
    }

    /// Writes `data` to regular file `ino` at `offset` (growing it and
    /// filling holes as needed); returns the bytes written.
    pub fn write(&mut self, ino: InodeNo, offset: u64, data: &[u8], now: Timestamp) -> Result<usize, Error> {
        let mut inode = self.writable_regular_file(ino)?;
        let end = offset.checked_add(data.len() as u64).ok_or(Error::FileTooLarge)?;
        if end.div_ceil(self.bs as u64) > self.max_blocks() {
            return Err(Error::FileTooLarge);
        }
        let bs = self.bs as u64;
        let mut done = 0usize;
        let mut in_chunk = 0;
        let mut failure = None;
        while done < data.len() {
            let pos = offset + done as u64;
            let in_block = (pos % bs) as usize;
            let n = (self.bs - in_block).min(data.len() - done);
            let (b, fresh) = match self.map_alloc(ino, &mut inode, pos / bs) {
                Ok(r) => r,
                Err(Error::NoSpace) if self.has_pending_frees() => {
                    // The only free blocks were freed in the transaction
                    // still open: record the write so far, commit, and go
                    // on with them (as ext3 forces a commit).
                    self.finish_write(ino, &mut inode, offset + done as u64, now)?;
                    in_chunk = 0;
                    self.sync()?;
                    continue;
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            };
            if n == self.bs {
                self.write_data(b, &data[done..done + n])?;
            } else {
                let mut blk = if fresh { vec![0; self.bs] } else { self.read_block(b)? };
                blk[in_block..in_block + n].copy_from_slice(&data[done..done + n]);
                self.write_data(b, &blk)?;
            }
            done += n;
            in_chunk += 1;
            if in_chunk == WRITE_CHUNK_BLOCKS {
                self.finish_write(ino, &mut inode, offset + done as u64, now)?;
                in_chunk = 0;
            }
        }
        self.finish_write(ino, &mut inode, offset + done as u64, now)?;
        match failure {
            Some(Error::NoSpace) if done > 0 => Ok(done),
            Some(e) => Err(e),
            None => Ok(done),
        }
    }

    /// Records a write that reached `end`: size, times, the inode; then
    /// lets the transaction commit if it grew large.
    fn finish_write(&mut self, ino: InodeNo, inode: &mut Inode, end: u64, now: Timestamp) -> Result<(), Error> {
        if end > inode.size() {
            inode.set_size(end);
            if end >= LARGE_FILE {
                self.note_large_file()?;
            }
        }
        inode.set_time(TimeField::Modify, now);
        inode.set_time(TimeField::Change, now);
        self.write_inode(ino, inode)?;
        self.end_op()
    }

    /// Sets the size of regular file `ino` to `size`.
    pub fn truncate(&mut self, ino: InodeNo, size: u64, now: Timestamp) -> Result<(), Error> {
        let mut inode = self.writable_regular_file(ino)?;
        if size.div_ceil(self.bs as u64) > self.max_blocks() {
            return Err(Error::FileTooLarge);
        }
        self.resize(ino, &mut inode, size)?;
        inode.set_time(TimeField::Modify, now);
        inode.set_time(TimeField::Change, now);
        self.write_inode(ino, &inode)?;
        self.end_op()
    }

    /// Sets the size of `inode`, freeing blocks past a smaller size.
    pub(crate) fn resize(&mut self, ino: InodeNo, inode: &mut Inode, size: u64) -> Result<(), Error> {
        let bs = self.bs as u64;
        if size < inode.size() {
            self.free_blocks_from(ino, inode, size.div_ceil(bs))?;
            let tail = (size % bs) as usize;
            if tail != 0
                && let Some(b) = self.map_block(ino, inode, size / bs)?
            {
                let mut blk = self.read_block(b)?;
                blk[tail..].fill(0);
                self.write_data(b, &blk)?;
            }
        }
        inode.set_size(size);
        if size >= LARGE_FILE {
            self.note_large_file()?;
        }
        Ok(())
    }

    /// The whole content of a small inode (symbolic link targets).
    pub(crate) fn read_small(&mut self, ino: InodeNo, inode: &Inode) -> Result<Vec<u8>, Error> {
        let mut buf = vec![0; inode.size() as usize];
        let n = self.read_inode_data(ino, inode, 0, &mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }

    /// Adds one link to `inode` (checked against the limit).
    pub(crate) fn inc_links(inode: &mut Inode) -> Result<(), Error> {
        if inode.links() >= MAX_LINKS {
            return Err(Error::TooManyLinks);
        }
        inode.set_links(inode.links() + 1);
        Ok(())
    }
}
