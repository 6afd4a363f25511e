//! I/O virtual address allocation: which ranges of a domain's address
//! space are free. First fit from the bottom, so a device that reaches
//! only low addresses (QEMU's `edu` reaches 28 bits) gets them; page 0
//! is never handed out (a device told address 0 faults), nor the
//! interrupt window 0xfee00000-0xfeefffff, which the unit treats as
//! interrupt requests rather than DMA.

use alloc::collections::BTreeMap;

const PAGE: u64 = 4096;
const INTERRUPT_WINDOW: (u64, u64) = (0xfee0_0000, 0xfef0_0000);

/// The free ranges of one domain's address space.
#[derive(Debug)]
pub struct IovaSpace {
    /// Free ranges, start → end (exclusive), never adjacent.
    free: BTreeMap<u64, u64>,
}

impl IovaSpace {
    /// A space of addresses below `2^bits`.
    pub fn new(bits: u32) -> IovaSpace {
        let end = 1u64.checked_shl(bits).unwrap_or(u64::MAX) & !(PAGE - 1);
        let mut free = BTreeMap::new();
        if end > INTERRUPT_WINDOW.1 {
            free.insert(PAGE, INTERRUPT_WINDOW.0);
            free.insert(INTERRUPT_WINDOW.1, end);
        } else {
            free.insert(PAGE, end.min(INTERRUPT_WINDOW.0));
        }
        IovaSpace { free }
    }

    /// Takes `bytes` (rounded up to pages) ending at or below `below`;
    /// the start, or `None` if no free range fits.
    pub fn allocate(&mut self, bytes: u64, below: u64) -> Option<u64> {
        let bytes = bytes.checked_next_multiple_of(PAGE)?.max(PAGE);
        let (start, end) =
            self.free.iter().map(|(&start, &end)| (start, end)).find(|&(start, end)| {
                end - start >= bytes && start.checked_add(bytes).is_some_and(|top| top <= below)
            })?;
        self.free.remove(&start);
        if start + bytes < end {
            self.free.insert(start + bytes, end);
        }
        Some(start)
    }

    /// Gives back `bytes` (rounded up to pages) at `start`, from `allocate`.
    pub fn release(&mut self, start: u64, bytes: u64) {
        let Some(bytes) = bytes.checked_next_multiple_of(PAGE) else { return };
        let mut start = start;
        let mut end = start.saturating_add(bytes.max(PAGE));
        if let Some(&after_end) = self.free.get(&end) {
            self.free.remove(&end);
            end = after_end;
        }
        if let Some((&before, &before_end)) = self.free.range(..start).next_back()
            && before_end == start
        {
            self.free.remove(&before);
            start = before;
        }
        self.free.insert(start, end);
    }

    /// Free bytes in all.
    pub fn free_bytes(&self) -> u64 {
        self.free.iter().map(|(start, end)| end - start).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocates_low_first_and_skips_page_zero_and_the_interrupt_window() {
        let mut space = IovaSpace::new(39);
        let total = space.free_bytes();
        assert_eq!(space.allocate(1, u64::MAX), Some(0x1000));
        assert_eq!(space.allocate(0x3000, u64::MAX), Some(0x2000));
        let big = space.allocate(0xfee0_0000 - 0x5000 + 1, u64::MAX).unwrap();
        assert_eq!(big, 0xfef0_0000);
        assert_eq!(space.allocate(0x1000, 1 << 28), Some(0x5000));
        space.release(0x2000, 0x3000);
        space.release(0x1000, 1);
        space.release(0x5000, 0x1000);
        space.release(big, 0xfee0_0000 - 0x5000 + 1);
        assert_eq!(space.free_bytes(), total);
        assert_eq!(space.free.len(), 2);
    }

    #[test]
    fn refuses_what_does_not_fit() {
        let mut space = IovaSpace::new(20);
        assert_eq!(space.allocate(1 << 20, u64::MAX), None);
        assert_eq!(space.allocate(0x2000, 0x2000), None);
        assert_eq!(space.allocate(u64::MAX, u64::MAX), None);
        assert_eq!(space.allocate((1 << 20) - 0x1000, u64::MAX), Some(0x1000));
        assert_eq!(space.allocate(1, u64::MAX), None);
    }
}
