//! The HPET main counter, the preferred calibration reference.

use crate::mm::phys_to_virt;

const CAPABILITIES: usize = 0x00;
const CONFIGURATION: usize = 0x10;
const MAIN_COUNTER: usize = 0xf0;

/// Femtoseconds per second.
const FS_PER_SECOND: u64 = 1_000_000_000_000_000;

/// An enabled HPET.
#[derive(Clone, Copy, Debug)]
pub struct Hpet {
    base: *mut u64,
    period_fs: u64,
}

// SAFETY: the HPET registers are MMIO that any CPU may read; `Hpet` only reads
// the counter after `new` configured it.
unsafe impl Send for Hpet {}
// SAFETY: see `Send`; reads of the main counter are side-effect free.
unsafe impl Sync for Hpet {}

impl Hpet {
    /// Starts the main counter of the HPET at physical `address`. `None` if
    /// the capabilities register reports an impossible period.
    ///
    /// # Safety
    /// `address` must be the HPET register block reported by the ACPI HPET
    /// table and mapped uncached in the direct map.
    pub unsafe fn new(address: u64) -> Option<Hpet> {
        let base = phys_to_virt(address).cast::<u64>();
        // SAFETY: the caller guarantees `base` maps the HPET registers.
        let capabilities = unsafe { base.byte_add(CAPABILITIES).read_volatile() };
        let period_fs = capabilities >> 32;
        // The specification caps the period at 100 ns.
        if period_fs == 0 || period_fs > 100_000_000 {
            return None;
        }
        // SAFETY: setting ENABLE_CNF (bit 0) starts the counter; legacy
        // replacement routing stays off.
        unsafe {
            let config = base.byte_add(CONFIGURATION);
            config.write_volatile((config.read_volatile() & !0b10) | 1);
        }
        Some(Hpet { base, period_fs })
    }

    /// Counter frequency in Hz.
    pub fn frequency(&self) -> u64 {
        FS_PER_SECOND / self.period_fs
    }

    /// Reads the main counter.
    pub fn counter(&self) -> u64 {
        // SAFETY: `base` maps the HPET registers (see `new`).
        unsafe { self.base.byte_add(MAIN_COUNTER).read_volatile() }
    }

    /// Busy-waits `micros` microseconds.
    pub fn wait_micros(&self, micros: u64) {
        let ticks = micros * self.frequency() / 1_000_000;
        let start = self.counter();
        while self.counter().wrapping_sub(start) < ticks {
            core::hint::spin_loop();
        }
    }
}
