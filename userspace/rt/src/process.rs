//! Processes: this process ([`exit`], [`abort`], [`id`], [`parent_id`],
//! groups, sessions, user and group ids), children ([`Command`], [`Child`],
//! [`fork`], [`waitpid`]) and their [`ExitStatus`], plus the
//! [`Termination`] trait behind `main!`.
//!
//! Depends on [`crate::sys`], [`crate::env`], [`crate::signal`],
//! [`crate::heap`], [`crate::tls`] and `cairn-abi` (`StrSlice`, `wait`).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use cairn_abi::wait;
pub use cairn_abi::wait::{WNOHANG, WUNTRACED};
use cairn_abi::{StrSlice, Syscall};

use crate::error::{Error, Result};
use crate::sys::{syscall0, syscall1, syscall2, syscall3, syscall6};

/// A process (or process group, or session) id.
pub type Pid = usize;

/// Ends the process with `code` (0-255 reach the parent).
pub fn exit(code: i32) -> ! {
    // SAFETY: `exit` ends the process; nothing runs afterwards.
    let _ = unsafe { syscall1(Syscall::Exit as usize, code as u8 as usize) };
    unreachable!("exit returned")
}

/// Ends the process abnormally with `SIGABRT` (exit code 134 should the
/// signal be blocked or ignored).
pub fn abort() -> ! {
    let _ = crate::signal::set_default(crate::signal::SIGABRT);
    let _ = crate::signal::unblock(crate::signal::SigSet::of(crate::signal::SIGABRT));
    let _ = crate::signal::kill(id(), crate::signal::SIGABRT);
    exit(134)
}

/// Issues a call that cannot fail and returns a value.
fn query(call: Syscall) -> usize {
    // SAFETY: the id queries take no arguments and touch no memory.
    unsafe { syscall0(call as usize) }.unwrap_or(0)
}

/// This process's id.
pub fn id() -> Pid {
    query(Syscall::Getpid)
}

/// The parent's id (init's is 0).
pub fn parent_id() -> Pid {
    query(Syscall::Getppid)
}

/// Moves process `pid` (0 = the caller) into group `pgid` (0 = `pid`).
pub fn setpgid(pid: Pid, pgid: Pid) -> Result<()> {
    // SAFETY: plain integer arguments.
    unsafe { syscall2(Syscall::Setpgid as usize, pid, pgid)? };
    Ok(())
}

/// The group of process `pid` (0 = the caller).
pub fn getpgid(pid: Pid) -> Result<Pid> {
    // SAFETY: plain integer argument.
    unsafe { syscall1(Syscall::Getpgid as usize, pid) }
}

/// Starts a new session (and group) led by the caller; returns its id.
pub fn setsid() -> Result<Pid> {
    // SAFETY: no arguments.
    unsafe { syscall0(Syscall::Setsid as usize) }
}

/// The session of process `pid` (0 = the caller).
pub fn getsid(pid: Pid) -> Result<Pid> {
    // SAFETY: plain integer argument.
    unsafe { syscall1(Syscall::Getsid as usize, pid) }
}

pub fn getuid() -> u32 {
    query(Syscall::Getuid) as u32
}

pub fn getgid() -> u32 {
    query(Syscall::Getgid) as u32
}

/// Sets this process's file-creation mask (the permission bits cleared
/// from the mode of files and directories it creates; only `0o777` counts)
/// and returns the previous one.
pub fn umask(mask: u32) -> u32 {
    // SAFETY: plain integer argument; the call cannot fail.
    unsafe { syscall1(Syscall::Umask as usize, mask as usize) }.map_or(0, |previous| previous as u32)
}

pub fn setuid(uid: u32) -> Result<()> {
    // SAFETY: plain integer argument.
    unsafe { syscall1(Syscall::Setuid as usize, uid as usize)? };
    Ok(())
}

pub fn setgid(gid: u32) -> Result<()> {
    // SAFETY: plain integer argument.
    unsafe { syscall1(Syscall::Setgid as usize, gid as usize)? };
    Ok(())
}

pub use cairn_abi::limit::{self as resource, Limit};

/// The calling process's limit on `resource` (a [`resource`] constant).
pub fn get_limit(resource: usize) -> Result<Limit> {
    let mut limit = Limit::default();
    // SAFETY: the kernel writes one `Limit` into `limit`, a valid `repr(C)`
    // value.
    unsafe { syscall2(Syscall::GetLimit as usize, resource, (&raw mut limit) as usize)? };
    Ok(limit)
}

/// Sets the calling process's limit on `resource`; its children inherit it.
/// Only root may raise `maximum` (`EPERM`).
pub fn set_limit(resource: usize, limit: Limit) -> Result<()> {
    // SAFETY: the kernel reads one `Limit` from `limit`.
    unsafe { syscall2(Syscall::SetLimit as usize, resource, (&raw const limit) as usize)? };
    Ok(())
}

