//! Limits that keep a hostile user from taking the machine: init refuses
//! the signals it does not handle, resource limits (`get_limit` /
//! `set_limit`) follow POSIX's rules, a user runs out of threads at its
//! limit, and a fork bomb or thread bomb by an unprivileged user leaves
//! root able to start programs while it runs.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use cairn_rt::abi::error::{EAGAIN, EBADF, EFAULT, EINVAL, EMFILE, ENOMEM, ENOSPC, EPERM, ESRCH};
use cairn_rt::error::Error;
use cairn_rt::process::{self, ForkResult, Limit, WNOHANG, WaitTarget, resource, waitpid};
use cairn_rt::signal::{self, SIGINT, SIGKILL, SIGSTOP, SIGTERM, SIGUSR1, kill};
use cairn_rt::sys::{MapFlags, PAGE_SIZE, futex_wait, futex_wake, map_anonymous, memory_info};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{Vec, thread};

use crate::util::{CHILD_TIMEOUT, TestResult, call, ensure, expect_errno, in_child, ok, reap};
use cairn_rt::sys::Syscall;

/// The unprivileged user the bombs run as.
const USER: u32 = 1000;

/// How long a bomb may run at most, whatever happens to the test.
const BOMB_LIFETIME: Duration = Duration::from_secs(120);

static USR1_SEEN: AtomicBool = AtomicBool::new(false);

fn note_usr1(_: usize) {
    USR1_SEEN.store(true, Ordering::SeqCst);
}

/// `kill -9 1` and the other default-action signals leave init running;
/// a signal init handles still reaches it.
pub fn init_refuses_default_signals() -> TestResult {
    let init_is_me = process::id() == 1;
    if init_is_me {
        ok("set_handler", signal::set_handler(SIGUSR1, note_usr1))?;
        USR1_SEEN.store(false, Ordering::SeqCst);
    }
    in_child(|| {
        for sig in [SIGKILL, SIGSTOP, SIGTERM, SIGINT] {
            ok("kill(1, ...)", kill(1, sig))?;
        }
        if init_is_me {
            ok("kill(1, SIGUSR1)", kill(1, SIGUSR1))?;
        }
        Ok(())
    })?;
    if init_is_me {
        let start = Instant::now();
        while !USR1_SEEN.load(Ordering::SeqCst) && start.elapsed() < CHILD_TIMEOUT {
            thread::sleep(Duration::from_millis(1));
        }
        ok("set_default", signal::set_default(SIGUSR1))?;
        ensure!(USR1_SEEN.load(Ordering::SeqCst), "init's SIGUSR1 handler never ran");
    }
    // Still here, and not stopped: a stopped init would never get this far.
    Ok(())
}

/// `get_limit`/`set_limit`: lowering is free, raising the maximum needs
/// root, `current` may not pass `maximum`, unknown resources and bad
/// pointers are refused.
pub fn limit_rules() -> TestResult {
    in_child(|| {
        let threads = ok("get_limit(THREADS)", process::get_limit(resource::THREADS))?;
        ensure!(threads.current > 0 && threads.current <= threads.maximum, "odd thread limit {threads:?}");
        let files = ok("get_limit(FILES)", process::get_limit(resource::FILES))?;
        ensure!(files.current >= 64, "fd limit {files:?} is too small to be the default");
        let space = ok("get_limit(ADDRESS_SPACE)", process::get_limit(resource::ADDRESS_SPACE))?;
        ensure!(space.current == resource::INFINITY, "address space limited by default: {space:?}");
        expect_errno("get_limit(42)", process::get_limit(42), EINVAL)?;
        expect_errno(
            "get_limit into a null pointer",
            call(Syscall::GetLimit, [resource::THREADS, 0, 0, 0, 0, 0]),
            EFAULT,
        )?;
        expect_errno(
            "current above maximum",
            process::set_limit(resource::THREADS, Limit { current: 10, maximum: 5 }),
            EINVAL,
        )?;
        let lower = Limit { current: 100, maximum: 200 };
        ok("lowering", process::set_limit(resource::THREADS, lower))?;
        ensure!(process::get_limit(resource::THREADS) == Ok(lower), "the lowered limit did not stick");
        ok("setuid(1000)", process::setuid(USER))?;
        ok("raising current up to maximum", process::set_limit(resource::THREADS, Limit { current: 200, ..lower }))?;
        expect_errno(
            "raising the maximum as uid 1000",
            process::set_limit(resource::THREADS, Limit { current: 200, maximum: 201 }),
            EPERM,
        )?;
        Ok(())
    })
}

