//! The Cairn **initfs** image: the one read-only file-system image that GRUB loads as a
//! Multiboot2 module and from which the kernel takes the first user programs and their
//! configuration.
//!
//! [`Initfs::parse`] checks an image completely up front, so that every later accessor
//! ([`Initfs::lookup`], [`Initfs::iter`], [`Initfs::read_dir`]) is infallible; nothing in the
//! reader panics or allocates on any input. The reader is `#![no_std]` without `alloc` and
//! depends only on `core`. With the cargo feature `writer`, `InitfsBuilder` (which uses
//! `alloc`) builds images; host tools such as `mkinitfs` use it.
//!
//! # Format (version 1)
//!
//! All integers are little-endian `u32`s; every offset is a byte offset from the start of the
//! image, which is at most 4 GiB (Multiboot2 module addresses are 32-bit anyway).
//!
//! ```text
//! +--------------------+ 0
//! | header (32 bytes)  |
//! +--------------------+ entries_offset (>= 32)
//! | entry table        |   entry_count entries of 24 bytes each
//! +--------------------+ strings_offset (>= end of the entry table)
//! | string area        |   strings_len bytes of UTF-8: the entries' paths
//! +--------------------+ (zero padding to the next 4096-byte boundary)
//! | file data          |   each file's data starts on a 4096-byte boundary
//! +--------------------+ image_len (a multiple of 4096)
//! ```
//!
//! Header:
//!
//! | offset | field            | meaning |
//! |--------|------------------|---------|
//! | 0      | `magic: [u8; 8]` | `b"CAIRNIFS"` |
//! | 8      | `version`        | [`VERSION`] (1) |
//! | 12     | `entry_count`    | number of entries, at least 1 (the root directory) |
//! | 16     | `entries_offset` | where the entry table starts |
//! | 20     | `strings_offset` | where the string area starts |
//! | 24     | `strings_len`    | size of the string area |
//! | 28     | `image_len`      | size of the whole image; equals the module's size |
//!
//! Entry (24 bytes):
//!
//! | offset | field         | meaning |
//! |--------|---------------|---------|
//! | 0      | `path_offset` | start of the path, relative to the string area |
//! | 4      | `path_len`    | length of the path in bytes |
//! | 8      | `mode`        | POSIX `st_mode`: type `S_IFREG` (0o100000) or `S_IFDIR` (0o040000) plus permission bits 0o777; nothing else |
//! | 12     | `reserved`    | 0 |
//! | 16     | `data_offset` | files: where the data starts (a multiple of 4096); directories: 0 |
//! | 20     | `data_len`    | files: the file size; directories: 0 |
//!
//! Rules, all checked by [`Initfs::parse`]:
//!
//! - The image is exactly `image_len` bytes long, and `image_len` is a multiple of 4096, so
//!   every page of every file lies inside the image: the kernel can map file data straight
//!   from the module (GRUB loads modules page-aligned).
//! - Header, entry table, string area and file data follow each other in that order without
//!   overlapping; the string area is valid UTF-8.
//! - Paths are absolute, `/`-separated and normalized: no empty, `.` or `..` components, no
//!   trailing `/`, no NUL byte (see [`check_path`]). Entries are sorted by the bytes of their
//!   paths with no duplicates, so entry 0 is the root directory `/`, which must exist.
//! - Directories are explicit entries: the parent of every entry is a directory entry.
//!   Because paths are sorted bytewise, all entries below a directory `D` (the paths starting
//!   with `D/`) form one contiguous run of the table.
//! - File data lies inside the image, after the string area, starts on a 4096-byte boundary,
//!   and the files' data appear in entry order without overlapping (an empty file takes no
//!   space but still has a valid, aligned offset).
//! - A file is executable when any of its `0o111` bits is set.
//!
//! Unused bytes (padding) are zero in images the writer makes; the reader ignores them.

#![no_std]

#[cfg(feature = "writer")]
extern crate alloc;
#[cfg(test)]
extern crate std;

mod error;
mod format;
mod path;
mod reader;
#[cfg(feature = "writer")]
mod writer;

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod tests;

pub use error::{EntryError, EntryIndex, InitfsError};
pub use format::{ENTRY_LEN, EntryKind, HEADER_LEN, MAGIC, Mode, PAGE_SIZE, VERSION};
pub use path::{PathError, check_path};
pub use reader::{DirEntry, Entry, Initfs, Iter, ReadDir};
#[cfg(feature = "writer")]
pub use writer::{BuildError, InitfsBuilder, MAX_IMAGE_LEN};
