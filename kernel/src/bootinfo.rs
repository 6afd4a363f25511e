//! Reads the Multiboot2 boot information GRUB hands over (with the
//! `multiboot2` crate) into a [`BootInfo`]: memory map, command line,
//! framebuffer, modules, ACPI root and the location of the kernel's symbol
//! table. Anything missing or odd is logged as a warning and left out.

use cairn_physmem::{PhysRange, RawRegion, RegionKind};
use multiboot2::{BootInformation, BootInformationHeader, FramebufferType, MemoryAreaType, TagType};

use crate::console::screen::{ColorField, FramebufferInfo};
use crate::mm::phys_to_virt;
use crate::platform::acpi::AcpiRoot;
use crate::symbols::SymbolTableLocation;

/// A fixed-capacity list, for use before the kernel heap exists.
#[derive(Clone, Copy, Debug)]
pub struct BoundedList<T: Copy + Default, const N: usize> {
    items: [T; N],
    len: usize,
}

impl<T: Copy + Default, const N: usize> Default for BoundedList<T, N> {
    fn default() -> Self {
        BoundedList { items: [T::default(); N], len: 0 }
    }
}

impl<T: Copy + Default, const N: usize> BoundedList<T, N> {
    /// Appends `item`; returns false (and drops it) when full.
    pub fn push(&mut self, item: T) -> bool {
        if self.len == N {
            return false;
        }
        self.items[self.len] = item;
        self.len += 1;
        true
    }

    pub fn as_slice(&self) -> &[T] {
        &self.items[..self.len]
    }
}

/// A boot module (file loaded by GRUB next to the kernel).
#[derive(Clone, Copy, Debug, Default)]
pub struct BootModule {
    pub range: PhysRange,
    pub name: &'static str,
}

/// Everything the kernel takes from the boot loader.
#[derive(Debug)]
pub struct BootInfo {
    /// Where the boot information structure itself lies.
    pub info_range: PhysRange,
    pub memory: BoundedList<RawRegion, 256>,
    /// The raw command line (may be any bytes).
    pub cmdline: &'static [u8],
    pub framebuffer: Option<FramebufferInfo>,
    pub modules: BoundedList<BootModule, 16>,
    pub acpi: Option<AcpiRoot>,
    pub symbols: Option<SymbolTableLocation>,
    /// ELF sections GRUB loaded outside the kernel image (symbol and string
    /// tables); they must not be handed out as free memory.
    pub loaded_sections: BoundedList<PhysRange, 16>,
}

/// Why the boot information could not be used at all.
#[derive(Debug)]
pub enum BootInfoError {
    WrongMagic(u32),
    Unreadable(multiboot2::LoadError),
    NoMemoryMap,
}

impl core::fmt::Display for BootInfoError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            BootInfoError::WrongMagic(m) => {
                write!(f, "not started by a Multiboot2 loader (magic {m:#x})")
            }
            BootInfoError::Unreadable(e) => write!(f, "unreadable Multiboot2 information: {e:?}"),
            BootInfoError::NoMemoryMap => write!(f, "no memory map from the boot loader"),
        }
    }
}

const SHT_SYMTAB: u32 = 2;

/// Re-borrows bytes of the boot information for the kernel's lifetime.
fn boot_lifetime(bytes: &[u8]) -> &'static [u8] {
    // SAFETY: the boot information is reserved from the frame allocator and
    // stays in the direct map for ever, and nothing writes to it.
    unsafe { core::slice::from_raw_parts(bytes.as_ptr(), bytes.len()) }
}
const ELF64_SECTION_HEADER_SIZE: u32 = 64;

