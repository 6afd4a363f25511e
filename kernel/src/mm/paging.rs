//! The kernel's page tables. [`init`] replaces the boot-time tables with:
//! the kernel image mapped W^X by section (text RX, rodata R+NX, data/bss
//! RW+NX), and a direct map of all physical memory in 2 MiB pages (RW+NX;
//! uncached where there is no RAM, write-combining over the framebuffer).
//! Afterwards [`map`], [`unmap`] and [`translate`] change and inspect the
//! kernel half, which every address space will share.

use cairn_physmem::{PhysFrame as Frame, PhysRange};
use x86_64::registers::control::{Cr3, Cr3Flags};
use x86_64::structures::paging::mapper::{MapToError, TranslateResult, UnmapError};
use x86_64::structures::paging::{
    Mapper, OffsetPageTable, Page, PageSize, PageTable, PageTableFlags as Flags, PhysFrame, Size2MiB, Size4KiB,
    Translate,
};
use x86_64::{PhysAddr, VirtAddr};

use super::frames::{self, PageTableFrames};
use super::{DIRECT_MAP_BASE, phys_to_virt};
use crate::boot::KERNEL_VIRT_OFFSET;

unsafe extern "C" {
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __data_end: u8;
}

/// Virtual bounds of one kernel image section.
#[derive(Clone, Copy, Debug)]
pub struct Section {
    pub name: &'static str,
    pub start: u64,
    pub end: u64,
    pub flags: Flags,
}

/// The kernel image sections and the page flags each gets.
pub fn kernel_sections() -> [Section; 3] {
    let addr = |s: &'static u8| s as *const u8 as u64;
    // SAFETY: the linker script defines these symbols; only their addresses
    // are taken, never their contents.
    let (text, text_end, rodata, rodata_end, data, data_end) = unsafe {
        (
            addr(&__text_start),
            addr(&__text_end),
            addr(&__rodata_start),
            addr(&__rodata_end),
            addr(&__data_start),
            addr(&__data_end),
        )
    };
    let nx = no_execute();
    [
        Section { name: "text", start: text, end: text_end, flags: Flags::PRESENT | Flags::GLOBAL },
        Section { name: "rodata", start: rodata, end: rodata_end, flags: Flags::PRESENT | Flags::GLOBAL | nx },
        Section {
            name: "data",
            start: data,
            end: data_end,
            flags: Flags::PRESENT | Flags::WRITABLE | Flags::GLOBAL | nx,
        },
    ]
}

static NX_SUPPORTED: spin::Once<bool> = spin::Once::new();

/// The NO_EXECUTE flag if the CPU supports it, otherwise nothing (setting a
/// reserved bit would fault).
pub fn no_execute() -> Flags {
    if NX_SUPPORTED.get().copied().unwrap_or(false) { Flags::NO_EXECUTE } else { Flags::empty() }
}

static KERNEL_TABLES: spin::Mutex<Option<OffsetPageTable<'static>>> = spin::Mutex::new(None);
static KERNEL_ROOT: spin::Once<u64> = spin::Once::new();

/// Physical address of the kernel's top-level table, whose upper half every
/// user address space copies.
pub fn kernel_root() -> u64 {
    *KERNEL_ROOT.get().expect("kernel page tables are built first")
}

/// Why the page tables could not be built or changed.
#[derive(Debug)]
pub enum PagingError {
    OutOfFrames,
    AlreadyMapped,
    NotMapped,
    NotInitialised,
}

impl<S: PageSize> From<MapToError<S>> for PagingError {
    fn from(e: MapToError<S>) -> Self {
        match e {
            MapToError::FrameAllocationFailed => PagingError::OutOfFrames,
            MapToError::ParentEntryHugePage | MapToError::PageAlreadyMapped(_) => PagingError::AlreadyMapped,
        }
    }
}

/// What the direct map must cover and how.
pub struct DirectMapPlan<'a> {
    /// Exclusive end of the direct map (rounded up to 2 MiB by `init`).
    pub end: u64,
    /// Ranges that hold RAM (usable or ACPI); everything else is mapped
    /// uncached.
    pub ram: &'a [PhysRange],
    pub framebuffer: Option<PhysRange>,
}

