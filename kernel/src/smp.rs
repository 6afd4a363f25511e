//! Bringing every CPU into the kernel: the per-CPU setup all processors run
//! ([`CpuStart::enter`]), and the INIT-SIPI-SIPI start of application
//! processors through a real-mode trampoline copied below 1 MiB.
//!
//! The trampoline is position independent: it finds its own physical base
//! from CS, and the BSP patches the few absolute addresses (GDT base, far
//! jump targets) plus the parameters each AP needs (CR3, EFER bits, stack,
//! entry point and argument) into the copy before sending the start-up IPI.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU8, Ordering};

use cairn_physmem::{FRAME_SIZE, PhysFrame};
use x86_64::VirtAddr;
use x86_64::structures::paging::PageTableFlags as Flags;

use crate::arch::cpu::{self, CpuFeatures};
use crate::arch::gdt::CpuDescriptorTables;
use crate::arch::idt;
use crate::interrupts::{self, VECTOR_APIC_ERROR, VECTOR_SPURIOUS, VECTOR_TIMER};
use crate::mm::stacks::{IST_STACK_PAGES, KERNEL_STACK_PAGES, KernelStack};
use crate::mm::{frames, paging, phys_to_virt};
use crate::percpu::{Cpu, CpuIndex};
use crate::platform::lapic::ApicId;
use crate::time;

/// Everything one CPU needs to enter the kernel.
pub struct CpuStart {
    pub cpu: &'static Cpu,
    pub tables: &'static mut CpuDescriptorTables,
    pub stack: KernelStack,
    pub features: CpuFeatures,
    /// [`WAITING`], then [`ENTERED`] (set by the CPU at the end of
    /// [`CpuStart::enter`]: it is up and done with the trampoline) or
    /// [`ABANDONED`] (set by the BSP when it stopped waiting), whichever
    /// comes first. The BSP watches it through its own reference.
    pub state: &'static AtomicU8,
}

/// [`CpuStart::state`]s.
const WAITING: u8 = 0;
const ENTERED: u8 = 1;
const ABANDONED: u8 = 2;

/// Why a CPU could not be prepared.
#[derive(Debug)]
pub enum CpuStartError {
    Stack(crate::mm::stacks::StackError),
}

impl core::fmt::Display for CpuStartError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CpuStartError::Stack(e) => write!(f, "kernel stack: {e:?}"),
        }
    }
}

impl CpuStart {
    /// Allocates the per-CPU area, the main kernel stack and the three
    /// interrupt-stack-table stacks for a CPU.
    pub fn prepare(
        index: CpuIndex,
        apic_id: ApicId,
        features: CpuFeatures,
    ) -> Result<&'static mut CpuStart, CpuStartError> {
        let stack = KernelStack::allocate(KERNEL_STACK_PAGES).map_err(CpuStartError::Stack)?;
        let mut ist_tops = [VirtAddr::zero(); 3];
        for top in &mut ist_tops {
            *top = KernelStack::allocate(IST_STACK_PAGES).map_err(CpuStartError::Stack)?.top;
        }
        Ok(Box::leak(Box::new(CpuStart {
            cpu: Cpu::new(index, apic_id, stack.top.as_u64()),
            tables: Box::leak(Box::new(CpuDescriptorTables::new(ist_tops))),
            stack,
            features,
            state: Box::leak(Box::new(AtomicU8::new(WAITING))),
        })))
    }

    /// Per-CPU initialisation, run by each CPU on its own kernel stack:
    /// descriptor tables, per-CPU area, protections, local APIC and timer.
    pub fn enter(&'static mut self) -> &'static Cpu {
        let tss = self.tables.load();
        idt::load();
        self.cpu.install(tss);
        cpu::init_this_cpu(&self.features);
        cpu::enable_syscall(crate::arch::trap::syscall_entry as *const () as u64);
        if let Some(lapic) = interrupts::local_apic() {
            lapic.enable(VECTOR_SPURIOUS, VECTOR_APIC_ERROR);
            if let Some(calibration) = time::calibration() {
                lapic.start_periodic(VECTOR_TIMER, calibration.lapic_ticks_per_interrupt());
            }
        }
        if self.state.compare_exchange(WAITING, ENTERED, Ordering::AcqRel, Ordering::Acquire).is_err() {
            // The BSP gave up on this CPU (it started too late, on a host
            // too busy to run it): it stays out of the system, halted.
            park();
        }
        self.cpu
    }
}

