//! Memory system calls: `mmap` (anonymous private or shared, of memory
//! objects, of scheme handles through their servers), `munmap`,
//! `mprotect` and `memory_create`.

use alloc::sync::Arc;

use alloc::vec::Vec;

use cairn_abi::scheme as protocol;
use cairn_abi::{Error, MAP_POPULATE, MapFlags, NO_FD, Result, error, rights};
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
        VmError::OutOfMemory | VmError::OverLimit => errno(error::ENOMEM),
        VmError::Fault => errno(error::ENOMEM),
        VmError::Denied => errno(error::EACCES),
        VmError::InvalidRange | VmError::Overlap => errno(error::EINVAL),
    }
}

/// Largest memory object. Objects are sparse (see [`SharedPages`]), so
/// the size costs nothing until pages are touched.
const MAX_MEMORY_OBJECT: u64 = 1 << 32;

pub fn memory_create(size: usize) -> Result<usize> {
    let size = (size as u64).checked_next_multiple_of(FRAME_SIZE).unwrap_or(0);
    if size == 0 || size > MAX_MEMORY_OBJECT {
        return Err(errno(error::EINVAL));
    }
    let pages = Arc::new(spin::Mutex::new(SharedPages::new(size / FRAME_SIZE)));
    let all = cairn_abi::rights::ALL;
    task::with(|tasks| tasks.current_process().fds.insert(Handle::new(Object::Memory { pages, size }, all)))
}

/// The maximum protection a mapping with `flags` of an fd with rights
/// `granted` may ever have (kept with the mapping; `mprotect` beyond it is
/// `EACCES`). Every mapping of an fd needs MAP and READ; writing needs WRITE
/// when the mapping is shared (a private mapping writes to copies of its
/// own); executing needs EXEC. Asking for more than the maximum is `EACCES`
/// (as POSIX has it for `mmap`).
fn mapping_limit(granted: u32, flags: MapFlags) -> Result<Protection> {
    let max = Protection {
        read: true,
        write: !flags.contains(MapFlags::MAP_SHARED) || granted & rights::WRITE != 0,
        execute: granted & rights::EXEC != 0,
    };
    let needed = rights::MAP | rights::READ;
    if needed & !granted != 0 || !protection(flags).within(max) {
        return Err(errno(error::EACCES));
    }
    Ok(max)
}

/// The more restrictive of two maximum protections.
fn both(a: Protection, b: Protection) -> Protection {
    Protection { read: a.read && b.read, write: a.write && b.write, execute: a.execute && b.execute }
}

/// Places a mapping of `len` bytes in the caller's address space: at
/// `address` with `MAP_FIXED` (replacing what is there, unless
/// `MAP_FIXED_NOREPLACE`: then `EEXIST`), otherwise where there is room.
/// Its protection may never exceed `max`.
fn place_mapping(address: u64, len: u64, flags: MapFlags, max: Protection, backing: Backing) -> Result<usize> {
    task::with(|tasks| {
        let process = tasks.current_process();
        let top = process.mmap_top;
        let limit = process.limits.address_space.current;
        let space = process.space();
        if space.mapped_bytes().saturating_add(len) > limit {
            return Err(errno(error::ENOMEM));
        }
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
        space.map_limited(start, len, protection(flags), max, backing).map_err(|e| match e {
            VmError::Overlap => errno(error::EEXIST),
            other => vm_error(other),
        })?;
        Ok(start as usize)
    })
}

/// The pages of a memory object from `offset` on, if `len` bytes fit:
/// shared, or a private copy-on-write view for `MAP_PRIVATE`.
fn object_backing(object: &Object, offset: u64, len: u64, flags: MapFlags) -> Result<Backing> {
    let Object::Memory { pages, size } = object else { return Err(errno(error::ENODEV)) };
    if !offset.is_multiple_of(FRAME_SIZE) || offset.checked_add(len).is_none_or(|end| end > *size) {
        return Err(errno(error::EINVAL));
    }
    let (pages, first_page) = (pages.clone(), offset / FRAME_SIZE);
    Ok(if flags.contains(MapFlags::MAP_SHARED) {
        Backing::Shared { pages, first_page }
    } else {
        Backing::PrivateView { pages, first_page }
    })
}

