//! The NVMe driver (`/bin/nvme`) on the controller of the harness suite
//! `nvme-q35`: namespace 1 is a 4 MiB raw image the harness fills with
//! the host pattern before the boot and checks for the guest pattern after
//! it (the two patterns are defined here and in
//! `tools/harness/src/diskcheck.rs`, and must agree); namespace 2 is 2 MiB
//! of 4 KiB blocks that read as zeros. These tests run only when named
//! (`utest nvme_`): the other suites have no NVMe controller. The
//! virtio-blk tests share the patterns and their checks.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use cairn_rt::abi::error::{EACCES, EBADF, EINVAL, EIO, EISDIR, ENOENT, ENOSPC};
use cairn_rt::fs::{File, OpenOptions, SeekFrom};
use cairn_rt::io::{Read, Write};
use cairn_rt::process::{self, Command};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, format, thread, vec};

use crate::util::{TestResult, ensure, expect_errno, in_child, ok};

/// The disk, through its `/dev` link.
const DISK: &str = "/dev/nvme0n1";
/// The disk in the driver's scheme.
const SCHEME_DISK: &str = "/scheme/disk.nvme0/1";
/// What the harness attaches: 4 MiB of 512-byte blocks (also the
/// virtio-blk suite's disk).
pub(crate) const DISK_SIZE: u64 = 4 << 20;
pub(crate) const BLOCK: usize = 512;
/// NVMe controllers, as devd matches them.
const NVME: cairn_driver::Match = cairn_driver::Match::Class { class: 0x01, subclass: Some(0x08), prog_if: Some(0x02) };
/// Pattern seeds: the host's ('H') and the guest's ('G').
pub(crate) const HOST: u8 = b'H';
pub(crate) const GUEST: u8 = b'G';
/// Bytes per read or write (what one scheme request carries).
pub(crate) const CHUNK: usize = 64 * 1024;

/// The byte at `offset` of the pattern with `seed`: each 512-byte block
/// starts with its number (little-endian u64), the rest mixes block and
/// position; everything XOR `seed`.
pub(crate) fn pattern(seed: u8, offset: u64) -> u8 {
    let (block, at) = (offset / BLOCK as u64, offset % BLOCK as u64);
    let byte = if at < 8 { (block >> (8 * at)) as u8 } else { block.wrapping_mul(31).wrapping_add(at * 7) as u8 };
    byte ^ seed
}

/// Starts `/bin/nvme` unless it already serves, and waits (bounded) for its disk.
pub(crate) fn driver() -> TestResult {
    if cairn_rt::fs::metadata(SCHEME_DISK).is_ok() {
        return Ok(());
    }
    let mut child = ok("spawn /bin/nvme", Command::new("/bin/nvme").spawn())?;
    let start = Instant::now();
    loop {
        match cairn_rt::fs::metadata(DISK) {
            Ok(_) => return Ok(()),
            Err(_) if start.elapsed() < Duration::from_secs(30) => {
                if let Ok(Some(status)) = child.try_wait() {
                    return Err(format!("nvme ended: {status}"));
                }
                thread::sleep(Duration::from_millis(10));
            }
            Err(e) => return Err(format!("{DISK} did not appear: {e}")),
        }
    }
}

fn open(write: bool) -> Result<File, String> {
    open_disk(DISK, write)
}

fn open_disk(path: &str, write: bool) -> Result<File, String> {
    ok(&format!("open {path}"), OpenOptions::new().read(true).write(write).open(path))
}

