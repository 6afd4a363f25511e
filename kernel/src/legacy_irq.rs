//! Legacy (ISA) interrupt lines as objects. A driver opens
//! `/scheme/irq/N` (N = 1, 3-15; the `irq` kernel scheme is only in
//! namespaces init gives its privileged services) and gets an interrupt
//! fd: the line is routed through its I/O APIC (following the MADT's
//! source overrides) to vector [`VECTOR_BASE`]` + N` on the boot CPU and
//! unmasked. Reading blocks until the line has fired and returns how often
//! (a `u64`); writing acknowledges: a level-triggered line is masked from
//! the moment it fires until then. One fd (and its copies) per line; the
//! last close masks it again.
//!
//! The interrupt handler only counts; the wake-ups happen when the kernel
//! next holds its lock ([`take_fired`]).

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU16, AtomicU64, Ordering};

use cairn_abi::{Error, Result, error};

use crate::platform::acpi::IrqOverride;
use crate::platform::ioapic::{IoApic, Trigger};

/// Vector of ISA line 0; lines 0-15 use the 16 vectors from here.
pub const VECTOR_BASE: u8 = 0x30;
/// ISA lines.
pub const LINES: u8 = 16;

/// Where the lines go: the I/O APICs, the overrides, the boot CPU.
struct Routing {
    io_apics: Vec<IoApic>,
    overrides: Vec<IrqOverride>,
    apic_id: u32,
}

static ROUTING: spin::Once<Routing> = spin::Once::new();
/// Times each line fired and nobody has read yet.
static COUNTS: [AtomicU64; LINES as usize] = [const { AtomicU64::new(0) }; LINES as usize];
/// Lines that fired since the last [`take_fired`], one bit each.
static FIRED: AtomicU16 = AtomicU16::new(0);
/// Lines open, one bit each; bit set = level-triggered lines masked until
/// acknowledged are in LEVEL.
static OPEN: AtomicU16 = AtomicU16::new(0);
static LEVEL: AtomicU16 = AtomicU16::new(0);

/// Records the machine's I/O APICs and overrides (at boot, once).
pub fn init(io_apics: Vec<IoApic>, overrides: Vec<IrqOverride>, apic_id: u32) {
    ROUTING.call_once(|| Routing { io_apics, overrides, apic_id });
}

/// An open interrupt line; dropping the last reference masks it.
#[derive(Debug)]
pub struct InterruptLine {
    pub irq: u8,
    gsi: u32,
}

impl InterruptLine {
    /// Times the line fired since the last call (resetting the count).
    pub fn take(&self) -> u64 {
        COUNTS[usize::from(self.irq)].swap(0, Ordering::Relaxed)
    }

    /// Whether it fired and nobody read it yet.
    pub fn pending(&self) -> bool {
        COUNTS[usize::from(self.irq)].load(Ordering::Relaxed) > 0
    }

    /// The driver handled the interrupt: unmask a level-triggered line.
    pub fn acknowledge(&self) {
        if LEVEL.load(Ordering::Relaxed) & (1 << self.irq) != 0
            && let Some(io_apic) = io_apic_for(self.gsi)
        {
            io_apic.set_masked(self.gsi, false);
        }
    }
}

impl Drop for InterruptLine {
    fn drop(&mut self) {
        if let Some(io_apic) = io_apic_for(self.gsi) {
            io_apic.set_masked(self.gsi, true);
        }
        COUNTS[usize::from(self.irq)].store(0, Ordering::Relaxed);
        OPEN.fetch_and(!(1 << self.irq), Ordering::AcqRel);
    }
}

fn io_apic_for(gsi: u32) -> Option<&'static IoApic> {
    ROUTING.get()?.io_apics.iter().find(|a| a.serves(gsi))
}

/// Opens line `irq`: `EINVAL` for the timer (0), the cascade (2) or a
/// number past 15, `ENODEV` without an I/O APIC for it, `EBUSY` if open.
pub fn open(irq: u8) -> Result<Arc<InterruptLine>> {
    if irq >= LINES || irq == 0 || irq == 2 {
        return Err(Error::new(error::EINVAL));
    }
    let routing = ROUTING.get().ok_or(Error::new(error::ENODEV))?;
    let (gsi, trigger) = match routing.overrides.iter().find(|o| o.irq == irq) {
        Some(o) => (o.gsi, o.trigger),
        None => (u32::from(irq), Trigger::default()),
    };
    let io_apic = routing.io_apics.iter().find(|a| a.serves(gsi)).ok_or(Error::new(error::ENODEV))?;
    if OPEN.fetch_or(1 << irq, Ordering::AcqRel) & (1 << irq) != 0 {
        return Err(Error::new(error::EBUSY));
    }
    if trigger.level {
        LEVEL.fetch_or(1 << irq, Ordering::Relaxed);
    } else {
        LEVEL.fetch_and(!(1 << irq), Ordering::Relaxed);
    }
    COUNTS[usize::from(irq)].store(0, Ordering::Relaxed);
    io_apic.route(gsi, VECTOR_BASE + irq, routing.apic_id, trigger, false);
    Ok(Arc::new(InterruptLine { irq, gsi }))
}

/// Interrupt handler part: counts a legacy vector's interrupt (masking a
/// level-triggered line until acknowledged). False for other vectors.
pub fn fired(vector: u8) -> bool {
    let Some(irq) = vector.checked_sub(VECTOR_BASE).filter(|irq| *irq < LINES) else { return false };
    COUNTS[usize::from(irq)].fetch_add(1, Ordering::Relaxed);
    FIRED.fetch_or(1 << irq, Ordering::Release);
    if LEVEL.load(Ordering::Relaxed) & (1 << irq) != 0
        && let Some(routing) = ROUTING.get()
    {
        let gsi = routing.overrides.iter().find(|o| o.irq == irq).map_or(u32::from(irq), |o| o.gsi);
        if let Some(io_apic) = routing.io_apics.iter().find(|a| a.serves(gsi)) {
            io_apic.set_masked(gsi, true);
        }
    }
    true
}

/// The lines that fired since the last call, one bit each (their readers
/// are then woken by the caller).
pub fn take_fired() -> u16 {
    FIRED.swap(0, Ordering::Acquire)
}
