//! Threads and futexes: musl's `__clone` (which the shim provides in place
//! of musl's assembly), thread exit with Linux's "clear the child tid and
//! wake it" (`CLONE_CHILD_CLEARTID`, `set_tid_address`), and `futex`.
//!
//! Cairn has no clear-tid of its own, so the shim keeps a table of the
//! threads that asked for it and does it itself in the thread's last
//! instructions, which touch no stack: musl's `pthread_join` may unmap the
//! stack as soon as the word is cleared.

use core::arch::naked_asm;
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use core::time::Duration;

use cairn_abi::{Syscall, error};
use cairn_linux::clone::{CloneKind, FutexOp, clone_kind, futex_op};
use cairn_linux::nr;
use cairn_linux::stat::Timespec;

use crate::sys::{Args, SysResult, cairn, read};

/// Threads with a word to clear when they end: (tid, word address). A
/// slot whose tid is [`RESERVED`] belongs to a thread being created.
const SLOTS: usize = 1024;
static CLEAR_TID: [(AtomicUsize, AtomicUsize); SLOTS] = [const { (AtomicUsize::new(0), AtomicUsize::new(0)) }; SLOTS];
const RESERVED: usize = usize::MAX;

/// Takes a free slot for `tid` (or [`RESERVED`]) and `word`.
fn claim_slot(tid: usize, word: usize) -> Option<usize> {
    for (i, (slot_tid, slot_word)) in CLEAR_TID.iter().enumerate() {
        if slot_tid.compare_exchange(0, RESERVED, Ordering::AcqRel, Ordering::Relaxed).is_ok() {
            slot_word.store(word, Ordering::Release);
            slot_tid.store(tid, Ordering::Release);
            return Some(i);
        }
    }
    None
}

/// Removes `tid`'s slot and returns its word.
fn release_slot(tid: usize) -> Option<usize> {
    let (slot_tid, word) = CLEAR_TID.iter().find(|(slot_tid, _)| slot_tid.load(Ordering::Acquire) == tid)?;
    let word = word.load(Ordering::Acquire);
    slot_tid.store(0, Ordering::Release);
    Some(word)
}

fn gettid() -> usize {
    cairn_rt::sys::gettid()
}

/// Handles `exit` (of a thread), `set_tid_address` and `futex`.
///
/// # Safety
/// `args` are Linux's arguments for call `n`.
pub unsafe fn call(n: usize, args: Args) -> SysResult {
    let [a, b, c, d, _, f] = args.0;
    match n {
        nr::EXIT => exit_thread(a),
        nr::SET_TID_ADDRESS => {
            let tid = gettid();
            release_slot(tid);
            if a != 0 {
                claim_slot(tid, a).ok_or(error::EAGAIN)?;
            }
            Ok(tid)
        }
        // SAFETY: the caller's futex word and time-out.
        nr::FUTEX => unsafe { futex(a, b, c, d, f) },
        _ => Err(error::ENOSYS),
    }
}

/// After `fork`, the child's only thread has cleared nothing yet and its
/// parent's threads are not its own: the table starts empty (Linux's
/// `fork` child has no clear-tid address either).
pub fn after_fork_in_child() {
    for (tid, _) in &CLEAR_TID {
        tid.store(0, Ordering::Release);
    }
}

/// Ends the calling thread, first clearing and waking its clear-tid word.
fn exit_thread(code: usize) -> ! {
    match release_slot(gettid()) {
        // SAFETY: the word is the one musl registered for this thread;
        // nothing after the store uses the stack.
        Some(word) => unsafe { clear_wake_exit(word, code) },
        None => {
            // SAFETY: ending this thread; no memory is touched.
            let _ = unsafe { cairn(Syscall::ThreadExit, [code, 0, 0, 0, 0, 0]) };
            unreachable!("thread_exit returned")
        }
    }
}

/// `*word = 0`, `futex_wake(word, 1)`, `thread_exit(code)`: registers
/// only, so the stack may already be gone after the store.
#[unsafe(naked)]
unsafe extern "C" fn clear_wake_exit(word: usize, code: usize) -> ! {
    naked_asm!(
        "mov r8, rsi",
        "mov dword ptr [rdi], 0",
        "mov eax, {wake}",
        "mov esi, 1",
        "syscall",
        "mov eax, {exit}",
        "mov rdi, r8",
        "syscall",
        "ud2",
        wake = const Syscall::FutexWake as usize,
        exit = const Syscall::ThreadExit as usize,
    )
}

/// `futex(word, op, value, timeout or count, word2, value3)`.
unsafe fn futex(word: usize, op: usize, value: usize, timeout: usize, value3: usize) -> SysResult {
    let wake = |count: usize| {
        // SAFETY: the kernel uses the address only as a key.
        unsafe { cairn(Syscall::FutexWake, [word, count, 0, 0, 0, 0]) }
    };
    match futex_op(op, value3)? {
        FutexOp::Wait => {
            let timeout_ns = if timeout == 0 {
                u64::MAX
            } else {
                // SAFETY: the caller's relative `struct timespec`.
                let t = unsafe { read::<Timespec>(timeout)? }.to_cairn()?;
                let d = Duration::new(t.tv_sec as u64, t.tv_nsec as u32);
                u64::try_from(d.as_nanos()).unwrap_or(u64::MAX - 1)
            };
            // SAFETY: the kernel reads the word and sleeps on its address.
            unsafe { cairn(Syscall::FutexWait, [word, value & 0xffff_ffff, timeout_ns as usize, 0, 0, 0]) }
        }
        FutexOp::Wake => wake(value),
        FutexOp::WakeInsteadOfRequeue { expect } => {
            if let Some(expected) = expect {
                // SAFETY: the caller's aligned futex word.
                let current = unsafe { &*(word as *const AtomicU32) }.load(Ordering::SeqCst);
                if current != expected {
                    return Err(error::EAGAIN);
                }
            }
            // `timeout` is the requeue count here.
            wake(value.saturating_add(timeout))
        }
    }
}

