//! `umount TARGET...`: unmounts each TARGET — a mount point or the source
//! it was mounted from (the last mount of it) — and waits for its server
//! to write everything back and end (an ext2/ext3 file system is then
//! clean on its disk).
#![no_std]
#![no_main]

use cairn_rt::mount::{self, Stopped};
use cairn_rt::time::Duration;
use cairn_rt::{String, env, format};
use cairn_text::path::normalize;
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// How long a server may take to write back and end.
const PATIENCE: Duration = Duration::from_secs(60);

fn main() -> i32 {
    tool::run("umount", umount)
}

fn umount(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut targets = cairn_rt::Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Operand(operand) => targets.push(operand),
            other => return Err(other.unexpected().into()),
        }
    }
    if targets.is_empty() {
        return Err(UsageError::MissingOperand.into());
    }
    let cwd = env::current_dir().unwrap_or_else(|_| String::from("/"));
    for target in &targets {
        let absolute = normalize(&if target.starts_with('/') { target.clone() } else { format!("{cwd}/{target}") });
        let mounts = mount::mounts().map_err(|error| Failure::path(mount::MOUNT_TABLE, error))?;
        let Some(entry) = mounts.iter().rev().find(|entry| entry.point == absolute || entry.source == *target) else {
            tool.report(target, "not mounted");
            continue;
        };
        match mount::unmount_and_stop(entry, PATIENCE) {
            Ok(Stopped::Ended | Stopped::Gone) => {}
            Ok(Stopped::StillRunning) => {
                tool.report(target, format!("unmounted, but its server (pid {}) has not ended", entry.server));
            }
            Err(error) => tool.report_error(target, &error),
        }
    }
    Ok(())
}
