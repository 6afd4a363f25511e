//! I/O APICs: at boot every redirection entry is masked; a line handed to
//! a user-space driver (`crate::irq`) is routed to a vector of the boot
//! CPU and unmasked.

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

    /// Whether this I/O APIC serves global system interrupt `gsi`.
    pub fn serves(&self, gsi: u32) -> bool {
        gsi >= self.gsi_base && gsi < self.gsi_base + self.line_count()
    }

    /// Routes `gsi` (which this I/O APIC serves) to `vector` of `target`,
    /// with the line's trigger, masked or not.
    pub fn route(&self, gsi: u32, vector: u8, target: Target, trigger: Trigger, masked: bool) {
        let line = gsi - self.gsi_base;
        let entry = match target {
            Target::Cpu(apic_id) => {
                u64::from(vector)
                    | u64::from(trigger.active_low) << 13
                    | u64::from(trigger.level) << 15
                    | u64::from(masked) << 16
                    | u64::from(apic_id) << 56
            }
            Target::Remapped(index) => {
                cairn_vtd::entry::remappable_redirection(index, vector, trigger.level, trigger.active_low, masked)
            }
        };
        self.write(IOREDTBL + 2 * line + 1, (entry >> 32) as u32);
        self.write(IOREDTBL + 2 * line, entry as u32);
    }

    /// Masks or unmasks `gsi` (which this I/O APIC serves), keeping its route.
    pub fn set_masked(&self, gsi: u32, masked: bool) {
        let register = IOREDTBL + 2 * (gsi - self.gsi_base);
        let low = self.read(register);
        self.write(register, if masked { low | 1 << 16 } else { low & !(1 << 16) });
    }
}

/// Where a line's interrupts go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Straight to the local APIC with this ID.
    Cpu(u32),
    /// Through entry `index` of the IOMMU's interrupt-remapping table.
    Remapped(u16),
}

/// How a line signals: edge or level, active high or low.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Trigger {
    pub level: bool,
    pub active_low: bool,
}
