//! Waiting for fds: `poll`, `select` and `pselect6`, each over a fresh
//! Cairn event queue (level-triggered, so one wait gives every fd that is
//! ready).

use alloc::vec::Vec;
use core::mem::size_of;

use cairn_abi::{EVENT_READ, EVENT_WRITE, Event, Syscall, error};
use cairn_linux::nr;
use cairn_linux::stat::{Timespec, Timeval};

use crate::sys::{Args, SysResult, cairn, read, write};

/// `poll` event bits.
const POLLIN: i16 = 0x1;
const POLLPRI: i16 = 0x2;
const POLLOUT: i16 = 0x4;
const POLLNVAL: i16 = 0x20;
const POLLRDNORM: i16 = 0x40;
const POLLWRNORM: i16 = 0x100;
/// Most fds one call watches (Cairn's limit per event queue, and
/// `FD_SETSIZE`).
const MAX_FDS: usize = 1024;
/// Bits in a word of an `fd_set`.
const WORD_BITS: usize = 64;

/// Handles `poll`, `select` and `pselect6`.
///
/// # Safety
/// `args` are Linux's arguments for call `n`.
pub unsafe fn call(n: usize, args: Args) -> SysResult {
    let [a, b, c, d, e, f] = args.0;
    // SAFETY: pointer arguments are the caller's, as Linux asks.
    unsafe {
        match n {
            nr::POLL => poll(a, b, c as i32),
            nr::SELECT => {
                let timeout = if e == 0 { None } else { Some(read::<Timeval>(e)?.to_timespec()) };
                select(a, [b, c, d], timeout)
            }
            nr::PSELECT6 => {
                // The signal mask to wait under: Cairn cannot swap it
                // atomically with the wait, so asking for one is ENOSYS.
                if f != 0 && read::<usize>(f)? != 0 {
                    return Err(error::ENOSYS);
                }
                let timeout = if e == 0 { None } else { Some(read::<Timespec>(e)?) };
                select(a, [b, c, d], timeout)
            }
            _ => Err(error::ENOSYS),
        }
    }
}

/// A fresh event queue, closed when dropped.
struct Queue(usize);

impl Queue {
    fn new() -> Result<Queue, i32> {
        // SAFETY: no arguments.
        unsafe { cairn(Syscall::EventQueueCreate, [0; 6]) }.map(Queue)
    }

    /// Watches `fd` for `interest`, reported with `index` (`EBADF` for a
    /// closed fd).
    fn watch(&self, fd: usize, interest: u32, index: usize) -> Result<(), i32> {
        // SAFETY: integer arguments.
        unsafe { cairn(Syscall::EventQueueCtl, [self.0, fd, interest as usize, index, 0, 0]) }.map(drop)
    }

    /// Waits up to `timeout_ns` for any of `watches` watches.
    fn wait(&self, watches: usize, timeout_ns: u64) -> Result<Vec<Event>, i32> {
        let mut events = alloc::vec![Event::default(); watches.max(1)];
        let args = [self.0, events.as_mut_ptr() as usize, events.len(), timeout_ns as usize, 0, 0];
        // SAFETY: room for `events.len()` events.
        let got = unsafe { cairn(Syscall::EventQueueWait, args)? };
        events.truncate(got);
        Ok(events)
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        let _ = cairn_rt::fd::close(self.0);
    }
}

/// A time-out in nanoseconds for Cairn (`None`: forever).
fn timeout_ns(timeout: Option<Timespec>) -> Result<u64, i32> {
    match timeout {
        None => Ok(u64::MAX),
        Some(t) => {
            let t = t.to_cairn()?;
            Ok((t.tv_sec as u64).saturating_mul(1_000_000_000).saturating_add(t.tv_nsec as u64).min(u64::MAX - 1))
        }
    }
}

