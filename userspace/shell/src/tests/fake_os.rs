//! An in-memory [`Os`] for the tests: a file system, pipes, a descriptor table per simulated process, and
//! external programs written in Rust.
//!
//! Processes run one after another to completion: a spawned program runs inside `spawn`, and a forked child is
//! the interpreter itself running in-process between `fork` (which returns `Child`) and `exit_child` (which
//! restores the parent's descriptors and directory and returns the child's pid). Pipes are unbounded buffers, so
//! a pipeline's writer finishes before its reader starts. Programs can ask to keep running or to stop when waited
//! for, to exercise job control.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::format;
use std::rc::Rc;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

use crate::os::{
    DirEntry, Fd, FileKind, FileStatus, ForkOutcome, KillTarget, OpenMode, Os, OsError, Pid, ProcessGroup, Resource,
    ResourceLimit, Signal, SignalAction, SpawnRequest, WaitMode, WaitStatus,
};
use crate::signal::{SIGCONT, SIGINT, SIGTSTP};
use cairn_text::path::normalize;

/// A program: gets its process context and returns its exit status.
pub type Program = fn(&mut Process<'_>) -> i32;

/// A node of the in-memory file system.
#[derive(Clone, Debug)]
pub enum Node {
    File { data: Vec<u8>, executable: bool, readable: bool },
    Directory,
    Symlink(String),
}

/// A buffered pipe; readers see end of file once no write end is open.
#[derive(Default)]
struct Pipe {
    data: VecDeque<u8>,
    writers: usize,
}

/// A write end, counted while it exists.
struct PipeWriter(Rc<RefCell<Pipe>>);

impl PipeWriter {
    fn new(pipe: Rc<RefCell<Pipe>>) -> Self {
        pipe.borrow_mut().writers += 1;
        PipeWriter(pipe)
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        self.0.borrow_mut().writers -= 1;
    }
}

/// An open file description, shared by duplicated descriptors.
enum Description {
    File {
        path: String,
        offset: usize,
        append: bool,
        readable: bool,
        writable: bool,
    },
    PipeRead(Rc<RefCell<Pipe>>),
    PipeWrite(PipeWriter),
    /// The terminal's input.
    Input(Rc<RefCell<VecDeque<u8>>>),
    /// The terminal's output (standard output or standard error, captured).
    Output(Rc<RefCell<Vec<u8>>>),
}

type Shared = Rc<RefCell<Description>>;

/// How a program's process behaves after its code has run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lifetime {
    /// It has exited.
    Finished,
    /// It keeps running until waited for with blocking.
    RunsUntilWaited,
    /// The first blocking wait finds it stopped by SIGTSTP (as if ^Z were typed); continued, it runs until waited.
    StopsWhenWaited,
    /// The first blocking wait finds it killed by SIGINT (as if ^C were typed).
    InterruptedWhenWaited,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RunState {
    Running,
    Stopped { signal: Signal, reported: bool },
    Exited(i32),
    Signaled(Signal),
}

#[derive(Clone, Debug)]
struct SimulatedProcess {
    state: RunState,
    lifetime: Lifetime,
    status: i32,
    pgid: Pid,
}

/// One simulated process's view: its descriptors, working directory and signal actions.
struct Frame {
    pid: Pid,
    fds: BTreeMap<Fd, Shared>,
    cwd: String,
    signal_actions: BTreeMap<Signal, SignalAction>,
    /// Set by `exec`: how the program that replaced the process behaves.
    replaced: Option<(Lifetime, i32)>,
    /// The limits on threads, files and address space, in [`limit_index`] order.
    limits: [ResourceLimit; 3],
}

/// The limits a simulated shell starts with: those of a 512 MiB Cairn machine.
pub const INITIAL_LIMITS: [ResourceLimit; 3] = [
    ResourceLimit { soft: Some(2013), hard: Some(2013) },
    ResourceLimit { soft: Some(256), hard: Some(256) },
    ResourceLimit { soft: None, hard: None },
];

/// Where a resource's limit is in [`Frame::limits`].
fn limit_index(resource: Resource) -> usize {
    match resource {
        Resource::Threads => 0,
        Resource::Files => 1,
        Resource::AddressSpace => 2,
    }
}

/// The simulated system.
pub struct FakeOs {
    pub files: BTreeMap<String, Node>,
    programs: BTreeMap<String, Program>,
    frames: Vec<Frame>,
    processes: BTreeMap<Pid, SimulatedProcess>,
    next_pid: Pid,
    pub stdin: Rc<RefCell<VecDeque<u8>>>,
    pub stdout: Rc<RefCell<Vec<u8>>>,
    pub stderr: Rc<RefCell<Vec<u8>>>,
    pub env: Vec<(String, String)>,
    pub uid: u32,
    /// The user database: uid and name.
    pub users: Vec<(u32, String)>,
    pub umask: u32,
    /// Every `set_foreground_group` call.
    pub foreground_log: Vec<Pid>,
    /// Every `kill` call.
    pub kill_log: Vec<(KillTarget, Signal)>,
    /// The foreground group (the last `set_foreground_group`) when each `kill` was called.
    pub foreground_at_kill: Vec<Option<Pid>>,
    /// Every argv a program was started with (spawn or exec).
    pub program_log: Vec<Vec<String>>,
    pub caught_signals: VecDeque<Signal>,
}

pub const SHELL_PID: Pid = 100;

impl FakeOs {
    /// A system with `/`, `/bin`, `/tmp` and `/home/user` (the working directory).
    pub fn new() -> Self {
        let stdin = Rc::new(RefCell::new(VecDeque::new()));
        let stdout = Rc::new(RefCell::new(Vec::new()));
        let stderr = Rc::new(RefCell::new(Vec::new()));
        let mut fds: BTreeMap<Fd, Shared> = BTreeMap::new();
        fds.insert(0, Rc::new(RefCell::new(Description::Input(stdin.clone()))));
        fds.insert(1, Rc::new(RefCell::new(Description::Output(stdout.clone()))));
        fds.insert(2, Rc::new(RefCell::new(Description::Output(stderr.clone()))));
        let mut os = FakeOs {
            files: BTreeMap::new(),
            programs: BTreeMap::new(),
            frames: vec![Frame {
                pid: SHELL_PID,
                fds,
                cwd: String::from("/home/user"),
                signal_actions: BTreeMap::new(),
                replaced: None,
                limits: INITIAL_LIMITS,
            }],
            processes: BTreeMap::new(),
            next_pid: 1000,
            stdin,
            stdout,
            stderr,
            env: vec![
                (String::from("HOME"), String::from("/home/user")),
                (String::from("PATH"), String::from("/bin")),
                (String::from("USER"), String::from("user")),
            ],
            uid: 1000,
            users: vec![(0, String::from("root")), (1000, String::from("user"))],
            umask: 0o022,
            foreground_log: Vec::new(),
            kill_log: Vec::new(),
            foreground_at_kill: Vec::new(),
            program_log: Vec::new(),
            caught_signals: VecDeque::new(),
        };
        for dir in ["/", "/bin", "/tmp", "/home", "/home/user"] {
            os.files.insert(String::from(dir), Node::Directory);
        }
        os
    }

    /// Installs a program at `path`.
    pub fn install(&mut self, path: &str, program: Program) {
        self.files.insert(String::from(path), Node::File { data: Vec::new(), executable: true, readable: true });
        self.programs.insert(String::from(path), program);
    }

    /// Creates a file (and its parent directories).
    pub fn write_file(&mut self, path: &str, contents: &str) {
        let path = normalize(path);
        let mut parent = String::new();
        for part in path.split('/').filter(|part| !part.is_empty()).collect::<Vec<_>>().split_last().unwrap().1 {
            parent.push('/');
            parent.push_str(part);
            self.files.insert(parent.clone(), Node::Directory);
        }
        self.files.insert(path, Node::File { data: contents.as_bytes().to_vec(), executable: false, readable: true });
    }

    pub fn make_dir(&mut self, path: &str) {
        self.files.insert(normalize(path), Node::Directory);
    }

    /// The contents of a file, if it exists.
    pub fn file(&self, path: &str) -> Option<String> {
        match self.files.get(&normalize(path)) {
            Some(Node::File { data, .. }) => Some(String::from_utf8_lossy(data).into_owned()),
            _ => None,
        }
    }

    /// How many simulated processes were created (forks and spawns).
    pub fn processes_created(&self) -> u32 {
        self.next_pid - 1000
    }

    /// What the shell itself does with a signal.
    pub fn signal_action(&self, signal: Signal) -> Option<SignalAction> {
        self.frames[0].signal_actions.get(&signal).copied()
    }

    /// The process group of a simulated process.
    pub fn pgid_of(&self, pid: Pid) -> Option<Pid> {
        self.processes.get(&pid).map(|process| process.pgid)
    }

    fn frame(&self) -> &Frame {
        self.frames.last().expect("the shell's frame")
    }

    fn frame_mut(&mut self) -> &mut Frame {
        self.frames.last_mut().expect("the shell's frame")
    }

    fn absolute(&self, path: &str) -> String {
        if path.starts_with('/') { normalize(path) } else { normalize(&format!("{}/{path}", self.frame().cwd)) }
    }

    /// Follows symbolic links.
    fn resolve(&self, path: &str) -> Option<(String, &Node)> {
        let mut current = self.absolute(path);
        for _ in 0..8 {
            match self.files.get(&current)? {
                Node::Symlink(target) => current = self.absolute(target),
                node => return Some((current, node)),
            }
        }
        None
    }

    fn parent_exists(&self, path: &str) -> bool {
        let parent = match path.rfind('/') {
            Some(0) => "/",
            Some(index) => &path[..index],
            None => return false,
        };
        matches!(self.files.get(parent), Some(Node::Directory))
    }

    fn description(&self, fd: Fd) -> Result<Shared, OsError> {
        self.frame().fds.get(&fd).cloned().ok_or(OsError::BadDescriptor)
    }

    fn lowest_free(&self, min: Fd) -> Fd {
        (min..).find(|fd| !self.frame().fds.contains_key(fd)).unwrap()
    }

    /// The soft open-files limit: new descriptors are below it.
    fn fd_limit(&self) -> Fd {
        self.frame().limits[limit_index(Resource::Files)]
            .soft
            .map_or(Fd::MAX, |limit| Fd::try_from(limit).unwrap_or(Fd::MAX))
    }

    /// Stores a new description at the lowest free descriptor, which must be below the open-files limit.
    fn allocate(&mut self, description: Description) -> Result<Fd, OsError> {
        let fd = self.lowest_free(0);
        if fd >= self.fd_limit() {
            return Err(OsError::TooManyFiles);
        }
        self.frame_mut().fds.insert(fd, Rc::new(RefCell::new(description)));
        Ok(fd)
    }

    fn new_pid(&mut self) -> Pid {
        let pid = self.next_pid;
        self.next_pid += 1;
        pid
    }

    fn current_pgid(&self) -> Pid {
        let pid = self.frame().pid;
        self.processes.get(&pid).map_or(SHELL_PID, |process| process.pgid)
    }

    /// The descriptor table of a new program, from the request's mappings.
    fn mapped_fds(&self, request: &SpawnRequest<'_>) -> Result<BTreeMap<Fd, Shared>, OsError> {
        let mut fds = BTreeMap::new();
        for mapping in request.fds {
            fds.insert(mapping.child, self.description(mapping.parent)?);
        }
        Ok(fds)
    }

    /// Runs the program of a request in a frame; returns how it behaves and its status.
    fn run_program(&mut self, request: &SpawnRequest<'_>, pid: Pid) -> Result<(Lifetime, i32), OsError> {
        let path = self.absolute(request.path);
        let program = match self.files.get(&path) {
            Some(Node::File { executable: true, .. }) => {
                self.programs.get(&path).copied().ok_or(OsError::NotExecutable)?
            }
            Some(Node::File { .. }) => return Err(OsError::PermissionDenied),
            Some(_) => return Err(OsError::PermissionDenied),
            None => return Err(OsError::NotFound),
        };
        let fds = self.mapped_fds(request)?;
        let cwd = self.frame().cwd.clone();
        let signal_actions = BTreeMap::new();
        let limits = self.frame().limits;
        self.frames.push(Frame { pid, fds, cwd, signal_actions, replaced: None, limits });
        self.program_log.push(request.argv.to_vec());
        let mut process =
            Process { os: self, argv: request.argv.to_vec(), env: request.env.to_vec(), lifetime: Lifetime::Finished };
        let status = program(&mut process);
        let lifetime = process.lifetime;
        self.frames.pop();
        Ok((lifetime, status))
    }

    fn record(&mut self, pid: Pid, pgid: Pid, lifetime: Lifetime, status: i32) {
        let state = if lifetime == Lifetime::Finished { RunState::Exited(status) } else { RunState::Running };
        self.processes.insert(pid, SimulatedProcess { state, lifetime, status, pgid });
    }
}

/// What a program sees while it runs.
pub struct Process<'a> {
    os: &'a mut FakeOs,
    pub argv: Vec<String>,
    pub env: Vec<String>,
    lifetime: Lifetime,
}

