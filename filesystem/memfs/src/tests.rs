//! Host tests of the tree: file data, directories, rename rules, unlink
//! while open, symbolic links and loops.

extern crate std;

use super::*;

fn creator() -> Creator {
    Creator { uid: 1, gid: 2, mode: 0o644, now: 7 }
}

fn create(fs: &mut MemFs, path: &str) -> NodeId {
    fs.open(path, OpenOptions { create: true, ..OpenOptions::default() }, creator()).unwrap()
}

#[test]
fn create_write_read_sparse_truncate() {
    let mut fs = MemFs::new();
    let id = create(&mut fs, "/a");
    assert_eq!(fs.write(id, 0, b"hello", 8), Ok(5));
    assert_eq!(fs.read(id, 1, 3), Ok(&b"ell"[..]));
    assert_eq!(fs.write(id, 10, b"x", 9), Ok(1));
    assert_eq!(fs.read(id, 0, 100).unwrap(), b"hello\0\0\0\0\0x");
    fs.truncate(id, 2, 10).unwrap();
    assert_eq!(fs.read(id, 0, 100).unwrap(), b"he");
    fs.truncate(id, 4, 10).unwrap();
    assert_eq!(fs.read(id, 0, 100).unwrap(), b"he\0\0");
    let node = fs.node(id).unwrap();
    assert_eq!((node.uid, node.gid, node.mode, node.modified), (1, 2, 0o644, 10));
    assert_eq!(fs.write(id, MAX_FILE_SIZE, b"x", 0), Err(FsError::TooLarge));
}

#[test]
fn open_flags() {
    let mut fs = MemFs::new();
    let options = OpenOptions::default();
    assert_eq!(fs.open("/missing", options, creator()), Err(FsError::NotFound));
    let id = create(&mut fs, "/f");
    fs.write(id, 0, b"data", 0).unwrap();
    let exclusive = OpenOptions { create: true, exclusive: true, ..options };
    assert_eq!(fs.open("/f", exclusive, creator()), Err(FsError::Exists));
    let truncating = OpenOptions { truncate: true, ..options };
    let again = fs.open("/f", truncating, creator()).unwrap();
    assert_eq!(fs.read(again, 0, 10).unwrap(), b"");
    assert_eq!(fs.open("/f", OpenOptions { directory: true, ..options }, creator()), Err(FsError::NotDir));
    assert_eq!(fs.open("/nodir/f", OpenOptions { create: true, ..options }, creator()), Err(FsError::NotFound));
    assert_eq!(fs.open("/f/g", OpenOptions { create: true, ..options }, creator()), Err(FsError::NotDir));
}

#[test]
fn directories() {
    let mut fs = MemFs::new();
    fs.mkdir("/d", creator()).unwrap();
    assert_eq!(fs.mkdir("/d", creator()), Err(FsError::Exists));
    create(&mut fs, "/d/f");
    fs.mkdir("/d/e", creator()).unwrap();
    let d = fs.lookup("/d", true).unwrap();
    let names: Vec<_> = fs.entries(d).unwrap().into_iter().map(|(n, k)| (n, k)).collect();
    assert_eq!(names, [("e".to_string(), Kind::Dir), ("f".to_string(), Kind::File)]);
    assert_eq!(fs.rmdir("/d"), Err(FsError::NotEmpty));
    assert_eq!(fs.rmdir("/d/f"), Err(FsError::NotDir));
    assert_eq!(fs.unlink("/d/e"), Err(FsError::IsDir));
    fs.rmdir("/d/e").unwrap();
    assert_eq!(fs.lookup("/d/../d/./f", true).map(|_| ()), Ok(()));
    assert_eq!(fs.lookup("/../../d", true), Ok(d), "`..` never climbs above the root");
    assert_eq!(fs.rmdir("/"), Err(FsError::Invalid));
}

#[test]
fn unlink_while_open_keeps_data_until_release() {
    let mut fs = MemFs::new();
    let id = create(&mut fs, "/f");
    fs.write(id, 0, b"still here", 0).unwrap();
    let before = fs.node_count();
    fs.unlink("/f").unwrap();
    assert_eq!(fs.lookup("/f", true), Err(FsError::NotFound));
    assert_eq!(fs.read(id, 0, 100).unwrap(), b"still here");
    fs.release(id);
    assert_eq!(fs.node_count(), before - 1, "the node is freed with its last handle");
}

#[test]
fn rename_rules() {
    let mut fs = MemFs::new();
    let a = create(&mut fs, "/a");
    fs.write(a, 0, b"A", 0).unwrap();
    let b = create(&mut fs, "/b");
    fs.release(b);
    fs.rename("/a", "/b").unwrap();
    assert_eq!(fs.lookup("/a", true), Err(FsError::NotFound));
    assert_eq!(fs.lookup("/b", true), Ok(a));
    fs.mkdir("/d", creator()).unwrap();
    fs.mkdir("/full", creator()).unwrap();
    create(&mut fs, "/full/x");
    assert_eq!(fs.rename("/d", "/full"), Err(FsError::NotEmpty));
    assert_eq!(fs.rename("/b", "/d"), Err(FsError::IsDir));
    assert_eq!(fs.rename("/d", "/b"), Err(FsError::NotDir));
    fs.mkdir("/d/sub", creator()).unwrap();
    assert_eq!(fs.rename("/d", "/d/sub/inside"), Err(FsError::Invalid));
    fs.mkdir("/empty", creator()).unwrap();
    fs.rename("/d", "/empty").unwrap();
    assert!(fs.lookup("/empty/sub", true).is_ok());
    assert_eq!(fs.rename("/b", "/b"), Ok(()));
}

#[test]
fn symlinks_and_loops() {
    let mut fs = MemFs::new();
    fs.mkdir("/dir", creator()).unwrap();
    let f = create(&mut fs, "/dir/file");
    fs.write(f, 0, b"through the link", 0).unwrap();
    fs.symlink("dir/file", "/rel", creator()).unwrap();
    fs.symlink("/dir", "/abs", creator()).unwrap();
    assert_eq!(fs.readlink("/rel"), Ok("dir/file"));
    assert_eq!(fs.lookup("/rel", true), Ok(f));
    assert_eq!(fs.lookup("/abs/file", true), Ok(f));
    fs.symlink("/loop2", "/loop1", creator()).unwrap();
    fs.symlink("/loop1", "/loop2", creator()).unwrap();
    assert_eq!(fs.lookup("/loop1", true), Err(FsError::Loop));
    assert_eq!(fs.open("/loop1/x", OpenOptions::default(), creator()), Err(FsError::Loop));
    let no_follow = OpenOptions { no_follow: true, ..OpenOptions::default() };
    assert_eq!(fs.open("/rel", no_follow, creator()), Err(FsError::Loop));
    assert_eq!(fs.readlink("/dir"), Err(FsError::Invalid));
}

#[test]
fn names_are_checked() {
    let mut fs = MemFs::new();
    let long = "x".repeat(MAX_NAME + 1);
    assert_eq!(fs.mkdir(&alloc::format!("/{long}"), creator()), Err(FsError::NameTooLong));
    assert_eq!(fs.mkdir("/", creator()), Err(FsError::Invalid));
    assert_eq!(fs.mkdir("/a/..", creator()), Err(FsError::Invalid));
}
