//! One process's address space: its top-level page table (sharing the
//! kernel half with every other space), the list of regions, and the
//! operations on them.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use cairn_physmem::{FRAME_SIZE, PhysFrame};
use x86_64::structures::paging::page_table::PageTableEntry;
use x86_64::structures::paging::{PageTable, PageTableFlags as Flags};

use super::object::SharedPages;
use super::{USER_END, USER_START, tlb};
use crate::mm::{frames, paging, phys_to_virt};

/// Software PTE bit: the page is shared copy-on-write; writable by the
/// region but mapped read-only until the first write.
const COPY_ON_WRITE: Flags = Flags::BIT_9;
/// Software bit: the page is `PROT_NONE` (not present, frame kept).
const INACCESSIBLE: Flags = Flags::BIT_10;
/// Software bit: the page is device memory (not a counted user frame).
const DEVICE: Flags = Flags::BIT_11;

/// Copies the contents of user frame `from` into `to`.
fn copy_frame(from: PhysFrame, to: PhysFrame) {
    // SAFETY: both frames are user frames in the direct map; `to` is a new
    // frame no one else refers to yet, so the two never overlap.
    unsafe {
        core::ptr::copy_nonoverlapping(
            phys_to_virt(from.start_address()),
            phys_to_virt(to.start_address()),
            FRAME_SIZE as usize,
        )
    };
}

/// Calls `f(page address, entry)` for every leaf entry in use within
/// `start..end` below the table at `table_phys`, which maps addresses from
/// `base` at `level` (3: the top table, 0: a table of pages). Absent tables
/// are skipped whole, so the work follows what is mapped, not the length of
/// the range. Requires `start < end` and the range to meet the table's span.
fn walk<F>(table_phys: u64, level: u32, base: u64, start: u64, end: u64, f: &mut F) -> Result<(), VmError>
where
    F: FnMut(u64, &mut PageTableEntry) -> Result<(), VmError>,
{
    for (entry_base, entry) in present_entries(table_phys, level, base, start, end) {
        if level == 0 {
            f(entry_base, entry)?;
        } else {
            walk(entry.addr().as_u64(), level - 1, entry_base, start, end, f)?;
        }
    }
    Ok(())
}

/// The present entries of the table at `table_phys` (mapping from `base`
/// at `level`, as for [`walk`]) that meet `start..end`, each with the
/// address its span begins at.
fn present_entries(
    table_phys: u64,
    level: u32,
    base: u64,
    start: u64,
    end: u64,
) -> impl Iterator<Item = (u64, &'static mut PageTableEntry)> {
    let shift = 12 + 9 * level;
    let first = ((start.max(base) - base) >> shift) as usize;
    let last = (((end - 1 - base) >> shift).min(511)) as usize;
    table(table_phys)
        .iter_mut()
        .enumerate()
        .take(last + 1)
        .skip(first)
        .filter(|(_, entry)| !entry.is_unused())
        .map(move |(index, entry)| (base + ((index as u64) << shift), entry))
}

/// The counted user frame an entry maps; `None` for device memory.
fn user_frame(entry: &x86_64::structures::paging::page_table::PageTableEntry) -> Option<PhysFrame> {
    (!entry.flags().contains(DEVICE)).then(|| frame_of(entry))
}

/// What a region may be used for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Protection {
    pub read: bool,
    pub write: bool,
    pub execute: bool,
}

impl Protection {
    pub const READ_WRITE: Protection = Protection { read: true, write: true, execute: false };

    fn page_flags(self) -> Flags {
        let mut flags = Flags::PRESENT | Flags::USER_ACCESSIBLE;
        if self.write {
            flags |= Flags::WRITABLE;
        }
        if !self.execute {
            flags |= paging::no_execute();
        }
        flags
    }

    /// Every access.
    pub const ALL: Protection = Protection { read: true, write: true, execute: true };

    fn any(self) -> bool {
        self.read || self.write || self.execute
    }

    /// Whether every access `self` allows, `limit` allows too.
    pub fn within(self, limit: Protection) -> bool {
        (!self.read || limit.read) && (!self.write || limit.write) && (!self.execute || limit.execute)
    }
}

