//! htree indexes kept on the disk: the name hashes against e2fsprogs'
//! `dx_hash`; directories of thousands of names created by the crate in
//! fresh images (1 and 4 KiB blocks, two index levels at 1 KiB) and a
//! directory Linux indexed (`e2fsck -fD`) grown by it, each checked by
//! `e2fsck -fn`, listed whole by `debugfs htree` and looked up through
//! the tree; damaged indexes (bad hash version, bad levels, count over
//! the limit, a loop) read linearly instead, noted, never a panic; a
//! full disk; and a fuzz run over a tree's index and leaf blocks.

use std::collections::{BTreeMap, BTreeSet};
use std::format;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::string::String;
use std::vec;
use std::vec::Vec;

use super::util::*;
use crate::htree::{DxHash, HashVersion};
use crate::{Corrupt, Ext2, InodeNo, MemDevice, ROOT};

/// Names of several lengths (1 to 200 bytes), some with bytes above 127.
fn name(i: usize) -> Vec<u8> {
    let mut n = format!("f{i}-").into_bytes();
    n.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, i * 7 % 60));
    if i.is_multiple_of(11) {
        n.extend_from_slice("é-ü".as_bytes());
    }
    if i.is_multiple_of(97) {
        n.extend(std::iter::repeat_n(b'z', 140));
    }
    n
}

/// The names `debugfs htree DIR` shows in the leaves with the hash it
/// gives each, and its output.
fn htree_hashes(img: &Path, dir: &str) -> (BTreeMap<Vec<u8>, u32>, String) {
    let out = Command::new("/usr/sbin/debugfs").arg("-R").arg(format!("htree {dir}")).arg(img).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut names = BTreeMap::new();
    // Leaf entries print as `INODE 0xHASH-MINOR (REC_LEN) NAME   `
    // (unused ones with inode 0).
    for line in out.stdout.split(|&c| c == b'\n') {
        let words: Vec<&[u8]> = line.split(|&c| c == b' ').filter(|w| !w.is_empty()).collect();
        for i in 2..words.len().saturating_sub(1) {
            let w = words[i];
            let rec = w.len() > 2 && w.starts_with(b"(") && w.ends_with(b")");
            if rec && w[1..w.len() - 1].iter().all(u8::is_ascii_digit) && words[i - 2] != b"0" {
                let hash = String::from_utf8_lossy(&words[i - 1][2..10]).into_owned();
                names.insert(words[i + 1].to_vec(), u32::from_str_radix(&hash, 16).unwrap());
            }
        }
    }
    names.remove(&b"."[..]);
    names.remove(&b".."[..]);
    (names, text)
}

/// The names `debugfs htree DIR` shows in the leaves, and its output.
fn htree_names(img: &Path, dir: &str) -> (BTreeSet<Vec<u8>>, String) {
    let (names, text) = htree_hashes(img, dir);
    (names.into_keys().collect(), text)
}

fn is_indexed(img: &Path, dir: &str) -> bool {
    request(img, &format!("stat {dir}")).contains("Flags: 0x1000")
}

/// Every name of `names` found in `dir` by `lookup` and in the leaves the
/// on-disk tree leads to, no damage met.
fn all_found(fs: &mut Ext2<MemDevice>, dir: InodeNo, names: &BTreeSet<Vec<u8>>) {
    let inode = fs.get(dir).unwrap();
    for n in names {
        assert!(fs.lookup(dir, n).is_ok(), "{}", String::from_utf8_lossy(n));
        let leaves = fs.dx_leaves(dir, &inode, n).unwrap().unwrap();
        let in_tree = leaves.iter().any(|&l| {
            let (_, block, entries) = fs.dx_leaf(dir, &inode, l).unwrap();
            entries.iter().any(|e| e.ino != 0 && e.name(&block) == &n[..])
        });
        assert!(in_tree, "the tree does not lead to {}", String::from_utf8_lossy(n));
    }
    assert_eq!(fs.lookup(dir, b"absent"), Err(crate::Error::NotFound));
    assert_eq!(fs.take_index_damage(), Vec::new());
}

