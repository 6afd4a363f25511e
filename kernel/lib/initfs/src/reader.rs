//! The initfs reader: [`Initfs::parse`] validates a whole image, after which lookups,
//! iteration and directory listings cannot fail. No allocation; depends only on `core` and
//! the sibling modules.

use core::cmp::Ordering;
use core::fmt;
use core::iter::{FusedIterator, once};

use crate::error::{EntryError, EntryIndex, InitfsError};
use crate::format::{ENTRY_LEN, EntryKind, HEADER_LEN, Header, MAGIC, Mode, PAGE_SIZE, RawEntry, VERSION};
use crate::path::{check_path, split_parent};

/// A validated initfs image.
///
/// Every accessor relies on the checks [`Initfs::parse`] made; none of them can fail.
#[derive(Clone, Copy)]
pub struct Initfs<'a> {
    image: &'a [u8],
    /// The entry table: a whole number of [`ENTRY_LEN`]-byte records, at least one.
    table: &'a [u8],
    /// The string area.
    strings: &'a str,
}

/// One file or directory of an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The normalized absolute path.
    pub path: &'a str,
    pub kind: EntryKind,
    pub mode: Mode,
    /// The file's contents (empty for a directory).
    pub data: &'a [u8],
    /// Where `data` starts in the image: a multiple of [`PAGE_SIZE`] for a file, 0 for a
    /// directory. The kernel adds it to the module's physical address to map the file.
    pub data_offset: u32,
}

/// A child of a directory, as [`Initfs::read_dir`] lists it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirEntry<'a> {
    /// The last path component.
    pub name: &'a str,
    pub kind: EntryKind,
}

impl<'a> Initfs<'a> {
    /// Checks every rule of the format (see the crate documentation) and returns the image
    /// ready for reading, or the first problem found.
    pub fn parse(image: &'a [u8]) -> Result<Initfs<'a>, InitfsError> {
        let Some(header_bytes) = image.first_chunk::<HEADER_LEN>() else {
            return Err(InitfsError::TooShort { len: image.len() });
        };
        if header_bytes[..MAGIC.len()] != MAGIC {
            return Err(InitfsError::BadMagic);
        }
        let header = Header::decode(header_bytes);
        if header.version != VERSION {
            return Err(InitfsError::UnsupportedVersion(header.version));
        }
        if to_usize(header.image_len) != image.len() {
            return Err(InitfsError::LengthMismatch { header: header.image_len, actual: image.len() });
        }
        if !to_usize(header.image_len).is_multiple_of(PAGE_SIZE) {
            return Err(InitfsError::LengthNotPageMultiple(header.image_len));
        }

        let table_start = to_usize(header.entries_offset);
        let table = to_usize(header.entry_count)
            .checked_mul(ENTRY_LEN)
            .and_then(|len| sub_slice(image, table_start, len))
            .filter(|_| table_start >= HEADER_LEN)
            .ok_or(InitfsError::EntryTableOutOfBounds)?;
        let table_end = table_start + table.len();

        let strings_start = to_usize(header.strings_offset);
        let strings = sub_slice(image, strings_start, to_usize(header.strings_len))
            .filter(|_| strings_start >= table_end)
            .ok_or(InitfsError::StringAreaOutOfBounds)?;
        let strings = core::str::from_utf8(strings).map_err(|_| InitfsError::StringsNotUtf8)?;
        let metadata_end = strings_start + strings.len();

        if table.is_empty() {
            return Err(InitfsError::MissingRoot);
        }
        let initfs = Initfs { image, table, strings };
        let mut data_floor = metadata_end;
        for index in 0..initfs.entry_count() {
            let fail = |error| InitfsError::Entry { index: EntryIndex(index as u32), error };
            let raw = initfs.raw(index);
            let path = initfs.check_entry_path(index, &raw).map_err(fail)?;
            let mode = Mode::from_bits(raw.mode).ok_or(fail(EntryError::BadMode(raw.mode)))?;
            if raw.reserved != 0 {
                return Err(fail(EntryError::ReservedNotZero));
            }
            if index == 0 && (path != "/" || mode.kind() != EntryKind::Dir) {
                return Err(InitfsError::MissingRoot);
            }
            match mode.kind() {
                EntryKind::Dir if raw.data_offset != 0 || raw.data_len != 0 => {
                    return Err(fail(EntryError::DirectoryWithData));
                }
                EntryKind::Dir => {}
                EntryKind::File => data_floor = check_file_data(&raw, image.len(), data_floor).map_err(fail)?,
            }
        }
        Ok(initfs)
    }

    /// The entry at `path`, which must be normalized and absolute (`/`, `/bin/init`); any
    /// other string (relative, trailing `/`, `..`) finds nothing.
    pub fn lookup(&self, path: &str) -> Option<Entry<'a>> {
        self.find(path, self.entry_count()).map(|index| self.entry(index))
    }

