//! Clocks: [`Instant`] on `CLOCK_MONOTONIC`, [`SystemTime`] on
//! `CLOCK_REALTIME`, and [`Duration`].
//!
//! Depends on [`crate::sys`] and `cairn-abi` (`TimeSpec`, clock ids).

use core::fmt;
use core::ops::{Add, AddAssign, Sub, SubAssign};

use cairn_abi::{CLOCK_MONOTONIC, CLOCK_REALTIME, Syscall, TimeSpec};
pub use core::time::Duration;

use crate::error::Result;
use crate::sys::syscall2;

/// Reads clock `clock` (`CLOCK_MONOTONIC` or `CLOCK_REALTIME`).
pub fn clock_gettime(clock: usize) -> Result<Duration> {
    let mut ts = TimeSpec::default();
    // SAFETY: the kernel writes one `TimeSpec` into `ts`.
    unsafe { syscall2(Syscall::ClockGettime as usize, clock, (&raw mut ts) as usize)? };
    Ok(timespec_to_duration(&ts))
}

/// A `TimeSpec` as a `Duration` (negative fields count as zero).
pub(crate) fn timespec_to_duration(ts: &TimeSpec) -> Duration {
    Duration::new(u64::try_from(ts.tv_sec).unwrap_or(0), u32::try_from(ts.tv_nsec).unwrap_or(0))
}

/// A `Duration` as a `TimeSpec` (saturating at `i64::MAX` seconds).
pub(crate) fn duration_to_timespec(d: Duration) -> TimeSpec {
    TimeSpec { tv_sec: i64::try_from(d.as_secs()).unwrap_or(i64::MAX), tv_nsec: d.subsec_nanos() as i32 }
}

/// A reading of the monotonic clock (time since boot).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(Duration);

impl Instant {
    /// Now. Panics only if the kernel refuses `CLOCK_MONOTONIC`.
    pub fn now() -> Instant {
        match clock_gettime(CLOCK_MONOTONIC) {
            Ok(t) => Instant(t),
            Err(e) => panic!("clock_gettime(CLOCK_MONOTONIC) failed: {e}"),
        }
    }

    /// Time since boot at this instant.
    pub fn since_boot(&self) -> Duration {
        self.0
    }

    /// Time from `earlier` to `self` (zero if `earlier` is later).
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    /// Time since this instant.
    pub fn elapsed(&self) -> Duration {
        Instant::now().duration_since(*self)
    }

    pub fn checked_add(&self, d: Duration) -> Option<Instant> {
        self.0.checked_add(d).map(Instant)
    }

    pub fn checked_sub(&self, d: Duration) -> Option<Instant> {
        self.0.checked_sub(d).map(Instant)
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;
    fn add(self, d: Duration) -> Instant {
        Instant(self.0 + d)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        self.0 += d;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;
    fn sub(self, d: Duration) -> Instant {
        Instant(self.0 - d)
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, d: Duration) {
        self.0 -= d;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;
    fn sub(self, other: Instant) -> Duration {
        self.duration_since(other)
    }
}

/// A reading of the wall clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SystemTime(Duration);

/// 1970-01-01 00:00:00 UTC.
pub const UNIX_EPOCH: SystemTime = SystemTime(Duration::ZERO);

/// A [`SystemTime`] was later than the one it was measured from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SystemTimeError(Duration);

impl SystemTimeError {
    /// How much later it was.
    pub fn duration(&self) -> Duration {
        self.0
    }
}

impl fmt::Display for SystemTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "second time provided was later than self by {:?}", self.0)
    }
}

impl SystemTime {
    pub const UNIX_EPOCH: SystemTime = UNIX_EPOCH;

    /// Now. Panics only if the kernel refuses `CLOCK_REALTIME`.
    pub fn now() -> SystemTime {
        match clock_gettime(CLOCK_REALTIME) {
            Ok(t) => SystemTime(t),
            Err(e) => panic!("clock_gettime(CLOCK_REALTIME) failed: {e}"),
        }
    }

    /// Time from `earlier` to `self`.
    pub fn duration_since(&self, earlier: SystemTime) -> core::result::Result<Duration, SystemTimeError> {
        self.0.checked_sub(earlier.0).ok_or_else(|| SystemTimeError(earlier.0 - self.0))
    }

    /// Time since this moment.
    pub fn elapsed(&self) -> core::result::Result<Duration, SystemTimeError> {
        SystemTime::now().duration_since(*self)
    }
}

impl Add<Duration> for SystemTime {
    type Output = SystemTime;
    fn add(self, d: Duration) -> SystemTime {
        SystemTime(self.0 + d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespec_round_trip() {
        let d = Duration::new(12, 345_678_901);
        let ts = duration_to_timespec(d);
        assert_eq!((ts.tv_sec, ts.tv_nsec), (12, 345_678_901));
        assert_eq!(timespec_to_duration(&ts), d);
        assert_eq!(timespec_to_duration(&TimeSpec { tv_sec: -1, tv_nsec: -5 }), Duration::ZERO);
        assert_eq!(duration_to_timespec(Duration::MAX).tv_sec, i64::MAX);
    }

    #[test]
    fn ordering_and_arithmetic() {
        let a = Instant(Duration::from_millis(5));
        let b = a + Duration::from_millis(7);
        assert_eq!(b - a, Duration::from_millis(7));
        assert_eq!(a - b, Duration::ZERO);
        let t = UNIX_EPOCH + Duration::from_secs(10);
        assert_eq!(t.duration_since(UNIX_EPOCH), Ok(Duration::from_secs(10)));
        assert_eq!(UNIX_EPOCH.duration_since(t).unwrap_err().duration(), Duration::from_secs(10));
    }
}
