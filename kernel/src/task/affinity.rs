//! CPU affinity: the set of CPUs each thread may run on, read and changed
//! through the `sched-affinity` file of a process or thread handle
//! (docs/ABI.md). The scheduler honours it when it places a woken thread,
//! when an idle CPU steals work, and when a running thread's set stops
//! including its CPU (it moves at its next return to user mode).

use cairn_abi::affinity::{MAX_BYTES, MAX_CPUS};
use cairn_abi::{Error, Result, error};

use super::process::ProcessEnd;
use super::{Pid, Tasks, ThreadState, Tid};
use crate::interrupts::{self, VECTOR_WAKE};
use crate::percpu;

/// A set of CPU indices below [`MAX_CPUS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuSet([u64; MAX_CPUS / 64]);

impl CpuSet {
    /// Every CPU (a new thread's set unless its creator had another).
    pub const ALL: CpuSet = CpuSet([u64::MAX; MAX_CPUS / 64]);

    pub fn contains(&self, cpu: usize) -> bool {
        cpu < MAX_CPUS && self.0[cpu / 64] & (1 << (cpu % 64)) != 0
    }

    /// The CPUs online now: `0..count`.
    fn first(count: usize) -> CpuSet {
        let mut set = CpuSet([0; MAX_CPUS / 64]);
        for cpu in 0..count.min(MAX_CPUS) {
            set.0[cpu / 64] |= 1 << (cpu % 64);
        }
        set
    }

    fn intersection(&self, other: &CpuSet) -> CpuSet {
        CpuSet(core::array::from_fn(|i| self.0[i] & other.0[i]))
    }

    fn union(&self, other: &CpuSet) -> CpuSet {
        CpuSet(core::array::from_fn(|i| self.0[i] | other.0[i]))
    }

    fn is_empty(&self) -> bool {
        self.0.iter().all(|&word| word == 0)
    }

    /// Parses a written set: 1 to [`MAX_BYTES`] bytes, naming at least one
    /// CPU and only CPUs among the first `online`.
    pub fn parse(bytes: &[u8], online: usize) -> Result<CpuSet> {
        if bytes.is_empty() || bytes.len() > MAX_BYTES {
            return Err(Error::new(error::EINVAL));
        }
        let mut set = CpuSet([0; MAX_CPUS / 64]);
        for (i, &byte) in bytes.iter().enumerate() {
            set.0[i / 8] |= u64::from(byte) << (8 * (i % 8));
        }
        if set.is_empty() || set.intersection(&CpuSet::first(online)) != set {
            return Err(Error::new(error::EINVAL));
        }
        Ok(set)
    }

    /// The set as the bytes a reader gets: one bit per online CPU.
    pub fn to_bytes(self, online: usize, out: &mut [u8; MAX_BYTES]) -> usize {
        let set = self.intersection(&CpuSet::first(online));
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = (set.0[i / 8] >> (8 * (i % 8))) as u8;
        }
        online.div_ceil(8).clamp(1, MAX_BYTES)
    }
}

/// Whose affinity a `sched-affinity` fd reads and changes.
#[derive(Clone, Debug)]
pub enum AffinityTarget {
    /// Every thread of a process (reading gives the union of their sets).
    Process(Pid, ProcessEnd),
    /// One thread.
    Thread(Tid, ProcessEnd),
}

impl Tasks {
    /// The threads `target` names, or `ESRCH` once it has ended (or its id
    /// names another).
    fn affinity_threads(&self, target: &AffinityTarget) -> Result<alloc::vec::Vec<Tid>> {
        let gone = || Error::new(error::ESRCH);
        match target {
            AffinityTarget::Process(pid, end) => {
                let process = self.processes.get(pid).filter(|p| alloc::sync::Arc::ptr_eq(&p.end, end));
                let process = process.filter(|_| end.lock().is_none()).ok_or_else(gone)?;
                Ok(process.threads.clone())
            }
            AffinityTarget::Thread(tid, end) => {
                let alive = self.threads.get(tid).is_some_and(|t| alloc::sync::Arc::ptr_eq(&t.end, end));
                if !alive || end.lock().is_some() {
                    return Err(gone());
                }
                Ok(alloc::vec![*tid])
            }
        }
    }

    /// The CPUs `target` may run on.
    pub fn affinity(&self, target: &AffinityTarget) -> Result<CpuSet> {
        let threads = self.affinity_threads(target)?;
        let empty = CpuSet([0; MAX_CPUS / 64]);
        Ok(threads.iter().filter_map(|t| self.threads.get(t)).fold(empty, |set, t| set.union(&t.affinity)))
    }

    /// Lets `target`'s threads run only on `set` (already checked against
    /// the online CPUs). A queued thread moves to an allowed CPU's queue at
    /// once; a running one moves at its next return to user mode (its CPU
    /// is poked so that comes soon).
    pub fn set_affinity(&mut self, target: &AffinityTarget, set: CpuSet) -> Result<()> {
        let here = percpu::current().index.0 as usize;
        for tid in self.affinity_threads(target)? {
            let Some(thread) = self.threads.get_mut(&tid) else { continue };
            thread.affinity = set;
            match thread.state {
                ThreadState::Runnable => {
                    let queued_on = self.cpus.iter().position(|c| c.queues.iter().any(|q| q.contains(&tid)));
                    if let Some(cpu) = queued_on
                        && !set.contains(cpu)
                    {
                        for queue in &mut self.cpus[cpu].queues {
                            queue.retain(|t| *t != tid);
                        }
                        self.make_runnable(tid);
                    }
                }
                ThreadState::Running if !set.contains(thread.last_cpu) && thread.last_cpu != here => {
                    if let (Some(target), Some(lapic)) =
                        (percpu::online().get(thread.last_cpu), interrupts::local_apic())
                    {
                        lapic.send_ipi(target.apic_id, VECTOR_WAKE);
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
}
