//! Scheduling and time: `sched_yield`, `nanosleep` lower bounds, a
//! monotonic clock that never goes back, preemption of user code that never
//! enters the kernel, work spread over every CPU, and CPU affinity (pinned
//! processes stay put, bad sets and targets are refused).
//!
//! Timing is only ever checked as a lower bound ("slept at least"), never
//! as a speed: these tests run under TCG.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use cairn_rt::abi::error::{EACCES, EBADF, EINVAL, ENOENT, EPERM, ESRCH};
use cairn_rt::abi::{CLOCK_REALTIME, O_RDONLY, O_RDWR, affinity};
use cairn_rt::process::{self, Pid, TaskHandle, WNOHANG, WaitTarget, waitpid};
use cairn_rt::sched::{self, CpuSet};
use cairn_rt::signal::{SIGKILL, kill};
use cairn_rt::sync::Arc;
use cairn_rt::sys::{self, MapFlags, PAGE_SIZE, Syscall, map_anonymous};
use cairn_rt::time::{Duration, Instant, SystemTime, UNIX_EPOCH, clock_gettime};
use cairn_rt::{Vec, format, thread, vec};

use crate::util::{
    CHILD_TIMEOUT, TestResult, call, ensure, expect_errno, expect_exit, expect_signal, in_child, ok, sleep_forever,
    spawn_child, spin_forever,
};

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

/// The CPU column of `/scheme/sys/threads` for each thread of `pid`.
fn cpus_of(pid: Pid) -> Result<Vec<usize>, cairn_rt::String> {
    let text = ok("read /scheme/sys/threads", cairn_rt::fs::read("/scheme/sys/threads"))?;
    let text = core::str::from_utf8(&text).map_err(|_| cairn_rt::String::from("/scheme/sys/threads is not UTF-8"))?;
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields.get(1)?.parse::<usize>().ok()? == pid).then(|| fields.get(4)?.parse().ok())?
        })
        .collect())
}

/// Processes pinned to one CPU stay there: two spinners pinned to the last
/// CPU are never stolen by the idle others, one pinned while it runs
/// moves, and a process's children and threads inherit its set.
pub fn affinity_pins_processes() -> TestResult {
    let online = ok("sysinfo", sys::cpu_info())?.len();
    let me = ok("process_open(self)", TaskHandle::process(process::id()))?;
    let all = ok("affinity(self)", sched::affinity(&me))?;
    ensure!(all.cpus().eq(0..online), "own set {} with {online} CPUs online", all.to_list());
    if online < 2 {
        return Ok(());
    }
    let last = online - 1;
    let mut only_last = CpuSet::new();
    only_last.insert(last);
    let pids = spinners(2, |_| spin_forever())?;
    let result = (|| {
        for &pid in &pids {
            let handle = ok("process_open", TaskHandle::process(pid))?;
            ok("set_affinity", sched::set_affinity(&handle, &only_last))?;
            let set = ok("affinity", sched::affinity(&handle))?;
            ensure!(set == only_last, "child {pid}: set {} after writing {}", set.to_list(), only_last.to_list());
        }
        thread::sleep(Duration::from_millis(50));
        for sample in 0..40 {
            for &pid in &pids {
                let cpus = cpus_of(pid)?;
                ensure!(cpus == [last], "sample {sample}: pinned child {pid} on CPU(s) {cpus:?}, not {last}");
            }
            thread::sleep(Duration::from_millis(10));
        }
        // Moved while spinning: off the last CPU, onto the first.
        let mut only_first = CpuSet::new();
        only_first.insert(0);
        let handle = ok("process_open", TaskHandle::process(pids[0]))?;
        ok("set_affinity", sched::set_affinity(&handle, &only_first))?;
        thread::sleep(Duration::from_millis(100));
        for sample in 0..20 {
            let cpus = cpus_of(pids[0])?;
            ensure!(cpus == [0], "sample {sample}: child moved to CPU 0 is on {cpus:?}");
            thread::sleep(Duration::from_millis(10));
        }
        Ok(())
    })();
    stop(&pids)?;
    result?;
    // Inherited by forked children and new threads.
    in_child(|| {
        let mine = ok("process_open(self)", TaskHandle::process(process::id()))?;
        ok("set_affinity", sched::set_affinity(&mine, &only_last))?;
        let grandchild = spawn_child(|| {
            let handle = TaskHandle::process(process::id());
            i32::from(!handle.and_then(|h| sched::affinity(&h)).is_ok_and(|set| set.cpus().eq([online - 1])))
        })?;
        expect_exit(grandchild, 0).map_err(|e| format!("a forked child did not inherit the set: {e}"))?;
        let inherited = thread::spawn(move || {
            let handle = TaskHandle::thread(sys::gettid());
            handle.and_then(|h| sched::affinity(&h)).map(|set| set.to_list())
        });
        let set = ok("thread's affinity", ok("join", inherited.join())?)?;
        ensure!(set == format!("{last}"), "a new thread runs on {set}, not {last}");
        Ok(())
    })
}

