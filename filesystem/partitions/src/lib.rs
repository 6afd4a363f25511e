//! `cairn-partitions`: reads a disk's partition table — GPT (with its
//! protective MBR, both headers and their CRC-32s) or MBR (four primary
//! entries and the logical partitions of an extended one) — through a
//! caller-supplied sector reader. Pure `no_std` + `alloc`: the block
//! drivers, `lsblk` and the host tests use it alike.
//!
//! [`read`] returns `Ok(None)` for a disk with no table, `Ok(Some(table))`
//! for a table whose every partition lies inside the disk and overlaps no
//! other, and an [`Error`] naming what is damaged otherwise. Partitions are
//! numbered as Linux numbers them: a GPT entry's index + 1; MBR primaries
//! 1–4 by slot, logical partitions 5, 6, … in chain order.
#![no_std]

extern crate alloc;

mod gpt;
mod guid;
mod mbr;
mod types;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

pub use guid::Guid;

/// Reads whole sectors: `buf.len()` is always a non-zero multiple of the
/// sector size, and `lba` plus the sectors read lies inside the disk.
/// Implemented for every `FnMut(u64, &mut [u8]) -> Result<(), E>`.
pub trait Reader {
    type Error;
    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), Self::Error>;
}

impl<E, F: FnMut(u64, &mut [u8]) -> Result<(), E>> Reader for F {
    type Error = E;
    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), E> {
        self(lba, buf)
    }
}

/// The sector sizes the crate reads.
pub const SECTOR_SIZES: [u32; 2] = [512, 4096];

/// Which kind of table a disk has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableKind {
    Gpt,
    Mbr,
}

impl TableKind {
    /// As `lsblk`'s PTTYPE column names it.
    pub fn name(self) -> &'static str {
        match self {
            TableKind::Gpt => "gpt",
            TableKind::Mbr => "dos",
        }
    }
}

/// The disk's identifier: a GPT's disk GUID or the MBR's 32-bit disk signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiskId {
    Guid(Guid),
    Mbr(u32),
}

impl fmt::Display for DiskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiskId::Guid(guid) => guid.fmt(f),
            DiskId::Mbr(id) => write!(f, "{id:08x}"),
        }
    }
}

/// A partition's type: a GPT type GUID or an MBR system byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionType {
    Gpt(Guid),
    Mbr(u8),
}

impl PartitionType {
    /// The human name of a common type, as util-linux's `fdisk` shows it.
    pub fn name(self) -> Option<&'static str> {
        match self {
            PartitionType::Gpt(guid) => types::gpt_name(guid),
            PartitionType::Mbr(byte) => types::mbr_name(byte),
        }
    }

    /// Whether this is an MBR extended partition (holding logical ones).
    pub fn is_extended(self) -> bool {
        matches!(self, PartitionType::Mbr(byte) if mbr::is_extended(byte))
    }
}

impl fmt::Display for PartitionType {
    /// The GUID, or the byte as `0x83` (lsblk's PARTTYPE column).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartitionType::Gpt(guid) => guid.fmt(f),
            PartitionType::Mbr(byte) => write!(f, "{byte:#x}"),
        }
    }
}

/// A partition's unique id: its GPT unique GUID, or for MBR what Linux
/// makes of the disk signature and the number (`PARTUUID=1234abcd-05`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartUuid {
    Guid(Guid),
    Mbr { disk: u32, number: u32 },
}

impl fmt::Display for PartUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartUuid::Guid(guid) => guid.fmt(f),
            PartUuid::Mbr { disk, number } => write!(f, "{disk:08x}-{number:02x}"),
        }
    }
}

/// One partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    /// 1-based, as Linux numbers it (`nvme0n1p<number>`, `sda<number>`).
    pub number: u32,
    pub first_lba: u64,
    pub sectors: u64,
    pub kind: PartitionType,
    /// The GPT partition name (UTF-16LE on disk); empty for MBR.
    pub label: String,
    pub uuid: PartUuid,
    /// GPT attribute bits; for MBR bit 7 of the boot indicator (0x80: active).
    pub attributes: u64,
}

impl Partition {
    /// The last sector of the partition.
    pub fn last_lba(&self) -> u64 {
        self.first_lba + self.sectors - 1
    }
}

