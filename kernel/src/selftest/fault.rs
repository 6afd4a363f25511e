//! Deliberate kernel faults, to check that the exception report names the
//! exception, the faulting address and the function, and that the machine
//! halts cleanly instead of resetting.

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
