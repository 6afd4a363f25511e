//! The two boots of the ext3 crash test (`harness crash`, TESTING.md).
//! `crash_workload_ext3` mounts the NVMe disk with ext2fs and writes
//! files until QEMU is killed under it: round K (counted in the file
//! `round`) writes `rK/fI`, each the pattern of seed [`file_seed`] over
//! [`file_len`] bytes; every third is `fsync`ed and announced as
//! `crash-fsynced rK/fI` once `fsync` returned; others are renamed
//! (`gI`) or removed, so the journal carries directory changes too; the
//! earlier rounds' files, checked already, are removed first.
//! `crash_verify_ext3`, the next boot, mounts the disk again — ext2fs
//! replays the journal — checks that every file holds a prefix of its
//! pattern, and unmounts cleanly; the harness then runs `e2fsck -fn` and
//! reads every announced file back with `debugfs`.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`] and [`crate::nvme`].

use cairn_rt::fs::{self, File};
use cairn_rt::io::{Read, Write};
use cairn_rt::process::{Child, Command};
use cairn_rt::signal::{self, SIGTERM};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, Vec, format, println, thread};

use crate::nvme::{driver, pattern};
use crate::util::{TestResult, ensure, expect_exit, ok};

const DISK: &str = "/dev/nvme0n1";
const SCHEME: &str = "crash";
const ROOT: &str = "/scheme/crash";
/// Files a round writes at most (QEMU is killed long before).
const MAX_FILES: u32 = 5000;

/// The length of file `index` of a round (the harness's twin agrees).
pub fn file_len(index: u32) -> usize {
    [1000, 4096, 20_000, 70_000, 150_000][index as usize % 5]
}

/// The pattern seed of file `index` of round `round`.
pub fn file_seed(round: u32, index: u32) -> u8 {
    round.wrapping_mul(31).wrapping_add(index) as u8
}

/// Starts the NVMe driver and ext2fs on its disk; waits until it serves.
fn serve() -> Result<Child, String> {
    driver()?;
    let mut server = ok("spawn ext2fs", Command::new("/bin/ext2fs").args([DISK, SCHEME]).spawn())?;
    let start = Instant::now();
    while fs::metadata(ROOT).is_err() {
        if let Ok(Some(status)) = server.try_wait() {
            return Err(format!("ext2fs ended: {status}"));
        }
        ensure!(start.elapsed() < Duration::from_secs(60), "ext2fs did not serve {ROOT} within 60 s");
        thread::sleep(Duration::from_millis(10));
    }
    Ok(server)
}

pub fn workload() -> TestResult {
    let _server = serve()?;
    let counter = format!("{ROOT}/round");
    let round: u32 = fs::read_to_string(&counter).ok().and_then(|text| text.trim().parse().ok()).unwrap_or(0);
    let mut file = ok("write the round counter", File::create(&counter))?;
    ok("write", file.write_all(format!("{}\n", round + 1).as_bytes()))?;
    ok("fsync the counter", file.sync_all())?;
    // The earlier rounds' files were checked after their replay: remove
    // them (more directory changes for the journal, and room on the disk).
    for earlier in 0..round {
        let directory = format!("{ROOT}/r{earlier}");
        if let Ok(entries) = fs::read_dir(&directory) {
            for (name, _) in entries {
                ok("remove an earlier round's file", fs::remove_file(&format!("{directory}/{name}")))?;
            }
            ok("remove an earlier round's directory", fs::remove_dir(&directory))?;
        }
    }
    ok("mkdir the round's directory", fs::create_dir(&format!("{ROOT}/r{round}"), 0o755))?;
    println!("crash-workload: writing round {round}");
    for index in 0..MAX_FILES {
        let path = format!("{ROOT}/r{round}/f{index}");
        let seed = file_seed(round, index);
        let data: Vec<u8> = (0..file_len(index) as u64).map(|offset| pattern(seed, offset)).collect();
        let mut file = ok("create", File::create(&path))?;
        ok("write", file.write_all(&data))?;
        if index % 3 == 0 {
            ok("fsync", file.sync_all())?;
            println!("crash-fsynced r{round}/f{index}");
            continue;
        }
        drop(file);
        if index % 7 == 2 {
            ok("rename", fs::rename(&path, &format!("{ROOT}/r{round}/g{index}")))?;
        } else if index % 5 == 4 {
            ok("remove", fs::remove_file(&path))?;
        }
    }
    Err(String::from("the workload ran to its end: QEMU was not killed under it"))
}

pub fn verify() -> TestResult {
    let server = serve()?;
    let mut checked = 0usize;
    for (directory, _) in ok("list the root", fs::read_dir(ROOT))? {
        let Some(round) = directory.strip_prefix('r').and_then(|n| n.parse::<u32>().ok()) else { continue };
        for (name, _) in ok("list a round", fs::read_dir(&format!("{ROOT}/{directory}")))? {
            let index: u32 = name[1..].parse().map_err(|_| format!("unexpected file {directory}/{name}"))?;
            let mut contents = Vec::new();
            let path = format!("{ROOT}/{directory}/{name}");
            ok("read", File::open(&path).and_then(|mut file| file.read_to_end(&mut contents)))?;
            let seed = file_seed(round, index);
            ensure!(contents.len() <= file_len(index), "{path}: {} bytes, more than written", contents.len());
            let wrong = (0..contents.len()).find(|&at| contents[at] != pattern(seed, at as u64));
            ensure!(wrong.is_none(), "{path}: wrong byte at {wrong:?} of {}", contents.len());
            checked += 1;
        }
    }
    println!("crash-verify: {checked} files hold their pattern");
    ok("SIGTERM ext2fs", signal::kill(server.id(), SIGTERM))?;
    expect_exit(server.id(), 0)?;
    Ok(())
}
