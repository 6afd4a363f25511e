//! Tests of the header decoding, BAR probing, capability walks, bus walk and
//! text form against the fake configuration space.

use std::string::String;
use std::vec::Vec;

use crate::bar::{Bar, BarKind, Rom};
use crate::capability::Kind;
use crate::enumerate::{Function, walk};
use crate::fake::{Fake, at};
use crate::header::{Layout, offset};
use crate::{Address, CONFIG_SIZE, EXTENDED_CONFIG_SIZE, Problem, text};

const ENDPOINT: u8 = 0;
const BRIDGE: u8 = 1;
const MULTI: u8 = 0x80;

fn function(fake: &Fake, address: Address) -> Function {
    Function::read(fake, address).expect("function present")
}

#[test]
fn address_text_round_trips() {
    let a = Address::new(0, 0x1f, 0x1d, 7).unwrap();
    assert_eq!(std::format!("{a}"), "0000:1f:1d.7");
    assert_eq!(Address::parse("0000:1f:1d.7"), Some(a));
    for bad in [
        "",
        "0000:1f:1d",
        "0000:1f:20.0",
        "0000:1f:1d.8",
        "000:1f:1d.0",
        "0000:1g:1d.0",
        "0000:1f:1d.0x",
        "+000:1f:1d.0",
        "0000:1F:1d.0",
        "0000:1f:1d.-",
    ] {
        assert_eq!(Address::parse(bad), None, "{bad:?}");
    }
    assert_eq!(Address::new(0, 0, 32, 0), None);
    assert_eq!(std::format!("{}", a.file_name()), "0000-1f-1d.7");
    assert_eq!(Address::parse_file_name("0000-1f-1d.7"), Some(a));
    assert_eq!(Address::parse_file_name("0000:1f:1d.7"), None);
}

#[test]
fn endpoint_header_and_bars() {
    let fake = Fake::new(CONFIG_SIZE);
    let a = at(0, 3, 0);
    fake.add(a, (0x8086, 0x100e), (0x02, 0x00, 0x00), ENDPOINT, |f| {
        f.bar32(0, 0xfebc_0000, 0x2_0000, false)
            .io_bar(1, 0xc000, 0x40)
            .bar64(2, 0x8_0000_0000, 0x4000, true)
            .rom(offset::ROM, 0xfeb8_0000, 0x4_0000)
            .subsystem(0x1af4, 0x1100)
            .interrupt(1, 11);
    });
    let before: Vec<u32> = (0..16).map(|i| fake.reg(a, i * 4)).collect();
    let f = function(&fake, a);
    assert_eq!((f.header.vendor, f.header.device, f.header.revision), (0x8086, 0x100e, 2));
    assert_eq!(f.header.layout, Layout::Endpoint);
    assert_eq!(f.header.subsystem, Some((0x1af4, 0x1100)));
    assert_eq!((f.header.interrupt_pin, f.header.interrupt_line), (1, 11));
    assert_eq!(
        f.resources.bars,
        [
            Bar { index: 0, kind: BarKind::Memory32 { prefetchable: false }, address: 0xfebc_0000, size: 0x2_0000 },
            Bar { index: 1, kind: BarKind::Io, address: 0xc000, size: 0x40 },
            Bar { index: 2, kind: BarKind::Memory64 { prefetchable: true }, address: 0x8_0000_0000, size: 0x4000 },
        ]
    );
    assert_eq!(f.resources.rom, Some(Rom { address: 0xfeb8_0000, size: 0x4_0000, enabled: false }));
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    // Probing wrote every register back and never probed with decoding on.
    let after: Vec<u32> = (0..16).map(|i| fake.reg(a, i * 4)).collect();
    assert_eq!(before, after);
    assert!(!fake.probed_while_decoding.get());
}

#[test]
fn host_bridge_keeps_decoding() {
    let fake = Fake::new(CONFIG_SIZE);
    let a = at(0, 0, 0);
    fake.add(a, (0x8086, 0x29c0), (0x06, 0x00, 0x00), ENDPOINT, |f| {
        f.bar32(0, 0xe000_0000, 0x1000, false);
    });
    let f = function(&fake, a);
    assert_eq!(f.resources.bars.len(), 1);
    // The probe ran with decoding on, as it must for a host bridge.
    assert!(fake.probed_while_decoding.get());
}

