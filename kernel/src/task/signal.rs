//! Signals: sending (to a process or a thread), POSIX default actions,
//! running handlers on the user stack and `sigreturn`, and turning user
//! faults into SIGSEGV/SIGILL/SIGFPE/SIGBUS.

use cairn_abi::signal::{
    self, DefaultAction, SIG_DFL, SIG_IGN, SIGBUS, SIGCONT, SIGFPE, SIGILL, SIGKILL, SIGNAL_MAX, SIGSEGV, SIGSTOP,
    SIGTRAP, SigAction, SignalFrame, bit, default_action,
};
use cairn_abi::wait;

use super::oom::Reclaim;
use super::{Pid, ProcessState, Tasks, ThreadState, Tid};
use crate::arch::trap::TrapFrame;
use crate::vm::{USER_END, VmError};

/// Signals that can be neither caught, blocked nor ignored.
pub const UNBLOCKABLE: u64 = bit(SIGKILL) | bit(SIGSTOP);

/// Signals that stop a process by default.
const STOP_SIGNALS: u64 = bit(SIGSTOP) | bit(signal::SIGTSTP) | bit(signal::SIGTTIN) | bit(signal::SIGTTOU);

/// User-changeable RFLAGS bits (CF PF AF ZF SF TF DF OF).
const USER_RFLAGS: u64 = 0x0dd5;
/// Interrupt flag plus the always-one bit 1.
const RFLAGS_BASE: u64 = 0x202;

/// Sends `sig` to process `pid` (1..=31; 0 only checks existence).
pub fn send_to_process(tasks: &mut Tasks, pid: Pid, sig: usize) {
    if sig == 0 || sig > SIGNAL_MAX {
        return;
    }
    let Some(process) = tasks.processes.get_mut(&pid) else { return };
    if matches!(process.state, ProcessState::Zombie { .. }) {
        return;
    }
    if sig == SIGKILL {
        tasks.begin_exit(pid, wait::signaled(SIGKILL as u8));
        return;
    }
    if sig == SIGCONT {
        process.pending &= !STOP_SIGNALS;
        if matches!(process.state, ProcessState::Stopped { .. }) {
            process.state = ProcessState::Running;
            let threads = process.threads.clone();
            for tid in threads {
                if tasks.threads.get(&tid).is_some_and(|t| t.state == ThreadState::Stopped) {
                    tasks.make_runnable(tid);
                }
            }
            let parent = tasks.processes[&pid].parent;
            tasks.wake_child_waiters(parent);
        }
    } else if STOP_SIGNALS & bit(sig) != 0 {
        process.pending &= !bit(SIGCONT);
    }
    let process = tasks.processes.get_mut(&pid).expect("checked above");
    if ignored(process, sig) {
        return;
    }
    process.pending |= bit(sig);
    // Wake a thread that does not block it so it can act on it.
    let threads = process.threads.clone();
    if let Some(tid) =
        threads.iter().copied().find(|t| tasks.threads.get(t).is_some_and(|t| t.signal_mask & bit(sig) == 0))
    {
        tasks.interrupt(tid);
    }
}

/// Sends `sig` to process `pid` on behalf of a user process (`kill`,
/// `signal_fd`). Init only receives the signals it has a handler for, as
/// on Linux: a default action (SIGKILL and SIGSTOP included) would end or
/// stop the process that restarts services and reaps orphans.
pub fn send_from_user(tasks: &mut Tasks, pid: Pid, sig: usize) {
    if !shielded_init(tasks, pid, sig) {
        send_to_process(tasks, pid, sig);
    }
}

/// [`send_from_user`] for thread `tid` alone.
pub fn send_from_user_to_thread(tasks: &mut Tasks, tid: Tid, sig: usize) {
    let Some(pid) = tasks.threads.get(&tid).map(|t| t.pid) else { return };
    if !shielded_init(tasks, pid, sig) {
        send_to_thread(tasks, tid, sig);
    }
}

