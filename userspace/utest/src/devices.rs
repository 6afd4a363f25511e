//! `/dev`: every name it lists opens and behaves as on Unix (`null`,
//! `zero`, `full`, `random`, `urandom`, `fd/N`, `stdin`/`stdout`/`stderr`,
//! `tty`), links are added and removed by root only, and bad names, loops
//! and unreachable targets fail cleanly.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use cairn_rt::abi::error::{EACCES, EBADF, EEXIST, EINVAL, EISDIR, ELOOP, ENODEV, ENOENT, ENOSPC, ENXIO};
use cairn_rt::abi::{O_RDONLY, O_RDWR, O_WRONLY};
use cairn_rt::fs::{self, OpenOptions};
use cairn_rt::io::{Read, Write};
use cairn_rt::process::{self, Command};
use cairn_rt::{String, Vec, format, scheme};

use crate::caps::{open_pseudo_terminal, read_some};
use crate::util::{TestResult, ensure, expect_errno, in_child, ok};

/// The names `/dev` must list.
const EXPECTED: [&str; 10] = ["null", "zero", "full", "random", "urandom", "fd", "stdin", "stdout", "stderr", "tty"];

/// The kernel's devices through their `/dev` names.
pub fn standard_devices() -> TestResult {
    let names: Vec<String> = ok("read_dir /dev", fs::read_dir("/dev"))?.into_iter().map(|(n, _)| n).collect();
    for name in EXPECTED {
        ensure!(names.iter().any(|n| n == name), "/dev lacks {name}: {names:?}");
    }
    ensure!(ok("stat /dev", fs::metadata("/dev"))?.is_dir(), "/dev is not a directory");
    expect_errno("writing /dev", scheme::open("/dev", O_RDWR), EISDIR)?;
    let mut null = ok("open /dev/null", scheme::open("/dev/null", O_RDWR))?;
    ensure!(ok("write /dev/null", null.write(b"gone"))? == 4, "/dev/null did not take the write");
    let mut buffer = [0xffu8; 100];
    ensure!(ok("read /dev/null", null.read(&mut buffer))? == 0, "/dev/null is not at end of file");
    let mut zero = ok("open /dev/zero", scheme::open("/dev/zero", O_RDONLY))?;
    ensure!(ok("read /dev/zero", zero.read(&mut buffer))? == 100, "short read from /dev/zero");
    ensure!(buffer.iter().all(|b| *b == 0), "/dev/zero gave non-zero bytes");
    let mut full = ok("open /dev/full", scheme::open("/dev/full", O_RDWR))?;
    expect_errno("write /dev/full", full.write(b"x"), ENOSPC)?;
    buffer.fill(0xff);
    ensure!(ok("read /dev/full", full.read(&mut buffer))? == 100, "short read from /dev/full");
    ensure!(buffer.iter().all(|b| *b == 0), "/dev/full gave non-zero bytes");
    for name in ["/dev/random", "/dev/urandom"] {
        let mut random = ok(name, scheme::open(name, O_RDONLY))?;
        let (mut first, mut second) = ([0u8; 32], [0u8; 32]);
        ok("read", random.read(&mut first))?;
        ok("read", random.read(&mut second))?;
        ensure!(first != second && first.iter().any(|b| *b != 0), "{name} repeats itself");
    }
    ensure!(ok("readlink /dev/null", fs::read_link("/dev/null"))? == "/scheme/null", "/dev/null's target");
    expect_errno("a name /dev lacks", scheme::open("/dev/nope", O_RDONLY), ENOENT)?;
    expect_errno("below a device", scheme::open("/dev/stdin/x", O_RDONLY), cairn_rt::abi::error::ENOTDIR)?;
    // `..` climbs out of /dev to the root file system's `/`.
    ensure!(ok("stat /dev/..", fs::metadata("/dev/.."))?.is_dir(), "/dev/.. is not a directory");
    Ok(())
}

/// `/dev/fd/N` is a copy of the caller's fd N, with no more rights than
/// asked for; `stdout` is `fd/1`; `/dev/fd` lists the open fds.
pub fn descriptors() -> TestResult {
    let (mut reader, writer) = ok("pipe", cairn_rt::fd::pipe(0))?;
    let write_end = writer.as_raw();
    let listed: Vec<String> = ok("read_dir /dev/fd", fs::read_dir("/dev/fd"))?.into_iter().map(|(n, _)| n).collect();
    ensure!(listed.contains(&format!("{write_end}")), "/dev/fd lacks {write_end}: {listed:?}");
    let mut copy = ok("open /dev/fd/N", scheme::open(&format!("/dev/fd/{write_end}"), O_WRONLY))?;
    ok("write through the copy", copy.write_all(b"through fd"))?;
    drop(copy);
    drop(writer);
    let mut got = String::new();
    ok("read the pipe", reader.read_to_string(&mut got))?;
    ensure!(got == "through fd", "the pipe carried {got:?}");
    let read_end = reader.as_raw();
    expect_errno("write-opening a read end", scheme::open(&format!("/dev/fd/{read_end}"), O_WRONLY), EACCES)?;
    let mut copy = ok("read-opening the read end", scheme::open(&format!("/dev/fd/{read_end}"), O_RDONLY))?;
    expect_errno("writing a read-only copy", copy.write(b"x"), EBADF)?;
    expect_errno("a closed fd", scheme::open("/dev/fd/250", O_RDONLY), EBADF)?;
    expect_errno("not a number", scheme::open("/dev/fd/x1", O_RDONLY), ENOENT)?;
    expect_errno("a huge number", scheme::open("/dev/fd/99999999999999999999999", O_RDONLY), ENOENT)?;
    in_child(|| {
        let (mut reader, writer) = ok("pipe", cairn_rt::fd::pipe(0))?;
        ok("dup2 onto stdout", cairn_rt::fd::dup2(writer.as_raw(), 1, cairn_rt::fd::rights::ALL))?;
        drop(writer);
        let mut stdout = ok("open /dev/stdout", scheme::open("/dev/stdout", O_WRONLY))?;
        ok("write /dev/stdout", stdout.write_all(b"via stdout"))?;
        drop(stdout);
        ok("close stdout", cairn_rt::fd::close(1))?;
        let mut got = String::new();
        ok("read the pipe", reader.read_to_string(&mut got))?;
        ensure!(got == "via stdout", "the pipe behind stdout carried {got:?}");
        Ok(())
    })
}

