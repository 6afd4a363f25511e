//! Damaged and hostile images: each kind of damage gives an error naming
//! it, never a panic or a hang; and a bounded fuzz run that mutates real
//! images and then mounts, walks, reads and writes them.

use std::format;
use std::path::PathBuf;
use std::vec::Vec;

use super::util::*;
use crate::{BlockDevice, Corrupt, Error, Ext2, InodeNo, MemDevice, MountOptions, ROOT, ReadOnlyReason, Unsupported};

/// A small populated ext3 image with 1 KiB blocks.
fn base(s: &Scratch) -> PathBuf {
    let img = mkfs(s, "ext3", 1024, "2M", &[]);
    std::fs::write(s.path("data"), pattern(7, 40_000)).unwrap();
    debugfs(
        &img,
        true,
        &[
            &format!("write {} file", s.path("data").display()),
            "mkdir dir",
            "mkdir dir/sub",
            "symlink dir/link /file",
            "cd dir",
            "mknod p p",
        ],
    );
    img
}

fn mount_bytes(bytes: Vec<u8>) -> Result<Ext2<MemDevice>, Error> {
    Ext2::mount(MemDevice::new(bytes), MountOptions { read_only: false, now: NOW })
}

fn put32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

fn superblock_error(off: usize, v: u32) -> Option<Error> {
    let s = Scratch::new();
    let mut b = std::fs::read(base(&s)).unwrap();
    put32(&mut b, 1024 + off, v);
    mount_bytes(b).err()
}

#[test]
fn damaged_superblocks_are_refused() {
    let sb = |why| Some(Error::Corrupt(Corrupt::Superblock(why)));
    assert_eq!(superblock_error(56, 0x1234), Some(Error::NotExt2));
    assert_eq!(superblock_error(4, u32::MAX), sb("file system larger than the device"));
    assert_eq!(superblock_error(4, 1), sb("block count"));
    assert_eq!(superblock_error(24, 9), sb("block size over 64 KiB"));
    assert_eq!(superblock_error(32, 0), sb("blocks per group"));
    assert_eq!(superblock_error(40, 0), sb("inodes per group"));
    assert_eq!(superblock_error(0, 12345), sb("inode count disagrees with groups"));
    assert_eq!(superblock_error(20, 7), sb("first data block"));
    assert_eq!(superblock_error(76, 9), sb("unknown revision"));
    assert_eq!(superblock_error(224, 99999), sb("journal inode"));
    assert_eq!(superblock_error(88, 100 << 16 | 100), sb("inode size"));
}

#[test]
fn truncated_and_tiny_devices_are_refused() {
    let s = Scratch::new();
    let b = std::fs::read(base(&s)).unwrap();
    let half = b[..b.len() / 2].to_vec();
    assert_eq!(
        mount_bytes(half).err(),
        Some(Error::Corrupt(Corrupt::Superblock("file system larger than the device")))
    );
    assert_eq!(mount_bytes(std::vec![0; 100]).err(), Some(Error::Corrupt(Corrupt::Superblock("device too small"))));
    assert_eq!(mount_bytes(std::vec![0; 4096]).err(), Some(Error::NotExt2));
}

#[test]
fn unknown_features() {
    // An unknown incompatible feature: refused.
    assert_eq!(
        superblock_error(96, 0x2 | 0x0100_0000),
        Some(Error::Unsupported(Unsupported::IncompatFeatures(0x0100_0000)))
    );
    // meta_bg (readable by Linux, not here): refused.
    assert_eq!(superblock_error(96, 0x2 | 0x10), Some(Error::Unsupported(Unsupported::IncompatFeatures(0x10))));
    // An unknown read-only compatible feature: mounted read-only.
    let s = Scratch::new();
    let mut b = std::fs::read(base(&s)).unwrap();
    put32(&mut b, 1024 + 100, 0x3 | 0x0800_0000);
    let mut fs = mount_bytes(b).unwrap();
    assert_eq!(fs.read_only(), Some(ReadOnlyReason::RoCompatFeatures(0x0800_0000)));
    assert_eq!(fs.mkdir(ROOT, b"x", 0o755, ROOT_OWNER, NOW), Err(Error::ReadOnly));
    assert!(fs.lookup(ROOT, b"file").is_ok());
}

