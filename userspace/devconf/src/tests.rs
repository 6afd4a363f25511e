//! Host tests of the driver list format and matching.

use alloc::{format, vec};

use super::*;

/// A configuration header with these IDs and class code.
fn header(vendor: u16, device: u16, class: [u8; 3]) -> [u8; 12] {
    let mut header = [0u8; 12];
    header[0..2].copy_from_slice(&vendor.to_le_bytes());
    header[2..4].copy_from_slice(&device.to_le_bytes());
    header[9] = class[2];
    header[10] = class[1];
    header[11] = class[0];
    header
}

const EXAMPLE: &str = concat!(
    "# drivers\n",
    "driver /bin/nvme --queues 4   # NVMe\n",
    "    match class 01:08:02\n",
    "    schemes initfs dev\n",
    "    register\n",
    "    serve disk.nvme\n",
    "\n",
    "driver /bin/edu --stay\n",
    "\tmatch id 1234:11e8\n",
    "\tmatch class ff\n",
);

#[test]
fn reads_the_example() {
    let drivers = parse(EXAMPLE).unwrap();
    assert_eq!(drivers.len(), 2);
    assert_eq!(drivers[0].exec, vec!["/bin/nvme", "--queues", "4"]);
    assert_eq!(drivers[0].matches, vec![Match::Class { class: 1, subclass: Some(8), prog_if: Some(2) }]);
    assert_eq!(drivers[0].schemes, vec!["initfs", "dev"]);
    assert!(drivers[0].register);
    assert_eq!(drivers[0].serve.as_deref(), Some("disk.nvme"));
    assert_eq!(drivers[1].exec, vec!["/bin/edu", "--stay"]);
    assert_eq!(drivers[1].matches.len(), 2);
    assert!(drivers[1].schemes.is_empty() && !drivers[1].register && drivers[1].serve.is_none());
}

#[test]
fn matching_picks_the_first_driver_that_selects() {
    let drivers = parse(EXAMPLE).unwrap();
    let nvme = header(0x1b36, 0x0010, [0x01, 0x08, 0x02]);
    let edu = header(0x1234, 0x11e8, [0x00, 0xff, 0x00]);
    let other_storage = header(0x8086, 0x2922, [0x01, 0x06, 0x01]);
    let unclassified = header(0x1af4, 0x1005, [0xff, 0x00, 0x00]);
    assert_eq!(driver_for(&drivers, &nvme).unwrap().exec[0], "/bin/nvme");
    assert_eq!(driver_for(&drivers, &edu).unwrap().exec[0], "/bin/edu");
    assert!(driver_for(&drivers, &other_storage).is_none());
    assert_eq!(driver_for(&drivers, &unclassified).unwrap().exec[0], "/bin/edu");
    let class_only = Match::Class { class: 1, subclass: None, prog_if: None };
    assert!(class_only.accepts(&other_storage) && class_only.accepts(&nvme));
}

#[test]
fn bad_lines_name_their_line() {
    for (text, line) in [
        ("match id 1234:11e8\n", 1),
        ("driver\n", 1),
        ("driver /bin/x\n    match id 1234\n", 2),
        ("driver /bin/x\n    match id 12345:11e8\n", 2),
        ("driver /bin/x\n    match id wxyz:11e8\n", 2),
        ("driver /bin/x\n    match class 1\n", 2),
        ("driver /bin/x\n    match class 01:02:03:04\n", 2),
        ("driver /bin/x\n    match colour red\n", 2),
        ("driver /bin/x\n    match id 1234:11e8\n    register now\n", 3),
        ("driver /bin/x\n    match id 1234:11e8\n    schemes\n", 3),
        ("driver /bin/x\n    match id 1234:11e8\n    frobnicate\n", 3),
        ("driver /bin/x\n    match id 1234:11e8\n    serve\n", 3),
        ("driver /bin/x\n    match id 1234:11e8\n    serve a b\n", 3),
        ("driver /bin/x\n    match id 1234:11e8\n    serve disk/x\n", 3),
        ("driver /bin/x\n    match id 1234:11e8\n    serve disk:x\n", 3),
        ("driver /bin/x\n    match id 1234:11e8\n    serve a\n    serve b\n", 4),
        (format!("driver /bin/x\n    match id 1234:11e8\n    serve {}\n", "d".repeat(59)).as_str(), 3),
        ("driver /bin/x\n    schemes a\ndriver /bin/y\n    match id 1234:11e8\n", 1),
        ("driver /bin/x\n    schemes a\n", 1),
        ("service x\n", 1),
    ] {
        assert_eq!(parse(text).unwrap_err().line, line, "{text:?}");
    }
}

#[test]
fn empty_and_comment_only_lists_are_empty() {
    assert_eq!(parse("").unwrap(), vec![]);
    assert_eq!(parse("# nothing\n   \n\t# here\n").unwrap(), vec![]);
}
