//! Threads and futexes: 64 threads × 1000 increments under a futex mutex,
//! condition-variable ping-pong, per-thread control blocks at FS base,
//! join results, detached threads, the stack guard page, and the futex
//! calls themselves.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use cairn_rt::abi::error::{EAGAIN, ESRCH, ETIMEDOUT};
use cairn_rt::signal::SIGSEGV;
use cairn_rt::sync::{Arc, Condvar, Mutex};
use cairn_rt::sys::{self, Syscall};
use cairn_rt::thread::{self, JoinHandle};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{Vec, format};

use crate::util::{TestResult, call, ensure, expect_errno, expect_signal, fs0, ok, spawn_child};

const THREADS: usize = 64;
const INCREMENTS: usize = 1000;

pub fn mutex_counts_exactly() -> TestResult {
    let counter = Arc::new(Mutex::new(0usize));
    let handles: Vec<JoinHandle<()>> = (0..THREADS)
        .map(|_| {
            let counter = counter.clone();
            thread::Builder::new().spawn(move || {
                for _ in 0..INCREMENTS {
                    let mut n = counter.lock();
                    // A read-yield-write window that loses updates unless
                    // the lock really excludes.
                    let seen = *n;
                    if seen.is_multiple_of(97) {
                        thread::yield_now();
                    }
                    *n = seen + 1;
                }
            })
        })
        .collect::<Result<_, _>>()
        .map_err(|e| format!("spawning {THREADS} threads: {e}"))?;
    for h in handles {
        ok("join", h.join())?;
    }
    let total = *counter.lock();
    ensure!(total == THREADS * INCREMENTS, "counter is {total}, expected {}", THREADS * INCREMENTS);
    Ok(())
}

pub fn condvar_ping_pong() -> TestResult {
    const ROUNDS: usize = 1000;
    let shared = Arc::new((Mutex::new(0usize), Condvar::new()));
    let theirs = shared.clone();
    // The other thread turns odd values even; this one turns even to odd.
    let pong = thread::spawn(move || {
        let (turn, cv) = &*theirs;
        for _ in 0..ROUNDS {
            let mut t = cv.wait_while(turn.lock(), |t| *t % 2 == 0);
            *t += 1;
            cv.notify_one();
        }
    });
    let (turn, cv) = &*shared;
    for round in 0..ROUNDS {
        let mut t = turn.lock();
        *t += 1;
        cv.notify_one();
        let deadline = Instant::now() + Duration::from_secs(30);
        while *t % 2 == 1 {
            ensure!(Instant::now() < deadline, "no answer within 30 s in round {round}");
            t = cv.wait_timeout(t, Duration::from_secs(1)).0;
        }
    }
    ok("join", pong.join())?;
    let end = *turn.lock();
    ensure!(end == 2 * ROUNDS, "ping-pong ended at {end}, expected {}", 2 * ROUNDS);
    Ok(())
}

pub fn thread_control_blocks() -> TestResult {
    let main_block = fs0();
    let main_tid = sys::gettid();
    let handles: Vec<JoinHandle<(usize, usize, usize)>> =
        (0..8).map(|_| thread::spawn(|| (fs0(), thread::current().id().as_usize(), sys::gettid()))).collect();
    let mut blocks = Vec::from([main_block]);
    let mut tids = Vec::from([main_tid]);
    for h in handles {
        let (block, runtime_tid, kernel_tid) = ok("join", h.join())?;
        ensure!(runtime_tid == kernel_tid, "thread control block says tid {runtime_tid}, gettid says {kernel_tid}");
        blocks.push(block);
        tids.push(kernel_tid);
    }
    ensure!(main_block != 0, "fs:0 is null in the main thread");
    let (n_blocks, n_tids) = (blocks.len(), tids.len());
    blocks.sort_unstable();
    blocks.dedup();
    tids.sort_unstable();
    tids.dedup();
    ensure!(blocks.len() == n_blocks, "two threads share a control block: {blocks:x?}");
    ensure!(tids.len() == n_tids, "two threads share a tid: {tids:?}");
    ensure!(fs0() == main_block, "the main thread's fs:0 changed");
    Ok(())
}

pub fn join_returns_values() -> TestResult {
    let handles: Vec<_> = (0..16u64).map(|i| thread::spawn(move || i * i)).collect();
    for (i, h) in handles.into_iter().enumerate() {
        let v = ok("join", h.join())?;
        ensure!(v == (i * i) as u64, "thread {i} returned {v}");
    }
    // A value that owns heap memory crosses threads intact.
    let text = ok("join", thread::spawn(|| format!("{}-{}", "from", 42)).join())?;
    ensure!(text == "from-42", "got {text:?}");
    // Joining a thread that is not there.
    expect_errno("thread_join(999999)", call(Syscall::ThreadJoin, [999_999, 0, 0, 0, 0, 0]), ESRCH)
}

pub fn detached_threads() -> TestResult {
    static DONE: AtomicUsize = AtomicUsize::new(0);
    DONE.store(0, Ordering::SeqCst);
    for _ in 0..32 {
        drop(thread::spawn(|| {
            DONE.fetch_add(1, Ordering::SeqCst);
        }));
    }
    let start = Instant::now();
    while DONE.load(Ordering::SeqCst) < 32 && start.elapsed() < Duration::from_secs(30) {
        thread::sleep(Duration::from_millis(1));
    }
    ensure!(DONE.load(Ordering::SeqCst) == 32, "only {} of 32 detached threads ran", DONE.load(Ordering::SeqCst));
    // Spawning again reclaims the finished detached threads' stacks.
    for _ in 0..64 {
        ok("join", thread::spawn(|| 1).join())?;
    }
    Ok(())
}

/// Recurses with a big frame until the stack runs out.
fn recurse(depth: usize) -> usize {
    let frame = core::hint::black_box([depth as u8; 1024]);
    if depth == usize::MAX { frame[0] as usize } else { recurse(depth + 1) + frame[depth % 1024] as usize }
}

pub fn stack_guard_page() -> TestResult {
    let pid = spawn_child(|| match thread::Builder::new().stack_size(64 * 1024).spawn(|| recurse(0)) {
        Ok(h) => {
            let _ = h.join();
            0
        }
        Err(_) => 2,
    })?;
    expect_signal(pid, SIGSEGV).map_err(|e| format!("thread stack overflow: {e}"))
}

pub fn futex_calls() -> TestResult {
    let word = AtomicU32::new(5);
    expect_errno("futex_wait with a stale value", sys::futex_wait(&word, 4, None), EAGAIN)?;
    let start = Instant::now();
    let timed = sys::futex_wait(&word, 5, Some(Duration::from_millis(20)));
    let waited = start.elapsed();
    expect_errno("futex_wait with a 20 ms timeout", timed, ETIMEDOUT)?;
    ensure!(waited >= Duration::from_millis(20), "futex_wait timed out after only {waited:?}");
    ensure!(ok("futex_wake", sys::futex_wake(&word, 1))? == 0, "futex_wake woke someone with no waiters");
    // A real wake-up.
    let shared = Arc::new(AtomicU32::new(0));
    let theirs = shared.clone();
    let waiter = thread::spawn(move || {
        while theirs.load(Ordering::SeqCst) == 0 {
            let _ = sys::futex_wait(&theirs, 0, Some(Duration::from_secs(30)));
        }
    });
    thread::sleep(Duration::from_millis(20));
    shared.store(1, Ordering::SeqCst);
    ok("futex_wake", sys::futex_wake(&shared, 1))?;
    ok("join", waiter.join())
}
