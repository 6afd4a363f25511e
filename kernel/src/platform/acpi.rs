//! ACPI static tables: where they are (so the frame allocator keeps its hands
//! off them), and what the MADT, HPET, MCFG, FADT and DSDT say about the machine.
//!
//! Firmware tables are input like any other: before the `acpi` crate is let
//! loose on them, [`visit_tables`] checks that the root table and every table
//! it lists lie inside the directly mapped first 4 GiB with a sane length.
//! Any problem makes the kernel ignore ACPI (one CPU, PIT) with a warning.
//! The MADT's variable-length entries are parsed here, with bounds checks,
//! rather than by the crate's iterator, which trusts entry lengths.

use alloc::vec::Vec;
use core::fmt;
use core::ptr::NonNull;

use acpi::madt::Madt;
use acpi::mcfg::Mcfg;
use acpi::{AcpiHandler, AcpiTable, AcpiTables, HpetInfo, PhysicalMapping};
use cairn_physmem::PhysRange;

use super::ioapic::{IoApic, Trigger};
use super::lapic::ApicId;
use crate::mm::phys_to_virt;

/// Where the root table is, from the Multiboot2 RSDP tags.
#[derive(Clone, Copy, Debug)]
pub struct AcpiRoot {
    /// Physical address of the XSDT (revision ≥ 2) or RSDT (revision 0).
    pub address: u64,
    pub revision: u8,
}

/// Why the ACPI tables were not used.
#[derive(Debug)]
pub enum AcpiProblem {
    /// A table lies outside the first 4 GiB or straddles its end.
    OutOfRange { address: u64 },
    /// A table header has an impossible length.
    BadLength { address: u64, length: u32 },
    /// The root table's signature is not RSDT/XSDT.
    BadRootSignature { address: u64 },
    /// The `acpi` crate rejected a table (checksum, signature...).
    Rejected(acpi::AcpiError),
    /// No MADT, so no way to find the other CPUs.
    NoMadt,
    /// The MADT's entries run past its end or have impossible lengths.
    Madt(MadtError),
}

impl fmt::Display for AcpiProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AcpiProblem::OutOfRange { address } => {
                write!(f, "table at {address:#x} outside the first 4 GiB")
            }
            AcpiProblem::BadLength { address, length } => {
                write!(f, "table at {address:#x} has impossible length {length}")
            }
            AcpiProblem::BadRootSignature { address } => {
                write!(f, "no RSDT/XSDT signature at {address:#x}")
            }
            AcpiProblem::Rejected(e) => write!(f, "table rejected: {e:?}"),
            AcpiProblem::NoMadt => write!(f, "no MADT"),
            AcpiProblem::Madt(e) => write!(f, "MADT: {e}"),
        }
    }
}

/// Tables must lie below this address (the boot-time direct map).
const TABLE_LIMIT: u64 = 1 << 32;
const HEADER_LEN: u32 = 36;
/// Largest table accepted; real MADTs and DSDTs are far smaller.
const MAX_TABLE_LEN: u32 = 16 << 20;

fn read_u32(address: u64) -> u32 {
    // SAFETY: callers only pass addresses checked to be below TABLE_LIMIT,
    // which the direct map covers from the first instruction on.
    unsafe { phys_to_virt(address).cast::<u32>().read_unaligned() }
}

fn read_u64(address: u64) -> u64 {
    // SAFETY: as in `read_u32`.
    unsafe { phys_to_virt(address).cast::<u64>().read_unaligned() }
}

/// Checks the header at `address` and returns the table's physical range.
fn checked_table(address: u64) -> Result<PhysRange, AcpiProblem> {
    if address.checked_add(u64::from(HEADER_LEN)).is_none_or(|end| end > TABLE_LIMIT) {
        return Err(AcpiProblem::OutOfRange { address });
    }
    let length = read_u32(address + 4);
    if !(HEADER_LEN..=MAX_TABLE_LEN).contains(&length) {
        return Err(AcpiProblem::BadLength { address, length });
    }
    let end = address + u64::from(length);
    if end > TABLE_LIMIT {
        return Err(AcpiProblem::OutOfRange { address });
    }
    Ok(PhysRange { start: address, end })
}

