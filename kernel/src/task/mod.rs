//! Processes, threads and the scheduler.
//!
//! All task state lives in one [`Tasks`] value reached through [`with`],
//! which requires the big kernel lock ([`bkl`]). The scheduler keeps one run
//! queue per CPU with [`PRIORITY_LEVELS`] levels (strict priority, round
//! robin within a level, a time slice of [`TIME_SLICE_TICKS`] ticks); an
//! idle CPU steals from the busiest queue. Every thread has its own kernel
//! stack, so a thread that blocks in a system call simply switches away
//! and later continues where it stopped.

pub mod affinity;
pub mod bkl;
mod crowd;
mod ids;
mod in_place;
pub mod limits;
mod oom;
pub mod process;
pub mod signal;
mod switch;
mod thread;
mod waiters;

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

use cairn_abi::PRIORITY_LEVELS;

pub use ids::{INIT_PID, Pid, Tid};
pub use in_place::{InPlace, wait_in_place};
pub use process::{Process, ProcessState};
pub use thread::{FpuArea, TIME_SLICE_TICKS, Thread, ThreadState, WaitReason};
use waiters::Waiters;

use crate::arch::trap::TrapFrame;
use crate::interrupts::{self, VECTOR_WAKE};
use crate::mm::paging;
use crate::percpu;
use crate::vm::AddressSpace;

/// What a queue of waiting threads waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum WaitKey {
    /// A futex word: the address space and virtual address for private
    /// memory, the physical address (space 0) for shared memory, so
    /// waiters in different processes meet.
    Futex { space: u64, address: u64 },
    /// Data, space or an end closing on a pipe.
    Pipe(crate::pipe::PipeId),
    /// Requests arriving at a scheme (its server waits).
    SchemeRequests(crate::scheme::SchemeId),
    /// The answer to one request (its client waits).
    SchemeReply(crate::scheme::SchemeId, u64),
    /// Room in a scheme's request queue (clients over their queued-bytes
    /// bound wait).
    SchemeRoom(crate::scheme::SchemeId),
    /// A timer expiring (its readers wait).
    Timer(crate::events::TimerId),
    /// Anything an event queue could report (event-queue waiters).
    Events,
    /// A process or thread ending (handle readers), by the address of its
    /// end cell.
    Ended(usize),
    /// A device interrupt firing (its driver waits).
    Interrupt(crate::irq::InterruptId),
}

/// Where a woken thread runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Wake {
    /// On the least loaded CPU (the one it ran on last, on a tie).
    Balanced,
    /// Next on this CPU, whose thread is about to wait for it.
    Handoff,
    /// Last in line on this CPU, with no IPI: for a thread told of
    /// something that need not be handled at once (a server told of a
    /// `CLOSE`). It runs when this CPU's thread next waits or is
    /// preempted, or an idle CPU takes it at its next look; the waker keeps
    /// its CPU and the two do not bounce between CPUs.
    Local,
}

impl WaitKey {
    /// Whether an event queue can wait on this key: the kinds
    /// `events::wait_key` gives for watched objects.
    fn is_watchable(self) -> bool {
        matches!(
            self,
            WaitKey::Pipe(_)
                | WaitKey::SchemeRequests(_)
                | WaitKey::Timer(_)
                | WaitKey::Ended(_)
                | WaitKey::Interrupt(_)
                | WaitKey::Events
        )
    }
}

/// One CPU's scheduling state.
struct CpuScheduler {
    queues: [VecDeque<Tid>; PRIORITY_LEVELS],
    current: Option<Tid>,
    /// Saved stack pointer of the CPU's idle context.
    idle_rsp: u64,
    /// Top of the idle context's stack (the CPU's own kernel stack).
    idle_stack_top: u64,
    /// FPU area for the idle context (never used for user state).
    idle_fpu: Box<FpuArea>,
    /// Threads and address spaces that died here; freed after the next
    /// switch, when no CPU runs on them. Threads stay boxed: the switch away
    /// from a dying thread saves its stack pointer into it.
    #[allow(clippy::vec_box)]
    dead_threads: Vec<Box<Thread>>,
    dead_spaces: Vec<AddressSpace>,
}

impl CpuScheduler {
    fn queued(&self) -> usize {
        self.queues.iter().map(VecDeque::len).sum()
    }
}

impl Tasks {
    /// How many threads wait in each level of CPU `cpu`'s run queue, and
    /// the level of the thread it runs (for `/scheme/sys/cpus`).
    pub fn run_queue(&self, cpu: usize) -> Option<([usize; PRIORITY_LEVELS], Option<usize>)> {
        let scheduler = self.cpus.get(cpu)?;
        let running = scheduler.current.and_then(|tid| self.threads.get(&tid)).map(|t| self.level_of(t));
        Some((scheduler.queues.each_ref().map(VecDeque::len), running))
    }
}

