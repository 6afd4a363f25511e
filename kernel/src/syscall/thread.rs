//! Thread, scheduling, time and futex system calls.

use cairn_abi::{CLOCK_MONOTONIC, CLOCK_REALTIME, DEFAULT_PRIORITY, Error, PRIORITY_LEVELS, Result, TimeSpec, error};

use super::user;
use crate::arch::cpu::rdtsc;
use crate::arch::gdt::{USER_CODE_SELECTOR, USER_DATA_SELECTOR};
use crate::arch::user_access;
use crate::task::{self, Thread, Tid, WaitKey, WaitReason};
use crate::time;
use crate::vm::USER_END;

fn errno(code: i32) -> Error {
    Error::new(code)
}

pub fn create(entry: usize, stack_top: usize, argument: usize, fs_base: usize) -> Result<usize> {
    let (entry, stack_top, fs_base) = (entry as u64, stack_top as u64, fs_base as u64);
    if entry >= USER_END || !(16..USER_END).contains(&stack_top) || !stack_top.is_multiple_of(16) || fs_base >= USER_END
    {
        return Err(errno(error::EINVAL));
    }
    user::write_value(stack_top as usize - 8, &0u64)?;
    task::with(|tasks| {
        let pid = tasks.current_pid();
        tasks.check_new_thread(pid)?;
        let tid = tasks.allocate_tid();
        let (priority, penalty, mask, affinity) = {
            let me = tasks.current_thread();
            (me.priority, me.child_penalty(), me.signal_mask, me.affinity)
        };
        let mut thread = Thread::new(tid, pid, priority).map_err(|_| errno(error::ENOMEM))?;
        thread.penalty = penalty;
        thread.affinity = affinity;
        thread.fs_base = fs_base;
        thread.signal_mask = mask;
        let frame = thread.frame();
        frame.rip = entry;
        frame.rsp = stack_top - 8;
        frame.rdi = argument as u64;
        frame.rflags = 0x202;
        frame.cs = USER_CODE_SELECTOR;
        frame.ss = USER_DATA_SELECTOR;
        tasks.current_process().threads.push(tid);
        tasks.add_thread(thread);
        Ok(tid.0 as usize)
    })
}

pub fn exit(code: usize) -> Result<usize> {
    task::with(|tasks| tasks.exit_current_thread(code as i32));
    task::reschedule();
    unreachable!("a dead thread is never scheduled again")
}

pub fn join(tid: usize) -> Result<usize> {
    let tid = Tid(u32::try_from(tid).map_err(|_| errno(error::ESRCH))?);
    loop {
        let done = task::with(|tasks| -> Result<Option<i32>> {
            if tid == tasks.current_tid() {
                return Err(errno(error::EDEADLK));
            }
            let process = tasks.current_process();
            if let Some(code) = process.finished_threads.remove(&tid) {
                return Ok(Some(code));
            }
            if !process.threads.contains(&tid) {
                return Err(errno(error::ESRCH));
            }
            tasks.block_current(WaitReason::Join(tid), None);
            Ok(None)
        })?;
        if let Some(code) = done {
            return Ok(code as u32 as usize);
        }
        task::reschedule();
        if task::with(|tasks| tasks.current_thread().interrupted) {
            return Err(errno(error::EINTR));
        }
    }
}

/// Runs without the big kernel lock (see `syscall::lockless`).
pub fn gettid() -> Result<usize> {
    Ok(crate::percpu::current().running().1 as usize)
}

pub fn set_fs_base(address: usize) -> Result<usize> {
    if address as u64 >= USER_END {
        return Err(errno(error::EINVAL));
    }
    task::with(|tasks| tasks.current_thread().fs_base = address as u64);
    x86_64::registers::model_specific::FsBase::write(x86_64::VirtAddr::new(address as u64));
    Ok(0)
}

pub fn sched_yield() -> Result<usize> {
    task::with(|tasks| tasks.current_thread().slice_left = 0);
    task::reschedule();
    Ok(0)
}

/// TSC value `nanos` from now.
pub fn deadline_after(nanos: u128) -> u64 {
    let hz = time::calibration().map_or(1_000_000_000, |c| c.tsc_hz);
    rdtsc().saturating_add((nanos * u128::from(hz) / 1_000_000_000).min(u128::from(u64::MAX / 2)) as u64)
}

/// Blocks the current thread until woken or `deadline`; returns (timed
/// out, interrupted).
pub fn block(reason: WaitReason, deadline: Option<u64>) -> (bool, bool) {
    task::with(|tasks| tasks.block_current(reason, deadline));
    task::reschedule();
    task::with(|tasks| {
        let thread = tasks.current_thread();
        (thread.timed_out, thread.interrupted)
    })
}

