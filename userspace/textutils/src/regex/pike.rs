//! The Pike VM: runs a [`Program`] over a text in one pass, keeping at most one thread per
//! instruction, so that a search costs O(text length × program size) whatever the pattern.
//!
//! Threads are kept in priority order: threads that started earlier come first, and among
//! threads with the same start the one that took the preferred branch of each split (greedy
//! repetition, earlier alternative). The search reports the leftmost match and, among the
//! matches starting there, the longest (POSIX leftmost-longest); its groups are those of the
//! highest-priority thread that reached that end.

use alloc::vec;
use alloc::vec::Vec;

use super::ast::Assertion;
use super::compile::{Inst, Program};
use crate::charclass::is_word_byte;

/// Capture slots: `slots[2k]` and `slots[2k + 1]` are the start and end of group `k`.
pub(super) type Slots = Vec<Option<usize>>;

/// How much a search should find out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Goal {
    /// Whether there is any match: stop at the first one.
    AnyMatch,
    /// The leftmost-longest match and the first `slot_count` slots.
    Locate { slot_count: usize },
}

/// Searches `haystack` from `start`; returns the slots of the match found.
pub(super) fn search(program: &Program, haystack: &[u8], start: usize, goal: Goal) -> Option<Slots> {
    if start > haystack.len() {
        return None;
    }
    let slot_count = match goal {
        Goal::AnyMatch => 2,
        Goal::Locate { slot_count } => slot_count.max(2),
    };
    let mut vm = Vm {
        program,
        haystack,
        current: ThreadList::new(program.insts.len(), slot_count),
        next: ThreadList::new(program.insts.len(), slot_count),
        caps: vec![None; slot_count],
        stack: Vec::new(),
    };
    let mut best: Option<Slots> = None;
    let mut pos = start;
    loop {
        if best.is_none() {
            vm.caps.fill(None);
            vm.add_thread(Which::Current, 0, pos);
        }
        if vm.current.threads.is_empty() && best.is_some() {
            break;
        }
        let byte = haystack.get(pos).copied();
        for index in 0..vm.current.threads.len() {
            let pc = vm.current.threads[index];
            let range = index * slot_count..(index + 1) * slot_count;
            let thread_start = vm.current.slots[range.start];
            if best.as_ref().is_some_and(|best| thread_start > best[0]) {
                continue;
            }
            match program.insts[pc] {
                Inst::Match => {
                    let thread_end = vm.current.slots[range.start + 1];
                    let better = best
                        .as_ref()
                        .is_none_or(|best| thread_start < best[0] || (thread_start == best[0] && thread_end > best[1]));
                    if better {
                        best = Some(vm.current.slots[range].to_vec());
                        if goal == Goal::AnyMatch {
                            return best;
                        }
                    }
                }
                Inst::Byte(expected) if byte == Some(expected) => vm.advance(range, pc, pos),
                Inst::Set(set) if byte.is_some_and(|byte| set.contains(byte)) => vm.advance(range, pc, pos),
                _ => {}
            }
        }
        if pos >= haystack.len() {
            break;
        }
        core::mem::swap(&mut vm.current, &mut vm.next);
        vm.next.clear();
        pos += 1;
    }
    best
}

/// The threads at one position: a sparse set of instruction indices (for de-duplication) and,
/// in priority order, the threads waiting on a byte or a match with their slots.
struct ThreadList {
    sparse: Vec<usize>,
    dense: Vec<usize>,
    threads: Vec<usize>,
    slots: Vec<Option<usize>>,
    slot_count: usize,
}

impl ThreadList {
    fn new(inst_count: usize, slot_count: usize) -> ThreadList {
        ThreadList {
            sparse: vec![0; inst_count],
            dense: Vec::new(),
            threads: Vec::new(),
            slots: Vec::new(),
            slot_count,
        }
    }

