//! The per-thread control block (TCB) that FS base points at. Word 0
//! (`fs:0`) holds the block's own address, the x86-64 TLS convention, so
//! code can find its TCB with one load; the rest is the runtime's
//! per-thread state.
//!
//! The main thread's block is a static; every other thread's lives at the
//! top of its stack mapping (see [`crate::thread`]).
//!
//! Depends on [`crate::sys`] and `core`.

use core::arch::asm;
use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize, Ordering};

#[cfg(not(test))]
use crate::error::Result;
#[cfg(not(test))]
use crate::sys::syscall1;
#[cfg(not(test))]
use cairn_abi::Syscall;

/// One thread's control block.
#[repr(C)]
pub(crate) struct Tcb {
    /// This block's own address (`fs:0`).
    this: AtomicPtr<Tcb>,
    /// Kernel thread id.
    pub tid: AtomicUsize,
    /// Set to 1 when the thread has finished its closure and is about to
    /// exit, so that a detached thread's stack can be reclaimed.
    pub finished: AtomicU32,
}

impl Tcb {
    pub(crate) const fn new() -> Tcb {
        Tcb { this: AtomicPtr::new(core::ptr::null_mut()), tid: AtomicUsize::new(0), finished: AtomicU32::new(0) }
    }

    /// Fills in the self pointer; the block must not move afterwards.
    pub(crate) fn anchor(&self) {
        self.this.store(self as *const Tcb as *mut Tcb, Ordering::Relaxed);
    }
}

/// Installs the main thread's control block; called once by `_start`.
#[cfg(not(test))]
pub(crate) fn init_main_thread() -> Result<()> {
    /// The main thread's control block.
    static MAIN_TCB: Tcb = Tcb::new();
    MAIN_TCB.anchor();
    MAIN_TCB.tid.store(crate::sys::gettid(), Ordering::Relaxed);
    // SAFETY: FS base only matters to `fs:`-relative loads, which the
    // runtime issues only through `current`, and `MAIN_TCB` is static.
    unsafe { syscall1(Syscall::SetFsBase as usize, &MAIN_TCB as *const Tcb as usize)? };
    Ok(())
}

/// The calling thread's control block.
pub(crate) fn current() -> &'static Tcb {
    let this: *const Tcb;
    // SAFETY: `_start` and the thread entry install a TCB before any other
    // runtime code runs, and `fs:0` holds its address; TCBs outlive their
    // threads' use of them.
    unsafe {
        asm!("mov {}, qword ptr fs:[0]", out(reg) this, options(nostack, readonly, preserves_flags));
        &*this
    }
}

/// After `fork`, the child's only thread is the one that forked, under a
/// new thread id.
pub(crate) fn after_fork_in_child() {
    current().tid.store(crate::sys::gettid(), Ordering::Relaxed);
}
