//! The physical frame allocator: a bitmap over caller-provided storage (no heap), with
//! next-fit single-frame allocation, aligned contiguous allocation below an address limit,
//! and frees that detect double frees and foreign frames instead of corrupting the pool.
//! Depends only on `core` and [`crate::range`].

use core::fmt;

use crate::FRAME_SIZE;
use crate::range::{PhysFrame, PhysRange};

/// Bits per storage word.
const WORD_BITS: u64 = u64::BITS as u64;

/// Most frames a bitmap can cover: every frame of the 64-bit physical address space.
const MAX_FRAMES: u64 = u64::MAX / FRAME_SIZE + 1;

/// Why a [`FrameBitmap`] could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitmapError {
    /// The storage holds `provided` words, but [`FrameBitmap::storage_words`] asks for
    /// `needed`.
    StorageTooSmall { needed: usize, provided: usize },
    /// More frames than a 64-bit physical address space has.
    TooManyFrames(u64),
}

impl fmt::Display for BitmapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BitmapError::StorageTooSmall { needed, provided } => {
                write!(f, "frame bitmap needs {needed} words of storage but got {provided}")
            }
            BitmapError::TooManyFrames(count) => {
                write!(f, "frame bitmap cannot cover {count} frames")
            }
        }
    }
}

/// Why [`FrameBitmap::free`] refused a frame. The bitmap is unchanged in every case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FreeError {
    /// The frame lies beyond the frames the bitmap covers.
    OutOfRange(PhysFrame),
    /// The frame never belonged to the allocator (kernel image, firmware, MMIO…).
    NotManaged(PhysFrame),
    /// The frame is already free: a double free.
    NotAllocated(PhysFrame),
}

impl fmt::Display for FreeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (frame, why) = match *self {
            FreeError::OutOfRange(frame) => (frame, "lies beyond the frame bitmap"),
            FreeError::NotManaged(frame) => (frame, "was never given to the frame allocator"),
            FreeError::NotAllocated(frame) => (frame, "is already free (double free)"),
        };
        write!(f, "cannot free frame {:#x}: it {why}", frame.start_address())
    }
}

/// Allocator of 4 KiB physical frames `0..frame_count`.
///
/// It keeps two bits per frame in the storage it is given: whether the frame is free, and
/// whether it belongs to the allocator at all. The second bitmap lets [`FrameBitmap::free`]
/// reject frames that were never handed in with [`FrameBitmap::add_free`] (a stray free of a
/// kernel-image or MMIO frame would otherwise put it into the pool) and makes
/// [`FrameBitmap::add_free`] idempotent, so the counters are always exact.
pub struct FrameBitmap<'a> {
    /// Bit set: the frame cannot be handed out (allocated, not managed, or past the end).
    used: &'a mut [u64],
    /// Bit set: the frame belongs to the allocator.
    managed: &'a mut [u64],
    frame_count: u64,
    free: u64,
    total: u64,
    /// Word where the next single-frame search starts (next fit); below `used.len()` unless
    /// the bitmap is empty.
    next: usize,
}

impl fmt::Debug for FrameBitmap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameBitmap")
            .field("frame_count", &self.frame_count)
            .field("total_frames", &self.total)
            .field("free_frames", &self.free)
            .finish()
    }
}

impl<'a> FrameBitmap<'a> {
    /// Number of `u64` words of storage [`FrameBitmap::new`] needs for `frame_count` frames
    /// (two bits per frame, rounded up to whole words).
    pub fn storage_words(frame_count: u64) -> usize {
        usize::try_from(frame_count.div_ceil(WORD_BITS).saturating_mul(2)).unwrap_or(usize::MAX)
    }

    /// A bitmap for frames `0..frame_count` in which every frame is in use; hand the usable
    /// memory to it with [`FrameBitmap::add_free`]. Extra storage beyond
    /// [`FrameBitmap::storage_words`] is left untouched.
    pub fn new(storage: &'a mut [u64], frame_count: u64) -> Result<Self, BitmapError> {
        if frame_count > MAX_FRAMES {
            return Err(BitmapError::TooManyFrames(frame_count));
        }
        let needed = Self::storage_words(frame_count);
        let provided = storage.len();
        let Some(storage) = storage.get_mut(..needed) else {
            return Err(BitmapError::StorageTooSmall { needed, provided });
        };
        let (used, managed) = storage.split_at_mut(needed / 2);
        used.fill(!0);
        managed.fill(0);
        Ok(Self { used, managed, frame_count, free: 0, total: 0, next: 0 })
    }

