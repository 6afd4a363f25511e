//! Memory calls: `mmap`, `mprotect`, `munmap`, `mremap` (shrinking
//! only), `madvise`, and `brk` (a
//! break just past the program image, grown with fixed mappings that may
//! not replace anything).

use core::sync::atomic::{AtomicUsize, Ordering};

use cairn_abi::{MapFlags, NO_FD, Syscall, error};
use cairn_linux::flags;
use cairn_linux::nr;
use cairn_rt::sys::PAGE_SIZE;

use crate::sys::{Args, SysResult, cairn};

/// `madvise` advice that only hints (nothing visible changes if ignored):
/// NORMAL, RANDOM, SEQUENTIAL, WILLNEED, FREE.
const HINTS: [usize; 5] = [0, 1, 2, 3, 8];

/// Handles the memory calls of `crate::dispatch`.
///
/// # Safety
/// `args` are Linux's arguments for call `n`; mapping over memory in use
/// is the caller's business, as on Linux.
pub unsafe fn call(n: usize, args: Args) -> SysResult {
    let [a, b, c, d, e, f] = args.0;
    // SAFETY: as the caller vouches.
    unsafe {
        match n {
            nr::MMAP => {
                let mapping = flags::mmap_to_cairn(c, d)?;
                let fd = if mapping.anonymous { NO_FD } else { e };
                cairn(Syscall::Mmap, [a, b, mapping.flags, fd, f, 0])
            }
            nr::MPROTECT => cairn(Syscall::Mprotect, [a, b, flags::prot_to_cairn(c)?.bits(), 0, 0, 0]),
            nr::MUNMAP => cairn(Syscall::Munmap, [a, b, 0, 0, 0, 0]),
            nr::MREMAP => mremap(a, b, c, d),
            nr::MADVISE if HINTS.contains(&c) => Ok(0),
            // MADV_DONTNEED would have to zero private pages.
            nr::MADVISE => Err(error::ENOSYS),
            nr::BRK => Ok(brk(a)),
            _ => Err(error::ENOSYS),
        }
    }
}

/// `mremap`'s flag allowing a move (the only one accepted).
const MREMAP_MAYMOVE: usize = 1;

/// `mremap(old, old_len, new_len, flags)`. Shrinking unmaps the tail, as
/// Linux does. Cairn cannot tell an anonymous mapping from a file's, so it
/// can neither extend nor move one faithfully: growing is `ENOMEM`, Linux's
/// answer when a mapping cannot grow (musl's `realloc` then copies).
unsafe fn mremap(old: usize, old_len: usize, new_len: usize, flags: usize) -> SysResult {
    if flags & !MREMAP_MAYMOVE != 0 || !old.is_multiple_of(PAGE_SIZE) || new_len == 0 {
        return Err(error::EINVAL);
    }
    let (old_len, new_len) = (old_len.next_multiple_of(PAGE_SIZE), new_len.next_multiple_of(PAGE_SIZE));
    if new_len > old_len {
        return Err(error::ENOMEM);
    }
    if new_len < old_len {
        // SAFETY: the tail is the caller's to give up, as with `munmap`.
        unsafe { cairn(Syscall::Munmap, [old + new_len, old_len - new_len, 0, 0, 0, 0])? };
    }
    Ok(old)
}

unsafe extern "C" {
    /// The end of the program image, placed by the linker.
    static _end: u8;
}

/// The break (0 until first used) and the end of the memory mapped for it.
static BREAK: AtomicUsize = AtomicUsize::new(0);
static MAPPED_END: AtomicUsize = AtomicUsize::new(0);

/// Linux's `brk`: moves the break to `wanted` if it can and returns the
/// break (the old one when it cannot move: Linux's way of failing).
fn brk(wanted: usize) -> usize {
    let start = (&raw const _end as usize).next_multiple_of(PAGE_SIZE);
    let _ = BREAK.compare_exchange(0, start, Ordering::Relaxed, Ordering::Relaxed);
    let _ = MAPPED_END.compare_exchange(0, start, Ordering::Relaxed, Ordering::Relaxed);
    let current = BREAK.load(Ordering::Relaxed);
    if wanted < start {
        return current;
    }
    let mapped = MAPPED_END.load(Ordering::Relaxed);
    let needed = wanted.next_multiple_of(PAGE_SIZE);
    if needed > mapped {
        let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE | MapFlags::MAP_FIXED_NOREPLACE;
        // SAFETY: a fresh mapping that may not replace anything.
        if unsafe { cairn(Syscall::Mmap, [mapped, needed - mapped, flags.bits(), NO_FD, 0, 0]) }.is_err() {
            return current;
        }
    } else if needed < mapped {
        // SAFETY: memory above the new break belongs to the break alone.
        if unsafe { cairn(Syscall::Munmap, [needed, mapped - needed, 0, 0, 0, 0]) }.is_err() {
            return current;
        }
    }
    MAPPED_END.store(needed, Ordering::Relaxed);
    BREAK.store(wanted, Ordering::Relaxed);
    wanted
}
