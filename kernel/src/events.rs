//! Event queues (Cairn's `epoll`/`kqueue`) and timers as fds.
//!
//! An event queue holds watches: (fd, interest, data). Waiting is
//! level-triggered: `event_queue_wait` reports every watched fd of the
//! caller that is ready now, and otherwise sleeps on the wait queues of
//! the watched objects at once ([`wait_key`]: a pipe's, a scheme's
//! requests, a timer's, a process's end, an interrupt's), so only a change
//! to something it watches wakes it. Scheme handles, whose readiness
//! their server posts, share [`WaitKey::Events`].
//!
//! A timer counts expirations; reading it returns and clears the count.
//! Armed timers are checked on every timer tick and idle-loop pass.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use cairn_abi::{EVENT_READ, EVENT_WRITE};

use crate::fd::Object;
use crate::pipe::PIPE_CAPACITY;
use crate::task::WaitKey;

/// One watched fd.
#[derive(Clone, Copy, Debug)]
pub struct Watch {
    pub fd: usize,
    pub interest: u32,
    pub data: u64,
}

pub type EventQueueRef = Arc<spin::Mutex<Vec<Watch>>>;

/// Identifies a timer (for wait queues).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimerId(pub u64);

static NEXT_TIMER: AtomicU64 = AtomicU64::new(1);

#[derive(Debug)]
pub struct TimerState {
    pub id: TimerId,
    /// Next expiry (TSC), if armed.
    pub deadline: Option<u64>,
    /// Period in TSC ticks (0: one-shot).
    pub interval: u64,
    /// Expirations not yet read.
    pub expirations: u64,
}

pub type TimerRef = Arc<spin::Mutex<TimerState>>;

pub fn new_timer() -> TimerRef {
    Arc::new(spin::Mutex::new(TimerState {
        id: TimerId(NEXT_TIMER.fetch_add(1, Ordering::Relaxed)),
        deadline: None,
        interval: 0,
        expirations: 0,
    }))
}

/// Counts the expirations of `timer` up to `now`; returns the queue to wake
/// if it expired.
pub fn expire(timer: &TimerRef, now: u64) -> Option<WaitKey> {
    let mut state = timer.lock();
    let deadline = state.deadline.filter(|d| *d <= now)?;
    match (now - deadline).checked_div(state.interval) {
        None => {
            state.expirations += 1;
            state.deadline = None;
        }
        Some(elapsed_periods) => {
            let periods = elapsed_periods + 1;
            state.expirations += periods;
            state.deadline = Some(deadline + periods * state.interval);
        }
    }
    Some(WaitKey::Timer(state.id))
}

/// The wait queue a change to `object`'s readiness wakes; `None` for
/// objects whose readiness never changes. Only these kinds of key are
/// looked at for event-queue waiters on a wake (`WaitKey::is_watchable`
/// lists them: keep the two in step).
pub fn wait_key(object: &Object) -> Option<WaitKey> {
    match object {
        Object::Pipe(end) => Some(WaitKey::Pipe(end.id())),
        Object::SchemeEndpoint(endpoint) => Some(WaitKey::SchemeRequests(endpoint.0.lock().id)),
        Object::Timer(timer) => Some(WaitKey::Timer(timer.lock().id)),
        Object::Process { end, .. } | Object::Thread { end, .. } => Some(WaitKey::Ended(Arc::as_ptr(end) as usize)),
        Object::Interrupt(claim) => Some(WaitKey::Interrupt(claim.id)),
        Object::SchemeHandle(_) => Some(WaitKey::Events),
        _ => None,
    }
}

/// What an object is ready for right now.
pub fn readiness(object: &Object) -> u32 {
    match object {
        Object::Pipe(end) => {
            let state = end.state();
            if end.is_reader() {
                if !state.buffer.is_empty() || state.writers == 0 { EVENT_READ } else { 0 }
            } else if state.buffer.len() < PIPE_CAPACITY || state.readers == 0 {
                EVENT_WRITE
            } else {
                0
            }
        }
        Object::SchemeEndpoint(endpoint) => {
            EVENT_WRITE | if crate::scheme::has_pending(&endpoint.0) { EVENT_READ } else { 0 }
        }
        Object::Timer(timer) => {
            if timer.lock().expirations > 0 {
                EVENT_READ
            } else {
                0
            }
        }
        Object::EventQueue(_) | Object::Namespace(_) | Object::Memory { .. } => 0,
        Object::Directory { .. } => EVENT_READ,
        Object::Process { end, .. } | Object::Thread { end, .. } => {
            if end.lock().is_some() {
                EVENT_READ
            } else {
                0
            }
        }
        Object::SchemeHandle(client) => crate::scheme::readiness(client),
        Object::Interrupt(line) => EVENT_WRITE | if line.pending() { EVENT_READ } else { 0 },
        Object::IoPorts(_) | Object::DeviceMemory { .. } => 0,
        Object::DeviceContext(_) | Object::DmaMemory { .. } => EVENT_READ | EVENT_WRITE,
        Object::DeviceControl(_) => EVENT_WRITE,
        Object::SchedAffinity(_) => EVENT_READ | EVENT_WRITE,
        Object::PowerSwitch => EVENT_WRITE,
        Object::Framebuffer(_) => EVENT_READ | EVENT_WRITE,
        Object::Console | Object::InitfsFile { .. } | Object::SysFile { .. } | Object::Device(_) => {
            EVENT_READ | EVENT_WRITE
        }
    }
}
