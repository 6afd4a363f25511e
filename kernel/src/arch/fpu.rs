//! The user FPU/SSE state around kernel entries: saved eagerly on
//! interrupts and exceptions, lazily on system calls.
//!
//! Cairn's system-call ABI declares XMM0-XMM15 clobbered by `syscall`, as
//! the SysV ABI does for any call (docs/ABI.md), while the x87 state and
//! MXCSR survive. The kernel runs the prebuilt `core`, which uses SSE
//! registers for moves but does no floating-point arithmetic in the
//! kernel, so it never changes the x87 state or MXCSR. So `syscall_entry`
//! saves nothing: it marks this CPU's registers as holding the running
//! thread's live state (`Cpu::fpu_live`), and the `sysretq` exit only
//! clears the XMM registers, so no kernel data leaks to user space.
//!
//! Whoever needs the state in memory calls [`save_live`] first: the context
//! switch, signal delivery, `fork`, and the full (`iretq`) return, which
//! restores from memory. Code that replaces the state wholesale (`execve`,
//! `sigreturn`) calls [`discard_live`]. Interrupts and exceptions from
//! user mode interrupt code whose XMM registers are live, so their entry
//! always saves (`fxsave64`) and their exit restores.

use crate::percpu;

/// Where XMM0-XMM15 lie in an `fxsave64` image, and their size.
const XMM_OFFSET: usize = 160;
const XMM_BYTES: usize = 256;

/// Writes the running thread's user FPU/SSE state into its save area if
/// it is still only in the registers (a system call is in progress). The
/// XMM registers then hold kernel values, which the ABI lets `syscall`
/// clobber: the area gets zeros for them instead.
pub fn save_live() {
    let cpu = percpu::current();
    if !cpu.take_fpu_live() {
        return;
    }
    let area = cpu.fpu_area() as *mut u8;
    // SAFETY: `fpu_area` points at the running thread's 512-byte, 16-aligned
    // save area, which lives as long as the thread; the kernel is not
    // preemptible, so nothing else uses it now.
    unsafe {
        core::arch::asm!("fxsave64 [{}]", in(reg) area, options(nostack, preserves_flags));
        core::ptr::write_bytes(area.add(XMM_OFFSET), 0, XMM_BYTES);
    }
}

/// Forgets that the registers hold the running thread's state: its save
/// area is about to be replaced and is what the next return restores.
pub fn discard_live() {
    percpu::current().take_fpu_live();
}
