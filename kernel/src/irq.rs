//! Interrupt objects: every device interrupt a driver holds — an ISA line
//! through the I/O APIC or a message-signalled (MSI/MSI-X) vector — is one
//! [`Interrupt`] bound to one vector of one CPU.
//!
//! Vectors are allocated per CPU: each CPU has its own table of
//! [`DEVICE_VECTORS`] slots, so a machine with N CPUs serves N × 192
//! device vectors. An interrupt arriving at a CPU costs O(1) there: the
//! handler finds the object in that CPU's table by vector, counts it and
//! sets the vector's bit in the CPU's fired set; the next time that CPU
//! holds the kernel (at once, on the way back to user mode or from idle)
//! it wakes the readers of the vectors in its own fired set — never a scan
//! of all interrupts, never another CPU's work.
//!
//! A driver reads an interrupt fd to wait (it returns how often the
//! interrupt fired since the last read, a `u64`) and writes it to
//! acknowledge (which unmasks a level-triggered line). Dropping the last
//! [`InterruptClaim`] frees the vector (and masks a legacy line).

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicU64, Ordering};

use cairn_abi::{Error, Result, error};

use crate::iommu::RemapEntry;
use crate::percpu::{self, CpuIndex};
use crate::platform::acpi::IrqOverride;
use crate::platform::ioapic::{IoApic, Target, Trigger};

/// First vector handed to devices; below are the exceptions and the timer.
pub const FIRST_DEVICE_VECTOR: u8 = 0x30;
/// Vectors per CPU for devices: 0x30..0xf0 (0xf0 and up are the kernel's IPIs).
pub const DEVICE_VECTORS: usize = 0xf0 - FIRST_DEVICE_VECTOR as usize;
/// ISA lines.
pub const ISA_LINES: u8 = 16;

/// A process-unique name of an interrupt (what its readers wait on).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct InterruptId(pub u64);

/// Where an interrupt comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// ISA line `irq` on I/O APIC input `gsi`.
    Legacy { irq: u8, gsi: u32, trigger: Trigger },
    /// A message-signalled interrupt (MSI or MSI-X entry `entry`).
    Message { entry: u16 },
}

/// One interrupt bound to a vector of a CPU.
#[derive(Debug)]
pub struct Interrupt {
    pub id: InterruptId,
    pub cpu: CpuIndex,
    pub vector: u8,
    pub source: Source,
    /// Times it fired and nobody has read yet.
    pending: AtomicU64,
    /// Times it fired since it was allocated.
    total: AtomicU64,
    /// Who holds it, as `/scheme/sys/interrupts` shows it.
    owner: spin::Mutex<String>,
}

impl Interrupt {
    /// Times it fired since the last call (resetting the count).
    pub fn take(&self) -> u64 {
        self.pending.swap(0, Ordering::Relaxed)
    }

    /// Puts back a count taken with [`Interrupt::take`] that could not be
    /// handed to the reader.
    pub fn give_back(&self, count: u64) {
        self.pending.fetch_add(count, Ordering::Relaxed);
    }

    /// Times it fired since it was bound.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// Whether it fired and nobody read it yet.
    pub fn pending(&self) -> bool {
        self.pending.load(Ordering::Relaxed) > 0
    }

    /// The driver handled the interrupt: unmask a level-triggered line.
    pub fn acknowledge(&self) {
        if let Source::Legacy { gsi, trigger, .. } = self.source
            && trigger.level
            && let Some(io_apic) = io_apic_for(gsi)
        {
            io_apic.set_masked(gsi, false);
        }
    }

    /// Names the holder (shown in `/scheme/sys/interrupts`).
    pub fn set_owner(&self, owner: &str) {
        let mut label = self.owner.lock();
        label.clear();
        label.push_str(owner);
    }

    /// Handler part: counts an arrival (masking a level-triggered line
    /// until acknowledged).
    fn fire(&self) {
        self.pending.fetch_add(1, Ordering::Relaxed);
        self.total.fetch_add(1, Ordering::Relaxed);
        if let Source::Legacy { gsi, trigger, .. } = self.source
            && trigger.level
            && let Some(io_apic) = io_apic_for(gsi)
        {
            io_apic.set_masked(gsi, true);
        }
    }
}

