//! Threads: [`spawn`] a closure on a new kernel thread and [`JoinHandle::join`]
//! its result; [`current`], [`yield_now`], [`sleep`],
//! [`available_parallelism`].
//!
//! Each thread runs on its own anonymous mapping: a `PROT_NONE` guard page
//! at the bottom (a stack overflow faults instead of overwriting memory),
//! the stack, and the thread's control block at the top, which becomes its
//! FS base. Joining unmaps the stack. A detached thread (its handle was
//! dropped) marks its control block finished just before it exits; its
//! stack is reclaimed by a later `spawn`.
//!
//! Depends on [`crate::sys`], [`crate::tls`], [`crate::sync`] and `alloc`.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::fmt;
use core::num::NonZeroUsize;
use core::sync::atomic::Ordering;
use core::time::Duration;

use cairn_abi::{Syscall, TimeSpec};

use crate::error::{Error, Result};
use crate::sync::{Arc, Mutex};
use crate::sys::{
    MapFlags, PAGE_SIZE, gettid, map_anonymous, mprotect, munmap, syscall0, syscall1, syscall2, syscall4,
};
use crate::time::{duration_to_timespec, timespec_to_duration};
use crate::tls::{self, Tcb};

/// Stack size of a thread unless [`Builder::stack_size`] says otherwise.
pub const DEFAULT_STACK_SIZE: usize = 256 * 1024;

/// A kernel thread id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ThreadId(usize);

impl ThreadId {
    /// The kernel's number for the thread.
    pub fn as_usize(&self) -> usize {
        self.0
    }
}

/// A handle to a thread.
#[derive(Clone, Debug)]
pub struct Thread {
    id: ThreadId,
}

impl Thread {
    pub fn id(&self) -> ThreadId {
        self.id
    }
}

/// The calling thread.
pub fn current() -> Thread {
    Thread { id: ThreadId(tls::current().tid.load(Ordering::Relaxed)) }
}

/// Gives up the CPU to another ready thread, if any.
pub fn yield_now() {
    // SAFETY: no arguments, no memory effects.
    let _ = unsafe { syscall0(Syscall::SchedYield as usize) };
}

/// Sleeps for at least `duration` (resuming after signal handlers).
pub fn sleep(duration: Duration) {
    let mut request = duration_to_timespec(duration);
    loop {
        let mut remaining = TimeSpec::default();
        // SAFETY: the kernel reads `request` and writes `remaining`, both
        // valid `TimeSpec`s.
        let result = unsafe {
            syscall2(Syscall::Nanosleep as usize, (&raw const request) as usize, (&raw mut remaining) as usize)
        };
        match result {
            Err(Error::Os(e)) if e.errno == cairn_abi::error::EINTR => {
                if timespec_to_duration(&remaining).is_zero() {
                    return;
                }
                request = remaining;
            }
            _ => return,
        }
    }
}

/// How many CPUs can run threads (from `sysinfo`).
pub fn available_parallelism() -> Result<NonZeroUsize> {
    NonZeroUsize::new(crate::sys::cpu_info()?.len()).ok_or(Error::from_errno(cairn_abi::error::EIO))
}

/// A thread's mapping: guard page, stack, control block at the top.
struct Stack {
    base: usize,
    len: usize,
}

impl Stack {
    fn new(size: usize) -> Result<Stack> {
        let len = size.max(PAGE_SIZE).next_multiple_of(PAGE_SIZE) + PAGE_SIZE;
        let base = map_anonymous(len, MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE)?;
        let stack = Stack { base, len };
        // SAFETY: the lowest page of a mapping nobody uses yet becomes the
        // guard page.
        unsafe { mprotect(base, PAGE_SIZE, MapFlags::PROT_NONE)? };
        Ok(stack)
    }

    /// The control block's slot: the last 64 bytes of the mapping.
    fn tcb(&self) -> *mut Tcb {
        const _: () = assert!(size_of::<Tcb>() <= 64);
        (self.base + self.len - 64) as *mut Tcb
    }

    /// The initial stack pointer (16-byte aligned, below the TCB).
    fn top(&self) -> usize {
        self.tcb() as usize
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        // SAFETY: a `Stack` is dropped only when its thread never started
        // or has been joined, so nothing runs on it any more. A failure
        // leaves a stray mapping and nothing else to do.
        let _ = unsafe { munmap(self.base, self.len) };
    }
}

/// A detached thread whose stack awaits reclamation.
struct Detached {
    tid: usize,
    stack: Stack,
}

// SAFETY: a `Detached` is just addresses; the thread that reaps it joins the
// kernel thread before touching the mapping.
unsafe impl Send for Detached {}

static DETACHED: Mutex<Vec<Detached>> = Mutex::new(Vec::new());

/// Joins and unmaps the detached threads that have finished.
fn reap_detached() {
    DETACHED.lock().retain(|d| {
        // SAFETY: the mapping is alive until this entry is dropped.
        let finished = unsafe { (*d.stack.tcb()).finished.load(Ordering::Acquire) } == 1;
        // A finished thread is at most a few instructions from its
        // `thread_exit`, so the join returns at once. After a `fork` the
        // child's copies of other threads' entries fail the join (no such
        // thread): unmapping their stacks is right then too.
        if finished {
            // SAFETY: plain integer argument.
            let _ = unsafe { syscall1(Syscall::ThreadJoin as usize, d.tid) };
        }
        !finished
    });
}

