//! The root file system on tmpfs, and the file operations that go with
//! it: the take-over of `/` from the initfs, executing from a scheme,
//! `openat` and a working directory held as a handle, hard links,
//! permissions, owners and times, `fstatvfs`, `fcntl`, `spawn_fd` in a
//! sandbox, and `mmap` of a tmpfs file.
//!
//! Runs after the root switch test; every other test here needs it.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use cairn_rt::abi::error::{EACCES, EBADF, EINVAL, ENODEV, ENOTDIR, EPERM, EXDEV};
use cairn_rt::abi::{
    F_DUPFD, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, MapFlags, O_APPEND, O_DIRECTORY, Syscall, rights,
};
use cairn_rt::fd::{self, ObjectType};
use cairn_rt::fs::{self, File, FileTime, OpenOptions};
use cairn_rt::io::{Read, Write};
use cairn_rt::process::{self, Command, ForkResult};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, env, scheme, thread};

use crate::util::{TestResult, call, ensure, expect_errno, in_child, ok};

/// Starts `/bin/tmpfs --root` and waits until `/` is served by it.
pub fn root_takes_over() -> TestResult {
    ok("start the root tmpfs", Command::new("/bin/tmpfs").arg("--root").spawn())?;
    let start = Instant::now();
    loop {
        let root = ok("open /", OpenOptions::new().read(true).custom_flags(O_DIRECTORY).open("/"))?;
        let kind = ok("fd_info", fd::info(root.as_raw_fd()))?.object_type;
        if kind == ObjectType::SchemeHandle as u32 {
            break;
        }
        ensure!(start.elapsed() < Duration::from_secs(20), "/ is still the initfs after 20 s");
        thread::sleep(Duration::from_millis(5));
    }
    let status = ok("run /bin/true from the tmpfs root", Command::new("/bin/true").status())?;
    ensure!(status.success(), "/bin/true: {status}");
    let copied = ok("read /bin/hello", fs::read("/bin/hello"))?;
    let original = ok("read the initfs copy", fs::read("/scheme/initfs/bin/hello"))?;
    ensure!(copied == original, "/bin/hello differs from the initfs copy");
    ok("write under /tmp", fs::write("/tmp/ut-root", b"written"))?;
    ensure!(ok("read it back", fs::read("/tmp/ut-root"))? == b"written", "read back wrong data");
    let tmp = ok("stat /tmp", fs::metadata("/tmp"))?;
    ensure!(tmp.permissions() == 0o1777, "/tmp has mode {:o}", tmp.permissions());
    Ok(())
}

pub fn openat_follows_the_directory_not_its_path() -> TestResult {
    ok("mkdir", fs::create_dir("/tmp/oa", 0o755))?;
    ok("mkdir sub", fs::create_dir("/tmp/oa/sub", 0o755))?;
    let dir = ok("open the directory", OpenOptions::new().read(true).custom_flags(O_DIRECTORY).open("/tmp/oa"))?;
    let mut file = ok("create relative", OpenOptions::new().write(true).create(true).open_at(&dir, "sub/f"))?;
    ok("write", file.write_all(b"at"))?;
    ensure!(ok("read by absolute path", fs::read("/tmp/oa/sub/f"))? == b"at", "wrong contents");
    ok("rename the directory", fs::rename("/tmp/oa", "/tmp/ob"))?;
    let mut moved = ok("open relative after the rename", OpenOptions::new().read(true).open_at(&dir, "sub/f"))?;
    let mut text = String::new();
    ok("read", moved.read_to_string(&mut text))?;
    ensure!(text == "at", "read {text:?} through the held directory");
    ok("`..` from the directory", OpenOptions::new().read(true).open_at(&dir, "../ob/sub/f").map(drop))?;
    let plain = ok("open a file", File::open("/tmp/ob/sub/f"))?;
    expect_errno("openat on a file", OpenOptions::new().read(true).open_at(&plain, "x").map(drop), ENOTDIR)?;
    expect_errno("openat on a bad fd", call(Syscall::Openat, [999, b"x".as_ptr() as usize, 1, 0, 0, 0]), EBADF)?;
    Ok(())
}