/// One CPU's device vectors: which interrupt each is bound to, and which
/// fired since the CPU last woke their readers.
pub struct VectorTable {
    slots: spin::Mutex<[Option<Arc<Interrupt>>; DEVICE_VECTORS]>,
    fired: [AtomicU64; DEVICE_VECTORS.div_ceil(64)],
    /// Arrivals on vectors nothing is bound to.
    stray: AtomicU64,
}

impl VectorTable {
    pub const fn new() -> VectorTable {
        VectorTable {
            slots: spin::Mutex::new([const { None }; DEVICE_VECTORS]),
            fired: [const { AtomicU64::new(0) }; DEVICE_VECTORS.div_ceil(64)],
            stray: AtomicU64::new(0),
        }
    }

    /// Arrivals on vectors nothing was bound to.
    pub fn stray(&self) -> u64 {
        self.stray.load(Ordering::Relaxed)
    }

    /// Vectors bound now.
    pub fn in_use(&self) -> usize {
        self.slots.lock().iter().filter(|slot| slot.is_some()).count()
    }

    /// Binds the lowest free vector to a new interrupt.
    fn bind(&self, cpu: CpuIndex, source: Source) -> Option<Arc<Interrupt>> {
        let mut slots = self.slots.lock();
        let index = slots.iter().position(Option::is_none)?;
        let interrupt = Arc::new(Interrupt {
            id: InterruptId(NEXT_ID.fetch_add(1, Ordering::Relaxed)),
            cpu,
            vector: FIRST_DEVICE_VECTOR + index as u8,
            source,
            pending: AtomicU64::new(0),
            total: AtomicU64::new(0),
            owner: spin::Mutex::new(String::new()),
        });
        slots[index] = Some(interrupt.clone());
        Some(interrupt)
    }

    fn unbind(&self, vector: u8) {
        if let Some(index) = slot_index(vector) {
            self.slots.lock()[index] = None;
        }
    }

    /// Interrupt handler part for `vector` on this CPU. False if the vector
    /// is not a device vector.
    fn arrived(&self, vector: u8) -> bool {
        let Some(index) = slot_index(vector) else { return false };
        match &self.slots.lock()[index] {
            Some(interrupt) => {
                interrupt.fire();
                self.fired[index / 64].fetch_or(1 << (index % 64), Ordering::Release);
            }
            None => {
                self.stray.fetch_add(1, Ordering::Relaxed);
            }
        }
        true
    }

    /// Forgets that `vector` fired (its reader took the count itself).
    fn clear_fired(&self, vector: u8) {
        if let Some(index) = slot_index(vector) {
            self.fired[index / 64].fetch_and(!(1 << (index % 64)), Ordering::AcqRel);
        }
    }

    /// Whether an interrupt fired here that nobody was woken for yet.
    pub fn has_fired(&self) -> bool {
        self.fired.iter().any(|word| word.load(Ordering::Relaxed) != 0)
    }

    /// The interrupts that fired here since the last call.
    fn take_fired(&self, into: &mut Vec<InterruptId>) {
        for (word_index, word) in self.fired.iter().enumerate() {
            let mut bits = word.swap(0, Ordering::Acquire);
            if bits == 0 {
                continue;
            }
            let slots = self.slots.lock();
            while bits != 0 {
                let index = word_index * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                if let Some(interrupt) = &slots[index] {
                    into.push(interrupt.id);
                }
            }
        }
    }
}

/// The slot of device vector `vector` in a CPU's table, `None` for a
/// vector that is not a device vector.
fn slot_index(vector: u8) -> Option<usize> {
    usize::from(vector).checked_sub(usize::from(FIRST_DEVICE_VECTOR)).filter(|&index| index < DEVICE_VECTORS)
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The holder's claim on an interrupt: dropping the last one frees the
/// vector and masks a legacy line.
pub struct InterruptClaim {
    pub interrupt: Arc<Interrupt>,
    /// Run when the claim is dropped, before the vector is freed: masks
    /// the source (a device's MSI or MSI-X entry).
    release: Option<alloc::boxed::Box<dyn FnOnce() + Send + Sync>>,
    /// The IOMMU's interrupt-remapping entry the source names, if any
    /// (cleared after the source is masked and the vector freed).
    remap: Option<RemapEntry>,
}

impl core::fmt::Debug for InterruptClaim {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("InterruptClaim").field("interrupt", &self.interrupt).finish_non_exhaustive()
    }
}

