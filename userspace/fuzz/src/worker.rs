//! One worker generation: a forked child of the coordinator that sets up
//! real fds of every object type (files on tmpfs and initfs, directories,
//! pipes, its own scheme served by a forked child that answers at random,
//! memory objects, event queues, timers, process and thread handles,
//! namespaces, devices), narrows itself in the unprivileged phase, and
//! then makes random calls until its budget is spent. A watchdog thread
//! interrupts a main-thread call that blocks for long.

use alloc::vec::Vec;
use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use cairn_rt::abi::signal::{SIGKILL, SIGPIPE, SIGUSR1, SigAction};
use cairn_rt::abi::{MapFlags, O_CREAT, O_DIRECTORY, O_NONBLOCK, O_RDONLY, O_RDWR, Syscall, rights};
use cairn_rt::process::{self, ForkResult};
use cairn_rt::sys::{PAGE_SIZE, syscall6};
use cairn_rt::time::Duration;
use cairn_rt::{eprintln, format, scheme, signal, thread};

use crate::calls::{ARENA_LEN, Env, Fuzzer, Kind, Phase, Role, SCRATCH_LEN, WATCHDOG_SIGNAL, describe};
use crate::rng::Rng;
use crate::server;

/// Main-thread calls a generation makes before it ends (and is restarted).
pub const GENERATION_CALLS: u64 = 1500;
/// How long a main-thread call may block before the watchdog interrupts it.
const WATCHDOG_PERIOD: Duration = Duration::from_millis(40);

/// The shared page: per slot, the calls made (`[slot]`), and the stop flag
/// at [`STOP_INDEX`].
pub struct Shared(pub *const AtomicU64);

pub const STOP_INDEX: usize = 500;

impl Shared {
    pub fn get(&self, index: usize) -> &'static AtomicU64 {
        // SAFETY: the shared page holds 512 counters and lives (mapped) for
        // the whole process and its forks.
        unsafe { &*self.0.add(index) }
    }
}

/// This worker's counter (for helper threads).
static COUNTER: AtomicPtr<AtomicU64> = AtomicPtr::new(core::ptr::null_mut());
/// Calls made by the main thread (the watchdog's measure of progress).
static MAIN_CALLS: AtomicU64 = AtomicU64::new(0);

pub fn counter() -> &'static AtomicU64 {
    // SAFETY: set before any helper thread starts, to a counter in the
    // shared page that stays mapped.
    unsafe { &*COUNTER.load(Ordering::Relaxed) }
}

fn nothing(_: usize) {}

/// Everything a generation needs to know.
pub struct Plan {
    pub seed: u64,
    pub phase: Phase,
    pub slot: usize,
    pub generation: u64,
    pub budget: u64,
    pub trace: bool,
    pub skip_known: bool,
}

/// Maps `len` bytes between two guard pages; returns the usable start.
fn fenced(len: usize) -> usize {
    let rw = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE;
    let base = cairn_rt::sys::map_anonymous(len + 2 * PAGE_SIZE, rw).unwrap_or_else(|e| fail("mmap", e));
    // SAFETY: the two guard pages are fresh and unused.
    unsafe {
        let _ = cairn_rt::sys::mprotect(base, PAGE_SIZE, MapFlags::MAP_PRIVATE);
        let _ = cairn_rt::sys::mprotect(base + PAGE_SIZE + len, PAGE_SIZE, MapFlags::MAP_PRIVATE);
    }
    base + PAGE_SIZE
}

fn fail(what: &str, e: cairn_rt::Error) -> ! {
    eprintln!("fuzz: worker: {what}: {e}");
    process::exit(3)
}