/// Reads the whole disk and compares it with the pattern of `seed`.
pub(crate) fn check_pattern(disk: &mut File, seed: u8) -> TestResult {
    ok("seek to 0", disk.seek(SeekFrom::Start(0)))?;
    let mut buffer = vec![0u8; CHUNK];
    let mut offset = 0u64;
    while offset < DISK_SIZE {
        ok(&format!("read at {offset}"), disk.read_exact(&mut buffer))?;
        if let Some(at) = (0..CHUNK).find(|i| buffer[*i] != pattern(seed, offset + *i as u64)) {
            let at = offset + at as u64;
            let wanted = pattern(seed, at);
            return Err(format!(
                "byte {at} is {:#x}, the '{}' pattern has {wanted:#x}",
                buffer[(at - offset) as usize],
                seed as char
            ));
        }
        offset += CHUNK as u64;
    }
    let mut more = [0u8; BLOCK];
    let end = ok("read at the end", disk.read(&mut more))?;
    ensure!(end == 0, "read {end} bytes past the end");
    Ok(())
}

/// The disk is a block device of the image's size, the host's pattern read back, the guest's pattern
/// written over the whole namespace, flushed, and read back.
pub fn disk_data() -> TestResult {
    driver()?;
    let mut disk = open(true)?;
    let metadata = ok("fstat", disk.metadata())?;
    ensure!(metadata.is_block_device(), "the disk's mode is {:#o}, not a block device's", metadata.stat().st_mode);
    let size = metadata.len();
    ensure!(size == DISK_SIZE, "the disk has {size} bytes, not {DISK_SIZE}");
    check_pattern(&mut disk, HOST)?;
    write_pattern(&mut disk, GUEST)?;
    ok("fsync", disk.sync_all())?;
    check_pattern(&mut disk, GUEST)
}

/// Writes the pattern of `seed` over the whole disk.
pub(crate) fn write_pattern(disk: &mut File, seed: u8) -> TestResult {
    ok("seek to 0", disk.seek(SeekFrom::Start(0)))?;
    let mut buffer = vec![0u8; CHUNK];
    for start in (0..DISK_SIZE).step_by(CHUNK) {
        for (i, byte) in buffer.iter_mut().enumerate() {
            *byte = pattern(seed, start + i as u64);
        }
        ok(&format!("write at {start}"), disk.write_all(&buffer))?;
    }
    Ok(())
}

/// Unaligned offsets and lengths are `EINVAL`, writing at the end
/// `ENOSPC`, the directory is not writable, unknown disks `ENOENT`, and
/// only root opens a disk.
pub fn disk_bad_requests() -> TestResult {
    driver()?;
    let mut disk = open(true)?;
    let mut first = [0u8; BLOCK];
    ok("read block 0", disk.read_exact(&mut first))?;
    let mut block = [0u8; BLOCK];
    ok("seek to 1", disk.seek(SeekFrom::Start(1)))?;
    expect_errno("a read at offset 1", disk.read(&mut block), EINVAL)?;
    expect_errno("a write at offset 1", disk.write(&block), EINVAL)?;
    ok("seek to 0", disk.seek(SeekFrom::Start(0)))?;
    expect_errno("a 100-byte read", disk.read(&mut block[..100]), EINVAL)?;
    expect_errno("a 513-byte write", disk.write(&[0u8; BLOCK + 1]), EINVAL)?;
    ok("seek to the end", disk.seek(SeekFrom::End(0)))?;
    expect_errno("a write at the end", disk.write(&block), ENOSPC)?;
    let read_only = &mut open(false)?;
    expect_errno("a write through a read-only fd", read_only.write(&block), EBADF)?;
    let open_at = |path: &str, write: bool| OpenOptions::new().read(true).write(write).open(path).map(drop);
    expect_errno("open namespace 9", open_at("/scheme/disk.nvme0/9", false), ENOENT)?;
    expect_errno("open the directory for writing", open_at("/scheme/disk.nvme0", true), EISDIR)?;
    let listing = ok("list /scheme/disk.nvme0", cairn_rt::fs::read_dir("/scheme/disk.nvme0"))?;
    let names: cairn_rt::Vec<&str> = listing.iter().map(|(name, _)| name.as_str()).collect();
    ensure!(names == ["1", "2"], "/scheme/disk.nvme0 lists {listing:?}");
    in_child(|| {
        ok("setuid", process::setuid(1000))?;
        expect_errno("open by a user", open_at(SCHEME_DISK, false), EACCES)
    })?;
    // The driver still answers after all that.
    let mut disk = open(false)?;
    ok("a read after the bad requests", disk.read_exact(&mut block))?;
    ensure!(block == first, "block 0 changed: {:02x?}", &block[..16]);
    Ok(())
}

