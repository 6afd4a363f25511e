//! The orphan list: names removed while the inode is held open, the
//! inode freed at release, orphans left by a crash (ours and Linux's)
//! freed at the next mount, and `e2fsck` accepting the list we write.

use std::format;
use std::path::Path;
use std::process::Command;
use std::string::String;

use super::util::*;
use crate::{Corrupt, Error, Ext2, FileType, InodeNo, MemDevice, MountOptions, ROOT};

/// `e2fsck -fy` on a copy of `img`: it must clear (or truncate) exactly
/// the orphans `expected` (and nothing else needs fixing: `e2fsck -fn`
/// passes after).
fn fsck_frees_orphans(img: &Path, expected: &[InodeNo]) {
    let copy = img.with_extension("fixed");
    std::fs::copy(img, &copy).unwrap();
    let out = Command::new("/usr/sbin/e2fsck").arg("-fy").arg(&copy).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(matches!(out.status.code(), Some(0 | 1)), "e2fsck -fy: {:?}\n{text}", out.status.code());
    assert_eq!(text.matches("orphaned inode").count(), expected.len(), "{text}");
    for ino in expected {
        assert!(text.contains(&format!("orphaned inode {} ", ino.0)), "{text}");
    }
    fsck(&copy);
}

fn save(fs: Ext2<MemDevice>, img: &Path) {
    std::fs::write(img, fs.abandon().into_inner()).unwrap();
}

/// A file of `len` bytes named `name` in the root, held open.
fn held_file(fs: &mut Ext2<MemDevice>, name: &[u8], len: usize) -> InodeNo {
    let ino = fs.create(ROOT, name, 0o644, ROOT_OWNER, NOW).unwrap();
    assert_eq!(fs.write(ino, 0, &pattern(ino.0, len), NOW).unwrap(), len);
    fs.hold(ino);
    ino
}

fn unlink_open_then_release(kind: &str, bs: u32) {
    let s = Scratch::new();
    let img = mkfs(&s, kind, bs, "16M", &[]);
    let mut fs = mount(&img);
    let fresh = fs.statfs();
    let ino = held_file(&mut fs, b"tmp", 300 * 1024);
    fs.unlink(ROOT, b"tmp", NOW).unwrap();
    assert_eq!(fs.lookup(ROOT, b"tmp"), Err(Error::NotFound));
    assert!(fs.is_orphan(ino));
    // The handle still reads and writes; the inode has no links.
    let meta = fs.metadata(ino).unwrap();
    assert_eq!((meta.links, meta.size), (0, 300 * 1024));
    fs.write(ino, 400 * 1024, b"more", NOW).unwrap();
    let mut buf = [0u8; 4];
    fs.read(ino, 400 * 1024, &mut buf).unwrap();
    assert_eq!(&buf, b"more");
    assert!(fs.statfs().free_blocks < fresh.free_blocks);
    // On the device meanwhile: the list e2fsck recovers from.
    fs.fsync(ino).unwrap();
    let mid = s.path("mid.img");
    std::fs::write(&mid, fs.device().clone().into_inner()).unwrap();
    fsck_frees_orphans(&mid, &[ino]);
    fs.release(ino, NOW).unwrap();
    assert!(!fs.is_orphan(ino));
    assert_eq!(fs.metadata(ino).map(|_| ()), Err(Error::Corrupt(Corrupt::Inode(ino, "in use with no links"))));
    assert_eq!(fs.statfs(), fresh);
    unmount_check(fs, &img);
    assert!(!request(&img, "stats").contains("orphan"));
    assert_eq!(mount(&img).statfs(), fresh);
}

#[test]
fn unlink_open_then_release_ext3_4k() {
    unlink_open_then_release("ext3", 4096);
}

#[test]
fn unlink_open_then_release_ext2_1k() {
    unlink_open_then_release("ext2", 1024);
}