/// Root adds and removes links; others may not; loops, bad names and
/// targets outside the namespace fail cleanly.
pub fn links() -> TestResult {
    ok("add /dev/ut-zero", fs::symlink("/scheme/zero", "/dev/ut-zero"))?;
    let result = (|| -> TestResult {
        let mut file = ok("open the new link", scheme::open("/dev/ut-zero", O_RDONLY))?;
        let mut buffer = [1u8; 8];
        ok("read it", file.read(&mut buffer))?;
        ensure!(buffer == [0; 8], "the link did not lead to zero: {buffer:?}");
        ensure!(ok("readlink", fs::read_link("/dev/ut-zero"))? == "/scheme/zero", "readlink of the new link");
        let names: Vec<String> = ok("read_dir /dev", fs::read_dir("/dev"))?.into_iter().map(|(n, _)| n).collect();
        ensure!(names.iter().any(|n| n == "ut-zero"), "/dev does not list the new link");
        expect_errno("adding it twice", fs::symlink("/scheme/null", "/dev/ut-zero"), EEXIST)?;
        expect_errno("taking a per-process name", fs::symlink("/scheme/null", "/dev/tty"), EEXIST)?;
        expect_errno("a relative target", fs::symlink("scheme/null", "/dev/ut-rel"), EINVAL)?;
        let long = "x".repeat(65);
        expect_errno("a long name", fs::symlink("/scheme/null", &format!("/dev/{long}")), EINVAL)?;
        ok("add /dev/ut-a", fs::symlink("/dev/ut-b", "/dev/ut-a"))?;
        ok("add /dev/ut-b", fs::symlink("/dev/ut-a", "/dev/ut-b"))?;
        expect_errno("a loop", scheme::open("/dev/ut-a", O_RDONLY), ELOOP)?;
        ok("remove /dev/ut-a", fs::remove_file("/dev/ut-a"))?;
        ok("remove /dev/ut-b", fs::remove_file("/dev/ut-b"))?;
        in_child(|| {
            let only_null = ok("namespace", scheme::namespace_create(&["null", "dev"], false))?;
            ok("enter it", scheme::namespace_enter(&only_null))?;
            ok("/dev/null in the narrow namespace", scheme::open("/dev/null", O_RDONLY))?;
            expect_errno("a link to a scheme it lacks", scheme::open("/dev/ut-zero", O_RDONLY), ENODEV)
        })?;
        in_child(|| {
            let without_dev = ok("namespace", scheme::namespace_create(&["null", "zero"], false))?;
            ok("enter it", scheme::namespace_enter(&without_dev))?;
            expect_errno("/dev without dev", scheme::open("/dev/null", O_RDONLY), ENODEV)?;
            expect_errno("adding a link without dev", fs::symlink("/scheme/null", "/dev/ut-no"), ENODEV)?;
            expect_errno("removing a link without dev", fs::remove_file("/dev/ut-zero"), ENODEV)
        })?;
        in_child(|| {
            ok("setuid(1000)", process::setuid(1000))?;
            expect_errno("a user adding a link", fs::symlink("/scheme/null", "/dev/ut-user"), EACCES)?;
            expect_errno("a user removing a link", fs::remove_file("/dev/ut-zero"), EACCES)?;
            ok("a user opening /dev/zero", scheme::open("/dev/zero", O_RDONLY)).map(drop)
        })
    })();
    ok("remove /dev/ut-zero", fs::remove_file("/dev/ut-zero"))?;
    expect_errno("removing it again", fs::remove_file("/dev/ut-zero"), ENOENT)?;
    result
}

/// `/dev/tty` is `ENXIO` without a controlling terminal; a session leader
/// that opens a terminal has it as its controlling terminal, and so do its
/// children; `setsid` drops it.
pub fn controlling_terminal() -> TestResult {
    in_child(|| {
        ok("setsid", process::setsid())?;
        expect_errno("/dev/tty with no terminal", scheme::open("/dev/tty", O_RDWR), ENXIO)
    })?;
    let mut server = ok("start termd", Command::new("/bin/termd").args(["--scheme", "ut-devtty"]).spawn())?;
    let result = (|| -> TestResult {
        let (mut master, path) = open_pseudo_terminal("ut-devtty")?;
        in_child(|| {
            ok("setsid", process::setsid())?;
            drop(ok("open the terminal", OpenOptions::new().read(true).write(true).open(&path))?);
            in_child(|| {
                let mut tty = ok("open /dev/tty in a child", scheme::open("/dev/tty", O_WRONLY))?;
                ok("write /dev/tty", tty.write_all(b"via dev tty\n"))
            })?;
            in_child(|| {
                ok("setsid in a child", process::setsid())?;
                expect_errno("/dev/tty after setsid", scheme::open("/dev/tty", O_WRONLY), ENXIO)
            })
        })?;
        let shown = read_some(&mut master, 13)?;
        ensure!(shown.ends_with(b"via dev tty\r\n"), "the master read {shown:?}");
        Ok(())
    })();
    ok("stop termd", server.kill())?;
    ok("reap termd", server.wait())?;
    result
}
