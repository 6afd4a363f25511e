//! `ext2fs`: the disk file-system server. `ext2fs [-o OPTIONS] [--mount
//! DIR] DEVICE SCHEME` opens the block device DEVICE (a `disk.*` file such
//! as `/dev/nvme0n1`), mounts the ext2/ext3 (or, read-only, ext4) file
//! system on it with `cairn-ext2` through a write-back block cache, and
//! serves it as scheme SCHEME with the same protocol and rules as tmpfs;
//! with `--mount DIR` it also mounts itself on directory DIR (what `mount`
//! runs). `ext2fs [-o OPTIONS] --root DEVICE` serves the root file system
//! (scheme `file`, taken over from the initfs; what init runs for the
//! kernel's `root=DEVICE`), waiting up to 20 s for DEVICE to appear.
//! DEVICE may also be `UUID=...` or `LABEL=...`: the block device under
//! `/dev` whose ext2 superblock carries that UUID or volume label. OPTIONS is
//! a comma-separated list: `ro` (mount read-only: nothing is written, a
//! journal is replayed in memory only) and `cache=KIB` (the cache's size,
//! [`DEFAULT_UNITS`] pieces of 4 KiB = 32 MiB by default).
//!
//! Once mounted it prints `ext2fs: serving DEVICE as SCHEME (...)`.
//! Every [`SYNC_INTERVAL`] a thread commits what changed (as ext3's
//! commit interval); `fsync` commits at once. On `SIGTERM` it writes
//! everything back, marks the file system clean, prints `ext2fs: SCHEME
//! unmounted cleanly` and exits with 0. Its counters (device requests,
//! cache hits) are the read-only file of scheme `SCHEME.stats`.
//!
//! A file system that will not mount (no ext2 magic, damage found by the
//! checks, unsupported features, a failing device) is refused with a
//! message naming why, and exit status 1.
//!
//! Depends on `cairn-rt`, `cairn-ext2`, `cairn-blockcache`, `cairn-fsrules`
//! and `cairn-fsproto`.
#![no_std]
#![no_main]

extern crate alloc;

mod disk;
mod serve;
mod stats;

use alloc::string::String;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

use cairn_ext2::{Error, Ext2, MountOptions, ReadOnlyReason, Timestamp};
use cairn_rt::abi::error::EINTR;
use cairn_rt::abi::scheme as op;
use cairn_rt::scheme::Server;
use cairn_rt::sync::Mutex;
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{env, eprintln, format, println, process, signal, thread};

use cairn_blockcache::{BlockCache, DEFAULT_UNITS, UNIT};

use crate::disk::{Disk, DiskStats};
use crate::serve::Served;

cairn_rt::main!(main);

/// How often changes are committed without being asked.
const SYNC_INTERVAL: Duration = Duration::from_secs(5);
/// How often the commit thread looks whether `SIGTERM` came.
const TICK: Duration = Duration::from_millis(100);

/// The mounted file system (`None` once unmounted), shared by the request
/// loop, the commit thread and the stats scheme.
pub type State = Mutex<Option<Served<BlockCache<Disk>>>>;

/// Set by the `SIGTERM` handler.
static STOP: AtomicBool = AtomicBool::new(false);

fn on_sigterm(_: usize) {
    STOP.store(true, Ordering::SeqCst);
}

/// What the served file system becomes besides scheme SCHEME.
enum Role {
    /// Only the scheme.
    Scheme,
    /// The root file system (`--root`: the scheme is `file`).
    Root,
    /// Mounted on a directory (`--mount DIR`).
    Mount(String),
}

/// The command line.
struct Arguments {
    device: String,
    scheme: String,
    read_only: bool,
    cache_units: usize,
    role: Role,
}

const USAGE: &str = "usage: ext2fs [-o ro,cache=KIB] [--mount DIR] DEVICE SCHEME | ext2fs [-o ...] --root DEVICE";