/// All processes and threads.
pub struct Tasks {
    pub processes: BTreeMap<Pid, Process>,
    pub threads: BTreeMap<Tid, Box<Thread>>,
    cpus: Vec<CpuScheduler>,
    queues: BTreeMap<WaitKey, Waiters>,
    /// The queues each thread waiting for [`WaitReason::Any`] is on.
    multi_waits: BTreeMap<Tid, Vec<WaitKey>>,
    /// (deadline in TSC ticks, thread) of every timed wait.
    sleepers: BTreeSet<(u64, Tid)>,
    deadlines: BTreeMap<Tid, u64>,
    /// Armed timers, checked with the sleepers.
    timers: BTreeMap<crate::events::TimerId, crate::events::TimerRef>,
    next_pid: u32,
    next_tid: u32,
    /// Users with more computing threads than their share (`crowd`).
    crowding: crowd::Crowding,
}

struct TaskCell(UnsafeCell<Option<Tasks>>);

// SAFETY: the contents are only reached through `with`, which requires the
// big kernel lock, so one CPU at a time.
unsafe impl Sync for TaskCell {}

static TASKS: TaskCell = TaskCell(UnsafeCell::new(None));
static IN_USE: AtomicBool = AtomicBool::new(false);
static STARTED: AtomicBool = AtomicBool::new(false);
/// Queues to wake at the end of the current (or next) [`with`]: filled by
/// destructors, which may run inside it (see [`wake_later`]).
static DEFERRED_WAKES: spin::Mutex<Vec<WaitKey>> = spin::Mutex::new(Vec::new());
/// Whether [`DEFERRED_WAKES`] may hold a note (set under its lock), so
/// that [`with`] skips the lock when none was left.
static DEFERRED_PENDING: AtomicBool = AtomicBool::new(false);

/// Runs `f` on the task state. Requires the big kernel lock; must not be
/// nested (the closure gets the only `&mut`).
pub fn with<R>(f: impl FnOnce(&mut Tasks) -> R) -> R {
    assert!(bkl::held_here(), "task state used without the big kernel lock");
    assert!(!IN_USE.swap(true, Ordering::Acquire), "task state borrowed twice");
    // SAFETY: the big kernel lock is held by this CPU and IN_USE proves no
    // other borrow is live on it.
    let tasks = unsafe { (*TASKS.0.get()).as_mut().expect("task state initialised before use") };
    let result = f(tasks);
    // One at a time, so the list keeps its room for the next notes.
    while DEFERRED_PENDING.load(Ordering::Acquire) {
        let next = {
            let mut keys = DEFERRED_WAKES.lock();
            let key = keys.pop();
            if keys.is_empty() {
                DEFERRED_PENDING.store(false, Ordering::Release);
            }
            key
        };
        if let Some(key) = next {
            tasks.wake_queue_by(key, usize::MAX, Wake::Local);
        }
    }
    IN_USE.store(false, Ordering::Release);
    result
}

/// Wakes `key`'s waiters when the task state is next released, on this
/// CPU without an IPI ([`Wake::Local`]): for code that cannot reach it (a
/// destructor, possibly running inside [`with`]) telling of something
/// that need not be handled at once (a `CLOSE`).
/// If the note cannot be stored the wake is lost; waiters then see the
/// change at their next wake-up.
pub fn wake_later(key: WaitKey) {
    let mut keys = DEFERRED_WAKES.lock();
    if keys.try_reserve(1).is_ok() {
        keys.push(key);
        DEFERRED_PENDING.store(true, Ordering::Release);
    }
}

/// Whether user space has been started (idle loops then look for work).
pub fn started() -> bool {
    STARTED.load(Ordering::Acquire)
}

/// Creates the task state for `cpu_count` CPUs; `idle_stacks` gives each
/// CPU's own kernel stack top (used while it idles).
pub fn init(idle_stacks: &[u64]) {
    let cpus = idle_stacks
        .iter()
        .map(|&top| CpuScheduler {
            queues: Default::default(),
            current: None,
            idle_rsp: 0,
            idle_stack_top: top,
            idle_fpu: FpuArea::initial(),
            dead_threads: Vec::new(),
            dead_spaces: Vec::new(),
        })
        .collect();
    // SAFETY: runs once on the BSP before any other CPU looks at tasks.
    unsafe {
        *TASKS.0.get() = Some(Tasks {
            processes: BTreeMap::new(),
            threads: BTreeMap::new(),
            cpus,
            queues: BTreeMap::new(),
            multi_waits: BTreeMap::new(),
            sleepers: BTreeSet::new(),
            deadlines: BTreeMap::new(),
            timers: BTreeMap::new(),
            next_pid: 1,
            next_tid: 1,
            crowding: Default::default(),
        })
    };
    STARTED.store(true, Ordering::Release);
}

fn this_cpu() -> usize {
    percpu::current().index.0 as usize
}