/// `mmap` of an fd: a memory object is mapped shared; a scheme handle asks
/// its server (`MMAP`), which answers with a memory object holding the
/// file's bytes from `offset`, mapped shared for `MAP_SHARED` and as a
/// private copy-on-write view for `MAP_PRIVATE` (the server's object never
/// sees the caller's private writes). The mapping's maximum protection
/// follows the fd's rights, and for a scheme also those of the object the
/// server answered with.
fn map_fd(address: u64, len: u64, flags: MapFlags, fd: usize, offset: u64) -> Result<usize> {
    let (object, granted) =
        task::with(|tasks| tasks.current_process().fds.get(fd, 0).map(|h| (h.object.clone(), h.rights)))?;
    if !matches!(
        object,
        Object::Memory { .. }
            | Object::SchemeHandle(_)
            | Object::Framebuffer(_)
            | Object::DeviceMemory { .. }
            | Object::DmaMemory { .. }
    ) {
        return Err(errno(error::ENODEV));
    }
    let mut max = mapping_limit(granted, flags)?;
    let backing = match &object {
        Object::Framebuffer(info) => {
            let size = info.byte_len().next_multiple_of(FRAME_SIZE);
            let inside = offset.checked_add(len).is_some_and(|end| end <= size);
            if !flags.contains(MapFlags::MAP_SHARED) || !inside || !offset.is_multiple_of(FRAME_SIZE) {
                return Err(errno(error::EINVAL));
            }
            Backing::Device { base: info.phys_addr + offset }
        }
        Object::DeviceMemory { base, size, .. } => {
            let inside = offset.checked_add(len).is_some_and(|end| end <= *size);
            if !flags.contains(MapFlags::MAP_SHARED) || !inside || !offset.is_multiple_of(FRAME_SIZE) {
                return Err(errno(error::EINVAL));
            }
            Backing::Device { base: base + offset }
        }
        Object::DmaMemory { pages, size, .. } => {
            if !flags.contains(MapFlags::MAP_SHARED) {
                return Err(errno(error::EINVAL));
            }
            object_backing(&Object::Memory { pages: pages.clone(), size: *size }, offset, len, flags)?
        }
        Object::Memory { .. } => {
            if !flags.contains(MapFlags::MAP_SHARED) {
                return Err(errno(error::EINVAL));
            }
            object_backing(&object, offset, len, flags)?
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
            let backing = mapping_limit(passed.rights, flags).and_then(|server_max| {
                max = both(max, server_max);
                object_backing(&passed.object, offset, len, flags).map_err(|_| errno(error::EIO))
            });
            task::with(|tasks| {
                let caller = tasks.caller();
                tasks.release_handles(alloc::vec![passed], caller);
            });
            backing?
        }
        _ => return Err(errno(error::ENODEV)),
    };
    place_mapping(address, len, flags, max, backing)
}

pub fn mmap(address: usize, len: usize, flags: usize, fd: usize, offset: usize) -> Result<usize> {
    let populate = flags & MAP_POPULATE != 0;
    let flags = MapFlags::from_bits(flags & !MAP_POPULATE).ok_or(errno(error::EINVAL))?;
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
        Backing::Shared { pages: Arc::new(spin::Mutex::new(SharedPages::new(len / FRAME_SIZE))), first_page: 0 }
    } else {
        Backing::Private
    };
    let start = place_mapping(address as u64, len, flags, Protection::ALL, backing)?;
    let accessible = flags.intersects(MapFlags::PROT_READ | MapFlags::PROT_WRITE);
    if populate && !shared && accessible {
        populate_private(start as u64, len, flags.contains(MapFlags::PROT_WRITE))?;
    }
    Ok(start)
}

/// Gives every page of the new private mapping at `start` its frame now
/// (`MAP_POPULATE`); without enough memory the mapping is undone and the
/// call fails with `ENOMEM`.
fn populate_private(start: u64, len: u64, write: bool) -> Result<()> {
    task::with(|tasks| {
        let space = tasks.current_process().space();
        let filled = (start..start + len)
            .step_by(FRAME_SIZE as usize)
            .try_for_each(|page| space.handle_fault(page, write, false));
        if filled.is_err() {
            // The range was just mapped whole, so unmapping it cannot fail.
            let _ = space.unmap(start, len);
            return Err(errno(error::ENOMEM));
        }
        Ok(())
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