impl Process<'_> {
    /// Everything on standard input.
    pub fn stdin(&mut self) -> String {
        let mut data = Vec::new();
        let mut buffer = [0u8; 256];
        loop {
            match self.os.read(0, &mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(count) => data.extend_from_slice(&buffer[..count]),
            }
        }
        String::from_utf8_lossy(&data).into_owned()
    }

    /// The contents of a file named by an argument, relative to the working directory.
    pub fn read_file(&mut self, path: &str) -> Option<String> {
        let (_, node) = self.os.resolve(path)?;
        match node {
            Node::File { data, .. } => Some(String::from_utf8_lossy(data).into_owned()),
            _ => None,
        }
    }

    /// The names in a directory, sorted.
    pub fn list(&mut self, path: &str) -> Option<Vec<String>> {
        let mut names: Vec<String> = self.os.list_dir(path).ok()?.into_iter().map(|entry| entry.name).collect();
        names.sort();
        Some(names)
    }

    pub fn print(&mut self, text: &str) -> bool {
        self.os.write(1, text.as_bytes()).is_ok()
    }

    pub fn eprint(&mut self, text: &str) {
        let _ = self.os.write(2, text.as_bytes());
    }

    pub fn keep_running(&mut self) {
        self.lifetime = Lifetime::RunsUntilWaited;
    }

    pub fn stop_when_waited(&mut self) {
        self.lifetime = Lifetime::StopsWhenWaited;
    }

    pub fn interrupt_when_waited(&mut self) {
        self.lifetime = Lifetime::InterruptedWhenWaited;
    }
}

