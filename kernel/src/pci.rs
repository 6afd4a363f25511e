//! PCI(e) configuration space, owned by the kernel: how it is reached (ECAM
//! from the ACPI MCFG table, else configuration mechanism #1 on ports
//! 0xCF8/0xCFC), the boot-time walk of every bus (the logic is in
//! `cairn-pci`), and what `/scheme/pci` serves from it.
//!
//! Later device contexts filter configuration writes, so nothing else may
//! reach configuration space: the `ioport` scheme refuses 0xCF8-0xCFF, and
//! the ECAM window is never mapped into user space.
//!
//! `/scheme/pci` is a directory of functions, each named `SSSS-BB-DD.F`
//! ([`Address::file_name`]); each holds `info` (the text form of
//! `cairn_pci::text`) and `config` (the raw configuration space, 256 or 4096
//! bytes, read when opened; root only). Everything is read-only.

use alloc::string::String;
use alloc::vec::Vec;

use cairn_pci::enumerate::{self, Function};
use cairn_pci::{Address, CONFIG_SIZE, ConfigSpace, EXTENDED_CONFIG_SIZE};
use x86_64::instructions::port::Port;
use x86_64::structures::paging::PageTableFlags;

use crate::mm::{self, paging};

/// One ECAM window of the MCFG table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EcamRegion {
    pub base: u64,
    pub segment: u16,
    pub first_bus: u8,
    pub last_bus: u8,
}

impl EcamRegion {
    /// Bytes the window spans (1 MiB per bus).
    fn len(&self) -> u64 {
        (u64::from(self.last_bus) - u64::from(self.first_bus) + 1) << 20
    }

    /// Why the window cannot be used: misaligned, an empty bus range, or not
    /// wholly inside the uncached part of the kernel's direct map.
    fn check(&self) -> Result<(), &'static str> {
        if self.first_bus > self.last_bus {
            return Err("its bus range is empty");
        }
        if !self.base.is_multiple_of(1 << 20) {
            return Err("its base is not 1 MiB aligned");
        }
        let end = self.base.checked_add(self.len()).ok_or("it wraps around")?;
        let mut at = self.base;
        while at < end {
            match paging::translate(x86_64::VirtAddr::new(mm::phys_to_virt(at) as u64)) {
                Some((phys, flags)) if phys == at && flags.contains(PageTableFlags::NO_CACHE) => {}
                _ => return Err("it is not in the uncached direct map"),
            }
            at += 2 << 20;
        }
        Ok(())
    }
}

/// ECAM: each function's 4096 bytes, memory-mapped.
struct Ecam(EcamRegion);

impl Ecam {
    fn pointer(&self, address: Address, offset: u16) -> Option<*mut u32> {
        let region = self.0;
        if address.segment != region.segment || !(region.first_bus..=region.last_bus).contains(&address.bus) {
            return None;
        }
        let within = (u64::from(address.bus - region.first_bus) << 20)
            | (u64::from(address.device) << 15)
            | (u64::from(address.function) << 12)
            | u64::from(offset & 0xffc);
        Some(mm::phys_to_virt(region.base + within).cast::<u32>())
    }
}

/// Configuration mechanism #1: an address written to 0xCF8, then the dword
/// read or written at 0xCFC. The two steps happen under one lock.
struct Mechanism1;

const CONFIG_ADDRESS: u16 = 0xcf8;
const CONFIG_DATA: u16 = 0xcfc;
/// The ports of mechanism #1, which no user process may be given.
pub const CONFIG_PORTS: core::ops::RangeInclusive<u16> = 0xcf8..=0xcff;

static MECHANISM1_LOCK: spin::Mutex<()> = spin::Mutex::new(());

impl Mechanism1 {
    /// Whether the chipset answers mechanism #1: the address register
    /// keeps its enable bit.
    fn present() -> bool {
        let _guard = MECHANISM1_LOCK.lock();
        let mut address = Port::<u32>::new(CONFIG_ADDRESS);
        // SAFETY: 0xCF8 is the PCI configuration address register on every
        // PC chipset; writing and reading it back has no other effect.
        unsafe {
            let saved = address.read();
            address.write(0x8000_0000);
            let answered = address.read() == 0x8000_0000;
            address.write(saved);
            answered
        }
    }

    fn select(address: Address, offset: u16) -> u32 {
        0x8000_0000
            | u32::from(address.bus) << 16
            | u32::from(address.device) << 11
            | u32::from(address.function) << 8
            | u32::from(offset & 0xfc)
    }
}

/// How configuration space is reached.
enum Access {
    Ecam(Ecam),
    Mechanism1,
}

impl ConfigSpace for Access {
    fn read(&self, address: Address, offset: u16) -> u32 {
        match self {
            Access::Ecam(ecam) => match ecam.pointer(address, offset) {
                // SAFETY: `EcamRegion::check` found the window inside the
                // uncached direct map, and `pointer` stays inside it.
                Some(pointer) => unsafe { pointer.read_volatile() },
                None => u32::MAX,
            },
            Access::Mechanism1 if address.segment != 0 || offset >= CONFIG_SIZE => u32::MAX,
            Access::Mechanism1 => {
                let _guard = MECHANISM1_LOCK.lock();
                // SAFETY: mechanism #1 was found present; the lock keeps the
                // address and data steps together.
                unsafe {
                    Port::<u32>::new(CONFIG_ADDRESS).write(Mechanism1::select(address, offset));
                    Port::<u32>::new(CONFIG_DATA).read()
                }
            }
        }
    }