/// Calls `visit` with the range of the root table and of every table it
/// lists, after checking each is in range and of sane length.
pub fn visit_tables(root: AcpiRoot, mut visit: impl FnMut(PhysRange)) -> Result<(), AcpiProblem> {
    let root_range = checked_table(root.address)?;
    let signature = read_u32(root.address).to_le_bytes();
    let entry_size = match &signature {
        b"RSDT" => 4,
        b"XSDT" => 8,
        _ => {
            return Err(AcpiProblem::BadRootSignature { address: root.address });
        }
    };
    visit(root_range);
    let mut entry = root_range.start + u64::from(HEADER_LEN);
    while entry + entry_size <= root_range.end {
        let table = if entry_size == 4 { u64::from(read_u32(entry)) } else { read_u64(entry) };
        visit(checked_table(table)?);
        entry += entry_size;
    }
    Ok(())
}

/// The first table with `signature` the root lists, checked as
/// [`visit_tables`] checks it (its checksum is the parser's business).
pub fn find_table(root: AcpiRoot, signature: [u8; 4]) -> Option<&'static [u8]> {
    let mut found = None;
    visit_tables(root, |range| {
        if found.is_none() && read_u32(range.start).to_le_bytes() == signature {
            found = Some(range);
        }
    })
    .ok()?;
    let range = found?;
    // SAFETY: `checked_table` bounded the table inside the direct map,
    // which firmware tables never leave.
    Some(unsafe { core::slice::from_raw_parts(phys_to_virt(range.start), (range.end - range.start) as usize) })
}

/// Maps firmware tables through the direct map; unmapping is a no-op.
#[derive(Clone, Copy, Debug)]
struct DirectMapHandler;

impl AcpiHandler for DirectMapHandler {
    unsafe fn map_physical_region<T>(&self, physical_address: usize, size: usize) -> PhysicalMapping<Self, T> {
        let virt = phys_to_virt(physical_address as u64).cast::<T>();
        // SAFETY: the crate only maps tables `visit_tables` checked to lie in
        // the direct map, and the direct map never goes away.
        unsafe {
            PhysicalMapping::new(
                physical_address,
                NonNull::new(virt).expect("direct-map addresses are never null"),
                size,
                size,
                *self,
            )
        }
    }

    fn unmap_physical_region<T>(_region: &PhysicalMapping<Self, T>) {}
}

/// What the ACPI tables say about the machine.
#[derive(Debug, Default)]
pub struct PlatformDescription {
    pub local_apic_address: u64,
    /// APIC IDs of every enabled (or online-capable) processor, BSP included.
    pub cpus: Vec<ApicId>,
    pub io_apics: Vec<IoApic>,
    /// ISA interrupts wired to another GSI or with another trigger.
    pub overrides: Vec<IrqOverride>,
    pub hpet_address: Option<u64>,
    /// PCI Express ECAM windows, from the MCFG (none on `pc`).
    pub pci_ecam: Vec<crate::pci::EcamRegion>,
    /// Powering off and resetting, from the FADT and DSDT.
    pub power: super::power::PowerControl,
}

/// A MADT interrupt source override: ISA `irq` arrives as `gsi`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IrqOverride {
    pub irq: u8,
    pub gsi: u32,
    pub trigger: Trigger,
}

impl IrqOverride {
    /// Decodes the MPS INTI flags (polarity bits 0-1, trigger bits 2-3;
    /// "conforms to the bus" is ISA's active-high edge).
    fn from_flags(irq: u8, gsi: u32, flags: u16) -> IrqOverride {
        IrqOverride {
            irq,
            gsi,
            trigger: Trigger { active_low: flags & 0b11 == 0b11, level: (flags >> 2) & 0b11 == 0b11 },
        }
    }
}

