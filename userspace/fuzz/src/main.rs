//! `fuzz`: a seeded system-call fuzzer for Cairn (syzkaller in spirit).
//!
//! `fuzz [--seed S] [--calls N] [--workers W] [--time SECS] [--phase root|user|both] [--trace] [--skip-known]`
//!
//! Half the calls are made as root in the service's namespace, half as uid
//! 1000 in a narrowed namespace. Each phase runs `W` workers at once; a
//! worker is a forked child that makes up to a generation's worth of random
//! calls (see `calls.rs` for the argument classes and what is neutered)
//! and is then replaced, so a worker that crashes or is killed by its own
//! calls is simply restarted. A worker whose calls stand still for long is
//! killed; one that cannot be killed is a kernel hang.
//!
//! Afterwards it checks that the kernel answers, that the kernel log
//! (`/scheme/sys/log`) holds no panic, and that free memory
//! (`/scheme/sys/meminfo`) has come back to within a small margin of its
//! start once every worker is reaped and the files removed. It prints one
//! `TEST user::fuzz_<check> ... ok|FAILED` line per check and the result
//! line `fuzz: done: ...`, and exits with 1 if any check failed.
//!
//! The same seed asks for the same calls (per worker and generation;
//! timing still varies between runs). `--trace` prints every call before
//! it is made and its result after, for reproducing a finding with
//! `--workers 1`.
//!
//! Depends only on `cairn-rt`.
#![no_std]
#![no_main]

extern crate alloc;

mod calls;
mod rng;
mod server;
mod worker;

use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use cairn_rt::abi::signal::SIGKILL;
use cairn_rt::process::{self, ExitStatus, ForkResult, WNOHANG, WaitTarget};
use cairn_rt::sys::{MapFlags, PAGE_SIZE};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{env, format, fs, println, signal};

use calls::Phase;
use worker::{Plan, STOP_INDEX, Shared};

cairn_rt::main!(main);

/// How long a worker's calls may stand still before it is killed.
const STUCK_AFTER: Duration = Duration::from_secs(20);
/// How long a killed worker may take to be reaped before it is a hang.
const HANG_AFTER: Duration = Duration::from_secs(15);
/// Available memory (free frames and the kernel heap's spare room) may end
/// this much below its start (KiB): what the root file system's heap grew
/// to and keeps.
const MEMORY_MARGIN_KIB: u64 = 4 * 1024;
/// How much more the kernel heap may hold at the end than at the start
/// (log lines, caches of the run's last processes).
const KERNEL_HEAP_MARGIN_KIB: u64 = 1024;

struct Options {
    seed: u64,
    calls: u64,
    workers: usize,
    time: Option<Duration>,
    phases: Vec<Phase>,
    trace: bool,
    skip_known: bool,
}

fn usage(why: &str) -> ! {
    cairn_rt::eprintln!(
        "fuzz: {why}\nusage: fuzz [--seed S] [--calls N] [--workers W] [--time SECS] [--phase root|user|both] [--trace] [--skip-known]"
    );
    process::exit(2)
}

fn options() -> Options {
    let mut o = Options {
        seed: cairn_rt::time::SystemTime::now()
            .duration_since(cairn_rt::time::SystemTime::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
        calls: 100_000,
        workers: 2,
        time: None,
        phases: Vec::from([Phase::Root, Phase::User]),
        trace: false,
        skip_known: false,
    };
    let mut args = env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut number = |flag: &str| -> u64 {
            let v = args.next().unwrap_or_else(|| usage(&format!("{flag} needs a value")));
            v.parse().unwrap_or_else(|_| usage(&format!("{flag}: not a number: {v}")))
        };
        match flag.as_str() {
            "--seed" => o.seed = number("--seed"),
            "--calls" => o.calls = number("--calls"),
            "--workers" => o.workers = (number("--workers") as usize).clamp(1, 64),
            "--time" => o.time = Some(Duration::from_secs(number("--time"))).filter(|d| !d.is_zero()),
            "--trace" => o.trace = true,
            "--skip-known" => o.skip_known = true,
            "--phase" => {
                o.phases = match args.next().as_deref() {
                    Some("root") => Vec::from([Phase::Root]),
                    Some("user") => Vec::from([Phase::User]),
                    Some("both") => Vec::from([Phase::Root, Phase::User]),
                    _ => usage("--phase: root, user or both"),
                }
            }
            _ => usage(&format!("unknown argument {flag}")),
        }
    }
    o
}

