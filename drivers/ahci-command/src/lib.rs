//! `cairn-ahci-command`: what an AHCI driver writes into and reads out of
//! memory, apart from that memory, so it can be tested on the host: the
//! command header of a command-list slot, the host-to-device register FIS
//! of each ATA command the driver issues (IDENTIFY DEVICE, READ/WRITE DMA
//! EXT, READ/WRITE FPDMA QUEUED, FLUSH CACHE EXT), the physical region
//! descriptor table (PRDT) of a transfer, the disk's IDENTIFY DEVICE data,
//! and which command slots of a port are free.
//!
//! Formats: Serial ATA AHCI 1.3.1, §4.2.2 (command list), §4.2.3 (command
//! table, PRDT); Serial ATA 3.x §10.5.5 (Register Host to Device FIS);
//! ATA/ATAPI Command Set (ACS-3) §7 (the commands), §13.7.3 (NCQ
//! commands), table 45 (IDENTIFY DEVICE data).
//!
//! Depends on `core` and `alloc` only.
#![no_std]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

#[cfg(test)]
mod tests;

/// Bytes per command header (one slot of the command list).
pub const HEADER: usize = 32;
/// Bytes per command list: 32 slots.
pub const COMMAND_LIST: usize = 32 * HEADER;
/// Bytes of the received-FIS area.
pub const RECEIVED_FIS: usize = 256;
/// Where the PRDT starts in a command table (after the command FIS,
/// the ATAPI command and reserved bytes).
pub const PRDT_OFFSET: usize = 0x80;
/// Bytes per PRDT entry.
pub const PRD_ENTRY: usize = 16;
/// Bytes one PRDT entry describes at most (its byte count has 22 bits).
pub const PRD_MAX: usize = 4 << 20;
/// Bytes of a register H2D FIS (5 dwords).
pub const H2D_FIS: usize = 20;
/// Slots of a port at most.
pub const SLOTS: u32 = 32;

/// Device signatures (PxSIG) after the device's reset.
pub const SIGNATURE_ATA: u32 = 0x0000_0101;
pub const SIGNATURE_ATAPI: u32 = 0xeb14_0101;
pub const SIGNATURE_ENCLOSURE: u32 = 0xc33c_0101;
pub const SIGNATURE_PORT_MULTIPLIER: u32 = 0x9669_0101;

/// What kind of device a signature names.
pub fn signature_kind(signature: u32) -> &'static str {
    match signature {
        SIGNATURE_ATA => "ATA disk",
        SIGNATURE_ATAPI => "ATAPI device",
        SIGNATURE_ENCLOSURE => "enclosure management bridge",
        SIGNATURE_PORT_MULTIPLIER => "port multiplier",
        _ => "unknown device",
    }
}

/// ATA command codes.
pub mod ata {
    pub const READ_DMA_EXT: u8 = 0x25;
    pub const WRITE_DMA_EXT: u8 = 0x35;
    pub const READ_FPDMA_QUEUED: u8 = 0x60;
    pub const WRITE_FPDMA_QUEUED: u8 = 0x61;
    pub const FLUSH_CACHE_EXT: u8 = 0xea;
    pub const IDENTIFY_DEVICE: u8 = 0xec;
}

/// A command slot of a port (0..32).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot(pub u8);

impl Slot {
    /// Its bit in PxCI, PxSACT.
    pub fn bit(self) -> u32 {
        1 << self.0
    }
}

/// One ATA command the driver issues.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    Identify,
    Flush,
    /// Read or write `count` sectors at `lba`, one command at a time (DMA EXT).
    Dma {
        write: bool,
        lba: u64,
        count: u32,
    },
    /// Read or write `count` sectors at `lba` as a native queued command
    /// (FPDMA QUEUED) tagged with the slot it is issued in.
    Queued {
        write: bool,
        lba: u64,
        count: u32,
    },
}

/// Sectors one READ/WRITE (DMA EXT or FPDMA QUEUED) moves at most: its
/// 16-bit count, where 0 stands for 65536.
pub const MAX_SECTORS: u32 = 65536;

impl Command {
    /// Whether the command moves data to the device.
    pub fn writes(&self) -> bool {
        matches!(self, Command::Dma { write: true, .. } | Command::Queued { write: true, .. })
    }

