//! I/O APICs: at boot every redirection entry is masked; later issues hand
//! individual lines to user-space drivers.

use crate::mm::phys_to_virt;

const IOREGSEL: usize = 0x00;
const IOWIN: usize = 0x10;
const IOAPICVER: u32 = 0x01;
const IOREDTBL: u32 = 0x10;

/// One I/O APIC as described by the MADT.
#[derive(Clone, Copy, Debug)]
pub struct IoApic {
    pub id: u8,
    pub address: u64,
    pub gsi_base: u32,
}

impl IoApic {
    fn read(&self, register: u32) -> u32 {
        let base = phys_to_virt(self.address);
        // SAFETY: `address` came from the MADT and lies in the uncached part of
        // the direct map; IOREGSEL/IOWIN is the documented access protocol.
        unsafe {
            base.byte_add(IOREGSEL).cast::<u32>().write_volatile(register);
            base.byte_add(IOWIN).cast::<u32>().read_volatile()
        }
    }

    fn write(&self, register: u32, value: u32) {
        let base = phys_to_virt(self.address);
        // SAFETY: as in `read`.
        unsafe {
            base.byte_add(IOREGSEL).cast::<u32>().write_volatile(register);
            base.byte_add(IOWIN).cast::<u32>().write_volatile(value);
        }
    }

    /// Number of interrupt lines (redirection entries).
    pub fn line_count(&self) -> u32 {
        ((self.read(IOAPICVER) >> 16) & 0xff) + 1
    }

    /// Masks every line.
    pub fn mask_all(&self) {
        for line in 0..self.line_count() {
            self.write(IOREDTBL + 2 * line, 1 << 16);
            self.write(IOREDTBL + 2 * line + 1, 0);
        }
    }
}