/// The second namespace: its own size and 4 KiB block size, zeros, and
/// alignment to its block size (512-byte alignment is not enough).
pub fn second_namespace() -> TestResult {
    driver()?;
    let mut disk = open_disk("/dev/nvme0n2", true)?;
    let size = ok("fstat", disk.metadata())?.len();
    ensure!(size == 2 << 20, "nvme0n2 has {size} bytes, not 2 MiB");
    let mut data = vec![0xffu8; CHUNK];
    ok("read 64 KiB", disk.read_exact(&mut data))?;
    ensure!(data.iter().all(|b| *b == 0), "the null namespace read as non-zero");
    ok("seek to 512", disk.seek(SeekFrom::Start(512)))?;
    expect_errno("a read at 512", disk.read(&mut data[..4096]), EINVAL)?;
    ok("seek to 4096", disk.seek(SeekFrom::Start(4096)))?;
    expect_errno("a 512-byte read", disk.read(&mut data[..512]), EINVAL)?;
    ok("a 4 KiB write", disk.write_all(&data[..4096]))?;
    ok("seek to the end", disk.seek(SeekFrom::End(-4096)))?;
    ok("read the last block", disk.read_exact(&mut data[..4096]))?;
    ok("fsync", disk.sync_all())
}

/// Each I/O queue pair's MSI-X vector (entry N for queue N) is bound to
/// CPU N-1, one per CPU, and has fired there: `/scheme/sys/interrupts`
/// counts it in that CPU's column (the driver reads a block through every
/// pair before it serves, so each has fired whichever worker took the
/// test's own requests); the admin queue's vector (entry 0) has fired too.
pub fn queue_interrupts() -> TestResult {
    driver()?;
    let cpus = ok("available_parallelism", thread::available_parallelism())?.get();
    let mut disk = open(false)?;
    let mut block = [0u8; BLOCK];
    for _ in 0..4 * cpus {
        ok("read block 0", disk.read_exact(&mut block))?;
        ok("seek to 0", disk.seek(SeekFrom::Start(0)))?;
    }
    let table = ok("read interrupts", cairn_rt::fs::read_to_string("/scheme/sys/interrupts"))?;
    let mut queues = 0;
    let mut admin = 0;
    for line in table.lines().filter(|l| l.contains("/bin/nvme")) {
        let fields: cairn_rt::Vec<&str> = line.split_whitespace().collect();
        let cpu: usize = fields[0].split('/').next().and_then(|c| c.parse().ok()).ok_or(format!("line {line:?}"))?;
        let count: u64 = fields.get(1 + cpu).and_then(|c| c.parse().ok()).ok_or(format!("line {line:?}"))?;
        let entry = fields.iter().position(|f| *f == "MSI").and_then(|i| fields.get(i + 1)?.parse::<usize>().ok());
        if entry == Some(0) {
            ensure!(count > 0, "the admin queue's vector never fired: {line:?}");
            admin += 1;
            continue;
        }
        ensure!(entry == Some(cpu + 1), "vector of MSI-X entry {entry:?} on CPU {cpu}: {line:?}");
        ensure!(count > 0, "queue {} never interrupted: {line:?}", cpu + 1);
        queues += 1;
    }
    ensure!(admin == 1, "{admin} admin queue vectors:\n{table}");
    ensure!(queues == cpus.min(16), "{queues} nvme vectors for {cpus} CPUs:\n{table}");
    Ok(())
}

