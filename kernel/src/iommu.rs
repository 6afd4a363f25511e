//! The IOMMU: Intel VT-d remapping units found through the ACPI DMAR
//! table (QEMU's `-device intel-iommu`), driven with the pure logic of
//! `cairn-vtd`.
//!
//! - **DMA remapping**: every claimed PCI function gets a [`Domain`] — its
//!   own second-level page table and domain ID, installed in the unit's
//!   context entry for that function — and a device address is an I/O
//!   virtual address in it. A device reaches only the DMA memory its
//!   context allocated; every other address faults. Unclaimed functions
//!   have no context entry, so their DMA faults too.
//! - **Interrupt remapping**: every bound device vector — MSI, MSI-X and
//!   I/O APIC lines — gets a [`RemapEntry`] naming its vector, CPU and
//!   (for PCI functions) the one requester ID allowed to raise it; the
//!   device is told only the entry's index. Entries exist exactly as long
//!   as the vectors they serve.
//! - **Faults**: the units signal faults on [`VECTOR_FAULT`]; the handler
//!   records them and the kernel, holding the big kernel lock, revokes
//!   the offending device context and kills its driver
//!   (`device_context::dma_fault`).
//!
//! Invalidation goes through each unit's queue. `/scheme/sys/iommu`
//! shows the units, domains, interrupt entries (read back from the
//! table the unit reads) and faults.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use cairn_abi::{Error, Result, error};
use cairn_pci::Address;
use cairn_physmem::{FRAME_SIZE, PhysFrame};
use cairn_vtd::dmar::{Dmar, Topology};
use cairn_vtd::entry::{self, Descriptor, Remap, Requester};
use cairn_vtd::iova::IovaSpace;
use cairn_vtd::page_table::{PageTable, Permissions, TableMemory};
use cairn_vtd::registers::{self, Capability, ExtendedCapability, FaultRecord, Global, offset};
use cairn_vtd::{AddressWidth, DomainId, SourceId};

use crate::mm::{frames, phys_to_virt};
use crate::percpu;

/// The vector remapping units raise faults on (boot CPU).
pub const VECTOR_FAULT: u8 = 0xf2;
/// Interrupt-remapping entries per unit (2^(S+1) with S = 11).
const REMAP_ENTRIES: usize = 4096;
const REMAP_SIZE_FIELD: u64 = 11;
/// Descriptors in an invalidation queue (one page, 128-bit descriptors).
const QUEUE_ENTRIES: usize = 256;
/// How long a unit may take to latch a command or finish an invalidation.
const HARDWARE_TIMEOUT_US: u64 = 100_000;
/// Faults kept between the interrupt and their handling.
const MAX_PENDING_FAULTS: usize = 64;

/// A unit's register page.
#[derive(Clone, Copy)]
struct Registers(*mut u8);

// SAFETY: the pointer names the unit's register page, mapped uncached in
// the kernel half for good; MMIO accesses are single volatile loads and
// stores, and the unit's state behind them is serialised by `Unit::state`.
unsafe impl Send for Registers {}
// SAFETY: as above.
unsafe impl Sync for Registers {}

impl Registers {
    fn read32(self, at: usize) -> u32 {
        // SAFETY: `at` is a register offset inside the mapped 4 KiB page.
        unsafe { self.0.add(at).cast::<u32>().read_volatile() }
    }

    fn write32(self, at: usize, value: u32) {
        // SAFETY: as in `read32`.
        unsafe { self.0.add(at).cast::<u32>().write_volatile(value) }
    }

    fn read64(self, at: usize) -> u64 {
        // SAFETY: as in `read32`; 64-bit registers are 8-byte aligned.
        unsafe { self.0.add(at).cast::<u64>().read_volatile() }
    }

    fn write64(self, at: usize, value: u64) {
        // SAFETY: as in `read64`.
        unsafe { self.0.add(at).cast::<u64>().write_volatile(value) }
    }

    /// Turns translation, interrupt remapping and the invalidation queue off.
    fn stop(self) {
        self.write32(offset::GLOBAL_COMMAND, 0);
    }

