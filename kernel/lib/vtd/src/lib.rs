//! Intel VT-d ("Virtualization Technology for Directed I/O", the IOMMU
//! QEMU emulates as `intel-iommu`) as pure logic, shared by the kernel's
//! IOMMU driver and its host tests:
//!
//! - [`dmar`]: the ACPI DMAR table — which remapping units exist, where
//!   their registers are and which devices each serves;
//! - [`registers`]: register offsets and the fields of the capability,
//!   command/status and fault registers;
//! - [`entry`]: the in-memory formats the unit reads — root and context
//!   entries, interrupt-remapping entries, the remappable MSI and I/O APIC
//!   message formats, and invalidation-queue descriptors;
//! - [`page_table`]: second-level (DMA) page tables over any
//!   [`page_table::TableMemory`];
//! - [`iova`]: the allocator of device-visible (I/O virtual) addresses.
//!
//! Firmware tables and hardware registers are input like any other: a
//! malformed DMAR is an error, never a panic.
//!
//! `#![no_std]` with `alloc`.

#![no_std]

extern crate alloc;

#[cfg(test)]
extern crate std;

pub mod dmar;
pub mod entry;
pub mod iova;
pub mod page_table;
pub mod registers;

/// A PCI requester ID as the unit sees it: bus, device and function in
/// 16 bits (`bus << 8 | device << 3 | function`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceId(pub u16);

impl SourceId {
    pub fn new(bus: u8, device: u8, function: u8) -> SourceId {
        SourceId(u16::from(bus) << 8 | u16::from(device & 0x1f) << 3 | u16::from(function & 7))
    }

    pub fn bus(self) -> u8 {
        (self.0 >> 8) as u8
    }

    /// Device and function in one byte, the index into a context table.
    pub fn devfn(self) -> u8 {
        self.0 as u8
    }
}

impl core::fmt::Display for SourceId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:02x}:{:02x}.{}", self.bus(), self.devfn() >> 3, self.devfn() & 7)
    }
}

/// A DMA address space's tag in the unit's caches (context entries and
/// invalidations name it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DomainId(pub u16);

/// The width of a domain's I/O virtual addresses, which fixes how many
/// levels its second-level page table has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressWidth {
    /// 39 bits, 3 levels.
    Bits39,
    /// 48 bits, 4 levels.
    Bits48,
}

impl AddressWidth {
    pub fn bits(self) -> u32 {
        match self {
            AddressWidth::Bits39 => 39,
            AddressWidth::Bits48 => 48,
        }
    }

    pub fn levels(self) -> u32 {
        match self {
            AddressWidth::Bits39 => 3,
            AddressWidth::Bits48 => 4,
        }
    }

    /// The context entry's AW field.
    pub fn code(self) -> u64 {
        match self {
            AddressWidth::Bits39 => 1,
            AddressWidth::Bits48 => 2,
        }
    }

    /// The widest width a unit supports, from its capability register's
    /// SAGAW field (bit 1: 39 bits, bit 2: 48 bits).
    pub fn widest_supported(sagaw: u8) -> Option<AddressWidth> {
        if sagaw & 0b100 != 0 {
            Some(AddressWidth::Bits48)
        } else if sagaw & 0b010 != 0 {
            Some(AddressWidth::Bits39)
        } else {
            None
        }
    }
}