#[test]
fn crash_leaves_orphans_that_the_next_mount_frees() {
    let s = Scratch::new();
    let img = mkfs(&s, "ext3", 1024, "16M", &[]);
    let fresh = mount(&img).statfs();
    let mut fs = mount(&img);
    // Three orphans (a chain through i_dtime), an fsynced one among them;
    // a held file that keeps a name is not an orphan.
    let a = held_file(&mut fs, b"a", 70 * 1024);
    let b = held_file(&mut fs, b"b", 5000);
    let c = held_file(&mut fs, b"c", 12 * 1024);
    let kept = held_file(&mut fs, b"kept", 100);
    fs.unlink(ROOT, b"a", NOW).unwrap();
    fs.unlink(ROOT, b"b", NOW).unwrap();
    fs.unlink(ROOT, b"c", NOW).unwrap();
    fs.write(b, 0, b"after unlink", NOW).unwrap();
    fs.fsync(b).unwrap();
    // Release the middle one: the chain is mended around it.
    fs.release(b, NOW).unwrap();
    fs.sync().unwrap();
    save(fs, &img);
    fsck_frees_orphans(&img, &[a, c]);
    // A read-only mount leaves them.
    let ro = Ext2::mount(load(&img), MountOptions { read_only: true, now: NOW }).unwrap();
    assert!(ro.leftover_orphans());
    assert_eq!(ro.abandon().into_inner(), std::fs::read(&img).unwrap());
    // A read-write mount frees them.
    let mut fs = mount(&img);
    assert!(!fs.leftover_orphans());
    assert_eq!(fs.lookup(ROOT, b"kept"), Ok(kept));
    fs.unlink(ROOT, b"kept", NOW).unwrap();
    assert_eq!(fs.statfs(), fresh);
    unmount_check(fs, &img);
}

#[test]
fn rmdir_and_rename_over_open_inodes() {
    let s = Scratch::new();
    let img = mkfs(&s, "ext3", 4096, "16M", &[]);
    let mut fs = mount(&img);
    let fresh = fs.statfs();
    let dir = fs.mkdir(ROOT, b"d", 0o755, ROOT_OWNER, NOW).unwrap();
    fs.hold(dir);
    fs.rmdir(ROOT, b"d", NOW).unwrap();
    assert_eq!(fs.metadata(dir).unwrap().links, 0);
    assert!(fs.read_dir(dir).unwrap().is_empty());
    assert_eq!(fs.create(dir, b"x", 0o644, ROOT_OWNER, NOW), Err(Error::NotFound));
    assert_eq!(fs.mkdir(dir, b"x", 0o755, ROOT_OWNER, NOW), Err(Error::NotFound));
    let old = held_file(&mut fs, b"old", 9000);
    let new = fs.create(ROOT, b"new", 0o644, ROOT_OWNER, NOW).unwrap();
    fs.rename(ROOT, b"new", ROOT, b"old", NOW).unwrap();
    assert_eq!(fs.lookup(ROOT, b"old"), Ok(new));
    assert_eq!(fs.metadata(old).unwrap().file_type, FileType::Regular);
    assert_eq!(fs.link(old, ROOT, b"again", NOW), Err(Error::NotFound));
    fs.sync().unwrap();
    let mid = s.path("mid.img");
    std::fs::write(&mid, fs.device().clone().into_inner()).unwrap();
    fsck_frees_orphans(&mid, &[old, dir]);
    fs.release(dir, NOW).unwrap();
    fs.release(old, NOW).unwrap();
    fs.unlink(ROOT, b"old", NOW).unwrap();
    assert_eq!(fs.statfs(), fresh);
    unmount_check(fs, &img);
}

#[test]
fn unmount_frees_orphans_still_held() {
    let s = Scratch::new();
    let img = mkfs(&s, "ext2", 4096, "16M", &[]);
    let mut fs = mount(&img);
    let fresh = fs.statfs();
    held_file(&mut fs, b"f", 50_000);
    fs.unlink(ROOT, b"f", NOW).unwrap();
    unmount_check(fs, &img);
    assert_eq!(mount(&img).statfs(), fresh);
}

/// The inode number `debugfs` reports for `path`.
fn inode_of(img: &Path, path: &str) -> u32 {
    let out = request(img, &format!("stat {path}"));
    let at = out.find("Inode: ").unwrap() + 7;
    out[at..].split_whitespace().next().unwrap().parse().unwrap()
}

