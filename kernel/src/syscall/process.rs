//! Process system calls: exit, fork, execve, spawn, waitpid, identities,
//! process groups and sessions, and kernel statistics.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use cairn_abi::scheme::MAX_PAYLOAD;
use cairn_abi::signal::{SIG_IGN, SigAction};
use cairn_abi::{
    AT_FDCWD, CpuInfo, DEFAULT_PRIORITY, Error, MODE_FILE, MODE_TYPE, MemoryInfo, O_RDONLY, Result, Stat, SysInfo,
    error, rights, wait,
};

use super::file;
use super::resolve::{self, Place};
use super::{Outcome, user};
use crate::arch::gdt::{USER_CODE_SELECTOR, USER_DATA_SELECTOR};
use crate::arch::trap::TrapFrame;
use crate::exec::{self, LoadedImage};
use crate::fd::{FdTable, Handle, Object};
use crate::mm::frames;
use crate::namespace;
use crate::scheme::ClientHandle;
use crate::task::limits::Limits;
use crate::task::process::WorkingDirectory;
use crate::task::signal::{send_from_user, send_from_user_to_thread};
use crate::task::{self, INIT_PID, Pid, Process, ProcessState, Tasks, Thread, Tid, WaitReason};
use crate::{initfs, percpu};

fn errno(code: i32) -> Error {
    Error::new(code)
}

/// RFLAGS a new user context starts with: interrupts on.
const INITIAL_RFLAGS: u64 = 0x202;

pub fn exit(status: usize) -> Result<usize> {
    task::with(|tasks| {
        let pid = tasks.current_pid();
        tasks.begin_exit(pid, wait::exited(status as u8));
    });
    Ok(0)
}

/// Points a frame at a fresh user context.
fn reset_frame(frame: &mut TrapFrame, entry: u64, stack_pointer: u64) {
    // SAFETY: `TrapFrame` is plain integers; all zeroes is a valid value.
    *frame = unsafe { core::mem::zeroed() };
    frame.rip = entry;
    frame.rsp = stack_pointer;
    frame.rflags = INITIAL_RFLAGS;
    frame.cs = USER_CODE_SELECTOR;
    frame.ss = USER_DATA_SELECTOR;
}

/// Where an executable comes from.
#[derive(Clone, Copy)]
enum Executable<'a> {
    /// A path, relative to the working directory.
    Path(&'a str),
    /// An fd with the EXEC right.
    Fd(usize),
}

