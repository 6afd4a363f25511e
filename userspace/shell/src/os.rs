//! The boundary between the interpreter and the operating system: every effect the shell has goes through [`Os`].
//!
//! The interpreter never touches the system directly. The `sh` binary implements this trait with Cairn system
//! calls; the host tests implement it with an in-memory simulation.
//!
//! # Processes
//!
//! External programs are started with [`Os::spawn`] (posix_spawn-like, no fork). Anything the shell itself must
//! run in another process — a subshell, a builtin or compound command in a pipeline, a background list, a command
//! substitution — goes through [`Os::fork`]:
//!
//! ```text
//! match os.fork()? {
//!     ForkOutcome::Parent(pid) => pid,
//!     ForkOutcome::Child => { let status = run_the_work(); os.exit_child(status) }
//! }
//! ```
//!
//! On a real system `exit_child` ends the process and never returns. An implementation that cannot fork (the host
//! tests) returns `Child`, lets the interpreter run the work in-process, and then returns from `exit_child` with
//! the pid the parent would have seen; it must then restore the parent's descriptors and working directory. The
//! interpreter saves and restores its own state around the child's work, so both models behave the same.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// A file descriptor number.
pub type Fd = u32;
/// A process or process-group id.
pub type Pid = u32;
/// A signal number (POSIX/Linux numbering, see [`crate::signal`]).
pub type Signal = i32;

/// What a failed system call reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OsError {
    NotFound,
    PermissionDenied,
    /// `EPERM`: the caller lacks the privilege (raising a hard limit without root, say).
    NotPermitted,
    /// `EINVAL`.
    InvalidArgument,
    /// `EMFILE`: no descriptor is free below the open-files limit.
    TooManyFiles,
    AlreadyExists,
    IsADirectory,
    NotADirectory,
    BadDescriptor,
    NoChild,
    Interrupted,
    BrokenPipe,
    NotExecutable,
    Unsupported,
    /// `ENXIO`: no such device (`/dev/tty` without a controlling terminal).
    NoSuchDevice,
    /// `ENOSPC`: no room left (`/dev/full`, a full file system).
    NoSpace,
    /// Any other error number.
    Other(i32),
}

impl fmt::Display for OsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OsError::NotFound => f.write_str("No such file or directory"),
            OsError::PermissionDenied => f.write_str("Permission denied"),
            OsError::NotPermitted => f.write_str("Operation not permitted"),
            OsError::InvalidArgument => f.write_str("Invalid argument"),
            OsError::TooManyFiles => f.write_str("Too many open files"),
            OsError::AlreadyExists => f.write_str("File exists"),
            OsError::IsADirectory => f.write_str("Is a directory"),
            OsError::NotADirectory => f.write_str("Not a directory"),
            OsError::BadDescriptor => f.write_str("Bad file descriptor"),
            OsError::NoChild => f.write_str("No child processes"),
            OsError::Interrupted => f.write_str("Interrupted system call"),
            OsError::BrokenPipe => f.write_str("Broken pipe"),
            OsError::NotExecutable => f.write_str("Exec format error"),
            OsError::Unsupported => f.write_str("Operation not supported"),
            OsError::NoSuchDevice => f.write_str("No such device or address"),
            OsError::NoSpace => f.write_str("No space left on device"),
            OsError::Other(code) => write!(f, "error {code}"),
        }
    }
}

/// How [`Os::open`] opens a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// Read only (`<`).
    Read,
    /// Write, creating or truncating (`>`).
    WriteTruncate,
    /// Write at the end, creating (`>>`).
    Append,
    /// Read and write, creating, without truncating (`<>`).
    ReadWrite,
}

/// What [`Os::fork`] returns in each process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForkOutcome {
    Child,
    Parent(Pid),
}

/// A change of state of a child process, as reported by [`Os::wait`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitStatus {
    Exited(i32),
    Signaled(Signal),
    Stopped(Signal),
}

