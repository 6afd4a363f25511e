//! `cairn-e1000e-regs`: the Intel 82574L Gigabit Ethernet controller
//! (QEMU's `e1000e`, 8086:10d3) as the driver sees it, without touching
//! it: register offsets and bits ([`reg`], [`ctrl`], [`status`],
//! [`rctl`], [`tctl`], [`int`]), the IVAR value that routes the
//! receive, transmit and other causes to MSI-X entries ([`ivar`]), the
//! MAC address from RAL0/RAH0 or the EEPROM ([`mac_from_receive_address`],
//! [`eeprom_read`]), and the 16-byte legacy receive and transmit
//! descriptors ([`write_receive`], [`received`], [`write_transmit`],
//! [`transmitted`]) with the checks on what the device wrote back.
//! Pure logic, tested on the host.
//!
//! Depends on nothing.
#![no_std]

#[cfg(test)]
extern crate std;

#[cfg(test)]
mod tests;

/// Register offsets in BAR 0 (82574 datasheet §10.2).
pub mod reg {
    pub const CTRL: usize = 0x0000;
    pub const STATUS: usize = 0x0008;
    /// EEPROM read (`EERD`).
    pub const EERD: usize = 0x0014;
    pub const CTRL_EXT: usize = 0x0018;
    /// Interrupt cause read (write 1 to clear).
    pub const ICR: usize = 0x00c0;
    /// Interrupt mask set (and read).
    pub const IMS: usize = 0x00d0;
    /// Interrupt mask clear.
    pub const IMC: usize = 0x00d8;
    /// Extended interrupt auto clear: the causes an MSI-X message clears.
    pub const EIAC: usize = 0x00dc;
    /// Interrupt vector allocation (MSI-X).
    pub const IVAR: usize = 0x00e4;
    pub const RCTL: usize = 0x0100;
    pub const TCTL: usize = 0x0400;
    /// Transmit inter-packet gap.
    pub const TIPG: usize = 0x0410;
    /// Receive queue 0: base (low, high), length in bytes, head, tail.
    pub const RDBAL: usize = 0x2800;
    pub const RDBAH: usize = 0x2804;
    pub const RDLEN: usize = 0x2808;
    pub const RDH: usize = 0x2810;
    pub const RDT: usize = 0x2818;
    /// Transmit queue 0, likewise.
    pub const TDBAL: usize = 0x3800;
    pub const TDBAH: usize = 0x3804;
    pub const TDLEN: usize = 0x3808;
    pub const TDH: usize = 0x3810;
    pub const TDT: usize = 0x3818;
    /// Transmit arbitration count, queue 0 (bit 10 enables the queue).
    pub const TARC0: usize = 0x3840;
    /// Receive checksum control.
    pub const RXCSUM: usize = 0x5000;
    /// Receive filter control (`EXSTEN`: extended descriptors).
    pub const RFCTL: usize = 0x5008;
    /// The multicast table array: 128 registers.
    pub const MTA: usize = 0x5200;
    pub const MTA_COUNT: usize = 128;
    /// Receive address 0, low and high.
    pub const RAL0: usize = 0x5400;
    pub const RAH0: usize = 0x5404;
}

/// `CTRL` bits.
pub mod ctrl {
    /// Set link up.
    pub const SLU: u32 = 1 << 6;
    /// Device reset (self-clearing).
    pub const RST: u32 = 1 << 26;
}

/// `STATUS` bits.
pub mod status {
    /// Link up.
    pub const LU: u32 = 1 << 1;
}

/// `RCTL` bits.
pub mod rctl {
    /// Receiver enable.
    pub const EN: u32 = 1 << 1;
    /// Multicast promiscuous (every multicast frame, for IPv6's neighbour discovery).
    pub const MPE: u32 = 1 << 4;
    /// Accept broadcast frames.
    pub const BAM: u32 = 1 << 15;
    /// Strip the Ethernet CRC from received frames.
    pub const SECRC: u32 = 1 << 26;
    /// Buffer size 2048 bytes (`BSIZE` 00, `BSEX` 0).
    pub const BSIZE_2048: u32 = 0;
}