#[test]
fn absurd_bars_are_reported_and_skipped() {
    let fake = Fake::new(CONFIG_SIZE);
    let a = at(0, 4, 0);
    fake.add(a, (0x1234, 0x5678), (0xff, 0x00, 0x00), ENDPOINT, |f| {
        // Bits that do not form a run of ones down from the top.
        f.raw_bar(0, 0, 0x0f0f_0000)
            // A 64-bit BAR with no writable address bit (it would decode 2^64 bytes).
            .raw_bar(1, 0x4, 0)
            .raw_bar(2, 0, 0)
            // An I/O BAR of 64 KiB.
            .raw_bar(3, 0x1, 0xffff_0000)
            // The reserved memory type.
            .raw_bar(4, 0x6, 0xffff_f000)
            // A 64-bit BAR in the last slot.
            .raw_bar(5, 0x4, 0xffff_f000);
    });
    let f = function(&fake, a);
    assert!(f.resources.bars.is_empty(), "{:?}", f.resources.bars);
    assert_eq!(
        f.problems,
        [
            Problem::BarSize { index: 0, mask: 0x0f0f_0000 },
            Problem::BarSize { index: 1, mask: 0 },
            Problem::BarSize { index: 3, mask: 0xffff_0000 },
            Problem::BarType { index: 4, raw: 0x6 },
            Problem::BarTruncated { index: 5 },
        ]
    );
}

#[test]
fn huge_but_sane_64_bit_bar() {
    let fake = Fake::new(CONFIG_SIZE);
    let a = at(0, 5, 0);
    fake.add(a, (0x1b36, 0x0010), (0x01, 0x08, 0x02), ENDPOINT, |f| {
        f.bar64(0, 0x40_0000_0000, 1 << 36, true);
    });
    let f = function(&fake, a);
    assert_eq!(f.resources.bars[0].size, 1 << 36);
    assert!(f.problems.is_empty());
}

#[test]
fn capabilities_are_decoded() {
    let fake = Fake::new(CONFIG_SIZE);
    let a = at(0, 6, 0);
    fake.add(a, (0x8086, 0x10d3), (0x02, 0x00, 0x00), ENDPOINT, |f| {
        f.bar32(0, 0xfe00_0000, 0x2_0000, false).bar32(3, 0xfe02_0000, 0x4000, false);
        f.capabilities_at(0xc8)
            .capability(0xc8, 0x01, 0xd0, &[0x0000_0003])
            .control(0xc8, 0x0603)
            .capability(0xd0, 0x05, 0xe0, &[])
            .control(0xd0, 0x0185)
            .capability(0xe0, 0x10, 0xa0, &[])
            .control(0xe0, 0x0002)
            .capability(0xa0, 0x11, 0x40, &[0x0000_0003, 0x0000_2003])
            .control(0xa0, 0x8004)
            .capability(0x40, 0x09, 0x00, &[]);
    });
    let f = function(&fake, a);
    let kinds: Vec<(u16, u8, Kind)> = f.capabilities.iter().map(|c| (c.offset, c.id, c.kind)).collect();
    assert_eq!(
        kinds,
        [
            (0xc8, 0x01, Kind::PowerManagement { version: 3, d1: true, d2: true, state: 3 }),
            (
                0xd0,
                0x05,
                Kind::Msi { enabled: true, capable: 4, enabled_vectors: 1, address_64: true, per_vector_mask: true }
            ),
            (0xe0, 0x10, Kind::PciExpress { version: 2, port_type: 0, slot: false, interrupt_message: 0 }),
            (
                0xa0,
                0x11,
                Kind::MsiX {
                    enabled: true,
                    function_mask: false,
                    table_size: 5,
                    table_bar: 3,
                    table_offset: 0,
                    pba_bar: 3,
                    pba_offset: 0x2000,
                }
            ),
            (0x40, 0x09, Kind::Other),
        ]
    );
    assert!(f.problems.is_empty(), "{:?}", f.problems);
}

#[test]
fn looping_capability_list_ends() {
    let fake = Fake::new(CONFIG_SIZE);
    let a = at(0, 7, 0);
    fake.add(a, (0x1234, 0x1111), (0x00, 0x00, 0x00), ENDPOINT, |f| {
        f.capabilities_at(0x40).capability(0x40, 0x01, 0x50, &[]).capability(0x50, 0x05, 0x40, &[]);
    });
    let f = function(&fake, a);
    assert_eq!(f.capabilities.len(), 2);
    assert_eq!(f.problems, [Problem::CapabilityLoop { at: 0x40 }]);

    // A capability pointing at itself.
    let b = at(0, 8, 0);
    fake.add(b, (0x1234, 0x1111), (0x00, 0x00, 0x00), ENDPOINT, |f| {
        f.capabilities_at(0x60).capability(0x60, 0x01, 0x60, &[]);
    });
    let f = function(&fake, b);
    assert_eq!(f.capabilities.len(), 1);
    assert_eq!(f.problems, [Problem::CapabilityLoop { at: 0x60 }]);
}