    /// Whether it is a native queued command (tracked in PxSACT).
    pub fn queued(&self) -> bool {
        matches!(self, Command::Queued { .. })
    }

    /// Its register host-to-device FIS when issued in `slot`.
    pub fn fis(&self, slot: Slot) -> [u8; H2D_FIS] {
        let mut fis = [0u8; H2D_FIS];
        fis[0] = 0x27; // Register FIS, host to device.
        fis[1] = 0x80; // C: the command register is updated.
        let (code, lba, count, features) = match *self {
            Command::Identify => (ata::IDENTIFY_DEVICE, 0, 0, 0),
            Command::Flush => (ata::FLUSH_CACHE_EXT, 0, 0, 0),
            Command::Dma { write, lba, count } => {
                (if write { ata::WRITE_DMA_EXT } else { ata::READ_DMA_EXT }, lba, count as u16, 0)
            }
            // The sector count goes in the features field, the tag in
            // bits 7:3 of the count field.
            Command::Queued { write, lba, count } => {
                let code = if write { ata::WRITE_FPDMA_QUEUED } else { ata::READ_FPDMA_QUEUED };
                (code, lba, u16::from(slot.0) << 3, count as u16)
            }
        };
        fis[2] = code;
        fis[3] = features as u8;
        fis[4..7].copy_from_slice(&lba.to_le_bytes()[0..3]);
        // Device: LBA addressing (bit 6), except for IDENTIFY.
        fis[7] = if matches!(self, Command::Identify) { 0 } else { 0x40 };
        fis[8..11].copy_from_slice(&lba.to_le_bytes()[3..6]);
        fis[11] = (features >> 8) as u8;
        fis[12..14].copy_from_slice(&count.to_le_bytes());
        fis
    }

    /// Its command header, for a table at `table` (128-byte aligned)
    /// with `entries` PRDT entries.
    pub fn header(&self, table: u64, entries: u16) -> [u8; HEADER] {
        let mut header = [0u8; HEADER];
        // DW0: FIS length in dwords, W (bit 6), PRDT length (bits 31:16).
        let flags = (H2D_FIS / 4) as u32 | if self.writes() { 1 << 6 } else { 0 } | (u32::from(entries) << 16);
        header[0..4].copy_from_slice(&flags.to_le_bytes());
        // DW1: bytes transferred, which the HBA counts; DW2-3: table address.
        header[8..16].copy_from_slice(&table.to_le_bytes());
        header
    }
}

/// The PRDT entries for `len` bytes (even, at least 2) at device address
/// `address` (word aligned), each at most [`PRD_MAX`] bytes, the last
/// asking for an interrupt when its data is moved; `None` if more than
/// `room` entries would be needed or the length is unusable.
pub fn prdt(address: u64, len: usize, room: usize) -> Option<Vec<[u8; PRD_ENTRY]>> {
    if len == 0 || !len.is_multiple_of(2) || !address.is_multiple_of(2) || len.div_ceil(PRD_MAX) > room {
        return None;
    }
    let count = len.div_ceil(PRD_MAX);
    Some(
        (0..count)
            .map(|index| {
                let at = index * PRD_MAX;
                let bytes = PRD_MAX.min(len - at);
                let mut entry = [0u8; PRD_ENTRY];
                entry[0..8].copy_from_slice(&(address + at as u64).to_le_bytes());
                let interrupt = if index + 1 == count { 1 << 31 } else { 0 };
                entry[12..16].copy_from_slice(&((bytes as u32 - 1) | interrupt).to_le_bytes());
                entry
            })
            .collect(),
    )
}

/// What IDENTIFY DEVICE says about a disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub model: String,
    pub serial: String,
    /// Logical sectors (the 48-bit count, words 100-103).
    pub sectors: u64,
    /// Bytes per logical sector.
    pub sector_size: u32,
    /// Native command queueing: the queue depth (1-32), `None` without NCQ.
    pub queue_depth: Option<u32>,
}

/// Why IDENTIFY DEVICE data is unusable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentifyError {
    /// Fewer than 512 bytes.
    Short,
    /// The disk cannot be addressed by LBA (word 49 bit 9).
    NoLba,
    /// The disk lacks the 48-bit address feature set (word 83 bit 10).
    NoLba48,
    /// A logical sector size that is odd, under 512 bytes or over 64 KiB.
    SectorSize(u64),
    /// No sectors.
    Empty,
}

