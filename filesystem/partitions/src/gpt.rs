//! GPT: the header at LBA 1 (or its backup on the last sector) and the
//! partition-entry array it points to, each checked against its CRC-32;
//! the primary is used when sound, else the backup, and the table says
//! so ([`Note::PrimaryDamaged`]).

use alloc::string::String;
use alloc::vec::Vec;

use crate::{
    Disk, DiskId, Error, Guid, HeaderProblem, MAX_ENTRY_ARRAY, Note, PartUuid, Partition, PartitionTable,
    PartitionType, Reader, TableKind, check_overlaps, le16, le32, le64,
};

const SIGNATURE: &[u8; 8] = b"EFI PART";
/// The fixed part of the header, which the header size must cover.
const MIN_HEADER: u32 = 92;
/// UTF-16 code units in an entry's name.
const NAME_UNITS: usize = 36;

/// The fields of a header that passed every check.
struct Header {
    disk_guid: Guid,
    first_usable: u64,
    last_usable: u64,
    entries: u32,
    entry_size: u32,
}

/// Reads the table from the primary header, or from the backup when the
/// primary (or its entry array) is damaged.
pub fn read<R: Reader>(disk: &mut Disk<'_, R>) -> Result<PartitionTable, Error<R::Error>> {
    let (header, array, notes) = match header(disk, 1)? {
        Ok((header, array)) => (header, array, Vec::new()),
        Err(primary) => match header(disk, disk.sectors - 1)? {
            Ok((header, array)) => (header, array, Vec::from([Note::PrimaryDamaged(primary)])),
            Err(backup) => return Err(Error::BothHeadersBad { primary, backup }),
        },
    };
    let mut partitions = Vec::new();
    for (index, entry) in array.chunks_exact(header.entry_size as usize).take(header.entries as usize).enumerate() {
        let kind = guid(entry, 0);
        if kind == Guid::ZERO {
            continue;
        }
        let number = index as u32 + 1;
        let (first_lba, last_lba) = (le64(entry, 32), le64(entry, 40));
        if last_lba < first_lba {
            return Err(Error::Backwards { number });
        }
        if first_lba < header.first_usable || last_lba > header.last_usable {
            return Err(Error::OutsideDisk { number, first_lba, last_lba });
        }
        partitions.push(Partition {
            number,
            first_lba,
            sectors: last_lba - first_lba + 1,
            kind: PartitionType::Gpt(kind),
            label: name(&entry[56..56 + 2 * NAME_UNITS]),
            uuid: PartUuid::Guid(guid(entry, 16)),
            attributes: le64(entry, 48),
        });
    }
    let extents: Vec<_> = partitions.iter().map(|p| (p.number, p.first_lba, p.last_lba())).collect();
    check_overlaps(&extents, |_, _| false)?;
    Ok(PartitionTable {
        kind: TableKind::Gpt,
        disk_id: DiskId::Guid(header.disk_guid),
        sector_size: disk.sector_size,
        partitions,
        notes,
    })
}

/// A sound header and its entry array, or what is wrong with them.
type Found = Result<(Header, Vec<u8>), HeaderProblem>;

/// The header at `lba` and its entry array (the outer error is the reader's).
fn header<R: Reader>(disk: &mut Disk<'_, R>, lba: u64) -> Result<Found, Error<R::Error>> {
    if lba < 1 || lba >= disk.sectors {
        return Ok(Err(HeaderProblem::BeyondDisk));
    }
    let sector = disk.read_sectors(lba, 1)?;
    let header = match check_header(&sector, lba, disk.sectors) {
        Ok(header) => header,
        Err(problem) => return Ok(Err(problem)),
    };
    let bytes = u64::from(header.entries) * u64::from(header.entry_size);
    let array_lba = le64(&sector, 72);
    let array_sectors = bytes.div_ceil(u64::from(disk.sector_size));
    let array_end = array_lba.saturating_add(array_sectors);
    let inside_usable = array_lba <= header.last_usable && array_end > header.first_usable;
    if array_lba == 0 || array_end > disk.sectors || (array_lba..array_end).contains(&lba) || inside_usable {
        return Ok(Err(HeaderProblem::EntryArrayPlace(array_lba)));
    }
    let mut array = if array_sectors == 0 { Vec::new() } else { disk.read_sectors(array_lba, array_sectors)? };
    array.truncate(bytes as usize);
    let (stored, computed) = (le32(&sector, 88), crc32fast::hash(&array));
    if stored != computed {
        return Ok(Err(HeaderProblem::EntryArrayCrc { stored, computed }));
    }
    Ok(Ok((header, array)))
}

/// Checks a header read at `lba` of a disk of `sectors` sectors.
fn check_header(sector: &[u8], lba: u64, sectors: u64) -> Result<Header, HeaderProblem> {
    if &sector[..8] != SIGNATURE {
        return Err(HeaderProblem::Signature);
    }
    let revision = le32(sector, 8);
    if revision >> 16 != 1 {
        return Err(HeaderProblem::Revision(revision));
    }
    let size = le32(sector, 12);
    if size < MIN_HEADER || size as usize > sector.len() {
        return Err(HeaderProblem::HeaderSize(size));
    }
    let mut copy = Vec::from(&sector[..size as usize]);
    copy[16..20].fill(0);
    let (stored, computed) = (le32(sector, 16), crc32fast::hash(&copy));
    if stored != computed {
        return Err(HeaderProblem::HeaderCrc { stored, computed });
    }
    let my_lba = le64(sector, 24);
    if my_lba != lba {
        return Err(HeaderProblem::MyLba(my_lba));
    }
    let (first, last) = (le64(sector, 40), le64(sector, 48));
    if first < 2 || last < first || last >= sectors {
        return Err(HeaderProblem::UsableRange { first, last });
    }
    let (entries, entry_size) = (le32(sector, 80), le32(sector, 84));
    let valid_size = entry_size >= 128 && entry_size.is_power_of_two();
    if !valid_size || u64::from(entries) * u64::from(entry_size) > MAX_ENTRY_ARRAY {
        return Err(HeaderProblem::EntryArraySize { entries, entry_size });
    }
    Ok(Header { disk_guid: guid(sector, 56), first_usable: first, last_usable: last, entries, entry_size })
}

fn guid(bytes: &[u8], at: usize) -> Guid {
    Guid(core::array::from_fn(|i| bytes[at + i]))
}

/// A UTF-16LE name up to its first NUL; unpaired surrogates become U+FFFD.
fn name(bytes: &[u8]) -> String {
    let units = (0..NAME_UNITS).map(|i| le16(bytes, 2 * i)).take_while(|&unit| unit != 0);
    char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
}