/// `TCTL` bits and fields.
pub mod tctl {
    /// Transmitter enable.
    pub const EN: u32 = 1 << 1;
    /// Pad short packets.
    pub const PSP: u32 = 1 << 3;
    /// Collision threshold (bits 4-11): 15, as IEEE 802.3 asks.
    pub const CT_15: u32 = 0x0f << 4;
    /// Collision distance (bits 12-21): 63 byte times, for full duplex.
    pub const COLD_FULL_DUPLEX: u32 = 0x3f << 12;
}

/// `TIPG` for copper: IPGT 8, IPGR1 8, IPGR2 6.
pub const TIPG_COPPER: u32 = 8 | (8 << 10) | (6 << 20);
/// `TARC0` bit that enables transmit queue 0.
pub const TARC_ENABLE: u32 = 1 << 10;
/// `CTRL_EXT` bit: writing an `IMS` bit clears that vector's pending bit
/// in the MSI-X pending bit array.
pub const CTRL_EXT_PBA_CLR: u32 = 1 << 31;

/// Interrupt causes (`ICR`, `IMS`, `IMC`, `EIAC` bits).
pub mod int {
    /// Transmit descriptor written back (MSI and legacy interrupts).
    pub const TXDW: u32 = 1 << 0;
    /// Link status change.
    pub const LSC: u32 = 1 << 2;
    /// Receive descriptors below the minimum threshold.
    pub const RXDMT0: u32 = 1 << 4;
    /// Receiver overrun (a frame was missed: no descriptor free).
    pub const RXO: u32 = 1 << 6;
    /// Receive timer (a frame arrived; MSI and legacy interrupts).
    pub const RXT0: u32 = 1 << 7;
    /// Receive queue 0 (MSI-X).
    pub const RXQ0: u32 = 1 << 20;
    /// Transmit queue 0 (MSI-X).
    pub const TXQ0: u32 = 1 << 22;
    /// Any other cause, the link's among them (MSI-X).
    pub const OTHER: u32 = 1 << 24;
    /// Every cause.
    pub const ALL: u32 = u32::MAX;
    /// The receive causes under MSI.
    pub const MSI_RECEIVE: u32 = RXT0 | RXO | RXDMT0;
}

/// The `IVAR` value that sends receive queue 0's interrupts to MSI-X
/// entry `receive`, transmit queue 0's to `transmit` and the other
/// causes' to `other` (entries 0-4; bit 3 of each field marks it valid),
/// with a transmit interrupt on every descriptor written back (bit 31).
pub fn ivar(receive: u8, transmit: u8, other: u8) -> u32 {
    let field = |entry: u8| 0b1000 | u32::from(entry & 0b111);
    field(receive) | (field(transmit) << 8) | (field(other) << 16) | (1 << 31)
}

/// The MAC address in `RAL0` and `RAH0` (loaded from the EEPROM at
/// reset), if `RAH0` marks it valid (bit 31) and it is a unicast address.
pub fn mac_from_receive_address(ral: u32, rah: u32) -> Option<[u8; 6]> {
    let [a, b, c, d] = ral.to_le_bytes();
    let [e, f, ..] = rah.to_le_bytes();
    let mac = [a, b, c, d, e, f];
    (rah & (1 << 31) != 0 && usable_mac(&mac)).then_some(mac)
}

/// Whether `mac` can be a device's address: not all zeros, not multicast.
pub fn usable_mac(mac: &[u8; 6]) -> bool {
    *mac != [0; 6] && mac[0] & 1 == 0
}

/// Reading EEPROM words through `EERD` (82574: start bit 0, done bit 1,
/// address from bit 2, data from bit 16).
pub mod eeprom_read {
    /// The `EERD` value that starts reading `word`.
    pub fn start(word: u8) -> u32 {
        (u32::from(word) << 2) | 1
    }