/// Whether `sig` sent by a user process to `pid` is dropped because `pid`
/// is init and would take the signal's default action.
fn shielded_init(tasks: &Tasks, pid: Pid, sig: usize) -> bool {
    pid == super::INIT_PID
        && (sig == SIGKILL
            || sig == SIGSTOP
            || tasks.processes.get(&pid).is_some_and(|p| sig <= SIGNAL_MAX && p.actions[sig].handler == SIG_DFL))
}

/// Whether `process` discards `sig` (ignored by handler or by default).
fn ignored(process: &crate::task::Process, sig: usize) -> bool {
    let action = process.actions[sig];
    action.handler == SIG_IGN
        || (action.handler == SIG_DFL && default_action(sig) == DefaultAction::Ignore && sig != SIGCONT)
}

/// Sends `sig` to thread `tid` alone; SIGKILL, SIGCONT and stop signals
/// act on its whole process, as POSIX has it.
pub fn send_to_thread(tasks: &mut Tasks, tid: Tid, sig: usize) {
    if sig == 0 || sig > SIGNAL_MAX {
        return;
    }
    let Some(pid) = tasks.threads.get(&tid).map(|t| t.pid) else { return };
    if sig == SIGKILL || sig == SIGCONT || STOP_SIGNALS & bit(sig) != 0 {
        return send_to_process(tasks, pid, sig);
    }
    if tasks.processes.get(&pid).is_none_or(|p| ignored(p, sig)) {
        return;
    }
    let thread = tasks.threads.get_mut(&tid).expect("checked above");
    thread.pending |= bit(sig);
    if thread.signal_mask & bit(sig) == 0 {
        tasks.interrupt(tid);
    }
}

/// Whether an interrupted system call should run again: a signal is about
/// to be taken and none of those pending has a handler (a stop, say). With
/// a handler, or with nothing pending (the signal was ignored), the call
/// returns `EINTR` instead.
pub fn restart_interrupted(tasks: &mut Tasks) -> bool {
    let pid = tasks.current_pid();
    let thread = tasks.current_thread();
    let mask = thread.signal_mask & !UNBLOCKABLE;
    let thread_pending = thread.pending;
    let Some(process) = tasks.processes.get(&pid) else { return false };
    let deliverable = (thread_pending | process.pending) & !mask;
    deliverable != 0
        && !(1..=SIGNAL_MAX)
            .any(|sig| deliverable & bit(sig) != 0 && !matches!(process.actions[sig].handler, SIG_DFL | SIG_IGN))
}

/// Delivers the next deliverable signal of the current thread, if any:
/// default actions (terminate, stop, ignore) or a handler frame. Returns
/// true when a handler was set up (the frame changed).
pub fn deliver(tasks: &mut Tasks, frame: &mut TrapFrame) -> bool {
    loop {
        let pid = tasks.current_pid();
        let thread = tasks.current_thread();
        let mask = thread.signal_mask & !UNBLOCKABLE;
        let thread_pending = thread.pending;
        let process = tasks.processes.get_mut(&pid).expect("current process exists");
        let deliverable = (thread_pending | process.pending) & !mask;
        if deliverable == 0 {
            return false;
        }
        let sig = deliverable.trailing_zeros() as usize + 1;
        if thread_pending & bit(sig) != 0 {
            tasks.current_thread().pending &= !bit(sig);
        } else {
            process.pending &= !bit(sig);
        }
        let process = tasks.processes.get_mut(&pid).expect("current process exists");
        let action = process.actions[sig];
        match action.handler {
            SIG_IGN => continue,
            SIG_DFL => match default_action(sig) {
                DefaultAction::Ignore | DefaultAction::Continue => continue,
                DefaultAction::Stop => {
                    process.state = ProcessState::Stopped { signal: sig as u8, reported: false };
                    let parent = process.parent;
                    tasks.wake_child_waiters(parent);
                    return false;
                }
                DefaultAction::Terminate | DefaultAction::Core => {
                    if default_action(sig) == DefaultAction::Core {
                        let name = process.name.clone();
                        let address = tasks.current_thread().fault_address;
                        log::warn!("pid {pid} ({name}): {} at {address:#x} ip {:#x}", signal_name(sig), frame.rip);
                    }
                    tasks.begin_exit(pid, wait::signaled(sig as u8));
                    return false;
                }
            },
            handler => {
                if action.flags & signal::SA_RESETHAND != 0 {
                    process.actions[sig] = SigAction::default();
                }
                let old_mask = tasks.current_thread().signal_mask;
                if push_handler_frame(tasks, frame, sig, handler, action.restorer, old_mask).is_err() {
                    log::warn!("pid {}: cannot push a signal frame, killing it", pid);
                    tasks.begin_exit(pid, wait::signaled(SIGSEGV as u8));
                    return false;
                }
                tasks.current_thread().signal_mask = (old_mask | action.mask | bit(sig)) & !UNBLOCKABLE;
                return true;
            }
        }
    }
}

