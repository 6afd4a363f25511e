//! Flag words: Linux's `open`, `pipe2`, `mmap`/`mprotect`, `fcntl` and clock
//! values, translated to Cairn's (the Redox dialect of `cairn_abi`). Bits
//! Cairn cannot honour are refused with `EINVAL`, never silently dropped;
//! pure hints (`O_LARGEFILE`, `MAP_NORESERVE`...) are accepted.

use cairn_abi::{MapFlags, error};

/// Linux `open` flags (x86-64, `asm-generic/fcntl.h`).
pub mod open {
    pub const O_ACCMODE: usize = 0o3;
    pub const O_RDONLY: usize = 0o0;
    pub const O_WRONLY: usize = 0o1;
    pub const O_RDWR: usize = 0o2;
    pub const O_CREAT: usize = 0o100;
    pub const O_EXCL: usize = 0o200;
    pub const O_NOCTTY: usize = 0o400;
    pub const O_TRUNC: usize = 0o1000;
    pub const O_APPEND: usize = 0o2000;
    pub const O_NONBLOCK: usize = 0o4000;
    pub const O_LARGEFILE: usize = 0o100000;
    pub const O_DIRECTORY: usize = 0o200000;
    pub const O_NOFOLLOW: usize = 0o400000;
    pub const O_NOATIME: usize = 0o1000000;
    pub const O_CLOEXEC: usize = 0o2000000;
    pub const O_PATH: usize = 0o10000000;
}

/// The Linux `open` bits with a Cairn equivalent, beside it.
const OPEN_BITS: [(usize, usize); 7] = [
    (open::O_CREAT, cairn_abi::O_CREAT),
    (open::O_EXCL, cairn_abi::O_EXCL),
    (open::O_TRUNC, cairn_abi::O_TRUNC),
    (open::O_APPEND, cairn_abi::O_APPEND),
    (open::O_NONBLOCK, cairn_abi::O_NONBLOCK),
    (open::O_DIRECTORY, cairn_abi::O_DIRECTORY),
    (open::O_NOFOLLOW, cairn_abi::O_NOFOLLOW),
];

/// Linux `open` bits that change nothing on Cairn: files are always large,
/// access times are not kept, and a terminal becomes the controlling one
/// only for a session leader without one.
const OPEN_IGNORED: usize = open::O_LARGEFILE | open::O_NOATIME | open::O_NOCTTY;

/// Translates Linux `open` flags to Cairn's (`EINVAL` for an access mode of
/// 3 or a bit Cairn lacks, such as `O_SYNC`, `O_DIRECT`, `O_TMPFILE`).
pub fn open_to_cairn(flags: usize) -> Result<usize, i32> {
    let mut out = if flags & open::O_PATH != 0 {
        // An fd only to name the file: Cairn's O_STAT open gives exactly the
        // rights for fstat, fchmod, fchdir, openat...
        cairn_abi::O_STAT
    } else {
        match flags & open::O_ACCMODE {
            open::O_RDONLY => cairn_abi::O_RDONLY,
            open::O_WRONLY => cairn_abi::O_WRONLY,
            open::O_RDWR => cairn_abi::O_RDWR,
            _ => return Err(error::EINVAL),
        }
    };
    let mut known = open::O_ACCMODE | open::O_PATH | open::O_CLOEXEC | OPEN_IGNORED;
    for (linux, cairn) in OPEN_BITS {
        known |= linux;
        if flags & linux != 0 {
            out |= cairn;
        }
    }
    if flags & open::O_CLOEXEC != 0 {
        out |= cairn_abi::O_CLOEXEC;
    }
    if flags & !known != 0 {
        return Err(error::EINVAL);
    }
    Ok(out)
}

