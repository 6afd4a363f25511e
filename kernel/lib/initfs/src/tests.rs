//! Host tests: writer/reader round trip, lookups, directory listings, every reader error
//! (by patching valid images) and every builder error. Test-only; uses `std`.

use std::string::String;
use std::vec;
use std::vec::Vec;

use crate::{
    BuildError, ENTRY_LEN, EntryError, EntryIndex, EntryKind, HEADER_LEN, Initfs, InitfsBuilder, InitfsError, Mode,
    PAGE_SIZE, PathError, check_path,
};

/// Offsets of the header fields.
const VERSION_AT: usize = 8;
const COUNT_AT: usize = 12;
const ENTRIES_AT: usize = 16;
const STRINGS_AT: usize = 20;
const STRINGS_LEN_AT: usize = 24;
const IMAGE_LEN_AT: usize = 28;
/// Offsets of the fields inside an entry record.
const PATH_OFFSET: usize = 0;
const PATH_LEN: usize = 4;
const MODE: usize = 8;
const RESERVED: usize = 12;
const DATA_OFFSET: usize = 16;
const DATA_LEN: usize = 20;

pub(crate) fn sample_builder() -> InitfsBuilder {
    let mut builder = InitfsBuilder::new();
    builder.add_file("/bin/init", b"\x7fELF init".as_slice(), true).unwrap();
    builder.add_file("/bin/sh", vec![0x5a; PAGE_SIZE + 1], true).unwrap();
    builder.add_file("/etc/rc", "echo hello\n", false).unwrap();
    builder.add_file("/etc/empty", Vec::new(), false).unwrap();
    builder.add_dir("/tmp").unwrap();
    builder.add_file("/a-b", "sorts between /a and /a/c", false).unwrap();
    builder.add_file("/a/c", "c", false).unwrap();
    builder.add_dir("/a/d/e").unwrap();
    builder
}

pub(crate) fn get_u32(image: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(image[at..at + 4].try_into().unwrap())
}

