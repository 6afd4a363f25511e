//! `cairn-driver`: what every PCI driver on Cairn does, once, so that a
//! driver stays small (DRIVERS.md). A [`Device`] is a claimed PCI function
//! (its device context, `/scheme/pci/NAME/device`); from it a driver maps
//! a BAR as [`Registers`], takes [`DmaBuffer`]s, binds [`Interrupt`]s
//! (MSI or MSI-X, on a chosen CPU or spread), switches bus mastering and
//! resets the function. Errors are the kernel's, with what was being done.
//! [`Driven::device`] finds the function a driver serves and its scheme
//! (handed over by `devd`, or claimed when run by hand).
//!
//! Depends on `cairn-rt`, and on `cairn-devconf` for [`Match`].
#![no_std]

use cairn_rt::error::Error;
use cairn_rt::fs::{File, OpenOptions};
use cairn_rt::io::{Read, Write};
use cairn_rt::process::TaskHandle;
use cairn_rt::sys::{MapFlags, mmap};
use cairn_rt::{String, Vec, format};

/// A failed step: what was being done, and the kernel's error.
#[derive(Debug)]
pub struct Failure {
    pub doing: String,
    pub error: Error,
}

impl core::fmt::Display for Failure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.doing, self.error)
    }
}

pub type Result<T> = core::result::Result<T, Failure>;

/// Attaches what was being done to an error.
fn doing<T>(what: impl FnOnce() -> String, result: cairn_rt::Result<T>) -> Result<T> {
    result.map_err(|error| Failure { doing: what(), error })
}

pub use cairn_devconf::Match;

/// Every function under `/scheme/pci` (`SSSS-BB-DD.F`, in bus order) with
/// its configuration bytes 0-11 (IDs, command, status, revision, class
/// code), what [`Match::accepts`] looks at. Functions whose configuration
/// cannot be read (a caller other than root) are left out.
pub fn functions() -> Result<Vec<(String, [u8; 12])>> {
    let entries = doing(|| String::from("list /scheme/pci"), cairn_rt::fs::read_dir("/scheme/pci"))?;
    Ok(entries
        .into_iter()
        .filter_map(|(name, _)| {
            let mut header = [0u8; 12];
            let read = File::open(&format!("/scheme/pci/{name}/config")).and_then(|mut c| c.read_exact(&mut header));
            read.ok().map(|()| (name, header))
        })
        .collect())
}

/// The names of the functions `wanted` selects, in bus order.
pub fn find(wanted: Match) -> Result<Vec<String>> {
    Ok(functions()?.into_iter().filter(|(_, header)| wanted.accepts(header)).map(|(name, _)| name).collect())
}

/// What a driver drives: the functions it takes, what they are called in
/// messages, and the prefix of the schemes it serves them as.
pub struct Driven<'a> {
    /// The functions it takes; their names sorted (bus order) number them.
    pub matches: &'a [Match],
    /// One of them in messages, with and without its article:
    /// `("an", "NVMe controller")`.
    pub article: &'a str,
    pub noun: &'a str,
    /// The schemes' prefix: function N in bus order is `PREFIXN`.
    pub scheme_prefix: &'a str,
}

/// The function a driver serves, the name of its scheme, and the scheme's
/// server if `devd` registered it.
pub type Served = (Device, String, Option<cairn_rt::scheme::Server>);

impl Driven<'_> {
    /// The names of the functions the driver takes, in bus order.
    pub fn functions(&self) -> core::result::Result<Vec<String>, String> {
        let mut found = Vec::new();
        for wanted in self.matches {
            found.extend(find(*wanted).map_err(|e| format!("{e}"))?);
        }
        found.sort();
        Ok(found)
    }

    /// The device and scheme `devd` handed over (fds 3 and 4), or else,
    /// for a driver run by hand, `function` (by default the first one the
    /// driver takes) claimed, and the name of its scheme: `PREFIXN`, N
    /// its place among the functions the driver takes.
    pub fn device(&self, function: Option<&str>) -> core::result::Result<Served, String> {
        if let Some(device) = Device::inherited() {
            let device = device.map_err(|e| format!("{e}"))?;
            let (name, server) = inherited_scheme().ok_or_else(|| {
                format!("devd started the driver without a scheme (devd.conf needs `serve {}`)", self.scheme_prefix)
            })?;
            return Ok((device, name, Some(server)));
        }
        let found = self.functions()?;
        let function = match function {
            Some(function) => function,
            None => found.first().ok_or_else(|| format!("no {}", self.noun))?,
        };
        let number = found
            .iter()
            .position(|f| f == function)
            .ok_or_else(|| format!("{function} is not {} {}", self.article, self.noun))?;
        let device = Device::claim(function).map_err(|e| format!("{e}"))?;
        Ok((device, format!("{}{number}", self.scheme_prefix), None))
    }
}

