//! CPU feature detection and the per-CPU control-register setup every
//! processor runs once: SMEP/SMAP, write-combining in the PAT, and a check
//! that SSE was enabled by the boot path.

use raw_cpuid::CpuId;
use x86_64::registers::control::{Cr0, Cr0Flags, Cr4, Cr4Flags};
use x86_64::registers::model_specific::Msr;

/// Processor features the kernel cares about, read once with CPUID.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuFeatures {
    pub no_execute: bool,
    pub smep: bool,
    pub smap: bool,
}

impl CpuFeatures {
    /// Reads the features of the executing processor.
    pub fn detect() -> Self {
        let cpuid = CpuId::new();
        let ext = cpuid.get_extended_feature_info();
        let ext_proc = cpuid.get_extended_processor_and_feature_identifiers();
        CpuFeatures {
            no_execute: ext_proc.as_ref().is_some_and(|e| e.has_execute_disable()),
            smep: ext.as_ref().is_some_and(|e| e.has_smep()),
            smap: ext.as_ref().is_some_and(|e| e.has_smap()),
        }
    }
}

/// IA32_PAT: the page attribute table.
const IA32_PAT: u32 = 0x277;

/// PAT with entry 1 (selected by PWT alone) changed from write-through to
/// write-combining, for framebuffers; the other entries keep their reset
/// values (0 WB, 2 UC-, 3 UC, 4 WB, 5 WT, 6 UC-, 7 UC).
const PAT_VALUE: u64 = 0x0007_0406_0007_0106;

/// Per-processor setup of protections and memory types. Runs on every CPU
/// before it touches anything but its own stack.
pub fn init_this_cpu(features: &CpuFeatures) {
    let mut cr4 = Cr4::read();
    if features.smep {
        cr4 |= Cr4Flags::SUPERVISOR_MODE_EXECUTION_PROTECTION;
    }
    if features.smap {
        cr4 |= Cr4Flags::SUPERVISOR_MODE_ACCESS_PREVENTION;
    }
    cr4 |= Cr4Flags::OSFXSR | Cr4Flags::OSXMMEXCPT_ENABLE | Cr4Flags::PAGE_GLOBAL;
    // SAFETY: enabling SMEP/SMAP only restricts the kernel's access to user
    // pages, of which there are none yet; the other bits were already set by
    // the boot path.
    unsafe { Cr4::write(cr4) };
    // SAFETY: only entry 1 changes (WT -> WC) and no mapping uses PWT before
    // this runs on this CPU.
    unsafe { Msr::new(IA32_PAT).write(PAT_VALUE) };
}

/// Enables `syscall`/`sysret`: kernel CS 0x08 (SS 0x10) on entry, user
/// base 0x10 so `sysretq` loads CS 0x23 and SS 0x1b; `entry` is the handler;
/// IF, DF, TF, AC and NT are cleared on entry.
pub fn enable_syscall(entry: u64) {
    use x86_64::registers::model_specific::{Efer, EferFlags};
    const IA32_STAR: u32 = 0xc000_0081;
    const IA32_LSTAR: u32 = 0xc000_0082;
    const IA32_FMASK: u32 = 0xc000_0084;
    const CLEARED_FLAGS: u64 = (1 << 9) | (1 << 10) | (1 << 8) | (1 << 18) | (1 << 14);
    // SAFETY: the selectors match the GDT layout in `gdt`, `entry` is the
    // syscall entry stub, and enabling SCE has no other effect.
    unsafe {
        Msr::new(IA32_STAR).write((0x10u64 << 48) | (0x08u64 << 32));
        Msr::new(IA32_LSTAR).write(entry);
        Msr::new(IA32_FMASK).write(CLEARED_FLAGS);
        Efer::update(|flags| *flags |= EferFlags::SYSTEM_CALL_EXTENSIONS);
    }
}

/// Whether SSE is usable: CR0.EM clear, CR4.OSFXSR set.
pub fn sse_enabled() -> bool {
    !Cr0::read().contains(Cr0Flags::EMULATE_COPROCESSOR) && Cr4::read().contains(Cr4Flags::OSFXSR)
}

/// Reads the time-stamp counter.
#[inline]
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC has no side effects and is always available on x86-64.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Stops this CPU for good: interrupts off, halt forever.
pub fn halt_forever() -> ! {
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}