/// Whether [`Os::wait`] blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitMode {
    /// Wait until the process exits, is killed or stops (`WUNTRACED`).
    Block,
    /// Report a change if there is one, otherwise return `None` at once (`WNOHANG | WUNTRACED`).
    Poll,
}

/// Which process group a new process joins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessGroup {
    /// The shell's own group (no job control).
    Inherit,
    /// A new group led by the new process.
    New,
    /// An existing group.
    Join(Pid),
}

/// One descriptor of a new process: the child's `child` is the parent's `parent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FdMapping {
    pub child: Fd,
    pub parent: Fd,
}

/// Everything needed to start an external program.
#[derive(Clone, Copy, Debug)]
pub struct SpawnRequest<'a> {
    /// The resolved path of the program.
    pub path: &'a str,
    /// The arguments, `argv[0]` first.
    pub argv: &'a [String],
    /// The environment, as `NAME=value` strings.
    pub env: &'a [String],
    /// The complete descriptor table of the child; no other descriptor is inherited.
    pub fds: &'a [FdMapping],
    pub group: ProcessGroup,
}

/// Who [`Os::kill`] signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KillTarget {
    Process(Pid),
    Group(Pid),
}

/// What the shell wants done when a signal arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignalAction {
    Default,
    Ignore,
    /// Remember the signal; [`Os::take_caught_signal`] hands it to the interpreter, which runs the trap.
    Catch,
}

/// The kind of a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Regular,
    Directory,
    Other,
}

/// What [`Os::stat`] tells about a path (symbolic links followed, except for `is_symlink`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStatus {
    pub kind: FileKind,
    /// The path itself is a symbolic link.
    pub is_symlink: bool,
    pub size: u64,
    /// Whether the shell's user may read, write and execute (search, for directories) it.
    pub readable: bool,
    pub writable: bool,
    pub executable: bool,
}

/// One entry of a directory listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub is_dir: bool,
}

/// A resource whose use by the shell's process (and its children, which inherit the limit) is limited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    /// Threads of all processes of the user (`RLIMIT_NPROC`).
    Threads,
    /// Open descriptors of the process (`RLIMIT_NOFILE`).
    Files,
    /// Bytes of address space of the process (`RLIMIT_AS`).
    AddressSpace,
}

/// A limit on a [`Resource`] (`struct rlimit`): `soft` is enforced and may be raised up to `hard`; `None` means
/// unlimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceLimit {
    pub soft: Option<u64>,
    pub hard: Option<u64>,
}

/// Every effect the interpreter has on the system.
pub trait Os {
    /// Creates a pipe and returns `(read end, write end)`.
    fn pipe(&mut self) -> Result<(Fd, Fd), OsError>;

    /// Opens `path` (relative to the working directory when not absolute) and returns the new descriptor.
    fn open(&mut self, path: &str, mode: OpenMode) -> Result<Fd, OsError>;

    /// Duplicates `fd` onto the lowest free descriptor that is at least `min`, closed on exec (`F_DUPFD_CLOEXEC`).
    /// The shell keeps its saved copies of redirected descriptors there.
    fn duplicate(&mut self, fd: Fd, min: Fd) -> Result<Fd, OsError>;

    /// Makes `to` a copy of `from`, closing what `to` was (`dup2`).
    fn dup2(&mut self, from: Fd, to: Fd) -> Result<(), OsError>;

    /// Closes a descriptor.
    fn close(&mut self, fd: Fd) -> Result<(), OsError>;

    /// Reads up to `buf.len()` bytes; 0 means end of file.
    fn read(&mut self, fd: Fd, buf: &mut [u8]) -> Result<usize, OsError>;

    /// Writes some of `data` and returns how much.
    fn write(&mut self, fd: Fd, data: &[u8]) -> Result<usize, OsError>;

