//! The interpreter's [`Os`] on Cairn: descriptors, files and directories through `cairn-rt`, processes with
//! spawn or fork and exec, process groups and the terminal's foreground group, waits, signals, resource limits, and
//! the file-creation mask (kept here: Cairn has none in the kernel).

use cairn_accounts::{PASSWD, Uid};
use cairn_rt::abi::error::EIO;
use cairn_rt::abi::{F_DUPFD_CLOEXEC, F_SETFD, MODE_PERM, rights};
use cairn_rt::fd::{self, O_CLOEXEC};
use cairn_rt::fs::{self, EntryKind, Metadata, OpenOptions};
use cairn_rt::process::{self, ForkResult, WNOHANG, WUNTRACED, WaitTarget};
use cairn_rt::signal::SIGINT;
use cairn_rt::{Error, String, Vec, env, eprintln, format, io, signal, tty};
use cairn_shell::os::{
    DirEntry, Fd, FileKind, FileStatus, ForkOutcome, KillTarget, OpenMode, Os, OsError, Pid, ProcessGroup, Resource,
    ResourceLimit, Signal, SignalAction, SpawnRequest, WaitMode, WaitStatus,
};

use crate::error::{launch_failure_status, os_error};
use crate::gate::{Gate, HeldGates};
use crate::launch;
use crate::signals;

/// The mask a shell starts with.
const DEFAULT_UMASK: u32 = 0o022;

/// How the shell process relates to its terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Not interactive: signals and process groups as inherited.
    Plain,
    /// Interactive: the job-control signals are set aside; `terminal` tells whether fd 0 is a terminal whose
    /// foreground group the shell hands to its jobs.
    Interactive { terminal: bool },
}

/// The shell's view of the system.
pub struct CairnOs {
    role: Role,
    umask: u32,
    gates: HeldGates,
    /// An interactive shell handed the interpreter a SIGINT (`^C` while it ran a builtin or a loop itself).
    interrupted: bool,
}

impl CairnOs {
    pub fn new(role: Role) -> CairnOs {
        CairnOs { role, umask: DEFAULT_UMASK, gates: HeldGates::default(), interrupted: false }
    }

    /// Whether `^C` interrupted the shell itself since the last call: the terminal echoed `^C` and the cursor is
    /// still on that line.
    pub fn take_interrupted(&mut self) -> bool {
        core::mem::take(&mut self.interrupted)
    }

    fn owns_terminal(&self) -> bool {
        self.role == Role::Interactive { terminal: true }
    }

    /// In a new child process: the job-control signals go back to their defaults, and the child has no terminal
    /// to manage.
    fn become_child(&mut self) {
        if self.role != Role::Plain {
            signals::restore_job_control();
        }
        signals::forget_caught();
        self.role = Role::Plain;
    }

    /// Starts a program in a forked child, which joins its group, waits at `gate` if there is one, and execs; a
    /// failed exec is reported by the child, which ends with 127 or 126.
    fn fork_program(&mut self, request: &SpawnRequest<'_>, gate: Option<Gate>) -> Result<Pid, OsError> {
        match process::fork().map_err(os_error)? {
            ForkResult::Child => {
                self.become_child();
                let _ = join_group(0, request.group);
                if let Some(gate) = gate {
                    gate.pass();
                }
                let error = os_error(launch::exec(request));
                eprintln!("sh: {}: {error}", request.path);
                process::exit(launch_failure_status(&error))
            }
            ForkResult::Parent { child } => {
                if let Some(gate) = gate {
                    self.gates.hold(gate);
                }
                Ok(child as Pid)
            }
        }
    }
}

/// Moves process `pid` (0: the caller) into the group a request asks for.
fn join_group(pid: Pid, group: ProcessGroup) -> Result<(), Error> {
    match group {
        ProcessGroup::Inherit => Ok(()),
        ProcessGroup::New => process::setpgid(pid as usize, 0),
        ProcessGroup::Join(pgid) => process::setpgid(pid as usize, pgid as usize),
    }
}

/// A descriptor the shell created: a standard stream among them must survive exec (the others are meant to be
/// close-on-exec).
fn created(fd: usize) -> Fd {
    if fd <= 2 {
        let _ = fd::fcntl(fd, F_SETFD, 0);
    }
    fd as Fd
}

