//! A process: address space, threads, children, identity (ids, process
//! group, session), signal dispositions and its file descriptors.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use cairn_abi::signal::SigAction;

use super::ids::{Pid, Tid};
use crate::fd::FdTable;
use crate::scheme::ClientHandle;
use crate::vm::AddressSpace;

/// Whether a process runs, is stopped, or has ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessState {
    Running,
    /// Stopped by this signal; `reported` once a `waitpid` saw it.
    Stopped {
        signal: u8,
        reported: bool,
    },
    /// Ended with this wait status, waiting to be reaped.
    Zombie {
        status: u32,
    },
}

pub struct Process {
    pub pid: Pid,
    pub parent: Pid,
    pub pgid: Pid,
    pub sid: Pid,
    pub uid: u32,
    pub gid: u32,
    pub name: String,
    /// `None` once the process has ended.
    pub space: Option<Box<AddressSpace>>,
    pub threads: Vec<Tid>,
    /// Exit codes of finished threads not yet joined.
    pub finished_threads: BTreeMap<Tid, i32>,
    pub children: Vec<Pid>,
    pub fds: FdTable,
    pub state: ProcessState,
    /// Set when the process started to exit with this status.
    pub exiting: Option<u32>,
    /// Dispositions of signals 1..=31 (index = signal).
    pub actions: [SigAction; 32],
    /// Signals sent to the process as a whole.
    pub pending: u64,
    /// Where the next `mmap` without a hint goes (grows down; randomised).
    pub mmap_top: u64,
    /// The scheme names this process can reach.
    pub namespace: crate::namespace::NamespaceRef,
    pub cwd: WorkingDirectory,
    /// Set to the wait status when the process ends; process handles
    /// (`process_open`) share it.
    pub end: ProcessEnd,
    /// The I/O ports its `IoPorts` fds grant (loaded into the CPU's bitmap
    /// when its threads run).
    pub io_permissions: Option<Arc<crate::io_ports::IoPermissions>>,
    /// Resource limits, inherited by children.
    pub limits: super::limits::Limits,
    /// Permission bits cleared from the mode of files and directories it
    /// creates (`umask`), inherited by children.
    pub umask: u32,
    /// The controlling terminal's path (what `/dev/tty` leads to), shared
    /// by the session: set when a session leader without one opens a
    /// terminal, inherited by children, dropped by `setsid`.
    pub terminal: Option<Arc<str>>,
}

/// The working directory: the absolute, normalised path it was reached by,
/// and in a user scheme the directory handle itself, held open.
#[derive(Clone, Debug)]
pub struct WorkingDirectory {
    pub path: String,
    pub handle: Option<Arc<ClientHandle>>,
}

impl WorkingDirectory {
    /// The root directory.
    pub fn root() -> WorkingDirectory {
        WorkingDirectory { path: String::from("/"), handle: None }
    }
}

/// How a process or thread ended, once it has: shared by the kernel and
/// every handle on it.
pub type ProcessEnd = Arc<spin::Mutex<Option<u64>>>;

impl Process {
    pub fn space(&mut self) -> &mut AddressSpace {
        self.space.as_mut().expect("a live process has an address space")
    }

    /// Kernel memory it holds that grows with its use: its page tables and
    /// its threads' kernel stacks.
    pub fn kernel_bytes(&self) -> u64 {
        let stacks = self.threads.len() as u64 * crate::mm::stacks::KERNEL_STACK_PAGES * cairn_physmem::FRAME_SIZE;
        self.space.as_ref().map_or(0, |space| space.kernel_bytes()) + stacks
    }
}
