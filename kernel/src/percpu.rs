//! Per-CPU data, reached through the GS base: each CPU's identity, its
//! interrupt counters, and a one-slot mailbox through which another CPU can
//! ask it to run a function (used by the SMP self tests).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use x86_64::VirtAddr;
use x86_64::registers::model_specific::GsBase;

use crate::platform::lapic::ApicId;

/// Dense CPU number: 0 is the bootstrap processor, APs follow in start order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CpuIndex(pub u32);

/// A function another CPU asks this one to run; returns a value to report.
pub type RemoteTask = fn(&Cpu) -> u64;

/// One CPU's private data. `self_pointer` must stay the first field: it is
/// read with `mov reg, gs:0`.
#[repr(C)]
pub struct Cpu {
    self_pointer: *const Cpu,
    pub index: CpuIndex,
    pub apic_id: ApicId,
    /// Local APIC timer interrupts taken.
    pub timer_ticks: AtomicU64,
    /// Remote tasks run.
    pub tasks_run: AtomicU64,
    mailbox: spin::Mutex<Mailbox>,
}

#[derive(Default)]
struct Mailbox {
    task: Option<RemoteTask>,
    result: Option<u64>,
}

// SAFETY: `self_pointer` only ever points at the `Cpu` itself, which is
// leaked (`'static`); all other fields are atomics or locked.
unsafe impl Sync for Cpu {}
// SAFETY: see `Sync`.
unsafe impl Send for Cpu {}

impl Cpu {
    /// Allocates the per-CPU area for a CPU; it lives for ever.
    pub fn new(index: CpuIndex, apic_id: ApicId) -> &'static Cpu {
        let cpu = Box::leak(Box::new(Cpu {
            self_pointer: core::ptr::null(),
            index,
            apic_id,
            timer_ticks: AtomicU64::new(0),
            tasks_run: AtomicU64::new(0),
            mailbox: spin::Mutex::new(Mailbox::default()),
        }));
        cpu.self_pointer = cpu;
        cpu
    }

    /// Makes this the executing CPU's per-CPU area.
    pub fn install(&'static self) {
        GsBase::write(VirtAddr::from_ptr(self));
    }

    /// Runs the task another CPU left in the mailbox, if any.
    pub fn run_pending_task(&self) {
        let task = self.mailbox.lock().task.take();
        if let Some(task) = task {
            let result = task(self);
            self.tasks_run.fetch_add(1, Ordering::Relaxed);
            self.mailbox.lock().result = Some(result);
        }
    }

    /// Leaves `task` in the mailbox. Returns false if one is already waiting.
    pub fn post_task(&self, task: RemoteTask) -> bool {
        let mut mailbox = self.mailbox.lock();
        if mailbox.task.is_some() {
            return false;
        }
        mailbox.task = Some(task);
        mailbox.result = None;
        true
    }

    /// Takes the result of the last posted task, if it finished.
    pub fn take_result(&self) -> Option<u64> {
        self.mailbox.lock().result.take()
    }
}

/// The executing CPU's per-CPU area.
pub fn current() -> &'static Cpu {
    let pointer: *const Cpu;
    // SAFETY: every CPU installs its `Cpu` before enabling anything that calls
    // this, and `gs:0` holds the area's own address.
    unsafe { core::arch::asm!("mov {}, gs:0", out(reg) pointer, options(nostack, readonly, preserves_flags)) };
    // SAFETY: the pointer refers to a leaked, hence `'static`, `Cpu`.
    unsafe { &*pointer }
}

/// The executing CPU's per-CPU area, or `None` this early in boot (used by
/// the crash path, which may run before GS is set up).
pub fn try_current() -> Option<&'static Cpu> {
    (GsBase::read().as_u64() != 0).then(current)
}

static ONLINE: spin::Once<Vec<&'static Cpu>> = spin::Once::new();

/// Records the CPUs that came up (BSP first); called once after SMP start.
pub fn publish_online(cpus: Vec<&'static Cpu>) {
    ONLINE.call_once(|| cpus);
}

/// Every CPU that is online, in index order.
pub fn online() -> &'static [&'static Cpu] {
    ONLINE.get().map_or(&[], Vec::as_slice)
}
