//! `fsbench [--tmpfs] DISK`: the file-system figures of `make fsbench`
//! (its Linux twin is `tools/devbench/devbench.c fs`). Starts `/bin/nvme`,
//! waits for DISK (a fresh ext3 image) to appear, mounts it on `/usr` with
//! `/bin/mount -t ext3` and prints `BENCH <name> <value> <unit>` for:
//!
//! - `fs_seq_write`: a 64 MiB file written in 1 MiB writes and `fsync`ed
//!   (MiB/s);
//! - `fs_seq_read`: the file read back in 1 MiB reads after a remount
//!   (`umount` and `mount` again: the server restarts with an empty
//!   cache), so the read is cold (MiB/s);
//! - `fs_create` and `fs_delete`: 10,000 empty files created in one
//!   directory, then unlinked (files/s);
//! - `fs_ls_l_5000`: `/bin/ls -l` of a directory of 5,000 files, its
//!   output sent to `/dev/null` (ms, fork to exit);
//! - `fs_grep_cold` and `fs_grep_warm`: `/bin/grep -r` over a tree of
//!   2,000 files of 2 KiB (20 directories of 100) after a remount, then
//!   again (ms).
//!
//! With `--tmpfs` a tmpfs is mounted on `/usr` instead and nothing is
//! remounted (a tmpfs's contents are its only copy, so the "cold" figures
//! are warm ones): the same workload with no disk and no ext2 below the
//! scheme protocol, to tell the file-system server's share of the time
//! from the rest (system calls, round trips, the programs).
//!
//! Exits 0, or 1 with the reason if a step failed.
//!
//! Depends on `cairn-rt`.
#![no_std]
#![no_main]

use cairn_rt::abi::rights;
use cairn_rt::fs::{self, OpenOptions};
use cairn_rt::process::{self, Child, Command, ForkResult};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, Vec, eprintln, fd, format, println, thread, vec};

cairn_rt::main!(main);

/// Where the disk is mounted: a directory of the (read-only) initfs,
/// shadowed while mounted, as utest's `mount` test does.
const POINT: &str = "/usr";
/// The sequential file's size and the size of each read and write.
const BIG: usize = 64 << 20;
const CHUNK: usize = 1 << 20;
/// Files created and deleted.
const SMALL_FILES: usize = 10_000;
/// Entries `ls -l` lists.
const LISTED: usize = 5_000;
/// The grep tree: directories, files in each, bytes per file.
const TREE_DIRS: usize = 20;
const TREE_FILES: usize = 100;
const TREE_FILE_BYTES: usize = 2048;
/// What grep looks for: one line of every tenth file holds it.
const NEEDLE: &str = "cairn-needle";

fn main() -> i32 {
    let args: Vec<String> = cairn_rt::env::args().skip(1).collect();
    let (kind, disk) = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [disk] => (Kind::Ext3, String::from(*disk)),
        ["--tmpfs", disk] => (Kind::Tmpfs, String::from(*disk)),
        _ => {
            eprintln!("usage: fsbench [--tmpfs] DISK");
            return 2;
        }
    };
    match run(&Mount { kind, disk }) {
        Ok(()) => 0,
        Err(why) => {
            eprintln!("fsbench: {why}");
            1
        }
    }
}

/// Runs `program` with `args`, its output sent to `/dev/null` when
/// `quiet`, and requires exit status 0.
fn execute(program: &str, args: &[&str], quiet: bool) -> Result<(), String> {
    let status = if quiet {
        match process::fork().map_err(|e| format!("fork: {e}"))? {
            ForkResult::Child => {
                if let Ok(null) = OpenOptions::new().write(true).open("/dev/null") {
                    let _ = fd::dup2(null.as_raw_fd(), 1, rights::ALL);
                }
                let error = Command::new(program).args(args).exec();
                eprintln!("fsbench: {program}: {error}");
                process::exit(127);
            }
            ForkResult::Parent { child } => Child::from_pid(child).wait(),
        }
    } else {
        Command::new(program).args(args).status()
    };
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("{program} {}: {status}", args.join(" "))),
        Err(e) => Err(format!("{program}: {e}")),
    }
}

/// What is mounted on [`POINT`].
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The disk, served by ext2fs.
    Ext3,
    /// A tmpfs (the disk unused).
    Tmpfs,
}

struct Mount {
    kind: Kind,
    disk: String,
}

impl Mount {
    fn mount(&self) -> Result<(), String> {
        match self.kind {
            Kind::Ext3 => execute("/bin/mount", &["-t", "ext3", &self.disk, POINT], false),
            Kind::Tmpfs => execute("/bin/mount", &["-t", "tmpfs", "bench", POINT], false),
        }
    }

    /// Unmounts (the server writes everything back and ends) and mounts
    /// again: a server with an empty cache, the nearest thing to dropping
    /// caches. Nothing for a tmpfs.
    fn remount(&self) -> Result<(), String> {
        if self.kind == Kind::Tmpfs {
            return Ok(());
        }
        execute("/bin/umount", &[POINT], false)?;
        self.mount()
    }
}

fn millis(start: Instant) -> u64 {
    start.elapsed().as_micros() as u64 / 1000
}

