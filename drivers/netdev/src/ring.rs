//! The shared-memory frame rings of a `ring` handle (docs/ABI.md,
//! "Schemes `net.*`"): one memory object, mapped by the driver and by the
//! network stack, holding a receive ring (the driver produces, the stack
//! consumes) and a transmit ring (the other way round), each a single
//! producer, single consumer queue of fixed slots, so frames cross
//! without a scheme call each.
//!
//! Either side may be buggy or hostile, so everything read from the
//! memory is checked before it is used: an index the other side wrote
//! that puts a ring more than full is [`RingError::Corrupt`] (the ring is
//! unusable from then on), a slot's length out of bounds is
//! [`RingError::BadLength`] (that slot is skipped). Each side keeps its
//! own index privately and only publishes it, so whatever the other
//! side writes over it is never read back. Frames are copied out of a
//! slot before they are looked at, so a change under the reader cannot
//! move a checked length.
//!
//! The layout (all words little-endian `u32`, each index on its own
//! 64-byte line):
//!
//! | offset | word |
//! |---|---|
//! | 0 | magic [`RING_MAGIC`] |
//! | 4 | version [`RING_VERSION`] |
//! | 8 | slots per ring (a power of two) |
//! | 12 | bytes per slot ([`SLOT_SIZE`]) |
//! | 64 | receive head (frames the driver has put in) |
//! | 128 | receive tail (frames the stack has taken) |
//! | 192 | transmit head (frames the stack has put in) |
//! | 256 | transmit tail (frames the driver has taken) |
//!
//! The receive slots start at [`HEADER_SIZE`], the transmit slots after
//! them. Indices run freely (wrapping); a frame is in slot `index %
//! slots`. A slot is [`SLOT_HEADER`] bytes (its frame's length, `u16`
//! at 0; the rest reserved, written 0) and then the frame.

use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, Ordering};

/// The first word of a ring's memory: "CNRG".
pub const RING_MAGIC: u32 = 0x4752_4e43;
/// The layout's version.
pub const RING_VERSION: u32 = 2;
/// Slots a driver gives each ring.
pub const SLOTS: u32 = 256;
/// The most slots a ring may declare.
pub const MAX_SLOTS: u32 = 4096;
/// Bytes of one slot: its header and a frame.
pub const SLOT_SIZE: usize = 2048;
/// Bytes before the frame in a slot.
pub const SLOT_HEADER: usize = 16;
/// Bytes of the header page, before the slots.
pub const HEADER_SIZE: usize = 4096;

const MAGIC_AT: usize = 0;
const VERSION_AT: usize = 4;
const SLOTS_AT: usize = 8;
const SLOT_SIZE_AT: usize = 12;

/// Bytes of a ring memory with `slots` slots per ring.
pub const fn ring_size(slots: u32) -> usize {
    HEADER_SIZE + 2 * slots as usize * SLOT_SIZE
}

/// Which of the two rings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Driver to stack: frames received.
    Receive,
    /// Stack to driver: frames to send.
    Transmit,
}

impl Direction {
    /// The byte offset of the ring's head index.
    pub fn head_at(self) -> usize {
        match self {
            Direction::Receive => 64,
            Direction::Transmit => 192,
        }
    }

    /// The byte offset of the ring's tail index.
    pub fn tail_at(self) -> usize {
        self.head_at() + 64
    }

    fn slot_at(self, slots: u32, index: u32) -> usize {
        let first = match self {
            Direction::Receive => HEADER_SIZE,
            Direction::Transmit => HEADER_SIZE + slots as usize * SLOT_SIZE,
        };
        first + (index % slots) as usize * SLOT_SIZE
    }
}

/// What is wrong with a ring memory's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayoutError {
    /// The memory is smaller than the header or than its slots need.
    TooSmall {
        len: usize,
        needs: usize,
    },
    BadMagic(u32),
    BadVersion(u32),
    /// Not a power of two in 1..=[`MAX_SLOTS`].
    BadSlots(u32),
    BadSlotSize(u32),
}