    /// Issues a global command and waits until the status shows `done`
    /// (set, or clear when `set` is false).
    fn command(self, add: Global, done: Global, set: bool) -> Result<()> {
        let status = self.read32(offset::GLOBAL_STATUS);
        self.write32(offset::GLOBAL_COMMAND, Global::command(status, add));
        wait_until(|| Global::from_bits_truncate(self.read32(offset::GLOBAL_STATUS)).contains(done) == set)
    }
}

/// Spins until `ready` holds, `ETIMEDOUT` after [`HARDWARE_TIMEOUT_US`].
fn wait_until(mut ready: impl FnMut() -> bool) -> Result<()> {
    let deadline = crate::time::micros_since_boot() + HARDWARE_TIMEOUT_US;
    while !ready() {
        if crate::time::micros_since_boot() > deadline {
            return Err(Error::new(error::ETIMEDOUT));
        }
        core::hint::spin_loop();
    }
    Ok(())
}

/// Page tables and other structures the unit reads, in physical frames.
struct UnitMemory {
    /// Page walks do not snoop the caches: written lines are flushed.
    flush: bool,
}

impl UnitMemory {
    fn flush(&self, physical: u64, bytes: u64) {
        if !self.flush {
            return;
        }
        for line in (physical & !63..physical + bytes).step_by(64) {
            // SAFETY: the line lies in a frame of the direct map the kernel
            // owns; clflush only writes it back.
            unsafe { core::arch::x86_64::_mm_clflush(phys_to_virt(line)) };
        }
    }

    /// Writes a 128-bit entry (high half first, so a present bit in the
    /// low half never shows with a stale high half).
    fn write_entry(&self, physical: u64, value: entry::Entry) {
        let slot = phys_to_virt(physical).cast::<u64>();
        // SAFETY: `physical` is a 16-byte entry inside a table frame the
        // kernel allocated for this unit.
        unsafe {
            slot.add(1).write_volatile(value[1]);
            slot.write_volatile(value[0]);
        }
        self.flush(physical, 16);
    }

    fn read_entry(&self, physical: u64) -> entry::Entry {
        let slot = phys_to_virt(physical).cast::<u64>();
        // SAFETY: as in `write_entry`.
        unsafe { [slot.read_volatile(), slot.add(1).read_volatile()] }
    }

    /// `count` zeroed contiguous frames; their physical address.
    fn zeroed(&self, count: u64) -> Result<u64> {
        let frame = frames::allocate_contiguous(count, 1, u64::MAX).ok_or(Error::new(error::ENOMEM))?;
        let start = frame.start_address();
        // SAFETY: the frames were just allocated, so nothing else uses them.
        unsafe { core::ptr::write_bytes(phys_to_virt(start), 0, (count * FRAME_SIZE) as usize) };
        self.flush(start, count * FRAME_SIZE);
        Ok(start)
    }
}

impl TableMemory for UnitMemory {
    fn allocate_table(&mut self) -> Option<u64> {
        self.zeroed(1).ok()
    }

    fn free_table(&mut self, table: u64) {
        if let Err(e) = frames::free(PhysFrame::containing_address(table)) {
            log::warn!("iommu: freeing page table {table:#x}: {e:?}");
        }
    }

    fn read(&self, table: u64, index: usize) -> u64 {
        // SAFETY: `table` is a page-table frame of this unit; index < 512.
        unsafe { phys_to_virt(table).cast::<u64>().add(index).read_volatile() }
    }

    fn write(&mut self, table: u64, index: usize, value: u64) {
        // SAFETY: as in `read`.
        unsafe { phys_to_virt(table).cast::<u64>().add(index).write_volatile(value) };
        self.flush(table + index as u64 * 8, 8);
    }
}

/// A unit's invalidation queue and the word its wait descriptors write.
struct InvalidationQueue {
    base: u64,
    tail: usize,
    status: u64,
    sequence: u32,
}

/// The mutable part of a unit.
struct UnitState {
    memory: UnitMemory,
    queue: InvalidationQueue,
    /// Context table of each bus that has one.
    context_tables: BTreeMap<u8, u64>,
    /// Domain IDs in use.
    domains: BTreeMap<DomainId, SourceId>,
    /// Interrupt-remapping entries in use, one bit each.
    remap_used: Vec<u64>,
}