#[test]
fn absurd_capability_pointers_end_the_walk() {
    let fake = Fake::new(CONFIG_SIZE);
    // Into the standard header.
    let a = at(0, 9, 0);
    fake.add(a, (0x1234, 0x1111), (0x00, 0x00, 0x00), ENDPOINT, |f| {
        f.capabilities_at(0x40).capability(0x40, 0x01, 0x10, &[]);
    });
    let f = function(&fake, a);
    assert_eq!(f.capabilities.len(), 1);
    assert_eq!(f.problems, [Problem::CapabilityPointer { at: 0x40, pointer: 0x10 }]);
    // The first pointer already bad; the low two bits are masked as the
    // specification says (0xff -> 0xfc, a valid place).
    let b = at(0, 10, 0);
    fake.add(b, (0x1234, 0x1111), (0x00, 0x00, 0x00), ENDPOINT, |f| {
        f.capabilities_at(0x04).capability(0xfc, 0x01, 0, &[]);
    });
    let f = function(&fake, b);
    assert_eq!(f.problems, [Problem::CapabilityPointer { at: 0x34, pointer: 0x04 }]);
    let c = at(0, 11, 0);
    fake.add(c, (0x1234, 0x1111), (0x00, 0x00, 0x00), ENDPOINT, |f| {
        f.capabilities_at(0xff).capability(0xfc, 0x05, 0, &[]);
    });
    let f = function(&fake, c);
    assert_eq!(f.capabilities.len(), 1);
    assert_eq!(f.capabilities[0].offset, 0xfc);
    assert!(f.problems.is_empty());
    // No capabilities bit in the status register: the pointer is not read.
    let d = at(0, 12, 0);
    fake.add(d, (0x1234, 0x1111), (0x00, 0x00, 0x00), ENDPOINT, |f| {
        f.capabilities_at(0x04);
    });
    assert!(function(&fake, d).problems.is_empty());
}

#[test]
fn msix_in_a_missing_bar_is_reported() {
    let fake = Fake::new(CONFIG_SIZE);
    let a = at(0, 13, 0);
    fake.add(a, (0x1234, 0x1111), (0x00, 0x00, 0x00), ENDPOINT, |f| {
        f.bar32(0, 0xfe00_0000, 0x1000, false).capabilities_at(0x40).capability(0x40, 0x11, 0, &[0x7, 0x0]);
    });
    assert_eq!(function(&fake, a).problems, [Problem::MsixBar { bir: 7 }]);
}

#[test]
fn extended_capabilities_only_through_ecam() {
    for size in [CONFIG_SIZE, EXTENDED_CONFIG_SIZE] {
        let fake = Fake::new(size);
        let a = at(0, 2, 0);
        fake.add(a, (0x8086, 0x10d3), (0x02, 0x00, 0x00), ENDPOINT, |f| {
            f.set_dword(0x100, 0x1401_0001).set_dword(0x140, 0x0001_0003);
        });
        let f = function(&fake, a);
        let ids: Vec<(u16, u16, u8)> = f.extended.iter().map(|e| (e.offset, e.id, e.version)).collect();
        if size == CONFIG_SIZE {
            assert!(ids.is_empty());
        } else {
            assert_eq!(ids, [(0x100, 0x0001, 1), (0x140, 0x0003, 1)]);
        }
        assert!(f.problems.is_empty());
    }
}

#[test]
fn looping_or_absurd_extended_lists_end() {
    let fake = Fake::new(EXTENDED_CONFIG_SIZE);
    let a = at(0, 2, 0);
    fake.add(a, (0x8086, 0x10d3), (0x02, 0x00, 0x00), ENDPOINT, |f| {
        f.set_dword(0x100, 0x1401_0001).set_dword(0x140, 0x1001_0003);
    });
    let f = function(&fake, a);
    assert_eq!(f.extended.len(), 2);
    assert_eq!(f.problems, [Problem::CapabilityLoop { at: 0x100 }]);
    let b = at(0, 3, 0);
    fake.add(b, (0x8086, 0x10d3), (0x02, 0x00, 0x00), ENDPOINT, |f| {
        f.set_dword(0x100, 0x0401_0001);
    });
    let f = function(&fake, b);
    assert_eq!(f.problems, [Problem::CapabilityPointer { at: 0x100, pointer: 0x40 }]);
}

