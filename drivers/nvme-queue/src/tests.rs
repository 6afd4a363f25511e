//! Host tests: a fake controller writes completions into queue memory as
//! a real one would (phase tag flipping on each pass), in any order.

use alloc::vec;
use alloc::vec::Vec;

use super::*;

/// A completion queue's memory and the controller's side of it.
struct FakeController {
    memory: Vec<u8>,
    entries: u16,
    tail: u16,
    phase: bool,
}

impl FakeController {
    fn new(entries: u16) -> FakeController {
        FakeController { memory: vec![0; usize::from(entries) * CQ_ENTRY], entries, tail: 0, phase: true }
    }

    /// Posts a completion of `id` with `status`.
    fn complete(&mut self, id: u16, status: u16, result: u32) {
        let at = usize::from(self.tail) * CQ_ENTRY;
        let last = u32::from(id) | (u32::from(status) << 17) | (u32::from(self.phase) << 16);
        self.memory[at..at + 4].copy_from_slice(&result.to_le_bytes());
        self.memory[at + 8..at + 12].copy_from_slice(&7u32.to_le_bytes());
        self.memory[at + 12..at + 16].copy_from_slice(&last.to_le_bytes());
        self.tail += 1;
        if self.tail == self.entries {
            self.tail = 0;
            self.phase = !self.phase;
        }
    }

    fn dword(&self, offset: usize) -> u32 {
        u32::from_le_bytes(self.memory[offset..offset + 4].try_into().unwrap())
    }
}

fn drain(ring: &mut CompletionRing, controller: &FakeController) -> Vec<Completion> {
    core::iter::from_fn(|| ring.next(|at| controller.dword(at))).collect()
}

#[test]
fn a_command_encodes_as_the_specification_lays_it_out() {
    let command =
        Command { opcode: 0x02, namespace: 1, prp1: 0x1122_3344_5566_7000, prp2: 0x8000, dwords: [10, 0, 7, 0, 0, 0] };
    let entry = command.encode(CommandId(0xabcd));
    assert_eq!(&entry[0..4], &[0x02, 0, 0xcd, 0xab]);
    assert_eq!(&entry[4..8], &1u32.to_le_bytes());
    assert_eq!(&entry[24..32], &0x1122_3344_5566_7000u64.to_le_bytes());
    assert_eq!(&entry[32..40], &0x8000u64.to_le_bytes());
    assert_eq!(&entry[40..44], &10u32.to_le_bytes());
    assert_eq!(&entry[48..52], &7u32.to_le_bytes());
}

#[test]
fn the_submission_tail_wraps() {
    let mut ring = SubmissionRing::new(4);
    let mut memory = vec![0u8; 4 * SQ_ENTRY];
    let tails: Vec<u16> =
        (0..6).map(|i| ring.push(&mut memory, &Command { opcode: i, ..Command::default() }, CommandId(0))).collect();
    assert_eq!(tails, [1, 2, 3, 0, 1, 2]);
    // Entries 0 and 1 were written twice: they hold commands 4 and 5.
    assert_eq!(memory[0], 4);
    assert_eq!(memory[SQ_ENTRY], 5);
    assert_eq!(memory[2 * SQ_ENTRY], 2);
}

#[test]
fn completions_are_taken_by_phase_across_wraps() {
    let mut controller = FakeController::new(4);
    let mut ring = CompletionRing::new(4);
    assert!(drain(&mut ring, &controller).is_empty(), "zeroed memory holds no completion");
    for round in 0..5u16 {
        for i in 0..3 {
            controller.complete(round * 3 + i, 0, u32::from(i));
        }
        let ids: Vec<u16> = drain(&mut ring, &controller).iter().map(|c| c.command.0).collect();
        assert_eq!(ids, [round * 3, round * 3 + 1, round * 3 + 2], "round {round}");
        assert_eq!(ring.head(), controller.tail);
    }
}

#[test]
fn status_and_result_are_read() {
    let mut controller = FakeController::new(2);
    let mut ring = CompletionRing::new(2);
    // SCT 2 (media error), SC 0x81, with the DNR bit (not part of the status).
    controller.complete(9, (1 << 14) | (2 << 8) | 0x81, 0xdead_beef);
    let done = drain(&mut ring, &controller);
    assert_eq!(done, [Completion { result: 0xdead_beef, sq_head: 7, command: CommandId(9), status: 0x281 }]);
}

