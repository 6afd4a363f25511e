//! `ubench`: user-space micro-benchmarks for `make bench`. Each prints one
//! line `BENCH <name> <cycles> cycles <ns> ns` (pipe throughput: `BENCH
//! pipe_throughput <bytes> bytes in <ns> ns = <rate> MiB/s`): the median cost of one
//! operation in TSC cycles over many samples, converted to nanoseconds with
//! the TSC rate measured against `CLOCK_MONOTONIC` over the same run. Exits
//! with 0, or 1 if a benchmark could not run (the reason goes to stderr).
//!
//! After these primitives come the workloads people feel, on the root
//! tmpfs's `/tmp` (run as init, ubench starts `tmpfs --root` for them):
//! `stat_file`, `readdir_1000` (open + getdents + close of 1,000 entries),
//! `cp_tree` and `grep_tree` (`cp -r` and `grep -r` of 20 × 20 files of
//! 4 KiB, process start included) and `shell_true_300` (`sh -c` with a
//! loop of 300 `/bin/true`). Their Linux twins are in
//! `tools/perf/microbench.c`, under the same names.
//!
//! The switch benchmarks do not pin threads to one CPU themselves: with
//! several CPUs the two sides may run on different CPUs, and the figure is
//! then a cross-CPU hand-off rather than a pure context switch. Run
//! `taskset -c 0 /bin/ubench` to pin everything to one CPU, as the Linux
//! reference does with its `taskset -c 0` run.
//!
//! `ubench NAME...` runs only the benchmarks named (in their usual order),
//! e.g. `init=/bin/ubench,stat_file,readdir_1000` on the kernel command line.
//!
//! Depends only on `cairn-rt`.
#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU32, Ordering};

use cairn_rt::abi::error::ETIMEDOUT;
use cairn_rt::abi::rights;
use cairn_rt::abi::scheme::MAX_PAYLOAD;
use cairn_rt::fd;
use cairn_rt::io::{Read, Write};
use cairn_rt::process::{self, Command, ForkResult, WaitTarget, fork, waitpid};
use cairn_rt::scheme::{self, Server};
use cairn_rt::sync::Arc;
use cairn_rt::sys::{self, MapFlags, PAGE_SIZE, Syscall, map_anonymous};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{Error, String, Vec, eprintln, format, fs, println, thread, vec};

cairn_rt::main!(main);

/// Why a benchmark could not run.
enum BenchError {
    /// A system call failed.
    Os(&'static str, Error),
    /// A child ended badly.
    Child(String),
    /// The other side of a ping-pong stopped answering.
    NoAnswer,
}

impl core::fmt::Display for BenchError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            BenchError::Os(what, e) => write!(f, "{what}: {e}"),
            BenchError::Child(why) => f.write_str(why),
            BenchError::NoAnswer => write!(f, "the other side did not answer within {PATIENCE:?}"),
        }
    }
}

/// Tags a runtime error with the operation.
fn op<T>(what: &'static str, r: cairn_rt::Result<T>) -> Result<T, BenchError> {
    r.map_err(|e| BenchError::Os(what, e))
}