/// With `FILES` lowered to 12, new fds stop at 11 (`EMFILE`) and `dup2`
/// to fd 12 or above is `EBADF`, while fds already above stay usable.
pub fn fd_limit() -> TestResult {
    in_child(|| {
        let (high_reader, _high_writer) = ok("pipe", cairn_rt::fd::pipe(0))?;
        let high = ok("dup2 to 40", cairn_rt::fd::dup2(high_reader.as_raw(), 40, u32::MAX))?;
        ok("set_limit(FILES)", process::set_limit(resource::FILES, Limit { current: 12, maximum: 12 }))?;
        let mut held = Vec::new();
        let error = loop {
            match cairn_rt::fd::pipe(0) {
                Ok(ends) => held.push(ends),
                Err(e) => break e,
            }
            ensure!(held.len() < 16, "pipes kept coming past the fd limit");
        };
        ensure!(error == Error::from_errno(EMFILE), "past the fd limit: {error:?}, expected EMFILE");
        for (reader, writer) in &held {
            ensure!(reader.as_raw() < 12 && writer.as_raw() < 12, "an fd at or above the limit of 12");
        }
        expect_errno("dup2 to fd 12", cairn_rt::fd::dup2(high, 12, u32::MAX), EBADF)?;
        ok("fd 40 from before the limit", cairn_rt::fd::info(high))?;
        expect_errno(
            "raising FILES past the table",
            process::set_limit(resource::FILES, Limit { current: 12, maximum: 100_000 }),
            EPERM,
        )?;
        Ok(())
    })
}

/// uid 1000 fills `/tmp`: writes stop with `ENOSPC` at the capacity
/// (half of memory), the root file system keeps serving, and deleting the
/// file gives the space and the memory back.
pub fn tmpfs_full_is_enospc() -> TestResult {
    crate::harden_caps::root_on_tmpfs()?;
    let free_before = ok("memory_info", memory_info())?.free_frames;
    let capacity = ok("statvfs /tmp", cairn_rt::fs::statvfs("/tmp"))?;
    let total = ok("memory_info", memory_info())?;
    let expected = total.total_frames * total.frame_size / 2;
    let capacity_bytes = capacity.f_blocks * u64::from(capacity.f_bsize);
    ensure!(
        capacity_bytes <= expected && capacity_bytes + 16 * 4096 >= expected,
        "the root tmpfs holds {capacity_bytes} bytes, expected half of memory ({expected})"
    );
    in_child(|| {
        ok("setuid(1000)", process::setuid(USER))?;
        let mut file = ok("create /tmp/fill", cairn_rt::fs::File::create("/tmp/fill"))?;
        let chunk = cairn_rt::vec![0x5au8; 1 << 20];
        let mut written = 0u64;
        let error = loop {
            match cairn_rt::io::Write::write(&mut file, &chunk) {
                Ok(n) => written += n as u64,
                Err(e) => break e,
            }
            ensure!(written <= capacity_bytes + (1 << 20), "wrote {written} bytes, past the capacity");
        };
        ensure!(error == Error::from_errno(ENOSPC), "filling /tmp ended with {error:?} after {written} bytes");
        ensure!(written >= capacity_bytes / 2, "ENOSPC after only {written} of {capacity_bytes} bytes");
        Ok(())
    })?;
    let hello = ok("read /bin/hello from the full file system", cairn_rt::fs::read("/bin/hello"))?;
    ensure!(hello.starts_with(b"\x7fELF"), "/bin/hello came back damaged");
    ok("remove /tmp/fill", cairn_rt::fs::remove_file("/tmp/fill"))?;
    let after = ok("statvfs /tmp", cairn_rt::fs::statvfs("/tmp"))?;
    ensure!(
        after.f_bfree + 64 >= capacity.f_bfree,
        "the space did not come back: {} of {} blocks free",
        after.f_bfree,
        capacity.f_bfree
    );
    let free_after = ok("memory_info", memory_info())?.free_frames;
    cairn_rt::println!("utest: /tmp filled to ENOSPC; free frames {free_before} before, {free_after} after");
    ensure!(
        free_after + 2048 >= free_before,
        "the file's memory did not come back: {free_before} frames free before, {free_after} after"
    );
    Ok(())
}

