//! How `lspci` shows a PCI function, in the style of pciutils' `lspci`:
//! one line per function (`BB:DD.F class: vendor device (rev RR)`), with
//! numbers instead of names (`-n`) or both (`-nn`), and with `-v` the
//! subsystem, flags, BARs, expansion ROM, bridge bus numbers and
//! capabilities below it; `-x` adds a hex dump of configuration space.
//!
//! Names come from the `pci.ids` database ([`cairn_pciids::Database`]);
//! what it does not name is shown as pciutils does (`Device 1234`,
//! `Class 0880`). The domain (segment) is shown only when asked or when
//! some function is outside segment 0.
//!
//! Pure: functions in, text out. `#![no_std]` with `alloc`.

#![no_std]

extern crate alloc;

#[cfg(test)]
extern crate std;

use alloc::format;
use alloc::string::String;
use core::fmt::{self, Write};

use cairn_pci::Address;
use cairn_pci::bar::BarKind;
use cairn_pci::capability::{Capability, Kind, id};
use cairn_pci::enumerate::Function;
use cairn_pci::header::{Window, command, status};
use cairn_pciids::Database;

/// How names are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Naming {
    /// Names only (the default).
    Names,
    /// Numbers only (`-n`).
    Numbers,
    /// Names with numbers in brackets (`-nn`).
    Both,
}

/// What to show.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// `-v`: details below each function.
    pub verbose: bool,
    /// `-D`: always show the domain.
    pub domain: bool,
}

/// The names known for a function (or for numbers alone).
pub struct Names<'a> {
    pub database: Option<&'a Database<'a>>,
    pub naming: Naming,
}

impl Names<'_> {
    /// `name`, `[number]` or `name [number]` as the naming asks; `fallback`
    /// stands for an unnamed id.
    fn show(&self, name: Option<&str>, fallback: &str, number: &str) -> String {
        match (self.naming, name) {
            (Naming::Numbers, _) => String::from(number),
            (Naming::Names, Some(name)) => String::from(name),
            (Naming::Names, None) => String::from(fallback),
            (Naming::Both, Some(name)) => format!("{name} [{number}]"),
            (Naming::Both, None) => format!("{fallback} [{number}]"),
        }
    }

    /// The class: subclass name, else the base class name, else `Class CCSS`.
    pub fn class(&self, class: u8, subclass: u8) -> String {
        let db = self.database;
        let name = db.and_then(|d| d.subclass(class, subclass)).or_else(|| db.and_then(|d| d.class(class)));
        let number = format!("{class:02x}{subclass:02x}");
        self.show(name, &format!("Class {number}"), &number)
    }

    /// `Vendor Device`, with pciutils' words for what the database lacks.
    pub fn device(&self, vendor: u16, device: u16) -> String {
        let db = self.database;
        let number = format!("{vendor:04x}:{device:04x}");
        let name = match (db.and_then(|d| d.vendor(vendor)), db.and_then(|d| d.device(vendor, device))) {
            (Some(v), Some(d)) => Some(format!("{v} {d}")),
            (Some(v), None) => Some(format!("{v} Device {device:04x}")),
            (None, _) => None,
        };
        self.show(name.as_deref(), &format!("Device {number}"), &number)
    }

    /// The subsystem of `vendor:device`: its own name there, or the
    /// subsystem vendor's device of that number.
    pub fn subsystem(&self, vendor: u16, device: u16, subvendor: u16, subdevice: u16) -> String {
        let db = self.database;
        let number = format!("{subvendor:04x}:{subdevice:04x}");
        let own = db
            .and_then(|d| d.subsystem(vendor, device, subvendor, subdevice))
            .or_else(|| db.and_then(|d| d.device(subvendor, subdevice)));
        let name = match (db.and_then(|d| d.vendor(subvendor)), own) {
            (Some(v), Some(s)) => Some(format!("{v} {s}")),
            (Some(v), None) => Some(format!("{v} Device {subdevice:04x}")),
            (None, _) => None,
        };
        self.show(name.as_deref(), &format!("Device {number}"), &number)
    }

    fn prog_if(&self, class: u8, subclass: u8, prog_if: u8) -> Option<&str> {
        if self.naming == Naming::Numbers {
            return None;
        }
        self.database?.prog_if(class, subclass, prog_if)
    }
}

/// `BB:DD.F`, or `SSSS:BB:DD.F` with the domain.
fn slot(address: Address, domain: bool) -> String {
    if domain {
        format!("{address}")
    } else {
        format!("{:02x}:{:02x}.{:x}", address.bus, address.device, address.function)
    }
}

