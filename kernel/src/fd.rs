//! Per-process file descriptors. For now two kinds of object exist: the
//! kernel console (fds 0-2 of the first process) and read-only files of the
//! initfs. The capability model of the next issue replaces this table.

use alloc::vec::Vec;

use cairn_abi::{Error, Result, error};

/// What an fd refers to.
#[derive(Clone, Debug)]
pub enum FileObject {
    /// The kernel console: writes go to the log sinks, reads see end of file.
    Console,
    /// A file of the initfs, with its read position.
    InitfsFile { data: &'static [u8], offset: u64 },
}

/// Most fds a process may hold.
pub const MAX_FDS: usize = 256;

/// A process's descriptor table.
#[derive(Clone, Debug, Default)]
pub struct FdTable {
    slots: Vec<Option<FileObject>>,
}

impl FdTable {
    /// A table with the console on fds 0, 1 and 2.
    pub fn with_console() -> FdTable {
        FdTable { slots: alloc::vec![Some(FileObject::Console), Some(FileObject::Console), Some(FileObject::Console)] }
    }

    /// A table holding copies of fds 0-2 of `self` (what `spawn` passes on).
    pub fn standard_streams(&self) -> FdTable {
        FdTable { slots: self.slots.iter().take(3).cloned().collect() }
    }

    pub fn get(&mut self, fd: usize) -> Result<&mut FileObject> {
        self.slots.get_mut(fd).and_then(Option::as_mut).ok_or(Error::new(error::EBADF))
    }

    /// Stores `object` at the lowest free fd.
    pub fn insert(&mut self, object: FileObject) -> Result<usize> {
        if let Some(fd) = self.slots.iter().position(Option::is_none) {
            self.slots[fd] = Some(object);
            return Ok(fd);
        }
        if self.slots.len() >= MAX_FDS {
            return Err(Error::new(error::EMFILE));
        }
        self.slots.push(Some(object));
        Ok(self.slots.len() - 1)
    }

    pub fn remove(&mut self, fd: usize) -> Result<FileObject> {
        self.slots.get_mut(fd).and_then(Option::take).ok_or(Error::new(error::EBADF))
    }
}
