//! The standard configuration header (the first 64 bytes): identity, class,
//! command and status registers, header layout, and the fields that differ
//! between endpoints (type 0) and PCI-to-PCI bridges (type 1): subsystem
//! IDs, bus numbers, and the address windows a bridge forwards.

use crate::{Address, ConfigSpace};

/// Register offsets of the standard header.
pub mod offset {
    pub const ID: u16 = 0x00;
    pub const COMMAND_STATUS: u16 = 0x04;
    pub const CLASS_REVISION: u16 = 0x08;
    pub const HEADER: u16 = 0x0c;
    pub const BAR0: u16 = 0x10;
    /// Bridge: primary, secondary, subordinate bus numbers, secondary latency.
    pub const BRIDGE_BUSES: u16 = 0x18;
    /// Bridge: I/O base and limit (bytes 0-1), secondary status.
    pub const BRIDGE_IO: u16 = 0x1c;
    /// Bridge: memory base and limit.
    pub const BRIDGE_MEMORY: u16 = 0x20;
    /// Bridge: prefetchable memory base and limit, then their upper halves.
    pub const BRIDGE_PREFETCHABLE: u16 = 0x24;
    pub const BRIDGE_PREFETCHABLE_BASE_UPPER: u16 = 0x28;
    pub const BRIDGE_PREFETCHABLE_LIMIT_UPPER: u16 = 0x2c;
    /// Bridge: upper halves of the I/O base and limit.
    pub const BRIDGE_IO_UPPER: u16 = 0x30;
    /// Endpoint: subsystem vendor and subsystem ID.
    pub const SUBSYSTEM: u16 = 0x2c;
    /// Endpoint: expansion ROM BAR.
    pub const ROM: u16 = 0x30;
    pub const CAPABILITIES: u16 = 0x34;
    /// Bridge: expansion ROM BAR.
    pub const BRIDGE_ROM: u16 = 0x38;
    /// Interrupt line and pin (both layouts).
    pub const INTERRUPT: u16 = 0x3c;
}

/// Command register bits.
pub mod command {
    pub const IO: u16 = 1 << 0;
    pub const MEMORY: u16 = 1 << 1;
    pub const BUS_MASTER: u16 = 1 << 2;
    pub const VGA_PALETTE: u16 = 1 << 5;
    pub const STEPPING: u16 = 1 << 7;
    pub const FAST_BACK_TO_BACK: u16 = 1 << 9;
}

/// Status register bits.
pub mod status {
    pub const CAPABILITIES: u16 = 1 << 4;
    pub const MHZ_66: u16 = 1 << 5;
    pub const USER_DEFINABLE: u16 = 1 << 6;
    /// DEVSEL timing, bits 10:9.
    pub const DEVSEL_SHIFT: u16 = 9;
}

/// Vendor ID of an absent function.
pub const NO_VENDOR: u16 = 0xffff;

/// Base class, subclass and programming interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ClassCode {
    pub class: u8,
    pub subclass: u8,
    pub prog_if: u8,
}

impl ClassCode {
    /// Base class 0x06, subclass 0x00: a host bridge, whose decoding must
    /// never be switched off (the CPU reaches memory through it).
    pub fn is_host_bridge(&self) -> bool {
        self.class == 0x06 && self.subclass == 0x00
    }
}

/// The layout of the header after its first 16 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Type 0: a device with six BARs and a subsystem ID.
    Endpoint,
    /// Type 1: a PCI-to-PCI bridge with two BARs and bus numbers.
    Bridge,
    /// Type 2: a CardBus bridge (not walked).
    CardBus,
    /// Anything else.
    Unknown(u8),
}

impl Layout {
    pub fn from_raw(raw: u8) -> Layout {
        match raw & 0x7f {
            0 => Layout::Endpoint,
            1 => Layout::Bridge,
            2 => Layout::CardBus,
            other => Layout::Unknown(other),
        }
    }

    /// The header-type number (0, 1, 2, ...).
    pub fn number(self) -> u8 {
        match self {
            Layout::Endpoint => 0,
            Layout::Bridge => 1,
            Layout::CardBus => 2,
            Layout::Unknown(n) => n,
        }
    }

    /// How many BARs the layout has.
    pub fn bar_count(self) -> u8 {
        match self {
            Layout::Endpoint => 6,
            Layout::Bridge => 2,
            Layout::CardBus | Layout::Unknown(_) => 0,
        }
    }

    /// Where the expansion ROM BAR is, if the layout has one.
    pub fn rom_offset(self) -> Option<u16> {
        match self {
            Layout::Endpoint => Some(offset::ROM),
            Layout::Bridge => Some(offset::BRIDGE_ROM),
            Layout::CardBus | Layout::Unknown(_) => None,
        }
    }
}

/// A bridge's bus numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct BridgeBuses {
    pub primary: u8,
    pub secondary: u8,
    pub subordinate: u8,
    pub secondary_latency: u8,
}

/// An address window a bridge forwards to its secondary bus: `base` to
/// `limit` inclusive (closed when `base > limit`), with `bits` address bits
/// (16 or 32 for I/O, 32 or 64 for prefetchable memory). `None` in
/// [`BridgeWindows`]: the register holds a type the specification does not
/// define.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub base: u64,
    pub limit: u64,
    pub bits: u8,
}