    /// Adds `pc` to the set; false when it was there already.
    fn insert(&mut self, pc: usize) -> bool {
        let index = self.sparse[pc];
        if self.dense.get(index) == Some(&pc) {
            return false;
        }
        self.sparse[pc] = self.dense.len();
        self.dense.push(pc);
        true
    }

    fn push_thread(&mut self, pc: usize, caps: &[Option<usize>]) {
        self.threads.push(pc);
        self.slots.extend_from_slice(&caps[..self.slot_count]);
    }

    fn clear(&mut self) {
        self.dense.clear();
        self.threads.clear();
        self.slots.clear();
    }
}

/// Which thread list [`Vm::add_thread`] fills.
#[derive(Clone, Copy)]
enum Which {
    Current,
    Next,
}

/// A step of the epsilon closure in [`Vm::add_thread`].
enum Frame {
    Explore(usize),
    Restore { slot: usize, value: Option<usize> },
}

struct Vm<'a> {
    program: &'a Program,
    haystack: &'a [u8],
    current: ThreadList,
    next: ThreadList,
    /// The slots of the thread being followed through epsilon transitions.
    caps: Slots,
    stack: Vec<Frame>,
}

impl Vm<'_> {
    /// Moves the current thread at `range` of the slots past the byte at `pos`.
    fn advance(&mut self, range: core::ops::Range<usize>, pc: usize, pos: usize) {
        self.caps.copy_from_slice(&self.current.slots[range]);
        self.add_thread(Which::Next, pc + 1, pos + 1);
    }

    /// Adds the thread at `pc` and everything reachable from it without consuming a byte,
    /// at position `pos` of the text (the next byte to consume is `haystack[pos]`).
    fn add_thread(&mut self, which: Which, pc: usize, pos: usize) {
        let list = match which {
            Which::Current => &mut self.current,
            Which::Next => &mut self.next,
        };
        self.stack.push(Frame::Explore(pc));
        while let Some(frame) = self.stack.pop() {
            let pc = match frame {
                Frame::Restore { slot, value } => {
                    self.caps[slot] = value;
                    continue;
                }
                Frame::Explore(pc) => pc,
            };
            if !list.insert(pc) {
                continue;
            }
            match self.program.insts[pc] {
                Inst::Jump(target) => self.stack.push(Frame::Explore(target)),
                Inst::Split(preferred, other) => {
                    self.stack.push(Frame::Explore(other));
                    self.stack.push(Frame::Explore(preferred));
                }
                Inst::Save(slot) => {
                    if let Some(cap) = self.caps.get_mut(slot) {
                        self.stack.push(Frame::Restore { slot, value: *cap });
                        *cap = Some(pos);
                    }
                    self.stack.push(Frame::Explore(pc + 1));
                }
                Inst::Assert(assertion) => {
                    if holds(assertion, self.haystack, pos) {
                        self.stack.push(Frame::Explore(pc + 1));
                    }
                }
                Inst::Byte(_) | Inst::Set(_) | Inst::Match => list.push_thread(pc, &self.caps),
            }
        }
    }
}

/// Whether `assertion` holds between `haystack[pos - 1]` and `haystack[pos]`.
fn holds(assertion: Assertion, haystack: &[u8], pos: usize) -> bool {
    let word_before = pos.checked_sub(1).and_then(|before| haystack.get(before)).is_some_and(|&b| is_word_byte(b));
    let word_after = haystack.get(pos).is_some_and(|&b| is_word_byte(b));
    match assertion {
        Assertion::TextStart => pos == 0,
        Assertion::TextEnd => pos == haystack.len(),
        Assertion::WordBoundary => word_before != word_after,
        Assertion::NotWordBoundary => word_before == word_after,
        Assertion::WordStart => !word_before && word_after,
        Assertion::WordEnd => word_before && !word_after,
        Assertion::NoWordBefore => !word_before,
        Assertion::NoWordAfter => !word_after,
    }
}