/// Runs one generation; never returns.
pub fn run(plan: &Plan, shared: &Shared) -> ! {
    let counter = shared.get(plan.slot);
    COUNTER.store(counter as *const AtomicU64 as *mut AtomicU64, Ordering::Relaxed);
    let _ = process::setpgid(0, 0);
    let letter = if plan.phase == Phase::Root { 'r' } else { 'u' };
    let seed = Rng::derive(plan.seed, &[plan.phase as u64, plan.slot as u64, plan.generation]);
    let mut rng = Rng::new(seed);
    let dir = format!("/tmp/fuzz/{letter}{}", plan.slot);
    let scheme_name = format!("fz{letter}{}g{}", plan.slot, plan.generation);

    if plan.phase == Phase::User {
        // Narrowed: the root file system, devices and the initfs, with the
        // right to register schemes; then uid/gid 1000.
        let names = ["file", "null", "zero", "rand", "initfs"];
        let ns = scheme::namespace_create(&names, true).unwrap_or_else(|e| fail("namespace_create", e));
        scheme::namespace_enter(&ns).unwrap_or_else(|e| fail("namespace_enter", e));
        process::setgid(1000).unwrap_or_else(|e| fail("setgid", e));
        process::setuid(1000).unwrap_or_else(|e| fail("setuid", e));
    }
    let _ = cairn_rt::env::set_current_dir(&dir);
    let _ = signal::ignore(SIGPIPE);
    let _ = signal::set_handler(SIGUSR1, nothing);
    signal::set_handler(WATCHDOG_SIGNAL, nothing).unwrap_or_else(|e| fail("set_handler", e));
    let action = signal::sigaction(WATCHDOG_SIGNAL, &SigAction::default()).unwrap_or_else(|e| fail("sigaction", e));
    signal::sigaction(WATCHDOG_SIGNAL, &action).unwrap_or_else(|e| fail("sigaction", e));

    // The watchdog: a handle on the main thread, signalled when its call
    // counter stands still.
    let main_thread = process::TaskHandle::thread(cairn_rt::sys::gettid()).unwrap_or_else(|e| fail("thread_open", e));
    let main_fd = main_thread.fd().as_raw();
    let watchdog = thread::Builder::new().stack_size(64 * 1024).spawn(move || {
        let mut last = u64::MAX;
        loop {
            thread::sleep(WATCHDOG_PERIOD);
            let now = MAIN_CALLS.load(Ordering::Relaxed);
            if now == last {
                // SAFETY: integer arguments only.
                let _ = unsafe { syscall6(Syscall::SignalFd as usize, main_fd, WATCHDOG_SIGNAL, 0, 0, 0, 0) };
            }
            last = now;
        }
    });
    let watchdog_tid = watchdog.as_ref().map_or(0, |w| w.thread().id().as_usize());

    let env = Env {
        phase: plan.phase,
        dir: dir.clone(),
        scheme: scheme_name.clone(),
        scratch: fenced(SCRATCH_LEN),
        arena: fenced(ARENA_LEN),
        pid: process::id(),
        protected: Vec::from([0, 1, 2, main_fd]),
        handler: action.handler,
        restorer: action.restorer,
        trace: plan.trace,
        skip_known: plan.skip_known,
        tag: format!("{letter}{}.{}", plan.slot, plan.generation),
    };
    let mut fuzzer = Fuzzer::new(rng.next(), env, Role::Main, counter);
    fuzzer.tids.push(watchdog_tid);
    fuzzer.tids.push(cairn_rt::sys::gettid());
    let server = setup_pool(&mut fuzzer, &mut rng, &dir, &scheme_name);
    if plan.trace {
        eprintln!("fz {} pool {}", fuzzer.env.tag, describe(&fuzzer.fds));
    }

    let stop = shared.get(STOP_INDEX);
    for _ in 0..GENERATION_CALLS {
        if stop.load(Ordering::Relaxed) != 0 || counter.load(Ordering::Relaxed) >= plan.budget {
            break;
        }
        fuzzer.step();
        MAIN_CALLS.fetch_add(1, Ordering::Relaxed);
    }
    fuzzer.reap(true);
    if let Some(server) = server {
        let _ = signal::kill(server, SIGKILL);
        let _ = process::waitpid(process::WaitTarget::Pid(server), 0);
    }
    process::exit(0)
}

