//! Device contexts (DESIGN.md §5): the capability a driver holds over one
//! PCI function. Opening `/scheme/pci/NAME/device` (root, read-write)
//! claims the function — one context per function at a time, `EBUSY`
//! otherwise — and gives a fd through which the driver:
//!
//! - reads and writes configuration space with `pread`/`pwrite`, except
//!   the BARs, the ROM BAR, the MSI and MSI-X capabilities and the
//!   bus-master bit of the command register (`EACCES`): those change only
//!   through the context;
//! - opens, relative to the context fd (`openat`), its resources:
//!   `barN` (a memory BAR mapped uncached with `mmap`, or an I/O BAR whose
//!   ports the holder may then use), `msi[@CPU]` and `msix/N[@CPU]` (an
//!   interrupt fd bound to a vector of CPU `CPU`, or of the CPU with the
//!   fewest vectors; the kernel writes the message to the function),
//!   `dma/BYTES[/BITS]` (physically contiguous memory the device reaches
//!   with BITS address bits, 64 by default: `mmap` it, `read` it for the
//!   address the device uses) and `control` (write `bus-master on`,
//!   `bus-master off` or `reset`).
//!
//! When the last fd of a context closes — its driver ended or died — the
//! function is revoked: bus mastering and message interrupts are turned
//! off before anyone may claim it again.
//!
//! Where an IOMMU serves the function (`crate::iommu`), the context owns
//! its DMA address space: a device address is an I/O virtual address
//! mapped only to the DMA memory the context allocated, and the
//! function's interrupts go through remapping entries only it may use. A
//! DMA fault revokes the context at once (its DMA blocked, bus mastering
//! off) and kills every process holding it ([`dma_fault`]). Without an
//! IOMMU a device address is a physical address (stated in the log at
//! the first claim).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use cairn_abi::{Error, Result, error};
use cairn_pci::bar::{Bar, BarKind};
use cairn_pci::capability::Kind;
use cairn_pci::enumerate::Function;
use cairn_pci::header::Layout;
use cairn_pci::{Address, ConfigSpace};
use cairn_physmem::FRAME_SIZE;

use crate::iommu::{self, Domain};
use crate::irq::{self, InterruptClaim, Placement, Source};
use crate::percpu::CpuIndex;
use crate::task::Tasks;

/// Command register: bus-master enable.
const COMMAND_BUS_MASTER: u32 = 1 << 2;
/// Command register: legacy INTx disable (set while messages are on).
const COMMAND_INTX_DISABLE: u32 = 1 << 10;
/// MSI control: enable.
const MSI_ENABLE: u16 = 1;
/// MSI-X control: enable, and mask every vector.
const MSIX_ENABLE: u16 = 1 << 15;
const MSIX_FUNCTION_MASK: u16 = 1 << 14;
/// Largest DMA buffer (physically contiguous): 4 MiB.
const MAX_DMA: u64 = 4 << 20;

/// Functions claimed by a context now, and the context.
static CLAIMED: spin::Mutex<BTreeMap<Address, Weak<DeviceContext>>> = spin::Mutex::new(BTreeMap::new());
static NO_IOMMU_LOGGED: AtomicBool = AtomicBool::new(false);

fn errno(code: i32) -> Error {
    Error::new(code)
}

/// One claimed PCI function.
#[derive(Debug)]
pub struct DeviceContext {
    pub function: Function,
    /// Who holds it, for logs and `/scheme/sys/interrupts`.
    pub holder: String,
    /// Whether its MSI (one vector) is bound.
    msi_in_use: AtomicBool,
    /// Its DMA address space, where an IOMMU serves it.
    domain: Option<Domain>,
    /// A DMA fault revoked it: its resources can no longer be opened.
    revoked: AtomicBool,
}