#[test]
fn hashes_match_e2fsprogs() {
    let s = Scratch::new();
    let names: Vec<Vec<u8>> = (0..40).map(|i| name(i * 13)).chain([b"a".to_vec(), vec![0xff; 255]]).collect();
    let seeds = [("00000000-0000-0000-0000-000000000000", [0u32; 4]), ("67452301-efcd-ab89-98ba-dcfe10325476", [0; 4])];
    // (dx_hash has no unsigned variants: those are checked on images.)
    let algs = [
        ("legacy", HashVersion::Legacy, false),
        ("half_md4", HashVersion::HalfMd4, false),
        ("tea", HashVersion::Tea, false),
    ];
    let mut script = Vec::new();
    let mut expect = Vec::new();
    for (uuid, _) in seeds {
        let bytes: Vec<u8> =
            (0..16).map(|i| u8::from_str_radix(&uuid.replace('-', "")[2 * i..2 * i + 2], 16).unwrap()).collect();
        let seed = [0, 1, 2, 3].map(|i| u32::from_le_bytes(bytes[4 * i..4 * i + 4].try_into().unwrap()));
        for (alg, version, unsigned) in algs {
            for n in &names {
                script.extend_from_slice(format!("dx_hash -h {alg} -s {uuid} ").as_bytes());
                script.extend_from_slice(n);
                script.push(b'\n');
                expect.push(DxHash { version, unsigned, seed }.of(n));
            }
        }
    }
    let img = mkfs(&s, "ext2", 1024, "1M", &[]);
    let path = s.path("hash.cmds");
    std::fs::write(&path, &script).unwrap();
    let out = Command::new("/usr/sbin/debugfs").arg("-f").arg(&path).arg(&img).output().unwrap();
    let got: Vec<u32> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split(" is 0x").nth(1))
        .map(|h| u32::from_str_radix(h.split(' ').next().unwrap(), 16).unwrap())
        .collect();
    assert_eq!(got.len(), expect.len(), "{}", String::from_utf8_lossy(&out.stderr));
    for (i, (g, e)) in got.iter().zip(&expect).enumerate() {
        assert_eq!(g, e, "case {i}");
    }
}

/// Creates `count` names in a new directory `d` of a fresh image, checks
/// the image and returns it with the names.
fn fresh_directory(s: &Scratch, kind: &str, bs: u32, count: usize) -> (PathBuf, BTreeSet<Vec<u8>>) {
    let img = mkfs(s, kind, bs, "64M", &["-O", "dir_index"]);
    let mut fs = mount(&img);
    let d = fs.mkdir(ROOT, b"d", 0o755, ROOT_OWNER, NOW).unwrap();
    let names: BTreeSet<Vec<u8>> = (0..count).map(name).collect();
    for n in &names {
        fs.create(d, n, 0o644, ROOT_OWNER, NOW).unwrap();
    }
    all_found(&mut fs, d, &names);
    unmount_check(fs, &img);
    assert!(is_indexed(&img, "d"), "d keeps its index");
    let (listed, text) = htree_names(&img, "d");
    assert!(listed == names, "debugfs htree differs:\n{text}");
    (img, names)
}

