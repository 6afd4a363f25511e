//! The journal: replaying transactions written by e2fsprogs (`debugfs`
//! `jo`/`jw`/`jc`, with and without checksums, revoke records and escaped
//! blocks), and crashes at every point of a workload: after each, the
//! crate's replay and Linux's (`e2fsck -fy`) both give a clean file system
//! in which every file whose `fsync` returned is intact.

use std::format;
use std::path::Path;
use std::string::String;
use std::vec::Vec;

use super::util::*;
use crate::{Ext2, MemDevice, MountOptions, ROOT};

/// The device block holding logical block `n` of `path`.
fn block_of(img: &Path, path: &str, n: u32) -> u64 {
    request(img, &format!("bmap {path} {n}")).trim().parse().unwrap()
}

/// An image whose journal holds transactions written by `debugfs`: the
/// first logs new content for both blocks of file `h` (the first block
/// starting with the journal's magic number, so it is escaped), the second
/// revokes the second block. `damage` flips a byte of the first logged
/// copy. Returns the image and `h`'s content before replay.
fn journal_image(s: &Scratch, bs: u32, checksums: bool, damage: bool) -> (std::path::PathBuf, Vec<u8>) {
    let img = mkfs(s, "ext3", bs, "16M", &[]);
    let bsz = bs as usize;
    let old = pattern(1, 2 * bsz);
    std::fs::write(s.path("old"), &old).unwrap();
    debugfs(&img, true, &[&format!("write {} h", s.path("old").display())]);
    let (b0, b1) = (block_of(&img, "h", 0), block_of(&img, "h", 1));
    let mut new = pattern(2, 2 * bsz);
    new[..4].copy_from_slice(&[0xc0, 0x3b, 0x39, 0x98]);
    std::fs::write(s.path("new"), &new).unwrap();
    let open = if checksums { "jo -c" } else { "jo" };
    debugfs(&img, true, &[open, &format!("jw -b {b0},{b1} {}", s.path("new").display()), &format!("jw -r {b1}"), "jc"]);
    assert!(request(&img, "logdump").contains("revoke"), "debugfs wrote a journal");
    assert_eq!(cat(&img, "/h"), old, "not replayed yet");
    if damage {
        // Journal block 2 is the first logged copy (after the journal
        // superblock and the descriptor).
        let jblk = block_of(&img, "<8>", 2);
        let mut bytes = std::fs::read(&img).unwrap();
        bytes[jblk as usize * bsz + 7] ^= 0xff;
        std::fs::write(&img, &bytes).unwrap();
    }
    (img, old)
}

/// Replays `img` with e2fsck (Linux's recovery code) and with the crate,
/// read-only (in memory, device untouched) and read-write; both must give
/// the same content for `h`, which is returned.
fn replay_like_linux(s: &Scratch, img: &Path) -> Vec<u8> {
    let linux = s.path("linux.img");
    std::fs::copy(img, &linux).unwrap();
    let out = std::process::Command::new("/usr/sbin/e2fsck").arg("-fy").arg(&linux).output().unwrap();
    assert!(out.status.code().unwrap() <= 1, "{}", String::from_utf8_lossy(&out.stdout));
    let expect = cat(&linux, "/h");

    let mut ro = Ext2::mount(load(img), MountOptions { read_only: true, now: NOW }).unwrap();
    let h = ro.lookup(ROOT, b"h").unwrap();
    let mut buf = std::vec![0; expect.len()];
    ro.read(h, 0, &mut buf).unwrap();
    assert!(buf == expect, "read-only replay differs from e2fsck's");
    assert!(ro.unmount(NOW).unwrap().bytes() == std::fs::read(img).unwrap().as_slice());

    let mut fs = mount(img);
    fs.read(h, 0, &mut buf).unwrap();
    assert!(buf == expect, "replay differs from e2fsck's");
    unmount_check(fs, img);
    assert!(cat(img, "/h") == expect);
    assert!(request(img, "logdump").contains("Journal starts at block 0"), "journal emptied");
    expect
}

