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
#[derive(Clone, Debug)]
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

/// Pushes the general registers in [`TrapFrame`] order.
macro_rules! push_registers {
    () => {
        "push rax; push rbx; push rcx; push rdx; push rsi; push rdi; push rbp; push r8; push r9; push r10; \
         push r11; push r12; push r13; push r14; push r15"
    };
}

/// Pops what [`push_registers`] pushed.
macro_rules! pop_registers {
    () => {
        "pop r15; pop r14; pop r13; pop r12; pop r11; pop r10; pop r9; pop r8; pop rbp; pop rdi; pop rsi; \
         pop rdx; pop rcx; pop rbx; pop rax"
    };
}

/// Offset of `cs` in a [`TrapFrame`].
const FRAME_CS: usize = 18 * 8;

/// Saves the general registers and calls [`trap_dispatch`] with a pointer
/// to the frame. Coming from user mode it also switches to the kernel GS
/// and saves the user's FPU/SSE state (kernel code uses SSE) into the
/// running thread's save area (see `arch::fpu`); going back it undoes both.
#[unsafe(naked)]
extern "C" fn trap_common() {
    naked_asm!(
        push_registers!(),
        "test byte ptr [rsp + {cs}], 3",
        "jz 2f",
        "swapgs",
        "mov rax, gs:[{fpu}]",
        "fxsave64 [rax]",
        "mov qword ptr gs:[{live}], 0",
        "2:",
        "cld",
        "mov rdi, rsp",
        "call {dispatch}",
        "test byte ptr [rsp + {cs}], 3",
        "jnz {user_return}",
        pop_registers!(),
        "add rsp, 16",
        "iretq",
        cs = const FRAME_CS,
        fpu = const crate::percpu::offsets::FPU_AREA,
        live = const crate::percpu::offsets::FPU_LIVE,
        dispatch = sym trap_dispatch,
        user_return = sym return_to_user,
    )
}

/// Leaves the kernel for user mode through the [`TrapFrame`] at RSP:
/// restores the thread's FPU/SSE state, switches to the user GS and
/// returns with `iretq`, which restores every register.
#[unsafe(naked)]
pub extern "C" fn return_to_user() {
    naked_asm!(
        "mov rax, gs:[{fpu}]",
        "fxrstor64 [rax]",
        "swapgs",
        pop_registers!(),
        "add rsp, 16",
        "iretq",
        fpu = const crate::percpu::offsets::FPU_AREA,
    )
}

/// Vector number recorded in frames built by the `syscall` entry.
pub const SYSCALL_VECTOR: u64 = 0x100;

/// The `syscall` instruction's entry point (IA32_LSTAR). Switches to the
/// thread's kernel stack, builds a [`TrapFrame`] like an interrupt from
/// user mode would, marks the user FPU/SSE state as live in the registers
/// (not saved: `syscall` clobbers the XMM registers by the ABI, see
/// `arch::fpu`) and calls the dispatcher. The dispatcher returns 0 when
/// `sysretq` may be used (RCX/R11 are clobbered anyway and the return
/// address was checked to be a canonical user address) and non-zero when
/// every register must be restored (`iretq`; it saved the FPU state then).
/// Before `sysretq` the state is restored from memory if something saved
/// it (a context switch), else the XMM registers are cleared of kernel
/// values.
#[unsafe(naked)]
pub extern "C" fn syscall_entry() {
    naked_asm!(
        "swapgs",
        "mov gs:[{scratch}], rsp",
        "mov rsp, gs:[{stack}]",
        "push {user_ss}",
        "push qword ptr gs:[{scratch}]",
        "push r11",
        "push {user_cs}",
        "push rcx",
        "push 0",
        "push {vector}",
        push_registers!(),
        "mov qword ptr gs:[{live}], 1",
        "cld",
        "mov rdi, rsp",
        "call {dispatch}",
        "test rax, rax",
        "jnz {user_return}",
        "cmp qword ptr gs:[{live}], 0",
        "jne 2f",
        "mov rax, gs:[{fpu}]",
        "fxrstor64 [rax]",
        "jmp 3f",
        "2:",
        "xorps xmm0, xmm0", "xorps xmm1, xmm1", "xorps xmm2, xmm2", "xorps xmm3, xmm3",
        "xorps xmm4, xmm4", "xorps xmm5, xmm5", "xorps xmm6, xmm6", "xorps xmm7, xmm7",
        "xorps xmm8, xmm8", "xorps xmm9, xmm9", "xorps xmm10, xmm10", "xorps xmm11, xmm11",
        "xorps xmm12, xmm12", "xorps xmm13, xmm13", "xorps xmm14, xmm14", "xorps xmm15, xmm15",
        "3:",
        pop_registers!(),
        "add rsp, 16",
        "mov rcx, [rsp]",
        "mov r11, [rsp + 16]",
        "mov rsp, [rsp + 24]",
        "swapgs",
        "sysretq",
        scratch = const crate::percpu::offsets::USER_RSP_SCRATCH,
        stack = const crate::percpu::offsets::KERNEL_STACK_TOP,
        fpu = const crate::percpu::offsets::FPU_AREA,
        live = const crate::percpu::offsets::FPU_LIVE,
        user_ss = const crate::arch::gdt::USER_DATA_SELECTOR,
        user_cs = const crate::arch::gdt::USER_CODE_SELECTOR,
        vector = const SYSCALL_VECTOR,
        dispatch = sym crate::syscall::dispatch,
        user_return = sym return_to_user,
    )
}

impl TrapFrame {
    /// Whether the trap interrupted user mode.
    pub fn interrupted_user_mode(&self) -> bool {
        self.cs & 3 == 3
    }
}

/// Rust side of the entry path: traps from user mode go to the task layer
/// (which may switch threads or deliver signals before returning); traps
/// in the kernel are exceptions (fatal) or interrupts taken while idle.
extern "C" fn trap_dispatch(frame: &mut TrapFrame) {
    /// NMI, double fault and machine check are machine-level events, not
    /// faults of the interrupted program.
    const MACHINE_EVENTS: [u64; 3] = [2, 8, 18];
    if frame.interrupted_user_mode() && !MACHINE_EVENTS.contains(&frame.vector) {
        crate::task::user_trap(frame);
        return;
    }
    match frame.vector {
        0..=31 => crate::fault::exception(frame),
        v => crate::interrupts::handle(v as u8, frame),
    }
}
