//! System call argument validation: bad pointers give `EFAULT`, bad file
//! descriptors `EBADF`, unknown numbers `ENOSYS`, bad flags and values
//! `EINVAL` (and the other errnos `docs/ABI.md` names) — and the kernel
//! survives all of it. Plus the console and `sysinfo` basics.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use cairn_rt::abi::error::{EBADF, EFAULT, EINVAL, ENAMETOOLONG, ENODEV, ENOENT, ENOSYS, EROFS};
use cairn_rt::abi::signal::SIG_BLOCK;
use cairn_rt::abi::{CLOCK_MONOTONIC, O_RDWR, SEEK_SET, Stat, StrSlice, TimeSpec};
use cairn_rt::error::Error;
use cairn_rt::fs::File;
use cairn_rt::signal::{SIGUSR1, SigAction};
use cairn_rt::sys::{self, MapFlags, NO_FD, PAGE_SIZE, Syscall, map_anonymous};
use cairn_rt::{Vec, vec};

use crate::util::{TestResult, call, ensure, expect_errno, in_child, ok, raw};

/// Lowest address of the kernel's direct map.
const KERNEL_DIRECT: usize = 0xffff_8000_0000_0000;
/// The kernel image.
const KERNEL_IMAGE: usize = 0xffff_ffff_8000_0000;
/// First non-canonical address above user space.
const NON_CANONICAL: usize = 0x0000_8000_0000_0000;
/// The last page below the canonical boundary, never mapped (ABI.md).
const LAST_USER_PAGE: usize = 0x7fff_ffff_f000;
/// Below the lowest user address (0x1_0000), never mapped.
const LOW_PAGE: usize = 0x1000;

/// A readable file to aim reads at.
fn some_file() -> Result<File, cairn_rt::String> {
    ok("open /bin/true", File::open("/bin/true"))
}

/// Checks every `(description, result, errno)` triple.
fn all(cases: Vec<(&str, Result<usize, Error>, i32)>) -> TestResult {
    for (what, result, errno) in cases {
        expect_errno(what, result, errno)?;
    }
    Ok(())
}

pub fn efault_null() -> TestResult {
    let file = some_file()?;
    let fd = file.as_raw_fd();
    all(vec![
        ("write(1, NULL, 8)", call(Syscall::Write, [1, 0, 8, 0, 0, 0]), EFAULT),
        ("read(file, NULL, 8)", call(Syscall::Read, [fd, 0, 8, 0, 0, 0]), EFAULT),
        ("open(NULL, 5)", call(Syscall::Open, [0, 5, 0, 0, 0, 0]), EFAULT),
        ("fstat(file, NULL)", call(Syscall::Fstat, [fd, 0, 0, 0, 0, 0]), EFAULT),
        ("clock_gettime(MONOTONIC, NULL)", call(Syscall::ClockGettime, [CLOCK_MONOTONIC, 0, 0, 0, 0, 0]), EFAULT),
        ("nanosleep(NULL, NULL)", call(Syscall::Nanosleep, [0, 0, 0, 0, 0, 0]), EFAULT),
        ("sysinfo(MEMORY, NULL, 24)", call(Syscall::Sysinfo, [0, 0, 24, 0, 0, 0]), EFAULT),
        ("futex_wait(NULL, 0, 0)", call(Syscall::FutexWait, [0, 0, 0, 0, 0, 0]), EFAULT),
        ("spawn(NULL path)", call(Syscall::Spawn, [0, 9, 0, 0, 0, 0]), EFAULT),
    ])
}

