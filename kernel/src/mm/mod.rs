//! Memory management: the physical frame allocator, the kernel's page
//! tables (higher-half image, direct map of all physical memory), guarded
//! kernel stacks and the kernel heap.
//!
//! Virtual layout of the kernel half:
//! - `0xffff_8000_0000_0000` direct map of physical memory ([`DIRECT_MAP_BASE`]);
//! - `0xffff_ff00_0000_0000` kernel stacks, each below an unmapped guard page;
//! - `0xffff_ffff_8000_0000` the kernel image (text RX, rodata R, data RW).

pub mod frames;
pub mod heap;
pub mod paging;
pub mod stacks;

/// Virtual address where physical address 0 appears in the direct map.
pub const DIRECT_MAP_BASE: u64 = 0xffff_8000_0000_0000;

/// The direct-map address of physical address `phys`.
pub fn phys_to_virt(phys: u64) -> *mut u8 {
    (DIRECT_MAP_BASE + phys) as *mut u8
}

/// The kernel address of device register `phys` (a dword of a BAR), uncached:
/// inside the direct map where it covers `phys`; beyond it (64-bit BARs
/// above the end of memory) its page is added to the direct map uncached
/// first.
pub fn mmio(phys: u64) -> Result<*mut u32, paging::PagingError> {
    use x86_64::structures::paging::PageTableFlags as Flags;
    let virt = x86_64::VirtAddr::new(phys_to_virt(phys) as u64);
    if paging::translate(virt).is_none() {
        let frame = cairn_physmem::PhysFrame::containing_address(phys);
        let flags = Flags::PRESENT | Flags::WRITABLE | Flags::NO_CACHE | Flags::WRITE_THROUGH | paging::no_execute();
        paging::map(virt.align_down(4096u64), frame, flags)?;
    }
    Ok(phys_to_virt(phys).cast::<u32>())
}
