//! Regression tests for rights and isolation bypasses (issue 9, items
//! 9-11 and the kernel devices' open mode): a narrowed namespace cannot be
//! left through the working directory, a directory fd or a symbolic link;
//! an fd without rights cannot change attributes or serve as a directory;
//! a dead root server's scheme name cannot be taken by another user; and
//! kernel devices get the rights their open mode asks for.
//!
//! The lookups need the tmpfs root (a held directory is a scheme handle);
//! [`root_on_tmpfs`] starts it when these tests run on their own.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use cairn_rt::abi::error::{EACCES, EBADF, EEXIST, EIO, EISDIR, ENODEV, ENOENT, EPERM};
use cairn_rt::abi::{F_SETFL, O_APPEND, O_DIRECTORY, O_RDONLY, O_RDWR, O_WRONLY, Syscall};
use cairn_rt::fd::{self, ObjectType, OwnedFd, rights};
use cairn_rt::fs::{self, File, OpenOptions};
use cairn_rt::io::{Read, Write};
use cairn_rt::process::{self, Command};
use cairn_rt::scheme::{self, Server};
use cairn_rt::{Error, String, env, format};

use crate::util::{TestResult, call, ensure, expect_errno, in_child, ok};

/// Makes sure `/` is served by tmpfs (starting it if only the initfs is
/// there, as when these tests are selected alone).
pub fn root_on_tmpfs() -> TestResult {
    let root = ok("open /", OpenOptions::new().read(true).custom_flags(O_DIRECTORY).open("/"))?;
    if ok("fd_info", fd::info(root.as_raw_fd()))?.object_type == ObjectType::SchemeHandle as u32 {
        return Ok(());
    }
    crate::fsops::root_takes_over()
}

/// A new directory at `path` (mode 0o777; the tmpfs root is new each boot).
fn fresh_directory(path: &str) -> TestResult {
    ok("mkdir", fs::create_dir(path, 0o777))?;
    ok("chmod", fs::set_permissions(path, 0o777))
}

/// Opens the directory `path`.
fn directory(path: &str) -> Result<File, String> {
    ok("open the directory", OpenOptions::new().read(true).custom_flags(O_DIRECTORY).open(path))
}

/// Enters the null namespace.
fn enter_null_namespace() -> TestResult {
    let namespace = ok("null namespace", scheme::namespace_create(&[], false))?;
    ok("enter it", scheme::namespace_enter(&namespace))
}

/// `openat(dir, path, flags)` by the raw call.
fn open_at(dir: usize, path: &str, flags: usize) -> Result<usize, Error> {
    call(Syscall::Openat, [dir, path.as_ptr() as usize, path.len(), flags, 0o644, 0])
}

pub fn cwd_beneath_after_narrowing() -> TestResult {
    root_on_tmpfs()?;
    fresh_directory("/tmp/caps-cwd")?;
    ok("mkdir sub", fs::create_dir("/tmp/caps-cwd/sub", 0o777))?;
    in_child(|| {
        ok("chdir", env::set_current_dir("/tmp/caps-cwd"))?;
        let held = directory("/tmp/caps-cwd")?;
        ok("`..` before narrowing", File::open("../../etc/init.conf").map(drop))?;
        enter_null_namespace()?;
        // The working directory is left for `/` of the new namespace.
        ensure!(ok("getcwd", env::current_dir())? == "/", "the working directory was kept");
        expect_errno("open ../../etc/init.conf", File::open("../../etc/init.conf").map(drop), ENODEV)?;
        expect_errno("open a name in the old directory", File::open("sub").map(drop), ENODEV)?;
        // A held directory: lookups stay beneath it.
        let dir = held.as_raw_fd();
        expect_errno("openat ../../etc/init.conf", open_at(dir, "../../etc/init.conf", O_RDONLY), EACCES)?;
        expect_errno("openat sub/../..", open_at(dir, "sub/../../caps-cwd/sub", O_RDONLY), EACCES)?;
        let inside = ok("openat inside", open_at(dir, "sub/../sub", O_RDONLY | O_DIRECTORY))?;
        // SAFETY: the fd was just opened for this test.
        drop(unsafe { OwnedFd::from_raw(inside) });
        // The held directory as working directory: the same rule.
        ok("fchdir", held.chdir())?;
        expect_errno("open through the cwd", File::open("../../etc/init.conf").map(drop), EACCES)?;
        expect_errno("create outside", fs::write("../rt-escaped", b"out"), EACCES)?;
        expect_errno("mkdir outside", fs::create_dir("../rt-escaped-dir", 0o755), EACCES)?;
        expect_errno("spawn ../../bin/true", Command::new("../../bin/true").spawn().map(drop), EACCES)?;
        ok("create inside", fs::write("inside", b"in"))?;
        ensure!(ok("read it back", fs::read("sub/../inside"))? == b"in", "wrong contents inside");
        Ok(())
    })?;
    expect_errno("nothing escaped", fs::metadata("/tmp/rt-escaped").map(drop), ENOENT)?;
    expect_errno("no directory escaped", fs::metadata("/tmp/rt-escaped-dir").map(drop), ENOENT)?;
    ensure!(ok("the file made inside", fs::read("/tmp/caps-cwd/inside"))? == b"in", "inside file lost");
    Ok(())
}