impl Os for FakeOs {
    fn pipe(&mut self) -> Result<(Fd, Fd), OsError> {
        let pipe = Rc::new(RefCell::new(Pipe::default()));
        let read = self.allocate(Description::PipeRead(pipe.clone()))?;
        let write = match self.allocate(Description::PipeWrite(PipeWriter::new(pipe))) {
            Ok(write) => write,
            Err(error) => {
                self.frame_mut().fds.remove(&read);
                return Err(error);
            }
        };
        Ok((read, write))
    }

    fn open(&mut self, path: &str, mode: OpenMode) -> Result<Fd, OsError> {
        let absolute = self.absolute(path);
        let existing = self.resolve(path).map(|(resolved, node)| (resolved, node.clone()));
        let (resolved, readable) = match existing {
            Some((_, Node::Directory)) if mode != OpenMode::Read => return Err(OsError::IsADirectory),
            Some((resolved, Node::Directory)) => (resolved, true),
            Some((resolved, Node::File { readable, .. })) => (resolved, readable),
            Some((_, Node::Symlink(_))) => return Err(OsError::NotFound),
            None if mode == OpenMode::Read => return Err(OsError::NotFound),
            None if !self.parent_exists(&absolute) => return Err(OsError::NotFound),
            None => {
                self.files.insert(absolute.clone(), Node::File { data: Vec::new(), executable: false, readable: true });
                (absolute, true)
            }
        };
        if mode == OpenMode::Read && !readable {
            return Err(OsError::PermissionDenied);
        }
        if mode == OpenMode::WriteTruncate
            && let Some(Node::File { data, .. }) = self.files.get_mut(&resolved)
        {
            data.clear();
        }
        let description = Description::File {
            path: resolved,
            offset: 0,
            append: mode == OpenMode::Append,
            readable: matches!(mode, OpenMode::Read | OpenMode::ReadWrite),
            writable: mode != OpenMode::Read,
        };
        self.allocate(description)
    }