/// Size of the x86-64 red zone below a user stack pointer.
const RED_ZONE: u64 = 128;
/// The interrupted code's FPU/SSE state (an `fxsave` image) follows the
/// register frame, 16-byte aligned, so a handler may use SSE freely.
const FPU_OFFSET: u64 = size_of::<SignalFrame>().next_multiple_of(16) as u64;
const SIGNAL_FRAME_BYTES: u64 = FPU_OFFSET + 512;
/// MXCSR bits a user may set (all but the reserved upper half and DAZ,
/// which not every CPU has); others would make `fxrstor` fault.
const MXCSR_USER_BITS: u32 = 0xffbf;
const MXCSR_OFFSET: usize = 24;

fn push_handler_frame(
    tasks: &mut Tasks,
    frame: &mut TrapFrame,
    sig: usize,
    handler: usize,
    restorer: usize,
    old_mask: u64,
) -> Result<(), ()> {
    let saved = SignalFrame {
        rax: frame.rax,
        rbx: frame.rbx,
        rcx: frame.rcx,
        rdx: frame.rdx,
        rsi: frame.rsi,
        rdi: frame.rdi,
        rbp: frame.rbp,
        rsp: frame.rsp,
        r8: frame.r8,
        r9: frame.r9,
        r10: frame.r10,
        r11: frame.r11,
        r12: frame.r12,
        r13: frame.r13,
        r14: frame.r14,
        r15: frame.r15,
        rip: frame.rip,
        rflags: frame.rflags,
        mask: old_mask,
        signal: sig as u64,
    };
    let base = frame.rsp.checked_sub(RED_ZONE + SIGNAL_FRAME_BYTES).ok_or(())? & !15;
    let return_slot = base.checked_sub(8).ok_or(())?;
    // SAFETY: `SignalFrame` is plain old data; its bytes are copied out.
    let bytes =
        unsafe { core::slice::from_raw_parts(&saved as *const SignalFrame as *const u8, size_of::<SignalFrame>()) };
    crate::arch::fpu::save_live();
    let fpu = tasks.current_thread().fpu.0;
    let space = tasks.current_process().space();
    space.write(base, bytes).map_err(|_| ())?;
    space.write(base + FPU_OFFSET, &fpu).map_err(|_| ())?;
    space.write(return_slot, &(restorer as u64).to_le_bytes()).map_err(|_| ())?;
    frame.rsp = return_slot;
    frame.rip = handler as u64;
    frame.rdi = sig as u64;
    frame.rflags = (frame.rflags & USER_RFLAGS) | RFLAGS_BASE;
    Ok(())
}