pub fn symlink_escape_refused() -> TestResult {
    root_on_tmpfs()?;
    fresh_directory("/tmp/caps-sym")?;
    ok("mkdir box", fs::create_dir("/tmp/caps-sym/box", 0o777))?;
    ok("secret", fs::write("/tmp/caps-sym/secret", b"secret"))?;
    ok("inner file", fs::write("/tmp/caps-sym/box/f", b"inner"))?;
    ok("link inside", fs::symlink("f", "/tmp/caps-sym/box/in"))?;
    ok("link up", fs::symlink("../secret", "/tmp/caps-sym/box/up"))?;
    ok("absolute link", fs::symlink("/tmp/caps-sym/secret", "/tmp/caps-sym/box/abs"))?;
    ok("link to the parent", fs::symlink("..", "/tmp/caps-sym/box/parent"))?;
    ok("dangling link out", fs::symlink("../made", "/tmp/caps-sym/box/dangling"))?;
    in_child(|| {
        let held = directory("/tmp/caps-sym/box")?;
        let mut before = ok("the absolute link before narrowing", OpenOptions::new().read(true).open_at(&held, "abs"))?;
        let mut text = String::new();
        ok("read", before.read_to_string(&mut text))?;
        ensure!(text == "secret", "read {text:?} before narrowing");
        enter_null_namespace()?;
        let mut inner = ok("a link inside", OpenOptions::new().read(true).open_at(&held, "in"))?;
        text.clear();
        ok("read", inner.read_to_string(&mut text))?;
        ensure!(text == "inner", "read {text:?} through the inner link");
        let dir = held.as_raw_fd();
        expect_errno("an absolute link", open_at(dir, "abs", O_RDONLY), EACCES)?;
        expect_errno("a link climbing out", open_at(dir, "up", O_RDONLY), EACCES)?;
        expect_errno("through a link to ..", open_at(dir, "parent/secret", O_RDONLY), EACCES)?;
        let create = O_WRONLY | cairn_rt::abi::O_CREAT;
        expect_errno("create through a dangling link", open_at(dir, "dangling", create), EACCES)?;
        Ok(())
    })?;
    expect_errno("nothing was created outside", fs::metadata("/tmp/caps-sym/made").map(drop), ENOENT)
}

/// `fchmodat(fd, path, mode)`.
fn fchmodat(fd: usize, path: &str, mode: usize) -> Result<usize, Error> {
    call(Syscall::Fchmodat, [fd, path.as_ptr() as usize, path.len(), mode, 0, 0])
}

