//! The context switch: saves the callee-saved registers and stack pointer of
//! the running kernel context and resumes another. Everything else (user
//! registers, FPU state) is already saved in the thread's trap frame and
//! save area when a thread is switched out.

use core::arch::naked_asm;

/// Saves the current context's stack pointer to `*save_rsp` and continues
/// the context whose stack pointer is `next_rsp`.
///
/// # Safety
/// `next_rsp` must have been saved by this function (or prepared by
/// [`prepare_new_context`]) and its stack must still be mapped; the caller
/// holds the big kernel lock, which the resumed context inherits.
#[unsafe(naked)]
pub unsafe extern "C" fn switch_context(save_rsp: *mut u64, next_rsp: u64) {
    naked_asm!(
        "push rbp",
        "push rbx",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        "mov [rdi], rsp",
        "mov rsp, rsi",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "pop rbp",
        "ret",
    )
}

/// Where a new thread's first switch lands: with RSP at its trap frame,
/// finish the switch in Rust, then leave for user mode.
#[unsafe(naked)]
extern "C" fn first_entry() {
    naked_asm!(
        "mov rdi, rsp",
        "call {start}",
        "jmp {user}",
        start = sym super::thread_first_run,
        user = sym crate::arch::trap::return_to_user,
    )
}

/// Builds the initial kernel context of a new thread whose trap frame sits
/// at `frame_address`: a switch frame below it that "returns" into
/// [`first_entry`]. Returns the stack pointer to save for the thread.
///
/// # Safety
/// The 7 words below `frame_address` must be unused, mapped kernel stack.
pub unsafe fn prepare_new_context(frame_address: u64) -> u64 {
    let words = [0u64, 0, 0, 0, 0, 0, first_entry as *const () as u64];
    let rsp = frame_address - (words.len() as u64) * 8;
    // SAFETY: guaranteed by the caller.
    unsafe { core::ptr::copy_nonoverlapping(words.as_ptr(), rsp as *mut u64, words.len()) };
    rsp
}