impl UnitState {
    /// Runs `descriptors` and waits until the unit has done them.
    fn invalidate(&mut self, registers: Registers, descriptors: &[Descriptor]) -> Result<()> {
        self.queue.sequence = self.queue.sequence.wrapping_add(1);
        let value = self.queue.sequence;
        let wait = Descriptor::Wait { status: self.queue.status, value };
        for descriptor in descriptors.iter().copied().chain([wait]) {
            self.memory.write_entry(self.queue.base + self.queue.tail as u64 * 16, descriptor.encode());
            self.queue.tail = (self.queue.tail + 1) % QUEUE_ENTRIES;
        }
        registers.write64(offset::INVALIDATION_QUEUE_TAIL, (self.queue.tail as u64) << 4);
        let status = phys_to_virt(self.queue.status).cast::<u32>();
        // SAFETY: the status word lies in a frame the unit's queue owns.
        let done = wait_until(|| unsafe { status.read_volatile() } == value);
        let fault_status = registers.read32(offset::FAULT_STATUS);
        if fault_status & registers::fault_status::QUEUE_ERROR != 0 {
            registers.write32(offset::FAULT_STATUS, registers::fault_status::QUEUE_ERROR);
            log::warn!("iommu: the unit refused an invalidation descriptor");
            return Err(Error::new(error::EIO));
        }
        done
    }
}

/// One remapping unit.
struct Unit {
    base: u64,
    segment: u16,
    registers: Registers,
    capability: Capability,
    width: AddressWidth,
    /// Interrupt-remapping table (physical), when remapping is on.
    remap_table: Option<u64>,
    state: spin::Mutex<UnitState>,
    faults: AtomicU64,
}

impl Unit {
    /// Brings up the unit at `base`: root table, invalidation queue,
    /// fault interrupt, interrupt remapping (if `remap` and offered),
    /// then DMA translation. On failure whatever was turned on is turned
    /// off again.
    fn start(base: u64, segment: u16, remap: bool) -> Result<Unit> {
        let registers = Registers(crate::mm::mmio(base).map_err(|_| Error::new(error::ENOMEM))?.cast());
        Unit::bring_up(base, segment, remap, registers).inspect_err(|_| registers.stop())
    }

    fn bring_up(base: u64, segment: u16, remap: bool, registers: Registers) -> Result<Unit> {
        let capability = Capability(registers.read64(offset::CAPABILITY));
        let extended = ExtendedCapability(registers.read64(offset::EXTENDED_CAPABILITY));
        let Some(width) = AddressWidth::widest_supported(capability.sagaw()) else {
            log::warn!("iommu: unit at {base:#x} offers no 39- or 48-bit domains; left off");
            return Err(Error::new(error::ENODEV));
        };
        if !extended.queued_invalidation() {
            log::warn!("iommu: unit at {base:#x} has no invalidation queue; left off");
            return Err(Error::new(error::ENODEV));
        }
        let memory = UnitMemory { flush: !extended.coherent() };
        let root = memory.zeroed(1)?;
        let queue_page = memory.zeroed(2)?;
        let queue = InvalidationQueue { base: queue_page, tail: 0, status: queue_page + FRAME_SIZE, sequence: 0 };
        registers.write64(offset::ROOT_TABLE, root);
        registers.command(Global::SET_ROOT_TABLE, Global::SET_ROOT_TABLE, true)?;
        registers.write64(offset::INVALIDATION_QUEUE_TAIL, 0);
        registers.write64(offset::INVALIDATION_QUEUE_ADDRESS, queue.base);
        registers.command(Global::QUEUED_INVALIDATION, Global::QUEUED_INVALIDATION, true)?;
        let mut state = UnitState {
            memory,
            queue,
            context_tables: BTreeMap::new(),
            domains: BTreeMap::new(),
            remap_used: alloc::vec![0; REMAP_ENTRIES / 64],
        };
        state.invalidate(registers, &[Descriptor::ContextCacheGlobal, Descriptor::IotlbGlobal])?;
        clear_faults(registers, capability);
        let boot_apic = percpu::online().first().map_or(0, |cpu| cpu.apic_id.0);
        registers.write32(offset::FAULT_EVENT_DATA, u32::from(VECTOR_FAULT));
        registers.write32(offset::FAULT_EVENT_ADDRESS, 0xfee0_0000 | boot_apic << 12);
        registers.write32(offset::FAULT_EVENT_UPPER_ADDRESS, 0);
        registers.write32(offset::FAULT_EVENT_CONTROL, 0);
        let remap_table = if remap && extended.interrupt_remapping() {
            let table = state.memory.zeroed((REMAP_ENTRIES * 16) as u64 / FRAME_SIZE)?;
            registers.write64(offset::INTERRUPT_TABLE_ADDRESS, table | REMAP_SIZE_FIELD);
            registers.command(Global::SET_INTERRUPT_TABLE, Global::SET_INTERRUPT_TABLE, true)?;
            state.invalidate(registers, &[Descriptor::InterruptEntries(None)])?;
            registers.command(Global::INTERRUPT_REMAPPING, Global::INTERRUPT_REMAPPING, true)?;
            Some(table)
        } else {
            None
        };
        registers.command(Global::TRANSLATION, Global::TRANSLATION, true)?;
        Ok(Unit {
            base,
            segment,
            registers,
            capability,
            width,
            remap_table,
            state: spin::Mutex::new(state),
            faults: AtomicU64::new(0),
        })
    }
}

