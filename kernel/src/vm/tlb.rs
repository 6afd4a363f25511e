//! Keeping TLBs coherent: after a user mapping is removed or made more
//! restrictive, every CPU that has the address space loaded must drop its
//! cached translations before the frame can be reused. Targets are asked by
//! IPI and acknowledge by clearing their flag; a CPU spinning on the big
//! kernel lock (interrupts off) acknowledges from its spin loop, so the
//! wait always ends.

use core::sync::atomic::Ordering;

use x86_64::VirtAddr;
use x86_64::instructions::tlb;

use crate::interrupts::{self, VECTOR_TLB_SHOOTDOWN};
use crate::percpu;

/// Drops this CPU's translation of one page.
pub fn flush_page(address: u64) {
    tlb::flush(VirtAddr::new(address));
}

/// Drops this CPU's non-global translations (all of user space).
pub fn flush_local() {
    let (frame, flags) = x86_64::registers::control::Cr3::read();
    // SAFETY: reloading the current CR3 only empties the TLB.
    unsafe { x86_64::registers::control::Cr3::write(frame, flags) };
}

/// Flushes the TLB of every CPU in `cpu_mask` (bit = CPU index), waiting
/// for the others to confirm.
pub fn shootdown(cpu_mask: u64) {
    let Some(me) = percpu::try_current() else { return };
    if cpu_mask & (1 << me.index.0) != 0 {
        flush_local();
    }
    let Some(lapic) = interrupts::local_apic() else { return };
    let targets: alloc::vec::Vec<_> = percpu::online()
        .iter()
        .filter(|cpu| cpu.index != me.index && cpu_mask & (1 << (cpu.index.0 % 64)) != 0)
        .collect();
    for cpu in &targets {
        cpu.tlb_flush_pending.store(true, Ordering::Release);
        lapic.send_ipi(cpu.apic_id, VECTOR_TLB_SHOOTDOWN);
    }
    for cpu in &targets {
        while cpu.tlb_flush_pending.load(Ordering::Acquire) {
            core::hint::spin_loop();
        }
    }
}

/// Performs a flush another CPU asked for, if any (IPI handler and lock
/// spin loops call this).
pub fn acknowledge() {
    if let Some(cpu) = percpu::try_current()
        && cpu.tlb_flush_pending.load(Ordering::Acquire)
    {
        flush_local();
        cpu.tlb_flush_pending.store(false, Ordering::Release);
    }
}