/// Where a region's pages come from.
#[derive(Clone, Debug)]
pub enum Backing {
    /// Private to the process: zero-filled on demand, copied on write
    /// after a fork.
    Private,
    /// Shared with every other mapping of the same pages; `first_page` is
    /// the index of the region's first page within them.
    Shared { pages: Arc<spin::Mutex<SharedPages>>, first_page: u64 },
    /// A private view of a memory object (`MAP_PRIVATE` of a file): reads
    /// see the object's pages, mapped copy-on-write; the first write to a
    /// page gives the process a copy of its own.
    PrivateView { pages: Arc<spin::Mutex<SharedPages>>, first_page: u64 },
    /// Device memory (a framebuffer) from physical address `base`,
    /// uncached, never freed.
    Device { base: u64 },
}

/// A contiguous range of user addresses with one protection and backing.
#[derive(Clone, Debug)]
struct Region {
    end: u64,
    protection: Protection,
    /// The most `mprotect` may grant (BSD's `max_prot`): what the rights
    /// of the fd the mapping was made from allow.
    max: Protection,
    backing: Backing,
}

/// Which side of a copy between two address spaces faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyFault {
    Source,
    Destination,
}

/// Why a memory operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VmError {
    /// The address range is not page aligned, empty, or outside user space.
    InvalidRange,
    /// Part of the range is already mapped (and replacement was not asked).
    Overlap,
    /// No region covers the address, or it forbids the access.
    Fault,
    /// The protection asked for exceeds a region's maximum protection.
    Denied,
    OutOfMemory,
    /// The space's page tables would pass its kernel-memory limit.
    OverLimit,
}

/// Identifies an address space (for futex keys and TLB bookkeeping).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct AddressSpaceId(pub u64);

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Most regions one address space may have (as Linux's `max_map_count`):
/// their bookkeeping is kernel heap a process would otherwise grow without
/// bound by splitting mappings. Mapping or splitting beyond it is
/// `OutOfMemory`. Neighbouring regions that differ only in where they begin
/// are joined, so ordinary use stays far below it.
const MAX_REGIONS: usize = 65_536;

/// A user address space.
pub struct AddressSpace {
    id: AddressSpaceId,
    root: PhysFrame,
    regions: BTreeMap<u64, Region>,
    /// CPUs that currently have this space loaded in CR3.
    active_cpus: AtomicU64,
    /// Page-table frames it holds, the top-level one included.
    tables: u64,
    /// Most page-table frames it may hold (its process's kernel-memory limit).
    table_limit: u64,
}

fn table(frame_phys: u64) -> &'static mut PageTable {
    // SAFETY: page-table frames are owned by their address space, reachable
    // through the direct map, and only touched under the big kernel lock.
    unsafe { &mut *phys_to_virt(frame_phys).cast::<PageTable>() }
}

/// Page-table frames taken out of an address space's tables, freed only
/// after a TLB shootdown: until then another CPU may still walk through
/// them from its paging-structure caches.
struct Retired<'a> {
    active_cpus: &'a AtomicU64,
    frames: [u64; 32],
    count: usize,
    /// Frames freed so far.
    released: u64,
}

