//! Processes: ids, groups and sessions, user ids, fork/exec/spawn/wait
//! with exit codes, `WNOHANG`, `ECHILD`, argument and environment passing,
//! files of the initfs, 1,000 live processes at once, and memory coming
//! back after 10,000 processes have come and gone.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use cairn_rt::abi::auxv::{AT_GID, AT_UID};
use cairn_rt::abi::error::{ECHILD, ENOENT, EPERM, ESRCH};
use cairn_rt::fs::{self, File, SeekFrom};
use cairn_rt::io::Read;
use cairn_rt::process::{
    self, Command, Pid, WNOHANG, WaitTarget, getgid, getpgid, getsid, getuid, setgid, setpgid, setsid, setuid, waitpid,
};
use cairn_rt::signal::{SIGTERM, kill};
use cairn_rt::sys::{self, Syscall};
use cairn_rt::{String, Vec, env, format, thread};

use crate::util::{
    CHILD_TIMEOUT, TestResult, call, ensure, expect_errno, expect_exit, expect_signal, in_child, ok, reap,
    sleep_forever, spawn_child,
};

/// The argument that makes utest act as the child of `spawn_args_env`.
pub const ARGS_ENV_CHILD: &str = "--child-args-env";
/// Arguments and variable the child must receive.
const CHILD_ARGS: [&str; 3] = ["two words", "ünïcödé", ""];
const CHILD_VAR: (&str, &str) = ("CAIRN_UTEST", "x=1 y=2");

pub fn ids() -> TestResult {
    let pid = process::id();
    ensure!(pid != 0, "getpid returned 0");
    let tid = sys::gettid();
    ensure!(tid != 0, "gettid returned 0");
    ensure!(
        thread::current().id().as_usize() == tid,
        "runtime thread id {} != gettid {tid}",
        thread::current().id().as_usize()
    );
    if let Some(uid) = sys::auxv(AT_UID) {
        ensure!(uid == getuid() as usize, "AT_UID {uid} != getuid {}", getuid());
    }
    if let Some(gid) = sys::auxv(AT_GID) {
        ensure!(gid == getgid() as usize, "AT_GID {gid} != getgid {}", getgid());
    }
    let pgid = ok("getpgid(0)", getpgid(0))?;
    let sid = ok("getsid(0)", getsid(0))?;
    ensure!(ok("getpgid(self)", getpgid(pid))? == pgid, "getpgid(self) != getpgid(0)");
    in_child(move || {
        ensure!(process::parent_id() == pid, "child's getppid {} != parent's pid {pid}", process::parent_id());
        ensure!(process::id() != pid, "child has the parent's pid");
        ensure!(ok("getpgid", getpgid(0))? == pgid, "the child did not inherit the process group");
        ensure!(ok("getsid", getsid(0))? == sid, "the child did not inherit the session");
        ensure!(sys::gettid() != tid, "the child's thread has the parent's tid");
        ensure!(thread::current().id().as_usize() == sys::gettid(), "runtime tid not refreshed after fork");
        Ok(())
    })
}

pub fn process_groups() -> TestResult {
    expect_errno("setpgid(999999, 0)", setpgid(999_999, 0), ESRCH)?;
    expect_errno("getpgid(999999)", getpgid(999_999), ESRCH)?;
    // A new group, then setsid must refuse: the caller leads a group.
    in_child(|| {
        let me = process::id();
        ok("setpgid(0, 0)", setpgid(0, 0))?;
        ensure!(ok("getpgid(0)", getpgid(0))? == me, "setpgid(0, 0) did not make a group led by the caller");
        ensure!(ok("getpgid(self)", getpgid(me))? == me, "getpgid(self) disagrees");
        expect_errno("setsid as group leader", setsid(), EPERM)
    })?;
    // A new session: the caller leads it and a new group.
    in_child(|| {
        let me = process::id();
        let sid = ok("setsid", setsid())?;
        ensure!(sid == me, "setsid returned {sid}, not the caller's pid {me}");
        ensure!(ok("getsid(0)", getsid(0))? == me, "getsid after setsid");
        ensure!(ok("getpgid(0)", getpgid(0))? == me, "setsid did not create a group");
        Ok(())
    })
}

pub fn user_ids() -> TestResult {
    in_child(|| {
        if getuid() != 0 {
            return expect_errno("setuid(0) as non-root", setuid(0), EPERM);
        }
        ok("setgid(1000)", setgid(1000))?;
        ensure!(getgid() == 1000, "getgid after setgid(1000) is {}", getgid());
        ok("setuid(1000)", setuid(1000))?;
        ensure!(getuid() == 1000, "getuid after setuid(1000) is {}", getuid());
        expect_errno("setuid(0) after dropping root", setuid(0), EPERM)?;
        expect_errno("setgid(0) after dropping root", setgid(0), EPERM)?;
        ok("setuid(own uid)", setuid(1000))
    })
}

pub fn fork_exit_codes() -> TestResult {
    for code in [42, 0, 255, 1] {
        let pid = spawn_child(move || code)?;
        expect_exit(pid, code)?;
    }
    Ok(())
}

