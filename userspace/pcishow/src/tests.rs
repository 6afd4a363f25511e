//! Tests against what pciutils' `lspci` prints for the same QEMU devices.

use std::string::String;

use cairn_pci::text;
use cairn_pciids::Database;

use super::{Names, Naming, Options, hex_dump, show};

const IDS: &str = "\
8086  Intel Corporation
\t100e  82540EM Gigabit Ethernet Controller
\t\t8086 001e  PRO/1000 MT Desktop Adapter
1af4  Red Hat, Inc.
\t1100  QEMU Virtual Machine
1b36  Red Hat, Inc.
\t000c  QEMU PCIe Root port
\t0010  QEMU NVM Express Controller
C 01  Mass storage controller
\t08  Non-Volatile memory controller
\t\t02  NVM Express
C 02  Network controller
\t00  Ethernet controller
C 06  Bridge
\t04  PCI bridge
\t\t00  Normal decode
";

const E1000: &str = "address 0000:00:03.0\nid 8086 100e\nclass 02 00 00\nrevision 03\nheader 0 single\n\
command 0107\nstatus 0000\nlatency 00\ncache-line 00\nsubsystem 1af4 1100\ninterrupt 1 0b\n\
bar 0 mem32 febc0000 20000\nbar 1 io c000 40\nrom feb80000 40000 disabled\n";

const NVME: &str = "address 0000:01:00.0\nid 1b36 0010\nclass 01 08 02\nrevision 02\nheader 0 single\n\
command 0002\nstatus 0010\nlatency 00\ncache-line 00\nsubsystem 1af4 1100\ninterrupt 1 0b\n\
bar 0 mem64 fe800000 4000\ncap 40 11 msix enabled=0 masked=0 size=41 table=0:2000 pba=0:3000\n\
cap 80 10 pcie version=2 type=0 slot=0 message=0\ncap 60 01 pm version=3 d1=0 d2=0 state=0\n\
ext 100 0001 2\nproblem something odd\n";

const ROOT_PORT: &str = "address 0000:00:03.0\nid 1b36 000c\nclass 06 04 00\nrevision 00\nheader 1 single\n\
command 0107\nstatus 0010\nlatency 00\ncache-line 00\ninterrupt 1 0b\nbar 0 mem32 feb95000 1000\n\
bridge 00 01 01 00\nwindow io d000 cfff 10\nwindow mem fe800000 fe9fffff 20\n\
window pref fe200000 fe3fffff 40\ncap 54 05 msi enabled=0 capable=1 vectors=1 64bit=1 mask=1\n\
cap 48 10 pcie version=2 type=4 slot=1 message=0\n";

fn render(text_form: &str, naming: Naming, verbose: bool, database: Option<&Database<'_>>) -> String {
    let function = text::parse(text_form).unwrap().function;
    let mut out = String::new();
    show(&mut out, &function, &Names { database, naming }, Options { verbose, domain: false }).unwrap();
    out
}

#[test]
fn default_line() {
    let db = Database::new(IDS);
    assert_eq!(
        render(E1000, Naming::Names, false, Some(&db)),
        "00:03.0 Ethernet controller: Intel Corporation 82540EM Gigabit Ethernet Controller (rev 03)\n"
    );
    assert_eq!(
        render(NVME, Naming::Names, false, Some(&db)),
        "01:00.0 Non-Volatile memory controller: Red Hat, Inc. QEMU NVM Express Controller (rev 02)\n"
    );
}

#[test]
fn numeric_lines() {
    let db = Database::new(IDS);
    assert_eq!(render(E1000, Naming::Numbers, false, Some(&db)), "00:03.0 0200: 8086:100e (rev 03)\n");
    // No revision suffix for revision 0.
    assert_eq!(render(ROOT_PORT, Naming::Numbers, false, None), "00:03.0 0604: 1b36:000c\n");
    assert_eq!(
        render(E1000, Naming::Both, false, Some(&db)),
        "00:03.0 Ethernet controller [0200]: Intel Corporation 82540EM Gigabit Ethernet Controller [8086:100e] \
         (rev 03)\n"
    );
}

