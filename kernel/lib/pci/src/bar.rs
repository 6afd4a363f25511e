//! Base address registers: decoding and size probing.
//!
//! A BAR's size is found by writing all ones and reading back which address
//! bits stuck; the original value is written back afterwards. While probing,
//! the function's I/O and memory decoding is switched off (except on host
//! bridges, through which the CPU reaches memory), so a half-written BAR never
//! claims a stray address range.
//!
//! A size mask must be a run of ones from the top of the register down to the
//! size bit; anything else (or a size no device of its kind may have) is a
//! [`Problem::BarSize`] and the BAR is left out.

use alloc::vec::Vec;

use crate::header::{Header, command, offset};
use crate::{Address, ConfigSpace, Problem};

/// What a BAR decodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarKind {
    Io,
    Memory32 { prefetchable: bool },
    Memory64 { prefetchable: bool },
}

/// One implemented BAR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bar {
    /// The BAR slot (0-5); a 64-bit BAR takes this slot and the next.
    pub index: u8,
    pub kind: BarKind,
    /// The address the firmware assigned (0: none).
    pub address: u64,
    /// Bytes decoded, a power of two.
    pub size: u64,
}

/// The expansion ROM BAR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rom {
    pub address: u32,
    pub size: u32,
    /// The ROM enable bit.
    pub enabled: bool,
}

/// Largest I/O BAR the PCI specification allows.
const MAX_IO_SIZE: u64 = 256;
/// Largest memory BAR any x86 machine can place (52 physical address bits).
const MAX_MEMORY_SIZE: u64 = 1 << 52;
/// The ROM BAR's address bits (31:11); bit 0 is the enable bit.
const ROM_ADDRESS_MASK: u32 = 0xffff_f800;

/// The size a probed `mask` describes, if it is a run of ones from `top`
/// (all ones of the register's width) down to its lowest set bit and no
/// larger than `limit`. A zero mask is an unimplemented BAR (`Ok(None)`).
fn size_of_mask(mask: u64, top: u64, limit: u64) -> Result<Option<u64>, ()> {
    if mask == 0 {
        return Ok(None);
    }
    let size = mask & mask.wrapping_neg();
    if mask | (size - 1) != top || size > limit {
        return Err(());
    }
    Ok(Some(size))
}

/// Writes all ones to the dword at `at`, reads what stuck and writes `raw` back.
fn probe_dword(config: &impl ConfigSpace, address: Address, at: u16, raw: u32, ones: u32) -> u32 {
    config.write(address, at, ones);
    let mask = config.read(address, at);
    config.write(address, at, raw);
    mask
}

/// The BARs and expansion ROM of a function.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    pub bars: Vec<Bar>,
    pub rom: Option<Rom>,
}

/// Probes every BAR and the ROM BAR of the function at `address`, with its
/// decoding off meanwhile; problems go to `problems`.
pub fn probe(config: &impl ConfigSpace, address: Address, header: &Header, problems: &mut Vec<Problem>) -> Resources {
    let quiet = !header.class.is_host_bridge();
    if quiet {
        config.write(address, offset::COMMAND_STATUS, u32::from(header.command & !(command::IO | command::MEMORY)));
    }
    let mut resources = Resources::default();
    let count = header.layout.bar_count();
    let mut index = 0;
    while index < count {
        let at = offset::BAR0 + u16::from(index) * 4;
        let raw = config.read(address, at);
        let (bar, width) = probe_one(config, address, index, count, raw, problems);
        if let Some(bar) = bar {
            resources.bars.push(bar);
        }
        index += width;
    }
    if let Some(at) = header.layout.rom_offset() {
        let raw = config.read(address, at);
        let mask = u64::from(probe_dword(config, address, at, raw, ROM_ADDRESS_MASK) & ROM_ADDRESS_MASK);
        match size_of_mask(mask, 0xffff_ffff, MAX_MEMORY_SIZE) {
            Ok(Some(size)) => {
                resources.rom = Some(Rom { address: raw & ROM_ADDRESS_MASK, size: size as u32, enabled: raw & 1 != 0 })
            }
            Ok(None) => {}
            Err(()) => problems.push(Problem::BarSize { index: 6, mask }),
        }
    }
    if quiet {
        config.write(address, offset::COMMAND_STATUS, u32::from(header.command));
    }
    resources
}

/// Probes BAR `index` (raw value `raw`); returns it if implemented and sane,
/// and how many slots it takes.
fn probe_one(
    config: &impl ConfigSpace,
    address: Address,
    index: u8,
    count: u8,
    raw: u32,
    problems: &mut Vec<Problem>,
) -> (Option<Bar>, u8) {
    let at = offset::BAR0 + u16::from(index) * 4;
    if raw & 1 == 1 {
        let mask = probe_dword(config, address, at, raw, u32::MAX) & !0x3;
        // A decoder of 16 address bits reads the upper half back as zeros.
        let top = if mask >> 16 == 0 { 0xffff } else { 0xffff_ffff };
        let bar = match size_of_mask(u64::from(mask), top, MAX_IO_SIZE) {
            Ok(size) => {
                size.map(|size| Bar { index, kind: BarKind::Io, address: u64::from(raw & !0x3 & top as u32), size })
            }
            Err(()) => {
                problems.push(Problem::BarSize { index, mask: u64::from(mask) });
                None
            }
        };
        return (bar, 1);
    }
    let prefetchable = raw & 0x8 != 0;
    match (raw >> 1) & 0x3 {
        0b00 => {
            let mask = u64::from(probe_dword(config, address, at, raw, u32::MAX) & !0xf);
            let bar = match size_of_mask(mask, 0xffff_ffff, MAX_MEMORY_SIZE) {
                Ok(size) => size.map(|size| Bar {
                    index,
                    kind: BarKind::Memory32 { prefetchable },
                    address: u64::from(raw & !0xf),
                    size,
                }),
                Err(()) => {
                    problems.push(Problem::BarSize { index, mask });
                    None
                }
            };
            (bar, 1)
        }
        0b10 if index + 1 >= count => {
            problems.push(Problem::BarTruncated { index });
            (None, 1)
        }
        0b10 => {
            let high = config.read(address, at + 4);
            config.write(address, at, u32::MAX);
            config.write(address, at + 4, u32::MAX);
            let mask_low = config.read(address, at);
            let mask_high = config.read(address, at + 4);
            config.write(address, at, raw);
            config.write(address, at + 4, high);
            let mask = (u64::from(mask_high) << 32 | u64::from(mask_low)) & !0xf;
            let bar = match size_of_mask(mask, u64::MAX, MAX_MEMORY_SIZE) {
                Ok(Some(size)) => Some(Bar {
                    index,
                    kind: BarKind::Memory64 { prefetchable },
                    address: u64::from(high) << 32 | u64::from(raw & !0xf),
                    size,
                }),
                // A 64-bit BAR with no writable address bit would decode all of
                // memory: as absurd as a broken mask.
                Ok(None) | Err(()) => {
                    problems.push(Problem::BarSize { index, mask });
                    None
                }
            };
            (bar, 2)
        }
        _ => {
            problems.push(Problem::BarType { index, raw });
            (None, 1)
        }
    }
}