/// `count` items over the time since `start`, per second.
fn per_second(count: usize, start: Instant) -> u64 {
    count as u64 * 1_000_000 / (start.elapsed().as_micros() as u64).max(1)
}

fn sequential_write(path: &str) -> Result<u64, String> {
    let file = OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| format!("{path}: {e}"))?;
    let chunk = vec![0x5au8; CHUNK];
    let start = Instant::now();
    let mut offset = 0;
    while offset < BIG {
        match file.write_at(&chunk, offset as u64) {
            Ok(0) | Err(_) => return Err(format!("write of {path} at {offset}")),
            Ok(n) => offset += n,
        }
    }
    file.sync_all().map_err(|e| format!("fsync {path}: {e}"))?;
    Ok((BIG as u64 >> 20) * 1_000_000 / (start.elapsed().as_micros() as u64).max(1))
}

fn sequential_read(path: &str) -> Result<u64, String> {
    let file = OpenOptions::new().read(true).open(path).map_err(|e| format!("{path}: {e}"))?;
    let mut chunk = vec![0u8; CHUNK];
    let start = Instant::now();
    let mut offset = 0;
    while offset < BIG {
        match file.read_at(&mut chunk, offset as u64) {
            Ok(0) | Err(_) => return Err(format!("read of {path} at {offset}")),
            Ok(n) => offset += n,
        }
    }
    Ok((BIG as u64 >> 20) * 1_000_000 / (start.elapsed().as_micros() as u64).max(1))
}

/// Creates `count` empty files `fNNNNN` in `dir`.
fn create_files(dir: &str, count: usize) -> Result<(), String> {
    for i in 0..count {
        let path = format!("{dir}/f{i:05}");
        OpenOptions::new().write(true).create_new(true).open(&path).map_err(|e| format!("create {path}: {e}"))?;
    }
    Ok(())
}

fn delete_files(dir: &str, count: usize) -> Result<(), String> {
    for i in 0..count {
        let path = format!("{dir}/f{i:05}");
        fs::remove_file(&path).map_err(|e| format!("unlink {path}: {e}"))?;
    }
    Ok(())
}

/// The text of tree file `index`: numbered lines, the needle in every
/// tenth file.
fn tree_file(index: usize) -> Vec<u8> {
    let mut text = String::new();
    let mut line = 0;
    while text.len() < TREE_FILE_BYTES {
        let word = if index.is_multiple_of(10) && line == 7 { NEEDLE } else { "lorem ipsum dolor sit amet" };
        text.push_str(&format!("file {index:04} line {line:03}: {word} consectetur adipiscing elit\n"));
        line += 1;
    }
    text.truncate(TREE_FILE_BYTES - 1);
    text.push('\n');
    text.into_bytes()
}

fn make_tree(root: &str) -> Result<(), String> {
    fs::create_dir(root, 0o755).map_err(|e| format!("mkdir {root}: {e}"))?;
    for d in 0..TREE_DIRS {
        let dir = format!("{root}/d{d:02}");
        fs::create_dir(&dir, 0o755).map_err(|e| format!("mkdir {dir}: {e}"))?;
        for f in 0..TREE_FILES {
            let path = format!("{dir}/f{f:03}.txt");
            fs::write(&path, &tree_file(d * TREE_FILES + f)).map_err(|e| format!("write {path}: {e}"))?;
        }
    }
    Ok(())
}

fn run(mount: &Mount) -> Result<(), String> {
    let disk = &mount.disk;
    Command::new("/bin/nvme").spawn().map_err(|e| format!("/bin/nvme: {e}"))?;
    let start = Instant::now();
    while fs::metadata(disk).is_err() {
        if start.elapsed() > Duration::from_secs(60) {
            return Err(format!("{disk} did not appear"));
        }
        thread::sleep(Duration::from_millis(20));
    }
    mount.mount()?;

    let big = format!("{POINT}/big");
    println!("BENCH fs_seq_write {} MiB/s", sequential_write(&big)?);
    mount.remount()?;
    println!("BENCH fs_seq_read {} MiB/s", sequential_read(&big)?);

    let small = format!("{POINT}/small");
    fs::create_dir(&small, 0o755).map_err(|e| format!("mkdir {small}: {e}"))?;
    let start = Instant::now();
    create_files(&small, SMALL_FILES)?;
    println!("BENCH fs_create {} files/s", per_second(SMALL_FILES, start));
    let start = Instant::now();
    delete_files(&small, SMALL_FILES)?;
    println!("BENCH fs_delete {} files/s", per_second(SMALL_FILES, start));

    let listed = format!("{POINT}/list");
    fs::create_dir(&listed, 0o755).map_err(|e| format!("mkdir {listed}: {e}"))?;
    create_files(&listed, LISTED)?;
    let start = Instant::now();
    execute("/bin/ls", &["-l", &listed], true)?;
    println!("BENCH fs_ls_l_5000 {} ms", millis(start));

    let tree = format!("{POINT}/tree");
    make_tree(&tree)?;
    mount.remount()?;
    for name in ["fs_grep_cold", "fs_grep_warm"] {
        let start = Instant::now();
        execute("/bin/grep", &["-r", NEEDLE, &tree], true)?;
        println!("BENCH {name} {} ms", millis(start));
    }
    execute("/bin/umount", &[POINT], false)
}
