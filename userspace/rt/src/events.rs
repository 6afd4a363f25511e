//! Event queues (wait for any of many fds to become ready) and timers as
//! fds.
//!
//! Depends on [`crate::sys`], [`crate::fd`] and `cairn-abi`.

use core::time::Duration;

use cairn_abi::Syscall;

use crate::error::Result;
use crate::fd::OwnedFd;
use crate::sys::{syscall0, syscall3, syscall4};

pub use cairn_abi::{EVENT_READ, EVENT_WRITE, Event};

/// Nanoseconds for a timeout: `None` waits for ever.
fn nanos(timeout: Option<Duration>) -> usize {
    timeout.map_or(usize::MAX, |t| t.as_nanos().min(usize::MAX as u128 - 1) as usize)
}

/// An event queue.
#[derive(Debug)]
pub struct EventQueue {
    fd: OwnedFd,
}

impl EventQueue {
    pub fn new() -> Result<EventQueue> {
        // SAFETY: no arguments.
        let fd = unsafe { syscall0(Syscall::EventQueueCreate as usize) }?;
        // SAFETY: the kernel just made this fd for the caller.
        Ok(EventQueue { fd: unsafe { OwnedFd::from_raw(fd) } })
    }

    /// Watches `fd` for `interest` ([`EVENT_READ`], [`EVENT_WRITE`]; 0
    /// stops); `data` comes back with its events.
    pub fn watch(&self, fd: usize, interest: u32, data: u64) -> Result<()> {
        // SAFETY: integer arguments only.
        unsafe { syscall4(Syscall::EventQueueCtl as usize, self.fd.as_raw(), fd, interest as usize, data as usize) }
            .map(drop)
    }

    /// Waits until a watched fd is ready or `timeout` passes; fills
    /// `events` and returns how many are valid (0 on timeout).
    pub fn wait(&self, events: &mut [Event], timeout: Option<Duration>) -> Result<usize> {
        // SAFETY: the kernel writes at most `events.len()` events.
        unsafe {
            syscall4(
                Syscall::EventQueueWait as usize,
                self.fd.as_raw(),
                events.as_mut_ptr() as usize,
                events.len(),
                nanos(timeout),
            )
        }
    }
}

/// A timer fd.
#[derive(Debug)]
pub struct Timer {
    fd: OwnedFd,
}

impl Timer {
    pub fn new() -> Result<Timer> {
        // SAFETY: no arguments.
        let fd = unsafe { syscall0(Syscall::TimerCreate as usize) }?;
        // SAFETY: the kernel just made this fd for the caller.
        Ok(Timer { fd: unsafe { OwnedFd::from_raw(fd) } })
    }

    pub fn fd(&self) -> &OwnedFd {
        &self.fd
    }

    /// Arms the timer to expire after `initial` and then every `interval`
    /// (zero: once); a zero `initial` disarms it.
    pub fn set(&self, initial: Duration, interval: Duration) -> Result<()> {
        // SAFETY: integer arguments only.
        unsafe {
            syscall3(
                Syscall::TimerSet as usize,
                self.fd.as_raw(),
                initial.as_nanos() as usize,
                interval.as_nanos() as usize,
            )
        }
        .map(drop)
    }

    /// Waits for the next expiry; returns the expirations since the last read.
    pub fn wait(&self) -> Result<u64> {
        let mut count = [0u8; 8];
        crate::io::read_fd(self.fd.as_raw(), &mut count)?;
        Ok(u64::from_le_bytes(count))
    }
}
