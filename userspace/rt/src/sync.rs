//! Blocking synchronisation on Cairn futexes: [`Mutex`], [`Condvar`],
//! [`Once`] and [`OnceLock`], plus re-exports of `Arc` and the atomics.
//!
//! The algorithms are those of Rust's `std` futex back end (Drepper's
//! three-state mutex, a sequence-counter condition variable). There is no
//! poisoning: a panic aborts the whole process.
//!
//! Depends on [`crate::sys`] (futex calls) and `core`.

use core::cell::UnsafeCell;
use core::fmt;
use core::mem::MaybeUninit;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::AtomicU32;
use core::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use core::time::Duration;

pub use alloc::sync::{Arc, Weak};
pub use core::sync::atomic;

use crate::sys::{futex_wait, futex_wake};
use crate::time::Instant;

const UNLOCKED: u32 = 0;
const LOCKED: u32 = 1;
/// Locked, and some thread may be sleeping on the futex.
const CONTENDED: u32 = 2;

/// The futex lock under [`Mutex`] and the global allocator.
pub(crate) struct RawLock {
    state: AtomicU32,
}

impl RawLock {
    pub(crate) const fn new() -> RawLock {
        RawLock { state: AtomicU32::new(UNLOCKED) }
    }

    pub(crate) fn try_lock(&self) -> bool {
        self.state.compare_exchange(UNLOCKED, LOCKED, Acquire, Relaxed).is_ok()
    }

    pub(crate) fn lock(&self) {
        if !self.try_lock() {
            self.lock_contended();
        }
    }

    /// Spins briefly while the lock is held by a running thread.
    fn spin(&self) -> u32 {
        let mut spins = 100;
        loop {
            let state = self.state.load(Relaxed);
            if state != LOCKED || spins == 0 {
                return state;
            }
            core::hint::spin_loop();
            spins -= 1;
        }
    }

    #[cold]
    fn lock_contended(&self) {
        let mut state = self.spin();
        if state == UNLOCKED {
            match self.state.compare_exchange(UNLOCKED, LOCKED, Acquire, Relaxed) {
                Ok(_) => return,
                Err(s) => state = s,
            }
        }
        loop {
            // Taking the lock as CONTENDED is conservative: the unlock then
            // wakes a possible sleeper.
            if state != CONTENDED && self.state.swap(CONTENDED, Acquire) == UNLOCKED {
                return;
            }
            // EAGAIN (the value changed) and wake-ups both mean: look again.
            let _ = futex_wait(&self.state, CONTENDED, None);
            state = self.spin();
        }
    }

    /// Releases the lock.
    pub(crate) fn unlock(&self) {
        if self.state.swap(UNLOCKED, Release) == CONTENDED {
            // A failed wake leaves nobody stranded who could be woken.
            let _ = futex_wake(&self.state, 1);
        }
    }
}

// SAFETY: `RawLock` is a mutual-exclusion lock: `lock`/`try_lock` return
// only to one owner at a time (compare-exchange/swap with Acquire), and
// `unlock` releases with Release ordering.
unsafe impl lock_api::RawMutex for RawLock {
    #[allow(clippy::declare_interior_mutable_const)] // `lock_api`'s required initialiser
    const INIT: RawLock = RawLock::new();
    type GuardMarker = lock_api::GuardSend;

    fn lock(&self) {
        RawLock::lock(self)
    }

    fn try_lock(&self) -> bool {
        RawLock::try_lock(self)
    }

    unsafe fn unlock(&self) {
        RawLock::unlock(self)
    }
}

/// A mutual-exclusion lock protecting a `T`.
pub struct Mutex<T: ?Sized> {
    lock: RawLock,
    data: UnsafeCell<T>,
}

// SAFETY: the lock hands out access to `data` to one thread at a time, so
// sharing the mutex only needs the value to be sendable.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}
// SAFETY: moving the mutex moves the value.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}

