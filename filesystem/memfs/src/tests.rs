//! Host tests of the tree: file data, directories, rename rules, unlink
//! while open, symbolic links and loops; paths relative to a base and `..`
//! clamping; permission checks (read, write, search, create and remove,
//! sticky directories, root, execute); `chmod`/`chown`/`set_times` rules;
//! timestamps; hard links; capacity and `statvfs`; hostile input; and a
//! deterministic random run checking the tree's invariants after every step.

extern crate std;

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::*;

/// An ordinary user, owner of the root in [`user_fs`].
const USER: Caller = Caller { uid: 1, gid: 2 };
/// A user sharing [`USER`]'s group.
const GROUPMATE: Caller = Caller { uid: 5, gid: 2 };
/// A user sharing nothing with [`USER`].
const OTHER: Caller = Caller { uid: 3, gid: 4 };

fn creator() -> Creator {
    Creator { caller: USER, mode: 0o644, now: 7 }
}

fn directory() -> Creator {
    Creator { mode: 0o755, ..creator() }
}

fn made_by(caller: Caller, mode: u16, now: u64) -> Creator {
    Creator { caller, mode, now }
}

/// A tree whose root belongs to [`USER`].
fn user_fs() -> MemFs {
    let mut fs = MemFs::new();
    fs.chown(ROOT, Some(USER.uid), Some(USER.gid), Caller::ROOT, 0).unwrap();
    fs
}

const READ_WRITE: OpenOptions = OpenOptions {
    read: true,
    write: true,
    create: false,
    exclusive: false,
    truncate: false,
    directory: false,
    no_follow: false,
};
const READ: OpenOptions = OpenOptions { write: false, ..READ_WRITE };
const WRITE: OpenOptions = OpenOptions { read: false, ..READ_WRITE };
const CREATE: OpenOptions = OpenOptions { create: true, ..READ_WRITE };

/// Creates (and opens) `path` as [`USER`].
fn create(fs: &mut MemFs, path: &str) -> NodeId {
    fs.open(ROOT, path, CREATE, creator()).unwrap()
}

/// Creates `path` holding `data` (not opened).
fn file(fs: &mut MemFs, path: &str, data: &[u8], creator: Creator) -> NodeId {
    fs.create_file(ROOT, path, data.to_vec(), creator).unwrap()
}

fn stat(fs: &MemFs, id: NodeId) -> NodeStat {
    fs.stat(id).unwrap()
}

fn look(fs: &MemFs, path: &str) -> Result<NodeId, FsError> {
    fs.lookup(ROOT, path, true, Caller::ROOT)
}

fn contents(fs: &mut MemFs, id: NodeId) -> Vec<u8> {
    fs.read(id, 0, usize::MAX, 0).unwrap().to_vec()
}

#[test]
fn create_write_read_sparse_truncate() {
    let mut fs = user_fs();
    let id = create(&mut fs, "/a");
    assert_eq!(fs.write(id, 0, b"hello", 8), Ok(5));
    assert_eq!(fs.read(id, 1, 3, 8), Ok(&b"ell"[..]));
    assert_eq!(fs.write(id, 10, b"x", 9), Ok(1));
    assert_eq!(fs.read(id, 0, 100, 9).unwrap(), b"hello\0\0\0\0\0x");
    fs.truncate(id, 2, 10).unwrap();
    assert_eq!(fs.read(id, 0, 100, 10).unwrap(), b"he");
    fs.truncate(id, 4, 10).unwrap();
    assert_eq!(fs.read(id, 0, 100, 10).unwrap(), b"he\0\0");
    let st = stat(&fs, id);
    assert_eq!((st.kind, st.uid, st.gid, st.mode, st.modified, st.size), (Kind::File, 1, 2, 0o644, 10, 4));
    assert_eq!(st.inode, id.0);
    assert_eq!(fs.write(id, MAX_FILE_SIZE, b"x", 0), Err(FsError::TooLarge));
}

#[test]
fn open_flags() {
    let mut fs = user_fs();
    assert_eq!(fs.open(ROOT, "/missing", READ, creator()), Err(FsError::NotFound));
    let id = create(&mut fs, "/f");
    fs.write(id, 0, b"data", 0).unwrap();
    let exclusive = OpenOptions { exclusive: true, ..CREATE };
    assert_eq!(fs.open(ROOT, "/f", exclusive, creator()), Err(FsError::Exists));
    let truncating = OpenOptions { truncate: true, ..READ_WRITE };
    let again = fs.open(ROOT, "/f", truncating, creator()).unwrap();
    assert_eq!(fs.read(again, 0, 10, 0).unwrap(), b"");
    assert_eq!(fs.open(ROOT, "/f", OpenOptions { directory: true, ..READ }, creator()), Err(FsError::NotDir));
    assert_eq!(fs.open(ROOT, "/nodir/f", CREATE, creator()), Err(FsError::NotFound));
    assert_eq!(fs.open(ROOT, "/f/g", CREATE, creator()), Err(FsError::NotDir));
    assert_eq!(fs.open(ROOT, "/", WRITE, creator()), Err(FsError::IsDir));
    assert_eq!(fs.open(ROOT, "/", READ, creator()), Ok(ROOT));
    assert_eq!(fs.open(ROOT, "/", OpenOptions { create: true, ..READ }, creator()), Err(FsError::IsDir));
}

#[test]
fn directories() {
    let mut fs = user_fs();
    let d = fs.mkdir(ROOT, "/d", directory()).unwrap();
    assert_eq!(fs.mkdir(ROOT, "/d", directory()), Err(FsError::Exists));
    let f = create(&mut fs, "/d/f");
    let e = fs.mkdir(ROOT, "/d/e", directory()).unwrap();
    let expected = [DirEntry { name: "e", kind: Kind::Dir, id: e }, DirEntry { name: "f", kind: Kind::File, id: f }];
    assert_eq!(fs.entries(d, 0).unwrap().collect::<Vec<_>>(), expected);
    assert_eq!(fs.rmdir(ROOT, "/d", USER, 0), Err(FsError::NotEmpty));
    assert_eq!(fs.rmdir(ROOT, "/d/f", USER, 0), Err(FsError::NotDir));
    assert_eq!(fs.unlink(ROOT, "/d/e", USER, 0), Err(FsError::IsDir));
    fs.rmdir(ROOT, "/d/e", USER, 0).unwrap();
    assert_eq!(fs.lookup(ROOT, "/d/../d/./f", true, USER), Ok(f));
    assert_eq!(fs.lookup(ROOT, "/../../d", true, USER), Ok(d), "`..` never climbs above the root");
    assert_eq!(fs.rmdir(ROOT, "/", USER, 0), Err(FsError::Invalid));
    assert_eq!(fs.entries(f, 0).map(Iterator::count), Err(FsError::NotDir));
}

#[test]
fn unlink_while_open_keeps_data_until_release() {
    let mut fs = user_fs();
    let id = create(&mut fs, "/f");
    fs.write(id, 0, b"still here", 0).unwrap();
    let before = fs.statvfs().nodes;
    fs.unlink(ROOT, "/f", USER, 0).unwrap();
    assert_eq!(look(&fs, "/f"), Err(FsError::NotFound));
    assert_eq!(fs.read(id, 0, 100, 0).unwrap(), b"still here");
    assert_eq!(stat(&fs, id).links, 0);
    fs.release(id);
    assert_eq!(fs.statvfs().nodes, before - 1, "the node is freed with its last handle");
    assert_eq!(fs.statvfs().used_bytes, 0);
    assert_eq!(fs.stat(id), Err(FsError::NotFound));
}

#[test]
fn rename_rules() {
    let mut fs = user_fs();
    let a = create(&mut fs, "/a");
    fs.write(a, 0, b"A", 0).unwrap();
    let b = create(&mut fs, "/b");
    fs.release(b);
    let nodes = fs.statvfs().nodes;
    fs.rename(ROOT, "/a", ROOT, "/b", USER, 0).unwrap();
    assert_eq!(fs.statvfs().nodes, nodes - 1, "the replaced file is freed");
    assert_eq!(look(&fs, "/a"), Err(FsError::NotFound));
    assert_eq!(look(&fs, "/b"), Ok(a));
    fs.mkdir(ROOT, "/d", directory()).unwrap();
    fs.mkdir(ROOT, "/full", directory()).unwrap();
    create(&mut fs, "/full/x");
    let rename = |fs: &mut MemFs, from: &str, to: &str| fs.rename(ROOT, from, ROOT, to, USER, 0);
    assert_eq!(rename(&mut fs, "/d", "/full"), Err(FsError::NotEmpty));
    assert_eq!(rename(&mut fs, "/b", "/d"), Err(FsError::IsDir));
    assert_eq!(rename(&mut fs, "/d", "/b"), Err(FsError::NotDir));
    let sub = fs.mkdir(ROOT, "/d/sub", directory()).unwrap();
    assert_eq!(rename(&mut fs, "/d", "/d/sub/inside"), Err(FsError::Invalid));
    assert_eq!(rename(&mut fs, "/d", "/d"), Ok(()));
    fs.mkdir(ROOT, "/empty", directory()).unwrap();
    rename(&mut fs, "/d", "/empty").unwrap();
    assert_eq!(look(&fs, "/empty/sub"), Ok(sub));
    let x = fs.mkdir(ROOT, "/x", directory()).unwrap();
    rename(&mut fs, "/empty", "/x/moved").unwrap();
    assert_eq!(fs.lookup(sub, "../..", true, USER), Ok(x), "`..` follows the moved directory");
    assert_eq!(look(&fs, "/x/moved/sub"), Ok(sub));
    assert_eq!(rename(&mut fs, "/b", "/b"), Ok(()));
    assert_eq!(rename(&mut fs, "/missing", "/c"), Err(FsError::NotFound));
    assert_eq!(rename(&mut fs, "/b", "/missing/c"), Err(FsError::NotFound));
}