    /// As Cairn's kernel, a copy goes below the open-files limit (`EINVAL` when `min` is not, `EMFILE` when
    /// full).
    fn duplicate(&mut self, fd: Fd, min: Fd) -> Result<Fd, OsError> {
        let description = self.description(fd)?;
        if min >= self.fd_limit() {
            return Err(OsError::InvalidArgument);
        }
        let new = self.lowest_free(min);
        if new >= self.fd_limit() {
            return Err(OsError::TooManyFiles);
        }
        self.frame_mut().fds.insert(new, description);
        Ok(new)
    }

    /// As Cairn's kernel, `to` must be below the open-files limit.
    fn dup2(&mut self, from: Fd, to: Fd) -> Result<(), OsError> {
        let description = self.description(from)?;
        if to >= self.fd_limit() {
            return Err(OsError::BadDescriptor);
        }
        self.frame_mut().fds.insert(to, description);
        Ok(())
    }

    fn close(&mut self, fd: Fd) -> Result<(), OsError> {
        self.frame_mut().fds.remove(&fd).map(|_| ()).ok_or(OsError::BadDescriptor)
    }

    fn read(&mut self, fd: Fd, buf: &mut [u8]) -> Result<usize, OsError> {
        let description = self.description(fd)?;
        let mut description = description.borrow_mut();
        match &mut *description {
            Description::File { path, offset, readable: true, .. } => {
                let Some(Node::File { data, .. }) = self.files.get(path.as_str()) else { return Ok(0) };
                let available = data.len().saturating_sub(*offset);
                let count = available.min(buf.len());
                buf[..count].copy_from_slice(&data[*offset..*offset + count]);
                *offset += count;
                Ok(count)
            }
            Description::PipeRead(pipe) => {
                let mut pipe = pipe.borrow_mut();
                if pipe.data.is_empty() {
                    assert_eq!(pipe.writers, 0, "read from an empty pipe whose write end is open would block");
                    return Ok(0);
                }
                let count = pipe.data.len().min(buf.len());
                for (slot, byte) in buf.iter_mut().zip(pipe.data.drain(..count)) {
                    *slot = byte;
                }
                Ok(count)
            }
            Description::Input(input) => {
                let mut input = input.borrow_mut();
                let count = input.len().min(buf.len());
                for (slot, byte) in buf.iter_mut().zip(input.drain(..count)) {
                    *slot = byte;
                }
                Ok(count)
            }
            _ => Err(OsError::BadDescriptor),
        }
    }