fn created_names_stay_indexed(kind: &str, bs: u32, levels: &str) {
    let s = Scratch::new();
    let (img, mut names) = fresh_directory(&s, kind, bs, 5000);
    assert!(htree_names(&img, "d").1.contains(levels), "{levels}");
    // A fresh mount finds every name through the on-disk tree; removing
    // names leaves the leaves, adding more splits them further.
    let mut fs = mount(&img);
    let d = fs.lookup(ROOT, b"d").unwrap();
    all_found(&mut fs, d, &names);
    for i in (0..5000).step_by(3) {
        fs.unlink(d, &name(i), NOW).unwrap();
        names.remove(&name(i));
    }
    for i in 5000..6500 {
        fs.create(d, &name(i), 0o644, ROOT_OWNER, NOW).unwrap();
        names.insert(name(i));
    }
    fs.rename(d, &name(1), d, b"renamed", NOW).unwrap();
    names.remove(&name(1));
    names.insert(b"renamed".to_vec());
    all_found(&mut fs, d, &names);
    unmount_check(fs, &img);
    assert!(is_indexed(&img, "d"));
    let (listed, text) = htree_names(&img, "d");
    assert!(listed == names, "debugfs htree differs:\n{text}");
}

#[test]
fn created_names_stay_indexed_4k() {
    created_names_stay_indexed("ext3", 4096, "Indirect levels: 0");
}

#[test]
fn created_names_stay_indexed_1k_two_levels() {
    created_names_stay_indexed("ext2", 1024, "Indirect levels: 1");
}

#[test]
fn every_hash_kept_as_e2fsprogs_computes_it() {
    const SEED: &str = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    let seed = [0x3c2d_1e0f, 0x7869_5a4b, 0xb4a5_9687, 0xf0e1_d2c3];
    for (alg, version) in
        [("legacy", HashVersion::Legacy), ("half_md4", HashVersion::HalfMd4), ("tea", HashVersion::Tea)]
    {
        for (flags, unsigned) in [(1, false), (2, true)] {
            let s = Scratch::new();
            let img = mkfs(&s, "ext2", 1024, "16M", &["-O", "dir_index"]);
            debugfs(
                &img,
                true,
                &[
                    &format!("ssv flags {flags}"),
                    &format!("ssv def_hash_version {alg}"),
                    &format!("ssv hash_seed {SEED}"),
                ],
            );
            let mut fs = mount(&img);
            let d = fs.mkdir(ROOT, b"d", 0o755, ROOT_OWNER, NOW).unwrap();
            let names: BTreeSet<Vec<u8>> = (0..600).map(name).collect();
            for n in &names {
                fs.create(d, n, 0o644, ROOT_OWNER, NOW).unwrap();
            }
            unmount_check(fs, &img);
            let (hashes, text) = htree_hashes(&img, "d");
            assert!(text.contains(&format!("Hash Version: {}", version as u8)), "{text}");
            assert!(hashes.keys().cloned().collect::<BTreeSet<_>>() == names, "debugfs htree differs:\n{text}");
            let ours = DxHash { version, unsigned, seed };
            for (n, h) in &hashes {
                assert_eq!(ours.of(n), *h, "{alg} unsigned {unsigned}: {}", String::from_utf8_lossy(n));
            }
        }
    }
}

#[test]
fn directory_indexed_by_linux_grown() {
    let s = Scratch::new();
    let src = s.path("src");
    std::fs::create_dir_all(src.join("big")).unwrap();
    let mut names = BTreeSet::new();
    for i in 0..2000 {
        let n = format!("linux-{i:05}");
        std::fs::write(src.join("big").join(&n), b"").unwrap();
        names.insert(n.into_bytes());
    }
    let img = mkfs(&s, "ext3", 1024, "64M", &["-d", src.to_str().unwrap()]);
    let out = Command::new("/usr/sbin/e2fsck").arg("-fyD").arg(&img).output().unwrap();
    assert!(out.status.code().unwrap() <= 1, "{}", String::from_utf8_lossy(&out.stdout));
    assert!(is_indexed(&img, "big"));
    let mut fs = mount(&img);
    let big = fs.lookup(ROOT, b"big").unwrap();
    all_found(&mut fs, big, &names);
    for i in 0..4000 {
        fs.create(big, &name(i), 0o644, ROOT_OWNER, NOW).unwrap();
        names.insert(name(i));
    }
    for i in (0..2000).step_by(2) {
        let n = format!("linux-{i:05}").into_bytes();
        fs.unlink(big, &n, NOW).unwrap();
        names.remove(&n);
    }
    all_found(&mut fs, big, &names);
    unmount_check(fs, &img);
    assert!(is_indexed(&img, "big"));
    let (listed, text) = htree_names(&img, "big");
    assert!(listed == names, "debugfs htree differs:\n{text}");
    assert!(text.contains("Indirect levels: 1"), "grew a level:\n{text}");
}

