//! The ACPI DMA Remapping Reporting table (DMAR, VT-d specification
//! chapter 8): the host address width, whether interrupt remapping is
//! offered, every remapping hardware unit (DRHD) with its register base
//! and the devices it serves, and the reserved memory regions (RMRR)
//! some devices must keep reaching. Parsed with `zerocopy` views and
//! every length checked; anything malformed is a [`DmarError`].

use alloc::vec::Vec;
use core::fmt;

use zerocopy::byteorder::little_endian::{U16, U32, U64};
use zerocopy::{FromBytes, Immutable, KnownLayout, Unaligned};

use crate::SourceId;

/// The ACPI table header every system description table starts with.
#[derive(FromBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct TableHeader {
    signature: [u8; 4],
    length: U32,
    revision: u8,
    checksum: u8,
    oem_id: [u8; 6],
    oem_table_id: [u8; 8],
    oem_revision: U32,
    creator_id: U32,
    creator_revision: U32,
}

/// The DMAR's fixed part after the header.
#[derive(FromBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct DmarFixed {
    header: TableHeader,
    /// Host address width minus one.
    host_address_width: u8,
    flags: u8,
    reserved: [u8; 10],
}

/// Type and length every remapping structure starts with.
#[derive(FromBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct StructureHeader {
    kind: U16,
    length: U16,
}

/// A DMA-remapping hardware unit definition's fixed part.
#[derive(FromBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct UnitFixed {
    header: StructureHeader,
    flags: u8,
    size: u8,
    segment: U16,
    register_base: U64,
}

/// A reserved memory region's fixed part.
#[derive(FromBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct RegionFixed {
    header: StructureHeader,
    reserved: U16,
    segment: U16,
    base: U64,
    limit: U64,
}

/// A device scope's fixed part; (device, function) pairs follow.
#[derive(FromBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
struct ScopeFixed {
    kind: u8,
    length: u8,
    reserved: U16,
    enumeration_id: u8,
    start_bus: u8,
}

const UNIT: u16 = 0;
const RESERVED_REGION: u16 = 1;
/// DMAR flags: interrupt remapping supported; x2APIC opt-out.
const FLAG_INTERRUPT_REMAPPING: u8 = 1;
const FLAG_X2APIC_OPT_OUT: u8 = 2;
/// Unit flags: serves every PCI device of its segment not listed elsewhere.
const UNIT_INCLUDE_PCI_ALL: u8 = 1;

/// What a malformed DMAR got wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DmarError {
    /// Shorter than its fixed part, or than its own length field.
    TooShort,
    /// The signature is not `DMAR`.
    BadSignature,
    /// The bytes do not sum to zero.
    BadChecksum,
    /// A remapping structure at `offset` has an impossible length.
    BadStructure { offset: usize, length: u16 },
    /// A device scope at `offset` has an impossible length.
    BadScope { offset: usize, length: u8 },
}

impl fmt::Display for DmarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DmarError::TooShort => write!(f, "shorter than its header"),
            DmarError::BadSignature => write!(f, "signature is not DMAR"),
            DmarError::BadChecksum => write!(f, "bad checksum"),
            DmarError::BadStructure { offset, length } => {
                write!(f, "remapping structure at offset {offset} has bad length {length}")
            }
            DmarError::BadScope { offset, length } => {
                write!(f, "device scope at offset {offset} has bad length {length}")
            }
        }
    }
}

/// What kind of device a scope names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    /// One PCI endpoint.
    Endpoint,
    /// A PCI bridge and everything below it.
    Bridge,
    /// An I/O APIC (the enumeration ID is its APIC ID).
    IoApic,
    /// An HPET (the enumeration ID is its number).
    Hpet,
    /// An ACPI namespace device.
    AcpiDevice,
    Other(u8),
}

impl ScopeKind {
    fn from_code(code: u8) -> ScopeKind {
        match code {
            1 => ScopeKind::Endpoint,
            2 => ScopeKind::Bridge,
            3 => ScopeKind::IoApic,
            4 => ScopeKind::Hpet,
            5 => ScopeKind::AcpiDevice,
            other => ScopeKind::Other(other),
        }
    }
}

/// One device a unit or region applies to: its kind, and its path from
/// `start_bus` through bridges as (device, function) hops.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceScope {
    pub kind: ScopeKind,
    pub enumeration_id: u8,
    pub start_bus: u8,
    pub path: Vec<(u8, u8)>,
}

