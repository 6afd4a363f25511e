//! The kernel heap: `talc` as the global allocator, fed with physically
//! contiguous runs of frames (reached through the direct map) whenever it
//! runs out, so the heap grows on demand without a virtual heap region.

use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicU64, Ordering};

use cairn_physmem::FRAME_SIZE;
use talc::TalcLock;
use talc::base::Talc;
use talc::base::binning::Binning;
use talc::source::Source;

use super::{frames, phys_to_virt};

/// Smallest amount the heap grows by.
const GROWTH_BYTES: u64 = 1 << 20;

/// Supplies `talc` with memory from the frame allocator.
#[derive(Debug)]
pub struct FrameSource;

// SAFETY: `acquire` only claims memory it has just taken from the frame
// allocator (which never hands it out again) and touches no heap itself.
unsafe impl Source for FrameSource {
    fn acquire<B: Binning>(talc: &mut Talc<Self, B>, layout: Layout) -> Result<(), ()> {
        // Room for the request, its alignment and talc's bookkeeping.
        let needed = (layout.size() + layout.align()) as u64 + FRAME_SIZE;
        let bytes = needed.max(GROWTH_BYTES).next_multiple_of(FRAME_SIZE);
        let first = frames::allocate_contiguous(bytes / FRAME_SIZE, 1, u64::MAX).ok_or(())?;
        // SAFETY: the run was just allocated for the heap alone and is mapped
        // read-write in the direct map.
        unsafe { talc.claim(phys_to_virt(first.start_address()), bytes as usize) }.ok_or(())?;
        CLAIMED_BYTES.fetch_add(bytes, Ordering::Relaxed);
        Ok(())
    }
}

/// Bytes of frames the heap has taken (it never gives them back).
static CLAIMED_BYTES: AtomicU64 = AtomicU64::new(0);
/// Bytes of live allocations.
static IN_USE_BYTES: AtomicU64 = AtomicU64::new(0);

static TALC: TalcLock<spin::Mutex<()>, FrameSource> = TalcLock::new(FrameSource);

/// The kernel heap: talc, counting what is allocated so that a leak shows
/// apart from what the heap keeps for reuse ([`usage`]).
struct Heap;

#[global_allocator]
static HEAP: Heap = Heap;

// SAFETY: every call is forwarded to talc with the caller's guarantees;
// the counters only observe sizes.
unsafe impl GlobalAlloc for Heap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded.
        let block = unsafe { TALC.alloc(layout) };
        if !block.is_null() {
            IN_USE_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        }
        block
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE_BYTES.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: forwarded.
        unsafe { TALC.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded.
        let block = unsafe { TALC.realloc(ptr, layout, new_size) };
        if !block.is_null() {
            IN_USE_BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
            IN_USE_BYTES.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        }
        block
    }
}

/// The heap's (claimed, in use) bytes: frames it holds, and how much of
/// them live allocations take.
pub fn usage() -> (u64, u64) {
    (CLAIMED_BYTES.load(Ordering::Relaxed), IN_USE_BYTES.load(Ordering::Relaxed))
}