    /// Starts an external program and returns its pid. Signals the shell ignores for job control go back to their
    /// default action in the child.
    fn spawn(&mut self, request: &SpawnRequest<'_>) -> Result<Pid, OsError>;

    /// Replaces the current process with a program (`execve`), keeping its descriptors as the request maps them.
    /// On a real system this returns only on failure. An implementation that cannot replace the process runs the
    /// program to completion and returns `Ok(status)`; the interpreter then ends with that status.
    fn exec(&mut self, request: &SpawnRequest<'_>) -> Result<i32, OsError>;

    /// Forks the shell (see the module documentation for the simulated form). As for `spawn`, signals the shell
    /// ignores for job control go back to their default action in the child.
    fn fork(&mut self) -> Result<ForkOutcome, OsError>;

    /// Ends a process created by [`Os::fork`] with `status`. Never returns on a real system; a simulation returns
    /// the child's pid after restoring the parent's descriptors and working directory.
    fn exit_child(&mut self, status: i32) -> Pid;

    /// Waits for a change of state of the child `pid`; `None` only in [`WaitMode::Poll`] when nothing changed.
    fn wait(&mut self, pid: Pid, mode: WaitMode) -> Result<Option<WaitStatus>, OsError>;

    /// Sends `signal` to a process or a process group.
    fn kill(&mut self, target: KillTarget, signal: Signal) -> Result<(), OsError>;

    /// Moves process `pid` (0: the caller) into group `group` (0: a new group whose id is the process's pid).
    fn set_process_group(&mut self, pid: Pid, group: Pid) -> Result<(), OsError>;

    /// Makes `group` the foreground process group of the controlling terminal.
    fn set_foreground_group(&mut self, group: Pid) -> Result<(), OsError>;

    /// The process group of the shell itself.
    fn process_group(&mut self) -> Pid;

    /// The pid of the shell.
    fn getpid(&mut self) -> Pid;

    /// The effective user id (0 makes `\$` in prompts a `#`).
    fn user_id(&mut self) -> u32;

    /// The name the user database gives `uid`, if it names it (`\u` in
    /// prompts when `USER` and `LOGNAME` are unset).
    fn user_name(&mut self, uid: u32) -> Option<String>;

    /// Changes the working directory.
    fn chdir(&mut self, path: &str) -> Result<(), OsError>;

    /// The absolute path of the working directory.
    fn getcwd(&mut self) -> Result<String, OsError>;

    /// The entries of a directory, without `.` and `..`, in any order.
    fn list_dir(&mut self, path: &str) -> Result<Vec<DirEntry>, OsError>;

    /// Information about a path; `Err(OsError::NotFound)` when it does not exist.
    fn stat(&mut self, path: &str) -> Result<FileStatus, OsError>;

    /// The environment the shell started with.
    fn environment(&mut self) -> Vec<(String, String)>;

    /// Sets what happens when `signal` arrives.
    fn set_signal_action(&mut self, signal: Signal, action: SignalAction) -> Result<(), OsError>;

    /// A signal that arrived since the last call and is set to [`SignalAction::Catch`], if any. The interpreter
    /// asks after every command and runs the trap. An interactive `sh` should catch SIGINT itself: without a trap,
    /// a caught SIGINT abandons the running command (a builtin loop, say), as in other shells.
    fn take_caught_signal(&mut self) -> Option<Signal>;

    /// Sets the file-creation mask when `new` is given; returns the previous mask.
    fn umask(&mut self, new: Option<u32>) -> u32;

    /// The shell process's limit on `resource` (`getrlimit`).
    fn get_limit(&mut self, resource: Resource) -> Result<ResourceLimit, OsError>;

    /// Sets the shell process's limit on `resource` (`setrlimit`): `InvalidArgument` when `soft` exceeds `hard`,
    /// `NotPermitted` when `hard` rises without the privilege to raise it.
    fn set_limit(&mut self, resource: Resource, limit: ResourceLimit) -> Result<(), OsError>;
}