#[test]
fn damaged_group_descriptor_is_refused() {
    let s = Scratch::new();
    let mut b = std::fs::read(base(&s)).unwrap();
    // Group 0's inode table (descriptor table at block 2) past the end.
    put32(&mut b, 2048 + 8, 1 << 30);
    assert_eq!(mount_bytes(b).err(), Some(Error::Corrupt(Corrupt::GroupDesc(0))));
}

/// The image, the device block of `path`'s first block, and its inode.
fn with_block(s: &Scratch, path: &str) -> (Vec<u8>, usize, InodeNo) {
    let img = base(s);
    let blk: usize = request(&img, &format!("bmap {path} 0")).trim().parse().unwrap();
    let mut fs = mount(&img);
    let ino = fs.resolve(ROOT, path.as_bytes(), false).unwrap();
    (std::fs::read(&img).unwrap(), blk * 1024, ino)
}

#[test]
fn damaged_directory_entries_are_reported() {
    let cases: [(usize, &[u8], &str); 5] = [
        (4, &[0, 0], "entry length runs past the block"),
        (4, &[0x00, 0x08], "entry length runs past the block"),
        (4, &[6, 0], "entry length runs past the block"),
        (6, &[200], "name longer than its entry"),
        (0, &[0x40, 0x42, 0x0f, 0], "inode number out of range"),
    ];
    for (off, bytes, why) in cases {
        let s = Scratch::new();
        let (mut b, dir_block, dir) = with_block(&s, "/dir");
        // The second entry (`..`) starts at byte 12.
        b[dir_block + 12 + off..dir_block + 12 + off + bytes.len()].copy_from_slice(bytes);
        let mut fs = mount_bytes(b).unwrap();
        let want = Err(Error::Corrupt(Corrupt::Directory(dir, why)));
        assert_eq!(fs.read_dir(dir).map(|_| ()), want, "{why}");
        assert_eq!(fs.lookup(dir, b"sub").map(|_| ()), want, "{why}");
        assert_eq!(fs.create(dir, b"new", 0o644, ROOT_OWNER, NOW).map(|_| ()), want, "{why}");
        assert_eq!(fs.resolve(ROOT, b"/dir/sub", true).map(|_| ()), want, "{why}");
    }
}

#[test]
fn damaged_inodes_are_reported() {
    let s = Scratch::new();
    let img = base(&s);
    // A block pointer past the end, and a directory whose first block is 0.
    debugfs(&img, true, &["sif file block[2] 99999999", "sif dir/sub block[0] 0", "sif dir/p mode 0"]);
    let mut fs = mount(&img);
    let file = fs.lookup(ROOT, b"file").unwrap();
    let mut buf = std::vec![0; 2048];
    assert_eq!(fs.read(file, 0, &mut buf), Ok(2048));
    assert_eq!(fs.read(file, 2048, &mut buf), Err(Error::Corrupt(Corrupt::Inode(file, "block pointer out of range"))));
    assert_eq!(fs.truncate(file, 0, NOW), Err(Error::Corrupt(Corrupt::Inode(file, "block pointer out of range"))));
    let dir = fs.lookup(ROOT, b"dir").unwrap();
    let sub = fs.lookup(dir, b"sub").unwrap();
    assert_eq!(fs.read_dir(sub), Err(Error::Corrupt(Corrupt::Directory(sub, "hole in a directory"))));
    let p = fs.lookup(dir, b"p").unwrap();
    assert_eq!(fs.metadata(p), Err(Error::Corrupt(Corrupt::Inode(p, "unknown file type"))));
}

#[test]
fn shared_block_is_caught_when_freed() {
    let s = Scratch::new();
    let img = base(&s);
    let b0 = request(&img, "bmap file 0");
    debugfs(&img, true, &[&format!("sif file block[1] {}", b0.trim())]);
    let mut fs = mount(&img);
    assert_eq!(fs.unlink(ROOT, b"file", NOW), Err(Error::Corrupt(Corrupt::Bitmap("freeing a free block"))));
}

