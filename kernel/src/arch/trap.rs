//! The single entry path for every interrupt and exception.
//!
//! 256 tiny stubs (one per vector, 16 bytes apart) push a dummy error code
//! where the CPU does not push one, then the vector number, and jump to
//! `trap_common`, which saves the general registers into a [`TrapFrame`] and
//! calls [`trap_dispatch`]. The kernel runs with interrupts disabled, so a
//! trap taken in the kernel is either an exception (fatal, reported) or an
//! interrupt that arrived while a CPU sat in `sti; hlt`.

use core::arch::naked_asm;

/// Register state saved on the stack by the entry path, lowest address
/// first. Layout is shared with the assembly below.
#[derive(Debug)]
#[repr(C)]
pub struct TrapFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub vector: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

/// Distance in bytes between consecutive entry stubs.
pub const STUB_STRIDE: usize = 16;

/// The 256 entry stubs; vector `v` starts at `interrupt_stubs + v * 16`.
/// Vectors 8, 10-14, 17, 21, 29 and 30 have a CPU-pushed error code.
#[unsafe(naked)]
pub extern "C" fn interrupt_stubs() {
    naked_asm!(
        ".set vector, 0",
        ".rept 256",
        ".balign 16",
        ".if (vector == 8) || ((vector >= 10) && (vector <= 14)) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)",
        ".else",
        "push 0",
        ".endif",
        "push vector",
        "jmp {common}",
        ".set vector, vector + 1",
        ".endr",
        common = sym trap_common,
    )
}

/// Saves the general registers, calls [`trap_dispatch`] with a pointer to
/// the frame, restores and returns with `iretq`.
#[unsafe(naked)]
extern "C" fn trap_common() {
    naked_asm!(
        "push rax",
        "push rbx",
        "push rcx",
        "push rdx",
        "push rsi",
        "push rdi",
        "push rbp",
        "push r8",
        "push r9",
        "push r10",
        "push r11",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        "cld",
        "mov rdi, rsp",
        "call {dispatch}",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop r11",
        "pop r10",
        "pop r9",
        "pop r8",
        "pop rbp",
        "pop rdi",
        "pop rsi",
        "pop rdx",
        "pop rcx",
        "pop rbx",
        "pop rax",
        "add rsp, 16",
        "iretq",
        dispatch = sym trap_dispatch,
    )
}

/// Rust side of the entry path: routes a trap by vector.
extern "C" fn trap_dispatch(frame: &mut TrapFrame) {
    match frame.vector {
        0..=31 => crate::fault::exception(frame),
        v => crate::interrupts::handle(v as u8, frame),
    }
}
