//! The text form of one function, as `/scheme/pci/SSSS:BB:DD.F` serves it
//! and `lspci` reads it back: one line per fact, a keyword then
//! space-separated fields, numbers in hexadecimal without `0x`.
//!
//! ```text
//! address 0000:00:03.0
//! id 8086 100e
//! class 02 00 00
//! revision 03
//! header 0 single
//! command 0107
//! status 0000
//! latency 00
//! cache-line 00
//! subsystem 1af4 1100
//! interrupt 1 0b
//! bar 0 mem32 febc0000 20000
//! bar 1 io c000 40
//! rom feb80000 40000 disabled
//! bridge 00 01 01 00
//! window io d000 dfff 10
//! window mem fe800000 fe9fffff 20
//! window pref fe200000 fe3fffff 40
//! cap dc 01 pm version=2 d1=0 d2=0 state=0
//! cap 80 05 msi enabled=0 capable=1 vectors=1 64bit=1 mask=0
//! cap 40 10 pcie version=2 type=0 slot=0 message=0
//! cap b0 11 msix enabled=0 masked=0 size=41 table=0:2000 pba=0:3000
//! cap 50 09 other
//! ext 100 0001 2
//! problem capability list loops back at 0x40
//! ```
//!
//! `interrupt`, `subsystem`, `bridge` and `window` appear only where they
//! apply; BAR kinds are `io`, `mem32`, `mem64`, each with `-pref` when
//! prefetchable. A bridge window is base, limit (inclusive; closed when the
//! base is above it) and address bits; a window whose type the specification
//! does not define is left out.
//! The parser ignores lines it does not know, so fields can be added later.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

use crate::Address;
use crate::bar::{Bar, BarKind, Resources, Rom};
use crate::capability::{Capability, Extended, Kind};
use crate::enumerate::Function;
use crate::header::{BridgeBuses, BridgeWindows, ClassCode, Header, Layout, Window};

/// Writes `function` in the text form.
pub fn write(out: &mut impl Write, function: &Function) -> fmt::Result {
    let h = &function.header;
    writeln!(out, "address {}", function.address)?;
    writeln!(out, "id {:04x} {:04x}", h.vendor, h.device)?;
    writeln!(out, "class {:02x} {:02x} {:02x}", h.class.class, h.class.subclass, h.class.prog_if)?;
    writeln!(out, "revision {:02x}", h.revision)?;
    writeln!(out, "header {} {}", h.layout.number(), if h.multifunction { "multi" } else { "single" })?;
    writeln!(out, "command {:04x}\nstatus {:04x}", h.command, h.status)?;
    writeln!(out, "latency {:02x}\ncache-line {:02x}", h.latency, h.cache_line)?;
    if let Some((vendor, device)) = h.subsystem {
        writeln!(out, "subsystem {vendor:04x} {device:04x}")?;
    }
    if h.interrupt_pin != 0 {
        writeln!(out, "interrupt {:x} {:02x}", h.interrupt_pin, h.interrupt_line)?;
    }
    for bar in &function.resources.bars {
        let kind = match bar.kind {
            BarKind::Io => "io",
            BarKind::Memory32 { prefetchable: false } => "mem32",
            BarKind::Memory32 { prefetchable: true } => "mem32-pref",
            BarKind::Memory64 { prefetchable: false } => "mem64",
            BarKind::Memory64 { prefetchable: true } => "mem64-pref",
        };
        writeln!(out, "bar {} {kind} {:x} {:x}", bar.index, bar.address, bar.size)?;
    }
    if let Some(rom) = function.resources.rom {
        let state = if rom.enabled { "enabled" } else { "disabled" };
        writeln!(out, "rom {:x} {:x} {state}", rom.address, rom.size)?;
    }
    if let Some(b) = h.bridge {
        writeln!(
            out,
            "bridge {:02x} {:02x} {:02x} {:02x}",
            b.primary, b.secondary, b.subordinate, b.secondary_latency
        )?;
    }
    if let Some(w) = h.windows {
        for (name, window) in [("io", w.io), ("mem", w.memory), ("pref", w.prefetchable)] {
            if let Some(window) = window {
                writeln!(out, "window {name} {:x} {:x} {:x}", window.base, window.limit, window.bits)?;
            }
        }
    }
    for c in &function.capabilities {
        write!(out, "cap {:x} {:02x} ", c.offset, c.id)?;
        let flag = |b: bool| u8::from(b);
        match c.kind {
            Kind::PowerManagement { version, d1, d2, state } => {
                writeln!(out, "pm version={version} d1={} d2={} state={state}", flag(d1), flag(d2))
            }
            Kind::Msi { enabled, capable, enabled_vectors, address_64, per_vector_mask } => writeln!(
                out,
                "msi enabled={} capable={capable:x} vectors={enabled_vectors:x} 64bit={} mask={}",
                flag(enabled),
                flag(address_64),
                flag(per_vector_mask)
            ),
            Kind::MsiX { enabled, function_mask, table_size, table_bar, table_offset, pba_bar, pba_offset } => {
                writeln!(
                    out,
                    "msix enabled={} masked={} size={table_size:x} table={table_bar:x}:{table_offset:x} \
                     pba={pba_bar:x}:{pba_offset:x}",
                    flag(enabled),
                    flag(function_mask)
                )
            }
            Kind::PciExpress { version, port_type, slot, interrupt_message } => writeln!(
                out,
                "pcie version={version:x} type={port_type:x} slot={} message={interrupt_message:x}",
                flag(slot)
            ),
            Kind::Other => writeln!(out, "other"),
        }?;
    }
    for e in &function.extended {
        writeln!(out, "ext {:x} {:04x} {:x}", e.offset, e.id, e.version)?;
    }
    for problem in &function.problems {
        writeln!(out, "problem {problem}")?;
    }
    Ok(())
}