impl<T> Mutex<T> {
    /// A new unlocked mutex.
    pub const fn new(value: T) -> Mutex<T> {
        Mutex { lock: RawLock::new(), data: UnsafeCell::new(value) }
    }

    /// The protected value.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Blocks until the lock is free, then takes it.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        self.lock.lock();
        MutexGuard { mutex: self }
    }

    /// Takes the lock if it is free.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.lock.try_lock().then_some(MutexGuard { mutex: self })
    }

    /// The value, without locking (the `&mut` proves exclusivity).
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T: ?Sized> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Mutex { .. }")
    }
}

/// Access to a locked [`Mutex`]'s value; unlocks when dropped.
#[must_use = "the lock is released at once if the guard is not kept"]
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
}

// SAFETY: a shared guard only gives `&T`.
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock, so no one else accesses `data`.
        unsafe { &*self.mutex.data.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock, so no one else accesses `data`.
        unsafe { &mut *self.mutex.data.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.lock.unlock();
    }
}

/// A condition variable: threads wait for a change of state protected by
/// a [`Mutex`].
pub struct Condvar {
    /// Bumped by every notification; waiters sleep on its old value.
    seq: AtomicU32,
}

impl Condvar {
    pub const fn new() -> Condvar {
        Condvar { seq: AtomicU32::new(0) }
    }

    /// Unlocks `guard`'s mutex, sleeps until notified (or spuriously), and
    /// locks it again.
    pub fn wait<'a, T>(&self, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
        self.wait_optional_timeout(guard, None).0
    }

    /// Waits while `condition` holds.
    pub fn wait_while<'a, T, F: FnMut(&mut T) -> bool>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: F,
    ) -> MutexGuard<'a, T> {
        while condition(&mut guard) {
            guard = self.wait(guard);
        }
        guard
    }

    /// Like [`wait`](Self::wait), for at most `timeout`; the flag is true if
    /// the time ran out.
    pub fn wait_timeout<'a, T>(&self, guard: MutexGuard<'a, T>, timeout: Duration) -> (MutexGuard<'a, T>, bool) {
        self.wait_optional_timeout(guard, Some(timeout))
    }

    fn wait_optional_timeout<'a, T>(
        &self,
        guard: MutexGuard<'a, T>,
        timeout: Option<Duration>,
    ) -> (MutexGuard<'a, T>, bool) {
        let mutex = guard.mutex;
        let seq = self.seq.load(Relaxed);
        drop(guard);
        let start = timeout.map(|_| Instant::now());
        // Wake-ups, EAGAIN (a notification came first) and time-outs all end
        // the wait; only the clock decides whether it timed out.
        let _ = futex_wait(&self.seq, seq, timeout);
        let timed_out = match (start, timeout) {
            (Some(start), Some(limit)) => start.elapsed() >= limit,
            _ => false,
        };
        (mutex.lock(), timed_out)
    }

    /// Wakes one waiting thread.
    pub fn notify_one(&self) {
        self.seq.fetch_add(1, Relaxed);
        let _ = futex_wake(&self.seq, 1);
    }

    /// Wakes every waiting thread.
    pub fn notify_all(&self) {
        self.seq.fetch_add(1, Relaxed);
        let _ = futex_wake(&self.seq, i32::MAX as usize);
    }
}

impl Default for Condvar {
    fn default() -> Condvar {
        Condvar::new()
    }
}

const INCOMPLETE: u32 = 0;
const RUNNING: u32 = 1;
/// Running, and some thread may be sleeping on the futex.
const QUEUED: u32 = 2;
const COMPLETE: u32 = 3;

/// Runs a one-time initialisation exactly once.
pub struct Once {
    state: AtomicU32,
}

impl Once {
    pub const fn new() -> Once {
        Once { state: AtomicU32::new(INCOMPLETE) }
    }