pub fn efault_kernel_half() -> TestResult {
    let file = some_file()?;
    let fd = file.as_raw_fd();
    let mut set = 0u64;
    let set_ptr = (&raw mut set) as usize;
    let path = "/bin/true";
    let bad_argv = [StrSlice { ptr: KERNEL_IMAGE, len: 4 }];
    all(vec![
        ("write(1, kernel image, 16)", call(Syscall::Write, [1, KERNEL_IMAGE, 16, 0, 0, 0]), EFAULT),
        ("write(1, direct map, 16)", call(Syscall::Write, [1, KERNEL_DIRECT, 16, 0, 0, 0]), EFAULT),
        ("write(1, non-canonical, 16)", call(Syscall::Write, [1, NON_CANONICAL, 16, 0, 0, 0]), EFAULT),
        (
            "write(1, range crossing the user end, 64)",
            call(Syscall::Write, [1, NON_CANONICAL - 16, 64, 0, 0, 0]),
            EFAULT,
        ),
        // Reads into the kernel would overwrite it: the worst case.
        ("read(file, kernel image, 16)", call(Syscall::Read, [fd, KERNEL_IMAGE, 16, 0, 0, 0]), EFAULT),
        (
            "read(file, direct map + 1 MiB, 16)",
            call(Syscall::Read, [fd, KERNEL_DIRECT + (1 << 20), 16, 0, 0, 0]),
            EFAULT,
        ),
        ("fstat(file, direct map)", call(Syscall::Fstat, [fd, KERNEL_DIRECT, 0, 0, 0, 0]), EFAULT),
        (
            "clock_gettime(kernel image)",
            call(Syscall::ClockGettime, [CLOCK_MONOTONIC, KERNEL_IMAGE, 0, 0, 0, 0]),
            EFAULT,
        ),
        ("open(kernel image, 8)", call(Syscall::Open, [KERNEL_IMAGE, 8, 0, 0, 0, 0]), EFAULT),
        ("sigaction(SIGUSR1, kernel image)", call(Syscall::Sigaction, [SIGUSR1, KERNEL_IMAGE, 0, 0, 0, 0]), EFAULT),
        (
            "sigprocmask(BLOCK, kernel image)",
            call(Syscall::Sigprocmask, [SIG_BLOCK, KERNEL_IMAGE, set_ptr, 0, 0, 0]),
            EFAULT,
        ),
        (
            "spawn(argv array in the kernel)",
            call(Syscall::Spawn, [path.as_ptr() as usize, path.len(), KERNEL_IMAGE, 1, 0, 0]),
            EFAULT,
        ),
        (
            "spawn(argv[0] pointing into the kernel)",
            call(Syscall::Spawn, [path.as_ptr() as usize, path.len(), bad_argv.as_ptr() as usize, 1, 0, 0]),
            EFAULT,
        ),
    ])
}

pub fn efault_unmapped() -> TestResult {
    let file = some_file()?;
    let fd = file.as_raw_fd();
    let rw = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE;
    // A read-only page: the kernel must not write into it.
    let ro = ok("mmap", map_anonymous(PAGE_SIZE, MapFlags::PROT_READ | MapFlags::MAP_PRIVATE))?;
    // Two pages, the second to be unmapped: a buffer running off the first.
    let half = ok("mmap", map_anonymous(2 * PAGE_SIZE, rw))?;
    // A page that was mapped and is no more.
    let gone = ok("mmap", map_anonymous(PAGE_SIZE, rw))?;
    // Unmap last, and map nothing afterwards: a later mapping could reuse
    // the holes.
    // SAFETY: nothing uses these pages.
    unsafe {
        ok("munmap", sys::munmap(gone, PAGE_SIZE))?;
        ok("munmap", sys::munmap(half + PAGE_SIZE, PAGE_SIZE))?;
    }
    let result = all(vec![
        ("write(1, unmapped page, 8)", call(Syscall::Write, [1, gone, 8, 0, 0, 0]), EFAULT),
        ("read(file, unmapped page, 8)", call(Syscall::Read, [fd, gone, 8, 0, 0, 0]), EFAULT),
        ("clock_gettime(unmapped page)", call(Syscall::ClockGettime, [CLOCK_MONOTONIC, gone, 0, 0, 0, 0]), EFAULT),
        ("write(1, 0x1000, 8)", call(Syscall::Write, [1, LOW_PAGE, 8, 0, 0, 0]), EFAULT),
        ("read(file, last user page, 8)", call(Syscall::Read, [fd, LAST_USER_PAGE, 8, 0, 0, 0]), EFAULT),
        (
            "write(1, buffer running into an unmapped page)",
            call(Syscall::Write, [1, half + PAGE_SIZE - 8, 16, 0, 0, 0]),
            EFAULT,
        ),
        ("read(file, read-only page, 16)", call(Syscall::Read, [fd, ro, 16, 0, 0, 0]), EFAULT),
        ("clock_gettime(read-only page)", call(Syscall::ClockGettime, [CLOCK_MONOTONIC, ro, 0, 0, 0, 0]), EFAULT),
    ]);
    // The read-only page must still be all zero.
    let untouched = (0..PAGE_SIZE).all(|i| crate::util::peek(ro + i) == 0);
    // SAFETY: the test's own mappings, no longer used.
    unsafe {
        let _ = sys::munmap(half, PAGE_SIZE);
        let _ = sys::munmap(ro, PAGE_SIZE);
    }
    result?;
    ensure!(untouched, "a failed read still wrote into the read-only page");
    Ok(())
}