/// Translates Cairn's `F_GETFL` answer (access mode, `O_NONBLOCK`,
/// `O_APPEND`) back to Linux bits.
pub fn status_to_linux(flags: usize) -> usize {
    let mut out = match flags & cairn_abi::O_ACCMODE {
        cairn_abi::O_WRONLY => open::O_WRONLY,
        cairn_abi::O_RDWR => open::O_RDWR,
        _ => open::O_RDONLY,
    };
    for (linux, cairn) in OPEN_BITS {
        if flags & cairn == cairn {
            out |= linux;
        }
    }
    out & (open::O_ACCMODE | open::O_APPEND | open::O_NONBLOCK)
}

/// Translates the `F_SETFL` bits (`O_APPEND`, `O_NONBLOCK`; Linux ignores
/// the access mode and creation bits there, and so does this).
pub fn status_to_cairn(flags: usize) -> usize {
    let mut out = 0;
    if flags & open::O_APPEND != 0 {
        out |= cairn_abi::O_APPEND;
    }
    if flags & open::O_NONBLOCK != 0 {
        out |= cairn_abi::O_NONBLOCK;
    }
    out
}

/// Translates `pipe2`/`dup3` flags (`O_CLOEXEC`, `O_NONBLOCK`; `EINVAL`
/// for anything else).
pub fn fd_flags_to_cairn(flags: usize) -> Result<usize, i32> {
    if flags & !(open::O_CLOEXEC | open::O_NONBLOCK) != 0 {
        return Err(error::EINVAL);
    }
    let mut out = 0;
    if flags & open::O_CLOEXEC != 0 {
        out |= cairn_abi::O_CLOEXEC;
    }
    if flags & open::O_NONBLOCK != 0 {
        out |= cairn_abi::O_NONBLOCK;
    }
    Ok(out)
}

/// Linux `mmap` protections and flags.
pub mod mmap {
    pub const PROT_READ: usize = 0x1;
    pub const PROT_WRITE: usize = 0x2;
    pub const PROT_EXEC: usize = 0x4;
    pub const MAP_SHARED: usize = 0x1;
    pub const MAP_PRIVATE: usize = 0x2;
    pub const MAP_FIXED: usize = 0x10;
    pub const MAP_ANONYMOUS: usize = 0x20;
    pub const MAP_NORESERVE: usize = 0x4000;
    pub const MAP_POPULATE: usize = 0x8000;
    pub const MAP_STACK: usize = 0x20000;
    pub const MAP_FIXED_NOREPLACE: usize = 0x100000;
}

/// Translates `PROT_*` bits (`EINVAL` for others, e.g. `PROT_GROWSDOWN`).
pub fn prot_to_cairn(prot: usize) -> Result<MapFlags, i32> {
    if prot & !(mmap::PROT_READ | mmap::PROT_WRITE | mmap::PROT_EXEC) != 0 {
        return Err(error::EINVAL);
    }
    let mut out = MapFlags::PROT_NONE;
    if prot & mmap::PROT_READ != 0 {
        out |= MapFlags::PROT_READ;
    }
    if prot & mmap::PROT_WRITE != 0 {
        out |= MapFlags::PROT_WRITE;
    }
    if prot & mmap::PROT_EXEC != 0 {
        out |= MapFlags::PROT_EXEC;
    }
    Ok(out)
}

/// A Linux `mmap` request in Cairn's terms.
#[derive(Debug, PartialEq, Eq)]
pub struct Mapping {
    /// `MapFlags` bits plus Cairn's `MAP_POPULATE`.
    pub flags: usize,
    /// `MAP_ANONYMOUS`: Cairn's `NO_FD` instead of the fd.
    pub anonymous: bool,
}