impl DeviceContext {
    /// Claims the function at `address` for `holder`: `ENOENT` if no such
    /// function was found at boot, `EBUSY` if another context holds it.
    pub fn claim(address: Address, holder: String) -> Result<Arc<DeviceContext>> {
        let function = crate::pci::function(address).ok_or(errno(error::ENOENT))?;
        let mut claimed = CLAIMED.lock();
        if claimed.contains_key(&address) {
            return Err(errno(error::EBUSY));
        }
        let domain = Domain::attach(address)?;
        if domain.is_none() && !NO_IOMMU_LOGGED.swap(true, Ordering::Relaxed) {
            log::info!("device: no IOMMU: devices reach physical addresses; a DMA address is a physical address");
        }
        log::info!("device {address}: claimed by {holder}");
        let context = Arc::new(DeviceContext {
            function,
            holder,
            msi_in_use: AtomicBool::new(false),
            domain,
            revoked: AtomicBool::new(false),
        });
        claimed.insert(address, Arc::downgrade(&context));
        Ok(context)
    }

    /// Makes `pages` contiguous physical pages from `physical` reachable by
    /// the device below device address `below`: mapped into its domain,
    /// or (without an IOMMU) at their physical address, which must then
    /// lie below `below` already.
    pub fn map_dma(context: &Arc<DeviceContext>, physical: u64, pages: u64, below: u64) -> Result<DmaMapping> {
        if context.revoked.load(Ordering::Acquire) {
            return Err(errno(error::EIO));
        }
        let device_address = match &context.domain {
            Some(domain) => domain.map(physical, pages, below)?,
            None => physical,
        };
        Ok(DmaMapping { context: context.clone(), device_address, pages })
    }

    /// Revokes the context after its device misbehaved: DMA blocked in
    /// the IOMMU, bus mastering and message interrupts off, and no more
    /// resources opened through it. False if it was revoked already.
    fn revoke(&self) -> bool {
        if self.revoked.swap(true, Ordering::AcqRel) {
            return false;
        }
        self.disable_messages();
        self.stop_dma();
        if let Some(domain) = &self.domain {
            domain.block();
        }
        true
    }

    pub fn address(&self) -> Address {
        self.function.address
    }

    fn read32(&self, offset: u16) -> u32 {
        crate::pci::config().map_or(u32::MAX, |c| c.read(self.address(), offset))
    }

    fn write32(&self, offset: u16, value: u32) {
        if let Some(config) = crate::pci::config() {
            config.write(self.address(), offset, value);
        }
    }

    fn read16(&self, offset: u16) -> u16 {
        (self.read32(offset & !3) >> ((offset & 2) * 8)) as u16
    }

    fn write16(&self, offset: u16, value: u16) {
        let shift = (offset & 2) * 8;
        let old = self.read32(offset & !3) & !(0xffff << shift);
        self.write32(offset & !3, old | (u32::from(value) << shift));
    }

    /// Bytes of configuration space.
    pub fn config_size(&self) -> u16 {
        crate::pci::config().map_or(0, |c| c.size())
    }

    /// Reads `len` bytes of configuration space from `offset` (clipped to
    /// its end).
    pub fn read_config(&self, offset: u64, len: usize) -> Vec<u8> {
        let size = u64::from(self.config_size());
        let end = offset.saturating_add(len as u64).min(size);
        (offset.min(end)..end).map(|at| (self.read32(at as u16 & !3) >> ((at & 3) * 8)) as u8).collect()
    }

    /// Whether configuration byte `at` belongs to what only the context
    /// changes: the BARs, the ROM BAR, the MSI and MSI-X capabilities —
    /// and on a bridge its routing (bus numbers, I/O and memory windows,
    /// bytes 0x18-0x2f) and bridge control (0x3e-0x3f: secondary bus
    /// reset), which the devices behind it depend on.
    fn protected(&self, at: u16) -> bool {
        let layout = self.function.header.layout;
        let bars = 0x10..0x10 + 4 * u16::from(layout.bar_count());
        let rom = layout.rom_offset().map(|rom| rom..rom + 4);
        if bars.contains(&at) || rom.is_some_and(|rom| rom.contains(&at)) {
            return true;
        }
        if self.is_bridge() && ((0x18..0x30).contains(&at) || (0x3e..0x40).contains(&at)) {
            return true;
        }
        self.function.capabilities.iter().any(|capability| {
            let len = match capability.kind {
                Kind::Msi { address_64, per_vector_mask, .. } => {
                    10 + if address_64 { 4 } else { 0 } + if per_vector_mask { 10 } else { 0 }
                }
                Kind::MsiX { .. } => 12,
                _ => 0,
            };
            (capability.offset..capability.offset + len).contains(&at)
        })
    }

