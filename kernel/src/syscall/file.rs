//! File system calls on the current fd table: the console and initfs files.

use alloc::string::String;

use cairn_abi::{Error, MODE_FILE, O_ACCMODE, O_RDONLY, Result, SEEK_CUR, SEEK_END, SEEK_SET, Stat, error};

use super::user;
use crate::console::{self, Sinks};
use crate::fd::FileObject;
use crate::{initfs, task};

fn errno(code: i32) -> Error {
    Error::new(code)
}

/// Character-device type bits of `st_mode`.
const MODE_CHARACTER_DEVICE: u16 = 0o020000;

pub fn read(fd: usize, buffer: usize, len: usize) -> Result<usize> {
    let chunk = task::with(|tasks| -> Result<alloc::vec::Vec<u8>> {
        match tasks.current_process().fds.get(fd)? {
            FileObject::Console => Ok(alloc::vec::Vec::new()),
            FileObject::InitfsFile { data, offset } => {
                let start = (*offset as usize).min(data.len());
                let end = start + len.min(data.len() - start);
                *offset = end as u64;
                Ok(data[start..end].to_vec())
            }
        }
    })?;
    user::write_bytes(buffer, &chunk)?;
    Ok(chunk.len())
}

pub fn write(fd: usize, buffer: usize, len: usize) -> Result<usize> {
    let object = task::with(|tasks| tasks.current_process().fds.get(fd).map(|o| o.clone()))?;
    match object {
        FileObject::Console => {
            let len = len.min(64 * 1024);
            let bytes = user::read_bytes(buffer, len)?;
            console::write(Sinks { screen: true }, format_args!("{}", String::from_utf8_lossy(&bytes)));
            Ok(len)
        }
        FileObject::InitfsFile { .. } => Err(errno(error::EBADF)),
    }
}

pub fn open(path: usize, len: usize, flags: usize) -> Result<usize> {
    let path = user::read_path(path, len)?;
    if flags & O_ACCMODE != O_RDONLY {
        return Err(errno(error::EROFS));
    }
    let entry = initfs::file(&path).ok_or(errno(error::ENOENT))?;
    task::with(|tasks| tasks.current_process().fds.insert(FileObject::InitfsFile { data: entry.data, offset: 0 }))
}

pub fn close(fd: usize) -> Result<usize> {
    task::with(|tasks| tasks.current_process().fds.remove(fd)).map(|_| 0)
}

pub fn fstat(fd: usize, address: usize) -> Result<usize> {
    let stat = task::with(|tasks| -> Result<Stat> {
        Ok(match tasks.current_process().fds.get(fd)? {
            FileObject::Console => Stat { st_mode: MODE_CHARACTER_DEVICE | 0o620, st_blksize: 4096, ..Stat::default() },
            FileObject::InitfsFile { data, .. } => Stat {
                st_mode: MODE_FILE | 0o444,
                st_size: data.len() as u64,
                st_blksize: 4096,
                st_blocks: (data.len() as u64).div_ceil(512),
                st_nlink: 1,
                ..Stat::default()
            },
        })
    })?;
    user::write_value(address, &stat)?;
    Ok(0)
}

pub fn lseek(fd: usize, offset: i64, whence: usize) -> Result<usize> {
    task::with(|tasks| match tasks.current_process().fds.get(fd)? {
        FileObject::Console => Err(errno(error::ESPIPE)),
        FileObject::InitfsFile { data, offset: position } => {
            let base = match whence {
                SEEK_SET => 0,
                SEEK_CUR => *position as i64,
                SEEK_END => data.len() as i64,
                _ => return Err(errno(error::EINVAL)),
            };
            let target = base.checked_add(offset).filter(|t| *t >= 0).ok_or(errno(error::EINVAL))?;
            *position = target as u64;
            Ok(target as usize)
        }
    })
}
