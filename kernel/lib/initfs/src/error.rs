//! Why [`crate::Initfs::parse`] rejects an image: [`InitfsError`] for the image as a whole,
//! [`EntryError`] for one entry of the table. Depends only on `core` and [`crate::path`].

use core::fmt;

use crate::path::PathError;

/// The position of an entry in the entry table (0 is the root directory).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryIndex(pub u32);

impl fmt::Display for EntryIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entry {}", self.0)
    }
}

/// An image that [`crate::Initfs::parse`] refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InitfsError {
    /// The image is shorter than the header.
    TooShort { len: usize },
    /// The image does not start with [`crate::MAGIC`].
    BadMagic,
    /// The header names a format version this reader does not know.
    UnsupportedVersion(u32),
    /// The image's length differs from the length its header records.
    LengthMismatch { header: u32, actual: usize },
    /// The recorded image length is not a multiple of [`crate::PAGE_SIZE`].
    LengthNotPageMultiple(u32),
    /// The entry table overlaps the header or does not fit in the image.
    EntryTableOutOfBounds,
    /// The string area overlaps the entry table or does not fit in the image.
    StringAreaOutOfBounds,
    /// The string area is not valid UTF-8.
    StringsNotUtf8,
    /// The image has no entries, or entry 0 is not the root directory `/`.
    MissingRoot,
    /// One entry of the table is invalid.
    Entry { index: EntryIndex, error: EntryError },
}

/// What is wrong with one entry of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryError {
    /// The path does not lie inside the string area.
    PathOutOfBounds,
    /// The path starts or ends inside a multi-byte character.
    PathNotUtf8,
    /// The path is not a normalized absolute path.
    BadPath(PathError),
    /// The path does not sort after the previous entry's path.
    NotSorted,
    /// The path equals the previous entry's path.
    Duplicate,
    /// No entry exists for the parent directory.
    MissingParent,
    /// The parent entry is a file.
    ParentNotDirectory,
    /// The mode is not a file or directory type with permission bits only.
    BadMode(u32),
    /// The reserved field is not zero.
    ReservedNotZero,
    /// A directory has a non-zero data offset or length.
    DirectoryWithData,
    /// The file's data does not lie inside the image.
    DataOutOfBounds,
    /// The file's data does not start on a page boundary.
    DataMisaligned,
    /// The file's data overlaps the metadata or the previous file's data.
    DataOverlap,
}

impl fmt::Display for InitfsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitfsError::TooShort { len } => write!(f, "initfs image too short ({len} bytes)"),
            InitfsError::BadMagic => f.write_str("initfs image has a bad magic number"),
            InitfsError::UnsupportedVersion(version) => write!(f, "initfs version {version} is not supported"),
            InitfsError::LengthMismatch { header, actual } => {
                write!(f, "initfs image is {actual} bytes long but its header says {header}")
            }
            InitfsError::LengthNotPageMultiple(len) => write!(f, "initfs image length {len} is not page-aligned"),
            InitfsError::EntryTableOutOfBounds => f.write_str("initfs entry table out of bounds"),
            InitfsError::StringAreaOutOfBounds => f.write_str("initfs string area out of bounds"),
            InitfsError::StringsNotUtf8 => f.write_str("initfs string area is not UTF-8"),
            InitfsError::MissingRoot => f.write_str("initfs has no root directory"),
            InitfsError::Entry { index, error } => write!(f, "initfs {index}: {error}"),
        }
    }
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EntryError::PathOutOfBounds => f.write_str("path out of bounds"),
            EntryError::PathNotUtf8 => f.write_str("path splits a UTF-8 character"),
            EntryError::BadPath(error) => write!(f, "{error}"),
            EntryError::NotSorted => f.write_str("paths not sorted"),
            EntryError::Duplicate => f.write_str("duplicate path"),
            EntryError::MissingParent => f.write_str("parent directory missing"),
            EntryError::ParentNotDirectory => f.write_str("parent is not a directory"),
            EntryError::BadMode(mode) => write!(f, "bad mode {mode:#o}"),
            EntryError::ReservedNotZero => f.write_str("reserved field not zero"),
            EntryError::DirectoryWithData => f.write_str("directory has data"),
            EntryError::DataOutOfBounds => f.write_str("data out of bounds"),
            EntryError::DataMisaligned => f.write_str("data not page-aligned"),
            EntryError::DataOverlap => f.write_str("data overlaps other data or metadata"),
        }
    }
}

impl core::error::Error for InitfsError {}
impl core::error::Error for EntryError {}