#[test]
fn symlink_loops_end() {
    let s = Scratch::new();
    let img = base(&s);
    let mut fs = mount(&img);
    fs.symlink(ROOT, b"a", b"b", ROOT_OWNER, NOW).unwrap();
    fs.symlink(ROOT, b"b", b"a/x", ROOT_OWNER, NOW).unwrap();
    fs.symlink(ROOT, b"self", b"self", ROOT_OWNER, NOW).unwrap();
    assert_eq!(fs.resolve(ROOT, b"a", true), Err(Error::Loop));
    assert_eq!(fs.resolve(ROOT, b"self/x", true), Err(Error::Loop));
    let self_ino = fs.resolve(ROOT, b"self", false).unwrap();
    assert_eq!(fs.readlink(self_ino).unwrap(), b"self");
    unmount_check(fs, &img);
}

#[test]
fn damaged_journal_is_refused() {
    let s = Scratch::new();
    let img = base(&s);
    let j: usize = request(&img, "bmap <8> 0").trim().parse().unwrap();
    let mut b = std::fs::read(&img).unwrap();
    let mut bad_magic = b.clone();
    bad_magic[j * 1024] ^= 1;
    assert_eq!(mount_bytes(bad_magic).err(), Some(Error::Corrupt(Corrupt::Journal("no journal superblock"))));
    let mut bad_geometry = b.clone();
    bad_geometry[j * 1024 + 0x14..j * 1024 + 0x18].copy_from_slice(&5000u32.to_be_bytes());
    assert_eq!(mount_bytes(bad_geometry).err(), Some(Error::Corrupt(Corrupt::Journal("journal geometry"))));
    // An unknown journal feature (fast commits).
    b[j * 1024 + 0x2B] |= 0x20;
    assert_eq!(mount_bytes(b).err(), Some(Error::Unsupported(Unsupported::JournalFeatures(0x20))));
}

#[test]
fn device_errors_are_reported() {
    struct Failing(MemDevice, bool);
    impl BlockDevice for Failing {
        fn size(&self) -> u64 {
            self.0.size()
        }
        fn read_at(&mut self, o: u64, b: &mut [u8]) -> Result<(), crate::DeviceError> {
            if self.1 { Err(crate::DeviceError::Io) } else { self.0.read_at(o, b) }
        }
        fn write_at(&mut self, _: u64, _: &[u8]) -> Result<(), crate::DeviceError> {
            Err(crate::DeviceError::ReadOnly)
        }
        fn flush(&mut self) -> Result<(), crate::DeviceError> {
            Ok(())
        }
    }
    let s = Scratch::new();
    let img = mkfs(&s, "ext2", 1024, "1M", &[]);
    let bytes = std::fs::read(&img).unwrap();
    // A read-only medium: read-write mount fails with ReadOnly; a
    // read-only mount works.
    let r = Ext2::mount(Failing(MemDevice::new(bytes.clone()), false), MountOptions::default());
    assert_eq!(r.err(), Some(Error::ReadOnly));
    assert!(
        Ext2::mount(Failing(MemDevice::new(bytes.clone()), false), MountOptions { read_only: true, now: NOW }).is_ok()
    );
    let r = Ext2::mount(Failing(MemDevice::new(bytes), true), MountOptions::default());
    assert_eq!(r.err(), Some(Error::Device(crate::DeviceError::Io)));
}

/// Mounts `bytes` and does everything a user could: walk the tree (with
/// a depth bound, since a damaged tree may loop), read files and links,
/// then create, write, rename and remove. Errors are fine; panics are not.
fn exercise(bytes: Vec<u8>) {
    let Ok(mut fs) = mount_bytes(bytes) else { return };
    let mut stack = std::vec![(ROOT, 0)];
    let mut visited = 0;
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = fs.read_dir(dir) else { continue };
        for e in entries {
            visited += 1;
            if visited > 500 || e.name == b"." || e.name == b".." {
                continue;
            }
            let _ = fs.metadata(e.ino);
            let mut buf = std::vec![0; 70_000];
            let _ = fs.read(e.ino, 0, &mut buf);
            let _ = fs.readlink(e.ino);
            if depth < 8 {
                stack.push((e.ino, depth + 1));
            }
        }
    }
    let _ = fs.resolve(ROOT, b"/dir/link", true);
    if let Ok(f) = fs.create(ROOT, b"fuzzed", 0o644, ROOT_OWNER, NOW) {
        let _ = fs.write(f, 0, &pattern(3, 30_000), NOW);
        let _ = fs.truncate(f, 100, NOW);
    }
    let _ = fs.mkdir(ROOT, b"fdir", 0o755, ROOT_OWNER, NOW);
    let _ = fs.rename(ROOT, b"file", ROOT, b"fdir", NOW);
    let _ = fs.rename(ROOT, b"dir", ROOT, b"fdir", NOW);
    let _ = fs.unlink(ROOT, b"file", NOW);
    let _ = fs.rmdir(ROOT, b"dir", NOW);
    let _ = fs.sync();
    let _ = fs.unmount(NOW);
}

