//! Reading images populated by `debugfs`: files of every map depth,
//! sparse files, fast and slow symbolic links, deep directories, device,
//! FIFO and socket inodes, hard links, htree directories, and ext4.

use std::format;
use std::string::String;
use std::vec::Vec;

use super::util::*;
use crate::{Error, Ext2, FileType, MountOptions, ROOT, ReadOnlyReason};

/// Populates a fresh image of block size `bs` and returns the expected
/// contents of its files.
fn populate(s: &Scratch, img: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut cmds: Vec<String> = Vec::new();
    for (i, len) in [0usize, 1, 1000, 4096, 13 * 1024, 300 * 1024, 1100 * 1024].iter().enumerate() {
        let data = pattern(i as u32, *len);
        let host = s.path(&format!("f{i}"));
        std::fs::write(&host, &data).unwrap();
        cmds.push(format!("write {} f{i}", host.display()));
        files.push((format!("/f{i}"), data));
    }
    // A sparse file: data at 0, a hole, data far out.
    let sparse = s.path("sparse");
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::File::create(&sparse).unwrap();
        f.write_all(b"head").unwrap();
        f.seek(SeekFrom::Start(3 << 20)).unwrap();
        f.write_all(b"tail").unwrap();
    }
    cmds.push(format!("write {} sparse", sparse.display()));
    let mut expect = std::vec![0u8; (3 << 20) + 4];
    expect[..4].copy_from_slice(b"head");
    expect[3 << 20..].copy_from_slice(b"tail");
    files.push(("/sparse".into(), expect));
    let long_target = "t".repeat(200);
    for c in [
        "mkdir a",
        "mkdir a/b",
        "mkdir a/b/c",
        "mkdir a/b/c/d",
        "symlink fast /a/b",
        &format!("symlink slow /{long_target}"),
        "mknod fifo p",
        "mknod chr c 4 64",
        "mknod blk b 8 1",
        "link f2 a/b/c/d/hard",
        "sif f2 links_count 2",
    ] {
        cmds.push(c.into());
    }
    let dcmds: Vec<&str> = cmds.iter().map(|c| c.as_str()).collect();
    debugfs(img, true, &dcmds);
    fsck(img);
    files
}