/// The bytes of an executable.
enum ExecutableData {
    Initfs(&'static [u8]),
    Read(Vec<u8>),
}

impl ExecutableData {
    fn bytes(&self) -> &[u8] {
        match self {
            ExecutableData::Initfs(data) => data,
            ExecutableData::Read(data) => data,
        }
    }
}

/// Largest executable read from a scheme (initfs programs are a few
/// hundred KiB; the whole initfs is a few MiB).
pub const MAX_EXECUTABLE: usize = 16 << 20;

/// Reads a whole executable through its scheme: it must be a regular file
/// with an execute bit. The size the server claims is only checked against
/// [`MAX_EXECUTABLE`], never reserved: the buffer grows (fallibly) with the
/// bytes that actually arrive, one bounded read at a time, and a waiting
/// read is interruptible like any scheme call.
fn read_executable(client: &ClientHandle) -> Result<Vec<u8>> {
    let stat: Stat = file::scheme_fstat(client)?;
    if stat.st_mode & MODE_TYPE != MODE_FILE || stat.st_mode & 0o111 == 0 {
        return Err(errno(error::EACCES));
    }
    if stat.st_size > MAX_EXECUTABLE as u64 {
        return Err(errno(error::ENOMEM));
    }
    let mut data: Vec<u8> = Vec::new();
    loop {
        let chunk = file::scheme_read(client, MAX_PAYLOAD, Some(data.len() as u64))?;
        if chunk.is_empty() {
            return Ok(data);
        }
        let total = data.len() + chunk.len();
        if total > MAX_EXECUTABLE {
            return Err(errno(error::ENOMEM));
        }
        if total > data.capacity() {
            let target = (data.capacity() * 2).clamp(total, MAX_EXECUTABLE);
            data.try_reserve_exact(target - data.len()).map_err(|_| errno(error::ENOMEM))?;
        }
        data.extend_from_slice(&chunk);
    }
}

/// The bytes of the executable `source` names.
fn executable(source: Executable) -> Result<ExecutableData> {
    let path = match source {
        Executable::Path(path) => path,
        Executable::Fd(fd) => {
            let object =
                task::with(|tasks| tasks.current_process().fds.get(fd, rights::EXEC).map(|h| h.object.clone()))?;
            return match object {
                Object::InitfsFile { data, .. } => Ok(ExecutableData::Initfs(data)),
                Object::SchemeHandle(client) => read_executable(&client).map(ExecutableData::Read),
                _ => Err(errno(error::EACCES)),
            };
        }
    };
    match resolve::place(AT_FDCWD, path)? {
        Place::Initfs(path) => initfs_executable(&path),
        Place::User(user) => {
            let client = file::open_client(user, O_RDONLY, 0)?;
            let data = read_executable(&client);
            file::release_client(client);
            data.map(ExecutableData::Read)
        }
        _ => Err(errno(error::EACCES)),
    }
}

/// An initfs file with an execute bit.
fn initfs_executable(path: &str) -> Result<ExecutableData> {
    let file = initfs::file(path).ok_or(errno(error::ENOENT))?;
    if !file.mode.is_executable() {
        return Err(errno(error::EACCES));
    }
    Ok(ExecutableData::Initfs(file.data))
}

/// Loads the executable `source` names with the caller's identity.
fn load(source: Executable, argv: &[Vec<u8>], envp: &[Vec<u8>]) -> Result<LoadedImage> {
    exec::check_arguments(argv, envp)?;
    let (uid, gid) = task::with(|tasks| {
        let process = tasks.current_process();
        (process.uid, process.gid)
    });
    let data = executable(source)?;
    exec::load(data.bytes(), argv, envp, uid, gid)
}

/// The name a process started from `source` gets: the path, or `argv[0]`.
fn process_name(source: Executable, argv: &[Vec<u8>]) -> String {
    match source {
        Executable::Path(path) => String::from(path),
        Executable::Fd(_) => argv.first().map(|a| String::from_utf8_lossy(a).into_owned()).unwrap_or_default(),
    }
}

/// Creates a process running `image` as a child of `parent`.
pub fn create_process(
    tasks: &mut Tasks,
    parent: Option<Pid>,
    name: String,
    image: LoadedImage,
    fds: FdTable,
) -> Result<Pid> {
    let (penalty, affinity) = match parent {
        Some(parent) => {
            tasks.check_new_thread(parent)?;
            let me = tasks.current_thread();
            (me.child_penalty(), me.affinity)
        }
        None => (0, crate::task::affinity::CpuSet::ALL),
    };
    let pid = tasks.allocate_pid();
    let tid = tasks.allocate_tid();
    let mut thread = Thread::new(tid, pid, DEFAULT_PRIORITY).map_err(|_| errno(error::ENOMEM))?;
    thread.penalty = penalty;
    thread.affinity = affinity;
    reset_frame(thread.frame(), image.entry, image.stack_pointer);
    let (parent_pid, pgid, sid, uid, gid, namespace, cwd, limits, terminal) = match parent
        .and_then(|p| tasks.processes.get(&p))
    {
        Some(p) => {
            (p.pid, p.pgid, p.sid, p.uid, p.gid, p.namespace.clone(), p.cwd.clone(), p.limits, p.terminal.clone())
        }
        None => (pid, pid, pid, 0, 0, crate::namespace::initial(), WorkingDirectory::root(), Limits::initial(), None),
    };
    let umask = parent.and_then(|p| tasks.processes.get(&p)).map_or(cairn_abi::INITIAL_UMASK as u32, |p| p.umask);
    tasks.processes.insert(
        pid,
        Process {
            pid,
            parent: parent_pid,
            pgid,
            sid,
            uid,
            gid,
            name,
            space: Some({
                let mut space = image.space;
                space.set_kernel_limit(limits.kernel_memory.current);
                space
            }),
            threads: alloc::vec![tid],
            finished_threads: Default::default(),
            children: Vec::new(),
            fds,
            state: ProcessState::Running,
            exiting: None,
            actions: [SigAction::default(); 32],
            pending: 0,
            mmap_top: image.mmap_top,
            namespace,
            cwd,
            end: Default::default(),
            io_permissions: None,
            limits,
            terminal,
            umask,
        },
    );
    if let Some(parent) = parent.and_then(|p| tasks.processes.get_mut(&p)) {
        parent.children.push(pid);
    }
    tasks.add_thread(thread);
    Ok(pid)
}

pub fn spawn(a: [usize; 6]) -> Result<usize> {
    let path = user::read_path(a[0], a[1])?;
    spawn_from(Executable::Path(&path), a[2], a[3], a[4], a[5])
}

pub fn spawn_fd(a: [usize; 6]) -> Result<usize> {
    spawn_from(Executable::Fd(a[0]), a[1], a[2], a[3], a[4])
}

fn spawn_from(source: Executable, argv: usize, argc: usize, envp: usize, envc: usize) -> Result<usize> {
    let mut budget = exec::ArgumentBudget::full();
    let argv = user::read_strings(argv, argc, &mut budget)?;
    let envp = user::read_strings(envp, envc, &mut budget)?;
    let image = load(source, &argv, &envp)?;
    let name = process_name(source, &argv);
    task::with(|tasks| {
        let me = tasks.current_pid();
        let fds = tasks.current_process().fds.standard_streams();
        create_process(tasks, Some(me), name, image, fds).map(|pid| pid.0 as usize)
    })
}

pub fn fork(frame: &TrapFrame) -> Result<usize> {
    task::with(|tasks| {
        tasks.check_new_thread(tasks.current_pid())?;
        let pid = tasks.allocate_pid();
        let tid = tasks.allocate_tid();
        let parent_thread = tasks.current_thread();
        let (priority, penalty, fs_base, mask, affinity) = (
            parent_thread.priority,
            parent_thread.child_penalty(),
            parent_thread.fs_base,
            parent_thread.signal_mask,
            parent_thread.affinity,
        );
        let mut thread = Thread::new(tid, pid, priority).map_err(|_| errno(error::ENOMEM))?;
        thread.penalty = penalty;
        thread.affinity = affinity;
        crate::arch::fpu::save_live();
        thread.fpu.0 = tasks.current_thread().fpu.0;
        thread.fs_base = fs_base;
        thread.signal_mask = mask;
        *thread.frame() = frame.clone();
        thread.frame().rax = 0;
        let parent = tasks.current_process();
        let space = parent.space().fork().map_err(|_| errno(error::ENOMEM))?;
        let child = Process {
            pid,
            parent: parent.pid,
            pgid: parent.pgid,
            sid: parent.sid,
            uid: parent.uid,
            gid: parent.gid,
            name: parent.name.clone(),
            space: Some(Box::new(space)),
            threads: alloc::vec![tid],
            finished_threads: Default::default(),
            children: Vec::new(),
            fds: parent.fds.clone(),
            state: ProcessState::Running,
            exiting: None,
            actions: parent.actions,
            pending: 0,
            mmap_top: parent.mmap_top,
            namespace: parent.namespace.clone(),
            cwd: parent.cwd.clone(),
            end: Default::default(),
            io_permissions: parent.io_permissions.clone(),
            limits: parent.limits,
            terminal: parent.terminal.clone(),
            umask: parent.umask,
        };
        parent.children.push(pid);
        tasks.processes.insert(pid, child);
        tasks.add_thread(thread);
        Ok(pid.0 as usize)
    })
}

pub fn execve(a: [usize; 6], frame: &mut TrapFrame) -> Outcome {
    match user::read_path(a[0], a[1]) {
        Ok(path) => exec_from(Executable::Path(&path), [a[2], a[3], a[4], a[5]], frame),
        Err(e) => Outcome::Value(Err(e)),
    }
}

pub fn fexecve(a: [usize; 6], frame: &mut TrapFrame) -> Outcome {
    exec_from(Executable::Fd(a[0]), [a[1], a[2], a[3], a[4]], frame)
}

/// `execve`: `strings` holds the argv and envp tables and counts. Only a
/// single-threaded process may replace its image (`EBUSY`).
fn exec_from(source: Executable, strings: [usize; 4], frame: &mut TrapFrame) -> Outcome {
    let loaded = (|| {
        let mut budget = exec::ArgumentBudget::full();
        let argv = user::read_strings(strings[0], strings[1], &mut budget)?;
        let envp = user::read_strings(strings[2], strings[3], &mut budget)?;
        if task::with(|tasks| tasks.current_process().threads.len()) > 1 {
            return Err(errno(error::EBUSY));
        }
        Ok((load(source, &argv, &envp)?, process_name(source, &argv)))
    })();
    let (image, name) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => return Outcome::Value(Err(e)),
    };
    task::with(|tasks| tasks.replace_image(image.space, image.mmap_top, name));
    reset_frame(frame, image.entry, image.stack_pointer);
    Outcome::FrameReplaced
}

