//! The kernel heap: `talc` as the global allocator, fed with physically
//! contiguous runs of frames (reached through the direct map) whenever it
//! runs out, so the heap grows on demand without a virtual heap region.

use core::alloc::Layout;

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
        Ok(())
    }
}

#[global_allocator]
static HEAP: TalcLock<spin::Mutex<()>, FrameSource> = TalcLock::new(FrameSource);
