//! Helpers shared by the test modules: the `ensure!` macro, raw system
//! calls with arbitrary (hostile) arguments, errno checks, throw-away child
//! processes with bounded waiting, and deliberate memory accesses.
//!
//! Depends only on `cairn-rt`.

use core::arch::asm;

use cairn_rt::process::{ExitStatus, ForkResult, Pid, WNOHANG, WaitTarget, fork, waitpid};
use cairn_rt::signal::{SIGKILL, kill};
use cairn_rt::sys::{Syscall, syscall6};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{Error, String, eprintln, format, process, thread};

/// What every test returns: `Err` carries the one-line failure reason.
pub type TestResult = Result<(), String>;

/// Fails the test with a formatted reason unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($reason:tt)+) => {
        if !$cond {
            return Err(cairn_rt::format!($($reason)+));
        }
    };
}
pub(crate) use ensure;

/// How long a test waits for a child before declaring it hung (TCG is
/// slow, so this is generous).
pub const CHILD_TIMEOUT: Duration = Duration::from_secs(60);

/// A system call with any number and arguments.
pub fn raw(number: usize, args: [usize; 6]) -> Result<usize, Error> {
    // SAFETY: the tests pass either pointers to their own live buffers or
    // addresses the kernel must refuse (null, kernel half, unmapped); the
    // kernel validates everything, which is what is being tested.
    unsafe { syscall6(number, args[0], args[1], args[2], args[3], args[4], args[5]) }
}

/// [`raw`] with a named call.
pub fn call(number: Syscall, args: [usize; 6]) -> Result<usize, Error> {
    raw(number as usize, args)
}

/// The symbolic name of the errnos the tests expect.
pub fn errno_name(errno: i32) -> String {
    use cairn_rt::error::Error as E;
    let name = match errno {
        1 => "EPERM",
        2 => "ENOENT",
        3 => "ESRCH",
        4 => "EINTR",
        8 => "ENOEXEC",
        9 => "EBADF",
        10 => "ECHILD",
        11 => "EAGAIN",
        12 => "ENOMEM",
        14 => "EFAULT",
        17 => "EEXIST",
        19 => "ENODEV",
        22 => "EINVAL",
        29 => "ESPIPE",
        30 => "EROFS",
        35 => "EDEADLK",
        36 => "ENAMETOOLONG",
        38 => "ENOSYS",
        110 => "ETIMEDOUT",
        _ => return format!("{}", E::from_errno(errno)),
    };
    String::from(name)
}

/// Describes a result for a failure message.
pub fn describe<T: core::fmt::Debug>(r: &Result<T, Error>) -> String {
    match r {
        Ok(v) => format!("Ok({v:?})"),
        Err(Error::Os(e)) => errno_name(e.errno),
        Err(e) => format!("{e}"),
    }
}

/// Checks that `what` failed with `errno`.
pub fn expect_errno<T: core::fmt::Debug>(what: &str, r: Result<T, Error>, errno: i32) -> TestResult {
    ensure!(
        r.as_ref().err().and_then(Error::errno) == Some(errno),
        "{what}: expected {}, got {}",
        errno_name(errno),
        describe(&r)
    );
    Ok(())
}

/// Unwraps a result, naming the operation on failure.
pub fn ok<T>(what: &str, r: Result<T, Error>) -> Result<T, String> {
    r.map_err(|e| format!("{what} failed: {}", describe::<()>(&Err(e))))
}

/// Forks a child that runs `body` and exits with its return value.
pub fn spawn_child<F: FnOnce() -> i32>(body: F) -> Result<Pid, String> {
    match ok("fork", fork())? {
        ForkResult::Child => process::exit(body()),
        ForkResult::Parent { child } => Ok(child),
    }
}

/// Waits for `pid` at most `timeout`; a child that overstays is killed,
/// reaped and reported.
pub fn reap(pid: Pid, timeout: Duration) -> Result<ExitStatus, String> {
    let start = Instant::now();
    let mut nap = Duration::from_millis(1);
    loop {
        if let Some((_, status)) = ok("waitpid", waitpid(WaitTarget::Pid(pid), WNOHANG))? {
            return Ok(status);
        }
        if start.elapsed() > timeout {
            let _ = kill(pid, SIGKILL);
            let _ = waitpid(WaitTarget::Pid(pid), 0);
            return Err(format!("child {pid} still running after {timeout:?}"));
        }
        thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(50));
    }
}

/// Runs `body` in a forked child and turns its verdict into this test's:
/// the child prints its own failure reason (there is no pipe to pass it).
pub fn in_child<F: FnOnce() -> TestResult>(body: F) -> TestResult {
    let pid = spawn_child(|| match body() {
        Ok(()) => 0,
        Err(reason) => {
            eprintln!("utest child {}: {reason}", process::id());
            1
        }
    })?;
    expect_exit(pid, 0).map_err(|e| format!("{e} (the child's reason is printed above)"))
}

/// Reaps `pid` and checks that it exited with `code`.
pub fn expect_exit(pid: Pid, code: i32) -> TestResult {
    let status = reap(pid, CHILD_TIMEOUT)?;
    ensure!(status.code() == Some(code), "child {pid}: expected exit code {code}, got {status}");
    Ok(())
}

/// Reaps `pid` and checks that `signal` killed it.
pub fn expect_signal(pid: Pid, signal: usize) -> TestResult {
    let status = reap(pid, CHILD_TIMEOUT)?;
    ensure!(status.signal() == Some(signal), "child {pid}: expected death by signal {signal}, got {status}");
    Ok(())
}

/// Writes a byte to `addr` behind the compiler's back (the point is the
/// fault, so Rust must not see a null or dangling pointer).
pub fn poke(addr: usize) {
    // SAFETY: only called in throw-away child processes to provoke a fault;
    // should the store succeed, it changes memory no Rust code relies on.
    unsafe { asm!("mov byte ptr [{addr}], 1", addr = in(reg) addr, options(nostack)) }
}

/// Reads a byte from `addr` behind the compiler's back.
pub fn peek(addr: usize) -> u8 {
    let value: u8;
    // SAFETY: a plain load; in the tests it either reads memory the test
    // mapped or faults in a throw-away child.
    unsafe {
        asm!("mov {v}, byte ptr [{addr}]", addr = in(reg) addr, v = out(reg_byte) value, options(nostack, readonly))
    }
    value
}

/// Reads the word at `fs:0` (the thread control block's self pointer).
pub fn fs0() -> usize {
    let value: usize;
    // SAFETY: the runtime installs a control block whose first word is its
    // own address before any test runs, in every thread.
    unsafe { asm!("mov {}, qword ptr fs:[0]", out(reg) value, options(nostack, readonly, preserves_flags)) }
    value
}

/// Sleeps forever (until a signal ends the process).
pub fn sleep_forever() -> ! {
    loop {
        thread::sleep(Duration::from_secs(3600));
    }
}

/// Spins forever in user mode without system calls.
pub fn spin_forever() -> ! {
    loop {
        core::hint::spin_loop();
    }
}