/// A fresh 1 KiB image whose directory `d` has a two-level tree, with
/// `damage` applied to its index: every name is still found (lookups go
/// through the in-memory index, built by reading the directory), and a
/// new name whose way through the tree passes the damage — it hashes
/// under the root's second entry, into the first index node — is added:
/// the damage is noted with `why`, the directory loses its index flag and
/// `e2fsck -fn` passes.
fn damaged_index(damage: impl FnOnce(&mut [u8], &dyn Fn(u64) -> usize), why: &'static str) {
    let s = Scratch::new();
    let (img, names) = fresh_directory(&s, "ext2", 1024, 3000);
    let phys = |l: u64| -> usize {
        let out = request(&img, &format!("bmap d {l}"));
        out.trim().parse::<usize>().unwrap() * 1024
    };
    let mut bytes = std::fs::read(&img).unwrap();
    let below = u32::from_le_bytes(bytes[phys(0) + 40..phys(0) + 44].try_into().unwrap());
    let seed = [0, 1, 2, 3].map(|i| u32::from_le_bytes(bytes[1024 + 0xEC + 4 * i..][..4].try_into().unwrap()));
    let hash = DxHash { version: HashVersion::HalfMd4, unsigned: false, seed };
    let new = (0..).map(|k| format!("after-the-damage-{k}").into_bytes()).find(|n| hash.of(n) < below).unwrap();
    damage(&mut bytes, &phys);
    std::fs::write(&img, &bytes).unwrap();
    let mut fs = mount(&img);
    let d = fs.lookup(ROOT, b"d").unwrap();
    for n in &names {
        assert!(fs.lookup(d, n).is_ok(), "{}", String::from_utf8_lossy(n));
    }
    fs.create(d, &new, 0o644, ROOT_OWNER, NOW).unwrap();
    assert!(fs.lookup(d, &new).is_ok());
    assert_eq!(fs.take_index_damage(), vec![Corrupt::Directory(d, why)]);
    assert_eq!(fs.take_index_damage(), Vec::new(), "taken");
    // The index flag is gone: Linux and e2fsck read it linearly.
    unmount_check(fs, &img);
    assert!(!is_indexed(&img, "d"));
    let mut all = names.clone();
    all.insert(new);
    let mut fs = mount(&img);
    for n in &all {
        assert!(fs.lookup(d, n).is_ok());
    }
}

#[test]
fn bad_hash_version_reads_linearly() {
    damaged_index(|b, phys| b[phys(0) + 28] = 7, "htree root has an unknown hash version");
}

#[test]
fn bad_indirect_levels_read_linearly() {
    damaged_index(|b, phys| b[phys(0) + 30] = 3, "htree has too many index levels");
}

#[test]
fn count_over_limit_reads_linearly() {
    damaged_index(
        |b, phys| {
            let root = phys(0);
            let limit = u16::from_le_bytes([b[root + 32], b[root + 33]]);
            b[root + 34..root + 36].copy_from_slice(&(limit + 1).to_le_bytes());
        },
        "htree index count above its limit",
    );
}

#[test]
fn index_loop_reads_linearly() {
    // Every entry of the first index node points back at that node.
    damaged_index(
        |b, phys| {
            let root = phys(0);
            let node_l = u32::from_le_bytes(b[root + 36..root + 40].try_into().unwrap());
            let node = phys(node_l as u64);
            let count = u16::from_le_bytes([b[node + 10], b[node + 11]]) as usize;
            for i in 0..count {
                b[node + 8 + 8 * i + 4..node + 8 + 8 * i + 8].copy_from_slice(&node_l.to_le_bytes());
            }
        },
        "htree index loops back on itself",
    );
}