/// How the bridges on a scope's path are configured now (the kernel
/// answers from configuration space).
pub trait Topology {
    /// The secondary and subordinate bus numbers of the bridge `bridge`.
    fn buses_below(&self, bridge: SourceId) -> Option<(u8, u8)>;
}

impl DeviceScope {
    /// The requester ID of the device the scope names, following the
    /// path's bridges; `None` for an empty path or a missing bridge.
    pub fn source_id(&self, topology: &dyn Topology) -> Option<SourceId> {
        let (&(device, function), hops) = self.path.split_last()?;
        let mut bus = self.start_bus;
        for &(device, function) in hops {
            bus = topology.buses_below(SourceId::new(bus, device, function))?.0;
        }
        Some(SourceId::new(bus, device, function))
    }

    /// Whether the scope names `source` (an endpoint), or a bridge above
    /// or at it.
    pub fn covers(&self, source: SourceId, topology: &dyn Topology) -> bool {
        let Some(named) = self.source_id(topology) else { return false };
        match self.kind {
            ScopeKind::Endpoint => named == source,
            ScopeKind::Bridge => {
                named == source
                    || topology
                        .buses_below(named)
                        .is_some_and(|(secondary, subordinate)| (secondary..=subordinate).contains(&source.bus()))
            }
            _ => false,
        }
    }
}

/// One remapping hardware unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unit {
    pub segment: u16,
    /// Physical address of its 4 KiB register page.
    pub registers: u64,
    /// Serves every device of its segment that no other unit lists.
    pub include_all: bool,
    pub scopes: Vec<DeviceScope>,
}

/// Memory some devices keep reaching on their own (legacy USB, graphics):
/// it must be mapped one-to-one into their DMA address space.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReservedRegion {
    pub segment: u16,
    pub base: u64,
    /// Last byte (inclusive).
    pub limit: u64,
    pub scopes: Vec<DeviceScope>,
}

/// A parsed DMAR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dmar {
    /// Physical address bits DMA can reach.
    pub host_address_width: u8,
    /// The platform supports interrupt remapping.
    pub interrupt_remapping: bool,
    /// Firmware asks the OS not to enable x2APIC mode.
    pub x2apic_opt_out: bool,
    pub units: Vec<Unit>,
    pub reserved_regions: Vec<ReservedRegion>,
}

impl Dmar {
    /// Parses a whole DMAR (header included): `bytes` may be longer than
    /// the table (the length field decides), never shorter.
    pub fn parse(bytes: &[u8]) -> Result<Dmar, DmarError> {
        let (fixed, _) = DmarFixed::ref_from_prefix(bytes).map_err(|_| DmarError::TooShort)?;
        if &fixed.header.signature != b"DMAR" {
            return Err(DmarError::BadSignature);
        }
        let length = fixed.header.length.get() as usize;
        if length < size_of::<DmarFixed>() || length > bytes.len() {
            return Err(DmarError::TooShort);
        }
        let bytes = &bytes[..length];
        if bytes.iter().fold(0u8, |sum, byte| sum.wrapping_add(*byte)) != 0 {
            return Err(DmarError::BadChecksum);
        }
        let mut dmar = Dmar {
            host_address_width: fixed.host_address_width.saturating_add(1),
            interrupt_remapping: fixed.flags & FLAG_INTERRUPT_REMAPPING != 0,
            x2apic_opt_out: fixed.flags & FLAG_X2APIC_OPT_OUT != 0,
            units: Vec::new(),
            reserved_regions: Vec::new(),
        };
        let mut offset = size_of::<DmarFixed>();
        while offset < bytes.len() {
            let rest = &bytes[offset..];
            let (header, _) =
                StructureHeader::ref_from_prefix(rest).map_err(|_| DmarError::BadStructure { offset, length: 0 })?;
            let length = header.length.get();
            if usize::from(length) < size_of::<StructureHeader>() || usize::from(length) > rest.len() {
                return Err(DmarError::BadStructure { offset, length });
            }
            let structure = &rest[..usize::from(length)];
            match header.kind.get() {
                UNIT => {
                    let (unit, scopes) = UnitFixed::ref_from_prefix(structure)
                        .map_err(|_| DmarError::BadStructure { offset, length })?;
                    dmar.units.push(Unit {
                        segment: unit.segment.get(),
                        registers: unit.register_base.get(),
                        include_all: unit.flags & UNIT_INCLUDE_PCI_ALL != 0,
                        scopes: parse_scopes(scopes, offset + size_of::<UnitFixed>())?,
                    });
                }
                RESERVED_REGION => {
                    let (region, scopes) = RegionFixed::ref_from_prefix(structure)
                        .map_err(|_| DmarError::BadStructure { offset, length })?;
                    dmar.reserved_regions.push(ReservedRegion {
                        segment: region.segment.get(),
                        base: region.base.get(),
                        limit: region.limit.get(),
                        scopes: parse_scopes(scopes, offset + size_of::<RegionFixed>())?,
                    });
                }
                _ => {}
            }
            offset += usize::from(length);
        }
        Ok(dmar)
    }

