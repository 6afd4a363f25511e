//! Per-process file descriptors: capability handles. Each fd names a kernel
//! object and carries rights (`cairn_abi::rights`), which only ever shrink.
//! Every call that takes an fd asks the table for the rights it needs;
//! lacking READ or WRITE is `EBADF` (as POSIX has it for fds opened the
//! other way), lacking any other right is `EACCES`.

use alloc::vec::Vec;

use cairn_abi::{Error, FdInfo, O_CLOEXEC, O_NONBLOCK, ObjectType, Result, error, rights};

use alloc::sync::Arc;

use crate::namespace::{KernelScheme, NamespaceRef};
use crate::pipe::PipeEnd;
use crate::scheme::{ClientHandle, Endpoint};
use crate::task::process::ProcessEnd;
use crate::task::{Pid, Tid};

/// A kernel object an fd can name.
#[derive(Clone, Debug)]
pub enum Object {
    /// The kernel console: writes go to the log sinks, reads see end of file.
    Console,
    /// A file of the initfs, with its read position.
    InitfsFile { data: &'static [u8], offset: u64 },
    /// One end of a pipe.
    Pipe(PipeEnd),
    /// The server side of a scheme.
    SchemeEndpoint(Endpoint),
    /// A handle served by a scheme.
    SchemeHandle(Arc<ClientHandle>),
    /// A namespace, to enter.
    Namespace(NamespaceRef),
    /// `null`, `zero` or `rand`.
    Device(KernelScheme),
    /// A `sys` file: text generated when it was opened.
    SysFile { data: Arc<[u8]>, offset: u64 },
    /// An event queue.
    EventQueue(crate::events::EventQueueRef),
    /// A timer.
    Timer(crate::events::TimerRef),
    /// A directory the kernel lists: its absolute path, (name, `DIRENT_*`
    /// kind) pairs and how many `getdents` has returned.
    Directory { path: Arc<str>, entries: Arc<[(alloc::string::String, u8)]>, cursor: usize },
    /// A process, and how it ended once it has.
    Process { pid: Pid, end: ProcessEnd },
    /// A thread of the holder's process, and its exit value once it ended.
    Thread { tid: Tid, end: ProcessEnd },
    /// The CPUs a process or thread may run on (`sched-affinity`).
    SchedAffinity(crate::task::affinity::AffinityTarget),
    /// A device interrupt (an ISA line or a message-signalled vector).
    Interrupt(Arc<crate::irq::InterruptClaim>),
    /// A claimed PCI function.
    DeviceContext(Arc<crate::device_context::DeviceContext>),
    /// A memory BAR of a device context: physical base and length (the
    /// context is kept claimed while the fd exists).
    DeviceMemory { _context: Arc<crate::device_context::DeviceContext>, base: u64, size: u64 },
    /// DMA memory of a device context: where its device reaches it (the
    /// mapping goes when the last fd does, before the pages may), its
    /// pages and size.
    DmaMemory {
        mapping: Arc<crate::device_context::DmaMapping>,
        pages: Arc<spin::Mutex<crate::vm::SharedPages>>,
        size: u64,
    },
    /// A device context's control file.
    DeviceControl(Arc<crate::device_context::DeviceContext>),
    /// The right to use a range of I/O ports.
    IoPorts(crate::io_ports::PortRange),
    /// `/scheme/sys/power`: writing `poweroff` or `reboot` does that.
    PowerSwitch,
    /// The boot framebuffer: read its geometry, map its memory.
    Framebuffer(crate::console::screen::FramebufferInfo),
    /// Shareable memory: its pages and its size in bytes.
    Memory { pages: Arc<spin::Mutex<crate::vm::SharedPages>>, size: u64 },
}

impl Object {
    pub fn object_type(&self) -> ObjectType {
        match self {
            Object::Console => ObjectType::Console,
            Object::InitfsFile { .. } => ObjectType::InitfsFile,
            Object::Pipe(end) if end.is_reader() => ObjectType::PipeRead,
            Object::Pipe(_) => ObjectType::PipeWrite,
            Object::SchemeEndpoint(_) => ObjectType::SchemeEndpoint,
            Object::SchemeHandle(_) => ObjectType::SchemeHandle,
            Object::Namespace(_) => ObjectType::Namespace,
            Object::Device(_) => ObjectType::Device,
            Object::SysFile { .. } => ObjectType::SysFile,
            Object::EventQueue(_) => ObjectType::EventQueue,
            Object::Timer(_) => ObjectType::Timer,
            Object::Memory { .. } => ObjectType::Memory,
            Object::Directory { .. } => ObjectType::Directory,
            Object::Process { .. } => ObjectType::Process,
            Object::Thread { .. } => ObjectType::Thread,
            Object::Interrupt(_) => ObjectType::Interrupt,
            Object::IoPorts(_) => ObjectType::IoPorts,
            Object::PowerSwitch => ObjectType::Device,
            Object::Framebuffer(_) => ObjectType::Framebuffer,
            Object::DeviceContext(_) => ObjectType::DeviceContext,
            Object::DeviceMemory { .. } => ObjectType::DeviceMemory,
            Object::DmaMemory { .. } => ObjectType::DmaMemory,
            Object::DeviceControl(_) => ObjectType::DeviceControl,
            Object::SchedAffinity(_) => ObjectType::SchedAffinity,
        }
    }
}

/// An fd: an object, the rights this fd has on it, and its flags.
#[derive(Clone, Debug)]
pub struct Handle {
    pub object: Object,
    pub rights: u32,
    pub cloexec: bool,
    pub nonblocking: bool,
}

impl Object {
    /// The device context an object belongs to, for the device objects.
    pub fn device_context(&self) -> Option<&Arc<crate::device_context::DeviceContext>> {
        match self {
            Object::DeviceContext(context)
            | Object::DeviceControl(context)
            | Object::DeviceMemory { _context: context, .. } => Some(context),
            Object::DmaMemory { mapping, .. } => Some(mapping.context()),
            _ => None,
        }
    }
}

impl Handle {
    pub fn new(object: Object, rights: u32) -> Handle {
        Handle { object, rights, cloexec: false, nonblocking: false }
    }