#[test]
fn symlinks_and_loops() {
    let mut fs = user_fs();
    fs.mkdir(ROOT, "/dir", directory()).unwrap();
    let f = create(&mut fs, "/dir/file");
    fs.write(f, 0, b"through the link", 0).unwrap();
    let rel = fs.symlink("dir/file", ROOT, "/rel", creator()).unwrap();
    fs.symlink("/dir", ROOT, "/abs", creator()).unwrap();
    assert_eq!(stat(&fs, rel).mode, 0o777);
    assert_eq!(fs.readlink(ROOT, "/rel", USER, 0), Ok("dir/file"));
    assert_eq!(look(&fs, "/rel"), Ok(f));
    assert_eq!(fs.lookup(ROOT, "/rel", false, USER), Ok(rel));
    assert_eq!(look(&fs, "/abs/file"), Ok(f));
    fs.symlink("/loop2", ROOT, "/loop1", creator()).unwrap();
    fs.symlink("/loop1", ROOT, "/loop2", creator()).unwrap();
    assert_eq!(look(&fs, "/loop1"), Err(FsError::Loop));
    assert_eq!(fs.open(ROOT, "/loop1/x", READ, creator()), Err(FsError::Loop));
    let no_follow = OpenOptions { no_follow: true, ..READ };
    assert_eq!(fs.open(ROOT, "/rel", no_follow, creator()), Err(FsError::Loop));
    assert_eq!(fs.readlink(ROOT, "/dir", USER, 0), Err(FsError::Invalid));
    assert_eq!(fs.symlink("x", ROOT, "/rel", creator()), Err(FsError::Exists));
}

#[test]
fn symlink_chain_of_forty_resolves_forty_one_loops() {
    let mut fs = user_fs();
    let f = file(&mut fs, "/l0", b"", creator());
    for i in 1..=MAX_SYMLINK_HOPS + 1 {
        fs.symlink(&alloc::format!("l{}", i - 1), ROOT, &alloc::format!("/l{i}"), creator()).unwrap();
    }
    assert_eq!(look(&fs, &alloc::format!("/l{MAX_SYMLINK_HOPS}")), Ok(f));
    assert_eq!(look(&fs, &alloc::format!("/l{}", MAX_SYMLINK_HOPS + 1)), Err(FsError::Loop));
}

#[test]
fn names_are_checked() {
    let mut fs = user_fs();
    let long = "x".repeat(MAX_NAME + 1);
    assert_eq!(fs.mkdir(ROOT, &alloc::format!("/{long}"), directory()), Err(FsError::NameTooLong));
    assert_eq!(fs.mkdir(ROOT, "/", directory()), Err(FsError::Invalid));
    assert_eq!(fs.mkdir(ROOT, "/a/..", directory()), Err(FsError::Invalid));
    assert!(fs.mkdir(ROOT, &"y".repeat(MAX_NAME), directory()).is_ok(), "a name of exactly MAX_NAME is fine");
}

#[test]
fn relative_lookup_from_a_base() {
    let mut fs = user_fs();
    let a = fs.mkdir(ROOT, "a", directory()).unwrap();
    let b = fs.mkdir(a, "b", directory()).unwrap();
    let f = fs.create_file(b, "f", b"x".to_vec(), creator()).unwrap();
    assert_eq!(fs.lookup(a, "b/f", true, USER), Ok(f));
    assert_eq!(fs.lookup(b, "f", true, USER), Ok(f));
    assert_eq!(fs.lookup(b, "./f", true, USER), Ok(f));
    assert_eq!(fs.lookup(b, "../b//f", true, USER), Ok(f));
    assert_eq!(fs.lookup(b, "/a", true, USER), Ok(a), "an absolute path ignores the base");
    assert_eq!(fs.lookup(b, "", true, USER), Ok(b), "an empty path names the base");
    assert_eq!(fs.lookup(f, "", true, USER), Ok(f));
    assert_eq!(fs.lookup(f, "x", true, USER), Err(FsError::NotDir));
    assert_eq!(fs.lookup(f, "..", true, USER), Err(FsError::NotDir));
    assert_eq!(fs.lookup(NodeId(999), "x", true, USER), Err(FsError::NotFound));
    assert_eq!(fs.lookup(NodeId(999), "/a", true, USER), Ok(a));
    fs.symlink("f", b, "link", creator()).unwrap();
    assert_eq!(fs.lookup(a, "b/link", true, USER), Ok(f), "a relative target resolves from the link's directory");
    let opened = fs.open(b, "f", READ, creator()).unwrap();
    assert_eq!(opened, f);
    assert_eq!(fs.open(a, "f", READ, creator()), Err(FsError::NotFound));
}

#[test]
fn dotdot_is_clamped_at_the_root() {
    let mut fs = user_fs();
    let a = fs.mkdir(ROOT, "/a", directory()).unwrap();
    let b = fs.mkdir(a, "b", directory()).unwrap();
    assert_eq!(fs.lookup(b, "..", true, USER), Ok(a));
    assert_eq!(fs.lookup(b, "../..", true, USER), Ok(ROOT));
    assert_eq!(fs.lookup(b, "../../../../..", true, USER), Ok(ROOT));
    assert_eq!(fs.lookup(b, "../../../../a/b", true, USER), Ok(b));
    assert_eq!(fs.lookup(ROOT, "..", true, USER), Ok(ROOT));
    assert_eq!(fs.lookup(ROOT, "/..", true, USER), Ok(ROOT));
    fs.symlink("../../../..", b, "up", creator()).unwrap();
    assert_eq!(fs.lookup(b, "up", true, USER), Ok(ROOT));
}

#[test]
fn a_confined_walk_stays_beneath_its_base() {
    let mut fs = user_fs();
    let a = fs.mkdir(ROOT, "/a", directory()).unwrap();
    let b = fs.mkdir(a, "b", directory()).unwrap();
    let c = fs.mkdir(b, "c", directory()).unwrap();
    let f = fs.create_file(c, "f", b"x".to_vec(), creator()).unwrap();
    fs.create_file(a, "secret", b"s".to_vec(), creator()).unwrap();
    fs.symlink("c/f", b, "inner", creator()).unwrap();
    fs.symlink("../secret", b, "out", creator()).unwrap();
    fs.symlink("/a/secret", b, "absolute", creator()).unwrap();
    fs.symlink("../c", c, "back", creator()).unwrap();
    fs.symlink("..", b, "parent", creator()).unwrap();
    let inside = Base::beneath(b);
    assert_eq!(fs.lookup(inside, "c/f", true, USER), Ok(f));
    assert_eq!(fs.lookup(inside, "c/../c/./f", true, USER), Ok(f), "`..` within the base is fine");
    assert_eq!(fs.lookup(inside, "inner", true, USER), Ok(f), "a link that stays inside");
    assert_eq!(fs.lookup(inside, "c/back/f", true, USER), Ok(f), "a link with `..` that stays inside");
    assert_eq!(fs.lookup(inside, "", true, USER), Ok(b));
    assert_eq!(fs.lookup(inside, "..", true, USER), Err(FsError::Escape));
    assert_eq!(fs.lookup(inside, "../secret", true, USER), Err(FsError::Escape));
    assert_eq!(fs.lookup(inside, "../b/c/f", true, USER), Err(FsError::Escape), "out and back in");
    assert_eq!(fs.lookup(inside, "/a/b/c/f", true, USER), Err(FsError::Escape), "absolute");
    assert_eq!(fs.lookup(inside, "out", true, USER), Err(FsError::Escape));
    assert_eq!(fs.lookup(inside, "absolute", true, USER), Err(FsError::Escape));
    assert_eq!(fs.lookup(inside, "parent/secret", true, USER), Err(FsError::Escape));
    assert_eq!(fs.lookup(inside, "out", false, USER).map(|_| ()), Ok(()), "a link not followed is inside");
    // The same links without confinement.
    assert!(fs.lookup(b, "out", true, USER).is_ok());
    assert!(fs.lookup(b, "absolute", true, USER).is_ok());
    // Entry operations: creating, removing and renaming stay inside too.
    assert_eq!(fs.mkdir(inside, "../escaped", directory()), Err(FsError::Escape));
    assert_eq!(fs.mkdir(inside, "/escaped", directory()), Err(FsError::Escape));
    assert_eq!(fs.create_file(inside, "parent/escaped", Vec::new(), creator()), Err(FsError::Escape));
    assert_eq!(fs.unlink(inside, "../secret", USER, 8), Err(FsError::Escape));
    assert_eq!(fs.rename(inside, "../secret", b, "moved", USER, 8), Err(FsError::Escape), "the old name");
    assert_eq!(fs.rename(b, "c/f", inside, "../moved", USER, 8), Err(FsError::Escape), "the new name");
    assert_eq!(fs.link(inside, "../secret", b, "l", USER, 8), Err(FsError::Escape));
    assert_eq!(fs.readlink(inside, "../b/out", USER, 8), Err(FsError::Escape));
    fs.symlink("../created", b, "dangling", creator()).unwrap();
    let create = OpenOptions { read: true, write: true, create: true, ..OpenOptions::default() };
    assert_eq!(fs.open(inside, "dangling", create, creator()), Err(FsError::Escape), "creation through a link");
    assert_eq!(fs.open(inside, "../created", create, creator()), Err(FsError::Escape));
    assert_eq!(fs.lookup(ROOT, "/a/created", true, USER), Err(FsError::NotFound), "nothing was made outside");
    let made = fs.open(inside, "c/new", create, creator()).unwrap();
    assert_eq!(fs.lookup(c, "new", true, USER), Ok(made), "creating inside works");
}

