//! PCI and PCI Express configuration-space logic, shared by the kernel (which
//! enumerates at boot and owns configuration space) and by user space (`lspci`
//! reads the kernel's findings back through `/scheme/pci`).
//!
//! Pure logic over a [`ConfigSpace`] trait: the kernel implements it with ECAM
//! (memory-mapped, 4096 bytes per function) or configuration mechanism #1
//! (ports 0xCF8/0xCFC, 256 bytes); the tests implement it with a fake.
//!
//! Hardware is input like any other. Capability lists that loop or point
//! outside the register space, BARs that report impossible sizes and bridges
//! that lead back to buses already walked are recorded as [`Problem`]s on the
//! function and skipped; nothing here panics or loops forever on any
//! configuration space.
//!
//! `#![no_std]` with `alloc`.

#![no_std]

extern crate alloc;

#[cfg(test)]
extern crate std;

pub mod bar;
pub mod capability;
pub mod enumerate;
pub mod header;
pub mod text;

#[cfg(test)]
mod fake;
#[cfg(test)]
mod tests;

use core::fmt;

/// Where a function sits: PCI segment group, bus, device (0-31), function (0-7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    pub segment: u16,
    pub bus: u8,
    pub device: u8,
    pub function: u8,
}

impl Address {
    /// Devices on one bus.
    pub const DEVICES: u8 = 32;
    /// Functions of one device.
    pub const FUNCTIONS: u8 = 8;

    /// The address, or `None` if `device` or `function` is out of range.
    pub fn new(segment: u16, bus: u8, device: u8, function: u8) -> Option<Address> {
        (device < Self::DEVICES && function < Self::FUNCTIONS).then_some(Address { segment, bus, device, function })
    }

    /// Parses the `SSSS:BB:DD.F` form [`Address`] displays as.
    pub fn parse(text: &str) -> Option<Address> {
        Self::parse_with(text, ':')
    }

    /// Parses the `SSSS-BB-DD.F` form of [`Address::file_name`].
    pub fn parse_file_name(text: &str) -> Option<Address> {
        Self::parse_with(text, '-')
    }

    /// The name of the function's directory in `/scheme/pci`: `SSSS-BB-DD.F`.
    /// Not the usual colons: a relative path with a colon before any slash
    /// is the legacy `scheme:path` form, so `ls -l /scheme/pci` could not
    /// look such names up.
    pub fn file_name(&self) -> FileName {
        FileName(*self)
    }

    fn parse_with(text: &str, separator: char) -> Option<Address> {
        let (segment, rest) = text.split_once(separator)?;
        let (bus, rest) = rest.split_once(separator)?;
        let (device, function) = rest.split_once('.')?;
        // Exactly `digits` lower-case hex digits: one spelling per address.
        let hex = |s: &str, digits: usize| {
            let canonical = s.len() == digits && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            canonical.then(|| u32::from_str_radix(s, 16).ok()).flatten()
        };
        Address::new(hex(segment, 4)? as u16, hex(bus, 2)? as u8, hex(device, 2)? as u8, hex(function, 1)? as u8)
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}:{:02x}:{:02x}.{:x}", self.segment, self.bus, self.device, self.function)
    }
}

/// An [`Address`] displayed as `SSSS-BB-DD.F` (see [`Address::file_name`]).
#[derive(Clone, Copy, Debug)]
pub struct FileName(Address);

impl fmt::Display for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0;
        write!(f, "{:04x}-{:02x}-{:02x}.{:x}", a.segment, a.bus, a.device, a.function)
    }
}

/// Bytes of configuration space per function with configuration mechanism #1
/// (and conventional PCI).
pub const CONFIG_SIZE: u16 = 256;
/// Bytes of configuration space per function through ECAM (PCI Express).
pub const EXTENDED_CONFIG_SIZE: u16 = 4096;

/// Access to the configuration space of every function the platform reaches.
///
/// Offsets are dword-aligned and below [`ConfigSpace::size`]; callers in this
/// crate never pass others. A function that is not there reads as all ones.
pub trait ConfigSpace {
    /// Reads the dword at `offset`.
    fn read(&self, address: Address, offset: u16) -> u32;
    /// Writes the dword at `offset`.
    fn write(&self, address: Address, offset: u16, value: u32);
    /// Bytes of configuration space per function: [`CONFIG_SIZE`] or
    /// [`EXTENDED_CONFIG_SIZE`].
    fn size(&self) -> u16;
}

/// Something wrong a function reported; recorded and skipped, never fatal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A capability pointer below the standard header, past the end of the
    /// register space or (extended) below 0x100.
    CapabilityPointer { at: u16, pointer: u16 },
    /// The capability list comes back to an entry already seen.
    CapabilityLoop { at: u16 },
    /// A BAR whose size mask is not a run of ones down from its top bit, or a
    /// size no device of its kind may have.
    BarSize { index: u8, mask: u64 },
    /// A BAR with the reserved memory type (bits 2:1 = 0b11) or the
    /// below-1-MiB type this kernel does not support.
    BarType { index: u8, raw: u32 },
    /// A 64-bit BAR in the last BAR slot, with no slot for its upper half.
    BarTruncated { index: u8 },
    /// An unknown header layout (neither endpoint, PCI bridge nor CardBus).
    HeaderType { layout: u8 },
    /// A bridge whose secondary bus is not above its own, or was walked already.
    BridgeBus { secondary: u8 },
    /// An MSI-X table or PBA in a BAR that does not exist.
    MsixBar { bir: u8 },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Problem::CapabilityPointer { at, pointer } => {
                write!(f, "capability pointer {pointer:#x} at {at:#x} is outside the capability area")
            }
            Problem::CapabilityLoop { at } => write!(f, "capability list loops back at {at:#x}"),
            Problem::BarSize { index, mask } => write!(f, "BAR {index} reports an impossible size mask {mask:#x}"),
            Problem::BarType { index, raw } => write!(f, "BAR {index} has an unsupported type ({raw:#x})"),
            Problem::BarTruncated { index } => write!(f, "64-bit BAR {index} has no slot for its upper half"),
            Problem::HeaderType { layout } => write!(f, "unknown header layout {layout:#x}"),
            Problem::BridgeBus { secondary } => {
                write!(f, "bridge to bus {secondary:#04x} not followed (not below it, or walked already)")
            }
            Problem::MsixBar { bir } => write!(f, "MSI-X structure in BAR {bir}, which does not exist"),
        }
    }
}
