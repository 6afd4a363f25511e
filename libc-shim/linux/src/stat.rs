//! Linux's x86-64 `struct stat`, `struct timespec` and `struct timeval`,
//! and their conversions from Cairn's `Stat` and `TimeSpec`.

use cairn_abi::{Stat, TimeSpec, error};

/// Linux's `struct timespec`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Timespec {
    pub tv_sec: i64,
    pub tv_nsec: i64,
}

/// Linux's `struct timeval`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Timeval {
    pub tv_sec: i64,
    pub tv_usec: i64,
}

impl Timeval {
    pub fn to_timespec(self) -> Timespec {
        Timespec { tv_sec: self.tv_sec, tv_nsec: self.tv_usec.saturating_mul(1000) }
    }
}

impl Timespec {
    /// Cairn's form (`EINVAL` for nanoseconds outside `0..1e9` or a
    /// negative time, as Linux's sleeps say).
    pub fn to_cairn(self) -> Result<TimeSpec, i32> {
        if !(0..1_000_000_000).contains(&self.tv_nsec) || self.tv_sec < 0 {
            return Err(error::EINVAL);
        }
        Ok(TimeSpec { tv_sec: self.tv_sec, tv_nsec: self.tv_nsec as i32 })
    }

    /// Cairn's form of a file time for `utimensat`: a time as
    /// [`Self::to_cairn`] checks it, or `UTIME_NOW`/`UTIME_OMIT` (the same
    /// nanosecond values on both sides) with any seconds.
    pub fn to_cairn_time(self) -> Result<TimeSpec, i32> {
        let special = [cairn_abi::UTIME_NOW, cairn_abi::UTIME_OMIT];
        if special.iter().any(|&s| i64::from(s) == self.tv_nsec) {
            return Ok(TimeSpec { tv_sec: 0, tv_nsec: self.tv_nsec as i32 });
        }
        self.to_cairn()
    }

    pub fn from_cairn(t: TimeSpec) -> Timespec {
        Timespec { tv_sec: t.tv_sec, tv_nsec: i64::from(t.tv_nsec) }
    }

    pub fn to_timeval(self) -> Timeval {
        Timeval { tv_sec: self.tv_sec, tv_usec: self.tv_nsec / 1000 }
    }
}

/// Linux's x86-64 `struct stat` (144 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct LinuxStat {
    pub st_dev: u64,
    pub st_ino: u64,
    pub st_nlink: u64,
    pub st_mode: u32,
    pub st_uid: u32,
    pub st_gid: u32,
    pub pad0: u32,
    pub st_rdev: u64,
    pub st_size: i64,
    pub st_blksize: i64,
    pub st_blocks: i64,
    pub st_atime: Timespec,
    pub st_mtime: Timespec,
    pub st_ctime: Timespec,
    pub unused: [i64; 3],
}

impl LinuxStat {
    /// Converts Cairn's `Stat`. The file-type bits of `st_mode` are POSIX's
    /// on both sides; Cairn has no device numbers, so `st_rdev` is 0.
    pub fn from_cairn(s: &Stat) -> LinuxStat {
        let time = |sec: u64, nsec: u32| Timespec { tv_sec: sec as i64, tv_nsec: i64::from(nsec) };
        LinuxStat {
            st_dev: s.st_dev,
            st_ino: s.st_ino,
            st_nlink: u64::from(s.st_nlink),
            st_mode: u32::from(s.st_mode),
            st_uid: s.st_uid,
            st_gid: s.st_gid,
            pad0: 0,
            st_rdev: 0,
            st_size: s.st_size as i64,
            st_blksize: i64::from(s.st_blksize),
            st_blocks: s.st_blocks as i64,
            st_atime: time(s.st_atime, s.st_atime_nsec),
            st_mtime: time(s.st_mtime, s.st_mtime_nsec),
            st_ctime: time(s.st_ctime, s.st_ctime_nsec),
            unused: [0; 3],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn layout_is_linux_x86_64() {
        assert_eq!(size_of::<LinuxStat>(), 144);
        assert_eq!(offset_of!(LinuxStat, st_mode), 24);
        assert_eq!(offset_of!(LinuxStat, st_rdev), 40);
        assert_eq!(offset_of!(LinuxStat, st_size), 48);
        assert_eq!(offset_of!(LinuxStat, st_blocks), 64);
        assert_eq!(offset_of!(LinuxStat, st_atime), 72);
        assert_eq!(offset_of!(LinuxStat, st_mtime), 88);
        assert_eq!(size_of::<Timespec>(), 16);
    }

    #[test]
    fn converts_a_cairn_stat() {
        let s = Stat {
            st_dev: 3,
            st_ino: 42,
            st_mode: cairn_abi::MODE_FILE | 0o644,
            st_nlink: 2,
            st_uid: 1000,
            st_gid: 100,
            st_size: 5000,
            st_blksize: 4096,
            st_blocks: 16,
            st_mtime: 1_700_000_000,
            st_mtime_nsec: 5,
            st_atime: 1_700_000_001,
            st_atime_nsec: 6,
            st_ctime: 1_700_000_002,
            st_ctime_nsec: 7,
        };
        let l = LinuxStat::from_cairn(&s);
        assert_eq!(l.st_mode, 0o100644);
        assert_eq!((l.st_ino, l.st_nlink, l.st_uid, l.st_gid), (42, 2, 1000, 100));
        assert_eq!((l.st_size, l.st_blksize, l.st_blocks), (5000, 4096, 16));
        assert_eq!(l.st_mtime, Timespec { tv_sec: 1_700_000_000, tv_nsec: 5 });
        assert_eq!(l.st_atime.tv_nsec, 6);
        assert_eq!(l.st_ctime.tv_sec, 1_700_000_002);
    }

    #[test]
    fn timespec_checks() {
        assert_eq!(Timespec { tv_sec: 1, tv_nsec: 5 }.to_cairn(), Ok(TimeSpec { tv_sec: 1, tv_nsec: 5 }));
        assert_eq!(Timespec { tv_sec: 1, tv_nsec: 1_000_000_000 }.to_cairn(), Err(error::EINVAL));
        assert_eq!(Timespec { tv_sec: 0, tv_nsec: -1 }.to_cairn(), Err(error::EINVAL));
        assert_eq!(Timespec { tv_sec: -1, tv_nsec: 0 }.to_cairn(), Err(error::EINVAL));
        assert_eq!(Timespec { tv_sec: 3, tv_nsec: 2_500 }.to_timeval(), Timeval { tv_sec: 3, tv_usec: 2 });
        let now = Timespec { tv_sec: 99, tv_nsec: (1 << 30) - 1 };
        assert_eq!(now.to_cairn_time(), Ok(TimeSpec { tv_sec: 0, tv_nsec: cairn_abi::UTIME_NOW }));
        assert_eq!(Timespec { tv_sec: 5, tv_nsec: 7 }.to_cairn_time(), Ok(TimeSpec { tv_sec: 5, tv_nsec: 7 }));
        assert_eq!(Timespec { tv_sec: 5, tv_nsec: (1 << 30) - 3 }.to_cairn_time(), Err(error::EINVAL));
        assert_eq!(Timeval { tv_sec: 3, tv_usec: 2 }.to_timespec(), Timespec { tv_sec: 3, tv_nsec: 2_000 });
        // A bad timeval stays bad (caught by `to_cairn`).
        assert_eq!(Timeval { tv_sec: 0, tv_usec: 1_000_000 }.to_timespec().to_cairn(), Err(error::EINVAL));
    }
}