    /// All entries, sorted by path; the first is the root directory.
    pub fn iter(&self) -> Iter<'a> {
        Iter { initfs: *self, next: 0, end: self.entry_count() }
    }

    /// The children of the directory at `path` (normalized and absolute), sorted by name;
    /// `None` if there is no such directory. Walks the directory's whole subtree.
    pub fn read_dir(&self, path: &str) -> Option<ReadDir<'a>> {
        let dir = self.lookup(path).filter(|entry| entry.kind == EntryKind::Dir)?.path;
        let first_below = if dir == "/" {
            1
        } else {
            self.lower_bound(self.entry_count(), |p| p.bytes().cmp(dir.bytes().chain(once(b'/'))))
        };
        Some(ReadDir { initfs: *self, dir, next: first_below })
    }

    /// Number of entries, the root directory included.
    pub fn entry_count(&self) -> usize {
        self.table.len() / ENTRY_LEN
    }

    /// The record of entry `index` (< entry count).
    fn raw(&self, index: usize) -> RawEntry {
        let start = index * ENTRY_LEN;
        let mut record = [0; ENTRY_LEN];
        record.copy_from_slice(&self.table[start..start + ENTRY_LEN]);
        RawEntry::decode(&record)
    }

    /// The path of entry `index`, which `parse` has checked.
    fn path(&self, index: usize) -> &'a str {
        let raw = self.raw(index);
        let start = to_usize(raw.path_offset);
        &self.strings[start..start + to_usize(raw.path_len)]
    }

    /// Entry `index`, which `parse` has checked.
    fn entry(&self, index: usize) -> Entry<'a> {
        let raw = self.raw(index);
        let mode = Mode(raw.mode);
        let start = to_usize(raw.data_offset);
        Entry {
            path: self.path(index),
            kind: mode.kind(),
            mode,
            data: &self.image[start..start + to_usize(raw.data_len)],
            data_offset: raw.data_offset,
        }
    }

    /// The first index in `0..end` whose path does not compare `Less` by `order` (`0..end`
    /// must be sorted by path).
    fn lower_bound(&self, end: usize, mut order: impl FnMut(&'a str) -> Ordering) -> usize {
        let (mut low, mut high) = (0, end);
        while low < high {
            let middle = low + (high - low) / 2;
            if order(self.path(middle)) == Ordering::Less {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        low
    }

    /// The index of `path` among entries `0..end`.
    fn find(&self, path: &str, end: usize) -> Option<usize> {
        let index = self.lower_bound(end, |p| p.cmp(path));
        (index < end && self.path(index) == path).then_some(index)
    }

    /// Checks the path of entry `index`, given that entries `0..index` are valid: in bounds,
    /// normalized, after the previous path, with a directory as parent.
    fn check_entry_path(&self, index: usize, raw: &RawEntry) -> Result<&'a str, EntryError> {
        let start = to_usize(raw.path_offset);
        let end = start.checked_add(to_usize(raw.path_len)).filter(|&end| end <= self.strings.len());
        let path = self.strings.get(start..end.ok_or(EntryError::PathOutOfBounds)?).ok_or(EntryError::PathNotUtf8)?;
        check_path(path).map_err(EntryError::BadPath)?;
        let Some(previous) = index.checked_sub(1).map(|previous| self.path(previous)) else {
            return Ok(path);
        };
        match previous.cmp(path) {
            Ordering::Less => {}
            Ordering::Equal => return Err(EntryError::Duplicate),
            Ordering::Greater => return Err(EntryError::NotSorted),
        }
        // Every path after entry 0 (which sorts first) is not `/`, so it has a parent.
        let (parent, _) = split_parent(path).ok_or(EntryError::MissingParent)?;
        let parent = self.find(parent, index).ok_or(EntryError::MissingParent)?;
        match Mode(self.raw(parent).mode).kind() {
            EntryKind::Dir => Ok(path),
            EntryKind::File => Err(EntryError::ParentNotDirectory),
        }
    }
}

/// Checks a file's data placement; returns the new lowest offset the next file may use.
fn check_file_data(raw: &RawEntry, image_len: usize, floor: usize) -> Result<usize, EntryError> {
    let start = to_usize(raw.data_offset);
    let end = start.checked_add(to_usize(raw.data_len)).filter(|&end| end <= image_len);
    let end = end.ok_or(EntryError::DataOutOfBounds)?;
    if !start.is_multiple_of(PAGE_SIZE) {
        return Err(EntryError::DataMisaligned);
    }
    if start < floor {
        return Err(EntryError::DataOverlap);
    }
    Ok(end)
}

/// `len` bytes of `bytes` from `start`, if they are all there.
fn sub_slice(bytes: &[u8], start: usize, len: usize) -> Option<&[u8]> {
    bytes.get(start..start.checked_add(len)?)
}

/// Image offsets are `u32`; Cairn targets are 64-bit, so this never truncates.
const fn to_usize(value: u32) -> usize {
    value as usize
}

impl fmt::Debug for Initfs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Initfs").field("len", &self.image.len()).field("entries", &self.entry_count()).finish()
    }
}

