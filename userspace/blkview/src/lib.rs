//! `cairn-blkview`: what `lsblk` prints, kept apart from the program so the
//! host tests can check it. A [`Disk`] with the partition table read from
//! it (by `cairn-partitions`) becomes one row for the disk and one per
//! partition, in the columns asked for, laid out as util-linux's `lsblk`
//! lays them out (ASCII tree, sizes like `32M` or `7.9G`, numbers
//! right-aligned).
#![no_std]

extern crate alloc;

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use cairn_partitions::{Partition, PartitionTable, partition_name};

/// A whole disk found under `/dev`.
pub struct Disk {
    /// Its name in `/dev` (`nvme0n1`).
    pub name: String,
    pub bytes: u64,
    /// Its partition table, if it has one that could be read.
    pub table: Option<PartitionTable>,
}

/// One column `lsblk -o` knows (util-linux's names).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Column {
    Name,
    Size,
    Type,
    Start,
    PartN,
    PtType,
    PtUuid,
    PartType,
    PartTypeName,
    PartLabel,
    PartUuid,
    PartFlags,
}

/// Every column with its heading.
const COLUMNS: [(Column, &str); 12] = [
    (Column::Name, "NAME"),
    (Column::Size, "SIZE"),
    (Column::Type, "TYPE"),
    (Column::Start, "START"),
    (Column::PartN, "PARTN"),
    (Column::PtType, "PTTYPE"),
    (Column::PtUuid, "PTUUID"),
    (Column::PartType, "PARTTYPE"),
    (Column::PartTypeName, "PARTTYPENAME"),
    (Column::PartLabel, "PARTLABEL"),
    (Column::PartUuid, "PARTUUID"),
    (Column::PartFlags, "PARTFLAGS"),
];

/// `lsblk`'s columns without `-o`.
pub const DEFAULT_COLUMNS: &[Column] = &[Column::Name, Column::Size, Column::Type];

/// `lsblk -f`'s columns (no file-system probing yet: the partition's identity).
pub const PARTITION_COLUMNS: &[Column] =
    &[Column::Name, Column::PtType, Column::PartTypeName, Column::PartLabel, Column::PartUuid];

impl Column {
    /// The column named `name` (any case), as `-o` takes it.
    pub fn parse(name: &str) -> Option<Column> {
        COLUMNS.iter().find(|(_, heading)| heading.eq_ignore_ascii_case(name)).map(|(column, _)| *column)
    }

    fn heading(self) -> &'static str {
        COLUMNS.iter().find(|(column, _)| *column == self).map_or("", |(_, heading)| heading)
    }

    fn right_aligned(self) -> bool {
        matches!(self, Column::Size | Column::Start | Column::PartN)
    }
}

/// The columns of an `-o` list (`NAME,SIZE`; `+LIST` adds to the
/// defaults); `Err` names the first unknown column.
pub fn parse_columns(list: &str) -> Result<Vec<Column>, String> {
    let (mut columns, list) = match list.strip_prefix('+') {
        Some(rest) => (DEFAULT_COLUMNS.to_vec(), rest),
        None => (Vec::new(), list),
    };
    for name in list.split(',').filter(|name| !name.is_empty()) {
        columns.push(Column::parse(name).ok_or_else(|| name.to_string())?);
    }
    Ok(columns)
}

/// How to show the rows.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// `-n`: no heading line.
    pub no_headings: bool,
    /// `-b`: sizes in bytes.
    pub bytes: bool,
    /// `-l`: a list, without the tree.
    pub list: bool,
}

/// `bytes` as util-linux shows sizes: powers of 1024, the suffix letter
/// (`B` below 1 KiB), one decimal rounded to nearest when not whole
/// (`512B`, `1K`, `1.5M`, `7.9G`; like util-linux, a size just under a
/// unit rounds to `1024K`, not `1M`).
pub fn size_text(bytes: u64) -> String {
    const SUFFIXES: &[u8] = b"BKMGTPE";
    let mut power = 0;
    while power < 60 && bytes >= 1u64 << (power + 10) {
        power += 10;
    }
    let whole = bytes >> power;
    let rest = bytes - (whole << power);
    let suffix = char::from(SUFFIXES[power / 10]);
    let tenths = if power == 0 { 0 } else { ((u128::from(rest) * 10 + (1u128 << (power - 1))) >> power) as u64 };
    match tenths {
        0 => format!("{whole}{suffix}"),
        10 => format!("{}{suffix}", whole + 1),
        tenths => format!("{whole}.{tenths}{suffix}"),
    }
}