/// Memory figures from `/scheme/sys/meminfo`, in KiB.
#[derive(Clone, Copy)]
struct Memory {
    /// Free frames plus what the kernel heap holds unused (it keeps what it
    /// grew to, for reuse, and never returns frames).
    available: u64,
    /// The kernel heap's live allocations.
    kernel_heap_used: u64,
    /// Kernel stacks mapped (one per thread, plus each CPU's).
    kernel_stacks: u64,
}

fn memory() -> Option<Memory> {
    let text = fs::read_to_string("/scheme/sys/meminfo").ok()?;
    let field = |name: &str| {
        text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')).and_then(|v| v.trim().parse::<u64>().ok())
    };
    let (free, heap, used) = (field("free_kib")?, field("kernel_heap_kib")?, field("kernel_heap_used_kib")?);
    let kernel_stacks = field("kernel_stacks")?;
    Some(Memory { available: free + heap.saturating_sub(used), kernel_heap_used: used, kernel_stacks })
}

/// What one phase saw.
#[derive(Default)]
struct PhaseReport {
    calls: u64,
    generations: u64,
    /// Workers that ended by a signal they did not get from the coordinator.
    crashes: u64,
    /// Workers killed for standing still.
    stuck: u64,
    /// Workers that could not be killed: (slot, generation).
    hung: Vec<(usize, u64)>,
    timed_out: bool,
}

struct Slot {
    pid: Option<usize>,
    generation: u64,
    last_count: u64,
    last_progress: Instant,
    killed_at: Option<Instant>,
}

fn report(name: &str, result: Result<(), String>) -> bool {
    match result {
        Ok(()) => {
            println!("TEST user::fuzz_{name} ... ok");
            true
        }
        Err(why) => {
            println!("TEST user::fuzz_{name} ... FAILED: {why}");
            false
        }
    }
}