#[test]
fn entry_operations_resolve_from_their_bases() {
    let mut fs = user_fs();
    let a = fs.mkdir(ROOT, "a", directory()).unwrap();
    let b = fs.mkdir(ROOT, "b", directory()).unwrap();
    let f = fs.open(a, "f", CREATE, creator()).unwrap();
    assert_eq!(look(&fs, "/a/f"), Ok(f));
    fs.link(a, "f", b, "g", USER, 0).unwrap();
    assert_eq!(look(&fs, "/b/g"), Ok(f));
    fs.rename(a, "f", b, "h", USER, 0).unwrap();
    assert_eq!(look(&fs, "/b/h"), Ok(f));
    fs.symlink("h", b, "s", creator()).unwrap();
    assert_eq!(fs.readlink(b, "s", USER, 0), Ok("h"));
    fs.unlink(b, "g", USER, 0).unwrap();
    fs.mkdir(b, "sub", directory()).unwrap();
    fs.rmdir(b, "./sub", USER, 0).unwrap();
    let names: Vec<&str> = fs.entries(b, 0).unwrap().map(|e| e.name).collect();
    assert_eq!(names, ["h", "s"]);
    assert_eq!(fs.mkdir(f, "x", directory()), Err(FsError::NotDir), "a file is no base for a relative path");
}

#[test]
fn empty_paths() {
    let mut fs = user_fs();
    let f = create(&mut fs, "/f");
    let s = fs.symlink("f", ROOT, "/s", creator()).unwrap();
    assert_eq!(fs.open(ROOT, "", CREATE, creator()), Err(FsError::NotFound));
    assert_eq!(fs.open(f, "", READ, creator()), Err(FsError::NotFound));
    assert_eq!(fs.mkdir(ROOT, "", directory()), Err(FsError::NotFound));
    assert_eq!(fs.create_file(ROOT, "", Vec::new(), creator()), Err(FsError::NotFound));
    assert_eq!(fs.symlink("f", ROOT, "", creator()), Err(FsError::NotFound));
    assert_eq!(fs.symlink("", ROOT, "/t", creator()), Err(FsError::NotFound), "no empty link target");
    assert_eq!(fs.unlink(f, "", USER, 0), Err(FsError::NotFound));
    assert_eq!(fs.rmdir(ROOT, "", USER, 0), Err(FsError::NotFound));
    assert_eq!(fs.rename(ROOT, "", ROOT, "/g", USER, 0), Err(FsError::NotFound));
    assert_eq!(fs.rename(ROOT, "/f", ROOT, "", USER, 0), Err(FsError::NotFound));
    assert_eq!(fs.link(f, "", ROOT, "/g", USER, 0), Err(FsError::NotFound));
    assert_eq!(fs.link(ROOT, "/f", ROOT, "", USER, 0), Err(FsError::NotFound));
    assert_eq!(fs.lookup(f, "", false, USER), Ok(f));
    assert_eq!(fs.readlink(s, "", USER, 0), Ok("f"), "an empty path reads the base link");
    assert_eq!(look(&fs, "/f"), Ok(f), "nothing was removed");
}

#[test]
fn trailing_slash_asks_for_a_directory() {
    let mut fs = user_fs();
    let f = create(&mut fs, "/f");
    let d = fs.mkdir(ROOT, "/d/", directory()).unwrap();
    assert_eq!(look(&fs, "/d/"), Ok(d));
    assert_eq!(look(&fs, "/f/"), Err(FsError::NotDir));
    assert_eq!(look(&fs, "/f/."), Err(FsError::NotDir));
    assert_eq!(fs.unlink(ROOT, "/f/", USER, 0), Err(FsError::NotDir));
    assert_eq!(fs.rename(ROOT, "/f/", ROOT, "/g", USER, 0), Err(FsError::NotDir));
    assert_eq!(fs.rename(ROOT, "/f", ROOT, "/g/", USER, 0), Err(FsError::NotDir));
    assert_eq!(fs.symlink("f", ROOT, "/s/", creator()), Err(FsError::NotFound));
    assert_eq!(fs.link(ROOT, "/f", ROOT, "/h/", USER, 0), Err(FsError::NotFound));
    assert_eq!(fs.open(ROOT, "/new/", CREATE, creator()), Err(FsError::IsDir));
    let link = fs.symlink("/d", ROOT, "/ld", creator()).unwrap();
    assert_eq!(fs.lookup(ROOT, "/ld", false, USER), Ok(link));
    assert_eq!(fs.lookup(ROOT, "/ld/", false, USER), Ok(d), "a trailing slash follows the link");
    fs.rename(ROOT, "/d/", ROOT, "/e/", USER, 0).unwrap();
    fs.rmdir(ROOT, "/e/", USER, 0).unwrap();
    assert_eq!(look(&fs, "/f"), Ok(f));
}

#[test]
fn open_needs_read_or_write_permission() {
    let mut fs = user_fs();
    let f = file(&mut fs, "/f", b"secret", made_by(USER, 0o600, 0));
    assert_eq!(fs.open(ROOT, "/f", READ, made_by(OTHER, 0, 0)), Err(FsError::PermissionDenied));
    assert_eq!(fs.open(ROOT, "/f", WRITE, made_by(OTHER, 0, 0)), Err(FsError::PermissionDenied));
    let truncate_only = OpenOptions { truncate: true, ..OpenOptions::default() };
    assert_eq!(fs.open(ROOT, "/f", truncate_only, made_by(OTHER, 0, 0)), Err(FsError::PermissionDenied));
    assert_eq!(contents(&mut fs, f), b"secret", "a refused truncate changes nothing");
    assert_eq!(fs.open(ROOT, "/f", OpenOptions::default(), made_by(OTHER, 0, 0)), Ok(f), "no access, no check");
    assert_eq!(fs.open(ROOT, "/f", READ_WRITE, creator()), Ok(f));
    fs.chmod(f, 0o400, USER, 0).unwrap();
    assert_eq!(fs.open(ROOT, "/f", WRITE, creator()), Err(FsError::PermissionDenied));
    assert_eq!(fs.open(ROOT, "/f", READ, creator()), Ok(f));
    assert_eq!(fs.open(ROOT, "/f", CREATE, creator()), Err(FsError::PermissionDenied), "exists: its mode applies");
}

#[test]
fn the_first_matching_class_decides() {
    let mut fs = user_fs();
    let f = file(&mut fs, "/f", b"", made_by(USER, 0o040, 0));
    assert_eq!(fs.open(ROOT, "/f", READ, made_by(GROUPMATE, 0, 0)), Ok(f));
    assert_eq!(fs.open(ROOT, "/f", READ, made_by(OTHER, 0, 0)), Err(FsError::PermissionDenied));
    assert_eq!(fs.open(ROOT, "/f", READ, creator()), Err(FsError::PermissionDenied), "the owner gets owner bits");
    fs.chmod(f, 0o604, USER, 0).unwrap();
    assert_eq!(fs.open(ROOT, "/f", READ, made_by(GROUPMATE, 0, 0)), Err(FsError::PermissionDenied));
    assert_eq!(fs.open(ROOT, "/f", READ, made_by(OTHER, 0, 0)), Ok(f));
    assert_eq!(
        fs.check_access(f, OTHER, Access { read: true, write: true, execute: false }),
        Err(FsError::PermissionDenied)
    );
    assert_eq!(fs.check_access(f, OTHER, Access::default()), Ok(()), "existence only");
    assert_eq!(fs.check_access(f, OTHER, Access::READ), Ok(()));
    assert_eq!(fs.check_access(NodeId(999), OTHER, Access::default()), Err(FsError::NotFound));
}