/// Translates `mmap`'s protection and flags. `EINVAL` for a sharing type
/// other than exactly one of `MAP_SHARED`/`MAP_PRIVATE`, and for flags Cairn
/// lacks (`MAP_GROWSDOWN`, `MAP_HUGETLB`, `MAP_SHARED_VALIDATE`...).
pub fn mmap_to_cairn(prot: usize, flags: usize) -> Result<Mapping, i32> {
    let mut out = prot_to_cairn(prot)?;
    match flags & (mmap::MAP_SHARED | mmap::MAP_PRIVATE) {
        mmap::MAP_SHARED => out |= MapFlags::MAP_SHARED,
        mmap::MAP_PRIVATE => out |= MapFlags::MAP_PRIVATE,
        _ => return Err(error::EINVAL),
    }
    let known = mmap::MAP_SHARED
        | mmap::MAP_PRIVATE
        | mmap::MAP_FIXED
        | mmap::MAP_FIXED_NOREPLACE
        | mmap::MAP_ANONYMOUS
        | mmap::MAP_POPULATE
        | mmap::MAP_NORESERVE
        | mmap::MAP_STACK;
    if flags & !known != 0 {
        return Err(error::EINVAL);
    }
    if flags & mmap::MAP_FIXED_NOREPLACE != 0 {
        out |= MapFlags::MAP_FIXED_NOREPLACE;
    } else if flags & mmap::MAP_FIXED != 0 {
        out |= MapFlags::MAP_FIXED;
    }
    let anonymous = flags & mmap::MAP_ANONYMOUS != 0;
    let mut bits = out.bits();
    // Cairn populates anonymous private mappings only; elsewhere the flag
    // is Linux's hint and changes nothing visible.
    if anonymous && flags & mmap::MAP_POPULATE != 0 && flags & mmap::MAP_PRIVATE != 0 {
        bits |= cairn_abi::MAP_POPULATE;
    }
    Ok(Mapping { flags: bits, anonymous })
}

