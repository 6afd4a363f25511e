//! The physical frame allocator: one [`FrameBitmap`] over all usable RAM,
//! built from the sanitised memory map, behind a spin lock.

use cairn_physmem::{FRAME_SIZE, FrameBitmap, FreeError, MemoryMap, PhysFrame, PhysRange, place_bitmap};

use super::phys_to_virt;

static FRAMES: spin::Mutex<Option<FrameBitmap<'static>>> = spin::Mutex::new(None);

/// Why the allocator could not be built.
#[derive(Debug)]
pub enum FrameInitError {
    NoRoomForBitmap { bytes: u64 },
    Bitmap(cairn_physmem::BitmapError),
}

impl core::fmt::Display for FrameInitError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FrameInitError::NoRoomForBitmap { bytes } => {
                write!(f, "no usable range holds the {bytes}-byte bitmap")
            }
            FrameInitError::Bitmap(e) => write!(f, "{e}"),
        }
    }
}

/// Builds the allocator over every range in `map`. The bitmap itself is
/// carved out of `map` first. Returns the physical range holding it.
pub fn init(map: &mut MemoryMap) -> Result<PhysRange, FrameInitError> {
    let frame_count = map.highest_address().div_ceil(FRAME_SIZE);
    let words = FrameBitmap::storage_words(frame_count);
    let bytes = (words * 8) as u64;
    let placement = place_bitmap(map, bytes).ok_or(FrameInitError::NoRoomForBitmap { bytes })?;
    map.remove(placement);
    // SAFETY: `placement` is usable RAM just removed from the map, so no one
    // else will ever use it; it lies below 4 GiB in the direct map (the
    // lowest fit above 1 MiB) and is frame-aligned, hence u64-aligned.
    let storage = unsafe { core::slice::from_raw_parts_mut(phys_to_virt(placement.start).cast::<u64>(), words) };
    let mut bitmap = FrameBitmap::new(storage, frame_count).map_err(FrameInitError::Bitmap)?;
    for range in map.iter() {
        bitmap.add_free(range);
    }
    *FRAMES.lock() = Some(bitmap);
    Ok(placement)
}

fn with_bitmap<R>(f: impl FnOnce(&mut FrameBitmap<'static>) -> Option<R>) -> Option<R> {
    FRAMES.lock().as_mut().and_then(f)
}

/// Allocates one frame (contents undefined).
pub fn allocate() -> Option<PhysFrame> {
    with_bitmap(|b| b.allocate())
}

/// Allocates one frame and fills it with zeroes.
pub fn allocate_zeroed() -> Option<PhysFrame> {
    let frame = allocate()?;
    // SAFETY: the frame was just allocated, so nothing else refers to it, and
    // the direct map covers all RAM.
    unsafe { core::ptr::write_bytes(phys_to_virt(frame.start_address()), 0, FRAME_SIZE as usize) };
    Some(frame)
}

/// Allocates `count` physically contiguous frames aligned to `align_frames`
/// frames and ending below physical address `below`.
pub fn allocate_contiguous(count: u64, align_frames: u64, below: u64) -> Option<PhysFrame> {
    with_bitmap(|b| b.allocate_contiguous(count, align_frames, below))
}

/// Returns a frame to the allocator; double frees and foreign frames are
/// refused with an error and change nothing.
pub fn free(frame: PhysFrame) -> Result<(), FreeError> {
    match FRAMES.lock().as_mut() {
        Some(bitmap) => bitmap.free(frame),
        None => Err(FreeError::OutOfRange(frame)),
    }
}

/// (free frames, frames managed).
pub fn stats() -> (u64, u64) {
    FRAMES.lock().as_ref().map_or((0, 0), |b| (b.free_frames(), b.total_frames()))
}

/// Lets the `x86_64` crate's page-table code take zeroed frames for new
/// tables.
pub struct PageTableFrames;

// SAFETY: every frame returned is freshly allocated (unique) and zeroed.
unsafe impl x86_64::structures::paging::FrameAllocator<x86_64::structures::paging::Size4KiB> for PageTableFrames {
    fn allocate_frame(&mut self) -> Option<x86_64::structures::paging::PhysFrame> {
        let frame = allocate_zeroed()?;
        Some(x86_64::structures::paging::PhysFrame::containing_address(x86_64::PhysAddr::new(frame.start_address())))
    }
}

/// Reference counts of frames mapped into user address spaces (one count
/// per mapping), so copy-on-write pages are freed only when the last
/// mapping goes. Created once the heap exists.
static USER_REFS: spin::Once<alloc::boxed::Box<[core::sync::atomic::AtomicU32]>> = spin::Once::new();

/// Sizes the user-frame reference table to cover every frame.
pub fn init_user_refs() {
    let frames = FRAMES.lock().as_ref().map_or(0, |b| b.frame_count());
    USER_REFS.call_once(|| (0..frames).map(|_| core::sync::atomic::AtomicU32::new(0)).collect());
}

fn user_ref(frame: PhysFrame) -> &'static core::sync::atomic::AtomicU32 {
    let refs = USER_REFS.get().expect("user frame table is created before user space starts");
    &refs[frame.number() as usize]
}

/// Frames user memory may never take of `total`: what the kernel keeps
/// for itself (its heap, kernel stacks, page tables) when user programs
/// have taken everything else — 1/64 of memory, between 2 and 16 MiB.
fn user_reserve(total: u64) -> u64 {
    let bytes = (total * cairn_physmem::FRAME_SIZE / 64).clamp(2 << 20, 16 << 20);
    bytes / cairn_physmem::FRAME_SIZE
}

/// `count` physically contiguous zeroed user frames ending below physical
/// address `below` (DMA memory), each with one mapping reference; `None`
/// when no such run is free or it would eat into the kernel's reserve
/// ([`user_reserve`]). The check and the allocation happen under one lock.
pub fn allocate_user_contiguous(count: u64, below: u64) -> Option<PhysFrame> {
    let first = with_bitmap(|b| {
        if b.free_frames() < user_reserve(b.total_frames()) + count {
            return None;
        }
        if count == 1 && below == u64::MAX { b.allocate() } else { b.allocate_contiguous(count, 1, below) }
    })?;
    for index in 0..count {
        let frame = PhysFrame::containing_address(first.start_address() + index * FRAME_SIZE);
        // SAFETY: the frame was just allocated, so nothing else refers to it,
        // and the direct map covers all RAM.
        unsafe { core::ptr::write_bytes(phys_to_virt(frame.start_address()), 0, FRAME_SIZE as usize) };
        user_ref(frame).store(1, core::sync::atomic::Ordering::Relaxed);
    }
    Some(first)
}

/// Allocates a zeroed frame for user memory with one reference; `None`
/// once only the kernel's reserve ([`user_reserve`]) is left.
pub fn allocate_user() -> Option<PhysFrame> {
    allocate_user_contiguous(1, u64::MAX)
}

/// Adds a mapping of a user frame (fork, shared memory).
pub fn share_user(frame: PhysFrame) {
    user_ref(frame).fetch_add(1, core::sync::atomic::Ordering::Relaxed);
}

/// Number of mappings of a user frame.
pub fn user_refs(frame: PhysFrame) -> u32 {
    user_ref(frame).load(core::sync::atomic::Ordering::Relaxed)
}

/// Drops one mapping of a user frame; frees it with the last.
pub fn release_user(frame: PhysFrame) {
    if user_ref(frame).fetch_sub(1, core::sync::atomic::Ordering::Relaxed) == 1 {
        let _ = free(frame);
    }
}