    fn write(&mut self, fd: Fd, data: &[u8]) -> Result<usize, OsError> {
        let description = self.description(fd)?;
        let mut description = description.borrow_mut();
        match &mut *description {
            Description::File { path, offset, append, writable: true, .. } => {
                let Some(Node::File { data: contents, .. }) = self.files.get_mut(path.as_str()) else {
                    return Err(OsError::NotFound);
                };
                if *append {
                    *offset = contents.len();
                }
                let end = *offset + data.len();
                if contents.len() < end {
                    contents.resize(end, 0);
                }
                contents[*offset..end].copy_from_slice(data);
                *offset = end;
                Ok(data.len())
            }
            Description::PipeWrite(writer) => {
                writer.0.borrow_mut().data.extend(data);
                Ok(data.len())
            }
            Description::Output(output) => {
                output.borrow_mut().extend_from_slice(data);
                Ok(data.len())
            }
            _ => Err(OsError::BadDescriptor),
        }
    }

    fn spawn(&mut self, request: &SpawnRequest<'_>) -> Result<Pid, OsError> {
        let pid = self.new_pid();
        let pgid = match request.group {
            ProcessGroup::New => pid,
            ProcessGroup::Join(pgid) => pgid,
            ProcessGroup::Inherit => self.current_pgid(),
        };
        let (lifetime, status) = self.run_program(request, pid)?;
        self.record(pid, pgid, lifetime, status);
        Ok(pid)
    }

