//! The on-disk layout of an initfs image: constants, the header and entry records (decoded
//! from and, for the writer, encoded to little-endian bytes) and the mode bits. Depends only
//! on `core`.

/// The first eight bytes of every image.
pub const MAGIC: [u8; 8] = *b"CAIRNIFS";
/// The format version this crate reads and writes.
pub const VERSION: u32 = 1;
/// Size of the header in bytes.
pub const HEADER_LEN: usize = 32;
/// Size of one entry-table record in bytes.
pub const ENTRY_LEN: usize = 24;
/// File data alignment, and the granularity of the image length.
pub const PAGE_SIZE: usize = 4096;

/// `st_mode` file-type mask.
const S_IFMT: u32 = 0o170_000;
/// `st_mode` type of a regular file.
const S_IFREG: u32 = 0o100_000;
/// `st_mode` type of a directory.
const S_IFDIR: u32 = 0o040_000;
/// The permission bits an entry may carry (no set-id or sticky bits).
const PERMISSIONS: u32 = 0o777;
/// Any of the execute bits.
const EXECUTE: u32 = 0o111;

/// What an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    File,
    Dir,
}

/// An entry's POSIX `st_mode`: file type and permission bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Mode(pub(crate) u32);

impl Mode {
    /// A non-executable file: `0o100644`.
    pub const FILE: Mode = Mode(S_IFREG | 0o644);
    /// An executable file: `0o100755`.
    pub const EXECUTABLE: Mode = Mode(S_IFREG | 0o755);
    /// A directory: `0o040755`.
    pub const DIR: Mode = Mode(S_IFDIR | 0o755);

    /// `bits` as a mode, if it is a file or directory type with permission bits only.
    pub const fn from_bits(bits: u32) -> Option<Mode> {
        let kind_ok = matches!(bits & S_IFMT, S_IFREG | S_IFDIR);
        if kind_ok && bits & !(S_IFMT | PERMISSIONS) == 0 { Some(Mode(bits)) } else { None }
    }

    /// The raw `st_mode` value.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// File or directory.
    pub const fn kind(self) -> EntryKind {
        if self.0 & S_IFMT == S_IFDIR { EntryKind::Dir } else { EntryKind::File }
    }

    /// The permission bits (`0o777` at most).
    pub const fn permissions(self) -> u32 {
        self.0 & PERMISSIONS
    }

    /// Whether any execute bit is set.
    pub const fn is_executable(self) -> bool {
        self.0 & EXECUTE != 0
    }
}

/// The header fields after the magic, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub version: u32,
    pub entry_count: u32,
    pub entries_offset: u32,
    pub strings_offset: u32,
    pub strings_len: u32,
    pub image_len: u32,
}

impl Header {
    /// Decodes the fields after the magic; the caller has checked the magic.
    pub fn decode(bytes: &[u8; HEADER_LEN]) -> Header {
        let field = |at: usize| read_u32(bytes, at);
        Header {
            version: field(8),
            entry_count: field(12),
            entries_offset: field(16),
            strings_offset: field(20),
            strings_len: field(24),
            image_len: field(28),
        }
    }

    #[cfg(feature = "writer")]
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut bytes = [0; HEADER_LEN];
        bytes[..8].copy_from_slice(&MAGIC);
        let fields = [
            self.version,
            self.entry_count,
            self.entries_offset,
            self.strings_offset,
            self.strings_len,
            self.image_len,
        ];
        for (chunk, value) in bytes[8..].chunks_exact_mut(4).zip(fields) {
            chunk.copy_from_slice(&value.to_le_bytes());
        }
        bytes
    }
}

/// One entry-table record, as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RawEntry {
    pub path_offset: u32,
    pub path_len: u32,
    pub mode: u32,
    pub reserved: u32,
    pub data_offset: u32,
    pub data_len: u32,
}

impl RawEntry {
    pub fn decode(bytes: &[u8; ENTRY_LEN]) -> RawEntry {
        let field = |at: usize| read_u32(bytes, at);
        RawEntry {
            path_offset: field(0),
            path_len: field(4),
            mode: field(8),
            reserved: field(12),
            data_offset: field(16),
            data_len: field(20),
        }
    }

    #[cfg(feature = "writer")]
    pub fn encode(&self) -> [u8; ENTRY_LEN] {
        let mut bytes = [0; ENTRY_LEN];
        let fields = [self.path_offset, self.path_len, self.mode, self.reserved, self.data_offset, self.data_len];
        for (chunk, value) in bytes.chunks_exact_mut(4).zip(fields) {
            chunk.copy_from_slice(&value.to_le_bytes());
        }
        bytes
    }
}

/// The little-endian `u32` at `at`; `at + 4 <= N` for every caller.
fn read_u32<const N: usize>(bytes: &[u8; N], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}
