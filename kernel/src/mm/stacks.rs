//! Kernel stacks: each lives in its own 256 KiB slot of the stack region,
//! mapped at the top of the slot with at least one unmapped guard page
//! below it, so an overflow faults (and is reported on the double-fault
//! stack) instead of silently corrupting a neighbour.

use core::sync::atomic::{AtomicU64, Ordering};

use cairn_physmem::FRAME_SIZE;
use x86_64::VirtAddr;
use x86_64::structures::paging::PageTableFlags as Flags;

use super::{frames, paging};

const STACK_REGION_BASE: u64 = 0xffff_ff00_0000_0000;
const SLOT_SIZE: u64 = 256 * 1024;
/// Slots available (the region spans 512 GiB; this is a sanity bound).
const SLOT_COUNT: u64 = 1 << 20;

/// Size of a thread's or CPU's main kernel stack.
pub const KERNEL_STACK_PAGES: u64 = 16;
/// Size of an interrupt-stack-table stack.
pub const IST_STACK_PAGES: u64 = 4;

static NEXT_SLOT: AtomicU64 = AtomicU64::new(0);
/// Slots of freed stacks, reused before new ones.
static FREE_SLOTS: spin::Mutex<alloc::vec::Vec<u64>> = spin::Mutex::new(alloc::vec::Vec::new());

/// A mapped kernel stack.
#[derive(Clone, Copy, Debug)]
pub struct KernelStack {
    /// Lowest mapped address; the page below it is the guard.
    pub bottom: VirtAddr,
    /// One past the highest mapped address (initial stack pointer).
    pub top: VirtAddr,
}

/// Why a stack could not be made.
#[derive(Debug)]
pub enum StackError {
    TooLarge,
    NoSlotLeft,
    OutOfMemory,
}

/// The top of the kernel stack slot containing `address`, if `address` lies
/// in the stack region. Everything from a live stack pointer up to this top
/// is mapped.
pub fn slot_top_containing(address: u64) -> Option<u64> {
    let offset = address.checked_sub(STACK_REGION_BASE)?;
    (offset < SLOT_COUNT * SLOT_SIZE).then(|| STACK_REGION_BASE + (offset / SLOT_SIZE + 1) * SLOT_SIZE)
}

/// Kernel stacks mapped now (threads', CPUs' and interrupt stacks).
pub fn in_use() -> u64 {
    NEXT_SLOT.load(Ordering::Relaxed).min(SLOT_COUNT) - FREE_SLOTS.lock().len() as u64
}

impl KernelStack {
    /// Maps a new stack of `pages` pages below its own guard page.
    pub fn allocate(pages: u64) -> Result<KernelStack, StackError> {
        if pages == 0 || (pages + 1) * FRAME_SIZE > SLOT_SIZE {
            return Err(StackError::TooLarge);
        }
        let slot = FREE_SLOTS.lock().pop().unwrap_or_else(|| NEXT_SLOT.fetch_add(1, Ordering::Relaxed));
        if slot >= SLOT_COUNT {
            return Err(StackError::NoSlotLeft);
        }
        let top = STACK_REGION_BASE + (slot + 1) * SLOT_SIZE;
        let bottom = top - pages * FRAME_SIZE;
        let stack = KernelStack { bottom: VirtAddr::new(bottom), top: VirtAddr::new(top) };
        let flags = Flags::PRESENT | Flags::WRITABLE | Flags::GLOBAL | paging::no_execute();
        let mut page = bottom;
        while page < top {
            let Some(frame) = frames::allocate_zeroed() else {
                stack.free();
                return Err(StackError::OutOfMemory);
            };
            if paging::map(VirtAddr::new(page), frame, flags).is_err() {
                let _ = frames::free(frame);
                stack.free();
                return Err(StackError::OutOfMemory);
            }
            page += FRAME_SIZE;
        }
        Ok(stack)
    }

    /// Unmaps the stack, frees its frames and recycles its slot. The stack
    /// must not be in use by any CPU. Pages never mapped (a stack whose
    /// allocation failed part way) are skipped.
    pub fn free(&self) {
        let mut page = self.bottom;
        while page < self.top {
            if let Ok(frame) = paging::unmap(page) {
                let _ = frames::free(frame);
            }
            page += FRAME_SIZE;
        }
        let slot = (self.top.as_u64() - STACK_REGION_BASE) / SLOT_SIZE - 1;
        FREE_SLOTS.lock().push(slot);
    }

    /// The guard page's address.
    pub fn guard_page(&self) -> VirtAddr {
        self.bottom - FRAME_SIZE
    }

    /// Switches the executing CPU onto this stack and calls `entry(argument)`;
    /// never returns. The previous stack is abandoned.
    pub fn run_on(&self, entry: extern "C" fn(u64) -> !, argument: u64) -> ! {
        // SAFETY: the stack is mapped and unused; `entry` never returns, so
        // nothing will look for the old stack's frames.
        unsafe {
            core::arch::asm!(
                "mov rsp, {top}",
                "xor ebp, ebp",
                "call {entry}",
                "ud2",
                top = in(reg) self.top.as_u64(),
                entry = in(reg) entry,
                in("rdi") argument,
                options(noreturn)
            )
        }
    }
}