/// Linux's `struct pollfd`.
#[derive(Clone, Copy)]
#[repr(C)]
struct PollFd {
    fd: i32,
    events: i16,
    revents: i16,
}

/// `poll(fds, count, timeout_ms)`: each fd watched for what it asks; a
/// closed fd is `POLLNVAL` (and makes the call return at once, as on
/// Linux); a negative fd is skipped.
unsafe fn poll(fds: usize, count: usize, timeout_ms: i32) -> SysResult {
    if count > MAX_FDS {
        return Err(error::EINVAL);
    }
    let entry = |i: usize| fds + i * size_of::<PollFd>();
    let queue = Queue::new()?;
    let mut ready = 0;
    for i in 0..count {
        // SAFETY: within the caller's array.
        let mut p: PollFd = unsafe { read(entry(i))? };
        p.revents = 0;
        if p.fd >= 0 {
            let mut interest = 0;
            if p.events & (POLLIN | POLLPRI | POLLRDNORM) != 0 {
                interest |= EVENT_READ;
            }
            if p.events & (POLLOUT | POLLWRNORM) != 0 {
                interest |= EVENT_WRITE;
            }
            // Watching for nothing still tells a closed fd (POLLNVAL).
            match queue.watch(p.fd as usize, if interest == 0 { EVENT_READ } else { interest }, i) {
                Ok(()) => {}
                Err(error::EBADF) => {
                    p.revents = POLLNVAL;
                    ready += 1;
                }
                Err(e) => return Err(e),
            }
        }
        // SAFETY: as above.
        unsafe { write(entry(i), p)? };
    }
    let timeout = match timeout_ms {
        _ if ready > 0 => 0,
        t if t < 0 => u64::MAX,
        t => t as u64 * 1_000_000,
    };
    for event in queue.wait(count, timeout)? {
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

/// `select(count, read_set, write_set, except_set, timeout)`: the fds
/// below `count` in the read and write sets are watched, the sets are
/// rewritten to hold the ready ones. Cairn has no exceptional conditions
/// (out-of-band data), so the except set comes back empty. A closed fd in
/// a set is `EBADF`.
unsafe fn select(count: usize, sets: [usize; 3], timeout: Option<Timespec>) -> SysResult {
    if count > MAX_FDS {
        return Err(error::EINVAL);
    }
    let words = count.div_ceil(WORD_BITS);
    let word_of = |set: usize, w: usize| -> Result<u64, i32> {
        if set == 0 {
            Ok(0)
        } else {
            // SAFETY: an `fd_set` holds at least `words` words.
            unsafe { read::<u64>(set + w * 8) }
        }
    };
    let queue = Queue::new()?;
    let mut watched = 0;
    for w in 0..words {
        let (reads, writes) = (word_of(sets[0], w)?, word_of(sets[1], w)?);
        for bit in 0..WORD_BITS {
            let fd = w * WORD_BITS + bit;
            let mut interest = 0;
            if reads & (1 << bit) != 0 {
                interest |= EVENT_READ;
            }
            if writes & (1 << bit) != 0 {
                interest |= EVENT_WRITE;
            }
            if fd < count && interest != 0 {
                queue.watch(fd, interest, fd)?;
                watched += 1;
            }
        }
    }
    let events = queue.wait(watched, timeout_ns(timeout)?)?;
    let mut ready = 0;
    for (set, bit) in [(sets[0], EVENT_READ), (sets[1], EVENT_WRITE), (sets[2], 0)] {
        if set == 0 {
            continue;
        }
        let mut out = alloc::vec![0u64; words];
        for event in &events {
            if event.ready & bit != 0 && (event.data as usize) < count {
                out[event.data as usize / WORD_BITS] |= 1 << (event.data as usize % WORD_BITS);
                ready += 1;
            }
        }
        for (w, word) in out.iter().enumerate() {
            // SAFETY: as above.
            unsafe { write(set + w * 8, *word)? };
        }
    }
    Ok(ready)
}
