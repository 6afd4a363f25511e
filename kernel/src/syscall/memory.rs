//! Memory system calls: `mmap` (anonymous private or shared, of memory
//! objects, of scheme handles through their servers), `munmap`,
//! `mprotect` and `memory_create`.

use alloc::sync::Arc;

use alloc::vec::Vec;

use cairn_abi::scheme as protocol;
use cairn_abi::{Error, MapFlags, NO_FD, Result, error, rights};
use cairn_physmem::FRAME_SIZE;

use super::file::{reply_value, scheme_call};
use crate::fd::{Handle, Object};
use crate::scheme::Call;
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

/// Rights an fd needs for a mapping with `flags`: MAP, WRITE for a
/// shared writable mapping, EXEC for `PROT_EXEC`. Lacking one is `EACCES`
/// (as POSIX has it for `mmap`).
fn check_rights(granted: u32, flags: MapFlags) -> Result<()> {
    let mut needed = rights::MAP;
    if flags.contains(MapFlags::PROT_WRITE) && flags.contains(MapFlags::MAP_SHARED) {
        needed |= rights::WRITE;
    }
    if flags.contains(MapFlags::PROT_EXEC) {
        needed |= rights::EXEC;
    }
    if needed & !granted != 0 {
        return Err(errno(error::EACCES));
    }
    Ok(())
}

/// Places a mapping of `len` bytes in the caller's address space: at
/// `address` with `MAP_FIXED` (replacing what is there, unless
/// `MAP_FIXED_NOREPLACE`: then `EEXIST`), otherwise where there is room.
fn place_mapping(address: u64, len: u64, flags: MapFlags, backing: Backing) -> Result<usize> {
    task::with(|tasks| {
        let process = tasks.current_process();
        let top = process.mmap_top;
        let space = process.space();
        let start = if flags.contains(MapFlags::MAP_FIXED) {
            if !address.is_multiple_of(FRAME_SIZE) || address < USER_START {
                return Err(errno(error::EINVAL));
            }
            if !flags.contains(MapFlags::MAP_FIXED_NOREPLACE) {
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

/// The pages of a memory object from `offset` on, if `len` bytes fit.
fn object_backing(object: &Object, offset: u64, len: u64) -> Result<Backing> {
    let Object::Memory { pages, size } = object else { return Err(errno(error::ENODEV)) };
    if !offset.is_multiple_of(FRAME_SIZE) || offset.checked_add(len).is_none_or(|end| end > *size) {
        return Err(errno(error::EINVAL));
    }
    Ok(Backing::Shared { pages: pages.clone(), first_page: (offset / FRAME_SIZE) as usize })
}

/// `mmap` of an fd: a memory object is mapped shared; a scheme handle asks
/// its server (`MMAP`), which answers with a memory object holding the
/// file's bytes from `offset` (for `MAP_PRIVATE` a copy of its own).
fn map_fd(address: u64, len: u64, flags: MapFlags, fd: usize, offset: u64) -> Result<usize> {
    let (object, granted) =
        task::with(|tasks| tasks.current_process().fds.get(fd, 0).map(|h| (h.object.clone(), h.rights)))?;
    if matches!(object, Object::Memory { .. } | Object::SchemeHandle(_) | Object::Framebuffer(_)) {
        check_rights(granted, flags)?;
    }
    let backing = match &object {
        Object::Framebuffer(info) => {
            let size = info.byte_len().next_multiple_of(FRAME_SIZE);
            let inside = offset.checked_add(len).is_some_and(|end| end <= size);
            if !flags.contains(MapFlags::MAP_SHARED) || !inside || !offset.is_multiple_of(FRAME_SIZE) {
                return Err(errno(error::EINVAL));
            }
            Backing::Device { base: info.phys_addr + offset }
        }
        Object::Memory { .. } => {
            if !flags.contains(MapFlags::MAP_SHARED) {
                return Err(errno(error::EINVAL));
            }
            object_backing(&object, offset, len)?
        }
        Object::SchemeHandle(client) => {
            if !offset.is_multiple_of(FRAME_SIZE) {
                return Err(errno(error::EINVAL));
            }
            let call = Call {
                accepts_fd: true,
                ..Call::new(protocol::MMAP, client.id, [offset, len, flags.bits() as u64], Vec::new(), 0)
            };
            let reply = scheme_call(&client.scheme, call)?;
            reply_value(&reply)?;
            let passed = reply.passed.ok_or(errno(error::EIO))?;
            let backing = object_backing(&passed.object, offset, len).map_err(|_| errno(error::EIO));
            task::with(|tasks| {
                let caller = tasks.caller();
                tasks.release_handles(alloc::vec![passed], caller);
            });
            backing?
        }
        _ => return Err(errno(error::ENODEV)),
    };
    place_mapping(address, len, flags, backing)
}

pub fn mmap(address: usize, len: usize, flags: usize, fd: usize, offset: usize) -> Result<usize> {
    let flags = MapFlags::from_bits(flags).ok_or(errno(error::EINVAL))?;
    let shared = flags.contains(MapFlags::MAP_SHARED);
    if shared == flags.contains(MapFlags::MAP_PRIVATE) {
        return Err(errno(error::EINVAL));
    }
    let len = length(len)?;
    if fd != NO_FD {
        return map_fd(address as u64, len, flags, fd, offset as u64);
    }
    if offset != 0 {
        return Err(errno(error::EINVAL));
    }
    let backing = if shared {
        Backing::Shared { pages: Arc::new(spin::Mutex::new(SharedPages::default())), first_page: 0 }
    } else {
        Backing::Private
    };
    place_mapping(address as u64, len, flags, backing)
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
