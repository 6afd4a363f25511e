//! Mount points: a tmpfs mounted on a directory of the root file system
//! receives every path at or under it — absolute, relative through a
//! directory handle or the working directory, and `..` back out — and
//! nothing else; the calls' bad input; namespace copies.
//!
//! Runs after the root switch test (it needs `/tmp` on the root tmpfs).
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use cairn_rt::abi::error::{EBUSY, EINVAL, ENOTDIR, EPERM, EXDEV};
use cairn_rt::abi::{O_DIRECTORY, Syscall};
use cairn_rt::fs::{self, OpenOptions};
use cairn_rt::mount::{self, MountEntry, Stopped};
use cairn_rt::process::{Child, Command};
use cairn_rt::scheme::{self, Server};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, env, format, thread};

use crate::util::{TestResult, call, ensure, expect_errno, in_child, ok};

/// Starts `tmpfs --mount point` and waits until the mount is listed.
fn mount_tmpfs(point: &str) -> Result<(Child, MountEntry), String> {
    let server = ok("start tmpfs --mount", Command::new("/bin/tmpfs").args(["--mount", point]).spawn())?;
    let start = Instant::now();
    loop {
        let mounts = ok("read the mount table", mount::mounts())?;
        if let Some(entry) = mounts.into_iter().find(|entry| entry.server == server.id()) {
            return Ok((server, entry));
        }
        ensure!(start.elapsed() < Duration::from_secs(20), "tmpfs did not mount {point} within 20 s");
        thread::sleep(Duration::from_millis(5));
    }
}

/// Unmounts `entry` and checks that its server ended.
fn unmount(mut server: Child, entry: &MountEntry) -> TestResult {
    let stopped = ok("unmount and stop", mount::unmount_and_stop(entry, Duration::from_secs(20)))?;
    ensure!(stopped == Stopped::Ended, "the server did not end: {stopped:?}");
    ok("reap the server", server.wait()).map(drop)
}

pub fn mounts_route_paths() -> TestResult {
    ok("mkdir /tmp/mt", fs::create_dir("/tmp/mt", 0o755))?;
    ok("a file under the point", fs::write("/tmp/mt/under", b"hidden"))?;
    ok("a file beside it", fs::write("/tmp/beside", b"beside"))?;
    let (server, entry) = mount_tmpfs("/tmp/mt")?;
    ensure!(
        entry.point == "/tmp/mt" && entry.source == "tmpfs" && entry.fstype == "tmpfs" && entry.options == "rw",
        "mount table entry {entry:?}"
    );
    ensure!(fs::metadata("/tmp/mt/under").is_err(), "the mounted file system shows the directory beneath it");
    ok("write through the mount", fs::write("/tmp/mt/f", b"mounted"))?;
    let by_scheme = ok("read by the scheme's name", fs::read(&format!("/scheme/{}/f", entry.scheme)))?;
    ensure!(by_scheme == b"mounted", "the file went elsewhere: {by_scheme:?}");
    ok("mkdir inside", fs::create_dir("/tmp/mt/d", 0o755))?;
    // Relative paths through directory handles cross the point both ways.
    let tmp = ok("open /tmp", OpenOptions::new().read(true).custom_flags(O_DIRECTORY).open("/tmp"))?;
    let crossed = ok("open mt/f from /tmp", OpenOptions::new().read(true).open_at(&tmp, "mt/f"))?;
    ensure!(ok("fstat", crossed.metadata())?.len() == 7, "mt/f from /tmp is not the mounted file");
    let inner = ok("open /tmp/mt/d", OpenOptions::new().read(true).custom_flags(O_DIRECTORY).open("/tmp/mt/d"))?;
    let out = ok("open ../../beside from inside", OpenOptions::new().read(true).open_at(&inner, "../../beside"))?;
    ensure!(ok("fstat", out.metadata())?.len() == 6, "../../beside is not /tmp/beside");
    let back = ok("../../mt/f from inside", OpenOptions::new().read(true).open_at(&inner, "../../mt/f"))?;
    ensure!(ok("fstat", back.metadata())?.len() == 7, "../../mt/f is not the mounted file");
    // The working directory.
    let previous = ok("getcwd", env::current_dir())?;
    ok("cd /tmp/mt/d", env::set_current_dir("/tmp/mt/d"))?;
    ensure!(ok("getcwd", env::current_dir())? == "/tmp/mt/d", "getcwd inside the mount");
    let beside = ok("read ../../beside", fs::read("../../beside"));
    ok("cd ..", env::set_current_dir(".."))?;
    let here = ok("read f from the mount's root", fs::read("f"));
    ok("cd back", env::set_current_dir(&previous))?;
    ensure!(beside? == b"beside" && here? == b"mounted", "relative paths from the working directory");
    expect_errno("rename across the point", fs::rename("/tmp/mt/f", "/tmp/f"), EXDEV)?;
    ok("mount -t tmpfs on the same point again", {
        let again = Command::new("/bin/tmpfs").args(["--mount", "/tmp/mt"]).status();
        again.map(|status| status.code())
    })
    .and_then(|code| if code == Some(1) { Ok(()) } else { Err(format!("a second mount exited with {code:?}")) })?;
    drop((tmp, crossed, inner, out, back));
    unmount(server, &entry)?;
    ensure!(ok("read the hidden file", fs::read("/tmp/mt/under"))? == b"hidden", "unmounting lost the directory");
    ensure!(fs::metadata("/tmp/mt/f").is_err(), "the mounted file is still reached after unmounting");
    ensure!(!ok("mount table", mount::mounts())?.iter().any(|e| e.point == "/tmp/mt"), "still listed");
    ok("clean up", fs::remove_file("/tmp/mt/under").and(fs::remove_dir("/tmp/mt")).and(fs::remove_file("/tmp/beside")))
}