impl InterruptClaim {
    /// Sets what masks the source when the claim is dropped.
    pub fn on_release(&mut self, release: alloc::boxed::Box<dyn FnOnce() + Send + Sync>) {
        self.release = Some(release);
    }

    /// Gives the claim the remapping entry its source names.
    fn set_remap(&mut self, remap: RemapEntry) {
        self.remap = Some(remap);
    }

    /// The MSI address and data that make the PCI function at `requester`
    /// raise this interrupt: where the IOMMU remaps its interrupts, the
    /// remappable message naming a new entry that only `requester` may
    /// use; else fixed delivery, edge, physical destination.
    pub fn bind_message(&mut self, requester: cairn_pci::Address) -> Result<(u64, u32)> {
        match RemapEntry::for_function(requester, self.vector, self.apic_id())? {
            Some(remap) => {
                let message = cairn_vtd::entry::remappable_message(remap.index());
                self.set_remap(remap);
                Ok(message)
            }
            None => Ok((0xfee0_0000 | (u64::from(self.apic_id()) << 12), u32::from(self.vector))),
        }
    }

    /// The local APIC ID of the CPU the vector is bound on.
    pub fn apic_id(&self) -> u32 {
        percpu::online().get(self.interrupt.cpu.0 as usize).map_or(0, |cpu| cpu.apic_id.0)
    }
}

impl Drop for InterruptClaim {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            release();
        }
        if let Source::Legacy { irq, gsi, .. } = self.interrupt.source {
            if let Some(io_apic) = io_apic_for(gsi) {
                io_apic.set_masked(gsi, true);
            }
            LEGACY_OPEN.lock()[usize::from(irq)] = false;
        }
        if let Some(cpu) = percpu::online().get(self.interrupt.cpu.0 as usize) {
            cpu.vectors.unbind(self.interrupt.vector);
        }
    }
}

impl core::ops::Deref for InterruptClaim {
    type Target = Interrupt;
    fn deref(&self) -> &Interrupt {
        &self.interrupt
    }
}

/// Where the ISA lines go: the I/O APICs and the MADT's overrides.
struct Routing {
    io_apics: Vec<IoApic>,
    overrides: Vec<IrqOverride>,
}

static ROUTING: spin::Once<Routing> = spin::Once::new();
/// ISA lines held by a driver.
static LEGACY_OPEN: spin::Mutex<[bool; ISA_LINES as usize]> = spin::Mutex::new([false; ISA_LINES as usize]);

/// Records the machine's I/O APICs and overrides (at boot, once).
pub fn init(io_apics: Vec<IoApic>, overrides: Vec<IrqOverride>) {
    ROUTING.call_once(|| Routing { io_apics, overrides });
}

fn io_apic_for(gsi: u32) -> Option<&'static IoApic> {
    ROUTING.get()?.io_apics.iter().find(|a| a.serves(gsi))
}

/// How to place vectors on CPUs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// On the CPU with the fewest device vectors bound.
    Spread,
    /// On this CPU.
    Pinned(CpuIndex),
}

/// Binds a vector for `source` on a CPU chosen by `placement`: `EINVAL`
/// for a CPU that is not online, `ENOSPC` when that CPU (or, spreading,
/// every CPU) has no vector left.
pub fn allocate(placement: Placement, source: Source) -> Result<InterruptClaim> {
    let cpus = percpu::online();
    let cpu = match placement {
        Placement::Pinned(index) => *cpus.get(index.0 as usize).ok_or(Error::new(error::EINVAL))?,
        Placement::Spread => *cpus.iter().min_by_key(|cpu| cpu.vectors.in_use()).ok_or(Error::new(error::ENODEV))?,
    };
    let interrupt = cpu.vectors.bind(cpu.index, source).ok_or(Error::new(error::ENOSPC))?;
    Ok(InterruptClaim { interrupt, release: None, remap: None })
}