impl core::fmt::Display for LayoutError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            LayoutError::TooSmall { len, needs } => write!(f, "ring memory of {len} bytes, needs {needs}"),
            LayoutError::BadMagic(magic) => write!(f, "bad ring magic {magic:#x}"),
            LayoutError::BadVersion(version) => write!(f, "ring version {version}, not {RING_VERSION}"),
            LayoutError::BadSlots(slots) => write!(f, "{slots} slots per ring (not a power of two up to {MAX_SLOTS})"),
            LayoutError::BadSlotSize(size) => write!(f, "slots of {size} bytes, not {SLOT_SIZE}"),
        }
    }
}

/// Why a ring operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RingError {
    /// The other side's index puts the ring more than full (or behind the
    /// consumer): it wrote garbage, and the ring cannot be used again.
    Corrupt { head: u32, tail: u32 },
    /// A slot's length is out of bounds: the slot was skipped.
    BadLength(usize),
}

impl core::fmt::Display for RingError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RingError::Corrupt { head, tail } => write!(f, "ring indices out of order (head {head}, tail {tail})"),
            RingError::BadLength(len) => write!(f, "a slot holding {len} bytes (at most {})", SLOT_SIZE - SLOT_HEADER),
        }
    }
}

/// Why a frame was not put in a ring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PushError {
    /// Every slot is taken.
    Full,
    /// The frame does not fit a slot.
    TooLong(usize),
    /// See [`RingError::Corrupt`].
    Corrupt { head: u32, tail: u32 },
}

/// A ring memory mapped in this process (both rings and the header).
pub struct Shared {
    base: NonNull<u8>,
    len: usize,
}

// SAFETY: `Shared` is a pointer to memory every thread may access; all
// accesses are atomic words or copies whose contents are validated.
unsafe impl Send for Shared {}
// SAFETY: as above: no access assumes exclusive use of the memory.
unsafe impl Sync for Shared {}

impl Shared {
    /// The ring memory at `base`, `len` bytes.
    ///
    /// # Safety
    /// `base` must be aligned to 64 bytes and `len` bytes there readable
    /// and writable for as long as the `Shared` lives. Other processes may
    /// write the memory at any time.
    pub unsafe fn new(base: NonNull<u8>, len: usize) -> Shared {
        Shared { base, len }
    }

    /// The word at byte `offset` of the layout (a multiple of 4 within the
    /// memory: offsets out of it panic, callers pass the layout's).
    pub fn word(&self, offset: usize) -> &AtomicU32 {
        assert!(offset.is_multiple_of(4) && offset + 4 <= self.len, "ring word out of bounds");
        // SAFETY: in bounds and aligned (checked above, `base` is aligned),
        // valid for the lifetime of `self` (`new`'s contract); every access
        // to this word is atomic.
        unsafe { AtomicU32::from_ptr(self.base.as_ptr().add(offset).cast()) }
    }

    /// Copies `bytes` into the memory at `offset` (within bounds).
    fn copy_in(&self, offset: usize, bytes: &[u8]) {
        assert!(offset + bytes.len() <= self.len, "ring copy out of bounds");
        // SAFETY: the destination range is within the mapping (checked);
        // the source is a slice of this process, not overlapping it. The
        // other side may read these bytes meanwhile only if it ignores
        // the indices, and then reads garbage it must check.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.as_ptr().add(offset), bytes.len()) }
    }

    /// Copies `out.len()` bytes from the memory at `offset` (within
    /// bounds) into `out`.
    fn copy_out(&self, offset: usize, out: &mut [u8]) {
        assert!(offset + out.len() <= self.len, "ring copy out of bounds");
        // SAFETY: the source range is within the mapping (checked); the
        // destination is this process's own slice. Bytes the other side
        // changes meanwhile arrive as garbage, which the caller checks.
        unsafe { core::ptr::copy_nonoverlapping(self.base.as_ptr().add(offset), out.as_mut_ptr(), out.len()) }
    }