pub fn working_directory_is_held() -> TestResult {
    in_child(|| {
        ok("mkdir", fs::create_dir("/tmp/cw", 0o755))?;
        ok("chdir", env::set_current_dir("/tmp/cw"))?;
        ok("create relative", fs::write("f", b"cwd"))?;
        ok("rename the working directory", fs::rename("/tmp/cw", "/tmp/cw2"))?;
        ensure!(ok("read relative", fs::read("f"))? == b"cwd", "relative read after rename");
        ensure!(ok("getcwd", env::current_dir())? == "/tmp/cw", "getcwd reports the path used");
        let up = ok("open ..", OpenOptions::new().read(true).custom_flags(O_DIRECTORY).open(".."))?;
        ok("fchdir", up.chdir())?;
        ok("open through the new cwd", File::open("cw2/f").map(drop))?;
        let file = ok("open a file", File::open("cw2/f"))?;
        expect_errno("fchdir to a file", file.chdir(), ENOTDIR)?;
        Ok(())
    })
}

pub fn hard_links() -> TestResult {
    ok("create", fs::write("/tmp/la", b"one"))?;
    ok("link", fs::hard_link("/tmp/la", "/tmp/lb"))?;
    ensure!(ok("stat", fs::metadata("/tmp/la"))?.stat().st_nlink == 2, "two names, nlink 2");
    ok("write through the new name", fs::write("/tmp/lb", b"two"))?;
    ensure!(ok("read the old name", fs::read("/tmp/la"))? == b"two", "the names share one file");
    ok("unlink the first", fs::remove_file("/tmp/la"))?;
    ensure!(ok("read the second", fs::read("/tmp/lb"))? == b"two", "data lives on with one name");
    ensure!(ok("stat", fs::metadata("/tmp/lb"))?.stat().st_nlink == 1, "nlink after unlink");
    ok("mkdir", fs::create_dir("/tmp/ld", 0o755))?;
    expect_errno("link a directory", fs::hard_link("/tmp/ld", "/tmp/ld2"), EPERM)?;
    expect_errno("link into the initfs", fs::hard_link("/tmp/lb", "/scheme/initfs/x"), cairn_rt::abi::error::EROFS)?;
    expect_errno("link across schemes", fs::hard_link("/tmp/lb", "/scheme/null/x"), cairn_rt::abi::error::EROFS)?;
    Ok(())
}

/// Runs `body` in a child with uid and gid 1000.
pub(crate) fn as_user(body: impl FnOnce() -> TestResult) -> TestResult {
    in_child(|| {
        ok("setgid", process::setgid(1000))?;
        ok("setuid", process::setuid(1000))?;
        body()
    })
}

pub fn permissions_owners_and_times() -> TestResult {
    ok("create", fs::write("/tmp/pf", b"secret"))?;
    ok("chmod 600", fs::set_permissions("/tmp/pf", 0o600))?;
    ensure!(ok("stat", fs::metadata("/tmp/pf"))?.permissions() == 0o600, "mode after chmod");
    as_user(|| {
        expect_errno("read another's 0600 file", File::open("/tmp/pf").map(drop), EACCES)?;
        ok("stat needs no permission", fs::metadata("/tmp/pf").map(drop))?;
        expect_errno("chmod another's file", fs::set_permissions("/tmp/pf", 0o666), EPERM)?;
        expect_errno("chown", fs::chown("/tmp/pf", Some(1000), None), EPERM)?;
        expect_errno("set explicit times", fs::set_times("/tmp/pf", FileTime::At(1, 0), FileTime::At(1, 0)), EPERM)?;
        Ok(())
    })?;
    ok("chown to 1000", fs::chown("/tmp/pf", Some(1000), Some(1000)))?;
    let stat = *ok("stat", fs::metadata("/tmp/pf"))?.stat();
    ensure!((stat.st_uid, stat.st_gid) == (1000, 1000), "owner {}:{}", stat.st_uid, stat.st_gid);
    as_user(|| {
        ensure!(ok("read own file", fs::read("/tmp/pf"))? == b"secret", "owner reads");
        ok("chmod own file", fs::set_permissions("/tmp/pf", 0o640))?;
        Ok(())
    })?;
    ok("set times", fs::set_times("/tmp/pf", FileTime::At(1_000_000, 5), FileTime::At(2_000_000, 7)))?;
    let stat = *ok("stat", fs::metadata("/tmp/pf"))?.stat();
    ensure!(stat.st_atime == 1_000_000 && stat.st_atime_nsec == 5, "atime {}.{}", stat.st_atime, stat.st_atime_nsec);
    ensure!(stat.st_mtime == 2_000_000 && stat.st_mtime_nsec == 7, "mtime {}.{}", stat.st_mtime, stat.st_mtime_nsec);
    ok("omit both", fs::set_times("/tmp/pf", FileTime::Unchanged, FileTime::Unchanged))?;
    ensure!(ok("stat", fs::metadata("/tmp/pf"))?.stat().st_mtime == 2_000_000, "UTIME_OMIT changed mtime");
    ok("now", fs::set_times("/tmp/pf", FileTime::Now, FileTime::Now))?;
    ensure!(ok("stat", fs::metadata("/tmp/pf"))?.stat().st_mtime > 1_600_000_000, "UTIME_NOW is not now");
    expect_errno(
        "nanoseconds out of range",
        fs::set_times("/tmp/pf", FileTime::At(0, 2_000_000_000), FileTime::Now),
        EINVAL,
    )?;
    Ok(())
}