fn arguments() -> Result<Arguments, String> {
    let mut args = env::args().skip(1);
    let (mut read_only, mut cache_units, mut role) = (false, DEFAULT_UNITS, Role::Scheme);
    let mut positional = alloc::vec::Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--root" => role = Role::Root,
            "--mount" => role = Role::Mount(args.next().ok_or(USAGE)?),
            "-o" => {
                for option in args.next().ok_or(USAGE)?.split(',') {
                    match option.split_once('=') {
                        None if option == "ro" => read_only = true,
                        None if option == "rw" => read_only = false,
                        Some(("cache", kib)) => {
                            let kib: usize = kib.parse().map_err(|_| format!("ext2fs: bad cache size {kib}"))?;
                            cache_units = kib * 1024 / UNIT;
                        }
                        _ => return Err(format!("ext2fs: unknown option {option}\n{USAGE}")),
                    }
                }
            }
            _ => positional.push(arg),
        }
    }
    if matches!(role, Role::Root) {
        positional.push(String::from(ROOT_SCHEME));
    }
    match <[String; 2]>::try_from(positional) {
        Ok([device, scheme]) => Ok(Arguments { device, scheme, read_only, cache_units, role }),
        Err(_) => Err(String::from(USAGE)),
    }
}

/// The scheme of the root file system.
const ROOT_SCHEME: &str = "file";
/// How long `--root` waits for its device (its driver starts beside it).
const DEVICE_WAIT: Duration = Duration::from_secs(20);

/// Opens the device — a path, or `UUID=...`/`LABEL=...` naming the file
/// system on one of `/dev`'s block devices; as the root file system, waits
/// up to [`DEVICE_WAIT`] for it to appear.
fn open_disk(args: &Arguments, stats: Arc<DiskStats>) -> Result<(Disk, String), String> {
    let by_identity = args.device.starts_with("UUID=") || args.device.starts_with("LABEL=");
    let started = Instant::now();
    loop {
        let found = match by_identity {
            true => disk::find_by_identity(&args.device)
                .ok_or_else(|| format!("no block device holds a file system with {}", args.device)),
            false => Ok(args.device.clone()),
        };
        let opened = found.and_then(|path| Disk::open(&path, args.read_only, stats.clone()).map(|disk| (disk, path)));
        match opened {
            Ok(opened) => return Ok(opened),
            Err(_) if matches!(args.role, Role::Root) && started.elapsed() < DEVICE_WAIT => thread::sleep(TICK),
            Err(e) => return Err(e),
        }
    }
}

/// Why a mount failed, in words.
fn describe(error: Error) -> String {
    match error {
        Error::NotExt2 => String::from("no ext2 file system on it (bad magic number)"),
        Error::Corrupt(what) => format!("the file system is damaged: {what:?}"),
        Error::Unsupported(what) => format!("the file system uses what ext2fs does not support: {what:?}"),
        Error::Device(e) => format!("the device failed: {e:?}"),
        other => format!("{other:?}"),
    }
}

fn now() -> Timestamp {
    let (secs, nanos) = cairn_fsproto::split_time(cairn_fsproto::now());
    Timestamp { secs: secs as i64, nanos }
}

/// Unmounts (everything written back, marked clean) and ends the process.
/// A second caller finds nothing mounted and waits for the first to end it.
fn shutdown(state: &State, scheme: &str) -> ! {
    let served = state.lock().take();
    let Some(served) = served else {
        loop {
            thread::sleep(TICK);
        }
    };
    let damaged = served.fs.read_only() == Some(ReadOnlyReason::Damaged);
    match served.fs.unmount(now()) {
        Ok(_) if damaged => {
            println!("ext2fs: {scheme} unmounted, damaged (left marked for e2fsck)");
            process::exit(0)
        }
        Ok(_) => {
            println!("ext2fs: {scheme} unmounted cleanly");
            process::exit(0)
        }
        Err(e) => {
            eprintln!("ext2fs: unmounting {scheme} failed: {}", describe(e));
            process::exit(1)
        }
    }
}

/// Commits every [`SYNC_INTERVAL`] unless nothing changed (an idle disk
/// is left alone); unmounts when `SIGTERM` came.
fn commit_thread(state: Arc<State>, scheme: String) {
    let ticks = (SYNC_INTERVAL.as_millis() / TICK.as_millis()) as u32;
    loop {
        for _ in 0..ticks {
            thread::sleep(TICK);
            if STOP.load(Ordering::SeqCst) {
                shutdown(&state, &scheme);
            }
        }
        let mut guard = state.lock();
        let Some(served) = guard.as_mut() else { continue };
        let idle = !served.fs.has_changes() && served.fs.device().counts().dirty == 0;
        if idle || served.fs.read_only().is_some() {
            continue;
        }
        match served.fs.sync() {
            Ok(()) => served.device_worked(),
            Err(Error::Device(_)) => served.device_failed(),
            Err(e) => eprintln!("ext2fs: committing {scheme} failed: {}", describe(e)),
        }
    }
}