/// Clears every recorded fault of a unit, returning them.
fn clear_faults(registers: Registers, capability: Capability) -> Vec<FaultRecord> {
    let mut found = Vec::new();
    for record in 0..capability.fault_records() {
        let at = capability.fault_recording_offset() + record * 16;
        let high = registers.read64(at + 8);
        if let Some(fault) = FaultRecord::decode(registers.read64(at), high) {
            found.push(fault);
            registers.write32(at + 12, (FaultRecord::FAULT >> 32) as u32);
        }
    }
    registers.write32(offset::FAULT_STATUS, registers::fault_status::CLEARABLE);
    found
}

/// Bridges' bus numbers, from configuration space.
struct PciTopology;

impl Topology for PciTopology {
    fn buses_below(&self, bridge: SourceId) -> Option<(u8, u8)> {
        use cairn_pci::ConfigSpace;
        let address =
            Address { segment: 0, bus: bridge.bus(), device: bridge.devfn() >> 3, function: bridge.devfn() & 7 };
        let buses = crate::pci::config()?.read(address, 0x18);
        Some(((buses >> 8) as u8, (buses >> 16) as u8))
    }
}

/// The machine's remapping units.
struct Iommu {
    dmar: Dmar,
    units: Vec<Unit>,
}

static IOMMU: spin::Once<Iommu> = spin::Once::new();
/// Faults seen by the interrupt handler and not yet handled: (unit, record).
static PENDING_FAULTS: spin::Mutex<Vec<(usize, FaultRecord)>> = spin::Mutex::new(Vec::new());
static LOST_FAULTS: AtomicU64 = AtomicU64::new(0);
/// Set after a fault is added to [`PENDING_FAULTS`], so the return path
/// (`take_faults`, after every interrupt) takes no lock when there is none.
static FAULTS_PENDING: AtomicBool = AtomicBool::new(false);

/// Starts the units the DMAR describes (`dmar` is the whole table).
/// Without a DMAR, or if it is malformed, the machine runs without one.
pub fn init(dmar: Option<&[u8]>) {
    let Some(bytes) = dmar else {
        log::info!("iommu: none (no ACPI DMAR table): devices reach physical addresses");
        return;
    };
    let dmar = match Dmar::parse(bytes) {
        Ok(dmar) => dmar,
        Err(e) => {
            log::warn!("iommu: ACPI DMAR table: {e}; running without an IOMMU");
            return;
        }
    };
    let mut units = Vec::new();
    for unit in &dmar.units {
        match Unit::start(unit.registers, unit.segment, dmar.interrupt_remapping) {
            Ok(started) => {
                log::info!(
                    "iommu: VT-d unit at {:#x}: DMA remapping on ({}-bit domains{}), interrupt remapping {}",
                    unit.registers,
                    started.width.bits(),
                    if started.capability.caching_mode() { ", caching mode" } else { "" },
                    if started.remap_table.is_some() { "on" } else { "off" }
                );
                units.push(started);
            }
            Err(e) => log::warn!("iommu: VT-d unit at {:#x} not started: {e:?}", unit.registers),
        }
    }
    if units.len() == dmar.units.len() && !units.is_empty() {
        IOMMU.call_once(|| Iommu { dmar, units });
    } else {
        for unit in &units {
            unit.registers.stop();
        }
        log::warn!("iommu: not every unit started, so none is used; devices reach physical addresses");
    }
}