/// Mutation cases in `cargo test`; `CAIRN_EXT2_FUZZ=N` runs N.
fn fuzz_cases() -> u64 {
    std::env::var("CAIRN_EXT2_FUZZ").ok().and_then(|v| v.parse().ok()).unwrap_or(300)
}

#[test]
fn fuzzed_images_never_panic() {
    let s = Scratch::new();
    let img = base(&s);
    let good = std::fs::read(&img).unwrap();
    // Metadata lives in the first blocks (superblock, descriptors,
    // bitmaps, inode table, directories): aim most mutations there.
    let hot = 300 * 1024;
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for case in 0..fuzz_cases() {
        let mut b = good.clone();
        let n = 1 + next() % 12;
        for _ in 0..n {
            let range = if next() % 4 == 0 { b.len() } else { hot };
            let at = (next() as usize) % range;
            b[at] = match next() % 4 {
                0 => 0,
                1 => 0xff,
                2 => b[at] ^ (1 << (next() % 8)),
                _ => next() as u8,
            };
        }
        let r = std::panic::catch_unwind(|| exercise(b));
        assert!(r.is_ok(), "fuzz case {case} panicked");
    }
}

#[test]
fn fuzzed_journals_never_panic() {
    let s = Scratch::new();
    let img = mkfs(&s, "ext3", 1024, "2M", &[]);
    std::fs::write(s.path("blk"), pattern(5, 3 * 1024)).unwrap();
    debugfs(&img, true, &["jo", &format!("jw -b 100,101,102 {}", s.path("blk").display()), "jw -r 101", "jc"]);
    let good = std::fs::read(&img).unwrap();
    let j: usize = request(&img, "bmap <8> 0").trim().parse().unwrap();
    let mut x: u64 = 12345;
    for case in 0..fuzz_cases() / 3 {
        let mut b = good.clone();
        for _ in 0..4 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let at = j * 1024 + (x >> 33) as usize % (7 * 1024);
            b[at] = (x >> 20) as u8;
        }
        let r = std::panic::catch_unwind(|| exercise(b));
        assert!(r.is_ok(), "journal fuzz case {case} panicked");
    }
}

#[test]
fn damage_found_turns_the_file_system_read_only() {
    let s = Scratch::new();
    let img = base(&s);
    let b0 = request(&img, "bmap file 0");
    debugfs(&img, true, &[&format!("sif file block[1] {}", b0.trim())]);
    let mut fs = mount(&img);
    fs.create(ROOT, b"kept", 0o644, ROOT_OWNER, NOW).unwrap();
    fs.sync().unwrap();
    fs.create(ROOT, b"uncommitted", 0o644, ROOT_OWNER, NOW).unwrap();
    assert_eq!(fs.unlink(ROOT, b"file", NOW), Err(Error::Corrupt(Corrupt::Bitmap("freeing a free block"))));
    fs.damaged().unwrap();
    assert_eq!(fs.read_only(), Some(ReadOnlyReason::Damaged));
    assert_eq!(fs.create(ROOT, b"later", 0o644, ROOT_OWNER, NOW).map(|_| ()), Err(Error::ReadOnly));
    assert_eq!(fs.lookup(ROOT, b"uncommitted"), Err(Error::NotFound));
    let dir = fs.lookup(ROOT, b"dir").unwrap();
    assert!(fs.lookup(dir, b"sub").is_ok(), "reads go on");
    assert_eq!(fs.sync(), Err(Error::ReadOnly), "what was not committed is lost, and sync says so");
    fs.damaged().unwrap();
    std::fs::write(&img, fs.unmount(NOW).unwrap().into_inner()).unwrap();
    let listing = request(&img, "ls -l /");
    assert!(listing.contains("kept") && listing.contains("file"), "{listing}");
    assert!(!listing.contains("uncommitted"), "{listing}");
    let stats = request(&img, "stats -h");
    assert!(stats.contains("Filesystem state:         not clean with errors"), "{stats}");
}