#[test]
fn waiters_are_matched_by_command_id_in_any_order() {
    let mut outstanding = Outstanding::new(8);
    let ids: Vec<CommandId> = (0..5).map(|i| outstanding.insert(i * 10).unwrap()).collect();
    assert_eq!(outstanding.len(), 5);
    for (index, id) in ids.iter().enumerate().rev() {
        assert_eq!(outstanding.take(*id), Taken::Waiter(index * 10));
    }
    assert!(outstanding.is_empty());
}

#[test]
fn ids_in_flight_are_unique_and_capacity_bounds_them() {
    let mut outstanding = Outstanding::new(3);
    let a = outstanding.insert('a').unwrap();
    let b = outstanding.insert('b').unwrap();
    let c = outstanding.insert('c').unwrap();
    assert!(a != b && b != c && a != c);
    assert!(outstanding.is_full());
    assert_eq!(outstanding.insert('d'), Err('d'));
    assert_eq!(outstanding.take(b), Taken::Waiter('b'));
    let d = outstanding.insert('d').unwrap();
    assert_eq!(d, b, "the freed id is reused");
    assert_eq!(outstanding.take(a), Taken::Waiter('a'));
    assert_eq!(outstanding.take(d), Taken::Waiter('d'));
    assert_eq!(outstanding.take(c), Taken::Waiter('c'));
}

#[test]
fn a_completion_with_an_unknown_id_is_reported_and_changes_nothing() {
    let mut outstanding = Outstanding::new(4);
    let id = outstanding.insert("read").unwrap();
    // An id past the table, an id never handed out, an id completed twice.
    assert_eq!(outstanding.take(CommandId(4000)), Taken::Unknown);
    assert_eq!(outstanding.take(CommandId(id.0 + 1)), Taken::Unknown);
    assert_eq!(outstanding.len(), 1);
    assert_eq!(outstanding.take(id), Taken::Waiter("read"));
    assert_eq!(outstanding.take(id), Taken::Unknown);
    assert!(outstanding.is_empty());
}

#[test]
fn a_retired_command_keeps_its_id_until_it_completes() {
    let mut outstanding = Outstanding::new(2);
    let slow = outstanding.insert(1).unwrap();
    let quick = outstanding.insert(2).unwrap();
    assert_eq!(outstanding.retire(|w| *w == 1), [1]);
    assert_eq!(outstanding.take(quick), Taken::Waiter(2));
    // Only `quick`'s id is free: `slow`'s stays taken while the device may use it.
    assert_eq!(outstanding.insert(3), Ok(quick));
    assert!(outstanding.is_full());
    assert_eq!(outstanding.take(slow), Taken::Late);
    assert_eq!(outstanding.insert(4), Ok(slow));
    assert!(outstanding.retire(|_| false).is_empty());
}

#[test]
fn a_queue_pair_round_trip_through_the_fake_controller() {
    // Commands go out, the controller completes them out of order, and
    // a stray completion is among them.
    let mut outstanding = Outstanding::new(3);
    let mut sq = SubmissionRing::new(4);
    let mut sq_memory = vec![0u8; 4 * SQ_ENTRY];
    let mut controller = FakeController::new(4);
    let mut cq = CompletionRing::new(4);
    let mut finished = Vec::new();
    for round in 0..4u32 {
        let ids: Vec<CommandId> = (0..3).map(|i| outstanding.insert(round * 3 + i).unwrap()).collect();
        for id in &ids {
            sq.push(&mut sq_memory, &Command::default(), *id);
        }
        for id in ids.iter().rev() {
            controller.complete(id.0, 0, 0);
        }
        if round == 2 {
            controller.complete(77, 0, 0);
        }
        let mut unknown = 0;
        for completion in drain(&mut cq, &controller) {
            match outstanding.take(completion.command) {
                Taken::Waiter(w) => finished.push(w),
                Taken::Late => panic!("nothing was retired"),
                Taken::Unknown => unknown += 1,
            }
        }
        assert_eq!(unknown, u32::from(round == 2));
        assert!(outstanding.is_empty());
    }
    finished.sort();
    assert_eq!(finished, (0..12).collect::<Vec<u32>>());
}
