//! Time: `clock_gettime`, `gettimeofday`, `nanosleep`, `clock_nanosleep`,
//! `sched_yield`.

use cairn_abi::{Syscall, TimeSpec, error};
use cairn_linux::flags::clock_to_cairn;
use cairn_linux::nr;
use cairn_linux::stat::Timespec;

use crate::sys::{Args, SysResult, cairn, read, write};

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
