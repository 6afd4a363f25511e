//! Reading and writing the calling process's memory on behalf of a system
//! call. Everything goes through the address space (never a raw user
//! pointer), so any bad address becomes `EFAULT`.

use alloc::string::String;
use alloc::vec::Vec;

use cairn_abi::{Error, Result, StrSlice, error};

use crate::task;

/// Longest path accepted.
pub const MAX_PATH: usize = 4096;
/// Largest single user buffer the kernel copies in one call.
pub const MAX_COPY: usize = 16 << 20;

fn fault() -> Error {
    Error::new(error::EFAULT)
}

/// Copies `len` bytes from the caller's memory.
pub fn read_bytes(address: usize, len: usize) -> Result<Vec<u8>> {
    if len > MAX_COPY {
        return Err(Error::new(error::EINVAL));
    }
    let mut buffer = alloc::vec![0; len];
    task::with(|tasks| tasks.current_process().space().read(address as u64, &mut buffer)).map_err(|_| fault())?;
    Ok(buffer)
}

/// Copies `data` into the caller's memory.
pub fn write_bytes(address: usize, data: &[u8]) -> Result<()> {
    task::with(|tasks| tasks.current_process().space().write(address as u64, data)).map_err(|_| fault())
}

/// Reads a plain-old-data value.
pub fn read_value<T: Copy + Default>(address: usize) -> Result<T> {
    let bytes = read_bytes(address, size_of::<T>())?;
    let mut value = T::default();
    // SAFETY: `T` is plain old data (every use is an ABI struct or integer
    // of `size_of::<T>()` bytes) and `bytes` holds exactly that many.
    unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), &mut value as *mut T as *mut u8, size_of::<T>()) };
    Ok(value)
}

/// Writes a plain-old-data value.
pub fn write_value<T: Copy>(address: usize, value: &T) -> Result<()> {
    // SAFETY: `T` is plain old data; its bytes are read, not interpreted.
    let bytes = unsafe { core::slice::from_raw_parts(value as *const T as *const u8, size_of::<T>()) };
    write_bytes(address, bytes)
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

/// Reads `count` [`StrSlice`]s and the strings they describe.
pub fn read_strings(address: usize, count: usize) -> Result<Vec<Vec<u8>>> {
    const MAX_STRINGS: usize = 4096;
    if count > MAX_STRINGS {
        return Err(Error::new(error::E2BIG));
    }
    let table = read_bytes(address, count * size_of::<StrSlice>())?;
    table
        .chunks_exact(size_of::<StrSlice>())
        .map(|entry| {
            let ptr = usize::from_le_bytes(entry[..8].try_into().expect("8 bytes"));
            let len = usize::from_le_bytes(entry[8..].try_into().expect("8 bytes"));
            if len > 256 * 1024 {
                return Err(Error::new(error::E2BIG));
            }
            read_bytes(ptr, len)
        })
        .collect()
}