/// How a child ended (or stopped): a POSIX wait status.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ExitStatus(u32);

impl ExitStatus {
    /// Wraps a raw wait status.
    pub const fn from_raw(status: u32) -> ExitStatus {
        ExitStatus(status)
    }

    pub const fn into_raw(self) -> u32 {
        self.0
    }

    /// The exit code, if the process exited normally.
    pub const fn code(&self) -> Option<i32> {
        if wait::if_exited(self.0) { Some(wait::exit_status(self.0) as i32) } else { None }
    }

    /// The signal that killed the process, if one did.
    pub const fn signal(&self) -> Option<usize> {
        if wait::if_signaled(self.0) { Some(wait::term_signal(self.0) as usize) } else { None }
    }

    /// The signal that stopped the process, if it is stopped.
    pub const fn stopped_signal(&self) -> Option<usize> {
        if wait::if_stopped(self.0) { Some(wait::exit_status(self.0) as usize) } else { None }
    }

    /// Exited with code 0.
    pub const fn success(&self) -> bool {
        matches!(self.code(), Some(0))
    }
}

impl fmt::Display for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(code) = self.code() {
            write!(f, "exit status: {code}")
        } else if let Some(sig) = self.signal() {
            write!(f, "signal: {sig}")
        } else if let Some(sig) = self.stopped_signal() {
            write!(f, "stopped by signal: {sig}")
        } else {
            write!(f, "unrecognised wait status: {:#x}", self.0)
        }
    }
}

impl fmt::Debug for ExitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ExitStatus({self})")
    }
}

/// Whose state change [`waitpid`] waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitTarget {
    /// Any child.
    Any,
    /// This child.
    Pid(Pid),
}

/// `waitpid(target, options)` with `options` from [`WNOHANG`] and
/// [`WUNTRACED`]. `Ok(None)` when `WNOHANG` is given and no child has
/// changed state. A signal handler interrupts the wait with `EINTR`
/// (unlike [`Child::wait`] and [`wait_any`], which resume).
pub fn waitpid(target: WaitTarget, options: usize) -> Result<Option<(Pid, ExitStatus)>> {
    let pid = match target {
        WaitTarget::Any => usize::MAX,
        WaitTarget::Pid(pid) => pid,
    };
    let mut status = 0u32;
    // SAFETY: the kernel writes one `u32` status into `status`.
    let found = unsafe { syscall3(Syscall::Waitpid as usize, pid, (&raw mut status) as usize, options)? };
    Ok((found != 0).then_some((found, ExitStatus(status))))
}

/// Blocking `waitpid` that resumes after signal handlers (`EINTR`).
fn wait_blocking(target: WaitTarget) -> Result<(Pid, ExitStatus)> {
    loop {
        match waitpid(target, 0) {
            Ok(Some(found)) => return Ok(found),
            Err(e) if e.errno() != Some(cairn_abi::error::EINTR) => return Err(e),
            // EINTR, or a (never expected) "nothing yet" without WNOHANG.
            _ => {}
        }
    }
}

/// Waits for any child to end.
pub fn wait_any() -> Result<(Pid, ExitStatus)> {
    wait_blocking(WaitTarget::Any)
}

/// Which side of a [`fork`] this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForkResult {
    Parent { child: Pid },
    Child,
}

/// Duplicates the process (copy-on-write). Only the calling thread exists in
/// the child.
pub fn fork() -> Result<ForkResult> {
    let heap = crate::heap::lock_for_fork();
    // SAFETY: the child is a copy of this process; the heap lock is held so
    // that its state is consistent in both.
    let result = unsafe { syscall0(Syscall::Fork as usize) };
    drop(heap);
    match result? {
        0 => {
            crate::tls::after_fork_in_child();
            Ok(ForkResult::Child)
        }
        child => Ok(ForkResult::Parent { child }),
    }
}

/// Borrows byte strings as the kernel's `StrSlice`s.
fn slices<T: AsRef<[u8]>>(items: &[T]) -> Vec<StrSlice> {
    /// What an empty string points at: an empty `String`'s pointer is
    /// dangling (0x1), an address the kernel may rightly refuse.
    static EMPTY: u8 = 0;
    items
        .iter()
        .map(|s| {
            let bytes = s.as_ref();
            let ptr = if bytes.is_empty() { &raw const EMPTY } else { bytes.as_ptr() };
            StrSlice { ptr: ptr as usize, len: bytes.len() }
        })
        .collect()
}