    /// Writes `bytes` to configuration space at `offset`: `EINVAL` past its
    /// end, `EACCES` for a protected byte or a change of the bus-master bit.
    pub fn write_config(&self, offset: u64, bytes: &[u8]) -> Result<usize> {
        let end = offset.checked_add(bytes.len() as u64).ok_or(errno(error::EINVAL))?;
        if end > u64::from(self.config_size()) {
            return Err(errno(error::EINVAL));
        }
        let (offset, end) = (offset as u16, end as u16);
        if (offset..end).any(|at| self.protected(at)) {
            return Err(errno(error::EACCES));
        }
        let command_byte = 0x04;
        if (offset..end).contains(&command_byte) {
            let wanted = u32::from(bytes[usize::from(command_byte - offset)]);
            if (wanted ^ self.read32(0x04)) & COMMAND_BUS_MASTER != 0 {
                return Err(errno(error::EACCES));
            }
        }
        for (at, byte) in (offset..end).zip(bytes) {
            let shift = (at & 3) * 8;
            let old = self.read32(at & !3) & !(0xff << shift);
            self.write32(at & !3, old | (u32::from(*byte) << shift));
        }
        Ok(bytes.len())
    }

    /// Whether the function is a PCI-to-PCI bridge (a PCI Express root or
    /// downstream port): its bus mastering also forwards the DMA of every
    /// device behind it, and a reset would reset them all, so turning it
    /// off or resetting it is not the business of the bridge's holder (a
    /// hot-plug driver, which only needs it on for its own interrupts).
    pub fn is_bridge(&self) -> bool {
        self.function.header.layout == Layout::Bridge
    }

    /// Turns bus mastering (the device's DMA and message interrupts) on or
    /// off; turning a bridge's off ([`Self::is_bridge`]) is `EINVAL`.
    pub fn set_bus_master(&self, on: bool) -> Result<()> {
        if self.is_bridge() && !on {
            return Err(errno(error::EINVAL));
        }
        self.write_bus_master(on);
        Ok(())
    }

    /// Stops the function's own DMA (revocation): bus mastering off, except
    /// on a bridge, whose bus mastering belongs to the devices behind it.
    fn stop_dma(&self) {
        if !self.is_bridge() {
            self.write_bus_master(false);
        }
    }

    fn write_bus_master(&self, on: bool) {
        let command = self.read32(0x04) & 0xffff;
        self.write16(0x04, (if on { command | COMMAND_BUS_MASTER } else { command & !COMMAND_BUS_MASTER }) as u16);
    }

    /// Resets the function: a function-level reset where its PCI Express
    /// capability offers one, else bus mastering off and a power cycle
    /// D3hot → D0 through power management. Returns how long (µs) the
    /// caller must wait before touching it (100 ms for FLR, 10 ms for
    /// D3hot); `ENODEV` if it can do neither.
    pub fn reset(&self) -> Result<u64> {
        if self.is_bridge() {
            return Err(errno(error::EINVAL));
        }
        self.disable_messages();
        self.stop_dma();
        for capability in &self.function.capabilities {
            if let Kind::PciExpress { .. } = capability.kind
                && self.read32(capability.offset + 4) & (1 << 28) != 0
            {
                let control = self.read16(capability.offset + 8);
                self.write16(capability.offset + 8, control | (1 << 15));
                return Ok(100_000);
            }
        }
        for capability in &self.function.capabilities {
            if let Kind::PowerManagement { .. } = capability.kind {
                let status = self.read16(capability.offset + 4);
                self.write16(capability.offset + 4, (status & !3) | 3);
                self.write16(capability.offset + 4, status & !3);
                return Ok(10_000);
            }
        }
        Err(errno(error::ENODEV))
    }

