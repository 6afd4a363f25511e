//! The ext2 file-system server (`/bin/ext2fs`) on the NVMe disk of the
//! harness suite `ext2-disk`: namespace 1 is an ext3 image `mke2fs -d`
//! filled on the host (`tools/harness/src/ext2check.rs` makes it, and
//! after the run checks it with `e2fsck -fn` and `debugfs`; the file names
//! and patterns here must agree with it), namespace 2 a damaged image.
//! The tests run in order and share the mounted file system: refuse the
//! damaged image, mount, read through the cache, read the host's files,
//! write, grow a hash-indexed directory, remove a file still open, a large file, a sparse file, unmount cleanly, mount read-only;
//! on namespace 4, meet damage while mounted and see the server turn
//! read-only; (in suite `nvme-hotplug`, for `nvme::hot_removal`) write
//! until the disk vanishes; and last, on namespace 3 (a small ext3 image), fill the
//! disk, write and `fsync` a file and leave the server running as the
//! machine goes off.
//! They run only when named (`utest ext2_`).
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`], [`crate::nvme`]
//! and [`crate::fsops`].

use core::sync::atomic::{AtomicUsize, Ordering};

use cairn_rt::abi::error::{EACCES, EEXIST, EIO, ENOENT, ENOSPC, ENOTEMPTY, EROFS, EUCLEAN};
use cairn_rt::abi::scheme::{DIRENT_CHAR, DIRENT_FIFO};
use cairn_rt::abi::{MODE_TYPE, MapFlags, O_DIRECTORY, Syscall};
use cairn_rt::fs::{self, File, OpenOptions};
use cairn_rt::io::{Read, Write};
use cairn_rt::process::{Command, Pid};
use cairn_rt::signal::{self, SIGTERM};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, Vec, format, thread, vec};

use crate::fsops::as_user;
use crate::nvme::{driver, pattern};
use crate::util::{TestResult, call, ensure, expect_errno, expect_exit, ok};

/// The disk, the damaged one, and the small one that is filled and then
/// left mounted when the machine goes off.
const DISK: &str = "/dev/nvme0n1";
const DAMAGED: &str = "/dev/nvme0n2";
const CRASH_DISK: &str = "/dev/nvme0n3";
/// The disk whose damage is found while mounted (its `/broken` directory's
/// `..` entry runs past the block), its scheme, and what is written and
/// `fsync`ed on it before (the harness's `ext2check.rs` checks both).
const BROKEN_DISK: &str = "/dev/nvme0n4";
const BROKEN_ROOT: &str = "/scheme/ext2broken";
const BEFORE_DAMAGE: &[u8] = b"committed before the damage\n";
/// The scheme the tests mount the disk as, and its stats scheme.
const SCHEME: &str = "ext2test";
const ROOT: &str = "/scheme/ext2test";
const STATS: &str = "/scheme/ext2test.stats";
/// The small disk's scheme.
const CRASH_SCHEME: &str = "ext2crash";
const CRASH_ROOT: &str = "/scheme/ext2crash";
const CRASH_STATS: &str = "/scheme/ext2crash.stats";
/// How long the periodic commit (every 5 s) may take to come.
const COMMIT_WAIT: Duration = Duration::from_secs(20);
/// The small disk's file made durable before the power cut, and most
/// bytes written while filling it.
const KEPT_FILE: usize = 512 << 10;
const FILL_LIMIT: usize = 16 << 20;
/// The cache the tests ask for (KiB): smaller than the large file, larger
/// than the host's pattern file.
const CACHE_KIB: &str = "cache=4096";
/// Pattern seeds (as the harness's): the host's files and the guest's.
const HOST: u8 = b'H';
const GUEST: u8 = b'G';
const HOST_FILE: usize = 1 << 20;
const BIG_FILE: usize = 6 << 20;
const SPARSE_AT: u64 = 40 << 20;
/// The file removed while open.
const ORPHAN_FILE: usize = 1 << 20;
/// Bytes per read or write.
const CHUNK: usize = 64 * 1024;

/// The running server's pid (0: none).
static SERVER: AtomicUsize = AtomicUsize::new(0);

fn at(path: &str) -> String {
    format!("{ROOT}/{path}")
}

/// Starts `ext2fs OPTIONS DISK SCHEME` on the main disk.
fn start(options: &[&str]) -> TestResult {
    start_on(options, DISK, SCHEME)
}

/// Starts `ext2fs OPTIONS DEVICE SCHEME` and waits (bounded) for its scheme.
fn start_on(options: &[&str], device: &str, scheme: &str) -> TestResult {
    driver()?;
    let mut args: Vec<&str> = Vec::from(options);
    args.extend([device, scheme]);
    let mut child = ok("spawn /bin/ext2fs", Command::new("/bin/ext2fs").args(&args).spawn())?;
    let (start, root) = (Instant::now(), format!("/scheme/{scheme}"));
    while fs::metadata(&root).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("ext2fs ended: {status}"));
        }
        ensure!(start.elapsed() < Duration::from_secs(30), "{root} did not appear");
        thread::sleep(Duration::from_millis(10));
    }
    SERVER.store(child.id(), Ordering::SeqCst);
    Ok(())
}

/// Sends the server `SIGTERM` and expects a clean exit.
fn stop() -> TestResult {
    let pid: Pid = SERVER.swap(0, Ordering::SeqCst);
    ensure!(pid != 0, "no server running");
    ok("SIGTERM", signal::kill(pid, SIGTERM))?;
    expect_exit(pid, 0)?;
    ensure!(fs::metadata(ROOT).is_err(), "{ROOT} still served after the server ended");
    Ok(())
}

/// One counter of the main disk's stats scheme.
fn stat(name: &str) -> Result<u64, String> {
    stat_of(STATS, name)
}

/// One counter of the stats file `stats`.
fn stat_of(stats: &str, name: &str) -> Result<u64, String> {
    let text = ok("read the stats", fs::read_to_string(stats))?;
    let line = text.lines().find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')));
    line.and_then(|value| value.parse().ok()).ok_or_else(|| format!("no {name} in {text:?}"))
}

/// Reads the whole of `path`, 64 KiB at a time.
fn read_all(path: &str) -> Result<Vec<u8>, String> {
    let mut file = ok(&format!("open {path}"), File::open(path))?;
    let (mut data, mut buffer) = (Vec::new(), vec![0u8; CHUNK]);
    loop {
        match ok(&format!("read {path}"), file.read(&mut buffer))? {
            0 => return Ok(data),
            n => data.extend_from_slice(&buffer[..n]),
        }
    }
}

/// Whether `data` is the pattern of `seed` from offset 0.
fn check_pattern(what: &str, data: &[u8], seed: u8, len: usize) -> TestResult {
    ensure!(data.len() == len, "{what}: {} bytes, not {len}", data.len());
    match (0..len).find(|&i| data[i] != pattern(seed, i as u64)) {
        None => Ok(()),
        Some(at) => Err(format!("{what} differs from the pattern at byte {at}")),
    }
}

pub fn damaged_image_refused() -> TestResult {
    driver()?;
    let child = ok("spawn /bin/ext2fs", Command::new("/bin/ext2fs").args([DAMAGED, "ext2bad"]).spawn())?;
    expect_exit(child.id(), 1)?;
    ensure!(fs::metadata("/scheme/ext2bad").is_err(), "a damaged file system was served");
    Ok(())
}

pub fn mount() -> TestResult {
    start(&["-o", CACHE_KIB])?;
    let figures = ok("statvfs", fs::statvfs(ROOT))?;
    ensure!(figures.f_bsize == 4096 && figures.f_blocks == 16384, "statvfs: {figures:?}");
    ensure!(figures.f_bfree > 0 && figures.f_bavail <= figures.f_bfree, "statvfs: {figures:?}");
    Ok(())
}

/// The first read of a 1 MiB file goes to the disk in large requests; a
/// second read does not reach the disk at all.
pub fn cache_rereads() -> TestResult {
    let path = at("data/host.bin");
    let (reads, bytes) = (stat("disk_reads")?, stat("disk_read_bytes")?);
    check_pattern("data/host.bin", &read_all(&path)?, HOST, HOST_FILE)?;
    let (reads, bytes) = (stat("disk_reads")? - reads, stat("disk_read_bytes")? - bytes);
    ensure!(reads > 0 && bytes >= HOST_FILE as u64, "first read: {reads} requests, {bytes} bytes");
    ensure!(bytes / reads >= 32 * 1024, "first read: {reads} requests for {bytes} bytes (not in large requests)");
    let reads = stat("disk_reads")?;
    check_pattern("data/host.bin again", &read_all(&path)?, HOST, HOST_FILE)?;
    let again = stat("disk_reads")? - reads;
    ensure!(again == 0, "reading a cached file made {again} disk requests");
    Ok(())
}

/// Directory entries of `path` as (kind, name), through `getdents` itself.
fn raw_entries(path: &str) -> Result<Vec<(u8, String)>, String> {
    let dir = ok("open dir", OpenOptions::new().read(true).custom_flags(O_DIRECTORY).open(path))?;
    let mut buffer = vec![0u8; 4096];
    let mut entries = Vec::new();
    loop {
        let len = ok(
            "getdents",
            call(Syscall::Getdents, [dir.as_raw_fd(), buffer.as_mut_ptr() as usize, buffer.len(), 0, 0, 0]),
        )?;
        if len == 0 {
            return Ok(entries);
        }
        let mut at = 0;
        while at + 2 <= len {
            let (kind, name_len) = (buffer[at], usize::from(buffer[at + 1]));
            entries.push((kind, String::from_utf8_lossy(&buffer[at + 2..at + 2 + name_len]).into_owned()));
            at += 2 + name_len;
        }
    }
}

pub fn host_files() -> TestResult {
    let hello = ok("read hello.txt", fs::read(&at("hello.txt")))?;
    ensure!(hello == b"hello from the host\n", "hello.txt holds {hello:?}");
    ensure!(ok("readlink", fs::read_link(&at("data/link")))? == "../hello.txt", "data/link's target");
    ensure!(ok("read through the link", fs::read(&at("data/link")))? == hello, "data/link reads hello.txt");
    let fifo = ok("stat fifo", fs::symlink_metadata(&at("fifo")))?;
    ensure!(fifo.stat().st_mode & MODE_TYPE == 0o010_000, "fifo's mode {:o}", fifo.stat().st_mode);
    let null = ok("stat null", fs::symlink_metadata(&at("null")))?;
    ensure!(null.stat().st_mode & MODE_TYPE == 0o020_000, "null's mode {:o}", null.stat().st_mode);
    let entries = raw_entries(ROOT)?;
    for (kind, name) in [(DIRENT_FIFO, "fifo"), (DIRENT_CHAR, "null")] {
        ensure!(entries.iter().any(|e| e.0 == kind && e.1 == name), "{name} not listed as kind {kind}: {entries:?}");
    }
    ensure!(!entries.iter().any(|e| e.1 == "." || e.1 == ".."), "listing shows . or ..");
    Ok(())
}

/// A private mapping of the host's pattern file holds its bytes.
pub fn mmap_private_copy() -> TestResult {
    let file = ok("open host.bin", File::open(&at("data/host.bin")))?;
    let (len, flags) = (256 << 10, MapFlags::PROT_READ | MapFlags::MAP_PRIVATE);
    // SAFETY: a fresh mapping anywhere; nothing else uses the range.
    let address = ok("mmap private", unsafe { cairn_rt::sys::mmap(0, len, flags, file.as_raw_fd(), 0) })?;
    // SAFETY: the mapping is `len` readable bytes.
    let bytes = unsafe { core::slice::from_raw_parts(address as *const u8, len) };
    let checked = check_pattern("the mapping of data/host.bin", bytes, HOST, len);
    // SAFETY: the mapping made above; `bytes` is not used after this.
    ok("munmap", unsafe { cairn_rt::sys::munmap(address, len) })?;
    checked
}

/// Names created in `/many` (the harness finds them all in the directory's
/// htree with `debugfs htree`, as `ext2check.rs` has it).
const MANY_NAMES: usize = 600;

/// A directory growing past one block becomes hash-indexed on the disk,
/// as Linux makes it: `MANY_NAMES` files created in `/many`, every other
/// one removed and created again, each looked up; the harness checks the
/// index with `e2fsck -fn` and `debugfs htree`.
pub fn htree_directory() -> TestResult {
    ok("mkdir many", fs::create_dir(&at("many"), 0o755))?;
    let name = |i: usize| at(&format!("many/file-with-a-longish-name-{i:04}"));
    for i in 0..MANY_NAMES {
        ok("create", File::create(&name(i)).map(drop))?;
    }
    for i in (0..MANY_NAMES).step_by(2) {
        ok("remove", fs::remove_file(&name(i)))?;
    }
    for i in (0..MANY_NAMES).step_by(2) {
        ok("create again", File::create(&name(i)).map(drop))?;
    }
    for i in 0..MANY_NAMES {
        ok("stat", fs::metadata(&name(i)))?;
    }
    expect_errno("an absent name", fs::metadata(&at("many/absent")).map(drop), ENOENT)?;
    ensure!(ok("list many", fs::read_dir(&at("many")))?.len() == MANY_NAMES, "many lists another count");
    Ok(())
}

pub fn write_ops() -> TestResult {
    ok("mkdir cairn", fs::create_dir(&at("cairn"), 0o755))?;
    ok("write small.txt", fs::write(&at("cairn/small.txt"), b"written on Cairn\n"))?;
    let mut appending = ok("open append", OpenOptions::new().append(true).open(&at("cairn/small.txt")))?;
    ok("append", appending.write_all(b"and appended\n"))?;
    drop(appending);
    ok("rename", fs::rename(&at("cairn/small.txt"), &at("cairn/renamed.txt")))?;
    expect_errno("old name", fs::metadata(&at("cairn/small.txt")).map(drop), ENOENT)?;
    ok("hard link", fs::hard_link(&at("cairn/renamed.txt"), &at("cairn/hard.txt")))?;
    ensure!(ok("stat", fs::metadata(&at("cairn/hard.txt")))?.stat().st_nlink == 2, "two links");
    ok("symlink", fs::symlink("renamed.txt", &at("cairn/sym")))?;
    ensure!(ok("read via symlink", fs::read(&at("cairn/sym")))? == b"written on Cairn\nand appended\n", "content");
    ok("chmod", fs::set_permissions(&at("cairn/renamed.txt"), 0o640))?;
    ok("mkdir sub", fs::create_dir(&at("cairn/sub"), 0o750))?;
    ok("chmod sub", fs::set_permissions(&at("cairn/sub"), 0o750))?;
    ok("write gone.txt", fs::write(&at("cairn/gone.txt"), b"soon gone"))?;
    ok("unlink", fs::remove_file(&at("cairn/gone.txt")))?;
    expect_errno("unlinked", fs::metadata(&at("cairn/gone.txt")).map(drop), ENOENT)?;
    ok("mkdir removed-dir", fs::create_dir(&at("cairn/removed-dir"), 0o755))?;
    ok("rmdir", fs::remove_dir(&at("cairn/removed-dir")))?;
    let exclusive = OpenOptions::new().write(true).create_new(true).open(&at("cairn/renamed.txt"));
    expect_errno("O_EXCL on an existing file", exclusive.map(drop), EEXIST)?;
    expect_errno("rmdir a full directory", fs::remove_dir(&at("cairn")), ENOTEMPTY)?;
    as_user(|| {
        expect_errno("user reads a 0640 root file", File::open(&at("cairn/renamed.txt")).map(drop), EACCES)?;
        expect_errno("user creates in a 0755 root dir", fs::write(&at("cairn/user.txt"), b"x"), EACCES)?;
        Ok(())
    })
}

/// Removing the name of an open file: the handle still reads, writes,
/// `fstat`s (no links) and `fsync`s it, and its blocks come back only when
/// it closes (the server keeps it on the file system's orphan list); an
/// open directory removed takes no new entries.
pub fn unlink_open() -> TestResult {
    let path = at("cairn/orphan.bin");
    let free = || ok("statvfs", fs::statvfs(ROOT)).map(|s| s.f_bfree);
    let before = free()?;
    let opening = OpenOptions::new().read(true).write(true).create(true).open(&path);
    let mut file = ok("create orphan.bin", opening)?;
    let data: Vec<u8> = (0..ORPHAN_FILE as u64).map(|i| pattern(GUEST, i)).collect();
    for chunk in data.chunks(CHUNK) {
        ok("write orphan.bin", file.write_all(chunk))?;
    }
    ok("unlink the open file", fs::remove_file(&path))?;
    expect_errno("its name", fs::metadata(&path).map(drop), ENOENT)?;
    let meta = ok("fstat", file.metadata())?;
    ensure!(meta.stat().st_nlink == 0, "st_nlink {} after unlink", meta.stat().st_nlink);
    ensure!(meta.len() == ORPHAN_FILE as u64, "size {}", meta.len());
    ok("write after unlink", file.write_at(b"tail", ORPHAN_FILE as u64))?;
    ok("fsync after unlink", file.sync_all())?;
    let mut back = vec![0u8; ORPHAN_FILE + 4];
    for (i, chunk) in back.chunks_mut(CHUNK).enumerate() {
        let n = ok("read after unlink", file.read_at(chunk, (i * CHUNK) as u64))?;
        ensure!(n == chunk.len(), "short read at {}: {n}", i * CHUNK);
    }
    check_pattern("orphan.bin", &back[..ORPHAN_FILE], GUEST, ORPHAN_FILE)?;
    ensure!(&back[ORPHAN_FILE..] == b"tail", "the tail reads {:?}", &back[ORPHAN_FILE..]);
    let held = free()?;
    let blocks = (ORPHAN_FILE / 4096) as u64;
    ensure!(before - held > blocks, "an open unlinked file holds {} blocks", before - held);
    drop(file);
    let after = free()?;
    ensure!(after == before, "{after} blocks free after the close, {before} before the file");
    // A directory removed while open: no links, no entries, none added.
    ok("mkdir open-dir", fs::create_dir(&at("cairn/open-dir"), 0o755))?;
    let dir = ok("open open-dir", OpenOptions::new().read(true).custom_flags(O_DIRECTORY).open(&at("cairn/open-dir")))?;
    ok("rmdir the open directory", fs::remove_dir(&at("cairn/open-dir")))?;
    ensure!(ok("fstat the directory", dir.metadata())?.stat().st_nlink == 0, "a removed directory keeps links");
    let creating = OpenOptions::new().write(true).create(true).open_at(&dir, "new");
    expect_errno("create in the removed directory", creating.map(drop), ENOENT)?;
    drop(dir);
    ensure!(free()? == before, "the removed directory's block is not back after the close");
    Ok(())
}

pub fn large_file() -> TestResult {
    let path = at("cairn/big.bin");
    let evictions = stat("cache_evictions")?;
    let mut file = ok("create big.bin", File::create(&path))?;
    let data: Vec<u8> = (0..BIG_FILE as u64).map(|i| pattern(GUEST, i)).collect();
    for chunk in data.chunks(CHUNK) {
        ok("write big.bin", file.write_all(chunk))?;
    }
    ok("fsync", file.sync_all())?;
    drop(file);
    check_pattern("cairn/big.bin", &read_all(&path)?, GUEST, BIG_FILE)?;
    let evicted = stat("cache_evictions")? - evictions;
    ensure!(evicted > 0, "a 6 MiB file went through a 4 MiB cache without evictions");
    ensure!(stat("cache_pieces")? <= 1024, "the cache holds more than its 4 MiB");
    Ok(())
}

pub fn sparse_file() -> TestResult {
    let path = at("cairn/sparse.bin");
    let creating = OpenOptions::new().read(true).write(true).create(true).open(&path);
    let file = ok("create sparse.bin", creating)?;
    ok("write past a hole", file.write_at(b"end", SPARSE_AT))?;
    let meta = ok("fstat", file.metadata())?;
    ensure!(meta.len() == SPARSE_AT + 3, "size {}", meta.len());
    ensure!(meta.stat().st_blocks <= 64, "a 40 MiB hole takes {} sectors", meta.stat().st_blocks);
    let mut hole = vec![1u8; 4096];
    ok("read the hole", file.read_at(&mut hole, SPARSE_AT / 2))?;
    ensure!(hole.iter().all(|b| *b == 0), "the hole reads as non-zero");
    ok("fsync", file.sync_all())
}

pub fn unmount() -> TestResult {
    stop()
}

pub fn read_only() -> TestResult {
    start(&["-o", "ro"])?;
    let text = ok("read", fs::read(&at("cairn/renamed.txt")))?;
    ensure!(text == b"written on Cairn\nand appended\n", "after remount: {text:?}");
    let writing = OpenOptions::new().write(true).open(&at("cairn/renamed.txt"));
    expect_errno("open for writing", writing.map(drop), EROFS)?;
    expect_errno("mkdir", fs::create_dir(&at("cairn/new"), 0o755), EROFS)?;
    expect_errno("unlink", fs::remove_file(&at("cairn/hard.txt")), EROFS)?;
    stop()
}

/// `mount` and `umount` as a user runs them: the disk mounted on a
/// directory of the initfs (`/usr`, shadowed while mounted) is reached by
/// paths under it, listed by `mount`'s table and measured by `statvfs`,
/// then unmounted cleanly (the host's `e2fsck -fn` checks it after the run).
pub fn mount_tool() -> TestResult {
    let mounted = ok("run mount", Command::new("/bin/mount").args(["-t", "ext3", DISK, "/usr"]).status())?;
    ensure!(mounted.success(), "mount -t ext3 {DISK} /usr: {mounted}");
    let text = ok("read through the mount", fs::read("/usr/cairn/renamed.txt"))?;
    ensure!(text == b"written on Cairn\nand appended\n", "/usr/cairn/renamed.txt: {text:?}");
    ensure!(fs::metadata("/usr/share/misc/pci.ids").is_err(), "the initfs's /usr shows through the mount");
    let table = ok("read the mount table", cairn_rt::mount::mounts())?;
    let entry = table.iter().find(|entry| entry.point == "/usr").ok_or(format!("/usr not listed: {table:?}"))?;
    ensure!(entry.source == DISK && entry.fstype == "ext3" && entry.options == "rw", "mount table entry {entry:?}");
    let space = ok("statvfs /usr", fs::statvfs("/usr"))?;
    ensure!(space.f_blocks > 0 && space.f_bfree <= space.f_blocks, "statvfs /usr: {space:?}");
    copy_tree_round_trip()?;
    let unmounted = ok("run umount", Command::new("/bin/umount").arg("/usr").status())?;
    ensure!(unmounted.success(), "umount /usr: {unmounted}");
    ensure!(fs::metadata("/usr/share/misc/pci.ids").is_ok(), "the initfs's /usr is not back");
    let table = ok("read the mount table", cairn_rt::mount::mounts())?;
    ensure!(!table.iter().any(|entry| entry.point == "/usr"), "/usr still listed");
    Ok(())
}

/// A tree (the initfs's `/etc`) copied with `cp -r` into a tmpfs, from
/// there onto the ext3 disk mounted on `/usr`, and back into the tmpfs:
/// the copy that made the round trip must equal the first, file for file
/// and byte for byte.
fn copy_tree_round_trip() -> TestResult {
    let mut tmpfs = ok("start a tmpfs", Command::new("/bin/tmpfs").arg("ut-tree").spawn())?;
    let start = Instant::now();
    while fs::metadata("/scheme/ut-tree").is_err() {
        ensure!(start.elapsed() < Duration::from_secs(20), "tmpfs ut-tree did not start");
        thread::sleep(Duration::from_millis(5));
    }
    let copy = |from: &str, to: &str| -> TestResult {
        let status = ok("run cp -r", Command::new("/bin/cp").args(["-r", from, to]).status())?;
        ensure!(status.success(), "cp -r {from} {to}: {status}");
        Ok(())
    };
    let verdict = copy("/scheme/initfs/etc", "/scheme/ut-tree/first")
        .and_then(|()| copy("/scheme/ut-tree/first", "/usr/tree"))
        .and_then(|()| copy("/usr/tree", "/scheme/ut-tree/back"))
        .and_then(|()| same_tree("/scheme/ut-tree/first", "/scheme/ut-tree/back"))
        .and_then(|files| {
            ensure!(files >= 20, "the tree held only {files} files");
            Ok(())
        });
    let _ = tmpfs.kill();
    let _ = tmpfs.wait();
    verdict
}

/// Whether the trees at `a` and `b` hold the same names, kinds and bytes;
/// the number of files compared.
fn same_tree(a: &str, b: &str) -> Result<usize, String> {
    let mut left = ok("list", fs::read_dir(a))?;
    let mut right = ok("list", fs::read_dir(b))?;
    left.sort_by(|x, y| x.0.cmp(&y.0));
    right.sort_by(|x, y| x.0.cmp(&y.0));
    let names = |list: &[(String, fs::EntryKind)]| list.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>();
    ensure!(names(&left) == names(&right), "{a} and {b} list different names");
    let mut files = 0;
    for (name, kind) in &left {
        let (x, y) = (format!("{a}/{name}"), format!("{b}/{name}"));
        if *kind == fs::EntryKind::Dir {
            files += same_tree(&x, &y)?;
        } else {
            ensure!(ok("read", fs::read(&x))? == ok("read", fs::read(&y))?, "{x} and {y} differ");
            files += 1;
        }
    }
    Ok(files)
}

/// Damage met while mounted: a file is written and `fsync`ed, then a
/// lookup in the damaged directory is `EUCLEAN`, and from then on the
/// server is read-only (ext3's `errors=remount-ro`): creating, `mkdir`,
/// opening for writing and `fsync` are `EROFS`, reads go on; SIGTERM
/// still ends it with 0. The harness checks the log line and, with
/// `dumpe2fs`, the error state on the disk.
pub fn damage_remounts_read_only() -> TestResult {
    start_on(&[], BROKEN_DISK, "ext2broken")?;
    let verdict = meet_damage();
    let pid: Pid = SERVER.swap(0, Ordering::SeqCst);
    ok("SIGTERM", signal::kill(pid, SIGTERM))?;
    expect_exit(pid, 0)?;
    verdict
}

fn meet_damage() -> TestResult {
    let before = format!("{BROKEN_ROOT}/before.txt");
    let mut file = ok("create before.txt", File::create(&before))?;
    ok("write before.txt", file.write_all(BEFORE_DAMAGE))?;
    ok("fsync before.txt", file.sync_all())?;
    let inside = fs::metadata(&format!("{BROKEN_ROOT}/broken/name")).map(drop);
    expect_errno("a lookup in the damaged directory", inside, EUCLEAN)?;
    expect_errno("create after the damage", File::create(&format!("{BROKEN_ROOT}/after.txt")).map(drop), EROFS)?;
    expect_errno("mkdir after the damage", fs::create_dir(&format!("{BROKEN_ROOT}/dir"), 0o755), EROFS)?;
    let writable = OpenOptions::new().write(true).open(&before).map(drop);
    expect_errno("opening for writing after the damage", writable, EROFS)?;
    expect_errno("fsync after the damage", file.sync_all(), EROFS)?;
    ensure!(ok("read before.txt", fs::read(&before))? == BEFORE_DAMAGE, "before.txt reads back wrong");
    Ok(())
}

/// The scheme ext2fs serves the disk of suite `nvme-hotplug` as, the
/// bytes of each file written on it until its controller vanishes, and
/// most files tried (the harness's `ext2check.rs` has the same).
const GONE_ROOT: &str = "/scheme/ext2gone";
const VANISH_FILE: usize = 32 << 10;
const VANISH_MAX: usize = 1500;
/// Files `fsync`ed so far on that disk.
pub static VANISH_FSYNCED: AtomicUsize = AtomicUsize::new(0);

/// Suite `nvme-hotplug`: starts ext2fs on the disk (an empty ext3 image)
/// as `ext2gone`; its pid.
pub fn serve_vanishing_disk() -> Result<Pid, String> {
    start_on(&[], DISK, "ext2gone")?;
    Ok(SERVER.swap(0, Ordering::SeqCst))
}

/// Writes files `/w0.bin`, `/w1.bin`, … of the guest pattern on the disk
/// of [`serve_vanishing_disk`], each `fsync`ed (counted in
/// [`VANISH_FSYNCED`]), until a call fails as the disk goes; the errno it
/// failed with.
pub fn write_until_the_disk_vanishes() -> Result<i32, String> {
    let data: Vec<u8> = (0..VANISH_FILE as u64).map(|i| pattern(GUEST, i)).collect();
    let start = Instant::now();
    for n in 0..VANISH_MAX {
        ensure!(start.elapsed() < Duration::from_secs(90), "writes still succeed after 90 s");
        let mut file = match File::create(&format!("{GONE_ROOT}/w{n}.bin")) {
            Ok(file) => file,
            Err(e) => return Ok(e.errno().unwrap_or(0)),
        };
        if let Err(e) = file.write_all(&data).and_then(|()| file.sync_all()) {
            return Ok(e.errno().unwrap_or(0));
        }
        VANISH_FSYNCED.store(n + 1, Ordering::SeqCst);
    }
    Err(format!("{VANISH_MAX} files written and the disk still there"))
}

/// After the disk of [`serve_vanishing_disk`] vanished: a file written
/// before reads back whole from the cache or fails with `EIO` (never
/// other bytes), a new file cannot be made durable (`EIO`), and
/// `SIGTERM` ends the server with 1 (it cannot write back) instead of
/// hanging.
pub fn after_the_disk_vanished(server: Pid) -> TestResult {
    let data: Vec<u8> = (0..VANISH_FILE as u64).map(|i| pattern(GUEST, i)).collect();
    match fs::read(&format!("{GONE_ROOT}/w0.bin")) {
        Ok(read) => ensure!(read == data, "w0.bin reads back other bytes after the removal"),
        Err(e) => ensure!(e.errno() == Some(EIO), "reading w0.bin after the removal: {e:?}, not EIO"),
    }
    let late = File::create(&format!("{GONE_ROOT}/late.bin")).and_then(|mut f| {
        f.write_all(&data)?;
        f.sync_all()
    });
    expect_errno("a file made durable after the removal", late, EIO)?;
    ok("SIGTERM", signal::kill(server, SIGTERM))?;
    expect_exit(server, 1)
}

/// The small disk: filling it ends in `ENOSPC` and removing the file gives
/// the space back; then a file is written and `fsync`ed, more is written
/// without and left to the periodic commit (waited for, bounded), more
/// again, and the server is left running: the machine goes off under it
/// (the harness replays the journal on a copy, runs `e2fsck -fn`, and
/// finds the `fsync`ed and the committed files whole).
pub fn full_disk_then_power_cut() -> TestResult {
    start_on(&[], CRASH_DISK, CRASH_SCHEME)?;
    let fill = format!("{CRASH_ROOT}/fill.bin");
    let free = ok("statvfs", fs::statvfs(CRASH_ROOT))?.f_bfree;
    let mut file = ok("create fill.bin", File::create(&fill))?;
    let chunk = vec![0x5au8; CHUNK];
    let mut written = 0;
    let error = loop {
        ensure!(written < FILL_LIMIT, "{written} bytes fit on an 8 MiB disk");
        match file.write(&chunk) {
            Ok(n) => written += n,
            Err(e) => break e,
        }
    };
    ensure!(error.errno() == Some(ENOSPC), "filling ended in {error:?}, not ENOSPC");
    drop(file);
    ensure!(ok("statvfs", fs::statvfs(CRASH_ROOT))?.f_bfree < free / 100, "the disk is not full");
    ok("remove fill.bin", fs::remove_file(&fill))?;
    ensure!(ok("statvfs", fs::statvfs(CRASH_ROOT))?.f_bfree == free, "removing fill.bin did not free it all");
    let mut kept = ok("create kept.bin", File::create(&format!("{CRASH_ROOT}/kept.bin")))?;
    let data: Vec<u8> = (0..KEPT_FILE as u64).map(|i| pattern(GUEST, i)).collect();
    ok("write kept.bin", kept.write_all(&data))?;
    ok("fsync kept.bin", kept.sync_all())?;
    let flushes = stat_of(CRASH_STATS, "disk_flushes")?;
    ok("write committed.bin", fs::write(&format!("{CRASH_ROOT}/committed.bin"), &data[..KEPT_FILE / 2]))?;
    ok("mkdir committed-dir", fs::create_dir(&format!("{CRASH_ROOT}/committed-dir"), 0o755))?;
    let start = Instant::now();
    while stat_of(CRASH_STATS, "disk_flushes")? == flushes {
        ensure!(start.elapsed() < COMMIT_WAIT, "no periodic commit within {COMMIT_WAIT:?}");
        thread::sleep(Duration::from_millis(100));
    }
    ok("write late.bin", fs::write(&format!("{CRASH_ROOT}/late.bin"), &data[..KEPT_FILE / 4]))?;
    Ok(())
}