#[test]
fn replays_debugfs_transactions_with_revoke_and_escape() {
    for bs in [1024, 4096] {
        let s = Scratch::new();
        let (img, old) = journal_image(&s, bs, false, false);
        let got = replay_like_linux(&s, &img);
        let bsz = bs as usize;
        // The first block replayed (and unescaped), the second revoked.
        assert!(got[4..bsz] == pattern(2, 2 * bsz)[4..bsz]);
        assert_eq!(&got[..4], &[0xc0, 0x3b, 0x39, 0x98]);
        assert!(got[bsz..] == old[bsz..]);
    }
}

#[test]
fn replays_debugfs_transactions_with_commit_checksums() {
    let s = Scratch::new();
    let (img, old) = journal_image(&s, 4096, true, false);
    let got = replay_like_linux(&s, &img);
    assert!(got[..4096] != old[..4096], "the checksummed transaction was replayed");
}

#[test]
fn damaged_transaction_is_not_replayed() {
    let s = Scratch::new();
    let (img, old) = journal_image(&s, 1024, true, true);
    let got = replay_like_linux(&s, &img);
    assert!(got == old, "a transaction failing its checksum is dropped");
}

/// What a workload left durable: a file and the device write count at
/// which its `fsync` returned.
struct Durable {
    name: String,
    data: Vec<u8>,
    writes: usize,
}

/// A write-heavy workload; ignores errors (after a cut the device no
/// longer tells the truth) and records each file once `fsync` returns.
fn workload(fs: &mut Ext2<CutDevice>, durable: &mut Vec<Durable>) {
    for i in 0..6u32 {
        let name = format!("f{i}");
        let data = pattern(i, 700 + 2900 * i as usize);
        let Ok(dir) = fs.mkdir(ROOT, format!("d{i}").as_bytes(), 0o755, ROOT_OWNER, NOW) else { continue };
        if let Ok(t) = fs.create(dir, b"tmp", 0o644, ROOT_OWNER, NOW) {
            let _ = fs.write(t, 0, &pattern(99, 20_000), NOW);
            let _ = fs.unlink(dir, b"tmp", NOW);
        }
        let Ok(f) = fs.create(ROOT, name.as_bytes(), 0o644, ROOT_OWNER, NOW) else { continue };
        let _ = fs.write(f, 0, &data, NOW);
        let _ = fs.symlink(dir, b"link", name.as_bytes(), ROOT_OWNER, NOW);
        if i > 0 {
            let _ = fs.rename(ROOT, format!("d{}", i - 1).as_bytes(), dir, b"prev", NOW);
        }
        if fs.fsync(f).is_ok() {
            durable.push(Durable { name, data, writes: fs.dev.writes });
        }
    }
}

fn crash_at(base: &[u8], cut: usize, s: &Scratch) -> Vec<Durable> {
    let dev = CutDevice { inner: MemDevice::new(base.to_vec()), allowed: cut, writes: 0 };
    let mut durable = Vec::new();
    if let Ok(mut fs) = Ext2::mount(dev, MountOptions::default()) {
        workload(&mut fs, &mut durable);
        let dev = fs.abandon();
        std::fs::write(s.path("crashed.img"), dev.inner.into_inner()).unwrap();
    } else {
        panic!("mount over a cut device failed");
    }
    durable.retain(|d| d.writes <= cut);
    durable
}

