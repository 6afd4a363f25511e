//! The initfs writer (cargo feature `writer`): [`InitfsBuilder`] collects files and
//! directories and lays them out as a version-1 image that [`crate::Initfs::parse`] accepts.
//! Depends on `core`, `alloc` and the sibling modules.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::format::{ENTRY_LEN, HEADER_LEN, Header, Mode, PAGE_SIZE, RawEntry, VERSION};
use crate::path::{PathError, check_path, split_parent};

/// The largest image the format can describe: the greatest multiple of [`PAGE_SIZE`] that
/// fits in a `u32`.
pub const MAX_IMAGE_LEN: u64 = u32::MAX as u64 / PAGE_SIZE as u64 * PAGE_SIZE as u64;

/// Why [`InitfsBuilder`] refused an addition. A refused addition changes nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuildError {
    /// The path is not a normalized absolute path.
    InvalidPath(PathError),
    /// A file, or a file where a directory was asked for, already has this path (directories
    /// may be added more than once).
    AlreadyExists,
    /// One of the path's ancestors is a file.
    ParentNotDirectory,
    /// The image would grow beyond [`MAX_IMAGE_LEN`].
    TooLarge,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::InvalidPath(error) => write!(f, "{error}"),
            BuildError::AlreadyExists => f.write_str("path already exists"),
            BuildError::ParentNotDirectory => f.write_str("a parent of the path is a file"),
            BuildError::TooLarge => write!(f, "image would exceed {MAX_IMAGE_LEN} bytes"),
        }
    }
}

impl core::error::Error for BuildError {}

/// What a path names in the image being built.
#[derive(Clone, Debug)]
enum Node {
    Dir,
    File { data: Vec<u8>, executable: bool },
}

/// Collects files and directories, then [`build`](InitfsBuilder::build)s an image.
///
/// Directories are created as needed: adding `/etc/init/rc` also adds `/etc` and
/// `/etc/init`. The root directory `/` always exists.
#[derive(Clone, Debug)]
pub struct InitfsBuilder {
    /// Every entry by path; `String`'s order is the bytewise order the format needs.
    nodes: BTreeMap<String, Node>,
    /// Total length of all paths.
    strings_len: u64,
    /// Total size of all files, each rounded up to whole pages.
    data_len: u64,
}

impl Default for InitfsBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl InitfsBuilder {
    /// A builder holding only the root directory.
    pub fn new() -> InitfsBuilder {
        let mut nodes = BTreeMap::new();
        nodes.insert("/".to_string(), Node::Dir);
        InitfsBuilder { nodes, strings_len: 1, data_len: 0 }
    }

    /// Adds a file with `data` at `path`, executable (mode `0o755`) or not (`0o644`).
    pub fn add_file(&mut self, path: &str, data: impl Into<Vec<u8>>, executable: bool) -> Result<(), BuildError> {
        check_path(path).map_err(BuildError::InvalidPath)?;
        if self.nodes.contains_key(path) {
            return Err(BuildError::AlreadyExists);
        }
        let data = data.into();
        let missing = self.missing_ancestors(path)?;
        self.reserve(missing.iter().copied().chain([path]), page_round_up(data.len() as u64))?;
        self.insert_dirs(&missing);
        self.nodes.insert(path.to_string(), Node::File { data, executable });
        Ok(())
    }

    /// Adds the directory `path` (mode `0o755`) and any missing parents; a directory that
    /// already exists is fine.
    pub fn add_dir(&mut self, path: &str) -> Result<(), BuildError> {
        check_path(path).map_err(BuildError::InvalidPath)?;
        match self.nodes.get(path) {
            Some(Node::Dir) => return Ok(()),
            Some(Node::File { .. }) => return Err(BuildError::AlreadyExists),
            None => {}
        }
        let missing = self.missing_ancestors(path)?;
        self.reserve(missing.iter().copied().chain([path]), 0)?;
        self.insert_dirs(&missing);
        self.nodes.insert(path.to_string(), Node::Dir);
        Ok(())
    }

