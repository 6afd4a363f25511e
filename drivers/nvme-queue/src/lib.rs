//! `cairn-nvme-queue`: the bookkeeping of one NVMe queue pair, apart from
//! the memory it lives in, so it can be tested on the host: encoding a
//! submission entry, the submission tail, taking new completions by their
//! phase bit, and the table from command ids to what waits for each
//! command. A controller may have many commands of one queue in flight
//! and complete them in any order; each completion is matched to its
//! waiter by command id. A completion whose id nothing waits for is
//! reported as [`Taken::Unknown`] (the driver logs and ignores it), and a
//! command given up on ([`Outstanding::retire`]) keeps its id out of use
//! until its completion, if it ever comes, is seen ([`Taken::Late`]) — the
//! device may still be working on it.
//!
//! Formats: NVM Express Base Specification 2.0, §4.2 (submission queue
//! entry), §4.6 (completion queue entry, phase tag).
//!
//! Depends on `core` and `alloc` only.
#![no_std]

extern crate alloc;

use alloc::vec::Vec;

#[cfg(test)]
mod tests;

/// Bytes per submission queue entry.
pub const SQ_ENTRY: usize = 64;
/// Bytes per completion queue entry.
pub const CQ_ENTRY: usize = 16;

/// A command identifier (CID), unique among a queue's commands in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandId(pub u16);

/// A command, as the driver fills it in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Command {
    pub opcode: u8,
    pub namespace: u32,
    pub prp1: u64,
    pub prp2: u64,
    /// Command dwords 10-15.
    pub dwords: [u32; 6],
}

impl Command {
    /// The 64-byte submission queue entry of this command as `id`.
    pub fn encode(&self, id: CommandId) -> [u8; SQ_ENTRY] {
        let mut entry = [0u32; 16];
        entry[0] = u32::from(self.opcode) | (u32::from(id.0) << 16);
        entry[1] = self.namespace;
        entry[6] = self.prp1 as u32;
        entry[7] = (self.prp1 >> 32) as u32;
        entry[8] = self.prp2 as u32;
        entry[9] = (self.prp2 >> 32) as u32;
        entry[10..16].copy_from_slice(&self.dwords);
        let mut bytes = [0u8; SQ_ENTRY];
        for (out, dword) in bytes.chunks_exact_mut(4).zip(entry) {
            out.copy_from_slice(&dword.to_le_bytes());
        }
        bytes
    }
}

/// A completion queue entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion {
    /// Command-specific dword 0.
    pub result: u32,
    /// How far the controller has read the submission queue.
    pub sq_head: u16,
    pub command: CommandId,
    /// Status: SCT << 8 | SC (0: success).
    pub status: u16,
}

/// The submission side of a queue of `entries` entries: where the next
/// command goes.
#[derive(Debug)]
pub struct SubmissionRing {
    entries: u16,
    tail: u16,
}

impl SubmissionRing {
    pub fn new(entries: u16) -> SubmissionRing {
        SubmissionRing { entries, tail: 0 }
    }

    /// Writes `command` as `id` into `ring` (the queue's memory, `entries`
    /// × [`SQ_ENTRY`] bytes) at the tail; returns the new tail, for the
    /// doorbell. The caller keeps fewer commands in flight than entries
    /// (see [`Outstanding`]), so the tail never overtakes the head.
    pub fn push(&mut self, ring: &mut [u8], command: &Command, id: CommandId) -> u16 {
        let at = usize::from(self.tail) * SQ_ENTRY;
        ring[at..at + SQ_ENTRY].copy_from_slice(&command.encode(id));
        self.tail = (self.tail + 1) % self.entries;
        self.tail
    }
}

/// The completion side of a queue of `entries` entries: the head and the
/// phase the next new entry has.
#[derive(Debug)]
pub struct CompletionRing {
    entries: u16,
    head: u16,
    phase: bool,
}