    /// The word read, once `EERD` reads `value`: `None` while not done.
    pub fn done(value: u32) -> Option<u16> {
        (value & 0b10 != 0).then_some((value >> 16) as u16)
    }

    /// The MAC address in EEPROM words 0-2.
    pub fn mac(words: [u16; 3]) -> [u8; 6] {
        let [a, b] = words[0].to_le_bytes();
        let [c, d] = words[1].to_le_bytes();
        let [e, f] = words[2].to_le_bytes();
        [a, b, c, d, e, f]
    }
}

/// Bytes of a descriptor (legacy receive and transmit alike).
pub const DESCRIPTOR: usize = 16;
/// Bytes of each receive buffer (`RCTL.BSIZE_2048`) and transmit slot.
pub const BUFFER: usize = 2048;

/// Receive descriptor status bits (byte 12).
const RX_DD: u8 = 1 << 0;
const RX_EOP: u8 = 1 << 1;
/// Transmit descriptor command bits (byte 11): end of packet, insert the
/// CRC, report status (write `DD` back).
const TX_EOP: u8 = 1 << 0;
const TX_IFCS: u8 = 1 << 1;
const TX_RS: u8 = 1 << 3;
/// Transmit descriptor status bit (byte 12): done.
const TX_DD: u8 = 1 << 0;

/// Why a receive descriptor the device wrote back is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReceiveError {
    /// The device reports errors (the descriptor's error byte: CRC,
    /// symbol, sequence, carrier extension, data error).
    Device(u8),
    /// The frame does not end in this buffer (it spans several, which
    /// 2048-byte buffers and no long packets never need).
    NotEnd,
    /// The length is 0 or longer than the buffer.
    Length(usize),
}

impl core::fmt::Display for ReceiveError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ReceiveError::Device(errors) => write!(f, "the device reports receive errors {errors:#04x}"),
            ReceiveError::NotEnd => write!(f, "a frame over several receive buffers"),
            ReceiveError::Length(len) => write!(f, "a received length of {len} bytes (buffers hold {BUFFER})"),
        }
    }
}

/// Makes `descriptor` (16 bytes) offer the buffer at device address
/// `address`, its status cleared for the device to write back.
pub fn write_receive(descriptor: &mut [u8], address: u64) {
    descriptor[..8].copy_from_slice(&address.to_le_bytes());
    descriptor[8..].fill(0);
}

/// What the device wrote back in receive `descriptor`: `None` while it
/// has not (no `DD`); else the frame's length in its buffer, or why it
/// is refused.
pub fn received(descriptor: &[u8]) -> Option<Result<usize, ReceiveError>> {
    let status = descriptor[12];
    if status & RX_DD == 0 {
        return None;
    }
    let len = usize::from(u16::from_le_bytes([descriptor[8], descriptor[9]]));
    let errors = descriptor[13];
    Some(if errors != 0 {
        Err(ReceiveError::Device(errors))
    } else if status & RX_EOP == 0 {
        Err(ReceiveError::NotEnd)
    } else if len == 0 || len > BUFFER {
        Err(ReceiveError::Length(len))
    } else {
        Ok(len)
    })
}

/// Makes transmit `descriptor` (16 bytes) send `len` bytes at device
/// address `address` as one whole frame, the device adding the CRC and
/// reporting when done.
pub fn write_transmit(descriptor: &mut [u8], address: u64, len: u16) {
    descriptor[..8].copy_from_slice(&address.to_le_bytes());
    descriptor[8..10].copy_from_slice(&len.to_le_bytes());
    descriptor[10] = 0;
    descriptor[11] = TX_EOP | TX_IFCS | TX_RS;
    descriptor[12..].fill(0);
}

/// Whether the device is done with transmit `descriptor` (`DD`).
pub fn transmitted(descriptor: &[u8]) -> bool {
    descriptor[12] & TX_DD != 0
}
