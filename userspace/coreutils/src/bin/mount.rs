//! `mount`: lists the mounts (`SOURCE on DIR type TYPE (OPTIONS)`);
//! `mount [-t TYPE] [-o OPTIONS] SOURCE DIR` mounts a file system;
//! `mount -a` mounts every `/etc/fstab` entry that is not mounted yet
//! (except `/` and `noauto` ones). Each file system is served by its own
//! server process, which mounts itself: `ext2`, `ext3` and `ext4` (the
//! default type) by `/bin/ext2fs` on the block device SOURCE, `tmpfs` by
//! `/bin/tmpfs` (SOURCE is only a name). Options: `ro`, `rw`, `defaults`
//! (and `noauto`, which only `-a` looks at). `mount` returns once the
//! server has mounted the file system, or reports why it could not.
#![no_std]
#![no_main]

use cairn_rt::mount::{self, MountEntry};
use cairn_rt::process::Command;
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, Vec, format, fs, thread};
use cairn_text::path::normalize;
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::files::base_name;
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// The file-system table `mount -a` reads.
const FSTAB: &str = "/etc/fstab";
/// How long a server may take to mount (an ext3 journal replay included).
const PATIENCE: Duration = Duration::from_secs(60);
/// How long `mount -a` waits for a device its drivers have not served yet.
const DEVICE_WAIT: Duration = Duration::from_secs(10);
/// `mount`'s exit status when a mount failed (util-linux's).
const MOUNT_FAILED: i32 = 32;
/// How often the mount table is looked at while waiting.
const POLL: Duration = Duration::from_millis(10);

fn main() -> i32 {
    tool::run("mount", mount_main)
}

/// One file system to mount.
struct Request {
    source: String,
    point: String,
    fstype: String,
    read_only: bool,
}

fn mount_main(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let (mut fstype, mut options, mut all) = (None, String::from("defaults"), false);
    let mut operands: Vec<String> = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('t') => fstype = Some(args.value()?),
            Arg::Short('o') => options = args.value()?,
            Arg::Short('a') => all = true,
            Arg::Operand(operand) => operands.push(operand),
            other => return Err(other.unexpected().into()),
        }
    }
    match (all, operands.as_slice()) {
        (true, []) => mount_all(tool),
        (false, []) => list(tool),
        (false, [source, point]) => {
            let read_only = parse_options(&options)?.0;
            let fstype = fstype.unwrap_or_else(|| String::from("ext2"));
            let request = Request { source: source.clone(), point: point.clone(), fstype, read_only };
            mount_one(&request).map_err(|reason| {
                tool.report(source, reason);
                Failure::Exit(MOUNT_FAILED)
            })
        }
        (false, [_]) => Err(UsageError::MissingOperand.into()),
        _ => Err(Failure::usage("too many operands")),
    }
}

/// `(read_only, noauto)` from a comma-separated option list.
fn parse_options(options: &str) -> Result<(bool, bool), Failure> {
    let (mut read_only, mut noauto) = (false, false);
    for option in options.split(',') {
        match option {
            "ro" => read_only = true,
            "rw" => read_only = false,
            "noauto" => noauto = true,
            "auto" | "defaults" | "" => {}
            other => return Err(Failure::usage(format!("unknown option '{other}'"))),
        }
    }
    Ok((read_only, noauto))
}

fn list(tool: &mut Tool) -> Result<(), Failure> {
    let mounts = mount::mounts().map_err(|error| Failure::path(mount::MOUNT_TABLE, error))?;
    for MountEntry { source, point, fstype, options, .. } in &mounts {
        writeln!(tool.out, "{source} on {point} type {fstype} ({options})")?;
    }
    Ok(())
}

/// Starts the server for `request` and waits until it has mounted (or
/// failed).
fn mount_one(request: &Request) -> Result<(), String> {
    let mut command = match request.fstype.as_str() {
        "ext2" | "ext3" | "ext4" => {
            let mut command = Command::new("/bin/ext2fs");
            if request.read_only {
                command.args(["-o", "ro"]);
            }
            let scheme = format!("ext2fs.{}", base_name(&request.source));
            command.args(["--mount", &request.point, &request.source, &scheme]);
            command
        }
        "tmpfs" => {
            if request.read_only {
                return Err(String::from("tmpfs: read-only mounts are not supported"));
            }
            let mut command = Command::new("/bin/tmpfs");
            command.args(["--mount", &request.point]);
            command
        }
        other => return Err(format!("unknown file-system type '{other}'")),
    };
    let mut server = command.spawn().map_err(|e| format!("cannot start the {} server: {e}", request.fstype))?;
    let started = Instant::now();
    loop {
        let mounted = mount::mounts().map_err(|e| format!("{}: {e}", mount::MOUNT_TABLE))?;
        if mounted.iter().any(|entry| entry.server == server.id()) {
            return Ok(());
        }
        if let Some(status) = server.try_wait().map_err(|e| format!("waiting for the server: {e}"))? {
            return Err(format!(
                "{} on {}: the server ended ({status}) without mounting",
                request.source, request.point
            ));
        }
        if started.elapsed() > PATIENCE {
            let _ = server.kill();
            return Err(format!(
                "{} on {}: the server did not mount within {} s",
                request.source,
                request.point,
                PATIENCE.as_secs()
            ));
        }
        thread::sleep(POLL);
    }
}

/// `mount -a`: every `/etc/fstab` line `SOURCE DIR TYPE OPTIONS [DUMP
/// [PASS]]` not mounted yet, except `/` and `noauto`.
fn mount_all(tool: &mut Tool) -> Result<(), Failure> {
    let table = fs::read_to_string(FSTAB).map_err(|error| Failure::path(FSTAB, error))?;
    let mounted = mount::mounts().map_err(|error| Failure::path(mount::MOUNT_TABLE, error))?;
    for (number, line) in table.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let [source, point, fstype, options, ..] = words.as_slice() else {
            tool.report(&format!("{FSTAB}:{}", number + 1), "expected SOURCE DIR TYPE OPTIONS");
            continue;
        };
        let Ok((read_only, noauto)) = parse_options(options) else {
            tool.report(&format!("{FSTAB}:{}", number + 1), format!("unknown option in '{options}'"));
            continue;
        };
        if noauto || *point == "/" || mounted.iter().any(|entry| entry.point == normalize(point)) {
            continue;
        }
        let request = Request {
            source: String::from(*source),
            point: String::from(*point),
            fstype: String::from(*fstype),
            read_only,
        };
        if request.fstype != "tmpfs" && !appears(&request.source) {
            tool.report(&request.source, format!("no such device after {} s", DEVICE_WAIT.as_secs()));
            continue;
        }
        if let Err(reason) = mount_one(&request) {
            tool.report(point, reason);
        }
    }
    Ok(())
}

/// Whether `device` exists, or appears within [`DEVICE_WAIT`] (drivers
/// start beside `mount -a` at boot).
fn appears(device: &str) -> bool {
    let started = Instant::now();
    while fs::metadata(device).is_err() {
        if started.elapsed() > DEVICE_WAIT {
            return false;
        }
        thread::sleep(POLL);
    }
    true
}