/// What is wrong with one GPT header (or the entry array it describes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderProblem {
    /// The disk is too small to hold it.
    BeyondDisk,
    /// Not "EFI PART".
    Signature,
    /// A revision other than 1.x.
    Revision(u32),
    /// A header size below 92 bytes or above the sector.
    HeaderSize(u32),
    /// The header's CRC-32 does not match its bytes.
    HeaderCrc { stored: u32, computed: u32 },
    /// The header does not say it lives where it was read.
    MyLba(u64),
    /// The usable range is backwards or runs past the disk.
    UsableRange { first: u64, last: u64 },
    /// An entry size that is not 128 × 2^n, or an array larger than [`MAX_ENTRY_ARRAY`].
    EntryArraySize { entries: u32, entry_size: u32 },
    /// The entry array lies outside the disk or inside the usable range.
    EntryArrayPlace(u64),
    /// The entry array's CRC-32 does not match its bytes.
    EntryArrayCrc { stored: u32, computed: u32 },
}

/// The largest GPT entry array read (count × size): 1 MiB, 8,192 entries
/// of 128 bytes (tools make 128).
pub const MAX_ENTRY_ARRAY: u64 = 1 << 20;

/// The most logical partitions followed in an EBR chain (Linux stops at
/// 256 partitions in all).
pub const MAX_LOGICAL: u32 = 252;

/// Why a table could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error<E> {
    /// The reader failed at `lba`.
    Read { lba: u64, error: E },
    /// The sector size is not one of [`SECTOR_SIZES`].
    SectorSize(u32),
    /// Both GPT headers are damaged: the primary's and the backup's reasons.
    BothHeadersBad { primary: HeaderProblem, backup: HeaderProblem },
    /// A partition runs backwards (last before first) or is empty.
    Backwards { number: u32 },
    /// A partition lies (partly) outside the disk, or for GPT outside the usable range.
    OutsideDisk { number: u32, first_lba: u64, last_lba: u64 },
    /// Two partitions share sectors.
    Overlap { first: u32, second: u32 },
    /// More than one MBR extended partition.
    TwoExtended,
    /// An EBR without the 0x55AA signature.
    BadEbr { lba: u64 },
    /// An EBR chain link pointing outside the extended partition.
    EbrOutside { lba: u64 },
    /// An EBR chain that comes back to an EBR already read.
    EbrLoop { lba: u64 },
    /// More than [`MAX_LOGICAL`] logical partitions.
    TooManyLogical,
}

impl<E: fmt::Display> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Read { lba, error } => write!(f, "reading sector {lba}: {error}"),
            Error::SectorSize(size) => write!(f, "sector size {size} is not 512 or 4096"),
            Error::BothHeadersBad { primary, backup } => {
                write!(f, "both GPT headers are damaged: primary: {primary}; backup: {backup}")
            }
            Error::Backwards { number } => write!(f, "partition {number} ends before it starts"),
            Error::OutsideDisk { number, first_lba, last_lba } => {
                write!(f, "partition {number} (sectors {first_lba}-{last_lba}) lies outside the disk")
            }
            Error::Overlap { first, second } => write!(f, "partitions {first} and {second} overlap"),
            Error::TwoExtended => write!(f, "more than one extended partition"),
            Error::BadEbr { lba } => write!(f, "the EBR at sector {lba} has no boot signature"),
            Error::EbrOutside { lba } => {
                write!(f, "an EBR link points to sector {lba}, outside the extended partition")
            }
            Error::EbrLoop { lba } => write!(f, "the EBR chain loops back to sector {lba}"),
            Error::TooManyLogical => write!(f, "more than {MAX_LOGICAL} logical partitions"),
        }
    }
}

impl fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderProblem::BeyondDisk => write!(f, "the disk ends before it"),
            HeaderProblem::Signature => write!(f, "no EFI PART signature"),
            HeaderProblem::Revision(r) => write!(f, "revision {:#x}", r),
            HeaderProblem::HeaderSize(s) => write!(f, "header size {s}"),
            HeaderProblem::HeaderCrc { stored, computed } => {
                write!(f, "header CRC {stored:#010x}, computed {computed:#010x}")
            }
            HeaderProblem::MyLba(lba) => write!(f, "says it is at sector {lba}"),
            HeaderProblem::UsableRange { first, last } => write!(f, "usable sectors {first}-{last}"),
            HeaderProblem::EntryArraySize { entries, entry_size } => {
                write!(f, "{entries} entries of {entry_size} bytes")
            }
            HeaderProblem::EntryArrayPlace(lba) => write!(f, "entry array at sector {lba}"),
            HeaderProblem::EntryArrayCrc { stored, computed } => {
                write!(f, "entry array CRC {stored:#010x}, computed {computed:#010x}")
            }
        }
    }
}