/// The fd at which a driver started by `devd` finds its device context.
pub const INHERITED_CONTEXT: usize = 3;
/// The fd at which a driver started by `devd` for an entry with `serve`
/// finds the endpoint of the scheme devd registered for it.
pub const INHERITED_SCHEME: usize = 4;

/// The scheme `devd` registered for this driver (`serve` in devd.conf):
/// its name (`CAIRN_SCHEME`) and a server on its endpoint (fd 4), if it
/// did.
pub fn inherited_scheme() -> Option<(String, cairn_rt::scheme::Server)> {
    let name = cairn_rt::env::var("CAIRN_SCHEME").ok()?;
    // SAFETY: devd hands the endpoint over as fd 4 and nothing else in
    // this process owns that fd.
    let endpoint = unsafe { cairn_rt::fd::OwnedFd::from_raw(INHERITED_SCHEME) };
    Some((name, cairn_rt::scheme::Server::from_endpoint(endpoint)))
}

/// A claimed PCI function.
pub struct Device {
    name: String,
    context: File,
    control: File,
}

/// Where an interrupt goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cpu {
    /// The CPU with the fewest device vectors.
    Any,
    /// This CPU.
    Number(u32),
}

impl Device {
    /// Claims function `name` (`EBUSY` if another driver holds it).
    pub fn claim(name: &str) -> Result<Device> {
        let context = doing(
            || format!("claim {name}"),
            OpenOptions::new().read(true).write(true).open(&format!("/scheme/pci/{name}/device")),
        )?;
        let control =
            doing(|| format!("{name}: open control"), OpenOptions::new().write(true).open_at(&context, "control"))?;
        Ok(Device { name: String::from(name), context, control })
    }

    /// The device context `devd` started this driver with (fd 3, the
    /// function's name in `CAIRN_DEVICE`), if it did.
    pub fn inherited() -> Option<Result<Device>> {
        let name = cairn_rt::env::var("CAIRN_DEVICE").ok()?;
        // SAFETY: devd hands the context over as fd 3 and nothing else in
        // this process owns that fd.
        let context = unsafe { File::from_raw_fd(INHERITED_CONTEXT) };
        let control =
            doing(|| format!("{name}: open control"), OpenOptions::new().write(true).open_at(&context, "control"));
        Some(control.map(|control| Device { name, context, control }))
    }

    /// The device `devd` handed over, or else the first function `wanted`
    /// selects, claimed.
    pub fn inherited_or_claim(wanted: Match) -> Result<Device> {
        if let Some(device) = Device::inherited() {
            return device;
        }
        let found = find(wanted)?;
        let name = found.first().ok_or_else(|| Failure {
            doing: String::from("find the device"),
            error: Error::from_errno(cairn_rt::abi::error::ENODEV),
        })?;
        Device::claim(name)
    }

