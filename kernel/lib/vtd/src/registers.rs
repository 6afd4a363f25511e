//! A remapping unit's registers (VT-d specification chapter 11): offsets
//! into its 4 KiB register page and the fields the kernel uses.

use bitflags::bitflags;

use crate::SourceId;

/// Register offsets.
pub mod offset {
    pub const VERSION: usize = 0x00;
    pub const CAPABILITY: usize = 0x08;
    pub const EXTENDED_CAPABILITY: usize = 0x10;
    pub const GLOBAL_COMMAND: usize = 0x18;
    pub const GLOBAL_STATUS: usize = 0x1c;
    pub const ROOT_TABLE: usize = 0x20;
    pub const FAULT_STATUS: usize = 0x34;
    pub const FAULT_EVENT_CONTROL: usize = 0x38;
    pub const FAULT_EVENT_DATA: usize = 0x3c;
    pub const FAULT_EVENT_ADDRESS: usize = 0x40;
    pub const FAULT_EVENT_UPPER_ADDRESS: usize = 0x44;
    pub const INVALIDATION_QUEUE_TAIL: usize = 0x88;
    pub const INVALIDATION_QUEUE_ADDRESS: usize = 0x90;
    pub const INTERRUPT_TABLE_ADDRESS: usize = 0xb8;
}

bitflags! {
    /// The global command register's commands, and the global status
    /// register's matching "done" bits (same positions).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Global: u32 {
        /// DMA translation on.
        const TRANSLATION = 1 << 31;
        /// Latch the root table address (one-shot).
        const SET_ROOT_TABLE = 1 << 30;
        /// Queued invalidation on.
        const QUEUED_INVALIDATION = 1 << 26;
        /// Interrupt remapping on.
        const INTERRUPT_REMAPPING = 1 << 25;
        /// Latch the interrupt-remapping table address (one-shot).
        const SET_INTERRUPT_TABLE = 1 << 24;
        /// Let compatibility-format (unremapped) interrupts through.
        const COMPATIBILITY_FORMAT = 1 << 23;
    }
}

impl Global {
    /// The command to write to change one setting: the settings in force
    /// (from the status register, one-shot bits dropped) plus `add`.
    pub fn command(status: u32, add: Global) -> u32 {
        let lasting = Global::TRANSLATION
            | Global::QUEUED_INVALIDATION
            | Global::INTERRUPT_REMAPPING
            | Global::COMPATIBILITY_FORMAT;
        ((Global::from_bits_truncate(status) & lasting) | add).bits()
    }
}

/// The capability register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capability(pub u64);

impl Capability {
    /// How many domain IDs the unit tells apart.
    pub fn domains(self) -> u32 {
        1 << (4 + 2 * (self.0 & 7) as u32)
    }

    /// Whether writes to memory the unit reads need a write-buffer flush.
    pub fn needs_write_buffer_flush(self) -> bool {
        self.0 & (1 << 4) != 0
    }

    /// Caching mode: the unit may cache not-present entries, so adding a
    /// mapping also needs an invalidation (and domain 0 is the unit's own).
    pub fn caching_mode(self) -> bool {
        self.0 & (1 << 7) != 0
    }

    /// Supported adjusted guest address widths (bit 1: 39, bit 2: 48).
    pub fn sagaw(self) -> u8 {
        ((self.0 >> 8) & 0x1f) as u8
    }

    /// Maximum guest address width in bits.
    pub fn mgaw(self) -> u32 {
        ((self.0 >> 16) & 0x3f) as u32 + 1
    }

    /// Offset of the first fault-recording register.
    pub fn fault_recording_offset(self) -> usize {
        ((self.0 >> 24) & 0x3ff) as usize * 16
    }

    /// How many fault-recording registers there are.
    pub fn fault_records(self) -> usize {
        ((self.0 >> 40) & 0xff) as usize + 1
    }
}

/// The extended capability register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtendedCapability(pub u64);

impl ExtendedCapability {
    /// Page walks snoop the CPU caches (else table writes need flushing).
    pub fn coherent(self) -> bool {
        self.0 & 1 != 0
    }

    pub fn queued_invalidation(self) -> bool {
        self.0 & (1 << 1) != 0
    }

    pub fn interrupt_remapping(self) -> bool {
        self.0 & (1 << 3) != 0
    }

    /// x2APIC (32-bit) interrupt destinations.
    pub fn extended_interrupt_mode(self) -> bool {
        self.0 & (1 << 4) != 0
    }
}