pub fn waitpid(pid: usize, status_address: usize, options: usize) -> Result<usize> {
    if options & !(wait::WNOHANG | wait::WUNTRACED) != 0 {
        return Err(errno(error::EINVAL));
    }
    loop {
        enum Found {
            Reaped(Pid, u32),
            Stopped(Pid, u32),
            NotYet,
        }
        let found = task::with(|tasks| -> Result<Found> {
            let me = tasks.current_pid();
            let my_group = tasks.current_process().pgid;
            let children = tasks.current_process().children.clone();
            let matches = |p: &Process| match pid as isize {
                -1 => true,
                0 => p.pgid == my_group,
                n if n > 0 => p.pid.0 as isize == n,
                n => p.pgid.0 as isize == -n,
            };
            let mut any = false;
            for child in children {
                let Some(process) = tasks.processes.get_mut(&child) else { continue };
                if !matches(process) {
                    continue;
                }
                any = true;
                match process.state {
                    ProcessState::Zombie { status } => {
                        tasks.processes.remove(&child);
                        tasks.current_process().children.retain(|c| *c != child);
                        return Ok(Found::Reaped(child, status));
                    }
                    ProcessState::Stopped { signal, reported: false } if options & wait::WUNTRACED != 0 => {
                        process.state = ProcessState::Stopped { signal, reported: true };
                        return Ok(Found::Stopped(child, wait::stopped(signal)));
                    }
                    _ => {}
                }
            }
            if !any {
                return Err(errno(error::ECHILD));
            }
            if options & wait::WNOHANG == 0 {
                tasks.block_current(WaitReason::Child, None);
            }
            let _ = me;
            Ok(Found::NotYet)
        })?;
        match found {
            Found::Reaped(child, status) | Found::Stopped(child, status) => {
                if status_address != 0 {
                    user::write_value(status_address, &status)?;
                }
                return Ok(child.0 as usize);
            }
            Found::NotYet if options & wait::WNOHANG != 0 => return Ok(0),
            Found::NotYet => {
                task::reschedule();
                if task::with(|tasks| tasks.current_thread().interrupted) {
                    return Err(errno(error::EINTR));
                }
            }
        }
    }
}

