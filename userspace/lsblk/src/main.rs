//! `lsblk [-b] [-f] [-l] [-n] [-o LIST] [DEVICE...]`: lists the block
//! devices under `/dev` (the entries that stat as block devices:
//! `nvme0n1`, ...) with the partitions of each read from the disk itself
//! through `cairn-partitions`, as util-linux's `lsblk` shows them (rows and
//! columns by `cairn-blkview`). Partition devices (`nvme0n1p1`), when a
//! driver serves them, are shown under their disk, not as disks. `-o`
//! picks columns (`+LIST` adds to NAME,SIZE,TYPE); `-f` shows NAME PTTYPE
//! PARTTYPENAME PARTLABEL PARTUUID; `-b` sizes in bytes; `-l` a list
//! without the tree; `-n` no headings. A table that cannot be read is
//! reported (exit 1) and its disk listed without partitions. Reading a
//! disk needs root, as opening one does.
#![no_std]
#![no_main]

use cairn_blkview::{Column, DEFAULT_COLUMNS, Disk, Options, PARTITION_COLUMNS, parse_columns};
use cairn_partitions::{SECTOR_SIZES, partition_name};
use cairn_rt::error::Error;
use cairn_rt::fs::{self, File};
use cairn_rt::{String, Vec, format};
use coreutils::args::{Arg, ArgParser};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// Where the block devices are.
const DEV: &str = "/dev";

fn main() -> i32 {
    tool::run("lsblk", lsblk)
}

fn lsblk(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut options = Options::default();
    let mut columns: Vec<Column> = DEFAULT_COLUMNS.to_vec();
    let mut operands = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('b') => options.bytes = true,
            Arg::Short('l') => options.list = true,
            Arg::Short('n') => options.no_headings = true,
            Arg::Short('f') => columns = PARTITION_COLUMNS.to_vec(),
            Arg::Short('o') => {
                let list = args.value()?;
                columns = parse_columns(&list).map_err(|name| Failure::usage(format!("unknown column: {name}")))?;
            }
            Arg::Operand(path) => operands.push(path),
            other => return Err(other.unexpected().into()),
        }
    }
    let names = if operands.is_empty() { whole_disks()? } else { operands };
    let mut disks = Vec::new();
    for name in names {
        let path = if name.starts_with('/') { name.clone() } else { format!("{DEV}/{name}") };
        let short = path.rsplit('/').next().unwrap_or(&path);
        match disk(tool, &path, short) {
            Ok(disk) => disks.push(disk),
            Err(error) => tool.report_error(&path, &error),
        }
    }
    tool.out.write(cairn_blkview::render(&disks, &columns, options).as_bytes())?;
    Ok(())
}

/// The names of the block devices in `/dev` that are not partitions of
/// another one, sorted.
fn whole_disks() -> Result<Vec<String>, Failure> {
    let entries = fs::read_dir(DEV).map_err(|error| Failure::path(DEV, error))?;
    let mut blocks: Vec<String> = entries
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| fs::metadata(&format!("{DEV}/{name}")).is_ok_and(|m| m.is_block_device()))
        .collect();
    blocks.sort();
    let is_partition = |name: &str, blocks: &[String]| {
        blocks.iter().any(|disk| {
            name.strip_prefix(disk.as_str()).is_some_and(|rest| {
                let digits = rest.strip_prefix('p').filter(|_| disk.ends_with(|c: char| c.is_ascii_digit()));
                let number = digits.unwrap_or(rest);
                number.parse::<u32>().is_ok_and(|n| partition_name(disk, n) == name)
            })
        })
    };
    Ok(blocks.iter().filter(|name| !is_partition(name, &blocks)).cloned().collect())
}

/// The disk at `path`, with its partition table if it has one; a table
/// that cannot be read is reported and left out.
fn disk(tool: &mut Tool, path: &str, name: &str) -> Result<Disk, Error> {
    let file = File::open(path)?;
    let metadata = file.metadata()?;
    let bytes = metadata.len();
    let block = metadata.stat().st_blksize;
    let sector_size = if SECTOR_SIZES.contains(&block) { block } else { 512 };
    let sectors = bytes / u64::from(sector_size);
    let mut reader = |lba: u64, buf: &mut [u8]| -> Result<(), Error> {
        let mut done = 0;
        while done < buf.len() {
            let n = file.read_at(&mut buf[done..], lba * u64::from(sector_size) + done as u64)?;
            if n == 0 {
                return Err(Error::UnexpectedEof);
            }
            done += n;
        }
        Ok(())
    };
    let table = match cairn_partitions::read(&mut reader, sector_size, sectors) {
        Ok(table) => table,
        Err(error) => {
            tool.report(path, format_args!("partition table: {error}"));
            None
        }
    };
    if let Some(table) = &table {
        for note in &table.notes {
            tool.warn(format_args!("{path}: {note}"));
        }
    }
    Ok(Disk { name: name.into(), bytes, table })
}
