//! The big kernel lock. A CPU takes it when it enters the kernel from user
//! mode (system call, interrupt, exception) or when its idle loop looks for
//! work, and releases it when it leaves for user mode or goes idle. While
//! one CPU holds it, all task, memory and file state is its alone. A thread
//! that blocks inside the kernel passes the lock to the next thread on the
//! same CPU through the context switch.
//!
//! A CPU spinning for the lock keeps answering TLB shootdowns, so a holder
//! waiting for acknowledgements never deadlocks with it.

use core::sync::atomic::{AtomicU32, Ordering};

use crate::percpu;
use crate::vm::tlb;

/// CPU index + 1 of the holder, 0 when free.
static HOLDER: AtomicU32 = AtomicU32::new(0);

fn me() -> u32 {
    percpu::current().index.0 + 1
}

/// Takes the lock, spinning (and acknowledging TLB shootdowns) until free.
pub fn acquire() {
    let me = me();
    while HOLDER.compare_exchange_weak(0, me, Ordering::Acquire, Ordering::Relaxed).is_err() {
        tlb::acknowledge();
        core::hint::spin_loop();
    }
}

/// Takes the lock if it is free.
pub fn try_acquire() -> bool {
    HOLDER.compare_exchange(0, me(), Ordering::Acquire, Ordering::Relaxed).is_ok()
}

/// Releases the lock held by this CPU.
pub fn release() {
    debug_assert!(held_here(), "releasing a big kernel lock this CPU does not hold");
    HOLDER.store(0, Ordering::Release);
}

/// Whether this CPU holds the lock.
pub fn held_here() -> bool {
    HOLDER.load(Ordering::Relaxed) == me()
}