/// Halts this CPU for good, interrupts off.
fn park() -> ! {
    loop {
        // SAFETY: stopping this CPU touches no state; only an NMI or INIT
        // would end the halt, and the loop halts again.
        unsafe { core::arch::asm!("cli", "hlt", options(nomem, nostack)) };
    }
}

/// Waits for interrupts, running any task another CPU posts. Interrupts are
/// enabled only inside `sti; hlt`, so the kernel stays non-preemptible.
pub fn idle_loop(cpu: &'static Cpu) -> ! {
    loop {
        cpu.run_pending_task();
        // With work for this CPU (a thread queued here, a device interrupt
        // to deliver) wait for the lock; otherwise only look if it is free,
        // so idle CPUs do not queue behind busy ones.
        let work = cpu.wake_requested.swap(false, core::sync::atomic::Ordering::AcqRel) || cpu.vectors.has_fired();
        if crate::task::started() && (work || crate::task::bkl::try_acquire()) {
            if work {
                crate::task::bkl::acquire();
            }
            crate::task::idle_poll();
            crate::task::bkl::release();
        }
        x86_64::instructions::interrupts::enable_and_hlt();
        x86_64::instructions::interrupts::disable();
    }
}

extern "C" fn ap_entry(start: u64) -> ! {
    // SAFETY: the BSP passes a pointer to a leaked `CpuStart` prepared for
    // this CPU alone and never touches it again.
    let start = unsafe { &mut *(start as *mut CpuStart) };
    let cpu = start.enter();
    idle_loop(cpu)
}

unsafe extern "C" {
    static ap_trampoline_start: u8;
    static ap_trampoline_end: u8;
    static ap_protected: u8;
    static ap_long: u8;
    static ap_gdt: u8;
    static ap_gdt_pointer: u8;
    static ap_far_protected: u8;
    static ap_far_long: u8;
    static ap_cr3: u8;
    static ap_efer: u8;
    static ap_stack: u8;
    static ap_entry_point: u8;
    static ap_argument: u8;
}

core::arch::global_asm!(
    r#"
    .section .rodata.ap_trampoline, "a"
    .code16
    .global ap_trampoline_start
ap_trampoline_start:
    cli
    cld
    movw %cs, %ax
    movw %ax, %ds
    xorl %ebx, %ebx
    movw %ax, %bx
    shll $4, %ebx
    lgdtl (ap_gdt_pointer - ap_trampoline_start)
    movl %cr0, %eax
    orl $1, %eax
    movl %eax, %cr0
    ljmpl *(ap_far_protected - ap_trampoline_start)

    .code32
    .global ap_protected
ap_protected:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movl %cr4, %eax
    orl $0x6a0, %eax
    movl %eax, %cr4
    movl (ap_cr3 - ap_trampoline_start)(%ebx), %eax
    movl %eax, %cr3
    movl $0xc0000080, %ecx
    rdmsr
    orl (ap_efer - ap_trampoline_start)(%ebx), %eax
    wrmsr
    movl %cr0, %eax
    andl $~0xc, %eax
    orl $0x80010023, %eax
    movl %eax, %cr0
    ljmpl *(ap_far_long - ap_trampoline_start)(%ebx)

    .code64
    .global ap_long
ap_long:
    xorl %eax, %eax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    movl %ebx, %ebx
    fninit
    movq (ap_stack - ap_trampoline_start)(%rbx), %rsp
    movq (ap_argument - ap_trampoline_start)(%rbx), %rdi
    movq (ap_entry_point - ap_trampoline_start)(%rbx), %rax
    callq *%rax
    ud2

    .balign 8
    .global ap_gdt
ap_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff
    .quad 0x00cf92000000ffff
    .quad 0x00af9a000000ffff
    .global ap_gdt_pointer
ap_gdt_pointer:
    .short 31
    .long 0
    .balign 8
    .global ap_far_protected
ap_far_protected:
    .long 0
    .short 0x08
    .balign 8
    .global ap_far_long
ap_far_long:
    .long 0
    .short 0x18
    .balign 8
    .global ap_cr3
ap_cr3:
    .quad 0
    .global ap_efer
ap_efer:
    .quad 0
    .global ap_stack
ap_stack:
    .quad 0
    .global ap_entry_point
ap_entry_point:
    .quad 0
    .global ap_argument
ap_argument:
    .quad 0
    .global ap_trampoline_end
ap_trampoline_end:
    .code64
    "#,
    options(att_syntax)
);

