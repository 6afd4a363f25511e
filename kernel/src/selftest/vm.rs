//! Self tests of user address spaces where user space cannot steer the
//! outcome: a `fork` that runs out of frames part way gives back every
//! frame reference it took, and a sparse memory object costs the pages
//! touched, not its size.

use cairn_physmem::{FRAME_SIZE, PhysFrame};

use super::{Test, TestResult};
use crate::bootinfo::BootInfo;
use crate::mm::{frames, phys_to_virt};
use crate::vm::{AddressSpace, Backing, Protection, SharedPages};

pub const TESTS: &[Test] = &[
    Test { name: "vm::fork_out_of_memory_keeps_counts", run: fork_out_of_memory_keeps_counts },
    Test { name: "vm::sparse_object_costs_touched_pages", run: sparse_object_costs_touched_pages },
];

/// Where the tests map their pages.
const ADDRESS: u64 = 0x1000_0000;

/// Takes every free frame, chaining them through their first word (no
/// heap needed); returns the head of the chain.
fn take_all_frames() -> Option<PhysFrame> {
    let mut head: Option<PhysFrame> = None;
    while let Some(frame) = frames::allocate() {
        let next = head.map_or(0, |f| f.start_address());
        // SAFETY: the frame was just allocated and is only used to hold the
        // chain until `give_back` frees it.
        unsafe { phys_to_virt(frame.start_address()).cast::<u64>().write(next) };
        head = Some(frame);
    }
    head
}

/// Frees up to `count` frames of a chain made by [`take_all_frames`] and
/// returns the rest.
fn release_some(mut head: Option<PhysFrame>, count: usize) -> Option<PhysFrame> {
    for _ in 0..count {
        let frame = head?;
        // SAFETY: the chain's frames hold the address of the next one.
        let next = unsafe { phys_to_virt(frame.start_address()).cast::<u64>().read() };
        let _ = frames::free(frame);
        head = (next != 0).then(|| PhysFrame::containing_address(next));
    }
    head
}

/// A child space gets its top table but not the tables under it: the
/// parent's page must keep exactly its one reference, and every frame
/// must come back.
fn fork_out_of_memory_keeps_counts(_: &BootInfo) -> TestResult {
    frames::init_user_refs();
    let (free_before, _) = frames::stats();
    let mut space = AddressSpace::new().map_err(|e| alloc::format!("new space: {e:?}"))?;
    space.map(ADDRESS, FRAME_SIZE, Protection::READ_WRITE, Backing::Private).map_err(|e| alloc::format!("{e:?}"))?;
    space.write(ADDRESS, b"parent").map_err(|e| alloc::format!("write: {e:?}"))?;
    let page = PhysFrame::containing_address(
        space.translate_for(ADDRESS, false).map_err(|e| alloc::format!("translate: {e:?}"))?,
    );
    ensure!(frames::user_refs(page) == 1, "a fresh page has {} references", frames::user_refs(page));
    // One frame free: the child's top table, and nothing for the tables
    // that would hold the shared page.
    let chain = release_some(take_all_frames(), 1);
    let forked = space.fork();
    release_some(chain, usize::MAX);
    let refs = frames::user_refs(page);
    let failed = forked.is_err();
    drop(forked);
    let mut contents = [0u8; 6];
    let read = space.read(ADDRESS, &mut contents);
    drop(space);
    let (free_after, _) = frames::stats();
    ensure!(failed, "fork succeeded with one free frame");
    ensure!(refs == 1, "the page has {refs} references after the failed fork");
    ensure!(read.is_ok() && &contents == b"parent", "the parent's page changed: {read:?} {contents:?}");
    ensure!(free_after == free_before, "{} frames lost", free_before.saturating_sub(free_after));
    Ok(())
}

/// An object of 2^35 pages (all of user space) with its last page touched
/// uses the page and the four nodes above it, and gives all back.
fn sparse_object_costs_touched_pages(_: &BootInfo) -> TestResult {
    frames::init_user_refs();
    let pages = 1u64 << 35;
    let (free_before, _) = frames::stats();
    let mut object = SharedPages::new(pages);
    let frame = object.get_or_fill(pages - 1).map_err(|e| alloc::format!("fill: {e:?}"))?;
    let again = object.get_or_fill(pages - 1).map_err(|e| alloc::format!("fill again: {e:?}"))?;
    let used = free_before - frames::stats().0;
    let refs = frames::user_refs(frame);
    let beyond = object.get_or_fill(pages);
    let untouched = object.get(0);
    drop(object);
    ensure!(frame == again, "the page changed between lookups");
    ensure!(refs == 1, "the object's page has {refs} references");
    ensure!(used == 5, "one touched page used {used} frames");
    ensure!(beyond.is_err(), "a page past the end was filled");
    ensure!(untouched.is_none(), "an untouched page is present");
    ensure!(frames::stats().0 == free_before, "frames not returned with the object");
    Ok(())
}
