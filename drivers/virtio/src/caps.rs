//! The virtio PCI capabilities (virtio 1.x §4.1.4): vendor-specific
//! capabilities (ID 0x09) in a function's configuration space, each
//! naming a structure — common configuration, notifications, ISR status,
//! device configuration — by BAR, offset and length. Pure logic over the
//! configuration bytes, tested on the host.

use alloc::vec::Vec;

/// The PCI capability ID of vendor-specific capabilities.
const VENDOR: u8 = 0x09;
/// Configuration space status register, and its "capability list" bit.
const STATUS: usize = 0x06;
const STATUS_CAPABILITIES: u8 = 0x10;
/// Where the capability list starts.
const CAPABILITIES_POINTER: usize = 0x34;

/// What a virtio capability describes (`cfg_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Common,
    Notify,
    Isr,
    Device,
    /// Another structure (PCI configuration access, shared memory, ...).
    Other(u8),
}

impl Kind {
    fn of(cfg_type: u8) -> Kind {
        match cfg_type {
            1 => Kind::Common,
            2 => Kind::Notify,
            3 => Kind::Isr,
            4 => Kind::Device,
            other => Kind::Other(other),
        }
    }
}

/// One virtio capability: a structure in a BAR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capability {
    pub kind: Kind,
    pub bar: u8,
    pub offset: u32,
    pub length: u32,
    /// For [`Kind::Notify`]: bytes between the notification addresses of
    /// consecutive `queue_notify_off` values.
    pub notify_multiplier: u32,
}

/// Why the capability list could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CapabilityError {
    /// A pointer outside `0x40..` the configuration space read.
    BadPointer(usize),
    /// The list comes back to an entry it visited.
    Loop(usize),
    /// A virtio capability shorter than its kind needs.
    Short { at: usize, len: u8 },
}

impl core::fmt::Display for CapabilityError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CapabilityError::BadPointer(at) => write!(f, "capability pointer {at:#x} is out of range"),
            CapabilityError::Loop(at) => write!(f, "capability list loops back at {at:#x}"),
            CapabilityError::Short { at, len } => write!(f, "virtio capability at {at:#x} is only {len} bytes"),
        }
    }
}

fn dword(config: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([config[at], config[at + 1], config[at + 2], config[at + 3]])
}

/// The virtio capabilities in `config` (the first 256 bytes of the
/// function's configuration space, or more), in list order.
pub fn capabilities(config: &[u8]) -> Result<Vec<Capability>, CapabilityError> {
    let mut found = Vec::new();
    if config.len() <= CAPABILITIES_POINTER || config[STATUS] & STATUS_CAPABILITIES == 0 {
        return Ok(found);
    }
    let mut visited = [false; 64];
    let mut at = usize::from(config[CAPABILITIES_POINTER] & !3);
    while at != 0 {
        // Every capability header is 4 bytes; a virtio one at least 16.
        if at < 0x40 || at + 4 > config.len().min(256) {
            return Err(CapabilityError::BadPointer(at));
        }
        if core::mem::replace(&mut visited[at / 4], true) {
            return Err(CapabilityError::Loop(at));
        }
        if config[at] == VENDOR {
            let len = config[at + 2];
            let kind = Kind::of(config[at + 3]);
            let needed = if kind == Kind::Notify { 20 } else { 16 };
            if usize::from(len) < needed || at + needed > config.len() {
                return Err(CapabilityError::Short { at, len });
            }
            found.push(Capability {
                kind,
                bar: config[at + 4],
                offset: dword(config, at + 8),
                length: dword(config, at + 12),
                notify_multiplier: if kind == Kind::Notify { dword(config, at + 16) } else { 0 },
            });
        }
        at = usize::from(config[at + 1] & !3);
    }
    Ok(found)
}

/// The first capability of `kind` in a BAR a driver can map (0-5), as
/// the specification asks drivers to pick.
pub fn first(found: &[Capability], kind: Kind) -> Option<Capability> {
    found.iter().copied().find(|c| c.kind == kind && c.bar < 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A configuration space with a capability list at `0x40`: an MSI-X
    /// capability, then virtio ones as QEMU lays them out.
    fn config() -> [u8; 256] {
        let mut c = [0u8; 256];
        c[STATUS] = STATUS_CAPABILITIES;
        c[CAPABILITIES_POINTER] = 0x40;
        c[0x40..0x44].copy_from_slice(&[0x11, 0x50, 0, 0]);
        let mut vendor = |at: usize, next: u8, len: u8, kind: u8, bar: u8, offset: u32, length: u32| {
            c[at..at + 4].copy_from_slice(&[VENDOR, next, len, kind]);
            c[at + 4] = bar;
            c[at + 8..at + 12].copy_from_slice(&offset.to_le_bytes());
            c[at + 12..at + 16].copy_from_slice(&length.to_le_bytes());
        };
        vendor(0x50, 0x60, 16, 1, 4, 0x0000, 0x1000);
        vendor(0x60, 0x70, 16, 3, 4, 0x1000, 0x1000);
        vendor(0x70, 0x84, 16, 4, 4, 0x2000, 0x1000);
        vendor(0x84, 0x98, 20, 2, 4, 0x3000, 0x1000);
        vendor(0x98, 0x00, 20, 5, 0, 0, 0);
        c[0x84 + 16..0x84 + 20].copy_from_slice(&4u32.to_le_bytes());
        c
    }

    #[test]
    fn finds_the_virtio_structures() {
        let found = capabilities(&config()).unwrap();
        assert_eq!(found.len(), 5);
        let notify = first(&found, Kind::Notify).unwrap();
        assert_eq!((notify.bar, notify.offset, notify.length, notify.notify_multiplier), (4, 0x3000, 0x1000, 4));
        assert_eq!(first(&found, Kind::Common).map(|c| c.offset), Some(0));
        assert_eq!(first(&found, Kind::Device).map(|c| c.offset), Some(0x2000));
        assert_eq!(found[4].kind, Kind::Other(5));
    }

    #[test]
    fn a_legacy_function_has_none() {
        let mut c = config();
        c[0x40 + 1] = 0;
        assert_eq!(capabilities(&c), Ok(Vec::new()));
        c[STATUS] = 0;
        assert_eq!(capabilities(&c), Ok(Vec::new()));
    }

    #[test]
    fn loops_bad_pointers_and_short_entries_are_errors() {
        let mut c = config();
        c[0x70 + 1] = 0x50;
        assert_eq!(capabilities(&c), Err(CapabilityError::Loop(0x50)));
        let mut c = config();
        c[0x60 + 1] = 0x20;
        assert_eq!(capabilities(&c), Err(CapabilityError::BadPointer(0x20)));
        let mut c = config();
        c[0x84 + 2] = 16;
        assert_eq!(capabilities(&c), Err(CapabilityError::Short { at: 0x84, len: 16 }));
        // A list that runs off a short read.
        assert_eq!(capabilities(&config()[..0x9a]), Err(CapabilityError::BadPointer(0x98)));
    }

    #[test]
    fn a_structure_in_no_bar_is_skipped() {
        let mut c = config();
        c[0x50 + 4] = 7;
        assert_eq!(first(&capabilities(&c).unwrap(), Kind::Common), None);
    }
}