#[test]
fn unknown_names_fall_back_to_numbers() {
    let db = Database::new("8086  Intel Corporation\n");
    assert_eq!(
        render(E1000, Naming::Names, false, Some(&db)),
        "00:03.0 Class 0200: Intel Corporation Device 100e (rev 03)\n"
    );
    assert_eq!(render(E1000, Naming::Names, false, None), "00:03.0 Class 0200: Device 8086:100e (rev 03)\n");
}

#[test]
fn verbose_endpoint() {
    let db = Database::new(IDS);
    assert_eq!(
        render(E1000, Naming::Names, true, Some(&db)),
        "00:03.0 Ethernet controller: Intel Corporation 82540EM Gigabit Ethernet Controller (rev 03)\n\
         \tSubsystem: Red Hat, Inc. QEMU Virtual Machine\n\
         \tFlags: bus master, fast devsel, latency 0, IRQ 11\n\
         \tMemory at febc0000 (32-bit, non-prefetchable) [size=128K]\n\
         \tI/O ports at c000 [size=64]\n\
         \tExpansion ROM at feb80000 [disabled] [size=256K]\n"
    );
    assert_eq!(
        render(NVME, Naming::Numbers, true, Some(&db)),
        "01:00.0 0108: 1b36:0010 (rev 02) (prog-if 02)\n\
         \tSubsystem: 1af4:1100\n\
         \tFlags: fast devsel, IRQ 11\n\
         \tMemory at fe800000 (64-bit, non-prefetchable) [size=16K]\n\
         \tCapabilities: [40] MSI-X: Enable- Count=65 Masked-\n\
         \tCapabilities: [80] Express (v2) Endpoint, MSI 00\n\
         \tCapabilities: [60] Power Management version 3\n\
         \tCapabilities: [100] Advanced Error Reporting\n"
    );
}

#[test]
fn verbose_bridge() {
    let db = Database::new(IDS);
    assert_eq!(
        render(ROOT_PORT, Naming::Names, true, Some(&db)),
        "00:03.0 PCI bridge: Red Hat, Inc. QEMU PCIe Root port (prog-if 00 [Normal decode])\n\
         \tFlags: bus master, fast devsel, latency 0, IRQ 11\n\
         \tMemory at feb95000 (32-bit, non-prefetchable) [size=4K]\n\
         \tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n\
         \tI/O behind bridge: [disabled] [16-bit]\n\
         \tMemory behind bridge: fe800000-fe9fffff [size=2M] [32-bit]\n\
         \tPrefetchable memory behind bridge: 00000000fe200000-00000000fe3fffff [size=2M] [64-bit]\n\
         \tCapabilities: [54] MSI: Enable- Count=1/1 Maskable+ 64bit+\n\
         \tCapabilities: [48] Express (v2) Root Port (Slot+), MSI 00\n"
    );
}

#[test]
fn disabled_and_unassigned_bars() {
    let text_form = "address 0000:00:05.0\nid 1234 11e8\nclass 00 ff 00\nrevision 10\nheader 0 single\n\
                     command 0000\nstatus 0000\nlatency 00\ncache-line 00\nbar 0 mem32 0 100000\nbar 1 io 0 20\n\
                     rom feb80000 40000 enabled\n";
    assert_eq!(
        render(text_form, Naming::Numbers, true, None),
        "00:05.0 00ff: 1234:11e8 (rev 10)\n\
         \tFlags: fast devsel\n\
         \tMemory at <unassigned> (32-bit, non-prefetchable) [disabled] [size=1M]\n\
         \tI/O ports at <unassigned> [disabled] [size=32]\n\
         \tExpansion ROM at feb80000 [disabled by cmd] [size=256K]\n"
    );
}

#[test]
fn hex_dump_lines() {
    let mut out = String::new();
    hex_dump(&mut out, &[0x86, 0x80, 0x0e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff]).unwrap();
    assert_eq!(out, "00: 86 80 0e 10 00 00 00 00 00 00 00 00 00 00 00 00\n10: ff\n");
}