/// Builds and activates the kernel page tables. Returns the physical address
/// of the new top-level table (below 4 GiB, as the AP trampoline needs).
pub fn init(nx_supported: bool, plan: &DirectMapPlan<'_>) -> Result<u64, PagingError> {
    NX_SUPPORTED.call_once(|| nx_supported);
    let pml4 = frames::allocate_contiguous(1, 1, 1 << 32).ok_or(PagingError::OutOfFrames)?;
    let pml4_virt = phys_to_virt(pml4.start_address()).cast::<PageTable>();
    // SAFETY: the frame is freshly allocated and reachable through the
    // boot-time direct map (it lies below 4 GiB); it becomes a page table.
    let mut tables = unsafe {
        pml4_virt.write(PageTable::new());
        OffsetPageTable::new(&mut *pml4_virt, VirtAddr::new(DIRECT_MAP_BASE))
    };

    // Every top-level entry of the kernel half exists from the start, so
    // address spaces that copy them see later kernel mappings too.
    for index in 256..512 {
        let frame = frames::allocate_zeroed().ok_or(PagingError::OutOfFrames)?;
        tables.level_4_table_mut()[index]
            .set_addr(PhysAddr::new(frame.start_address()), Flags::PRESENT | Flags::WRITABLE);
    }

    for section in kernel_sections() {
        let mut virt = section.start;
        while virt < section.end {
            let page = Page::<Size4KiB>::containing_address(VirtAddr::new(virt));
            let frame = PhysFrame::containing_address(PhysAddr::new(virt - KERNEL_VIRT_OFFSET));
            // SAFETY: maps the kernel image onto its own physical frames; the
            // tables are not active yet, so no TLB flush is needed.
            unsafe { tables.map_to(page, frame, section.flags, &mut PageTableFrames) }?.ignore();
            virt += Size4KiB::SIZE;
        }
    }

    let end = plan.end.next_multiple_of(Size2MiB::SIZE);
    let mut phys = 0;
    while phys < end {
        let chunk = PhysRange::new(phys, phys + Size2MiB::SIZE);
        let cache = if plan.framebuffer.is_some_and(|fb| fb.overlaps(&chunk)) {
            Flags::WRITE_THROUGH // PAT entry 1: write-combining.
        } else if plan.ram.iter().any(|r| r.overlaps(&chunk)) {
            Flags::empty()
        } else {
            Flags::NO_CACHE | Flags::WRITE_THROUGH
        };
        let flags = Flags::PRESENT | Flags::WRITABLE | Flags::GLOBAL | no_execute() | cache;
        let page = Page::<Size2MiB>::containing_address(VirtAddr::new(DIRECT_MAP_BASE + phys));
        // SAFETY: the direct map aliases physical memory at a fixed offset;
        // the tables are not active yet.
        unsafe {
            tables.map_to(page, PhysFrame::containing_address(PhysAddr::new(phys)), flags, &mut PageTableFrames)
        }?
        .ignore();
        phys += Size2MiB::SIZE;
    }

    let pml4_frame = PhysFrame::containing_address(PhysAddr::new(pml4.start_address()));
    // SAFETY: the new tables map the running kernel (text, data, this stack
    // in .bss) and the direct map at the same addresses as the boot tables.
    unsafe { Cr3::write(pml4_frame, Cr3Flags::empty()) };
    *KERNEL_TABLES.lock() = Some(tables);
    KERNEL_ROOT.call_once(|| pml4.start_address());
    Ok(pml4.start_address())
}

fn with_tables<R>(f: impl FnOnce(&mut OffsetPageTable<'static>) -> Result<R, PagingError>) -> Result<R, PagingError> {
    KERNEL_TABLES.lock().as_mut().ok_or(PagingError::NotInitialised).and_then(f)
}

/// Maps one 4 KiB kernel page.
pub fn map(virt: VirtAddr, frame: Frame, flags: Flags) -> Result<(), PagingError> {
    with_tables(|tables| {
        let page = Page::<Size4KiB>::containing_address(virt);
        let frame = PhysFrame::containing_address(PhysAddr::new(frame.start_address()));
        // SAFETY: callers map frames they own at kernel addresses they
        // reserved; an existing mapping is refused by the crate.
        unsafe { tables.map_to(page, frame, flags, &mut PageTableFrames) }?.flush();
        Ok(())
    })
}

/// Unmaps one 4 KiB kernel page and returns the frame it mapped.
pub fn unmap(virt: VirtAddr) -> Result<Frame, PagingError> {
    with_tables(|tables| {
        let (frame, flush) = tables.unmap(Page::<Size4KiB>::containing_address(virt)).map_err(|e| match e {
            UnmapError::PageNotMapped => PagingError::NotMapped,
            _ => PagingError::AlreadyMapped,
        })?;
        flush.flush();
        Frame::from_start_address(frame.start_address().as_u64()).map_err(|_| PagingError::NotMapped)
    })
}

/// The physical address and leaf flags `virt` translates to, if mapped.
pub fn translate(virt: VirtAddr) -> Option<(u64, Flags)> {
    let guard = KERNEL_TABLES.lock();
    match guard.as_ref()?.translate(virt) {
        TranslateResult::Mapped { frame, offset, flags } => Some((frame.start_address().as_u64() + offset, flags)),
        _ => None,
    }
}