impl core::fmt::Display for IdentifyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            IdentifyError::Short => write!(f, "IDENTIFY DEVICE data shorter than 512 bytes"),
            IdentifyError::NoLba => write!(f, "the disk does not support LBA addressing"),
            IdentifyError::NoLba48 => write!(f, "the disk lacks 48-bit addressing (READ/WRITE DMA EXT)"),
            IdentifyError::SectorSize(size) => write!(f, "unusable logical sector size {size}"),
            IdentifyError::Empty => write!(f, "the disk reports no sectors"),
        }
    }
}

/// ATA strings hold two characters per word, the first in the high byte.
fn ata_string(words: &[u16]) -> String {
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
    String::from(String::from_utf8_lossy(&bytes).trim())
}

/// Parses the 512 bytes of IDENTIFY DEVICE.
pub fn identify(data: &[u8]) -> Result<Identity, IdentifyError> {
    if data.len() < 512 {
        return Err(IdentifyError::Short);
    }
    let word = |n: usize| u16::from_le_bytes([data[2 * n], data[2 * n + 1]]);
    let words: Vec<u16> = (0..256).map(word).collect();
    if words[49] & (1 << 9) == 0 {
        return Err(IdentifyError::NoLba);
    }
    // The driver's commands (DMA EXT, FPDMA QUEUED) address 48 bits.
    if words[83] & (1 << 10) == 0 {
        return Err(IdentifyError::NoLba48);
    }
    let sectors = (0..4).fold(0u64, |total, i| total | (u64::from(words[100 + i]) << (16 * i)));
    // Word 106 is valid when bits 15:14 are 01; bit 12: the logical
    // sector is longer than 256 words, its length in words 117-118.
    let sector_size = if words[106] & 0xc000 == 0x4000 && words[106] & (1 << 12) != 0 {
        2 * (u64::from(words[117]) | (u64::from(words[118]) << 16))
    } else {
        512
    };
    if !(512..=65536).contains(&sector_size) || !sector_size.is_power_of_two() {
        return Err(IdentifyError::SectorSize(sector_size));
    }
    if sectors == 0 {
        return Err(IdentifyError::Empty);
    }
    let queue_depth = (words[76] != 0xffff && words[76] & (1 << 8) != 0).then(|| u32::from(words[75] & 0x1f) + 1);
    Ok(Identity {
        model: ata_string(&words[27..47]),
        serial: ata_string(&words[10..20]),
        sectors,
        sector_size: sector_size as u32,
        queue_depth,
    })
}

/// The command slots of a port: which are taken, among the first `limit`.
#[derive(Clone, Copy, Debug)]
pub struct Slots {
    taken: u32,
    limit: u32,
}

impl Slots {
    /// `limit` slots (1..=32; more is capped).
    pub fn new(limit: u32) -> Slots {
        Slots { taken: 0, limit: limit.clamp(1, SLOTS) }
    }

    fn usable(&self) -> u32 {
        if self.limit == SLOTS { u32::MAX } else { (1 << self.limit) - 1 }
    }

    /// The lowest free slot, now taken; `None` when all are taken.
    pub fn take(&mut self) -> Option<Slot> {
        let free = self.usable() & !self.taken;
        (free != 0).then(|| {
            let slot = Slot(free.trailing_zeros() as u8);
            self.taken |= slot.bit();
            slot
        })
    }

    /// Frees `slot`.
    pub fn free(&mut self, slot: Slot) {
        self.taken &= !slot.bit();
    }

    /// The slots taken: those in flight.
    pub fn in_flight(&self) -> u32 {
        self.taken
    }

    /// Of the slots in flight, those the HBA no longer has pending
    /// (`pending` = PxCI | PxSACT): they are finished.
    pub fn finished(&self, pending: u32) -> u32 {
        self.taken & !pending
    }
}

/// The slots set in `bits`, lowest first.
pub fn slots_in(bits: u32) -> impl Iterator<Item = Slot> {
    (0..SLOTS as u8).filter(move |n| bits & (1 << n) != 0).map(Slot)
}
