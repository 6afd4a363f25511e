//! The AHCI driver (`/bin/ahci`) in the harness suite `ahci`, started by
//! devd for q35's built-in SATA HBA: port 0 holds a 4 MiB raw image the
//! harness fills with the host pattern before the boot and checks for the
//! guest pattern after it (the patterns of [`crate::nvme`]); port 4 a 1
//! MiB disk that reads as zeros; port 5 a 1 MiB disk whose sector 8
//! fails to read; port 2 the boot CD (ATAPI, skipped).
//! These tests run only when named (`utest ahci_`).
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`],
//! [`crate::nvme`] and [`crate::virtio_blk`].

use cairn_rt::abi::error::{EINVAL, EIO, ENOENT, ENOSPC};
use cairn_rt::fs::{OpenOptions, SeekFrom};
use cairn_rt::io::Read;
use cairn_rt::{format, vec};

use crate::nvme::{BLOCK, CHUNK, DISK_SIZE, GUEST, HOST, check_pattern, write_pattern};
use crate::util::{TestResult, ensure, expect_errno, ok};
use crate::virtio_blk::{open, read_concurrently, served};

const DISK: &str = "/dev/sda";
const SCHEME: &str = "/scheme/disk.sata0";
const SCHEME_DISK: &str = "/scheme/disk.sata0/0";
const ZEROS: &str = "/dev/sdb";
/// The disk whose sector 8 fails to read.
const FAILING: &str = "/dev/sdc";

/// `/dev/sda` is a block device of the image's size; the host's pattern
/// reads back; the guest's is written over the whole disk (NCQ writes),
/// flushed (FLUSH CACHE EXT) and read back (the harness checks it in the
/// image after power-off).
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

/// Unaligned offsets and lengths are `EINVAL`, a write at the end
/// `ENOSPC`; the scheme lists one file per disk, named by its port (the
/// CD on port 2 is not one).
pub fn bad_requests() -> TestResult {
    let mut disk = open(DISK, true)?;
    let mut block = [0u8; BLOCK];
    ok("seek to 1", disk.seek(SeekFrom::Start(1)))?;
    expect_errno("a read at offset 1", disk.read(&mut block), EINVAL)?;
    ok("seek to 0", disk.seek(SeekFrom::Start(0)))?;
    expect_errno("a read of 100 bytes", disk.read(&mut block[..100]), EINVAL)?;
    expect_errno("a write of 513 bytes", cairn_rt::io::Write::write(&mut disk, &[0u8; BLOCK + 1]), EINVAL)?;
    ok("seek to the end", disk.seek(SeekFrom::End(0)))?;
    expect_errno("a write at the end", cairn_rt::io::Write::write(&mut disk, &block), ENOSPC)?;
    let listing = ok(&format!("list {SCHEME}"), cairn_rt::fs::read_dir(SCHEME))?;
    let mut names: cairn_rt::Vec<&str> = listing.iter().map(|(name, _)| name.as_str()).collect();
    names.sort();
    ensure!(names == ["0", "4", "5"], "{SCHEME} lists {names:?}");
    expect_errno("open port 2 (the CD)", OpenOptions::new().read(true).open(&format!("{SCHEME}/2")), ENOENT)?;
    Ok(())
}

/// `/dev/sdb` is the disk on port 4: 1 MiB reading as zeros.
pub fn second_disk() -> TestResult {
    served(ZEROS)?;
    let target = ok("readlink", cairn_rt::fs::read_link(ZEROS))?;
    ensure!(target == format!("{SCHEME}/4"), "{ZEROS} links to {target}");
    let mut disk = open(ZEROS, false)?;
    let metadata = ok("fstat", disk.metadata())?;
    ensure!(metadata.len() == 1 << 20, "sdb has {} bytes, not 1 MiB", metadata.len());
    let mut data = vec![0xffu8; CHUNK];
    ok("read 64 KiB", disk.read_exact(&mut data))?;
    ensure!(data.iter().all(|b| *b == 0), "sdb read as non-zero");
    Ok(())
}

/// Four threads read the disk at once: the driver keeps many queued
/// commands in flight on the port.
pub fn concurrent_readers() -> TestResult {
    served(DISK)?;
    read_concurrently(SCHEME_DISK)
}

/// A read the disk fails (a task-file error on `/dev/sdc`) is `EIO`,
/// again when retried; the port is restarted each time, and reads around
/// the bad sector, from several threads at once, still work.
pub fn task_file_error() -> TestResult {
    served(FAILING)?;
    let disk = open(FAILING, false)?;
    let mut data = vec![0xffu8; 4096];
    ok("pread at 0", disk.read_at(&mut data, 0))?;
    for attempt in 0..2 {
        expect_errno(&format!("pread of sector 8 (attempt {attempt})"), disk.read_at(&mut data, 4096), EIO)?;
        expect_errno("pread of 64 KiB at 0", disk.read_at(&mut vec![0u8; CHUNK], 0), EIO)?;
        let threads: cairn_rt::Vec<_> = (0..4u64)
            .map(|index| {
                cairn_rt::thread::spawn(move || -> TestResult {
                    let disk = open(FAILING, false)?;
                    let mut data = vec![0xffu8; 4096];
                    for round in 0..4u64 {
                        let at = 8192 + (index * 4 + round) * 4096;
                        ok(&format!("pread at {at}"), disk.read_at(&mut data, at))?;
                        ensure!(data.iter().all(|b| *b == 0), "{FAILING} at {at} read as non-zero");
                    }
                    Ok(())
                })
            })
            .collect();
        for thread in threads {
            thread.join().map_err(|e| format!("join: {e:?}"))??;
        }
    }
    Ok(())
}

/// The HBA's MSI is bound by `/bin/ahci` and has fired: completions come
/// by interrupt, not by the driver's once-a-second look.
pub fn msi_fired() -> TestResult {
    served(DISK)?;
    let table = ok("read interrupts", cairn_rt::fs::read_to_string("/scheme/sys/interrupts"))?;
    let lines: cairn_rt::Vec<&str> = table.lines().filter(|l| l.contains("/bin/ahci")).collect();
    ensure!(lines.len() == 1, "/bin/ahci holds {} vectors, not one:\n{table}", lines.len());
    let fields: cairn_rt::Vec<&str> = lines[0].split_whitespace().collect();
    ensure!(fields.windows(2).any(|w| w == ["MSI", "0"]), "not an MSI: {:?}", lines[0]);
    let count: u64 = fields.iter().skip(1).take_while(|f| **f != "MSI").filter_map(|f| f.parse::<u64>().ok()).sum();
    ensure!(count > 0, "the HBA's MSI never fired: {:?}", lines[0]);
    Ok(())
}
