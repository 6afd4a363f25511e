//! `sync [FILE...]`: writes what the file systems hold back to their
//! disks — `fsync` of the root and of every mount point (a disk file
//! system commits everything on it), or of each FILE.
#![no_std]
#![no_main]

use cairn_rt::fs::{File, OpenOptions};
use cairn_rt::{String, Vec, mount};
use coreutils::args::{Arg, ArgParser};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("sync", sync)
}

fn sync(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut files: Vec<String> = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Operand(operand) => files.push(operand),
            other => return Err(other.unexpected().into()),
        }
    }
    if files.is_empty() {
        let mounts = mount::mounts().map_err(|error| Failure::path(mount::MOUNT_TABLE, error))?;
        files.push(String::from("/"));
        files.extend(mounts.into_iter().map(|entry| entry.point));
    }
    for file in &files {
        let opened: cairn_rt::Result<File> = OpenOptions::new().read(true).open(file);
        if let Err(error) = opened.and_then(|opened| opened.sync_all()) {
            tool.report_error(file, &error);
        }
    }
    Ok(())
}