/// `clock_gettime` runs without the big kernel lock and falls back to the
/// locked path when its store faults: into pages never touched yet (the
/// fallback faults them in) it succeeds, also across a page boundary; a
/// `TimeSpec` running into a read-only page is `EFAULT`.
pub fn clock_gettime_fresh_pages() -> TestResult {
    let rw = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE;
    let pages = ok("mmap", map_anonymous(3 * PAGE_SIZE, rw))?;
    let result = (|| -> TestResult {
        let before = ok("clock_gettime", cairn_rt::time::clock_gettime(CLOCK_MONOTONIC))?.as_secs() as i64;
        for (what, address) in [("a fresh page", pages), ("across two fresh pages", pages + 2 * PAGE_SIZE - 8)] {
            ok(what, call(Syscall::ClockGettime, [CLOCK_MONOTONIC, address, 0, 0, 0, 0]))?;
            // SAFETY: the call just wrote a `TimeSpec` there.
            let got: TimeSpec = unsafe { core::ptr::read_unaligned(address as *const TimeSpec) };
            ensure!(got.tv_sec >= before && (0..1_000_000_000).contains(&got.tv_nsec), "{what}: {got:?}");
        }
        // SAFETY: the test's own mapping.
        ok("mprotect", unsafe { sys::mprotect(pages + 2 * PAGE_SIZE, PAGE_SIZE, MapFlags::PROT_READ) })?;
        let straddling = pages + 2 * PAGE_SIZE - 8;
        expect_errno(
            "clock_gettime running into a read-only page",
            call(Syscall::ClockGettime, [CLOCK_MONOTONIC, straddling, 0, 0, 0, 0]),
            EFAULT,
        )
    })();
    // SAFETY: the test's own mapping, no longer used.
    unsafe {
        let _ = sys::munmap(pages, 3 * PAGE_SIZE);
    }
    result
}

pub fn ebadf() -> TestResult {
    let mut byte = [0u8; 1];
    let buf = byte.as_mut_ptr() as usize;
    let mut stat = Stat::default();
    let stat_ptr = (&raw mut stat) as usize;
    let file = some_file()?;
    let fd = file.as_raw_fd();
    let closed = some_file()?;
    let closed_fd = closed.as_raw_fd();
    drop(closed);
    all(vec![
        ("write(999)", call(Syscall::Write, [999, buf, 1, 0, 0, 0]), EBADF),
        ("read(999)", call(Syscall::Read, [999, buf, 1, 0, 0, 0]), EBADF),
        ("close(999)", call(Syscall::Close, [999, 0, 0, 0, 0, 0]), EBADF),
        ("close(usize::MAX)", call(Syscall::Close, [usize::MAX, 0, 0, 0, 0, 0]), EBADF),
        ("fstat(999)", call(Syscall::Fstat, [999, stat_ptr, 0, 0, 0, 0]), EBADF),
        ("lseek(999)", call(Syscall::Lseek, [999, 0, SEEK_SET, 0, 0, 0]), EBADF),
        ("read(closed fd)", call(Syscall::Read, [closed_fd, buf, 1, 0, 0, 0]), EBADF),
        ("close(closed fd)", call(Syscall::Close, [closed_fd, 0, 0, 0, 0, 0]), EBADF),
        ("write(read-only file)", call(Syscall::Write, [fd, buf, 1, 0, 0, 0]), EBADF),
    ])
}

pub fn enosys() -> TestResult {
    let first_unused = cairn_rt::abi::SYSCALL_COUNT;
    for number in [first_unused, first_unused + 1, 255, 9999, 1 << 32, usize::MAX] {
        expect_errno(&cairn_rt::format!("system call {number}"), raw(number, [0; 6]), ENOSYS)?;
    }
    Ok(())
}