    /// Gives the allocator the whole frames inside `range` (only those below `frame_count`)
    /// and returns how many it did not have yet. Frames it already manages, free or
    /// allocated, are left as they are, so this is safe to repeat and never frees an allocated
    /// frame.
    pub fn add_free(&mut self, range: PhysRange) -> u64 {
        let Some(range) = range.align_inward() else {
            return 0;
        };
        let first = range.start / FRAME_SIZE;
        let end = (range.end / FRAME_SIZE).min(self.frame_count);
        let mut added = 0;
        for w in word_span(first, end) {
            let new = word_mask(w, first, end) & !self.managed[w];
            self.managed[w] |= new;
            self.used[w] &= !new;
            added += u64::from(new.count_ones());
        }
        self.free += added;
        self.total += added;
        added
    }

    /// Allocates one free frame, searching onwards from where the last search succeeded.
    pub fn allocate(&mut self) -> Option<PhysFrame> {
        if self.free == 0 {
            return None;
        }
        let words = self.used.len();
        let w = (self.next..words).chain(0..self.next).find(|&w| self.used[w] != !0)?;
        let bit = self.used[w].trailing_ones();
        self.used[w] |= 1 << bit;
        self.free -= 1;
        self.next = w;
        PhysFrame::from_number(w as u64 * WORD_BITS + u64::from(bit))
    }

    /// Allocates the lowest run of `count` free frames that starts on a multiple of
    /// `align_frames` frames (0 counts as 1) and ends at or below the physical address
    /// `below`; returns its first frame. `None` if `count` is 0 or there is no such run.
    pub fn allocate_contiguous(&mut self, count: u64, align_frames: u64, below: u64) -> Option<PhysFrame> {
        if count == 0 || count > self.free {
            return None;
        }
        let align = align_frames.max(1);
        let limit = self.frame_count.min(below / FRAME_SIZE);
        let mut candidate = 0u64;
        loop {
            candidate = candidate.checked_next_multiple_of(align)?;
            let end = candidate.checked_add(count)?;
            if end > limit {
                return None;
            }
            match find_bit(self.used, candidate, end, true) {
                None => break,
                Some(taken) => candidate = find_bit(self.used, taken, limit, false)?,
            }
        }
        let end = candidate + count;
        for w in word_span(candidate, end) {
            self.used[w] |= word_mask(w, candidate, end);
        }
        self.free -= count;
        PhysFrame::from_number(candidate)
    }

    /// Returns an allocated frame to the pool. A frame outside the bitmap, one that never
    /// belonged to the allocator, or one that is already free is refused and nothing changes.
    pub fn free(&mut self, frame: PhysFrame) -> Result<(), FreeError> {
        let number = frame.number();
        if number >= self.frame_count {
            return Err(FreeError::OutOfRange(frame));
        }
        let (w, bit) = ((number / WORD_BITS) as usize, 1u64 << (number % WORD_BITS));
        if self.managed[w] & bit == 0 {
            return Err(FreeError::NotManaged(frame));
        }
        if self.used[w] & bit == 0 {
            return Err(FreeError::NotAllocated(frame));
        }
        self.used[w] &= !bit;
        self.free += 1;
        Ok(())
    }

    /// Frames that can be allocated right now.
    pub fn free_frames(&self) -> u64 {
        self.free
    }

    /// Frames the allocator manages, allocated or not.
    pub fn total_frames(&self) -> u64 {
        self.total
    }

    /// Frames `0..frame_count` the bitmap covers.
    pub fn frame_count(&self) -> u64 {
        self.frame_count
    }
}

/// Indices of the words that hold frames `first..end` (empty if `first >= end`).
fn word_span(first: u64, end: u64) -> core::ops::Range<usize> {
    if first >= end {
        return 0..0;
    }
    (first / WORD_BITS) as usize..((end - 1) / WORD_BITS) as usize + 1
}

/// The bits of word `w` that stand for frames in `first..end`.
fn word_mask(w: usize, first: u64, end: u64) -> u64 {
    let base = w as u64 * WORD_BITS;
    let lo = first.saturating_sub(base).min(WORD_BITS);
    let hi = end.saturating_sub(base).min(WORD_BITS);
    low_bits(hi) & !low_bits(lo)
}

/// A word with the lowest `n` (at most 64) bits set.
fn low_bits(n: u64) -> u64 {
    if n >= WORD_BITS { !0 } else { (1 << n) - 1 }
}