/// Fault status register bits.
pub mod fault_status {
    /// Fault overflow (write 1 to clear).
    pub const OVERFLOW: u32 = 1 << 0;
    /// A fault is recorded (clears when every record is cleared).
    pub const PENDING: u32 = 1 << 1;
    /// Invalidation queue error (write 1 to clear).
    pub const QUEUE_ERROR: u32 = 1 << 4;
    /// Bits to write back to clear what can be cleared.
    pub const CLEARABLE: u32 = 0x7d;
}

/// Fault event control: interrupt mask.
pub const FAULT_EVENT_MASKED: u32 = 1 << 31;

/// Whether a DMA request that faulted read or wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// One fault-recording register (128 bits), decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultRecord {
    /// The page the request addressed (or, for interrupt faults, the
    /// interrupt index in bits 63:48).
    pub address: u64,
    pub source: SourceId,
    /// The specification's fault reason code.
    pub reason: u8,
    pub access: Access,
}

impl FaultRecord {
    /// Bit 63 of the high half: the record holds a fault (write 1 to clear).
    pub const FAULT: u64 = 1 << 63;

    /// Decodes a record's halves; `None` if it holds no fault.
    pub fn decode(low: u64, high: u64) -> Option<FaultRecord> {
        if high & Self::FAULT == 0 {
            return None;
        }
        Some(FaultRecord {
            address: low & !0xfff,
            source: SourceId(high as u16),
            reason: (high >> 32) as u8,
            access: if high & (1 << 62) != 0 { Access::Read } else { Access::Write },
        })
    }

    /// What the reason code means (the common ones).
    pub fn reason_text(&self) -> &'static str {
        match self.reason {
            0x01 => "root entry not present",
            0x02 => "context entry not present",
            0x03 => "invalid context entry",
            0x04 => "address beyond the domain's width",
            0x05 => "write not allowed (address not mapped, or read-only)",
            0x06 => "read not allowed (address not mapped)",
            0x07 => "page table entry unreadable",
            0x0a..=0x0c => "reserved bits set in a table entry",
            0x20 => "interrupt with reserved fields",
            0x21 => "interrupt index beyond the table",
            0x22 => "interrupt entry not present",
            0x23 => "interrupt table unreadable",
            0x24 => "interrupt entry with reserved fields",
            0x25 => "compatibility-format interrupt blocked",
            0x26 => "interrupt from a device the entry does not name",
            _ => "other",
        }
    }

    /// Whether the fault came from an interrupt request (not DMA).
    pub fn is_interrupt(&self) -> bool {
        (0x20..0x30).contains(&self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_keep_what_is_on_and_drop_one_shots() {
        let status = (Global::TRANSLATION | Global::SET_ROOT_TABLE | Global::QUEUED_INVALIDATION).bits();
        let command = Global::command(status, Global::SET_INTERRUPT_TABLE);
        assert_eq!(
            Global::from_bits_truncate(command),
            Global::TRANSLATION | Global::QUEUED_INVALIDATION | Global::SET_INTERRUPT_TABLE
        );
    }

    #[test]
    fn decodes_qemu_capabilities() {
        // As QEMU 7.2's intel-iommu reports it with aw-bits=39, caching-mode=on.
        let capability = Capability(0x2226_0282);
        assert_eq!(capability.domains(), 256);
        assert!(capability.caching_mode());
        assert_eq!(capability.sagaw(), 0b00010);
        assert_eq!(capability.mgaw(), 39);
        assert_eq!(capability.fault_recording_offset(), 0x220);
        assert_eq!(capability.fault_records(), 1);
        let extended = ExtendedCapability(0xf0_0f5e);
        assert!(extended.queued_invalidation());
        assert!(extended.interrupt_remapping());
        assert!(extended.extended_interrupt_mode());
        assert!(!extended.coherent());
    }

    #[test]
    fn decodes_fault_records() {
        assert_eq!(FaultRecord::decode(0x1234_5000, 0), None);
        let high = FaultRecord::FAULT | (1 << 62) | (0x06 << 32) | 0x0018;
        let record = FaultRecord::decode(0x1234_5678, high).unwrap();
        assert_eq!(record.address, 0x1234_5000);
        assert_eq!(record.source, SourceId::new(0, 3, 0));
        assert_eq!(record.access, Access::Read);
        assert_eq!(record.reason_text(), "read not allowed (address not mapped)");
        assert!(!record.is_interrupt());
    }
}