impl Tasks {
    pub fn allocate_pid(&mut self) -> Pid {
        loop {
            let pid = Pid(self.next_pid);
            self.next_pid = if self.next_pid >= 1 << 22 { 2 } else { self.next_pid + 1 };
            if !self.processes.contains_key(&pid) {
                return pid;
            }
        }
    }

    pub fn allocate_tid(&mut self) -> Tid {
        loop {
            let tid = Tid(self.next_tid);
            self.next_tid = if self.next_tid >= 1 << 22 { 1 } else { self.next_tid + 1 };
            if !self.threads.contains_key(&tid) {
                return tid;
            }
        }
    }

    /// The thread running on this CPU.
    pub fn current_tid(&self) -> Tid {
        self.cpus[this_cpu()].current.expect("called from a thread context")
    }

    pub fn current_thread(&mut self) -> &mut Thread {
        let tid = self.current_tid();
        self.threads.get_mut(&tid).expect("the current thread exists")
    }

    /// The running thread's process, as this CPU recorded it at the switch
    /// (no look-up: this is on nearly every system call's path).
    pub fn current_pid(&self) -> Pid {
        Pid(percpu::current().running().0)
    }

    pub fn current_process(&mut self) -> &mut Process {
        let pid = self.current_pid();
        self.processes.get_mut(&pid).expect("the current process exists")
    }

    /// Adds a new thread (state Runnable) and queues it.
    pub fn add_thread(&mut self, thread: Box<Thread>) {
        let tid = thread.tid;
        let frame_address = thread.frame_address();
        self.threads.insert(tid, thread);
        // SAFETY: the words below the trap frame are the unused top of the
        // new thread's kernel stack.
        let rsp = unsafe { switch::prepare_new_context(frame_address) };
        self.threads.get_mut(&tid).expect("just inserted").saved_rsp = rsp;
        self.make_runnable(tid);
    }

    /// Puts a thread on the least loaded CPU's queue among those it may
    /// run on and wakes that CPU.
    pub fn make_runnable(&mut self, tid: Tid) {
        self.make_runnable_by(tid, Wake::Balanced);
    }

    /// Makes a thread runnable: on the least loaded CPU it may run on, or
    /// ([`Wake::Handoff`], [`Wake::Local`], if it may run here) first or
    /// last in line on this one.
    fn make_runnable_by(&mut self, tid: Tid, how: Wake) {
        let Some(thread) = self.threads.get_mut(&tid) else { return };
        if matches!(thread.state, ThreadState::Running | ThreadState::Dead) {
            return;
        }
        thread.state = ThreadState::Runnable;
        thread.waiting = None;
        let (preferred, allowed) = (thread.last_cpu, thread.affinity);
        let level = self.level_of(&self.threads[&tid]);
        if how != Wake::Balanced && allowed.contains(this_cpu()) {
            let queue = &mut self.cpus[this_cpu()].queues[level];
            if how == Wake::Handoff {
                queue.push_front(tid)
            } else {
                queue.push_back(tid)
            }
            return;
        }
        // A CPU whose thread waits in place for an interrupt counts as
        // idle: a thread queued there ends the wait (`in_place`).
        let busy = |c: usize| {
            self.cpus[c].current.is_some()
                && !percpu::online().get(c).is_some_and(|cpu| cpu.waiting_in_place.load(Ordering::Acquire))
        };
        let load = |c: usize| self.cpus[c].queued() + usize::from(busy(c));
        let cpu = (0..self.cpus.len())
            .filter(|&c| allowed.contains(c))
            .min_by_key(|&c| (load(c), usize::from(c != preferred)))
            .unwrap_or(preferred);
        self.cpus[cpu].queues[level].push_back(tid);
        if cpu != this_cpu()
            && let (Some(target), Some(lapic)) = (percpu::online().get(cpu), interrupts::local_apic())
        {
            target.wake_ipis.fetch_add(1, Ordering::Relaxed);
            lapic.send_ipi(target.apic_id, VECTOR_WAKE);
        }
    }

    /// Blocks the current thread for `reason`; the caller then calls
    /// [`reschedule`]. `deadline` (TSC) ends the wait with `timed_out`.
    /// A thread with a signal to act on (or a process being killed) does
    /// not block at all: it is marked `interrupted` at once, so a signal
    /// sent just before the wait is never lost.
    pub fn block_current(&mut self, reason: WaitReason, deadline: Option<u64>) {
        let tid = self.current_tid();
        let must_act = self.must_act(tid);
        let thread = self.current_thread();
        if must_act {
            thread.interrupted = true;
            thread.timed_out = false;
            return;
        }
        thread.state = ThreadState::Blocked;
        thread.penalty = 0;
        thread.waiting = Some(reason);
        thread.timed_out = false;
        thread.interrupted = false;
        if let WaitReason::Queue(key) = reason {
            self.enqueue(key, tid);
        }
        if let Some(deadline) = deadline {
            self.sleepers.insert((deadline, tid));
            self.deadlines.insert(tid, deadline);
        }
    }

