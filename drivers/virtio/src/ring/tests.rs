//! Host tests of the split virtqueue: the driver side against a device
//! played here, which reads the available ring and descriptors and writes
//! the used ring as the virtio specification says.

use super::*;

/// Queue memory, 16-byte aligned as device memory is.
#[repr(C, align(16))]
struct Memory([u8; 8192]);

fn memory() -> alloc::boxed::Box<Memory> {
    alloc::boxed::Box::new(Memory([0; 8192]))
}

/// The device's view: reads what the driver published.
struct Device {
    layout: Layout,
    seen: u16,
    used: u16,
}

impl Device {
    fn new(layout: Layout) -> Device {
        Device { layout, seen: 0, used: 0 }
    }

    /// The next available chain: its head and buffers.
    fn next(&mut self, memory: &[u8]) -> Option<(u16, Vec<Buffer>)> {
        let index = u16::from_le_bytes([memory[self.layout.available + 2], memory[self.layout.available + 3]]);
        if index == self.seen {
            return None;
        }
        let slot = self.layout.available + 4 + 2 * usize::from(self.seen % self.layout.size);
        let head = u16::from_le_bytes([memory[slot], memory[slot + 1]]);
        self.seen = self.seen.wrapping_add(1);
        let mut buffers = Vec::new();
        let mut at = head;
        loop {
            let d = &memory[16 * usize::from(at)..16 * usize::from(at) + 16];
            let flags = u16::from_le_bytes([d[12], d[13]]);
            buffers.push(Buffer {
                address: u64::from_le_bytes(d[0..8].try_into().unwrap()),
                len: u32::from_le_bytes(d[8..12].try_into().unwrap()),
                device_writes: flags & DESC_WRITE != 0,
            });
            if flags & DESC_NEXT == 0 {
                break;
            }
            at = u16::from_le_bytes([d[14], d[15]]);
        }
        Some((head, buffers))
    }

    /// Returns descriptor `id` with `written` bytes.
    fn used(&mut self, memory: &mut [u8], id: u32, written: u32) {
        let entry = self.layout.used + 4 + 8 * usize::from(self.used % self.layout.size);
        memory[entry..entry + 4].copy_from_slice(&id.to_le_bytes());
        memory[entry + 4..entry + 8].copy_from_slice(&written.to_le_bytes());
        self.used = self.used.wrapping_add(1);
        let index = self.layout.used + 2;
        memory[index..index + 2].copy_from_slice(&self.used.to_le_bytes());
    }
}

fn chain(tag: u64) -> [Buffer; 3] {
    [
        Buffer { address: tag << 12, len: 16, device_writes: false },
        Buffer { address: (tag << 12) + 0x100, len: 512, device_writes: true },
        Buffer { address: (tag << 12) + 0x800, len: 1, device_writes: true },
    ]
}

#[test]
fn layouts_follow_the_specification() {
    let layout = Layout::new(256).unwrap();
    assert_eq!(layout.available, 4096);
    // 4096 + flags, idx, 256 entries, used_event = 4614, rounded up to 4.
    assert_eq!(layout.used, 4616);
    assert_eq!(layout.bytes, 4616 + 4 + 8 * 256 + 2);
    assert_eq!(Layout::new(0), None);
    assert_eq!(Layout::new(100), None);
    assert_eq!(Layout::new(32768).map(|l| l.size), Some(32768));
    assert_eq!(Layout::fitting(1024, 256).map(|l| l.size), Some(256));
    assert_eq!(Layout::fitting(100, 256).map(|l| l.size), Some(64));
    assert_eq!(Layout::fitting(0, 256), None);
    assert_eq!(Layout::fitting(1, 256).map(|l| l.size), Some(1));
}