/// Runs without the big kernel lock (see `syscall::lockless`).
pub fn getpid() -> Result<usize> {
    Ok(percpu::current().running().0 as usize)
}

pub fn umask(mask: usize) -> Result<usize> {
    task::with(|tasks| {
        let process = tasks.current_process();
        let previous = process.umask;
        process.umask = (mask & 0o777) as u32;
        Ok(previous as usize)
    })
}

/// `mode`'s permission bits less the caller's `umask`, for a file or
/// directory it creates.
pub fn creation_mode(mode: usize) -> u64 {
    (mode & 0o7777 & !task::with(|tasks| tasks.current_process().umask as usize)) as u64
}

pub fn getppid() -> Result<usize> {
    Ok(task::with(|tasks| tasks.current_process().parent.0 as usize))
}

/// The process `pid` names (0 = the caller).
fn target(tasks: &mut Tasks, pid: usize) -> Result<Pid> {
    if pid == 0 {
        return Ok(tasks.current_pid());
    }
    let pid = Pid(u32::try_from(pid).map_err(|_| errno(error::ESRCH))?);
    tasks.processes.get(&pid).filter(|p| !matches!(p.state, ProcessState::Zombie { .. })).ok_or(errno(error::ESRCH))?;
    Ok(pid)
}

pub fn setpgid(pid: usize, pgid: usize) -> Result<usize> {
    task::with(|tasks| {
        let me = tasks.current_pid();
        let target = target(tasks, pid)?;
        let my_sid = tasks.current_process().sid;
        let process = &tasks.processes[&target];
        if target != me && process.parent != me {
            return Err(errno(error::ESRCH));
        }
        if process.sid != my_sid || process.sid == target {
            return Err(errno(error::EPERM));
        }
        let group = if pgid == 0 { target } else { Pid(u32::try_from(pgid).map_err(|_| errno(error::EINVAL))?) };
        let group_exists = group == target || tasks.processes.values().any(|p| p.pgid == group && p.sid == my_sid);
        if !group_exists {
            return Err(errno(error::EPERM));
        }
        tasks.processes.get_mut(&target).expect("checked").pgid = group;
        Ok(0)
    })
}