#[test]
fn search_permission_on_every_directory_walked() {
    let mut fs = user_fs();
    fs.mkdir(ROOT, "/a", made_by(USER, 0o755, 0)).unwrap();
    let b = fs.mkdir(ROOT, "/a/b", made_by(USER, 0o755, 0)).unwrap();
    let f = file(&mut fs, "/a/b/f", b"", made_by(USER, 0o644, 0));
    fs.symlink("/a/b/f", ROOT, "/s", creator()).unwrap();
    let a = look(&fs, "/a").unwrap();
    fs.chmod(a, 0o644, USER, 0).unwrap();
    assert_eq!(fs.lookup(ROOT, "/a", true, USER), Ok(a), "naming the directory needs no search in it");
    assert_eq!(fs.lookup(ROOT, "/a/b/f", true, USER), Err(FsError::PermissionDenied));
    assert_eq!(fs.lookup(ROOT, "/a/.", true, USER), Err(FsError::PermissionDenied));
    assert_eq!(fs.lookup(ROOT, "/s", true, USER), Err(FsError::PermissionDenied), "through a link too");
    assert_eq!(fs.lookup(b, "f", true, USER), Ok(f), "from a base, only the directories walked count");
    assert_eq!(fs.lookup(b, "../b/f", true, USER), Err(FsError::PermissionDenied));
    assert_eq!(fs.open(ROOT, "/a/b/g", CREATE, creator()), Err(FsError::PermissionDenied));
    assert_eq!(fs.unlink(ROOT, "/a/b/f", USER, 0), Err(FsError::PermissionDenied));
    fs.chmod(a, 0o711, USER, 0).unwrap();
    assert_eq!(fs.lookup(ROOT, "/a/b/f", true, OTHER), Ok(f), "search without read is enough");
}

#[test]
fn creating_needs_write_and_search_on_the_directory() {
    let mut fs = user_fs();
    let ro = fs.mkdir(ROOT, "/ro", directory()).unwrap();
    file(&mut fs, "/ro/existing", b"", creator());
    fs.chmod(ro, 0o555, USER, 0).unwrap();
    let denied = Err(FsError::PermissionDenied);
    assert_eq!(fs.open(ROOT, "/ro/f", CREATE, creator()), denied);
    assert_eq!(fs.create_file(ROOT, "/ro/f", Vec::new(), creator()), denied);
    assert_eq!(fs.mkdir(ROOT, "/ro/d", directory()), denied);
    assert_eq!(fs.symlink("x", ROOT, "/ro/s", creator()), denied);
    file(&mut fs, "/f", b"", creator());
    assert_eq!(fs.link(ROOT, "/f", ROOT, "/ro/l", USER, 0), Err(FsError::PermissionDenied));
    assert_eq!(fs.rename(ROOT, "/f", ROOT, "/ro/f", USER, 0), Err(FsError::PermissionDenied));
    assert_eq!(fs.mkdir(ROOT, "/ro/existing", directory()), Err(FsError::Exists), "existence is told first");
    fs.chmod(ro, 0o666, USER, 0).unwrap();
    assert_eq!(fs.mkdir(ROOT, "/ro/d", directory()), denied, "write without search is not enough");
    fs.chmod(ro, 0o755, USER, 0).unwrap();
    assert_eq!(fs.mkdir(ROOT, "/ro/d", made_by(OTHER, 0o755, 0)), denied, "others get the other bits");
    assert!(fs.mkdir(ROOT, "/ro/d", directory()).is_ok());
}

#[test]
fn removing_needs_write_and_search_on_the_directory() {
    let mut fs = user_fs();
    let ro = fs.mkdir(ROOT, "/ro", directory()).unwrap();
    let f = file(&mut fs, "/ro/f", b"kept", creator());
    let sub = fs.mkdir(ROOT, "/ro/sub", directory()).unwrap();
    fs.mkdir(ROOT, "/elsewhere", directory()).unwrap();
    fs.chmod(ro, 0o555, USER, 0).unwrap();
    let denied = Err(FsError::PermissionDenied);
    assert_eq!(fs.unlink(ROOT, "/ro/f", USER, 0), denied);
    assert_eq!(fs.rmdir(ROOT, "/ro/sub", USER, 0), denied);
    assert_eq!(fs.rename(ROOT, "/ro/f", ROOT, "/elsewhere/f", USER, 0), denied);
    assert_eq!(fs.rename(ROOT, "/ro/sub", ROOT, "/ro/sub2", USER, 0), denied);
    assert_eq!((look(&fs, "/ro/f"), look(&fs, "/ro/sub")), (Ok(f), Ok(sub)));
    assert_eq!(contents(&mut fs, f), b"kept");
    fs.chmod(ro, 0o755, USER, 0).unwrap();
    assert_eq!(fs.unlink(ROOT, "/ro/f", OTHER, 0), denied);
    fs.chmod(sub, 0o555, USER, 0).unwrap();
    assert_eq!(
        fs.rename(ROOT, "/ro/sub", ROOT, "/elsewhere/sub", USER, 0),
        denied,
        "a directory moving elsewhere needs write on itself (its `..` changes)"
    );
    fs.rename(ROOT, "/ro/sub", ROOT, "/ro/renamed", USER, 0).unwrap();
    fs.unlink(ROOT, "/ro/f", USER, 0).unwrap();
}

#[test]
fn sticky_directory_restricts_removal_to_owners() {
    let mut fs = MemFs::new();
    let tmp = fs.mkdir(ROOT, "/tmp", made_by(Caller::ROOT, 0o1777, 0)).unwrap();
    file(&mut fs, "/tmp/mine", b"", made_by(USER, 0o666, 0));
    file(&mut fs, "/tmp/theirs", b"", made_by(OTHER, 0o666, 0));
    let refused = Err(FsError::NotPermitted);
    assert_eq!(fs.unlink(ROOT, "/tmp/mine", OTHER, 0), refused);
    assert_eq!(fs.rename(ROOT, "/tmp/mine", ROOT, "/tmp/moved", OTHER, 0), refused);
    assert_eq!(fs.rename(ROOT, "/tmp/theirs", ROOT, "/tmp/mine", OTHER, 0), refused, "nor replaced");
    fs.unlink(ROOT, "/tmp/mine", USER, 0).unwrap();
    fs.unlink(ROOT, "/tmp/theirs", Caller::ROOT, 0).unwrap();
    file(&mut fs, "/tmp/theirs", b"", made_by(OTHER, 0o666, 0));
    fs.chown(tmp, Some(USER.uid), None, Caller::ROOT, 0).unwrap();
    fs.unlink(ROOT, "/tmp/theirs", USER, 0).unwrap();
    file(&mut fs, "/tmp/theirs", b"", made_by(OTHER, 0o666, 0));
    fs.chmod(tmp, 0o777, USER, 0).unwrap();
    fs.unlink(ROOT, "/tmp/theirs", GROUPMATE, 0).unwrap();
}

#[test]
fn root_bypasses_read_write_and_search() {
    let mut fs = user_fs();
    let private = fs.mkdir(ROOT, "/private", directory()).unwrap();
    let f = file(&mut fs, "/private/f", b"x", made_by(USER, 0o000, 0));
    fs.chmod(private, 0o000, USER, 0).unwrap();
    let root = made_by(Caller::ROOT, 0o644, 0);
    assert_eq!(fs.open(ROOT, "/private/f", READ_WRITE, root), Ok(f));
    assert_eq!(fs.open(ROOT, "/private", READ, root), Ok(private));
    assert!(fs.mkdir(ROOT, "/private/d", root).is_ok());
    fs.rename(ROOT, "/private/f", ROOT, "/private/g", Caller::ROOT, 0).unwrap();
    fs.unlink(ROOT, "/private/g", Caller::ROOT, 0).unwrap();
    assert_eq!(fs.check_access(private, Caller::ROOT, Access::EXECUTE), Ok(()), "root searches any directory");
    assert_eq!(fs.lookup(ROOT, "/private/d", true, USER), Err(FsError::PermissionDenied));
}

#[test]
fn executing_needs_an_execute_bit() {
    let mut fs = user_fs();
    let f = file(&mut fs, "/prog", b"\x7fELF", made_by(USER, 0o644, 0));
    let d = fs.mkdir(ROOT, "/d", made_by(USER, 0o777, 0)).unwrap();
    assert_eq!(fs.may_execute(f, Caller::ROOT), Err(FsError::PermissionDenied), "not even root without an x bit");
    assert_eq!(fs.may_execute(f, USER), Err(FsError::PermissionDenied));
    fs.chmod(f, 0o744, USER, 0).unwrap();
    assert_eq!(fs.may_execute(f, USER), Ok(()));
    assert_eq!(fs.may_execute(f, Caller::ROOT), Ok(()));
    assert_eq!(fs.may_execute(f, OTHER), Err(FsError::PermissionDenied));
    fs.chmod(f, 0o641, USER, 0).unwrap();
    assert_eq!(fs.may_execute(f, OTHER), Ok(()));
    assert_eq!(fs.may_execute(f, USER), Err(FsError::PermissionDenied), "the owner gets the owner bits");
    assert_eq!(fs.may_execute(f, Caller::ROOT), Ok(()), "any x bit lets root");
    assert_eq!(fs.may_execute(d, Caller::ROOT), Err(FsError::PermissionDenied), "a directory is no program");
    assert_eq!(fs.may_execute(NodeId(999), USER), Err(FsError::NotFound));
}