    /// The `O_CLOEXEC`/`O_NONBLOCK` bits of this fd.
    pub fn flags(&self) -> usize {
        (if self.cloexec { O_CLOEXEC } else { 0 }) | (if self.nonblocking { O_NONBLOCK } else { 0 })
    }

    pub fn info(&self) -> FdInfo {
        FdInfo { object_type: self.object.object_type() as u32, rights: self.rights, flags: self.flags() }
    }
}

/// Rights of the console fds of the first process.
pub const CONSOLE_RIGHTS: u32 = rights::READ | rights::WRITE | rights::DUP | rights::SEND;

/// Most fds a process may hold (the `FILES` maximum, as Linux's default
/// hard `RLIMIT_NOFILE`).
pub const MAX_FDS: usize = 4096;
/// The first process's `FILES` limit (Linux's default soft limit).
pub const DEFAULT_FDS: usize = 1024;

/// A process's descriptor table.
#[derive(Clone, Debug)]
pub struct FdTable {
    slots: Vec<Option<Handle>>,
    /// New fds are below this (the process's `FILES` limit, at most
    /// [`MAX_FDS`]); fds already above it stay usable, as POSIX has it.
    limit: usize,
}

impl Default for FdTable {
    fn default() -> FdTable {
        FdTable { slots: Vec::new(), limit: DEFAULT_FDS }
    }
}

impl FdTable {
    /// A table with the console on fds 0, 1 and 2.
    pub fn with_console() -> FdTable {
        let console = Some(Handle::new(Object::Console, CONSOLE_RIGHTS));
        FdTable { slots: alloc::vec![console.clone(), console.clone(), console], limit: DEFAULT_FDS }
    }

    /// A table holding copies of fds 0-2 of `self` (what `spawn` passes on).
    pub fn standard_streams(&self) -> FdTable {
        FdTable { slots: self.slots.iter().take(3).cloned().collect(), limit: self.limit }
    }

