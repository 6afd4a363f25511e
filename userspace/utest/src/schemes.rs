//! Schemes and namespaces: a user-space server answers opens, reads,
//! writes, fstat and lseek; a crashing server fails its clients at once;
//! garbage responses are refused; 64 clients are answered out of order;
//! a process in the null namespace or a subset namespace reaches only what
//! it should.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use cairn_rt::abi::error::{EACCES, EINVAL, EIO, ENODEV, ENOENT, ENOTDIR, EPERM, ESRCH};
use cairn_rt::abi::scheme::{RESPONSE_FD, RESPONSE_TERMINAL, Response};
use cairn_rt::abi::signal::SIGTERM;
use cairn_rt::abi::{EVENT_READ, Event, MapFlags, Syscall, rights, wait};
use cairn_rt::abi::{O_RDONLY, O_RDWR, ObjectType, SEEK_SET, Stat};
use cairn_rt::collections::BTreeMap;
use cairn_rt::events::EventQueue;
use cairn_rt::fs::File;
use cairn_rt::io::{Read, Write};
use cairn_rt::process::TaskHandle;
use cairn_rt::process::{self, Command};
use cairn_rt::scheme::{self, CLOSE, FEVENT, FSTAT, LSEEK, MMAP, OPEN, READ, Server, WRITE};
use cairn_rt::sync::Arc;
use cairn_rt::sync::atomic::{AtomicBool, Ordering};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, Vec, format, thread};

use crate::util::{TestResult, call, ensure, expect_errno, expect_exit, in_child, ok, spawn_child};

/// A tiny in-memory file server: each open creates an empty file named by
/// the path; serves until it has seen `closes` CLOSE requests.
fn serve_memory_files(server: &Server, closes: usize) -> Result<usize, String> {
    let mut files: BTreeMap<u64, (Vec<u8>, usize)> = BTreeMap::new();
    let (mut next, mut seen_closes, mut caller) = (1u64, 0, 0usize);
    while seen_closes < closes {
        let incoming = ok("next request", server.next())?;
        let request = incoming.request;
        caller = request.caller_pid as usize;
        let file = files.get_mut(&request.handle);
        let result = match (request.opcode, file) {
            (OPEN, _) => {
                files.insert(next, (Vec::new(), 0));
                next += 1;
                server.respond(request.id, Ok(next as usize - 1), &[])
            }
            (WRITE, Some((data, position))) => {
                data.truncate(*position);
                data.extend_from_slice(&incoming.payload);
                *position = data.len();
                server.respond(request.id, Ok(incoming.payload.len()), &[])
            }
            (READ, Some((data, position))) => {
                let end = data.len().min(*position + request.args[0] as usize);
                let chunk = data[*position..end].to_vec();
                *position = end;
                server.respond(request.id, Ok(chunk.len()), &chunk)
            }
            (FSTAT, Some((data, _))) => {
                let stat = Stat { st_size: data.len() as u64, ..Stat::default() };
                let bytes = &*stat;
                server.respond(request.id, Ok(0), bytes)
            }
            (LSEEK, Some((_, position))) if request.args[1] as usize == SEEK_SET => {
                *position = request.args[0] as usize;
                server.respond(request.id, Ok(*position), &[])
            }
            (CLOSE, _) => {
                files.remove(&request.handle);
                seen_closes += 1;
                Ok(())
            }
            _ => server.respond(request.id, Err(EINVAL), &[]),
        };
        ok("respond", result)?;
    }
    Ok(caller)
}

pub fn round_trip() -> TestResult {
    let server = ok("create scheme ut-files", Server::create("ut-files"))?;
    let worker = thread::spawn(move || serve_memory_files(&server, 2));
    let mut file = ok("open /scheme/ut-files/a", scheme::open("/scheme/ut-files/a", O_RDWR))?;
    ensure!(ok("fd_info", file.info())?.object_type == ObjectType::SchemeHandle as u32, "not a scheme handle");
    ensure!(ok("write", file.write(b"abcdef"))? == 6, "short write");
    let fd = file.as_raw();
    // SAFETY: the kernel writes one `Stat`.
    let mut stat = Stat::default();
    ok("fstat", unsafe {
        cairn_rt::sys::syscall2(cairn_rt::abi::Syscall::Fstat as usize, fd, (&raw mut stat) as usize)
    })?;
    ensure!(stat.st_size == 6, "fstat size {}", stat.st_size);
    // SAFETY: integer arguments only.
    ok("lseek", unsafe { cairn_rt::sys::syscall3(cairn_rt::abi::Syscall::Lseek as usize, fd, 2, SEEK_SET) })?;
    let mut buffer = [0u8; 16];
    let n = ok("read", file.read(&mut buffer))?;
    ensure!(&buffer[..n] == b"cdef", "read back {:?}", &buffer[..n]);
    let legacy = ok("open ut-files:b (legacy form)", scheme::open("ut-files:b", O_RDONLY))?;
    drop(legacy);
    drop(file);
    let caller = worker.join().map_err(|e| format!("server thread: {e:?}"))??;
    ensure!(caller == process::id() as usize, "requests carried pid {caller}, expected {}", process::id());
    expect_errno("open after the server is gone", scheme::open("/scheme/ut-files/c", O_RDONLY), EIO)
}