    /// Blocks the current thread until any of `keys` is woken (or
    /// `deadline`), as [`Tasks::block_current`] does for one.
    pub fn block_current_any(&mut self, keys: Vec<WaitKey>, deadline: Option<u64>) {
        self.block_current(WaitReason::Any, deadline);
        let tid = self.current_tid();
        if self.threads[&tid].state != ThreadState::Blocked {
            return;
        }
        for key in &keys {
            self.enqueue(*key, tid);
        }
        self.multi_waits.insert(tid, keys);
    }

    /// Ends a thread's wait (undoing its queue entries) and makes it runnable.
    pub fn wake(&mut self, tid: Tid) {
        self.wake_by(tid, Wake::Balanced);
    }

    fn wake_by(&mut self, tid: Tid, how: Wake) {
        let Some(thread) = self.threads.get_mut(&tid) else { return };
        if thread.state != ThreadState::Blocked {
            return;
        }
        match thread.waiting {
            Some(WaitReason::Queue(key)) => self.dequeue(key, tid),
            Some(WaitReason::Any) => {
                for key in self.multi_waits.remove(&tid).unwrap_or_default() {
                    self.dequeue(key, tid);
                }
            }
            _ => {}
        }
        if let Some(deadline) = self.deadlines.remove(&tid) {
            self.sleepers.remove(&(deadline, tid));
        }
        self.make_runnable_by(tid, how);
    }

    /// Wakes up to `count` threads waiting on `key` and every event-queue
    /// waiter watching an object that signals on `key`; returns how many
    /// of the former.
    pub fn wake_queue(&mut self, key: WaitKey, count: usize) -> usize {
        self.wake_queue_by(key, count, Wake::Balanced)
    }

    /// Wakes `key`'s waiters to run next on this CPU: for a caller that is
    /// about to wait for what it woke (a client that sent a request, a
    /// server that answered one), so the two pass this CPU back and forth
    /// with no run-queue trip to another CPU and no IPI.
    pub fn wake_queue_handoff(&mut self, key: WaitKey, count: usize) -> usize {
        self.wake_queue_by(key, count, Wake::Handoff)
    }

    fn wake_queue_by(&mut self, key: WaitKey, count: usize, how: Wake) -> usize {
        // The queue is taken out whole (one look-up) and what is left put
        // back. Event-queue waiters watching this object re-check it,
        // whatever `count` says; `count` is for the threads waiting on it
        // alone. Only the kinds of key `events::wait_key` gives can have
        // such waiters, so futex and scheme-reply wakes skip the look.
        let Some(mut waiting) = self.queues.remove(&key) else { return 0 };
        let (mut woken, mut kept) = (0, None::<Waiters>);
        while let Some(tid) = waiting.pop_front() {
            let Some(thread) = self.threads.get_mut(&tid) else { continue };
            if key.is_watchable() && thread.waiting == Some(WaitReason::Any) {
                self.wake_by(tid, how);
            } else if woken < count {
                // Off its one queue already.
                if matches!(thread.waiting, Some(WaitReason::Queue(_))) {
                    thread.waiting = None;
                }
                self.wake_by(tid, how);
                woken += 1;
            } else {
                match &mut kept {
                    Some(kept) => kept.push_back(tid),
                    None => kept = Some(Waiters::One(tid)),
                }
            }
        }
        if let Some(kept) = kept {
            self.queues.insert(key, kept);
        }
        woken
    }

    /// Arms (`true`) or forgets a timer for [`Tasks::expire_timers`].
    pub fn track_timer(&mut self, timer: &crate::events::TimerRef, armed: bool) {
        let id = timer.lock().id;
        if armed {
            self.timers.insert(id, timer.clone());
        } else {
            self.timers.remove(&id);
        }
    }