/// A size as pciutils shows it: the largest unit that divides it exactly.
fn size(bytes: u64) -> String {
    let (mut value, mut unit) = (bytes, 0);
    while unit < 3 && value != 0 && value.is_multiple_of(1024) {
        value /= 1024;
        unit += 1;
    }
    format!("{value}{}", ["", "K", "M", "G"][unit])
}

/// Writes `function` as `lspci` would: its line, and with `-v` the details
/// below it (the caller adds a hex dump and the blank line that ends a
/// verbose or dumped entry).
pub fn show(out: &mut impl Write, function: &Function, names: &Names<'_>, options: Options) -> fmt::Result {
    let h = &function.header;
    let c = h.class;
    write!(
        out,
        "{} {}: {}",
        slot(function.address, options.domain),
        names.class(c.class, c.subclass),
        names.device(h.vendor, h.device)
    )?;
    if h.revision != 0 {
        write!(out, " (rev {:02x})", h.revision)?;
    }
    if options.verbose {
        let name = names.prog_if(c.class, c.subclass, c.prog_if);
        if c.prog_if != 0 || name.is_some() {
            write!(out, " (prog-if {:02x}", c.prog_if)?;
            if let Some(name) = name {
                write!(out, " [{name}]")?;
            }
            write!(out, ")")?;
        }
    }
    writeln!(out)?;
    if options.verbose {
        details(out, function, names)?;
    }
    Ok(())
}

/// The `-v` lines below a function's first line.
fn details(out: &mut impl Write, function: &Function, names: &Names<'_>) -> fmt::Result {
    let h = &function.header;
    if let Some((vendor, device)) = h.subsystem.filter(|(vendor, _)| *vendor != 0 && *vendor != 0xffff) {
        writeln!(out, "\tSubsystem: {}", names.subsystem(h.vendor, h.device, vendor, device))?;
    }
    write!(out, "\tFlags: ")?;
    for (bit, word) in [
        (h.command & command::BUS_MASTER, "bus master"),
        (h.command & command::VGA_PALETTE, "VGA palette snoop"),
        (h.command & command::STEPPING, "stepping"),
        (h.command & command::FAST_BACK_TO_BACK, "fast Back2Back"),
        (h.status & status::MHZ_66, "66MHz"),
        (h.status & status::USER_DEFINABLE, "user-definable features"),
    ] {
        if bit != 0 {
            write!(out, "{word}, ")?;
        }
    }
    let devsel = ["fast", "medium", "slow", "??"][usize::from((h.status >> status::DEVSEL_SHIFT) & 0x3)];
    write!(out, "{devsel} devsel")?;
    if h.command & command::BUS_MASTER != 0 {
        write!(out, ", latency {}", h.latency)?;
    }
    if h.interrupt_pin != 0 {
        write!(out, ", IRQ {}", h.interrupt_line)?;
    }
    writeln!(out)?;
    for bar in &function.resources.bars {
        match bar.kind {
            BarKind::Io => {
                write!(out, "\tI/O ports at ")?;
                if bar.address != 0 || h.command & command::IO != 0 {
                    write!(out, "{:04x}", bar.address)?;
                } else {
                    write!(out, "<unassigned>")?;
                }
                if h.command & command::IO == 0 {
                    write!(out, " [disabled]")?;
                }
            }
            BarKind::Memory32 { prefetchable } | BarKind::Memory64 { prefetchable } => {
                let bits = if matches!(bar.kind, BarKind::Io | BarKind::Memory32 { .. }) { 32 } else { 64 };
                write!(out, "\tMemory at ")?;
                if bar.address != 0 || h.command & command::MEMORY != 0 {
                    write!(out, "{:x}", bar.address)?;
                } else {
                    write!(out, "<unassigned>")?;
                }
                write!(out, " ({bits}-bit, {}prefetchable)", if prefetchable { "" } else { "non-" })?;
                if h.command & command::MEMORY == 0 {
                    write!(out, " [disabled]")?;
                }
            }
        }
        writeln!(out, " [size={}]", size(bar.size))?;
    }
    if let Some(b) = h.bridge {
        writeln!(
            out,
            "\tBus: primary={:02x}, secondary={:02x}, subordinate={:02x}, sec-latency={}",
            b.primary, b.secondary, b.subordinate, b.secondary_latency
        )?;
    }
    if let Some(w) = h.windows {
        window(out, "I/O", w.io)?;
        window(out, "Memory", w.memory)?;
        window(out, "Prefetchable memory", w.prefetchable)?;
    }
    if let Some(rom) = function.resources.rom {
        write!(out, "\tExpansion ROM at ")?;
        if rom.address != 0 {
            write!(out, "{:08x}", rom.address)?;
        } else {
            write!(out, "<unassigned>")?;
        }
        if !rom.enabled {
            write!(out, " [disabled]")?;
        } else if h.command & command::MEMORY == 0 {
            write!(out, " [disabled by cmd]")?;
        }
        writeln!(out, " [size={}]", size(u64::from(rom.size)))?;
    }
    for capability in &function.capabilities {
        writeln!(out, "\tCapabilities: [{:02x}] {}", capability.offset, CapabilityText(capability))?;
    }
    for e in &function.extended {
        writeln!(out, "\tCapabilities: [{:03x}] {}", e.offset, extended_name(e.id))?;
    }
    Ok(())
}