pub fn bad_flags_and_values() -> TestResult {
    let rw = MapFlags::PROT_READ | MapFlags::PROT_WRITE;
    let private = (rw | MapFlags::MAP_PRIVATE).bits();
    let mut ts = TimeSpec::default();
    let ts_ptr = (&raw mut ts) as usize;
    let mut set = 0u64;
    let set_ptr = (&raw mut set) as usize;
    let mut status = 0u32;
    let status_ptr = (&raw mut status) as usize;
    let action = SigAction::default();
    let action_ptr = (&raw const action) as usize;
    let bad_nsec = TimeSpec { tv_sec: 0, tv_nsec: 2_000_000_000 };
    let negative = TimeSpec { tv_sec: -1, tv_nsec: 0 };
    let mut info = [0u8; 64];
    let info_ptr = info.as_mut_ptr() as usize;
    let words = [0u32; 2];
    let unaligned = words.as_ptr() as usize + 1;
    let file = some_file()?;
    let fd = file.as_raw_fd();
    let long_path = vec![b'a'; 5000];
    let bad_utf8 = b"/bin/\xff\xfe";
    let me = cairn_rt::process::id();
    let mmap = |addr, len, flags, fd| call(Syscall::Mmap, [addr, len, flags, fd, 0, 0]);
    all(vec![
        ("mmap(unknown flag bit 40)", mmap(0, PAGE_SIZE, private | (1 << 40), NO_FD), EINVAL),
        ("mmap(len 0)", mmap(0, 0, private, NO_FD), EINVAL),
        ("mmap(neither SHARED nor PRIVATE)", mmap(0, PAGE_SIZE, rw.bits(), NO_FD), EINVAL),
        ("mmap(SHARED and PRIVATE)", mmap(0, PAGE_SIZE, private | MapFlags::MAP_SHARED.bits(), NO_FD), EINVAL),
        ("mmap(FIXED at 0x10001)", mmap(0x10001, PAGE_SIZE, private | MapFlags::MAP_FIXED.bits(), NO_FD), EINVAL),
        ("mmap(fd 999)", mmap(0, PAGE_SIZE, private, 999), EBADF),
        ("mmap(fd 0, the console)", mmap(0, PAGE_SIZE, private, 0), ENODEV),
        ("munmap(unaligned)", call(Syscall::Munmap, [0x10001, PAGE_SIZE, 0, 0, 0, 0]), EINVAL),
        ("sigprocmask(how 99)", call(Syscall::Sigprocmask, [99, set_ptr, set_ptr, 0, 0, 0]), EINVAL),
        ("waitpid(options 0x100)", call(Syscall::Waitpid, [usize::MAX, status_ptr, 0x100, 0, 0, 0]), EINVAL),
        ("clock_gettime(clock 12345)", call(Syscall::ClockGettime, [12345, ts_ptr, 0, 0, 0, 0]), EINVAL),
        ("kill(self, 99)", call(Syscall::Kill, [me, 99, 0, 0, 0, 0]), EINVAL),
        ("kill(self, 64)", call(Syscall::Kill, [me, 64, 0, 0, 0, 0]), EINVAL),
        ("sigaction(0)", call(Syscall::Sigaction, [0, action_ptr, 0, 0, 0, 0]), EINVAL),
        ("sigaction(99)", call(Syscall::Sigaction, [99, action_ptr, 0, 0, 0, 0]), EINVAL),
        (
            "nanosleep(tv_nsec 2e9)",
            call(Syscall::Nanosleep, [(&raw const bad_nsec) as usize, ts_ptr, 0, 0, 0, 0]),
            EINVAL,
        ),
        (
            "nanosleep(tv_sec -1)",
            call(Syscall::Nanosleep, [(&raw const negative) as usize, ts_ptr, 0, 0, 0, 0]),
            EINVAL,
        ),
        ("sysinfo(kind 99)", call(Syscall::Sysinfo, [99, info_ptr, info.len(), 0, 0, 0]), EINVAL),
        ("sysinfo(MEMORY, 4-byte buffer)", call(Syscall::Sysinfo, [0, info_ptr, 4, 0, 0, 0]), EINVAL),
        ("lseek(whence 99)", call(Syscall::Lseek, [fd, 0, 99, 0, 0, 0]), EINVAL),
        ("set_priority(0, 99)", call(Syscall::SetPriority, [0, 99, 0, 0, 0, 0]), EINVAL),
        ("futex_wait(unaligned)", call(Syscall::FutexWait, [unaligned, 0, 0, 0, 0, 0]), EINVAL),
        (
            "open(5000-byte path)",
            call(Syscall::Open, [long_path.as_ptr() as usize, long_path.len(), 0, 0, 0, 0]),
            ENAMETOOLONG,
        ),
        ("open(non-UTF-8 path)", call(Syscall::Open, [bad_utf8.as_ptr() as usize, bad_utf8.len(), 0, 0, 0, 0]), EINVAL),
        ("open(/bin/true, O_RDWR)", call(Syscall::Open, ["/bin/true".as_ptr() as usize, 9, O_RDWR, 0, 0, 0]), EROFS),
    ])?;
    // Calls that would wreck the caller if wrongly accepted run in a child.
    in_child(|| {
        let stack = [0u128; 64];
        let top = stack.as_ptr() as usize + size_of_val(&stack);
        let entry = crate::util::spin_forever as *const () as usize;
        all(vec![
            ("set_fs_base(kernel image)", call(Syscall::SetFsBase, [KERNEL_IMAGE, 0, 0, 0, 0, 0]), EINVAL),
            ("set_fs_base(non-canonical)", call(Syscall::SetFsBase, [NON_CANONICAL, 0, 0, 0, 0, 0]), EINVAL),
            ("thread_create(misaligned stack)", call(Syscall::ThreadCreate, [entry, top - 8, 0, 0, 0, 0]), EINVAL),
            ("thread_create(kernel entry)", call(Syscall::ThreadCreate, [KERNEL_IMAGE, top, 0, 0, 0, 0]), EINVAL),
        ])
    })
}

