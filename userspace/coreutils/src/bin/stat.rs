//! `stat [-L] FILE...`: prints what the file system records about each
//! file, in GNU's layout: name (and a symbolic link's target), size,
//! blocks, I/O block size, type, device, inode, links, permissions in
//! octal and as a mode string, owner and group, and the access,
//! modification and change times (UTC, nanoseconds). Symbolic links are
//! described themselves unless `-L`. The file system records no birth
//! time, which GNU shows as `-`.
#![no_std]
#![no_main]

use cairn_rt::abi::Stat;
use cairn_rt::{String, Vec, format, fs};
use cairn_text::mode::mode_string;
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::clock::{file_seconds, format_time};
use coreutils::system::Names;
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("stat", stat_files)
}

fn stat_files(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut follow = false;
    let mut files = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('L') => follow = true,
            Arg::Long(name) if name == "dereference" => follow = true,
            Arg::Operand(file) => files.push(file),
            other => return Err(other.unexpected().into()),
        }
    }
    if files.is_empty() {
        return Err(UsageError::MissingOperand.into());
    }
    let names = Names::load();
    for file in &files {
        let meta = if follow { fs::metadata(file) } else { fs::symlink_metadata(file) };
        match meta {
            Ok(meta) => describe(tool, &names, file, meta.stat(), meta.is_symlink())?,
            Err(error) => tool.report_error(file, &error),
        }
    }
    Ok(())
}

/// The name GNU gives the type of a file with `mode` and `size`.
fn type_name(mode: u32, size: u64) -> &'static str {
    match mode & 0o170_000 {
        0o100_000 if size == 0 => "regular empty file",
        0o100_000 => "regular file",
        0o040_000 => "directory",
        0o120_000 => "symbolic link",
        0o020_000 => "character special file",
        0o060_000 => "block special file",
        0o010_000 => "fifo",
        0o140_000 => "socket",
        _ => "weird file",
    }
}

/// A time field as `2026-11-28 01:02:03.123456789 +0000`.
fn timestamp(seconds: u64, nanos: u32) -> String {
    format_time(file_seconds(seconds), nanos, "%Y-%m-%d %H:%M:%S.%N +0000")
}

fn describe(tool: &mut Tool, names: &Names, file: &str, stat: &Stat, is_symlink: bool) -> Result<(), Failure> {
    let mode = u32::from(stat.st_mode);
    let name = match fs::read_link(file) {
        Ok(target) if is_symlink => format!("{file} -> {target}"),
        _ => String::from(file),
    };
    let out = &mut tool.out;
    writeln!(out, "  File: {name}")?;
    writeln!(
        out,
        "  Size: {:<10}\tBlocks: {:<10} IO Block: {:<6} {}",
        stat.st_size,
        stat.st_blocks,
        stat.st_blksize,
        type_name(mode, stat.st_size)
    )?;
    writeln!(
        out,
        "Device: {},{}\tInode: {:<11} Links: {}",
        stat.st_dev >> 8,
        stat.st_dev & 0xff,
        stat.st_ino,
        stat.st_nlink
    )?;
    writeln!(
        out,
        "Access: ({:04o}/{})  Uid: ({:>5}/{:>8})   Gid: ({:>5}/{:>8})",
        mode & 0o7777,
        mode_string(mode),
        stat.st_uid,
        names.user(stat.st_uid),
        stat.st_gid,
        names.group(stat.st_gid)
    )?;
    writeln!(out, "Access: {}", timestamp(stat.st_atime, stat.st_atime_nsec))?;
    writeln!(out, "Modify: {}", timestamp(stat.st_mtime, stat.st_mtime_nsec))?;
    writeln!(out, "Change: {}", timestamp(stat.st_ctime, stat.st_ctime_nsec))?;
    writeln!(out, " Birth: -")
}
