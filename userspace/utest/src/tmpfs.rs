//! The POSIX file-semantics suite against the tmpfs server (`/bin/tmpfs`,
//! started as `tmpfs ut-tmp` for these tests and stopped afterwards):
//! create, truncate, append, sparse files, rename over, unlink while open,
//! directory errors, listing, symbolic links and `ELOOP`.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use cairn_rt::abi::error::{EEXIST, EINVAL, EISDIR, ELOOP, ENODEV, ENOENT, ENOTDIR, ENOTEMPTY, EROFS};
use cairn_rt::abi::signal::SIGTERM;
use cairn_rt::abi::{O_APPEND, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, SEEK_SET, Stat, Syscall};
use cairn_rt::fd::OwnedFd;
use cairn_rt::fs::{self, EntryKind};
use cairn_rt::io::{Read, Write};
use cairn_rt::process::{Child, Command};
use cairn_rt::scheme;
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, Vec, format, thread};

use crate::util::{TestResult, ensure, expect_errno, ok};

const ROOT: &str = "/scheme/ut-tmp";

fn p(path: &str) -> String {
    format!("{ROOT}/{path}")
}

fn open(path: &str, flags: usize) -> Result<OwnedFd, String> {
    ok(&format!("open {path}"), scheme::open(&p(path), flags))
}

fn read_all(fd: &mut OwnedFd) -> Result<Vec<u8>, String> {
    let mut data = Vec::new();
    ok("read", fd.read_to_end(&mut data))?;
    Ok(data)
}

fn seek(fd: &OwnedFd, offset: usize) -> TestResult {
    // SAFETY: integer arguments only.
    ok("lseek", unsafe { cairn_rt::sys::syscall3(Syscall::Lseek as usize, fd.as_raw(), offset, SEEK_SET) })?;
    Ok(())
}

fn size(fd: &OwnedFd) -> Result<u64, String> {
    let mut stat = Stat::default();
    // SAFETY: the kernel writes one `Stat`.
    ok("fstat", unsafe { cairn_rt::sys::syscall2(Syscall::Fstat as usize, fd.as_raw(), (&raw mut stat) as usize) })?;
    Ok(stat.st_size)
}

fn truncate(fd: &OwnedFd, len: usize) -> TestResult {
    // SAFETY: integer arguments only.
    ok("ftruncate", unsafe { cairn_rt::sys::syscall2(Syscall::Ftruncate as usize, fd.as_raw(), len) })?;
    Ok(())
}

/// Starts the server and waits until its scheme answers.
fn start_server() -> Result<Child, String> {
    let child = ok("spawn tmpfs", Command::new("/bin/tmpfs").arg("ut-tmp").spawn())?;
    let start = Instant::now();
    loop {
        match fs::read_dir(ROOT) {
            Ok(_) => return Ok(child),
            Err(e) if e.errno() == Some(ENODEV) && start.elapsed() < Duration::from_secs(5) => {
                thread::sleep(Duration::from_millis(2));
            }
            Err(e) => return Err(format!("tmpfs did not come up: {e}")),
        }
    }
}

