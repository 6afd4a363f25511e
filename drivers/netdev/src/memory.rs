//! A ring memory made and mapped by the process that serves the rings (a
//! driver, or a test standing in for one): the memory object a client's
//! `MMAP` is given, its mapping here and the [`Shared`] view of it, laid
//! out for [`SLOTS`] slots per ring. The mapping goes when it is dropped.

use cairn_rt::error::Error;
use cairn_rt::fd::OwnedFd;
use cairn_rt::sys::{MapFlags, memory_create, mmap, munmap};
use core::ptr::NonNull;

use crate::ring::{LayoutError, SLOTS, Shared, ring_size};

/// Why a ring memory could not be made.
#[derive(Debug)]
pub enum RingMemoryError {
    /// The memory object could not be created.
    Create(Error),
    /// It could not be mapped.
    Map(Error),
    /// Its header could not be laid out.
    Layout(LayoutError),
}

impl core::fmt::Display for RingMemoryError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RingMemoryError::Create(e) => write!(f, "cannot create the ring memory: {e}"),
            RingMemoryError::Map(e) => write!(f, "cannot map the ring memory: {e}"),
            RingMemoryError::Layout(e) => write!(f, "cannot lay out the ring memory: {e}"),
        }
    }
}

/// A fresh ring memory, mapped here.
pub struct MappedRings {
    /// The memory object, for a client's `MMAP`.
    pub object: OwnedFd,
    /// Where it is mapped here.
    base: usize,
    pub shared: Shared,
}

impl MappedRings {
    /// Creates and maps a ring memory of [`SLOTS`] slots per ring, with its
    /// header written.
    pub fn new() -> Result<MappedRings, RingMemoryError> {
        let len = ring_size(SLOTS);
        let object = memory_create(len).map_err(RingMemoryError::Create)?;
        let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
        // SAFETY: the kernel chooses where to map (no MAP_FIXED).
        let base = unsafe { mmap(0, len, flags, object.as_raw(), 0) }.map_err(RingMemoryError::Map)?;
        let Some(start) = NonNull::new(base as *mut u8) else {
            return Err(RingMemoryError::Map(Error::from_errno(cairn_rt::abi::error::ENOMEM)));
        };
        // SAFETY: a fresh page-aligned mapping of `len` bytes, unmapped only
        // when this `MappedRings` (which owns the `Shared`) is dropped.
        let shared = unsafe { Shared::new(start, len) };
        let rings = MappedRings { object, base, shared };
        rings.shared.init(SLOTS).map_err(RingMemoryError::Layout)?;
        Ok(rings)
    }
}

impl Drop for MappedRings {
    fn drop(&mut self) {
        // SAFETY: the mapping is this object's own and nothing uses it any
        // more (the `Shared` over it goes with it).
        let _ = unsafe { munmap(self.base, ring_size(SLOTS)) };
    }
}