/// Host bridge and a multifunction device on bus 0; a bridge to bus 1 with
/// a device behind it; a bridge on bus 1 that names bus 0 again.
fn tree(fake: &Fake) {
    fake.add(at(0, 0, 0), (0x8086, 0x29c0), (0x06, 0x00, 0x00), ENDPOINT, |_| {});
    fake.add(at(0, 1, 0), (0x1b36, 0x000c), (0x06, 0x04, 0x00), BRIDGE, |f| {
        f.buses(0, 1, 1).bar32(0, 0xfea0_0000, 0x1000, false).rom(offset::BRIDGE_ROM, 0, 0x800);
    });
    fake.add(at(0, 0x1f, 0), (0x8086, 0x2918), (0x06, 0x01, 0x00), ENDPOINT | MULTI, |_| {});
    fake.add(at(0, 0x1f, 2), (0x8086, 0x2922), (0x01, 0x06, 0x01), ENDPOINT, |f| {
        f.io_bar(4, 0xc060, 0x20).bar32(5, 0xfebd_1000, 0x1000, false);
    });
    fake.add(at(1, 0, 0), (0x1b36, 0x0010), (0x01, 0x08, 0x02), ENDPOINT, |f| {
        f.bar64(0, 0xfe80_0000, 0x4000, false);
    });
    fake.add(at(1, 1, 0), (0x1b36, 0x0001), (0x06, 0x04, 0x00), BRIDGE, |f| {
        f.buses(1, 0, 0);
    });
}

#[test]
fn walk_follows_bridges_and_functions() {
    let fake = Fake::new(EXTENDED_CONFIG_SIZE);
    tree(&fake);
    let found = walk(&fake, 0, 0..=255);
    let addresses: Vec<String> = found.iter().map(|f| std::format!("{}", f.address)).collect();
    assert_eq!(
        addresses,
        ["0000:00:00.0", "0000:00:01.0", "0000:00:1f.0", "0000:00:1f.2", "0000:01:00.0", "0000:01:01.0"]
    );
    assert_eq!(found[1].header.bridge.map(|b| b.secondary), Some(1));
    assert!(found[1].problems.is_empty());
    assert_eq!(found[1].resources.rom.map(|r| r.size), Some(0x800));
    assert_eq!(found[4].resources.bars[0].kind, BarKind::Memory64 { prefetchable: false });
    assert_eq!(found[5].problems, [Problem::BridgeBus { secondary: 0 }]);
    // Each bus was scanned once: 32 devices, plus the functions of the
    // multifunction device, plus the reads of the functions found.
    assert!(fake.reads.get() < 2 * 32 + 7 + 6 * 200, "{} reads", fake.reads.get());
}

#[test]
fn bridges_outside_the_bus_range_are_not_followed() {
    let fake = Fake::new(EXTENDED_CONFIG_SIZE);
    tree(&fake);
    let found = walk(&fake, 0, 0..=0);
    assert_eq!(found.len(), 4);
    assert_eq!(found[1].problems, [Problem::BridgeBus { secondary: 1 }]);
}

#[test]
fn two_bridges_to_one_bus_walk_it_once() {
    let fake = Fake::new(CONFIG_SIZE);
    tree(&fake);
    fake.add(at(0, 2, 0), (0x1b36, 0x000c), (0x06, 0x04, 0x00), BRIDGE, |f| {
        f.buses(0, 1, 1);
    });
    let found = walk(&fake, 0, 0..=255);
    assert_eq!(found.iter().filter(|f| f.address.bus == 1).count(), 2);
    assert_eq!(found[2].problems, [Problem::BridgeBus { secondary: 1 }]);
}

#[test]
fn text_form_round_trips() {
    let fake = Fake::new(EXTENDED_CONFIG_SIZE);
    tree(&fake);
    let a = at(0, 6, 0);
    fake.add(a, (0x8086, 0x10d3), (0x02, 0x00, 0x00), ENDPOINT, |f| {
        f.bar32(0, 0xfe00_0000, 0x2_0000, false).io_bar(2, 0xc000, 0x20).bar64(3, 0xfe02_0000, 0x4000, true);
        f.rom(offset::ROM, 0xfeb0_0000, 0x4_0000).subsystem(0x8086, 0).interrupt(1, 10);
        f.capabilities_at(0xc8)
            .capability(0xc8, 0x01, 0xd0, &[0])
            .control(0xc8, 0x0603)
            .capability(0xd0, 0x05, 0xe0, &[])
            .control(0xd0, 0x0185)
            .capability(0xe0, 0x10, 0xa0, &[])
            .control(0xe0, 0x0142)
            .capability(0xa0, 0x11, 0x40, &[0x0000_0003, 0x0000_2003])
            .capability(0x40, 0x09, 0x40, &[]);
        f.set_dword(0x100, 0x1401_0001).set_dword(0x140, 0x0001_0003);
    });
    let mut all = walk(&fake, 0, 0..=255);
    all.push(function(&fake, a));
    for f in &all {
        let mut written = String::new();
        text::write(&mut written, f).unwrap();
        let parsed = text::parse(&written).unwrap_or_else(|e| panic!("{e}: {written}"));
        let problems: Vec<String> = f.problems.iter().map(|p| std::format!("{p}")).collect();
        assert_eq!(parsed.problems, problems);
        let mut without = f.clone();
        without.problems.clear();
        assert_eq!(parsed.function, without, "{written}");
    }
}

