//! Per-CPU global descriptor table and task-state segment.
//!
//! Layout (fixed, `syscall`/`sysret` depend on it): 0x08 kernel code,
//! 0x10 kernel data, 0x18 user data, 0x20 user code, 0x28 TSS. The TSS
//! holds the interrupt stack table: double fault, NMI and machine check each
//! run on their own guarded stack so a kernel stack overflow is reported
//! instead of triple-faulting. Behind the TSS lies its I/O permission
//! bitmap: all ports denied, except those the running process was given
//! (`crate::io_ports`), copied in at context switch.

use x86_64::VirtAddr;
use x86_64::instructions::segmentation::{CS, DS, ES, SS, Segment};
use x86_64::instructions::tables::load_tss;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable};
use x86_64::structures::tss::TaskStateSegment;

/// Selector of the 64-bit user code segment (RPL 3).
pub const USER_CODE_SELECTOR: u64 = 0x23;
/// Selector of the user data segment (RPL 3).
pub const USER_DATA_SELECTOR: u64 = 0x1b;

/// Interrupt-stack-table slot (1-based as the CPU counts; the `x86_64`
/// crate's `set_stack_index` takes the 0-based index) for each critical
/// exception.
#[derive(Clone, Copy, Debug)]
#[repr(u16)]
pub enum IstSlot {
    DoubleFault = 0,
    Nmi = 1,
    MachineCheck = 2,
}

impl IstSlot {
    pub const ALL: [IstSlot; 3] = [IstSlot::DoubleFault, IstSlot::Nmi, IstSlot::MachineCheck];
}

/// Bytes of an I/O permission bitmap: one bit per port, set = denied.
pub const IO_BITMAP_BYTES: usize = 8192;

/// The TSS with its I/O permission bitmap right behind it (the CPU finds
/// the bitmap at `iomap_base`; the byte after it must stay all ones).
#[repr(C)]
pub struct TaskState {
    pub tss: TaskStateSegment,
    pub io_bitmap: [u8; IO_BITMAP_BYTES + 1],
}

/// One CPU's descriptor tables. Lives for ever (leaked at CPU start).
pub struct CpuDescriptorTables {
    gdt: GlobalDescriptorTable<8>,
    task: TaskState,
}

impl CpuDescriptorTables {
    /// Builds tables whose IST slots point at the given stack tops.
    pub fn new(ist_tops: [VirtAddr; 3]) -> Self {
        let mut tss = TaskStateSegment::new();
        for (slot, top) in IstSlot::ALL.iter().zip(ist_tops) {
            tss.interrupt_stack_table[*slot as usize] = top;
        }
        tss.iomap_base = core::mem::offset_of!(TaskState, io_bitmap) as u16;
        let task = TaskState { tss, io_bitmap: [0xff; IO_BITMAP_BYTES + 1] };
        CpuDescriptorTables { gdt: GlobalDescriptorTable::new(), task }
    }

    /// Fills in the GDT and loads GDT, segments and TSS on this CPU.
    /// Returns the task state, whose RSP0 and I/O bitmap the scheduler
    /// updates on switches.
    pub fn load(&'static mut self) -> *mut TaskState {
        let task: *mut TaskState = &mut self.task;
        // SAFETY: the tables are leaked, so both live for ever; the
        // descriptor only records their addresses.
        let (tss, bitmap): (&'static TaskStateSegment, &'static [u8]) = unsafe { (&(*task).tss, &(*task).io_bitmap) };
        let tss_descriptor = Descriptor::tss_segment_with_iomap(tss, bitmap).expect("the bitmap follows the TSS");
        let gdt = &mut self.gdt;
        let kernel_code = gdt.append(Descriptor::kernel_code_segment());
        let kernel_data = gdt.append(Descriptor::kernel_data_segment());
        gdt.append(Descriptor::user_data_segment());
        gdt.append(Descriptor::user_code_segment());
        let tss_selector = gdt.append(tss_descriptor);
        let gdt: &'static GlobalDescriptorTable<8> = gdt;
        gdt.load();
        // SAFETY: the selectors come from the GDT just loaded and describe
        // flat 64-bit kernel segments and this CPU's TSS.
        unsafe {
            CS::set_reg(kernel_code);
            DS::set_reg(kernel_data);
            ES::set_reg(kernel_data);
            SS::set_reg(kernel_data);
            load_tss(tss_selector);
        }
        task
    }
}