/// Turns `path` into an orphan as Linux leaves one: the name removed, no
/// links, on the list after `next`.
fn linux_orphan(img: &Path, path: &str, next: u32) -> u32 {
    let ino = inode_of(img, path);
    debugfs(
        img,
        true,
        &[
            &format!("unlink {path}"),
            &format!("sif <{ino}> links_count 0"),
            &format!("sif <{ino}> dtime {next}"),
            &format!("ssv last_orphan {ino}"),
        ],
    );
    ino
}

#[test]
fn linux_made_orphan_lists_are_processed_at_mount() {
    for (kind, bs) in [("ext2", 1024), ("ext3", 4096)] {
        let s = Scratch::new();
        let img = mkfs(&s, kind, bs, "16M", &[]);
        let fresh = mount(&img).statfs();
        let data = s.path("data");
        std::fs::write(&data, pattern(7, 200 * 1024)).unwrap();
        let small = s.path("small");
        std::fs::write(&small, b"x").unwrap();
        let (d, sm) = (data.display(), small.display());
        debugfs(&img, true, &[&format!("write {d} big"), &format!("write {sm} small"), "mkdir dir"]);
        // A truncation orphan (links kept, blocks past i_size) too.
        debugfs(&img, true, &[&format!("write {d} cut"), "sif cut size 1000"]);
        let cut = inode_of(&img, "cut");
        let first = linux_orphan(&img, "big", 0);
        let second = linux_orphan(&img, "small", first);
        // A removed directory as Linux's rmdir leaves it: no links, size
        // 0, its block still allocated, the parent's link count dropped.
        let dir = inode_of(&img, "dir");
        debugfs(
            &img,
            true,
            &[
                "unlink dir",
                "sif / links_count 3",
                &format!("sif <{dir}> links_count 0"),
                &format!("sif <{dir}> size 0"),
                &format!("sif <{dir}> dtime {second}"),
                &format!("sif cut dtime {dir}"),
                &format!("ssv last_orphan {cut}"),
            ],
        );
        fsck_frees_orphans(&img, &[InodeNo(cut), InodeNo(dir), InodeNo(second), InodeNo(first)]);
        let mut fs = mount(&img);
        assert_eq!(fs.metadata(InodeNo(cut)).unwrap().size, 1000);
        fs.unlink(ROOT, b"cut", NOW).unwrap();
        assert_eq!(fs.statfs(), fresh, "{kind}");
        unmount_check(fs, &img);
    }
}

#[test]
fn damaged_orphan_lists_are_refused() {
    let s = Scratch::new();
    let img = mkfs(&s, "ext2", 1024, "8M", &[]);
    let small = s.path("small");
    std::fs::write(&small, b"x").unwrap();
    debugfs(&img, true, &[&format!("write {} f", small.display())]);
    let base = std::fs::read(&img).unwrap();
    let mount_with = |cmds: &[&str]| {
        std::fs::write(&img, &base).unwrap();
        debugfs(&img, true, cmds);
        Ext2::mount(load(&img), MountOptions { read_only: false, now: NOW }).map(|_| ())
    };
    // A reserved inode at the head.
    assert_eq!(
        mount_with(&["ssv last_orphan 2"]),
        Err(Error::Corrupt(Corrupt::Inode(InodeNo(2), "orphan list names a reserved or absent inode")))
    );
    // Past the inode table.
    assert!(matches!(mount_with(&["ssv last_orphan 99999"]), Err(Error::Corrupt(Corrupt::Inode(..)))));
    // A free inode.
    assert!(matches!(mount_with(&["ssv last_orphan 20"]), Err(Error::Corrupt(_))));
    // A loop: the orphan names itself as the next.
    let f = inode_of(&img, "f");
    let looped = [
        String::from("unlink f"),
        format!("sif <{f}> links_count 0"),
        format!("sif <{f}> dtime {f}"),
        format!("ssv last_orphan {f}"),
    ];
    let cmds: std::vec::Vec<&str> = looped.iter().map(String::as_str).collect();
    assert!(matches!(mount_with(&cmds), Err(Error::Corrupt(_))));
}
