//! The block device the file system runs on: byte-addressed reads and
//! writes plus a flush barrier. On Cairn the server implements it over the
//! block-device scheme; host tests use [`MemDevice`] (and wrappers that
//! fail or drop writes to simulate crashes).

use alloc::vec;
use alloc::vec::Vec;

/// Why the device refused a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceError {
    /// The request runs past the end of the device.
    OutOfRange,
    /// The medium reported an error (or vanished).
    Io,
    /// The medium is read-only.
    ReadOnly,
}

/// A random-access store of bytes. The file system only issues requests
/// that are whole blocks at block-aligned offsets; `flush` returns once
/// every earlier write is durable (the journal's ordering barrier).
pub trait BlockDevice {
    /// Size in bytes.
    fn size(&self) -> u64;
    /// Fills `buf` from byte `offset`.
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), DeviceError>;
    /// Writes `data` at byte `offset`.
    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), DeviceError>;
    /// Makes every completed write durable.
    fn flush(&mut self) -> Result<(), DeviceError>;

    /// `len` bytes from byte `offset`, as a vector of their own. (A cache
    /// copies them out of what it holds rather than zeroing a buffer first:
    /// under QEMU's TCG zeroing costs as much as the copy.)
    fn read_vec(&mut self, offset: u64, len: usize) -> Result<Vec<u8>, DeviceError> {
        let mut buf = vec![0; len];
        self.read_at(offset, &mut buf)?;
        Ok(buf)
    }

    /// Reads block `block` of `buf.len()` bytes.
    fn read_block(&mut self, block: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        let off = block.checked_mul(buf.len() as u64).ok_or(DeviceError::OutOfRange)?;
        self.read_at(off, buf)
    }
    /// Writes block `block` of `data.len()` bytes.
    fn write_block(&mut self, block: u64, data: &[u8]) -> Result<(), DeviceError> {
        let off = block.checked_mul(data.len() as u64).ok_or(DeviceError::OutOfRange)?;
        self.write_at(off, data)
    }
}

/// A device held in memory (tests, and images built in memory).
#[derive(Clone, Debug, Default)]
pub struct MemDevice {
    data: Vec<u8>,
}

impl MemDevice {
    /// A device holding `data`.
    pub fn new(data: Vec<u8>) -> MemDevice {
        MemDevice { data }
    }

    /// The bytes.
    pub fn into_inner(self) -> Vec<u8> {
        self.data
    }

    /// The bytes, borrowed.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    fn range(&self, offset: u64, len: usize) -> Result<core::ops::Range<usize>, DeviceError> {
        let start = usize::try_from(offset).map_err(|_| DeviceError::OutOfRange)?;
        let end = start.checked_add(len).ok_or(DeviceError::OutOfRange)?;
        if end > self.data.len() {
            return Err(DeviceError::OutOfRange);
        }
        Ok(start..end)
    }
}

impl BlockDevice for MemDevice {
    fn size(&self) -> u64 {
        self.data.len() as u64
    }

    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        let r = self.range(offset, buf.len())?;
        buf.copy_from_slice(&self.data[r]);
        Ok(())
    }

    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), DeviceError> {
        let r = self.range(offset, data.len())?;
        self.data[r].copy_from_slice(data);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), DeviceError> {
        Ok(())
    }
}
