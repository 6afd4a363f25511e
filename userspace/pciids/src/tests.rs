//! Tests on a small sample in the real file's format, on damaged text, and
//! on the real database when the build machine has it.

use super::Database;

const SAMPLE: &str = "\
#	List of PCI ID's
#
# Version: 2023.04.11

0001  SafeNet (wrong ID)
8086  Intel Corporation
	100e  82540EM Gigabit Ethernet Controller
		1014 0265  PRO/1000 MT Desktop Connection
		1af4 1100  QEMU Virtual Machine
# a comment between devices
	10d3  82574L Gigabit Network Connection
	2922  82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode]
1af4  Red Hat, Inc.
	1000  Virtio network device

# List of known device classes, subclasses and programming interfaces
C 01  Mass storage controller
	06  SATA controller
		00  Vendor specific
		01  AHCI 1.0
	08  Non-Volatile memory controller
		02  NVM Express
C 02  Network controller
	00  Ethernet controller
C ff  Unassigned class
";

#[test]
fn names_are_found() {
    let db = Database::new(SAMPLE);
    assert_eq!(db.counts(), (3, 3));
    assert_eq!(db.vendor(0x8086), Some("Intel Corporation"));
    assert_eq!(db.vendor(0x1af4), Some("Red Hat, Inc."));
    assert_eq!(db.device(0x8086, 0x100e), Some("82540EM Gigabit Ethernet Controller"));
    assert_eq!(db.device(0x8086, 0x10d3), Some("82574L Gigabit Network Connection"));
    assert_eq!(db.device(0x8086, 0x2922), Some("82801IR/IO/IH (ICH9R/DO/DH) 6 port SATA Controller [AHCI mode]"));
    assert_eq!(db.device(0x1af4, 0x1000), Some("Virtio network device"));
    assert_eq!(db.subsystem(0x8086, 0x100e, 0x1af4, 0x1100), Some("QEMU Virtual Machine"));
    assert_eq!(db.subsystem(0x8086, 0x100e, 0x1014, 0x0265), Some("PRO/1000 MT Desktop Connection"));
    assert_eq!(db.class(0x01), Some("Mass storage controller"));
    assert_eq!(db.class(0xff), Some("Unassigned class"));
    assert_eq!(db.subclass(0x01, 0x06), Some("SATA controller"));
    assert_eq!(db.subclass(0x01, 0x08), Some("Non-Volatile memory controller"));
    assert_eq!(db.prog_if(0x01, 0x06, 0x01), Some("AHCI 1.0"));
    assert_eq!(db.prog_if(0x01, 0x08, 0x02), Some("NVM Express"));
    assert_eq!(db.subclass(0x02, 0x00), Some("Ethernet controller"));
}

#[test]
fn unknown_ids_are_none() {
    let db = Database::new(SAMPLE);
    assert_eq!(db.vendor(0x1234), None);
    assert_eq!(db.device(0x8086, 0x1234), None);
    assert_eq!(db.device(0x1234, 0x100e), None);
    // A subsystem of another device is not this device's.
    assert_eq!(db.subsystem(0x8086, 0x10d3, 0x1af4, 0x1100), None);
    assert_eq!(db.subclass(0x01, 0x07), None);
    assert_eq!(db.prog_if(0x01, 0x06, 0x02), None);
    // Prog-ifs of one subclass are not another's.
    assert_eq!(db.prog_if(0x01, 0x08, 0x01), None);
    assert_eq!(db.class(0x03), None);
}

#[test]
fn damaged_text_gives_fewer_names() {
    let text = "zz12  Not hex\n8086\n8086Intel\n\t100e\n1af4  Red Hat\n\tnothex  Device\n\t1000  Virtio\nC 1  Short\nC 01\n\x00\x01\n";
    let db = Database::new(text);
    assert_eq!(db.vendor(0x8086), None);
    assert_eq!(db.vendor(0x1af4), Some("Red Hat"));
    assert_eq!(db.device(0x1af4, 0x1000), Some("Virtio"));
    assert_eq!(db.class(0x01), None);
    let empty = Database::new("");
    assert_eq!(empty.counts(), (0, 0));
    assert_eq!(empty.device(0, 0), None);
    // Truncated in the middle of a line, and without a final newline.
    let cut = &SAMPLE[..SAMPLE.find("82574L").unwrap() + 3];
    let db = Database::new(cut);
    assert_eq!(db.device(0x8086, 0x10d3), Some("825"));
    assert_eq!(db.device(0x8086, 0x100e), Some("82540EM Gigabit Ethernet Controller"));
}

/// The file `make deps` installs (Debian's `pci.ids` package).
#[test]
fn the_real_database() {
    let path = "/usr/share/misc/pci.ids";
    let Ok(text) = std::fs::read_to_string(path) else {
        panic!("{path} is missing: run `make deps` (it installs Debian's pci.ids package)");
    };
    let db = Database::new(&text);
    let (vendors, classes) = db.counts();
    assert!(vendors > 2000 && classes > 15, "{vendors} vendors, {classes} classes");
    assert_eq!(db.vendor(0x8086), Some("Intel Corporation"));
    assert_eq!(db.device(0x8086, 0x100e), Some("82540EM Gigabit Ethernet Controller"));
    assert_eq!(db.subsystem(0x8086, 0x100e, 0x1af4, 0x1100), Some("QEMU Virtual Machine"));
    assert_eq!(db.device(0x1b36, 0x0010), Some("QEMU NVM Express Controller"));
    assert_eq!(db.subclass(0x01, 0x08), Some("Non-Volatile memory controller"));
    assert_eq!(db.prog_if(0x01, 0x08, 0x02), Some("NVM Express"));
}