/// Where a thread leaves its result.
struct Packet<T> {
    result: UnsafeCell<Option<T>>,
}

// SAFETY: the thread writes `result` before it exits; the joiner reads it
// only after `thread_join` returned, which orders the two.
unsafe impl<T: Send> Sync for Packet<T> {}

/// What the new thread's entry receives.
struct Start {
    main: Box<dyn FnOnce() + Send>,
    tcb: *const Tcb,
}

/// First Rust code of every new thread. The kernel enters it like a
/// function call: RDI = `arg`, RSP = stack top - 8 holding a zero return
/// address, FS base = the thread's control block.
extern "C" fn thread_entry(arg: usize) -> ! {
    // SAFETY: `arg` is the `Box<Start>` leaked by `Builder::spawn` for this
    // thread alone.
    let Start { main, tcb } = *unsafe { Box::from_raw(arg as *mut Start) };
    // SAFETY: the control block lives at the top of this thread's stack
    // mapping, which stays mapped until the thread has been joined.
    let tcb = unsafe { &*tcb };
    tcb.tid.store(gettid(), Ordering::Relaxed);
    main();
    tcb.finished.store(1, Ordering::Release);
    // SAFETY: ends this thread; nothing of it is used afterwards.
    let _ = unsafe { syscall1(Syscall::ThreadExit as usize, 0) };
    unreachable!("thread_exit returned")
}

/// Thread configuration.
#[derive(Debug)]
pub struct Builder {
    stack_size: usize,
}

impl Default for Builder {
    fn default() -> Builder {
        Builder::new()
    }
}

impl Builder {
    pub fn new() -> Builder {
        Builder { stack_size: DEFAULT_STACK_SIZE }
    }

    /// Stack size in bytes (rounded up to pages).
    pub fn stack_size(mut self, size: usize) -> Builder {
        self.stack_size = size;
        self
    }

    /// Starts `f` on a new thread.
    pub fn spawn<F, T>(self, f: F) -> Result<JoinHandle<T>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        reap_detached();
        let stack = Stack::new(self.stack_size)?;
        let tcb = stack.tcb();
        // SAFETY: `tcb` is a writable, suitably aligned slot of the new
        // mapping that nothing else uses.
        unsafe {
            tcb.write(Tcb::new());
            (*tcb).anchor();
        }
        let packet = Arc::new(Packet { result: UnsafeCell::new(None) });
        let their_packet = packet.clone();
        let main: Box<dyn FnOnce() + Send> = Box::new(move || {
            let value = f();
            // SAFETY: only this thread writes the packet, before it exits.
            unsafe { *their_packet.result.get() = Some(value) };
        });
        let start = Box::into_raw(Box::new(Start { main, tcb }));
        // SAFETY: the new thread gets its own stack and control block and
        // takes ownership of `start`.
        let created = unsafe {
            syscall4(
                Syscall::ThreadCreate as usize,
                thread_entry as *const () as usize,
                stack.top(),
                start as usize,
                tcb as usize,
            )
        };
        match created {
            Ok(tid) => {
                // SAFETY: the control block outlives the handle's use of it.
                unsafe { (*tcb).tid.store(tid, Ordering::Relaxed) };
                Ok(JoinHandle { tid, stack: Some(stack), packet, thread: Thread { id: ThreadId(tid) } })
            }
            Err(e) => {
                // SAFETY: the thread was not created, so `start` is still ours.
                drop(unsafe { Box::from_raw(start) });
                Err(e)
            }
        }
    }
}

/// Runs `f` on a new thread. Panics if the thread cannot be created (use
/// [`Builder::spawn`] to handle that).
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match Builder::new().spawn(f) {
        Ok(handle) => handle,
        Err(e) => panic!("failed to spawn thread: {e}"),
    }
}

/// Owns a thread: join it to get its result. Dropping the handle detaches
/// the thread.
pub struct JoinHandle<T> {
    tid: usize,
    /// `None` once joined.
    stack: Option<Stack>,
    packet: Arc<Packet<T>>,
    thread: Thread,
}

impl<T> JoinHandle<T> {
    pub fn thread(&self) -> &Thread {
        &self.thread
    }

    /// Waits for the thread to end and returns what its closure returned.
    /// (A panic in any thread ends the whole process, so there is no panic
    /// payload to report.)
    pub fn join(mut self) -> Result<T> {
        loop {
            // SAFETY: plain integer argument.
            match unsafe { syscall1(Syscall::ThreadJoin as usize, self.tid) } {
                Err(e) if e.errno() == Some(cairn_abi::error::EINTR) => continue,
                Err(e) => return Err(e),
                Ok(_) => break,
            }
        }
        // The thread is gone: its stack can go too.
        drop(self.stack.take());
        // SAFETY: the thread has exited, so nobody else touches the packet.
        unsafe { (*self.packet.result.get()).take() }.ok_or(Error::NoResult)
    }

    /// Whether the thread has finished (its result is ready to join).
    pub fn is_finished(&self) -> bool {
        // SAFETY: the mapping lives as long as `self.stack` is `Some`.
        self.stack.as_ref().is_none_or(|s| unsafe { (*s.tcb()).finished.load(Ordering::Acquire) } == 1)
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if let Some(stack) = self.stack.take() {
            DETACHED.lock().push(Detached { tid: self.tid, stack });
        }
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").field("tid", &self.tid).finish_non_exhaustive()
    }
}