pub fn exec_hello() -> TestResult {
    let pid = spawn_child(|| {
        let err = process::exec("/bin/hello", &["/bin/hello", "from-exec"], &["FROM=exec"]);
        cairn_rt::eprintln!("exec /bin/hello failed: {err}");
        3
    })?;
    expect_exit(pid, 0)?;
    // A failed exec returns to the (intact) caller.
    in_child(|| {
        let err = process::exec("/no/such/program", &["x"], &[] as &[&str]);
        ensure!(err.errno() == Some(ENOENT), "exec of a missing file: expected ENOENT, got {err}");
        let mut v = Vec::new();
        v.extend_from_slice(b"still alive");
        ensure!(v.len() == 11, "heap damaged after failed exec");
        Ok(())
    })
}

pub fn spawn_wait() -> TestResult {
    let status = ok("spawn /bin/hello", Command::new("/bin/hello").arg("spawned").status())?;
    ensure!(status.success(), "/bin/hello: {status}");
    let mut child = ok("spawn /bin/true", Command::new("/bin/true").spawn())?;
    ensure!(child.id() != process::id(), "spawn returned our own pid");
    let status = ok("wait", child.wait())?;
    ensure!(status.success(), "/bin/true: {status}");
    expect_errno("spawn of a missing file", Command::new("/no/such/program").spawn().map(|c| c.id()), ENOENT)
}

/// utest's own path, to spawn itself.
pub fn own_path() -> String {
    env::args().next().filter(|p| p.starts_with('/')).unwrap_or_else(|| String::from("/bin/utest"))
}

pub fn spawn_args_env() -> TestResult {
    let status = ok(
        "spawn utest",
        Command::new(&own_path()).arg(ARGS_ENV_CHILD).args(CHILD_ARGS).env(CHILD_VAR.0, CHILD_VAR.1).status(),
    )?;
    ensure!(status.success(), "the child saw wrong arguments or environment: {status} (reason printed above)");
    Ok(())
}

/// The child side of [`spawn_args_env`]: exit code 0 iff everything arrived.
pub fn args_env_child() -> i32 {
    let args: Vec<String> = env::args().skip(1).collect();
    let expected: Vec<&str> = [ARGS_ENV_CHILD].into_iter().chain(CHILD_ARGS).collect();
    if args != expected {
        cairn_rt::eprintln!("utest child: argv {args:?}, expected {expected:?}");
        return 1;
    }
    match env::var(CHILD_VAR.0) {
        Ok(v) if v == CHILD_VAR.1 => 0,
        other => {
            cairn_rt::eprintln!("utest child: {} = {other:?}", CHILD_VAR.0);
            1
        }
    }
}

pub fn wnohang() -> TestResult {
    let pid = spawn_child(|| sleep_forever())?;
    let early = waitpid(WaitTarget::Pid(pid), WNOHANG);
    let any = waitpid(WaitTarget::Any, WNOHANG);
    let _ = kill(pid, SIGTERM);
    let end = expect_signal(pid, SIGTERM);
    ensure!(matches!(early, Ok(None)), "WNOHANG on a running child gave {early:?}");
    ensure!(matches!(any, Ok(None)), "WNOHANG for any child gave {any:?}");
    end
}

pub fn waitpid_not_child() -> TestResult {
    // Leftover children would make "no children at all" untrue.
    while let Ok(Some(_)) = waitpid(WaitTarget::Any, WNOHANG) {}
    let me = process::id();
    expect_errno("waitpid(self)", waitpid(WaitTarget::Pid(me), 0), ECHILD)?;
    expect_errno("waitpid(999999)", waitpid(WaitTarget::Pid(999_999), 0), ECHILD)?;
    if process::parent_id() != 0 {
        expect_errno("waitpid(parent)", waitpid(WaitTarget::Pid(process::parent_id()), 0), ECHILD)?;
    }
    expect_errno("waitpid(any) without children", waitpid(WaitTarget::Any, 0), ECHILD)?;
    // A reaped child is gone for good.
    let pid = spawn_child(|| 0)?;
    expect_exit(pid, 0)?;
    expect_errno("waitpid of an already reaped child", waitpid(WaitTarget::Pid(pid), 0), ECHILD)
}

pub fn files() -> TestResult {
    let mut file = ok("open /bin/hello", File::open("/bin/hello"))?;
    let meta = ok("fstat", file.metadata())?;
    ensure!(meta.is_file() && !meta.is_dir(), "/bin/hello is not a regular file: {:?}", meta.stat());
    let mut magic = [0u8; 4];
    ok("read", file.read_exact(&mut magic))?;
    ensure!(&magic == b"\x7fELF", "/bin/hello starts with {magic:?}");
    ensure!(ok("seek", file.seek(SeekFrom::Start(1)))? == 1, "seek to 1");
    let mut one = [0u8; 1];
    ok("read", file.read_exact(&mut one))?;
    ensure!(one[0] == b'E', "byte 1 after seek is {}", one[0]);
    let end = ok("seek end", file.seek(SeekFrom::End(0)))?;
    ensure!(end == meta.len(), "seek to end gave {end}, size is {}", meta.len());
    ensure!(ok("read at end", file.read(&mut one))? == 0, "read at end of file returned data");
    let all = ok("fs::read", fs::read("/bin/hello"))?;
    ensure!(all.len() as u64 == meta.len(), "read {} bytes, fstat says {}", all.len(), meta.len());
    expect_errno("open of a missing file", File::open("/no/such/file").map(|f| f.as_raw_fd()), ENOENT)?;
    // fds are reused after close, and many can be open at once.
    let many: Result<Vec<File>, _> = (0..32).map(|_| File::open("/bin/true")).collect();
    ensure!(ok("32 opens", many)?.len() == 32, "32 opens");
    Ok(())
}