/// Issues `spawn` or `execve` with `path`, `argv` and `envp`.
fn spawn_or_exec<A: AsRef<[u8]>, E: AsRef<[u8]>>(call: Syscall, path: &str, argv: &[A], envp: &[E]) -> Result<usize> {
    let argv = slices(argv);
    let envp = slices(envp);
    // SAFETY: the kernel reads `path`, the two `StrSlice` arrays and the
    // strings they point to, all alive for the duration of the call.
    unsafe {
        syscall6(
            call as usize,
            path.as_ptr() as usize,
            path.len(),
            argv.as_ptr() as usize,
            argv.len(),
            envp.as_ptr() as usize,
            envp.len(),
        )
    }
}

/// Replaces the process image with the executable at `path`, passing
/// `argv` (`argv[0]` included) and `envp` (`KEY=VALUE` entries). Returns
/// only on failure.
pub fn exec<A: AsRef<[u8]>, E: AsRef<[u8]>>(path: &str, argv: &[A], envp: &[E]) -> Error {
    match spawn_or_exec(Syscall::Execve, path, argv, envp) {
        Err(e) => e,
        Ok(_) => Error::from_errno(cairn_abi::error::EIO),
    }
}

/// Starts the executable at `path` as a child with `argv` (`argv[0]`
/// included, whatever it says) and `envp` (`KEY=VALUE` entries); the child
/// gets fds 0-2.
pub fn spawn<A: AsRef<[u8]>, E: AsRef<[u8]>>(path: &str, argv: &[A], envp: &[E]) -> Result<Child> {
    let pid = spawn_or_exec(Syscall::Spawn, path, argv, envp)?;
    Ok(Child { pid })
}

/// Issues `spawn_fd` or `fexecve` with `fd`, `argv` and `envp`.
fn run_fd<A: AsRef<[u8]>, E: AsRef<[u8]>>(call: Syscall, fd: usize, argv: &[A], envp: &[E]) -> Result<usize> {
    let (argv, envp) = (slices(argv), slices(envp));
    // SAFETY: the kernel reads the two `StrSlice` arrays and their strings,
    // alive for the duration of the call.
    unsafe {
        crate::sys::syscall5(call as usize, fd, argv.as_ptr() as usize, argv.len(), envp.as_ptr() as usize, envp.len())
    }
}

/// Starts the executable `fd` names (it needs the EXEC right) as a child,
/// with `argv` and `envp`; the fd may have been opened before the caller
/// narrowed its namespace.
pub fn spawn_fd<A: AsRef<[u8]>, E: AsRef<[u8]>>(fd: usize, argv: &[A], envp: &[E]) -> Result<Child> {
    run_fd(Syscall::SpawnFd, fd, argv, envp).map(|pid| Child { pid })
}

/// Replaces the process image with the executable `fd` names. Returns
/// only on failure.
pub fn fexecve<A: AsRef<[u8]>, E: AsRef<[u8]>>(fd: usize, argv: &[A], envp: &[E]) -> Error {
    run_fd(Syscall::Fexecve, fd, argv, envp).err().unwrap_or(Error::from_errno(cairn_abi::error::EIO))
}

/// A handle on a process or thread (`process_open`/`thread_open`): wait
/// for its end by reading it, signal it with [`TaskHandle::signal`], watch
/// it in an event queue. Unlike a pid it never names another process.
#[derive(Debug)]
pub struct TaskHandle {
    fd: crate::fd::OwnedFd,
}

impl TaskHandle {
    /// A handle on process `pid`.
    pub fn process(pid: Pid) -> Result<TaskHandle> {
        // SAFETY: integer argument only.
        let fd = unsafe { crate::sys::syscall1(Syscall::ProcessOpen as usize, pid) }?;
        // SAFETY: the kernel just made this fd for the caller.
        Ok(TaskHandle { fd: unsafe { crate::fd::OwnedFd::from_raw(fd) } })
    }

    /// A handle on thread `tid` of this process.
    pub fn thread(tid: usize) -> Result<TaskHandle> {
        // SAFETY: integer argument only.
        let fd = unsafe { crate::sys::syscall1(Syscall::ThreadOpen as usize, tid) }?;
        // SAFETY: the kernel just made this fd for the caller.
        Ok(TaskHandle { fd: unsafe { crate::fd::OwnedFd::from_raw(fd) } })
    }

    pub fn fd(&self) -> &crate::fd::OwnedFd {
        &self.fd
    }

    /// Waits for the end: a process's wait status, a thread's exit value.
    pub fn wait(&self) -> Result<u32> {
        let mut value = [0u8; 4];
        crate::io::read_fd(self.fd.as_raw(), &mut value)?;
        Ok(u32::from_le_bytes(value))
    }

    /// Sends `signal`.
    pub fn signal(&self, signal: usize) -> Result<()> {
        // SAFETY: integer arguments only.
        unsafe { crate::sys::syscall2(Syscall::SignalFd as usize, self.fd.as_raw(), signal) }.map(drop)
    }
}

