//! The split virtqueue (virtio 1.x §2.7): the descriptor table, the
//! available ring the driver fills and the used ring the device fills,
//! laid out in one piece of memory the device reaches. [`SplitRing`]
//! keeps the driver's side: which descriptors are free, which chains are
//! in flight and who waits for each, and checks everything the device
//! writes back (a used entry naming a descriptor that heads no chain in
//! flight, or a used index running ahead, is an error, never a wrong
//! answer). Pure logic over a byte slice, so it is tested on the host.

use alloc::vec::Vec;
use core::sync::atomic::{Ordering, fence};

/// Descriptor flags.
const DESC_NEXT: u16 = 1;
const DESC_WRITE: u16 = 2;
/// Bytes of one descriptor (address, length, flags, next).
const DESCRIPTOR: usize = 16;
/// Bytes of one used ring entry (id, length).
const USED_ENTRY: usize = 8;
/// The largest queue a split virtqueue may have.
const MAX_SIZE: u16 = 32768;

/// Where the parts of a queue of `size` entries lie in its memory: the
/// descriptor table at 0 (16-byte aligned), the available ring after it
/// (2-byte aligned), the used ring after that, 4-byte aligned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    pub size: u16,
    pub available: usize,
    pub used: usize,
    /// Bytes the whole queue takes.
    pub bytes: usize,
}

impl Layout {
    /// The layout of a queue of `size` entries: a power of two from 1 to
    /// 32768, as split virtqueues need; `None` otherwise.
    pub fn new(size: u16) -> Option<Layout> {
        if size == 0 || size > MAX_SIZE || !size.is_power_of_two() {
            return None;
        }
        let entries = usize::from(size);
        let available = DESCRIPTOR * entries;
        // flags, idx, ring[size], used_event
        let used = (available + 4 + 2 * entries + 2).next_multiple_of(4);
        // flags, idx, ring[size], avail_event
        let bytes = used + 4 + USED_ENTRY * entries + 2;
        Some(Layout { size, available, used, bytes })
    }

    /// The size a driver picks: the largest power of two that is at most
    /// both what the device offers and what the driver wants; `None` when
    /// either is 0 (the queue does not exist).
    pub fn fitting(offered: u16, wanted: u16) -> Option<Layout> {
        let most = offered.min(wanted).min(MAX_SIZE);
        if most == 0 {
            return None;
        }
        Layout::new(1 << (15 - most.leading_zeros()))
    }
}

/// One buffer of a chain: device memory, its length, and whether the
/// device writes it (read buffers, status bytes) or reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Buffer {
    pub address: u64,
    pub len: u32,
    pub device_writes: bool,
}

/// What went wrong on a ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RingError {
    /// Not enough free descriptors for the chain now.
    Full,
    /// A chain of no buffers, or of more than the queue has descriptors.
    BadChain,
    /// The memory is smaller than the layout or not 16-byte aligned.
    BadMemory,
    /// The device returned descriptor `id`, which heads no chain in flight.
    UnknownId(u32),
    /// The device's used index is more than a queue ahead of what the
    /// driver has taken.
    UsedIndexAhead { taken: u16, device: u16 },
}

impl core::fmt::Display for RingError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RingError::Full => write!(f, "no free descriptors"),
            RingError::BadChain => write!(f, "a chain of no buffers or more than the queue holds"),
            RingError::BadMemory => write!(f, "queue memory too small or misaligned"),
            RingError::UnknownId(id) => write!(f, "used ring entry for descriptor {id}, which was never submitted"),
            RingError::UsedIndexAhead { taken, device } => {
                write!(f, "used index {device} runs more than a queue ahead of {taken}")
            }
        }
    }
}

/// A chain's state, by its head descriptor.
enum Slot<T> {
    Free,
    /// In flight: its descriptors and who waits.
    Waiting {
        descriptors: Vec<u16>,
        waiter: T,
    },
    /// Given up on: its descriptors stay out of use until the device
    /// returns it.
    GivenUp {
        descriptors: Vec<u16>,
    },
}

/// A chain the device returned.
#[derive(Debug, PartialEq, Eq)]
pub enum Used<T> {
    /// Its waiter, and the bytes the device wrote.
    Done { waiter: T, written: u32 },
    /// A chain given up on ([`SplitRing::retire`]) came back; its
    /// descriptors are free again.
    Late { id: u16 },
}

/// The driver's side of one split virtqueue. `memory` passed to each call
/// is the queue's memory, laid out as [`Layout`] says.
pub struct SplitRing<T> {
    layout: Layout,
    free: Vec<u16>,
    slots: Vec<Slot<T>>,
    /// The available index the driver publishes next.
    next_available: u16,
    /// The used index up to which the driver has taken entries.
    taken: u16,
}

/// The 16-bit field at `at` (an even offset of 16-byte aligned memory).
fn load16(memory: &[u8], at: usize) -> u16 {
    let field = &memory[at..at + 2];
    // SAFETY: two bytes inside the slice, 2-byte aligned (checked by
    // `SplitRing::check` for the memory, even offsets from `Layout`).
    u16::from_le(unsafe { field.as_ptr().cast::<u16>().read_volatile() })
}

/// The 32-bit field at `at` (a multiple of 4 in 16-byte aligned memory).
fn load32(memory: &[u8], at: usize) -> u32 {
    let field = &memory[at..at + 4];
    // SAFETY: as in `load16`, 4-byte aligned.
    u32::from_le(unsafe { field.as_ptr().cast::<u32>().read_volatile() })
}