pub fn rightless_fd_refused() -> TestResult {
    root_on_tmpfs()?;
    fresh_directory("/tmp/caps-rl")?;
    ok("create f", fs::write("/tmp/caps-rl/f", b"f"))?;
    let dir = directory("/tmp/caps-rl")?;
    let granted = ok("fd_info", fd::info(dir.as_raw_fd()))?.rights;
    ensure!(granted & (rights::LOOKUP | rights::ATTR) == rights::LOOKUP | rights::ATTR, "rights {granted:#x}");
    ok("fchmodat with rights", fchmodat(dir.as_raw_fd(), "", 0o777))?;
    let none = ok("dup without rights", call(Syscall::Dup, [dir.as_raw_fd(), 0, 0, 0, 0, 0]))?;
    // SAFETY: the fd was just made for this test.
    let none = unsafe { OwnedFd::from_raw(none) };
    let fd = none.as_raw();
    expect_errno("fchmodat", fchmodat(fd, "", 0o700), EACCES)?;
    let utimensat = call(Syscall::Utimensat, [fd, "".as_ptr() as usize, 0, 0, 0, 0]);
    expect_errno("utimensat", utimensat, EACCES)?;
    let fchownat = call(Syscall::Fchownat, [fd, "".as_ptr() as usize, 0, 0, 0, 0]);
    expect_errno("fchownat", fchownat, EACCES)?;
    expect_errno("openat", open_at(fd, "f", O_RDWR), EACCES)?;
    expect_errno("fchmodat of a path in it", fchmodat(fd, "f", 0o600), EACCES)?;
    expect_errno("fchdir", call(Syscall::Fchdir, [fd, 0, 0, 0, 0, 0]), EACCES)?;
    let f_setfl = call(Syscall::Fcntl, [fd, F_SETFL, O_APPEND, 0, 0, 0]);
    expect_errno("fcntl(F_SETFL) of the shared handle", f_setfl, EBADF)?;
    let passed = dir.as_raw_fd();
    expect_errno("send_fd through it", call(Syscall::SendFd, [fd, passed, rights::ALL as usize, 0, 0, 0]), EBADF)?;
    let mode = ok("stat", fs::metadata("/tmp/caps-rl"))?.permissions();
    ensure!(mode == 0o777, "mode {mode:o} changed through a rightless fd");
    // A file fd keeping only its data rights cannot change attributes.
    let mut file = ok("open f", OpenOptions::new().read(true).write(true).open("/tmp/caps-rl/f"))?;
    let data_only =
        ok("dup", call(Syscall::Dup, [file.as_raw_fd(), (rights::READ | rights::WRITE) as usize, 0, 0, 0, 0]))?;
    // SAFETY: the fd was just made for this test.
    let data_only = unsafe { OwnedFd::from_raw(data_only) };
    expect_errno("fchmodat of a data-only fd", fchmodat(data_only.as_raw(), "", 0o600), EACCES)?;
    ok("the data rights still work", file.write_all(b"x"))?;
    ok("fchmodat with ATTR", fchmodat(file.as_raw_fd(), "", 0o600))?;
    expect_errno("read of a rightless dup", call(Syscall::Read, [fd, 0, 0, 0, 0, 0]), EBADF)
}

/// The scheme name the hijack test registers.
const HIJACKED: &str = "caps-hijack";

pub fn scheme_name_hijack_refused() -> TestResult {
    // Root's server registers the name and dies.
    in_child(|| ok("root registers", Server::create(HIJACKED)).map(drop))?;
    expect_errno("the dead name", File::open("/scheme/caps-hijack/x").map(drop), EIO)?;
    in_child(|| {
        ok("setgid", process::setgid(1000))?;
        ok("setuid", process::setuid(1000))?;
        expect_errno("uid 1000 takes the dead name", Server::create(HIJACKED).map(drop), EPERM)?;
        // `file`: served by the root tmpfs (taken), or the initfs's (root's).
        match Server::create("file").map(drop) {
            Err(e) if e.errno() == Some(EPERM) || e.errno() == Some(EEXIST) => {}
            other => return Err(format!("uid 1000 registering `file`: {other:?}")),
        }
        // A fresh name is anyone's, and then its registrant's.
        let own = ok("uid 1000 registers its own name", Server::create("caps-own"))?;
        drop(own);
        ok("and again after its server died", Server::create("caps-own").map(drop))
    })?;
    // Root may take over any dead name.
    in_child(|| ok("root registers the name again", Server::create(HIJACKED)).map(drop))
}

pub fn kernel_device_open_mode() -> TestResult {
    for (path, flags, wanted) in [
        ("/scheme/zero", O_RDONLY, rights::READ),
        ("/scheme/zero", O_WRONLY, rights::WRITE),
        ("/scheme/zero", O_RDWR, rights::READ | rights::WRITE),
        ("/scheme/null", O_RDONLY, rights::READ),
        ("/scheme/null", O_WRONLY, rights::WRITE),
        ("/scheme/rand", O_RDONLY, rights::READ),
    ] {
        let fd = ok(path, scheme::open(path, flags))?;
        let granted = ok("fd_info", fd.info())?.rights & (rights::READ | rights::WRITE);
        ensure!(granted == wanted, "{path} opened with {flags:#x}: rights {granted:#x}, wanted {wanted:#x}");
    }
    let zero = ok("open zero read-only", scheme::open("/scheme/zero", O_RDONLY))?;
    expect_errno("write to it", call(Syscall::Write, [zero.as_raw(), b"x".as_ptr() as usize, 1, 0, 0, 0]), EBADF)?;
    let null = ok("open null write-only", scheme::open("/scheme/null", O_WRONLY))?;
    let mut byte = [0u8; 1];
    let read = call(Syscall::Read, [null.as_raw(), byte.as_mut_ptr() as usize, 1, 0, 0, 0]);
    expect_errno("read from it", read, EBADF)?;
    expect_errno("/scheme for writing", scheme::open("/scheme", O_WRONLY | O_DIRECTORY).map(drop), EISDIR)
}