pub fn statvfs_and_fcntl() -> TestResult {
    let statistics = ok("statvfs /tmp", fs::statvfs("/tmp"))?;
    ensure!(statistics.f_bsize == 4096 && statistics.f_blocks > 0, "statvfs {statistics:?}");
    ensure!(statistics.f_bfree <= statistics.f_blocks, "more free than total: {statistics:?}");
    let file = ok("open append", OpenOptions::new().append(true).create(true).open("/tmp/fc"))?;
    let fd = file.as_raw_fd();
    ensure!(ok("F_GETFL", fd::fcntl(fd, F_GETFL, 0))? & O_APPEND != 0, "F_GETFL lacks O_APPEND");
    ok("F_SETFL without O_APPEND", fd::fcntl(fd, F_SETFL, 0))?;
    ensure!(ok("F_GETFL", fd::fcntl(fd, F_GETFL, 0))? & O_APPEND == 0, "O_APPEND still set");
    let copy = ok("F_DUPFD 10", fd::fcntl(fd, F_DUPFD, 10))?;
    ensure!(copy >= 10, "F_DUPFD gave {copy}");
    ok("F_SETFD", fd::fcntl(copy, F_SETFD, FD_CLOEXEC))?;
    ensure!(ok("F_GETFD", fd::fcntl(copy, F_GETFD, 0))? == FD_CLOEXEC, "close-on-exec not set");
    expect_errno("unknown command", fd::fcntl(fd, 9999, 0), EINVAL)?;
    expect_errno("bad fd", fd::fcntl(999, F_GETFL, 0), EBADF)?;
    // SAFETY: `copy` was made above and nothing else owns it.
    drop(unsafe { fd::OwnedFd::from_raw(copy) });
    Ok(())
}

pub fn spawn_fd_in_a_sandbox() -> TestResult {
    in_child(|| {
        let program = ok("open /bin/true", File::open("/bin/true"))?;
        let mask = (rights::ALL & !rights::EXEC) as usize;
        let no_exec = ok("copy without EXEC", call(Syscall::Dup, [program.as_raw_fd(), mask, 0, 0, 0, 0]))?;
        let namespace = ok("null namespace", scheme::namespace_create(&[], false))?;
        ok("enter it", scheme::namespace_enter(&namespace))?;
        expect_errno("spawn by path", Command::new("/bin/true").spawn().map(drop), ENODEV)?;
        let mut child = ok("spawn the held fd", process::spawn_fd(program.as_raw_fd(), &["true"], &[] as &[&str]))?;
        ensure!(ok("wait", child.wait())?.success(), "the sandboxed program failed");
        expect_errno("spawn without EXEC", process::spawn_fd(no_exec, &["true"], &[] as &[&str]).map(drop), EACCES)?;
        Ok(())
    })?;
    in_child(|| {
        let program = ok("open /bin/true", File::open("/bin/true"))?;
        match ok("fork", process::fork())? {
            ForkResult::Child => {
                let error = process::fexecve(program.as_raw_fd(), &["true"], &[] as &[&str]);
                cairn_rt::eprintln!("fexecve: {error}");
                process::exit(9)
            }
            ForkResult::Parent { child } => {
                let status = ok("wait", process::Child::from_pid(child).wait())?;
                ensure!(status.success(), "fexecve child: {status}");
                Ok(())
            }
        }
    })
}