pub fn getpgid(pid: usize) -> Result<usize> {
    task::with(|tasks| {
        let target = target(tasks, pid)?;
        Ok(tasks.processes[&target].pgid.0 as usize)
    })
}

pub fn setsid() -> Result<usize> {
    task::with(|tasks| {
        let me = tasks.current_pid();
        if tasks.processes.values().any(|p| p.pgid == me) {
            return Err(errno(error::EPERM));
        }
        let process = tasks.current_process();
        process.sid = me;
        process.pgid = me;
        process.terminal = None;
        Ok(me.0 as usize)
    })
}

pub fn getsid(pid: usize) -> Result<usize> {
    task::with(|tasks| {
        let target = target(tasks, pid)?;
        Ok(tasks.processes[&target].sid.0 as usize)
    })
}

pub fn getuid() -> Result<usize> {
    Ok(task::with(|tasks| tasks.current_process().uid as usize))
}

pub fn getgid() -> Result<usize> {
    Ok(task::with(|tasks| tasks.current_process().gid as usize))
}

pub fn setuid(uid: usize) -> Result<usize> {
    let uid = u32::try_from(uid).map_err(|_| errno(error::EINVAL))?;
    task::with(|tasks| {
        let process = tasks.current_process();
        if process.uid != 0 && process.uid != uid {
            return Err(errno(error::EPERM));
        }
        process.uid = uid;
        Ok(0)
    })
}

pub fn setgid(gid: usize) -> Result<usize> {
    let gid = u32::try_from(gid).map_err(|_| errno(error::EINVAL))?;
    task::with(|tasks| {
        let process = tasks.current_process();
        if process.uid != 0 && process.gid != gid {
            return Err(errno(error::EPERM));
        }
        process.gid = gid;
        Ok(0)
    })
}

pub fn sysinfo(kind: usize, buffer: usize, len: usize) -> Result<usize> {
    let bytes: Vec<u8> = match SysInfo::from_number(kind).ok_or(errno(error::EINVAL))? {
        SysInfo::Memory => {
            let (free, total) = frames::stats();
            let info = MemoryInfo { total_frames: total, free_frames: free, frame_size: cairn_physmem::FRAME_SIZE };
            user::bytes_of(&info).to_vec()
        }
        SysInfo::Cpus => percpu::online()
            .iter()
            .flat_map(|cpu| {
                let info = CpuInfo {
                    index: cpu.index.0,
                    apic_id: cpu.apic_id.0,
                    context_switches: cpu.context_switches.load(core::sync::atomic::Ordering::Relaxed),
                    timer_ticks: cpu.timer_ticks.load(core::sync::atomic::Ordering::Relaxed),
                    user_ticks: cpu.user_ticks.load(core::sync::atomic::Ordering::Relaxed),
                };
                user::bytes_of(&info).to_vec()
            })
            .collect(),
    };
    if len == 0 {
        return Ok(bytes.len());
    }
    if len < bytes.len() {
        return Err(errno(error::EINVAL));
    }
    user::write_bytes(buffer, &bytes)?;
    Ok(bytes.len())
}

pub fn process_open(pid: usize) -> Result<usize> {
    let pid = Pid(u32::try_from(pid).map_err(|_| errno(error::ESRCH))?);
    task::with(|tasks| {
        let my_uid = tasks.current_process().uid;
        let target = tasks.processes.get(&pid).ok_or(errno(error::ESRCH))?;
        let mut granted = rights::READ | rights::LOOKUP | rights::DUP | rights::SEND;
        if my_uid == 0 || target.uid == my_uid {
            granted |= rights::SIGNAL;
        }
        let handle = Handle::new(Object::Process { pid, end: target.end.clone() }, granted);
        tasks.current_process().fds.insert(handle)
    })
}