/// What the caller with `uid` and `gid` may do with a file: read, write, execute (search).
fn access(metadata: &Metadata, uid: u32, gid: u32) -> (bool, bool, bool) {
    let stat = metadata.stat();
    let mode = stat.st_mode & MODE_PERM;
    if uid == 0 {
        return (true, true, metadata.is_dir() || mode & 0o111 != 0);
    }
    let bits = if stat.st_uid == uid {
        mode >> 6
    } else if stat.st_gid == gid {
        mode >> 3
    } else {
        mode
    };
    (bits & 4 != 0, bits & 2 != 0, bits & 1 != 0)
}

impl Os for CairnOs {
    fn pipe(&mut self) -> Result<(Fd, Fd), OsError> {
        let (read, write) = fd::pipe(O_CLOEXEC).map_err(os_error)?;
        Ok((created(read.into_raw()), created(write.into_raw())))
    }

    fn open(&mut self, path: &str, mode: OpenMode) -> Result<Fd, OsError> {
        let mut options = OpenOptions::new();
        match mode {
            OpenMode::Read => options.read(true),
            OpenMode::WriteTruncate => options.write(true).create(true).truncate(true),
            OpenMode::Append => options.append(true).create(true),
            OpenMode::ReadWrite => options.read(true).write(true).create(true),
        };
        options.mode((0o666 & !self.umask) as u16);
        let file = options.open(path).map_err(os_error)?;
        Ok(created(file.into_raw_fd()))
    }

    fn duplicate(&mut self, fd: Fd, min: Fd) -> Result<Fd, OsError> {
        fd::fcntl(fd as usize, F_DUPFD_CLOEXEC, min as usize).map(created).map_err(os_error)
    }

    fn dup2(&mut self, from: Fd, to: Fd) -> Result<(), OsError> {
        fd::dup2(from as usize, to as usize, rights::ALL).map(drop).map_err(os_error)
    }

    fn close(&mut self, fd: Fd) -> Result<(), OsError> {
        fd::close(fd as usize).map_err(os_error)
    }

    fn read(&mut self, fd: Fd, buf: &mut [u8]) -> Result<usize, OsError> {
        io::read_fd(fd as usize, buf).map_err(os_error)
    }

    fn write(&mut self, fd: Fd, data: &[u8]) -> Result<usize, OsError> {
        io::write_fd(fd as usize, data).map_err(os_error)
    }

    fn spawn(&mut self, request: &SpawnRequest<'_>) -> Result<Pid, OsError> {
        self.gates.open_all();
        let gated = self.owns_terminal() && request.group != ProcessGroup::Inherit;
        let pid = if gated {
            let gate = Gate::new().map_err(os_error)?;
            self.fork_program(request, Some(gate))?
        } else if launch::spawn_suffices(request.fds) {
            launch::spawn(request).map_err(os_error)? as Pid
        } else {
            self.fork_program(request, None)?
        };
        let _ = join_group(pid, request.group);
        Ok(pid)
    }

    fn exec(&mut self, request: &SpawnRequest<'_>) -> Result<i32, OsError> {
        self.gates.open_all();
        if self.role != Role::Plain {
            signals::restore_job_control();
        }
        let error = launch::exec(request);
        if self.role != Role::Plain {
            signals::set_aside_job_control();
        }
        Err(os_error(error))
    }

    fn fork(&mut self) -> Result<ForkOutcome, OsError> {
        self.gates.open_all();
        match process::fork().map_err(os_error)? {
            ForkResult::Child => {
                self.become_child();
                Ok(ForkOutcome::Child)
            }
            ForkResult::Parent { child } => Ok(ForkOutcome::Parent(child as Pid)),
        }
    }

    fn exit_child(&mut self, status: i32) -> Pid {
        process::exit(status)
    }

    fn wait(&mut self, pid: Pid, mode: WaitMode) -> Result<Option<WaitStatus>, OsError> {
        self.gates.open_all();
        let options = match mode {
            WaitMode::Block => WUNTRACED,
            WaitMode::Poll => WUNTRACED | WNOHANG,
        };
        let Some((_, status)) = process::waitpid(WaitTarget::Pid(pid as usize), options).map_err(os_error)? else {
            return Ok(None);
        };
        let change = if let Some(code) = status.code() {
            WaitStatus::Exited(code)
        } else if let Some(signal) = status.signal() {
            WaitStatus::Signaled(signal as Signal)
        } else if let Some(signal) = status.stopped_signal() {
            WaitStatus::Stopped(signal as Signal)
        } else {
            return Err(OsError::Other(EIO));
        };
        Ok(Some(change))
    }

    fn kill(&mut self, target: KillTarget, signal: Signal) -> Result<(), OsError> {
        let signal = usize::try_from(signal).map_err(|_| OsError::InvalidArgument)?;
        match target {
            KillTarget::Process(pid) => signal::kill(pid as usize, signal),
            KillTarget::Group(pgid) => signal::kill_group(pgid as usize, signal),
        }
        .map_err(os_error)
    }