#[test]
fn listing_a_directory_needs_read() {
    let mut fs = user_fs();
    let d = fs.mkdir(ROOT, "/d", made_by(USER, 0o311, 0)).unwrap();
    file(&mut fs, "/d/f", b"", creator());
    let list = OpenOptions { directory: true, ..READ };
    assert_eq!(fs.open(ROOT, "/d", list, creator()), Err(FsError::PermissionDenied));
    let path_only = OpenOptions { directory: true, ..OpenOptions::default() };
    assert_eq!(fs.open(ROOT, "/d", path_only, creator()), Ok(d), "a directory can be held to work in");
    assert_eq!(fs.lookup(d, "f", true, USER).map(|_| ()), Ok(()));
    fs.chmod(d, 0o511, USER, 0).unwrap();
    assert_eq!(fs.open(ROOT, "/d", list, creator()), Ok(d));
    assert_eq!(fs.entries(d, 0).unwrap().count(), 1);
}

#[test]
fn chmod_rules() {
    let mut fs = user_fs();
    let f = file(&mut fs, "/f", b"", creator());
    assert_eq!(fs.chmod(f, 0o777, OTHER, 0), Err(FsError::NotPermitted));
    assert_eq!(fs.chmod(f, 0o777, GROUPMATE, 0), Err(FsError::NotPermitted));
    assert_eq!(stat(&fs, f).mode, 0o644);
    fs.chmod(f, 0o170_755, USER, 0).unwrap();
    assert_eq!(stat(&fs, f).mode, 0o755, "only the permission bits are kept");
    fs.chmod(f, 0o4711, Caller::ROOT, 0).unwrap();
    assert_eq!(stat(&fs, f).mode, 0o4711);
    fs.chmod(f, 0o2755, USER, 0).unwrap();
    assert_eq!(stat(&fs, f).mode, 0o2755, "the owner's own group keeps set-group-ID");
    fs.chown(f, None, Some(9), Caller::ROOT, 0).unwrap();
    fs.chmod(f, 0o2755, USER, 0).unwrap();
    assert_eq!(stat(&fs, f).mode, 0o755, "set-group-ID dropped outside the group");
    fs.chmod(f, 0o2755, Caller::ROOT, 0).unwrap();
    assert_eq!(stat(&fs, f).mode, 0o2755);
    assert_eq!(fs.chmod(NodeId(999), 0o755, Caller::ROOT, 0), Err(FsError::NotFound));
}

#[test]
fn chown_rules() {
    let mut fs = user_fs();
    let f = file(&mut fs, "/f", b"", creator());
    let owner_group = |fs: &MemFs| (stat(fs, f).uid, stat(fs, f).gid);
    assert_eq!(fs.chown(f, Some(OTHER.uid), None, USER, 0), Err(FsError::NotPermitted), "no giving away");
    assert_eq!(fs.chown(f, Some(USER.uid), None, USER, 0), Ok(()), "keeping the owner is fine");
    assert_eq!(fs.chown(f, None, Some(9), USER, 0), Err(FsError::NotPermitted), "not the owner's group");
    assert_eq!(fs.chown(f, None, Some(OTHER.gid), OTHER, 0), Err(FsError::NotPermitted), "not the owner");
    assert_eq!(fs.chown(f, Some(OTHER.uid), None, OTHER, 0), Err(FsError::NotPermitted), "no taking either");
    assert_eq!(fs.chown(f, None, None, OTHER, 0), Ok(()));
    assert_eq!(owner_group(&fs), (1, 2));
    fs.chown(f, Some(3), Some(9), Caller::ROOT, 0).unwrap();
    assert_eq!(owner_group(&fs), (3, 9));
    fs.chown(f, Some(USER.uid), None, Caller::ROOT, 0).unwrap();
    fs.chown(f, None, Some(USER.gid), USER, 0).unwrap();
    assert_eq!(owner_group(&fs), (1, 2), "the owner may move it into its own group");
    assert_eq!(fs.chown(NodeId(999), None, None, Caller::ROOT, 0), Err(FsError::NotFound));
}

#[test]
fn chown_clears_set_id_bits() {
    let mut fs = user_fs();
    let f = file(&mut fs, "/f", b"", creator());
    let g = file(&mut fs, "/g", b"", creator());
    let d = fs.mkdir(ROOT, "/d", directory()).unwrap();
    fs.chmod(f, 0o6755, Caller::ROOT, 0).unwrap();
    fs.chmod(g, 0o6745, Caller::ROOT, 0).unwrap();
    fs.chmod(d, 0o2775, Caller::ROOT, 0).unwrap();
    fs.chown(f, None, Some(USER.gid), USER, 0).unwrap();
    fs.chown(g, None, Some(USER.gid), USER, 0).unwrap();
    fs.chown(d, None, Some(USER.gid), USER, 0).unwrap();
    assert_eq!(stat(&fs, f).mode, 0o755);
    assert_eq!(stat(&fs, g).mode, 0o2745, "set-group-ID without group execute is not a privilege");
    assert_eq!(stat(&fs, d).mode, 0o2775, "a directory keeps its bits");
    fs.chmod(f, 0o4755, Caller::ROOT, 0).unwrap();
    fs.chown(f, Some(0), None, Caller::ROOT, 0).unwrap();
    assert_eq!(stat(&fs, f).mode, 0o755, "as Linux does, root's chown clears them too");
}

#[test]
fn set_times_rules() {
    let mut fs = user_fs();
    let f = file(&mut fs, "/f", b"", made_by(USER, 0o666, 1));
    let stamps = |fs: &MemFs| (stat(fs, f).accessed, stat(fs, f).modified, stat(fs, f).changed);
    let at = TimeSet::At(5);
    assert_eq!(fs.set_times(f, at, TimeSet::Omit, OTHER, 9), Err(FsError::NotPermitted));
    assert_eq!(fs.set_times(f, TimeSet::Omit, at, GROUPMATE, 9), Err(FsError::NotPermitted));
    assert_eq!(stamps(&fs), (1, 1, 1));
    fs.set_times(f, TimeSet::Now, TimeSet::Now, OTHER, 10).unwrap();
    assert_eq!(stamps(&fs), (10, 10, 10), "writers may set the current time");
    fs.chmod(f, 0o644, USER, 11).unwrap();
    assert_eq!(fs.set_times(f, TimeSet::Now, TimeSet::Now, OTHER, 12), Err(FsError::PermissionDenied));
    assert_eq!(fs.set_times(f, TimeSet::Now, TimeSet::Omit, OTHER, 12), Err(FsError::PermissionDenied));
    assert_eq!(fs.set_times(f, TimeSet::Omit, TimeSet::Omit, OTHER, 12), Ok(()), "nothing asked");
    assert_eq!(stamps(&fs), (10, 10, 11));
    fs.set_times(f, TimeSet::At(100), TimeSet::At(200), USER, 13).unwrap();
    assert_eq!(stamps(&fs), (100, 200, 13));
    fs.set_times(f, TimeSet::Now, TimeSet::Omit, USER, 14).unwrap();
    assert_eq!(stamps(&fs), (14, 200, 14));
    fs.chmod(f, 0o000, USER, 15).unwrap();
    fs.set_times(f, TimeSet::Omit, TimeSet::Now, USER, 16).unwrap();
    assert_eq!(stamps(&fs), (14, 16, 16), "the owner needs no write permission");
    fs.set_times(f, TimeSet::At(1), TimeSet::At(2), Caller::ROOT, 17).unwrap();
    assert_eq!(stamps(&fs), (1, 2, 17));
    assert_eq!(fs.set_times(NodeId(999), TimeSet::Now, TimeSet::Now, USER, 0), Err(FsError::NotFound));
}

#[test]
fn reading_updates_the_access_time_relatime() {
    let mut fs = user_fs();
    let f = file(&mut fs, "/f", b"data", made_by(USER, 0o644, 100));
    let accessed = |fs: &MemFs| stat(fs, f).accessed;
    fs.read(f, 0, 0, 150).unwrap();
    assert_eq!(accessed(&fs), 100, "reading nothing is no access");
    fs.read(f, 0, 4, 200).unwrap();
    assert_eq!(accessed(&fs), 200, "not later than the modification time: refreshed");
    fs.read(f, 10, 4, 300).unwrap();
    assert_eq!(accessed(&fs), 200, "already later than the last change: kept");
    fs.read(f, 0, 4, 200 + RELATIME_INTERVAL).unwrap();
    assert_eq!(accessed(&fs), 200 + RELATIME_INTERVAL, "a day old: refreshed");
    let later = 300 + RELATIME_INTERVAL;
    fs.write(f, 0, b"D", later).unwrap();
    fs.read(f, 0, 1, later + 1).unwrap();
    assert_eq!(accessed(&fs), later + 1, "refreshed after a write");
    assert_eq!((stat(&fs, f).modified, stat(&fs, f).changed), (later, later), "reading changes nothing else");
    let d = fs.mkdir(ROOT, "/d", made_by(USER, 0o755, 5)).unwrap();
    fs.entries(d, 6).unwrap().count();
    assert_eq!(stat(&fs, d).accessed, 6, "listing is reading");
    let s = fs.symlink("f", ROOT, "/s", made_by(USER, 0, 5)).unwrap();
    fs.readlink(ROOT, "/s", USER, 8).unwrap();
    assert_eq!(stat(&fs, s).accessed, 8);
}

