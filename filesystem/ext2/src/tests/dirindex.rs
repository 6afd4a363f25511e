//! Large directories: a directory of thousands of files made by Linux's
//! `mke2fs -d` and hash-indexed by e2fsprogs, changed through its htree
//! (lookups, creates, unlinks, renames, names reused), checked against a
//! model, by `e2fsck -fn` and by `debugfs`; a lookup or create in it
//! reads a few blocks, not the directory; and in a linear directory
//! (no `dir_index`) the in-memory name index reuses freed room before
//! the directory grows.

use std::collections::BTreeSet;
use std::format;
use std::path::Path;
use std::process::Command;
use std::string::String;
use std::vec::Vec;

use super::util::*;
use crate::{BlockDevice, DeviceError, Error, Ext2, MemDevice, MountOptions, ROOT};

/// A device that counts the reads made through it.
struct ReadCounter {
    inner: MemDevice,
    reads: usize,
}

impl BlockDevice for ReadCounter {
    fn size(&self) -> u64 {
        self.inner.size()
    }
    fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), DeviceError> {
        self.reads += 1;
        self.inner.read_at(offset, buf)
    }
    fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<(), DeviceError> {
        self.inner.write_at(offset, data)
    }
    fn flush(&mut self) -> Result<(), DeviceError> {
        Ok(())
    }
}

fn name(prefix: &str, i: usize) -> String {
    format!("{prefix}-entry-number-{i:05}")
}

/// An ext3 image (4 KiB blocks) made by `mke2fs -d` from a tree holding
/// `big/` with `count` empty files, its directories hash-indexed.
fn image_with_big_dir(s: &Scratch, count: usize) -> std::path::PathBuf {
    let src = s.path("src");
    std::fs::create_dir_all(src.join("big")).unwrap();
    std::fs::create_dir_all(src.join("other")).unwrap();
    for i in 0..count {
        std::fs::write(src.join("big").join(name("old", i)), b"").unwrap();
    }
    let img = mkfs(s, "ext3", 4096, "64M", &["-d", src.to_str().unwrap()]);
    if !request(&img, "stat big").contains("Flags: 0x1000") {
        // This mke2fs left it linear: e2fsck -D indexes it.
        let out = Command::new("/usr/sbin/e2fsck").arg("-fyD").arg(&img).output().unwrap();
        assert!(out.status.code().unwrap() <= 1, "{}", String::from_utf8_lossy(&out.stdout));
    }
    assert!(request(&img, "stat big").contains("Flags: 0x1000"), "big is hash-indexed");
    fsck(&img);
    img
}

/// The names `debugfs` lists in `dir` (it also lists unused entries, with
/// inode 0: those are left out).
fn debugfs_names(img: &Path, dir: &str) -> BTreeSet<String> {
    request(img, &format!("ls -p {dir}"))
        .lines()
        .filter_map(|l| {
            let fields: Vec<&str> = l.split('/').collect();
            (fields.len() > 5 && fields[1] != "0").then(|| String::from(fields[5]))
        })
        .filter(|n| n != "." && n != "..")
        .collect()
}

fn listed(fs: &mut Ext2<MemDevice>, dir: crate::InodeNo) -> BTreeSet<String> {
    fs.read_dir(dir)
        .unwrap()
        .into_iter()
        .map(|e| String::from_utf8(e.name).unwrap())
        .filter(|n| n != "." && n != "..")
        .collect()
}

