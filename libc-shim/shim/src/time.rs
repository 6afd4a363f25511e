//! Time and waiting: `clock_gettime`, `gettimeofday`, `nanosleep`,
//! `clock_nanosleep`, `sched_yield`, and `poll` over a Cairn event queue.

use core::mem::size_of;

use cairn_abi::{EVENT_READ, EVENT_WRITE, Event, Syscall, TimeSpec, error};
use cairn_linux::flags::clock_to_cairn;
use cairn_linux::nr;
use cairn_linux::stat::Timespec;

use crate::sys::{Args, SysResult, cairn, read, write};

/// `poll` event bits.
const POLLIN: i16 = 0x1;
const POLLPRI: i16 = 0x2;
const POLLOUT: i16 = 0x4;
const POLLNVAL: i16 = 0x20;
const POLLRDNORM: i16 = 0x40;
const POLLWRNORM: i16 = 0x100;
/// Most fds one `poll` watches (Cairn's limit per event queue).
const MAX_POLL: usize = 1024;
/// `clock_nanosleep`'s flag for an absolute time.
const TIMER_ABSTIME: usize = 1;

/// Handles the time calls of `crate::dispatch`.
///
/// # Safety
/// `args` are Linux's arguments for call `n`.
pub unsafe fn call(n: usize, args: Args) -> SysResult {
    let [a, b, c, d, _, _] = args.0;
    // SAFETY: pointer arguments are the caller's, as Linux asks.
    unsafe {
        match n {
            nr::CLOCK_GETTIME => write(b, now(clock_to_cairn(a)?)?).map(|()| 0),
            nr::GETTIMEOFDAY => {
                if a != 0 {
                    write(a, now(cairn_abi::CLOCK_REALTIME)?.to_timeval())?;
                }
                Ok(0)
            }
            nr::NANOSLEEP => sleep(read::<Timespec>(a)?, b),
            nr::CLOCK_NANOSLEEP => {
                let clock = clock_to_cairn(a)?;
                let mut request: Timespec = read(c)?;
                if b & TIMER_ABSTIME != 0 {
                    let t = now(clock)?;
                    let left = (request.tv_sec - t.tv_sec) * 1_000_000_000 + (request.tv_nsec - t.tv_nsec);
                    let left = left.max(0);
                    request = Timespec { tv_sec: left / 1_000_000_000, tv_nsec: left % 1_000_000_000 };
                    sleep(request, 0)
                } else {
                    sleep(request, d)
                }
            }
            nr::SCHED_YIELD => cairn(Syscall::SchedYield, [0; 6]),
            nr::POLL => poll(a, b, c as i32),
            _ => Err(error::ENOSYS),
        }
    }
}

/// The time of a Cairn clock.
fn now(clock: usize) -> Result<Timespec, i32> {
    let mut t = TimeSpec::default();
    // SAFETY: the kernel writes one `TimeSpec`.
    unsafe { cairn(Syscall::ClockGettime, [clock, (&raw mut t) as usize, 0, 0, 0, 0])? };
    Ok(Timespec::from_cairn(t))
}

/// Sleeps for `request`; on `EINTR` writes what was left to `remaining`.
unsafe fn sleep(request: Timespec, remaining: usize) -> SysResult {
    let request = request.to_cairn()?;
    let mut left = TimeSpec::default();
    // SAFETY: one `TimeSpec` read, one written.
    let result =
        unsafe { cairn(Syscall::Nanosleep, [(&raw const request) as usize, (&raw mut left) as usize, 0, 0, 0, 0]) };
    if result == Err(error::EINTR) && remaining != 0 {
        // SAFETY: the caller's `struct timespec`.
        unsafe { write(remaining, Timespec::from_cairn(left))? };
    }
    result.map(|_| 0)
}

/// Linux's `struct pollfd`.
#[derive(Clone, Copy)]
#[repr(C)]
struct PollFd {
    fd: i32,
    events: i16,
    revents: i16,
}

/// `poll(fds, count, timeout_ms)` on a fresh event queue: each fd watched
/// for what it asks, one wait, the readiness written back. A closed fd is
/// `POLLNVAL` (and makes the call return at once, as on Linux).
unsafe fn poll(fds: usize, count: usize, timeout_ms: i32) -> SysResult {
    if count > MAX_POLL {
        return Err(error::EINVAL);
    }
    // SAFETY: no arguments.
    let queue = unsafe { cairn(Syscall::EventQueueCreate, [0; 6])? };
    // SAFETY: `fds` holds `count` `struct pollfd`s.
    let result = unsafe { poll_on(queue, fds, count, timeout_ms) };
    let _ = cairn_rt::fd::close(queue);
    result
}

unsafe fn poll_on(queue: usize, fds: usize, count: usize, timeout_ms: i32) -> SysResult {
    let entry = |i: usize| fds + i * size_of::<PollFd>();
    let mut invalid = 0;
    for i in 0..count {
        // SAFETY: within the caller's array.
        let mut p: PollFd = unsafe { read(entry(i))? };
        p.revents = 0;
        if p.fd >= 0 {
            let mut interest = EVENT_READ;
            if p.events & (POLLOUT | POLLWRNORM) != 0 {
                interest = if p.events & (POLLIN | POLLPRI | POLLRDNORM) != 0 {
                    EVENT_READ | EVENT_WRITE
                } else {
                    EVENT_WRITE
                };
            }
            // SAFETY: integer arguments.
            match unsafe { cairn(Syscall::EventQueueCtl, [queue, p.fd as usize, interest as usize, i, 0, 0]) } {
                Ok(_) => {}
                Err(error::EBADF) => {
                    p.revents = POLLNVAL;
                    invalid += 1;
                }
                Err(e) => return Err(e),
            }
        }
        // SAFETY: as above.
        unsafe { write(entry(i), p)? };
    }
    let timeout_ns = match timeout_ms {
        _ if invalid > 0 => 0,
        t if t < 0 => u64::MAX,
        t => t as u64 * 1_000_000,
    };
    let mut events = alloc::vec![Event::default(); count.max(1)];
    // SAFETY: room for `events.len()` events.
    let got = unsafe {
        cairn(Syscall::EventQueueWait, [queue, events.as_mut_ptr() as usize, events.len(), timeout_ns as usize, 0, 0])?
    };
    let mut ready = invalid;
    for event in &events[..got] {
        let i = event.data as usize;
        if i >= count {
            continue;
        }
        // SAFETY: within the caller's array.
        let mut p: PollFd = unsafe { read(entry(i))? };
        let mut revents = 0;
        if event.ready & EVENT_READ != 0 {
            revents |= p.events & (POLLIN | POLLRDNORM);
        }
        if event.ready & EVENT_WRITE != 0 {
            revents |= p.events & (POLLOUT | POLLWRNORM);
        }
        if revents != 0 && p.revents == 0 {
            ready += 1;
        }
        p.revents |= revents;
        // SAFETY: as above.
        unsafe { write(entry(i), p)? };
    }
    Ok(ready)
}