#[test]
fn writing_updates_modification_and_change_times() {
    let mut fs = user_fs();
    let f = file(&mut fs, "/f", b"", made_by(USER, 0o644, 1));
    let stamps = |fs: &MemFs| (stat(fs, f).accessed, stat(fs, f).modified, stat(fs, f).changed);
    fs.write(f, 0, b"abc", 50).unwrap();
    assert_eq!(stamps(&fs), (1, 50, 50));
    fs.write(f, 9, b"", 55).unwrap();
    assert_eq!(stamps(&fs), (1, 50, 50), "writing nothing changes nothing");
    assert_eq!(stat(&fs, f).size, 3, "not even the size");
    fs.truncate(f, 1, 60).unwrap();
    assert_eq!(stamps(&fs), (1, 60, 60));
    fs.truncate(f, 1, 65).unwrap();
    assert_eq!(stamps(&fs), (1, 65, 65), "truncating to the same length still counts");
    let truncating = OpenOptions { truncate: true, ..WRITE };
    fs.open(ROOT, "/f", truncating, made_by(USER, 0, 70)).unwrap();
    assert_eq!(stamps(&fs), (1, 70, 70));
    fs.open(ROOT, "/f", READ_WRITE, made_by(USER, 0, 80)).unwrap();
    assert_eq!(stamps(&fs), (1, 70, 70), "opening alone changes nothing");
}

#[test]
fn creating_sets_all_times_and_touches_the_parent() {
    let mut fs = user_fs();
    let d = fs.mkdir(ROOT, "/d", made_by(USER, 0o755, 10)).unwrap();
    let root = stat(&fs, ROOT);
    assert_eq!((root.modified, root.changed), (10, 10));
    let dir_stamps = |fs: &MemFs| (stat(fs, d).accessed, stat(fs, d).modified, stat(fs, d).changed);
    assert_eq!(dir_stamps(&fs), (10, 10, 10));
    let f = fs.open(ROOT, "/d/f", CREATE, made_by(USER, 0o644, 20)).unwrap();
    let st = stat(&fs, f);
    assert_eq!((st.accessed, st.modified, st.changed), (20, 20, 20));
    assert_eq!(dir_stamps(&fs), (10, 20, 20));
    fs.mkdir(ROOT, "/d/e", made_by(USER, 0o755, 30)).unwrap();
    assert_eq!(dir_stamps(&fs), (10, 30, 30));
    fs.symlink("f", ROOT, "/d/s", made_by(USER, 0, 40)).unwrap();
    assert_eq!(dir_stamps(&fs), (10, 40, 40));
    fs.create_file(ROOT, "/d/g", b"x".to_vec(), made_by(USER, 0o644, 50)).unwrap();
    assert_eq!(dir_stamps(&fs), (10, 50, 50));
    assert_eq!(fs.mkdir(ROOT, "/d/e", made_by(USER, 0o755, 60)), Err(FsError::Exists));
    assert_eq!(dir_stamps(&fs), (10, 50, 50), "a failed create touches nothing");
}

#[test]
fn removing_renaming_and_linking_update_times() {
    let mut fs = user_fs();
    let a = fs.mkdir(ROOT, "/a", made_by(USER, 0o755, 1)).unwrap();
    let b = fs.mkdir(ROOT, "/b", made_by(USER, 0o755, 1)).unwrap();
    let f = file(&mut fs, "/a/f", b"", made_by(USER, 0o644, 1));
    let times = |fs: &MemFs, id| (stat(fs, id).modified, stat(fs, id).changed);
    fs.link(ROOT, "/a/f", ROOT, "/b/g", USER, 10).unwrap();
    assert_eq!((times(&fs, a), times(&fs, b), times(&fs, f)), ((1, 1), (10, 10), (1, 10)));
    fs.rename(ROOT, "/a/f", ROOT, "/b/h", USER, 20).unwrap();
    assert_eq!((times(&fs, a), times(&fs, b), times(&fs, f)), ((20, 20), (20, 20), (1, 20)));
    fs.unlink(ROOT, "/b/g", USER, 30).unwrap();
    assert_eq!((times(&fs, b), times(&fs, f)), ((30, 30), (1, 30)));
    let victim = fs.open(ROOT, "/a/v", CREATE, made_by(USER, 0o644, 35)).unwrap();
    fs.rename(ROOT, "/b/h", ROOT, "/a/v", USER, 40).unwrap();
    assert_eq!(times(&fs, victim), (35, 40), "the replaced node changed too");
    assert_eq!(times(&fs, a), (40, 40));
    fs.mkdir(ROOT, "/a/sub", made_by(USER, 0o755, 45)).unwrap();
    fs.rmdir(ROOT, "/a/sub", USER, 50).unwrap();
    assert_eq!(times(&fs, a), (50, 50));
    fs.chmod(f, 0o600, USER, 60).unwrap();
    assert_eq!(times(&fs, f), (1, 60), "chmod changes only the change time");
    fs.chown(f, None, Some(USER.gid), USER, 70).unwrap();
    assert_eq!(times(&fs, f), (1, 70), "chown too");
    assert_eq!(stat(&fs, f).accessed, 1);
}

#[test]
fn hard_links_count_names() {
    let mut fs = user_fs();
    let f = create(&mut fs, "/f");
    fs.mkdir(ROOT, "/d", directory()).unwrap();
    fs.link(ROOT, "/f", ROOT, "/g", USER, 0).unwrap();
    fs.link(ROOT, "/g", ROOT, "/d/h", USER, 0).unwrap();
    assert_eq!(stat(&fs, f).links, 3);
    assert_eq!((look(&fs, "/g"), look(&fs, "/d/h")), (Ok(f), Ok(f)));
    let g = fs.open(ROOT, "/d/h", WRITE, creator()).unwrap();
    fs.write(g, 0, b"shared", 0).unwrap();
    assert_eq!(contents(&mut fs, f), b"shared");
    assert_eq!(fs.link(ROOT, "/f", ROOT, "/g", USER, 0), Err(FsError::Exists));
    assert_eq!(fs.link(ROOT, "/missing", ROOT, "/x", USER, 0), Err(FsError::NotFound));
    assert_eq!(fs.link(ROOT, "/f", ROOT, "/nodir/x", USER, 0), Err(FsError::NotFound));
    let s = fs.symlink("/d", ROOT, "/s", creator()).unwrap();
    fs.link(ROOT, "/s", ROOT, "/s2", USER, 0).unwrap();
    assert_eq!(fs.lookup(ROOT, "/s2", false, USER), Ok(s), "the link itself, not its target");
    assert_eq!(stat(&fs, s).links, 2);
    assert_eq!(fs.rename(ROOT, "/f", ROOT, "/g", USER, 0), Ok(()), "two names of one node: nothing happens");
    assert_eq!((look(&fs, "/f"), stat(&fs, f).links), (Ok(f), 3));
}

#[test]
fn hard_link_survives_unlink_of_one_name() {
    let mut fs = user_fs();
    let f = file(&mut fs, "/f", b"payload", creator());
    fs.link(ROOT, "/f", ROOT, "/g", USER, 0).unwrap();
    let nodes = fs.statvfs().nodes;
    fs.unlink(ROOT, "/f", USER, 0).unwrap();
    assert_eq!(fs.statvfs().nodes, nodes, "one name is left");
    assert_eq!(look(&fs, "/g"), Ok(f));
    assert_eq!(stat(&fs, f).links, 1);
    assert_eq!(contents(&mut fs, f), b"payload");
    fs.unlink(ROOT, "/g", USER, 0).unwrap();
    assert_eq!(fs.statvfs().nodes, nodes - 1);
}

#[test]
fn hard_link_to_a_directory_is_refused() {
    let mut fs = user_fs();
    fs.mkdir(ROOT, "/d", directory()).unwrap();
    assert_eq!(fs.link(ROOT, "/d", ROOT, "/e", USER, 0), Err(FsError::NotPermitted));
    assert_eq!(fs.link(ROOT, "/d", ROOT, "/e", Caller::ROOT, 0), Err(FsError::NotPermitted), "not even root");
    assert_eq!(fs.link(ROOT, "/", ROOT, "/e", USER, 0), Err(FsError::NotPermitted));
    assert_eq!(look(&fs, "/e"), Err(FsError::NotFound));
}

#[test]
fn hard_linked_memory_is_freed_after_the_last_name_and_handle() {
    let mut fs = user_fs();
    let before = fs.statvfs();
    let f = create(&mut fs, "/f");
    fs.write(f, 0, &[7; 100], 0).unwrap();
    fs.link(ROOT, "/f", ROOT, "/g", USER, 0).unwrap();
    fs.unlink(ROOT, "/f", USER, 0).unwrap();
    fs.unlink(ROOT, "/g", USER, 0).unwrap();
    assert_eq!(fs.statvfs().used_bytes, 100, "still open");
    assert_eq!(contents(&mut fs, f), [7; 100]);
    fs.release(f);
    assert_eq!(fs.statvfs(), before);
}

