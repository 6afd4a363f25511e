//! Physical address types: [`PhysRange`], a half-open byte range, and [`PhysFrame`], one
//! 4 KiB-aligned frame. Depends only on `core`.

use core::fmt;

use crate::FRAME_SIZE;

/// Mask of the offset bits within a frame.
const FRAME_MASK: u64 = FRAME_SIZE - 1;

/// Highest frame-aligned address; the frame starting here cannot be described by a half-open
/// range because its end (2^64) does not fit in a `u64`.
const LAST_FRAME_START: u64 = !FRAME_MASK;

/// A half-open range `[start, end)` of physical addresses.
///
/// A range whose `start` is not below its `end` is empty; every method treats it so, which
/// makes a hand-built `PhysRange { start: 9, end: 3 }` harmless.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PhysRange {
    /// First address in the range.
    pub start: u64,
    /// First address past the range.
    pub end: u64,
}

impl PhysRange {
    /// The range `[start, end)`.
    pub const fn new(start: u64, end: u64) -> Self {
        Self { start, end }
    }

    /// The range of `len` bytes from `start`, or `None` if its end does not fit in 64 bits.
    pub const fn from_start_len(start: u64, len: u64) -> Option<Self> {
        match start.checked_add(len) {
            Some(end) => Some(Self { start, end }),
            None => None,
        }
    }

    /// Number of bytes in the range (0 when empty).
    pub const fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    /// Whether the range holds no address.
    pub const fn is_empty(&self) -> bool {
        self.start >= self.end
    }

    /// Whether `addr` lies in the range.
    pub const fn contains(&self, addr: u64) -> bool {
        self.start <= addr && addr < self.end
    }

    /// Whether the two ranges share at least one address (touching ranges do not overlap).
    pub const fn overlaps(&self, other: &PhysRange) -> bool {
        !self.is_empty() && !other.is_empty() && self.start < other.end && other.start < self.end
    }

    /// The addresses in both ranges, or `None` if they do not overlap.
    pub fn intersection(&self, other: &PhysRange) -> Option<PhysRange> {
        let r = PhysRange::new(self.start.max(other.start), self.end.min(other.end));
        (!r.is_empty()).then_some(r)
    }

    /// The whole frames inside the range (start rounded up, end rounded down), or `None` if it
    /// contains no whole frame.
    pub fn align_inward(&self) -> Option<PhysRange> {
        let start = self.start.checked_next_multiple_of(FRAME_SIZE)?;
        let r = PhysRange::new(start, self.end & !FRAME_MASK);
        (!r.is_empty()).then_some(r)
    }

    /// Every frame the range touches (start rounded down, end rounded up); empty stays empty.
    ///
    /// The frame at the very top of the address space has no representable end, so a range
    /// reaching into it is rounded to end at its start: such a frame can never be part of a
    /// usable [`PhysRange`] anyway (see [`PhysRange::align_inward`]).
    pub fn align_outward(&self) -> PhysRange {
        if self.is_empty() {
            return PhysRange::new(self.start, self.start);
        }
        let end = self.end.checked_next_multiple_of(FRAME_SIZE).unwrap_or(LAST_FRAME_START);
        PhysRange::new(self.start & !FRAME_MASK, end)
    }

    /// Whether both ends are multiples of [`FRAME_SIZE`].
    pub const fn is_frame_aligned(&self) -> bool {
        self.start & FRAME_MASK == 0 && self.end & FRAME_MASK == 0
    }

    /// What is left of `self` after taking out `cut`: the part below it and the part above it.
    pub(crate) fn subtract(&self, cut: &PhysRange) -> (Option<PhysRange>, Option<PhysRange>) {
        if !self.overlaps(cut) {
            return ((!self.is_empty()).then_some(*self), None);
        }
        let below = PhysRange::new(self.start, cut.start);
        let above = PhysRange::new(cut.end, self.end);
        ((!below.is_empty()).then_some(below), (!above.is_empty()).then_some(above))
    }
}

impl fmt::Display for PhysRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{:#x}, {:#x})", self.start, self.end)
    }
}

/// One physical frame, identified by its 4 KiB-aligned start address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PhysFrame(u64);

impl PhysFrame {
    /// The frame starting at `addr`; fails if `addr` is not a multiple of [`FRAME_SIZE`].
    pub const fn from_start_address(addr: u64) -> Result<Self, UnalignedAddress> {
        if addr & FRAME_MASK == 0 { Ok(Self(addr)) } else { Err(UnalignedAddress(addr)) }
    }

    /// The frame that contains `addr`.
    pub const fn containing_address(addr: u64) -> Self {
        Self(addr & !FRAME_MASK)
    }

    /// The frame with index `number` (address `number * FRAME_SIZE`), if that address fits.
    pub const fn from_number(number: u64) -> Option<Self> {
        match number.checked_mul(FRAME_SIZE) {
            Some(addr) => Some(Self(addr)),
            None => None,
        }
    }