/// Opens ISA line `irq`, routed to a vector of the boot CPU: `EINVAL` for
/// the timer (0), the cascade (2) or a number past 15, `ENODEV` without an
/// I/O APIC for it, `EBUSY` if a driver holds it.
pub fn open_legacy(irq: u8) -> Result<InterruptClaim> {
    if irq >= ISA_LINES || irq == 0 || irq == 2 {
        return Err(Error::new(error::EINVAL));
    }
    let routing = ROUTING.get().ok_or(Error::new(error::ENODEV))?;
    let (gsi, trigger) = match routing.overrides.iter().find(|o| o.irq == irq) {
        Some(o) => (o.gsi, o.trigger),
        None => (u32::from(irq), Trigger::default()),
    };
    let io_apic = io_apic_for(gsi).ok_or(Error::new(error::ENODEV))?;
    {
        let mut open = LEGACY_OPEN.lock();
        if open[usize::from(irq)] {
            return Err(Error::new(error::EBUSY));
        }
        open[usize::from(irq)] = true;
    }
    let mut claim = match allocate(Placement::Pinned(CpuIndex(0)), Source::Legacy { irq, gsi, trigger }) {
        Ok(claim) => claim,
        Err(e) => {
            LEGACY_OPEN.lock()[usize::from(irq)] = false;
            return Err(e);
        }
    };
    let target = match RemapEntry::for_io_apic(io_apic.id, claim.vector, claim.apic_id(), trigger.level)? {
        Some(remap) => {
            let target = Target::Remapped(remap.index());
            claim.set_remap(remap);
            target
        }
        None => Target::Cpu(claim.apic_id()),
    };
    io_apic.route(gsi, claim.vector, target, trigger, false);
    Ok(claim)
}

/// Interrupt handler part: counts a device vector's arrival on this CPU.
/// False for vectors that are not device vectors.
pub fn arrived(vector: u8) -> bool {
    percpu::current().vectors.arrived(vector)
}

/// The interrupts that fired on this CPU since the last call; the caller
/// (holding the kernel) wakes their readers.
pub fn take_fired(into: &mut Vec<InterruptId>) {
    percpu::current().vectors.take_fired(into);
}

/// The count of `interrupt`, bound to this CPU, taken by its reader
/// without the big kernel lock (a wait in place, `task::in_place`): its
/// fired mark is cleared too, as nobody is left to wake.
pub fn take_here(interrupt: &Interrupt) -> u64 {
    percpu::current().vectors.clear_fired(interrupt.vector);
    interrupt.take()
}

/// `/scheme/sys/interrupts`, in the manner of Linux's `/proc/interrupts`:
/// a header of CPUs, then per bound vector `CPU/VECTOR:` and the count in
/// the column of the CPU it is bound to, its kind and its holder; then the
/// local timer ticks and the stray arrivals per CPU.
pub fn render(text: &mut String) {
    let cpus = percpu::online();
    let _ = write!(text, "{:>9}", "");
    for cpu in cpus {
        let _ = write!(text, " {:>10}", alloc::format!("CPU{}", cpu.index.0));
    }
    text.push('\n');
    for cpu in cpus {
        let bound: Vec<Arc<Interrupt>> = cpu.vectors.slots.lock().iter().flatten().cloned().collect();
        for interrupt in bound {
            let _ = write!(text, "{:>9}", alloc::format!("{}/{:#x}:", cpu.index.0, interrupt.vector));
            for column in cpus {
                let count = if column.index == cpu.index { interrupt.total.load(Ordering::Relaxed) } else { 0 };
                let _ = write!(text, " {count:>10}");
            }
            let kind = match interrupt.source {
                Source::Legacy { irq, trigger, .. } => {
                    alloc::format!("IO-APIC {irq}-{}", if trigger.level { "level" } else { "edge" })
                }
                Source::Message { entry } => alloc::format!("MSI {entry}"),
            };
            let _ = writeln!(text, "  {kind}  {}", interrupt.owner.lock());
        }
    }
    let _ = write!(text, "{:>9}", "LOC:");
    for cpu in cpus {
        let _ = write!(text, " {:>10}", cpu.timer_ticks.load(Ordering::Relaxed));
    }
    text.push_str("  local timer\n");
    let _ = write!(text, "{:>9}", "ERR:");
    for cpu in cpus {
        let _ = write!(text, " {:>10}", cpu.vectors.stray.load(Ordering::Relaxed));
    }
    text.push_str("  vectors nothing is bound to\n");
}
