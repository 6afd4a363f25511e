//! Open inodes and the orphan list: an inode whose last name goes while
//! the server still has it open stays allocated, on the on-disk orphan
//! list, until the server releases it.
//!
//! The list is Linux's: the superblock's `s_last_orphan` names the first
//! orphan and each orphan's `i_dtime` names the next (0 ends it). An inode
//! goes on the list in the same overlay (so the same transaction) as the
//! directory change that dropped its last link, and comes off it in the
//! transaction that frees it. A crash in between leaves the list on disk;
//! the next read-write mount frees what is on it (as Linux's
//! `ext4_orphan_cleanup`), and `e2fsck` does the same.

use crate::device::BlockDevice;
use crate::fs::Ext2;
use crate::inode::{Inode, InodeNo, TimeField, Timestamp};
use crate::{Corrupt, Error};

impl<D: BlockDevice> Ext2<D> {
    /// Tells the file system that inode `ino` is open (the server calls
    /// this when it opens the first handle on it). Removing the last name
    /// of an open inode puts it on the orphan list instead of freeing it.
    pub fn hold(&mut self, ino: InodeNo) {
        self.held.insert(ino);
    }

    /// Tells the file system that inode `ino` is no longer open (the
    /// server's last handle on it closed). An orphan is freed now, with
    /// everything it holds, and taken off the orphan list.
    pub fn release(&mut self, ino: InodeNo, now: Timestamp) -> Result<(), Error> {
        self.held.remove(&ino);
        if !self.orphans.contains(&ino) {
            return Ok(());
        }
        let inode = self.read_inode(ino)?;
        self.orphan_del(ino, &inode)?;
        self.orphans.remove(&ino);
        self.destroy(ino, inode, now)?;
        self.end_op()
    }

    /// Whether inode `ino` is an orphan: open, with no name left.
    pub fn is_orphan(&self, ino: InodeNo) -> bool {
        self.orphans.contains(&ino)
    }

    /// Whether the orphan list on the device is not empty although nothing
    /// here holds an orphan: a read-only mount found orphans left by a
    /// crash and leaves them (a read-write mount, or `e2fsck`, frees them).
    pub fn leftover_orphans(&self) -> bool {
        self.orphans.is_empty() && self.sb.last_orphan() != 0
    }

    /// The last link of `ino` (whose `inode` has its links already
    /// dropped to 0) is gone: frees it, or if it is held, keeps it on the
    /// orphan list with its data (a directory loses its entries: size 0).
    pub(crate) fn drop_last(&mut self, ino: InodeNo, mut inode: Inode, now: Timestamp) -> Result<(), Error> {
        self.dir_indexes.forget(ino);
        if !self.held.contains(&ino) {
            return self.destroy(ino, inode, now);
        }
        inode.set_links(0);
        if inode.file_type() == Some(crate::FileType::Directory) {
            inode.set_size(0);
        }
        inode.set_time(TimeField::Change, now);
        inode.set_dtime(self.sb.last_orphan());
        self.write_inode(ino, &inode)?;
        self.sb.set_last_orphan(ino.0);
        self.put_sb()?;
        self.orphans.insert(ino);
        Ok(())
    }

    /// Takes orphan `ino` off the list: whoever points at it (the
    /// superblock or the previous orphan) points at its successor.
    fn orphan_del(&mut self, ino: InodeNo, inode: &Inode) -> Result<(), Error> {
        let next = inode.dtime();
        if self.sb.last_orphan() == ino.0 {
            self.sb.set_last_orphan(next);
            return self.put_sb();
        }
        let mut cur = InodeNo(self.sb.last_orphan());
        for _ in 0..self.orphans.len() {
            let mut prev = self.read_inode(cur)?;
            if prev.dtime() == ino.0 {
                prev.set_dtime(next);
                return self.write_inode(cur, &prev);
            }
            cur = InodeNo(prev.dtime());
        }
        Err(Error::Corrupt(Corrupt::Inode(ino, "not on the orphan list")))
    }

    /// At a read-write mount: frees every orphan on the list (inodes with
    /// no links) or cuts it to its size (Linux's truncation orphans, which
    /// keep their links), and empties the list.
    pub(crate) fn orphan_cleanup(&mut self, now: Timestamp) -> Result<(), Error> {
        for _ in 0..self.sb.inodes_count {
            let head = self.sb.last_orphan();
            if head == 0 {
                return Ok(());
            }
            let ino = InodeNo(head);
            if head < self.sb.first_ino || head > self.sb.inodes_count {
                return Err(Error::Corrupt(Corrupt::Inode(ino, "orphan list names a reserved or absent inode")));
            }
            let mut inode = self.read_inode(ino)?;
            if inode.file_type().is_none() {
                return Err(Error::Corrupt(Corrupt::Inode(ino, "orphan with an unknown file type")));
            }
            self.sb.set_last_orphan(inode.dtime());
            self.put_sb()?;
            if inode.links() == 0 {
                self.destroy(ino, inode, now)?;
            } else {
                if inode.file_type() == Some(crate::FileType::Regular) {
                    let size = inode.size();
                    self.free_blocks_from(ino, &mut inode, size.div_ceil(self.bs as u64))?;
                }
                inode.set_dtime(0);
                self.write_inode(ino, &inode)?;
            }
            self.end_op()?;
        }
        Err(Error::Corrupt(Corrupt::Superblock("the orphan list loops")))
    }

    /// At unmount: every handle is gone, so every orphan is freed.
    pub(crate) fn release_all(&mut self, now: Timestamp) -> Result<(), Error> {
        while let Some(&ino) = self.orphans.first() {
            self.release(ino, now)?;
        }
        self.held.clear();
        Ok(())
    }
}