fn main() -> i32 {
    let args = match arguments() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("{message}");
            return 2;
        }
    };
    let disk_stats = Arc::new(DiskStats::default());
    let (disk, device) = match open_disk(&args, disk_stats.clone()) {
        Ok(opened) => opened,
        Err(e) => {
            eprintln!("ext2fs: {e}");
            return 1;
        }
    };
    let cache = BlockCache::new(disk, args.cache_units);
    let fs = match Ext2::mount(cache, MountOptions { read_only: args.read_only, now: now() }) {
        Ok(fs) => fs,
        Err(e) => {
            eprintln!("ext2fs: cannot mount {}: {}", device, describe(e));
            return 1;
        }
    };
    let (server, stats_server) = match (Server::create(&args.scheme), Server::create(&format!("{}.stats", args.scheme)))
    {
        (Ok(server), Ok(stats)) => (server, stats),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("ext2fs: cannot register scheme {}: {e}", args.scheme);
            let _ = fs.unmount(now());
            return 1;
        }
    };
    let kind = if fs.has_journal() { "ext3" } else { "ext2" };
    if let Role::Mount(point) = &args.role {
        let options = if fs.read_only().is_some() { "ro" } else { "rw" };
        if let Err(e) = cairn_rt::mount::mount(point, &server, &device, kind, options) {
            eprintln!("ext2fs: cannot mount {} on {point}: {e}", device);
            let _ = fs.unmount(now());
            return 1;
        }
    }
    let figures = fs.statfs();
    let mode = match fs.read_only() {
        None => String::from("read-write"),
        Some(ReadOnlyReason::Requested) => String::from("read-only"),
        Some(reason) => format!("read-only: {reason:?}"),
    };
    if fs.leftover_orphans() {
        println!("ext2fs: {device} has orphan inodes from a crash; a read-write mount (or e2fsck) frees them");
    }
    let cache_kib = fs.device().capacity() * UNIT / 1024;
    let state: Arc<State> = Arc::new(Mutex::new(Some(Served::new(fs, &args.scheme))));
    if let Err(e) = signal::set_handler(signal::SIGTERM, on_sigterm) {
        eprintln!("ext2fs: cannot handle SIGTERM: {e}");
    }
    let (committer, scheme) = (state.clone(), args.scheme.clone());
    thread::spawn(move || commit_thread(committer, scheme));
    let reporter = state.clone();
    thread::spawn(move || stats::run(stats_server, reporter, disk_stats));
    println!(
        "ext2fs: serving {} as {} ({kind}, {mode}, {}-byte blocks, {} of {} free, {cache_kib} KiB cache)",
        device, args.scheme, figures.block_size, figures.free_blocks, figures.blocks
    );
    loop {
        let incoming = match server.next() {
            Ok(incoming) => incoming,
            Err(_) if STOP.load(Ordering::SeqCst) => shutdown(&state, &args.scheme),
            Err(e) if e.errno() == Some(EINTR) => continue,
            Err(e) => {
                eprintln!("ext2fs: reading requests failed: {e}");
                shutdown(&state, &args.scheme);
            }
        };
        if STOP.load(Ordering::SeqCst) {
            shutdown(&state, &args.scheme);
        }
        let request = &incoming.request;
        if request.opcode == op::MMAP {
            let mapped = state.lock().as_mut().map(|served| served.map(request));
            let Some(mapped) = mapped else { shutdown(&state, &args.scheme) };
            let _ = match mapped {
                Ok(memory) => server.respond_fd(request.id, &memory),
                Err(e) => server.respond(request.id, Err(e), &[]),
            };
            continue;
        }
        let mut guard = state.lock();
        let Some(served) = guard.as_mut() else {
            drop(guard);
            shutdown(&state, &args.scheme)
        };
        // Answered under the lock: a read's payload is the server's read
        // buffer, copied out by the kernel without a copy of ours.
        if let Some((result, payload)) = served.serve(request, &incoming.payload) {
            let _ = server.respond(request.id, result, served.payload(&payload));
        }
    }
}
