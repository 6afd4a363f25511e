//! The global allocator: `talc` behind the runtime's futex lock, growing by
//! anonymous `mmap`s of at least [`GROWTH_BYTES`] whenever it runs out
//! (like the kernel heap grows from frames); talc's memory is never
//! returned to the kernel before exit. Blocks of [`LARGE_BYTES`] and more
//! are mappings of their own, allocated at once (`MAP_POPULATE`, so that a
//! lack of memory is a failed allocation, which `try_reserve` reports,
//! rather than a fault later) and unmapped when freed, so that a server
//! that held a large file gives its memory back.
//!
//! Depends on [`crate::sys`] (`mmap`), [`crate::sync`] (the lock) and `talc`.

#[cfg(all(not(test), feature = "runtime"))]
use core::alloc::GlobalAlloc;
use core::alloc::Layout;

use talc::TalcLock;
use talc::base::Talc;
use talc::base::binning::Binning;
use talc::source::Source;

use crate::sync::RawLock;
use crate::sys::{MapFlags, PAGE_SIZE, map_anonymous};
#[cfg(all(not(test), feature = "runtime"))]
use crate::sys::{map_anonymous_populated, munmap};

/// Smallest amount the heap grows by.
const GROWTH_BYTES: usize = 1 << 20;

/// Blocks from this size on are mappings of their own.
const LARGE_BYTES: usize = 256 * 1024;

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

/// Small blocks: talc.
static TALC: TalcLock<RawLock, MmapSource> = TalcLock::new(MmapSource);

/// The process heap: large blocks as mappings of their own, the rest from
/// [`TALC`]. (Host tests run on the host's allocator.)
#[cfg(all(not(test), feature = "runtime"))]
struct Heap;

#[cfg(all(not(test), feature = "runtime"))]
#[global_allocator]
static HEAP: Heap = Heap;

/// Whether a block of `layout` is a mapping of its own: large, and aligned
/// no more than a page is.
fn is_large(layout: Layout) -> bool {
    layout.size() >= LARGE_BYTES && layout.align() <= PAGE_SIZE
}

/// Bytes of the mapping holding a large block of `size` bytes.
fn mapping_len(size: usize) -> usize {
    size.next_multiple_of(PAGE_SIZE)
}

#[cfg(all(not(test), feature = "runtime"))]
// SAFETY: large blocks are fresh private mappings of at least the size
// asked, page aligned (enough for `is_large` layouts), used by nothing else
// and unmapped only when their block is freed; all else is talc's, which
// upholds the `GlobalAlloc` contract itself.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !is_large(layout) {
            // SAFETY: forwarded with the caller's guarantees.
            return unsafe { TALC.alloc(layout) };
        }
        let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE;
        map_anonymous_populated(mapping_len(layout.size()), flags).map_or(core::ptr::null_mut(), |a| a as *mut u8)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !is_large(layout) {
            // SAFETY: forwarded with the caller's guarantees.
            return unsafe { TALC.dealloc(ptr, layout) };
        }
        // SAFETY: `ptr` is the start of the block's own mapping, which
        // nothing uses once the block is freed.
        let _ = unsafe { munmap(ptr as usize, mapping_len(layout.size())) };
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size` is a valid size for the
        // layout's alignment.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if !is_large(layout) && !is_large(new_layout) {
            // SAFETY: forwarded with the caller's guarantees.
            return unsafe { TALC.realloc(ptr, layout, new_size) };
        }
        if is_large(layout) && is_large(new_layout) && mapping_len(layout.size()) == mapping_len(new_size) {
            return ptr;
        }
        // SAFETY: `new_layout` has a non-zero size (the caller's guarantee).
        let moved = unsafe { self.alloc(new_layout) };
        if !moved.is_null() {
            // SAFETY: both blocks are live, distinct, and at least this long.
            unsafe { core::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size)) };
            // SAFETY: `ptr` was allocated with `layout` and is no longer used.
            unsafe { self.dealloc(ptr, layout) };
        }
        moved
    }
}

/// Holds the heap lock across `fork`, so that the child never starts with
/// the lock taken by a thread that does not exist in it.
pub(crate) fn lock_for_fork() -> impl Drop {
    TALC.lock()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_blocks_are_page_aligned_mappings_of_whole_pages() {
        let layout = |size, align| Layout::from_size_align(size, align).unwrap();
        assert!(!is_large(layout(LARGE_BYTES - 1, 8)));
        assert!(is_large(layout(LARGE_BYTES, 8)));
        assert!(is_large(layout(LARGE_BYTES, PAGE_SIZE)));
        assert!(!is_large(layout(LARGE_BYTES, 2 * PAGE_SIZE)), "stricter alignment than a page stays with talc");
        assert_eq!(mapping_len(LARGE_BYTES + 1), LARGE_BYTES + PAGE_SIZE);
        assert_eq!(mapping_len(LARGE_BYTES), LARGE_BYTES);
    }
}