/// Eight threads, each with its own fd, write the guest pattern over
/// their own eighth of the disk and read it back, all at once (the driver
/// serves them on several queue pairs at the same time).
pub fn concurrent_clients() -> TestResult {
    driver()?;
    const THREADS: u64 = 8;
    const PIECE: usize = 16 * 1024;
    let slice = DISK_SIZE / THREADS;
    let threads: cairn_rt::Vec<_> = (0..THREADS)
        .map(|index| {
            thread::spawn(move || -> TestResult {
                let disk = ok("open", cairn_rt::scheme::open(SCHEME_DISK, cairn_rt::abi::O_RDWR))?;
                let mut buffer = vec![0u8; PIECE];
                for start in (index * slice..(index + 1) * slice).step_by(PIECE) {
                    for (i, byte) in buffer.iter_mut().enumerate() {
                        *byte = pattern(GUEST, start + i as u64);
                    }
                    let written = ok(&format!("pwrite at {start}"), disk.write_at(&buffer, start))?;
                    ensure!(written == PIECE, "pwrite at {start} wrote {written}");
                    buffer.fill(0);
                    let read = ok(&format!("pread at {start}"), disk.read_at(&mut buffer, start))?;
                    ensure!(read == PIECE, "pread at {start} read {read}");
                    if let Some(at) = (0..PIECE).find(|i| buffer[*i] != pattern(GUEST, start + *i as u64)) {
                        return Err(format!("thread {index}: byte {} read back wrong", start + at as u64));
                    }
                }
                Ok(())
            })
        })
        .collect();
    for handle in threads {
        handle.join().map_err(|e| format!("join: {e:?}"))??;
    }
    Ok(())
}

/// The pid of the running driver, from `/scheme/sys/processes`.
fn driver_pid() -> Result<cairn_rt::process::Pid, String> {
    let table = ok("read processes", cairn_rt::fs::read_to_string("/scheme/sys/processes"))?;
    table
        .lines()
        .find(|line| line.split_whitespace().last() == Some("/bin/nvme"))
        .and_then(|line| line.split_whitespace().next()?.parse().ok())
        .ok_or(format!("no /bin/nvme in\n{table}"))
}

/// A second driver finds the controller taken and exits 1; the first is
/// killed (its device context is revoked), a new one resets the
/// controller and serves the data written before.
pub fn driver_restart() -> TestResult {
    driver()?;
    let second = ok("spawn a second nvme", Command::new("/bin/nvme").spawn())?;
    crate::util::expect_exit(second.id(), 1)?;
    let mut disk = open(true)?;
    let block: [u8; BLOCK] = core::array::from_fn(|i| (i * 3 + 11) as u8);
    ok("seek to block 9", disk.seek(SeekFrom::Start(9 * BLOCK as u64)))?;
    ok("write block 9", disk.write_all(&block))?;
    ok("fsync", disk.sync_all())?;
    drop(disk);
    let pid = driver_pid()?;
    ok("kill nvme", cairn_rt::signal::kill(pid, cairn_rt::signal::SIGKILL))?;
    crate::util::expect_signal(pid, cairn_rt::signal::SIGKILL)?;
    driver()?;
    ensure!(driver_pid()? != pid, "the old driver still runs");
    let mut disk = open(false)?;
    let mut read = [0u8; BLOCK];
    ok("seek to block 9", disk.seek(SeekFrom::Start(9 * BLOCK as u64)))?;
    ok("read block 9", disk.read_exact(&mut read))?;
    ensure!(read == block, "block 9 reads {:02x?} after the restart", &read[..16]);
    // Put the guest pattern back for the harness's check of the image.
    let mut disk = open(true)?;
    let restored: cairn_rt::Vec<u8> = (0..BLOCK as u64).map(|i| pattern(GUEST, 9 * BLOCK as u64 + i)).collect();
    ok("seek to block 9", disk.seek(SeekFrom::Start(9 * BLOCK as u64)))?;
    ok("restore block 9", disk.write_all(&restored))?;
    ok("fsync", disk.sync_all())
}

