//! Memory system calls: anonymous `mmap` (private or shared), `munmap` and
//! `mprotect`.

use alloc::sync::Arc;

use cairn_abi::{Error, MapFlags, NO_FD, Result, error};
use cairn_physmem::FRAME_SIZE;

use crate::fd::{Handle, Object};
use crate::task;
use crate::vm::{Backing, Protection, SharedPages, USER_END, USER_START, VmError};

fn errno(code: i32) -> Error {
    Error::new(code)
}

fn protection(flags: MapFlags) -> Protection {
    Protection {
        read: flags.contains(MapFlags::PROT_READ),
        write: flags.contains(MapFlags::PROT_WRITE),
        execute: flags.contains(MapFlags::PROT_EXEC),
    }
}

fn length(len: usize) -> Result<u64> {
    let len = len as u64;
    if len == 0 || len > USER_END {
        return Err(errno(error::EINVAL));
    }
    Ok(len.next_multiple_of(FRAME_SIZE))
}

fn vm_error(error: VmError) -> Error {
    match error {
        VmError::OutOfMemory => errno(error::ENOMEM),
        VmError::Fault => errno(error::ENOMEM),
        VmError::InvalidRange | VmError::Overlap => errno(error::EINVAL),
    }
}

/// Largest memory object.
const MAX_MEMORY_OBJECT: u64 = 1 << 32;

pub fn memory_create(size: usize) -> Result<usize> {
    let size = (size as u64).next_multiple_of(FRAME_SIZE);
    if size == 0 || size > MAX_MEMORY_OBJECT {
        return Err(errno(error::EINVAL));
    }
    let pages = Arc::new(spin::Mutex::new(SharedPages::default()));
    let all = cairn_abi::rights::ALL;
    task::with(|tasks| tasks.current_process().fds.insert(Handle::new(Object::Memory { pages, size }, all)))
}

/// `mmap` of a memory object: shared only; MAP right needed, WRITE right
/// for `PROT_WRITE`, EXEC right for `PROT_EXEC`; the range must lie inside
/// the object.
fn map_object(address: u64, len: u64, flags: MapFlags, fd: usize, offset: usize) -> Result<usize> {
    let mut needed = cairn_abi::rights::MAP;
    if flags.contains(MapFlags::PROT_WRITE) {
        needed |= cairn_abi::rights::WRITE;
    }
    if flags.contains(MapFlags::PROT_EXEC) {
        needed |= cairn_abi::rights::EXEC;
    }
    task::with(|tasks| {
        let process = tasks.current_process();
        let handle = process.fds.get(fd, 0)?;
        let Object::Memory { pages, size } = &handle.object else { return Err(errno(error::ENODEV)) };
        if !flags.contains(MapFlags::MAP_SHARED) || !(offset as u64).is_multiple_of(FRAME_SIZE) {
            return Err(errno(error::EINVAL));
        }
        if needed & !handle.rights != 0 {
            return Err(errno(error::EACCES));
        }
        if (offset as u64).checked_add(len).is_none_or(|end| end > *size) {
            return Err(errno(error::EINVAL));
        }
        let backing = Backing::Shared { pages: pages.clone(), first_page: offset / FRAME_SIZE as usize };
        let top = process.mmap_top;
        let space = process.space();
        let start = if flags.contains(MapFlags::MAP_FIXED) {
            if !address.is_multiple_of(FRAME_SIZE) || address < USER_START {
                return Err(errno(error::EINVAL));
            }
            space.unmap(address, len).map_err(vm_error)?;
            address
        } else {
            space.find_free(len, top).ok_or(errno(error::ENOMEM))?
        };
        space.map(start, len, protection(flags), backing).map_err(vm_error)?;
        Ok(start as usize)
    })
}

pub fn mmap(address: usize, len: usize, flags: usize, fd: usize, offset: usize) -> Result<usize> {
    let flags = MapFlags::from_bits(flags).ok_or(errno(error::EINVAL))?;
    let shared = flags.contains(MapFlags::MAP_SHARED);
    if shared == flags.contains(MapFlags::MAP_PRIVATE) {
        return Err(errno(error::EINVAL));
    }
    let len = length(len)?;
    if fd != NO_FD {
        return map_object(address as u64, len, flags, fd, offset);
    }
    if offset != 0 {
        return Err(errno(error::EINVAL));
    }
    let address = address as u64;
    let fixed = flags.contains(MapFlags::MAP_FIXED);
    let backing = if shared {
        Backing::Shared { pages: Arc::new(spin::Mutex::new(SharedPages::default())), first_page: 0 }
    } else {
        Backing::Private
    };
    task::with(|tasks| {
        let process = tasks.current_process();
        let top = process.mmap_top;
        let space = process.space();
        let start = if fixed {
            if !address.is_multiple_of(FRAME_SIZE) || address < USER_START {
                return Err(errno(error::EINVAL));
            }
            if flags.contains(MapFlags::MAP_FIXED_NOREPLACE) {
                // Fails below with EEXIST-like EINVAL if anything is there.
            } else {
                space.unmap(address, len).map_err(vm_error)?;
            }
            address
        } else {
            space.find_free(len, top).ok_or(errno(error::ENOMEM))?
        };
        space.map(start, len, protection(flags), backing).map_err(|e| match e {
            VmError::Overlap => errno(error::EEXIST),
            other => vm_error(other),
        })?;
        Ok(start as usize)
    })
}

pub fn munmap(address: usize, len: usize) -> Result<usize> {
    let len = length(len)?;
    if !(address as u64).is_multiple_of(FRAME_SIZE) {
        return Err(errno(error::EINVAL));
    }
    task::with(|tasks| tasks.current_process().space().unmap(address as u64, len)).map_err(vm_error)?;
    Ok(0)
}

pub fn mprotect(address: usize, len: usize, flags: usize) -> Result<usize> {
    let flags = MapFlags::from_bits(flags).ok_or(errno(error::EINVAL))?;
    let len = length(len)?;
    if !(address as u64).is_multiple_of(FRAME_SIZE) {
        return Err(errno(error::EINVAL));
    }
    task::with(|tasks| tasks.current_process().space().protect(address as u64, len, protection(flags)))
        .map_err(vm_error)?;
    Ok(0)
}
