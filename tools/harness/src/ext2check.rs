//! The ext2 server test's host side (suite `ext2-disk`). Before the boot,
//! real e2fsprogs make the disk: `mke2fs -t ext3 -d` fills an ext3 image
//! with the files utest's `ext2_*` tests read (a text file, a 1 MiB
//! pattern file, a symbolic link, a FIFO, a character device), and a small
//! second image is damaged (an absurd block size) for the refusal test.
//! After QEMU ends, `e2fsck -fn` must pass on the image and `debugfs` must
//! find every file the guest wrote with the right bytes, modes, links and
//! targets, none of those it removed, and the directory it grew indexed
//! with every name in its htree. A third, small image is filled
//! by the guest and left mounted when the machine goes off: on a copy,
//! `e2fsck -fy` replays its journal, then `e2fsck -fn` must pass and the
//! file the guest `fsync`ed, and those the periodic commit wrote, must be
//! whole. A fourth image holds a directory whose `..` entry runs past its
//! block (`debugfs zap_block`): the guest meets it while mounted, and
//! after the run `dumpe2fs` must show the error state the server wrote,
//! the file the guest `fsync`ed before must be whole and the one it tried
//! after must be absent. For suite `nvme-hotplug`, an empty ext3 image
//! is made, and after the guest wrote on it until its controller was
//! removed, its journal must replay clean with every file the guest
//! `fsync`ed whole. The names and the patterns are
//! those of `userspace/utest/src/ext2.rs` and must agree with it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::diskcheck::pattern;

/// Bytes in the main image.
const IMAGE_SIZE: &str = "64M";
/// Pattern seeds: the host's files and the guest's.
const HOST: u8 = b'H';
const GUEST: u8 = b'G';
/// The host's pattern file and the guest's large file, in bytes.
const HOST_FILE: usize = 1 << 20;
const BIG_FILE: usize = 6 << 20;
/// Where the guest's sparse file ends in a 3-byte tail.
const SPARSE_AT: usize = 40 << 20;

pub(crate) fn run(command: &mut Command) -> Result<std::process::Output, String> {
    command.output().map_err(|e| format!("running {command:?}: {e}"))
}

