//! The out-of-memory policy: when a user page cannot be had, the process
//! holding the most user memory is killed, so that the machine keeps
//! running instead of failing whichever program asked next (its page
//! tables and kernel stacks count with its pages). Never chosen:
//! init and root's scheme servers (the root file system, the terminals) —
//! the services everything else needs. If the faulting process is itself
//! the largest, it is the one to go; if nobody can be chosen, the fault
//! is fatal to the faulting thread (SIGSEGV, as any fault the address space cannot resolve).

use cairn_abi::wait;

use super::{INIT_PID, Pid, ProcessState, Tasks};

/// What the faulting thread should do after [`Tasks::reclaim_memory`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reclaim {
    /// A victim is dying: fault again once it has gone.
    Retry,
    /// Nobody can be killed for it: the fault is fatal to the faulter.
    Impossible,
}

impl Tasks {
    /// Frees memory for process `faulting` by killing the largest process
    /// that may be killed (see the module documentation).
    pub fn reclaim_memory(&mut self, faulting: Pid) -> Reclaim {
        let dying = self.processes.values().any(|p| p.exiting.is_some() && p.space.is_some() && p.pid != faulting);
        if dying {
            return Reclaim::Retry;
        }
        let victim = self
            .processes
            .values()
            .filter(|p| p.pid != INIT_PID && !matches!(p.state, ProcessState::Zombie { .. }))
            .filter(|p| !(p.uid == 0 && p.fds.serves_a_scheme()))
            .filter_map(|p| Some((p.space.as_ref()?.resident_pages() + p.kernel_bytes() / 4096, p.pid)))
            .max();
        let Some((pages, pid)) = victim else { return Reclaim::Impossible };
        let name = self.processes[&pid].name.clone();
        log::warn!("out of memory: killed pid {} ({name}) holding {} KiB", pid.0, pages * 4);
        self.begin_exit(pid, wait::signaled(cairn_abi::signal::SIGKILL as u8));
        Reclaim::Retry
    }
}