fn run_phase(o: &Options, phase: Phase, budget: u64, shared: &Shared, deadline: Option<Instant>) -> PhaseReport {
    let mut rep = PhaseReport::default();
    let per_slot = budget.div_ceil(o.workers as u64);
    for slot in 0..o.workers {
        shared.get(slot).store(0, Ordering::Relaxed);
    }
    shared.get(STOP_INDEX).store(0, Ordering::Relaxed);
    let mut slots: Vec<Slot> = (0..o.workers)
        .map(|_| Slot { pid: None, generation: 0, last_count: 0, last_progress: Instant::now(), killed_at: None })
        .collect();
    let mut stopping_since: Option<Instant> = None;
    loop {
        // Reap.
        while let Ok(Some((pid, status))) = process::waitpid(WaitTarget::Any, WNOHANG) {
            let Some(i) = slots.iter().position(|s| s.pid == Some(pid)) else { continue };
            let slot = &mut slots[i];
            let killed = slot.killed_at.is_some();
            if !killed && !status_is_clean(status) {
                rep.crashes += 1;
                println!(
                    "fuzz: worker {}{i}.{} (seed {}) ended: {status}",
                    if phase == Phase::Root { 'r' } else { 'u' },
                    slot.generation,
                    o.seed
                );
            }
            // Whatever the worker left in its group goes too.
            let _ = signal::kill_group(pid, SIGKILL);
            slot.pid = None;
            slot.killed_at = None;
            slot.generation += 1;
        }
        let now = Instant::now();
        if stopping_since.is_none() && deadline.is_some_and(|d| now >= d) {
            rep.timed_out = true;
            shared.get(STOP_INDEX).store(1, Ordering::Relaxed);
            stopping_since = Some(now);
        }
        // Start, watch.
        let mut busy = false;
        for (i, slot) in slots.iter_mut().enumerate() {
            let count = shared.get(i).load(Ordering::Relaxed);
            match slot.pid {
                None if count < per_slot && stopping_since.is_none() => {
                    let plan = Plan {
                        seed: o.seed,
                        phase,
                        slot: i,
                        generation: slot.generation,
                        budget: per_slot,
                        trace: o.trace,
                        skip_known: o.skip_known,
                    };
                    match process::fork() {
                        Ok(ForkResult::Child) => worker::run(&plan, shared),
                        Ok(ForkResult::Parent { child }) => {
                            slot.pid = Some(child);
                            slot.last_progress = now;
                            slot.last_count = count;
                            busy = true;
                        }
                        Err(e) => {
                            println!("fuzz: fork: {e}");
                            cairn_rt::thread::sleep(Duration::from_millis(100));
                            busy = true;
                        }
                    }
                }
                None => {}
                Some(pid) => {
                    busy = true;
                    if count != slot.last_count {
                        slot.last_count = count;
                        slot.last_progress = now;
                    }
                    let stale = now.duration_since(slot.last_progress) >= STUCK_AFTER
                        || stopping_since.is_some_and(|s| now.duration_since(s) >= Duration::from_secs(5));
                    match slot.killed_at {
                        None if stale => {
                            if stopping_since.is_none() {
                                rep.stuck += 1;
                                println!(
                                    "fuzz: worker {}{i}.{} (seed {}) made no call for {} s: killed",
                                    if phase == Phase::Root { 'r' } else { 'u' },
                                    slot.generation,
                                    o.seed,
                                    STUCK_AFTER.as_secs()
                                );
                            }
                            let _ = signal::kill_group(pid, SIGKILL);
                            slot.killed_at = Some(now);
                        }
                        Some(at) if now.duration_since(at) >= HANG_AFTER => {
                            rep.hung.push((i, slot.generation));
                            println!(
                                "fuzz: worker {i}.{} (pid {pid}) was not reaped {} s after SIGKILL",
                                slot.generation,
                                HANG_AFTER.as_secs()
                            );
                            slot.pid = None;
                        }
                        _ => {}
                    }
                }
            }
        }
        if !busy {
            break;
        }
        cairn_rt::thread::sleep(Duration::from_millis(20));
    }
    rep.calls = (0..o.workers).map(|i| shared.get(i).load(Ordering::Relaxed)).sum();
    rep.generations = slots.iter().map(|s| s.generation).sum();
    rep
}

fn status_is_clean(status: ExitStatus) -> bool {
    status.code() == Some(0)
}

/// Removes a directory tree (best effort).
fn remove_tree(path: &str) {
    if let Ok(entries) = fs::read_dir(path) {
        for (name, kind) in entries {
            let child = format!("{path}/{name}");
            if kind == fs::EntryKind::Dir {
                remove_tree(&child);
            } else {
                let _ = fs::remove_file(&child);
            }
        }
    }
    let _ = fs::remove_dir(path);
}

/// The kernel still answers: plain calls, a pipe round trip, a child.
fn kernel_answers() -> Result<(), String> {
    let (r, w) = cairn_rt::fd::pipe(0).map_err(|e| format!("pipe: {e}"))?;
    cairn_rt::io::write_fd(w.as_raw(), b"ping").map_err(|e| format!("write: {e}"))?;
    let mut buf = [0u8; 4];
    cairn_rt::io::read_fd(r.as_raw(), &mut buf).map_err(|e| format!("read: {e}"))?;
    if &buf != b"ping" {
        return Err(String::from("pipe returned other bytes"));
    }
    let status = process::Command::new("/bin/true").status().map_err(|e| format!("spawn /bin/true: {e}"))?;
    if status.code() != Some(0) {
        return Err(format!("/bin/true: {status}"));
    }
    fs::read_to_string("/scheme/sys/uptime").map_err(|e| format!("/scheme/sys/uptime: {e}"))?;
    Ok(())
}