fn read_timespec(address: usize) -> Result<u128> {
    let spec: TimeSpec = user::read_value(address)?;
    if spec.tv_sec < 0 || !(0..1_000_000_000).contains(&spec.tv_nsec) {
        return Err(errno(error::EINVAL));
    }
    Ok(spec.to_nanos())
}

pub fn nanosleep(request: usize, remaining: usize) -> Result<usize> {
    let nanos = read_timespec(request)?;
    let deadline = deadline_after(nanos);
    let (_, interrupted) = block(WaitReason::Sleep, Some(deadline));
    if interrupted {
        if remaining != 0 {
            let left = time::tsc_to_nanos(deadline.saturating_sub(rdtsc()));
            user::write_value(remaining, &TimeSpec::from_nanos(u128::from(left)))?;
        }
        return Err(errno(error::EINTR));
    }
    Ok(0)
}

/// `clock_gettime` without the big kernel lock: the time is stored by the
/// processor's own checks (`arch::user_access`), as the program's store
/// would be. `None` when a store faulted (a page not yet present, say):
/// [`clock_gettime`] then faults it in or reports `EFAULT`.
pub fn clock_gettime_unlocked(clock: usize, address: usize) -> Option<Result<usize>> {
    let nanos = match clock {
        CLOCK_MONOTONIC => time::nanos_since_boot(),
        CLOCK_REALTIME => time::realtime_nanos(),
        _ => return Some(Err(errno(error::EINVAL))),
    };
    const NANOS_PER_SECOND: u64 = 1_000_000_000;
    let (seconds, nanos) = (nanos / NANOS_PER_SECOND, nanos % NANOS_PER_SECOND);
    // `TimeSpec` is `{ tv_sec: i64, tv_nsec: i32 }` and its padding: two words.
    const _: () = assert!(size_of::<TimeSpec>() == 16);
    let second_word = (address as u64).checked_add(8)?;
    let stored = user_access::write_u64(address as u64, seconds) && user_access::write_u64(second_word, nanos);
    stored.then_some(Ok(0))
}

pub fn clock_gettime(clock: usize, address: usize) -> Result<usize> {
    let nanos = match clock {
        CLOCK_MONOTONIC => u128::from(time::nanos_since_boot()),
        CLOCK_REALTIME => u128::from(time::realtime_nanos()),
        _ => return Err(errno(error::EINVAL)),
    };
    user::write_value(address, &TimeSpec::from_nanos(nanos))?;
    Ok(0)
}

/// The key of the futex word at `address` (checked readable and aligned).
fn futex_key(address: usize) -> Result<WaitKey> {
    if !address.is_multiple_of(4) {
        return Err(errno(error::EINVAL));
    }
    task::with(|tasks| {
        let space = tasks.current_process().space();
        if space.is_shared(address as u64) {
            let physical = space.translate_for(address as u64, false).map_err(user::copy_failed)?;
            Ok(WaitKey::Futex { space: 0, address: physical })
        } else {
            Ok(WaitKey::Futex { space: space.id().0, address: address as u64 })
        }
    })
}

pub fn futex_wait(address: usize, expected: usize, timeout_nanos: usize) -> Result<usize> {
    let key = futex_key(address)?;
    let value: u32 = user::read_value(address)?;
    if value != expected as u32 {
        return Err(errno(error::EAGAIN));
    }
    let deadline = (timeout_nanos != usize::MAX).then(|| deadline_after(timeout_nanos as u128));
    match block(WaitReason::Queue(key), deadline) {
        (true, _) => Err(errno(error::ETIMEDOUT)),
        (_, true) => Err(errno(error::EINTR)),
        _ => Ok(0),
    }
}

pub fn futex_wake(address: usize, count: usize) -> Result<usize> {
    let key = futex_key(address)?;
    Ok(task::with(|tasks| tasks.wake_queue(key, count)))
}

pub fn set_priority(tid: usize, priority: usize) -> Result<usize> {
    if priority >= PRIORITY_LEVELS {
        return Err(errno(error::EINVAL));
    }
    task::with(|tasks| {
        let me = tasks.current_tid();
        let target = if tid == 0 { me } else { Tid(u32::try_from(tid).map_err(|_| errno(error::ESRCH))?) };
        let pid = tasks.current_pid();
        let uid = tasks.current_process().uid;
        let thread = tasks.threads.get_mut(&target).ok_or(errno(error::ESRCH))?;
        if thread.pid != pid && uid != 0 {
            return Err(errno(error::EPERM));
        }
        if priority < DEFAULT_PRIORITY && uid != 0 {
            return Err(errno(error::EPERM));
        }
        thread.priority = priority;
        Ok(0)
    })
}
