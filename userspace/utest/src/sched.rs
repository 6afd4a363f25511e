//! Scheduling and time: `sched_yield`, `nanosleep` lower bounds, a
//! monotonic clock that never goes back, preemption of user code that never
//! enters the kernel, and work spread over every CPU.
//!
//! Timing is only ever checked as a lower bound ("slept at least"), never
//! as a speed: these tests run under TCG.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use cairn_rt::abi::CLOCK_REALTIME;
use cairn_rt::process::{Pid, WNOHANG, WaitTarget, waitpid};
use cairn_rt::signal::{SIGKILL, kill};
use cairn_rt::sync::Arc;
use cairn_rt::sys::{self, MapFlags, PAGE_SIZE, Syscall, map_anonymous};
use cairn_rt::time::{Duration, Instant, SystemTime, UNIX_EPOCH, clock_gettime};
use cairn_rt::{Vec, format, thread, vec};

use crate::util::{CHILD_TIMEOUT, TestResult, call, ensure, expect_signal, ok, spawn_child, spin_forever};

pub fn sched_yield() -> TestResult {
    for i in 0..1000 {
        ok("sched_yield", call(Syscall::SchedYield, [0; 6])).map_err(|e| format!("call #{i}: {e}"))?;
    }
    // Two threads taking turns by yielding both make progress.
    const TURNS: usize = 200;
    let turn = Arc::new(AtomicUsize::new(0));
    let theirs = turn.clone();
    let deadline = Instant::now() + Duration::from_secs(60);
    let other = thread::spawn(move || {
        let mut done = 0;
        while done < TURNS && Instant::now() < deadline {
            if theirs.load(Ordering::SeqCst) % 2 == 1 {
                theirs.fetch_add(1, Ordering::SeqCst);
                done += 1;
            } else {
                thread::yield_now();
            }
        }
    });
    let mut done = 0;
    while done < TURNS && Instant::now() < deadline {
        if turn.load(Ordering::SeqCst).is_multiple_of(2) {
            turn.fetch_add(1, Ordering::SeqCst);
            done += 1;
        } else {
            thread::yield_now();
        }
    }
    ok("join", other.join())?;
    let end = turn.load(Ordering::SeqCst);
    ensure!(end == 2 * TURNS, "yield ping-pong reached {end} of {} turns in 60 s", 2 * TURNS);
    Ok(())
}

pub fn nanosleep_sleeps_long_enough() -> TestResult {
    for ms in [1, 10, 50, 120] {
        let want = Duration::from_millis(ms);
        let start = Instant::now();
        thread::sleep(want);
        let slept = start.elapsed();
        ensure!(slept >= want, "sleep({want:?}) returned after {slept:?}");
    }
    let start = Instant::now();
    thread::sleep(Duration::ZERO);
    ensure!(start.elapsed() < Duration::from_secs(5), "sleep(0) took {:?}", start.elapsed());
    Ok(())
}

pub fn monotonic_clock() -> TestResult {
    let mut last = Instant::now();
    for i in 0..100_000 {
        let now = Instant::now();
        ensure!(now >= last, "clock went back at read {i}: {:?} after {:?}", now.since_boot(), last.since_boot());
        last = now;
    }
    // It advances.
    let start = Instant::now();
    thread::sleep(Duration::from_millis(5));
    ensure!(Instant::now() > start, "monotonic clock stands still");
    // Monotonic across threads too: a later reading in another thread is
    // not earlier.
    let before = Instant::now();
    let theirs = ok("join", thread::spawn(Instant::now).join())?;
    ensure!(theirs >= before, "another thread read an earlier time");
    // The wall clock answers and is after 2020-01-01.
    let wall = ok("clock_gettime(REALTIME)", clock_gettime(CLOCK_REALTIME))?;
    ensure!(wall.as_secs() > 1_577_836_800, "wall clock says {wall:?} since 1970");
    ensure!(SystemTime::now().duration_since(UNIX_EPOCH).is_ok(), "wall clock before 1970");
    Ok(())
}