    /// Sets the bound on new fds (clamped to [`MAX_FDS`]).
    pub fn set_limit(&mut self, limit: u64) {
        self.limit = usize::try_from(limit).unwrap_or(MAX_FDS).min(MAX_FDS);
    }

    /// The fd, if it exists and carries every right in `needed`.
    pub fn get(&mut self, fd: usize, needed: u32) -> Result<&mut Handle> {
        let handle = self.slots.get_mut(fd).and_then(Option::as_mut).ok_or(Error::new(error::EBADF))?;
        let missing = needed & !handle.rights;
        if missing & (rights::READ | rights::WRITE) != 0 {
            return Err(Error::new(error::EBADF));
        }
        if missing != 0 {
            return Err(Error::new(error::EACCES));
        }
        Ok(handle)
    }

    /// Whether [`FdTable::insert`] would find a free fd.
    pub fn has_room(&self) -> bool {
        self.slots.len() < self.limit || self.slots.iter().take(self.limit).any(Option::is_none)
    }

    /// Stores `handle` at the lowest free fd.
    pub fn insert(&mut self, handle: Handle) -> Result<usize> {
        self.insert_from(0, handle)
    }

    /// Stores `handle` at the lowest free fd not below `lowest` (`fcntl`'s
    /// `F_DUPFD`).
    pub fn insert_from(&mut self, lowest: usize, handle: Handle) -> Result<usize> {
        if lowest >= self.limit {
            return Err(Error::new(error::EINVAL));
        }
        if let Some(fd) = self.slots.iter().take(self.limit).skip(lowest).position(Option::is_none) {
            self.slots[lowest + fd] = Some(handle);
            return Ok(lowest + fd);
        }
        let fd = self.slots.len().max(lowest);
        if fd >= self.limit {
            return Err(Error::new(error::EMFILE));
        }
        self.slots.resize(fd + 1, None);
        self.slots[fd] = Some(handle);
        Ok(fd)
    }

    /// Puts `handle` at `fd`, returning what was there.
    pub fn replace(&mut self, fd: usize, handle: Handle) -> Result<Option<Handle>> {
        if fd >= self.limit {
            return Err(Error::new(error::EBADF));
        }
        if self.slots.len() <= fd {
            self.slots.resize(fd + 1, None);
        }
        Ok(self.slots[fd].replace(handle))
    }

    pub fn remove(&mut self, fd: usize) -> Result<Handle> {
        self.slots.get_mut(fd).and_then(Option::take).ok_or(Error::new(error::EBADF))
    }

    /// Removes every close-on-exec fd (at `execve`) and returns them.
    pub fn take_cloexec(&mut self) -> Vec<Handle> {
        self.slots.iter_mut().filter(|s| s.as_ref().is_some_and(|h| h.cloexec)).filter_map(Option::take).collect()
    }

    /// Whether the table holds a scheme server's endpoint.
    pub fn serves_a_scheme(&self) -> bool {
        self.slots.iter().flatten().any(|h| matches!(h.object, Object::SchemeEndpoint(_)))
    }

    /// The I/O port ranges the table's fds grant.
    pub fn port_ranges(&self) -> impl Iterator<Item = crate::io_ports::PortRange> + '_ {
        self.slots.iter().flatten().filter_map(|h| match h.object {
            Object::IoPorts(range) => Some(range),
            _ => None,
        })
    }

    /// The numbers of the open fds, lowest first (`/dev/fd` lists them).
    /// Whether any fd's object satisfies `test`.
    pub fn holds(&self, test: impl Fn(&Object) -> bool) -> bool {
        self.slots.iter().flatten().any(|handle| test(&handle.object))
    }

    pub fn numbers(&self) -> Vec<usize> {
        self.slots.iter().enumerate().filter(|(_, slot)| slot.is_some()).map(|(fd, _)| fd).collect()
    }

    /// Removes every fd (at process exit) and returns them.
    pub fn take_all(&mut self) -> Vec<Handle> {
        self.slots.drain(..).flatten().collect()
    }
}
