//! Self tests of the frame allocator, the kernel page tables, kernel stacks
//! and the heap.

use alloc::boxed::Box;
use alloc::vec::Vec;

use cairn_physmem::{FRAME_SIZE, FreeError, PhysFrame, PhysRange};
use x86_64::VirtAddr;
use x86_64::registers::control::{Cr0, Cr0Flags, Efer, EferFlags};
use x86_64::structures::paging::PageTableFlags as Flags;

use super::{Test, TestResult};
use crate::bootinfo::BootInfo;
use crate::mm::stacks::KernelStack;
use crate::mm::{DIRECT_MAP_BASE, frames, paging, phys_to_virt};

pub const TESTS: &[Test] = &[
    Test { name: "frames::alloc_free_reuse", run: alloc_free_reuse },
    Test { name: "frames::double_free_refused", run: double_free_refused },
    Test { name: "frames::contiguous_aligned_below", run: contiguous_aligned_below },
    Test { name: "frames::exhaustion_never_hands_out_reserved", run: exhaustion_never_hands_out_reserved },
    Test { name: "paging::map_translate_unmap", run: map_translate_unmap },
    Test { name: "paging::kernel_sections_wx", run: kernel_sections_wx },
    Test { name: "paging::stack_guard_page", run: stack_guard_page },
    Test { name: "heap::large_small_and_aligned", run: heap_large_small_and_aligned },
];

fn alloc_free_reuse(_: &BootInfo) -> TestResult {
    let (free_before, _) = frames::stats();
    let mut taken = Vec::new();
    for _ in 0..256 {
        let frame = frames::allocate().ok_or("allocation failed with memory free")?;
        ensure!(!taken.contains(&frame), "frame {:#x} handed out twice", frame.start_address());
        taken.push(frame);
    }
    ensure!(frames::stats().0 == free_before - 256, "free count did not drop by 256");
    for frame in &taken {
        frames::free(*frame).map_err(|e| alloc::format!("free failed: {e}"))?;
    }
    ensure!(frames::stats().0 == free_before, "free count not restored after freeing");
    // The allocator is next-fit, so ask for enough frames to wrap around
    // and check that some freed frame is handed out again.
    let mut again = Vec::new();
    let mut reused = false;
    while !reused {
        let Some(frame) = frames::allocate() else {
            break;
        };
        reused = taken.contains(&frame);
        again.push(frame);
    }
    for frame in again {
        let _ = frames::free(frame);
    }
    ensure!(reused, "no freed frame was ever handed out again");
    Ok(())
}

fn double_free_refused(_: &BootInfo) -> TestResult {
    let frame = frames::allocate().ok_or("allocation failed")?;
    frames::free(frame).map_err(|e| alloc::format!("first free failed: {e}"))?;
    let (free, _) = frames::stats();
    ensure!(matches!(frames::free(frame), Err(FreeError::NotAllocated(_))), "double free was not refused");
    ensure!(frames::stats().0 == free, "double free changed the free count");
    let kernel_frame = PhysFrame::containing_address(0x20_0000);
    ensure!(frames::free(kernel_frame).is_err(), "freeing a kernel-image frame was accepted");
    Ok(())
}

fn contiguous_aligned_below(_: &BootInfo) -> TestResult {
    const BELOW: u64 = 64 << 20;
    let first = frames::allocate_contiguous(8, 8, BELOW).ok_or("no 8 aligned frames below 64 MiB")?;
    let start = first.start_address();
    ensure!(start.is_multiple_of(8 * FRAME_SIZE), "run at {start:#x} not aligned to 8 frames");
    ensure!(start + 8 * FRAME_SIZE <= BELOW, "run at {start:#x} ends above the limit");
    for i in 0..8 {
        frames::free(PhysFrame::containing_address(start + i * FRAME_SIZE))
            .map_err(|e| alloc::format!("free of frame {i} failed: {e}"))?;
    }
    Ok(())
}