/// The resident memory (KiB) and name of each process in a
/// `/scheme/sys/processes` listing, by pid.
fn resident(lines: &[String]) -> Vec<(String, u64, String)> {
    lines
        .iter()
        .filter_map(|l| {
            let fields: Vec<&str> = l.splitn(10, ' ').collect();
            Some((String::from(*fields.first()?), fields.get(7)?.parse().ok()?, String::from(*fields.get(9)?)))
        })
        .collect()
}

/// Prints the processes from before the run whose memory grew during it
/// (a server holding on to memory shows here, apart from the kernel) and
/// returns their growth in KiB: memory those live processes hold (the root
/// tmpfs's heap keeps the peak of the files the workers wrote), not memory
/// the kernel failed to take back.
fn report_growth(before: &[String]) -> u64 {
    let now: Vec<String> =
        fs::read_to_string("/scheme/sys/processes").unwrap_or_default().lines().skip(1).map(String::from).collect();
    let now = resident(&now);
    let mut growth = 0;
    for (pid, was, name) in resident(before) {
        if let Some((_, is, _)) = now.iter().find(|(p, _, _)| *p == pid)
            && *is > was
        {
            println!("fuzz: pid {pid} ({name}) holds {was} KiB before, {is} KiB after");
            growth += is - was;
        }
    }
    growth
}

/// Processes other than the ones that were there before the run.
fn leftover_processes(before: &[String]) -> Vec<String> {
    let text = fs::read_to_string("/scheme/sys/processes").unwrap_or_default();
    text.lines()
        .skip(1)
        .filter(|l| !before.iter().any(|b| b.split(' ').next() == l.split(' ').next()))
        .map(String::from)
        .collect()
}