/// Opens one of every kind of object; returns the scheme server's pid.
fn setup_pool(fuzzer: &mut Fuzzer<'_>, rng: &mut Rng, dir: &str, scheme_name: &str) -> Option<usize> {
    let open = |path: &str, flags: usize| scheme::open(path, flags).ok().map(|f| f.into_raw());
    let add = |fuzzer: &mut Fuzzer<'_>, fd: Option<usize>, kind: Kind| {
        if let Some(fd) = fd {
            fuzzer.add_fd(fd, kind);
        }
    };
    let _ = cairn_rt::fs::create_dir(&format!("{dir}/sub"), 0o777);
    for name in ["a", "b", "sub/x"] {
        add(fuzzer, open(&format!("{dir}/{name}"), O_RDWR | O_CREAT), Kind::File);
    }
    add(fuzzer, open("/scheme/initfs/bin/true", O_RDONLY), Kind::File);
    add(fuzzer, open("/etc/init.conf", O_RDONLY), Kind::File);
    add(fuzzer, open(dir, O_RDONLY | O_DIRECTORY), Kind::Dir);
    add(fuzzer, open("/scheme", O_RDONLY | O_DIRECTORY), Kind::Dir);
    add(fuzzer, open("/scheme/initfs", O_RDONLY | O_DIRECTORY), Kind::Dir);
    for device in ["/scheme/null", "/scheme/zero", "/scheme/rand"] {
        add(fuzzer, open(device, O_RDWR), Kind::Device);
    }
    add(fuzzer, open("/scheme/sys/meminfo", O_RDONLY), Kind::Other);
    for flags in [0, O_NONBLOCK] {
        if let Ok((r, w)) = cairn_rt::fd::pipe(flags) {
            fuzzer.add_fd(r.into_raw(), Kind::Pipe);
            fuzzer.add_fd(w.into_raw(), Kind::Pipe);
        }
    }
    for size in [PAGE_SIZE, 1 << 20] {
        add(fuzzer, cairn_rt::sys::memory_create(size).ok().map(|f| f.into_raw()), Kind::Memory);
    }
    // SAFETY: no arguments.
    let queue = unsafe { syscall6(Syscall::EventQueueCreate as usize, 0, 0, 0, 0, 0, 0) }.ok();
    add(fuzzer, queue, Kind::Queue);
    // SAFETY: no arguments.
    let timer = unsafe { syscall6(Syscall::TimerCreate as usize, 0, 0, 0, 0, 0, 0) }.ok();
    add(fuzzer, timer, Kind::Timer);
    add(
        fuzzer,
        process::TaskHandle::process(process::id())
            .ok()
            .and_then(|h| h.fd().dup(rights::ALL).ok())
            .map(|f| f.into_raw()),
        Kind::Process(false),
    );
    if let Some(&tid) = fuzzer.tids.first() {
        add(
            fuzzer,
            process::TaskHandle::thread(tid).ok().and_then(|h| h.fd().dup(rights::ALL).ok()).map(|f| f.into_raw()),
            Kind::Thread,
        );
    }
    let outer = scheme::namespace_create(&["null", "zero", "file"], true).ok();
    if let Some(ns) = &outer {
        // A namespace made from within a narrower one: nested.
        add(fuzzer, ns.dup(rights::ALL).ok().map(|f| f.into_raw()), Kind::Namespace);
    }
    add(fuzzer, scheme::namespace_create(&[], false).ok().map(|f| f.into_raw()), Kind::Namespace);

    // The fuzzer's own scheme, served by a child answering at random.
    let server = match scheme::Server::create(scheme_name) {
        Ok(server) => {
            let endpoint = server.endpoint().as_raw();
            let parent = process::id();
            let seed = rng.next();
            match process::fork() {
                Ok(ForkResult::Child) => server::serve(endpoint, parent, seed),
                Ok(ForkResult::Parent { child }) => {
                    fuzzer.add_fd(endpoint, Kind::Endpoint);
                    core::mem::forget(server);
                    Some(child)
                }
                Err(_) => None,
            }
        }
        Err(_) => None,
    };
    // Handles on it: the opens are answered at random (or never: the
    // watchdog interrupts them).
    for name in ["a", "b", "dir/c"] {
        add(fuzzer, open(&format!("/scheme/{scheme_name}/{name}"), O_RDWR), Kind::Handle);
        MAIN_CALLS.fetch_add(1, Ordering::Relaxed);
    }
    // Copies with random rights.
    let originals: Vec<(usize, Kind)> = fuzzer.fds.clone();
    for (fd, kind) in originals {
        if rng.one_in(3) {
            let mask = rng.below(rights::ALL as usize + 1);
            // SAFETY: integer arguments only.
            if let Ok(copy) = unsafe { syscall6(Syscall::Dup as usize, fd, mask, 0, 0, 0, 0) } {
                fuzzer.add_fd(copy, kind);
            }
        }
    }
    server
}
