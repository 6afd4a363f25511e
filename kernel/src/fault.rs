//! What happens when the kernel itself faults or panics: a readable report
//! (exception name, error code decoded, RIP with the kernel symbol it falls
//! in, CR2, all registers) on every console, then every CPU stops. The
//! report goes through the lock-breaking console path, since the fault may
//! have struck while this CPU held the console lock.

use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};

use x86_64::registers::control::Cr2;

use crate::arch::cpu::halt_forever;
use crate::arch::trap::TrapFrame;
use crate::console::emergency_write;
use crate::interrupts::local_apic;
use crate::symbols;

/// Set once a CPU has begun stopping the machine; an NMI then means "halt".
static HALTING: AtomicBool = AtomicBool::new(false);

const NMI_VECTOR: u64 = 2;
const PAGE_FAULT_VECTOR: u64 = 14;

const EXCEPTION_NAMES: [&str; 32] = [
    "Divide error",
    "Debug",
    "Non-maskable interrupt",
    "Breakpoint",
    "Overflow",
    "Bound range exceeded",
    "Invalid opcode",
    "Device not available",
    "Double fault",
    "Coprocessor segment overrun",
    "Invalid TSS",
    "Segment not present",
    "Stack-segment fault",
    "General protection fault",
    "Page fault",
    "Reserved (15)",
    "x87 floating-point error",
    "Alignment check",
    "Machine check",
    "SIMD floating-point error",
    "Virtualization exception",
    "Control protection exception",
    "Reserved (22)",
    "Reserved (23)",
    "Reserved (24)",
    "Reserved (25)",
    "Reserved (26)",
    "Reserved (27)",
    "Hypervisor injection exception",
    "VMM communication exception",
    "Security exception",
    "Reserved (31)",
];

/// An address, shown with the kernel symbol containing it when known.
struct Symbolized(u64);

impl fmt::Display for Symbolized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#018x}", self.0)?;
        if let Some((name, offset)) = symbols::lookup(self.0) {
            write!(f, " <{:#}+{offset:#x}>", rustc_demangle::demangle(name))?;
        }
        Ok(())
    }
}

/// Decodes a page-fault error code.
struct PageFaultCause(u64);

impl fmt::Display for PageFaultCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = self.0;
        let access = if code & 0x10 != 0 {
            "instruction fetch"
        } else if code & 0x2 != 0 {
            "write"
        } else {
            "read"
        };
        let presence = if code & 0x1 != 0 { "protection violation" } else { "page not present" };
        let mode = if code & 0x4 != 0 { "user" } else { "kernel" };
        write!(f, "{access}, {presence}, {mode} mode")?;
        if code & 0x8 != 0 {
            write!(f, ", reserved bit set")?;
        }
        Ok(())
    }
}

/// Handles vectors 0-31. Every exception in the kernel is fatal, except a
/// page fault at the store of `arch::user_access`, which fails that store.
pub fn exception(frame: &mut TrapFrame) {
    if frame.vector == PAGE_FAULT_VECTOR
        && let Some(resume) = crate::arch::user_access::fixup(frame.rip)
    {
        frame.rip = resume;
        return;
    }
    if frame.vector == NMI_VECTOR && HALTING.load(Ordering::Acquire) {
        halt_forever();
    }
    let vector = frame.vector as usize;
    let name = EXCEPTION_NAMES.get(vector).copied().unwrap_or("Unknown");
    match crate::percpu::try_current() {
        Some(cpu) => emergency_write(format_args!(
            "EXCEPTION: {name} (vector {vector}) on CPU {}, error code {:#x}\n",
            cpu.index.0, frame.error_code
        )),
        None => emergency_write(format_args!(
            "EXCEPTION: {name} (vector {vector}) during early boot, error code {:#x}\n",
            frame.error_code
        )),
    }
    if frame.vector == PAGE_FAULT_VECTOR {
        emergency_write(format_args!("  cause: {}\n", PageFaultCause(frame.error_code)));
    }
    emergency_write(format_args!("  RIP={}\n", Symbolized(frame.rip)));
    emergency_write(format_args!(
        "  CR2={:#018x} CS={:#x} SS={:#x} RFLAGS={:#x} RSP={:#018x}\n",
        Cr2::read_raw(),
        frame.cs,
        frame.ss,
        frame.rflags,
        frame.rsp
    ));
    let f = &*frame;
    let registers = [
        ("RAX", f.rax),
        ("RBX", f.rbx),
        ("RCX", f.rcx),
        ("RDX", f.rdx),
        ("RSI", f.rsi),
        ("RDI", f.rdi),
        ("RBP", f.rbp),
        ("R8", f.r8),
        ("R9", f.r9),
        ("R10", f.r10),
        ("R11", f.r11),
        ("R12", f.r12),
        ("R13", f.r13),
        ("R14", f.r14),
        ("R15", f.r15),
    ];
    for row in registers.chunks(3) {
        for (name, value) in row {
            emergency_write(format_args!("  {name:>3}={value:#018x}"));
        }
        emergency_write(format_args!("\n"));
    }
    backtrace(frame);
    stop_machine();
}

/// Follows the frame-pointer chain (the kernel is built with frame
/// pointers) while it stays on the faulting stack, between the stack
/// pointer and the top of its slot, which are known to be mapped.
fn backtrace(frame: &TrapFrame) {
    let Some(top) = crate::mm::stacks::slot_top_containing(frame.rsp) else { return };
    emergency_write(format_args!("  backtrace:\n"));
    let mut rbp = frame.rbp;
    for _ in 0..16 {
        if rbp < frame.rsp || !rbp.is_multiple_of(8) || rbp + 16 > top {
            break;
        }
        // SAFETY: `rbp..rbp + 16` lies between the stack pointer and the top
        // of the same kernel stack, all of which is mapped.
        let (next, return_address) = unsafe { (*(rbp as *const u64), *((rbp + 8) as *const u64)) };
        if return_address == 0 {
            break;
        }
        emergency_write(format_args!("    {}\n", Symbolized(return_address)));
        if next <= rbp {
            break;
        }
        rbp = next;
    }
}

/// Stops every CPU: the others by NMI, this one last, after saying so.
pub fn stop_machine() -> ! {
    if !HALTING.swap(true, Ordering::AcqRel)
        && let Some(lapic) = local_apic()
    {
        lapic.send_nmi_to_others();
    }
    emergency_write(format_args!("cairn: halted\n"));
    halt_forever()
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    emergency_write(format_args!("PANIC: {info}\n"));
    stop_machine()
}