#[test]
fn directory_link_count_is_two_plus_subdirectories() {
    let mut fs = user_fs();
    assert_eq!(stat(&fs, ROOT).links, 2);
    let a = fs.mkdir(ROOT, "/a", directory()).unwrap();
    assert_eq!((stat(&fs, ROOT).links, stat(&fs, a).links), (3, 2));
    fs.mkdir(ROOT, "/a/b", directory()).unwrap();
    fs.mkdir(ROOT, "/a/c", directory()).unwrap();
    file(&mut fs, "/a/f", b"", creator());
    fs.symlink("/a", ROOT, "/a/s", creator()).unwrap();
    assert_eq!(stat(&fs, a).links, 4, "files and links do not count");
    fs.rmdir(ROOT, "/a/c", USER, 0).unwrap();
    assert_eq!(stat(&fs, a).links, 3);
    fs.rename(ROOT, "/a/b", ROOT, "/b", USER, 0).unwrap();
    assert_eq!((stat(&fs, ROOT).links, stat(&fs, a).links), (4, 2));
    let b = fs.open(ROOT, "/b", READ, creator()).unwrap();
    fs.rmdir(ROOT, "/b", USER, 0).unwrap();
    assert_eq!(stat(&fs, b).links, 0, "a removed directory still open");
    assert_eq!(stat(&fs, ROOT).links, 3);
}

#[test]
fn statvfs_reports_space_and_nodes() {
    let mut fs = MemFs::with_capacity(10 * BLOCK_SIZE + 100);
    fs.chown(ROOT, Some(USER.uid), Some(USER.gid), Caller::ROOT, 0).unwrap();
    let empty = fs.statvfs();
    assert_eq!(
        empty,
        FsStats {
            block_size: 4096,
            blocks: 10,
            free_blocks: 10,
            used_bytes: 0,
            capacity_bytes: 10 * 4096 + 100,
            nodes: 1,
            name_max: 255,
        }
    );
    let f = create(&mut fs, "/f");
    fs.write(f, 0, &[1; 5000], 0).unwrap();
    let st = fs.statvfs();
    assert_eq!((st.used_bytes, st.free_blocks, st.nodes), (5000, (10 * 4096 + 100 - 5000) / 4096, 2));
    fs.truncate(f, 10, 0).unwrap();
    assert_eq!(fs.statvfs().used_bytes, 10);
    fs.mkdir(ROOT, "/d", directory()).unwrap();
    assert_eq!(fs.statvfs().nodes, 3);
    assert_eq!(MemFs::new().statvfs().capacity_bytes, DEFAULT_CAPACITY);
}

#[test]
fn writes_beyond_the_capacity_fail_with_no_space() {
    let mut fs = MemFs::with_capacity(100);
    fs.chown(ROOT, Some(USER.uid), Some(USER.gid), Caller::ROOT, 0).unwrap();
    let f = create(&mut fs, "/f");
    let g = create(&mut fs, "/g");
    fs.write(f, 0, &[1; 60], 0).unwrap();
    assert_eq!(fs.write(g, 0, &[2; 50], 0), Err(FsError::NoSpace));
    assert_eq!(stat(&fs, g).size, 0, "all or nothing");
    assert_eq!(fs.write(g, 20, &[2; 30], 0), Err(FsError::NoSpace), "the sparse gap counts");
    fs.write(g, 0, &[2; 40], 0).unwrap();
    assert_eq!(fs.statvfs().used_bytes, 100);
    assert_eq!(fs.write(f, 0, &[3; 60], 0), Ok(60), "overwriting needs no room");
    assert_eq!(fs.truncate(f, 61, 0), Err(FsError::NoSpace));
    assert_eq!(fs.create_file(ROOT, "/h", vec![0], creator()), Err(FsError::NoSpace));
    assert_eq!(look(&fs, "/h"), Err(FsError::NotFound), "nothing half made");
    assert!(fs.create_file(ROOT, "/h", Vec::new(), creator()).is_ok());
    fs.truncate(f, 10, 0).unwrap();
    assert_eq!(fs.statvfs().used_bytes, 50);
    fs.unlink(ROOT, "/f", USER, 0).unwrap();
    assert_eq!(fs.statvfs().used_bytes, 50, "open: still held");
    fs.release(f);
    assert_eq!(fs.statvfs().used_bytes, 40, "freed with the last handle");
    fs.write(g, 40, &[4; 60], 0).unwrap();
    assert_eq!(fs.statvfs().free_blocks, 0);
}

#[test]
fn create_file_unpacks_a_boot_image() {
    let mut fs = MemFs::new();
    let root = |mode, now| made_by(Caller::ROOT, mode, now);
    let bin = fs.mkdir(ROOT, "/bin", root(0o755, 5)).unwrap();
    let sh = fs.create_file(ROOT, "/bin/sh", b"#!shell".to_vec(), root(0o755, 5)).unwrap();
    let ls = fs.create_file(bin, "ls", b"list".to_vec(), root(0o4755, 6)).unwrap();
    let st = stat(&fs, sh);
    assert_eq!((st.kind, st.mode, st.uid, st.size, st.links), (Kind::File, 0o755, 0, 7, 1));
    assert_eq!((st.accessed, st.modified, st.changed), (5, 5, 5));
    assert_eq!(stat(&fs, ls).mode, 0o4755);
    assert_eq!(contents(&mut fs, ls), b"list");
    assert_eq!(fs.statvfs().used_bytes, 11);
    assert_eq!(fs.create_file(ROOT, "/bin/sh", Vec::new(), root(0o755, 7)), Err(FsError::Exists));
    assert_eq!(fs.may_execute(sh, USER), Ok(()));
    let nodes = fs.statvfs().nodes;
    fs.unlink(ROOT, "/bin/sh", Caller::ROOT, 8).unwrap();
    assert_eq!((fs.statvfs().nodes, fs.statvfs().used_bytes), (nodes - 1, 4), "never opened: freed at once");
}

#[test]
fn a_removed_directory_takes_no_new_entries() {
    let mut fs = user_fs();
    let d = fs.mkdir(ROOT, "/d", directory()).unwrap();
    let held = fs.open(ROOT, "/d", OpenOptions { directory: true, ..READ }, creator()).unwrap();
    assert_eq!(held, d);
    fs.rmdir(ROOT, "/d", USER, 0).unwrap();
    assert_eq!(fs.mkdir(d, "x", directory()), Err(FsError::NotFound));
    assert_eq!(fs.open(d, "f", CREATE, creator()), Err(FsError::NotFound));
    assert_eq!(fs.symlink("t", d, "s", creator()), Err(FsError::NotFound));
    file(&mut fs, "/f", b"", creator());
    assert_eq!(fs.link(ROOT, "/f", d, "g", USER, 0), Err(FsError::NotFound));
    assert_eq!(fs.rename(ROOT, "/f", d, "g", USER, 0), Err(FsError::NotFound));
    assert_eq!(fs.entries(d, 0).map(Iterator::count), Ok(0));
    let nodes = fs.statvfs().nodes;
    fs.release(d);
    assert_eq!(fs.statvfs().nodes, nodes - 1);
}

#[test]
fn creating_through_a_dangling_link_creates_its_target() {
    let mut fs = user_fs();
    fs.mkdir(ROOT, "/d", directory()).unwrap();
    let link = fs.symlink("d/target", ROOT, "/link", creator()).unwrap();
    fs.symlink("/link", ROOT, "/link2", creator()).unwrap();
    let exclusive = OpenOptions { exclusive: true, ..CREATE };
    assert_eq!(fs.open(ROOT, "/link", exclusive, creator()), Err(FsError::Exists), "never followed");
    assert_eq!(fs.open(ROOT, "/link", OpenOptions { no_follow: true, ..CREATE }, creator()), Err(FsError::Loop));
    let id = fs.open(ROOT, "/link2", CREATE, creator()).unwrap();
    assert_eq!(look(&fs, "/d/target"), Ok(id));
    assert_eq!(fs.lookup(ROOT, "/link", false, USER), Ok(link), "the link stays");
    fs.symlink("/loop", ROOT, "/loop", creator()).unwrap();
    assert_eq!(fs.open(ROOT, "/loop", CREATE, creator()), Err(FsError::Loop));
}