/// The rows of `disks` in `columns`, as text lines.
pub fn render(disks: &[Disk], columns: &[Column], options: Options) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    if !options.no_headings {
        rows.push(columns.iter().map(|c| c.heading().to_string()).collect());
    }
    for disk in disks {
        rows.push(columns.iter().map(|c| disk_cell(disk, *c, options)).collect());
        let partitions = disk.table.as_ref().map_or(&[][..], |t| &t.partitions[..]);
        for (i, partition) in partitions.iter().enumerate() {
            let table = disk.table.as_ref().expect("partitions come from a table");
            let branch = match (options.list, i + 1 == partitions.len()) {
                (true, _) => "",
                (false, false) => "|-",
                (false, true) => "`-",
            };
            rows.push(columns.iter().map(|c| part_cell(disk, table, partition, *c, branch, options)).collect());
        }
    }
    let widths: Vec<usize> =
        (0..columns.len()).map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0)).collect();
    let mut text = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            let pad = widths[i] - cell.chars().count();
            if i > 0 {
                line.push(' ');
            }
            if columns[i].right_aligned() {
                line.extend(core::iter::repeat_n(' ', pad));
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.extend(core::iter::repeat_n(' ', pad));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

fn size_cell(bytes: u64, options: Options) -> String {
    if options.bytes { bytes.to_string() } else { size_text(bytes) }
}

fn disk_cell(disk: &Disk, column: Column, options: Options) -> String {
    let table = disk.table.as_ref();
    match column {
        Column::Name => disk.name.clone(),
        Column::Size => size_cell(disk.bytes, options),
        Column::Type => "disk".into(),
        Column::Start => "0".into(),
        Column::PtType => table.map(|t| t.kind.name().to_string()).unwrap_or_default(),
        Column::PtUuid => table.map(|t| t.disk_id.to_string()).unwrap_or_default(),
        _ => String::new(),
    }
}

fn part_cell(
    disk: &Disk,
    table: &PartitionTable,
    partition: &Partition,
    column: Column,
    branch: &str,
    options: Options,
) -> String {
    match column {
        Column::Name => format!("{branch}{}", partition_name(&disk.name, partition.number)),
        Column::Size => size_cell(partition.sectors * u64::from(table.sector_size), options),
        Column::Type => "part".into(),
        Column::Start => partition.first_lba.to_string(),
        Column::PartN => partition.number.to_string(),
        Column::PtType => table.kind.name().into(),
        Column::PtUuid => table.disk_id.to_string(),
        Column::PartType => partition.kind.to_string(),
        Column::PartTypeName => partition.kind.name().unwrap_or("").into(),
        Column::PartLabel => partition.label.clone(),
        Column::PartUuid => partition.uuid.to_string(),
        Column::PartFlags => {
            if partition.attributes == 0 {
                String::new()
            } else {
                format!("{:#x}", partition.attributes)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use cairn_partitions::{DiskId, Guid, PartUuid, PartitionType, TableKind};

    #[test]
    fn sizes_as_util_linux_shows_them() {
        let cases: [(u64, &str); 9] = [
            (0, "0B"),
            (512, "512B"),
            (1024, "1K"),
            (1536, "1.5K"),
            (1 << 20, "1M"),
            (32 << 20, "32M"),
            ((8 << 30) - (100 << 20), "7.9G"),
            ((1 << 20) - 1, "1024K"),
            (3 * (1 << 30) + (1 << 29), "3.5G"),
        ];
        for (bytes, text) in cases {
            assert_eq!(size_text(bytes), text, "{bytes}");
        }
    }

    #[test]
    fn columns_parse_by_name_and_plus_adds_to_the_defaults() {
        assert_eq!(parse_columns("name,PartLabel"), Ok(vec![Column::Name, Column::PartLabel]));
        assert_eq!(parse_columns("+START").unwrap().len(), 4);
        assert_eq!(parse_columns("NAME,BOGUS"), Err("BOGUS".into()));
    }

    fn sample() -> Vec<Disk> {
        let guid = |text: &str| Guid::parse(text).unwrap();
        let part = |number, first_lba, sectors, kind: &str, label: &str, uuid: &str| Partition {
            number,
            first_lba,
            sectors,
            kind: PartitionType::Gpt(guid(kind)),
            label: label.into(),
            uuid: PartUuid::Guid(guid(uuid)),
            attributes: 0,
        };
        let table = PartitionTable {
            kind: TableKind::Gpt,
            disk_id: DiskId::Guid(guid("5e0c5a55-7a11-4a2e-9c3d-0123456789ab")),
            sector_size: 512,
            partitions: vec![
                part(
                    1,
                    2048,
                    2048,
                    "21686148-6449-6e6f-744e-656564454649",
                    "bios",
                    "11111111-2222-4333-8444-555555555501",
                ),
                part(
                    3,
                    4096,
                    30720,
                    "0fc63daf-8483-4772-8e79-3d69d8477de4",
                    "root",
                    "11111111-2222-4333-8444-555555555503",
                ),
            ],
            notes: vec![],
        };
        vec![
            Disk { name: "nvme0n1".into(), bytes: 32 << 20, table: Some(table) },
            Disk { name: "nvme0n2".into(), bytes: 2 << 20, table: None },
        ]
    }

    #[test]
    fn default_tree() {
        let text = render(&sample(), DEFAULT_COLUMNS, Options::default());
        assert_eq!(
            text,
            "NAME        SIZE TYPE\n\
             nvme0n1      32M disk\n\
             |-nvme0n1p1   1M part\n\
             `-nvme0n1p3  15M part\n\
             nvme0n2       2M disk\n"
        );
    }

    #[test]
    fn partition_columns_list_without_headings_in_bytes() {
        let columns = parse_columns("NAME,SIZE,PARTTYPENAME,PARTLABEL,PARTUUID").unwrap();
        let text = render(&sample(), &columns, Options { no_headings: true, bytes: true, list: true });
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "nvme0n1   33554432");
        assert_eq!(lines[1], "nvme0n1p1  1048576 BIOS boot        bios 11111111-2222-4333-8444-555555555501");
        assert_eq!(lines[2], "nvme0n1p3 15728640 Linux filesystem root 11111111-2222-4333-8444-555555555503");
        assert_eq!(lines[3], "nvme0n2    2097152");
    }
}