    /// The image: header, entry table, string area, then each file's data on its own pages.
    pub fn build(&self) -> Vec<u8> {
        let entry_count = self.nodes.len();
        let strings_offset = HEADER_LEN + entry_count * ENTRY_LEN;
        let metadata_end = strings_offset + self.strings_len as usize;
        let image_len = page_round_up(metadata_end as u64) + self.data_len;

        let mut image = Vec::with_capacity(image_len as usize);
        let header = Header {
            version: VERSION,
            entry_count: to_u32(entry_count),
            entries_offset: to_u32(HEADER_LEN),
            strings_offset: to_u32(strings_offset),
            strings_len: to_u32(self.strings_len as usize),
            image_len: to_u32(image_len as usize),
        };
        image.extend_from_slice(&header.encode());

        let mut path_offset = 0;
        let mut data_offset = page_round_up(metadata_end as u64) as usize;
        for (path, node) in &self.nodes {
            let (mode, data) = match node {
                Node::Dir => (Mode::DIR, None),
                Node::File { data, executable: true } => (Mode::EXECUTABLE, Some(data)),
                Node::File { data, executable: false } => (Mode::FILE, Some(data)),
            };
            let (offset, len) = data.map_or((0, 0), |data| (data_offset, data.len()));
            data_offset += page_round_up(len as u64) as usize;
            let entry = RawEntry {
                path_offset: to_u32(path_offset),
                path_len: to_u32(path.len()),
                mode: mode.bits(),
                reserved: 0,
                data_offset: to_u32(offset),
                data_len: to_u32(len),
            };
            image.extend_from_slice(&entry.encode());
            path_offset += path.len();
        }
        for path in self.nodes.keys() {
            image.extend_from_slice(path.as_bytes());
        }
        for node in self.nodes.values() {
            if let Node::File { data, .. } = node {
                image.resize(page_round_up(image.len() as u64) as usize, 0);
                image.extend_from_slice(data);
            }
        }
        image.resize(image_len as usize, 0);
        image
    }

    /// The ancestors of the valid path `path` that do not exist yet, outermost first; fails
    /// if one of them is a file.
    fn missing_ancestors<'p>(&self, path: &'p str) -> Result<Vec<&'p str>, BuildError> {
        let mut missing = Vec::new();
        let mut current = path;
        while let Some((parent, _)) = split_parent(current) {
            match self.nodes.get(parent) {
                Some(Node::Dir) => break,
                Some(Node::File { .. }) => return Err(BuildError::ParentNotDirectory),
                None => missing.push(parent),
            }
            current = parent;
        }
        missing.reverse();
        Ok(missing)
    }

    /// Accounts for new entries at `paths` plus `data_len` bytes of page-rounded file data,
    /// if the image stays within [`MAX_IMAGE_LEN`].
    fn reserve<'p>(&mut self, paths: impl Iterator<Item = &'p str>, data_len: u64) -> Result<(), BuildError> {
        let (count, strings) = paths.fold((0, 0), |(count, len), path| (count + 1, len + path.len() as u64));
        let entries = self.nodes.len() as u64 + count;
        let strings_len = self.strings_len + strings;
        let data_len = self.data_len + data_len;
        let metadata = HEADER_LEN as u64 + entries * ENTRY_LEN as u64 + strings_len;
        if page_round_up(metadata) + data_len > MAX_IMAGE_LEN {
            return Err(BuildError::TooLarge);
        }
        self.strings_len = strings_len;
        self.data_len = data_len;
        Ok(())
    }

    fn insert_dirs(&mut self, dirs: &[&str]) {
        for dir in dirs {
            self.nodes.insert(dir.to_string(), Node::Dir);
        }
    }
}

/// `len` rounded up to a whole number of pages (no overflow: `len` is far below `u64::MAX`).
fn page_round_up(len: u64) -> u64 {
    len.div_ceil(PAGE_SIZE as u64) * PAGE_SIZE as u64
}

/// A size or offset inside an image, which [`InitfsBuilder::reserve`] keeps below 4 GiB.
fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    //! The size limit, which needs images too large to build in a test.

    use super::*;

    #[test]
    fn builder_refuses_images_over_4_gib() {
        let mut builder = InitfsBuilder::new();
        assert_eq!(builder.reserve(["/big"].into_iter(), MAX_IMAGE_LEN), Err(BuildError::TooLarge));
        let room = MAX_IMAGE_LEN - PAGE_SIZE as u64;
        assert_eq!(builder.reserve(["/big"].into_iter(), room), Ok(()));
        assert_eq!(builder.reserve(["/x"].into_iter(), PAGE_SIZE as u64), Err(BuildError::TooLarge));
        assert_eq!(builder.add_file("/y", "1", false), Err(BuildError::TooLarge));
        assert_eq!(builder.add_file("/y", "", false), Ok(()), "an empty file takes no data page");
        assert_eq!(builder.add_dir("/more"), Ok(()), "metadata still fits in the first page");
    }
}