fn files() -> TestResult {
    fs::create_dir(&p("files"), 0o755).map_err(|e| format!("mkdir: {e}"))?;
    expect_errno("open a missing file", scheme::open(&p("files/missing"), O_RDONLY), ENOENT)?;
    let mut file = open("files/a", O_RDWR | O_CREAT)?;
    ok("write", file.write_all(b"hello world"))?;
    ensure!(size(&file)? == 11, "size after write");
    seek(&file, 6)?;
    ensure!(read_all(&mut file)? == b"world", "read after seek");
    expect_errno("O_EXCL on an existing file", scheme::open(&p("files/a"), O_RDWR | O_CREAT | O_EXCL), EEXIST)?;
    let truncated = open("files/a", O_RDWR | O_TRUNC)?;
    ensure!(size(&truncated)? == 0, "O_TRUNC did not empty the file");
    // Sparse: growing with ftruncate reads back as zeroes.
    truncate(&truncated, 8192)?;
    let mut reader = open("files/a", O_RDONLY)?;
    let data = read_all(&mut reader)?;
    ensure!(data.len() == 8192 && data.iter().all(|b| *b == 0), "ftruncate did not grow with zeroes");
    truncate(&truncated, 3)?;
    ensure!(size(&truncated)? == 3, "ftruncate did not shrink");
    expect_errno("write through a read-only fd", reader.write(b"x"), cairn_rt::abi::error::EBADF)?;
    // Positioned I/O leaves the fd's position alone.
    let mut positioned = open("files/p", O_RDWR | O_CREAT)?;
    ok("write", positioned.write_all(b"0123456789"))?;
    ensure!(ok("pwrite", positioned.write_at(b"AB", 4))? == 2, "short pwrite");
    let mut buffer = [0u8; 4];
    ensure!(ok("pread", positioned.read_at(&mut buffer, 3))? == 4 && &buffer == b"3AB6", "pread {buffer:?}");
    ensure!(ok("read at the end", positioned.read(&mut buffer))? == 0, "pread/pwrite moved the position");
    // A server-derived handle has its own position.
    let mut again = ok("scheme_dup", positioned.scheme_dup(b"again"))?;
    ensure!(read_all(&mut again)? == b"0123AB6789", "the derived handle reads from its own position");
    expect_errno(
        "pread on a pipe",
        ok("pipe", cairn_rt::fd::pipe(0))?.0.read_at(&mut buffer, 0),
        cairn_rt::abi::error::ESPIPE,
    )?;
    Ok(())
}

fn append() -> TestResult {
    let mut first = open("append", O_WRONLY | O_CREAT)?;
    ok("write", first.write_all(b"one "))?;
    let mut appender = open("append", O_WRONLY | O_APPEND)?;
    seek(&appender, 0)?;
    ok("append", appender.write_all(b"two"))?;
    let mut reader = open("append", O_RDONLY)?;
    ensure!(read_all(&mut reader)? == b"one two", "O_APPEND did not write at the end");
    Ok(())
}

fn rename_over() -> TestResult {
    fs::create_dir(&p("ren"), 0o755).map_err(|e| format!("mkdir: {e}"))?;
    let mut a = open("ren/a", O_WRONLY | O_CREAT)?;
    ok("write", a.write_all(b"A"))?;
    drop(open("ren/b", O_WRONLY | O_CREAT)?);
    ok("rename over an existing file", fs::rename(&p("ren/a"), &p("ren/b")))?;
    expect_errno("the old name", scheme::open(&p("ren/a"), O_RDONLY), ENOENT)?;
    ensure!(read_all(&mut open("ren/b", O_RDONLY)?)? == b"A", "rename did not replace the target");
    fs::create_dir(&p("ren/full"), 0o755).map_err(|e| format!("mkdir: {e}"))?;
    drop(open("ren/full/x", O_WRONLY | O_CREAT)?);
    fs::create_dir(&p("ren/d"), 0o755).map_err(|e| format!("mkdir: {e}"))?;
    expect_errno("directory over a non-empty directory", fs::rename(&p("ren/d"), &p("ren/full")), ENOTEMPTY)?;
    expect_errno("file over a directory", fs::rename(&p("ren/b"), &p("ren/d")), EISDIR)?;
    expect_errno("directory over a file", fs::rename(&p("ren/d"), &p("ren/b")), ENOTDIR)?;
    expect_errno("directory into itself", fs::rename(&p("ren/full"), &p("ren/full/inner")), EINVAL)?;
    expect_errno("rename across schemes", fs::rename(&p("ren/b"), "/scheme/null/x"), EROFS)?;
    Ok(())
}

fn unlink_while_open() -> TestResult {
    let mut file = open("doomed", O_RDWR | O_CREAT)?;
    ok("write", file.write_all(b"still readable"))?;
    ok("unlink", fs::remove_file(&p("doomed")))?;
    expect_errno("open after unlink", scheme::open(&p("doomed"), O_RDONLY), ENOENT)?;
    seek(&file, 0)?;
    ensure!(read_all(&mut file)? == b"still readable", "the open file lost its data");
    Ok(())
}

