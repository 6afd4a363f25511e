//! Interrupt vectors and their handlers: the local APIC timer tick, the
//! wake-up IPI, APIC errors, spurious interrupts, and the device
//! interrupts drivers hold (`crate::irq`).

use core::sync::atomic::Ordering;

use crate::arch::trap::TrapFrame;
use crate::percpu;
use crate::platform::lapic::LocalApic;

/// Local APIC timer.
pub const VECTOR_TIMER: u8 = 0x20;
/// IPI that wakes a halted CPU so it checks its mailbox and run queue.
pub const VECTOR_WAKE: u8 = 0xf0;
/// IPI asking a CPU to flush its TLB.
pub const VECTOR_TLB_SHOOTDOWN: u8 = 0xf1;
/// Local APIC internal error.
pub const VECTOR_APIC_ERROR: u8 = 0xfe;
/// Local APIC spurious interrupt (needs no EOI).
pub const VECTOR_SPURIOUS: u8 = 0xff;

static LOCAL_APIC: spin::Once<LocalApic> = spin::Once::new();

/// Records the local APIC window (same address on every CPU).
pub fn set_local_apic(lapic: LocalApic) -> &'static LocalApic {
    LOCAL_APIC.call_once(|| lapic)
}

/// The local APIC window, once the BSP has found it.
pub fn local_apic() -> Option<&'static LocalApic> {
    LOCAL_APIC.get()
}

/// Handles interrupt vectors 32-255.
pub fn handle(vector: u8, _frame: &mut TrapFrame) {
    match vector {
        VECTOR_SPURIOUS => return,
        VECTOR_TIMER => {
            percpu::current().timer_ticks.fetch_add(1, Ordering::Relaxed);
            crate::selftest::fault::late_panic_tick();
        }
        VECTOR_WAKE => percpu::current().wake_requested.store(true, Ordering::Release),
        VECTOR_TLB_SHOOTDOWN => crate::vm::tlb::acknowledge(),
        crate::iommu::VECTOR_FAULT => crate::iommu::fault_interrupt(),
        VECTOR_APIC_ERROR => log::warn!("local APIC error interrupt on CPU {}", percpu::current().index.0),
        other if crate::irq::arrived(other) => {}
        other => log::warn!("unexpected interrupt vector {other:#x}"),
    }
    if let Some(lapic) = local_apic() {
        lapic.eoi();
    }
}
