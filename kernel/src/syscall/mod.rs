//! System calls: the Rust side of the `syscall` entry. [`dispatch`] takes
//! the big kernel lock, decodes the call number (unknown numbers give
//! `ENOSYS`), runs the handler and prepares the return to user mode.
//! Handlers validate every argument; user memory is only reached through
//! the caller's address space (a bad pointer is `EFAULT`).

mod events;
mod file;
mod limits;
mod memory;
mod path;
mod process;
mod resolve;
mod signal;
mod thread;
mod user;

pub use process::start_init;

use cairn_abi::{Error, Result, Syscall, error};

use crate::arch::trap::TrapFrame;
use crate::task::{self, bkl};

/// What a handler did with the caller's registers.
pub enum Outcome {
    /// Return this result in RAX.
    Value(Result<usize>),
    /// The handler rewrote the whole frame (exec, sigreturn): leave RAX
    /// alone and restore every register.
    FrameReplaced,
    /// This value, returned at once: the handler released the big kernel
    /// lock (a wait in place for an interrupt, `task::in_place`). As for
    /// the lockless calls, whatever another CPU does for the thread
    /// meanwhile comes with an IPI that the return to user mode takes.
    Unlocked(usize),
}

impl From<Result<usize>> for Outcome {
    fn from(result: Result<usize>) -> Outcome {
        Outcome::Value(result)
    }
}

/// Entered from `syscall_entry` with the caller's frame. Returns 0 when the
/// fast `sysretq` return is allowed, 1 when every register must be restored.
pub extern "C" fn dispatch(frame: &mut TrapFrame) -> u64 {
    let a = [frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9].map(|v| v as usize);
    let number = frame.rax;
    let call = Syscall::from_number(number as usize);
    if let Some(result) = call.and_then(|call| lockless(call, a)) {
        frame.rax = Error::mux(result) as u64;
        return 0;
    }
    bkl::acquire();
    let outcome = match call {
        Some(call) => handle(call, a, frame),
        None => Outcome::Value(Err(Error::new(error::ENOSYS))),
    };
    if let Outcome::Unlocked(value) = outcome {
        frame.rax = value as u64;
        return 0;
    }
    let mut full_restore = match outcome {
        Outcome::Value(Err(e)) if e.errno == error::EINTR && call.is_some_and(restartable) && restart_interrupted() => {
            // Interrupted by a signal no handler takes (a stop, say): run
            // the call again once the thread goes on, as if it had waited.
            frame.rax = number;
            frame.rip -= SYSCALL_INSTRUCTION_LEN;
            true
        }
        Outcome::Value(result) => {
            frame.rax = Error::mux(result) as u64;
            false
        }
        Outcome::FrameReplaced => true,
        Outcome::Unlocked(_) => unreachable!("returned above"),
    };
    full_restore |= task::prepare_return(frame);
    if full_restore {
        // `iretq` goes through `return_to_user`, which restores from memory.
        crate::arch::fpu::save_live();
    }
    bkl::release();
    u64::from(full_restore)
}

/// Calls that only read what this CPU keeps about the thread it runs or
/// the clock, and change nothing but the caller's own memory: they run
/// without the big kernel lock and skip `task::prepare_return`, or give
/// `None` to take the locked path after all. Nothing is missed by skipping
/// it: whatever another CPU does for this thread meanwhile (a signal, a
/// more urgent thread queued here, a kill) comes with an IPI, taken as
/// soon as `sysretq` enables interrupts again, and its return path does
/// the work.
fn lockless(call: Syscall, a: [usize; 6]) -> Option<Result<usize>> {
    match call {
        Syscall::Getpid => Some(process::getpid()),
        Syscall::Gettid => Some(thread::gettid()),
        Syscall::ClockGettime => thread::clock_gettime_unlocked(a[0], a[1]),
        _ => None,
    }
}

/// Bytes of the `syscall` instruction (to run it again).
const SYSCALL_INSTRUCTION_LEN: u64 = 2;

/// Calls that restart after a signal without a handler interrupted them
/// (POSIX leaves the choice; Linux restarts these too). Others, such as
/// sleeps and event-queue waits, return `EINTR`.
fn restartable(call: Syscall) -> bool {
    use Syscall::*;
    matches!(call, Read | Write | Pread | Pwrite | Open | Openat)
}

fn restart_interrupted() -> bool {
    task::with(crate::task::signal::restart_interrupted)
}