/// `fstatat`: what `open(O_STAT)` + `fstat` give, for kernel files
/// (initfs, `/scheme/sys`) as for a server's; bad flags, pointers, fds
/// and paths refused.
pub fn fstatat_checks() -> TestResult {
    let fstatat = |dirfd: usize, path: &str, flags: usize, out: usize| {
        call(Syscall::Fstatat, [dirfd, path.as_ptr() as usize, path.len(), flags, out, 0])
    };
    let mut stat = Stat::default();
    let out = (&raw mut stat) as usize;
    for path in ["/bin/true", "/scheme/sys/uptime", "/etc/passwd"] {
        let mut by_fd = Stat::default();
        let file = ok(path, File::open(path))?;
        ok("fstat", call(Syscall::Fstat, [file.as_raw_fd(), (&raw mut by_fd) as usize, 0, 0, 0, 0]))?;
        ok(path, fstatat(cairn_rt::abi::AT_FDCWD, path, 0, out))?;
        ensure!(
            (stat.st_mode, stat.st_size, stat.st_ino) == (by_fd.st_mode, by_fd.st_size, by_fd.st_ino),
            "{path}: fstatat gave mode {:o} size {} inode {}, fstat mode {:o} size {} inode {}",
            stat.st_mode,
            stat.st_size,
            stat.st_ino,
            by_fd.st_mode,
            by_fd.st_size,
            by_fd.st_ino
        );
    }
    let bin = ok("open /bin", File::open("/bin"))?;
    ok("fstatat(/bin, true)", fstatat(bin.as_raw_fd(), "true", cairn_rt::abi::AT_SYMLINK_NOFOLLOW, out))?;
    ensure!(stat.st_size > 0, "/bin/true relative to /bin has size 0");
    all(vec![
        ("fstatat(flags 1)", fstatat(cairn_rt::abi::AT_FDCWD, "/bin/true", 1, out), EINVAL),
        ("fstatat(NULL stat)", fstatat(cairn_rt::abi::AT_FDCWD, "/bin/true", 0, 0), EFAULT),
        ("fstatat(kernel stat)", fstatat(cairn_rt::abi::AT_FDCWD, "/bin/true", 0, KERNEL_IMAGE), EFAULT),
        ("fstatat(NULL path)", call(Syscall::Fstatat, [cairn_rt::abi::AT_FDCWD, 0, 5, 0, out, 0]), EFAULT),
        ("fstatat(bad dirfd)", fstatat(999, "true", 0, out), EBADF),
        ("fstatat(missing)", fstatat(cairn_rt::abi::AT_FDCWD, "/bin/no-such-file", 0, out), ENOENT),
    ])
}

pub fn console_fds() -> TestResult {
    let msg = b"utest: console write check\n";
    let wrote = ok("write(1)", call(Syscall::Write, [1, msg.as_ptr() as usize, msg.len(), 0, 0, 0]))?;
    ensure!(wrote == msg.len(), "write(1) wrote {wrote} of {} bytes", msg.len());
    let wrote = ok("write(2)", call(Syscall::Write, [2, msg.as_ptr() as usize, msg.len(), 0, 0, 0]))?;
    ensure!(wrote == msg.len(), "write(2) wrote {wrote} of {} bytes", msg.len());
    let mut buf = [0u8; 8];
    let read = ok("read(0)", call(Syscall::Read, [0, buf.as_mut_ptr() as usize, buf.len(), 0, 0, 0]))?;
    ensure!(read == 0, "read(0) returned {read} bytes, the console reads as empty");
    Ok(())
}

pub fn sysinfo() -> TestResult {
    let mem = ok("sysinfo(MEMORY)", sys::memory_info())?;
    ensure!(mem.frame_size == PAGE_SIZE as u64, "frame size {}", mem.frame_size);
    ensure!(mem.total_frames > 0 && mem.free_frames <= mem.total_frames, "bad frame counts {mem:?}");
    let cpus = ok("sysinfo(CPUS)", sys::cpu_info())?;
    ensure!(!cpus.is_empty(), "no CPUs reported");
    for (i, cpu) in cpus.iter().enumerate() {
        ensure!(cpu.index as usize == i, "CPU #{i} reports index {}", cpu.index);
    }
    Ok(())
}
