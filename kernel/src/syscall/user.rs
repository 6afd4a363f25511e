//! Reading and writing the calling process's memory on behalf of a system
//! call. Everything goes through the address space (never a raw user
//! pointer), so any bad address becomes `EFAULT`. Every kernel buffer made
//! here is allocated fallibly (`ENOMEM`) and bounded by the caller: nothing
//! a user sizes is copied whole before its limit is checked.

use alloc::string::String;
use alloc::vec::Vec;

use cairn_abi::{Error, Result, StrSlice, error};
use cairn_physmem::FRAME_SIZE;

use crate::exec::ArgumentBudget;
use crate::task;
use crate::vm::AddressSpace;

/// Longest path accepted.
pub const MAX_PATH: usize = 4096;
/// Largest single user buffer the kernel copies in one call (callers bound
/// their lengths well below this; it is a last line of defence).
pub const MAX_COPY: usize = 1 << 20;

fn fault() -> Error {
    Error::new(error::EFAULT)
}

/// A user copy that failed: `ENOMEM` when the memory was allowed but no
/// frame or page table could be had for it, `EFAULT` otherwise.
pub fn copy_failed(failure: crate::vm::VmError) -> Error {
    match failure {
        crate::vm::VmError::OutOfMemory | crate::vm::VmError::OverLimit => Error::new(error::ENOMEM),
        _ => fault(),
    }
}

/// A zeroed kernel buffer of `len` bytes, or `ENOMEM`.
pub fn try_zeroed(len: usize) -> Result<Vec<u8>> {
    let mut buffer = Vec::new();
    buffer.try_reserve_exact(len).map_err(|_| Error::new(error::ENOMEM))?;
    buffer.resize(len, 0);
    Ok(buffer)
}

/// Copies `len` bytes from the caller's memory.
pub fn read_bytes(address: usize, len: usize) -> Result<Vec<u8>> {
    if len > MAX_COPY {
        return Err(Error::new(error::EINVAL));
    }
    let mut buffer = try_zeroed(len)?;
    task::with(|tasks| tasks.current_process().space().read(address as u64, &mut buffer)).map_err(copy_failed)?;
    Ok(buffer)
}

/// Copies `data` into the caller's memory.
pub fn write_bytes(address: usize, data: &[u8]) -> Result<()> {
    write_parts(address, &[data])
}

/// Writes `parts` one after another from user address `address`.
pub fn write_parts(address: usize, parts: &[&[u8]]) -> Result<()> {
    task::with(|tasks| {
        let space = tasks.current_process().space();
        let mut at = address as u64;
        for part in parts {
            space.write(at, part)?;
            at += part.len() as u64;
        }
        Ok(())
    })
    .map_err(copy_failed)
}

/// Checks that the user could write all of `address..address + len` in
/// `space`, faulting the pages in as its writes would, without changing
/// their contents. Calls check their destination this way before they take
/// data that cannot be put back (a pipe's bytes, a file position), so a bad
/// buffer is `EFAULT` with nothing consumed.
pub fn check_writable(space: &mut AddressSpace, address: usize, len: usize) -> Result<()> {
    if len == 0 {
        return Ok(());
    }
    let start = address as u64;
    let last = start.checked_add(len as u64 - 1).ok_or_else(fault)?;
    let mut page = start & !(FRAME_SIZE - 1);
    while page <= last {
        space.translate_for(page.max(start), true).map_err(copy_failed)?;
        page = match page.checked_add(FRAME_SIZE) {
            Some(next) => next,
            None => break,
        };
    }
    Ok(())
}

/// [`check_writable`] in the caller's own address space.
pub fn check_destination(address: usize, len: usize) -> Result<()> {
    task::with(|tasks| check_writable(tasks.current_process().space(), address, len))
}

/// Reads a plain-old-data value.
pub fn read_value<T: Copy + Default>(address: usize) -> Result<T> {
    let mut value = T::default();
    // SAFETY: `T` is plain old data (every use is an ABI struct or integer
    // of `size_of::<T>()` bytes, any bit pattern valid), so its bytes may
    // be overwritten with the user's.
    let bytes = unsafe { core::slice::from_raw_parts_mut((&raw mut value).cast::<u8>(), size_of::<T>()) };
    task::with(|tasks| tasks.current_process().space().read(address as u64, bytes)).map_err(copy_failed)?;
    Ok(value)
}

/// The bytes of a plain-old-data value (an ABI struct or integer), to copy
/// out to a user.
pub fn bytes_of<T: Copy>(value: &T) -> &[u8] {
    // SAFETY: `T` is plain old data; its bytes are read, not interpreted,
    // and the slice borrows `value`.
    unsafe { core::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }
}

/// Writes a plain-old-data value.
pub fn write_value<T: Copy>(address: usize, value: &T) -> Result<()> {
    write_bytes(address, bytes_of(value))
}

/// Reads a UTF-8 path of `len` bytes.
pub fn read_path(address: usize, len: usize) -> Result<String> {
    if len == 0 {
        return Err(Error::new(error::ENOENT));
    }
    if len > MAX_PATH {
        return Err(Error::new(error::ENAMETOOLONG));
    }
    String::from_utf8(read_bytes(address, len)?).map_err(|_| Error::new(error::EINVAL))
}

/// Reads `count` [`StrSlice`]s and the strings they describe, charging each
/// string to `budget` before it is copied: `E2BIG` as soon as the count or
/// the total size passes the budget, so no more than the budget is ever
/// held.
pub fn read_strings(address: usize, count: usize, budget: &mut ArgumentBudget) -> Result<Vec<Vec<u8>>> {
    budget.take_strings(count)?;
    let mut strings = Vec::new();
    strings.try_reserve_exact(count).map_err(|_| Error::new(error::ENOMEM))?;
    for index in 0..count {
        let at = index.checked_mul(size_of::<StrSlice>()).and_then(|o| address.checked_add(o)).ok_or_else(fault)?;
        let entry = read_bytes(at, size_of::<StrSlice>())?;
        let ptr = usize::from_le_bytes(entry[..8].try_into().expect("8 bytes"));
        let len = usize::from_le_bytes(entry[8..].try_into().expect("8 bytes"));
        budget.take_bytes(len)?;
        strings.push(read_bytes(ptr, len)?);
    }
    Ok(strings)
}