pub(crate) fn put_u32(image: &mut [u8], at: usize, value: u32) {
    image[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

fn entry_at(index: usize) -> usize {
    HEADER_LEN + index * ENTRY_LEN
}

fn entry_error(index: u32, error: EntryError) -> Result<(), InitfsError> {
    Err(InitfsError::Entry { index: EntryIndex(index), error })
}

fn parse_result(image: &[u8]) -> Result<(), InitfsError> {
    Initfs::parse(image).map(|_| ())
}

/// Checks everything a valid image promises; used here and by the fuzz test.
pub(crate) fn check_invariants(image: &[u8], initfs: &Initfs<'_>) {
    assert_eq!(image.len() % PAGE_SIZE, 0);
    let entries: Vec<_> = initfs.iter().collect();
    assert_eq!(entries.len(), initfs.entry_count());
    assert_eq!(initfs.iter().rev().count(), entries.len());
    assert_eq!(entries[0].path, "/");
    assert_eq!(entries[0].kind, EntryKind::Dir);
    let mut children = 0;
    for (index, entry) in entries.iter().enumerate() {
        assert_eq!(check_path(entry.path), Ok(()));
        assert!(index == 0 || entries[index - 1].path < entry.path);
        assert_eq!(initfs.lookup(entry.path), Some(*entry));
        assert_eq!(entry.kind, entry.mode.kind());
        match entry.kind {
            EntryKind::File => {
                let start = entry.data_offset as usize;
                assert_eq!(start % PAGE_SIZE, 0);
                assert_eq!(&image[start..start + entry.data.len()], entry.data);
                assert!(initfs.read_dir(entry.path).is_none());
            }
            EntryKind::Dir => {
                assert!(entry.data.is_empty());
                assert_eq!(entry.data_offset, 0);
                for child in initfs.read_dir(entry.path).unwrap() {
                    children += 1;
                    let path = if entry.path == "/" {
                        std::format!("/{}", child.name)
                    } else {
                        std::format!("{}/{}", entry.path, child.name)
                    };
                    assert_eq!(initfs.lookup(&path).map(|e| e.kind), Some(child.kind));
                }
            }
        }
    }
    assert_eq!(children, entries.len() - 1, "every entry but the root is some directory's child");
}

#[test]
fn round_trip() {
    let image = sample_builder().build();
    let initfs = Initfs::parse(&image).unwrap();
    check_invariants(&image, &initfs);
    let paths: Vec<_> = initfs.iter().map(|entry| entry.path).collect();
    assert_eq!(
        paths,
        [
            "/",
            "/a",
            "/a-b",
            "/a/c",
            "/a/d",
            "/a/d/e",
            "/bin",
            "/bin/init",
            "/bin/sh",
            "/etc",
            "/etc/empty",
            "/etc/rc",
            "/tmp"
        ]
    );
    let init = initfs.lookup("/bin/init").unwrap();
    assert_eq!(init.data, b"\x7fELF init");
    assert_eq!(init.kind, EntryKind::File);
    assert_eq!(init.mode, Mode::EXECUTABLE);
    assert!(init.mode.is_executable());
    let sh = initfs.lookup("/bin/sh").unwrap();
    assert_eq!(sh.data, vec![0x5a; PAGE_SIZE + 1].as_slice());
    assert_eq!(sh.data_offset, init.data_offset + PAGE_SIZE as u32, "one page for init");
    let rc = initfs.lookup("/etc/rc").unwrap();
    assert_eq!(rc.data, b"echo hello\n");
    assert_eq!(rc.mode.bits(), 0o100_644);
    assert!(!rc.mode.is_executable());
    assert_eq!(rc.mode.permissions(), 0o644);
    assert!(initfs.lookup("/etc/empty").unwrap().data.is_empty());
    let tmp = initfs.lookup("/tmp").unwrap();
    assert_eq!((tmp.kind, tmp.mode, tmp.data), (EntryKind::Dir, Mode::DIR, [].as_slice()));
    assert_eq!(image.len(), 7 * PAGE_SIZE, "metadata, init, two pages of sh, a-b, c, rc (empty takes none)");
}

#[test]
fn empty_builder_makes_a_root_only_image() {
    let image = InitfsBuilder::default().build();
    assert_eq!(image.len(), PAGE_SIZE);
    let initfs = Initfs::parse(&image).unwrap();
    check_invariants(&image, &initfs);
    assert_eq!(initfs.entry_count(), 1);
    assert_eq!(initfs.read_dir("/").unwrap().count(), 0);
}

#[test]
fn lookup_takes_normalized_absolute_paths_only() {
    let image = sample_builder().build();
    let initfs = Initfs::parse(&image).unwrap();
    assert_eq!(initfs.lookup("/").unwrap().kind, EntryKind::Dir);
    assert_eq!(initfs.lookup("/bin").unwrap().kind, EntryKind::Dir);
    for path in ["", "bin/init", "/bin/init/", "/bin//init", "/bin/./init", "/etc/../bin/init", "//", "/bi", "/x"] {
        assert_eq!(initfs.lookup(path), None, "{path:?}");
    }
}

#[test]
fn read_dir_lists_direct_children_only() {
    let image = sample_builder().build();
    let initfs = Initfs::parse(&image).unwrap();
    let list = |path| initfs.read_dir(path).map(|dir| dir.map(|child| (child.name, child.kind)).collect::<Vec<_>>());
    use EntryKind::{Dir, File};
    assert_eq!(list("/").unwrap(), [("a", Dir), ("a-b", File), ("bin", Dir), ("etc", Dir), ("tmp", Dir)]);
    assert_eq!(list("/a").unwrap(), [("c", File), ("d", Dir)]);
    assert_eq!(list("/a/d").unwrap(), [("e", Dir)]);
    assert_eq!(list("/a/d/e").unwrap(), []);
    assert_eq!(list("/etc").unwrap(), [("empty", File), ("rc", File)]);
    assert_eq!(list("/bin/init"), None, "a file is no directory");
    assert_eq!(list("/nope"), None);
    assert_eq!(list("bin"), None);
}

#[test]
fn check_path_rules() {
    for good in ["/", "/a", "/a/b", "/.a", "/a..", "/a b/ü", "/..."] {
        assert_eq!(check_path(good), Ok(()), "{good:?}");
    }
    let bad = [
        ("", PathError::NotAbsolute),
        ("a", PathError::NotAbsolute),
        ("a/", PathError::NotAbsolute),
        ("/a\0", PathError::ContainsNul),
        ("//", PathError::EmptyComponent),
        ("//a", PathError::EmptyComponent),
        ("/a//b", PathError::EmptyComponent),
        ("/a/", PathError::TrailingSlash),
        ("/.", PathError::DotComponent),
        ("/a/../b", PathError::DotComponent),
        ("/a/./b", PathError::DotComponent),
    ];
    for (path, error) in bad {
        assert_eq!(check_path(path), Err(error), "{path:?}");
    }
}

#[test]
fn builder_errors() {
    let mut builder = sample_builder();
    let before = builder.build();
    assert_eq!(builder.add_file("bin/x", "", false), Err(BuildError::InvalidPath(PathError::NotAbsolute)));
    assert_eq!(builder.add_dir("/x/"), Err(BuildError::InvalidPath(PathError::TrailingSlash)));
    assert_eq!(builder.add_file("/bin/init", "", false), Err(BuildError::AlreadyExists));
    assert_eq!(builder.add_file("/bin", "", false), Err(BuildError::AlreadyExists));
    assert_eq!(builder.add_file("/", "", false), Err(BuildError::AlreadyExists));
    assert_eq!(builder.add_dir("/etc/rc"), Err(BuildError::AlreadyExists));
    assert_eq!(builder.add_file("/etc/rc/x/y", "", false), Err(BuildError::ParentNotDirectory));
    assert_eq!(builder.add_dir("/bin/init/z"), Err(BuildError::ParentNotDirectory));
    assert_eq!(builder.add_dir("/bin"), Ok(()), "directories may be added again");
    assert_eq!(builder.add_dir("/"), Ok(()));
    assert_eq!(builder.build(), before, "failed or repeated additions change nothing");
}

#[test]
fn header_errors() {
    let image = sample_builder().build();
    let patched = |at: usize, value: u32| {
        let mut copy = image.clone();
        put_u32(&mut copy, at, value);
        parse_result(&copy)
    };
    assert_eq!(parse_result(&image[..HEADER_LEN - 1]), Err(InitfsError::TooShort { len: HEADER_LEN - 1 }));
    assert_eq!(parse_result(&[]), Err(InitfsError::TooShort { len: 0 }));
    assert_eq!(patched(4, u32::from_le_bytes(*b"XIFS")), Err(InitfsError::BadMagic));
    assert_eq!(patched(VERSION_AT, 2), Err(InitfsError::UnsupportedVersion(2)));
    assert_eq!(
        parse_result(&image[..image.len() - PAGE_SIZE]),
        Err(InitfsError::LengthMismatch { header: image.len() as u32, actual: image.len() - PAGE_SIZE })
    );
    let mut longer = image.clone();
    longer.push(0);
    let len = longer.len() as u32;
    put_u32(&mut longer, IMAGE_LEN_AT, len);
    assert_eq!(parse_result(&longer), Err(InitfsError::LengthNotPageMultiple(longer.len() as u32)));
    assert_eq!(patched(ENTRIES_AT, HEADER_LEN as u32 - 4), Err(InitfsError::EntryTableOutOfBounds));
    assert_eq!(patched(COUNT_AT, u32::MAX), Err(InitfsError::EntryTableOutOfBounds));
    assert_eq!(patched(ENTRIES_AT, image.len() as u32), Err(InitfsError::EntryTableOutOfBounds));
    let table_end = entry_at(get_u32(&image, COUNT_AT) as usize) as u32;
    assert_eq!(patched(STRINGS_AT, table_end - 1), Err(InitfsError::StringAreaOutOfBounds));
    assert_eq!(patched(STRINGS_LEN_AT, image.len() as u32), Err(InitfsError::StringAreaOutOfBounds));
    assert_eq!(patched(STRINGS_AT, u32::MAX), Err(InitfsError::StringAreaOutOfBounds));
    let mut not_utf8 = image.clone();
    not_utf8[table_end as usize + 1] = 0xff;
    assert_eq!(parse_result(&not_utf8), Err(InitfsError::StringsNotUtf8));
    assert_eq!(patched(COUNT_AT, 0), Err(InitfsError::MissingRoot));
    assert_eq!(patched(entry_at(0) + MODE, Mode::FILE.bits()), Err(InitfsError::MissingRoot));
    let mut root_renamed = image.clone();
    put_u32(&mut root_renamed, entry_at(0) + PATH_OFFSET, get_u32(&image, entry_at(1) + PATH_OFFSET));
    put_u32(&mut root_renamed, entry_at(0) + PATH_LEN, get_u32(&image, entry_at(1) + PATH_LEN));
    assert_eq!(parse_result(&root_renamed), Err(InitfsError::MissingRoot), "entry 0 becomes `/a`");
    // Extending an image by whole pages (and saying so) is fine: unused space at the end.
    let mut extended = image.clone();
    extended.resize(image.len() + PAGE_SIZE, 0xee);
    let len = extended.len() as u32;
    put_u32(&mut extended, IMAGE_LEN_AT, len);
    assert_eq!(parse_result(&extended), Ok(()));
}

/// A small image with known layout: `/` (0), `/a` (1), `/a/b` (2, file), `/c` (3, file).
fn small_image() -> Vec<u8> {
    let mut builder = InitfsBuilder::new();
    builder.add_file("/a/b", "bee", false).unwrap();
    builder.add_file("/c", "sea", true).unwrap();
    builder.build()
}

#[test]
fn entry_errors() {
    let image = small_image();
    let names: Vec<String> = Initfs::parse(&image).unwrap().iter().map(|e| e.path.into()).collect();
    assert_eq!(names, ["/", "/a", "/a/b", "/c"]);
    let patched = |patches: &[(usize, u32)]| {
        let mut copy = image.clone();
        for &(at, value) in patches {
            put_u32(&mut copy, at, value);
        }
        parse_result(&copy)
    };
    let field = |index: usize, offset: usize| entry_at(index) + offset;
    let strings_at = get_u32(&image, STRINGS_AT) as usize;

    assert_eq!(patched(&[(field(2, PATH_LEN), 1000)]), entry_error(2, EntryError::PathOutOfBounds));
    assert_eq!(patched(&[(field(2, PATH_OFFSET), u32::MAX)]), entry_error(2, EntryError::PathOutOfBounds));
    assert_eq!(patched(&[(field(1, PATH_LEN), 1)]), entry_error(1, EntryError::Duplicate), "`/a` becomes `/`");
    let path_b = strings_at + get_u32(&image, field(2, PATH_OFFSET)) as usize;
    let mut bad_path = image.clone();
    bad_path[path_b + 3] = b'/'; // `/a/b` becomes `/a//`
    assert_eq!(parse_result(&bad_path), entry_error(2, EntryError::BadPath(PathError::EmptyComponent)));
    let trailing = patched(&[(field(2, PATH_LEN), 3)]); // `/a/`
    assert_eq!(trailing, entry_error(2, EntryError::BadPath(PathError::TrailingSlash)));
    let mut missing_parent = image.clone();
    missing_parent[path_b + 1] = b'b'; // `/a/b` becomes `/b/b`, still sorted
    assert_eq!(parse_result(&missing_parent), entry_error(2, EntryError::MissingParent));
    let swapped = [(field(2, PATH_OFFSET), get_u32(&image, field(3, PATH_OFFSET))), (field(2, PATH_LEN), 2)];
    assert_eq!(patched(&swapped), entry_error(3, EntryError::Duplicate), "entry 2 becomes `/c`");
    let swapped = [(field(1, PATH_OFFSET), get_u32(&image, field(3, PATH_OFFSET))), (field(1, PATH_LEN), 2)];
    assert_eq!(patched(&swapped), entry_error(2, EntryError::NotSorted), "entry 1 becomes `/c`");
    assert_eq!(patched(&[(field(3, MODE), 0o120_777)]), entry_error(3, EntryError::BadMode(0o120_777)));
    assert_eq!(patched(&[(field(3, MODE), 0o104_755)]), entry_error(3, EntryError::BadMode(0o104_755)));
    assert_eq!(patched(&[(field(1, RESERVED), 1)]), entry_error(1, EntryError::ReservedNotZero));
    assert_eq!(patched(&[(field(1, DATA_LEN), 1)]), entry_error(1, EntryError::DirectoryWithData));
    assert_eq!(patched(&[(field(1, DATA_OFFSET), 4096)]), entry_error(1, EntryError::DirectoryWithData));
    // `/a` turned into an empty file placed where `/a/b`'s data starts.
    let b_data = get_u32(&image, field(2, DATA_OFFSET));
    let a_as_file = [(field(1, MODE), Mode::FILE.bits()), (field(1, DATA_OFFSET), b_data)];
    assert_eq!(patched(&a_as_file), entry_error(2, EntryError::ParentNotDirectory));
    assert_eq!(patched(&[(field(3, DATA_LEN), image.len() as u32)]), entry_error(3, EntryError::DataOutOfBounds));
    assert_eq!(patched(&[(field(3, DATA_OFFSET), u32::MAX)]), entry_error(3, EntryError::DataOutOfBounds));
    assert_eq!(patched(&[(field(3, DATA_OFFSET), b_data + 1)]), entry_error(3, EntryError::DataMisaligned));
    assert_eq!(patched(&[(field(3, DATA_OFFSET), b_data)]), entry_error(3, EntryError::DataOverlap));
    assert_eq!(patched(&[(field(2, DATA_OFFSET), 0)]), entry_error(2, EntryError::DataOverlap), "on the header");
}

#[test]
fn path_splitting_a_character_is_refused() {
    let mut builder = InitfsBuilder::new();
    builder.add_file("/é", "e", false).unwrap();
    let mut image = builder.build();
    put_u32(&mut image, entry_at(1) + PATH_LEN, 2); // `/` plus half of `é`
    assert_eq!(parse_result(&image), entry_error(1, EntryError::PathNotUtf8));
}

#[test]
fn errors_display_one_line() {
    let errors = [
        InitfsError::TooShort { len: 3 },
        InitfsError::LengthMismatch { header: 8192, actual: 4096 },
        InitfsError::Entry { index: EntryIndex(7), error: EntryError::BadPath(PathError::DotComponent) },
        InitfsError::Entry { index: EntryIndex(1), error: EntryError::BadMode(0o120_777) },
    ];
    let texts: Vec<String> = errors.iter().map(|error| std::format!("{error}")).collect();
    assert_eq!(
        texts,
        [
            "initfs image too short (3 bytes)",
            "initfs image is 4096 bytes long but its header says 8192",
            "initfs entry 7: path contains a `.` or `..` component",
            "initfs entry 1: bad mode 0o120777",
        ]
    );
    assert_eq!(std::format!("{}", BuildError::ParentNotDirectory), "a parent of the path is a file");
}
