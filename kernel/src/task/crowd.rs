//! Crowding: a user other than root whose threads want the CPUs far more
//! than there are CPUs has all of them run a few levels lower (at most to
//! the last level), so that however many threads a user makes — even
//! threads that wait together and then compute at once, which the
//! per-thread penalty cannot tell from interactive ones — root's shell and
//! the servers keep their place ahead of them. A census every
//! [`CENSUS_MICROS`] counts the runnable and running threads of every user.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;

use super::{Tasks, ThreadState};

/// How often the census is taken.
const CENSUS_MICROS: u64 = 100_000;

/// Most levels crowding lowers a thread.
const MAX_CROWDING: usize = 3;

/// Levels per user, from the last census.
#[derive(Debug, Default)]
pub struct Crowding {
    levels: BTreeMap<u32, usize>,
    next_census: u64,
}

impl Crowding {
    /// Levels `uid`'s threads run below their own.
    pub fn levels(&self, uid: u32) -> usize {
        self.levels.get(&uid).copied().unwrap_or(0)
    }
}

/// Levels for `busy` threads wanting `cpus` CPUs: none up to twice as many
/// threads as CPUs, then one more for every doubling.
fn levels_for(busy: usize, cpus: usize) -> usize {
    let fair = 2 * cpus.max(1);
    if busy <= fair { 0 } else { ((busy / fair).ilog2() as usize + 1).min(MAX_CROWDING) }
}

impl Tasks {
    /// Takes the census if it is due (called on every timer tick).
    pub(super) fn census_if_due(&mut self, now_micros: u64) {
        if now_micros < self.crowding.next_census {
            return;
        }
        let mut busy: BTreeMap<u32, usize> = BTreeMap::new();
        for thread in self.threads.values() {
            if matches!(thread.state, ThreadState::Runnable | ThreadState::Running)
                && let Some(process) = self.processes.get(&thread.pid)
                && process.uid != 0
            {
                *busy.entry(process.uid).or_default() += 1;
            }
        }
        let cpus = self.cpus.len();
        let levels: BTreeMap<u32, usize> =
            busy.into_iter().map(|(uid, n)| (uid, levels_for(n, cpus))).filter(|&(_, levels)| levels > 0).collect();
        self.crowding.next_census = now_micros + CENSUS_MICROS;
        if levels != self.crowding.levels {
            self.crowding.levels = levels;
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

    /// The run-queue level of thread `thread`: its own ([`super::Thread::level`])
    /// lowered by its user's crowding (never for a thread being killed).
    pub(super) fn level_of(&self, thread: &super::Thread) -> usize {
        let own = thread.level();
        if thread.kill_pending {
            return own;
        }
        let uid = self.processes.get(&thread.pid).map_or(0, |p| p.uid);
        (own + self.crowding.levels(uid)).min(cairn_abi::PRIORITY_LEVELS - 1)
    }
}