pub(crate) fn checked(command: &mut Command) -> Result<Vec<u8>, String> {
    let out = run(command)?;
    if !out.status.success() {
        return Err(format!("{command:?} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr)));
    }
    Ok(out.stdout)
}

/// The damaged image beside `path`.
pub fn bad_image(path: &Path) -> PathBuf {
    path.with_extension("bad.img")
}

/// The small image beside `path` that the guest fills and leaves mounted
/// when the machine goes off.
pub fn crash_image(path: &Path) -> PathBuf {
    path.with_extension("crash.img")
}

/// The image beside `path` whose damage the guest finds while mounted.
pub fn broken_image(path: &Path) -> PathBuf {
    path.with_extension("broken.img")
}

/// What the guest writes and `fsync`s on the broken image before it meets
/// the damage (as `userspace/utest/src/ext2.rs` has it).
const BEFORE_DAMAGE: &[u8] = b"committed before the damage\n";

/// The file the guest `fsync`ed on the crash image before the power cut.
const KEPT_FILE: usize = 512 << 10;

/// Makes the ext3 image at `path` holding the host's files, and the
/// damaged one beside it.
pub fn prepare(path: &Path) -> Result<(), String> {
    let tree = path.with_extension("tree");
    let _ = fs::remove_dir_all(&tree);
    fs::create_dir_all(tree.join("data")).map_err(|e| format!("creating {}: {e}", tree.display()))?;
    let write = |name: &str, data: &[u8]| fs::write(tree.join(name), data).map_err(|e| format!("{name}: {e}"));
    write("hello.txt", b"hello from the host\n")?;
    write("data/host.bin", &(0..HOST_FILE as u64).map(|i| pattern(HOST, i)).collect::<Vec<u8>>())?;
    std::os::unix::fs::symlink("../hello.txt", tree.join("data/link")).map_err(|e| format!("symlink: {e}"))?;
    checked(Command::new("mkfifo").arg(tree.join("fifo")))?;
    checked(Command::new("mknod").arg(tree.join("null")).args(["c", "1", "3"]))?;
    let _ = fs::remove_file(path);
    checked(
        Command::new("/usr/sbin/mke2fs")
            .args(["-q", "-F", "-t", "ext3", "-b", "4096", "-d"])
            .arg(&tree)
            .arg(path)
            .arg(IMAGE_SIZE),
    )?;
    fs::remove_dir_all(&tree).map_err(|e| format!("removing {}: {e}", tree.display()))?;
    let crash = crash_image(path);
    let _ = fs::remove_file(&crash);
    checked(Command::new("/usr/sbin/mke2fs").args(["-q", "-F", "-t", "ext3"]).arg(&crash).arg("8M"))?;
    let broken = broken_image(path);
    let _ = fs::remove_file(&broken);
    checked(Command::new("/usr/sbin/mke2fs").args(["-q", "-F", "-t", "ext3", "-b", "1024"]).arg(&broken).arg("4M"))?;
    // `..` of /broken (bytes 12..24 of its block) gets a length of 0xffff.
    for request in ["mkdir broken", "zap_block -f /broken -o 16 -l 2 -p 255 0"] {
        checked(Command::new("/usr/sbin/debugfs").arg("-w").arg("-R").arg(request).arg(&broken))?;
    }
    let bad = bad_image(path);
    let _ = fs::remove_file(&bad);
    checked(Command::new("/usr/sbin/mke2fs").args(["-q", "-F", "-t", "ext3"]).arg(&bad).arg("4M"))?;
    let mut image = fs::read(&bad).map_err(|e| format!("reading {}: {e}", bad.display()))?;
    // s_log_block_size: 2^(10 + 30) bytes per block.
    image[1024 + 24..1024 + 28].copy_from_slice(&30u32.to_le_bytes());
    fs::write(&bad, image).map_err(|e| format!("writing {}: {e}", bad.display()))
}

/// `debugfs -R REQUEST image`'s output.
pub(crate) fn debugfs(path: &Path, request: &str) -> Result<Vec<u8>, String> {
    checked(Command::new("/usr/sbin/debugfs").arg("-R").arg(request).arg(path))
}

fn debugfs_text(path: &Path, request: &str) -> Result<String, String> {
    debugfs(path, request).map(|out| String::from_utf8_lossy(&out).into_owned())
}

/// Checks the image after the guest's run.
pub fn verify(path: &Path) -> Result<(), String> {
    let fsck = run(Command::new("/usr/sbin/e2fsck").arg("-fn").arg(path))?;
    if !fsck.status.success() {
        return Err(format!("e2fsck -fn: {}: {}", fsck.status, String::from_utf8_lossy(&fsck.stdout)));
    }
    let mut problems = Vec::new();
    let big = debugfs(path, "cat /cairn/big.bin")?;
    if big.len() != BIG_FILE {
        problems.push(format!("/cairn/big.bin has {} bytes, not {BIG_FILE}", big.len()));
    } else if let Some(at) = (0..BIG_FILE).find(|&i| big[i] != pattern(GUEST, i as u64)) {
        problems.push(format!("/cairn/big.bin differs from the guest pattern at byte {at}"));
    }
    let sparse = debugfs(path, "cat /cairn/sparse.bin")?;
    if sparse.len() != SPARSE_AT + 3 || &sparse[SPARSE_AT..] != b"end" || sparse[..SPARSE_AT].iter().any(|b| *b != 0) {
        problems.push(format!("/cairn/sparse.bin is wrong ({} bytes)", sparse.len()));
    }
    let renamed = debugfs(path, "cat /cairn/renamed.txt")?;
    if renamed != b"written on Cairn\nand appended\n" {
        problems.push(format!("/cairn/renamed.txt holds {:?}", String::from_utf8_lossy(&renamed)));
    }
    let wanted: [(&str, &[&str]); 4] = [
        ("stat /cairn/renamed.txt", &["Mode:  0640", "Links: 2"]),
        ("stat /cairn/sym", &["Type: symlink", "Fast link dest: \"renamed.txt\""]),
        ("stat /cairn/sub", &["Type: directory", "Mode:  0750"]),
        ("stat /cairn/hard.txt", &["Links: 2"]),
    ];
    for (request, needles) in wanted {
        let text = debugfs_text(path, request)?;
        for needle in needles {
            if !text.contains(needle) {
                problems.push(format!("`debugfs -R '{request}'` lacks {needle:?}"));
            }
        }
    }
    if let Err(e) = verify_htree(path) {
        problems.push(e);
    }
    for gone in ["/cairn/gone.txt", "/cairn/removed-dir", "/cairn/small.txt"] {
        let out = run(Command::new("/usr/sbin/debugfs").arg("-R").arg(format!("stat {gone}")).arg(path))?;
        if !String::from_utf8_lossy(&out.stderr).contains("File not found") {
            problems.push(format!("{gone} still exists"));
        }
    }
    if let Err(e) = verify_crash(&crash_image(path)) {
        problems.push(e);
    }
    if let Err(e) = verify_broken(&broken_image(path)) {
        problems.push(e);
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}

/// Names the guest created in `/many` (as `userspace/utest/src/ext2.rs`
/// has them).
const MANY_NAMES: usize = 600;

/// `/many`, grown by the guest past one block, is hash-indexed (flag
/// `0x1000`) and `debugfs htree` finds every name in its leaves (`e2fsck
/// -fn` has checked the tree's hashes and order already).
fn verify_htree(path: &Path) -> Result<(), String> {
    if !debugfs_text(path, "stat /many")?.contains("Flags: 0x1000") {
        return Err(String::from("/many is not hash-indexed"));
    }
    let tree = debugfs_text(path, "htree /many")?;
    let missing: Vec<String> = (0..MANY_NAMES)
        .map(|i| format!("file-with-a-longish-name-{i:04}"))
        .filter(|name| !tree.contains(&format!(") {name} ")))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("debugfs htree /many lacks {} names, e.g. {}", missing.len(), missing[0]))
    }
}

/// A copy of `path` as Linux would find it at the next boot after
/// `event`: `e2fsck -fy` replays the journal (and must find nothing worse
/// to fix than what a replay and an unfinished write leave), then
/// `e2fsck -fn` must pass. Returns the copy's path.
fn replayed_copy(path: &Path, event: &str) -> Result<std::path::PathBuf, String> {
    let copy = path.with_extension("replayed.img");
    fs::copy(path, &copy).map_err(|e| format!("copying {}: {e}", path.display()))?;
    let replay = run(Command::new("/usr/sbin/e2fsck").arg("-fy").arg(&copy))?;
    if replay.status.code().is_none_or(|code| code >= 4) {
        return Err(format!(
            "e2fsck -fy after {event}: {}: {}",
            replay.status,
            String::from_utf8_lossy(&replay.stdout)
        ));
    }
    let fsck = run(Command::new("/usr/sbin/e2fsck").arg("-fn").arg(&copy))?;
    if !fsck.status.success() {
        return Err(format!("e2fsck -fn after the replay: {}: {}", fsck.status, String::from_utf8_lossy(&fsck.stdout)));
    }
    Ok(copy)
}

/// The crash image, as Linux would find it at the next boot
/// ([`replayed_copy`]): the `fsync`ed file and what the periodic commit
/// wrote must be whole.
fn verify_crash(path: &Path) -> Result<(), String> {
    let copy = replayed_copy(path, "the power cut")?;
    let mut problems = Vec::new();
    for (file, len) in [("/kept.bin", KEPT_FILE), ("/committed.bin", KEPT_FILE / 2)] {
        let got = debugfs(&copy, &format!("cat {file}"))?;
        if got.len() != len || (0..len).any(|i| got[i] != pattern(GUEST, i as u64)) {
            problems.push(format!("after the power cut {file} is not whole ({} bytes)", got.len()));
        }
    }
    if !debugfs_text(&copy, "stat /committed-dir")?.contains("Type: directory") {
        problems.push(String::from("after the power cut /committed-dir is missing"));
    }
    let _ = fs::remove_file(&copy);
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}

/// The broken image after the guest met its damage: the superblock in the
/// error state (so the next `e2fsck` checks it in full), the file
/// `fsync`ed before whole, nothing written after.
fn verify_broken(path: &Path) -> Result<(), String> {
    let header =
        String::from_utf8_lossy(&checked(Command::new("/usr/sbin/dumpe2fs").arg("-h").arg(path))?).into_owned();
    let state = header.lines().find(|l| l.starts_with("Filesystem state:")).unwrap_or("no state line");
    let mut problems = Vec::new();
    if !state.contains("with errors") {
        problems.push(format!("the broken image's superblock is not in the error state: {state:?}"));
    }
    let before = debugfs(path, "cat /before.txt")?;
    if before != BEFORE_DAMAGE {
        problems.push(format!("/before.txt on the broken image holds {:?}", String::from_utf8_lossy(&before)));
    }
    let after = run(Command::new("/usr/sbin/debugfs").arg("-R").arg("stat /after.txt").arg(path))?;
    if !String::from_utf8_lossy(&after.stderr).contains("File not found") {
        problems.push(String::from("/after.txt was written on the broken image after the damage"));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}

/// What the guest of the `nvme-hotplug` suite writes on the image before
/// its controller vanishes: files `/w0.bin`, `/w1.bin`, … of this many
/// bytes of the guest pattern, each `fsync`ed, and the line saying how
/// many `fsync`s returned (as `userspace/utest/src/ext2.rs` has them).
const VANISH_FILE: usize = 32 << 10;
const VANISH_LINE: &str = "nvme-hotplug: ext2 files fsynced before the removal: ";

/// Makes the empty ext3 image the `nvme-hotplug` suite removes from under
/// ext2fs.
pub fn prepare_vanishing(path: &Path) -> Result<(), String> {
    let _ = fs::remove_file(path);
    checked(Command::new("/usr/sbin/mke2fs").args(["-q", "-F", "-t", "ext3", "-b", "4096"]).arg(path).arg("64M"))
        .map(drop)
}

/// The image as its controller's removal left it, as Linux would find it
/// at the next boot: on a copy, `e2fsck -fy` replays the journal, then
/// `e2fsck -fn` must pass and every file whose `fsync` had returned (the
/// guest's count) must be whole.
pub fn verify_vanished(path: &Path, lines: &[&str]) -> Result<(), String> {
    let count = lines
        .iter()
        .find_map(|l| l.split_once(VANISH_LINE).and_then(|(_, n)| n.trim().parse::<usize>().ok()))
        .ok_or("the guest did not say how many files it fsynced")?;
    let copy = replayed_copy(path, "the removal")?;
    let mut problems = Vec::new();
    for n in 0..count {
        let got = debugfs(&copy, &format!("cat /w{n}.bin"))?;
        if got.len() != VANISH_FILE || (0..VANISH_FILE).any(|i| got[i] != pattern(GUEST, i as u64)) {
            problems.push(format!("/w{n}.bin is not whole after the removal ({} bytes)", got.len()));
        }
    }
    let _ = fs::remove_file(&copy);
    if count == 0 {
        problems.push(String::from("no file was fsynced before the removal"));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}