    /// Writes a fresh header for `slots` slots per ring (the driver, before
    /// the memory is shared): both rings empty.
    pub fn init(&self, slots: u32) -> Result<(), LayoutError> {
        check_slots(slots)?;
        if self.len < ring_size(slots) {
            return Err(LayoutError::TooSmall { len: self.len, needs: ring_size(slots) });
        }
        for offset in (0..HEADER_SIZE).step_by(4) {
            self.word(offset).store(0, Ordering::Relaxed);
        }
        self.word(VERSION_AT).store(RING_VERSION, Ordering::Relaxed);
        self.word(SLOTS_AT).store(slots, Ordering::Relaxed);
        self.word(SLOT_SIZE_AT).store(SLOT_SIZE as u32, Ordering::Relaxed);
        self.word(MAGIC_AT).store(RING_MAGIC, Ordering::Release);
        Ok(())
    }

    /// Checks the header the other side wrote and that the memory holds
    /// the slots it declares: the slots per ring.
    pub fn check(&self) -> Result<u32, LayoutError> {
        let slots = self.header()?;
        if self.len < ring_size(slots) {
            return Err(LayoutError::TooSmall { len: self.len, needs: ring_size(slots) });
        }
        Ok(slots)
    }

    /// Checks the header alone (the memory may be only its page, mapped to
    /// learn the size of the rest): the slots per ring.
    pub fn header(&self) -> Result<u32, LayoutError> {
        if self.len < HEADER_SIZE {
            return Err(LayoutError::TooSmall { len: self.len, needs: HEADER_SIZE });
        }
        let magic = self.word(MAGIC_AT).load(Ordering::Acquire);
        if magic != RING_MAGIC {
            return Err(LayoutError::BadMagic(magic));
        }
        let version = self.word(VERSION_AT).load(Ordering::Relaxed);
        if version != RING_VERSION {
            return Err(LayoutError::BadVersion(version));
        }
        let size = self.word(SLOT_SIZE_AT).load(Ordering::Relaxed);
        if size as usize != SLOT_SIZE {
            return Err(LayoutError::BadSlotSize(size));
        }
        let slots = self.word(SLOTS_AT).load(Ordering::Relaxed);
        check_slots(slots)?;
        Ok(slots)
    }
}

fn check_slots(slots: u32) -> Result<(), LayoutError> {
    if slots.is_power_of_two() && slots <= MAX_SLOTS { Ok(()) } else { Err(LayoutError::BadSlots(slots)) }
}

/// The side that puts frames into one ring. Its head index is its own;
/// the consumer's tail is read from the memory and checked.
pub struct Producer {
    direction: Direction,
    slots: u32,
    head: u32,
}

impl Producer {
    /// The producer of a freshly initialised ring of `slots` slots
    /// ([`Shared::init`] or [`Shared::check`]).
    pub fn new(direction: Direction, slots: u32) -> Producer {
        Producer { direction, slots, head: 0 }
    }

    /// Puts `frame` in the next slot and publishes it.
    pub fn push(&mut self, shared: &Shared, frame: &[u8]) -> Result<(), PushError> {
        if frame.len() > SLOT_SIZE - SLOT_HEADER {
            return Err(PushError::TooLong(frame.len()));
        }
        let tail = shared.word(self.direction.tail_at()).load(Ordering::Acquire);
        let used = self.head.wrapping_sub(tail);
        if used > self.slots {
            return Err(PushError::Corrupt { head: self.head, tail });
        }
        if used == self.slots {
            return Err(PushError::Full);
        }
        let slot = self.direction.slot_at(self.slots, self.head);
        shared.word(slot).store(frame.len() as u32, Ordering::Relaxed);
        for reserved in (4..SLOT_HEADER).step_by(4) {
            shared.word(slot + reserved).store(0, Ordering::Relaxed);
        }
        shared.copy_in(slot + SLOT_HEADER, frame);
        self.head = self.head.wrapping_add(1);
        shared.word(self.direction.head_at()).store(self.head, Ordering::Release);
        Ok(())
    }

    /// Whether the consumer has taken every frame (or the ring is corrupt).
    pub fn drained(&self, shared: &Shared) -> Result<bool, RingError> {
        let tail = shared.word(self.direction.tail_at()).load(Ordering::Acquire);
        match self.head.wrapping_sub(tail) {
            0 => Ok(true),
            used if used <= self.slots => Ok(false),
            _ => Err(RingError::Corrupt { head: self.head, tail }),
        }
    }
}