fn handle(call: Syscall, a: [usize; 6], frame: &mut TrapFrame) -> Outcome {
    use Syscall::*;
    match call {
        Exit => process::exit(a[0]),
        Read => return file::read(a[0], a[1], a[2]),
        Write => file::write(a[0], a[1], a[2]),
        Open => file::open(a[0], a[1], a[2]),
        Close => file::close(a[0]),
        Fstat => file::fstat(a[0], a[1]),
        Lseek => file::lseek(a[0], a[1] as i64, a[2]),
        Mmap => memory::mmap(a[0], a[1], a[2], a[3], a[4]),
        Munmap => memory::munmap(a[0], a[1]),
        Mprotect => memory::mprotect(a[0], a[1], a[2]),
        Fork => process::fork(frame),
        Execve => return process::execve(a, frame),
        Spawn => process::spawn(a),
        Waitpid => process::waitpid(a[0], a[1], a[2]),
        Getpid => process::getpid(),
        Getppid => process::getppid(),
        Setpgid => process::setpgid(a[0], a[1]),
        Getpgid => process::getpgid(a[0]),
        Setsid => process::setsid(),
        Getsid => process::getsid(a[0]),
        Getuid => process::getuid(),
        Getgid => process::getgid(),
        Setuid => process::setuid(a[0]),
        Setgid => process::setgid(a[0]),
        ThreadCreate => thread::create(a[0], a[1], a[2], a[3]),
        ThreadExit => thread::exit(a[0]),
        ThreadJoin => thread::join(a[0]),
        Gettid => thread::gettid(),
        SetFsBase => thread::set_fs_base(a[0]),
        SchedYield => thread::sched_yield(),
        Nanosleep => thread::nanosleep(a[0], a[1]),
        ClockGettime => thread::clock_gettime(a[0], a[1]),
        FutexWait => thread::futex_wait(a[0], a[1], a[2]),
        FutexWake => thread::futex_wake(a[0], a[1]),
        Kill => signal::kill(a[0] as isize, a[1]),
        Sigaction => signal::sigaction(a[0], a[1], a[2]),
        Sigprocmask => signal::sigprocmask(a[0], a[1], a[2]),
        Sigreturn => return signal::sigreturn(frame),
        Sysinfo => process::sysinfo(a[0], a[1], a[2]),
        SetPriority => thread::set_priority(a[0], a[1]),
        Dup => file::dup(a[0], a[1]),
        Dup2 => file::dup2(a[0], a[1], a[2]),
        FdInfo => file::fd_info(a[0], a[1]),
        Pipe2 => file::pipe2(a[0], a[1]),
        SetFdFlags => file::set_fd_flags(a[0], a[1]),
        SchemeCreate => file::scheme_create(a[0], a[1]),
        NamespaceCreate => file::namespace_create(a[0], a[1], a[2]),
        NamespaceEnter => file::namespace_enter(a[0]),
        Mkdir => path::mkdir(a[0], a[1], a[2]),
        Rmdir => path::rmdir(a[0], a[1]),
        Unlink => path::unlink(a[0], a[1]),
        Rename => path::rename(a[0], a[1], a[2], a[3]),
        Symlink => path::symlink(a[0], a[1], a[2], a[3]),
        Readlink => path::readlink(a[0], a[1], a[2], a[3]),
        Ftruncate => path::ftruncate(a[0], a[1]),
        Fsync => path::fsync(a[0]),
        Getdents => path::getdents(a[0], a[1], a[2]),
        EventQueueCreate => events::event_queue_create(),
        EventQueueCtl => events::event_queue_ctl(a[0], a[1], a[2], a[3]),
        EventQueueWait => events::event_queue_wait(a[0], a[1], a[2], a[3]),
        TimerCreate => events::timer_create(),
        TimerSet => events::timer_set(a[0], a[1], a[2]),
        SendFd => file::send_fd(a[0], a[1], a[2]),
        MemoryCreate => memory::memory_create(a[0]),
        Chdir => file::chdir(a[0], a[1]),
        Getcwd => file::getcwd(a[0], a[1]),
        Pread => file::pread(a[0], a[1], a[2], a[3]),
        Pwrite => file::pwrite(a[0], a[1], a[2], a[3]),
        SchemeDup => file::scheme_dup(a[0], a[1], a[2]),
        Openat => file::openat(a[0], a[1], a[2], a[3], a[4]),
        Linkat => path::linkat(a),
        Fchmodat => path::fchmodat(a[0], a[1], a[2], a[3]),
        Fchownat => path::fchownat(a),
        Utimensat => path::utimensat(a[0], a[1], a[2], a[3]),
        Fstatvfs => path::fstatvfs(a[0], a[1]),
        Fcntl => file::fcntl(a[0], a[1], a[2]),
        Fchdir => file::fchdir(a[0]),
        SpawnFd => process::spawn_fd(a),
        Fexecve => return process::fexecve(a, frame),
        ProcessOpen => process::process_open(a[0]),
        ThreadOpen => process::thread_open(a[0]),
        SignalFd => process::signal_fd(a[0], a[1]),
        GetLimit => limits::get_limit(a[0], a[1]),
        SetLimit => limits::set_limit(a[0], a[1]),
        Mount => file::mount(a[0], a[1], a[2], a[3]),
        Unmount => file::unmount(a[0], a[1]),
        Fstatat => file::fstatat(a[0], a[1], a[2], a[3], a[4]),
        Umask => process::umask(a[0]),
    }
    .into()
}