    /// The function's name under `/scheme/pci`.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn open(&self, path: &str) -> Result<File> {
        doing(
            || format!("{}: open {path}", self.name),
            OpenOptions::new().read(true).write(true).open_at(&self.context, path),
        )
    }

    /// Reads configuration space at `offset`.
    pub fn config_read(&self, offset: u64, buffer: &mut [u8]) -> Result<usize> {
        doing(|| format!("{}: read config at {offset:#x}", self.name), self.context.read_at(buffer, offset))
    }

    /// Writes configuration space at `offset` (the kernel refuses the
    /// BARs, the MSI/MSI-X capabilities and the bus-master bit).
    pub fn config_write(&self, offset: u64, bytes: &[u8]) -> Result<usize> {
        doing(|| format!("{}: write config at {offset:#x}", self.name), self.context.write_at(bytes, offset))
    }

    /// Whether the function is still there: a hot-removed one (or one
    /// behind a port whose slot was powered off) reads all ones, vendor
    /// ID 0xffff included. A failed read counts as gone too.
    pub fn present(&self) -> bool {
        let mut vendor = [0u8; 2];
        self.config_read(0, &mut vendor).is_ok_and(|_| u16::from_le_bytes(vendor) != u16::MAX)
    }

    /// Memory BAR `index` as an fd: to map, or to hand to another process
    /// (it carries MAP and SEND).
    pub fn bar(&self, index: u8) -> Result<File> {
        self.open(&format!("bar{index}"))
    }

    /// Maps memory BAR `index`.
    pub fn registers(&self, index: u8) -> Result<Registers> {
        let bar = self.bar(index)?;
        let len = doing(|| format!("{}: stat bar{index}", self.name), bar.metadata())?.len() as usize;
        let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
        // SAFETY: the kernel chooses where to map (no MAP_FIXED).
        let base =
            doing(|| format!("{}: map bar{index}", self.name), unsafe { mmap(0, len, flags, bar.as_raw_fd(), 0) })?;
        Ok(Registers { base, len })
    }

    /// `bytes` of DMA memory the device reaches with `address_bits` bits.
    pub fn dma(&self, bytes: usize, address_bits: u32) -> Result<DmaBuffer> {
        let mut fd = self.open(&format!("dma/{bytes}/{address_bits}"))?;
        let mut address = [0u8; 8];
        doing(|| format!("{}: DMA address", self.name), fd.read_exact(&mut address))?;
        let len = bytes.next_multiple_of(cairn_rt::sys::PAGE_SIZE);
        let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
        // SAFETY: as in `registers`.
        let base =
            doing(|| format!("{}: map DMA memory", self.name), unsafe { mmap(0, len, flags, fd.as_raw_fd(), 0) })?;
        Ok(DmaBuffer { base, len, device_address: u64::from_le_bytes(address), _fd: fd })
    }

    /// Binds the function's MSI (`entry` None) or MSI-X entry `entry` to a
    /// vector of `cpu`.
    pub fn interrupt(&self, entry: Option<u16>, cpu: Cpu) -> Result<Interrupt> {
        let name = match entry {
            None => String::from("msi"),
            Some(entry) => format!("msix/{entry}"),
        };
        let path = match cpu {
            Cpu::Any => name,
            Cpu::Number(cpu) => format!("{name}@{cpu}"),
        };
        Ok(Interrupt { fd: self.open(&path)?, cpu })
    }

    /// Binds MSI (`entry` None) or MSI-X entry `entry` to a vector of the
    /// last CPU and lets the calling thread run only there, so it waits for
    /// the interrupt on the CPU the interrupt arrives at, where the kernel
    /// wakes it in place, without the big kernel lock or a context switch
    /// (DRIVERS.md, "Device interrupts"). The last
    /// CPU, because the first takes the legacy lines.
    pub fn interrupt_here(&self, entry: Option<u16>) -> Result<Interrupt> {
        let cpus = doing(|| String::from("count the CPUs"), cairn_rt::thread::available_parallelism())?.get();
        let interrupt = self.interrupt(entry, Cpu::Number(cpus as u32 - 1))?;
        interrupt.pin_waiter();
        Ok(interrupt)
    }

    /// Turns bus mastering (DMA, and MSI/MSI-X delivery) on or off.
    pub fn bus_master(&mut self, on: bool) -> Result<()> {
        let command: &[u8] = if on { b"bus-master on" } else { b"bus-master off" };
        doing(|| format!("{}: bus mastering", self.name), self.control.write_all(command))
    }

    /// Resets the function (returns once it may be touched again).
    pub fn reset(&mut self) -> Result<()> {
        doing(|| format!("{}: reset", self.name), self.control.write_all(b"reset"))
    }
}

/// A mapped memory BAR; offsets past its end are refused (`None` /
/// `false`), never a stray access.
pub struct Registers {
    base: usize,
    len: usize,
}

impl Registers {
    fn at<T>(&self, offset: usize) -> Option<usize> {
        let end = offset.checked_add(size_of::<T>())?;
        (end <= self.len && offset.is_multiple_of(size_of::<T>())).then_some(self.base + offset)
    }

    pub fn read8(&self, offset: usize) -> Option<u8> {
        // SAFETY: `at` keeps the access inside the mapped BAR.
        self.at::<u8>(offset).map(|address| unsafe { (address as *const u8).read_volatile() })
    }

    pub fn write8(&self, offset: usize, value: u8) -> bool {
        // SAFETY: as in `read8`.
        self.at::<u8>(offset).map(|address| unsafe { (address as *mut u8).write_volatile(value) }).is_some()
    }

