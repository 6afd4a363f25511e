//! The pages of a memory object (`memory_create`, `MAP_SHARED`
//! anonymous mappings): a sparse radix tree from page index to frame,
//! built like a page table out of frame-sized nodes of 512 entries.
//!
//! Only touched pages and the nodes leading to them exist, so an object's
//! cost follows what was touched, never its size, and every node comes
//! from the frame allocator, whose failure is an error (`OutOfMemory`)
//! rather than a kernel-heap panic.

use cairn_physmem::{FRAME_SIZE, PhysFrame};

use super::VmError;
use crate::mm::{frames, phys_to_virt};

/// Entries per node.
const FANOUT: u64 = 512;
/// Bits of the page index each level consumes.
const BITS: u32 = 9;
/// Marks a used entry (frame 0 is a valid physical frame).
const PRESENT: u64 = 1;

/// One node: 512 entries, each 0 (empty) or a frame address | `PRESENT`.
fn node(frame: PhysFrame) -> &'static mut [u64; FANOUT as usize] {
    // SAFETY: nodes are frames owned by their `SharedPages`, reachable
    // through the direct map, page aligned, and only touched with its lock
    // held.
    unsafe { &mut *phys_to_virt(frame.start_address()).cast::<[u64; FANOUT as usize]>() }
}

fn entry_frame(entry: u64) -> Option<PhysFrame> {
    (entry & PRESENT != 0).then(|| PhysFrame::containing_address(entry & !(FRAME_SIZE - 1)))
}

/// Pages of a shared memory object, shared by every region mapping it
/// (across `fork`), filled on first touch. Each filled page holds one
/// user-frame reference of its own.
#[derive(Debug)]
pub struct SharedPages {
    /// The top node, once any page was touched.
    root: Option<PhysFrame>,
    /// Levels of nodes below and including the root (at least 1).
    levels: u32,
    /// Number of pages the object holds.
    pages: u64,
}

impl SharedPages {
    /// An object of `pages` pages, none filled yet (no memory used).
    pub fn new(pages: u64) -> SharedPages {
        let mut levels = 1;
        while levels < 8 && FANOUT.pow(levels) < pages {
            levels += 1;
        }
        SharedPages { root: None, levels, pages }
    }

    /// The frame of page `index`, if it was filled.
    pub fn get(&self, index: u64) -> Option<PhysFrame> {
        if index >= self.pages {
            return None;
        }
        let mut current = self.root?;
        for level in (0..self.levels).rev() {
            let slot = ((index >> (BITS * level)) % FANOUT) as usize;
            current = entry_frame(node(current)[slot])?;
        }
        Some(current)
    }

    /// An object of `pages` physically contiguous zeroed pages ending below
    /// physical address `below`, all present (DMA memory), and the physical
    /// address of its first.
    pub fn contiguous(pages: u64, below: u64) -> Result<(SharedPages, u64), VmError> {
        let first = frames::allocate_user_contiguous(pages, below).ok_or(VmError::OutOfMemory)?;
        let mut object = SharedPages::new(pages);
        for index in 0..pages {
            let frame = PhysFrame::containing_address(first.start_address() + index * FRAME_SIZE);
            if let Err(e) = object.place(index, frame) {
                for rest in index..pages {
                    frames::release_user(PhysFrame::containing_address(first.start_address() + rest * FRAME_SIZE));
                }
                return Err(e);
            }
        }
        Ok((object, first.start_address()))
    }

    /// Puts `frame` (holding one user reference) at empty page `index`.
    fn place(&mut self, index: u64, frame: PhysFrame) -> Result<(), VmError> {
        *self.page_entry(index)? = frame.start_address() | PRESENT;
        Ok(())
    }

    /// The frame of page `index`, filling it with zeroes first if it was
    /// never touched. Fails when a frame for it or its nodes is lacking
    /// (nodes already added stay for later use).
    pub fn get_or_fill(&mut self, index: u64) -> Result<PhysFrame, VmError> {
        if index >= self.pages {
            return Err(VmError::Fault);
        }
        let entry = self.page_entry(index)?;
        if let Some(frame) = entry_frame(*entry) {
            return Ok(frame);
        }
        let frame = frames::allocate_user().ok_or(VmError::OutOfMemory)?;
        *entry = frame.start_address() | PRESENT;
        Ok(frame)
    }

    /// The entry of the bottom node that holds page `index`, adding the
    /// nodes leading to it that are missing.
    fn page_entry(&mut self, index: u64) -> Result<&'static mut u64, VmError> {
        let mut current = match self.root {
            Some(root) => root,
            None => {
                let root = frames::allocate_zeroed().ok_or(VmError::OutOfMemory)?;
                self.root = Some(root);
                root
            }
        };
        for level in (1..self.levels).rev() {
            let slot = ((index >> (BITS * level)) % FANOUT) as usize;
            let entries = node(current);
            current = match entry_frame(entries[slot]) {
                Some(next) => next,
                None => {
                    let next = frames::allocate_zeroed().ok_or(VmError::OutOfMemory)?;
                    entries[slot] = next.start_address() | PRESENT;
                    next
                }
            };
        }
        Ok(&mut node(current)[(index % FANOUT) as usize])
    }
}

/// Releases every page below `frame` (a node `level` levels above the
/// pages) and the node itself.
fn release_node(frame: PhysFrame, level: u32) {
    for &entry in node(frame).iter() {
        if let Some(child) = entry_frame(entry) {
            if level == 0 {
                frames::release_user(child);
            } else {
                release_node(child, level - 1);
            }
        }
    }
    let _ = frames::free(frame);
}

impl Drop for SharedPages {
    fn drop(&mut self) {
        if let Some(root) = self.root {
            release_node(root, self.levels - 1);
        }
    }
}