/// Reads the MADT and HPET tables. Call only after [`visit_tables`] said Ok.
pub fn describe(root: AcpiRoot) -> Result<PlatformDescription, AcpiProblem> {
    // SAFETY: `visit_tables` checked every table the crate can reach; the
    // direct-map handler gives it access to exactly those bytes.
    let tables = unsafe { AcpiTables::from_rsdt(DirectMapHandler, root.revision, root.address as usize) }
        .map_err(AcpiProblem::Rejected)?;
    let madt = tables.find_table::<Madt>().map_err(|_| AcpiProblem::NoMadt)?;
    let length = madt.get().header.length as usize;
    // SAFETY: the crate validated the MADT's checksum over `length` bytes,
    // all inside the direct map (checked by `visit_tables`).
    let bytes = unsafe { core::slice::from_raw_parts(madt.virtual_start().as_ptr().cast::<u8>(), length) };
    let mut description = parse_madt(bytes).map_err(AcpiProblem::Madt)?;
    description.hpet_address = HpetInfo::new(&tables).ok().map(|hpet| hpet.base_address as u64);
    description.pci_ecam = ecam_regions(&tables);
    if let Ok(fadt) = tables.find_table::<acpi::fadt::Fadt>() {
        let dsdt = fadt.dsdt_address().ok().and_then(|address| checked_table(address as u64).ok());
        // SAFETY: `checked_table` bounded the DSDT inside the direct map.
        let dsdt = dsdt.map(|range| unsafe {
            core::slice::from_raw_parts(phys_to_virt(range.start).cast::<u8>(), (range.end - range.start) as usize)
        });
        description.power = super::power::PowerControl::from_tables(&fadt, dsdt);
    }
    Ok(description)
}

/// The MCFG's ECAM windows (none if there is no MCFG or it is too short
/// to hold its fixed part; the crate would compute a negative entry count).
fn ecam_regions(tables: &AcpiTables<DirectMapHandler>) -> Vec<crate::pci::EcamRegion> {
    let Ok(mcfg) = tables.find_table::<Mcfg>() else { return Vec::new() };
    if (mcfg.get().header().length as usize) < size_of::<Mcfg>() {
        log::warn!("ACPI: the MCFG is shorter than its header; no ECAM");
        return Vec::new();
    }
    mcfg.get()
        .entries()
        .iter()
        .map(|entry| crate::pci::EcamRegion {
            base: entry.base_address,
            segment: entry.pci_segment_group,
            first_bus: entry.bus_number_start,
            last_bus: entry.bus_number_end,
        })
        .collect()
}

/// A malformed MADT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MadtError {
    /// Shorter than the fixed MADT header.
    TooShort,
    /// An entry at `offset` declares a length below 2 or past the table end.
    BadEntry { offset: usize, length: u8 },
}

impl fmt::Display for MadtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MadtError::TooShort => write!(f, "shorter than its header"),
            MadtError::BadEntry { offset, length } => {
                write!(f, "entry at offset {offset} has bad length {length}")
            }
        }
    }
}

/// Size of the MADT's fixed part: SDT header, local APIC address, flags.
const MADT_FIXED_LEN: usize = 44;

fn le_u32(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

/// Parses a whole MADT (header included) with every bound checked.
pub fn parse_madt(bytes: &[u8]) -> Result<PlatformDescription, MadtError> {
    if bytes.len() < MADT_FIXED_LEN {
        return Err(MadtError::TooShort);
    }
    let mut description =
        PlatformDescription { local_apic_address: u64::from(le_u32(bytes, 36)), ..PlatformDescription::default() };
    let mut offset = MADT_FIXED_LEN;
    while offset < bytes.len() {
        if offset + 2 > bytes.len() {
            return Err(MadtError::BadEntry { offset, length: 0 });
        }
        let (kind, length) = (bytes[offset], bytes[offset + 1]);
        let end = offset + usize::from(length);
        if length < 2 || end > bytes.len() {
            return Err(MadtError::BadEntry { offset, length });
        }
        let entry = &bytes[offset..end];
        let enabled = |flags: u32| flags & 0b11 != 0;
        match (kind, entry.len()) {
            (0, 8..) if enabled(le_u32(entry, 4)) => description.cpus.push(ApicId(u32::from(entry[3]))),
            (1, 12..) => description.io_apics.push(IoApic {
                id: entry[2],
                address: u64::from(le_u32(entry, 4)),
                gsi_base: le_u32(entry, 8),
            }),
            (2, 10..) if entry[2] == 0 => description.overrides.push(IrqOverride::from_flags(
                entry[3],
                le_u32(entry, 4),
                u16::from_le_bytes([entry[8], entry[9]]),
            )),
            (5, 12..) => {
                description.local_apic_address = u64::from(le_u32(entry, 4)) | (u64::from(le_u32(entry, 8)) << 32);
            }
            (9, 16..) if enabled(le_u32(entry, 8)) => description.cpus.push(ApicId(le_u32(entry, 4))),
            _ => {}
        }
        offset = end;
    }
    Ok(description)
}