    /// Message interrupts off: MSI disabled, MSI-X disabled and masked.
    fn disable_messages(&self) {
        for capability in &self.function.capabilities {
            match capability.kind {
                Kind::Msi { .. } => {
                    let control = self.read16(capability.offset + 2);
                    self.write16(capability.offset + 2, control & !MSI_ENABLE);
                }
                Kind::MsiX { .. } => {
                    let control = self.read16(capability.offset + 2);
                    self.write16(capability.offset + 2, (control & !MSIX_ENABLE) | MSIX_FUNCTION_MASK);
                }
                _ => {}
            }
        }
    }

    /// BAR `index` as the boot-time probe found it.
    pub fn bar(&self, index: u8) -> Result<Bar> {
        let bar = self.function.resources.bars.iter().find(|bar| bar.index == index).ok_or(errno(error::ENOENT))?;
        if bar.address == 0 || bar.size == 0 {
            return Err(errno(error::ENXIO));
        }
        Ok(*bar)
    }

    /// Binds a vector for the function's MSI (`entry` None) or MSI-X entry
    /// `entry`, placed by `placement`, and writes its message to the
    /// function; the returned claim masks the message again when dropped.
    /// `opener` names the process binding it, for `/scheme/sys/interrupts`.
    pub fn interrupt(
        self: &Arc<Self>,
        entry: Option<u16>,
        placement: Placement,
        opener: &str,
    ) -> Result<InterruptClaim> {
        let capability = self
            .function
            .capabilities
            .iter()
            .find(|c| matches!((entry, c.kind), (None, Kind::Msi { .. }) | (Some(_), Kind::MsiX { .. })))
            .copied()
            .ok_or(errno(error::ENODEV))?;
        let entry_slot = match (entry, capability.kind) {
            (Some(entry), Kind::MsiX { table_size, table_bar, table_offset, .. }) => {
                if entry >= table_size {
                    return Err(errno(error::EINVAL));
                }
                let bar = self.bar(table_bar)?;
                let at = bar.address + u64::from(table_offset) + u64::from(entry) * 16;
                if matches!(bar.kind, BarKind::Io) || at + 16 > bar.address + bar.size {
                    return Err(errno(error::EIO));
                }
                Some(crate::mm::mmio(at).map_err(|_| errno(error::ENOMEM))?)
            }
            _ => None,
        };
        if entry.is_none() && self.msi_in_use.swap(true, Ordering::AcqRel) {
            return Err(errno(error::EBUSY));
        }
        let mut claim = match irq::allocate(placement, Source::Message { entry: entry.unwrap_or(0) }) {
            Ok(claim) => claim,
            Err(e) => {
                if entry.is_none() {
                    self.msi_in_use.store(false, Ordering::Release);
                }
                return Err(e);
            }
        };
        claim.set_owner(&alloc::format!("{} {opener}", self.address()));
        let (address, data) = match claim.bind_message(self.address()) {
            Ok(message) => message,
            Err(e) => {
                if entry.is_none() {
                    self.msi_in_use.store(false, Ordering::Release);
                }
                return Err(e);
            }
        };
        let offset = capability.offset;
        match entry_slot {
            Some(slot) => {
                // SAFETY: `slot` maps the 16-byte MSI-X table entry inside the
                // function's BAR, uncached (`mm::mmio`).
                unsafe {
                    slot.write_volatile(address as u32);
                    slot.add(1).write_volatile((address >> 32) as u32);
                    slot.add(2).write_volatile(data);
                    slot.add(3).write_volatile(0);
                }
                let control = self.read16(offset + 2);
                self.write16(offset + 2, (control | MSIX_ENABLE) & !MSIX_FUNCTION_MASK);
                let mask = SendPointer(slot);
                claim.on_release(alloc::boxed::Box::new(move || mask.mask_entry()));
            }
            None => {
                let Kind::Msi { address_64, .. } = capability.kind else { return Err(errno(error::ENODEV)) };
                self.write32(offset + 4, address as u32);
                let data_at = if address_64 {
                    self.write32(offset + 8, (address >> 32) as u32);
                    offset + 12
                } else {
                    offset + 8
                };
                self.write16(data_at, data as u16);
                let control = self.read16(offset + 2);
                self.write16(offset + 2, (control & !(0b111 << 4)) | MSI_ENABLE);
                let context = self.clone();
                claim.on_release(alloc::boxed::Box::new(move || {
                    let control = context.read16(offset + 2);
                    context.write16(offset + 2, control & !MSI_ENABLE);
                    context.msi_in_use.store(false, Ordering::Release);
                }));
            }
        }
        let command = self.read32(0x04) & 0xffff;
        self.write16(0x04, (command | COMMAND_INTX_DISABLE) as u16);
        Ok(claim)
    }
}