/// Linux clock ids with a Cairn clock.
pub fn clock_to_cairn(clock: usize) -> Result<usize, i32> {
    match clock {
        // CLOCK_REALTIME, CLOCK_REALTIME_COARSE
        0 | 5 => Ok(cairn_abi::CLOCK_REALTIME),
        // CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC_COARSE,
        // CLOCK_BOOTTIME (Cairn does not suspend)
        1 | 4 | 6 | 7 => Ok(cairn_abi::CLOCK_MONOTONIC),
        _ => Err(error::EINVAL),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_modes() {
        assert_eq!(open_to_cairn(open::O_RDONLY), Ok(cairn_abi::O_RDONLY));
        assert_eq!(open_to_cairn(open::O_WRONLY), Ok(cairn_abi::O_WRONLY));
        assert_eq!(open_to_cairn(open::O_RDWR), Ok(cairn_abi::O_RDWR));
        assert_eq!(open_to_cairn(3), Err(error::EINVAL));
        assert_eq!(open_to_cairn(open::O_PATH | open::O_CLOEXEC), Ok(cairn_abi::O_STAT | cairn_abi::O_CLOEXEC));
    }

    #[test]
    fn creation_and_status_bits() {
        // What musl's fopen("w") passes: O_WRONLY|O_CREAT|O_TRUNC (+ O_LARGEFILE
        // on some paths).
        let linux = open::O_WRONLY | open::O_CREAT | open::O_TRUNC | open::O_LARGEFILE;
        assert_eq!(open_to_cairn(linux), Ok(cairn_abi::O_WRONLY | cairn_abi::O_CREAT | cairn_abi::O_TRUNC));
        let linux = open::O_RDONLY | open::O_DIRECTORY | open::O_CLOEXEC | open::O_NONBLOCK | open::O_NOFOLLOW;
        assert_eq!(
            open_to_cairn(linux),
            Ok(cairn_abi::O_RDONLY
                | cairn_abi::O_DIRECTORY
                | cairn_abi::O_CLOEXEC
                | cairn_abi::O_NONBLOCK
                | cairn_abi::O_NOFOLLOW)
        );
        let linux = open::O_RDWR | open::O_CREAT | open::O_EXCL | open::O_APPEND;
        assert_eq!(
            open_to_cairn(linux),
            Ok(cairn_abi::O_RDWR | cairn_abi::O_CREAT | cairn_abi::O_EXCL | cairn_abi::O_APPEND)
        );
    }

    #[test]
    fn unsupported_open_bits_are_refused() {
        // O_SYNC, O_DSYNC, O_DIRECT, O_TMPFILE, O_ASYNC
        for bits in [0o4010000, 0o10000, 0o40000, 0o20200000, 0o20000] {
            assert_eq!(open_to_cairn(open::O_RDWR | bits), Err(error::EINVAL), "{bits:o}");
        }
    }

    #[test]
    fn status_flags_round_trip() {
        for linux in [open::O_RDONLY, open::O_WRONLY | open::O_APPEND, open::O_RDWR | open::O_NONBLOCK] {
            let cairn = open_to_cairn(linux).unwrap();
            assert_eq!(status_to_linux(cairn), linux);
        }
        assert_eq!(
            status_to_cairn(open::O_APPEND | open::O_NONBLOCK | open::O_CREAT),
            cairn_abi::O_APPEND | cairn_abi::O_NONBLOCK
        );
        assert_eq!(fd_flags_to_cairn(open::O_CLOEXEC), Ok(cairn_abi::O_CLOEXEC));
        assert_eq!(fd_flags_to_cairn(open::O_APPEND), Err(error::EINVAL));
    }

    #[test]
    fn anonymous_mappings() {
        let m = mmap_to_cairn(mmap::PROT_READ | mmap::PROT_WRITE, mmap::MAP_PRIVATE | mmap::MAP_ANONYMOUS).unwrap();
        assert!(m.anonymous);
        assert_eq!(m.flags, (MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE).bits());
        // Linux's MAP_ANONYMOUS is 0x20, which is Cairn's MAP_POPULATE: it
        // must never pass through.
        assert_eq!(m.flags & cairn_abi::MAP_POPULATE, 0);
        let m = mmap_to_cairn(mmap::PROT_READ, mmap::MAP_PRIVATE | mmap::MAP_ANONYMOUS | mmap::MAP_POPULATE).unwrap();
        assert_eq!(m.flags & cairn_abi::MAP_POPULATE, cairn_abi::MAP_POPULATE);
    }

    #[test]
    fn fixed_and_shared_mappings() {
        let m = mmap_to_cairn(mmap::PROT_READ, mmap::MAP_SHARED | mmap::MAP_FIXED).unwrap();
        assert!(!m.anonymous);
        assert_eq!(m.flags, (MapFlags::PROT_READ | MapFlags::MAP_SHARED | MapFlags::MAP_FIXED).bits());
        let m = mmap_to_cairn(0, mmap::MAP_PRIVATE | mmap::MAP_FIXED_NOREPLACE | mmap::MAP_ANONYMOUS).unwrap();
        assert_eq!(m.flags, (MapFlags::MAP_PRIVATE | MapFlags::MAP_FIXED_NOREPLACE).bits());
    }

    #[test]
    fn bad_mappings_are_refused() {
        assert_eq!(mmap_to_cairn(mmap::PROT_READ, mmap::MAP_ANONYMOUS), Err(error::EINVAL));
        assert_eq!(mmap_to_cairn(mmap::PROT_READ, 3 | mmap::MAP_ANONYMOUS), Err(error::EINVAL));
        // MAP_GROWSDOWN, MAP_HUGETLB
        assert_eq!(mmap_to_cairn(mmap::PROT_READ, mmap::MAP_PRIVATE | 0x100), Err(error::EINVAL));
        assert_eq!(mmap_to_cairn(mmap::PROT_READ, mmap::MAP_PRIVATE | 0x40000), Err(error::EINVAL));
        assert_eq!(prot_to_cairn(0x0100_0000), Err(error::EINVAL));
    }

    #[test]
    fn clocks() {
        assert_eq!(clock_to_cairn(0), Ok(cairn_abi::CLOCK_REALTIME));
        assert_eq!(clock_to_cairn(1), Ok(cairn_abi::CLOCK_MONOTONIC));
        // CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID: not kept yet.
        assert_eq!(clock_to_cairn(2), Err(error::EINVAL));
        assert_eq!(clock_to_cairn(3), Err(error::EINVAL));
    }
}