/// A uid-1000 process that touches more memory than the machine has is
/// killed by the out-of-memory policy (the largest process, never init or
/// the root file system), and its memory comes back.
pub fn oom_kills_the_largest() -> TestResult {
    crate::harden_caps::root_on_tmpfs()?;
    let info = ok("memory_info", memory_info())?;
    let pid = crate::util::spawn_child(|| {
        if process::setuid(USER).is_err() {
            return 2;
        }
        let len = (info.total_frames * info.frame_size * 2) as usize;
        let Ok(base) = map_anonymous(len, MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE) else {
            return 3;
        };
        for page in (base..base + len).step_by(PAGE_SIZE) {
            crate::util::poke(page);
        }
        4
    })?;
    crate::util::expect_signal(pid, SIGKILL)?;
    let log = ok("read the kernel log", cairn_rt::fs::read("/scheme/sys/log"))?;
    let needle = cairn_rt::format!("out of memory: killed pid {pid} ");
    ensure!(log.windows(needle.len()).any(|w| w == needle.as_bytes()), "the kernel log does not say {needle:?}");
    let hello = ok("read /bin/hello after the out-of-memory kill", cairn_rt::fs::read("/bin/hello"))?;
    ensure!(hello.starts_with(b"\x7fELF"), "/bin/hello came back damaged");
    let free_after = ok("memory_info", memory_info())?.free_frames;
    ensure!(
        free_after + 2048 >= info.free_frames,
        "memory did not come back: {} frames free before, {free_after} after",
        info.free_frames
    );
    Ok(())
}

/// A shared page of counters the bomb's processes and the test both see.
struct BombBoard {
    /// Set by the test: every bomb process ends.
    stop: &'static AtomicBool,
    /// Processes or threads of the bomb that met `EAGAIN`.
    refused: &'static AtomicU32,
    /// The errno of the first refusal.
    first_errno: &'static AtomicU32,
    /// A futex word the thread bomb's threads wait on until all are made.
    gate: &'static AtomicU32,
}

impl BombBoard {
    fn new() -> Result<BombBoard, cairn_rt::String> {
        let page = ok(
            "map_anonymous(MAP_SHARED)",
            map_anonymous(PAGE_SIZE, MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED),
        )?;
        // SAFETY: the page was just mapped read-write, is zero-filled (a valid
        // value of each atomic), lives until the process ends and is never
        // unmapped; the fields do not overlap.
        unsafe {
            Ok(BombBoard {
                stop: &*(page as *const AtomicBool),
                refused: &*((page + 8) as *const AtomicU32),
                first_errno: &*((page + 24) as *const AtomicU32),
                gate: &*((page + 32) as *const AtomicU32),
            })
        }
    }

    /// Counts a refusal, keeping the first one's errno.
    fn refused(&self, error: Error) {
        let errno = error.errno().unwrap_or(0) as u32;
        let _ = self.first_errno.compare_exchange(0, errno, Ordering::SeqCst, Ordering::SeqCst);
        self.refused.fetch_add(1, Ordering::SeqCst);
    }