/// Something wrong that did not stop the table being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// The primary GPT header (or its entry array) is damaged; the table
    /// was read from the backup header on the last sector.
    PrimaryDamaged(HeaderProblem),
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Note::PrimaryDamaged(problem) => {
                write!(f, "the primary GPT header is damaged ({problem}); using the backup")
            }
        }
    }
}

/// A disk's partition table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionTable {
    pub kind: TableKind,
    pub disk_id: DiskId,
    /// Bytes per sector, as the caller gave it.
    pub sector_size: u32,
    /// In number order.
    pub partitions: Vec<Partition>,
    /// Damage worked around (empty for a sound table).
    pub notes: Vec<Note>,
}

/// The device name Linux gives partition `number` of the disk named
/// `disk`: `nvme0n1p2` (a `p` after a name ending in a digit), `sda2`.
pub fn partition_name(disk: &str, number: u32) -> String {
    if disk.ends_with(|c: char| c.is_ascii_digit()) {
        alloc::format!("{disk}p{number}")
    } else {
        alloc::format!("{disk}{number}")
    }
}

/// Reads the partition table of a disk of `sectors` sectors of
/// `sector_size` bytes through `reader`.
pub fn read<R: Reader>(
    reader: &mut R,
    sector_size: u32,
    sectors: u64,
) -> Result<Option<PartitionTable>, Error<R::Error>> {
    if !SECTOR_SIZES.contains(&sector_size) {
        return Err(Error::SectorSize(sector_size));
    }
    if sectors == 0 {
        return Ok(None);
    }
    let mut disk = Disk { reader, sector_size, sectors };
    let mut first = alloc::vec![0u8; sector_size as usize];
    disk.read(0, &mut first)?;
    match mbr::Mbr::parse(&first) {
        None => Ok(None),
        Some(table) if table.is_protective() => gpt::read(&mut disk).map(Some),
        Some(table) => mbr::read(&mut disk, &table).map(Some),
    }
}

/// The reader with the disk's geometry.
struct Disk<'r, R: Reader> {
    reader: &'r mut R,
    sector_size: u32,
    sectors: u64,
}

impl<R: Reader> Disk<'_, R> {
    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), Error<R::Error>> {
        self.reader.read(lba, buf).map_err(|error| Error::Read { lba, error })
    }

    /// `count` sectors from `lba` into a new buffer.
    fn read_sectors(&mut self, lba: u64, count: u64) -> Result<Vec<u8>, Error<R::Error>> {
        let mut buf = alloc::vec![0u8; (count * u64::from(self.sector_size)) as usize];
        self.read(lba, &mut buf)?;
        Ok(buf)
    }
}

/// Checks that no two of `extents` (number, first, last) share a sector,
/// except where `may_nest(a, b)` says one holds the other by design.
fn check_overlaps<E>(extents: &[(u32, u64, u64)], may_nest: impl Fn(u32, u32) -> bool) -> Result<(), Error<E>> {
    for (i, &(a, a_first, a_last)) in extents.iter().enumerate() {
        for &(b, b_first, b_last) in &extents[i + 1..] {
            if a_first <= b_last && b_first <= a_last && !may_nest(a, b) {
                return Err(Error::Overlap { first: a.min(b), second: a.max(b) });
            }
        }
    }
    Ok(())
}

/// Little-endian fields at byte offsets.
fn le16(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or([0; 4]))
}

fn le64(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or([0; 8]))
}

#[cfg(test)]
mod tests {
    use super::partition_name;

    #[test]
    fn partition_names_follow_linux() {
        assert_eq!(partition_name("nvme0n1", 3), "nvme0n1p3");
        assert_eq!(partition_name("sda", 5), "sda5");
        assert_eq!(partition_name("vda", 1), "vda1");
    }
}