/// How many processes the concurrency test keeps alive.
const LIVE_PROCESSES: usize = 1000;

pub fn thousand_processes() -> TestResult {
    let mut pids: Vec<Pid> = Vec::with_capacity(LIVE_PROCESSES);
    let mut failure = None;
    for i in 0..LIVE_PROCESSES {
        match spawn_child(|| sleep_forever()) {
            Ok(pid) => pids.push(pid),
            Err(e) => {
                failure = Some(format!("fork #{i}: {e}"));
                break;
            }
        }
    }
    // All alive at once: none has ended, each still exists for signal 0.
    if failure.is_none() {
        if let Ok(Some((pid, status))) = waitpid(WaitTarget::Any, WNOHANG) {
            failure = Some(format!("child {pid} ended early: {status}"));
        } else if let Some(pid) = pids.iter().find(|&&pid| kill(pid, 0).is_err()) {
            failure = Some(format!("child {pid} does not exist (kill 0)"));
        }
    }
    let mut killed_by_term = 0;
    for &pid in &pids {
        let _ = kill(pid, SIGTERM);
    }
    for &pid in &pids {
        match reap(pid, CHILD_TIMEOUT) {
            Ok(status) if status.signal() == Some(SIGTERM) => killed_by_term += 1,
            Ok(status) => failure = failure.or(Some(format!("child {pid}: {status}, expected SIGTERM"))),
            Err(e) => failure = failure.or(Some(e)),
        }
    }
    if let Some(f) = failure {
        return Err(f);
    }
    ensure!(killed_by_term == LIVE_PROCESSES, "only {killed_by_term} of {LIVE_PROCESSES} died by SIGTERM");
    Ok(())
}

/// Processes started by the memory-reclamation test.
const RECLAIM_PROCESSES: usize = 10_000;
/// Accepted difference in free frames before and after, in frames.
///
/// A leak of even one frame per process would show as 10,000 frames. What
/// may legitimately differ is bounded and independent of the process
/// count: the kernel heap grows in 1 MiB (256-frame) steps and keeps what
/// it grew, and this process's own heap and stack may grow by a few pages.
/// Two heap steps are allowed; anything beyond means at least one frame
/// lost per 20 processes.
const RECLAIM_TOLERANCE: u64 = 512;

pub fn memory_returned_after_exit() -> TestResult {
    let run = |n: usize| -> TestResult {
        for i in 0..n {
            let status =
                ok("spawn /bin/true", Command::new("/bin/true").status()).map_err(|e| format!("process #{i}: {e}"))?;
            ensure!(status.success(), "process #{i}: /bin/true: {status}");
        }
        Ok(())
    };
    // Warm up: let every allocator reach its steady state first.
    run(100)?;
    let before = ok("sysinfo", sys::memory_info())?.free_frames;
    run(RECLAIM_PROCESSES)?;
    let after = ok("sysinfo", sys::memory_info())?.free_frames;
    ensure!(
        after + RECLAIM_TOLERANCE >= before,
        "{} frames fewer free after {RECLAIM_PROCESSES} processes (before {before}, after {after}, tolerance \
         {RECLAIM_TOLERANCE})",
        before - after
    );
    // fork + exit must give its memory back too (copy-on-write copies).
    let before = ok("sysinfo", sys::memory_info())?.free_frames;
    for _ in 0..1000 {
        let mut buf = Vec::new();
        buf.resize(64 * 1024, 1u8);
        let pid = spawn_child(move || {
            // Touch the copy-on-write heap so the child owns copies.
            buf.iter_mut().step_by(4096).for_each(|b| *b = 2);
            0
        })?;
        expect_exit(pid, 0)?;
    }
    let after = ok("sysinfo", sys::memory_info())?.free_frames;
    ensure!(
        after + RECLAIM_TOLERANCE >= before,
        "{} frames fewer free after 1000 forks (before {before}, after {after})",
        before - after
    );
    Ok(())
}

/// `exit` from a second thread ends the whole process with its code.
pub fn exit_from_thread() -> TestResult {
    let pid = spawn_child(|| {
        let _worker = thread::spawn(|| {
            let _ = call(Syscall::Exit, [9, 0, 0, 0, 0, 0]);
        });
        sleep_forever()
    })?;
    expect_exit(pid, 9)
}