    /// Puts `tid` at the back of `key`'s queue.
    fn enqueue(&mut self, key: WaitKey, tid: Tid) {
        match self.queues.entry(key) {
            alloc::collections::btree_map::Entry::Occupied(mut queue) => queue.get_mut().push_back(tid),
            alloc::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(Waiters::One(tid));
            }
        }
    }

    /// Takes `tid` out of `key`'s queue, and the queue away once empty.
    fn dequeue(&mut self, key: WaitKey, tid: Tid) {
        if let Some(queue) = self.queues.get_mut(&key) {
            queue.remove(tid);
            if queue.is_empty() {
                self.queues.remove(&key);
            }
        }
    }

    /// Drops fds that `caller` closed, then tells whoever depends on them:
    /// pipe waiters (a reader sees end of file when the last writer goes),
    /// a scheme server when the last fd of a handle closes (`CLOSE`), the
    /// clients of a scheme whose last endpoint fd closes (it dies).
    pub fn release_handles(&mut self, handles: Vec<crate::fd::Handle>, caller: crate::scheme::Caller) {
        use crate::fd::Object;
        let mut keys = Vec::new();
        for handle in handles {
            match handle.object {
                Object::Pipe(end) => keys.push(WaitKey::Pipe(end.id())),
                // The server hears CLOSE when the last reference goes (now,
                // or when a call still holding it ends), from this caller.
                Object::SchemeHandle(client) => client.closed_by(caller),
                Object::IoPorts(_) => {
                    if let Some(process) = self.processes.get_mut(&Pid(caller.pid)) {
                        let permissions = crate::io_ports::IoPermissions::from_ranges(process.fds.port_ranges());
                        process.io_permissions = permissions;
                        percpu::current().set_io_permissions(process.io_permissions.as_deref());
                    }
                }
                Object::SchemeEndpoint(endpoint) => {
                    if alloc::sync::Arc::strong_count(&endpoint.0) == 1 {
                        let scheme = (*endpoint.0).clone();
                        crate::scheme::kill(self, &scheme);
                    }
                }
                Object::Timer(timer) => {
                    if alloc::sync::Arc::strong_count(&timer) == 2 {
                        // Only the armed-timer table still holds it.
                        self.track_timer(&timer, false);
                    }
                }
                Object::Console
                | Object::InitfsFile { .. }
                | Object::Namespace(_)
                | Object::Device(_)
                | Object::SysFile { .. }
                | Object::EventQueue(_)
                | Object::Memory { .. }
                | Object::Directory { .. }
                | Object::Process { .. }
                | Object::Thread { .. }
                | Object::Interrupt(_)
                | Object::PowerSwitch
                | Object::Framebuffer(_)
                | Object::DeviceContext(_)
                | Object::DeviceMemory { .. }
                | Object::DmaMemory { .. }
                | Object::DeviceControl(_)
                | Object::SchedAffinity(_) => {}
            }
        }
        for key in keys {
            self.wake_queue(key, usize::MAX);
        }
    }

    /// The identity the current thread acts with.
    pub fn caller(&self) -> crate::scheme::Caller {
        let tid = self.current_tid();
        let pid = self.threads[&tid].pid;
        let process = &self.processes[&pid];
        crate::scheme::Caller { pid: pid.0, uid: process.uid, gid: process.gid }
    }

    /// Wakes every thread whose timed wait has expired, and counts timer
    /// expirations.
    pub fn expire_timers(&mut self, now: u64) {
        self.census_if_due(crate::time::micros_since_boot());
        let expired: Vec<WaitKey> = self.timers.values().filter_map(|t| crate::events::expire(t, now)).collect();
        self.timers.retain(|_, t| t.lock().deadline.is_some());
        for key in expired {
            self.wake_queue(key, usize::MAX);
        }
        while let Some(&(deadline, tid)) = self.sleepers.first() {
            if deadline > now {
                break;
            }
            if let Some(thread) = self.threads.get_mut(&tid) {
                thread.timed_out = true;
            }
            self.wake(tid);
        }
    }

    /// Wakes the threads of `pid` that wait for one of its children.
    pub fn wake_child_waiters(&mut self, pid: Pid) {
        let Some(process) = self.processes.get(&pid) else { return };
        let waiting: Vec<Tid> = process
            .threads
            .iter()
            .copied()
            .filter(|t| self.threads.get(t).is_some_and(|t| t.waiting == Some(WaitReason::Child)))
            .collect();
        for tid in waiting {
            self.wake(tid);
        }
    }

    /// Interrupts a blocked thread (a signal arrived) or pokes its CPU.
    pub fn interrupt(&mut self, tid: Tid) {
        let Some(thread) = self.threads.get_mut(&tid) else { return };
        match thread.state {
            ThreadState::Blocked => {
                thread.interrupted = true;
                self.wake(tid);
            }
            ThreadState::Runnable if thread.kill_pending => {
                // Move it to the front level (see `Thread::level`).
                for scheduler in &mut self.cpus {
                    for queue in &mut scheduler.queues {
                        queue.retain(|t| *t != tid);
                    }
                }
                self.make_runnable(tid);
            }
            ThreadState::Running => {
                let cpu = thread.last_cpu;
                if cpu != this_cpu()
                    && let (Some(target), Some(lapic)) = (percpu::online().get(cpu), interrupts::local_apic())
                {
                    lapic.send_ipi(target.apic_id, VECTOR_WAKE);
                }
            }
            _ => {}
        }
    }

    /// Whether a thread of more urgent or equal priority waits on this CPU
    /// (`equal` included only when the running thread's slice is used up),
    /// or the running thread may no longer run here.
    fn should_preempt(&self, cpu: usize) -> bool {
        let Some(current) = self.cpus[cpu].current else { return false };
        let Some(thread) = self.threads.get(&current) else { return false };
        if !thread.affinity.contains(cpu) {
            return true;
        }
        // Most returns find nothing queued here: skip the level's look-ups.
        let Some(most_urgent) = self.cpus[cpu].queues.iter().position(|q| !q.is_empty()) else { return false };
        let level = self.level_of(thread);
        let limit = if thread.slice_left == 0 { level + 1 } else { level };
        most_urgent < limit
    }

    /// The next thread for `cpu`: the head of its own queue, else, from
    /// the busiest other CPU holding a thread allowed here, the last such
    /// thread of the most urgent level that has one. (Scanning for an
    /// allowed thread costs a look-up per queued thread only when most are
    /// pinned elsewhere; with the default set the first one qualifies.)
    fn pop_next(&mut self, cpu: usize) -> Option<Tid> {
        for queue in &mut self.cpus[cpu].queues {
            if let Some(tid) = queue.pop_front() {
                return Some(tid);
            }
        }
        let threads = &self.threads;
        let allowed = |tid: &Tid| threads.get(tid).is_some_and(|t| t.affinity.contains(cpu));
        let busiest = (0..self.cpus.len())
            .filter(|&c| c != cpu && self.cpus[c].queues.iter().any(|q| q.iter().any(allowed)))
            .max_by_key(|&c| self.cpus[c].queued())?;
        let queues = &mut self.cpus[busiest].queues;
        queues.iter_mut().find_map(|queue| {
            let position = queue.iter().rposition(allowed)?;
            queue.remove(position)
        })
    }

    fn space_root(&self, pid: Pid) -> Option<u64> {
        self.processes.get(&pid).and_then(|p| p.space.as_ref()).map(|s| s.root())
    }

    /// Chooses what runs next on `cpu` and prepares the CPU for it. Returns
    /// where to save the current context and the stack pointer to resume,
    /// or `None` to keep running the current context.
    fn prepare_switch(&mut self, cpu: usize) -> Option<(*mut u64, u64)> {
        let current = self.cpus[cpu].current;
        if let Some(tid) = current
            && let Some(thread) = self.threads.get_mut(&tid)
            && thread.state == ThreadState::Running
        {
            if thread.affinity.contains(cpu) {
                thread.state = ThreadState::Runnable;
                let level = self.level_of(&self.threads[&tid]);
                self.cpus[cpu].queues[level].push_back(tid);
            } else {
                // Its set changed: off to a CPU it may run on.
                thread.state = ThreadState::Runnable;
                self.make_runnable(tid);
            }
        }
        let next = self.pop_next(cpu);
        if next.is_some() && next == current {
            // Chosen again: it goes on with what is left of its slice (none
            // after `sched_yield`), so a thread that yields but finds no one
            // at its level still sinks at the next tick like any thread that
            // computes, and the threads below it get their turn.
            let thread = self.threads.get_mut(&current?).expect("queued threads exist");
            thread.state = ThreadState::Running;
            return None;
        }
        if next.is_none() && current.is_none() {
            return None;
        }
        let old_pid = current.and_then(|t| self.threads.get(&t)).map(|t| t.pid);
        let save: *mut u64 = match current {
            Some(tid) => match self.threads.get_mut(&tid) {
                Some(thread) => &mut thread.saved_rsp,
                None => {
                    let dead = self.cpus[cpu].dead_threads.iter_mut().find(|t| t.tid == tid)?;
                    &mut dead.saved_rsp
                }
            },
            None => &mut self.cpus[cpu].idle_rsp,
        };
        let me = percpu::current();
        let new_root;
        let resume_rsp;
        match next {
            Some(tid) => {
                let thread = self.threads.get_mut(&tid).expect("queued threads exist");
                thread.state = ThreadState::Running;
                thread.slice_left = TIME_SLICE_TICKS;
                thread.last_cpu = cpu;
                let pid = thread.pid;
                me.set_thread_context(
                    thread.stack.top.as_u64(),
                    &*thread.fpu as *const FpuArea as u64,
                    (thread.pid.0, tid.0),
                );
                me.set_io_permissions(self.processes.get(&thread.pid).and_then(|p| p.io_permissions.as_deref()));
                x86_64::registers::model_specific::FsBase::write(x86_64::VirtAddr::new_truncate(thread.fs_base));
                resume_rsp = thread.saved_rsp;
                new_root = self.space_root(pid).unwrap_or_else(paging::kernel_root);
                if old_pid != Some(pid) {
                    if let Some(space) = old_pid.and_then(|p| self.processes.get(&p)).and_then(|p| p.space.as_ref()) {
                        space.set_active(cpu as u32, false);
                    }
                    if let Some(space) = self.processes.get(&pid).and_then(|p| p.space.as_ref()) {
                        space.set_active(cpu as u32, true);
                    }
                }
                me.context_switches.fetch_add(1, Ordering::Relaxed);
            }
            None => {
                let scheduler = &self.cpus[cpu];
                me.set_thread_context(scheduler.idle_stack_top, &*scheduler.idle_fpu as *const FpuArea as u64, (0, 0));
                me.set_io_permissions(None);
                resume_rsp = scheduler.idle_rsp;
                new_root = paging::kernel_root();
                if let Some(space) = old_pid.and_then(|p| self.processes.get(&p)).and_then(|p| p.space.as_ref()) {
                    space.set_active(cpu as u32, false);
                }
            }
        }
        let (current_root, flags) = x86_64::registers::control::Cr3::read();
        if current_root.start_address().as_u64() != new_root {
            let frame = x86_64::structures::paging::PhysFrame::containing_address(x86_64::PhysAddr::new(new_root));
            // SAFETY: every address space maps the kernel half identically,
            // so the kernel keeps running across the switch.
            unsafe { x86_64::registers::control::Cr3::write(frame, flags) };
        }
        self.cpus[cpu].current = next;
        Some((save, resume_rsp))
    }

    /// Frees `space` once this CPU has switched away from it.
    pub fn defer_drop_space(&mut self, space: AddressSpace) {
        self.cpus[this_cpu()].dead_spaces.push(space);
    }

    /// Frees what died on `cpu` before the last switch.
    fn reap(&mut self, cpu: usize) {
        self.cpus[cpu].dead_threads.clear();
        self.cpus[cpu].dead_spaces.clear();
    }

    /// Marks the current thread dead; it is freed after the CPU switches
    /// away. Handles the end of its process when it was the last thread.
    pub fn exit_current_thread(&mut self, code: i32) {
        let cpu = this_cpu();
        let tid = self.current_tid();
        let Some(mut thread) = self.threads.remove(&tid) else { return };
        thread.state = ThreadState::Dead;
        let pid = thread.pid;
        let end = thread.end.clone();
        self.cpus[cpu].dead_threads.push(thread);
        let joiners: Vec<Tid> =
            self.threads.values().filter(|t| t.waiting == Some(WaitReason::Join(tid))).map(|t| t.tid).collect();
        for joiner in joiners {
            self.wake(joiner);
        }
        self.announce_end(&end, code as u32 as u64);
        let Some(process) = self.processes.get_mut(&pid) else { return };
        process.threads.retain(|t| *t != tid);
        if !process.threads.is_empty() {
            process.finished_threads.insert(tid, code);
            return;
        }
        let status = process.exiting.unwrap_or(cairn_abi::wait::exited(code as u8));
        self.finish_process(pid, status);
    }

    /// The last thread of `pid` is gone: free its memory and files, hand its
    /// children to init, and leave a zombie for the parent.
    fn finish_process(&mut self, pid: Pid, status: u32) {
        let cpu = this_cpu();
        let Some(process) = self.processes.get_mut(&pid) else { return };
        process.state = ProcessState::Zombie { status };
        let mut handles = process.fds.take_all();
        if let Some(directory) = process.cwd.handle.take() {
            handles.push(crate::fd::Handle::new(crate::fd::Object::SchemeHandle(directory), 0));
        }
        let end = process.end.clone();
        let caller = crate::scheme::Caller { pid: pid.0, uid: process.uid, gid: process.gid };
        process.finished_threads.clear();
        if let Some(space) = process.space.take() {
            space.set_active(cpu as u32, false);
            self.cpus[cpu].dead_spaces.push(*space);
        }
        let children = core::mem::take(&mut process.children);
        let parent = process.parent;
        self.release_handles(handles, caller);
        self.announce_end(&end, u64::from(status));
        let mut zombie_children = false;
        for child in &children {
            if let Some(child) = self.processes.get_mut(child) {
                child.parent = INIT_PID;
                zombie_children |= matches!(child.state, ProcessState::Zombie { .. });
            }
        }
        if pid == INIT_PID {
            crate::init_exited(status);
            return;
        }
        if let Some(init) = self.processes.get_mut(&INIT_PID) {
            init.children.extend(children);
        }
        if zombie_children {
            self.wake_child_waiters(INIT_PID);
        }
        signal::send_to_process(self, parent, cairn_abi::signal::SIGCHLD);
        self.wake_child_waiters(parent);
    }

    /// Wakes the drivers waiting for interrupts that fired on this CPU,
    /// and deals with the IOMMU faults reported since the last call.
    pub fn wake_interrupt_readers(&mut self) {
        let mut fired = Vec::new();
        crate::irq::take_fired(&mut fired);
        for id in fired {
            self.wake_queue(WaitKey::Interrupt(id), usize::MAX);
        }
        for fault in crate::iommu::take_faults() {
            crate::device_context::dma_fault(self, &fault);
        }
    }

    /// Records how a process or thread ended and wakes its handles' readers.
    fn announce_end(&mut self, end: &process::ProcessEnd, value: u64) {
        *end.lock() = Some(value);
        self.wake_queue(WaitKey::Ended(alloc::sync::Arc::as_ptr(end) as usize), usize::MAX);
    }

    /// Starts ending process `pid` with wait status `status`: every thread
    /// dies the next time it would return to user mode.
    pub fn begin_exit(&mut self, pid: Pid, status: u32) {
        let Some(process) = self.processes.get_mut(&pid) else { return };
        if process.exiting.is_some() {
            return;
        }
        process.exiting = Some(status);
        if matches!(process.state, ProcessState::Stopped { .. }) {
            process.state = ProcessState::Running;
        }
        let threads = process.threads.clone();
        for tid in threads {
            if let Some(thread) = self.threads.get_mut(&tid) {
                thread.kill_pending = true;
                if thread.state == ThreadState::Stopped {
                    thread.state = ThreadState::Blocked;
                }
            }
            self.interrupt(tid);
        }
    }
}