/// The scale test (suite `nvme-scale`: q35, 8 CPUs, 16 controllers): one
/// driver process per controller asks it for 64 I/O queue pairs, each
/// with its own MSI-X vector, spread round-robin over the CPUs, and reads
/// through every queue before it serves; then every vector of `/bin/nvme`
/// in `/scheme/sys/interrupts` has fired, each CPU holds its share, and no
/// interrupt arrived on a vector nothing is bound to.
pub fn scale_vectors() -> TestResult {
    const CONTROLLERS: usize = 16;
    const QUEUES: usize = 64;
    let nvme = cairn_driver::Match::Class { class: 0x01, subclass: Some(0x08), prog_if: Some(0x02) };
    let functions = cairn_driver::find(nvme).map_err(|e| format!("find NVMe controllers: {e}"))?;
    ensure!(functions.len() == CONTROLLERS, "{} NVMe controllers: {functions:?}", functions.len());
    let mut children = cairn_rt::Vec::new();
    for function in &functions {
        let spawned = Command::new("/bin/nvme").arg("--queues").arg("64").arg(function).spawn();
        children.push(ok(&format!("spawn /bin/nvme for {function}"), spawned)?);
    }
    let start = Instant::now();
    for number in 0..CONTROLLERS {
        let disk = format!("/dev/nvme{number}n1");
        while cairn_rt::fs::metadata(&disk).is_err() {
            if let Ok(Some(status)) = children[number].try_wait() {
                return Err(format!("nvme for {} ended: {status}", functions[number]));
            }
            ensure!(start.elapsed() < Duration::from_secs(300), "{disk} did not appear");
            thread::sleep(Duration::from_millis(50));
        }
    }
    let text = ok("read interrupts", cairn_rt::fs::read_to_string("/scheme/sys/interrupts"))?;
    let cpus = text.lines().next().map_or(0, |header| header.split_whitespace().count());
    ensure!(cpus >= 2, "header {:?}", text.lines().next());
    let mut per_cpu = vec![0usize; cpus];
    let mut vectors = 0;
    for line in text.lines().filter(|line| line.contains(" MSI ") && line.contains("/bin/nvme (pid ")) {
        let words: cairn_rt::Vec<&str> = line.split_whitespace().collect();
        let cpu: usize = words[0].split('/').next().and_then(|c| c.parse().ok()).ok_or("a row without its CPU")?;
        let count: u64 = words.get(1 + cpu).and_then(|c| c.parse().ok()).ok_or("a row without its count")?;
        ensure!(count >= 1, "vector {} never fired", words[0]);
        per_cpu[cpu] += 1;
        vectors += 1;
    }
    // Each controller: its admin queue's vector 0 (spread) and one vector
    // per I/O queue (pinned round-robin).
    let expected = CONTROLLERS * (QUEUES + 1);
    ensure!(vectors == expected, "{vectors} vectors of the driver, not {expected}");
    let fewest = per_cpu.iter().min().copied().unwrap_or(0);
    ensure!(fewest >= CONTROLLERS * QUEUES / cpus, "vectors per CPU: {per_cpu:?}");
    let stray = text.lines().find(|line| line.trim_start().starts_with("ERR:")).ok_or("no ERR row")?;
    ensure!(stray.split_whitespace().skip(1).take(cpus).all(|n| n == "0"), "stray arrivals: {stray}");
    cairn_rt::println!(
        "utest: scale: {vectors} MSI-X vectors on {cpus} CPUs ({fewest}-{} per CPU), every one fired on its CPU, 0 stray",
        per_cpu.iter().max().copied().unwrap_or(0)
    );
    for mut child in children {
        let _ = child.kill();
    }
    Ok(())
}

