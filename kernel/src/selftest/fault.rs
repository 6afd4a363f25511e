//! Deliberate kernel faults, to check that the exception report names the
//! exception, the faulting address and the function, and that the machine
//! halts cleanly instead of resetting; and a deliberate panic once user
//! space has taken COM1 and the screen (`test=late-panic`), to check that a
//! crash report still reaches both.

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Writes to an unmapped lower-half address: a page fault (not present,
/// write, kernel mode) whose report must name this function.
#[inline(never)]
pub fn trigger_page_fault() {
    let address = core::hint::black_box(0x0000_1234_5678_9000u64) as *mut u64;
    // SAFETY: deliberately invalid; the resulting page fault is the test.
    unsafe { address.write_volatile(0xdead) };
}

/// A page of data that is never executable (kernel data is mapped NX).
static NOT_CODE: [u8; 16] = [0xc3; 16];

/// Calls into the read-only data section: with NX on, an instruction-fetch
/// page fault.
#[inline(never)]
pub fn trigger_nx_fault() {
    let target = core::hint::black_box(NOT_CODE.as_ptr());
    // SAFETY: deliberately invalid; the resulting page fault is the test.
    let function: extern "C" fn() = unsafe { core::mem::transmute(target) };
    function();
}

/// Set by `test=late-panic`.
static LATE_PANIC_ARMED: AtomicBool = AtomicBool::new(false);
/// Microseconds since boot when COM1 was first seen handed over (0: not yet).
static HANDED_OVER_AT: AtomicU64 = AtomicU64::new(0);
/// How long after the hand-over the panic comes: time enough for the
/// terminal server to print on its own.
const LATE_PANIC_DELAY_MICROS: u64 = 3_000_000;

/// Arms the late panic ([`late_panic_tick`]).
pub fn arm_late_panic() {
    LATE_PANIC_ARMED.store(true, Ordering::Relaxed);
}

/// Called on every timer tick: once armed, panics a few seconds after a
/// user-space driver took COM1.
pub fn late_panic_tick() {
    if !LATE_PANIC_ARMED.load(Ordering::Relaxed) || !crate::console::serial_handed_over() {
        return;
    }
    let now = crate::time::micros_since_boot().max(1);
    let since = match HANDED_OVER_AT.compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => return,
        Err(at) => now.saturating_sub(at),
    };
    if since >= LATE_PANIC_DELAY_MICROS && LATE_PANIC_ARMED.swap(false, Ordering::Relaxed) {
        panic!("late-panic test: a kernel panic after user space took COM1 and the screen");
    }
}
