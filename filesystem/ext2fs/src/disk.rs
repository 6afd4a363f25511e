//! The block device under the cache: a `disk.*` file opened by path, read
//! and written with `pread`/`pwrite` (the cache asks for whole device
//! blocks, at most 64 KiB per call), with `fsync` as the flush. Every
//! request is counted ([`DiskStats`]), which the stats scheme reports.

use core::sync::atomic::{AtomicU64, Ordering};

use alloc::sync::Arc;
use cairn_ext2::{BlockDevice, DeviceError, Identity, SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE};
use cairn_rt::String;
use cairn_rt::fs::{File, OpenOptions};

/// Requests sent to the device, and their bytes.
#[derive(Default)]
pub struct DiskStats {
    pub reads: AtomicU64,
    pub read_bytes: AtomicU64,
    pub writes: AtomicU64,
    pub write_bytes: AtomicU64,
    pub flushes: AtomicU64,
}

/// The device.
pub struct Disk {
    file: File,
    size: u64,
    stats: Arc<DiskStats>,
}

impl Disk {
    /// Opens `path` (for writing too unless `read_only`).
    pub fn open(path: &str, read_only: bool, stats: Arc<DiskStats>) -> Result<Disk, String> {
        let file = OpenOptions::new()
            .read(true)
            .write(!read_only)
            .open(path)
            .map_err(|e| cairn_rt::format!("cannot open {path}: {e}"))?;
        let size = file.metadata().map_err(|e| cairn_rt::format!("cannot stat {path}: {e}"))?.len();
        Ok(Disk { file, size, stats })
    }
}

/// The block device under `/dev` holding the ext2 file system `spec`
/// names: `UUID=01234567-89ab-...` (any case) or `LABEL=name`; `None` for
/// a plain path, or when no device matches now.
pub fn find_by_identity(spec: &str) -> Option<String> {
    let matches = |identity: &Identity| match spec.split_once('=') {
        Some(("UUID", uuid)) => identity.uuid_text().eq_ignore_ascii_case(uuid),
        Some(("LABEL", label)) => identity.label == label.as_bytes(),
        _ => false,
    };
    let entries = cairn_rt::fs::read_dir("/dev").ok()?;
    entries.into_iter().map(|(name, _)| cairn_rt::format!("/dev/{name}")).find(|path| {
        cairn_rt::fs::metadata(path).is_ok_and(|meta| meta.is_block_device())
            && superblock_of(path).as_deref().and_then(Identity::read).is_some_and(|identity| matches(&identity))
    })
}

/// The superblock bytes of the block device at `path` (the first 4 KiB
/// are read: whole blocks of any block size up to 4 KiB).
fn superblock_of(path: &str) -> Option<alloc::vec::Vec<u8>> {
    let file = OpenOptions::new().read(true).open(path).ok()?;
    let mut head = alloc::vec![0u8; 4096];
    let read = file.read_at(&mut head, 0).ok()?;
    let (start, end) = (SUPERBLOCK_OFFSET as usize, SUPERBLOCK_OFFSET as usize + SUPERBLOCK_SIZE);
    (read >= end).then(|| head[start..end].to_vec())
}

impl BlockDevice for Disk {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        self.stats.reads.fetch_add(1, Ordering::Relaxed);
        self.stats.read_bytes.fetch_add(buf.len() as u64, Ordering::Relaxed);
        match self.file.read_at(buf, offset) {
            Ok(n) if n == buf.len() => Ok(()),
            Ok(_) => Err(DeviceError::OutOfRange),
            Err(_) => Err(DeviceError::Io),
        }
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), DeviceError> {
        self.stats.writes.fetch_add(1, Ordering::Relaxed);
        self.stats.write_bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
        match self.file.write_at(data, offset) {
            Ok(n) if n == data.len() => Ok(()),
            Ok(_) => Err(DeviceError::OutOfRange),
            Err(e) if e.errno() == Some(cairn_rt::abi::error::EROFS) => Err(DeviceError::ReadOnly),
            Err(_) => Err(DeviceError::Io),
        }
    }

    fn flush(&mut self) -> Result<(), DeviceError> {
        self.stats.flushes.fetch_add(1, Ordering::Relaxed);
        self.file.sync_all().map_err(|_| DeviceError::Io)
    }
}