/// Suite `nvme-restart` (init → devd → `/bin/nvme`, run by `utest
/// --nvme-restart-check`): a client thread writes the guest pattern over
/// the whole disk in 16 KiB pieces, reading each back; meanwhile the
/// driver is killed with SIGKILL. The client's call in flight (or its next
/// one) fails with `EIO` — it does not hang — and the client reopens the
/// disk (devd resets the controller and starts a new driver) and retries
/// the piece. In the end the whole disk reads back right (and the harness
/// checks the image on the host).
pub fn restart_during_io() -> TestResult {
    const PIECE: usize = 16 * 1024;
    const PIECES: usize = DISK_SIZE as usize / PIECE;
    /// Pieces written before the driver is killed.
    const BEFORE_KILL: usize = 24;
    let start = Instant::now();
    while cairn_rt::fs::metadata(DISK).is_err() {
        ensure!(start.elapsed() < Duration::from_secs(60), "devd's driver never linked {DISK}");
        thread::sleep(Duration::from_millis(20));
    }
    let progress = cairn_rt::sync::Arc::new(core::sync::atomic::AtomicUsize::new(0));
    let done = cairn_rt::sync::Arc::clone(&progress);
    let client = thread::spawn(move || -> Result<(usize, cairn_rt::Vec<String>), String> {
        let mut disk = open(true)?;
        let mut errors = cairn_rt::Vec::new();
        let mut piece = 0;
        let mut buffer = vec![0u8; PIECE];
        while piece < PIECES {
            let at = (piece * PIECE) as u64;
            let expected: cairn_rt::Vec<u8> = (0..PIECE as u64).map(|i| pattern(GUEST, at + i)).collect();
            let tried = disk.write_at(&expected, at).and_then(|_| disk.read_at(&mut buffer, at));
            match tried {
                Ok(n) if n == PIECE && buffer == expected => {
                    piece += 1;
                    done.store(piece, core::sync::atomic::Ordering::Relaxed);
                }
                Ok(n) => return Err(format!("piece {piece}: read {n} bytes, not the pattern written")),
                Err(e) if e.errno() == Some(EIO) => {
                    errors.push(format!("piece {piece}: {e}"));
                    ensure!(errors.len() <= 8, "too many errors: {errors:?}");
                    // The driver is gone: open again until its successor serves.
                    let since = Instant::now();
                    disk = loop {
                        match OpenOptions::new().read(true).write(true).open(DISK) {
                            Ok(file) => break file,
                            Err(_) if since.elapsed() < Duration::from_secs(60) => {
                                thread::sleep(Duration::from_millis(20))
                            }
                            Err(e) => return Err(format!("reopening {DISK}: {e}")),
                        }
                    };
                }
                Err(e) => return Err(format!("piece {piece}: {e} (not EIO)")),
            }
        }
        Ok((piece, errors))
    });
    while progress.load(core::sync::atomic::Ordering::Relaxed) < BEFORE_KILL {
        ensure!(start.elapsed() < Duration::from_secs(120), "the client made no progress");
        thread::sleep(Duration::from_millis(5));
    }
    let pid = driver_pid()?;
    ok("kill nvme", cairn_rt::signal::kill(pid, cairn_rt::signal::SIGKILL))?;
    let killed_at = progress.load(core::sync::atomic::Ordering::Relaxed);
    let (pieces, errors) = client.join().map_err(|e| format!("join: {e:?}"))??;
    ensure!(!errors.is_empty(), "no call failed although the driver was killed at piece {killed_at}");
    ensure!(driver_pid()? != pid, "the old driver still runs");
    // Read everything back through a fresh handle.
    let mut disk = open(false)?;
    check_pattern(&mut disk, GUEST)?;
    cairn_rt::println!(
        "utest: nvme restart: killed the driver at piece {killed_at}; {} failed calls ({}), retried; {pieces} pieces written and read back",
        errors.len(),
        errors.join("; ")
    );
    Ok(())
}