#[test]
fn chains_reach_the_device_and_come_back_out_of_order() {
    let layout = Layout::new(16).unwrap();
    let mut memory = memory();
    let mut ring = SplitRing::new(layout);
    let mut device = Device::new(layout);
    let heads: Vec<u16> = (0..5).map(|tag| ring.push(&mut memory.0, &chain(tag), tag).unwrap()).collect();
    assert_eq!(ring.in_flight(), 5);
    let mut seen = Vec::new();
    while let Some((head, buffers)) = device.next(&memory.0) {
        seen.push(head);
        let tag = (buffers[0].address >> 12) as usize;
        assert_eq!(buffers, chain(tag as u64));
    }
    assert_eq!(seen, heads);
    // The device answers in reverse order.
    for head in heads.iter().rev() {
        device.used(&mut memory.0, u32::from(*head), 512);
    }
    let mut waiters = Vec::new();
    while let Some(used) = ring.take_used(&memory.0) {
        match used.unwrap() {
            Used::Done { waiter, written } => {
                assert_eq!(written, 512);
                waiters.push(waiter);
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(waiters, [4, 3, 2, 1, 0]);
    assert_eq!(ring.in_flight(), 0);
}

#[test]
fn a_full_ring_refuses_then_takes_again_across_index_wraps() {
    let layout = Layout::new(8).unwrap();
    let mut memory = memory();
    let mut ring = SplitRing::new(layout);
    let mut device = Device::new(layout);
    // 70,000 chains: both 16-bit indices wrap.
    for round in 0..70_000u32 {
        let first = ring.push(&mut memory.0, &chain(1), round).unwrap();
        let second = ring.push(&mut memory.0, &chain(2), round + 1).unwrap();
        assert_eq!(ring.push(&mut memory.0, &chain(3), 9), Err((RingError::Full, 9)));
        for _ in 0..2 {
            device.next(&memory.0).unwrap();
        }
        device.used(&mut memory.0, u32::from(second), 1);
        device.used(&mut memory.0, u32::from(first), 1);
        let got: Vec<_> = core::iter::from_fn(|| ring.take_used(&memory.0)).collect();
        assert_eq!(
            got,
            [Ok(Used::Done { waiter: round + 1, written: 1 }), Ok(Used::Done { waiter: round, written: 1 })]
        );
    }
}

#[test]
fn unknown_ids_are_errors_and_change_nothing() {
    let layout = Layout::new(8).unwrap();
    let mut memory = memory();
    let mut ring = SplitRing::new(layout);
    let mut device = Device::new(layout);
    let head = ring.push(&mut memory.0, &chain(1), 'a').unwrap();
    // Past the table, and a descriptor that heads nothing in flight.
    device.used(&mut memory.0, 99, 0);
    device.used(&mut memory.0, u32::from(head) + 1, 0);
    assert_eq!(ring.take_used(&memory.0), Some(Err(RingError::UnknownId(99))));
    assert_eq!(ring.take_used(&memory.0), Some(Err(RingError::UnknownId(u32::from(head) + 1))));
    assert_eq!(ring.take_used(&memory.0), None);
    assert_eq!(ring.in_flight(), 1);
    device.used(&mut memory.0, u32::from(head), 0);
    assert_eq!(ring.take_used(&memory.0), Some(Ok(Used::Done { waiter: 'a', written: 0 })));
    // The same id twice: the second is unknown.
    device.used(&mut memory.0, u32::from(head), 0);
    assert_eq!(ring.take_used(&memory.0), Some(Err(RingError::UnknownId(u32::from(head)))));
}

#[test]
fn a_used_index_running_ahead_is_refused() {
    let layout = Layout::new(8).unwrap();
    let mut memory = memory();
    let mut ring: SplitRing<()> = SplitRing::new(layout);
    let index = layout.used + 2;
    memory.0[index..index + 2].copy_from_slice(&9u16.to_le_bytes());
    assert_eq!(ring.take_used(&memory.0), Some(Err(RingError::UsedIndexAhead { taken: 0, device: 9 })));
    // Nothing was taken: it stays refused.
    assert_eq!(ring.take_used(&memory.0), Some(Err(RingError::UsedIndexAhead { taken: 0, device: 9 })));
}

#[test]
fn retired_chains_keep_their_descriptors_until_returned() {
    let layout = Layout::new(4).unwrap();
    let mut memory = memory();
    let mut ring = SplitRing::new(layout);
    let mut device = Device::new(layout);
    let old = ring.push(&mut memory.0, &chain(1), 1).unwrap();
    assert_eq!(ring.retire(|waiter| *waiter == 1), [1]);
    assert_eq!(ring.retire(|_| true), Vec::<i32>::new());
    // Three of four descriptors are still taken: a second chain does not fit.
    assert_eq!(ring.push(&mut memory.0, &chain(2), 2), Err((RingError::Full, 2)));
    device.next(&memory.0).unwrap();
    device.used(&mut memory.0, u32::from(old), 0);
    assert_eq!(ring.take_used(&memory.0), Some(Ok(Used::Late { id: old })));
    assert!(ring.push(&mut memory.0, &chain(2), 2).is_ok());
}

#[test]
fn bad_chains_and_memory_are_refused() {
    let layout = Layout::new(4).unwrap();
    let mut memory = memory();
    let mut ring = SplitRing::new(layout);
    assert_eq!(ring.push(&mut memory.0, &[], 1), Err((RingError::BadChain, 1)));
    let long = [chain(1)[0]; 5];
    assert_eq!(ring.push(&mut memory.0, &long, 2), Err((RingError::BadChain, 2)));
    assert_eq!(ring.push(&mut memory.0[..layout.bytes - 1], &chain(1), 3), Err((RingError::BadMemory, 3)));
    assert_eq!(ring.push(&mut memory.0[2..], &chain(1), 4), Err((RingError::BadMemory, 4)));
    assert_eq!(ring.take_used(&memory.0[1..]), Some(Err(RingError::BadMemory)));
}

/// A deterministic random walk: chains of 1-4 buffers pushed, the device
/// returning chains in flight in any order, ids it never got, chains
/// given up on; the ring must agree with a model of what is in flight
/// and never hand out a descriptor twice.
#[test]
fn random_walk_agrees_with_a_model() {
    let layout = Layout::new(32).unwrap();
    let mut memory = memory();
    let mut ring = SplitRing::new(layout);
    let mut device = Device::new(layout);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut random = move |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    // Chains the device holds (head), and what the model expects back.
    let mut at_device: Vec<u16> = Vec::new();
    let mut waiting: std::collections::BTreeMap<u16, Option<u64>> = std::collections::BTreeMap::new();
    let mut descriptors_used = 0usize;
    for step in 0..20_000u64 {
        match random(10) {
            0..=3 => {
                let len = 1 + random(4) as usize;
                let buffers: Vec<Buffer> =
                    (0..len).map(|i| Buffer { address: i as u64, len: 8, device_writes: i % 2 == 1 }).collect();
                match ring.push(&mut memory.0, &buffers, step) {
                    Ok(head) => {
                        assert!(!waiting.contains_key(&head), "head {head} handed out twice");
                        waiting.insert(head, Some(step));
                        descriptors_used += len;
                        let (seen, chain) = device.next(&memory.0).unwrap();
                        assert_eq!((seen, chain.len()), (head, len));
                        at_device.push(head);
                    }
                    Err((RingError::Full, back)) => {
                        assert_eq!(back, step);
                        assert!(descriptors_used + len > 32);
                    }
                    Err(other) => panic!("{other:?}"),
                }
            }
            4..=6 if !at_device.is_empty() => {
                let head = at_device.swap_remove(random(at_device.len() as u64) as usize);
                device.used(&mut memory.0, u32::from(head), 8);
                let expected = waiting.remove(&head).unwrap();
                let used = ring.take_used(&memory.0).unwrap().unwrap();
                match (used, expected) {
                    (Used::Done { waiter, written: 8 }, Some(step)) => assert_eq!(waiter, step),
                    (Used::Late { id }, None) => assert_eq!(id, head),
                    (used, expected) => panic!("{used:?} for {expected:?}"),
                }
                descriptors_used = 32 - free_descriptors(&ring);
            }
            7 => {
                let bogus = 32 + random(1000) as u32;
                device.used(&mut memory.0, bogus, 0);
                assert_eq!(ring.take_used(&memory.0), Some(Err(RingError::UnknownId(bogus))));
            }
            8 if random(20) == 0 => {
                let cutoff = step.saturating_sub(random(200));
                let retired = ring.retire(|waiter| *waiter < cutoff);
                for waiter in retired {
                    let head = *waiting.iter().find(|(_, w)| **w == Some(waiter)).unwrap().0;
                    waiting.insert(head, None);
                }
            }
            _ => assert_eq!(ring.take_used(&memory.0), None),
        }
        assert_eq!(ring.in_flight(), waiting.len());
    }
}

/// Descriptors free now: the ring's own count.
fn free_descriptors<T>(ring: &SplitRing<T>) -> usize {
    ring.free.len()
}