    /// Physical address of the first byte of the frame.
    pub const fn start_address(self) -> u64 {
        self.0
    }

    /// Index of the frame (its start address divided by [`FRAME_SIZE`]).
    pub const fn number(self) -> u64 {
        self.0 / FRAME_SIZE
    }
}

/// An address that was expected to be frame-aligned but is not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnalignedAddress(pub u64);

impl fmt::Display for UnalignedAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "physical address {:#x} is not 4 KiB-aligned", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn len_and_emptiness() {
        assert_eq!(PhysRange::new(0x1000, 0x3000).len(), 0x2000);
        assert!(PhysRange::new(5, 5).is_empty());
        let backwards = PhysRange::new(9, 3);
        assert!(backwards.is_empty());
        assert_eq!(backwards.len(), 0);
        assert!(!backwards.contains(5));
        assert_eq!(PhysRange::from_start_len(u64::MAX, 1), None);
        assert_eq!(PhysRange::from_start_len(u64::MAX - 1, 1), Some(PhysRange::new(u64::MAX - 1, u64::MAX)));
    }

    #[test]
    fn contains_is_half_open() {
        let r = PhysRange::new(0x1000, 0x2000);
        assert!(!r.contains(0xfff));
        assert!(r.contains(0x1000));
        assert!(r.contains(0x1fff));
        assert!(!r.contains(0x2000));
    }

    #[test]
    fn overlap_and_intersection() {
        let a = PhysRange::new(0x1000, 0x3000);
        let b = PhysRange::new(0x2000, 0x5000);
        let touching = PhysRange::new(0x3000, 0x4000);
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(!a.overlaps(&touching));
        assert!(!a.overlaps(&PhysRange::new(0x2000, 0x2000)));
        assert_eq!(a.intersection(&b), Some(PhysRange::new(0x2000, 0x3000)));
        assert_eq!(a.intersection(&touching), None);
        assert_eq!(a.intersection(&PhysRange::new(0, u64::MAX)), Some(a));
    }

    #[test]
    fn inward_alignment() {
        let r = PhysRange::new(0x1001, 0x5fff);
        assert_eq!(r.align_inward(), Some(PhysRange::new(0x2000, 0x5000)));
        assert_eq!(PhysRange::new(0x1001, 0x1fff).align_inward(), None);
        assert_eq!(PhysRange::new(0x1001, 0x2fff).align_inward(), None);
        assert_eq!(PhysRange::new(u64::MAX - 5, u64::MAX).align_inward(), None);
        assert_eq!(PhysRange::new(0, u64::MAX).align_inward(), Some(PhysRange::new(0, LAST_FRAME_START)));
    }

    #[test]
    fn outward_alignment() {
        let r = PhysRange::new(0x1001, 0x5001);
        assert_eq!(r.align_outward(), PhysRange::new(0x1000, 0x6000));
        assert_eq!(PhysRange::new(0x1000, 0x2000).align_outward(), PhysRange::new(0x1000, 0x2000));
        assert!(PhysRange::new(0x1234, 0x1234).align_outward().is_empty());
        assert_eq!(
            PhysRange::new(u64::MAX - 5, u64::MAX).align_outward(),
            PhysRange::new(LAST_FRAME_START, LAST_FRAME_START)
        );
    }

    #[test]
    fn subtraction() {
        let r = PhysRange::new(0x1000, 0x5000);
        let mid = PhysRange::new(0x2000, 0x3000);
        assert_eq!(r.subtract(&mid), (Some(PhysRange::new(0x1000, 0x2000)), Some(PhysRange::new(0x3000, 0x5000))));
        assert_eq!(r.subtract(&PhysRange::new(0, 0x2000)), (None, Some(PhysRange::new(0x2000, 0x5000))));
        assert_eq!(r.subtract(&PhysRange::new(0x4000, 0x9000)), (Some(PhysRange::new(0x1000, 0x4000)), None));
        assert_eq!(r.subtract(&PhysRange::new(0, u64::MAX)), (None, None));
        assert_eq!(r.subtract(&PhysRange::new(0x5000, 0x6000)), (Some(r), None));
    }

    #[test]
    fn frames() {
        assert_eq!(PhysFrame::from_start_address(0x3000).map(PhysFrame::number), Ok(3));
        assert_eq!(PhysFrame::from_start_address(0x3001), Err(UnalignedAddress(0x3001)));
        assert_eq!(PhysFrame::containing_address(0x3fff).start_address(), 0x3000);
        assert_eq!(PhysFrame::from_number(7).map(PhysFrame::start_address), Some(0x7000));
        assert_eq!(PhysFrame::from_number(u64::MAX), None);
        assert_eq!(UnalignedAddress(0x12).to_string(), "physical address 0x12 is not 4 KiB-aligned");
        assert_eq!(PhysRange::new(0x1000, 0x2000).to_string(), "[0x1000, 0x2000)");
    }
}