/// Takes every free frame, checks none overlaps anything the kernel must
/// keep, then gives them all back. Taken frames are recorded in a bitmap
/// allocated beforehand, so the test needs no heap while memory is
/// exhausted and never touches the frames themselves.
fn exhaustion_never_hands_out_reserved(info: &BootInfo) -> TestResult {
    let image = PhysRange::new(0x20_0000, {
        let end = paging::kernel_sections()[2].end;
        end - crate::boot::KERNEL_VIRT_OFFSET
    });
    let mut protected: Vec<PhysRange> = alloc::vec![image, info.info_range, PhysRange::new(0, FRAME_SIZE)];
    protected.extend(info.modules.as_slice().iter().map(|m| m.range));
    protected.extend(info.loaded_sections.as_slice().iter().copied());
    protected.extend(info.framebuffer.map(|fb| PhysRange::new(fb.phys_addr, fb.phys_addr + fb.byte_len())));
    protected.extend(
        info.memory
            .as_slice()
            .iter()
            .filter(|r| !r.kind.is_usable())
            .map(|r| PhysRange::new(r.start, r.start.saturating_add(r.len))),
    );
    let highest =
        info.memory.as_slice().iter().filter(|r| r.kind.is_usable()).map(|r| r.start.saturating_add(r.len)).max();
    let highest = highest.unwrap_or(0);
    let mut taken = alloc::vec![0u64; (highest / FRAME_SIZE).div_ceil(64) as usize];
    // Measured after the bookkeeping allocation, which may grow the heap.
    let (free_before, _) = frames::stats();
    let mut count = 0u64;
    let mut violation = None;
    let mut outside = None;
    while let Some(frame) = frames::allocate() {
        let range = PhysRange::new(frame.start_address(), frame.start_address() + FRAME_SIZE);
        if violation.is_none() && protected.iter().any(|p| p.overlaps(&range)) {
            violation = Some(frame.start_address());
        }
        let number = frame.number() as usize;
        match taken.get_mut(number / 64) {
            Some(word) => *word |= 1 << (number % 64),
            None => outside = Some(frame.start_address()),
        }
        count += 1;
    }
    for (index, word) in taken.iter().enumerate() {
        for bit in 0..64 {
            if word & (1 << bit) != 0 {
                let _ = frames::free(PhysFrame::containing_address((index as u64 * 64 + bit) * FRAME_SIZE));
            }
        }
    }
    ensure!(outside.is_none(), "frame {:#x} lies beyond the memory map", outside.unwrap_or(0));
    ensure!(violation.is_none(), "reserved frame {:#x} was handed out", violation.unwrap_or(0));
    ensure!(count == free_before, "took {count} frames but {free_before} were reported free");
    ensure!(frames::stats().0 == free_before, "free count not restored after exhaustion");
    Ok(())
}

fn map_translate_unmap(_: &BootInfo) -> TestResult {
    let virt = VirtAddr::new(0xffff_fe00_0000_0000);
    let frame = frames::allocate_zeroed().ok_or("allocation failed")?;
    let flags = Flags::PRESENT | Flags::WRITABLE | paging::no_execute();
    paging::map(virt, frame, flags).map_err(|e| alloc::format!("map failed: {e:?}"))?;
    let translated = paging::translate(virt + 0x123u64);
    // SAFETY: the page was just mapped to a frame owned by this test.
    unsafe { virt.as_mut_ptr::<u64>().write_volatile(0x5ca1ab1e) };
    // SAFETY: the same frame through the direct map.
    let through_direct_map = unsafe { phys_to_virt(frame.start_address()).cast::<u64>().read_volatile() };
    ensure!(paging::map(virt, frame, flags).is_err(), "mapping an already mapped page was accepted");
    let unmapped = paging::unmap(virt).map_err(|e| alloc::format!("unmap failed: {e:?}"))?;
    let after = paging::translate(virt);
    frames::free(unmapped).map_err(|e| alloc::format!("free failed: {e}"))?;
    ensure!(translated.map(|(phys, _)| phys) == Some(frame.start_address() + 0x123), "translate gave {translated:?}");
    ensure!(through_direct_map == 0x5ca1ab1e, "write through the mapping not visible in the direct map");
    ensure!(unmapped == frame, "unmap returned a different frame");
    ensure!(after.is_none(), "page still translates after unmap");
    ensure!(paging::unmap(virt).is_err(), "unmapping an unmapped page succeeded");
    Ok(())
}