    /// Spins (computing, never blocking) until the test says stop.
    fn spin_until_stopped(&self, born: Instant) {
        while !self.stop.load(Ordering::Relaxed) && born.elapsed() < BOMB_LIFETIME {
            core::hint::spin_loop();
        }
    }
}

/// The body of every fork-bomb process: fork until the kernel refuses,
/// then compute until told to stop.
fn fork_bomb(board: &BombBoard, born: Instant) -> ! {
    loop {
        if board.stop.load(Ordering::Relaxed) {
            break;
        }
        match process::fork() {
            Ok(_) => {}
            Err(e) => {
                board.refused(e);
                board.spin_until_stopped(born);
                break;
            }
        }
    }
    process::exit(0)
}

/// The bomb runs as `USER` in a process group of its own; returns the
/// first bomb process (the group's leader).
fn start_bomb(board: &BombBoard, body: fn(&BombBoard, Instant) -> !) -> Result<process::Pid, cairn_rt::String> {
    match ok("fork", process::fork())? {
        ForkResult::Child => {
            let born = Instant::now();
            if process::setpgid(0, 0).is_err() || process::setuid(USER).is_err() {
                process::exit(3);
            }
            body(board, born)
        }
        ForkResult::Parent { child } => Ok(child),
    }
}

/// While the bomb computes, root starts `/bin/true` three times; then
/// the bomb is stopped and every process of it reaped.
fn root_keeps_working(board: &BombBoard, leader: process::Pid, what: &str) -> TestResult {
    let start = Instant::now();
    while board.refused.load(Ordering::SeqCst) == 0 && start.elapsed() < CHILD_TIMEOUT {
        thread::sleep(Duration::from_millis(20));
    }
    // Let the rest of the bomb meet the limit too: wait until a second
    // passes without a new refusal.
    let mut seen = board.refused.load(Ordering::SeqCst);
    loop {
        thread::sleep(Duration::from_secs(1));
        let now = board.refused.load(Ordering::SeqCst);
        if now == seen || start.elapsed() > CHILD_TIMEOUT {
            break;
        }
        seen = now;
    }
    let first_errno = board.first_errno.load(Ordering::SeqCst) as i32;
    let mut result = Ok(());
    if board.refused.load(Ordering::SeqCst) == 0 {
        result = Err(cairn_rt::format!("the {what} never met its limit"));
    } else if first_errno != EAGAIN {
        result = Err(cairn_rt::format!("the {what} was first refused with errno {first_errno}, not EAGAIN"));
    } else {
        let before = Instant::now();
        for _ in 0..3 {
            let outcome = process::spawn("/bin/true", &["true"], &[] as &[&str])
                .map_err(|e| cairn_rt::format!("spawn /bin/true during the {what}: {e}"))
                .and_then(|child| {
                    reap(child.id(), CHILD_TIMEOUT).and_then(|status| {
                        if status.code() == Some(0) { Ok(()) } else { Err(cairn_rt::format!("true: {status}")) }
                    })
                });
            if outcome.is_err() {
                result = outcome;
                break;
            }
        }
        cairn_rt::println!(
            "utest: {what}: refused {} times, root ran 3 programs in {} ms meanwhile",
            board.refused.load(Ordering::SeqCst),
            before.elapsed().as_millis()
        );
        if board.stop.load(Ordering::SeqCst) {
            result = Err(cairn_rt::format!("the {what} ended before root's programs ran"));
        }
    }
    board.stop.store(true, Ordering::SeqCst);
    reap_everything(leader)?;
    result
}