/// The trampoline copy in low memory.
struct Trampoline {
    phys: u64,
}

impl Trampoline {
    fn offset_of(label: *const u8) -> usize {
        label as usize - &raw const ap_trampoline_start as usize
    }

    fn write_u32(&self, label: *const u8, value: u32) {
        // SAFETY: the label lies inside the copied trampoline page, which the
        // BSP owns until every AP has started (the GDT base field is not
        // 4-byte aligned, hence the unaligned write).
        unsafe { phys_to_virt(self.phys + Self::offset_of(label) as u64).cast::<u32>().write_unaligned(value) }
    }

    fn write_u64(&self, label: *const u8, value: u64) {
        // SAFETY: as in `write_u32`; the 64-bit fields are 8-byte aligned.
        unsafe { phys_to_virt(self.phys + Self::offset_of(label) as u64).cast::<u64>().write_volatile(value) }
    }

    /// Copies the trampoline into `frame` (below 1 MiB), identity-maps it
    /// and patches its absolute addresses.
    fn install(frame: PhysFrame, cr3: u64, nx: bool) -> Option<Trampoline> {
        let start = &raw const ap_trampoline_start;
        let len = &raw const ap_trampoline_end as usize - start as usize;
        // SAFETY: the linker placed `len` bytes of trampoline code at `start`
        // in read-only data.
        let code = unsafe { core::slice::from_raw_parts(start, len) };
        let phys = frame.start_address();
        // SAFETY: the frame is freshly allocated and the code fits in a page.
        unsafe { core::ptr::copy_nonoverlapping(code.as_ptr(), phys_to_virt(phys), code.len()) };
        if paging::map(VirtAddr::new(phys), frame, Flags::PRESENT | Flags::WRITABLE).is_err() {
            let _ = frames::free(frame);
            return None;
        }
        let trampoline = Trampoline { phys };
        let base = phys as u32;
        // The GDT pointer is 2 bytes of limit then 4 of base.
        trampoline
            .write_u32((&raw const ap_gdt_pointer).wrapping_add(2), base + Self::offset_of(&raw const ap_gdt) as u32);
        trampoline.write_u32(&raw const ap_far_protected, base + Self::offset_of(&raw const ap_protected) as u32);
        trampoline.write_u32(&raw const ap_far_long, base + Self::offset_of(&raw const ap_long) as u32);
        trampoline.write_u64(&raw const ap_cr3, cr3);
        trampoline.write_u64(&raw const ap_efer, (1 << 8) | if nx { 1 << 11 } else { 0 });
        trampoline.write_u64(&raw const ap_entry_point, ap_entry as *const () as usize as u64);
        Some(trampoline)
    }