/// A program to start: path, arguments, environment changes.
#[derive(Clone, Debug)]
pub struct Command {
    program: String,
    args: Vec<String>,
    env_clear: bool,
    env: Vec<(String, String)>,
}

impl Command {
    /// The executable at `program` (an absolute path); `argv[0]` is the path.
    pub fn new(program: &str) -> Command {
        Command { program: String::from(program), args: Vec::new(), env_clear: false, env: Vec::new() }
    }

    pub fn arg(&mut self, arg: &str) -> &mut Command {
        self.args.push(String::from(arg));
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, args: I) -> &mut Command {
        self.args.extend(args.into_iter().map(|a| String::from(a.as_ref())));
        self
    }

    /// Sets `key` in the child's environment.
    pub fn env(&mut self, key: &str, value: &str) -> &mut Command {
        self.env.push((String::from(key), String::from(value)));
        self
    }

    /// Starts the child with only the variables set by [`env`](Self::env).
    pub fn env_clear(&mut self) -> &mut Command {
        self.env_clear = true;
        self
    }

    fn argv(&self) -> Vec<&str> {
        core::iter::once(self.program.as_str()).chain(self.args.iter().map(String::as_str)).collect()
    }

    fn envp(&self) -> Vec<Vec<u8>> {
        crate::env::merge(crate::env::raw_vars(), self.env_clear, &self.env)
    }

    /// Starts the program as a child process (inheriting fds 0-2).
    pub fn spawn(&mut self) -> Result<Child> {
        let pid = spawn_or_exec(Syscall::Spawn, &self.program, &self.argv(), &self.envp())?;
        Ok(Child { pid })
    }

    /// Starts the program and waits for it.
    pub fn status(&mut self) -> Result<ExitStatus> {
        self.spawn()?.wait()
    }

    /// Replaces this process with the program. Returns only on failure.
    pub fn exec(&mut self) -> Error {
        exec(&self.program, &self.argv(), &self.envp())
    }
}

/// A started child process. Dropping it does not wait for it.
#[derive(Debug)]
pub struct Child {
    pid: Pid,
}

impl Child {
    /// Wraps a child created some other way (e.g. by [`fork`]).
    pub fn from_pid(pid: Pid) -> Child {
        Child { pid }
    }

    pub fn id(&self) -> Pid {
        self.pid
    }

    /// Waits for the child to end.
    pub fn wait(&mut self) -> Result<ExitStatus> {
        Ok(wait_blocking(WaitTarget::Pid(self.pid))?.1)
    }

    /// The child's status if it has ended, without blocking.
    pub fn try_wait(&mut self) -> Result<Option<ExitStatus>> {
        Ok(waitpid(WaitTarget::Pid(self.pid), WNOHANG)?.map(|(_, status)| status))
    }

    /// Sends `SIGKILL`.
    pub fn kill(&mut self) -> Result<()> {
        crate::signal::kill(self.pid, crate::signal::SIGKILL)
    }
}

/// What `main` may return.
pub trait Termination {
    /// Reports the result; returns the exit code.
    fn report(self) -> i32;
}

impl Termination for () {
    fn report(self) -> i32 {
        0
    }
}

impl Termination for i32 {
    fn report(self) -> i32 {
        self
    }
}

impl<E: fmt::Debug> Termination for core::result::Result<(), E> {
    fn report(self) -> i32 {
        match self {
            Ok(()) => 0,
            Err(e) => {
                crate::eprintln!("Error: {e:?}");
                1
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn exit_statuses_decode() {
        let s = ExitStatus::from_raw(wait::exited(42));
        assert_eq!((s.code(), s.signal(), s.stopped_signal(), s.success()), (Some(42), None, None, false));
        assert!(ExitStatus::from_raw(wait::exited(0)).success());
        let s = ExitStatus::from_raw(wait::signaled(15));
        assert_eq!((s.code(), s.signal(), s.success()), (None, Some(15), false));
        let s = ExitStatus::from_raw(wait::signaled(11) | 0x80); // core-dump flag
        assert_eq!(s.signal(), Some(11));
        let s = ExitStatus::from_raw(wait::stopped(19));
        assert_eq!((s.code(), s.signal(), s.stopped_signal()), (None, None, Some(19)));
        assert_eq!(format!("{}", ExitStatus::from_raw(wait::exited(3))), "exit status: 3");
        assert_eq!(format!("{}", ExitStatus::from_raw(wait::signaled(9))), "signal: 9");
    }

    #[test]
    fn argv_starts_with_the_program() {
        let mut c = Command::new("/bin/x");
        c.arg("a").args(["b", "c"]);
        assert_eq!(c.argv(), ["/bin/x", "a", "b", "c"]);
    }

    #[test]
    fn main_results_become_exit_codes() {
        assert_eq!(().report(), 0);
        assert_eq!(7.report(), 7);
        assert_eq!(Ok::<(), &str>(()).report(), 0);
    }
}
