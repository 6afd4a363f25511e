//! Writing: every operation on ext2 images of 1 KiB and 4 KiB blocks,
//! each followed by an unmount, `e2fsck -fn` and `debugfs` reading back
//! what the crate wrote.

use std::format;
use std::path::Path;
use std::vec::Vec;

use super::util::*;
use crate::{Error, Ext2, MemDevice, NodeKind, Owner, ROOT, Timestamp};

/// Remounts after checking: the crate's result must satisfy e2fsck.
fn cycle(fs: Ext2<MemDevice>, img: &Path) -> Ext2<MemDevice> {
    unmount_check(fs, img);
    mount(img)
}

fn check_write_ops(kind: &str, bs: u32) {
    let s = Scratch::new();
    let img = mkfs(&s, kind, bs, "16M", &[]);
    let mut fs = mount(&img);
    let user = Owner { uid: 1000, gid: 100 };

    // Files of every map depth (direct, indirect, double indirect).
    let sizes = [0usize, 1, 5000, 12 * bs as usize, 300 * 1024, 1200 * 1024];
    for (i, len) in sizes.iter().enumerate() {
        let ino = fs.create(ROOT, format!("file{i}").as_bytes(), 0o640, user, NOW).unwrap();
        assert_eq!(fs.write(ino, 0, &pattern(i as u32, *len), NOW).unwrap(), *len);
    }
    fs = cycle(fs, &img);
    for (i, len) in sizes.iter().enumerate() {
        assert_eq!(cat(&img, &format!("/file{i}")), pattern(i as u32, *len), "file{i}");
    }
    let st = request(&img, "stat file2");
    assert!(st.contains("Mode:  0640") && st.contains("User:  1000") && st.contains("Group:   100"), "{st}");

    // Overwrites in the middle, unaligned.
    let f3 = fs.lookup(ROOT, b"file3").unwrap();
    fs.write(f3, 100, b"overwritten", NOW).unwrap();
    let mut expect = pattern(3, sizes[3]);
    expect[100..111].copy_from_slice(b"overwritten");
    fs = cycle(fs, &img);
    assert_eq!(cat(&img, "/file3"), expect);

    // A sparse file reaching the triple indirect blocks (with 1 KiB
    // blocks) or past 4 GiB (`large_file`, with 4 KiB blocks).
    let far: u64 = if bs == 1024 { 80 << 20 } else { 5 << 30 };
    let sp = fs.create(ROOT, b"sparse", 0o644, user, NOW).unwrap();
    fs.write(sp, 10, b"start", NOW).unwrap();
    fs.write(sp, far, b"far away", NOW).unwrap();
    fs = cycle(fs, &img);
    let st = request(&img, "stat sparse");
    assert!(st.contains(&format!("Size: {}", far + 8)), "{st}");
    let mut buf = [0u8; 8];
    assert_eq!(fs.read(sp, far, &mut buf).unwrap(), 8);
    assert_eq!(&buf, b"far away");
    assert_eq!(fs.read(sp, far / 2, &mut buf).unwrap(), 8);
    assert_eq!(buf, [0; 8]);

    // Truncate: shrink across the indirect boundaries, then grow (the
    // tail must read as zeros).
    let f5 = fs.lookup(ROOT, b"file5").unwrap();
    fs.truncate(f5, 7000, NOW).unwrap();
    fs.truncate(f5, 9000, NOW).unwrap();
    fs.truncate(sp, 3, NOW).unwrap();
    fs = cycle(fs, &img);
    let mut expect = pattern(5, 7000);
    expect.resize(9000, 0);
    assert_eq!(cat(&img, "/file5"), expect);
    assert_eq!(cat(&img, "/sparse"), std::vec![0, 0, 0]);

    // Directories, deep and wide.
    let a = fs.mkdir(ROOT, b"a", 0o755, user, NOW).unwrap();
    let b = fs.mkdir(a, b"b", 0o700, user, NOW).unwrap();
    let c = fs.mkdir(b, b"c", 0o755, user, NOW).unwrap();
    for i in 0..150 {
        let f = fs.create(c, format!("entry-number-{i}").as_bytes(), 0o600, user, NOW).unwrap();
        fs.write(f, 0, format!("content {i}").as_bytes(), NOW).unwrap();
    }
    fs = cycle(fs, &img);
    assert_eq!(cat(&img, "/a/b/c/entry-number-149"), b"content 149");
    assert_eq!(fs.read_dir(c).unwrap().len(), 152);
    assert_eq!(fs.metadata(a).unwrap().links, 3);
    for i in (0..150).step_by(2) {
        fs.unlink(c, format!("entry-number-{i}").as_bytes(), NOW).unwrap();
    }
    fs = cycle(fs, &img);
    assert!(!request(&img, "ls /a/b/c").contains("entry-number-4 "));
    assert_eq!(fs.rmdir(b, b"c", NOW), Err(Error::NotEmpty));
    for i in (1..150).step_by(2) {
        fs.unlink(c, format!("entry-number-{i}").as_bytes(), NOW).unwrap();
    }
    fs.rmdir(b, b"c", NOW).unwrap();
    fs = cycle(fs, &img);
    assert_eq!(fs.lookup(b, b"c"), Err(Error::NotFound));

    // Symbolic links, fast and slow, and special files.
    let long = "x/".repeat(100);
    fs.symlink(ROOT, b"fast", b"a/b", user, NOW).unwrap();
    fs.symlink(ROOT, b"slow", long.as_bytes(), user, NOW).unwrap();
    fs.mknod(a, b"fifo", NodeKind::Fifo, 0o644, user, NOW).unwrap();
    fs.mknod(a, b"tty", NodeKind::CharDevice(4, 1), 0o620, user, NOW).unwrap();
    fs.mknod(a, b"disk", NodeKind::BlockDevice(259, 300), 0o660, user, NOW).unwrap();
    fs.mknod(a, b"sock", NodeKind::Socket, 0o755, user, NOW).unwrap();
    fs = cycle(fs, &img);
    assert!(request(&img, "stat fast").contains("Fast link dest: \"a/b\""));
    let slow = fs.lookup(ROOT, b"slow").unwrap();
    assert_eq!(fs.readlink(slow).unwrap(), long.as_bytes());
    assert_eq!(fs.resolve(ROOT, b"fast", true).unwrap(), b);
    let ls = request(&img, "ls -l /a");
    for needle in ["20620", "60660", "10644", "140755"] {
        assert!(ls.contains(needle), "{needle} in {ls}");
    }
    let st = request(&img, "stat /a/disk");
    assert!(st.contains("Device major/minor number: 259:300"), "{st}");
    assert!(request(&img, "stat /a/tty").contains("Device major/minor number: 04:01"));
    let disk = fs.lookup(a, b"disk").unwrap();
    assert_eq!(fs.metadata(disk).unwrap().rdev, (259, 300));

    // Hard links and rename.
    let f1 = fs.lookup(ROOT, b"file1").unwrap();
    fs.link(f1, b, b"hard", NOW).unwrap();
    assert_eq!(fs.link(a, ROOT, b"dirlink", NOW), Err(Error::NotPermitted));
    fs.rename(ROOT, b"file2", b, b"moved", NOW).unwrap();
    fs.rename(ROOT, b"file4", b, b"hard", NOW).unwrap(); // replaces a link of file1
    fs.rename(ROOT, b"a", ROOT, b"renamed", NOW).unwrap();
    let d = fs.mkdir(ROOT, b"d", 0o755, user, NOW).unwrap();
    fs.rename(a, b"b", d, b"b2", NOW).unwrap(); // a directory changes parent
    assert_eq!(fs.rename(ROOT, b"d", b, b"inside", NOW), Err(Error::Invalid));
    fs = cycle(fs, &img);
    assert_eq!(cat(&img, "/d/b2/moved"), pattern(2, sizes[2]));
    assert_eq!(cat(&img, "/d/b2/hard"), pattern(4, sizes[4]));
    assert_eq!(fs.metadata(f1).unwrap().links, 1);
    assert_eq!(fs.lookup(b, b"..").unwrap(), d);
    assert_eq!(fs.metadata(d).unwrap().links, 3);
    assert_eq!(fs.metadata(a).unwrap().links, 2);

    // chmod, chown, utimes.
    fs.chmod(f1, 0o4755, NOW).unwrap();
    fs.chown(f1, Owner { uid: 70000, gid: 70001 }, NOW).unwrap();
    let t = Timestamp { secs: 1_000_000_000, nanos: 123_456_789 };
    fs.set_times(f1, t, t, NOW).unwrap();
    fs = cycle(fs, &img);
    let m = fs.metadata(f1).unwrap();
    assert_eq!((m.perm, m.uid, m.gid, m.mtime, m.atime), (0o4755, 70000, 70001, t, t));
    let st = request(&img, "stat file1");
    assert!(st.contains("Mode:  04755") && st.contains("User: 70000"), "{st}");
    assert!(st.contains("mtime: 0x3b9aca00:1d6f3454"), "{st}");

    // Errors.
    assert_eq!(fs.create(ROOT, b"file1", 0o644, user, NOW), Err(Error::Exists));
    assert_eq!(fs.create(ROOT, b"", 0o644, user, NOW), Err(Error::Invalid));
    assert_eq!(fs.create(ROOT, b"a/b", 0o644, user, NOW), Err(Error::Invalid));
    assert_eq!(fs.create(ROOT, &[b'n'; 256], 0o644, user, NOW), Err(Error::NameTooLong));
    assert_eq!(fs.create(f1, b"x", 0o644, user, NOW), Err(Error::NotDir));
    assert_eq!(fs.unlink(ROOT, b"d", NOW), Err(Error::IsDir));
    assert_eq!(fs.rmdir(ROOT, b"file1", NOW), Err(Error::NotDir));
    assert_eq!(fs.rmdir(ROOT, b"..", NOW), Err(Error::Invalid));
    assert_eq!(fs.unlink(ROOT, b"nothing", NOW), Err(Error::NotFound));
    assert_eq!(fs.symlink(ROOT, b"l", &std::vec![b'a'; bs as usize], user, NOW), Err(Error::NameTooLong));

    // Remove everything made: the counts must come back.
    for name in ["file0", "file1", "file3", "file5", "sparse", "fast", "slow"] {
        fs.unlink(ROOT, name.as_bytes(), NOW).unwrap();
    }
    for name in ["moved", "hard"] {
        fs.unlink(b, name.as_bytes(), NOW).unwrap();
    }
    for name in ["fifo", "tty", "disk", "sock"] {
        fs.unlink(a, name.as_bytes(), NOW).unwrap();
    }
    fs.rmdir(d, b"b2", NOW).unwrap();
    fs.rmdir(ROOT, b"d", NOW).unwrap();
    fs.rmdir(ROOT, b"renamed", NOW).unwrap();
    let free = fs.statfs();
    unmount_check(fs, &img);
    let fresh = mount(&mkfs(&Scratch::new(), kind, bs, "16M", &[])).statfs();
    assert_eq!((free.free_blocks, free.free_inodes), (fresh.free_blocks, fresh.free_inodes));
}