    fn write(&self, address: Address, offset: u16, value: u32) {
        match self {
            Access::Ecam(ecam) => {
                if let Some(pointer) = ecam.pointer(address, offset) {
                    // SAFETY: as in `read`.
                    unsafe { pointer.write_volatile(value) }
                }
            }
            Access::Mechanism1 if address.segment != 0 || offset >= CONFIG_SIZE => {}
            Access::Mechanism1 => {
                let _guard = MECHANISM1_LOCK.lock();
                // SAFETY: as in `read`.
                unsafe {
                    Port::<u32>::new(CONFIG_ADDRESS).write(Mechanism1::select(address, offset));
                    Port::<u32>::new(CONFIG_DATA).write(value);
                }
            }
        }
    }

    fn size(&self) -> u16 {
        match self {
            Access::Ecam(_) => EXTENDED_CONFIG_SIZE,
            Access::Mechanism1 => CONFIG_SIZE,
        }
    }
}

/// What the boot-time walk found.
struct Pci {
    access: Access,
    functions: Vec<Function>,
}

static PCI: spin::Once<Pci> = spin::Once::new();

/// Picks the access method (the MCFG's window for segment 0 when it is
/// usable, else mechanism #1), walks every bus and logs what it found.
/// Call once, at boot, before any driver runs.
pub fn init(ecam: &[EcamRegion]) {
    let usable: Vec<EcamRegion> = ecam
        .iter()
        .copied()
        .filter(|region| {
            if region.segment != 0 {
                log::warn!("pci: ignoring the ECAM window of segment {} (only segment 0 is walked)", region.segment);
                return false;
            }
            match region.check() {
                Ok(()) => true,
                Err(why) => {
                    log::warn!("pci: ignoring the ECAM window at {:#x}: {why}", region.base);
                    false
                }
            }
        })
        .collect();
    let (access, buses) = match usable.first() {
        Some(region) => (Access::Ecam(Ecam(*region)), region.first_bus..=region.last_bus),
        None if Mechanism1::present() => (Access::Mechanism1, 0..=255),
        None => {
            log::info!("pci: no ECAM window and no configuration mechanism #1: no PCI");
            return;
        }
    };
    let functions = enumerate::walk(&access, 0, buses.clone());
    for function in &functions {
        let h = &function.header;
        log::info!(
            "pci {}: [{:04x}:{:04x}] type {:02x} class {:02x}{:02x}{:02x}",
            function.address,
            h.vendor,
            h.device,
            h.layout.number(),
            h.class.class,
            h.class.subclass,
            h.class.prog_if
        );
        for problem in &function.problems {
            log::warn!("pci {}: {problem}", function.address);
        }
    }
    match &access {
        Access::Ecam(Ecam(region)) => log::info!(
            "pci: {} functions through ECAM at {:#x} (buses {:#04x}-{:#04x})",
            functions.len(),
            region.base,
            buses.start(),
            buses.end()
        ),
        Access::Mechanism1 => log::info!("pci: {} functions through configuration mechanism #1", functions.len()),
    }
    PCI.call_once(|| Pci { access, functions });
}

/// The function at `address` as the boot-time walk found it.
pub fn function(address: Address) -> Option<Function> {
    PCI.get()?.functions.iter().find(|f| f.address == address).cloned()
}

/// Configuration space, for device contexts (`crate::device`).
pub fn config() -> Option<&'static impl ConfigSpace> {
    PCI.get().map(|pci| &pci.access)
}

/// After a function reset: writes back what the boot walk found and the
/// reset cleared (a function-level reset zeroes the BARs and the command
/// register, as Linux's `pci_restore_state` knows): every BAR's address and
/// the command register's I/O and memory decoding. Bus mastering stays off
/// (its driver turns it on through its device context).
pub fn restore_after_reset(function: &Function) {
    const DECODING: u32 = 0b11;
    let Some(config) = config() else { return };
    let address = function.address;
    for bar in &function.resources.bars {
        let offset = 0x10 + 4 * u16::from(bar.index);
        config.write(address, offset, bar.address as u32);
        if let cairn_pci::bar::BarKind::Memory64 { .. } = bar.kind {
            config.write(address, offset + 4, (bar.address >> 32) as u32);
        }
    }
    // The status half is written as zeros: its bits are cleared by ones.
    let command = config.read(address, 0x04) & 0xffff;
    config.write(address, 0x04, (command & !DECODING) | (u32::from(function.header.command) & DECODING));
}

/// A node of `/scheme/pci`.
pub enum Node {
    /// The top directory: the functions' names.
    Root(Vec<String>),
    /// A function's directory: its absolute path.
    Function(String),
    /// A function's `info` text.
    Info(String),
    /// A function's raw configuration space.
    Config(Vec<u8>),
}

/// The files of a function's directory.
pub const FUNCTION_FILES: [&str; 3] = ["info", "config", "device"];

/// What `path` (inside `/scheme/pci`, without leading slashes) names.
pub fn lookup(path: &str) -> Option<Node> {
    let pci = PCI.get();
    let functions = pci.map_or(&[][..], |pci| &pci.functions[..]);
    let path = path.trim_matches('/');
    if path.is_empty() {
        return Some(Node::Root(functions.iter().map(|f| alloc::format!("{}", f.address.file_name())).collect()));
    }
    let (name, file) = path.split_once('/').unwrap_or((path, ""));
    let address = Address::parse_file_name(name)?;
    let function = functions.iter().find(|f| f.address == address)?;
    match file {
        "" => Some(Node::Function(alloc::format!("/scheme/pci/{}", address.file_name()))),
        "info" => {
            let mut text = String::new();
            cairn_pci::text::write(&mut text, function).ok()?;
            Some(Node::Info(text))
        }
        "config" => {
            let access = &pci?.access;
            let bytes = (0..access.size()).step_by(4).flat_map(|at| access.read(address, at).to_le_bytes()).collect();
            Some(Node::Config(bytes))
        }
        _ => None,
    }
}
