//! Waiting for a device interrupt in place. A driver thread that reads its
//! interrupt fd on the CPU the vector is bound to, with nothing else queued
//! there, halts in its own context instead of switching to the idle one,
//! and without the big kernel lock. The interrupt's arrival wakes the CPU,
//! which finds the count, writes it to the reader's buffer and returns to
//! the driver at once: the delivery takes no lock but the CPU's own vector
//! table, touches no other CPU's work and switches no context.
//!
//! Whatever else needs this CPU ends the halt and takes the lock: a wake
//! IPI (a thread queued here, a signal or kill for the waiting thread, both
//! mark `wake_requested`) or another device's interrupt here at once; a
//! timer tick when the lock is free, to expire timers and sleeps as the
//! idle loop would. If the thread may still wait in place it halts again,
//! otherwise its read blocks the usual way.
//!
//! The count goes to the reader's buffer through the processor's own
//! checks (`arch::user_access`), as the program's store would: if another
//! thread unmapped it or a fork made it copy-on-write meanwhile, the store
//! fails, the count is put back and the read takes the locked path.

use core::sync::atomic::Ordering;

use super::{Tasks, bkl, signal, with};
use crate::irq::Interrupt;
use crate::percpu;

/// How a wait in place ended.
pub enum InPlace {
    /// The interrupt fired this many times; the big kernel lock is released.
    Fired(u64),
    /// The wait must block the usual way, or the interrupt is pending
    /// (its fired mark may be consumed: the caller must look before it
    /// blocks); the lock is held.
    Leave,
}

impl Tasks {
    /// Whether `tid`'s thread has a kill or a deliverable signal to act on.
    pub(super) fn must_act(&self, tid: super::Tid) -> bool {
        let Some(thread) = self.threads.get(&tid) else { return true };
        let process_pending = self.processes.get(&thread.pid).map_or(0, |p| p.pending);
        let deliverable = (thread.pending | process_pending) & !(thread.signal_mask & !signal::UNBLOCKABLE);
        thread.kill_pending || deliverable != 0
    }

    /// Whether the thread running on `cpu` may wait there in place:
    /// allowed on `cpu`, nothing queued there, and nothing to act on.
    fn may_wait_in_place(&self, cpu: usize) -> bool {
        let Some(tid) = self.cpus[cpu].current else { return false };
        let Some(thread) = self.threads.get(&tid) else { return false };
        thread.affinity.contains(cpu) && self.cpus[cpu].queued() == 0 && !self.must_act(tid)
    }
}

/// Waits in place for `interrupt`, which must be bound to this CPU.
/// Called with the big kernel lock held; returns [`InPlace::Fired`]
/// without it.
pub fn wait_in_place(interrupt: &Interrupt) -> InPlace {
    let cpu = percpu::current();
    if interrupt.cpu != cpu.index {
        return InPlace::Leave;
    }
    loop {
        if interrupt.pending() || !with(|tasks| tasks.may_wait_in_place(cpu.index.0 as usize)) {
            return InPlace::Leave;
        }
        cpu.waiting_in_place.store(true, Ordering::Release);
        bkl::release();
        loop {
            x86_64::instructions::interrupts::enable_and_hlt();
            x86_64::instructions::interrupts::disable();
            let attention = cpu.wake_requested.swap(false, Ordering::AcqRel);
            if !attention && interrupt.pending() {
                cpu.waiting_in_place.store(false, Ordering::Release);
                cpu.in_place_wakes.fetch_add(1, Ordering::Relaxed);
                return InPlace::Fired(crate::irq::take_here(interrupt));
            }
            if attention || cpu.vectors.has_fired() {
                bkl::acquire();
                break;
            }
            if bkl::try_acquire() {
                break;
            }
        }
        cpu.waiting_in_place.store(false, Ordering::Release);
        with(|tasks| {
            tasks.expire_timers(crate::arch::cpu::rdtsc());
            tasks.wake_interrupt_readers();
        });
    }
}