pub fn server_crash_fails_clients() -> TestResult {
    let server_pid = spawn_child(|| {
        let Ok(server) = Server::create("ut-crash") else { return 2 };
        // Answer the open, take the read, then die without answering.
        let Ok(open) = server.next() else { return 3 };
        let _ = server.respond(open.request.id, Ok(1), &[]);
        let _ = server.next();
        process::exit(0)
    })?;
    let start = Instant::now();
    let mut file = loop {
        match scheme::open("/scheme/ut-crash/x", O_RDONLY) {
            Ok(file) => break file,
            Err(e) if e.errno() == Some(ENODEV) && start.elapsed() < Duration::from_secs(5) => {
                thread::sleep(Duration::from_millis(2));
            }
            Err(e) => return Err(format!("open: {e}")),
        }
    };
    let mut buffer = [0u8; 8];
    expect_errno("read while the server dies", file.read(&mut buffer), EIO)?;
    expect_errno("read after the server died", file.read(&mut buffer), EIO)?;
    expect_exit(server_pid, 0)
}

pub fn garbage_responses_refused() -> TestResult {
    let server = ok("create scheme ut-garbage", Server::create("ut-garbage"))?;
    let worker = thread::spawn(move || -> TestResult {
        let open = ok("next", server.next())?;
        let id = open.request.id;
        let raw = |response: Response, payload: &[u8]| server.respond_raw(&scheme::response_bytes(response, payload));
        expect_errno("short response", server.respond_raw(&[1, 2, 3]), EINVAL)?;
        expect_errno("unknown id", raw(Response { id: id + 1000, result: 1, payload_len: 0, flags: 0 }, &[]), EINVAL)?;
        expect_errno("length mismatch", raw(Response { id, result: 1, payload_len: 50, flags: 0 }, b"xy"), EINVAL)?;
        expect_errno(
            "result beyond errno range",
            raw(Response { id, result: -5000, payload_len: 0, flags: 0 }, &[]),
            EINVAL,
        )?;
        let terminal = |result: i64, flags: u64| raw(Response { id, result, payload_len: 0, flags }, &[]);
        expect_errno("terminal flag on an error", terminal(-i64::from(ENOENT), RESPONSE_TERMINAL), EINVAL)?;
        expect_errno("terminal flag with an fd", terminal(0, RESPONSE_TERMINAL | RESPONSE_FD), EINVAL)?;
        expect_errno("an unknown flag", terminal(7, 8), EINVAL)?;
        ok("valid open answer", server.respond(id, Ok(7), &[]))?;
        expect_errno("second answer", server.respond(id, Ok(7), &[]), EINVAL)?;
        let read = ok("next", server.next())?;
        ensure!(read.request.opcode == READ && read.request.handle == 7, "expected READ on handle 7");
        expect_errno("payload larger than asked", server.respond(read.request.id, Ok(100), &[b'x'; 100]), EINVAL)?;
        ok("valid read answer", server.respond(read.request.id, Ok(4), b"good"))?;
        let close = ok("next", server.next())?;
        ensure!(close.request.opcode == CLOSE, "expected CLOSE, got opcode {}", close.request.opcode);
        Ok(())
    });
    let mut file = ok("open", scheme::open("/scheme/ut-garbage/x", O_RDONLY))?;
    let mut buffer = [0u8; 4];
    let n = ok("read", file.read(&mut buffer))?;
    ensure!(&buffer[..n] == b"good", "read {:?}", &buffer[..n]);
    drop(file);
    worker.join().map_err(|e| format!("server thread: {e:?}"))?
}