fn source_of(address: Address) -> SourceId {
    SourceId::new(address.bus, address.device, address.function)
}

/// The unit serving `address`, with its index.
fn unit_for(address: Address) -> Option<(usize, &'static Unit)> {
    let iommu = IOMMU.get()?;
    let index = iommu.dmar.unit_for(address.segment, source_of(address), &PciTopology)?;
    Some((index, iommu.units.get(index)?))
}

/// One device's DMA address space: the page table its context entry
/// names, and which of its addresses are in use. Dropping it removes the
/// context entry (the device's DMA faults from then on).
pub struct Domain {
    unit: &'static Unit,
    id: DomainId,
    source: SourceId,
    /// The page table and free addresses (taken when the domain goes).
    space: spin::Mutex<Option<(PageTable, IovaSpace)>>,
}

impl core::fmt::Debug for Domain {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Domain").field("id", &self.id).field("source", &self.source).finish_non_exhaustive()
    }
}

impl Domain {
    /// A new, empty address space for the function at `address`, installed
    /// in its unit: `Ok(None)` when no IOMMU serves it, `ENOSPC` without a
    /// free domain ID, `ENOMEM`, or `EIO` if the unit fails.
    pub fn attach(address: Address) -> Result<Option<Domain>> {
        let Some((_, unit)) = unit_for(address) else { return Ok(None) };
        let source = source_of(address);
        let mut state = unit.state.lock();
        let id = (1..unit.capability.domains().min(1 << 16))
            .map(|id| DomainId(id as u16))
            .find(|id| !state.domains.contains_key(id))
            .ok_or(Error::new(error::ENOSPC))?;
        let table = PageTable::new(&mut state.memory, unit.width).ok_or(Error::new(error::ENOMEM))?;
        let context_table = match state.context_tables.get(&source.bus()) {
            Some(&table) => table,
            None => {
                let Ok(new) = state.memory.zeroed(1) else {
                    table.destroy(&mut state.memory);
                    return Err(Error::new(error::ENOMEM));
                };
                state.context_tables.insert(source.bus(), new);
                let root = unit.registers.read64(offset::ROOT_TABLE) & !0xfff;
                state.memory.write_entry(root + u64::from(source.bus()) * 16, entry::root(new));
                new
            }
        };
        state
            .memory
            .write_entry(context_table + u64::from(source.devfn()) * 16, entry::context(table.root(), id, unit.width));
        state.domains.insert(id, source);
        if let Err(e) = state.invalidate(unit.registers, &[Descriptor::ContextCacheGlobal, Descriptor::IotlbDomain(id)])
        {
            state.memory.write_entry(context_table + u64::from(source.devfn()) * 16, [0, 0]);
            state.domains.remove(&id);
            table.destroy(&mut state.memory);
            return Err(e);
        }
        let space = IovaSpace::new(unit.width.bits().min(unit.capability.mgaw()));
        Ok(Some(Domain { unit, id, source, space: spin::Mutex::new(Some((table, space))) }))
    }

    /// Maps `pages` contiguous physical pages from `physical` at free
    /// device addresses ending below `below`; the first address.
    pub fn map(&self, physical: u64, pages: u64, below: u64) -> Result<u64> {
        let bytes = pages.checked_mul(FRAME_SIZE).ok_or(Error::new(error::EINVAL))?;
        let mut space = self.space.lock();
        let (table, addresses) = space.as_mut().ok_or(Error::new(error::EIO))?;
        let start = addresses.allocate(bytes, below).ok_or(Error::new(error::ENOMEM))?;
        let mut state = self.unit.state.lock();
        for page in 0..pages {
            let offset = page * FRAME_SIZE;
            if table.map(&mut state.memory, start + offset, physical + offset, Permissions::all()).is_err() {
                for done in 0..page {
                    table.unmap(&mut state.memory, start + done * FRAME_SIZE);
                }
                addresses.release(start, bytes);
                return Err(Error::new(error::ENOMEM));
            }
        }
        let flushed = state.invalidate(self.unit.registers, &[Descriptor::IotlbDomain(self.id)]);
        drop(state);
        flushed.map(|()| start)
    }