#[test]
fn bad_text_is_an_error() {
    assert_eq!(text::parse(""), Err(text::ParseError::Incomplete));
    assert_eq!(text::parse("address 0000:00:00.0\n"), Err(text::ParseError::Incomplete));
    assert_eq!(text::parse("address 0000:00:00.0\nid 8086 zz\n"), Err(text::ParseError::BadLine { line: 2 }));
    assert_eq!(text::parse("address 0000:00:00.0\nbar 0 mem99 0 0\n"), Err(text::ParseError::BadLine { line: 2 }));
    assert_eq!(text::parse("address 0000:00:00.0\nbar 0 io 0\n"), Err(text::ParseError::BadLine { line: 2 }));
    assert_eq!(
        text::parse("address 0000:00:00.0\ncap 40 11 msix size=1\n"),
        Err(text::ParseError::BadLine { line: 2 })
    );
    assert_eq!(text::parse("address 0000:00:00.0\nid 8086 1\nclass 1 1\n"), Err(text::ParseError::BadLine { line: 3 }));
    // Unknown lines are skipped.
    let parsed = text::parse("address 0000:00:00.0\nid 8086 1237\nfuture 1 2 3\n").unwrap();
    assert_eq!(parsed.function.header.vendor, 0x8086);
}

#[test]
fn bridge_windows_are_decoded() {
    use crate::header::Window;
    let fake = Fake::new(CONFIG_SIZE);
    let a = at(0, 3, 0);
    fake.add(a, (0x1b36, 0x000c), (0x06, 0x04, 0x00), BRIDGE, |f| {
        // I/O 0x1000-0x1fff (16-bit), memory 0xfe800000-0xfe9fffff, an open
        // 64-bit prefetchable window above 4 GiB.
        f.buses(0, 1, 1)
            .set_dword(offset::BRIDGE_IO, 0x0000_1010)
            .set_dword(offset::BRIDGE_MEMORY, 0xfe90_fe80)
            .set_dword(offset::BRIDGE_PREFETCHABLE, 0x0011_0001)
            .set_dword(offset::BRIDGE_PREFETCHABLE_BASE_UPPER, 0x8)
            .set_dword(offset::BRIDGE_PREFETCHABLE_LIMIT_UPPER, 0x8);
    });
    let windows = function(&fake, a).header.windows.expect("a bridge has windows");
    assert_eq!(windows.io, Some(Window { base: 0x1000, limit: 0x1fff, bits: 16 }));
    assert_eq!(windows.memory, Some(Window { base: 0xfe80_0000, limit: 0xfe9f_ffff, bits: 32 }));
    assert_eq!(windows.prefetchable, Some(Window { base: 0x8_0000_0000, limit: 0x8_001f_ffff, bits: 64 }));

    // A closed I/O window (base above limit), 32-bit I/O addressing, and
    // types the specification does not define.
    let b = at(0, 4, 0);
    fake.add(b, (0x1b36, 0x000c), (0x06, 0x04, 0x00), BRIDGE, |f| {
        f.buses(0, 2, 2)
            .set_dword(offset::BRIDGE_IO, 0x0000_c1d1)
            .set_dword(offset::BRIDGE_IO_UPPER, 0x0001_0001)
            .set_dword(offset::BRIDGE_MEMORY, 0x0001_0000)
            .set_dword(offset::BRIDGE_PREFETCHABLE, 0x0000_0001);
    });
    let windows = function(&fake, b).header.windows.unwrap();
    let io = windows.io.unwrap();
    assert_eq!(io, Window { base: 0x1_d000, limit: 0x1_cfff, bits: 32 });
    assert!(!io.is_open());
    assert_eq!(windows.memory, None);
    assert_eq!(windows.prefetchable, None);
    // Endpoints have none.
    let c = at(0, 5, 0);
    fake.add(c, (0x1234, 0x1111), (0x00, 0x00, 0x00), ENDPOINT, |f| {
        f.set_dword(offset::BRIDGE_IO, 0x0000_1010);
    });
    assert_eq!(function(&fake, c).header.windows, None);
}