#[test]
fn write_ops_ext2_1k() {
    check_write_ops("ext2", 1024);
}

#[test]
fn write_ops_ext2_4k() {
    check_write_ops("ext2", 4096);
}

#[test]
fn write_ops_ext3_1k() {
    check_write_ops("ext3", 1024);
}

#[test]
fn write_ops_ext3_4k() {
    check_write_ops("ext3", 4096);
}

#[test]
fn full_disk_is_nospace_and_stays_consistent() {
    let s = Scratch::new();
    let img = mkfs(&s, "ext2", 1024, "2M", &[]);
    let mut fs = mount(&img);
    let f = fs.create(ROOT, b"big", 0o644, ROOT_OWNER, NOW).unwrap();
    let data = pattern(1, 4 << 20);
    let n = fs.write(f, 0, &data, NOW).unwrap();
    assert!(n > 1 << 20 && n < data.len(), "partial write of {n}");
    assert_eq!(fs.write(f, n as u64, b"more", NOW), Err(Error::NoSpace));
    assert_eq!(fs.statfs().free_blocks, 0);
    fs = cycle(fs, &img);
    assert_eq!(cat(&img, "/big"), data[..n]);
    fs.unlink(ROOT, b"big", NOW).unwrap();
    let free = fs.statfs().free_blocks;
    unmount_check(fs, &img);
    assert!(free > 1500);
}