fn rdtsc() -> u64 {
    // SAFETY: `rdtsc` only reads the time-stamp counter.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Runs `samples` samples of `batch` operations each (after 3 warm-up
/// operations) and prints the median cost of one operation; `per_op`
/// divides further when one call performs several operations (a ping-pong
/// round is two switches).
fn bench(
    name: &str,
    samples: usize,
    batch: u64,
    per_op: u64,
    f: impl FnMut() -> Result<(), BenchError>,
) -> Result<(), BenchError> {
    bench_warm(name, 3, samples, batch, per_op, f)
}

/// `bench` with `warmups` warm-up operations: the workloads, whose single
/// operation takes up to seconds, warm up once or not at all.
fn bench_warm(
    name: &str,
    warmups: usize,
    samples: usize,
    batch: u64,
    per_op: u64,
    mut f: impl FnMut() -> Result<(), BenchError>,
) -> Result<(), BenchError> {
    for _ in 0..warmups {
        f()?;
    }
    let mut costs: Vec<u64> = Vec::with_capacity(samples);
    let start = Instant::now();
    let tsc_start = rdtsc();
    for _ in 0..samples {
        let t = rdtsc();
        for _ in 0..batch {
            f()?;
        }
        costs.push((rdtsc() - t) / (batch * per_op));
    }
    let ns_total = start.elapsed().as_nanos();
    let tsc_total = u128::from(rdtsc() - tsc_start).max(1);
    costs.sort_unstable();
    let cycles = costs[costs.len() / 2];
    let ns = u128::from(cycles) * ns_total / tsc_total;
    println!("BENCH {name} {cycles} cycles {ns} ns");
    Ok(())
}

fn null_syscall() -> Result<(), BenchError> {
    bench("null_syscall", 200, 100, 1, || {
        // SAFETY: getpid has no arguments and no effects.
        op("getpid", unsafe { sys::syscall0(Syscall::Getpid as usize) })?;
        Ok(())
    })
}

/// `getppid`: a call that takes the big kernel lock and runs the whole
/// return path (signal and preemption checks), as every call except
/// `getpid`/`gettid` does. Linux's `null_syscall` (`microbench.c`) is this
/// same call. Printed last, so the figures before it keep their order.
fn null_syscall_locked() -> Result<(), BenchError> {
    bench("null_syscall_locked", 200, 100, 1, || {
        // SAFETY: getppid has no arguments and no effects.
        op("getppid", unsafe { sys::syscall0(Syscall::Getppid as usize) })?;
        Ok(())
    })
}

/// Reaps `pid`, which must exit with 0.
fn expect_success(pid: process::Pid) -> Result<(), BenchError> {
    match op("waitpid", waitpid(WaitTarget::Pid(pid), 0))? {
        Some((_, status)) if status.success() => Ok(()),
        other => Err(BenchError::Child(format!("child {pid}: {other:?}"))),
    }
}

fn fork_exec_wait() -> Result<(), BenchError> {
    bench("fork_exec_wait", 30, 1, 1, || match op("fork", fork())? {
        ForkResult::Child => {
            let err = process::exec("/bin/true", &["/bin/true"], &[] as &[&str]);
            eprintln!("ubench: exec /bin/true: {err}");
            process::exit(127)
        }
        ForkResult::Parent { child } => expect_success(child),
    })
}

fn spawn_wait() -> Result<(), BenchError> {
    let mut cmd = Command::new("/bin/true");
    bench("spawn_wait", 30, 1, 1, || {
        let status = op("spawn", cmd.status())?;
        if status.success() { Ok(()) } else { Err(BenchError::Child(format!("/bin/true: {status}"))) }
    })
}

fn thread_create_join() -> Result<(), BenchError> {
    bench("thread_create_join", 200, 1, 1, || op("join", op("spawn", thread::Builder::new().spawn(|| ()))?.join()))
}

/// Ping-pong word values.
const MAIN_TURN: u32 = 0;
const OTHER_TURN: u32 = 1;
const STOP: u32 = 2;
/// How long one side waits for the other before giving up.
const PATIENCE: Duration = Duration::from_secs(10);

/// Sleeps on `word` while it holds `value`; `Err` if nobody answers.
fn futex_wait_while(word: &AtomicU32, value: u32) -> Result<(), BenchError> {
    while word.load(Ordering::Acquire) == value {
        match sys::futex_wait(word, value, Some(PATIENCE)) {
            Err(e) if e.errno() == Some(ETIMEDOUT) => return Err(BenchError::NoAnswer),
            _ => {}
        }
    }
    Ok(())
}

fn thread_switch_futex() -> Result<(), BenchError> {
    let word = Arc::new(AtomicU32::new(MAIN_TURN));
    let theirs = word.clone();
    let other = op(
        "spawn",
        thread::Builder::new().spawn(move || -> Result<(), BenchError> {
            loop {
                futex_wait_while(&theirs, MAIN_TURN)?;
                if theirs.load(Ordering::Acquire) == STOP {
                    return Ok(());
                }
                theirs.store(MAIN_TURN, Ordering::Release);
                op("futex_wake", sys::futex_wake(&theirs, 1))?;
            }
        }),
    )?;
    let result = bench("thread_switch_futex", 200, 10, 2, || {
        word.store(OTHER_TURN, Ordering::Release);
        op("futex_wake", sys::futex_wake(&word, 1))?;
        futex_wait_while(&word, OTHER_TURN)
    });
    word.store(STOP, Ordering::Release);
    let _ = sys::futex_wake(&word, 1);
    let joined = op("join", other.join())?;
    result.and(joined)
}

/// Yields while `word` holds `value`; `Err` if nobody answers.
fn yield_while(word: &AtomicU32, value: u32) -> Result<(), BenchError> {
    let start = Instant::now();
    let mut spins = 0u32;
    while word.load(Ordering::Acquire) == value {
        thread::yield_now();
        spins = spins.wrapping_add(1);
        if spins.is_multiple_of(1024) && start.elapsed() > PATIENCE {
            return Err(BenchError::NoAnswer);
        }
    }
    Ok(())
}

fn thread_switch_yield() -> Result<(), BenchError> {
    let word = Arc::new(AtomicU32::new(MAIN_TURN));
    let theirs = word.clone();
    let other = op(
        "spawn",
        thread::Builder::new().spawn(move || -> Result<(), BenchError> {
            loop {
                yield_while(&theirs, MAIN_TURN)?;
                if theirs.load(Ordering::Acquire) == STOP {
                    return Ok(());
                }
                theirs.store(MAIN_TURN, Ordering::Release);
            }
        }),
    )?;
    let result = bench("thread_switch_yield", 200, 10, 2, || {
        word.store(OTHER_TURN, Ordering::Release);
        yield_while(&word, OTHER_TURN)
    });
    word.store(STOP, Ordering::Release);
    let joined = op("join", other.join())?;
    result.and(joined)
}

fn process_switch_yield() -> Result<(), BenchError> {
    let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
    let page = op("mmap shared", map_anonymous(PAGE_SIZE, flags))?;
    // SAFETY: a fresh, zeroed (= MAIN_TURN) shared page used only as this
    // atomic, by this process and the child.
    let word = unsafe { &*(page as *const AtomicU32) };
    let child = match op("fork", fork())? {
        ForkResult::Child => {
            let answered = loop {
                if yield_while(word, MAIN_TURN).is_err() {
                    break false;
                }
                if word.load(Ordering::Acquire) == STOP {
                    break true;
                }
                word.store(MAIN_TURN, Ordering::Release);
            };
            process::exit(if answered { 0 } else { 1 })
        }
        ForkResult::Parent { child } => child,
    };
    let result = bench("process_switch_yield", 200, 10, 2, || {
        word.store(OTHER_TURN, Ordering::Release);
        yield_while(word, OTHER_TURN)
    });
    word.store(STOP, Ordering::Release);
    let reaped = expect_success(child);
    // SAFETY: the child is gone; nothing uses the page.
    let _ = unsafe { sys::munmap(page, PAGE_SIZE) };
    result.and(reaped)
}

fn page_fault() -> Result<(), BenchError> {
    const PAGES: usize = 256;
    let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE;
    let mut mappings: Vec<usize> = Vec::new();
    let mut next = PAGES;
    let result = bench("page_fault", 2048, 1, 1, || {
        if next == PAGES {
            mappings.push(op("mmap", map_anonymous(PAGES * PAGE_SIZE, flags))?);
            next = 0;
        }
        let Some(&base) = mappings.last() else { return Ok(()) };
        let addr = base + next * PAGE_SIZE;
        // SAFETY: `addr` is an untouched page of a private read-write
        // mapping owned by this benchmark; the write faults it in.
        unsafe { (addr as *mut u8).write_volatile(1) };
        next += 1;
        Ok(())
    });
    for m in mappings {
        // SAFETY: the mappings are not used after the benchmark.
        let _ = unsafe { sys::munmap(m, PAGES * PAGE_SIZE) };
    }
    result
}

/// Serves `ub-echo`: opens succeed, a read of N bytes returns N bytes,
/// closes need no answer. Runs until the endpoint fails.
fn serve_echo(server: &Server) {
    let data = vec![0x5au8; MAX_PAYLOAD];
    while let Ok(incoming) = server.next() {
        let request = incoming.request;
        let _ = match request.opcode {
            scheme::OPEN => server.respond(request.id, Ok(1), &[]),
            scheme::READ => {
                let len = (request.args[0] as usize).min(data.len());
                server.respond(request.id, Ok(len), &data[..len])
            }
            scheme::CLOSE | scheme::CANCEL => Ok(()),
            _ => server.respond(request.id, Err(cairn_rt::abi::error::EINVAL), &[]),
        };
    }
}

/// A read of `len` bytes from a user-space scheme, served and answered.
fn scheme_round_trip(name: &'static str, len: usize) -> Result<(), BenchError> {
    let scheme_name = format!("ub-echo-{len}");
    let server = op("scheme_create", Server::create(&scheme_name))?;
    let _server_thread = thread::spawn(move || serve_echo(&server));
    let mut file = op("open", scheme::open(&format!("/scheme/{scheme_name}/x"), cairn_rt::abi::O_RDONLY))?;
    let mut buffer = vec![0u8; len];
    bench(name, 200, 4, 1, || {
        let n = op("read", file.read(&mut buffer))?;
        if n == len { Ok(()) } else { Err(BenchError::NoAnswer) }
    })
}

fn scheme_read_1() -> Result<(), BenchError> {
    scheme_round_trip("scheme_read_1_byte", 1)
}

fn scheme_read_64k() -> Result<(), BenchError> {
    scheme_round_trip("scheme_read_64_KiB", 64 * 1024)
}

/// `open` + `close` of a file served by a user-space scheme.
fn scheme_open_close() -> Result<(), BenchError> {
    let server = op("scheme_create", Server::create("ub-open"))?;
    let _server_thread = thread::spawn(move || serve_echo(&server));
    bench("scheme_open_close", 200, 4, 1, || {
        drop(op("open", scheme::open("/scheme/ub-open/x", cairn_rt::abi::O_RDONLY))?);
        Ok(())
    })
}

/// Waits (up to 10 s) until `path` exists: a server just started serves it.
fn wait_for(path: &str) {
    let start = Instant::now();
    while fs::metadata(path).is_err() && start.elapsed() < Duration::from_secs(10) {
        thread::sleep(Duration::from_millis(5));
    }
}

/// `open` + `close` of a file on tmpfs (an instance `tmpfs ub-tmp`).
fn tmpfs_open_close() -> Result<(), BenchError> {
    let mut server = op("spawn tmpfs", Command::new("/bin/tmpfs").arg("ub-tmp").spawn())?;
    wait_for("/scheme/ub-tmp");
    let result = op("create", fs::write("/scheme/ub-tmp/f", b"x")).and_then(|()| {
        bench("tmpfs_open_close", 200, 4, 1, || {
            drop(op("open", fs::File::open("/scheme/ub-tmp/f"))?);
            Ok(())
        })
    });
    op("stop tmpfs", server.kill())?;
    op("reap tmpfs", server.wait())?;
    result
}

/// One byte there and back between two processes through two pipes.
fn pipe_ping_pong() -> Result<(), BenchError> {
    let (mut to_child_read, mut to_child_write) = op("pipe", fd::pipe(0))?;
    let (mut to_parent_read, mut to_parent_write) = op("pipe", fd::pipe(0))?;
    let child = match op("fork", fork())? {
        ForkResult::Child => {
            drop(to_child_write);
            drop(to_parent_read);
            let mut byte = [0u8; 1];
            while matches!(to_child_read.read(&mut byte), Ok(1)) {
                if to_parent_write.write(&byte).is_err() {
                    break;
                }
            }
            process::exit(0)
        }
        ForkResult::Parent { child } => child,
    };
    drop(to_child_read);
    drop(to_parent_write);
    let mut byte = [7u8; 1];
    let result = bench("pipe_ping_pong", 200, 10, 1, || {
        op("write", to_child_write.write(&byte))?;
        match op("read", to_parent_read.read(&mut byte))? {
            1 => Ok(()),
            _ => Err(BenchError::NoAnswer),
        }
    });
    drop(to_child_write);
    expect_success(child)?;
    result
}

/// Bytes per second through a pipe between two processes (64 KiB writes).
fn pipe_throughput() -> Result<(), BenchError> {
    const TOTAL: usize = 32 << 20;
    let (mut reader, writer) = op("pipe", fd::pipe(0))?;
    let child = match op("fork", fork())? {
        ForkResult::Child => {
            drop(reader);
            let mut writer = writer;
            let block = vec![1u8; 64 * 1024];
            let mut sent = 0;
            while sent < TOTAL && writer.write_all(&block).is_ok() {
                sent += block.len();
            }
            process::exit(0)
        }
        ForkResult::Parent { child } => child,
    };
    drop(writer);
    let start = Instant::now();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut received = 0usize;
    loop {
        match op("read", reader.read(&mut buffer))? {
            0 => break,
            n => received += n,
        }
    }
    let elapsed = start.elapsed().as_nanos().max(1);
    expect_success(child)?;
    let mib_per_s = received as u128 * 1_000_000_000 / elapsed / (1 << 20);
    println!("BENCH pipe_throughput {received} bytes in {elapsed} ns = {mib_per_s} MiB/s");
    Ok(())
}

/// Where the workloads make their files: the root file system's `/tmp`.
const WORK_DIR: &str = "/tmp/ubench-work";
/// The tree `cp_tree` copies and `grep_tree` searches: directories of files.
const TREE_DIRS: usize = 20;
const TREE_FILES: usize = 20;
/// Each tree file is `TREE_LINES` text lines of `LINE_LEN` bytes (4 KiB).
const TREE_LINES: usize = 64;
const LINE_LEN: usize = 64;
/// The one tree file (directory, file) with a line holding `NEEDLE`.
const NEEDLE_AT: (usize, usize) = (7, 13);
const NEEDLE: &str = "needle";
/// Entries of the `readdir_1000` directory.
const LISTED: usize = 1000;

/// Makes sure `/tmp` is served by a root tmpfs: run from the shell it is
/// (the default system's); run as init (`make bench`) ubench starts
/// `tmpfs --root` itself and returns it, to be stopped after the workloads.
fn root_tmpfs() -> Result<Option<process::Child>, BenchError> {
    if fs::metadata("/tmp").is_ok() {
        return Ok(None);
    }
    let server = op("spawn tmpfs --root", Command::new("/scheme/initfs/bin/tmpfs").arg("--root").spawn())?;
    wait_for("/tmp");
    Ok(Some(server))
}

/// Removes `path` and, if it is a directory, everything in it.
fn remove_tree(path: &str) -> Result<(), BenchError> {
    for (name, kind) in op("read_dir", fs::read_dir(path))? {
        let inner = format!("{path}/{name}");
        match kind {
            fs::EntryKind::Dir => remove_tree(&inner)?,
            _ => op("unlink", fs::remove_file(&inner))?,
        }
    }
    op("rmdir", fs::remove_dir(path))
}

/// A fresh, empty `WORK_DIR`.
fn fresh_work_dir() -> Result<(), BenchError> {
    if fs::metadata(WORK_DIR).is_ok() {
        remove_tree(WORK_DIR)?;
    }
    op("mkdir", fs::create_dir(WORK_DIR, 0o755))
}

/// Runs `argv` (a full path first) with stdout on `/scheme/null`, as a
/// shell would start it: fork, redirect, exec, wait; it must exit with 0.
fn run_quiet(argv: &[&str]) -> Result<(), BenchError> {
    match op("fork", fork())? {
        ForkResult::Child => {
            let err = match fs::OpenOptions::new().write(true).open("/scheme/null") {
                Ok(null) => match fd::dup2(null.as_raw_fd(), 1, rights::ALL) {
                    Ok(_) => process::exec(argv[0], argv, &["PATH=/bin"]),
                    Err(e) => e,
                },
                Err(e) => e,
            };
            eprintln!("ubench: running {}: {err}", argv[0]);
            process::exit(127)
        }
        ForkResult::Parent { child } => expect_success(child),
    }
}

/// `stat` of one file on the root tmpfs.
fn stat_file() -> Result<(), BenchError> {
    fresh_work_dir()?;
    let path = format!("{WORK_DIR}/stat-me");
    op("create", fs::write(&path, b"x"))?;
    bench("stat_file", 200, 4, 1, || op("stat", fs::metadata(&path)).map(drop))?;
    remove_tree(WORK_DIR)
}

/// Open + `getdents` to the end + close of a directory of 1,000 empty
/// files: what `ls` of a big directory costs before it prints.
fn readdir_1000() -> Result<(), BenchError> {
    fresh_work_dir()?;
    let dir = format!("{WORK_DIR}/many");
    op("mkdir", fs::create_dir(&dir, 0o755))?;
    for i in 0..LISTED {
        drop(op("create", fs::File::create(&format!("{dir}/f{i:04}")))?);
    }
    bench("readdir_1000", 20, 1, 1, || {
        let entries = op("read_dir", fs::read_dir(&dir))?;
        let listed = entries.iter().filter(|(name, _)| name != "." && name != "..").count();
        if listed == LISTED { Ok(()) } else { Err(BenchError::Child(format!("{dir}: {listed} entries"))) }
    })?;
    remove_tree(WORK_DIR)
}

/// One 4 KiB tree file: numbered lines of text, one of them `NEEDLE`'s.
fn tree_file(dir: usize, file: usize) -> Vec<u8> {
    let mut data = Vec::with_capacity(TREE_LINES * LINE_LEN);
    for line in 0..TREE_LINES {
        let text = if (dir, file) == NEEDLE_AT && line == TREE_LINES / 2 {
            NEEDLE
        } else {
            "the quick brown fox jumps over the lazy dog"
        };
        let mut row = format!("{dir:02} {file:02} {line:02} {text} ").into_bytes();
        row.resize(LINE_LEN - 1, b'.');
        row.push(b'\n');
        data.extend_from_slice(&row);
    }
    data
}

/// `WORK_DIR/tree`: `TREE_DIRS` directories of `TREE_FILES` files.
fn make_tree() -> Result<String, BenchError> {
    fresh_work_dir()?;
    let tree = format!("{WORK_DIR}/tree");
    op("mkdir", fs::create_dir(&tree, 0o755))?;
    for d in 0..TREE_DIRS {
        let dir = format!("{tree}/d{d:02}");
        op("mkdir", fs::create_dir(&dir, 0o755))?;
        for f in 0..TREE_FILES {
            op("write", fs::write(&format!("{dir}/f{f:02}"), &tree_file(d, f)))?;
        }
    }
    Ok(tree)
}

/// `cp -r` of the tree (400 files of 4 KiB), process start included; the
/// copy is removed between runs (not timed).
fn cp_tree() -> Result<(), BenchError> {
    let tree = make_tree()?;
    let copy = format!("{WORK_DIR}/copy");
    bench_warm("cp_tree", 1, 3, 1, 1, || {
        if fs::metadata(&copy).is_ok() {
            remove_tree(&copy)?;
        }
        run_quiet(&["/bin/cp", "-r", &tree, &copy])
    })?;
    let copied = op("stat copy", fs::metadata(&format!("{copy}/d19/f19")))?.len();
    remove_tree(WORK_DIR)?;
    if copied == (TREE_LINES * LINE_LEN) as u64 {
        Ok(())
    } else {
        Err(BenchError::Child(format!("cp copied {copied} B")))
    }
}

/// `grep -r` of a word one line of the tree holds, process start included.
fn grep_tree() -> Result<(), BenchError> {
    let tree = make_tree()?;
    bench_warm("grep_tree", 1, 3, 1, 1, || run_quiet(&["/bin/grep", "-r", NEEDLE, &tree]))?;
    remove_tree(WORK_DIR)
}

/// The shell running `/bin/true` 300 times in a loop (issue 11's row).
fn shell_true_300() -> Result<(), BenchError> {
    let script = "i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i+1)); done";
    bench_warm("shell_true_300", 0, 3, 1, 1, || run_quiet(&["/bin/sh", "-c", script]))
}

/// A benchmark's entry.
type Bench = fn() -> Result<(), BenchError>;

/// Runs those of `benches` that `wanted` names (all if it names none), in
/// order; returns how many failed.
fn run_all(benches: &[(&str, Bench)], wanted: &[String]) -> usize {
    let mut failed = 0;
    for (name, run) in benches.iter().filter(|(name, _)| wanted.is_empty() || wanted.iter().any(|w| w == name)) {
        if let Err(e) = run() {
            eprintln!("ubench: {name} failed: {e}");
            failed += 1;
        }
    }
    failed
}

fn main() -> i32 {
    let benches: [(&str, Bench); 15] = [
        ("null_syscall", null_syscall),
        ("fork_exec_wait", fork_exec_wait),
        ("spawn_wait", spawn_wait),
        ("thread_create_join", thread_create_join),
        ("thread_switch_futex", thread_switch_futex),
        ("thread_switch_yield", thread_switch_yield),
        ("process_switch_yield", process_switch_yield),
        ("page_fault", page_fault),
        ("scheme_read_1_byte", scheme_read_1),
        ("scheme_read_64_KiB", scheme_read_64k),
        ("scheme_open_close", scheme_open_close),
        ("tmpfs_open_close", tmpfs_open_close),
        ("pipe_ping_pong", pipe_ping_pong),
        ("pipe_throughput", pipe_throughput),
        ("null_syscall_locked", null_syscall_locked),
    ];
    // The workloads, on the root file system's /tmp (after the primitives,
    // so those keep their order and conditions).
    let workloads: [(&str, Bench); 5] = [
        ("stat_file", stat_file),
        ("readdir_1000", readdir_1000),
        ("cp_tree", cp_tree),
        ("grep_tree", grep_tree),
        ("shell_true_300", shell_true_300),
    ];
    let cpus = thread::available_parallelism().map_or(0, |n| n.get());
    println!("ubench: {} benchmarks, {cpus} CPU(s)", benches.len() + workloads.len());
    let wanted: Vec<String> = cairn_rt::env::args().skip(1).collect();
    let mut failed = run_all(&benches, &wanted);
    let workloads_wanted = wanted.is_empty() || workloads.iter().any(|(name, _)| wanted.iter().any(|w| w == name));
    if workloads_wanted {
        match root_tmpfs() {
            Ok(started) => {
                failed += run_all(&workloads, &wanted);
                if let Some(mut server) = started {
                    let _ = server.kill();
                    let _ = server.wait();
                }
            }
            Err(e) => {
                eprintln!("ubench: no root file system for the workloads: {e}");
                failed += workloads.len();
            }
        }
    }
    if failed == 0 { 0 } else { 1 }
}