fn store16(memory: &mut [u8], at: usize, value: u16) {
    let field = &mut memory[at..at + 2];
    // SAFETY: as in `load16`.
    unsafe { field.as_mut_ptr().cast::<u16>().write_volatile(value.to_le()) }
}

impl<T> SplitRing<T> {
    /// A ring with every descriptor free. The memory must be zeroed when
    /// the device is given it.
    pub fn new(layout: Layout) -> SplitRing<T> {
        SplitRing {
            layout,
            free: (0..layout.size).rev().collect(),
            slots: (0..layout.size).map(|_| Slot::Free).collect(),
            next_available: 0,
            taken: 0,
        }
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Chains in flight (given up on or not).
    pub fn in_flight(&self) -> usize {
        self.slots.iter().filter(|slot| !matches!(slot, Slot::Free)).count()
    }

    fn check(&self, memory: &[u8]) -> Result<(), RingError> {
        let aligned = (memory.as_ptr() as usize).is_multiple_of(16);
        if memory.len() < self.layout.bytes || !aligned { Err(RingError::BadMemory) } else { Ok(()) }
    }

    /// Writes `buffers` as one chain and makes it available to the device
    /// (the caller then notifies the device); returns its head. `Full`
    /// hands `waiter` back: try again once chains were used.
    pub fn push(&mut self, memory: &mut [u8], buffers: &[Buffer], waiter: T) -> Result<u16, (RingError, T)> {
        if let Err(error) = self.check(memory) {
            return Err((error, waiter));
        }
        if buffers.is_empty() || buffers.len() > usize::from(self.layout.size) {
            return Err((RingError::BadChain, waiter));
        }
        if buffers.len() > self.free.len() {
            return Err((RingError::Full, waiter));
        }
        let descriptors: Vec<u16> = (0..buffers.len()).filter_map(|_| self.free.pop()).collect();
        for (at, buffer) in buffers.iter().enumerate() {
            let next = descriptors.get(at + 1).copied();
            let mut flags = if buffer.device_writes { DESC_WRITE } else { 0 };
            if next.is_some() {
                flags |= DESC_NEXT;
            }
            let start = DESCRIPTOR * usize::from(descriptors[at]);
            let entry = &mut memory[start..start + DESCRIPTOR];
            entry[0..8].copy_from_slice(&buffer.address.to_le_bytes());
            entry[8..12].copy_from_slice(&buffer.len.to_le_bytes());
            entry[12..14].copy_from_slice(&flags.to_le_bytes());
            entry[14..16].copy_from_slice(&next.unwrap_or(0).to_le_bytes());
        }
        let head = descriptors[0];
        let slot = self.layout.available + 4 + 2 * usize::from(self.next_available % self.layout.size);
        store16(memory, slot, head);
        self.slots[usize::from(head)] = Slot::Waiting { descriptors, waiter };
        self.next_available = self.next_available.wrapping_add(1);
        // The descriptors and the ring entry are visible before the index.
        fence(Ordering::Release);
        store16(memory, self.layout.available + 2, self.next_available);
        Ok(head)
    }

    /// The next chain the device returned, if any; its descriptors are
    /// free again. An entry naming no chain in flight is `UnknownId` (and
    /// skipped); a used index running ahead is `UsedIndexAhead` (nothing
    /// is taken: the device is broken).
    pub fn take_used(&mut self, memory: &[u8]) -> Option<Result<Used<T>, RingError>> {
        if let Err(error) = self.check(memory) {
            return Some(Err(error));
        }
        let device = load16(memory, self.layout.used + 2);
        if device == self.taken {
            return None;
        }
        if device.wrapping_sub(self.taken) > self.layout.size {
            return Some(Err(RingError::UsedIndexAhead { taken: self.taken, device }));
        }
        // The entry is read after the index that published it.
        fence(Ordering::Acquire);
        let entry = self.layout.used + 4 + USED_ENTRY * usize::from(self.taken % self.layout.size);
        let (id, written) = (load32(memory, entry), load32(memory, entry + 4));
        self.taken = self.taken.wrapping_add(1);
        let Some(slot) = self.slots.get_mut(id as usize) else { return Some(Err(RingError::UnknownId(id))) };
        Some(match core::mem::replace(slot, Slot::Free) {
            Slot::Free => Err(RingError::UnknownId(id)),
            Slot::Waiting { descriptors, waiter } => {
                self.free.extend(descriptors);
                Ok(Used::Done { waiter, written })
            }
            Slot::GivenUp { descriptors } => {
                self.free.extend(descriptors);
                Ok(Used::Late { id: id as u16 })
            }
        })
    }

    /// Gives up on the chains in flight whose waiter `expired` selects:
    /// their waiters are returned; their descriptors stay out of use until
    /// the device returns them.
    pub fn retire(&mut self, mut expired: impl FnMut(&T) -> bool) -> Vec<T> {
        let mut retired = Vec::new();
        for slot in &mut self.slots {
            if matches!(slot, Slot::Waiting { waiter, .. } if expired(waiter)) {
                let Slot::Waiting { descriptors, waiter } = core::mem::replace(slot, Slot::Free) else { continue };
                *slot = Slot::GivenUp { descriptors };
                retired.push(waiter);
            }
        }
        retired
    }
}

#[cfg(test)]
mod tests;
