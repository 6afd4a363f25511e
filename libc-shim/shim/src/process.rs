//! Process calls: ids, `fork`, `execve`, `exit`, `wait4`, signals
//! (`kill`, `tkill`, `rt_sigaction`, `rt_sigprocmask`), resource limits,
//! CPU affinity, `uname`, `sysinfo`, and `arch_prctl` (musl's thread
//! pointer).

use core::sync::atomic::{AtomicUsize, Ordering};

use cairn_abi::signal::{SIGNAL_MAX, SigAction};
use cairn_abi::{AT_FDCWD, CLOCK_MONOTONIC, Syscall, TimeSpec, error};
use cairn_linux::signal::{KSigAction, action_to_cairn, action_to_linux};
use cairn_linux::sysinfo::SysInfo;
use cairn_linux::{nr, uname};

use crate::sys::{Args, SysResult, c_str, cairn, read, string_vector, write};

/// `arch_prctl` codes.
const ARCH_SET_FS: usize = 0x1002;
/// Bytes of the signal sets Linux passes (64 signals).
const SIGSET_SIZE: usize = 8;
/// The signals Cairn has (1..=31).
const CAIRN_SIGNALS: u64 = (1 << SIGNAL_MAX) - 1;

/// Handles the process calls of `crate::dispatch` (and answers `ENOSYS`
/// for every call no module knows).
///
/// # Safety
/// `args` are Linux's arguments for call `n`.
pub unsafe fn call(n: usize, args: Args) -> SysResult {
    let [a, b, c, d, _, _] = args.0;
    // SAFETY: pointer arguments are the caller's, as Linux asks.
    unsafe {
        match n {
            nr::GETPID => cairn(Syscall::Getpid, [0; 6]),
            nr::GETPPID => cairn(Syscall::Getppid, [0; 6]),
            nr::GETTID => cairn(Syscall::Gettid, [0; 6]),
            // Cairn has one uid and gid per process: real and effective.
            nr::GETUID | nr::GETEUID => cairn(Syscall::Getuid, [0; 6]),
            nr::GETGID | nr::GETEGID => cairn(Syscall::Getgid, [0; 6]),
            nr::SETUID => cairn(Syscall::Setuid, [a, 0, 0, 0, 0, 0]),
            nr::SETGID => cairn(Syscall::Setgid, [a, 0, 0, 0, 0, 0]),
            nr::SETPGID => cairn(Syscall::Setpgid, [a, b, 0, 0, 0, 0]),
            nr::GETPGID => cairn(Syscall::Getpgid, [a, 0, 0, 0, 0, 0]),
            nr::GETPGRP => cairn(Syscall::Getpgid, [0; 6]),
            nr::SETSID => cairn(Syscall::Setsid, [0; 6]),
            nr::GETSID => cairn(Syscall::Getsid, [a, 0, 0, 0, 0, 0]),
            nr::FORK => {
                let pid = cairn(Syscall::Fork, [0; 6])?;
                if pid == 0 {
                    crate::threads::after_fork_in_child();
                }
                Ok(pid)
            }
            nr::EXECVE => execve(a, b, c),
            nr::EXIT_GROUP => cairn(Syscall::Exit, [a, 0, 0, 0, 0, 0]),
            nr::WAIT4 => wait4(a, b, c, d),
            nr::KILL => cairn(Syscall::Kill, [a, b, 0, 0, 0, 0]),
            nr::TKILL => tkill(a, b),
            nr::TGKILL if a == cairn(Syscall::Getpid, [0; 6])? => tkill(b, c),
            nr::TGKILL => Err(error::ESRCH),
            nr::UNAME => {
                let mut fields = [0u8; 6 * uname::FIELD_LEN];
                uname::fill(&mut fields);
                write(a, fields).map(|()| 0)
            }
            nr::SYSINFO => sysinfo(a),
            nr::ARCH_PRCTL if a == ARCH_SET_FS => cairn(Syscall::SetFsBase, [b, 0, 0, 0, 0, 0]),
            nr::ARCH_PRCTL => Err(error::EINVAL),
            nr::GETRLIMIT => prlimit(0, a, 0, b),
            nr::SETRLIMIT => prlimit(0, a, b, 0),
            nr::PRLIMIT64 => prlimit(a, b, c, d),
            nr::SCHED_GETAFFINITY => get_affinity(a, b, c),
            nr::SCHED_SETAFFINITY => set_affinity(a, b, c),
            nr::RT_SIGACTION => sigaction(a, b, c, d),
            nr::RT_SIGPROCMASK => sigprocmask(a, b, c, d),
            _ => Err(error::ENOSYS),
        }
    }
}