    fn exec(&mut self, request: &SpawnRequest<'_>) -> Result<i32, OsError> {
        let pid = self.frame().pid;
        let (lifetime, status) = self.run_program(request, pid)?;
        self.frame_mut().replaced = Some((lifetime, status));
        Ok(status)
    }

    fn fork(&mut self) -> Result<ForkOutcome, OsError> {
        let pid = self.new_pid();
        let pgid = self.current_pgid();
        let fds = self.frame().fds.clone();
        let cwd = self.frame().cwd.clone();
        let signal_actions = self.frame().signal_actions.clone();
        let limits = self.frame().limits;
        self.processes
            .insert(pid, SimulatedProcess { state: RunState::Running, lifetime: Lifetime::Finished, status: 0, pgid });
        self.frames.push(Frame { pid, fds, cwd, signal_actions, replaced: None, limits });
        Ok(ForkOutcome::Child)
    }

    fn exit_child(&mut self, status: i32) -> Pid {
        assert!(self.frames.len() > 1, "exit_child in the shell itself");
        let frame = self.frames.pop().unwrap();
        let (lifetime, status) = frame.replaced.unwrap_or((Lifetime::Finished, status));
        let pgid = self.processes.get(&frame.pid).map_or(SHELL_PID, |process| process.pgid);
        self.record(frame.pid, pgid, lifetime, status);
        frame.pid
    }

    fn wait(&mut self, pid: Pid, mode: WaitMode) -> Result<Option<WaitStatus>, OsError> {
        let process = self.processes.get_mut(&pid).ok_or(OsError::NoChild)?;
        let change = match process.state {
            RunState::Exited(code) => Some(WaitStatus::Exited(code)),
            RunState::Signaled(signal) => Some(WaitStatus::Signaled(signal)),
            RunState::Stopped { signal, reported: false } => {
                process.state = RunState::Stopped { signal, reported: true };
                return Ok(Some(WaitStatus::Stopped(signal)));
            }
            RunState::Stopped { .. } | RunState::Running if mode == WaitMode::Poll => return Ok(None),
            RunState::Stopped { .. } => panic!("blocking wait for a stopped process would never return"),
            RunState::Running => match process.lifetime {
                Lifetime::StopsWhenWaited => {
                    process.lifetime = Lifetime::RunsUntilWaited;
                    process.state = RunState::Stopped { signal: SIGTSTP, reported: true };
                    return Ok(Some(WaitStatus::Stopped(SIGTSTP)));
                }
                Lifetime::InterruptedWhenWaited => Some(WaitStatus::Signaled(SIGINT)),
                _ => Some(WaitStatus::Exited(process.status)),
            },
        };
        self.processes.remove(&pid);
        Ok(change)
    }

    fn kill(&mut self, target: KillTarget, signal: Signal) -> Result<(), OsError> {
        self.kill_log.push((target, signal));
        self.foreground_at_kill.push(self.foreground_log.last().copied());
        let mut found = false;
        for (pid, process) in &mut self.processes {
            let selected = match target {
                KillTarget::Process(target) => *pid == target,
                KillTarget::Group(group) => process.pgid == group,
            };
            if !selected {
                continue;
            }
            found = true;
            process.state = match (process.state, signal) {
                (RunState::Stopped { .. }, SIGCONT) => RunState::Running,
                (state @ (RunState::Exited(_) | RunState::Signaled(_)), _) | (state, SIGCONT) => state,
                (RunState::Running, SIGTSTP) => RunState::Stopped { signal, reported: false },
                (_, signal) => RunState::Signaled(signal),
            };
        }
        if found { Ok(()) } else { Err(OsError::Other(3)) }
    }

    fn set_process_group(&mut self, pid: Pid, group: Pid) -> Result<(), OsError> {
        let pid = if pid == 0 { self.frame().pid } else { pid };
        let group = if group == 0 { pid } else { group };
        if let Some(process) = self.processes.get_mut(&pid) {
            process.pgid = group;
        }
        Ok(())
    }