    /// Unmaps `pages` pages at device address `start` (from [`map`](Self::map));
    /// when this returns the device can no longer reach them.
    pub fn unmap(&self, start: u64, pages: u64) {
        let mut space = self.space.lock();
        let Some((table, addresses)) = space.as_mut() else { return };
        let mut state = self.unit.state.lock();
        for page in 0..pages {
            table.unmap(&mut state.memory, start + page * FRAME_SIZE);
        }
        if let Err(e) = state.invalidate(self.unit.registers, &[Descriptor::IotlbDomain(self.id)]) {
            log::warn!("iommu: domain {} of {}: invalidation after unmapping failed: {e:?}", self.id.0, self.source);
        }
        addresses.release(start, pages * FRAME_SIZE);
    }

    /// Removes the context entry: from now on every DMA of the device
    /// faults (a revoked context).
    pub fn block(&self) {
        let mut state = self.unit.state.lock();
        if let Some(&context_table) = state.context_tables.get(&self.source.bus()) {
            state.memory.write_entry(context_table + u64::from(self.source.devfn()) * 16, [0, 0]);
        }
        if let Err(e) =
            state.invalidate(self.unit.registers, &[Descriptor::ContextCacheGlobal, Descriptor::IotlbDomain(self.id)])
        {
            log::warn!("iommu: blocking {}: invalidation failed: {e:?}", self.source);
        }
    }
}

impl Drop for Domain {
    fn drop(&mut self) {
        self.block();
        let space = self.space.lock().take();
        let mut state = self.unit.state.lock();
        state.domains.remove(&self.id);
        if let Some((table, _)) = space {
            table.destroy(&mut state.memory);
        }
    }
}

/// An interrupt-remapping entry in use; dropping it clears the entry.
#[derive(Debug)]
pub struct RemapEntry {
    unit: usize,
    index: u16,
}

impl RemapEntry {
    /// An entry delivering `vector` to CPU `apic_id`, for the PCI function
    /// at `address` (which alone may use it). `Ok(None)` when interrupts
    /// are not remapped for it; `ENOSPC` when the table is full.
    pub fn for_function(address: Address, vector: u8, apic_id: u32) -> Result<Option<RemapEntry>> {
        let Some((unit, _)) = unit_for(address) else { return Ok(None) };
        let remap =
            Remap { vector, destination: apic_id, level: false, requester: Requester::Exactly(source_of(address)) };
        RemapEntry::install(unit, remap)
    }

    /// An entry for I/O APIC `io_apic_id`'s line (edge or `level`).
    pub fn for_io_apic(io_apic_id: u8, vector: u8, apic_id: u32, level: bool) -> Result<Option<RemapEntry>> {
        let Some(iommu) = IOMMU.get() else { return Ok(None) };
        let source = iommu.dmar.io_apic_source(io_apic_id, &PciTopology);
        let unit = source
            .and_then(|source| iommu.dmar.unit_for(0, source, &PciTopology))
            .or_else(|| iommu.units.iter().position(|unit| unit.segment == 0));
        let Some(unit) = unit else { return Ok(None) };
        let requester = source.map_or(Requester::Anyone, Requester::Exactly);
        RemapEntry::install(unit, Remap { vector, destination: apic_id, level, requester })
    }

    fn install(index_of_unit: usize, remap: Remap) -> Result<Option<RemapEntry>> {
        let Some(unit) = IOMMU.get().and_then(|iommu| iommu.units.get(index_of_unit)) else { return Ok(None) };
        let Some(table) = unit.remap_table else { return Ok(None) };
        let mut state = unit.state.lock();
        let (word, bit) = state
            .remap_used
            .iter()
            .enumerate()
            .find_map(|(word, bits)| (*bits != u64::MAX).then(|| (word, bits.trailing_ones() as usize)))
            .ok_or(Error::new(error::ENOSPC))?;
        state.remap_used[word] |= 1 << bit;
        let index = (word * 64 + bit) as u16;
        state.memory.write_entry(table + u64::from(index) * 16, remap.entry(false));
        state.invalidate(unit.registers, &[Descriptor::InterruptEntries(Some(index))])?;
        Ok(Some(RemapEntry { unit: index_of_unit, index }))
    }

    /// The entry's index (what the device or I/O APIC is told).
    pub fn index(&self) -> u16 {
        self.index
    }
}