/// `execve(path, argv, envp)`.
unsafe fn execve(path: usize, argv: usize, envp: usize) -> SysResult {
    // SAFETY: the caller's string and NULL-terminated arrays.
    let (path, argv, envp) = unsafe { (c_str(path)?, string_vector(argv)?, string_vector(envp)?) };
    let args =
        [path.as_ptr() as usize, path.len(), argv.as_ptr() as usize, argv.len(), envp.as_ptr() as usize, envp.len()];
    // SAFETY: a (pointer, length) path and two `StrSlice` arrays that live
    // across the call.
    unsafe { cairn(Syscall::Execve, args) }
}

/// `wait4(pid, status, options, rusage)`. Cairn measures no resource
/// usage per child yet, so a non-null `rusage` is `ENOSYS` (reported)
/// rather than zeros that would look measured.
unsafe fn wait4(pid: usize, status: usize, options: usize, rusage: usize) -> SysResult {
    if rusage != 0 {
        return Err(error::ENOSYS);
    }
    let mut word = 0u32;
    // SAFETY: the kernel writes one `u32`.
    let child = unsafe { cairn(Syscall::Waitpid, [pid, (&raw mut word) as usize, options, 0, 0, 0])? };
    if status != 0 && child != 0 {
        // SAFETY: the caller's `int`. The status encodings are the same.
        unsafe { write(status, word)? };
    }
    Ok(child)
}

/// `prlimit64(pid, resource, new, old)` for the caller (pid 0 or its own):
/// Cairn's `get_limit`/`set_limit` take Linux's resource numbers and a
/// `{ current, maximum }` pair laid out as `struct rlimit`, with the same
/// infinity; resources Cairn does not limit are `EINVAL` from the kernel.
/// Another process's limits are `ENOSYS`.
unsafe fn prlimit(pid: usize, resource: usize, new: usize, old: usize) -> SysResult {
    // SAFETY: no arguments.
    if pid != 0 && pid != unsafe { cairn(Syscall::Getpid, [0; 6])? } {
        return Err(error::ENOSYS);
    }
    let mut previous = cairn_abi::limit::Limit::default();
    // SAFETY: the kernel writes one `Limit`.
    unsafe { cairn(Syscall::GetLimit, [resource, (&raw mut previous) as usize, 0, 0, 0, 0])? };
    if new != 0 {
        // SAFETY: the caller's `struct rlimit`.
        let limit: cairn_abi::limit::Limit = unsafe { read(new)? };
        // SAFETY: the kernel reads one `Limit`.
        unsafe { cairn(Syscall::SetLimit, [resource, (&raw const limit) as usize, 0, 0, 0, 0])? };
    }
    if old != 0 {
        // SAFETY: the caller's `struct rlimit`.
        unsafe { write(old, previous)? };
    }
    Ok(0)
}

/// The affinity handle of thread `tid` (0: the caller).
fn task(tid: usize) -> Result<cairn_rt::process::TaskHandle, i32> {
    let tid = if tid == 0 { cairn_rt::sys::gettid() } else { tid };
    cairn_rt::process::TaskHandle::thread(tid).map_err(crate::sys::errno)
}

