//! The global allocator: `talc` behind the runtime's futex lock, growing by
//! anonymous `mmap`s of at least [`GROWTH_BYTES`] whenever it runs out
//! (like the kernel heap grows from frames). Memory is never returned to
//! the kernel before exit.
//!
//! Depends on [`crate::sys`] (`mmap`), [`crate::sync`] (the lock) and `talc`.

use core::alloc::Layout;

use talc::TalcLock;
use talc::base::Talc;
use talc::base::binning::Binning;
use talc::source::Source;

use crate::sync::RawLock;
use crate::sys::{MapFlags, PAGE_SIZE, map_anonymous};

/// Smallest amount the heap grows by.
const GROWTH_BYTES: usize = 1 << 20;

/// Supplies `talc` with fresh anonymous mappings.
#[derive(Debug)]
pub(crate) struct MmapSource;

// SAFETY: `acquire` only claims memory it has just mapped for the heap
// alone, and it never allocates.
unsafe impl Source for MmapSource {
    fn acquire<B: Binning>(talc: &mut Talc<Self, B>, layout: Layout) -> Result<(), ()> {
        // Room for the request, its alignment and talc's bookkeeping.
        let needed = layout.size().checked_add(layout.align()).and_then(|n| n.checked_add(PAGE_SIZE)).ok_or(())?;
        let bytes = needed.max(GROWTH_BYTES).checked_next_multiple_of(PAGE_SIZE).ok_or(())?;
        let base =
            map_anonymous(bytes, MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE).map_err(|_| ())?;
        // SAFETY: the mapping was just created, is readable and writable,
        // and belongs to the heap alone.
        unsafe { talc.claim(base as *mut u8, bytes) }.ok_or(())?;
        Ok(())
    }
}

/// The process heap.
#[cfg_attr(not(test), global_allocator)]
static HEAP: TalcLock<RawLock, MmapSource> = TalcLock::new(MmapSource);

/// Holds the heap lock across `fork`, so that the child never starts with
/// the lock taken by a thread that does not exist in it.
pub(crate) fn lock_for_fork() -> impl Drop {
    HEAP.lock()
}