/// musl's `__clone(func, stack, flags, arg, parent_tid, tls, child_tid)`:
/// a thread (`thread_create`) or a process (`fork`) that runs `func(arg)`
/// on `stack` and ends with its result. Returns the new id or `-errno`.
///
/// # Safety
/// `stack` is the top of memory the child may use; `tls` a thread block
/// musl prepared; the tid pointers point to `int`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __clone(
    func: usize,
    stack: usize,
    flags: usize,
    arg: usize,
    parent_tid: usize,
    tls: usize,
    child_tid: usize,
) -> isize {
    let stack = stack & !15;
    // SAFETY: as the caller vouches.
    let result = unsafe {
        match clone_kind(flags) {
            Ok(CloneKind::Thread { set_parent_tid, clear_child_tid }) => {
                let parent_tid = if set_parent_tid { parent_tid } else { 0 };
                let child_tid = if clear_child_tid { child_tid } else { 0 };
                spawn_thread(func, arg, stack, tls, parent_tid, child_tid)
            }
            Ok(CloneKind::Process) => spawn_process(func, arg, stack),
            Err(e) => Err(e),
        }
    };
    match result {
        Ok(id) => id as isize,
        Err(e) => -(e as isize),
    }
}

/// What a new thread finds at the top of its stack.
#[repr(C)]
struct ThreadStart {
    func: usize,
    arg: usize,
    /// Where to store the thread's id (0: nowhere).
    parent_tid: usize,
    /// The clear-tid slot reserved for it, or `usize::MAX`.
    slot: usize,
}

unsafe fn spawn_thread(
    func: usize,
    arg: usize,
    stack: usize,
    tls: usize,
    parent_tid: usize,
    child_tid: usize,
) -> SysResult {
    let slot = if child_tid != 0 { claim_slot(RESERVED, child_tid).ok_or(error::EAGAIN)? } else { usize::MAX };
    let start = (stack - size_of::<ThreadStart>()) & !15;
    // SAFETY: the top of the new thread's stack is the caller's to give.
    unsafe { (start as *mut ThreadStart).write(ThreadStart { func, arg, parent_tid, slot }) };
    let entry = thread_entry as *const () as usize;
    // SAFETY: entry and stack are valid; `tls` is musl's thread block.
    let tid = unsafe { cairn(Syscall::ThreadCreate, [entry, start, start, tls, 0, 0]) };
    match tid {
        Ok(tid) => {
            if parent_tid != 0 {
                // SAFETY: musl's `int` for the new thread's id.
                unsafe { (parent_tid as *mut i32).write_volatile(tid as i32) };
            }
            Ok(tid)
        }
        Err(e) => {
            if slot != usize::MAX {
                CLEAR_TID[slot].0.store(0, Ordering::Release);
            }
            Err(e)
        }
    }
}

/// Where a new thread starts: the kernel enters it like a call, RDI = its
/// [`ThreadStart`], RSP = that address - 8 (a zero return address).
/// Aligns the stack, records the thread's id, calls `func(arg)` and ends
/// the thread with the result.
#[unsafe(naked)]
extern "C" fn thread_entry() -> ! {
    naked_asm!(
        "xor ebp, ebp",
        "and rsp, -16",
        "mov rbx, rdi",
        "call {started}",
        "mov rax, [rbx]",
        "mov rdi, [rbx + 8]",
        "call rax",
        "mov edi, eax",
        "call {finished}",
        "ud2",
        started = sym thread_started,
        finished = sym thread_finished,
    )
}

/// The new thread's first act: its id where musl wants it (before `func`
/// may read it) and in its clear-tid slot.
extern "C" fn thread_started(start: &ThreadStart) {
    let tid = gettid();
    if start.parent_tid != 0 {
        // SAFETY: musl's `int` for this thread's id.
        unsafe { (start.parent_tid as *mut i32).write_volatile(tid as i32) };
    }
    if let Some((slot_tid, _)) = CLEAR_TID.get(start.slot) {
        slot_tid.store(tid, Ordering::Release);
    }
}

extern "C" fn thread_finished(code: i32) -> ! {
    exit_thread(code as u32 as usize)
}

/// A child process on `stack` running `func(arg)` (`posix_spawn`).
unsafe fn spawn_process(func: usize, arg: usize, stack: usize) -> SysResult {
    // SAFETY: `fork` copies the process.
    let pid = unsafe { cairn(Syscall::Fork, [0; 6])? };
    if pid == 0 {
        after_fork_in_child();
        // SAFETY: the child's copy of `stack` is free for it to run on.
        unsafe { run_on_stack(func, arg, stack) }
    }
    Ok(pid)
}

/// Switches to `stack`, calls `func(arg)`, exits the process with the
/// result.
#[unsafe(naked)]
unsafe extern "C" fn run_on_stack(func: usize, arg: usize, stack: usize) -> ! {
    naked_asm!(
        "mov rsp, rdx",
        "xor ebp, ebp",
        "mov rax, rdi",
        "mov rdi, rsi",
        "call rax",
        "mov edi, eax",
        "call {exit}",
        "ud2",
        exit = sym exit_process,
    )
}

extern "C" fn exit_process(code: i32) -> ! {
    cairn_rt::process::exit(code)
}
