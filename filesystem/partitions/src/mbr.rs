//! The MBR: four primary entries in sector 0, and logical partitions in a
//! chain of EBRs (extended boot records) inside one extended partition.
//! Every EBR link is checked to stay inside the extended partition and
//! never to come back to an EBR already read.

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;

use crate::{
    Disk, DiskId, Error, MAX_LOGICAL, PartUuid, Partition, PartitionTable, PartitionType, Reader, TableKind,
    check_overlaps, le16, le32,
};

/// Where the entries start in an MBR or EBR sector, and the boot signature.
const ENTRIES: usize = 446;
const SIGNATURE_AT: usize = 510;
const SIGNATURE: u16 = 0xaa55;
/// Where the disk signature is.
const DISK_ID_AT: usize = 440;
/// The type of a GPT's protective entry.
const PROTECTIVE: u8 = 0xee;

/// Whether `byte` is an extended partition's type (DOS, LBA, Linux).
pub fn is_extended(byte: u8) -> bool {
    matches!(byte, 0x05 | 0x0f | 0x85)
}

/// Whether `sector` starts like a FAT boot sector: a jump, then a BIOS
/// parameter block with a power-of-two sector size (512–4096), sectors
/// per cluster and at least one FAT.
fn is_fat_boot_sector(sector: &[u8]) -> bool {
    let bytes_per_sector = le16(sector, 11);
    let per_cluster = sector[13];
    matches!(sector[0], 0xeb | 0xe9)
        && (512..=4096).contains(&bytes_per_sector)
        && bytes_per_sector.is_power_of_two()
        && per_cluster.is_power_of_two()
        && sector[16] != 0
}

/// One 16-byte entry (CHS fields ignored, as Linux does).
#[derive(Clone, Copy)]
pub struct Entry {
    boot: u8,
    kind: u8,
    start: u32,
    sectors: u32,
}

impl Entry {
    fn parse(sector: &[u8], slot: usize) -> Entry {
        let at = ENTRIES + 16 * slot;
        Entry { boot: sector[at], kind: sector[at + 4], start: le32(sector, at + 8), sectors: le32(sector, at + 12) }
    }

    fn used(&self) -> bool {
        self.kind != 0 && self.sectors != 0
    }
}

/// Sector 0 read as an MBR.
pub struct Mbr {
    disk_id: u32,
    entries: [Entry; 4],
}

impl Mbr {
    /// `None` unless `sector` ends in the boot signature and every boot
    /// indicator is 0 or 0x80 (which rules out most boot sectors of
    /// unpartitioned file systems, as Linux's check does), and unless it
    /// is a FAT boot sector with all four entries empty (`mkfs.vfat` on a
    /// whole disk: a file system, not an empty table).
    pub fn parse(sector: &[u8]) -> Option<Mbr> {
        if le16(sector, SIGNATURE_AT) != SIGNATURE {
            return None;
        }
        let entries: [Entry; 4] = core::array::from_fn(|slot| Entry::parse(sector, slot));
        if entries.iter().any(|e| e.boot & 0x7f != 0) {
            return None;
        }
        if entries.iter().all(|e| !e.used()) && is_fat_boot_sector(sector) {
            return None;
        }
        Some(Mbr { disk_id: le32(sector, DISK_ID_AT), entries })
    }

    /// Whether an entry protects a GPT (a protective or hybrid MBR).
    pub fn is_protective(&self) -> bool {
        self.entries.iter().any(|e| e.kind == PROTECTIVE)
    }
}

/// The primaries of `mbr` and the logical partitions of its extended one.
pub fn read<R: Reader>(disk: &mut Disk<'_, R>, mbr: &Mbr) -> Result<PartitionTable, Error<R::Error>> {
    let mut partitions = Vec::new();
    let mut extended = None;
    for (slot, entry) in mbr.entries.iter().enumerate() {
        if !entry.used() {
            continue;
        }
        let number = slot as u32 + 1;
        let partition = make(mbr.disk_id, number, u64::from(entry.start), entry);
        if partition.last_lba() >= disk.sectors {
            return Err(outside(&partition));
        }
        if is_extended(entry.kind) {
            if extended.is_some() {
                return Err(Error::TwoExtended);
            }
            extended = Some((number, partition.first_lba, partition.last_lba()));
        }
        partitions.push(partition);
    }
    if let Some((_, first, last)) = extended {
        logical(disk, mbr.disk_id, first, last, &mut partitions)?;
    }
    let extents: Vec<_> = partitions.iter().map(|p| (p.number, p.first_lba, p.last_lba())).collect();
    let holder = extended.map(|(number, ..)| number);
    check_overlaps(&extents, |a, b| {
        let (low, high) = (a.min(b), a.max(b));
        Some(low) == holder && high >= 5
    })?;
    Ok(PartitionTable {
        kind: TableKind::Mbr,
        disk_id: DiskId::Mbr(mbr.disk_id),
        sector_size: disk.sector_size,
        partitions,
        notes: Vec::new(),
    })
}

/// Follows the EBR chain of the extended partition `first..=last`,
/// numbering logical partitions from 5.
fn logical<R: Reader>(
    disk: &mut Disk<'_, R>,
    disk_id: u32,
    first: u64,
    last: u64,
    partitions: &mut Vec<Partition>,
) -> Result<(), Error<R::Error>> {
    let mut seen = BTreeSet::new();
    let mut ebr = first;
    let mut number = 5;
    loop {
        if !seen.insert(ebr) {
            return Err(Error::EbrLoop { lba: ebr });
        }
        // Each EBR holds at most one logical partition.
        if seen.len() as u32 > MAX_LOGICAL {
            return Err(Error::TooManyLogical);
        }
        let sector = disk.read_sectors(ebr, 1)?;
        if le16(&sector, SIGNATURE_AT) != SIGNATURE {
            return Err(Error::BadEbr { lba: ebr });
        }
        let (data, link) = (Entry::parse(&sector, 0), Entry::parse(&sector, 1));
        if data.used() && !is_extended(data.kind) {
            let partition = make(disk_id, number, ebr + u64::from(data.start), &data);
            if partition.first_lba <= ebr || partition.last_lba() > last {
                return Err(outside(&partition));
            }
            partitions.push(partition);
            number += 1;
        }
        if !(link.used() && is_extended(link.kind)) {
            return Ok(());
        }
        let next = first + u64::from(link.start);
        if next > last {
            return Err(Error::EbrOutside { lba: next });
        }
        ebr = next;
    }
}

fn make(disk_id: u32, number: u32, first_lba: u64, entry: &Entry) -> Partition {
    Partition {
        number,
        first_lba,
        sectors: u64::from(entry.sectors),
        kind: PartitionType::Mbr(entry.kind),
        label: String::new(),
        uuid: PartUuid::Mbr { disk: disk_id, number },
        attributes: u64::from(entry.boot),
    }
}

fn outside<E>(partition: &Partition) -> Error<E> {
    Error::OutsideDisk { number: partition.number, first_lba: partition.first_lba, last_lba: partition.last_lba() }
}