/// `sched_getaffinity(tid, size, mask)`: Cairn's set is Linux's bit
/// layout (bit `n` of byte `n / 8` for CPU `n`); returns the bytes
/// written, as Linux does.
unsafe fn get_affinity(tid: usize, size: usize, mask: usize) -> SysResult {
    let set = cairn_rt::sched::affinity(&task(tid)?).map_err(crate::sys::errno)?;
    let bytes = set.as_bytes();
    if size < bytes.len() || !size.is_multiple_of(size_of::<usize>()) {
        return Err(error::EINVAL);
    }
    // SAFETY: the caller's buffer of `size` bytes.
    let out = unsafe { crate::sys::bytes_mut(mask, size)? };
    out[..bytes.len()].copy_from_slice(bytes);
    Ok(bytes.len())
}

/// `sched_setaffinity(tid, size, mask)` (at most Cairn's 32 bytes count).
unsafe fn set_affinity(tid: usize, size: usize, mask: usize) -> SysResult {
    // SAFETY: the caller's buffer of `size` bytes.
    let bytes = unsafe { crate::sys::bytes_mut(mask, size)? };
    let used = bytes.iter().rposition(|&b| b != 0).map_or(0, |last| last + 1);
    let set = cairn_rt::sched::CpuSet::from_bytes(&bytes[..used]);
    cairn_rt::sched::set_affinity(&task(tid)?, &set).map_err(crate::sys::errno)?;
    Ok(0)
}

/// `tkill(tid, signal)`: through a handle of the thread.
fn tkill(tid: usize, signal: usize) -> SysResult {
    // SAFETY: integer arguments.
    let handle = unsafe { cairn(Syscall::ThreadOpen, [tid, 0, 0, 0, 0, 0])? };
    // SAFETY: integer arguments.
    let result = unsafe { cairn(Syscall::SignalFd, [handle, signal, 0, 0, 0, 0]) };
    let _ = cairn_rt::fd::close(handle);
    result.map(|_| 0)
}

/// The C handler of each signal (`void handler(int)`), 0 for none.
static HANDLERS: [AtomicUsize; SIGNAL_MAX + 1] = [const { AtomicUsize::new(0) }; SIGNAL_MAX + 1];

/// `rt_sigaction(signal, new, old, setsize)`. A C handler runs through
/// [`trampoline`] (Cairn may enter a handler on any stack alignment, the C
/// ABI wants 16 bytes) and returns through `cairn_rt`'s restorer.
unsafe fn sigaction(signal: usize, new: usize, old: usize, set_size: usize) -> SysResult {
    if set_size != SIGSET_SIZE || signal == 0 || signal > SIGNAL_MAX {
        return Err(error::EINVAL);
    }
    let mut cairn_new = None;
    if new != 0 {
        // SAFETY: the caller's `struct k_sigaction`.
        let linux: KSigAction = unsafe { read(new)? };
        let mut action = action_to_cairn(&linux, cairn_rt::signal::restorer as *const () as usize)?;
        action.mask &= CAIRN_SIGNALS;
        if action.handler > cairn_abi::signal::SIG_IGN {
            action.handler = trampoline as *const () as usize;
        }
        cairn_new = Some((action, linux.handler));
    }
    let mut previous = SigAction::default();
    let new_ptr = cairn_new.as_ref().map_or(0, |(action, _)| action as *const SigAction as usize);
    // SAFETY: one `SigAction` read (if any) and one written.
    unsafe { cairn(Syscall::Sigaction, [signal, new_ptr, (&raw mut previous) as usize, 0, 0, 0])? };
    let previous_handler = HANDLERS[signal].load(Ordering::SeqCst);
    if let Some((_, handler)) = cairn_new {
        HANDLERS[signal].store(handler, Ordering::SeqCst);
    }
    if old != 0 {
        if previous.handler == trampoline as *const () as usize {
            previous.handler = previous_handler;
        }
        // SAFETY: the caller's `struct k_sigaction`.
        unsafe { write(old, action_to_linux(&previous))? };
    }
    Ok(0)
}