/// One `WHAT behind bridge:` line; a window of an undefined type is named
/// as such.
fn window(out: &mut impl Write, what: &str, window: Option<Window>) -> fmt::Result {
    let Some(w) = window else {
        return writeln!(out, "\t!!! Unknown {} range types", what.to_ascii_lowercase());
    };
    write!(out, "\t{what} behind bridge:")?;
    if w.is_open() {
        let digits = usize::from(w.bits).div_ceil(4);
        write!(out, " {:0digits$x}-{:0digits$x} [size={}]", w.base, w.limit, size(w.limit - w.base + 1))?;
    } else {
        write!(out, " [disabled]")?;
    }
    writeln!(out, " [{}-bit]", w.bits)
}

/// A standard capability in lspci's words.
struct CapabilityText<'a>(&'a Capability);

impl fmt::Display for CapabilityText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = |b: bool| if b { '+' } else { '-' };
        match self.0.kind {
            Kind::PowerManagement { version, .. } => write!(f, "Power Management version {version}"),
            Kind::Msi { enabled, capable, enabled_vectors, address_64, per_vector_mask } => write!(
                f,
                "MSI: Enable{} Count={enabled_vectors}/{capable} Maskable{} 64bit{}",
                sign(enabled),
                sign(per_vector_mask),
                sign(address_64)
            ),
            Kind::MsiX { enabled, function_mask, table_size, .. } => {
                write!(f, "MSI-X: Enable{} Count={table_size} Masked{}", sign(enabled), sign(function_mask))
            }
            Kind::PciExpress { version, port_type, slot, interrupt_message } => {
                write!(f, "Express ")?;
                if version >= 2 {
                    write!(f, "(v{version}) ")?;
                }
                match port_type {
                    0 => write!(f, "Endpoint"),
                    1 => write!(f, "Legacy Endpoint"),
                    4 => write!(f, "Root Port (Slot{})", sign(slot)),
                    5 => write!(f, "Upstream Port"),
                    6 => write!(f, "Downstream Port (Slot{})", sign(slot)),
                    7 => write!(f, "PCI-Express to PCI/PCI-X Bridge"),
                    8 => write!(f, "PCI/PCI-X to PCI-Express Bridge"),
                    9 => write!(f, "Root Complex Integrated Endpoint"),
                    10 => write!(f, "Root Complex Event Collector"),
                    other => write!(f, "Unknown type {other}"),
                }?;
                write!(f, ", MSI {interrupt_message:02x}")
            }
            Kind::Other => match self.0.id {
                0x03 => write!(f, "Vital Product Data"),
                0x07 => write!(f, "PCI-X non-bridge device"),
                id::VENDOR => write!(f, "Vendor Specific Information"),
                0x0d => write!(f, "Subsystem"),
                0x12 => write!(f, "SATA HBA v1.0"),
                0x13 => write!(f, "PCI Advanced Features"),
                other => write!(f, "#{other:02x}"),
            },
        }
    }
}

/// An extended capability's name in lspci's words.
fn extended_name(id: u16) -> String {
    String::from(match id {
        0x0001 => "Advanced Error Reporting",
        0x0002 | 0x0009 => "Virtual Channel",
        0x0003 => "Device Serial Number",
        0x0004 => "Power Budgeting",
        0x000b => "Vendor Specific Information",
        0x000d => "Access Control Services",
        0x000e => "Alternative Routing-ID Interpretation (ARI)",
        0x0010 => "Single Root I/O Virtualization (SR-IOV)",
        0x0018 => "Latency Tolerance Reporting",
        0x0019 => "Secondary PCI Express",
        0x001e => "L1 PM Substates",
        other => return format!("Extended Capability ID {other:#x}"),
    })
}

/// Writes `bytes` (configuration space) as `lspci -x` does: 16 bytes a
/// line, each line headed by its offset.
pub fn hex_dump(out: &mut impl Write, bytes: &[u8]) -> fmt::Result {
    for (line, chunk) in bytes.chunks(16).enumerate() {
        write!(out, "{:02x}:", line * 16)?;
        for byte in chunk {
            write!(out, " {byte:02x}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