#[test]
fn space_freed_in_the_open_transaction_is_reused_after_a_forced_commit() {
    let s = Scratch::new();
    let img = mkfs(&s, "ext3", 1024, "4M", &[]);
    let mut fs = mount(&img);
    let f = fs.create(ROOT, b"fill", 0o644, ROOT_OWNER, NOW).unwrap();
    let data = pattern(2, 8 << 20);
    let n = fs.write(f, 0, &data, NOW).unwrap();
    assert!(n > 1 << 20 && n < data.len(), "partial write of {n}");
    fs.unlink(ROOT, b"fill", NOW).unwrap();
    let g = fs.create(ROOT, b"again", 0o644, ROOT_OWNER, NOW).unwrap();
    assert_eq!(fs.write(g, 0, &data[..n], NOW), Ok(n), "the freed blocks are written again");
    unmount_check(fs, &img);
    assert_eq!(cat(&img, "/again"), data[..n]);
}

#[test]
fn many_files_fill_inodes() {
    let s = Scratch::new();
    let img = mkfs(&s, "ext2", 1024, "1M", &["-N", "64"]);
    let mut fs = mount(&img);
    let mut made = Vec::new();
    loop {
        match fs.create(ROOT, format!("f{}", made.len()).as_bytes(), 0o644, ROOT_OWNER, NOW) {
            Ok(ino) => made.push(ino),
            Err(e) => {
                assert_eq!(e, Error::NoSpace);
                break;
            }
        }
    }
    assert!(made.len() > 40);
    unmount_check(fs, &img);
}