fn directories() -> TestResult {
    fs::create_dir(&p("dirs"), 0o755).map_err(|e| format!("mkdir: {e}"))?;
    expect_errno("mkdir over an existing one", fs::create_dir(&p("dirs"), 0o755), EEXIST)?;
    drop(open("dirs/file", O_WRONLY | O_CREAT)?);
    fs::create_dir(&p("dirs/sub"), 0o700).map_err(|e| format!("mkdir: {e}"))?;
    let listing = ok("read_dir", fs::read_dir(&p("dirs")))?;
    ensure!(
        listing == [(String::from("file"), EntryKind::File), (String::from("sub"), EntryKind::Dir)],
        "listing {listing:?}"
    );
    expect_errno("rmdir of a non-empty directory", fs::remove_dir(&p("dirs")), ENOTEMPTY)?;
    expect_errno("rmdir of a file", fs::remove_dir(&p("dirs/file")), ENOTDIR)?;
    expect_errno("unlink of a directory", fs::remove_file(&p("dirs/sub")), EISDIR)?;
    expect_errno("write into a directory", scheme::open(&p("dirs/sub"), O_WRONLY | O_TRUNC), EISDIR)?;
    ok("rmdir", fs::remove_dir(&p("dirs/sub")))?;
    expect_errno("mkdir on the read-only root", fs::create_dir("/newdir", 0o755), EROFS)?;
    Ok(())
}

/// A directory whose listing takes several `getdents` answers (each
/// continues from the handle's cursor): every name comes exactly once, in
/// order, and a name removed between two listings is gone from the next.
fn long_listing() -> TestResult {
    const NAMES: usize = 700;
    let name = |i: usize| format!("entry-with-a-long-name-{i:04}");
    fs::create_dir(&p("long"), 0o755).map_err(|e| format!("mkdir: {e}"))?;
    for i in 0..NAMES {
        drop(open(&format!("long/{}", name(i)), O_WRONLY | O_CREAT)?);
    }
    let listed: Vec<String> = ok("read_dir", fs::read_dir(&p("long")))?.into_iter().map(|(n, _)| n).collect();
    let expected: Vec<String> = (0..NAMES).map(name).collect();
    ensure!(listed == expected, "{} names listed, {} expected, first {:?}", listed.len(), NAMES, listed.first());
    ok("unlink", fs::remove_file(&p(&format!("long/{}", name(350)))))?;
    let again = ok("read_dir", fs::read_dir(&p("long")))?;
    ensure!(again.len() == NAMES - 1 && !again.iter().any(|(n, _)| *n == name(350)), "after unlink: {}", again.len());
    Ok(())
}

fn symlinks() -> TestResult {
    let mut target = open("target", O_WRONLY | O_CREAT)?;
    ok("write", target.write_all(b"via link"))?;
    ok("symlink", fs::symlink("target", &p("link")))?;
    ensure!(ok("readlink", fs::read_link(&p("link")))? == "target", "readlink");
    ensure!(read_all(&mut open("link", O_RDONLY)?)? == b"via link", "reading through the link");
    ok("symlink", fs::symlink("loop-b", &p("loop-a")))?;
    ok("symlink", fs::symlink("loop-a", &p("loop-b")))?;
    expect_errno("a symlink loop", scheme::open(&p("loop-a"), O_RDONLY), ELOOP)?;
    // `fstatat` (tmpfs sends the Stat with its O_STAT answer): the link
    // followed or itself.
    let followed = ok("metadata", fs::metadata(&p("link")))?;
    let itself = ok("symlink_metadata", fs::symlink_metadata(&p("link")))?;
    ensure!(followed.is_file() && followed.len() == 8, "the link followed: {:?}", followed.stat().st_mode);
    ensure!(itself.is_symlink() && itself.len() == 6, "the link itself: {:?}", itself.stat().st_mode);
    expect_errno("metadata through a loop", fs::metadata(&p("loop-a")), ELOOP)?;
    Ok(())
}

pub fn posix_suite() -> TestResult {
    let mut server = start_server()?;
    let result = files()
        .and_then(|_| append())
        .and_then(|_| rename_over())
        .and_then(|_| unlink_while_open())
        .and_then(|_| directories())
        .and_then(|_| long_listing())
        .and_then(|_| symlinks());
    let _ = cairn_rt::signal::kill(server.id(), SIGTERM);
    let _ = server.wait();
    result
}
