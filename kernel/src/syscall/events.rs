//! Event-queue and timer system calls.

use alloc::sync::Arc;
use alloc::vec::Vec;

use cairn_abi::{EVENT_READ, EVENT_WRITE, Error, Event, Result, error, rights};

use super::file::{reply_value, scheme_call};
use super::thread::deadline_after;
use super::user;
use crate::events::{self, Watch, readiness, wait_key};
use crate::fd::{Handle, Object};
use crate::scheme::Call;
use crate::task;
use crate::time;
use cairn_abi::scheme::FEVENT;

fn errno(code: i32) -> Error {
    Error::new(code)
}

/// Most fds one queue watches.
const MAX_WATCHES: usize = 1024;

pub fn event_queue_create() -> Result<usize> {
    let queue = Arc::new(spin::Mutex::new(Vec::new()));
    task::with(|tasks| {
        tasks.current_process().fds.insert(Handle::new(Object::EventQueue(queue), rights::DUP | rights::SEND))
    })
}

pub fn event_queue_ctl(queue: usize, fd: usize, interest: usize, data: usize) -> Result<usize> {
    let interest = u32::try_from(interest).map_err(|_| errno(error::EINVAL))?;
    if interest & !(EVENT_READ | EVENT_WRITE) != 0 {
        return Err(errno(error::EINVAL));
    }
    let watched = task::with(|tasks| -> Result<Object> {
        let table = &mut tasks.current_process().fds;
        let Object::EventQueue(_) = &table.get(queue, 0)?.object else { return Err(errno(error::EINVAL)) };
        Ok(table.get(fd, 0)?.object.clone())
    })?;
    if let Object::SchemeHandle(client) = &watched
        && interest != 0
    {
        // The server says what is ready now (recorded as its answer
        // arrives) and posts changes from then on.
        let call = Call::new(FEVENT, client.id, [u64::from(interest), 0, 0], Vec::new(), 0);
        reply_value(&scheme_call(&client.scheme, call)?)?;
    }
    task::with(|tasks| {
        let table = &mut tasks.current_process().fds;
        table.get(fd, 0)?;
        let Object::EventQueue(watches) = &table.get(queue, 0)?.object else { return Err(errno(error::EINVAL)) };
        let mut watches = watches.lock();
        watches.retain(|w| w.fd != fd);
        if interest != 0 {
            if watches.len() >= MAX_WATCHES {
                return Err(errno(error::ENOSPC));
            }
            watches.push(Watch { fd, interest, data: data as u64 });
        }
        Ok(0)
    })
}

pub fn event_queue_wait(queue: usize, events: usize, max: usize, timeout_nanos: usize) -> Result<usize> {
    if max == 0 || max > MAX_WATCHES {
        return Err(errno(error::EINVAL));
    }
    let deadline = (timeout_nanos != usize::MAX).then(|| deadline_after(timeout_nanos as u128));
    loop {
        // Readiness is checked and the thread blocked under one lock, so a
        // change posted between the two cannot go unnoticed.
        let (ready, blocked) = task::with(|tasks| -> Result<(Vec<Event>, bool)> {
            let table = &mut tasks.current_process().fds;
            let Object::EventQueue(watches) = &table.get(queue, 0)?.object else { return Err(errno(error::EINVAL)) };
            let watches: Vec<Watch> = watches.lock().clone();
            let mut ready = Vec::new();
            let mut keys = Vec::new();
            for watch in watches {
                let Ok(handle) = table.get(watch.fd, 0) else { continue };
                let now = readiness(&handle.object) & watch.interest;
                if now != 0 && ready.len() < max {
                    ready.push(Event { data: watch.data, fd: watch.fd as u32, ready: now });
                }
                keys.extend(wait_key(&handle.object));
            }
            keys.sort_unstable();
            keys.dedup();
            let expired = timeout_nanos == 0 || deadline.is_some_and(|d| crate::arch::cpu::rdtsc() >= d);
            let block = ready.is_empty() && !expired;
            if block {
                tasks.block_current_any(keys, deadline);
            }
            Ok((ready, block))
        })?;
        if !ready.is_empty() {
            let bytes: Vec<u8> = ready.iter().flat_map(user::bytes_of).copied().collect();
            user::write_bytes(events, &bytes)?;
            return Ok(ready.len());
        }
        if !blocked {
            return Ok(0);
        }
        task::reschedule();
        let (timed_out, interrupted) = task::with(|tasks| {
            let thread = tasks.current_thread();
            (thread.timed_out, thread.interrupted)
        });
        if interrupted {
            return Err(errno(error::EINTR));
        }
        if timed_out {
            return Ok(0);
        }
    }
}

pub fn timer_create() -> Result<usize> {
    let timer = events::new_timer();
    task::with(|tasks| {
        tasks.current_process().fds.insert(Handle::new(Object::Timer(timer), rights::READ | rights::DUP | rights::SEND))
    })
}

pub fn timer_set(fd: usize, initial_nanos: usize, interval_nanos: usize) -> Result<usize> {
    let hz = u128::from(time::calibration().map_or(1_000_000_000, |c| c.tsc_hz));
    let interval = (interval_nanos as u128 * hz / 1_000_000_000).min(u128::from(u64::MAX / 4)) as u64;
    task::with(|tasks| {
        let Object::Timer(timer) = &tasks.current_process().fds.get(fd, 0)?.object else {
            return Err(errno(error::EINVAL));
        };
        let timer = timer.clone();
        {
            let mut state = timer.lock();
            state.deadline = (initial_nanos != 0).then(|| deadline_after(initial_nanos as u128));
            state.interval = interval;
            state.expirations = 0;
        }
        let armed = initial_nanos != 0;
        tasks.track_timer(&timer, armed);
        Ok(0)
    })
}
