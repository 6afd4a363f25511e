//! Crowding: a user other than root whose threads want the CPUs far more
//! than there are CPUs is *crowded*, and all of its threads run at the
//! last level ([`CROWDED_LEVEL`]), which holds nothing else: however many
//! threads a user makes — even threads that wait together and then
//! compute at once, which the per-thread penalty cannot tell from
//! interactive ones — every other thread, root's shell and the programs it
//! starts included, runs ahead of them, even one that has itself sunk as
//! low as computing threads sink ([`super::Thread::level`] stops one level
//! above). A census every [`CENSUS_MICROS`] counts the runnable and running
//! threads of every user.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use cairn_abi::PRIORITY_LEVELS;

use super::{Tasks, ThreadState};

/// How often the census is taken.
const CENSUS_MICROS: u64 = 100_000;

/// The run-queue level of crowded users' threads, and theirs alone.
pub const CROWDED_LEVEL: usize = PRIORITY_LEVELS - 1;

/// The users crowded at the last census.
#[derive(Debug, Default)]
pub struct Crowding {
    crowded: BTreeSet<u32>,
    next_census: u64,
}

impl Crowding {
    /// Whether `uid`'s threads run at [`CROWDED_LEVEL`].
    pub fn is_crowded(&self, uid: u32) -> bool {
        self.crowded.contains(&uid)
    }
}

/// Whether `busy` computing threads of one user on `cpus` CPUs crowd the
/// machine: more than four per CPU.
fn crowds(busy: usize, cpus: usize) -> bool {
    busy > 4 * cpus.max(1)
}

impl Tasks {
    /// Takes the census if it is due (called on every timer tick).
    pub(super) fn census_if_due(&mut self, now_micros: u64) {
        if now_micros < self.crowding.next_census {
            return;
        }
        let mut busy: alloc::collections::BTreeMap<u32, usize> = alloc::collections::BTreeMap::new();
        for thread in self.threads.values() {
            if matches!(thread.state, ThreadState::Runnable | ThreadState::Running)
                && let Some(process) = self.processes.get(&thread.pid)
                && process.uid != 0
            {
                *busy.entry(process.uid).or_default() += 1;
            }
        }
        let cpus = self.cpus.len();
        let crowded: BTreeSet<u32> = busy.into_iter().filter(|&(_, n)| crowds(n, cpus)).map(|(uid, _)| uid).collect();
        self.crowding.next_census = now_micros + CENSUS_MICROS;
        if crowded != self.crowding.crowded {
            self.crowding.crowded = crowded;
            self.requeue_at_their_levels();
        }
    }

    /// Moves every queued thread whose level changed with the census to its
    /// new level, so that threads queued before a user became crowded do
    /// not keep their old place ahead of (or beside) everyone else's.
    fn requeue_at_their_levels(&mut self) {
        for cpu in 0..self.cpus.len() {
            let mut moves = Vec::new();
            for (level, queue) in self.cpus[cpu].queues.iter().enumerate() {
                for &tid in queue {
                    if let Some(thread) = self.threads.get(&tid)
                        && self.level_of(thread) != level
                    {
                        moves.push((tid, self.level_of(thread)));
                    }
                }
            }
            if moves.is_empty() {
                continue;
            }
            let moved: BTreeSet<_> = moves.iter().map(|&(tid, _)| tid).collect();
            let scheduler = &mut self.cpus[cpu];
            for queue in &mut scheduler.queues {
                queue.retain(|tid| !moved.contains(tid));
            }
            for (tid, level) in moves {
                scheduler.queues[level].push_back(tid);
            }
        }
    }

    /// The run-queue level of thread `thread`: its own
    /// ([`super::Thread::level`]), or [`CROWDED_LEVEL`] if its user is
    /// crowded (never for a thread being killed).
    pub fn level_of(&self, thread: &super::Thread) -> usize {
        let own = thread.level();
        if thread.kill_pending {
            return own;
        }
        let uid = self.processes.get(&thread.pid).map_or(0, |p| p.uid);
        if self.crowding.is_crowded(uid) { CROWDED_LEVEL } else { own }
    }
}