fn kernel_sections_wx(_: &BootInfo) -> TestResult {
    ensure!(Cr0::read().contains(Cr0Flags::WRITE_PROTECT), "CR0.WP is off");
    let nx = !paging::no_execute().is_empty();
    if nx {
        ensure!(Efer::read().contains(EferFlags::NO_EXECUTE_ENABLE), "EFER.NXE is off");
    }
    for section in paging::kernel_sections() {
        let mut page = section.start;
        while page < section.end {
            let (_, flags) = paging::translate(VirtAddr::new(page))
                .ok_or_else(|| alloc::format!("{} page {page:#x} not mapped", section.name))?;
            let writable = flags.contains(Flags::WRITABLE);
            let executable = !flags.contains(Flags::NO_EXECUTE);
            ensure!(!(writable && executable), "{} page {page:#x} is writable and executable", section.name);
            ensure!(
                flags & (Flags::WRITABLE | Flags::NO_EXECUTE) == section.flags & (Flags::WRITABLE | Flags::NO_EXECUTE),
                "{} page {page:#x} has flags {flags:?}",
                section.name
            );
            page += FRAME_SIZE;
        }
    }
    let (_, flags) = paging::translate(VirtAddr::new(DIRECT_MAP_BASE + 0x10_0000)).ok_or("direct map missing")?;
    ensure!(!nx || flags.contains(Flags::NO_EXECUTE), "direct map is executable");
    Ok(())
}

fn stack_guard_page(_: &BootInfo) -> TestResult {
    let stack = KernelStack::allocate(4).map_err(|e| alloc::format!("stack allocation failed: {e:?}"))?;
    ensure!(paging::translate(stack.guard_page()).is_none(), "guard page is mapped");
    let mut page = stack.bottom;
    while page < stack.top {
        ensure!(paging::translate(page).is_some(), "stack page {:#x} not mapped", page.as_u64());
        page += FRAME_SIZE;
    }
    let rsp: u64;
    // SAFETY: reads the stack pointer.
    unsafe { core::arch::asm!("mov {}, rsp", out(reg) rsp) };
    let own_bottom = (rsp & !(256 * 1024 - 1)) + 256 * 1024 - crate::mm::stacks::KERNEL_STACK_PAGES * FRAME_SIZE;
    ensure!(
        paging::translate(VirtAddr::new(own_bottom - FRAME_SIZE)).is_none(),
        "the running stack has no guard page below {own_bottom:#x}"
    );
    Ok(())
}

fn heap_large_small_and_aligned(_: &BootInfo) -> TestResult {
    let big: Vec<u64> = (0..(4u64 << 20) / 8).collect();
    ensure!(big.iter().enumerate().all(|(i, v)| *v == i as u64), "large vector contents corrupted");
    #[repr(align(4096))]
    struct PageAligned([u8; 4096]);
    let aligned = Box::new(PageAligned([7; 4096]));
    ensure!((&*aligned as *const PageAligned as usize).is_multiple_of(4096), "4096-aligned allocation misaligned");
    ensure!(aligned.0.iter().all(|b| *b == 7), "page-aligned allocation corrupted");
    let small: Vec<Box<u32>> = (0..10_000).map(Box::new).collect();
    ensure!(small.iter().enumerate().all(|(i, b)| **b == i as u32), "small allocations corrupted");
    drop(small);
    drop(aligned);
    drop(big);
    let again: Vec<u64> = alloc::vec![1; (4 << 20) / 8];
    ensure!(again.iter().all(|v| *v == 1), "reallocation after free corrupted");
    Ok(())
}