impl CompletionRing {
    /// A fresh queue (its memory zeroed): new entries have phase 1.
    pub fn new(entries: u16) -> CompletionRing {
        CompletionRing { entries, head: 0, phase: true }
    }

    /// The next new completion, read through `dword(offset)` (a volatile
    /// read of the dword at byte `offset` of the queue's memory), or `None`
    /// if the entry at the head is old. The caller tells the controller
    /// the new [`CompletionRing::head`] once it has taken what it wants.
    pub fn next(&mut self, dword: impl Fn(usize) -> u32) -> Option<Completion> {
        let at = usize::from(self.head) * CQ_ENTRY;
        let last = dword(at + 12);
        if (last & (1 << 16) != 0) != self.phase {
            return None;
        }
        // Dwords 0 and 2 are read only after the phase said the entry is new.
        core::sync::atomic::fence(core::sync::atomic::Ordering::Acquire);
        let completion = Completion {
            result: dword(at),
            sq_head: dword(at + 8) as u16,
            command: CommandId(last as u16),
            status: ((last >> 17) & 0x7ff) as u16,
        };
        self.head += 1;
        if self.head == self.entries {
            self.head = 0;
            self.phase = !self.phase;
        }
        Some(completion)
    }

    /// The head, for the completion doorbell.
    pub fn head(&self) -> u16 {
        self.head
    }
}

/// What a slot of [`Outstanding`] holds.
#[derive(Debug)]
enum Slot<T> {
    Free,
    Waiting(T),
    /// Given up on; the id stays out of use until its completion comes.
    Retired,
}

/// What a completion's command id was.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken<T> {
    /// The waiter of a command in flight (its id is free again).
    Waiter(T),
    /// A command given up on earlier finally completed (its id is free again).
    Late,
    /// No command with this id is in flight: ignore it.
    Unknown,
}

/// Command ids in flight on one queue and what waits for each: at most
/// `capacity` at once (fewer than the queue's entries).
#[derive(Debug)]
pub struct Outstanding<T> {
    slots: Vec<Slot<T>>,
    /// Free ids, the most recently freed last (reused first).
    free: Vec<u16>,
}

impl<T> Outstanding<T> {
    pub fn new(capacity: u16) -> Outstanding<T> {
        Outstanding { slots: (0..capacity).map(|_| Slot::Free).collect(), free: (0..capacity).rev().collect() }
    }

    /// Takes a free id for `waiter`; gives the waiter back if every id is
    /// in use.
    pub fn insert(&mut self, waiter: T) -> Result<CommandId, T> {
        match self.free.pop() {
            Some(id) => {
                self.slots[usize::from(id)] = Slot::Waiting(waiter);
                Ok(CommandId(id))
            }
            None => Err(waiter),
        }
    }

    /// The completion of command `id` came: what waited for it.
    pub fn take(&mut self, id: CommandId) -> Taken<T> {
        let Some(slot) = self.slots.get_mut(usize::from(id.0)) else { return Taken::Unknown };
        match core::mem::replace(slot, Slot::Free) {
            Slot::Waiting(waiter) => {
                self.free.push(id.0);
                Taken::Waiter(waiter)
            }
            Slot::Retired => {
                self.free.push(id.0);
                Taken::Late
            }
            Slot::Free => Taken::Unknown,
        }
    }

    /// Gives up on every command whose waiter `expired` says so: returns
    /// their waiters; their ids stay out of use (see [`Taken::Late`]).
    pub fn retire(&mut self, mut expired: impl FnMut(&T) -> bool) -> Vec<T> {
        let mut retired = Vec::new();
        for slot in &mut self.slots {
            if matches!(slot, Slot::Waiting(waiter) if expired(waiter))
                && let Slot::Waiting(waiter) = core::mem::replace(slot, Slot::Retired)
            {
                retired.push(waiter);
            }
        }
        retired
    }

    /// Commands in flight (retired ones included).
    pub fn len(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether no id is free.
    pub fn is_full(&self) -> bool {
        self.free.is_empty()
    }
}