    /// The index of the unit that serves PCI function `source` of
    /// `segment`: one whose scopes name it, else the segment's
    /// include-all unit.
    pub fn unit_for(&self, segment: u16, source: SourceId, topology: &dyn Topology) -> Option<usize> {
        let listed = self.units.iter().position(|unit| {
            !unit.include_all
                && unit.segment == segment
                && unit.scopes.iter().any(|scope| scope.covers(source, topology))
        });
        listed.or_else(|| self.units.iter().position(|unit| unit.include_all && unit.segment == segment))
    }

    /// The requester ID the I/O APIC with APIC ID `id` uses, where a
    /// unit's scope lists it.
    pub fn io_apic_source(&self, id: u8, topology: &dyn Topology) -> Option<SourceId> {
        self.units
            .iter()
            .flat_map(|unit| &unit.scopes)
            .find(|scope| scope.kind == ScopeKind::IoApic && scope.enumeration_id == id)
            .and_then(|scope| scope.source_id(topology))
    }
}

/// Parses the device scopes filling `bytes` (`offset` is where they start
/// in the table, for errors).
fn parse_scopes(mut bytes: &[u8], mut offset: usize) -> Result<Vec<DeviceScope>, DmarError> {
    let mut scopes = Vec::new();
    while !bytes.is_empty() {
        let (fixed, _) = ScopeFixed::ref_from_prefix(bytes).map_err(|_| DmarError::BadScope { offset, length: 0 })?;
        let length = usize::from(fixed.length);
        let path_bytes = length.checked_sub(size_of::<ScopeFixed>());
        if length > bytes.len() || path_bytes.is_none_or(|path| path % 2 != 0) {
            return Err(DmarError::BadScope { offset, length: fixed.length });
        }
        let path = bytes[size_of::<ScopeFixed>()..length].chunks_exact(2).map(|hop| (hop[0], hop[1])).collect();
        scopes.push(DeviceScope {
            kind: ScopeKind::from_code(fixed.kind),
            enumeration_id: fixed.enumeration_id,
            start_bus: fixed.start_bus,
            path,
        });
        bytes = &bytes[length..];
        offset += length;
    }
    Ok(scopes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    /// Builds a DMAR like QEMU's `intel-iommu,intremap=on`: one
    /// include-all unit at 0xfed90000 whose scope lists the I/O APIC
    /// (APIC ID 0) at a pseudo address on bus ff, then `extra`.
    fn table(extra: &[u8]) -> Vec<u8> {
        let mut unit = vec![0, 0, 0, 0, UNIT_INCLUDE_PCI_ALL, 0, 0, 0];
        unit.extend_from_slice(&0xfed9_0000u64.to_le_bytes());
        unit.extend_from_slice(&[3, 8, 0, 0, 0, 0xff, 0x1e, 0x07]);
        let unit_len = unit.len() as u16;
        unit[2..4].copy_from_slice(&unit_len.to_le_bytes());
        let mut bytes = vec![0u8; 48];
        bytes[..4].copy_from_slice(b"DMAR");
        bytes[36] = 38;
        bytes[37] = FLAG_INTERRUPT_REMAPPING;
        bytes.extend_from_slice(&unit);
        bytes.extend_from_slice(extra);
        let length = bytes.len() as u32;
        bytes[4..8].copy_from_slice(&length.to_le_bytes());
        let sum = bytes.iter().fold(0u8, |sum, byte| sum.wrapping_add(*byte));
        bytes[9] = 0u8.wrapping_sub(sum);
        bytes
    }

    struct OneBridge;

    impl Topology for OneBridge {
        fn buses_below(&self, bridge: SourceId) -> Option<(u8, u8)> {
            (bridge == SourceId::new(0, 0x1c, 0)).then_some((1, 2))
        }
    }

    #[test]
    fn parses_a_qemu_like_table() {
        let dmar = Dmar::parse(&table(&[])).unwrap();
        assert_eq!(dmar.host_address_width, 39);
        assert!(dmar.interrupt_remapping);
        assert!(!dmar.x2apic_opt_out);
        assert_eq!(dmar.units.len(), 1);
        let unit = &dmar.units[0];
        assert_eq!(unit.registers, 0xfed9_0000);
        assert!(unit.include_all);
        assert_eq!(unit.scopes[0].kind, ScopeKind::IoApic);
        assert_eq!(dmar.io_apic_source(0, &OneBridge), Some(SourceId(0xfff7)));
        assert_eq!(dmar.io_apic_source(1, &OneBridge), None);
        assert_eq!(dmar.unit_for(0, SourceId::new(0, 3, 0), &OneBridge), Some(0));
        assert_eq!(dmar.unit_for(1, SourceId::new(0, 3, 0), &OneBridge), None);
    }

    #[test]
    fn listed_units_win_over_include_all() {
        // A second unit serving the bridge at 00:1c.0 and what is below it,
        // and a reserved region for an endpoint behind that bridge.
        let mut unit = vec![0, 0, 0, 0, 0, 0, 0, 0];
        unit.extend_from_slice(&0xfed9_1000u64.to_le_bytes());
        unit.extend_from_slice(&[2, 8, 0, 0, 0, 0, 0x1c, 0]);
        let unit_len = unit.len() as u16;
        unit[2..4].copy_from_slice(&unit_len.to_le_bytes());
        let mut region = vec![1, 0, 0, 0, 0, 0, 0, 0];
        region.extend_from_slice(&0xe_0000u64.to_le_bytes());
        region.extend_from_slice(&0xe_ffffu64.to_le_bytes());
        region.extend_from_slice(&[1, 10, 0, 0, 0, 0, 0x1c, 0, 0, 0]);
        let region_len = region.len() as u16;
        region[2..4].copy_from_slice(&region_len.to_le_bytes());
        let dmar = Dmar::parse(&table(&[unit, region].concat())).unwrap();
        assert_eq!(dmar.unit_for(0, SourceId::new(2, 0, 0), &OneBridge), Some(1));
        assert_eq!(dmar.unit_for(0, SourceId::new(0, 0x1c, 0), &OneBridge), Some(1));
        assert_eq!(dmar.unit_for(0, SourceId::new(3, 0, 0), &OneBridge), Some(0));
        let region = &dmar.reserved_regions[0];
        assert_eq!((region.base, region.limit), (0xe_0000, 0xe_ffff));
        assert_eq!(region.scopes[0].source_id(&OneBridge), Some(SourceId::new(1, 0, 0)));
        assert_eq!(region.scopes[0].source_id(&NoBridges), None);
    }

    struct NoBridges;

    impl Topology for NoBridges {
        fn buses_below(&self, _: SourceId) -> Option<(u8, u8)> {
            None
        }
    }

    #[test]
    fn rejects_malformed_tables() {
        let good = table(&[]);
        assert_eq!(Dmar::parse(&good[..40]), Err(DmarError::TooShort));
        assert_eq!(Dmar::parse(&good[..good.len() - 1]), Err(DmarError::TooShort));
        let mut bad = good.clone();
        bad[0] = b'X';
        assert_eq!(Dmar::parse(&bad), Err(DmarError::BadSignature));
        let mut bad = good.clone();
        bad[60] ^= 1;
        assert_eq!(Dmar::parse(&bad), Err(DmarError::BadChecksum));
        // A structure claiming to be longer than the table, one shorter
        // than its own header (a loop if trusted), a scope of odd length.
        for (at, value) in [(50usize, 0xffu8), (50, 2), (65, 7)] {
            let mut bad = good.clone();
            bad[at] = value;
            bad[9] = bad[9].wrapping_sub(value.wrapping_sub(good[at]));
            assert!(
                matches!(Dmar::parse(&bad), Err(DmarError::BadStructure { .. } | DmarError::BadScope { .. })),
                "byte {at} = {value}"
            );
        }
    }
}
