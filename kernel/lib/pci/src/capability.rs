//! Capability lists: the standard list (from the pointer at 0x34, in the
//! first 256 bytes) and the PCI Express extended list (from 0x100, ECAM only).
//!
//! Each walk remembers every dword it has visited, so a list that loops ends
//! with [`Problem::CapabilityLoop`]; a pointer outside the capability area
//! ends it with [`Problem::CapabilityPointer`]. Both lists are therefore
//! bounded by the size of their area.

use alloc::vec::Vec;

use crate::header::{Header, offset, status};
use crate::{Address, CONFIG_SIZE, ConfigSpace, EXTENDED_CONFIG_SIZE, Problem};

/// Standard capability IDs this crate decodes.
pub mod id {
    pub const POWER_MANAGEMENT: u8 = 0x01;
    pub const MSI: u8 = 0x05;
    pub const VENDOR: u8 = 0x09;
    pub const PCI_EXPRESS: u8 = 0x10;
    pub const MSI_X: u8 = 0x11;
}

/// First byte after the standard header, where capabilities may start.
const FIRST_CAPABILITY: u16 = 0x40;
/// Where the extended capability list starts.
const FIRST_EXTENDED: u16 = CONFIG_SIZE;

/// What a standard capability says, for those this crate decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    PowerManagement {
        version: u8,
        d1: bool,
        d2: bool,
        /// Current power state, 0 (D0) to 3 (D3hot).
        state: u8,
    },
    Msi {
        enabled: bool,
        /// Vectors the function can ask for (1-32).
        capable: u8,
        /// Vectors enabled (1-32).
        enabled_vectors: u8,
        address_64: bool,
        per_vector_mask: bool,
    },
    MsiX {
        enabled: bool,
        function_mask: bool,
        /// Table entries (1-2048).
        table_size: u16,
        table_bar: u8,
        table_offset: u32,
        pba_bar: u8,
        pba_offset: u32,
    },
    PciExpress {
        version: u8,
        /// Device/port type (bits 7:4 of the capabilities register).
        port_type: u8,
        slot: bool,
        /// MSI/MSI-X message number of the capability's own interrupts.
        interrupt_message: u8,
    },
    /// Any other capability.
    Other,
}

/// One standard capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capability {
    pub offset: u16,
    pub id: u8,
    pub kind: Kind,
}

/// One extended (PCI Express) capability.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extended {
    pub offset: u16,
    pub id: u16,
    pub version: u8,
}

/// Which dwords of a register area a walk has visited.
struct Visited([u64; (EXTENDED_CONFIG_SIZE / 4 / 64) as usize]);

impl Visited {
    /// Marks the dword at `at`; false if it was marked already.
    fn mark(&mut self, at: u16) -> bool {
        let dword = usize::from(at / 4);
        let (word, bit) = (dword / 64, dword % 64);
        let fresh = self.0[word] & (1 << bit) == 0;
        self.0[word] |= 1 << bit;
        fresh
    }
}

/// Walks the standard capability list of the function at `address`.
pub fn standard(
    config: &impl ConfigSpace,
    address: Address,
    header: &Header,
    problems: &mut Vec<Problem>,
) -> Vec<Capability> {
    let mut found = Vec::new();
    if header.status & status::CAPABILITIES == 0 {
        return found;
    }
    let mut visited = Visited([0; 16]);
    let mut at = offset::CAPABILITIES;
    let mut pointer = (config.read(address, offset::CAPABILITIES) & 0xfc) as u16;
    while pointer != 0 {
        if !(FIRST_CAPABILITY..CONFIG_SIZE).contains(&pointer) {
            problems.push(Problem::CapabilityPointer { at, pointer });
            break;
        }
        if !visited.mark(pointer) {
            problems.push(Problem::CapabilityLoop { at: pointer });
            break;
        }
        let head = config.read(address, pointer);
        let id = head as u8;
        found.push(Capability { offset: pointer, id, kind: decode(config, address, pointer, head) });
        at = pointer;
        pointer = ((head >> 8) & 0xfc) as u16;
    }
    found
}

/// Reads the dword `at + delta` if it lies in the first 256 bytes (a
/// capability near the end cannot make us read past them).
fn read_in(config: &impl ConfigSpace, address: Address, at: u16, delta: u16) -> u32 {
    let target = at + delta;
    if target < CONFIG_SIZE { config.read(address, target) } else { 0 }
}

/// Decodes the capability at `at` whose first dword is `head`.
fn decode(config: &impl ConfigSpace, address: Address, at: u16, head: u32) -> Kind {
    let control = (head >> 16) as u16;
    match head as u8 {
        id::POWER_MANAGEMENT => Kind::PowerManagement {
            version: (control & 0x7) as u8,
            d1: control & (1 << 9) != 0,
            d2: control & (1 << 10) != 0,
            state: (read_in(config, address, at, 4) & 0x3) as u8,
        },
        id::MSI => Kind::Msi {
            enabled: control & 1 != 0,
            capable: 1 << ((control >> 1) & 0x7).min(5),
            enabled_vectors: 1 << ((control >> 4) & 0x7).min(5),
            address_64: control & (1 << 7) != 0,
            per_vector_mask: control & (1 << 8) != 0,
        },
        id::MSI_X => {
            let table = read_in(config, address, at, 4);
            let pba = read_in(config, address, at, 8);
            Kind::MsiX {
                enabled: control & (1 << 15) != 0,
                function_mask: control & (1 << 14) != 0,
                table_size: (control & 0x7ff) + 1,
                table_bar: (table & 0x7) as u8,
                table_offset: table & !0x7,
                pba_bar: (pba & 0x7) as u8,
                pba_offset: pba & !0x7,
            }
        }
        id::PCI_EXPRESS => Kind::PciExpress {
            version: (control & 0xf) as u8,
            port_type: ((control >> 4) & 0xf) as u8,
            slot: control & (1 << 8) != 0,
            interrupt_message: ((control >> 9) & 0x1f) as u8,
        },
        _ => Kind::Other,
    }
}

/// Walks the extended capability list (only where configuration space is
/// 4096 bytes, i.e. through ECAM).
pub fn extended(config: &impl ConfigSpace, address: Address, problems: &mut Vec<Problem>) -> Vec<Extended> {
    let mut found = Vec::new();
    if config.size() < EXTENDED_CONFIG_SIZE {
        return found;
    }
    let mut visited = Visited([0; 16]);
    let mut pointer = FIRST_EXTENDED;
    loop {
        if !visited.mark(pointer) {
            problems.push(Problem::CapabilityLoop { at: pointer });
            break;
        }
        let head = config.read(address, pointer);
        // An empty list is a zero (or absent, all-ones) header at 0x100.
        if head == 0 || head == u32::MAX {
            break;
        }
        found.push(Extended { offset: pointer, id: head as u16, version: ((head >> 16) & 0xf) as u8 });
        let next = ((head >> 20) & 0xffc) as u16;
        if next == 0 {
            break;
        }
        if next < FIRST_EXTENDED {
            problems.push(Problem::CapabilityPointer { at: pointer, pointer: next });
            break;
        }
        pointer = next;
    }
    found
}