/// Bad sets and bad targets get clear errors and change nothing.
pub fn affinity_bad_input() -> TestResult {
    let online = ok("sysinfo", sys::cpu_info())?.len();
    let me = ok("process_open(self)", TaskHandle::process(process::id()))?;
    let before = ok("affinity(self)", sched::affinity(&me))?;
    let fd = me.fd().as_raw();
    let open = |path: &str, flags: usize| call(Syscall::Openat, [fd, path.as_ptr() as usize, path.len(), flags, 0, 0]);
    let file = ok("open sched-affinity", open(affinity::FILE, O_RDWR))?;
    let write = |bytes: &[u8]| call(Syscall::Write, [file, bytes.as_ptr() as usize, bytes.len(), 0, 0, 0]);
    expect_errno("an empty write", write(&[]), EINVAL)?;
    expect_errno("a set without CPUs", write(&[0, 0]), EINVAL)?;
    let mut offline = [0u8; affinity::MAX_BYTES];
    offline[online / 8] = 1 << (online % 8);
    expect_errno("a CPU that is not online", write(&offline[..online / 8 + 1]), EINVAL)?;
    let mut both = offline;
    both[0] |= 1;
    expect_errno("CPU 0 and one not online", write(&both[..online / 8 + 1]), EINVAL)?;
    expect_errno("a set longer than 256 CPUs", write(&[1; affinity::MAX_BYTES + 1]), EINVAL)?;
    let mut tiny = [0u8; 0];
    expect_errno("a read into no room", call(Syscall::Read, [file, tiny.as_mut_ptr() as usize, 0, 0, 0, 0]), EINVAL)?;
    let after = ok("affinity(self)", sched::affinity(&me))?;
    ensure!(after == before, "refused writes changed the set from {} to {}", before.to_list(), after.to_list());
    expect_errno("an unknown file", open("sched-bogus", O_RDONLY), ENOENT)?;
    let reader = ok("open read-only", open(affinity::FILE, O_RDONLY))?;
    expect_errno("writing a read-only fd", call(Syscall::Write, [reader, [1u8].as_ptr() as usize, 1, 0, 0, 0]), EBADF)?;
    let (read_end, _write_end) = ok("pipe", cairn_rt::fd::pipe(0))?;
    let path = affinity::FILE;
    expect_errno(
        "openat from a pipe (no LOOKUP right)",
        call(Syscall::Openat, [read_end.as_raw(), path.as_ptr() as usize, path.len(), O_RDONLY, 0, 0]),
        EACCES,
    )?;
    for fd in [file, reader] {
        ok("close", call(Syscall::Close, [fd, 0, 0, 0, 0, 0]))?;
    }
    // A process that ended: its fd answers ESRCH.
    let child = spawn_child(|| sleep_forever())?;
    let handle = ok("process_open", TaskHandle::process(child))?;
    let late = ok("open the child's file", {
        let fd = handle.fd().as_raw();
        call(Syscall::Openat, [fd, path.as_ptr() as usize, path.len(), O_RDWR, 0, 0])
    })?;
    let _ = kill(child, SIGKILL);
    expect_signal(child, SIGKILL)?;
    let mut buffer = [0u8; affinity::MAX_BYTES];
    expect_errno(
        "reading an ended process's set",
        call(Syscall::Read, [late, buffer.as_mut_ptr() as usize, buffer.len(), 0, 0, 0]),
        ESRCH,
    )?;
    expect_errno(
        "writing an ended process's set",
        call(Syscall::Write, [late, [1u8].as_ptr() as usize, 1, 0, 0, 0]),
        ESRCH,
    )?;
    ok("close", call(Syscall::Close, [late, 0, 0, 0, 0, 0]))?;
    // Another user's process: readable, not writable.
    let victim = spawn_child(|| sleep_forever())?;
    let outsider = spawn_child(move || {
        if process::setuid(1000).is_err() {
            return 2;
        }
        let Ok(handle) = TaskHandle::process(victim) else { return 3 };
        if sched::affinity(&handle).is_err() {
            return 4;
        }
        let mut one = CpuSet::new();
        one.insert(0);
        match sched::set_affinity(&handle, &one) {
            Err(e) if e.errno() == Some(EPERM) => 0,
            _ => 5,
        }
    })?;
    let verdict = expect_exit(outsider, 0).map_err(|e| format!("uid 1000 on root's process (EPERM wanted): {e}"));
    let _ = kill(victim, SIGKILL);
    expect_signal(victim, SIGKILL)?;
    verdict
}