/// `mount(dirfd, endpoint, description)` raw.
fn mount_raw(dirfd: usize, endpoint: usize, description: &[u8]) -> cairn_rt::Result<usize> {
    call(Syscall::Mount, [dirfd, endpoint, description.as_ptr() as usize, description.len(), 0, 0])
}

pub fn mount_bad_input() -> TestResult {
    ok("mkdir /tmp/mb", fs::create_dir("/tmp/mb", 0o755))?;
    ok("a file", fs::write("/tmp/mb-file", b"x"))?;
    let server = ok("register a scheme", Server::create("ut-mount-bad"))?;
    let endpoint = server.endpoint().as_raw();
    let directory = ok("open /tmp/mb", OpenOptions::new().read(true).custom_flags(O_DIRECTORY).open("/tmp/mb"))?;
    let dir = directory.as_raw_fd();
    let file = ok("open the file", fs::File::open("/tmp/mb-file"))?;
    let good = b"none tmpfs rw";
    for bad in [&b"two words"[..], b"four words in all", b"a  b c", b"a b\nc", b"", &[b'a'; 300]] {
        expect_errno("a bad description", mount_raw(dir, endpoint, bad), EINVAL)?;
    }
    expect_errno(
        "a description at an unmapped address",
        call(Syscall::Mount, [dir, endpoint, 8, 13, 0, 0]),
        cairn_rt::abi::error::EFAULT,
    )?;
    expect_errno("an fd that is not an endpoint", mount_raw(dir, dir, good), EINVAL)?;
    expect_errno("a closed endpoint fd", mount_raw(dir, 999, good), cairn_rt::abi::error::EBADF)?;
    expect_errno("a file as the point", mount_raw(file.as_raw_fd(), endpoint, good), ENOTDIR)?;
    let root = ok("open /", OpenOptions::new().read(true).custom_flags(O_DIRECTORY).open("/"))?;
    expect_errno("the root as the point", mount_raw(root.as_raw_fd(), endpoint, good), EINVAL)?;
    let schemes = ok("open /scheme/sys", OpenOptions::new().read(true).custom_flags(O_DIRECTORY).open("/scheme/sys"))?;
    expect_errno("a scheme directory as the point", mount_raw(schemes.as_raw_fd(), endpoint, good), EINVAL)?;
    expect_errno("unmount what is not mounted", mount::unmount("/tmp/mb"), EINVAL)?;
    in_child(|| {
        ok("setuid", cairn_rt::process::setuid(1000))?;
        expect_errno("mount as a user", mount_raw(dir, endpoint, good), EPERM)?;
        expect_errno("unmount as a user", mount::unmount("/tmp/mb"), EPERM)
    })?;
    // Mount the scheme (nobody serves it: the kernel's part only).
    ok("mount", mount_raw(dir, endpoint, good))?;
    expect_errno("mount on the same point", mount_raw(dir, endpoint, good), EBUSY)?;
    ok("unmount", mount::unmount("/tmp/mb"))?;
    drop((directory, file, root, schemes, server));
    ok("clean up", fs::remove_dir("/tmp/mb").and(fs::remove_file("/tmp/mb-file")))
}

pub fn namespace_copies_keep_mounts_with_the_root() -> TestResult {
    ok("mkdir /tmp/mn", fs::create_dir("/tmp/mn", 0o755))?;
    let (server, entry) = mount_tmpfs("/tmp/mn")?;
    ok("write", fs::write("/tmp/mn/f", b"in"))?;
    let verdict = in_child(|| {
        let with_root = ok("namespace with file", scheme::namespace_create(&["file", "sys"], false))?;
        ok("enter", scheme::namespace_enter(&with_root))?;
        ensure!(ok("read through the mount", fs::read("/tmp/mn/f"))? == b"in", "the copy lost the mount");
        let mounts = ok("mount table", mount::mounts())?;
        ensure!(mounts.iter().any(|e| e.point == "/tmp/mn"), "the copy's table lacks the mount");
        Ok(())
    })
    .and_then(|()| {
        in_child(|| {
            let without = ok("namespace without file", scheme::namespace_create(&["sys"], false))?;
            ok("enter", scheme::namespace_enter(&without))?;
            ensure!(fs::read("/tmp/mn/f").is_err(), "a namespace without the root reaches the mount");
            ensure!(ok("mount table", mount::mounts())?.is_empty(), "a namespace without the root lists mounts");
            Ok(())
        })
    });
    unmount(server, &entry)?;
    ok("clean up", fs::remove_dir("/tmp/mn"))?;
    verdict
}
