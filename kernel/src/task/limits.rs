//! Resource limits (POSIX `rlimit`): what one process, or all processes of
//! one user, may hold. A process inherits its parent's [`Limits`]; the
//! first process gets [`Limits::initial`], sized from the machine's memory
//! as Linux sizes its defaults. The counts themselves are taken from the
//! task tables when a limit is checked, so no second bookkeeping can drift.

use cairn_abi::limit::{self, INFINITY, Limit};
use cairn_abi::{Error, Result, error};
use cairn_physmem::FRAME_SIZE;

use super::{Pid, ProcessState, Tasks};
use crate::mm::frames;

/// Memory one thread is reckoned to cost when sizing the thread limits
/// (Linux's `threads-max` is memory / (8 × THREAD_SIZE), THREAD_SIZE 16 KiB).
const MEMORY_PER_THREAD: u64 = 128 * 1024;

/// The limits of one process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Threads of all the user's processes ([`limit::THREADS`]).
    pub threads: Limit,
    /// Open fds of the process ([`limit::FILES`]).
    pub files: Limit,
    /// Bytes of mapped address space ([`limit::ADDRESS_SPACE`]).
    pub address_space: Limit,
    /// Bytes of page tables ([`limit::KERNEL_MEMORY`]).
    pub kernel_memory: Limit,
}

impl Limits {
    /// The first process's limits: a user may run half of
    /// [`system_thread_limit`] threads (Linux's default `RLIMIT_NPROC`);
    /// 1,024 fds, raisable to what the fd table holds; address space and kernel memory
    /// unlimited (physical memory and the out-of-memory policy bound them).
    pub fn initial() -> Limits {
        let threads = system_thread_limit() / 2;
        Limits {
            threads: Limit { current: threads, maximum: threads },
            files: Limit { current: crate::fd::DEFAULT_FDS as u64, maximum: crate::fd::MAX_FDS as u64 },
            address_space: Limit { current: INFINITY, maximum: INFINITY },
            kernel_memory: Limit { current: INFINITY, maximum: INFINITY },
        }
    }

    fn slot(&mut self, resource: usize) -> Result<&mut Limit> {
        match resource {
            limit::THREADS => Ok(&mut self.threads),
            limit::FILES => Ok(&mut self.files),
            limit::ADDRESS_SPACE => Ok(&mut self.address_space),
            limit::KERNEL_MEMORY => Ok(&mut self.kernel_memory),
            _ => Err(Error::new(error::EINVAL)),
        }
    }

    /// The limit on `resource` (`EINVAL` for one Cairn does not limit).
    pub fn get(mut self, resource: usize) -> Result<Limit> {
        self.slot(resource).copied()
    }

    /// Sets the limit on `resource`: `current` may not exceed `maximum`
    /// (`EINVAL`), and only `root` may raise `maximum` (`EPERM`). The fd
    /// limit cannot exceed what the fd table holds.
    pub fn set(&mut self, resource: usize, new: Limit, root: bool) -> Result<()> {
        let slot = self.slot(resource)?;
        if new.current > new.maximum {
            return Err(Error::new(error::EINVAL));
        }
        if new.maximum > slot.maximum && !root {
            return Err(Error::new(error::EPERM));
        }
        if resource == limit::FILES && new.maximum > crate::fd::MAX_FDS as u64 {
            return Err(Error::new(error::EPERM));
        }
        *slot = new;
        Ok(())
    }
}

/// Threads the whole machine may run: one per [`MEMORY_PER_THREAD`] of
/// memory, so that thread stacks and tables can never take it all.
pub fn system_thread_limit() -> u64 {
    let (_, total_frames) = frames::stats();
    (total_frames * FRAME_SIZE / MEMORY_PER_THREAD).max(64)
}

impl Tasks {
    /// Threads of `uid`'s processes, counting each ended process not yet
    /// reaped as one (it still holds a process slot).
    pub fn threads_of_user(&self, uid: u32) -> u64 {
        self.processes
            .values()
            .filter(|p| p.uid == uid)
            .map(|p| match p.state {
                ProcessState::Zombie { .. } => 1,
                _ => p.threads.len().max(1) as u64,
            })
            .sum()
    }

    /// Whether process `pid` may start one more thread or process:
    /// `EAGAIN` when its user is at its thread limit (root is exempt) or the
    /// machine at [`system_thread_limit`].
    pub fn check_new_thread(&self, pid: Pid) -> Result<()> {
        let process = self.processes.get(&pid).ok_or(Error::new(error::ESRCH))?;
        let machine_full = self.threads.len() as u64 >= system_thread_limit();
        let user_full = process.uid != 0 && self.threads_of_user(process.uid) >= process.limits.threads.current;
        if machine_full || user_full {
            return Err(Error::new(error::EAGAIN));
        }
        Ok(())
    }
}