/// An MSI-X table entry's kernel address, sent to the release hook.
struct SendPointer(*mut u32);

impl SendPointer {
    /// Sets the entry's vector-control mask bit.
    fn mask_entry(&self) {
        // SAFETY: the pointer is an MSI-X table entry mapped uncached into
        // the kernel half (`mm::mmio`), which stays mapped.
        unsafe { self.0.add(3).write_volatile(1) };
    }
}

// SAFETY: the pointer names device memory mapped into the kernel half,
// the same on every CPU, and is only written (under the big kernel lock).
unsafe impl Send for SendPointer {}
// SAFETY: as above.
unsafe impl Sync for SendPointer {}

impl Drop for DeviceContext {
    /// Revocation: bus mastering and message interrupts off, then the
    /// function may be claimed again.
    fn drop(&mut self) {
        self.disable_messages();
        self.stop_dma();
        self.domain = None;
        CLAIMED.lock().remove(&self.address());
        log::info!("device {}: released by {}", self.address(), self.holder);
    }
}

/// A resource opened relative to a device context.
pub enum Resource {
    /// A memory BAR: physical base and length, mapped uncached.
    Memory {
        base: u64,
        size: u64,
    },
    /// An I/O BAR: its first port and count.
    Ports {
        first: u16,
        count: u16,
    },
    Interrupt(InterruptClaim),
    /// DMA memory of `bytes` (a multiple of the page size), ending below
    /// physical address `below` (what the device can address).
    Dma {
        bytes: u64,
        below: u64,
    },
    Control,
}

/// Parses `CPU` of `NAME@CPU`.
fn placement(text: Option<&str>) -> Result<Placement> {
    match text {
        None => Ok(Placement::Spread),
        Some(cpu) => cpu.parse::<u32>().map(|cpu| Placement::Pinned(CpuIndex(cpu))).map_err(|_| errno(error::EINVAL)),
    }
}

/// What `path` (relative to a context) names: `barN`, `msi[@CPU]`,
/// `msix/N[@CPU]`, `dma/BYTES[/BITS]`, `control`. `ENOENT` for anything else,
/// `EIO` once the context is revoked. `opener` names the process opening it.
pub fn open(context: &Arc<DeviceContext>, path: &str, opener: &str) -> Result<Resource> {
    if context.revoked.load(Ordering::Acquire) {
        return Err(errno(error::EIO));
    }
    let path = path.trim_matches('/');
    let (name, cpu) = match path.split_once('@') {
        Some((name, cpu)) => (name, Some(cpu)),
        None => (path, None),
    };
    if let Some(index) = name.strip_prefix("bar") {
        let index: u8 = index.parse().map_err(|_| errno(error::ENOENT))?;
        let bar = context.bar(index)?;
        return Ok(match bar.kind {
            BarKind::Io => Resource::Ports {
                first: u16::try_from(bar.address).map_err(|_| errno(error::EIO))?,
                count: u16::try_from(bar.size).map_err(|_| errno(error::EIO))?,
            },
            _ => Resource::Memory { base: bar.address, size: bar.size.next_multiple_of(FRAME_SIZE) },
        });
    }
    if name == "msi" {
        return context.interrupt(None, placement(cpu)?, opener).map(Resource::Interrupt);
    }
    if let Some(entry) = name.strip_prefix("msix/") {
        let entry: u16 = entry.parse().map_err(|_| errno(error::ENOENT))?;
        return context.interrupt(Some(entry), placement(cpu)?, opener).map(Resource::Interrupt);
    }
    if let Some(spec) = name.strip_prefix("dma/") {
        let (bytes, bits) = spec.split_once('/').unwrap_or((spec, "64"));
        let bytes: u64 = bytes.parse().map_err(|_| errno(error::EINVAL))?;
        let bits: u32 = bits.parse().map_err(|_| errno(error::EINVAL))?;
        if bytes == 0 || bytes > MAX_DMA || !(20..=64).contains(&bits) {
            return Err(errno(error::EINVAL));
        }
        let below = if bits == 64 { u64::MAX } else { 1 << bits };
        return Ok(Resource::Dma { bytes: bytes.next_multiple_of(FRAME_SIZE), below });
    }
    match name {
        "control" if cpu.is_none() => Ok(Resource::Control),
        _ => Err(errno(error::ENOENT)),
    }
}