fn main() -> i32 {
    let o = options();
    let start = Instant::now();
    let deadline = o.time.and_then(|t| start.checked_add(t));
    println!(
        "fuzz: seed {} calls {} workers {} time {} phases {:?}{}",
        o.seed,
        o.calls,
        o.workers,
        o.time.map_or(String::from("unbounded"), |t| format!("{} s", t.as_secs())),
        o.phases,
        if o.skip_known { " (known kernel bugs skipped)" } else { "" }
    );
    let _ = fs::create_dir("/tmp/fuzz", 0o777);
    let _ = fs::set_permissions("/tmp/fuzz", 0o777);
    for phase in &o.phases {
        for slot in 0..o.workers {
            let dir = format!("/tmp/fuzz/{}{slot}", if *phase == Phase::Root { 'r' } else { 'u' });
            let _ = fs::create_dir(&dir, 0o777);
            let _ = fs::set_permissions(&dir, 0o777);
        }
    }
    let page = cairn_rt::sys::memory_create(PAGE_SIZE).unwrap_or_else(|e| usage(&format!("memory_create: {e}")));
    let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
    // SAFETY: a fresh mapping where the kernel chooses.
    let shared = unsafe { cairn_rt::sys::mmap(0, PAGE_SIZE, flags, page.as_raw(), 0) }
        .unwrap_or_else(|e| usage(&format!("mmap: {e}")));
    drop(page);
    let shared = Shared(shared as *const AtomicU64);
    let before: Vec<String> =
        fs::read_to_string("/scheme/sys/processes").unwrap_or_default().lines().skip(1).map(String::from).collect();
    let memory_start = memory();

    let mut ok = true;
    let mut total = 0;
    // `--calls 0`: as many as the time bound allows.
    let budget = if o.calls == 0 { u64::MAX / 4 } else { o.calls.div_ceil(o.phases.len() as u64) };
    for (i, &phase) in o.phases.iter().enumerate() {
        // Each phase gets its share of the time bound.
        let share = o.time.map(|t| t * (i as u32 + 1) / o.phases.len() as u32);
        let phase_deadline = share.and_then(|t| start.checked_add(t)).or(deadline);
        let rep = run_phase(&o, phase, budget, &shared, phase_deadline);
        total += rep.calls;
        let name = if phase == Phase::Root { "root" } else { "unprivileged_narrowed" };
        println!(
            "fuzz: {name} phase: {} calls, {} worker generations, {} crashed, {} stuck{}",
            rep.calls,
            rep.generations,
            rep.crashes,
            rep.stuck,
            if rep.timed_out { " (time bound reached)" } else { "" }
        );
        let result = if !rep.hung.is_empty() {
            Err(format!("{} worker(s) could not be killed (seed {}): {:?}", rep.hung.len(), o.seed, rep.hung))
        } else if rep.calls < budget && !rep.timed_out {
            Err(format!("only {} of {budget} calls", rep.calls))
        } else {
            Ok(())
        };
        ok &= report(&format!("{name}_phase"), result);
    }
    let elapsed = start.elapsed();
    ok &= report(
        "call_count",
        if total >= o.calls { Ok(()) } else { Err(format!("only {total} of {} calls before the time bound", o.calls)) },
    );

    // Afterwards: everything reaped, files gone, memory back, no panic.
    remove_tree("/tmp/fuzz");
    let settle = Instant::now();
    let mut leftover = leftover_processes(&before);
    while !leftover.is_empty() && settle.elapsed() < Duration::from_secs(10) {
        cairn_rt::thread::sleep(Duration::from_millis(100));
        leftover = leftover_processes(&before);
    }
    ok &= report("kernel_answers", kernel_answers());
    ok &= report(
        "processes_reaped",
        if leftover.is_empty() { Ok(()) } else { Err(format!("{} left: {:?}", leftover.len(), leftover)) },
    );
    let memory_end = memory();
    let held_by_survivors = report_growth(&before);
    ok &= report(
        "memory_returns",
        match (memory_start, memory_end) {
            (Some(a), Some(b)) => {
                println!(
                    "fuzz: memory available {} KiB before, {} KiB after; kernel heap in use {} KiB before, {} KiB \
                     after; kernel stacks {} before, {} after",
                    a.available, b.available, a.kernel_heap_used, b.kernel_heap_used, a.kernel_stacks, b.kernel_stacks
                );
                let lost = a.available.saturating_sub(b.available).saturating_sub(held_by_survivors);
                if lost > MEMORY_MARGIN_KIB {
                    Err(format!(
                        "{lost} KiB less memory available, not counting the {held_by_survivors} KiB more the \
                         processes from before the run hold (margin {MEMORY_MARGIN_KIB} KiB)"
                    ))
                } else if b.kernel_heap_used > a.kernel_heap_used + KERNEL_HEAP_MARGIN_KIB {
                    Err(format!(
                        "the kernel heap holds {} KiB more (margin {KERNEL_HEAP_MARGIN_KIB} KiB)",
                        b.kernel_heap_used - a.kernel_heap_used
                    ))
                } else {
                    Ok(())
                }
            }
            _ => Err(String::from("cannot read /scheme/sys/meminfo")),
        },
    );
    let log = fs::read_to_string("/scheme/sys/log").unwrap_or_default();
    let panics: Vec<&str> = log.lines().filter(|l| l.contains("PANIC")).collect();
    ok &= report("no_panic", if panics.is_empty() { Ok(()) } else { Err(format!("kernel log: {}", panics[0])) });

    let secs = elapsed.as_secs_f64();
    println!(
        "fuzz: done: seed {}, {total} calls in {secs:.1} s ({:.0} calls/s), {} workers: {}",
        o.seed,
        total as f64 / secs.max(0.001),
        o.workers,
        if ok { "ok" } else { "FAILED" }
    );
    if ok { 0 } else { 1 }
}
