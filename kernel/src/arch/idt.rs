//! The interrupt descriptor table, shared by all CPUs: every vector points
//! at its entry stub in [`super::trap`]; double fault, NMI and machine check
//! switch to their interrupt-stack-table stacks.

use x86_64::VirtAddr;
use x86_64::structures::idt::InterruptDescriptorTable;

use super::gdt::IstSlot;
use super::trap::{STUB_STRIDE, interrupt_stubs};

static IDT: spin::Once<InterruptDescriptorTable> = spin::Once::new();

fn stub(vector: usize) -> VirtAddr {
    VirtAddr::new(interrupt_stubs as *const () as usize as u64 + (vector * STUB_STRIDE) as u64)
}

fn build() -> InterruptDescriptorTable {
    let mut idt = InterruptDescriptorTable::new();
    // SAFETY (all `set_handler_addr` calls): each address is the entry stub
    // for exactly that vector, which saves state and returns with `iretq`
    // (or never returns); the IST indices name stacks every CPU's TSS has.
    unsafe {
        idt.divide_error.set_handler_addr(stub(0));
        idt.debug.set_handler_addr(stub(1));
        idt.non_maskable_interrupt.set_handler_addr(stub(2)).set_stack_index(IstSlot::Nmi as u16);
        idt.breakpoint.set_handler_addr(stub(3));
        idt.overflow.set_handler_addr(stub(4));
        idt.bound_range_exceeded.set_handler_addr(stub(5));
        idt.invalid_opcode.set_handler_addr(stub(6));
        idt.device_not_available.set_handler_addr(stub(7));
        idt.double_fault.set_handler_addr(stub(8)).set_stack_index(IstSlot::DoubleFault as u16);
        idt.invalid_tss.set_handler_addr(stub(10));
        idt.segment_not_present.set_handler_addr(stub(11));
        idt.stack_segment_fault.set_handler_addr(stub(12));
        idt.general_protection_fault.set_handler_addr(stub(13));
        idt.page_fault.set_handler_addr(stub(14));
        idt.x87_floating_point.set_handler_addr(stub(16));
        idt.alignment_check.set_handler_addr(stub(17));
        idt.machine_check.set_handler_addr(stub(18)).set_stack_index(IstSlot::MachineCheck as u16);
        idt.simd_floating_point.set_handler_addr(stub(19));
        idt.virtualization.set_handler_addr(stub(20));
        idt.cp_protection_exception.set_handler_addr(stub(21));
        idt.hv_injection_exception.set_handler_addr(stub(28));
        idt.vmm_communication_exception.set_handler_addr(stub(29));
        idt.security_exception.set_handler_addr(stub(30));
        for vector in 32..=255u8 {
            idt[vector].set_handler_addr(stub(usize::from(vector)));
        }
    }
    idt
}

/// Loads the IDT on the executing CPU (built on first use).
pub fn load() {
    IDT.call_once(build).load();
}