/// Calls the C handler of `signal`.
extern "C" fn dispatch(signal: usize) {
    let handler = HANDLERS.get(signal).map_or(0, |slot| slot.load(Ordering::SeqCst));
    if handler > cairn_abi::signal::SIG_IGN {
        // SAFETY: `HANDLERS` holds the addresses of C `void (*)(int)`
        // handlers that `rt_sigaction` was given.
        let handler: extern "C" fn(i32) = unsafe { core::mem::transmute::<usize, extern "C" fn(i32)>(handler) };
        handler(signal as i32);
    }
}

cairn_rt::signal_trampoline!(
    /// Where Cairn enters a handler `rt_sigaction` set: it calls [`dispatch`].
    fn trampoline => dispatch
);

/// `rt_sigprocmask(how, set, old, setsize)`: the same masks and `how`
/// values; bits above Cairn's 31 signals (musl's internal real-time
/// signals) are dropped.
unsafe fn sigprocmask(how: usize, set: usize, old: usize, set_size: usize) -> SysResult {
    if set_size != SIGSET_SIZE {
        return Err(error::EINVAL);
    }
    // SAFETY: the caller's `sigset_t`, if any.
    let mask = if set == 0 { 0 } else { (unsafe { read::<u64>(set)? }) & CAIRN_SIGNALS };
    let set_ptr = if set == 0 { 0 } else { (&raw const mask) as usize };
    let mut previous = 0u64;
    // SAFETY: one `u64` read (if any) and one written.
    unsafe { cairn(Syscall::Sigprocmask, [how, set_ptr, (&raw mut previous) as usize, 0, 0, 0])? };
    if old != 0 {
        // SAFETY: the caller's `sigset_t`.
        unsafe { write(old, previous)? };
    }
    Ok(0)
}

/// `sysinfo(info)`: the time since boot (the monotonic clock), physical
/// memory (the kernel's frame counts) and the number of processes (the
/// rows of `/scheme/sys/processes` below its header).
unsafe fn sysinfo(info: usize) -> SysResult {
    let memory = cairn_rt::sys::memory_info().map_err(crate::sys::errno)?;
    let mut uptime = TimeSpec::default();
    // SAFETY: the kernel writes one `TimeSpec`.
    unsafe { cairn(Syscall::ClockGettime, [CLOCK_MONOTONIC, (&raw mut uptime) as usize, 0, 0, 0, 0])? };
    let processes = count_lines(b"/scheme/sys/processes")?.saturating_sub(1);
    let value = SysInfo::new(
        uptime.tv_sec,
        memory.total_frames * memory.frame_size,
        memory.free_frames * memory.frame_size,
        processes,
    );
    // SAFETY: the caller's `struct sysinfo`.
    unsafe { write(info, value) }.map(|()| 0)
}

/// The number of lines of the file at `path`.
fn count_lines(path: &[u8]) -> Result<usize, i32> {
    // SAFETY: a (pointer, length) path.
    let fd =
        unsafe { cairn(Syscall::Openat, [AT_FDCWD, path.as_ptr() as usize, path.len(), cairn_abi::O_RDONLY, 0, 0])? };
    let mut lines = 0;
    let mut chunk = [0u8; 512];
    let result = loop {
        // SAFETY: `chunk` is writable for its length.
        match unsafe { cairn(Syscall::Read, [fd, chunk.as_mut_ptr() as usize, chunk.len(), 0, 0, 0]) } {
            Ok(0) => break Ok(lines),
            Ok(n) => lines += chunk[..n].iter().filter(|&&byte| byte == b'\n').count(),
            Err(errno) => break Err(errno),
        }
    };
    let _ = cairn_rt::fd::close(fd);
    result
}
