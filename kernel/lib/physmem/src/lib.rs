//! Physical memory bookkeeping for the Cairn kernel: turning the firmware's memory map into a
//! clean list of usable frames, and the bitmap frame allocator that hands those frames out.
//!
//! This is pure logic that runs before the kernel heap exists, so it is `#![no_std]` without
//! `alloc` and has no dependencies beyond `core`. Nothing in it panics on any input: bad
//! firmware data produces [`MapWarning`]s, bad calls produce error values.
//!
//! Typical boot sequence:
//!
//! 1. [`MemoryMap::from_firmware`] with the Multiboot2/E820/UEFI entries and the ranges the
//!    kernel already occupies (image, boot information, modules, framebuffer, ACPI tables).
//! 2. [`place_bitmap`] picks room for the allocator's own bitmap, sized with
//!    [`FrameBitmap::storage_words`]; the caller takes it out with [`MemoryMap::remove`].
//! 3. [`FrameBitmap::new`] over that storage, then [`FrameBitmap::add_free`] for every range of
//!    the map.

#![no_std]

#[cfg(test)]
extern crate std;

mod bitmap;
mod map;
mod range;

#[cfg(test)]
mod fuzz_tests;

pub use bitmap::{BitmapError, FrameBitmap, FreeError};
pub use map::{MAP_CAPACITY, MapWarning, MemoryMap, RawRegion, RegionKind, place_bitmap};
pub use range::{PhysFrame, PhysRange, UnalignedAddress};

/// Size of a physical frame (and of a small page) in bytes.
pub const FRAME_SIZE: u64 = 4096;