/// Hot removal (suite `nvme-hotplug`: native PCI Express hot-plug, the
/// controller behind a root port). `pciehp` watches the port's slot, a
/// thread reads the disk, and the test prints `nvme-hotplug: remove now`;
/// the harness then has QEMU press the slot's attention button
/// (`device_del`). Meanwhile ext2fs serves the disk (an ext3 image) and
/// another thread writes and `fsync`s files on it (`ext2.rs`). pciehp
/// powers the slot off and the controller disappears: its driver finds
/// its function reading all ones and ends with 0, the reader gets `EIO`
/// rather than hanging, so does ext2fs's writer, ext2fs reads from its
/// cache or fails with `EIO` and ends at `SIGTERM`, and the function's
/// configuration space reads all ones. The test prints how many files
/// were `fsync`ed; the harness checks they survive.
pub fn hot_removal() -> TestResult {
    let port_class = cairn_driver::Match::Class { class: 0x06, subclass: Some(0x04), prog_if: None };
    let ports = cairn_driver::find(port_class).map_err(|e| format!("find the root port: {e}"))?;
    let [port] = ports.as_slice() else { return Err(format!("expected one root port, found {ports:?}")) };
    let controllers = cairn_driver::find(NVME).map_err(|e| format!("find the controller: {e}"))?;
    let [controller] = controllers.as_slice() else { return Err(format!("expected one NVMe, found {controllers:?}")) };
    let mut hotplug = ok("spawn pciehp", Command::new("/bin/pciehp").arg(port).spawn())?;
    let start = Instant::now();
    while !ok("read interrupts", cairn_rt::fs::read_to_string("/scheme/sys/interrupts"))?.contains("/bin/pciehp") {
        ensure!(start.elapsed() < Duration::from_secs(20), "pciehp bound no interrupt within 20 s");
        thread::sleep(Duration::from_millis(10));
    }
    driver()?;
    let driver = driver_pid()?;
    let server = crate::ext2::serve_vanishing_disk()?;
    let writer = thread::spawn(crate::ext2::write_until_the_disk_vanishes);
    let reader = thread::spawn(|| -> Result<i32, String> {
        let disk = open(false)?;
        let mut block = [0u8; BLOCK];
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(90) {
            if let Err(e) = disk.read_at(&mut block, 0) {
                return Ok(e.errno().unwrap_or(0));
            }
        }
        Err(String::from("reads still succeed 90 s after the removal"))
    });
    // Remove it under ext2fs writing (a file or two made durable first).
    let fsynced = || crate::ext2::VANISH_FSYNCED.load(core::sync::atomic::Ordering::SeqCst);
    let start = Instant::now();
    while fsynced() < 2 && start.elapsed() < Duration::from_secs(30) {
        thread::sleep(Duration::from_millis(20));
    }
    cairn_rt::println!("nvme-hotplug: remove now");
    let ended = crate::util::expect_exit(driver, 0);
    let read_error = reader.join().map_err(|_| String::from("the reader died"))?;
    let write_error = writer.join().map_err(|_| String::from("the writer died"))?;
    cairn_rt::println!("nvme-hotplug: ext2 files fsynced before the removal: {}", fsynced());
    let served = crate::ext2::after_the_disk_vanished(server);
    let _ = hotplug.kill();
    let _ = hotplug.wait();
    ended?;
    ensure!(read_error? == EIO, "a read after the removal did not fail with EIO");
    ensure!(write_error? == EIO, "ext2fs's writer did not fail with EIO");
    served?;
    let mut vendor = [0u8; 2];
    let config = ok("open the removed function's config", File::open(&format!("/scheme/pci/{controller}/config")))?;
    ok("read its vendor ID", config.read_at(&mut vendor, 0))?;
    ensure!(vendor == [0xff, 0xff], "the removed function's vendor ID reads {vendor:02x?}");
    Ok(())
}
