//! Per-CPU data, reached through the GS base: each CPU's identity, its
//! interrupt counters, and a one-slot mailbox through which another CPU can
//! ask it to run a function (used by the SMP self tests).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicU64, Ordering};

use crate::arch::gdt::{IO_BITMAP_BYTES, TaskState};
use x86_64::VirtAddr;
use x86_64::registers::model_specific::GsBase;

use crate::platform::lapic::ApicId;

/// Dense CPU number: 0 is the bootstrap processor, APs follow in start order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CpuIndex(pub u32);

/// A function another CPU asks this one to run; returns a value to report.
pub type RemoteTask = fn(&Cpu) -> u64;

/// Offsets of the fields the assembly entry paths use (`gs:OFFSET`).
pub mod offsets {
    pub const SELF_POINTER: usize = 0;
    pub const KERNEL_STACK_TOP: usize = 8;
    pub const USER_RSP_SCRATCH: usize = 16;
    pub const FPU_AREA: usize = 24;
    pub const FPU_LIVE: usize = 32;
}

/// One CPU's private data. The first five fields are read by the entry
/// assembly at the offsets in [`offsets`]; keep them first and in order.
#[repr(C)]
pub struct Cpu {
    self_pointer: *const Cpu,
    /// Top of the running thread's kernel stack (syscall entry switches to it).
    kernel_stack_top: AtomicU64,
    /// Where the syscall entry parks the user stack pointer (only the
    /// entry assembly reads it).
    #[allow(dead_code)]
    user_rsp_scratch: AtomicU64,
    /// The running thread's FPU/SSE save area (512 bytes, 16-aligned).
    fpu_area: AtomicU64,
    /// Non-zero while the registers hold the running thread's user FPU/SSE
    /// state and its save area does not (set by the syscall entry; see
    /// `arch::fpu`).
    fpu_live: AtomicU64,
    /// The process and thread running here (0 while idle): what `getpid`
    /// and `gettid` answer without the big kernel lock.
    running_pid: AtomicU32,
    running_tid: AtomicU32,
    /// This CPU's TSS (its RSP0 is the kernel stack for interrupts from
    /// user mode) and I/O permission bitmap.
    tss: AtomicPtr<TaskState>,
    /// Identity of the I/O permissions in the bitmap now (0: none).
    io_permissions: AtomicU64,
    pub index: CpuIndex,
    pub apic_id: ApicId,
    /// Top of this CPU's own kernel stack (its idle context runs there).
    pub idle_stack_top: u64,
    /// Local APIC timer interrupts taken.
    pub timer_ticks: AtomicU64,
    /// Remote tasks run.
    pub tasks_run: AtomicU64,
    /// Another CPU asked this one to flush its TLB.
    pub tlb_flush_pending: AtomicBool,
    /// Threads this CPU switched to.
    pub context_switches: AtomicU64,
    /// Timer ticks that interrupted a user thread.
    pub user_ticks: AtomicU64,
    /// Wake IPIs other CPUs sent this one for a thread they queued here.
    pub wake_ipis: AtomicU64,
    mailbox: spin::Mutex<Mailbox>,
    /// The device interrupts bound to this CPU's vectors.
    pub vectors: crate::irq::VectorTable,
    /// A wake IPI arrived (another CPU queued a thread here, or has a
    /// signal for the thread running here): the idle loop, or a thread
    /// waiting in place (`task::in_place`), must take the big kernel lock,
    /// waiting for it if need be.
    pub wake_requested: AtomicBool,
    /// Device interrupts that ended a wait in place: delivered to their
    /// driver thread without the big kernel lock.
    pub in_place_wakes: AtomicU64,
    /// The thread running here is halted waiting in place: to placement
    /// the CPU is as good as idle (a thread queued here ends the wait).
    pub waiting_in_place: AtomicBool,
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
    pub fn new(index: CpuIndex, apic_id: ApicId, idle_stack_top: u64) -> &'static Cpu {
        let cpu = Box::leak(Box::new(Cpu {
            self_pointer: core::ptr::null(),
            kernel_stack_top: AtomicU64::new(0),
            user_rsp_scratch: AtomicU64::new(0),
            fpu_area: AtomicU64::new(0),
            fpu_live: AtomicU64::new(0),
            running_pid: AtomicU32::new(0),
            running_tid: AtomicU32::new(0),
            tss: AtomicPtr::new(core::ptr::null_mut()),
            io_permissions: AtomicU64::new(0),
            index,
            apic_id,
            idle_stack_top,
            timer_ticks: AtomicU64::new(0),
            tasks_run: AtomicU64::new(0),
            tlb_flush_pending: AtomicBool::new(false),
            context_switches: AtomicU64::new(0),
            user_ticks: AtomicU64::new(0),
            wake_ipis: AtomicU64::new(0),
            mailbox: spin::Mutex::new(Mailbox::default()),
            vectors: crate::irq::VectorTable::new(),
            wake_requested: AtomicBool::new(false),
            in_place_wakes: AtomicU64::new(0),
            waiting_in_place: AtomicBool::new(false),
        }));
        cpu.self_pointer = cpu;
        cpu
    }

    /// Makes this the executing CPU's per-CPU area; `tss` is its TSS.
    pub fn install(&'static self, tss: *mut TaskState) {
        self.tss.store(tss, Ordering::Relaxed);
        GsBase::write(VirtAddr::from_ptr(self));
        // KERNEL_GS_BASE only matters across `swapgs`, which the entry paths
        // execute exactly when crossing to or from user mode.
        x86_64::registers::model_specific::KernelGsBase::write(VirtAddr::zero());
    }

    /// Points the user-to-kernel entry paths at a thread's kernel stack and
    /// FPU save area, and records whose thread it is (`(0, 0)` for the
    /// idle context).
    pub fn set_thread_context(&self, kernel_stack_top: u64, fpu_area: u64, (pid, tid): (u32, u32)) {
        self.running_pid.store(pid, Ordering::Relaxed);
        self.running_tid.store(tid, Ordering::Relaxed);
        self.kernel_stack_top.store(kernel_stack_top, Ordering::Relaxed);
        self.fpu_area.store(fpu_area, Ordering::Relaxed);
        let tss = self.tss.load(Ordering::Relaxed);
        if !tss.is_null() {
            // SAFETY: the TSS belongs to this CPU and lives for ever; only
            // this CPU writes it, with interrupts disabled.
            unsafe { (*tss).tss.privilege_stack_table[0] = VirtAddr::new(kernel_stack_top) };
        }
    }

    /// The process and thread running on this CPU.
    pub fn running(&self) -> (u32, u32) {
        (self.running_pid.load(Ordering::Relaxed), self.running_tid.load(Ordering::Relaxed))
    }

    /// The running thread's FPU/SSE save area.
    pub fn fpu_area(&self) -> u64 {
        self.fpu_area.load(Ordering::Relaxed)
    }

    /// Whether the registers held the running thread's FPU/SSE state (not
    /// yet in its save area); clears the mark.
    pub fn take_fpu_live(&self) -> bool {
        // Only this CPU touches the mark, with interrupts disabled: no
        // atomic read-modify-write needed.
        let live = self.fpu_live.load(Ordering::Relaxed) != 0;
        if live {
            self.fpu_live.store(0, Ordering::Relaxed);
        }
        live
    }

    /// Loads the I/O ports the next thread may use (`None`: none) into
    /// this CPU's bitmap, unless it holds them already.
    pub fn set_io_permissions(&self, permissions: Option<&crate::io_ports::IoPermissions>) {
        let identity = permissions.map_or(0, |p| p.id());
        if self.io_permissions.swap(identity, Ordering::Relaxed) == identity {
            return;
        }
        let tss = self.tss.load(Ordering::Relaxed);
        if tss.is_null() {
            return;
        }
        // SAFETY: the task state belongs to this CPU and lives for ever;
        // only this CPU writes it, with interrupts disabled. The final
        // all-ones byte is never touched.
        let bitmap = unsafe { &mut (&mut (*tss).io_bitmap)[..IO_BITMAP_BYTES] };
        match permissions {
            Some(permissions) => bitmap.copy_from_slice(permissions.bitmap()),
            None => bitmap.fill(0xff),
        }
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
    unsafe {
        core::arch::asm!(
            "mov {}, gs:[{offset}]",
            out(reg) pointer,
            offset = const offsets::SELF_POINTER,
            options(nostack, readonly, preserves_flags)
        )
    };
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
