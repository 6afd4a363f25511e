//! A thread: its kernel stack (with the user trap frame at the top), saved
//! kernel context, FPU/SSE save area, TLS base, scheduling and signal state.

use alloc::boxed::Box;

use cairn_abi::PRIORITY_LEVELS;

use super::ids::{Pid, Tid};
use crate::arch::trap::TrapFrame;
use crate::mm::stacks::{KERNEL_STACK_PAGES, KernelStack, StackError};

/// Where a thread is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadState {
    /// On a run queue.
    Runnable,
    /// On a CPU.
    Running,
    /// Waiting for an event (child, futex, timer, join).
    Blocked,
    /// Its process is stopped by a signal.
    Stopped,
    /// Finished; its resources are freed once no CPU runs on its stack.
    Dead,
}

/// An `fxsave` area.
#[repr(C, align(16))]
pub struct FpuArea(pub [u8; 512]);

impl FpuArea {
    /// The state `fninit` and a default MXCSR give: x87 control word 0x37f,
    /// MXCSR 0x1f80 (all exceptions masked, round to nearest).
    pub fn initial() -> Box<FpuArea> {
        let mut area = Box::new(FpuArea([0; 512]));
        area.0[0..2].copy_from_slice(&0x037fu16.to_le_bytes());
        area.0[24..28].copy_from_slice(&0x1f80u32.to_le_bytes());
        area
    }
}

/// What a blocked thread waits for (so a wake-up can undo the wait).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitReason {
    Child,
    Queue(super::WaitKey),
    /// Several queues at once (an event queue's watched objects), listed
    /// in `Tasks::multi_waits`; a wake on any of them ends the wait.
    Any,
    Sleep,
    Join(Tid),
}

/// The lowest level a thread sinks to by its own priority and penalty; the
/// one below is for crowded users' threads alone (`super::crowd`).
const LOWEST_OWN_LEVEL: usize = PRIORITY_LEVELS - 2;

pub struct Thread {
    pub tid: Tid,
    pub pid: Pid,
    pub state: ThreadState,
    pub priority: usize,
    /// Levels below `priority` the thread runs at for having used up whole
    /// time slices without blocking; cleared when it blocks (see
    /// [`Thread::level`]).
    pub penalty: usize,
    /// Timer ticks left in the current time slice.
    pub slice_left: u32,
    pub stack: KernelStack,
    /// Kernel stack pointer saved by the context switch.
    pub saved_rsp: u64,
    pub fpu: Box<FpuArea>,
    pub fs_base: u64,
    pub signal_mask: u64,
    /// Signals sent to this thread only (faults).
    pub pending: u64,
    /// The process is exiting: die at the next return to user mode.
    pub kill_pending: bool,
    pub waiting: Option<WaitReason>,
    /// Set when a wait ended by timeout.
    pub timed_out: bool,
    /// Set when a wait ended because a signal arrived.
    pub interrupted: bool,
    /// CPU it last ran on (run-queue placement).
    pub last_cpu: usize,
    /// The CPUs it may run on.
    pub affinity: super::affinity::CpuSet,
    /// Address of the last user fault (for the crash log line).
    pub fault_address: u64,
    /// Set to the exit value when the thread ends (thread handles share it).
    pub end: super::process::ProcessEnd,
}

/// Time slice length in timer ticks.
pub const TIME_SLICE_TICKS: u32 = 2;

impl Thread {
    /// A thread with a fresh kernel stack and default FPU state; its trap
    /// frame is zeroed.
    pub fn new(tid: Tid, pid: Pid, priority: usize) -> Result<Box<Thread>, StackError> {
        let stack = KernelStack::allocate(KERNEL_STACK_PAGES)?;
        let thread = Box::new(Thread {
            tid,
            pid,
            state: ThreadState::Runnable,
            priority,
            penalty: 0,
            slice_left: TIME_SLICE_TICKS,
            stack,
            saved_rsp: 0,
            fpu: FpuArea::initial(),
            fs_base: 0,
            signal_mask: 0,
            pending: 0,
            kill_pending: false,
            waiting: None,
            timed_out: false,
            interrupted: false,
            last_cpu: 0,
            affinity: super::affinity::CpuSet::ALL,
            fault_address: 0,
            end: Default::default(),
        });
        // SAFETY: the frame lies at the top of the thread's own, freshly
        // mapped kernel stack.
        unsafe { core::ptr::write_bytes(thread.frame_address() as *mut u8, 0, size_of::<TrapFrame>()) };
        Ok(thread)
    }

    /// The run-queue level the thread waits at: its priority, lowered by
    /// one level for each whole time slice it spent computing since it last
    /// blocked. Threads that wait for input (a shell, a server answering a
    /// request) so stay ahead of threads that only compute, however many
    /// of those there are; computing threads share the lower levels round
    /// robin, down to the next-to-last (the last is for crowded users'
    /// threads, see `super::crowd`). A thread whose process is being killed goes first, so that
    /// killing many computing processes frees them at once.
    pub fn level(&self) -> usize {
        if self.kill_pending {
            return 0;
        }
        (self.priority + self.penalty).min(LOWEST_OWN_LEVEL)
    }

    /// The penalty a thread created by this one starts with: one level
    /// more, since it has not yet shown that it waits rather than computes
    /// (a fork bomb's generations sink at once; a program that blocks
    /// loses the penalty at its first wait).
    pub fn child_penalty(&self) -> usize {
        (self.penalty + 1).min(LOWEST_OWN_LEVEL)
    }

    /// Notes that the thread used up a whole time slice.
    pub fn used_whole_slice(&mut self) {
        if self.level() < LOWEST_OWN_LEVEL {
            self.penalty += 1;
        }
    }

    /// Address of the user trap frame at the top of the kernel stack; both
    /// the syscall and the interrupt entry build it there.
    pub fn frame_address(&self) -> u64 {
        self.stack.top.as_u64() - size_of::<TrapFrame>() as u64
    }

    /// The thread's saved user state.
    pub fn frame(&mut self) -> &mut TrapFrame {
        // SAFETY: the frame is on this thread's kernel stack; while the
        // thread is not running in user mode, only the holder of the big
        // kernel lock touches it.
        unsafe { &mut *(self.frame_address() as *mut TrapFrame) }
    }
}

impl Drop for Thread {
    fn drop(&mut self) {
        self.stack.free();
    }
}