#[test]
fn big_indexed_directory_from_mke2fs_changed_and_checked() {
    let s = Scratch::new();
    let img = image_with_big_dir(&s, 3000);
    let mut fs = mount(&img);
    let big = fs.lookup(ROOT, b"big").unwrap();
    let other = fs.lookup(ROOT, b"other").unwrap();
    let mut model: BTreeSet<String> = (0..3000).map(|i| name("old", i)).collect();
    assert_eq!(listed(&mut fs, big), model);
    // Every name resolves to the inode its entry names.
    for e in fs.read_dir(big).unwrap() {
        assert_eq!(fs.lookup(big, &e.name).unwrap(), e.ino);
    }
    assert_eq!(fs.lookup(big, b"no-such-name"), Err(Error::NotFound));

    // Creates, unlinks of every other old name, renames within the
    // directory and out of it, names reused.
    for i in 0..2000 {
        fs.create(big, name("new", i).as_bytes(), 0o644, ROOT_OWNER, NOW).unwrap();
        model.insert(name("new", i));
    }
    assert_eq!(fs.create(big, name("old", 5).as_bytes(), 0o644, ROOT_OWNER, NOW), Err(Error::Exists));
    for i in (0..3000).step_by(2) {
        fs.unlink(big, name("old", i).as_bytes(), NOW).unwrap();
        model.remove(&name("old", i));
    }
    assert_eq!(fs.unlink(big, name("old", 0).as_bytes(), NOW), Err(Error::NotFound));
    for i in (1..400).step_by(2) {
        fs.rename(big, name("old", i).as_bytes(), big, name("moved", i).as_bytes(), NOW).unwrap();
        model.remove(&name("old", i));
        model.insert(name("moved", i));
    }
    for i in (401..600).step_by(2) {
        fs.rename(big, name("old", i).as_bytes(), other, name("old", i).as_bytes(), NOW).unwrap();
        model.remove(&name("old", i));
    }
    // Over an existing name: the target entry is replaced in place.
    fs.rename(big, name("new", 1).as_bytes(), big, name("new", 2).as_bytes(), NOW).unwrap();
    model.remove(&name("new", 1));
    for i in (0..1000).step_by(2) {
        fs.create(big, name("old", i).as_bytes(), 0o600, ROOT_OWNER, NOW).unwrap();
        model.insert(name("old", i));
    }
    for n in &model {
        assert!(fs.lookup(big, n.as_bytes()).is_ok(), "{n}");
    }
    for gone in [name("old", 1000), name("old", 1), name("new", 1), name("old", 401)] {
        assert_eq!(fs.lookup(big, gone.as_bytes()), Err(Error::NotFound), "{gone}");
    }
    assert_eq!(listed(&mut fs, big), model);
    assert_eq!(listed(&mut fs, other).len(), 100);

    unmount_check(fs, &img);
    let on_disk = debugfs_names(&img, "big");
    assert!(on_disk == model, "differ: {:?}", on_disk.symmetric_difference(&model).take(10).collect::<Vec<_>>());
    // A fresh mount (a fresh index) agrees.
    let mut fs = mount(&img);
    for n in &model {
        assert!(fs.lookup(big, n.as_bytes()).is_ok(), "{n}");
    }
    assert_eq!(fs.lookup(big, name("old", 1002).as_bytes()), Err(Error::NotFound));
    // Removing everything leaves an empty, valid directory that rmdir takes.
    for n in &model {
        fs.unlink(big, n.as_bytes(), NOW).unwrap();
    }
    assert!(listed(&mut fs, big).is_empty());
    fs.rmdir(ROOT, b"big", NOW).unwrap();
    unmount_check(fs, &img);
}

#[test]
fn lookups_and_creates_read_few_blocks() {
    let s = Scratch::new();
    let img = image_with_big_dir(&s, 5000);
    let dev = ReadCounter { inner: load(&img), reads: 0 };
    let mut fs = Ext2::mount(dev, MountOptions { read_only: false, now: NOW }).unwrap();
    let big = fs.lookup(ROOT, b"big").unwrap();
    let blocks = fs.metadata(big).unwrap().size / 4096;
    assert!(blocks >= 40, "{blocks} blocks");
    // The first lookup builds the index (reads the directory once).
    fs.lookup(big, name("old", 0).as_bytes()).unwrap();
    let reads = |fs: &Ext2<ReadCounter>| fs.device().reads;
    let before = reads(&fs);
    for i in (0..5000).step_by(50) {
        fs.lookup(big, name("old", i).as_bytes()).unwrap();
        assert_eq!(fs.lookup(big, name("absent", i).as_bytes()), Err(Error::NotFound));
    }
    // One directory block and the directory's inode per lookup, at most
    // (a hash collision could add a block; never the whole directory).
    let per_lookup = (reads(&fs) - before) / 200;
    assert!(per_lookup <= 3, "{per_lookup} reads per lookup");
    let before = reads(&fs);
    for i in 0..100 {
        fs.create(big, name("new", i).as_bytes(), 0o644, ROOT_OWNER, NOW).unwrap();
    }
    let per_create = (reads(&fs) - before) / 100;
    assert!(per_create < 12, "{per_create} reads per create");
    let dev = fs.unmount(NOW).unwrap();
    std::fs::write(&img, dev.inner.into_inner()).unwrap();
    fsck(&img);
}