/// Kills what is left of the bomb and reaps the leader and every orphan
/// it left to init (this process, when utest is init), bounded in time.
fn reap_everything(leader: process::Pid) -> TestResult {
    let start = Instant::now();
    loop {
        let gone = signal::kill_group(leader, SIGKILL) == Err(Error::from_errno(ESRCH));
        while let Ok(Some(_)) = waitpid(WaitTarget::Any, WNOHANG) {}
        if gone {
            return Ok(());
        }
        ensure!(start.elapsed() < CHILD_TIMEOUT, "the bomb's processes outlived {CHILD_TIMEOUT:?}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// A user stops at its thread limit: with `THREADS` lowered to 16, forks
/// and thread creation fail with `EAGAIN` once 16 threads exist.
pub fn user_thread_limit() -> TestResult {
    in_child(|| {
        ok("setuid(1000)", process::setuid(USER))?;
        ok("set_limit", process::set_limit(resource::THREADS, Limit { current: 16, maximum: 16 }))?;
        let (reader, writer) = ok("pipe", cairn_rt::fd::pipe(0))?;
        let (reader, writer) = (reader.into_raw(), writer.into_raw());
        let mut children = Vec::new();
        let outcome = loop {
            match process::fork() {
                Ok(ForkResult::Child) => {
                    // Wait for the parent to close the pipe.
                    let _ = cairn_rt::fd::close(writer);
                    let mut byte = [0u8];
                    let _ = cairn_rt::io::read_fd(reader, &mut byte);
                    process::exit(0);
                }
                Ok(ForkResult::Parent { child }) => children.push(child),
                Err(e) => break e,
            }
            if children.len() > 64 {
                break Error::from_errno(0);
            }
        };
        let thread = cairn_rt::thread::Builder::new().spawn(|| ());
        let _ = cairn_rt::fd::close(writer);
        for child in &children {
            reap(*child, CHILD_TIMEOUT)?;
        }
        ensure!(
            outcome == Error::from_errno(EAGAIN),
            "forking past the limit gave {outcome:?} after {} children",
            children.len()
        );
        ensure!(
            children.len() == 15,
            "{} children before EAGAIN (limit 16 threads, this one included)",
            children.len()
        );
        ensure!(thread.is_err(), "a thread started past the limit");
        Ok(())
    })
}

/// A fork bomb by uid 1000 meets its limit, and root starts programs while
/// it computes.
pub fn fork_bomb_contained() -> TestResult {
    let board = BombBoard::new()?;
    let leader = start_bomb(&board, fork_bomb)?;
    root_keeps_working(&board, leader, "fork bomb")
}

/// The body of the thread bomb's one process: threads until refused, each
/// waiting at the gate until the last is made, then all computing at once
/// (made while the others already computed, a few thousand threads take
/// minutes under emulation to reach the limit).
fn thread_bomb(board: &BombBoard, born: Instant) -> ! {
    let (stop, gate): (&'static AtomicBool, &'static AtomicU32) = (board.stop, board.gate);
    loop {
        let spawned = cairn_rt::thread::Builder::new().stack_size(16 * 1024).spawn(move || {
            while gate.load(Ordering::SeqCst) == 0 && born.elapsed() < BOMB_LIFETIME {
                let _ = futex_wait(gate, 0, Some(Duration::from_secs(1)));
            }
            while !stop.load(Ordering::Relaxed) && born.elapsed() < BOMB_LIFETIME {
                core::hint::spin_loop();
            }
        });
        if let Err(e) = spawned {
            board.refused(e);
            gate.store(1, Ordering::SeqCst);
            let _ = futex_wake(gate, usize::MAX);
            board.spin_until_stopped(born);
            process::exit(0)
        }
    }
}

/// A thread bomb by uid 1000 meets its limit, and root starts programs
/// while it computes.
pub fn thread_bomb_contained() -> TestResult {
    let board = BombBoard::new()?;
    let leader = start_bomb(&board, thread_bomb)?;
    root_keeps_working(&board, leader, "thread bomb")
}

/// A process's page tables are kernel memory charged to it: with
/// `KERNEL_MEMORY` at 256 KiB, touching one page every 2 MiB (a new page
/// table each) through a system call fails with `ENOMEM` well before 1 GiB,
/// unmapping gives the tables back so the same touches work again, and
/// touching by a fault past the limit ends the process with SIGSEGV (the
/// out-of-memory policy kills nobody for it).
pub fn kernel_memory_limit() -> TestResult {
    const STRIDE: usize = 2 << 20;
    const SPAN: usize = 1 << 30;
    let pid = crate::util::spawn_child(|| {
        let limit = Limit { current: 256 * 1024, maximum: 256 * 1024 };
        if process::set_limit(resource::KERNEL_MEMORY, limit).is_err()
            || process::get_limit(resource::KERNEL_MEMORY) != Ok(limit)
        {
            return 2;
        }
        let Ok(zero) = cairn_rt::fs::File::open("/scheme/zero") else { return 3 };
        let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE;
        let Ok(base) = map_anonymous(SPAN, flags) else { return 4 };
        // Touched by the kernel (a read into the page): the first that
        // would need a page table past the limit is refused.
        let refused = (0..SPAN / STRIDE).find_map(|index| {
            // SAFETY: the byte lies in the mapping made for this test.
            let byte = unsafe { core::slice::from_raw_parts_mut((base + index * STRIDE) as *mut u8, 1) };
            cairn_rt::io::read_fd(zero.as_raw_fd(), byte).err().map(|e| (index, e.errno()))
        });
        match refused {
            Some((index, Some(ENOMEM))) if (1..64).contains(&index) => {}
            _ => return 5,
        }
        // SAFETY: nothing uses the mapping any more.
        if unsafe { cairn_rt::sys::munmap(base, SPAN) }.is_err() {
            return 6;
        }
        let Ok(base) = map_anonymous(SPAN, flags) else { return 7 };
        for index in 0..8 {
            // SAFETY: as above.
            let byte = unsafe { core::slice::from_raw_parts_mut((base + index * STRIDE) as *mut u8, 1) };
            if cairn_rt::io::read_fd(zero.as_raw_fd(), byte).is_err() {
                return 8;
            }
        }
        for index in 0..SPAN / STRIDE {
            crate::util::poke(base + index * STRIDE);
        }
        9
    })?;
    crate::util::expect_signal(pid, cairn_rt::abi::signal::SIGSEGV)?;
    let log = ok("read the kernel log", cairn_rt::fs::read("/scheme/sys/log"))?;
    let needle = cairn_rt::format!("out of memory: killed pid {pid} ");
    ensure!(!log.windows(needle.len()).any(|w| w == needle.as_bytes()), "the out-of-memory policy killed it");
    Ok(())
}

/// `/scheme/sys/processes` shows each process's kernel memory (page tables
/// and kernel stacks): a thread more raises this process's figure.
pub fn kernel_memory_shown() -> TestResult {
    in_child(|| {
        let mine = || -> Result<u64, cairn_rt::String> {
            let text = ok("read processes", cairn_rt::fs::read_to_string("/scheme/sys/processes"))?;
            ensure!(text.starts_with("PID PPID PGID SID UID STATE THREADS RSS_KIB KMEM_KIB NAME"), "header: {text}");
            let me = cairn_rt::format!("{} ", process::id());
            let line = text.lines().find(|l| l.starts_with(&me)).ok_or("this process is not listed")?;
            line.split(' ')
                .nth(8)
                .and_then(|f| f.parse().ok())
                .ok_or_else(|| cairn_rt::format!("no KMEM_KIB in {line:?}"))
        };
        let before = mine()?;
        ensure!(before >= 64 + 4, "{before} KiB is less than one kernel stack and a page table");
        let gate: &'static AtomicU32 = cairn_rt::Box::leak(cairn_rt::Box::new(AtomicU32::new(0)));
        let helper = ok(
            "thread",
            cairn_rt::thread::Builder::new().spawn(move || {
                while gate.load(Ordering::SeqCst) == 0 {
                    let _ = futex_wait(gate, 0, Some(Duration::from_secs(1)));
                }
            }),
        )?;
        let during = mine()?;
        gate.store(1, Ordering::SeqCst);
        let _ = futex_wake(gate, usize::MAX);
        let _ = helper.join();
        ensure!(during >= before + 64, "a second thread moved KMEM_KIB from {before} only to {during}");
        Ok(())
    })
}