#[test]
fn full_disk_stops_an_indexed_directory_cleanly() {
    let s = Scratch::new();
    let img = mkfs(&s, "ext2", 1024, "2M", &["-O", "dir_index", "-N", "4096"]);
    let mut fs = mount(&img);
    let d = fs.mkdir(ROOT, b"d", 0o755, ROOT_OWNER, NOW).unwrap();
    let mut names = BTreeSet::new();
    for i in 0..100 {
        fs.create(d, &name(i), 0o644, ROOT_OWNER, NOW).unwrap();
        names.insert(name(i));
    }
    let f = fs.create(ROOT, b"fill", 0o644, ROOT_OWNER, NOW).unwrap();
    fs.write(f, 0, &pattern(3, 4 << 20), NOW).unwrap();
    let mut i = 100;
    let err = loop {
        match fs.create(d, &name(i), 0o644, ROOT_OWNER, NOW) {
            Ok(_) => names.insert(name(i)),
            Err(e) => break e,
        };
        i += 1;
    };
    assert_eq!(err, crate::Error::NoSpace);
    all_found(&mut fs, d, &names);
    unmount_check(fs, &img);
    assert!(is_indexed(&img, "d"));
    assert!(htree_names(&img, "d").0 == names);
}

/// Mutation cases of [`fuzzed_indexes_never_panic`] in `cargo test`;
/// `CAIRN_EXT2_FUZZ=N` runs N.
fn fuzz_cases() -> u64 {
    std::env::var("CAIRN_EXT2_FUZZ").ok().and_then(|v| v.parse().ok()).unwrap_or(60)
}

#[test]
fn fuzzed_indexes_never_panic() {
    let s = Scratch::new();
    let (img, names) = fresh_directory(&s, "ext2", 1024, 3000);
    let good = std::fs::read(&img).unwrap();
    // The root, the first index node and a leaf of `d`: mutations go
    // there.
    let phys = |l: u64| request(&img, &format!("bmap d {l}")).trim().parse::<usize>().unwrap() * 1024;
    let root = phys(0);
    let node = phys(u32::from_le_bytes(good[root + 36..root + 40].try_into().unwrap()) as u64);
    let leaf = phys(u32::from_le_bytes(good[node + 12..node + 16].try_into().unwrap()) as u64);
    let targets = [root, node, leaf];
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let some: Vec<&Vec<u8>> = names.iter().step_by(7).collect();
    for case in 0..fuzz_cases() {
        let mut b = good.clone();
        for _ in 0..1 + next() % 6 {
            let at = targets[(next() % 3) as usize] + (next() % 1024) as usize;
            b[at] = match next() % 4 {
                0 => 0,
                1 => 0xff,
                2 => b[at] ^ (1 << (next() % 8)),
                _ => next() as u8,
            };
        }
        let r = std::panic::catch_unwind(|| {
            let Ok(mut fs) = Ext2::mount(MemDevice::new(b), crate::MountOptions { read_only: false, now: NOW }) else {
                return;
            };
            let Ok(d) = fs.lookup(ROOT, b"d") else { return };
            for n in &some {
                let _ = fs.lookup(d, n);
            }
            for i in 0..300 {
                let _ = fs.create(d, format!("fuzz-{i}").as_bytes(), 0o644, ROOT_OWNER, NOW);
            }
            for n in some.iter().take(100) {
                let _ = fs.unlink(d, n, NOW);
            }
            let _ = fs.read_dir(d);
            let _ = fs.unmount(NOW);
        });
        assert!(r.is_ok(), "fuzz case {case} panicked");
    }
}