impl<'a> IntoIterator for &Initfs<'a> {
    type Item = Entry<'a>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// All entries of an image in path order; see [`Initfs::iter`].
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    initfs: Initfs<'a>,
    next: usize,
    end: usize,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        (self.next < self.end).then(|| {
            self.next += 1;
            self.initfs.entry(self.next - 1)
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.end - self.next;
        (left, Some(left))
    }
}

impl<'a> DoubleEndedIterator for Iter<'a> {
    fn next_back(&mut self) -> Option<Entry<'a>> {
        (self.next < self.end).then(|| {
            self.end -= 1;
            self.initfs.entry(self.end)
        })
    }
}

impl ExactSizeIterator for Iter<'_> {}
impl FusedIterator for Iter<'_> {}

/// The children of one directory; see [`Initfs::read_dir`].
#[derive(Clone, Debug)]
pub struct ReadDir<'a> {
    initfs: Initfs<'a>,
    /// The directory's path.
    dir: &'a str,
    /// The next entry to look at; the directory's subtree is one run of the table from
    /// here.
    next: usize,
}

impl<'a> Iterator for ReadDir<'a> {
    type Item = DirEntry<'a>;

    fn next(&mut self) -> Option<DirEntry<'a>> {
        while self.next < self.initfs.entry_count() {
            let index = self.next;
            self.next += 1;
            let path = self.initfs.path(index);
            let below = if self.dir == "/" { path.strip_prefix('/') } else { below(path, self.dir) };
            let Some(rest) = below else {
                self.next = self.initfs.entry_count();
                break;
            };
            if !rest.contains('/') {
                let kind = self.initfs.entry(index).kind;
                return Some(DirEntry { name: rest, kind });
            }
        }
        None
    }
}

impl FusedIterator for ReadDir<'_> {}

/// The part of `path` after `dir/`, if `path` lies below the directory `dir` (not `/`).
fn below<'p>(path: &'p str, dir: &str) -> Option<&'p str> {
    path.strip_prefix(dir)?.strip_prefix('/')
}
