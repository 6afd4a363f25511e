//! The local APIC of each CPU (xAPIC, memory-mapped): end of interrupt,
//! inter-processor interrupts, and the timer.

use x86_64::registers::model_specific::Msr;

use crate::mm::phys_to_virt;

const IA32_APIC_BASE: u32 = 0x1b;

const REG_ID: usize = 0x20;
const REG_TPR: usize = 0x80;
const REG_EOI: usize = 0xb0;
const REG_SVR: usize = 0xf0;
const REG_ESR: usize = 0x280;
const REG_ICR_LOW: usize = 0x300;
const REG_ICR_HIGH: usize = 0x310;
const REG_LVT_TIMER: usize = 0x320;
const REG_LVT_LINT0: usize = 0x350;
const REG_LVT_LINT1: usize = 0x360;
const REG_LVT_ERROR: usize = 0x370;
const REG_TIMER_INITIAL: usize = 0x380;
const REG_TIMER_CURRENT: usize = 0x390;
const REG_TIMER_DIVIDE: usize = 0x3e0;

const LVT_MASKED: u32 = 1 << 16;
const LVT_TIMER_PERIODIC: u32 = 1 << 17;
const ICR_DELIVERY_PENDING: u32 = 1 << 12;
const ICR_LEVEL_ASSERT: u32 = 1 << 14;
const ICR_DELIVERY_INIT: u32 = 0b101 << 8;
const ICR_DELIVERY_STARTUP: u32 = 0b110 << 8;
const ICR_DELIVERY_NMI: u32 = 0b100 << 8;
const ICR_ALL_EXCLUDING_SELF: u32 = 0b11 << 18;
/// Timer divide configuration value for "divide by 16".
const TIMER_DIVIDE_BY_16: u32 = 0b0011;

/// A local APIC's hardware ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ApicId(pub u32);

/// The local APIC register window (the same physical address on every CPU;
/// each CPU sees its own APIC there).
#[derive(Clone, Copy, Debug)]
pub struct LocalApic {
    base: *mut u8,
}

// SAFETY: every CPU accesses its own APIC through the shared window; the
// registers are MMIO with no Rust-visible aliasing.
unsafe impl Send for LocalApic {}
// SAFETY: see `Send`.
unsafe impl Sync for LocalApic {}

impl LocalApic {
    /// The local APIC at the address in IA32_APIC_BASE.
    pub fn from_msr() -> LocalApic {
        // SAFETY: reading IA32_APIC_BASE has no side effects.
        let base = unsafe { Msr::new(IA32_APIC_BASE).read() } & 0x000f_ffff_ffff_f000;
        LocalApic { base: phys_to_virt(base) }
    }

    fn read(&self, register: usize) -> u32 {
        // SAFETY: `base` maps the 4 KiB APIC page uncached; `register` is one
        // of the architectural offsets above.
        unsafe { self.base.add(register).cast::<u32>().read_volatile() }
    }

    fn write(&self, register: usize, value: u32) {
        // SAFETY: as in `read`.
        unsafe { self.base.add(register).cast::<u32>().write_volatile(value) }
    }

    /// Enables the executing CPU's APIC: software-enable with the given
    /// spurious vector, accept all priorities, mask LINT0/LINT1 and the timer.
    pub fn enable(&self, spurious_vector: u8, error_vector: u8) {
        // SAFETY: setting the global enable bit (11) in IA32_APIC_BASE keeps
        // the APIC at its current address.
        unsafe {
            let mut msr = Msr::new(IA32_APIC_BASE);
            let value = msr.read();
            msr.write(value | (1 << 11));
        }
        self.write(REG_TPR, 0);
        self.write(REG_LVT_LINT0, LVT_MASKED);
        self.write(REG_LVT_LINT1, LVT_MASKED);
        self.write(REG_LVT_TIMER, LVT_MASKED);
        self.write(REG_LVT_ERROR, u32::from(error_vector));
        self.write(REG_ESR, 0);
        self.write(REG_SVR, (1 << 8) | u32::from(spurious_vector));
        self.eoi();
    }

    /// The executing CPU's APIC ID.
    pub fn id(&self) -> ApicId {
        ApicId(self.read(REG_ID) >> 24)
    }

    /// Signals end of interrupt.
    pub fn eoi(&self) {
        self.write(REG_EOI, 0);
    }

    fn send(&self, destination: ApicId, command: u32) {
        self.write(REG_ICR_HIGH, destination.0 << 24);
        self.write(REG_ICR_LOW, command);
        while self.read(REG_ICR_LOW) & ICR_DELIVERY_PENDING != 0 {
            core::hint::spin_loop();
        }
    }

    /// Sends a fixed interrupt with `vector` to one CPU.
    pub fn send_ipi(&self, destination: ApicId, vector: u8) {
        self.send(destination, ICR_LEVEL_ASSERT | u32::from(vector));
    }

    /// Sends INIT (assert) to one CPU.
    pub fn send_init(&self, destination: ApicId) {
        self.send(destination, ICR_DELIVERY_INIT | ICR_LEVEL_ASSERT);
    }

    /// Sends a start-up IPI pointing at real-mode page `page` (address / 4096).
    pub fn send_startup(&self, destination: ApicId, page: u8) {
        self.send(destination, ICR_DELIVERY_STARTUP | ICR_LEVEL_ASSERT | u32::from(page));
    }

    /// Sends an NMI to every other CPU.
    pub fn send_nmi_to_others(&self) {
        self.send(ApicId(0), ICR_DELIVERY_NMI | ICR_LEVEL_ASSERT | ICR_ALL_EXCLUDING_SELF);
    }

    /// Starts the timer counting down from its maximum (divide by 16)
    /// without raising interrupts; used for calibration.
    pub fn start_free_running(&self) {
        self.write(REG_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
        self.write(REG_LVT_TIMER, LVT_MASKED);
        self.write(REG_TIMER_INITIAL, u32::MAX);
    }

    /// Arms a one-shot countdown of `ticks` (divide by 16), masked.
    pub fn start_one_shot_masked(&self, ticks: u32) {
        self.write(REG_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
        self.write(REG_LVT_TIMER, LVT_MASKED);
        self.write(REG_TIMER_INITIAL, ticks);
    }

    /// Current count of the timer.
    pub fn timer_current(&self) -> u32 {
        self.read(REG_TIMER_CURRENT)
    }

    /// Starts a periodic timer interrupt every `ticks` (divide by 16).
    pub fn start_periodic(&self, vector: u8, ticks: u32) {
        self.write(REG_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
        self.write(REG_LVT_TIMER, LVT_TIMER_PERIODIC | u32::from(vector));
        self.write(REG_TIMER_INITIAL, ticks.max(1));
    }
}
