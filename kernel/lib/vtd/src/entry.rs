//! The 128-bit structures a remapping unit reads from memory (VT-d
//! specification chapter 9): root and context entries, interrupt-
//! remapping table entries and invalidation-queue descriptors, plus the
//! remappable message formats a device or an I/O APIC sends to name an
//! interrupt-remapping entry.

use crate::{AddressWidth, DomainId, SourceId};

/// A 128-bit entry as (low, high) 64-bit halves, as the unit reads them.
pub type Entry = [u64; 2];

/// Entries in a root or context table (one 4 KiB page).
pub const TABLE_ENTRIES: usize = 256;

/// A root entry: bus `b`'s context table at `context_table`.
pub fn root(context_table: u64) -> Entry {
    [context_table & !0xfff | 1, 0]
}

/// A context entry: the function's requests translate through the
/// second-level table at `page_table` (translation type 0: untranslated
/// requests only), tagged `domain`.
pub fn context(page_table: u64, domain: DomainId, width: AddressWidth) -> Entry {
    [page_table & !0xfff | 1, width.code() | u64::from(domain.0) << 8]
}

/// How an interrupt-remapping entry checks who raised the interrupt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requester {
    /// Only this requester ID may use the entry.
    Exactly(SourceId),
    /// Anyone may (an I/O APIC the DMAR does not name).
    Anyone,
}

/// An interrupt-remapping table entry: fixed delivery of `vector` to the
/// local APIC `destination` (physical mode), edge or level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Remap {
    pub vector: u8,
    pub destination: u32,
    pub level: bool,
    pub requester: Requester,
}

impl Remap {
    /// The entry; `extended` when the table is in x2APIC mode (32-bit
    /// destinations), else the xAPIC ID sits in bits 47:40.
    pub fn entry(&self, extended: bool) -> Entry {
        let destination = if extended { self.destination } else { (self.destination & 0xff) << 8 };
        let low = 1 | u64::from(self.level) << 4 | u64::from(self.vector) << 16 | u64::from(destination) << 32;
        let high = match self.requester {
            // SVT 01 (verify the whole requester ID), SQ 00.
            Requester::Exactly(source) => u64::from(source.0) | 1 << 18,
            Requester::Anyone => 0,
        };
        [low, high]
    }
}

/// An MSI message in remappable format naming entry `index`: (address, data).
pub fn remappable_message(index: u16) -> (u64, u32) {
    let index = u64::from(index);
    (0xfee0_0000 | (index & 0x7fff) << 5 | 1 << 4 | (index >> 15) << 2, 0)
}

/// An I/O APIC redirection entry in remappable format naming entry
/// `index`; `vector` and `level` repeat the entry's (the I/O APIC matches
/// end-of-interrupt broadcasts by vector).
pub fn remappable_redirection(index: u16, vector: u8, level: bool, active_low: bool, masked: bool) -> u64 {
    let index = u64::from(index);
    u64::from(vector)
        | (index >> 15) << 11
        | u64::from(active_low) << 13
        | u64::from(level) << 15
        | u64::from(masked) << 16
        | 1 << 48
        | (index & 0x7fff) << 49
}

/// An invalidation-queue descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Descriptor {
    /// Forget every cached context entry.
    ContextCacheGlobal,
    /// Forget every cached translation (draining reads and writes).
    IotlbGlobal,
    /// Forget one domain's cached translations (draining its reads and writes).
    IotlbDomain(DomainId),
    /// Forget cached interrupt-remapping entries: one, or all.
    InterruptEntries(Option<u16>),
    /// When the unit reaches this descriptor, write `value` to the 32-bit
    /// word at physical address `status`.
    Wait { status: u64, value: u32 },
}

impl Descriptor {
    pub fn encode(self) -> Entry {
        match self {
            Descriptor::ContextCacheGlobal => [0x1 | 1 << 4, 0],
            Descriptor::IotlbGlobal => [0x2 | 1 << 4 | 1 << 6 | 1 << 7, 0],
            Descriptor::IotlbDomain(domain) => [0x2 | 2 << 4 | 1 << 6 | 1 << 7 | u64::from(domain.0) << 16, 0],
            Descriptor::InterruptEntries(None) => [0x4, 0],
            Descriptor::InterruptEntries(Some(index)) => [0x4 | 1 << 4 | u64::from(index) << 32, 0],
            Descriptor::Wait { status, value } => [0x5 | 1 << 5 | u64::from(value) << 32, status & !3],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_entries_carry_table_domain_and_width() {
        let [low, high] = context(0x1234_5000, DomainId(7), AddressWidth::Bits39);
        assert_eq!(low, 0x1234_5001);
        assert_eq!(high, 0x701);
        assert_eq!(root(0x8000), [0x8001, 0]);
    }

    #[test]
    fn remap_entries_put_fields_where_the_unit_reads_them() {
        let remap = Remap { vector: 0x31, destination: 3, level: false, requester: Requester::Exactly(SourceId(0x18)) };
        let [low, high] = remap.entry(false);
        assert_eq!(low & 1, 1);
        assert_eq!((low >> 16) & 0xff, 0x31);
        assert_eq!((low >> 40) & 0xff, 3);
        assert_eq!(high, 0x18 | 1 << 18);
        // Reserved bits 12-15 and 24-31 stay clear.
        assert_eq!(low & 0xff00_f000, 0);
        let [low, _] = Remap { level: true, requester: Requester::Anyone, ..remap }.entry(true);
        assert_eq!(low >> 32, 3);
        assert_eq!((low >> 4) & 1, 1);
    }

    #[test]
    fn messages_name_the_entry() {
        assert_eq!(remappable_message(0), (0xfee0_0010, 0));
        assert_eq!(remappable_message(5), (0xfee0_00b0, 0));
        assert_eq!(remappable_message(0x8001), (0xfee0_0034, 0));
        let redirection = remappable_redirection(0x8002, 0x40, true, true, false);
        assert_eq!(redirection & 0xff, 0x40);
        assert_eq!(redirection >> 48, 1 | 2 << 1);
        assert_eq!((redirection >> 11) & 1, 1);
        assert_eq!(redirection & (1 << 15 | 1 << 13 | 1 << 16), 1 << 15 | 1 << 13);
    }

    #[test]
    fn descriptors_encode_type_and_scope() {
        assert_eq!(Descriptor::ContextCacheGlobal.encode(), [0x11, 0]);
        assert_eq!(Descriptor::IotlbGlobal.encode(), [0xd2, 0]);
        assert_eq!(Descriptor::IotlbDomain(DomainId(3)).encode(), [0x3_00e2, 0]);
        assert_eq!(Descriptor::InterruptEntries(Some(9)).encode(), [0x9_0000_0014, 0]);
        assert_eq!(Descriptor::Wait { status: 0x1000, value: 2 }.encode(), [0x2_0000_0025, 0x1000]);
    }
}