impl<'a> Retired<'a> {
    fn new(active_cpus: &'a AtomicU64) -> Retired<'a> {
        Retired { active_cpus, frames: [0; 32], count: 0, released: 0 }
    }

    fn push(&mut self, frame: u64) {
        if self.count == self.frames.len() {
            self.release();
        }
        self.frames[self.count] = frame;
        self.count += 1;
    }

    /// Flushes every CPU using the space, then frees what was retired.
    fn release(&mut self) {
        tlb::shootdown(self.active_cpus.load(Ordering::Relaxed));
        for &frame in &self.frames[..self.count] {
            let _ = frames::free(PhysFrame::containing_address(frame));
        }
        self.released += self.count as u64;
        self.count = 0;
    }
}

/// Takes out of the tables below `table_phys` (mapping from `base` at
/// `level`, as for [`walk`]) every table meeting `start..end` that holds
/// no entry any more, handing its frame to `retired`. Visits only tables
/// present.
fn prune(table_phys: u64, level: u32, base: u64, start: u64, end: u64, retired: &mut Retired<'_>) {
    if level == 0 {
        return;
    }
    for (entry_base, entry) in present_entries(table_phys, level, base, start, end) {
        let child = entry.addr().as_u64();
        prune(child, level - 1, entry_base, start, end, retired);
        if table(child).iter().all(PageTableEntry::is_unused) {
            entry.set_unused();
            retired.push(child);
        }
    }
}

/// Whether `next` (which begins where `region`, starting at `start`, ends)
/// could be part of `region`: same protections and the same backing,
/// continued.
fn continues(start: u64, region: &Region, next: &Region) -> bool {
    let pages = (region.end - start) / FRAME_SIZE;
    let backing = match (&region.backing, &next.backing) {
        (Backing::Private, Backing::Private) => true,
        (Backing::Shared { pages: a, first_page: i }, Backing::Shared { pages: b, first_page: j })
        | (Backing::PrivateView { pages: a, first_page: i }, Backing::PrivateView { pages: b, first_page: j }) => {
            Arc::ptr_eq(a, b) && i + pages == *j
        }
        (Backing::Device { base: a }, Backing::Device { base: b }) => a + (region.end - start) == *b,
        _ => false,
    };
    backing && region.protection == next.protection && region.max == next.max
}

fn page_range_valid(start: u64, len: u64) -> bool {
    start.is_multiple_of(FRAME_SIZE)
        && len > 0
        && len.is_multiple_of(FRAME_SIZE)
        && start >= USER_START
        && start.checked_add(len).is_some_and(|end| end <= USER_END)
}

fn frame_of(entry: &PageTableEntry) -> PhysFrame {
    PhysFrame::containing_address(entry.addr().as_u64())
}

impl AddressSpace {
    /// An empty address space sharing the kernel half.
    pub fn new() -> Result<AddressSpace, VmError> {
        let root = frames::allocate_zeroed().ok_or(VmError::OutOfMemory)?;
        let kernel_root = table(paging::kernel_root());
        let root_table = table(root.start_address());
        for index in 256..512 {
            root_table[index] = kernel_root[index].clone();
        }
        Ok(AddressSpace {
            id: AddressSpaceId(NEXT_ID.fetch_add(1, Ordering::Relaxed)),
            root,
            regions: BTreeMap::new(),
            active_cpus: AtomicU64::new(0),
            tables: 1,
            table_limit: u64::MAX,
        })
    }

    /// Bytes of kernel memory its page tables take.
    pub fn kernel_bytes(&self) -> u64 {
        self.tables * FRAME_SIZE
    }

    /// Bounds its page tables to `bytes` (tables it holds already stay;
    /// new ones beyond are `OverLimit`).
    pub fn set_kernel_limit(&mut self, bytes: u64) {
        self.table_limit = bytes / FRAME_SIZE;
    }

    pub fn id(&self) -> AddressSpaceId {
        self.id
    }

    /// Bytes of address space its regions cover (what `RLIMIT_AS` limits).
    pub fn mapped_bytes(&self) -> u64 {
        self.regions.iter().map(|(start, region)| region.end - start).sum()
    }

    /// User pages present in its page tables, device memory excluded (the
    /// out-of-memory policy's measure of a process). Walks only the tables
    /// that exist.
    pub fn resident_pages(&self) -> u64 {
        let mut pages = 0;
        let _ = walk(self.root.start_address(), 3, 0, USER_START, USER_END, &mut |_, entry| {
            if user_frame(entry).is_some() {
                pages += 1;
            }
            Ok(())
        });
        pages
    }

    /// Physical address of the top-level table (for CR3).
    pub fn root(&self) -> u64 {
        self.root.start_address()
    }

    /// Records that `cpu` loaded (or unloaded) this space.
    pub fn set_active(&self, cpu: u32, active: bool) {
        let bit = 1u64 << (cpu % 64);
        if active {
            self.active_cpus.fetch_or(bit, Ordering::Relaxed);
        } else {
            self.active_cpus.fetch_and(!bit, Ordering::Relaxed);
        }
    }