fn read_all(fs: &mut Ext2<crate::MemDevice>, path: &str) -> Vec<u8> {
    let ino = fs.resolve(ROOT, path.as_bytes(), true).unwrap();
    let size = fs.metadata(ino).unwrap().size as usize;
    let mut buf = std::vec![0; size + 10];
    let n = fs.read(ino, 0, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn check_populated(bs: u32) {
    let s = Scratch::new();
    let img = mkfs(&s, "ext2", bs, "16M", &[]);
    let files = populate(&s, &img);
    let mut fs = mount(&img);
    assert_eq!(fs.block_size(), bs);
    for (path, data) in &files {
        assert_eq!(&read_all(&mut fs, path), data, "{path}");
    }
    // Reads past the end, and in the middle of the sparse file's hole.
    let sparse = fs.resolve(ROOT, b"/sparse", true).unwrap();
    let mut buf = [1u8; 8];
    assert_eq!(fs.read(sparse, 1 << 20, &mut buf).unwrap(), 8);
    assert_eq!(buf, [0; 8]);
    assert_eq!(fs.read(sparse, 10 << 20, &mut buf).unwrap(), 0);
    assert!(fs.metadata(sparse).unwrap().sectors < 64, "the hole takes no blocks");
    // Links.
    let fast = fs.resolve(ROOT, b"/fast", false).unwrap();
    assert_eq!(fs.readlink(fast).unwrap(), b"/a/b");
    let slow = fs.resolve(ROOT, b"/slow", false).unwrap();
    assert_eq!(fs.readlink(slow).unwrap(), format!("/{}", "t".repeat(200)).as_bytes());
    assert_eq!(fs.resolve(ROOT, b"/fast/c/d", true).unwrap(), fs.resolve(ROOT, b"/a/b/c/d", true).unwrap());
    let hard = fs.resolve(ROOT, b"/fast/c/d/hard", true).unwrap();
    assert_eq!(hard, fs.resolve(ROOT, b"/f2", true).unwrap());
    assert_eq!(fs.metadata(hard).unwrap().links, 2);
    // Special files.
    let list = fs.read_dir(ROOT).unwrap();
    let kind = |name: &str| list.iter().find(|e| e.name == name.as_bytes()).unwrap().file_type;
    assert_eq!(kind("fifo"), FileType::Fifo);
    assert_eq!(kind("chr"), FileType::CharDevice);
    assert_eq!(kind("blk"), FileType::BlockDevice);
    assert_eq!(kind("a"), FileType::Directory);
    assert_eq!(kind("fast"), FileType::Symlink);
    assert_eq!(kind("."), FileType::Directory);
    let chr = fs.resolve(ROOT, b"chr", false).unwrap();
    assert_eq!(fs.metadata(chr).unwrap().rdev, (4, 64));
    let blk = fs.resolve(ROOT, b"blk", false).unwrap();
    assert_eq!(fs.metadata(blk).unwrap().rdev, (8, 1));
    let a = fs.resolve(ROOT, b"a", false).unwrap();
    assert_eq!(fs.read(a, 0, &mut buf), Err(Error::IsDir));
    assert_eq!(fs.resolve(ROOT, b"/a/nope", true), Err(Error::NotFound));
    assert_eq!(fs.resolve(ROOT, b"/f1/x", true), Err(Error::NotDir));
    assert_eq!(fs.lookup(ROOT, &[b'x'; 256]), Err(Error::NameTooLong));
}

#[test]
fn reads_debugfs_files_1k() {
    check_populated(1024);
}

#[test]
fn reads_debugfs_files_4k() {
    check_populated(4096);
}

#[test]
fn reads_htree_directory_by_its_leaves() {
    let s = Scratch::new();
    let img = mkfs(&s, "ext2", 1024, "8M", &[]);
    let mut cmds: Vec<String> = std::vec!["mkdir big".into(), "cd big".into()];
    for i in 0..400 {
        cmds.push(format!("mknod file-with-a-long-name-{i:04} p"));
    }
    debugfs(&img, true, &cmds.iter().map(|c| c.as_str()).collect::<Vec<_>>());
    // e2fsck -D builds hashed indexes for directories.
    let out = std::process::Command::new("/usr/sbin/e2fsck").args(["-fyD"]).arg(&img).output().unwrap();
    assert!(out.status.code().unwrap() <= 1);
    assert!(request(&img, "stat big").contains("Flags: 0x1000"), "big is indexed");
    let mut fs = mount(&img);
    let big = fs.resolve(ROOT, b"big", true).unwrap();
    let mut names: Vec<Vec<u8>> = fs.read_dir(big).unwrap().into_iter().map(|e| e.name).collect();
    names.sort();
    assert_eq!(names.len(), 402);
    assert_eq!(names[2], b"file-with-a-long-name-0000");
    assert!(fs.lookup(big, b"file-with-a-long-name-0399").is_ok());
    // Adding an entry drops the index; the directory stays valid.
    fs.create(big, b"new", 0o644, ROOT_OWNER, NOW).unwrap();
    fs.unlink(big, b"file-with-a-long-name-0007", NOW).unwrap();
    unmount_check(fs, &img);
    let ls = request(&img, "ls big");
    assert!(ls.contains("new") && !ls.contains("name-0007 ") && ls.contains("name-0008"));
}

#[test]
fn ext4_reads_extents_read_only() {
    let s = Scratch::new();
    let img = mkfs(&s, "ext4", 4096, "32M", &[]);
    let data = pattern(9, 3 << 20);
    std::fs::write(s.path("d"), &data).unwrap();
    debugfs(&img, true, &[&format!("write {} d", s.path("d").display()), "mkdir x", "symlink x/l /d"]);
    let mut fs = mount(&img);
    assert!(matches!(fs.read_only(), Some(ReadOnlyReason::IncompatFeatures(_))));
    assert_eq!(read_all(&mut fs, "/x/l"), data);
    assert_eq!(fs.create(ROOT, b"n", 0o644, ROOT_OWNER, NOW), Err(Error::ReadOnly));
    // Nothing was written.
    let dev = fs.unmount(NOW).unwrap();
    assert_eq!(dev.bytes(), std::fs::read(&img).unwrap().as_slice());
}

#[test]
fn read_only_mount_writes_nothing() {
    let s = Scratch::new();
    let img = mkfs(&s, "ext2", 1024, "4M", &[]);
    let fs = Ext2::mount(load(&img), MountOptions { read_only: true, now: NOW }).unwrap();
    assert_eq!(fs.read_only(), Some(ReadOnlyReason::Requested));
    let dev = fs.unmount(NOW).unwrap();
    assert_eq!(dev.bytes(), std::fs::read(&img).unwrap().as_slice());
}

#[test]
fn identity_from_mke2fs() {
    let s = Scratch::new();
    let uuid = "c0f41283-1f0d-413a-a199-4a7f015fadb0";
    let img = mkfs(&s, "ext3", 1024, "4M", &["-U", uuid, "-L", "cairn-root"]);
    let image = std::fs::read(&img).unwrap();
    let identity = crate::Identity::read(&image[1024..2048]).expect("an ext2 superblock");
    assert_eq!(identity.uuid_text(), uuid);
    assert_eq!(identity.label, b"cairn-root");
    assert_eq!(crate::Identity::read(&[0u8; 1024]), None);
}