/// A function read back from its text form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// The function (its `problems` list is empty: they come as text).
    pub function: Function,
    pub problems: Vec<String>,
}

/// Why a text form could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseError {
    /// Line `line` (from 1) has a known keyword but bad fields.
    BadLine { line: usize },
    /// No `address` or `id` line.
    Incomplete,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::BadLine { line } => write!(f, "line {line} is malformed"),
            ParseError::Incomplete => write!(f, "no address or id"),
        }
    }
}

fn hex<T: TryFrom<u64>>(field: Option<&str>) -> Option<T> {
    T::try_from(u64::from_str_radix(field?, 16).ok()?).ok()
}

/// The value of `key=value` among `fields`, as hexadecimal.
fn keyed<T: TryFrom<u64>>(fields: &[&str], key: &str) -> Option<T> {
    let value = fields.iter().find_map(|f| f.strip_prefix(key)?.strip_prefix('='))?;
    hex(Some(value))
}

/// `BIR:OFFSET` of an MSI-X table or PBA.
fn located(fields: &[&str], key: &str) -> Option<(u8, u32)> {
    let value = fields.iter().find_map(|f| f.strip_prefix(key)?.strip_prefix('='))?;
    let (bar, offset) = value.split_once(':')?;
    Some((hex(Some(bar))?, hex(Some(offset))?))
}

fn capability_kind(fields: &[&str]) -> Option<Kind> {
    let flag = |key| keyed::<u8>(fields, key).map(|v| v != 0);
    Some(match *fields.first()? {
        "pm" => Kind::PowerManagement {
            version: keyed(fields, "version")?,
            d1: flag("d1")?,
            d2: flag("d2")?,
            state: keyed(fields, "state")?,
        },
        "msi" => Kind::Msi {
            enabled: flag("enabled")?,
            capable: keyed(fields, "capable")?,
            enabled_vectors: keyed(fields, "vectors")?,
            address_64: flag("64bit")?,
            per_vector_mask: flag("mask")?,
        },
        "msix" => {
            let (table_bar, table_offset) = located(fields, "table")?;
            let (pba_bar, pba_offset) = located(fields, "pba")?;
            Kind::MsiX {
                enabled: flag("enabled")?,
                function_mask: flag("masked")?,
                table_size: keyed(fields, "size")?,
                table_bar,
                table_offset,
                pba_bar,
                pba_offset,
            }
        }
        "pcie" => Kind::PciExpress {
            version: keyed(fields, "version")?,
            port_type: keyed(fields, "type")?,
            slot: flag("slot")?,
            interrupt_message: keyed(fields, "message")?,
        },
        _ => Kind::Other,
    })
}