pub fn thread_open(tid: usize) -> Result<usize> {
    let tid = Tid(u32::try_from(tid).map_err(|_| errno(error::ESRCH))?);
    task::with(|tasks| {
        let me = tasks.current_pid();
        let thread = tasks.threads.get(&tid).filter(|t| t.pid == me).ok_or(errno(error::ESRCH))?;
        let granted = rights::READ | rights::SIGNAL | rights::LOOKUP | rights::DUP | rights::SEND;
        let handle = Handle::new(Object::Thread { tid, end: thread.end.clone() }, granted);
        tasks.current_process().fds.insert(handle)
    })
}

/// Signals the process or thread a handle names; one that has ended (or
/// whose id now names another) is `ESRCH`.
pub fn signal_fd(fd: usize, sig: usize) -> Result<usize> {
    if sig > cairn_abi::signal::SIGNAL_MAX {
        return Err(errno(error::EINVAL));
    }
    task::with(|tasks| {
        let object = tasks.current_process().fds.get(fd, rights::SIGNAL)?.object.clone();
        match object {
            Object::Process { pid, end } => {
                let alive = tasks.processes.get(&pid).is_some_and(|p| Arc::ptr_eq(&p.end, &end));
                if !alive || end.lock().is_some() {
                    return Err(errno(error::ESRCH));
                }
                send_from_user(tasks, pid, sig);
            }
            Object::Thread { tid, end } => {
                let alive = tasks.threads.get(&tid).is_some_and(|t| Arc::ptr_eq(&t.end, &end));
                if !alive || end.lock().is_some() {
                    return Err(errno(error::ESRCH));
                }
                send_from_user_to_thread(tasks, tid, sig);
            }
            _ => return Err(errno(error::EINVAL)),
        }
        Ok(0)
    })
}

impl Tasks {
    /// `execve` succeeded: swap in the new image. The old address space is
    /// still loaded in CR3, so it is freed after the next switch.
    fn replace_image(&mut self, mut space: Box<crate::vm::AddressSpace>, mmap_top: u64, name: String) {
        space.set_kernel_limit(self.current_process().limits.kernel_memory.current);
        let cpu = percpu::current().index.0;
        let root = space.root();
        space.set_active(cpu, true);
        let process = self.current_process();
        let old = process.space.replace(space);
        process.mmap_top = mmap_top;
        process.name = name;
        for action in process.actions.iter_mut() {
            if action.handler != SIG_IGN {
                *action = SigAction::default();
            }
        }
        let closed = process.fds.take_cloexec();
        let frame = x86_64::structures::paging::PhysFrame::containing_address(x86_64::PhysAddr::new(root));
        // SAFETY: the new space maps the kernel half like every other.
        unsafe { x86_64::registers::control::Cr3::write(frame, x86_64::registers::control::Cr3Flags::empty()) };
        let thread = self.current_thread();
        crate::arch::fpu::discard_live();
        *thread.fpu = *crate::task::FpuArea::initial();
        thread.fs_base = 0;
        x86_64::registers::model_specific::FsBase::write(x86_64::VirtAddr::zero());
        if let Some(old) = old {
            old.set_active(cpu, false);
            self.defer_drop_space(*old);
        }
        let caller = self.caller();
        self.release_handles(closed, caller);
    }
}

/// Starts the first user process from the initfs: `command` is the
/// program path followed by its arguments; `root` (the command line's
/// `root=`) becomes its environment variable `ROOT`.
pub fn start_init(command: &[&str], root: Option<&str>) -> Result<Pid> {
    let path = command.first().ok_or(errno(error::ENOENT))?;
    let argv: Vec<Vec<u8>> = command.iter().map(|s| s.as_bytes().to_vec()).collect();
    let mut envp = alloc::vec![b"PATH=/bin".to_vec()];
    if let Some(root) = root {
        envp.push(alloc::format!("ROOT={root}").into_bytes());
    }
    exec::check_arguments(&argv, &envp)?;
    let data = initfs_executable(&namespace::initfs_path(path))?;
    let image = exec::load(data.bytes(), &argv, &envp, 0, 0)?;
    task::with(|tasks| create_process(tasks, None, String::from(*path), image, FdTable::with_console()))
        .inspect(|pid| debug_assert_eq!(*pid, INIT_PID))
}
