//! `harness crash`: the ext3 crash test. Each round boots Cairn twice on
//! one NVMe disk image (`mke2fs -t ext3` once, before the first round):
//!
//! 1. utest `ext3_crash_workload` mounts the disk with ext2fs and writes,
//!    renames, removes and `fsync`s files; a seeded random time after it
//!    says `crash-workload: writing`, QEMU is killed (SIGKILL, as a power
//!    cut: what reached the image file stays, nothing else);
//! 2. utest `ext3_crash_verify` mounts it again — ext2fs replays the
//!    journal — checks every file holds a prefix of its pattern, and
//!    unmounts cleanly;
//!
//! then, on the host, `e2fsck -fn` must find the file system clean and
//! `debugfs` must read back, whole and right, every file the workload
//! announced as `crash-fsynced` before the cut (the guest's pattern,
//! [`diskcheck::pattern`], with its seed and length rules mirrored here).
//! Prints `ok`/`FAIL` per round and `N passed, N failed`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::cli::CrashArgs;
use crate::diskcheck::pattern;
use crate::ext2check::{checked, debugfs, run as run_command};
use crate::qemu::{self, Display, Firmware, Machine};
use crate::{hosttools, iso, protocol};

/// The image, under the build directory.
const IMAGE: &str = "crash-disk.img";
const IMAGE_SIZE: &str = "48M";
/// The QEMU kill comes this long after the workload starts writing, at
/// least and at most (chosen per round from the seed).
const KILL_AFTER: std::ops::Range<u64> = 300..2500;
/// Time limit of each boot.
const BOOT_LIMIT: Duration = Duration::from_secs(120);

/// The length of file `index` of a round (utest's `crash::file_len`).
fn file_len(index: u32) -> usize {
    [1000, 4096, 20_000, 70_000, 150_000][index as usize % 5]
}

/// The pattern seed of file `index` of round `round` (utest's `crash::file_seed`).
fn file_seed(round: u32, index: u32) -> u8 {
    round.wrapping_mul(31).wrapping_add(index) as u8
}

/// xorshift64*: the rounds' kill times, reproducible from `--seed`.
struct Rng(u64);

impl Rng {
    fn below(&mut self, range: &std::ops::Range<u64>) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        range.start + self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % (range.end - range.start)
    }
}

/// What one round found wrong, if anything, and what it did.
fn round(image: &Path, isos: &(PathBuf, PathBuf), kill_after: Duration) -> Result<String, String> {
    let machine_args = |iso: &Path| {
        let drive = format!("file={},if=none,id=nvm,format=raw,cache=writethrough", image.display());
        let devices = ["-drive", drive.as_str(), "-device", "nvme,drive=nvm,serial=cairn-crash"];
        let machine =
            Machine { model: "q35", firmware: Firmware::Bios, smp: 2, mem: "512M", vga_none: false, devices: &devices };
        qemu::args(&machine, iso, Display::Headless, hosttools::kvm_requested())
    };
    // The workload, cut off.
    let mut writing_since: Option<Instant> = None;
    let cut = |line: &str| {
        if line.starts_with("crash-workload: writing") {
            writing_since = Some(Instant::now());
        }
        writing_since.is_some_and(|since| since.elapsed() >= kill_after)
    };
    let workload = qemu::boot(&machine_args(&isos.0)?, BOOT_LIMIT, cut, &[])?;
    let text: Vec<&str> = workload.lines.iter().map(|line| line.text.as_str()).collect();
    if !text.iter().any(|line| line.starts_with("crash-workload: writing")) {
        return Err(format!("the workload never started writing: {}", tail(&text)));
    }
    if text.iter().any(|line| line.contains("ext3_crash_workload ... FAILED")) {
        return Err(format!("the workload failed before the cut: {}", tail(&text)));
    }
    let fsynced: Vec<String> =
        text.iter().filter_map(|line| line.strip_prefix("crash-fsynced ")).map(String::from).collect();
    // The replay and check.
    let verify = qemu::boot(&machine_args(&isos.1)?, BOOT_LIMIT, protocol::is_selftest_done, &[])?;
    let text: Vec<&str> = verify.lines.iter().map(|line| line.text.as_str()).collect();
    if !text.iter().any(|line| line.contains("TEST user::ext3_crash_verify ... ok")) {
        return Err(format!("the replay boot's check failed: {}", tail(&text)));
    }
    let fsck = run_command(Command::new("/usr/sbin/e2fsck").arg("-fn").arg(image))?;
    if !fsck.status.success() {
        return Err(format!("e2fsck -fn: {}: {}", fsck.status, String::from_utf8_lossy(&fsck.stdout)));
    }
    for name in &fsynced {
        let (round, index) = name
            .strip_prefix('r')
            .and_then(|rest| rest.split_once("/f"))
            .and_then(|(round, index)| Some((round.parse::<u32>().ok()?, index.parse::<u32>().ok()?)))
            .ok_or_else(|| format!("bad announcement {name:?}"))?;
        let data = debugfs(image, &format!("cat /{name}"))?;
        let seed = file_seed(round, index);
        if data.len() != file_len(index) || (0..data.len()).any(|at| data[at] != pattern(seed, at as u64)) {
            return Err(format!("/{name}, fsynced before the cut, reads back {} wrong bytes", data.len()));
        }
    }
    Ok(format!("cut {} ms into the writes, {} fsynced files whole", kill_after.as_millis(), fsynced.len()))
}

/// The last serial lines, for a failure message.
fn tail(lines: &[&str]) -> String {
    lines[lines.len().saturating_sub(8)..].join(" | ")
}

/// Runs the rounds; `Ok(true)` iff every round passed.
pub fn run(args: &CrashArgs) -> Result<bool, String> {
    hosttools::require(&[&[hosttools::QEMU], hosttools::ISO_TOOLS].concat())?;
    let image = args.build_dir.join(IMAGE);
    let _ = fs::remove_file(&image);
    checked(Command::new("/usr/sbin/mke2fs").args(["-q", "-F", "-t", "ext3"]).arg(&image).arg(IMAGE_SIZE))?;
    let iso_dir = args.build_dir.join("test-iso");
    let (workload, verify) = (iso_dir.join("crash-workload.iso"), iso_dir.join("crash-verify.iso"));
    iso::build(&args.kernel, &workload, b"test=user init=/bin/utest,ext3_crash_workload", &args.modules)?;
    iso::build(&args.kernel, &verify, b"test=user init=/bin/utest,ext3_crash_verify", &args.modules)?;
    let isos = (workload, verify);
    let mut rng = Rng(args.seed | 1);
    let (mut passed, mut failed) = (0usize, 0usize);
    for number in 1..=args.rounds {
        let kill_after = Duration::from_millis(rng.below(&KILL_AFTER));
        match round(&image, &isos, kill_after) {
            Ok(what) => {
                passed += 1;
                println!("ok   crash/round-{number}: {what}");
            }
            Err(why) => {
                failed += 1;
                println!("FAIL crash/round-{number}: {why}");
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(failed == 0)
}