/// Cuts the workload short at `points` places spread over its writes on
/// image `base`; after each, Linux's replay and the crate's must both be
/// clean and keep every fsynced file.
fn crash_loop(base: &[u8], points: usize) {
    let s = Scratch::new();
    // Count the workload's writes.
    let total = {
        let dev = CutDevice { inner: MemDevice::new(base.to_vec()), allowed: usize::MAX, writes: 0 };
        let mut fs = Ext2::mount(dev, MountOptions::default()).unwrap();
        workload(&mut fs, &mut Vec::new());
        fs.dev.writes
    };
    assert!(total > 100, "{total} writes");
    let mut cuts: Vec<usize> = (0..total).step_by(total / points).collect();
    cuts.push(total);
    let mut replayed_some = 0;
    for cut in cuts {
        let durable = crash_at(base, cut, &s);
        let crashed = s.path("crashed.img");
        if request(&crashed, "logdump").contains("commit block") {
            replayed_some += 1;
        }
        // Linux replays our journal.
        let linux = s.path("linux.img");
        std::fs::copy(&crashed, &linux).unwrap();
        let out = std::process::Command::new("/usr/sbin/e2fsck").arg("-fy").arg(&linux).output().unwrap();
        assert!(out.status.code().unwrap() <= 1, "cut {cut}: {}", String::from_utf8_lossy(&out.stdout));
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("checksum"),
            "cut {cut}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        fsck(&linux);
        for d in &durable {
            assert!(cat(&linux, &format!("/{}", d.name)) == d.data, "cut {cut}: {}", d.name);
        }
        // So does the crate.
        let mut fs = mount(&crashed);
        for d in &durable {
            let ino = fs.lookup(ROOT, d.name.as_bytes()).unwrap();
            let mut buf = std::vec![0; d.data.len() + 1];
            assert_eq!(fs.read(ino, 0, &mut buf).unwrap(), d.data.len(), "cut {cut}");
            assert!(buf[..d.data.len()] == d.data, "cut {cut}: {}", d.name);
        }
        unmount_check(fs, &crashed);
    }
    assert!(replayed_some > 0, "some cut fell between a commit and its checkpoint");
}

#[test]
fn crash_anywhere_then_replay_is_clean() {
    let s = Scratch::new();
    let img = mkfs(&s, "ext3", 1024, "8M", &[]);
    crash_loop(&std::fs::read(&img).unwrap(), 30);
}

/// Turns on `csum_v3` (and optionally 64-bit tags) in the journal of
/// `img`, with the journal superblock's checksum.
fn journal_features(img: &Path, incompat: u32) -> Vec<u8> {
    let j = block_of(img, "<8>", 0) as usize * 4096;
    let mut b = std::fs::read(img).unwrap();
    let jsb = &mut b[j..j + 1024];
    let f = u32::from_be_bytes(jsb[0x28..0x2C].try_into().unwrap()) | incompat;
    jsb[0x28..0x2C].copy_from_slice(&f.to_be_bytes());
    jsb[0x50] = 4; // CRC-32C
    jsb[0xFC..0x100].fill(0);
    let sum = crate::crc32c::update(!0, jsb);
    jsb[0xFC..0x100].copy_from_slice(&sum.to_be_bytes());
    b
}

#[test]
fn crash_with_checksummed_64bit_journal() {
    let s = Scratch::new();
    let img = mkfs(&s, "ext3", 4096, "32M", &[]);
    // csum_v3 | 64bit: 16-byte tags with CRC-32C, descriptor tails.
    crash_loop(&journal_features(&img, 0x10 | 0x2), 12);
}

#[test]
fn ext4_journal_is_replayed_in_memory() {
    // ext4's journal has 64-bit tags; the file system mounts read-only, so
    // the replay stays in memory.
    let s = Scratch::new();
    let img = mkfs(&s, "ext4", 1024, "16M", &[]);
    std::fs::write(s.path("old"), pattern(1, 1024)).unwrap();
    debugfs(&img, true, &[&format!("write {} h", s.path("old").display())]);
    std::fs::write(s.path("new"), pattern(2, 1024)).unwrap();
    let b0 = block_of(&img, "h", 0);
    debugfs(&img, true, &["jo", &format!("jw -b {b0} {}", s.path("new").display()), "jc"]);
    let before = std::fs::read(&img).unwrap();
    let mut fs = mount(&img);
    assert!(fs.read_only().is_some());
    let h = fs.lookup(ROOT, b"h").unwrap();
    let mut buf = std::vec![0; 1024];
    fs.read(h, 0, &mut buf).unwrap();
    assert!(buf == pattern(2, 1024), "replayed in memory");
    assert!(fs.unmount(NOW).unwrap().bytes() == before.as_slice(), "nothing written");
}