    pub fn read16(&self, offset: usize) -> Option<u16> {
        // SAFETY: `at` keeps the aligned access inside the mapped BAR.
        self.at::<u16>(offset).map(|address| unsafe { (address as *const u16).read_volatile() })
    }

    pub fn write16(&self, offset: usize, value: u16) -> bool {
        // SAFETY: as in `read16`.
        self.at::<u16>(offset).map(|address| unsafe { (address as *mut u16).write_volatile(value) }).is_some()
    }

    pub fn read32(&self, offset: usize) -> Option<u32> {
        // SAFETY: `at` keeps the aligned access inside the mapped BAR.
        self.at::<u32>(offset).map(|address| unsafe { (address as *const u32).read_volatile() })
    }

    pub fn write32(&self, offset: usize, value: u32) -> bool {
        // SAFETY: as in `read32`.
        self.at::<u32>(offset).map(|address| unsafe { (address as *mut u32).write_volatile(value) }).is_some()
    }

    pub fn read64(&self, offset: usize) -> Option<u64> {
        // SAFETY: as in `read32`.
        self.at::<u64>(offset).map(|address| unsafe { (address as *const u64).read_volatile() })
    }

    pub fn write64(&self, offset: usize, value: u64) -> bool {
        // SAFETY: as in `read32`.
        self.at::<u64>(offset).map(|address| unsafe { (address as *mut u64).write_volatile(value) }).is_some()
    }
}

/// Memory a device reaches: mapped here, and its device address. The
/// device reaches it while the buffer lives (the buffer keeps the DMA
/// fd; where an IOMMU serves the device, closing that fd unmaps the
/// memory from the device's address space). The mapping here stays for
/// the life of the process even when the buffer is dropped, so a device
/// that still writes to it (without an IOMMU) never reaches memory given
/// to someone else.
pub struct DmaBuffer {
    base: usize,
    len: usize,
    pub device_address: u64,
    _fd: File,
}

impl DmaBuffer {
    pub fn bytes(&mut self) -> &mut [u8] {
        // SAFETY: the mapping is `len` bytes, readable and writable, and
        // lives as long as this buffer; the device writes it only when the
        // driver has asked it to.
        unsafe { core::slice::from_raw_parts_mut(self.base as *mut u8, self.len) }
    }
}

/// A bound MSI or MSI-X vector.
pub struct Interrupt {
    fd: File,
    /// The CPU it was asked to be bound on.
    cpu: Cpu,
}

impl Interrupt {
    /// Lets the calling thread, the one that waits for this vector, run
    /// only on the CPU the vector was bound to ([`Cpu::Number`]; nothing
    /// for [`Cpu::Any`], the kernel's choice): the kernel then wakes its
    /// waits in place, without the big kernel lock or a context switch
    /// (DRIVERS.md, "Device interrupts"). A failure is only logged: the
    /// waits then block the usual way.
    pub fn pin_waiter(&self) {
        let Cpu::Number(cpu) = self.cpu else { return };
        let mut only = cairn_rt::sched::CpuSet::new();
        only.insert(cpu as usize);
        let pinned = TaskHandle::thread(cairn_rt::sys::gettid())
            .and_then(|this_thread| cairn_rt::sched::set_affinity(&this_thread, &only));
        if let Err(error) = pinned {
            cairn_rt::eprintln!("cairn-driver: cannot pin the waiter of a vector to CPU {cpu}: {error}");
        }
    }

    /// Blocks until it fired; returns how often since the last wait.
    /// Takes `&self` so that the thread that waits for a vector may share
    /// it with the others (each vector has one waiter).
    pub fn wait(&self) -> cairn_rt::Result<u64> {
        let mut count = [0u8; 8];
        match cairn_rt::io::read_fd(self.fd.as_raw_fd(), &mut count)? {
            8 => Ok(u64::from_le_bytes(count)),
            _ => Err(Error::from_errno(cairn_rt::abi::error::EIO)),
        }
    }

    /// Tells the kernel the interrupt was handled.
    pub fn acknowledge(&mut self) -> cairn_rt::Result<()> {
        self.fd.write_all(&[1])
    }

    /// The fd, for an event queue.
    pub fn as_raw_fd(&self) -> usize {
        self.fd.as_raw_fd()
    }
}
