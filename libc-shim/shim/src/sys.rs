//! Plumbing shared by the call modules: the argument words, results in
//! Linux's form, raw Cairn calls, and C strings and structures in the
//! caller's memory.

use core::mem::size_of;

use cairn_abi::{Syscall, error};
use cairn_rt::sys::syscall6;

/// The six argument words of a Linux call.
#[derive(Clone, Copy)]
pub struct Args(pub [usize; 6]);

/// A call's value, or its errno.
pub type SysResult = Result<usize, i32>;

/// Longest path Cairn takes (docs/ABI.md).
const PATH_MAX: usize = 4096;

/// Issues Cairn call `call` (unused arguments are ignored by the kernel).
///
/// # Safety
/// The arguments must be valid for the call.
pub unsafe fn cairn(call: Syscall, args: [usize; 6]) -> SysResult {
    // SAFETY: the caller vouches for the arguments.
    unsafe { syscall6(call as usize, args[0], args[1], args[2], args[3], args[4], args[5]) }.map_err(errno)
}

/// The errno of a runtime error (`EIO` for the runtime's own kinds).
pub fn errno(e: cairn_rt::Error) -> i32 {
    e.errno().unwrap_or(error::EIO)
}

/// The NUL-terminated string at `ptr`, without the NUL (`EFAULT` for null,
/// `ENAMETOOLONG` past Cairn's path limit).
///
/// # Safety
/// A non-null `ptr` must point to a NUL-terminated string.
pub unsafe fn c_str<'a>(ptr: usize) -> Result<&'a [u8], i32> {
    if ptr == 0 {
        return Err(error::EFAULT);
    }
    let start = ptr as *const u8;
    let mut len = 0;
    // SAFETY: the caller promises a terminated string; the loop stops at
    // its NUL or at the limit.
    unsafe {
        while start.add(len).read() != 0 {
            len += 1;
            if len > PATH_MAX {
                return Err(error::ENAMETOOLONG);
            }
        }
        Ok(core::slice::from_raw_parts(start, len))
    }
}

/// Reads a `T` from the caller's memory (`EFAULT` for null).
///
/// # Safety
/// A non-null `ptr` must point to a readable `T`.
pub unsafe fn read<T: Copy>(ptr: usize) -> Result<T, i32> {
    if ptr == 0 {
        return Err(error::EFAULT);
    }
    // SAFETY: the caller vouches for the pointer; `read_unaligned` asks no
    // alignment.
    Ok(unsafe { (ptr as *const T).read_unaligned() })
}

/// Writes `value` to the caller's memory (`EFAULT` for null).
///
/// # Safety
/// A non-null `ptr` must point to writable room for a `T`.
pub unsafe fn write<T: Copy>(ptr: usize, value: T) -> Result<(), i32> {
    if ptr == 0 {
        return Err(error::EFAULT);
    }
    // SAFETY: as above.
    unsafe { (ptr as *mut T).write_unaligned(value) };
    Ok(())
}

/// The caller's buffer `(ptr, len)` as bytes.
///
/// # Safety
/// The range must be writable memory of the caller (or `len` 0).
pub unsafe fn bytes_mut<'a>(ptr: usize, len: usize) -> Result<&'a mut [u8], i32> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr == 0 {
        return Err(error::EFAULT);
    }
    // SAFETY: the caller vouches for the range.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr as *mut u8, len) })
}

/// A NULL-terminated array of C strings (argv, envp) as Cairn's
/// `StrSlice`s, at most 4096 of them (`E2BIG`, as the kernel's limit).
///
/// # Safety
/// A non-null `ptr` must point to a NULL-terminated array of valid strings.
pub unsafe fn string_vector(ptr: usize) -> Result<alloc::vec::Vec<cairn_abi::StrSlice>, i32> {
    let mut out = alloc::vec::Vec::new();
    if ptr == 0 {
        return Ok(out);
    }
    loop {
        // SAFETY: within the NULL-terminated array.
        let s: usize = unsafe { read(ptr + out.len() * size_of::<usize>())? };
        if s == 0 {
            return Ok(out);
        }
        if out.len() == 4096 {
            return Err(error::E2BIG);
        }
        let mut len = 0;
        // SAFETY: each entry is a NUL-terminated string.
        while unsafe { ((s + len) as *const u8).read() } != 0 {
            len += 1;
        }
        out.push(cairn_abi::StrSlice { ptr: s, len });
    }
}