/// Reads one function's text form back.
pub fn parse(text: &str) -> Result<Parsed, ParseError> {
    let mut address = None;
    let mut id = None;
    let mut header = Header {
        vendor: 0,
        device: 0,
        command: 0,
        status: 0,
        revision: 0,
        class: ClassCode::default(),
        cache_line: 0,
        latency: 0,
        layout: Layout::Endpoint,
        multifunction: false,
        subsystem: None,
        interrupt_pin: 0,
        interrupt_line: 0,
        bridge: None,
        windows: None,
    };
    let mut resources = Resources::default();
    let (mut capabilities, mut extended, mut problems) = (Vec::new(), Vec::new(), Vec::new());
    for (number, line) in text.lines().enumerate() {
        let (keyword, rest) = line.split_once(' ').unwrap_or((line, ""));
        let f: Vec<&str> = rest.split_ascii_whitespace().collect();
        let field = |i: usize| f.get(i).copied();
        let ok = match keyword {
            "address" => Address::parse(rest).map(|a| address = Some(a)),
            "id" => hex(field(0)).zip(hex(field(1))).map(|pair| id = Some(pair)),
            "class" => (|| {
                header.class = ClassCode { class: hex(field(0))?, subclass: hex(field(1))?, prog_if: hex(field(2))? };
                Some(())
            })(),
            "revision" => hex(field(0)).map(|v| header.revision = v),
            "header" => hex::<u8>(field(0)).map(|n| {
                header.layout = Layout::from_raw(n);
                header.multifunction = field(1) == Some("multi");
            }),
            "command" => hex(field(0)).map(|v| header.command = v),
            "status" => hex(field(0)).map(|v| header.status = v),
            "latency" => hex(field(0)).map(|v| header.latency = v),
            "cache-line" => hex(field(0)).map(|v| header.cache_line = v),
            "subsystem" => hex(field(0)).zip(hex(field(1))).map(|pair| header.subsystem = Some(pair)),
            "interrupt" => hex(field(0)).zip(hex(field(1))).map(|(pin, line)| {
                header.interrupt_pin = pin;
                header.interrupt_line = line;
            }),
            "bar" => (|| {
                let kind = match field(1)? {
                    "io" => BarKind::Io,
                    "mem32" => BarKind::Memory32 { prefetchable: false },
                    "mem32-pref" => BarKind::Memory32 { prefetchable: true },
                    "mem64" => BarKind::Memory64 { prefetchable: false },
                    "mem64-pref" => BarKind::Memory64 { prefetchable: true },
                    _ => return None,
                };
                let index = hex(field(0))?;
                resources.bars.push(Bar { index, kind, address: hex(field(2))?, size: hex(field(3))? });
                Some(())
            })(),
            "rom" => (|| {
                let enabled = match field(2)? {
                    "enabled" => true,
                    "disabled" => false,
                    _ => return None,
                };
                resources.rom = Some(Rom { address: hex(field(0))?, size: hex(field(1))?, enabled });
                Some(())
            })(),
            "bridge" => (|| {
                header.bridge = Some(BridgeBuses {
                    primary: hex(field(0))?,
                    secondary: hex(field(1))?,
                    subordinate: hex(field(2))?,
                    secondary_latency: hex(field(3))?,
                });
                Some(())
            })(),
            "window" => (|| {
                let window = Window { base: hex(field(1))?, limit: hex(field(2))?, bits: hex(field(3))? };
                let windows =
                    header.windows.get_or_insert(BridgeWindows { io: None, memory: None, prefetchable: None });
                match field(0)? {
                    "io" => windows.io = Some(window),
                    "mem" => windows.memory = Some(window),
                    "pref" => windows.prefetchable = Some(window),
                    _ => return None,
                }
                Some(())
            })(),
            "cap" => (|| {
                let kind = capability_kind(f.get(2..)?)?;
                capabilities.push(Capability { offset: hex(field(0))?, id: hex(field(1))?, kind });
                Some(())
            })(),
            "ext" => (|| {
                extended.push(Extended { offset: hex(field(0))?, id: hex(field(1))?, version: hex(field(2))? });
                Some(())
            })(),
            "problem" => {
                problems.push(String::from(rest));
                Some(())
            }
            _ => Some(()),
        };
        if ok.is_none() {
            return Err(ParseError::BadLine { line: number + 1 });
        }
    }
    let (Some(address), Some((vendor, device))) = (address, id) else { return Err(ParseError::Incomplete) };
    header.vendor = vendor;
    header.device = device;
    Ok(Parsed {
        function: Function { address, header, resources, capabilities, extended, problems: Vec::new() },
        problems,
    })
}
