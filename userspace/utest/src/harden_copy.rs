//! Kernel copies of user-sized data (issue 9): a hostile process must not
//! make the kernel hold memory it sizes (huge argv, a scheme server lying
//! about an executable's size, many huge writes into a full pipe, writes
//! to a deaf server interrupted over and over, many threads of one client
//! writing to a server that does not read), and a bad destination
//! buffer must not lose data (a pipe's bytes, an initfs file position, a
//! server's next request). Also: `getcwd` checks its whole buffer, a
//! scheme handle closed while another thread's call uses it still reaches
//! its server as `CLOSE`, and fds passed to a server that dies are
//! released.
//!
//! The memory-heavy tests are sized to have exhausted the kernel heap of a
//! 512 MiB machine before the fixes; free memory must come back after each.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use cairn_rt::abi::error::{E2BIG, EAGAIN, EFAULT, EINTR, EIO, ENODEV};
use cairn_rt::abi::scheme::{CLOSE, FSTAT, OPEN, READ};
use cairn_rt::abi::{MODE_FILE, O_RDONLY, O_RDWR, O_WRONLY, ObjectType, SEEK_CUR, Stat, StrSlice, Syscall, rights};
use cairn_rt::fd::{self, OwnedFd};
use cairn_rt::process::{self, Pid, WNOHANG, WaitTarget, waitpid};
use cairn_rt::scheme::{self, Incoming, Server};
use cairn_rt::signal::{SIGKILL, SIGUSR1, kill, set_handler};
use cairn_rt::sys::{MapFlags, PAGE_SIZE, map_anonymous};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, Vec, format, thread, vec};

use crate::util::{TestResult, call, describe, ensure, expect_errno, expect_exit, in_child, ok, spawn_child};

/// How long a waiting step may take before the test gives up (TCG is slow).
const PATIENCE: Duration = Duration::from_secs(30);

fn free_frames() -> Result<u64, String> {
    Ok(ok("memory_info", cairn_rt::sys::memory_info())?.free_frames)
}

/// A page of memory shared with forked children (for counters and flags).
fn shared_word() -> Result<&'static AtomicU32, String> {
    let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
    let page = ok("map a shared page", map_anonymous(PAGE_SIZE, flags))?;
    // SAFETY: the page is mapped, zeroed, aligned and never unmapped; an
    // `AtomicU32` has no invalid bit patterns.
    Ok(unsafe { &*(page as *const AtomicU32) })
}

/// Waits until `done` holds, at most `PATIENCE`.
fn wait_until(what: &str, mut done: impl FnMut() -> bool) -> TestResult {
    let start = Instant::now();
    while !done() {
        ensure!(start.elapsed() < PATIENCE, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(5));
    }
    Ok(())
}

/// Reaps `pid` if it has ended: `Some(exit code, or 128 + signal)`.
fn try_reap(pid: Pid) -> Result<Option<i32>, String> {
    Ok(ok("waitpid", waitpid(WaitTarget::Pid(pid), WNOHANG))?
        .map(|(_, status)| status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0) as i32)))
}

/// Kills `pid` and reaps it within `PATIENCE` (a blocked call must be
/// interruptible).
fn kill_and_reap(pid: Pid) -> TestResult {
    let _ = kill(pid, SIGKILL);
    let mut status = None;
    wait_until(&format!("killed child {pid} to end"), || {
        status = try_reap(pid).ok().flatten();
        status.is_some()
    })
}

/// Waits up to `PATIENCE` for the next request on a non-blocking server.
fn next_request(server: &Server) -> Result<Incoming, String> {
    let start = Instant::now();
    loop {
        match server.next() {
            Ok(incoming) => return Ok(incoming),
            Err(e) if e.errno() == Some(EAGAIN) && start.elapsed() < PATIENCE => {
                thread::sleep(Duration::from_millis(2));
            }
            Err(e) => return Err(format!("next request: {e}")),
        }
    }
}