    fn set_process_group(&mut self, pid: Pid, group: Pid) -> Result<(), OsError> {
        process::setpgid(pid as usize, group as usize).map_err(os_error)
    }

    fn set_foreground_group(&mut self, group: Pid) -> Result<(), OsError> {
        let result = if self.owns_terminal() { tty::set_foreground_group(0, group as usize) } else { Ok(()) };
        self.gates.open_all();
        result.map_err(os_error)
    }

    fn process_group(&mut self) -> Pid {
        process::getpgid(0).unwrap_or_else(|_| process::id()) as Pid
    }

    fn getpid(&mut self) -> Pid {
        process::id() as Pid
    }

    fn user_id(&mut self) -> u32 {
        process::getuid()
    }

    fn user_name(&mut self, uid: u32) -> Option<String> {
        let passwd = fs::read_to_string(PASSWD).ok()?;
        cairn_accounts::users(&passwd).flatten().find(|user| user.uid == Uid(uid)).map(|user| user.name)
    }

    fn chdir(&mut self, path: &str) -> Result<(), OsError> {
        env::set_current_dir(path).map_err(os_error)
    }

    fn getcwd(&mut self) -> Result<String, OsError> {
        env::current_dir().map_err(os_error)
    }

    fn list_dir(&mut self, path: &str) -> Result<Vec<DirEntry>, OsError> {
        let entries = fs::read_dir(path).map_err(os_error)?;
        let directory = path.trim_end_matches('/');
        let entries = entries.into_iter().map(|(name, kind)| {
            let is_dir = match kind {
                EntryKind::Dir => true,
                EntryKind::File => false,
                EntryKind::Symlink => fs::metadata(&format!("{directory}/{name}")).is_ok_and(|target| target.is_dir()),
            };
            DirEntry { name, is_dir }
        });
        Ok(entries.collect())
    }

    fn stat(&mut self, path: &str) -> Result<FileStatus, OsError> {
        let link = fs::symlink_metadata(path).map_err(os_error)?;
        let metadata = if link.is_symlink() { fs::metadata(path).map_err(os_error)? } else { link };
        let kind = if metadata.is_dir() {
            FileKind::Directory
        } else if metadata.is_file() {
            FileKind::Regular
        } else {
            FileKind::Other
        };
        let (readable, writable, executable) = access(&metadata, process::getuid(), process::getgid());
        Ok(FileStatus { kind, is_symlink: link.is_symlink(), size: metadata.len(), readable, writable, executable })
    }

    fn environment(&mut self) -> Vec<(String, String)> {
        env::vars().collect()
    }

    fn set_signal_action(&mut self, signal: Signal, action: SignalAction) -> Result<(), OsError> {
        let action = match (action, self.role) {
            (SignalAction::Default, Role::Interactive { .. }) => signals::interactive_action(signal).unwrap_or(action),
            _ => action,
        };
        signals::apply(signal, action).map_err(os_error)
    }

    fn take_caught_signal(&mut self) -> Option<Signal> {
        let signal = signals::take_caught();
        if signal == Some(SIGINT as Signal) && self.role != Role::Plain {
            self.interrupted = true;
        }
        signal
    }

    fn umask(&mut self, new: Option<u32>) -> u32 {
        let old = self.umask;
        if let Some(mask) = new {
            self.umask = mask & 0o777;
        }
        old
    }

    fn get_limit(&mut self, resource: Resource) -> Result<ResourceLimit, OsError> {
        let limit = process::get_limit(resource_number(resource)).map_err(os_error)?;
        let finite = |value: u64| (value != process::resource::INFINITY).then_some(value);
        Ok(ResourceLimit { soft: finite(limit.current), hard: finite(limit.maximum) })
    }

    fn set_limit(&mut self, resource: Resource, limit: ResourceLimit) -> Result<(), OsError> {
        let value = |value: Option<u64>| value.unwrap_or(process::resource::INFINITY);
        let limit = process::Limit { current: value(limit.soft), maximum: value(limit.hard) };
        process::set_limit(resource_number(resource), limit).map_err(os_error)
    }
}

/// The kernel's number for a resource (`cairn_abi::limit`, Linux's `RLIMIT_*`).
fn resource_number(resource: Resource) -> usize {
    match resource {
        Resource::Threads => process::resource::THREADS,
        Resource::Files => process::resource::FILES,
        Resource::AddressSpace => process::resource::ADDRESS_SPACE,
    }
}