    /// The leaf entry for `address`, creating intermediate tables if asked.
    fn leaf(&mut self, address: u64, create: bool) -> Result<Option<&'static mut PageTableEntry>, VmError> {
        let indices = [(address >> 39) & 511, (address >> 30) & 511, (address >> 21) & 511, (address >> 12) & 511];
        let mut current = table(self.root.start_address());
        for &index in &indices[..3] {
            let entry = &mut current[index as usize];
            if entry.is_unused() {
                if !create {
                    return Ok(None);
                }
                if self.tables >= self.table_limit {
                    return Err(VmError::OverLimit);
                }
                let frame = frames::allocate_zeroed().ok_or(VmError::OutOfMemory)?;
                self.tables += 1;
                entry.set_addr(
                    x86_64::PhysAddr::new(frame.start_address()),
                    Flags::PRESENT | Flags::WRITABLE | Flags::USER_ACCESSIBLE,
                );
            }
            current = table(entry.addr().as_u64());
        }
        Ok(Some(&mut current[indices[3] as usize]))
    }

    fn region_at(&self, address: u64) -> Option<(u64, &Region)> {
        self.regions.range(..=address).next_back().filter(|(_, r)| address < r.end).map(|(s, r)| (*s, r))
    }

    /// Whether any region overlaps `start..end`.
    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.regions.range(..end).next_back().is_some_and(|(_, r)| r.end > start)
    }

    /// Adds a region any protection may later be given; fails if the
    /// range is invalid or overlaps another.
    pub fn map(&mut self, start: u64, len: u64, protection: Protection, backing: Backing) -> Result<(), VmError> {
        self.map_limited(start, len, protection, Protection::ALL, backing)
    }

    /// Adds a region whose protection may never exceed `max`.
    pub fn map_limited(
        &mut self,
        start: u64,
        len: u64,
        protection: Protection,
        max: Protection,
        backing: Backing,
    ) -> Result<(), VmError> {
        if !page_range_valid(start, len) {
            return Err(VmError::InvalidRange);
        }
        if !protection.within(max) {
            return Err(VmError::Denied);
        }
        if self.overlaps(start, start + len) {
            return Err(VmError::Overlap);
        }
        if self.regions.len() >= MAX_REGIONS {
            return Err(VmError::OutOfMemory);
        }
        self.regions.insert(start, Region { end: start + len, protection, max, backing });
        self.join(start, start + len);
        Ok(())
    }

    /// Finds a free, page-aligned range of `len` bytes below `below`,
    /// searching downwards (the mmap area grows down from its random base).
    pub fn find_free(&self, len: u64, below: u64) -> Option<u64> {
        let mut candidate_end = below.min(USER_END);
        for (&start, region) in self.regions.range(..candidate_end).rev() {
            if region.end <= candidate_end && candidate_end - region.end >= len {
                return Some(candidate_end - len);
            }
            candidate_end = candidate_end.min(start);
        }
        candidate_end.checked_sub(len).filter(|s| *s >= USER_START)
    }

    /// Splits regions so that `address` is a region boundary (a split
    /// changes no mapping, so a later failure may leave it in place).
    fn split_at(&mut self, address: u64) -> Result<(), VmError> {
        let Some((start, region)) = self.region_at(address) else { return Ok(()) };
        if start == address {
            return Ok(());
        }
        if self.regions.len() >= MAX_REGIONS {
            return Err(VmError::OutOfMemory);
        }
        let mut upper = region.clone();
        match &mut upper.backing {
            Backing::Shared { first_page, .. } | Backing::PrivateView { first_page, .. } => {
                *first_page += (address - start) / FRAME_SIZE;
            }
            Backing::Device { base } => *base += address - start,
            Backing::Private => {}
        }
        if let Some(lower) = self.regions.get_mut(&start) {
            lower.end = address;
        }
        self.regions.insert(address, upper);
        Ok(())
    }

    /// Joins each region meeting `start..end` with the next one when they
    /// differ only in where they begin.
    fn join(&mut self, start: u64, end: u64) {
        let mut cursor = self.regions.range(..start).next_back().map_or(start, |(s, _)| *s);
        while let Some((&first, region)) = self.regions.range(cursor..).next() {
            if first > end {
                break;
            }
            match self.regions.get(&region.end) {
                Some(next) if continues(first, region, next) => {
                    let (next_start, next_end) = (region.end, next.end);
                    self.regions.remove(&next_start);
                    if let Some(region) = self.regions.get_mut(&first) {
                        region.end = next_end;
                    }
                }
                _ => cursor = first + 1,
            }
        }
    }

    /// Calls `f(page address, entry)` for every leaf entry in use within
    /// `start..end`; see [`walk`].
    fn for_each_entry<F>(&self, start: u64, end: u64, mut f: F) -> Result<(), VmError>
    where
        F: FnMut(u64, &mut PageTableEntry) -> Result<(), VmError>,
    {
        if start >= end {
            return Ok(());
        }
        walk(self.root.start_address(), 3, 0, start, end, &mut f)
    }

    /// Removes every mapping in `start..start+len` and returns the frames,
    /// and the page tables left empty. The work follows the pages and
    /// tables present, not the length of the range.
    pub fn unmap(&mut self, start: u64, len: u64) -> Result<(), VmError> {
        if !page_range_valid(start, len) {
            return Err(VmError::InvalidRange);
        }
        let end = start + len;
        self.split_at(start)?;
        self.split_at(end)?;
        while let Some((&region_start, _)) = self.regions.range(start..end).next() {
            self.regions.remove(&region_start);
        }
        // Nothing outside a region is ever mapped, so every entry in the
        // range belonged to the regions just removed.
        self.for_each_entry(start, end, |_, entry| {
            if let Some(frame) = user_frame(entry) {
                frames::release_user(frame);
            }
            entry.set_unused();
            Ok(())
        })?;
        let mut retired = Retired::new(&self.active_cpus);
        prune(self.root.start_address(), 3, 0, start, end, &mut retired);
        retired.release();
        self.tables -= retired.released;
        Ok(())
    }

    /// Changes the protection of every region in `start..start+len`; the
    /// whole range must be mapped (`Fault`), and `protection` must lie
    /// within each region's maximum (`Denied`). Pages that may be shared
    /// with another space (copy-on-write) stay read-only whatever
    /// `protection` says, so the first write copies them.
    pub fn protect(&mut self, start: u64, len: u64, protection: Protection) -> Result<(), VmError> {
        if !page_range_valid(start, len) {
            return Err(VmError::InvalidRange);
        }
        let end = start + len;
        let (first, _) = self.region_at(start).ok_or(VmError::Fault)?;
        let mut covered = start;
        for (&s, r) in self.regions.range(first..end) {
            if s > covered {
                break;
            }
            covered = r.end;
        }
        if covered < end {
            return Err(VmError::Fault);
        }
        let overlapping = self.regions.range(..end).rev().take_while(|(_, r)| r.end > start);
        if overlapping.clone().any(|(_, r)| !protection.within(r.max)) {
            return Err(VmError::Denied);
        }
        self.split_at(start)?;
        self.split_at(end)?;
        for region in self.regions.range_mut(start..end).map(|(_, r)| r) {
            region.protection = protection;
        }
        self.join(start, end);
        self.for_each_entry(start, end, |_, entry| {
            let kept = entry.flags() & (DEVICE | Flags::NO_CACHE | COPY_ON_WRITE);
            let mut flags = protection.page_flags() | kept;
            if kept.contains(COPY_ON_WRITE) {
                flags -= Flags::WRITABLE;
            }
            if !protection.any() {
                // PROT_NONE: keep the frame, but make it inaccessible.
                flags = (flags - Flags::PRESENT) | INACCESSIBLE;
            }
            entry.set_flags(flags);
            Ok(())
        })?;
        self.flush_tlb();
        Ok(())
    }

    /// Resolves a page fault at `address` (demand zero, shared pages,
    /// private views, copy on write). `Err(Fault)` means the access is not
    /// allowed; `Err(OutOfMemory)` that no frame was left for it.
    pub fn handle_fault(&mut self, address: u64, write: bool, execute: bool) -> Result<(), VmError> {
        if address >= USER_END {
            return Err(VmError::Fault);
        }
        let (region_start, region) = self.region_at(address).ok_or(VmError::Fault)?;
        let protection = region.protection;
        let allowed = if execute {
            protection.execute
        } else if write {
            protection.write
        } else {
            protection.read || protection.write || protection.execute
        };
        if !allowed {
            return Err(VmError::Fault);
        }
        let backing = region.backing.clone();
        let page = address & !(FRAME_SIZE - 1);
        let index = (page - region_start) / FRAME_SIZE;
        let entry = self.leaf(page, true)?.ok_or(VmError::OutOfMemory)?;
        if entry.is_unused() {
            let (frame, flags) = match &backing {
                Backing::Device { base } => {
                    let flags = protection.page_flags() | Flags::NO_CACHE | DEVICE;
                    entry.set_addr(x86_64::PhysAddr::new(base + (page - region_start)), flags);
                    return Ok(());
                }
                Backing::Private => (frames::allocate_user().ok_or(VmError::OutOfMemory)?, protection.page_flags()),
                Backing::Shared { pages, first_page } => {
                    let frame = pages.lock().get_or_fill(first_page + index)?;
                    frames::share_user(frame);
                    (frame, protection.page_flags())
                }
                Backing::PrivateView { pages, first_page } if write => {
                    let copy = frames::allocate_user().ok_or(VmError::OutOfMemory)?;
                    if let Some(original) = pages.lock().get(first_page + index) {
                        copy_frame(original, copy);
                    }
                    (copy, protection.page_flags())
                }
                Backing::PrivateView { pages, first_page } => {
                    let frame = pages.lock().get_or_fill(first_page + index)?;
                    frames::share_user(frame);
                    (frame, (protection.page_flags() - Flags::WRITABLE) | COPY_ON_WRITE)
                }
            };
            entry.set_addr(x86_64::PhysAddr::new(frame.start_address()), flags);
            return Ok(());
        }
        if write && entry.flags().contains(COPY_ON_WRITE) {
            let old = frame_of(entry);
            let frame = if frames::user_refs(old) == 1 {
                old
            } else {
                let copy = frames::allocate_user().ok_or(VmError::OutOfMemory)?;
                copy_frame(old, copy);
                frames::release_user(old);
                copy
            };
            entry.set_addr(x86_64::PhysAddr::new(frame.start_address()), protection.page_flags());
            tlb::flush_page(page);
            self.flush_tlb();
            return Ok(());
        }
        // Present and allowed: another CPU resolved it, or a stale TLB entry.
        tlb::flush_page(page);
        Ok(())
    }

    /// A copy for a forked child: shared regions share their pages; every
    /// page of a private region (whatever its protection: read-only,
    /// `PROT_NONE` and program text too) becomes copy-on-write in both
    /// spaces, so no later `mprotect` can open a path between them. The work
    /// follows the pages present. On failure the parent keeps its pages
    /// (some marked copy-on-write, which costs only a later fault) and
    /// every reference taken for the child is returned with it.
    pub fn fork(&mut self) -> Result<AddressSpace, VmError> {
        let mut child = AddressSpace::new()?;
        child.table_limit = self.table_limit;
        let root = self.root.start_address();
        let mut result = Ok(());
        for (&start, region) in &self.regions {
            child.regions.insert(start, region.clone());
            let private = matches!(region.backing, Backing::Private | Backing::PrivateView { .. });
            result = walk(root, 3, 0, start, region.end, &mut |page, entry| {
                let mut flags = entry.flags();
                if private {
                    flags = (flags - Flags::WRITABLE) | COPY_ON_WRITE;
                }
                let child_entry = child.leaf(page, true)?.ok_or(VmError::OutOfMemory)?;
                if let Some(frame) = user_frame(entry) {
                    frames::share_user(frame);
                }
                child_entry.set_addr(entry.addr(), flags);
                entry.set_flags(flags);
                Ok(())
            });
            if result.is_err() {
                break;
            }
        }
        self.flush_tlb();
        result.map(|()| child)
    }

    /// Copies user memory at `address` into `buffer`.
    pub fn read(&mut self, address: u64, buffer: &mut [u8]) -> Result<(), VmError> {
        let mut done = 0;
        self.for_each_chunk(address, buffer.len(), false, |phys, offset, len| {
            // SAFETY: `phys..phys+len` is a mapped user frame in the direct map.
            unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(phys), buffer[offset..].as_mut_ptr(), len) };
            done += len;
        })?;
        Ok(())
    }

    /// Copies `data` into user memory at `address` (as the user would write it).
    pub fn write(&mut self, address: u64, data: &[u8]) -> Result<(), VmError> {
        self.for_each_chunk(address, data.len(), true, |phys, offset, len| {
            // SAFETY: `phys..phys+len` is a mapped, writable user frame.
            unsafe { core::ptr::copy_nonoverlapping(data[offset..].as_ptr(), phys_to_virt(phys), len) };
        })
    }

    /// Copies `len` bytes of user memory at `source` in this space to
    /// `destination` in `other` (another process's space) — one copy,
    /// frame to frame through the direct map, faulting pages in on both
    /// sides as the users' own accesses would. A fault is reported for the
    /// side it happened on; bytes before it are copied.
    pub fn copy_to(
        &mut self,
        source: u64,
        other: &mut AddressSpace,
        destination: u64,
        len: usize,
    ) -> Result<(), CopyFault> {
        let in_range = |address: u64| address.checked_add(len as u64).is_some_and(|end| end <= USER_END);
        if !in_range(source) {
            return Err(CopyFault::Source);
        }
        if !in_range(destination) {
            return Err(CopyFault::Destination);
        }
        let mut done = 0u64;
        while done < len as u64 {
            let (from, to) = (source + done, destination + done);
            let chunk = (FRAME_SIZE - from % FRAME_SIZE).min(FRAME_SIZE - to % FRAME_SIZE).min(len as u64 - done);
            let from_phys = self.translate_for(from, false).map_err(|_| CopyFault::Source)?;
            let to_phys = other.translate_for(to, true).map_err(|_| CopyFault::Destination)?;
            // SAFETY: both ranges lie inside one mapped user frame each (the
            // chunk stops at either page's end), reached through the direct
            // map; `copy` allows them to overlap (one shared frame mapped in
            // both spaces).
            unsafe {
                core::ptr::copy(phys_to_virt(from_phys), phys_to_virt(to_phys), chunk as usize);
            }
            done += chunk;
        }
        Ok(())
    }

    /// Walks `address..address+len` page by page, faulting pages in with the
    /// user's permissions, and calls `f(physical address, offset, length)`.
    fn for_each_chunk(
        &mut self,
        address: u64,
        len: usize,
        write: bool,
        mut f: impl FnMut(u64, usize, usize),
    ) -> Result<(), VmError> {
        let end = address.checked_add(len as u64).ok_or(VmError::Fault)?;
        if end > USER_END {
            return Err(VmError::Fault);
        }
        let mut offset = 0usize;
        while offset < len {
            let current = address + offset as u64;
            let in_page = (FRAME_SIZE - current % FRAME_SIZE).min((len - offset) as u64) as usize;
            let phys = self.translate_for(current, write)?;
            f(phys, offset, in_page);
            offset += in_page;
        }
        Ok(())
    }

    /// The physical address behind `address`, faulting it in as a user
    /// access of this kind would.
    pub fn translate_for(&mut self, address: u64, write: bool) -> Result<u64, VmError> {
        for _ in 0..2 {
            if let Some(entry) = self.leaf(address, false)?
                && entry.flags().contains(Flags::PRESENT | Flags::USER_ACCESSIBLE)
                && (!write || entry.flags().contains(Flags::WRITABLE))
            {
                return Ok(entry.addr().as_u64() + address % FRAME_SIZE);
            }
            self.handle_fault(address, write, false)?;
        }
        Err(VmError::Fault)
    }

    /// Whether the region containing `address` is shared (`MAP_SHARED`).
    pub fn is_shared(&self, address: u64) -> bool {
        self.region_at(address).is_some_and(|(_, r)| matches!(r.backing, Backing::Shared { .. }))
    }

    /// Flushes stale translations of this space on every CPU using it.
    fn flush_tlb(&self) {
        tlb::shootdown(self.active_cpus.load(Ordering::Relaxed));
    }
}

impl Drop for AddressSpace {
    fn drop(&mut self) {
        let root = table(self.root.start_address());
        for l4 in 0..256 {
            if root[l4].is_unused() {
                continue;
            }
            let pdpt = table(root[l4].addr().as_u64());
            for l3 in 0..512 {
                if pdpt[l3].is_unused() {
                    continue;
                }
                let pd = table(pdpt[l3].addr().as_u64());
                for l2 in 0..512 {
                    if pd[l2].is_unused() {
                        continue;
                    }
                    let pt = table(pd[l2].addr().as_u64());
                    for l1 in 0..512 {
                        if !pt[l1].is_unused()
                            && let Some(frame) = user_frame(&pt[l1])
                        {
                            frames::release_user(frame);
                        }
                    }
                    let _ = frames::free(frame_of(&pd[l2]));
                }
                let _ = frames::free(frame_of(&pdpt[l3]));
            }
            let _ = frames::free(frame_of(&root[l4]));
        }
        let _ = frames::free(self.root);
    }
}