impl Drop for RemapEntry {
    fn drop(&mut self) {
        let Some(unit) = IOMMU.get().and_then(|iommu| iommu.units.get(self.unit)) else { return };
        let Some(table) = unit.remap_table else { return };
        let mut state = unit.state.lock();
        state.memory.write_entry(table + u64::from(self.index) * 16, [0, 0]);
        state.remap_used[usize::from(self.index) / 64] &= !(1 << (self.index % 64));
        if let Err(e) = state.invalidate(unit.registers, &[Descriptor::InterruptEntries(Some(self.index))]) {
            log::warn!("iommu: clearing interrupt entry {}: {e:?}", self.index);
        }
    }
}

/// Interrupt handler part for [`VECTOR_FAULT`]: takes every unit's fault
/// records for later handling (`take_faults`).
pub fn fault_interrupt() {
    let Some(iommu) = IOMMU.get() else { return };
    for (index, unit) in iommu.units.iter().enumerate() {
        let found = clear_faults(unit.registers, unit.capability);
        unit.faults.fetch_add(found.len() as u64, Ordering::Relaxed);
        let mut pending = PENDING_FAULTS.lock();
        for fault in found {
            if pending.len() < MAX_PENDING_FAULTS {
                pending.push((index, fault));
            } else {
                LOST_FAULTS.fetch_add(1, Ordering::Relaxed);
            }
        }
        if !pending.is_empty() {
            FAULTS_PENDING.store(true, Ordering::Release);
        }
    }
}

/// A DMA or interrupt fault, as the handler found it.
pub struct Fault {
    /// The function that caused it.
    pub address: Address,
    pub record: FaultRecord,
}

/// The faults recorded since the last call.
pub fn take_faults() -> Vec<Fault> {
    if !FAULTS_PENDING.swap(false, Ordering::AcqRel) {
        return Vec::new();
    }
    let pending = core::mem::take(&mut *PENDING_FAULTS.lock());
    let Some(iommu) = IOMMU.get() else { return Vec::new() };
    pending
        .into_iter()
        .filter_map(|(unit, record)| {
            let segment = iommu.units.get(unit)?.segment;
            let source = record.source;
            let address =
                Address { segment, bus: source.bus(), device: source.devfn() >> 3, function: source.devfn() & 7 };
            Some(Fault { address, record })
        })
        .collect()
}

/// `/scheme/sys/iommu`: each unit, its domains, the interrupt-remapping
/// entries present in its table (as the unit reads them: `CPU/VECTOR`,
/// the requester allowed, edge or level) and its fault count.
pub fn render(text: &mut String) {
    let Some(iommu) = IOMMU.get() else {
        text.push_str("no IOMMU: devices reach physical addresses\n");
        return;
    };
    for (index, unit) in iommu.units.iter().enumerate() {
        let state = unit.state.lock();
        let _ = writeln!(
            text,
            "unit {index} at {:#x}: DMA remapping on, {}-bit domains, interrupt remapping {}, faults {}",
            unit.base,
            unit.width.bits(),
            if unit.remap_table.is_some() { "on" } else { "off" },
            unit.faults.load(Ordering::Relaxed)
        );
        for (id, source) in &state.domains {
            let _ = writeln!(text, "domain {} {source}", id.0);
        }
        let Some(table) = unit.remap_table else { continue };
        for entry_index in 0..REMAP_ENTRIES as u64 {
            let [low, high] = state.memory.read_entry(table + entry_index * 16);
            if low & 1 == 0 {
                continue;
            }
            let vector = (low >> 16) as u8;
            let apic = ((low >> 40) & 0xff) as u32;
            let cpu = percpu::online().iter().find(|cpu| cpu.apic_id.0 == apic).map_or(u32::MAX, |cpu| cpu.index.0);
            let requester =
                if high & (3 << 18) != 0 { alloc::format!("{}", SourceId(high as u16)) } else { String::from("any") };
            let trigger = if low & (1 << 4) != 0 { "level" } else { "edge" };
            let _ = writeln!(text, "remap {entry_index} {cpu}/{vector:#x} {requester} {trigger}");
        }
    }
    let _ = writeln!(text, "faults lost {}", LOST_FAULTS.load(Ordering::Relaxed));
}