pub fn mmap_of_a_tmpfs_file() -> TestResult {
    ok("create", fs::write("/tmp/mm", b"mapped bytes"))?;
    let file = ok("open", File::open("/tmp/mm"))?;
    let flags = MapFlags::PROT_READ | MapFlags::MAP_PRIVATE;
    // SAFETY: a fresh mapping anywhere; nothing else uses the range.
    let address = ok("mmap private", unsafe { cairn_rt::sys::mmap(0, 4096, flags, file.as_raw_fd(), 0) })?;
    // SAFETY: the mapping is 4096 readable bytes.
    let bytes = unsafe { core::slice::from_raw_parts(address as *const u8, 12) };
    ensure!(bytes == b"mapped bytes", "mapping holds {bytes:?}");
    let writable = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
    // SAFETY: as above; expected to fail.
    let shared = unsafe { cairn_rt::sys::mmap(0, 4096, writable, file.as_raw_fd(), 0) };
    expect_errno("shared writable mapping of a read-only fd", shared, EACCES)?;
    Ok(())
}

/// Files of other schemes cannot be renamed into tmpfs.
pub fn cross_scheme_rename() -> TestResult {
    expect_errno("rename out of tmpfs", fs::rename("/tmp/lb", "/scheme/initfs/lb"), cairn_rt::abi::error::EROFS)?;
    let mut second = ok("start a second tmpfs", Command::new("/bin/tmpfs").arg("ut-second").spawn())?;
    let start = Instant::now();
    while fs::metadata("/scheme/ut-second").is_err() {
        ensure!(start.elapsed() < Duration::from_secs(10), "ut-second never came up");
        thread::sleep(Duration::from_millis(5));
    }
    let result = expect_errno("rename across tmpfs instances", fs::rename("/tmp/lb", "/scheme/ut-second/lb"), EXDEV);
    ok("stop it", second.kill())?;
    ok("reap it", second.wait())?;
    result
}

/// Run by init's test configuration (`utest --init-check`): the root is
/// already tmpfs, started by init as a service, with init's configuration
/// in it. Waits long enough for the failing service to be restarted three
/// times.
pub fn init_started_the_root_file_system() -> TestResult {
    let root = ok("open /", OpenOptions::new().read(true).custom_flags(O_DIRECTORY).open("/"))?;
    let kind = ok("fd_info", fd::info(root.as_raw_fd()))?.object_type;
    ensure!(kind == ObjectType::SchemeHandle as u32, "/ is object type {kind}, not a scheme handle");
    let config = ok("read /etc/init.conf", fs::read_to_string("/etc/init.conf"))?;
    ensure!(config.contains("service rootfs"), "/etc/init.conf lacks the rootfs service");
    thread::sleep(Duration::from_millis(1500));
    Ok(())
}

/// `umask` clears its bits from the mode of files (`open` with `O_CREAT`)
/// and directories a process creates, not from `chmod`; a forked child
/// inherits it; only its `0o777` bits are kept.
pub fn umask_clears_creation_bits() -> TestResult {
    let previous = process::umask(0o027);
    let result = (|| -> TestResult {
        ensure!(previous == cairn_rt::abi::INITIAL_UMASK as u32, "the mask was {previous:o}, not the initial 022");
        let file = ok("create", OpenOptions::new().write(true).create(true).mode(0o666).open("/tmp/umask-file"))?;
        drop(file);
        let mode = ok("stat the file", fs::metadata("/tmp/umask-file"))?.permissions();
        ensure!(mode == 0o640, "a file created 666 under umask 027 has mode {mode:o}");
        ok("mkdir", fs::create_dir("/tmp/umask-dir", 0o777))?;
        let mode = ok("stat the directory", fs::metadata("/tmp/umask-dir"))?.permissions();
        ensure!(mode == 0o750, "a directory made 777 under umask 027 has mode {mode:o}");
        ok("chmod", fs::set_permissions("/tmp/umask-file", 0o666))?;
        let mode = ok("stat after chmod", fs::metadata("/tmp/umask-file"))?.permissions();
        ensure!(mode == 0o666, "chmod 666 under umask 027 gave {mode:o}");
        in_child(|| {
            let inherited = process::umask(0);
            ensure!(inherited == 0o027, "a forked child has umask {inherited:o}");
            Ok(())
        })?;
        let kept = process::umask(u32::MAX);
        ensure!(kept == 0o027, "the child changed its parent's mask to {kept:o}");
        let masked = process::umask(0o027);
        ensure!(masked == 0o777, "umask(u32::MAX) kept {masked:o}, not 777");
        Ok(())
    })();
    process::umask(previous);
    let _ = fs::remove_file("/tmp/umask-file");
    let _ = fs::remove_dir("/tmp/umask-dir");
    result
}
