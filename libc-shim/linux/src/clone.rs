//! `clone` flags and `futex` operations: what musl's `__clone` callers
//! (`pthread_create`, `posix_spawn`, `fork`-like uses) and its locks ask
//! for, sorted into what Cairn can do.

use cairn_abi::error;

pub const CLONE_VM: usize = 0x100;
pub const CLONE_FS: usize = 0x200;
pub const CLONE_FILES: usize = 0x400;
pub const CLONE_SIGHAND: usize = 0x800;
pub const CLONE_VFORK: usize = 0x4000;
pub const CLONE_THREAD: usize = 0x10000;
pub const CLONE_SYSVSEM: usize = 0x40000;
pub const CLONE_SETTLS: usize = 0x80000;
pub const CLONE_PARENT_SETTID: usize = 0x100000;
pub const CLONE_CHILD_CLEARTID: usize = 0x200000;
pub const CLONE_DETACHED: usize = 0x400000;
/// The signal a child process sends its parent when it ends.
const EXIT_SIGNAL: usize = 0xff;
const SIGCHLD: usize = 17;

/// What a `clone` becomes on Cairn.
#[derive(Debug, PartialEq, Eq)]
pub enum CloneKind {
    /// A thread of this process (`thread_create`), with the new thread
    /// pointer, and where to write and clear its id.
    Thread { set_parent_tid: bool, clear_child_tid: bool },
    /// A new process (`fork`) that runs the function on the given stack.
    /// `CLONE_VM` with `CLONE_VFORK` (posix_spawn's) is allowed: the child
    /// gets a copy of the memory instead of sharing it, which a child that
    /// only execs or reports through a pipe cannot tell apart.
    Process,
}

/// Sorts `clone` flags (`EINVAL` for combinations Cairn cannot give: a
/// thread must share memory, files, file-system state and signal handlers
/// and get its own thread pointer; a process shares nothing but may be a
/// `vfork`).
pub fn clone_kind(flags: usize) -> Result<CloneKind, i32> {
    let thread_needs = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SETTLS;
    let thread_extras = CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED;
    if flags & CLONE_THREAD != 0 {
        if flags & thread_needs != thread_needs || flags & !(thread_needs | thread_extras) != 0 {
            return Err(error::EINVAL);
        }
        return Ok(CloneKind::Thread {
            set_parent_tid: flags & CLONE_PARENT_SETTID != 0,
            clear_child_tid: flags & CLONE_CHILD_CLEARTID != 0,
        });
    }
    let signal = flags & EXIT_SIGNAL;
    let rest = flags & !EXIT_SIGNAL;
    let vm = rest & CLONE_VM != 0;
    if (signal != 0 && signal != SIGCHLD) || rest & !(CLONE_VM | CLONE_VFORK) != 0 || (vm && rest & CLONE_VFORK == 0) {
        return Err(error::EINVAL);
    }
    Ok(CloneKind::Process)
}

/// A `futex` operation Cairn can do.
#[derive(Debug, PartialEq, Eq)]
pub enum FutexOp {
    /// Sleep while the word holds the value (relative time-out, if any).
    Wait,
    /// Wake up to this many sleepers.
    Wake,
    /// `FUTEX_REQUEUE`/`FUTEX_CMP_REQUEUE`: Cairn cannot move sleepers to
    /// another word, so they are all woken (`wake + requeue` of them) and
    /// find their word changed, as after a spurious wake-up, which every
    /// futex user must already handle. `Some(value)`: the word must hold it
    /// first (`CMP_REQUEUE`), else `EAGAIN`.
    WakeInsteadOfRequeue { expect: Option<u32> },
}

const FUTEX_WAIT: usize = 0;
const FUTEX_WAKE: usize = 1;
const FUTEX_REQUEUE: usize = 3;
const FUTEX_CMP_REQUEUE: usize = 4;
const FUTEX_PRIVATE_FLAG: usize = 128;

/// Sorts a `futex` operation word (`ENOSYS` for the operations Cairn does
/// not have: PI locks, bitsets, `WAKE_OP`; a realtime-clock wait too,
/// since Cairn's time-outs are relative).
pub fn futex_op(op: usize, val3: usize) -> Result<FutexOp, i32> {
    match op & !FUTEX_PRIVATE_FLAG {
        FUTEX_WAIT => Ok(FutexOp::Wait),
        FUTEX_WAKE => Ok(FutexOp::Wake),
        FUTEX_REQUEUE => Ok(FutexOp::WakeInsteadOfRequeue { expect: None }),
        FUTEX_CMP_REQUEUE => Ok(FutexOp::WakeInsteadOfRequeue { expect: Some(val3 as u32) }),
        _ => Err(error::ENOSYS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The flags of musl 1.2.3's `pthread_create`.
    const PTHREAD: usize = CLONE_VM
        | CLONE_FS
        | CLONE_FILES
        | CLONE_SIGHAND
        | CLONE_THREAD
        | CLONE_SYSVSEM
        | CLONE_SETTLS
        | CLONE_PARENT_SETTID
        | CLONE_CHILD_CLEARTID
        | CLONE_DETACHED;

    #[test]
    fn threads() {
        assert_eq!(clone_kind(PTHREAD), Ok(CloneKind::Thread { set_parent_tid: true, clear_child_tid: true }));
        // A thread without its own TLS or without shared files: refused.
        assert_eq!(clone_kind(PTHREAD & !CLONE_SETTLS), Err(error::EINVAL));
        assert_eq!(clone_kind(PTHREAD & !CLONE_FILES), Err(error::EINVAL));
        // CLONE_NEWNS (0x20000) and other namespaces: refused.
        assert_eq!(clone_kind(PTHREAD | 0x20000), Err(error::EINVAL));
    }

    #[test]
    fn processes() {
        // posix_spawn's.
        assert_eq!(clone_kind(CLONE_VM | CLONE_VFORK | SIGCHLD), Ok(CloneKind::Process));
        assert_eq!(clone_kind(SIGCHLD), Ok(CloneKind::Process));
        // Shared memory without a vfork wait cannot be given.
        assert_eq!(clone_kind(CLONE_VM | SIGCHLD), Err(error::EINVAL));
        assert_eq!(clone_kind(CLONE_FILES | SIGCHLD), Err(error::EINVAL));
        assert_eq!(clone_kind(CLONE_VFORK | 10), Err(error::EINVAL));
    }

    #[test]
    fn futex_ops() {
        assert_eq!(futex_op(FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0), Ok(FutexOp::Wait));
        assert_eq!(futex_op(FUTEX_WAKE, 0), Ok(FutexOp::Wake));
        assert_eq!(futex_op(FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG, 0), Ok(FutexOp::WakeInsteadOfRequeue { expect: None }));
        assert_eq!(futex_op(FUTEX_CMP_REQUEUE, 7), Ok(FutexOp::WakeInsteadOfRequeue { expect: Some(7) }));
        // FUTEX_WAIT_BITSET, FUTEX_LOCK_PI, FUTEX_WAKE_OP; a realtime wait.
        for op in [9, 6, 5, 256] {
            assert_eq!(futex_op(op, 0), Err(error::ENOSYS), "{op}");
        }
    }
}