#[test]
fn bad_input_never_panics() {
    let mut fs = user_fs();
    let f = create(&mut fs, "/f");
    let d = fs.mkdir(ROOT, "/d", directory()).unwrap();
    let s = fs.symlink("f", ROOT, "/s", creator()).unwrap();
    let long_name = "n".repeat(MAX_NAME + 1);
    let long_path = "a/".repeat(MAX_PATH / 2 + 1);
    let too_long = Err(FsError::NameTooLong);
    assert_eq!(fs.lookup(ROOT, &long_name, true, USER), too_long);
    assert_eq!(fs.lookup(ROOT, &long_path, true, USER), too_long);
    assert_eq!(fs.open(ROOT, &long_name, CREATE, creator()), too_long);
    assert_eq!(fs.symlink(&long_path, ROOT, "/t", creator()), too_long);
    assert_eq!(fs.unlink(ROOT, &alloc::format!("/d/{long_name}"), USER, 0), Err(FsError::NameTooLong));
    assert_eq!(fs.rename(ROOT, "/f", ROOT, &long_name, USER, 0), Err(FsError::NameTooLong));
    for odd in ["/", ".", "..", "/..", "../..", "d/.", "d/..", "///", "./"] {
        assert_eq!(fs.mkdir(ROOT, odd, directory()), Err(FsError::Invalid), "mkdir {odd:?}");
        assert_eq!(fs.unlink(ROOT, odd, USER, 0), Err(FsError::Invalid), "unlink {odd:?}");
        assert_eq!(fs.rmdir(ROOT, odd, USER, 0), Err(FsError::Invalid), "rmdir {odd:?}");
        assert_eq!(fs.rename(ROOT, odd, ROOT, "/x", USER, 0), Err(FsError::Invalid), "rename {odd:?}");
        assert_eq!(fs.rename(ROOT, "/f", ROOT, odd, USER, 0), Err(FsError::Invalid), "rename to {odd:?}");
    }
    assert_eq!(look(&fs, "////d//./"), Ok(d));
    assert_eq!(fs.read(f, u64::MAX, 10, 0), Ok(&[][..]));
    assert_eq!(fs.read(f, 0, usize::MAX, 0), Ok(&[][..]));
    assert_eq!(fs.write(f, u64::MAX - 1, b"xx", 0), Err(FsError::TooLarge));
    assert_eq!(fs.write(f, u64::MAX, b"", 0), Ok(0));
    assert_eq!(fs.truncate(f, u64::MAX, 0), Err(FsError::TooLarge));
    assert_eq!(fs.read(d, 0, 1, 0), Err(FsError::IsDir));
    assert_eq!(fs.write(d, 0, b"x", 0), Err(FsError::IsDir));
    assert_eq!(fs.write(s, 0, b"x", 0), Err(FsError::Invalid));
    assert_eq!(fs.truncate(s, 0, 0), Err(FsError::Invalid));
    let stale = NodeId(12345);
    assert_eq!(fs.read(stale, 0, 1, 0), Err(FsError::NotFound));
    assert_eq!(fs.write(stale, 0, b"x", 0), Err(FsError::NotFound));
    assert_eq!(fs.truncate(stale, 0, 0), Err(FsError::NotFound));
    assert_eq!(fs.stat(stale), Err(FsError::NotFound));
    assert_eq!(fs.entries(stale, 0).map(Iterator::count), Err(FsError::NotFound));
    assert_eq!(fs.retain(stale), Err(FsError::NotFound));
    assert_eq!(fs.open(stale, "x", CREATE, creator()), Err(FsError::NotFound));
    assert_eq!(fs.readlink(stale, "", USER, 0), Err(FsError::NotFound));
    fs.release(stale);
    fs.release(ROOT);
    assert_eq!(stat(&fs, ROOT).kind, Kind::Dir, "the root is never freed");
    assert_eq!(fs.read(f, 0, 10, 0), Ok(&[][..]));
}

/// A tiny deterministic generator (xorshift) for the random run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Checks what must hold between any two operations: every name counted
/// in its node's links, every directory's `..` pointing at a directory
/// naming it, nothing alive that is neither named nor open, and the space
/// used matching the files' data.
fn check_invariants(fs: &MemFs) {
    let mut names: BTreeMap<NodeId, u32> = BTreeMap::new();
    for (&id, node) in &fs.nodes {
        if let Content::Dir(dir) = &node.content {
            for child in dir.entries.values() {
                *names.entry(*child).or_default() += 1;
                assert!(fs.nodes.contains_key(child), "{id:?} names a freed node");
                if let Ok(sub) = fs.dir(*child) {
                    assert_eq!(sub.parent, id, "`..` of {child:?}");
                }
            }
        }
    }
    let mut used = 0;
    for (&id, node) in &fs.nodes {
        let named = names.get(&id).copied().unwrap_or(0);
        if id == ROOT {
            assert_eq!(named, 0, "nothing names the root");
        } else {
            assert_eq!(node.links, named, "links of {id:?}");
            assert!(node.links > 0 || node.opens > 0, "{id:?} should have been freed");
        }
        if node.kind() == Kind::Dir {
            assert!(named <= 1, "a directory has one name at most");
        }
        if let Content::File(data) = &node.content {
            used += data.len() as u64;
        }
    }
    assert_eq!(fs.used, used);
    assert!(fs.used <= fs.capacity);
}

#[test]
fn random_operations_keep_the_invariants() {
    let mut fs = MemFs::with_capacity(20_000);
    fs.chmod(ROOT, 0o1777, Caller::ROOT, 0).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let callers = [Caller::ROOT, USER, OTHER, GROUPMATE];
    let parts = ["a", "b", "c", "..", ".", "", "a/", "d", "loop"];
    let mut handles: Vec<NodeId> = Vec::new();
    let mut outcomes: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for step in 0..20_000u64 {
        let mut path = String::new();
        if rng.below(2) == 0 {
            path.push('/');
        }
        for i in 0..=rng.below(3) {
            if i > 0 {
                path.push('/');
            }
            path.push_str(rng.pick(&parts));
        }
        let other_path = alloc::format!("/{}/{}", rng.pick(&parts), rng.pick(&parts));
        let base = match handles.len() {
            0 => ROOT,
            n if rng.below(3) == 0 => handles[rng.below(n)],
            _ => ROOT,
        };
        let caller = callers[rng.below(callers.len())];
        let creator = Creator { caller, mode: [0o777, 0o755, 0o644, 0o1777, 0o000][rng.below(5)], now: step };
        let (name, result): (&str, Result<(), FsError>) = match rng.below(14) {
            0 => {
                let options = OpenOptions {
                    read: rng.below(2) == 0,
                    write: rng.below(2) == 0,
                    create: rng.below(2) == 0,
                    exclusive: rng.below(4) == 0,
                    truncate: rng.below(4) == 0,
                    directory: rng.below(4) == 0,
                    no_follow: rng.below(4) == 0,
                };
                ("open", fs.open(base, &path, options, creator).inspect(|id| handles.push(*id)).map(drop))
            }
            1 => ("mkdir", fs.mkdir(base, &path, creator).map(drop)),
            2 => ("symlink", fs.symlink(&other_path, base, &path, creator).map(drop)),
            3 => ("unlink", fs.unlink(base, &path, caller, step)),
            4 => ("rmdir", fs.rmdir(base, &path, caller, step)),
            5 => ("rename", fs.rename(base, &path, ROOT, &other_path, caller, step)),
            6 => ("link", fs.link(base, &path, ROOT, &other_path, caller, step)),
            7 => ("create_file", fs.create_file(base, &path, vec![1; rng.below(3000)], creator).map(drop)),
            8 if !handles.is_empty() => {
                let id = handles[rng.below(handles.len())];
                let offset = [0, 10, 4000, u64::MAX - 3][rng.below(4)];
                ("write", fs.write(id, offset, &[9; 700], step).map(drop))
            }
            9 if !handles.is_empty() => {
                let id = handles[rng.below(handles.len())];
                ("truncate", fs.truncate(id, rng.below(6000) as u64, step))
            }
            10 if !handles.is_empty() => {
                let id = handles.swap_remove(rng.below(handles.len()));
                fs.release(id);
                continue;
            }
            11 => {
                let found = fs.lookup(base, &path, rng.below(2) == 0, caller);
                ("chmod", found.and_then(|id| fs.chmod(id, creator.mode, caller, step)))
            }
            12 if !handles.is_empty() => {
                let id = handles[rng.below(handles.len())];
                ("read", fs.read(id, rng.next() % 5000, 100, step).map(drop))
            }
            _ => ("readlink", fs.readlink(base, &path, caller, step).map(drop)),
        };
        let counts = outcomes.entry(name).or_default();
        if result.is_ok() {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
        check_invariants(&fs);
    }
    for (name, (ok, failed)) in &outcomes {
        assert!(*ok > 0 && *failed > 0, "{name} should both succeed and fail at random: {ok} ok, {failed} failed");
    }
    for id in handles {
        fs.release(id);
    }
    check_invariants(&fs);
    assert!(fs.nodes.values().all(|node| node.opens == 0));
}

#[test]
fn nodes_are_bounded_by_the_capacity() {
    let mut fs = MemFs::with_capacity(32 * BLOCK_SIZE);
    fs.chown(ROOT, Some(USER.uid), Some(USER.gid), Caller::ROOT, 0).unwrap();
    assert_eq!(fs.max_nodes(), 32);
    for i in 1..32 {
        fs.mkdir(ROOT, &alloc::format!("/d{i}"), directory()).unwrap();
    }
    assert_eq!(fs.statvfs().nodes, 32);
    assert_eq!(fs.mkdir(ROOT, "/one-more", directory()), Err(FsError::NoSpace));
    assert_eq!(fs.symlink("/d1", ROOT, "/s", creator()), Err(FsError::NoSpace));
    fs.rmdir(ROOT, "/d1", USER, 0).unwrap();
    fs.mkdir(ROOT, "/room-again", directory()).unwrap();
}