    /// Replaces the code at the start-up address with a halt loop (`cli;
    /// hlt; jmp back to hlt`) for a CPU that may still start; the page
    /// stays allocated and mapped for good.
    fn park(self) {
        const HALT_LOOP: [u8; 4] = [0xfa, 0xf4, 0xeb, 0xfd];
        // SAFETY: the page is the trampoline copy this BSP owns; a CPU that
        // already runs past its start reaches `CpuStart::enter`, which parks
        // it, and one not yet started reads these bytes.
        unsafe { core::ptr::copy_nonoverlapping(HALT_LOOP.as_ptr(), phys_to_virt(self.phys), HALT_LOOP.len()) };
    }

    fn remove(self) {
        if let Ok(frame) = paging::unmap(VirtAddr::new(self.phys)) {
            let _ = frames::free(frame);
        }
    }
}

/// Takes a page below 1 MiB for the AP trampoline (start-up IPIs can only
/// point there). Called right after the frame allocator exists, before
/// anything else can use up low memory.
pub fn reserve_trampoline_page() -> Option<PhysFrame> {
    frames::allocate_contiguous(1, 1, 1 << 20)
}

/// Starts every AP in `apic_ids` (the BSP's own ID is skipped) and returns
/// all CPUs that came up, BSP first. The trampoline page is freed afterwards.
pub fn start_application_processors(
    bsp: &'static Cpu,
    apic_ids: &[ApicId],
    trampoline_page: Option<PhysFrame>,
    cr3: u64,
    features: CpuFeatures,
) -> Vec<&'static Cpu> {
    let mut online = alloc::vec![bsp];
    let Some(lapic) = interrupts::local_apic() else {
        return online;
    };
    let others: Vec<ApicId> = apic_ids.iter().copied().filter(|id| *id != bsp.apic_id).collect();
    if others.is_empty() {
        if let Some(page) = trampoline_page {
            let _ = frames::free(page);
        }
        return online;
    }
    let Some(trampoline) = trampoline_page.and_then(|page| Trampoline::install(page, cr3, features.no_execute)) else {
        log::warn!("smp: no free page below 1 MiB for the AP trampoline; staying on one CPU");
        return online;
    };
    // INIT every AP, then one wait: APs sit in wait-for-SIPI afterwards.
    for id in &others {
        lapic.send_init(*id);
    }
    time::spin_micros(10_000);
    let page = (trampoline.phys / FRAME_SIZE) as u8;
    for id in others {
        let index = CpuIndex(online.len() as u32);
        let start = match CpuStart::prepare(index, id, features) {
            Ok(start) => start,
            Err(e) => {
                log::warn!("smp: cannot prepare CPU with APIC ID {}: {e}", id.0);
                continue;
            }
        };
        let (cpu, state) = (start.cpu, start.state);
        trampoline.write_u64(&raw const ap_stack, start.stack.top.as_u64());
        trampoline.write_u64(&raw const ap_argument, start as *mut CpuStart as u64);
        let started = || state.load(Ordering::Acquire) == ENTERED;
        lapic.send_startup(id, page);
        if !wait_until(1_000, started) {
            lapic.send_startup(id, page);
        }
        if wait_until(200_000, started)
            || state.compare_exchange(WAITING, ABANDONED, Ordering::AcqRel, Ordering::Acquire).is_err()
        {
            online.push(cpu);
            continue;
        }
        // It may still start later: it must find a halt at the start-up
        // address, not the next CPU's parameters, so no other CPU is
        // started and the trampoline page is never freed.
        log::warn!("smp: CPU with APIC ID {} did not start in time; starting no more CPUs", id.0);
        trampoline.park();
        return online;
    }
    trampoline.remove();
    online
}

fn wait_until(micros: u64, done: impl Fn() -> bool) -> bool {
    let deadline = cpu::rdtsc() + time::calibration().map_or(0, |c| c.tsc_hz / 1_000_000) * micros;
    while cpu::rdtsc() < deadline {
        if done() {
            return true;
        }
        core::hint::spin_loop();
    }
    done()
}