/// DMA memory as its device reaches it; dropping it unmaps the memory
/// from the device's domain (so the pages may be freed after).
#[derive(Debug)]
pub struct DmaMapping {
    context: Arc<DeviceContext>,
    device_address: u64,
    pages: u64,
}

impl DmaMapping {
    /// The address the device uses.
    pub fn device_address(&self) -> u64 {
        self.device_address
    }

    pub fn context(&self) -> &Arc<DeviceContext> {
        &self.context
    }
}

impl Drop for DmaMapping {
    fn drop(&mut self) {
        if let Some(domain) = &self.context.domain {
            domain.unmap(self.device_address, self.pages);
        }
    }
}

/// Whether the context's device addresses are translated by an IOMMU
/// (so DMA memory may lie anywhere in physical memory).
pub fn translated(context: &DeviceContext) -> bool {
    context.domain.is_some()
}

/// Faults of unclaimed functions logged (then no more: a device nobody
/// drives cannot be stopped by killing its driver).
static UNCLAIMED_FAULTS_LOGGED: AtomicU64 = AtomicU64::new(0);
const MAX_UNCLAIMED_FAULTS_LOGGED: u64 = 16;

/// Handles an IOMMU fault: logs it with the device and address; if a
/// context holds the function, revokes it and kills every process holding
/// it or one of its resources. The rest of the system carries on.
pub fn dma_fault(tasks: &mut Tasks, fault: &iommu::Fault) {
    let record = &fault.record;
    let kind = if record.is_interrupt() { "interrupt" } else { "DMA" };
    let access = match record.access {
        cairn_vtd::registers::Access::Read => "read",
        cairn_vtd::registers::Access::Write => "write",
    };
    let context = CLAIMED.lock().get(&fault.address).and_then(Weak::upgrade);
    let Some(context) = context else {
        if UNCLAIMED_FAULTS_LOGGED.fetch_add(1, Ordering::Relaxed) >= MAX_UNCLAIMED_FAULTS_LOGGED {
            return;
        }
        log::warn!(
            "iommu: {kind} fault: unclaimed device {} {access} at {:#x}: {}",
            fault.address,
            record.address,
            record.reason_text()
        );
        return;
    };
    if !context.revoke() {
        return;
    }
    log::warn!(
        "iommu: {kind} fault: device {} (held by {}) {access} at {:#x}: {}; revoking it and killing its driver",
        fault.address,
        context.holder,
        record.address,
        record.reason_text()
    );
    let holders: Vec<crate::task::Pid> = tasks
        .processes
        .iter()
        .filter(|(_, process)| {
            process.fds.holds(|object| object.device_context().is_some_and(|held| Arc::ptr_eq(held, &context)))
        })
        .map(|(pid, _)| *pid)
        .collect();
    for pid in holders {
        log::warn!("iommu: killing pid {pid}, which holds {}", fault.address);
        crate::task::signal::send_to_process(tasks, pid, cairn_abi::signal::SIGKILL);
    }
}