    /// Whether a `call_once` has finished.
    pub fn is_completed(&self) -> bool {
        self.state.load(Acquire) == COMPLETE
    }

    /// Runs `f` if no call has run yet; otherwise waits for the running one
    /// to finish.
    pub fn call_once<F: FnOnce()>(&self, f: F) {
        let mut f = Some(f);
        let mut state = self.state.load(Acquire);
        loop {
            match state {
                COMPLETE => return,
                INCOMPLETE => match self.state.compare_exchange(INCOMPLETE, RUNNING, Acquire, Acquire) {
                    Ok(_) => {
                        if let Some(f) = f.take() {
                            f();
                        }
                        if self.state.swap(COMPLETE, Release) == QUEUED {
                            let _ = futex_wake(&self.state, i32::MAX as usize);
                        }
                        return;
                    }
                    Err(s) => state = s,
                },
                _ => {
                    if state == RUNNING
                        && let Err(s) = self.state.compare_exchange(RUNNING, QUEUED, Relaxed, Acquire)
                    {
                        state = s;
                        continue;
                    }
                    let _ = futex_wait(&self.state, QUEUED, None);
                    state = self.state.load(Acquire);
                }
            }
        }
    }
}

impl Default for Once {
    fn default() -> Once {
        Once::new()
    }
}

/// A value written at most once, readable from any thread afterwards.
pub struct OnceLock<T> {
    once: Once,
    value: UnsafeCell<MaybeUninit<T>>,
}

// SAFETY: the value is written once (inside `Once`, which orders the write
// before every `is_completed` reader) and then only shared.
unsafe impl<T: Send + Sync> Sync for OnceLock<T> {}
// SAFETY: moving the lock moves the value.
unsafe impl<T: Send> Send for OnceLock<T> {}

impl<T> OnceLock<T> {
    pub const fn new() -> OnceLock<T> {
        OnceLock { once: Once::new(), value: UnsafeCell::new(MaybeUninit::uninit()) }
    }

    /// The value, if it has been set.
    pub fn get(&self) -> Option<&T> {
        // SAFETY: `is_completed` (Acquire) means the value was written and
        // is never written again.
        self.once.is_completed().then(|| unsafe { (*self.value.get()).assume_init_ref() })
    }

    /// Sets the value; gives it back if one was set already.
    pub fn set(&self, value: T) -> Result<(), T> {
        let mut value = Some(value);
        self.get_or_init(|| value.take().unwrap_or_else(|| unreachable!()));
        value.map_or(Ok(()), Err)
    }

    /// The value, computing it with `f` if it has not been set.
    pub fn get_or_init<F: FnOnce() -> T>(&self, f: F) -> &T {
        self.once.call_once(|| {
            // SAFETY: inside `call_once` this thread is the only writer, and
            // no reader looks before completion.
            unsafe { (*self.value.get()).write(f()) };
        });
        // SAFETY: `call_once` returned, so the value is initialised.
        unsafe { (*self.value.get()).assume_init_ref() }
    }
}

impl<T> Default for OnceLock<T> {
    fn default() -> OnceLock<T> {
        OnceLock::new()
    }
}

impl<T> Drop for OnceLock<T> {
    fn drop(&mut self) {
        if self.once.is_completed() {
            // SAFETY: completed means initialised; `&mut self` means no reader.
            unsafe { self.value.get_mut().assume_init_drop() };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncontended_mutex_and_once_need_no_kernel() {
        let m = Mutex::new(5);
        *m.lock() += 1;
        assert!(m.try_lock().is_some());
        let g = m.lock();
        assert!(m.try_lock().is_none());
        drop(g);
        assert_eq!(m.into_inner(), 6);

        let cell = OnceLock::new();
        assert_eq!(cell.get(), None);
        assert_eq!(cell.set(1), Ok(()));
        assert_eq!(cell.set(2), Err(2));
        assert_eq!(*cell.get_or_init(|| 3), 1);
    }
}
