//! The virtio-blk driver (`/bin/virtio-blk`) in the harness suite
//! `virtio-blk`, started by devd: `/dev/vda` is a 4 MiB raw image the
//! harness fills with the host pattern before the boot and checks for the
//! guest pattern after it (the patterns of [`crate::nvme`]), on a device
//! with two request queues; `/dev/vdb` is a read-only 1 MiB device of 4
//! KiB blocks that reads as zeros. These tests run only when named
//! (`utest virtio_blk_`).
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`] and [`crate::nvme`].

use cairn_rt::abi::error::{EINVAL, ENOENT, ENOSPC, EROFS};
use cairn_rt::fs::{File, OpenOptions, SeekFrom};
use cairn_rt::io::Read;
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, format, thread, vec};

use crate::nvme::{BLOCK, CHUNK, DISK_SIZE, GUEST, HOST, check_pattern, pattern, write_pattern};
use crate::util::{TestResult, ensure, expect_errno, ok};

const DISK: &str = "/dev/vda";
const SCHEME_DISK: &str = "/scheme/disk.vd0/0";
const READ_ONLY: &str = "/dev/vdb";

/// Waits (bounded) until devd's driver serves `path`.
pub(crate) fn served(path: &str) -> TestResult {
    let start = Instant::now();
    loop {
        match cairn_rt::fs::metadata(path) {
            Ok(_) => return Ok(()),
            Err(_) if start.elapsed() < Duration::from_secs(30) => thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("{path} did not appear: {e}")),
        }
    }
}

pub(crate) fn open(path: &str, write: bool) -> Result<File, String> {
    served(path)?;
    ok(&format!("open {path}"), OpenOptions::new().read(true).write(write).open(path))
}

/// `/dev/vda` is a block device of the image's size; the host's pattern
/// reads back; the guest's is written over the whole disk, flushed and
/// read back (the harness checks it in the image after power-off).
pub fn disk_data() -> TestResult {
    let mut disk = open(DISK, true)?;
    let metadata = ok("fstat", disk.metadata())?;
    ensure!(metadata.is_block_device(), "the disk's mode is {:#o}, not a block device's", metadata.stat().st_mode);
    ensure!(metadata.len() == DISK_SIZE, "the disk has {} bytes, not {DISK_SIZE}", metadata.len());
    check_pattern(&mut disk, HOST)?;
    write_pattern(&mut disk, GUEST)?;
    ok("fsync", disk.sync_all())?;
    check_pattern(&mut disk, GUEST)
}

/// The block-device rules hold for virtio-blk as for NVMe: alignment,
/// the end, the directory, unknown names.
pub fn disk_bad_requests() -> TestResult {
    let mut disk = open(DISK, true)?;
    let mut block = [0u8; BLOCK];
    ok("seek to 1", disk.seek(SeekFrom::Start(1)))?;
    expect_errno("a read at offset 1", disk.read(&mut block), EINVAL)?;
    ok("seek to the end", disk.seek(SeekFrom::End(0)))?;
    expect_errno("a write at the end", cairn_rt::io::Write::write(&mut disk, &block), ENOSPC)?;
    let listing = ok("list /scheme/disk.vd0", cairn_rt::fs::read_dir("/scheme/disk.vd0"))?;
    ensure!(listing.len() == 1 && listing[0].0 == "0", "/scheme/disk.vd0 lists {listing:?}");
    expect_errno("open disk 1", OpenOptions::new().read(true).open("/scheme/disk.vd0/1"), ENOENT)?;
    Ok(())
}

/// `/dev/vdb` offers VIRTIO_BLK_F_RO: opening it for writing is `EROFS`;
/// it reads (zeros) in its own 4 KiB blocks (VIRTIO_BLK_F_BLK_SIZE), and
/// 512-byte alignment is not enough.
pub fn read_only_disk() -> TestResult {
    served(READ_ONLY)?;
    expect_errno("open for writing", OpenOptions::new().read(true).write(true).open(READ_ONLY), EROFS)?;
    expect_errno("open write-only", OpenOptions::new().write(true).open(READ_ONLY), EROFS)?;
    let mut disk = open(READ_ONLY, false)?;
    let metadata = ok("fstat", disk.metadata())?;
    ensure!(metadata.len() == 1 << 20, "vdb has {} bytes, not 1 MiB", metadata.len());
    ensure!(metadata.stat().st_blksize == 4096, "vdb has blocks of {}", metadata.stat().st_blksize);
    let mut data = vec![0xffu8; CHUNK];
    ok("read 64 KiB", disk.read_exact(&mut data))?;
    ensure!(data.iter().all(|b| *b == 0), "the read-only disk read as non-zero");
    ok("seek to 512", disk.seek(SeekFrom::Start(512)))?;
    expect_errno("a read at 512", disk.read(&mut data[..4096]), EINVAL)?;
    ok("fsync", disk.sync_all())
}

/// Four threads, each with its own fd, read their own quarter of
/// `/dev/vda` at once in 16 KiB pieces and check the guest pattern (the
/// driver serves them on both request queues at the same time).
pub fn concurrent_readers() -> TestResult {
    served(DISK)?;
    read_concurrently(SCHEME_DISK)
}

/// Four threads, each with its own fd on `scheme_disk` (a disk holding
/// the guest pattern), read their own quarter of it at once in 16 KiB
/// pieces and check the pattern.
pub(crate) fn read_concurrently(scheme_disk: &'static str) -> TestResult {
    const THREADS: u64 = 4;
    const PIECE: usize = 16 * 1024;
    let slice = DISK_SIZE / THREADS;
    let threads: cairn_rt::Vec<_> = (0..THREADS)
        .map(|index| {
            thread::spawn(move || -> TestResult {
                let disk = ok("open", cairn_rt::scheme::open(scheme_disk, cairn_rt::abi::O_RDONLY))?;
                let mut buffer = vec![0u8; PIECE];
                for round in 0..2 {
                    for start in (index * slice..(index + 1) * slice).step_by(PIECE) {
                        let read = ok(&format!("pread at {start}"), disk.read_at(&mut buffer, start))?;
                        ensure!(read == PIECE, "pread at {start} read {read}");
                        if let Some(at) = (0..PIECE).find(|i| buffer[*i] != pattern(GUEST, start + *i as u64)) {
                            return Err(format!("thread {index}, round {round}: byte {} wrong", start + at as u64));
                        }
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

/// The request queues' MSI-X vectors (entry N for queue N-1, on CPU
/// N-1) are bound on their own CPUs and have fired there; each driver
/// (one per device it drives) bound one configuration vector (entry 0).
pub fn queue_interrupts() -> TestResult {
    served(DISK)?;
    let cpus = ok("available_parallelism", thread::available_parallelism())?.get();
    let table = ok("read interrupts", cairn_rt::fs::read_to_string("/scheme/sys/interrupts"))?;
    let mut fired = vec![false; cpus];
    let mut configs: cairn_rt::Vec<&str> = cairn_rt::Vec::new();
    let mut drivers: cairn_rt::Vec<&str> = cairn_rt::Vec::new();
    for line in table.lines().filter(|l| l.contains("/bin/virtio-blk")) {
        let fields: cairn_rt::Vec<&str> = line.split_whitespace().collect();
        let cpu: usize = fields[0].split('/').next().and_then(|c| c.parse().ok()).ok_or(format!("line {line:?}"))?;
        let count: u64 = fields.get(1 + cpu).and_then(|c| c.parse().ok()).ok_or(format!("line {line:?}"))?;
        let entry = fields.iter().position(|f| *f == "MSI").and_then(|i| fields.get(i + 1)?.parse::<usize>().ok());
        let function = fields.iter().copied().find(|f| f.starts_with("0000:")).ok_or(format!("line {line:?}"))?;
        if !drivers.contains(&function) {
            drivers.push(function);
        }
        match entry {
            Some(0) => configs.push(function),
            Some(entry) => {
                ensure!(entry == cpu + 1, "MSI-X entry {entry} on CPU {cpu}: {line:?}");
                fired[cpu] |= count > 0;
            }
            None => return Err(format!("no MSI-X entry in {line:?}")),
        }
    }
    drivers.sort();
    configs.sort();
    ensure!(drivers.len() >= 2 && configs == drivers, "configuration vectors of {configs:?} for {drivers:?}:\n{table}");
    ensure!(fired.iter().all(|f| *f), "not every CPU's request queue interrupted ({fired:?}):\n{table}");
    Ok(())
}