impl Window {
    pub fn is_open(&self) -> bool {
        self.base <= self.limit
    }
}

/// A bridge's three windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BridgeWindows {
    pub io: Option<Window>,
    pub memory: Option<Window>,
    pub prefetchable: Option<Window>,
}

impl BridgeWindows {
    /// Decodes the windows of the bridge at `address`.
    pub fn read(config: &impl ConfigSpace, address: Address) -> BridgeWindows {
        let io = config.read(address, offset::BRIDGE_IO);
        let (io_base, io_limit) = (io & 0xff, (io >> 8) & 0xff);
        let io = match (io_base & 0xf, io_limit & 0xf) {
            (0, 0) => Some((0, 0, 16)),
            (1, 1) => {
                let upper = config.read(address, offset::BRIDGE_IO_UPPER);
                Some(((upper & 0xffff) << 16, upper & 0xffff_0000, 32))
            }
            _ => None,
        }
        .map(|(base_upper, limit_upper, bits)| Window {
            base: u64::from(base_upper | (io_base & 0xf0) << 8),
            limit: u64::from(limit_upper | (io_limit & 0xf0) << 8) + 0xfff,
            bits,
        });
        let memory = config.read(address, offset::BRIDGE_MEMORY);
        let memory = (memory & 0x000f_000f == 0).then(|| Window {
            base: u64::from(memory & 0xfff0) << 16,
            limit: (u64::from(memory >> 16 & 0xfff0) << 16) + 0xf_ffff,
            bits: 32,
        });
        let prefetchable = config.read(address, offset::BRIDGE_PREFETCHABLE);
        let (base, limit) = (prefetchable & 0xffff, prefetchable >> 16);
        let prefetchable = match (base & 0xf, limit & 0xf) {
            (0, 0) => Some((0, 0, 32)),
            (1, 1) => Some((
                config.read(address, offset::BRIDGE_PREFETCHABLE_BASE_UPPER),
                config.read(address, offset::BRIDGE_PREFETCHABLE_LIMIT_UPPER),
                64,
            )),
            _ => None,
        }
        .map(|(base_upper, limit_upper, bits)| Window {
            base: u64::from(base_upper) << 32 | u64::from(base & 0xfff0) << 16,
            limit: (u64::from(limit_upper) << 32 | u64::from(limit & 0xfff0) << 16) + 0xf_ffff,
            bits,
        });
        BridgeWindows { io, memory, prefetchable }
    }
}

/// The decoded first 64 bytes of a present function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub vendor: u16,
    pub device: u16,
    pub command: u16,
    pub status: u16,
    pub revision: u8,
    pub class: ClassCode,
    pub cache_line: u8,
    pub latency: u8,
    pub layout: Layout,
    pub multifunction: bool,
    /// Subsystem vendor and ID (endpoints only).
    pub subsystem: Option<(u16, u16)>,
    /// Interrupt pin: 0 none, 1-4 INTA#-INTD#.
    pub interrupt_pin: u8,
    /// Interrupt line as the firmware left it (an 8259/IOAPIC input, or 0xff).
    pub interrupt_line: u8,
    /// Bridge bus numbers (type 1 only).
    pub bridge: Option<BridgeBuses>,
    /// Bridge windows (type 1 only).
    pub windows: Option<BridgeWindows>,
}

impl Header {
    /// Reads the header of `address`, or `None` when no function is there.
    pub fn read(config: &impl ConfigSpace, address: Address) -> Option<Header> {
        let id = config.read(address, offset::ID);
        let vendor = id as u16;
        if vendor == NO_VENDOR || vendor == 0 {
            return None;
        }
        let command_status = config.read(address, offset::COMMAND_STATUS);
        let class = config.read(address, offset::CLASS_REVISION);
        let header = config.read(address, offset::HEADER);
        let header_type = (header >> 16) as u8;
        let layout = Layout::from_raw(header_type);
        let interrupt = config.read(address, offset::INTERRUPT);
        let subsystem = (layout == Layout::Endpoint).then(|| {
            let raw = config.read(address, offset::SUBSYSTEM);
            (raw as u16, (raw >> 16) as u16)
        });
        let bridge = (layout == Layout::Bridge).then(|| {
            let raw = config.read(address, offset::BRIDGE_BUSES).to_le_bytes();
            BridgeBuses { primary: raw[0], secondary: raw[1], subordinate: raw[2], secondary_latency: raw[3] }
        });
        Some(Header {
            vendor,
            device: (id >> 16) as u16,
            command: command_status as u16,
            status: (command_status >> 16) as u16,
            revision: class as u8,
            class: ClassCode { class: (class >> 24) as u8, subclass: (class >> 16) as u8, prog_if: (class >> 8) as u8 },
            cache_line: header as u8,
            latency: (header >> 8) as u8,
            layout,
            multifunction: header_type & 0x80 != 0,
            subsystem,
            interrupt_pin: (interrupt >> 8) as u8,
            interrupt_line: interrupt as u8,
            bridge,
            windows: (layout == Layout::Bridge).then(|| BridgeWindows::read(config, address)),
        })
    }
}