/// The first frame in `first..end` whose bit in `words` equals `set`, skipping whole words.
fn find_bit(words: &[u64], first: u64, end: u64, set: bool) -> Option<u64> {
    word_span(first, end).find_map(|w| {
        let bits = if set { words[w] } else { !words[w] } & word_mask(w, first, end);
        (bits != 0).then(|| w as u64 * WORD_BITS + u64::from(bits.trailing_zeros()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;
    use std::string::ToString;
    use std::vec;
    use std::vec::Vec;

    const MIB: u64 = 1 << 20;

    fn frame(number: u64) -> PhysFrame {
        PhysFrame::from_number(number).unwrap()
    }

    fn range(first_frame: u64, end_frame: u64) -> PhysRange {
        PhysRange::new(first_frame * FRAME_SIZE, end_frame * FRAME_SIZE)
    }

    fn storage(frame_count: u64) -> Vec<u64> {
        vec![0xdead_beef; FrameBitmap::storage_words(frame_count)]
    }

    #[test]
    fn storage_size() {
        assert_eq!(FrameBitmap::storage_words(0), 0);
        assert_eq!(FrameBitmap::storage_words(1), 2);
        assert_eq!(FrameBitmap::storage_words(64), 2);
        assert_eq!(FrameBitmap::storage_words(65), 4);
        assert_eq!(FrameBitmap::storage_words(MAX_FRAMES), 1 << 47);
        assert_eq!(FrameBitmap::storage_words(u64::MAX), 1 << 59);
    }

    #[test]
    fn construction_errors() {
        let mut small = [0u64; 3];
        assert_eq!(
            FrameBitmap::new(&mut small, 129).unwrap_err(),
            BitmapError::StorageTooSmall { needed: 6, provided: 3 }
        );
        assert_eq!(
            FrameBitmap::new(&mut small, MAX_FRAMES + 1).unwrap_err(),
            BitmapError::TooManyFrames(MAX_FRAMES + 1)
        );
        assert_eq!(
            BitmapError::StorageTooSmall { needed: 6, provided: 3 }.to_string(),
            "frame bitmap needs 6 words of storage but got 3"
        );
        assert_eq!(BitmapError::TooManyFrames(7).to_string(), "frame bitmap cannot cover 7 frames");
    }

    #[test]
    fn starts_with_everything_in_use() {
        let mut words = storage(100);
        let mut bitmap = FrameBitmap::new(&mut words, 100).unwrap();
        assert_eq!((bitmap.free_frames(), bitmap.total_frames(), bitmap.frame_count()), (0, 0, 100));
        assert_eq!(bitmap.allocate(), None);
        assert_eq!(bitmap.allocate_contiguous(1, 1, u64::MAX), None);
        assert_eq!(bitmap.free(frame(5)), Err(FreeError::NotManaged(frame(5))));
    }

    #[test]
    fn extra_storage_is_untouched() {
        let mut words = [7u64; 10];
        FrameBitmap::new(&mut words, 64).unwrap().add_free(range(0, 64));
        assert_eq!(words[..2], [0, !0]);
        assert_eq!(words[2..], [7; 8]);
    }

    #[test]
    fn empty_bitmap() {
        let mut bitmap = FrameBitmap::new(&mut [], 0).unwrap();
        assert_eq!(bitmap.add_free(PhysRange::new(0, u64::MAX)), 0);
        assert_eq!(bitmap.allocate(), None);
        assert_eq!(bitmap.free(frame(0)), Err(FreeError::OutOfRange(frame(0))));
    }

    #[test]
    fn add_free_counts_whole_new_frames_only() {
        let mut words = storage(200);
        let mut bitmap = FrameBitmap::new(&mut words, 200).unwrap();
        assert_eq!(bitmap.add_free(PhysRange::new(0x1800, 0x5800)), 3);
        assert_eq!(bitmap.add_free(range(2, 10)), 5);
        assert_eq!(bitmap.add_free(range(2, 10)), 0);
        assert_eq!(bitmap.add_free(range(190, 1000)), 10, "clipped to the bitmap");
        assert_eq!(bitmap.add_free(PhysRange::new(0x1001, 0x1fff)), 0);
        assert_eq!(bitmap.add_free(PhysRange::new(9, 3)), 0);
        assert_eq!((bitmap.free_frames(), bitmap.total_frames()), (18, 18));
    }

    #[test]
    fn add_free_never_frees_an_allocated_frame() {
        let mut words = storage(64);
        let mut bitmap = FrameBitmap::new(&mut words, 64).unwrap();
        bitmap.add_free(range(1, 2));
        assert_eq!(bitmap.allocate(), Some(frame(1)));
        assert_eq!(bitmap.add_free(range(0, 64)), 63);
        assert_eq!((bitmap.free_frames(), bitmap.total_frames()), (63, 64));
        assert!((0..63).all(|_| bitmap.allocate().is_some()));
        assert_eq!(bitmap.allocate(), None);
    }

    #[test]
    fn allocate_hands_out_each_free_frame_once() {
        let mut words = storage(300);
        let mut bitmap = FrameBitmap::new(&mut words, 300).unwrap();
        bitmap.add_free(range(1, 70));
        bitmap.add_free(range(130, 131));
        bitmap.add_free(range(250, 300));
        let mut got: Vec<u64> = core::iter::from_fn(|| bitmap.allocate()).map(PhysFrame::number).collect();
        assert_eq!(bitmap.free_frames(), 0);
        assert_eq!(bitmap.total_frames(), 120);
        got.sort_unstable();
        let expected: Vec<u64> = (1..70).chain([130]).chain(250..300).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn freed_frames_are_reused() {
        let mut words = storage(128);
        let mut bitmap = FrameBitmap::new(&mut words, 128).unwrap();
        bitmap.add_free(range(0, 128));
        let all: Vec<PhysFrame> = core::iter::from_fn(|| bitmap.allocate()).collect();
        assert_eq!(all.len(), 128);
        assert_eq!(bitmap.free(frame(3)), Ok(()));
        assert_eq!(bitmap.free(frame(100)), Ok(()));
        assert_eq!(bitmap.free_frames(), 2);
        let a = bitmap.allocate().unwrap();
        let b = bitmap.allocate().unwrap();
        assert_eq!([a.number().min(b.number()), a.number().max(b.number())], [3, 100]);
        assert_eq!(bitmap.allocate(), None);
        assert_eq!(bitmap.total_frames(), 128);
    }

    #[test]
    fn next_fit_moves_on() {
        let mut words = storage(256);
        let mut bitmap = FrameBitmap::new(&mut words, 256).unwrap();
        bitmap.add_free(range(0, 256));
        for _ in 0..130 {
            bitmap.allocate().unwrap();
        }
        bitmap.free(frame(0)).unwrap();
        // The search continues where it left off before wrapping around to frame 0.
        assert_eq!(bitmap.allocate(), Some(frame(130)));
    }

    #[test]
    fn double_free_and_foreign_frames_are_detected() {
        let mut words = storage(100);
        let mut bitmap = FrameBitmap::new(&mut words, 100).unwrap();
        bitmap.add_free(range(10, 20));
        let f = bitmap.allocate().unwrap();
        assert_eq!(bitmap.free(f), Ok(()));
        assert_eq!(bitmap.free(f), Err(FreeError::NotAllocated(f)));
        assert_eq!(bitmap.free(frame(5)), Err(FreeError::NotManaged(frame(5))));
        assert_eq!(bitmap.free(frame(100)), Err(FreeError::OutOfRange(frame(100))));
        assert_eq!(bitmap.free(frame(1 << 40)), Err(FreeError::OutOfRange(frame(1 << 40))));
        assert_eq!((bitmap.free_frames(), bitmap.total_frames()), (10, 10));
        let all: Vec<PhysFrame> = core::iter::from_fn(|| bitmap.allocate()).collect();
        assert_eq!(all.len(), 10);
        assert_eq!(
            FreeError::NotAllocated(frame(2)).to_string(),
            "cannot free frame 0x2000: it is already free (double free)"
        );
        assert_eq!(
            FreeError::NotManaged(frame(2)).to_string(),
            "cannot free frame 0x2000: it was never given to the frame allocator"
        );
        assert_eq!(
            FreeError::OutOfRange(frame(2)).to_string(),
            "cannot free frame 0x2000: it lies beyond the frame bitmap"
        );
    }

    #[test]
    fn contiguous_allocation_finds_aligned_runs() {
        let mut words = storage(1024);
        let mut bitmap = FrameBitmap::new(&mut words, 1024).unwrap();
        bitmap.add_free(range(1, 1024));
        // Frame 0 is not free, so an 8-frame run aligned to 8 frames starts at frame 8.
        assert_eq!(bitmap.allocate_contiguous(8, 8, u64::MAX), Some(frame(8)));
        assert_eq!(bitmap.allocate_contiguous(3, 0, u64::MAX), Some(frame(1)));
        assert_eq!(bitmap.allocate_contiguous(3, 1, u64::MAX), Some(frame(4)));
        assert_eq!(bitmap.allocate_contiguous(1, 1, u64::MAX), Some(frame(7)));
        // Non-power-of-two alignment works too.
        assert_eq!(bitmap.allocate_contiguous(2, 12, u64::MAX), Some(frame(24)));
        assert_eq!(bitmap.allocate_contiguous(100, 512, u64::MAX), Some(frame(512)));
        assert_eq!(bitmap.free_frames(), 1023 - 8 - 3 - 3 - 1 - 2 - 100);
        // Frame 8 alone is free again: too small for 10 frames, which go after frames 24-25.
        bitmap.free(frame(8)).unwrap();
        assert_eq!(bitmap.allocate_contiguous(10, 1, u64::MAX), Some(frame(26)));
    }

    #[test]
    fn contiguous_allocation_skips_holes() {
        let mut words = storage(400);
        let mut bitmap = FrameBitmap::new(&mut words, 400).unwrap();
        bitmap.add_free(range(0, 5));
        bitmap.add_free(range(6, 70));
        bitmap.add_free(range(71, 200));
        bitmap.add_free(range(300, 400));
        assert_eq!(bitmap.allocate_contiguous(64, 1, u64::MAX), Some(frame(6)));
        assert_eq!(bitmap.allocate_contiguous(64, 1, u64::MAX), Some(frame(71)));
        assert_eq!(bitmap.allocate_contiguous(66, 1, u64::MAX), Some(frame(300)));
        // Left: 0..5, 135..200 (exactly 65) and 366..400.
        assert_eq!(bitmap.allocate_contiguous(65, 1, u64::MAX), Some(frame(135)));
        assert_eq!(bitmap.allocate_contiguous(35, 1, u64::MAX), None);
        assert_eq!(bitmap.allocate_contiguous(34, 1, u64::MAX), Some(frame(366)));
        assert_eq!(bitmap.allocate_contiguous(6, 1, u64::MAX), None);
        assert_eq!(bitmap.free_frames(), 5);
        assert_eq!(bitmap.allocate_contiguous(5, 1, u64::MAX), Some(frame(0)));
        assert_eq!(bitmap.free_frames(), 0);
    }

    #[test]
    fn contiguous_allocation_respects_below() {
        let pages_below_1mib = MIB / FRAME_SIZE;
        let mut words = storage(2 * pages_below_1mib);
        let mut bitmap = FrameBitmap::new(&mut words, 2 * pages_below_1mib).unwrap();
        bitmap.add_free(range(pages_below_1mib - 4, 2 * pages_below_1mib));
        // An AP trampoline page below 1 MiB.
        assert_eq!(bitmap.allocate_contiguous(1, 1, MIB), Some(frame(pages_below_1mib - 4)));
        assert_eq!(bitmap.allocate_contiguous(3, 1, MIB), Some(frame(pages_below_1mib - 3)));
        assert_eq!(bitmap.allocate_contiguous(1, 1, MIB), None);
        // An unaligned limit counts only whole frames below it.
        assert_eq!(bitmap.allocate_contiguous(1, 1, MIB + 0xfff), None);
        assert_eq!(bitmap.allocate_contiguous(1, 1, MIB + 0x1000), Some(frame(pages_below_1mib)));
        assert_eq!(bitmap.allocate_contiguous(1, 1, 0), None);
    }

    #[test]
    fn contiguous_allocation_rejects_silly_requests() {
        let mut words = storage(64);
        let mut bitmap = FrameBitmap::new(&mut words, 64).unwrap();
        bitmap.add_free(range(0, 64));
        assert_eq!(bitmap.allocate_contiguous(0, 1, u64::MAX), None);
        assert_eq!(bitmap.allocate_contiguous(65, 1, u64::MAX), None);
        assert_eq!(bitmap.allocate_contiguous(u64::MAX, 1, u64::MAX), None);
        assert_eq!(bitmap.allocate_contiguous(1, u64::MAX, u64::MAX), Some(frame(0)));
        assert_eq!(bitmap.allocate_contiguous(1, u64::MAX, u64::MAX), None);
        assert_eq!(bitmap.allocate_contiguous(64 - 1, 1, u64::MAX), Some(frame(1)));
        assert_eq!(bitmap.free_frames(), 0);
    }

    #[test]
    fn exhaustion_and_counters() {
        let mut words = storage(1000);
        let mut bitmap = FrameBitmap::new(&mut words, 1000).unwrap();
        bitmap.add_free(range(1, 1000));
        let mut frames = Vec::new();
        while let Some(f) = bitmap.allocate() {
            frames.push(f);
            assert_eq!(bitmap.free_frames(), 999 - frames.len() as u64);
        }
        assert_eq!(frames.len(), 999);
        for (i, f) in frames.iter().enumerate() {
            bitmap.free(*f).unwrap();
            assert_eq!(bitmap.free_frames(), i as u64 + 1);
        }
        assert_eq!((bitmap.free_frames(), bitmap.total_frames()), (999, 999));
        assert!(format!("{bitmap:?}").contains("free_frames: 999"));
    }
}