/// Parses the boot information at physical address `info_phys`.
///
/// # Safety
/// `info_phys` must be the address GRUB passed in EBX, below 4 GiB and
/// covered by the boot-time direct map.
pub unsafe fn parse(magic: u32, info_phys: u32) -> Result<BootInfo, BootInfoError> {
    if magic != crate::boot::MULTIBOOT2_BOOTLOADER_MAGIC {
        return Err(BootInfoError::WrongMagic(magic));
    }
    let header = phys_to_virt(u64::from(info_phys)).cast::<BootInformationHeader>();
    // SAFETY: guaranteed by the caller; the crate validates sizes and tags.
    let mbi: BootInformation<'static> = unsafe { BootInformation::load(header) }.map_err(BootInfoError::Unreadable)?;
    let info_range = PhysRange::new(u64::from(info_phys), u64::from(info_phys) + mbi.total_size() as u64);

    let mut memory = BoundedList::default();
    if let Some(tag) = mbi.memory_map_tag() {
        for area in tag.memory_areas() {
            let kind = match area.typ() {
                MemoryAreaType::Available => RegionKind::Usable,
                MemoryAreaType::AcpiAvailable => RegionKind::AcpiReclaimable,
                MemoryAreaType::ReservedHibernate => RegionKind::AcpiNvs,
                MemoryAreaType::Defective => RegionKind::Defective,
                _ => RegionKind::Reserved,
            };
            if !memory.push(RawRegion { start: area.start_address(), len: area.size(), kind }) {
                log::warn!("memory map: more than 256 entries, ignoring the rest");
                break;
            }
        }
    } else if let Some(basic) = mbi.basic_memory_info_tag() {
        log::warn!("memory map: none from the boot loader, using the basic lower/upper sizes");
        let lower = u64::from(basic.memory_lower()) * 1024;
        let upper = u64::from(basic.memory_upper()) * 1024;
        memory.push(RawRegion { start: 0, len: lower, kind: RegionKind::Usable });
        memory.push(RawRegion { start: 1 << 20, len: upper, kind: RegionKind::Usable });
    } else {
        return Err(BootInfoError::NoMemoryMap);
    }

    let cmdline = mbi
        .tags()
        .find(|tag| TagType::from(tag.header().typ) == TagType::Cmdline)
        .map(|tag| {
            let payload = tag.payload();
            let len = payload.iter().position(|&b| b == 0).unwrap_or(payload.len());
            boot_lifetime(&payload[..len])
        })
        .unwrap_or(&[]);

    let framebuffer = match mbi.framebuffer_tag() {
        None => None,
        Some(Err(e)) => {
            log::warn!("framebuffer: unknown type {e:?}, not used");
            None
        }
        Some(Ok(tag)) => match tag.buffer_type() {
            Ok(FramebufferType::RGB { red, green, blue }) => Some(FramebufferInfo {
                phys_addr: tag.address(),
                pitch: tag.pitch(),
                width: tag.width(),
                height: tag.height(),
                bits_per_pixel: tag.bpp(),
                red: ColorField { position: red.position, size: red.size },
                green: ColorField { position: green.position, size: green.size },
                blue: ColorField { position: blue.position, size: blue.size },
            }),
            Ok(FramebufferType::Text) => {
                log::info!("framebuffer: text mode only, screen console off");
                None
            }
            Ok(FramebufferType::Indexed { .. }) => {
                log::info!("framebuffer: indexed colour only, screen console off");
                None
            }
            Err(e) => {
                log::warn!("framebuffer: unknown type {e:?}, not used");
                None
            }
        },
    };

    let mut modules = BoundedList::default();
    for module in mbi.module_tags() {
        let range = PhysRange::new(u64::from(module.start_address()), u64::from(module.end_address()));
        let name = core::str::from_utf8(boot_lifetime(module.cmdline().unwrap_or("").as_bytes())).unwrap_or("");
        if range.is_empty() {
            log::warn!("boot module '{name}' is empty or inverted, ignored");
        } else if !modules.push(BootModule { range, name }) {
            log::warn!("more than 16 boot modules, ignoring '{name}'");
        }
    }

    let acpi = acpi_root(&mbi);

    let mut loaded_sections = BoundedList::default();
    let mut symbols = None;
    if let Some(tag) = mbi.elf_sections_tag().filter(|t| t.entry_size() == ELF64_SECTION_HEADER_SIZE) {
        let mut headers: BoundedList<(u32, u64, u64, u32), 64> = BoundedList::default();
        for section in tag.sections() {
            headers.push((section.sh_type, section.sh_addr, section.sh_size, section.sh_link));
        }
        let headers = headers.as_slice();
        for &(_, addr, size, _) in headers {
            // Sections inside the image have their higher-half address here;
            // ones GRUB loaded separately carry a low physical address.
            if addr != 0 && addr < 1 << 32 && size != 0 {
                loaded_sections.push(PhysRange::new(addr, addr + size));
            }
        }
        symbols = headers.iter().find(|h| h.0 == SHT_SYMTAB && h.1 != 0 && h.1 < 1 << 32).and_then(
            |&(_, addr, size, link)| {
                let &(_, strings_phys, strings_len, _) = headers.get(link as usize)?;
                (strings_phys != 0 && strings_phys < 1 << 32).then_some(SymbolTableLocation {
                    symbols_phys: addr,
                    symbols_len: size,
                    strings_phys,
                    strings_len,
                })
            },
        );
    }
    if symbols.is_none() {
        log::warn!("no kernel symbol table from the boot loader; crash reports will lack names");
    }

    Ok(BootInfo { info_range, memory, cmdline, framebuffer, modules, acpi, symbols, loaded_sections })
}

/// The ACPI root table from the RSDP copies GRUB provides, preferring the
/// ACPI 2.0 XSDT. Copies with a bad checksum are ignored with a warning.
fn acpi_root(mbi: &BootInformation<'_>) -> Option<AcpiRoot> {
    if let Some(v2) = mbi.rsdp_v2_tag() {
        if v2.checksum_is_valid() && v2.xsdt_address() != 0 {
            return Some(AcpiRoot { address: v2.xsdt_address() as u64, revision: v2.revision() });
        }
        log::warn!("ACPI: RSDP 2.0 copy has a bad checksum or no XSDT, trying RSDP 1.0");
    }
    match mbi.rsdp_v1_tag() {
        Some(v1) if v1.checksum_is_valid() => Some(AcpiRoot { address: v1.rsdt_address() as u64, revision: 0 }),
        Some(_) => {
            log::warn!("ACPI: RSDP copy has a bad checksum, ignoring ACPI");
            None
        }
        None => {
            log::warn!("ACPI: no RSDP from the boot loader, running without ACPI");
            None
        }
    }
}