/// Starts `n` children running `body(i)` (which never returns).
fn spinners(n: usize, body: impl Fn(usize) -> i32) -> Result<Vec<Pid>, cairn_rt::String> {
    let mut pids = Vec::new();
    for i in 0..n {
        match spawn_child(|| body(i)) {
            Ok(pid) => pids.push(pid),
            Err(e) => {
                stop(&pids)?;
                return Err(e);
            }
        }
    }
    Ok(pids)
}

/// Kills and reaps spinners; each must still have been running.
fn stop(pids: &[Pid]) -> TestResult {
    for &pid in pids {
        let _ = kill(pid, SIGKILL);
    }
    for &pid in pids {
        expect_signal(pid, SIGKILL)?;
    }
    Ok(())
}

/// Waits until every counter has moved past `floor`; returns the laggards.
fn wait_all_past(counters: &[AtomicU64], floor: &[u64]) -> Vec<usize> {
    let start = Instant::now();
    loop {
        let behind: Vec<usize> =
            (0..counters.len()).filter(|&i| counters[i].load(Ordering::Relaxed) <= floor[i]).collect();
        if behind.is_empty() || start.elapsed() > CHILD_TIMEOUT / 2 {
            return behind;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

pub fn preemption() -> TestResult {
    // More spinners than CPUs, each counting in a shared page without ever
    // entering the kernel: all of them (and this process) make progress
    // only if the kernel takes CPUs away from running user code.
    let n = ok("sysinfo", sys::cpu_info())?.len() + 1;
    let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
    let page = ok("mmap shared", map_anonymous(PAGE_SIZE, flags))?;
    // SAFETY: a fresh zeroed shared page, big enough for `n` counters (n is
    // far below 512), used only as atomics.
    let counters = unsafe { core::slice::from_raw_parts(page as *const AtomicU64, n.min(PAGE_SIZE / 8)) };
    let pids = spinners(counters.len(), |i| {
        loop {
            counters[i].fetch_add(1, Ordering::Relaxed);
        }
    })?;
    let zero = vec![0u64; counters.len()];
    let never_ran = wait_all_past(counters, &zero);
    let snapshot: Vec<u64> = counters.iter().map(|c| c.load(Ordering::Relaxed)).collect();
    let stalled = if never_ran.is_empty() { wait_all_past(counters, &snapshot) } else { Vec::new() };
    let early = waitpid(WaitTarget::Any, WNOHANG);
    let stopped = stop(&pids);
    // SAFETY: the spinners are dead; nothing uses the page.
    let _ = unsafe { sys::munmap(page, PAGE_SIZE) };
    stopped?;
    ensure!(matches!(early, Ok(None)), "a spinner ended on its own: {early:?}");
    ensure!(never_ran.is_empty(), "spinner(s) {never_ran:?} of {n} never ran (no preemption?)");
    ensure!(stalled.is_empty(), "spinner(s) {stalled:?} of {n} stopped making progress");
    Ok(())
}

pub fn all_cpus_used() -> TestResult {
    let before = ok("sysinfo", sys::cpu_info())?;
    let pids = spinners(before.len(), |_| spin_forever())?;
    thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    let idle = loop {
        let now = ok("sysinfo", sys::cpu_info());
        let idle: Vec<u32> = match &now {
            Ok(now) => {
                before.iter().zip(now).filter(|(b, n)| n.user_ticks <= b.user_ticks).map(|(b, _)| b.index).collect()
            }
            Err(_) => Vec::new(),
        };
        if idle.is_empty() || start.elapsed() > CHILD_TIMEOUT / 2 {
            break now.map(|_| idle);
        }
        thread::sleep(Duration::from_millis(100));
    };
    stop(&pids)?;
    let idle = idle?;
    ensure!(idle.is_empty(), "no user time on CPU(s) {idle:?} with {} spinners", before.len());
    Ok(())
}