    fn set_foreground_group(&mut self, group: Pid) -> Result<(), OsError> {
        self.foreground_log.push(group);
        Ok(())
    }

    fn process_group(&mut self) -> Pid {
        SHELL_PID
    }

    fn getpid(&mut self) -> Pid {
        self.frame().pid
    }

    fn user_id(&mut self) -> u32 {
        self.uid
    }

    fn user_name(&mut self, uid: u32) -> Option<String> {
        self.users.iter().find(|(id, _)| *id == uid).map(|(_, name)| name.clone())
    }

    fn chdir(&mut self, path: &str) -> Result<(), OsError> {
        match self.resolve(path) {
            Some((resolved, Node::Directory)) => {
                self.frame_mut().cwd = resolved;
                Ok(())
            }
            Some(_) => Err(OsError::NotADirectory),
            None => Err(OsError::NotFound),
        }
    }

    fn getcwd(&mut self) -> Result<String, OsError> {
        Ok(self.frame().cwd.clone())
    }

    fn list_dir(&mut self, path: &str) -> Result<Vec<DirEntry>, OsError> {
        let (directory, node) = self.resolve(path).ok_or(OsError::NotFound)?;
        if !matches!(node, Node::Directory) {
            return Err(OsError::NotADirectory);
        }
        let prefix = if directory == "/" { String::from("/") } else { format!("{directory}/") };
        let entries = self
            .files
            .iter()
            .filter_map(|(path, node)| {
                let name = path.strip_prefix(&prefix)?;
                (!name.is_empty() && !name.contains('/'))
                    .then(|| DirEntry { name: name.to_string(), is_dir: matches!(node, Node::Directory) })
            })
            .collect();
        Ok(entries)
    }

    fn stat(&mut self, path: &str) -> Result<FileStatus, OsError> {
        let is_symlink = matches!(self.files.get(&self.absolute(path)), Some(Node::Symlink(_)));
        let (_, node) = self.resolve(path).ok_or(OsError::NotFound)?;
        if path.ends_with('/') && !matches!(node, Node::Directory) {
            return Err(OsError::NotADirectory);
        }
        Ok(match node {
            Node::Directory => FileStatus {
                kind: FileKind::Directory,
                is_symlink,
                size: 0,
                readable: true,
                writable: true,
                executable: true,
            },
            Node::File { data, executable, readable } => FileStatus {
                kind: FileKind::Regular,
                is_symlink,
                size: data.len() as u64,
                readable: *readable,
                writable: true,
                executable: *executable,
            },
            Node::Symlink(_) => return Err(OsError::NotFound),
        })
    }

    fn environment(&mut self) -> Vec<(String, String)> {
        self.env.clone()
    }

    fn set_signal_action(&mut self, signal: Signal, action: SignalAction) -> Result<(), OsError> {
        if signal == crate::signal::SIGKILL {
            return Err(OsError::Other(22));
        }
        self.frame_mut().signal_actions.insert(signal, action);
        Ok(())
    }

    fn take_caught_signal(&mut self) -> Option<Signal> {
        self.caught_signals.pop_front()
    }

    fn umask(&mut self, new: Option<u32>) -> u32 {
        let old = self.umask;
        if let Some(mask) = new {
            self.umask = mask;
        }
        old
    }

    fn get_limit(&mut self, resource: Resource) -> Result<ResourceLimit, OsError> {
        Ok(self.frame().limits[limit_index(resource)])
    }

    /// As Cairn's kernel: the soft limit may not exceed the hard one, and only root raises a hard limit.
    fn set_limit(&mut self, resource: Resource, limit: ResourceLimit) -> Result<(), OsError> {
        let unlimited = |value: Option<u64>| value.unwrap_or(u64::MAX);
        let root = self.uid == 0;
        let slot = &mut self.frame_mut().limits[limit_index(resource)];
        if unlimited(limit.soft) > unlimited(limit.hard) {
            return Err(OsError::InvalidArgument);
        }
        if unlimited(limit.hard) > unlimited(slot.hard) && !root {
            return Err(OsError::NotPermitted);
        }
        *slot = limit;
        Ok(())
    }
}