pub fn sixty_four_clients_out_of_order() -> TestResult {
    const CLIENTS: usize = 64;
    let server = ok("create scheme ut-many", Server::create("ut-many"))?;
    let worker = thread::spawn(move || -> TestResult {
        let mut reads = Vec::new();
        let mut closes = 0;
        while closes < CLIENTS {
            let incoming = ok("next", server.next())?;
            let request = incoming.request;
            match request.opcode {
                OPEN => {
                    let name = core::str::from_utf8(&incoming.payload).map_err(|_| "path not UTF-8")?;
                    let number: usize = name.parse().map_err(|_| format!("bad path {name}"))?;
                    ok("answer open", server.respond(request.id, Ok(number + 1), &[]))?;
                }
                READ => {
                    reads.push(request);
                    if reads.len() == CLIENTS {
                        // Answer in the reverse order of arrival.
                        for read in reads.iter().rev() {
                            let text = format!("{}", read.handle - 1);
                            ok("answer read", server.respond(read.id, Ok(text.len()), text.as_bytes()))?;
                        }
                    }
                }
                CLOSE => closes += 1,
                other => return Err(format!("unexpected opcode {other}")),
            }
        }
        Ok(())
    });
    let failures = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let failures = failures.clone();
            thread::spawn(move || {
                let good = (|| -> Option<bool> {
                    let mut file = scheme::open(&format!("/scheme/ut-many/{n}"), O_RDONLY).ok()?;
                    let mut buffer = [0u8; 8];
                    let len = file.read(&mut buffer).ok()?;
                    Some(buffer[..len] == *format!("{n}").as_bytes())
                })();
                if good != Some(true) {
                    failures.store(true, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for client in clients {
        client.join().map_err(|e| format!("client thread: {e:?}"))?;
    }
    worker.join().map_err(|e| format!("server thread: {e:?}"))??;
    ensure!(!failures.load(Ordering::Relaxed), "a client got someone else's answer or an error");
    Ok(())
}

pub fn null_namespace_sandbox() -> TestResult {
    in_child(|| {
        let mut held = ok("open before the sandbox", File::open("/bin/true"))?;
        let namespace = ok("create the null namespace", scheme::namespace_create(&[], false))?;
        ok("enter it", scheme::namespace_enter(&namespace))?;
        expect_errno("open by path", File::open("/bin/true").map(|f| f.as_raw_fd()), ENODEV)?;
        expect_errno("open by scheme path", File::open("/scheme/initfs/bin/true").map(|f| f.as_raw_fd()), ENODEV)?;
        expect_errno("register a scheme", Server::create("ut-sandboxed").map(drop), EPERM)?;
        expect_errno("spawn by path", Command::new("/bin/true").spawn().map(|c| c.id()), ENODEV)?;
        let mut magic = [0u8; 4];
        ok("read a held fd", held.read(&mut magic))?;
        ensure!(&magic == b"\x7fELF", "the held fd read {magic:?}");
        Ok(())
    })
}

pub fn subset_namespace() -> TestResult {
    in_child(|| {
        let server = ok("create scheme ut-subset", Server::create("ut-subset"))?;
        let worker = thread::spawn(move || serve_memory_files(&server, 1));
        let namespace = ok("create a subset", scheme::namespace_create(&["ut-subset"], false))?;
        expect_errno("a name the caller lacks", scheme::namespace_create(&["no-such-scheme"], false), ENOENT)?;
        ok("enter it", scheme::namespace_enter(&namespace))?;
        expect_errno("the root file system", File::open("/bin/true").map(|f| f.as_raw_fd()), ENODEV)?;
        let file = ok("open in the subset", scheme::open("/scheme/ut-subset/x", O_RDONLY))?;
        drop(file);
        worker.join().map_err(|e| format!("server thread: {e:?}"))??;
        let wider = ok("ask for the register right back", scheme::namespace_create(&["ut-subset"], true))?;
        ok("enter it", scheme::namespace_enter(&wider))?;
        expect_errno("register without the right", Server::create("ut-subset-2").map(drop), EPERM)?;
        Ok(())
    })
}

/// A narrowed namespace shares its names' bindings with the namespace it
/// was made from: a child that entered `{ut-rebind}` reaches the server
/// its parent registers under the name after the first one died (as the
/// clients of a driver `devd` restarts do), where the dead one gave `EIO`.
pub fn rebound_name_reaches_narrowed_namespace() -> TestResult {
    in_child(|| {
        // The child is forked before any server exists, so it holds no
        // copy of an endpoint (which would keep the first server alive).
        let (mut went, mut go) = ok("pipe", cairn_rt::fd::pipe(0))?;
        let (mut done, mut answered) = ok("pipe", cairn_rt::fd::pipe(0))?;
        let child = spawn_child(move || {
            let mut byte = [0u8; 1];
            if went.read(&mut byte) != Ok(1) {
                return 2;
            }
            let Ok(namespace) = scheme::namespace_create(&["ut-rebind"], false) else { return 3 };
            if scheme::namespace_enter(&namespace).is_err() || scheme::open("/scheme/ut-rebind/a", O_RDONLY).is_err() {
                return 4;
            }
            let _ = answered.write(&[1]);
            if went.read(&mut byte) != Ok(1) {
                return 5;
            }
            match scheme::open("/scheme/ut-rebind/b", O_RDONLY) {
                Ok(_) => 0,
                Err(e) if e.errno() == Some(EIO) => 6,
                Err(_) => 7,
            }
        })?;
        let first = ok("create scheme ut-rebind", Server::create("ut-rebind"))?;
        ok("tell the child", go.write(&[1]))?;
        serve_memory_files(&first, 1)?;
        let mut byte = [0u8; 1];
        ok("wait for the child's first open", done.read(&mut byte))?;
        drop(first);
        let second = ok("register ut-rebind again", Server::create("ut-rebind"))?;
        let worker = thread::spawn(move || serve_memory_files(&second, 1));
        ok("tell the child again", go.write(&[1]))?;
        let caller = worker.join().map_err(|e| format!("second server: {e:?}"))??;
        ensure!(caller == child, "the second server heard pid {caller}, not the child {child}");
        expect_exit(child, 0)
    })
}

/// Waits up to five seconds for the next request on a non-blocking server.
fn next_within(server: &Server) -> Result<scheme::Incoming, String> {
    let start = Instant::now();
    loop {
        match server.next() {
            Ok(incoming) => return Ok(incoming),
            Err(e) if e.errno() == Some(cairn_rt::abi::error::EAGAIN) && start.elapsed() < Duration::from_secs(5) => {
                thread::sleep(Duration::from_millis(2));
            }
            Err(e) => return Err(format!("next request: {e}")),
        }
    }
}

pub fn client_killed_mid_request() -> TestResult {
    let server = ok("create scheme ut-killed", Server::create("ut-killed"))?;
    ok("make the endpoint non-blocking", server.endpoint().set_flags(cairn_rt::fd::O_NONBLOCK))?;
    let client = spawn_child(|| {
        let Ok(mut file) = scheme::open("/scheme/ut-killed/x", O_RDONLY) else { return 2 };
        let mut buffer = [0u8; 8];
        let _ = file.read(&mut buffer);
        3
    })?;
    let open = next_within(&server)?;
    ensure!(open.request.opcode == OPEN, "expected OPEN, got {}", open.request.opcode);
    ok("answer open", server.respond(open.request.id, Ok(42), &[]))?;
    let read = next_within(&server)?;
    ensure!(read.request.opcode == READ && read.request.handle == 42, "expected READ on handle 42");
    ok("kill the client", cairn_rt::signal::kill(client, cairn_rt::abi::signal::SIGKILL))?;
    let cancel = next_within(&server)?;
    ensure!(
        cancel.request.opcode == scheme::CANCEL && cancel.request.args[0] == read.request.id,
        "expected CANCEL of request {}, got opcode {} args {:?}",
        read.request.id,
        cancel.request.opcode,
        cancel.request.args
    );
    let close = next_within(&server)?;
    ensure!(close.request.opcode == CLOSE && close.request.handle == 42, "expected CLOSE of handle 42");
    expect_errno("answering the cancelled request", server.respond(read.request.id, Ok(0), &[]), EINVAL)?;
    crate::util::expect_signal(client, cairn_rt::abi::signal::SIGKILL)
}

fn read_all(path: &str) -> Result<String, String> {
    let mut file = ok(&format!("open {path}"), scheme::open(path, O_RDONLY))?;
    let mut text = String::new();
    ok(&format!("read {path}"), file.read_to_string(&mut text))?;
    Ok(text)
}

pub fn kernel_schemes() -> TestResult {
    let mut zero = ok("open /scheme/zero", scheme::open("/scheme/zero", O_RDWR))?;
    let mut buffer = [0xffu8; 64];
    ensure!(ok("read zero", zero.read(&mut buffer))? == 64, "short read from zero");
    ensure!(buffer.iter().all(|b| *b == 0), "zero gave non-zero bytes");
    let mut null = ok("open null: (legacy form)", scheme::open("null:", O_RDWR))?;
    ensure!(ok("write null", null.write(b"gone"))? == 4, "null did not take the write");
    ensure!(ok("read null", null.read(&mut buffer))? == 0, "null is not at end of file");
    let mut rand = ok("open /scheme/rand", scheme::open("/scheme/rand", O_RDONLY))?;
    let (mut first, mut second) = ([0u8; 32], [0u8; 32]);
    ok("read rand", rand.read(&mut first))?;
    ok("read rand", rand.read(&mut second))?;
    ensure!(first != second && first.iter().any(|b| *b != 0), "rand repeats itself");
    expect_errno("write to rand", rand.write(b"x"), cairn_rt::abi::error::EBADF)?;
    let processes = read_all("/scheme/sys/processes")?;
    ensure!(processes.starts_with("PID PPID"), "processes header missing: {processes}");
    let me = format!("{} ", process::id());
    ensure!(processes.lines().any(|l| l.starts_with(&me) && l.contains("utest")), "utest not in {processes}");
    ensure!(read_all("/scheme/sys/meminfo")?.contains("free_kib"), "meminfo lacks free_kib");
    let uptime: f64 = read_all("/scheme/sys/uptime")?.trim().parse().map_err(|_| "uptime is not a number")?;
    ensure!(uptime.is_sign_positive() && uptime != 0.0, "uptime {uptime}");
    ensure!(read_all("/scheme/sys/log")?.contains("cairn: "), "the log lacks the boot summary");
    ensure!(read_all("/scheme/sys/cpus")?.lines().count() >= 1, "no CPUs listed");
    let sys = ok("stat /scheme/sys", cairn_rt::fs::metadata("/scheme/sys"))?;
    ensure!(sys.is_dir(), "/scheme/sys is not a directory (mode {:o})", sys.permissions());
    let names: Vec<String> =
        ok("read_dir /scheme/sys", cairn_rt::fs::read_dir("/scheme/sys/"))?.into_iter().map(|(n, _)| n).collect();
    for file in ["processes", "threads", "meminfo", "cpus", "interrupts", "uptime", "log", "power"] {
        ensure!(names.iter().any(|n| n == file), "/scheme/sys lacks {file}: {names:?}");
    }
    expect_errno("writing /scheme/sys", scheme::open("/scheme/sys", O_RDWR), cairn_rt::abi::error::EISDIR)?;
    expect_errno("a sys file as a directory", scheme::open("/scheme/sys/log/x", O_RDONLY), ENOENT)?;
    expect_errno("a missing sys file", scheme::open("/scheme/sys/nope", O_RDONLY), ENOENT)?;
    Ok(())
}

fn free_frames() -> Result<u64, String> {
    Ok(ok("sysinfo", cairn_rt::sys::memory_info())?.free_frames)
}

/// 100,000 open/close cycles (kernel devices, initfs files and a user
/// scheme) leave free memory where it was, within two heap-growth steps.
pub fn open_close_no_leak() -> TestResult {
    const TOLERANCE_FRAMES: u64 = 512;
    let server = ok("create scheme ut-leak", Server::create("ut-leak"))?;
    let worker = thread::spawn(move || serve_memory_files(&server, 10_000));
    let before = free_frames()?;
    for i in 0..90_000 {
        let path = if i % 2 == 0 { "/scheme/null" } else { "/bin/true" };
        drop(ok("open", scheme::open(path, O_RDONLY))?);
    }
    for _ in 0..10_000 {
        drop(ok("open scheme file", scheme::open("/scheme/ut-leak/x", O_RDONLY))?);
    }
    worker.join().map_err(|e| format!("server thread: {e:?}"))??;
    let after = free_frames()?;
    ensure!(after + TOLERANCE_FRAMES >= before, "free frames went from {before} to {after}");
    Ok(())
}

pub fn fd_passing() -> TestResult {
    use cairn_rt::fd::{OwnedFd, rights};
    let server = ok("create scheme ut-pass", Server::create("ut-pass"))?;
    let worker = thread::spawn(move || -> TestResult {
        let open = ok("next", server.next())?;
        ok("answer open", server.respond(open.request.id, Ok(1), &[]))?;
        let pass = ok("next", server.next())?;
        ensure!(pass.request.opcode == scheme::SENDFD, "expected SENDFD, got {}", pass.request.opcode);
        // SAFETY: the kernel placed the passed fd in this process's table
        // for this server alone.
        let mut received = unsafe { OwnedFd::from_raw(pass.request.args[0] as usize) };
        let info = ok("fd_info of the received fd", received.info())?;
        ensure!(info.rights == rights::WRITE | rights::SEND, "received rights {:#x}", info.rights);
        ok("write through the received fd", received.write_all(b"passed"))?;
        drop(received);
        ok("answer", server.respond(pass.request.id, Ok(0), &[]))?;
        let close = ok("next", server.next())?;
        ensure!(close.request.opcode == CLOSE, "expected CLOSE");
        Ok(())
    });
    let handle = ok("open", scheme::open("/scheme/ut-pass/x", O_RDWR))?;
    let (mut reader, writer) = ok("pipe", cairn_rt::fd::pipe(0))?;
    let no_send = ok("dup without SEND", writer.dup(rights::WRITE | rights::DUP))?;
    expect_errno(
        "passing an fd without SEND",
        scheme::send_fd(&handle, &no_send, rights::ALL),
        cairn_rt::abi::error::EACCES,
    )?;
    let narrow = ok("dup to WRITE|SEND", writer.dup(rights::WRITE | rights::SEND))?;
    drop(writer);
    drop(no_send);
    ok("send_fd", scheme::send_fd(&handle, &narrow, rights::ALL))?;
    drop(narrow);
    drop(handle);
    worker.join().map_err(|e| format!("server thread: {e:?}"))??;
    let mut text = String::new();
    ok("read to end", reader.read_to_string(&mut text))?;
    ensure!(text == "passed", "read {text:?} through the pipe");
    Ok(())
}

pub fn working_directory_and_relative_paths() -> TestResult {
    in_child(|| {
        use cairn_rt::env;
        ensure!(ok("getcwd", env::current_dir())? == "/", "a new process starts in /");
        ok("chdir /bin", env::set_current_dir("/bin"))?;
        ensure!(ok("getcwd", env::current_dir())? == "/bin", "cwd after chdir");
        ok("open a relative path", File::open("true").map(drop))?;
        ok("chdir ..", env::set_current_dir(".."))?;
        ensure!(ok("getcwd", env::current_dir())? == "/", "cwd after chdir ..");
        ok("chdir past the root", env::set_current_dir("../../.."))?;
        ensure!(ok("getcwd", env::current_dir())? == "/", "`..` left the root");
        let status = ok("spawn a relative path", Command::new("bin/true").status())?;
        ensure!(status.success(), "bin/true: {status}");
        expect_errno("chdir to a file", env::set_current_dir("/bin/true"), ENOTDIR)?;
        expect_errno("chdir to nothing", env::set_current_dir("/no/such/dir"), ENOENT)?;
        ok("chdir into a scheme", env::set_current_dir("/scheme/initfs/bin"))?;
        ok("open relative inside the scheme", File::open("./true").map(drop))?;
        Ok(())
    })
}

pub fn scheme_listing_follows_namespace() -> TestResult {
    in_child(|| {
        use cairn_rt::fs::{EntryKind, read_dir};
        let names: Vec<String> = ok("ls /scheme", read_dir("/scheme"))?.into_iter().map(|(n, _)| n).collect();
        for expected in ["file", "initfs", "null", "rand", "sys", "zero"] {
            ensure!(names.iter().any(|n| n == expected), "/scheme lacks {expected}: {names:?}");
        }
        let bin = ok("ls /bin", read_dir("/bin"))?;
        ensure!(bin.iter().any(|(n, k)| n == "true" && *k == EntryKind::File), "/bin lacks true: {bin:?}");
        let namespace = ok("subset", scheme::namespace_create(&["initfs", "null"], false))?;
        ok("enter it", scheme::namespace_enter(&namespace))?;
        let names: Vec<String> = ok("ls /scheme", read_dir("/scheme"))?.into_iter().map(|(n, _)| n).collect();
        ensure!(names == ["initfs", "null"], "the subset lists {names:?}");
        // `..` cannot climb out of /scheme/initfs to the (unreachable) root.
        ok("open through ..", File::open("/scheme/initfs/../../../bin/true").map(drop))?;
        Ok(())
    })
}

pub fn server_answers_with_an_fd() -> TestResult {
    let server = ok("create scheme ut-fdanswer", Server::create("ut-fdanswer"))?;
    let worker = thread::spawn(move || -> TestResult {
        let open = ok("next", server.next())?;
        ensure!(open.request.opcode == OPEN, "expected OPEN");
        let (reader, mut writer) = ok("pipe", cairn_rt::fd::pipe(0))?;
        ok("fill the pipe", writer.write_all(b"from the server"))?;
        let unsendable = ok("copy without SEND", reader.dup(rights::ALL & !rights::SEND))?;
        expect_errno("answer with an fd lacking SEND", server.respond_fd(open.request.id, &unsendable), EACCES)?;
        ok("answer with the pipe", server.respond_fd(open.request.id, &reader))?;
        let second = ok("next", server.next())?;
        ok("answer the second open with a handle", server.respond(second.request.id, Ok(9), &[]))?;
        let stat = ok("next", server.next())?;
        ensure!(stat.request.opcode == FSTAT, "expected FSTAT, got {}", stat.request.opcode);
        expect_errno("an fd as the answer to FSTAT", server.respond_fd(stat.request.id, &reader), EINVAL)?;
        ok("answer FSTAT", server.respond(stat.request.id, Err(EIO), &[]))?;
        let close = ok("next", server.next())?;
        ensure!(close.request.opcode == CLOSE, "expected CLOSE");
        Ok(())
    });
    let mut pipe = ok("open", scheme::open("/scheme/ut-fdanswer/x", O_RDONLY))?;
    let kind = ok("fd_info", pipe.info())?.object_type;
    ensure!(kind == ObjectType::PipeRead as u32, "the client got object type {kind}");
    let mut buffer = [0u8; 15];
    ok("read the passed pipe", pipe.read_exact(&mut buffer))?;
    ensure!(&buffer == b"from the server", "read {buffer:?}");
    let handle = ok("open a second handle", File::open("/scheme/ut-fdanswer/y"))?;
    expect_errno("fstat answered with an error", handle.metadata(), EIO)?;
    drop(handle);
    worker.join().map_err(|e| format!("server thread: {e:?}"))?
}

pub fn scheme_memory_shared_by_clients() -> TestResult {
    let server = ok("create scheme ut-shm", Server::create("ut-shm"))?;
    let memory = ok("memory object", cairn_rt::sys::memory_create(4096))?;
    let worker = thread::spawn(move || -> TestResult {
        let mut maps = 0;
        let mut closes = 0;
        while maps < 2 || closes < 2 {
            let incoming = ok("next", server.next())?;
            let request = incoming.request;
            match request.opcode {
                OPEN => ok("answer open", server.respond(request.id, Ok(1), &[]))?,
                MMAP => {
                    ensure!(request.args[0] == 0 && request.args[1] == 4096, "MMAP args {:?}", request.args);
                    ok("answer with the memory", server.respond_fd(request.id, &memory))?;
                    maps += 1;
                }
                CLOSE => closes += 1,
                other => return Err(format!("unexpected opcode {other}")),
            }
        }
        Ok(())
    });
    let map = || -> Result<*mut u8, String> {
        let file = ok("open", scheme::open("/scheme/ut-shm/segment", O_RDWR))?;
        let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
        // SAFETY: a fresh mapping; nothing else uses the range.
        let address = ok("mmap", unsafe { cairn_rt::sys::mmap(0, 4096, flags, file.as_raw(), 0) })?;
        Ok(address as *mut u8)
    };
    let writer = spawn_child(|| match map() {
        // SAFETY: the mapping is 4096 writable bytes.
        Ok(address) => unsafe {
            address.copy_from_nonoverlapping(b"shared".as_ptr(), 6);
            0
        },
        Err(_) => 1,
    })?;
    expect_exit(writer, 0)?;
    let address = map()?;
    // SAFETY: the mapping is 4096 readable bytes.
    let seen = unsafe { core::slice::from_raw_parts(address, 6) };
    ensure!(seen == b"shared", "the second client sees {seen:?}");
    worker.join().map_err(|e| format!("server thread: {e:?}"))?
}

pub fn scheme_readiness_events() -> TestResult {
    let server = ok("create scheme ut-ready", Server::create("ut-ready"))?;
    let worker = thread::spawn(move || -> TestResult {
        let open = ok("next", server.next())?;
        ok("answer open", server.respond(open.request.id, Ok(5), &[]))?;
        expect_errno("post for an unwatched handle", server.post_event(5, EVENT_READ), EINVAL)?;
        let watch = ok("next", server.next())?;
        ensure!(watch.request.opcode == FEVENT && watch.request.args[0] == u64::from(EVENT_READ), "expected FEVENT");
        ok("nothing ready yet", server.respond(watch.request.id, Ok(0), &[]))?;
        thread::sleep(Duration::from_millis(50));
        ok("post readiness", server.post_event(5, EVENT_READ))?;
        let close = ok("next", server.next())?;
        ensure!(close.request.opcode == CLOSE, "expected CLOSE");
        Ok(())
    });
    let file = ok("open", scheme::open("/scheme/ut-ready/x", O_RDONLY))?;
    let queue = ok("event queue", EventQueue::new())?;
    ok("watch", queue.watch(file.as_raw(), EVENT_READ, 77))?;
    let mut events = [Event::default(); 4];
    ensure!(ok("poll", queue.wait(&mut events, Some(Duration::ZERO)))? == 0, "ready before the server said so");
    let count = ok("wait", queue.wait(&mut events, Some(Duration::from_secs(5))))?;
    ensure!(count == 1 && events[0].data == 77 && events[0].ready == EVENT_READ, "events {:?}", &events[..count]);
    drop(file);
    worker.join().map_err(|e| format!("server thread: {e:?}"))?
}

pub fn process_and_thread_handles() -> TestResult {
    expect_errno("no such process", TaskHandle::process(999_999).map(drop), ESRCH)?;
    let child = spawn_child(|| crate::util::sleep_forever())?;
    let handle = ok("process_open", TaskHandle::process(child))?;
    let kind = ok("fd_info", handle.fd().info())?.object_type;
    ensure!(kind == ObjectType::Process as u32, "object type {kind}");
    let queue = ok("event queue", EventQueue::new())?;
    ok("watch", queue.watch(handle.fd().as_raw(), EVENT_READ, 1))?;
    let mut events = [Event::default(); 1];
    ensure!(ok("poll", queue.wait(&mut events, Some(Duration::ZERO)))? == 0, "ready while alive");
    let mute = ok("copy without SIGNAL", handle.fd().dup(rights::ALL & !rights::SIGNAL))?;
    expect_errno("signal without the right", call(Syscall::SignalFd, [mute.as_raw(), SIGTERM, 0, 0, 0, 0]), EACCES)?;
    ok("signal_fd SIGTERM", handle.signal(SIGTERM))?;
    let status = ok("wait through the handle", handle.wait())?;
    ensure!(wait::if_signaled(status) && wait::term_signal(status) as usize == SIGTERM, "status {status:#x}");
    ensure!(ok("poll", queue.wait(&mut events, Some(Duration::ZERO)))? == 1, "not ready after the end");
    crate::util::reap(child, Duration::from_secs(5))?;
    expect_errno("signal after the end", handle.signal(SIGTERM), ESRCH)?;
    let thread = thread::spawn(|| thread::sleep(Duration::from_millis(20)));
    let tid = thread.thread().id().as_usize();
    let thread_handle = ok("thread_open", TaskHandle::thread(tid))?;
    ensure!(ok("wait for the thread", thread_handle.wait())? == 0, "thread exit value");
    thread.join().map_err(|e| format!("join: {e:?}"))?;
    expect_errno("no such thread", TaskHandle::thread(999_999).map(drop), ESRCH)?;
    Ok(())
}

/// A namespace made with `NAMESPACE_EXCEPT` is a live view: it reaches a
/// scheme registered in the viewed namespace after it was made, never the
/// hidden names, and what it registers itself stays its own; views nest
/// at most 8 deep.
pub fn namespace_view_follows_its_base() -> TestResult {
    let view = ok("view without sys", scheme::namespace_create_except(&["sys"], true))?;
    let later = ok("register a scheme after the view was made", Server::create("ut-view-later"))?;
    let verdict = in_child(|| {
        ok("enter the view", scheme::namespace_enter(&view))?;
        expect_errno("a hidden name", File::open("/scheme/sys/uptime").map(drop), ENODEV)?;
        let listed = ok("list /scheme", cairn_rt::fs::read_dir("/scheme"))?;
        ensure!(listed.iter().any(|(name, _)| name == "ut-view-later"), "the later scheme is not listed");
        ensure!(!listed.iter().any(|(name, _)| name == "sys"), "the hidden name is listed");
        let own = ok("register in the view", Server::create("ut-view-own"))?;
        drop(own);
        Ok(())
    });
    // The child opened nothing on `later`; its own scheme never reached us.
    expect_errno("the view's own scheme", File::open("/scheme/ut-view-own").map(drop), ENODEV)?;
    drop(later);
    verdict?;
    in_child(|| {
        for depth in 1..=8 {
            let nested = ok(&format!("view {depth} deep"), scheme::namespace_create_except(&[], false))?;
            ok("enter it", scheme::namespace_enter(&nested))?;
        }
        expect_errno(
            "a ninth view",
            scheme::namespace_create_except(&[], false).map(drop),
            cairn_rt::abi::error::ELOOP,
        )?;
        ensure!(ok("read through 8 views", cairn_rt::fs::read("/scheme/sys/uptime"))?.len() > 1, "empty uptime");
        Ok(())
    })
}

/// A `read` answer crosses from a server process's memory straight into
/// the client's buffer: 64 KiB and a `pread` arrive whole; an answer whose
/// payload the server points at unmapped memory is `EFAULT` for the
/// server and leaves the client waiting for the right one.
pub fn read_answer_copied_across_processes() -> TestResult {
    const LEN: usize = 64 * 1024;
    let byte = |at: usize| (at * 7 + at / 251) as u8;
    let (mut registered, mut announce) = ok("pipe", cairn_rt::fd::pipe(0))?;
    let server_pid = spawn_child(|| {
        let verdict = (|| -> TestResult {
            let server = ok("create scheme ut-direct", Server::create("ut-direct"))?;
            ok("say it is registered", announce.write_all(b"r"))?;
            let open = ok("next", server.next())?;
            ok("answer open", server.respond(open.request.id, Ok(1), &[]))?;
            let read = ok("next", server.next())?;
            ensure!(read.request.opcode == READ, "expected READ");
            // The header at the end of a page, the payload in the next,
            // which is unmapped.
            let page = cairn_rt::sys::PAGE_SIZE;
            let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE;
            let base = ok("map two pages", cairn_rt::sys::map_anonymous(2 * page, flags))?;
            // SAFETY: the second page is this test's own.
            ok("unmap the second", unsafe { cairn_rt::sys::munmap(base + page, page) })?;
            let header = Response { id: read.request.id, result: LEN as i64, payload_len: LEN as u64, flags: 0 };
            let at = base + page - size_of::<Response>();
            // SAFETY: `at..at + size_of::<Response>()` lies in the first, mapped page.
            unsafe { core::ptr::write_unaligned(at as *mut Response, header) };
            let endpoint = server.endpoint().as_raw();
            let answer = call(Syscall::Write, [endpoint, at, size_of::<Response>() + LEN, 0, 0, 0]);
            expect_errno("a payload in unmapped memory", answer, cairn_rt::abi::error::EFAULT)?;
            let data: Vec<u8> = (0..LEN).map(byte).collect();
            ok("the right answer", server.respond(read.request.id, Ok(LEN), &data))?;
            let pread = ok("next", server.next())?;
            ensure!(pread.request.opcode == READ && pread.request.args[1] == 5, "expected a READ at 5");
            ok("answer the pread", server.respond(pread.request.id, Ok(1000), &data[5..1005]))?;
            let close = ok("next", server.next())?;
            ensure!(close.request.opcode == CLOSE, "expected CLOSE");
            Ok(())
        })();
        match verdict {
            Ok(()) => 0,
            Err(reason) => {
                cairn_rt::eprintln!("utest server: {reason}");
                1
            }
        }
    })?;
    let mut signal = [0u8; 1];
    ok("wait for the server to register", registered.read_exact(&mut signal))?;
    let mut file = ok("open", scheme::open("/scheme/ut-direct/x", O_RDONLY))?;
    let mut buffer = cairn_rt::vec![0u8; LEN];
    let n = ok("read 64 KiB", file.read(&mut buffer))?;
    ensure!(n == LEN && (0..LEN).all(|at| buffer[at] == byte(at)), "read {n} bytes, not the server's");
    let mut part = [0u8; 1000];
    let n = ok("pread", call(Syscall::Pread, [file.as_raw(), part.as_mut_ptr() as usize, 1000, 5, 0, 0]))?;
    ensure!(n == 1000 && (0..1000).all(|at| part[at] == byte(at + 5)), "pread got the wrong bytes");
    drop(file);
    expect_exit(server_pid, 0)
}