/// `sigreturn`: restores the registers and mask saved when the handler
/// started (the frame sits at the user stack pointer). A damaged frame
/// kills the process with SIGSEGV.
pub fn sigreturn(tasks: &mut Tasks, frame: &mut TrapFrame) {
    let mut saved = SignalFrame::default();
    // SAFETY: `SignalFrame` is plain old data; any bytes are a valid value.
    let bytes =
        unsafe { core::slice::from_raw_parts_mut(&mut saved as *mut SignalFrame as *mut u8, size_of::<SignalFrame>()) };
    let pid = tasks.current_pid();
    let mut fpu = [0u8; 512];
    let space = tasks.current_process().space();
    let readable = space.read(frame.rsp, bytes).is_ok() && space.read(frame.rsp + FPU_OFFSET, &mut fpu).is_ok();
    if !readable || saved.rip >= USER_END {
        tasks.begin_exit(pid, wait::signaled(SIGSEGV as u8));
        return;
    }
    let mxcsr = u32::from_le_bytes(fpu[MXCSR_OFFSET..MXCSR_OFFSET + 4].try_into().expect("4 bytes")) & MXCSR_USER_BITS;
    fpu[MXCSR_OFFSET..MXCSR_OFFSET + 4].copy_from_slice(&mxcsr.to_le_bytes());
    crate::arch::fpu::discard_live();
    tasks.current_thread().fpu.0 = fpu;
    frame.rax = saved.rax;
    frame.rbx = saved.rbx;
    frame.rcx = saved.rcx;
    frame.rdx = saved.rdx;
    frame.rsi = saved.rsi;
    frame.rdi = saved.rdi;
    frame.rbp = saved.rbp;
    frame.rsp = saved.rsp;
    frame.r8 = saved.r8;
    frame.r9 = saved.r9;
    frame.r10 = saved.r10;
    frame.r11 = saved.r11;
    frame.r12 = saved.r12;
    frame.r13 = saved.r13;
    frame.r14 = saved.r14;
    frame.r15 = saved.r15;
    frame.rip = saved.rip;
    frame.rflags = (saved.rflags & USER_RFLAGS) | RFLAGS_BASE;
    tasks.current_thread().signal_mask = saved.mask & !UNBLOCKABLE;
}

/// A processor exception in user mode: page faults are resolved if the
/// address space allows the access; anything else becomes a signal to the
/// thread. A fault signal that is blocked or ignored kills the process.
pub fn user_exception(frame: &mut TrapFrame) {
    const PAGE_FAULT: u64 = 14;
    let resolved = frame.vector == PAGE_FAULT
        && super::with(|tasks| {
            let address = x86_64::registers::control::Cr2::read_raw();
            let write = frame.error_code & 0x2 != 0;
            let execute = frame.error_code & 0x10 != 0;
            match tasks.current_process().space().handle_fault(address, write, execute) {
                Ok(()) => true,
                // The access is allowed but no frame is left: make room and
                // let the instruction fault again.
                Err(VmError::OutOfMemory) => tasks.reclaim_memory(tasks.current_pid()) == Reclaim::Retry,
                Err(_) => false,
            }
        });
    if resolved {
        return;
    }
    let sig = match frame.vector {
        0 | 16 | 19 => SIGFPE,
        6 => SIGILL,
        17 => SIGBUS,
        1 | 3 => SIGTRAP,
        _ => SIGSEGV,
    };
    let address = if frame.vector == PAGE_FAULT { x86_64::registers::control::Cr2::read_raw() } else { frame.rip };
    super::with(|tasks| {
        let action = tasks.current_process().actions[sig];
        let thread = tasks.current_thread();
        thread.fault_address = address;
        if action.handler == SIG_IGN || thread.signal_mask & bit(sig) != 0 {
            thread.signal_mask &= !bit(sig);
            tasks.current_process().actions[sig] = SigAction::default();
        }
        tasks.current_thread().pending |= bit(sig);
    });
}

/// The conventional name of a signal.
pub fn signal_name(sig: usize) -> &'static str {
    const NAMES: [&str; 32] = [
        "SIG0",
        "SIGHUP",
        "SIGINT",
        "SIGQUIT",
        "SIGILL",
        "SIGTRAP",
        "SIGABRT",
        "SIGBUS",
        "SIGFPE",
        "SIGKILL",
        "SIGUSR1",
        "SIGSEGV",
        "SIGUSR2",
        "SIGPIPE",
        "SIGALRM",
        "SIGTERM",
        "SIGSTKFLT",
        "SIGCHLD",
        "SIGCONT",
        "SIGSTOP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGVTALRM",
        "SIGPROF",
        "SIGWINCH",
        "SIGIO",
        "SIGPWR",
        "SIGSYS",
    ];
    NAMES.get(sig).copied().unwrap_or("SIG?")
}