#[test]
fn freed_room_is_reused_before_the_directory_grows() {
    let s = Scratch::new();
    // Without dir_index the directory stays linear (with it, names go to
    // the leaf of their hash: tests/htree.rs).
    let img = mkfs(&s, "ext2", 1024, "16M", &["-O", "^dir_index"]);
    let mut fs = mount(&img);
    let dir = fs.mkdir(ROOT, b"d", 0o755, ROOT_OWNER, NOW).unwrap();
    for i in 0..1500 {
        fs.create(dir, name("a", i).as_bytes(), 0o644, ROOT_OWNER, NOW).unwrap();
    }
    let size = fs.metadata(dir).unwrap().size;
    assert!(size / 1024 >= 40);
    // Free every third entry across the directory, then add as many names
    // of the same length: they fit in the holes, the directory does not
    // grow.
    for i in (0..1500).step_by(3) {
        fs.unlink(dir, name("a", i).as_bytes(), NOW).unwrap();
    }
    for i in (0..1500).step_by(3) {
        fs.create(dir, name("b", i).as_bytes(), 0o644, ROOT_OWNER, NOW).unwrap();
    }
    assert_eq!(fs.metadata(dir).unwrap().size, size);
    let expect: BTreeSet<String> = (0..1500).map(|i| if i % 3 == 0 { name("b", i) } else { name("a", i) }).collect();
    assert_eq!(listed(&mut fs, dir), expect);
    unmount_check(fs, &img);
    assert_eq!(debugfs_names(&img, "d"), expect);
}

#[test]
fn a_reused_directory_inode_starts_a_fresh_index() {
    let s = Scratch::new();
    let img = mkfs(&s, "ext2", 1024, "16M", &[]);
    let mut fs = mount(&img);
    let dir = fs.mkdir(ROOT, b"d", 0o755, ROOT_OWNER, NOW).unwrap();
    for i in 0..300 {
        fs.create(dir, name("a", i).as_bytes(), 0o644, ROOT_OWNER, NOW).unwrap();
    }
    for i in 0..300 {
        fs.unlink(dir, name("a", i).as_bytes(), NOW).unwrap();
    }
    fs.rmdir(ROOT, b"d", NOW).unwrap();
    let again = fs.mkdir(ROOT, b"e", 0o755, ROOT_OWNER, NOW).unwrap();
    assert_eq!(again, dir, "the inode is reused");
    assert_eq!(fs.lookup(again, name("a", 7).as_bytes()), Err(Error::NotFound));
    fs.create(again, b"x", 0o644, ROOT_OWNER, NOW).unwrap();
    assert_eq!(listed(&mut fs, again), BTreeSet::from([String::from("x")]));
    unmount_check(fs, &img);
}

#[test]
fn room_after_insert_and_remove_matches_the_block() {
    use crate::dir;
    use crate::inode::InodeNo;
    let mut block = std::vec![0u8; 1024];
    dir::write_entry(&mut block, 0, 1024, 0, b"", 0);
    let room_now = |block: &[u8]| {
        dir::parse(block, InodeNo(2), 1 << 20, true).unwrap().iter().map(dir::room_of).max().unwrap_or(0)
    };
    let mut x = 12345u32;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    for step in 0..5000u32 {
        let entries = dir::parse(&block, InodeNo(2), 1 << 20, true).unwrap();
        let used: Vec<usize> = (0..entries.len()).filter(|&i| entries[i].ino != 0).collect();
        if next() % 3 == 0 && !used.is_empty() {
            let index = used[next() as usize % used.len()];
            let room = dir::remove(&mut block, &entries, index);
            assert_eq!(room, room_now(&block), "remove at step {step}");
        } else {
            let name = "n".repeat(1 + next() as usize % 60);
            match dir::insert(&mut block, &entries, 100 + step, name.as_bytes(), 1) {
                Some(room) => assert_eq!(room, room_now(&block), "insert at step {step}"),
                None => assert!(room_now(&block) < dir::entry_size(name.len()), "a fitting insert refused"),
            }
        }
    }
}