/// Gives the CPU to the most urgent runnable thread (or the idle context),
/// if that is not what runs now. Requires the big kernel lock, outside
/// [`with`]; returns when this context is chosen again.
pub fn reschedule() {
    let cpu = this_cpu();
    crate::arch::fpu::save_live();
    if let Some((save, resume)) = with(|tasks| tasks.prepare_switch(cpu)) {
        // SAFETY: `resume` was saved by a previous switch or prepared for a
        // new thread, and `save` points into a live thread or this CPU's
        // scheduler state; the big kernel lock passes to the resumed context.
        unsafe { switch::switch_context(save, resume) };
        with(|tasks| tasks.reap(this_cpu()));
    }
}

/// The idle loop's look for work: expire timers and run whatever is queued.
/// Called with the big kernel lock held, from a CPU's idle context.
pub fn idle_poll() {
    with(|tasks| {
        tasks.expire_timers(crate::arch::cpu::rdtsc());
        tasks.wake_interrupt_readers();
    });
    reschedule();
}

/// First code a new thread runs (on its own stack, lock held).
extern "C" fn thread_first_run(frame: &mut TrapFrame) {
    with(|tasks| tasks.reap(this_cpu()));
    prepare_return(frame);
    bkl::release();
}

/// Work before leaving the kernel for user mode: die if the process is
/// ending, wait while it is stopped, deliver signals, give way to more
/// urgent threads. Returns true when the frame must be restored in full
/// (`iretq`) because a signal handler was set up.
pub fn prepare_return(frame: &mut TrapFrame) -> bool {
    let mut full_restore = false;
    loop {
        enum Next {
            Die,
            Wait,
            /// Give way, if a more urgent thread waits (`true`: one does).
            Yield(bool),
            Go,
        }
        let next = with(|tasks| {
            let cpu = this_cpu();
            let thread = tasks.current_thread();
            if thread.kill_pending {
                return Next::Die;
            }
            let (pid, own_pending, mask) = (thread.pid, thread.pending, thread.signal_mask & !signal::UNBLOCKABLE);
            let process = tasks.processes.get(&pid);
            if process.is_some_and(|p| matches!(p.state, ProcessState::Stopped { .. })) {
                tasks.current_thread().state = ThreadState::Stopped;
                return Next::Wait;
            }
            // Most returns have no signal to take: skip the delivery's
            // own look-ups then (this is on every system call's path).
            if (own_pending | process.map_or(0, |p| p.pending)) & !mask != 0 {
                if signal::deliver(tasks, frame) {
                    full_restore = true;
                    return Next::Yield(tasks.should_preempt(cpu));
                }
                if tasks.current_thread().kill_pending {
                    return Next::Die;
                }
            }
            if tasks.should_preempt(cpu) { Next::Yield(true) } else { Next::Go }
        });
        match next {
            Next::Die => {
                with(|tasks| tasks.exit_current_thread(0));
                reschedule();
                unreachable!("a dead thread is never scheduled again");
            }
            Next::Wait => reschedule(),
            Next::Yield(preempt) => {
                if preempt {
                    reschedule();
                }
                if !full_restore {
                    continue;
                }
                return true;
            }
            Next::Go => return full_restore,
        }
    }
}

/// A trap from user mode: faults become signals, the timer drives time
/// slices and sleeps, then the thread returns to user mode (or another
/// thread runs).
pub fn user_trap(frame: &mut TrapFrame) {
    bkl::acquire();
    let vector = frame.vector;
    match vector {
        0..=31 => signal::user_exception(frame),
        v => {
            interrupts::handle(v as u8, frame);
            with(Tasks::wake_interrupt_readers);
            if v == u64::from(interrupts::VECTOR_TIMER) {
                percpu::current().user_ticks.fetch_add(1, Ordering::Relaxed);
                with(|tasks| {
                    tasks.expire_timers(crate::arch::cpu::rdtsc());
                    let thread = tasks.current_thread();
                    thread.slice_left = thread.slice_left.saturating_sub(1);
                    if thread.slice_left == 0 {
                        thread.used_whole_slice();
                    }
                });
            }
        }
    }
    prepare_return(frame);
    bkl::release();
}