/// The side that takes frames out of one ring. Its tail index is its
/// own; the producer's head is read from the memory and checked.
pub struct Consumer {
    direction: Direction,
    slots: u32,
    tail: u32,
}

impl Consumer {
    /// The consumer of a freshly initialised ring of `slots` slots.
    pub fn new(direction: Direction, slots: u32) -> Consumer {
        Consumer { direction, slots, tail: 0 }
    }

    /// Frames waiting, checked.
    fn waiting(&self, shared: &Shared) -> Result<u32, RingError> {
        let head = shared.word(self.direction.head_at()).load(Ordering::Acquire);
        let waiting = head.wrapping_sub(self.tail);
        if waiting > self.slots { Err(RingError::Corrupt { head, tail: self.tail }) } else { Ok(waiting) }
    }

    /// Whether no frame waits.
    pub fn is_empty(&self, shared: &Shared) -> Result<bool, RingError> {
        self.waiting(shared).map(|waiting| waiting == 0)
    }

    /// Copies the next frame into `out` and frees its slot: its length,
    /// `None` if the ring is empty. A slot whose length is over
    /// a slot's room or `out.len()` is freed and reported
    /// ([`RingError::BadLength`]); the next call goes on with the next.
    pub fn pop(&mut self, shared: &Shared, out: &mut [u8]) -> Result<Option<usize>, RingError> {
        if self.waiting(shared)? == 0 {
            return Ok(None);
        }
        let slot = self.direction.slot_at(self.slots, self.tail);
        let len = shared.word(slot).load(Ordering::Relaxed) as usize;
        let fits = len <= (SLOT_SIZE - SLOT_HEADER).min(out.len());
        if fits {
            shared.copy_out(slot + SLOT_HEADER, &mut out[..len]);
        }
        self.tail = self.tail.wrapping_add(1);
        shared.word(self.direction.tail_at()).store(self.tail, Ordering::Release);
        if fits { Ok(Some(len)) } else { Err(RingError::BadLength(len)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    use std::vec;
    use std::vec::Vec;

    /// Ring memory on the host: 64-byte aligned, zeroed.
    struct Memory {
        words: Vec<[u64; 8]>,
    }

    impl Memory {
        fn new(len: usize) -> Memory {
            Memory { words: vec![[0; 8]; len.div_ceil(64)] }
        }

        fn shared(&mut self) -> Shared {
            let len = self.words.len() * 64;
            // SAFETY: the vector is 64-byte aligned, `len` bytes long, and
            // outlives every `Shared` a test makes of it.
            unsafe { Shared::new(NonNull::new(self.words.as_mut_ptr().cast()).unwrap(), len) }
        }
    }

    fn frame(seed: u32, len: usize) -> Vec<u8> {
        (0..len).map(|i| (seed as usize * 31 + i) as u8).collect()
    }

    /// A small xorshift, so the garbage is the same every run.
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
    }

    #[test]
    fn frames_cross_in_order_and_the_ring_fills() {
        let mut memory = Memory::new(ring_size(8));
        let shared = memory.shared();
        shared.init(8).unwrap();
        assert_eq!(shared.check(), Ok(8));
        let mut producer = Producer::new(Direction::Transmit, 8);
        let mut consumer = Consumer::new(Direction::Transmit, 8);
        let mut out = [0u8; SLOT_SIZE];
        assert_eq!(consumer.pop(&shared, &mut out), Ok(None));
        for round in 0..5u32 {
            for i in 0..8 {
                producer.push(&shared, &frame(round * 8 + i, 60 + i as usize * 180)).unwrap();
            }
            assert_eq!(producer.push(&shared, &[0; 60]), Err(PushError::Full));
            assert_eq!(producer.drained(&shared), Ok(false));
            for i in 0..8 {
                let len = consumer.pop(&shared, &mut out).unwrap().unwrap();
                assert_eq!(&out[..len], &frame(round * 8 + i, 60 + i as usize * 180)[..]);
            }
            assert_eq!(consumer.is_empty(&shared), Ok(true));
            assert_eq!(producer.drained(&shared), Ok(true));
        }
        assert_eq!(producer.push(&shared, &[0; SLOT_SIZE]), Err(PushError::TooLong(SLOT_SIZE)));
        // The other ring is untouched.
        assert_eq!(Consumer::new(Direction::Receive, 8).pop(&shared, &mut out), Ok(None));
    }

    #[test]
    fn bad_headers_are_refused() {
        let mut memory = Memory::new(ring_size(SLOTS));
        let shared = memory.shared();
        assert_eq!(shared.check(), Err(LayoutError::BadMagic(0)));
        assert_eq!(shared.init(3), Err(LayoutError::BadSlots(3)));
        assert_eq!(shared.init(2 * SLOTS), Err(LayoutError::TooSmall { len: ring_size(SLOTS), needs: ring_size(512) }));
        shared.init(SLOTS).unwrap();
        // Version 1 (a transmit thread woken by a doorbell) is not served.
        shared.word(VERSION_AT).store(1, Ordering::Relaxed);
        assert_eq!(shared.check(), Err(LayoutError::BadVersion(1)));
        shared.init(SLOTS).unwrap();
        shared.word(SLOT_SIZE_AT).store(4096, Ordering::Relaxed);
        assert_eq!(shared.check(), Err(LayoutError::BadSlotSize(4096)));
        for slots in [0, 100, 8192, u32::MAX] {
            shared.init(SLOTS).unwrap();
            shared.word(SLOTS_AT).store(slots, Ordering::Relaxed);
            assert_eq!(shared.check(), Err(LayoutError::BadSlots(slots)));
        }
        // A header claiming more slots than the memory holds.
        let mut small = Memory::new(ring_size(16));
        let shared = small.shared();
        shared.init(16).unwrap();
        shared.word(SLOTS_AT).store(1024, Ordering::Relaxed);
        assert!(matches!(shared.check(), Err(LayoutError::TooSmall { .. })));
        assert_eq!(shared.header(), Ok(1024));
        let mut tiny = Memory::new(64);
        assert!(matches!(tiny.shared().check(), Err(LayoutError::TooSmall { .. })));
    }

    #[test]
    fn garbage_indices_and_lengths_are_errors() {
        let mut memory = Memory::new(ring_size(16));
        let shared = memory.shared();
        shared.init(16).unwrap();
        let mut producer = Producer::new(Direction::Receive, 16);
        let mut consumer = Consumer::new(Direction::Receive, 16);
        let mut out = [0u8; SLOT_SIZE];
        // A head far ahead of the tail.
        shared.word(Direction::Receive.head_at()).store(1000, Ordering::Relaxed);
        assert_eq!(consumer.pop(&shared, &mut out), Err(RingError::Corrupt { head: 1000, tail: 0 }));
        // A tail past the producer's head.
        shared.word(Direction::Receive.tail_at()).store(5, Ordering::Relaxed);
        assert_eq!(producer.push(&shared, &[1; 60]), Err(PushError::Corrupt { head: 0, tail: 5 }));
        assert_eq!(producer.drained(&shared), Err(RingError::Corrupt { head: 0, tail: 5 }));
        // Lengths out of bounds are skipped, the frames after them kept.
        shared.init(16).unwrap();
        producer.push(&shared, &[1; 60]).unwrap();
        producer.push(&shared, &[2; 70]).unwrap();
        producer.push(&shared, &[3; 80]).unwrap();
        let slot = Direction::Receive.slot_at(16, 0);
        shared.word(slot).store(u32::MAX, Ordering::Relaxed);
        assert_eq!(consumer.pop(&shared, &mut out), Err(RingError::BadLength(u32::MAX as usize)));
        assert_eq!(consumer.pop(&shared, &mut out[..64]), Err(RingError::BadLength(70)));
        assert_eq!(consumer.pop(&shared, &mut out), Ok(Some(80)));
        assert_eq!(&out[..80], &[3; 80][..]);
        assert_eq!(consumer.pop(&shared, &mut out), Ok(None));
    }

    #[test]
    fn random_garbage_never_panics_or_escapes_bounds() {
        let mut random = Random(0x9e37_79b9_7f4a_7c15);
        let mut memory = Memory::new(ring_size(32));
        let shared = memory.shared();
        let mut out = [0u8; SLOT_SIZE];
        for case in 0..2000u32 {
            shared.init(32).unwrap();
            let direction = if case.is_multiple_of(2) { Direction::Receive } else { Direction::Transmit };
            let mut producer = Producer::new(direction, 32);
            let mut consumer = Consumer::new(direction, 32);
            for step in 0..64 {
                // Overwrite a random header word or slot length, sometimes.
                if random.next().is_multiple_of(4) {
                    let value = random.next() as u32;
                    let offset = if random.next().is_multiple_of(2) {
                        (random.next() as usize % (HEADER_SIZE / 4)) * 4
                    } else {
                        direction.slot_at(32, random.next() as u32)
                    };
                    shared.word(offset).store(value, Ordering::Relaxed);
                }
                if step % 3 != 2 {
                    let len = random.next() as usize % (SLOT_SIZE + 100);
                    let pushed = producer.push(&shared, &frame(step, len));
                    assert!(len <= SLOT_SIZE - SLOT_HEADER || pushed == Err(PushError::TooLong(len)));
                } else {
                    // At most a ring's worth of pops, each in bounds.
                    for _ in 0..=32 {
                        match consumer.pop(&shared, &mut out) {
                            Ok(Some(len)) => assert!(len <= SLOT_SIZE - SLOT_HEADER),
                            Ok(None) | Err(RingError::Corrupt { .. }) => break,
                            Err(RingError::BadLength(len)) => assert!(len > SLOT_SIZE - SLOT_HEADER),
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn two_threads_move_frames_while_a_third_scribbles_on_the_other_ring() {
        let mut memory = Memory::new(ring_size(SLOTS));
        let shared = Arc::new(memory.shared());
        shared.init(SLOTS).unwrap();
        let done = Arc::new(AtomicBool::new(false));
        const FRAMES: u32 = 20_000;
        let producer = {
            let shared = shared.clone();
            std::thread::spawn(move || {
                let mut producer = Producer::new(Direction::Transmit, SLOTS);
                let mut sent = 0;
                while sent < FRAMES {
                    match producer.push(&shared, &frame(sent, 60 + sent as usize % 1455)) {
                        Ok(()) => sent += 1,
                        Err(PushError::Full) => std::thread::yield_now(),
                        Err(error) => panic!("{error:?}"),
                    }
                }
            })
        };
        let scribbler = {
            let (shared, done) = (shared.clone(), done.clone());
            std::thread::spawn(move || {
                let mut random = Random(7);
                while !done.load(Ordering::Relaxed) {
                    let offset = Direction::Receive.slot_at(SLOTS, random.next() as u32);
                    shared.word(offset).store(random.next() as u32, Ordering::Relaxed);
                    shared.word(Direction::Receive.head_at()).store(random.next() as u32, Ordering::Relaxed);
                }
            })
        };
        let mut consumer = Consumer::new(Direction::Transmit, SLOTS);
        let mut receive = Consumer::new(Direction::Receive, SLOTS);
        let mut out = [0u8; SLOT_SIZE];
        let mut got = 0;
        let mut garbage = 0;
        while got < FRAMES {
            match consumer.pop(&shared, &mut out) {
                Ok(Some(len)) => {
                    assert_eq!(&out[..len], &frame(got, 60 + got as usize % 1455)[..]);
                    got += 1;
                }
                Ok(None) => std::thread::yield_now(),
                Err(error) => panic!("{error:?}"),
            }
            // The scribbled ring gives errors or frames in bounds, never a panic.
            if let Err(_) | Ok(Some(_)) = receive.pop(&shared, &mut out) {
                garbage += 1;
            }
        }
        done.store(true, Ordering::Relaxed);
        producer.join().unwrap();
        scribbler.join().unwrap();
        assert!(garbage > 0, "the scribbler never showed");
    }
}