/// Opens `path`, retrying while its scheme is not registered yet.
fn open_when_served(path: &str, flags: usize) -> Result<OwnedFd, String> {
    let start = Instant::now();
    loop {
        match scheme::open(path, flags) {
            Ok(file) => return Ok(file),
            Err(e) if e.errno() == Some(ENODEV) && start.elapsed() < PATIENCE => {
                thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(format!("open {path}: {e}")),
        }
    }
}

/// The kernel still starts programs.
fn kernel_alive() -> TestResult {
    let child = ok("spawn /bin/true", process::spawn("/bin/true", &["true"], &[] as &[&str]))?;
    expect_exit(child.id(), 0)
}

/// Item 2: 4096 argv entries each pointing at the same 256 KiB string is
/// `E2BIG` (the kernel stops at the limit instead of copying 1 GiB).
pub fn spawn_huge_argv() -> TestResult {
    const STRING: usize = 256 * 1024;
    const COUNT: usize = 4096;
    let big = vec![b'a'; STRING];
    let table: Vec<StrSlice> = (0..COUNT).map(|_| StrSlice { ptr: big.as_ptr() as usize, len: STRING }).collect();
    let path = "/bin/true";
    let spawn = |argv: usize, argc: usize, envp: usize, envc: usize| {
        call(Syscall::Spawn, [path.as_ptr() as usize, path.len(), argv, argc, envp, envc])
    };
    let name = [StrSlice { ptr: path.as_ptr() as usize, len: path.len() }];
    let table_at = table.as_ptr() as usize;
    expect_errno("spawn with 4096 x 256 KiB argv", spawn(table_at, COUNT, 0, 0), E2BIG)?;
    expect_errno("spawn with 4096 x 256 KiB envp", spawn(name.as_ptr() as usize, 1, table_at, COUNT), E2BIG)?;
    // Many small strings that together pass the size limit.
    let small: Vec<StrSlice> = (0..COUNT).map(|_| StrSlice { ptr: big.as_ptr() as usize, len: 100 }).collect();
    expect_errno("spawn with 4096 x 100 byte argv", spawn(small.as_ptr() as usize, COUNT, 0, 0), E2BIG)?;
    expect_errno("spawn with 4097 strings", spawn(small.as_ptr() as usize, 10, small.as_ptr() as usize, 4087), E2BIG)?;
    // The fuzzer's seed 1 found the same copy in `namespace_create`.
    expect_errno(
        "namespace_create with 4096 x 256 KiB names",
        call(Syscall::NamespaceCreate, [table_at, COUNT, 0, 0, 0, 0]),
        E2BIG,
    )?;
    kernel_alive()
}

/// The lying server: `OPEN` gives handle 1 for `huge` (claimed 64 MiB)
/// and 2 for anything else (claimed 1 MiB); `FSTAT` says an executable
/// file of that size; `READ` is never answered.
fn serve_lies() -> i32 {
    let Ok(server) = Server::create("ut-liar") else { return 2 };
    loop {
        let Ok(incoming) = server.next() else { return 3 };
        let request = incoming.request;
        let answer = match request.opcode {
            OPEN => server.respond(request.id, Ok(if incoming.payload.ends_with(b"huge") { 1 } else { 2 }), &[]),
            FSTAT => {
                let size = if request.handle == 1 { 64 << 20 } else { 1 << 20 };
                let stat = Stat { st_mode: MODE_FILE | 0o755, st_size: size, ..Stat::default() };
                let bytes = &*stat;
                server.respond(request.id, Ok(0), bytes)
            }
            READ => Ok(()),
            _ => Ok(()),
        };
        if answer.is_err() {
            return 4;
        }
    }
}

/// Starts `count` children that each spawn `path`: exit 0 on an error, 1
/// if the spawn succeeded.
fn spawners(path: &'static str, count: usize) -> Result<Vec<Pid>, String> {
    (0..count)
        .map(|_| spawn_child(|| if process::spawn(path, &[path], &[] as &[&str]).is_err() { 0 } else { 1 }))
        .collect()
}

/// Item 3: 16 processes spawning a program whose server claims 64 MiB and
/// never answers a read: each gets an error (or blocks, killably), and the
/// kernel holds nothing for the claim. A claim under the limit blocks the
/// spawners in the read, from which they can be killed.
pub fn spawn_from_lying_server() -> TestResult {
    const SPAWNERS: usize = 16;
    let server = spawn_child(serve_lies)?;
    let result = (|| -> TestResult {
        drop(open_when_served("/scheme/ut-liar/probe", O_RDONLY)?);
        let before = free_frames()?;
        for pid in spawners("/scheme/ut-liar/huge", SPAWNERS)? {
            let start = Instant::now();
            let mut status = None;
            while status.is_none() && start.elapsed() < Duration::from_secs(5) {
                status = try_reap(pid)?;
                thread::sleep(Duration::from_millis(5));
            }
            match status {
                Some(0) => {}
                Some(code) => return Err(format!("spawner {pid} ended with {code}, expected an error")),
                None => kill_and_reap(pid)?,
            }
        }
        let after = free_frames()?;
        ensure!(after + 16 * 256 >= before, "free frames fell from {before} to {after} (the claim was reserved)");
        let blocked = spawners("/scheme/ut-liar/small", SPAWNERS)?;
        thread::sleep(Duration::from_millis(500));
        for pid in blocked {
            if let Some(code) = try_reap(pid)? {
                ensure!(code == 0, "spawner {pid} ended with {code} though the server never sent the program");
                continue;
            }
            kill_and_reap(pid)?;
        }
        kernel_alive()
    })();
    kill_and_reap(server)?;
    result
}

/// Item 4: a full pipe and 40 threads each writing 16 MiB into it: the
/// writers block holding no kernel memory, and die cleanly when killed.
pub fn pipe_many_huge_writers() -> TestResult {
    const WRITERS: u32 = 40;
    const LEN: usize = 16 << 20;
    let started = shared_word()?;
    started.store(0, Ordering::SeqCst);
    let (read_end, write_end) = ok("pipe", fd::pipe(0))?;
    ok(
        "fill the pipe",
        call(Syscall::Write, [write_end.as_raw(), vec![7u8; 64 * 1024].as_ptr() as usize, 64 * 1024, 0, 0, 0]),
    )?;
    let before = free_frames()?;
    let writer_fd = write_end.as_raw();
    let child = spawn_child(|| {
        let rw = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE;
        let Ok(buffer) = map_anonymous(LEN, rw) else { return 2 };
        for _ in 0..WRITERS {
            let spawned = thread::Builder::new().stack_size(64 * 1024).spawn(move || {
                started.fetch_add(1, Ordering::SeqCst);
                let _ = call(Syscall::Write, [writer_fd, buffer, LEN, 0, 0, 0]);
            });
            if spawned.is_err() {
                return 3;
            }
        }
        thread::sleep(Duration::from_secs(120));
        4
    })?;
    let result = (|| -> TestResult {
        wait_until("the writers to start", || {
            started.load(Ordering::SeqCst) == WRITERS || try_reap(child).ok().flatten().is_some()
        })?;
        ensure!(started.load(Ordering::SeqCst) == WRITERS, "the writer child ended early");
        thread::sleep(Duration::from_millis(1000));
        let during = free_frames()?;
        // The child's buffer (16 MiB) and 40 thread stacks, not 640 MiB.
        ensure!(during + 48 * 256 >= before, "free frames fell from {before} to {during} with the writers blocked");
        let mut stat = Stat::default();
        ok("fstat the pipe", call(Syscall::Fstat, [read_end.as_raw(), (&raw mut stat) as usize, 0, 0, 0, 0]))?;
        ensure!(stat.st_size == 64 * 1024, "the full pipe holds {} bytes", stat.st_size);
        Ok(())
    })();
    kill_and_reap(child)?;
    drop((read_end, write_end));
    let after = free_frames()?;
    ensure!(after + 16 * 256 >= before, "free frames went from {before} to {after} after the writers died");
    result?;
    kernel_alive()
}

fn on_usr1(_: usize) {}

/// Item 5: 600 writes of 64 KiB to a server that never reads, each
/// interrupted by a signal: every cancelled request is freed at once (free
/// memory stays where it was while the server still lives).
pub fn interrupted_scheme_writes_freed() -> TestResult {
    const WRITES: usize = 600;
    let server = ok("create scheme ut-deaf", Server::create("ut-deaf"))?;
    ok("make the endpoint non-blocking", server.endpoint().set_flags(cairn_rt::fd::O_NONBLOCK))?;
    let client = spawn_child(|| {
        if set_handler(SIGUSR1, on_usr1).is_err() {
            return 2;
        }
        let Ok(file) = scheme::open("/scheme/ut-deaf/x", O_WRONLY) else { return 3 };
        let data = vec![0x5au8; 64 * 1024];
        for _ in 0..WRITES {
            match call(Syscall::Write, [file.as_raw(), data.as_ptr() as usize, data.len(), 0, 0, 0]) {
                Err(e) if e.errno() == Some(EINTR) => {}
                _ => return 4,
            }
        }
        0
    })?;
    let result = (|| -> TestResult {
        let open = next_request(&server)?;
        ensure!(open.request.opcode == OPEN, "expected OPEN, got {}", open.request.opcode);
        let before = free_frames()?;
        ok("answer open", server.respond(open.request.id, Ok(1), &[]))?;
        let start = Instant::now();
        let code = loop {
            if let Some(code) = try_reap(client)? {
                break code;
            }
            ensure!(start.elapsed() < Duration::from_secs(120), "the client did not finish its {WRITES} writes");
            let _ = kill(client, SIGUSR1);
            thread::sleep(Duration::from_millis(1));
        };
        ensure!(code == 0, "the client ended with {code}");
        let after = free_frames()?;
        ensure!(after + 8 * 256 >= before, "free frames fell from {before} to {after} with the server still alive");
        // The server hears of nothing it never read, only the close.
        let close = next_request(&server)?;
        ensure!(close.request.opcode == CLOSE, "expected only CLOSE, got opcode {}", close.request.opcode);
        Ok(())
    })();
    if result.is_err() {
        let _ = kill_and_reap(client);
    }
    result
}

/// `read(pipe, NULL, 3)` is `EFAULT` and the 3 bytes stay in the pipe.
pub fn pipe_read_null_keeps_data() -> TestResult {
    let (read_end, write_end) = ok("pipe", fd::pipe(0))?;
    ok("write", call(Syscall::Write, [write_end.as_raw(), b"abc".as_ptr() as usize, 3, 0, 0, 0]))?;
    expect_errno("read into NULL", call(Syscall::Read, [read_end.as_raw(), 0, 3, 0, 0, 0]), EFAULT)?;
    // Non-blocking, so that lost bytes show as EAGAIN rather than a hang.
    ok("make the read end non-blocking", read_end.set_flags(cairn_rt::fd::O_NONBLOCK))?;
    let mut buffer = [0u8; 8];
    let n = ok("read", call(Syscall::Read, [read_end.as_raw(), buffer.as_mut_ptr() as usize, 8, 0, 0, 0]))?;
    ensure!(&buffer[..n] == b"abc", "read back {:?}", &buffer[..n]);
    Ok(())
}

/// `read(initfs file, NULL, n)` is `EFAULT` and the position stays.
pub fn initfs_read_null_keeps_position() -> TestResult {
    let file = ok("open /scheme/initfs/bin/true", scheme::open("/scheme/initfs/bin/true", O_RDONLY))?;
    let kind = ok("fd_info", file.info())?.object_type;
    ensure!(kind == ObjectType::InitfsFile as u32, "not an initfs file (type {kind})");
    expect_errno("read into NULL", call(Syscall::Read, [file.as_raw(), 0, 16, 0, 0, 0]), EFAULT)?;
    let position = ok("lseek", call(Syscall::Lseek, [file.as_raw(), 0, SEEK_CUR, 0, 0, 0]))?;
    ensure!(position == 0, "the position moved to {position}");
    let mut magic = [0u8; 4];
    ok("read", call(Syscall::Read, [file.as_raw(), magic.as_mut_ptr() as usize, 4, 0, 0, 0]))?;
    ensure!(&magic == b"\x7fELF", "read {magic:?} instead of the ELF magic");
    Ok(())
}

/// A server reading its endpoint into a bad buffer gets `EFAULT` and the
/// request stays queued: the next good read gets it and the client is
/// answered.
pub fn server_bad_buffer_keeps_request() -> TestResult {
    let server = ok("create scheme ut-badbuf", Server::create("ut-badbuf"))?;
    ok("make the endpoint non-blocking", server.endpoint().set_flags(cairn_rt::fd::O_NONBLOCK))?;
    let client = spawn_child(|| if scheme::open("/scheme/ut-badbuf/x", O_RDONLY).is_ok() { 0 } else { 2 })?;
    let endpoint = server.endpoint().as_raw();
    let result = (|| -> TestResult {
        let mut outcome = Err(String::new());
        wait_until("the client's OPEN", || {
            let r = call(Syscall::Read, [endpoint, 0, 4096, 0, 0, 0]);
            if r.as_ref().err().and_then(|e| e.errno()) == Some(EAGAIN) {
                return false;
            }
            outcome = Ok(r);
            true
        })?;
        let first = outcome?;
        expect_errno("reading a request into NULL", first, EFAULT)?;
        let open = next_request(&server)?;
        ensure!(open.request.opcode == OPEN, "expected the OPEN again, got opcode {}", open.request.opcode);
        ok("answer open", server.respond(open.request.id, Ok(1), &[]))?;
        expect_exit(client, 0)
    })();
    if result.is_err() {
        let _ = kill_and_reap(client);
    }
    result
}

/// `getcwd` into a buffer that runs into an unmapped page is `EFAULT`, even
/// though the path itself would fit before the hole.
pub fn getcwd_efault() -> TestResult {
    let rw = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE;
    let pages = ok("mmap", map_anonymous(2 * PAGE_SIZE, rw))?;
    ok("munmap the second page", call(Syscall::Munmap, [pages + PAGE_SIZE, PAGE_SIZE, 0, 0, 0, 0]))?;
    let near_end = pages + PAGE_SIZE - 8;
    let result = call(Syscall::Getcwd, [near_end, 64, 0, 0, 0, 0]);
    let inside = call(Syscall::Getcwd, [pages, 64, 0, 0, 0, 0]);
    ok("munmap", call(Syscall::Munmap, [pages, PAGE_SIZE, 0, 0, 0, 0]))?;
    expect_errno("getcwd running into an unmapped page", result, EFAULT)?;
    ensure!(inside.is_ok(), "getcwd into a good buffer: {}", describe(&inside));
    Ok(())
}

/// A scheme handle closed by one thread while another thread's read on it
/// waits: the server gets `CLOSE` once the read is answered.
pub fn close_during_call_sends_close() -> TestResult {
    let closed = shared_word()?;
    closed.store(0, Ordering::SeqCst);
    let server = ok("create scheme ut-late", Server::create("ut-late"))?;
    ok("make the endpoint non-blocking", server.endpoint().set_flags(cairn_rt::fd::O_NONBLOCK))?;
    let client = spawn_child(|| {
        let Ok(file) = scheme::open("/scheme/ut-late/x", O_RDONLY) else { return 2 };
        let raw = file.into_raw();
        let reader = thread::spawn(move || {
            let mut buffer = [0u8; 8];
            call(Syscall::Read, [raw, buffer.as_mut_ptr() as usize, 8, 0, 0, 0])
        });
        // The parent has seen the READ before it lets us close.
        while closed.load(Ordering::SeqCst) == 0 {
            thread::sleep(Duration::from_millis(2));
        }
        if fd::close(raw).is_err() {
            return 3;
        }
        closed.store(2, Ordering::SeqCst);
        match reader.join() {
            Ok(Ok(0)) => 0,
            _ => 4,
        }
    })?;
    let result = (|| -> TestResult {
        let open = next_request(&server)?;
        ok("answer open", server.respond(open.request.id, Ok(7), &[]))?;
        let read = next_request(&server)?;
        ensure!(read.request.opcode == READ && read.request.handle == 7, "expected READ on handle 7");
        closed.store(1, Ordering::SeqCst);
        wait_until("the client to close its fd", || closed.load(Ordering::SeqCst) == 2)?;
        ok("answer the read", server.respond(read.request.id, Ok(0), &[]))?;
        let close = next_request(&server)?;
        ensure!(close.request.opcode == CLOSE && close.request.handle == 7, "expected CLOSE of handle 7");
        expect_exit(client, 0)
    })();
    if result.is_err() {
        let _ = kill_and_reap(client);
    }
    result
}

/// A pipe's write end passed to a server that dies before reading the
/// request is released: a reader blocked on the pipe sees end of file.
pub fn dead_server_releases_passed_fds() -> TestResult {
    in_child(|| {
        let server = spawn_child(|| {
            let Ok(server) = Server::create("ut-sink") else { return 2 };
            let Ok(open) = server.next() else { return 3 };
            if server.respond(open.request.id, Ok(1), &[]).is_err() {
                return 4;
            }
            thread::sleep(Duration::from_secs(120));
            5
        })?;
        let handle = open_when_served("/scheme/ut-sink/x", O_RDWR)?;
        let (read_end, write_end) = ok("pipe", fd::pipe(0))?;
        let (handle_fd, writer_fd) = (handle.into_raw(), write_end.into_raw());
        let sending =
            thread::spawn(move || call(Syscall::SendFd, [handle_fd, writer_fd, rights::WRITE as usize, 0, 0, 0]));
        thread::sleep(Duration::from_millis(300));
        ok("close our write end", fd::close(writer_fd))?;
        static READ: AtomicUsize = AtomicUsize::new(usize::MAX);
        let reader_fd = read_end.as_raw();
        let _reader = thread::spawn(move || {
            let mut byte = [0u8; 1];
            let n = call(Syscall::Read, [reader_fd, byte.as_mut_ptr() as usize, 1, 0, 0, 0]).unwrap_or(usize::MAX - 1);
            READ.store(n, Ordering::SeqCst);
        });
        thread::sleep(Duration::from_millis(300));
        kill_and_reap(server)?;
        let sent = sending.join().map_err(|e| format!("sender: {e:?}"))?;
        expect_errno("send_fd to the dead server", sent, EIO)?;
        wait_until("the reader to see end of file", || READ.load(Ordering::SeqCst) != usize::MAX)?;
        ensure!(READ.load(Ordering::SeqCst) == 0, "the reader got {:?}", READ.load(Ordering::SeqCst));
        Ok(())
    })
}

/// 100 threads of one client writing 64 KiB each to a server that does not
/// read: at most `MAX_QUEUED_BYTES` (1 MiB) of it is queued in the kernel,
/// the other writers wait for room. Measured against the same threads
/// blocked in a pipe read (which queues nothing).
pub fn scheme_queue_bounded_per_client() -> TestResult {
    const THREADS: u32 = 100;
    const PAYLOAD: usize = 64 * 1024;
    let counter = shared_word()?;
    counter.store(0, Ordering::SeqCst);
    let server = ok("create scheme ut-slow", Server::create("ut-slow"))?;
    ok("make the endpoint non-blocking", server.endpoint().set_flags(cairn_rt::fd::O_NONBLOCK))?;
    let (read_end, write_end) = ok("pipe", fd::pipe(0))?;
    let gate = read_end.as_raw();
    let client = spawn_child(|| {
        let Ok(file) = scheme::open("/scheme/ut-slow/x", O_WRONLY) else { return 2 };
        let target = file.as_raw();
        let data = vec![0x33u8; PAYLOAD];
        let at = data.as_ptr() as usize;
        for _ in 0..THREADS {
            let spawned = thread::Builder::new().stack_size(32 * 1024).spawn(move || {
                let mut byte = [0u8; 1];
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = call(Syscall::Read, [gate, byte.as_mut_ptr() as usize, 1, 0, 0, 0]);
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = call(Syscall::Write, [target, at, PAYLOAD, 0, 0, 0]);
            });
            if spawned.is_err() {
                return 3;
            }
        }
        thread::sleep(Duration::from_secs(120));
        4
    })?;
    let result = (|| -> TestResult {
        let open = next_request(&server)?;
        ok("answer open", server.respond(open.request.id, Ok(1), &[]))?;
        wait_until("the threads to block in the pipe", || counter.load(Ordering::SeqCst) == THREADS)?;
        thread::sleep(Duration::from_millis(500));
        let reading = free_frames()?;
        let bytes = vec![0u8; THREADS as usize];
        ok("open the gate", call(Syscall::Write, [write_end.as_raw(), bytes.as_ptr() as usize, bytes.len(), 0, 0, 0]))?;
        wait_until("the threads to write", || counter.load(Ordering::SeqCst) == 2 * THREADS)?;
        thread::sleep(Duration::from_millis(1000));
        let writing = free_frames()?;
        // 1 MiB queued plus a heap growth step; without the bound 6.25 MiB.
        ensure!(writing + 3 * 256 >= reading, "free frames fell from {reading} to {writing} while the writes waited");
        Ok(())
    })();
    kill_and_reap(client)?;
    result?;
    // The writes the server never read went with the client.
    let close = next_request(&server)?;
    ensure!(close.request.opcode == CLOSE, "expected only CLOSE, got opcode {}", close.request.opcode);
    Ok(())
}
