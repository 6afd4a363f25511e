//! The sanitized physical memory map: [`MemoryMap::from_firmware`] turns whatever the firmware
//! reported (unsorted, overlapping, absurd entries) into a short sorted list of usable,
//! frame-aligned ranges, reporting every oddity as a [`MapWarning`]. Also [`place_bitmap`],
//! which finds room for the frame allocator's bitmap. Depends only on `core` and
//! [`crate::range`].

use core::fmt;

use crate::FRAME_SIZE;
use crate::range::PhysRange;

/// Most usable ranges a [`MemoryMap`] holds. Real firmware reports a few dozen; beyond this
/// the smallest fragments are given up (see [`MapWarning::TooManyFragments`]).
pub const MAP_CAPACITY: usize = 256;

/// What the firmware says a region of physical memory is for. The default is the safe
/// reading of an unknown type: [`RegionKind::Reserved`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum RegionKind {
    /// RAM free for the operating system.
    Usable,
    /// In use by firmware or hardware; never touch.
    #[default]
    Reserved,
    /// ACPI tables; reusable once they have been parsed.
    AcpiReclaimable,
    /// ACPI non-volatile storage; must be preserved across sleep states.
    AcpiNvs,
    /// RAM the firmware found faulty.
    Defective,
}

impl RegionKind {
    /// Whether the kernel may allocate from a region of this kind.
    pub const fn is_usable(self) -> bool {
        matches!(self, RegionKind::Usable)
    }

    const fn name(self) -> &'static str {
        match self {
            RegionKind::Usable => "usable",
            RegionKind::Reserved => "reserved",
            RegionKind::AcpiReclaimable => "ACPI-reclaimable",
            RegionKind::AcpiNvs => "ACPI-NVS",
            RegionKind::Defective => "defective",
        }
    }
}

impl fmt::Display for RegionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One entry of the memory map exactly as the firmware reported it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RawRegion {
    /// Physical start address.
    pub start: u64,
    /// Length in bytes.
    pub len: u64,
    /// What the region is.
    pub kind: RegionKind,
}

/// Something wrong with the firmware's memory map, and what was done about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapWarning {
    /// An entry of length zero; ignored.
    ZeroLength { start: u64, kind: RegionKind },
    /// An entry starting at or beyond the highest possible physical address; ignored.
    BeyondMaxPhysAddr { start: u64, len: u64, kind: RegionKind, max_phys_addr: u64 },
    /// An entry whose end lies beyond the highest possible physical address; only the part
    /// below it is kept.
    ClippedToMaxPhysAddr { start: u64, len: u64, kind: RegionKind, max_phys_addr: u64 },
    /// An entry whose end does not even fit in 64 bits. A usable one is garbage and ignored;
    /// any other kind is kept up to the highest physical address, which is the safe reading.
    EndOverflows { start: u64, len: u64, kind: RegionKind },
    /// Part of a usable range is also claimed by `other`. Two usable entries are merged; any
    /// other kind wins over usable.
    Overlap { usable: PhysRange, other: PhysRange, other_kind: RegionKind },
    /// More separate usable ranges than [`MAP_CAPACITY`]: the smallest were given up.
    TooManyFragments { capacity: usize, dropped_ranges: usize, dropped_bytes: u64 },
}

impl fmt::Display for MapWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            MapWarning::ZeroLength { start, kind } => {
                write!(f, "memory map: zero-length {kind} entry at {start:#x} ignored")
            }
            MapWarning::BeyondMaxPhysAddr { start, len, kind, max_phys_addr } => write!(
                f,
                "memory map: {kind} entry at {start:#x} (length {len:#x}) lies beyond the \
                 physical address limit {max_phys_addr:#x}; ignored"
            ),
            MapWarning::ClippedToMaxPhysAddr { start, len, kind, max_phys_addr } => write!(
                f,
                "memory map: {kind} entry at {start:#x} (length {len:#x}) ends beyond the \
                 physical address limit {max_phys_addr:#x}; clipped"
            ),
            MapWarning::EndOverflows { start, len, kind } => {
                let action = if kind.is_usable() { "ignored" } else { "kept up to the physical address limit" };
                write!(
                    f,
                    "memory map: {kind} entry at {start:#x} has impossible length {len:#x}; \
                     {action}"
                )
            }
            MapWarning::Overlap { usable, other, other_kind } => {
                let action = if other_kind.is_usable() { "merged" } else { "not usable" };
                write!(
                    f,
                    "memory map: {other_kind} range {other} overlaps usable range {usable}; \
                     overlap {action}"
                )
            }
            MapWarning::TooManyFragments { capacity, dropped_ranges, dropped_bytes } => write!(
                f,
                "memory map: more than {capacity} usable ranges; gave up the {dropped_ranges} \
                 smallest ({dropped_bytes} bytes)"
            ),
        }
    }
}

/// Usable memory given up for lack of room in a [`MemoryMap`].
#[derive(Default)]
struct Dropped {
    ranges: usize,
    bytes: u64,
}

impl Dropped {
    fn add(&mut self, r: PhysRange) {
        self.ranges += 1;
        self.bytes = self.bytes.saturating_add(r.len());
    }
}

/// A sorted list of at most [`MAP_CAPACITY`] usable, frame-aligned, non-empty physical
/// ranges that neither overlap nor touch.
#[derive(Clone)]
pub struct MemoryMap {
    ranges: [PhysRange; MAP_CAPACITY],
    /// Number of ranges in use at the front of `ranges`; never above `MAP_CAPACITY`.
    len: usize,
}

impl Default for MemoryMap {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl MemoryMap {
    /// A map with no usable memory.
    pub const fn new() -> Self {
        Self { ranges: [PhysRange::new(0, 0); MAP_CAPACITY], len: 0 }
    }

    /// Builds the usable map from the firmware's entries.
    ///
    /// * `raw`: the firmware entries, in any order.
    /// * `reserved`: ranges already in use (kernel image, boot information, modules,
    ///   framebuffer, ACPI tables…); they are widened to whole frames and taken out.
    /// * `max_phys_addr`: first address the machine cannot have (e.g. `1 << MAXPHYADDR`).
    /// * `warn`: called once for every oddity found.
    ///
    /// Usable entries are merged where they overlap or touch, then cut to whole frames; every
    /// other kind wins where it overlaps usable memory. Frame 0 (the real-mode interrupt
    /// vector table) is never usable.
    pub fn from_firmware(
        raw: &[RawRegion],
        reserved: &[PhysRange],
        max_phys_addr: u64,
        warn: &mut dyn FnMut(MapWarning),
    ) -> MemoryMap {
        let mut map = MemoryMap::new();
        let mut dropped = Dropped::default();

        for region in raw.iter().filter(|r| r.kind.is_usable()) {
            let Some(r) = clip(region, max_phys_addr, warn) else {
                continue;
            };
            if let Some(usable) = map.union(r, &mut dropped) {
                warn(MapWarning::Overlap { usable, other: r, other_kind: RegionKind::Usable });
            }
        }
        // From here on, everything taken out is whole frames, so the map stays aligned.
        map.align_inward();

        for region in raw.iter().filter(|r| !r.kind.is_usable()) {
            let Some(r) = clip(region, max_phys_addr, warn) else {
                continue;
            };
            if let Some(usable) = map.first_overlap(&r) {
                warn(MapWarning::Overlap { usable, other: r, other_kind: region.kind });
            }
            map.subtract(r.align_outward(), &mut dropped);
        }
        map.subtract(PhysRange::new(0, FRAME_SIZE), &mut dropped);
        for r in reserved {
            map.subtract(r.align_outward(), &mut dropped);
        }

        if dropped.ranges > 0 {
            warn(MapWarning::TooManyFragments {
                capacity: MAP_CAPACITY,
                dropped_ranges: dropped.ranges,
                dropped_bytes: dropped.bytes,
            });
        }
        map
    }

    /// The usable ranges, lowest first.
    pub fn as_slice(&self) -> &[PhysRange] {
        &self.ranges[..self.len]
    }

    /// Iterates over the usable ranges, lowest first.
    pub fn iter(&self) -> core::iter::Copied<core::slice::Iter<'_, PhysRange>> {
        self.as_slice().iter().copied()
    }

    /// Number of separate usable ranges.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no usable memory at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Total usable bytes.
    pub fn total_bytes(&self) -> u64 {
        self.iter().fold(0, |sum, r| sum.saturating_add(r.len()))
    }

    /// First address past the highest usable byte (0 when the map is empty); dividing it by
    /// [`FRAME_SIZE`] gives the number of frames a [`crate::FrameBitmap`] must cover.
    pub fn highest_address(&self) -> u64 {
        self.as_slice().last().map_or(0, |r| r.end)
    }

    /// Takes `range`, widened to whole frames, out of the usable memory, e.g. for the frame
    /// bitmap or memory handed out before the allocator exists. Returns how many usable bytes
    /// left the map. If cutting a range in two would exceed [`MAP_CAPACITY`], the smallest
    /// range is given up as well (and counted in the result).
    pub fn remove(&mut self, range: PhysRange) -> u64 {
        let before = self.total_bytes();
        self.subtract(range.align_outward(), &mut Dropped::default());
        before - self.total_bytes()
    }

    /// The first range that shares an address with `r`, if any.
    fn first_overlap(&self, r: &PhysRange) -> Option<PhysRange> {
        let i = self.as_slice().partition_point(|x| x.end <= r.start);
        self.as_slice().get(i).filter(|x| x.overlaps(r)).copied()
    }

    /// Adds the non-empty range `r`, merging it with every range it overlaps or touches.
    /// Returns the first range it overlapped (not merely touched), if any.
    fn union(&mut self, r: PhysRange, dropped: &mut Dropped) -> Option<PhysRange> {
        let ranges = self.as_slice();
        let i = ranges.partition_point(|x| x.end < r.start);
        let j = ranges.partition_point(|x| x.start <= r.end);
        if i == j {
            self.insert_disjoint(r, dropped);
            return None;
        }
        let overlapped = ranges[i..j].iter().find(|x| x.overlaps(&r)).copied();
        let merged = PhysRange::new(r.start.min(ranges[i].start), r.end.max(ranges[j - 1].end));
        self.ranges[i] = merged;
        self.ranges.copy_within(j..self.len, i + 1);
        self.len -= j - i - 1;
        overlapped
    }

    /// Takes the addresses of `cut` out of the map.
    fn subtract(&mut self, cut: PhysRange, dropped: &mut Dropped) {
        if cut.is_empty() {
            return;
        }
        let ranges = self.as_slice();
        let i = ranges.partition_point(|x| x.end <= cut.start);
        let j = ranges.partition_point(|x| x.start < cut.end);
        if i >= j {
            return;
        }
        let (below, _) = ranges[i].subtract(&cut);
        let (_, above) = ranges[j - 1].subtract(&cut);
        self.ranges.copy_within(j..self.len, i);
        self.len -= j - i;
        for piece in [below, above].into_iter().flatten() {
            self.insert_disjoint(piece, dropped);
        }
    }

    /// Inserts the non-empty range `r`, which touches no range of the map, in sorted
    /// position. When the map is full, the smallest of its ranges and `r` is given up.
    fn insert_disjoint(&mut self, r: PhysRange, dropped: &mut Dropped) {
        if self.len == MAP_CAPACITY {
            let smallest =
                self.as_slice().iter().enumerate().min_by_key(|(_, x)| x.len()).map(|(index, x)| (index, *x));
            match smallest {
                Some((index, victim)) if victim.len() < r.len() => {
                    dropped.add(victim);
                    self.ranges.copy_within(index + 1..self.len, index);
                    self.len -= 1;
                }
                _ => {
                    dropped.add(r);
                    return;
                }
            }
        }
        let at = self.as_slice().partition_point(|x| x.start < r.start);
        self.ranges.copy_within(at..self.len, at + 1);
        self.ranges[at] = r;
        self.len += 1;
    }

    /// Shrinks every range to whole frames, dropping those that hold none.
    fn align_inward(&mut self) {
        let mut kept = 0;
        for i in 0..self.len {
            if let Some(r) = self.ranges[i].align_inward() {
                self.ranges[kept] = r;
                kept += 1;
            }
        }
        self.len = kept;
    }
}

/// The part of a firmware entry that can be real memory, or `None` (with a warning) if there
/// is none.
fn clip(region: &RawRegion, max_phys_addr: u64, warn: &mut dyn FnMut(MapWarning)) -> Option<PhysRange> {
    let RawRegion { start, len, kind } = *region;
    if len == 0 {
        warn(MapWarning::ZeroLength { start, kind });
        return None;
    }
    if start >= max_phys_addr {
        warn(MapWarning::BeyondMaxPhysAddr { start, len, kind, max_phys_addr });
        return None;
    }
    let end = match start.checked_add(len) {
        Some(end) if end <= max_phys_addr => end,
        Some(_) => {
            warn(MapWarning::ClippedToMaxPhysAddr { start, len, kind, max_phys_addr });
            max_phys_addr
        }
        None => {
            warn(MapWarning::EndOverflows { start, len, kind });
            if kind.is_usable() {
                return None;
            }
            max_phys_addr
        }
    };
    Some(PhysRange::new(start, end))
}

/// Chooses where to keep `bytes` of frame-allocator bitmap: the lowest whole-frame range of
/// usable memory at or above 1 MiB that fits, or failing that the lowest anywhere. Returns
/// `None` if `bytes` is 0 or nothing fits. The caller takes the result out of the map with
/// [`MemoryMap::remove`] before building the allocator from it.
pub fn place_bitmap(map: &MemoryMap, bytes: u64) -> Option<PhysRange> {
    const ONE_MIB: u64 = 1 << 20;
    if bytes == 0 {
        return None;
    }
    let size = bytes.checked_next_multiple_of(FRAME_SIZE)?;
    let lowest_fit = |floor: u64| {
        map.iter().find_map(|r| {
            let start = r.start.max(floor);
            let end = start.checked_add(size)?;
            (end <= r.end).then_some(PhysRange::new(start, end))
        })
    };
    lowest_fit(ONE_MIB).or_else(|| lowest_fit(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;
    use std::vec::Vec;

    const MAX: u64 = 1 << 46;
    const MIB: u64 = 1 << 20;
    const GIB: u64 = 1 << 30;

    fn usable(start: u64, len: u64) -> RawRegion {
        RawRegion { start, len, kind: RegionKind::Usable }
    }

    fn region(start: u64, len: u64, kind: RegionKind) -> RawRegion {
        RawRegion { start, len, kind }
    }

    fn r(start: u64, end: u64) -> PhysRange {
        PhysRange::new(start, end)
    }

    fn build(raw: &[RawRegion], reserved: &[PhysRange]) -> (MemoryMap, Vec<MapWarning>) {
        let mut warnings = Vec::new();
        let map = MemoryMap::from_firmware(raw, reserved, MAX, &mut |w| warnings.push(w));
        (map, warnings)
    }

    /// A typical PC map: low memory with the EBDA, the BIOS hole, RAM up to the PCI hole,
    /// ACPI tables, RAM above 4 GiB.
    fn pc_map() -> [RawRegion; 6] {
        [
            usable(0, 0x9fc00),
            region(0x9fc00, 0x400, RegionKind::Reserved),
            region(0xf0000, 0x10000, RegionKind::Reserved),
            usable(MIB, 0xbfee_0000 - MIB),
            region(0xbfee_0000, 0x20000, RegionKind::AcpiReclaimable),
            usable(4 * GIB, GIB),
        ]
    }

    #[test]
    fn typical_map_is_clean() {
        let (map, warnings) = build(&pc_map(), &[]);
        assert_eq!(warnings, []);
        assert_eq!(map.as_slice(), [r(0x1000, 0x9f000), r(MIB, 0xbfee_0000), r(4 * GIB, 5 * GIB)]);
        assert_eq!(map.highest_address(), 5 * GIB);
        assert_eq!(map.total_bytes(), 0x9e000 + 0xbfee_0000 - MIB + GIB);
        assert_eq!(map.len(), 3);
        assert!(!map.is_empty());
    }

    #[test]
    fn unsorted_input_gives_the_same_map() {
        let mut raw = pc_map();
        raw.reverse();
        raw.swap(1, 4);
        let (sorted, _) = build(&pc_map(), &[]);
        let (shuffled, warnings) = build(&raw, &[]);
        assert_eq!(warnings, []);
        assert_eq!(sorted.as_slice(), shuffled.as_slice());
    }

    #[test]
    fn empty_input() {
        let (map, warnings) = build(&[], &[r(0, MIB)]);
        assert!(map.is_empty());
        assert_eq!(map.total_bytes(), 0);
        assert_eq!(map.highest_address(), 0);
        assert_eq!(warnings, []);
        assert_eq!(place_bitmap(&map, 1), None);
    }

    #[test]
    fn overlapping_and_touching_usable_entries_merge() {
        let raw = [usable(0x10000, 0x10000), usable(0x18000, 0x10000), usable(0x28000, 0x8000)];
        let (map, warnings) = build(&raw, &[]);
        assert_eq!(map.as_slice(), [r(0x10000, 0x30000)]);
        assert_eq!(
            warnings,
            [MapWarning::Overlap {
                usable: r(0x10000, 0x20000),
                other: r(0x18000, 0x28000),
                other_kind: RegionKind::Usable
            }]
        );
    }

    #[test]
    fn usable_entry_bridging_several_merges_them_all() {
        let raw = [
            usable(0x10000, 0x1000),
            usable(0x20000, 0x1000),
            usable(0x30000, 0x1000),
            usable(0x40000, 0x1000),
            usable(0x10800, 0x20000),
        ];
        let (map, warnings) = build(&raw, &[]);
        assert_eq!(map.as_slice(), [r(0x10000, 0x31000), r(0x40000, 0x41000)]);
        assert_eq!(warnings.len(), 1);
    }

    #[test]
    fn unaligned_pieces_that_together_make_whole_frames_are_kept() {
        let raw = [usable(0x10800, 0x800), usable(0x11000, 0x800), usable(0x10000, 0x800)];
        let (map, warnings) = build(&raw, &[]);
        assert_eq!(map.as_slice(), [r(0x10000, 0x11000)]);
        assert_eq!(warnings, []);
    }

    #[test]
    fn non_usable_wins_over_usable() {
        for kind in [RegionKind::Reserved, RegionKind::AcpiReclaimable, RegionKind::AcpiNvs, RegionKind::Defective] {
            // The bad entry comes first and last, to show that order does not matter.
            let bad = region(0x20800, 0x1000, kind);
            for raw in [[bad, usable(0x10000, 0x20000)], [usable(0x10000, 0x20000), bad]] {
                let (map, warnings) = build(&raw, &[]);
                assert_eq!(map.as_slice(), [r(0x10000, 0x20000), r(0x22000, 0x30000)]);
                assert_eq!(
                    warnings,
                    [MapWarning::Overlap { usable: r(0x10000, 0x30000), other: r(0x20800, 0x21800), other_kind: kind }]
                );
            }
        }
    }

    #[test]
    fn overlapping_non_usable_entries_are_harmless() {
        let raw = [
            usable(0x10000, 0x10000),
            region(0x40000, 0x10000, RegionKind::Reserved),
            region(0x48000, 0x10000, RegionKind::AcpiNvs),
        ];
        let (map, warnings) = build(&raw, &[]);
        assert_eq!(map.as_slice(), [r(0x10000, 0x20000)]);
        assert_eq!(warnings, []);
    }

    #[test]
    fn frame_zero_is_never_usable() {
        let (map, _) = build(&[usable(0, 0x3000)], &[]);
        assert_eq!(map.as_slice(), [r(0x1000, 0x3000)]);
        let (map, _) = build(&[usable(0, 0x1000)], &[]);
        assert!(map.is_empty());
    }

    #[test]
    fn zero_length_entries_are_dropped() {
        let raw = [usable(0x5000, 0), region(0x6000, 0, RegionKind::Reserved), usable(0x10000, 0x1000)];
        let (map, warnings) = build(&raw, &[]);
        assert_eq!(map.as_slice(), [r(0x10000, 0x11000)]);
        assert_eq!(
            warnings,
            [
                MapWarning::ZeroLength { start: 0x5000, kind: RegionKind::Usable },
                MapWarning::ZeroLength { start: 0x6000, kind: RegionKind::Reserved },
            ]
        );
    }

    #[test]
    fn absurd_usable_entries() {
        let raw = [
            usable(0x10000, u64::MAX),
            usable(u64::MAX, u64::MAX),
            usable(MAX + 0x1000, 0x1000),
            usable(MAX - 0x2000, 0x10_0000),
            usable(MAX, 1),
        ];
        let (map, warnings) = build(&raw, &[]);
        assert_eq!(map.as_slice(), [r(MAX - 0x2000, MAX)]);
        assert_eq!(
            warnings,
            [
                MapWarning::EndOverflows { start: 0x10000, len: u64::MAX, kind: RegionKind::Usable },
                MapWarning::BeyondMaxPhysAddr {
                    start: u64::MAX,
                    len: u64::MAX,
                    kind: RegionKind::Usable,
                    max_phys_addr: MAX
                },
                MapWarning::BeyondMaxPhysAddr {
                    start: MAX + 0x1000,
                    len: 0x1000,
                    kind: RegionKind::Usable,
                    max_phys_addr: MAX
                },
                MapWarning::ClippedToMaxPhysAddr {
                    start: MAX - 0x2000,
                    len: 0x10_0000,
                    kind: RegionKind::Usable,
                    max_phys_addr: MAX
                },
                MapWarning::BeyondMaxPhysAddr { start: MAX, len: 1, kind: RegionKind::Usable, max_phys_addr: MAX },
            ]
        );
    }

    #[test]
    fn absurd_reserved_entry_still_reserves() {
        let raw = [usable(0x10000, 0x10000), usable(GIB, GIB), region(0x18000, u64::MAX, RegionKind::Reserved)];
        let (map, warnings) = build(&raw, &[]);
        assert_eq!(map.as_slice(), [r(0x10000, 0x18000)]);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert_eq!(warnings[0], MapWarning::EndOverflows { start: 0x18000, len: u64::MAX, kind: RegionKind::Reserved });
        assert!(matches!(warnings[1], MapWarning::Overlap { usable, .. } if usable == r(0x10000, 0x20000)));
    }

    #[test]
    fn max_phys_addr_at_the_top_of_the_address_space() {
        let mut warnings = Vec::new();
        let raw = [usable(u64::MAX - 0x5000, 0x5000), usable(0x1000, 0x1000)];
        let map = MemoryMap::from_firmware(&raw, &[], u64::MAX, &mut |w| warnings.push(w));
        assert_eq!(map.as_slice(), [r(0x1000, 0x2000), r(u64::MAX - 0x4fff, !0xfff)]);
        assert_eq!(warnings, []);
    }

    #[test]
    fn max_phys_addr_zero_leaves_nothing() {
        let mut count = 0;
        let map = MemoryMap::from_firmware(&pc_map(), &[], 0, &mut |_| count += 1);
        assert!(map.is_empty());
        assert_eq!(count, 6);
    }

    #[test]
    fn reserved_ranges_cut_middle_and_edges() {
        let raw = [usable(MIB, 15 * MIB)];
        let reserved = [
            r(MIB, MIB + 0x2000),                  // start edge
            r(4 * MIB + 0x10, 4 * MIB + 0x20),     // middle, inside one frame
            r(8 * MIB - 1, 8 * MIB + 0x1001),      // middle, spanning frames
            r(16 * MIB - 0x800, 16 * MIB + 0x800), // end edge, sticking out
            r(0x5000, 0x1000),                     // backwards: ignored
            r(0x9000, 0x9000),                     // empty: ignored
        ];
        let (map, warnings) = build(&raw, &reserved);
        assert_eq!(warnings, []);
        assert_eq!(
            map.as_slice(),
            [r(MIB + 0x2000, 4 * MIB), r(4 * MIB + 0x1000, 8 * MIB - 0x1000), r(8 * MIB + 0x2000, 16 * MIB - 0x1000),]
        );
    }

    #[test]
    fn reserved_range_swallowing_whole_regions() {
        let raw = [usable(MIB, MIB), usable(3 * MIB, MIB), usable(5 * MIB, MIB)];
        let (map, _) = build(&raw, &[r(MIB / 2, 4 * MIB + 1)]);
        assert_eq!(map.as_slice(), [r(5 * MIB, 6 * MIB)]);
        let (map, _) = build(&raw, &[r(0, u64::MAX)]);
        assert!(map.is_empty());
    }

    #[test]
    fn too_many_fragments_keeps_the_largest() {
        // 300 separate one-frame ranges plus ten big ones scattered among them.
        let mut raw = Vec::new();
        for i in 0..300u64 {
            raw.push(usable((i + 1) * 0x10_0000, 0x1000));
        }
        for i in 0..10u64 {
            raw.insert(i as usize * 29, usable((1000 + i) * 0x10_0000, 0x8_0000));
        }
        let (map, warnings) = build(&raw, &[]);
        assert_eq!(map.len(), MAP_CAPACITY);
        assert_eq!(
            warnings,
            [MapWarning::TooManyFragments {
                capacity: MAP_CAPACITY,
                dropped_ranges: 310 - MAP_CAPACITY,
                dropped_bytes: (310 - MAP_CAPACITY as u64) * 0x1000
            }]
        );
        for i in 0..10u64 {
            let big = r((1000 + i) * 0x10_0000, (1000 + i) * 0x10_0000 + 0x8_0000);
            assert!(map.iter().any(|x| x == big), "lost {big}");
        }
        assert!(map.as_slice().windows(2).all(|w| w[0].end < w[1].start));
    }

    #[test]
    fn splitting_a_full_map_gives_up_the_smallest() {
        let raw: Vec<RawRegion> =
            (0..MAP_CAPACITY as u64).map(|i| usable((i + 1) * 2 * MIB, 0x2000 + i * 0x1000)).collect();
        let (mut map, warnings) = build(&raw, &[]);
        assert_eq!(warnings, []);
        assert_eq!(map.len(), MAP_CAPACITY);
        let top = map.highest_address();
        let before = map.total_bytes();
        // Cut one frame out of the biggest range, leaving a 4-frame piece above the cut: the
        // smallest range (2 frames at 2 MiB) goes to make room for it.
        let removed = map.remove(r(top - 0x5000, top - 0x4000));
        assert_eq!(removed, 0x1000 + 0x2000);
        assert_eq!(map.total_bytes(), before - removed);
        assert_eq!(map.len(), MAP_CAPACITY);
        assert_eq!(map.as_slice()[0], r(4 * MIB, 4 * MIB + 0x3000));
        assert!(map.iter().any(|x| x == r(top - 0x4000, top)));
        // Cutting that piece in a 1-frame and a 2-frame part: the 1-frame part is now the
        // smallest range of all, so it is the one given up.
        let removed = map.remove(r(top - 0x3000, top - 0x2000));
        assert_eq!(removed, 0x1000 + 0x1000);
        assert_eq!(map.highest_address(), top);
        assert!(map.iter().any(|x| x == r(top - 0x2000, top)));
        assert!(!map.iter().any(|x| x.contains(top - 0x4000)));
        assert_eq!(map.len(), MAP_CAPACITY);
    }

    #[test]
    fn remove_widens_to_frames_and_reports_bytes() {
        let (mut map, _) = build(&[usable(MIB, MIB)], &[]);
        assert_eq!(map.remove(r(MIB + 0x10, MIB + 0x20)), 0x1000);
        assert_eq!(map.remove(r(MIB + 0x10, MIB + 0x20)), 0);
        assert_eq!(map.remove(r(0, MIB + 0x2000)), 0x1000);
        assert_eq!(map.remove(r(MIB + 0x2000, MIB + 0x2000)), 0);
        assert_eq!(map.as_slice(), [r(MIB + 0x2000, 2 * MIB)]);
        assert_eq!(map.remove(r(0, u64::MAX)), MIB - 0x2000);
        assert!(map.is_empty());
    }

    #[test]
    fn bitmap_placement_prefers_above_one_mib() {
        let (map, _) = build(&pc_map(), &[]);
        assert_eq!(place_bitmap(&map, 1), Some(r(MIB, MIB + 0x1000)));
        assert_eq!(place_bitmap(&map, 0x1001), Some(r(MIB, MIB + 0x2000)));
        assert_eq!(place_bitmap(&map, 0xbfee_0000 - MIB), Some(r(MIB, 0xbfee_0000)));
        assert_eq!(place_bitmap(&map, 0xbfee_0000 - MIB + 1), None);
        // Too big for the range below 4 GiB: goes above.
        let (map, _) = build(&[usable(MIB, MIB), usable(4 * GIB, GIB)], &[]);
        assert_eq!(place_bitmap(&map, MIB + 1), Some(r(4 * GIB, 4 * GIB + MIB + 0x1000)));
        assert_eq!(place_bitmap(&map, 0), None);
        assert_eq!(place_bitmap(&map, u64::MAX), None);
    }

    #[test]
    fn bitmap_placement_falls_back_below_one_mib() {
        let (map, _) = build(&[usable(0, 0x9fc00)], &[]);
        assert_eq!(place_bitmap(&map, 0x3000), Some(r(0x1000, 0x4000)));
        // A range straddling 1 MiB is used from 1 MiB up when that fits.
        let (map, _) = build(&[usable(0x80000, 0x100000)], &[]);
        assert_eq!(place_bitmap(&map, 0x1000), Some(r(MIB, MIB + 0x1000)));
        assert_eq!(place_bitmap(&map, 0x90000), Some(r(0x80000, 0x110000)));
    }

    #[test]
    fn defaults_are_safe() {
        assert_eq!(RegionKind::default(), RegionKind::Reserved);
        let (map, warnings) = build(&[RawRegion::default(), usable(MIB, MIB)], &[]);
        assert_eq!(map.as_slice(), [r(MIB, 2 * MIB)]);
        assert_eq!(warnings, [MapWarning::ZeroLength { start: 0, kind: RegionKind::Reserved }]);
    }

    #[test]
    fn warnings_display() {
        let text = |w: MapWarning| w.to_string();
        assert_eq!(
            text(MapWarning::ZeroLength { start: 0x1000, kind: RegionKind::AcpiNvs }),
            "memory map: zero-length ACPI-NVS entry at 0x1000 ignored"
        );
        assert_eq!(
            text(MapWarning::EndOverflows { start: 1, len: u64::MAX, kind: RegionKind::Usable }),
            "memory map: usable entry at 0x1 has impossible length 0xffffffffffffffff; ignored"
        );
        assert_eq!(
            text(MapWarning::Overlap {
                usable: r(0, 0x2000),
                other: r(0x1000, 0x3000),
                other_kind: RegionKind::Defective
            }),
            "memory map: defective range [0x1000, 0x3000) overlaps usable range [0x0, 0x2000); \
             overlap not usable"
        );
        assert_eq!(
            text(MapWarning::TooManyFragments { capacity: 256, dropped_ranges: 3, dropped_bytes: 12288 }),
            "memory map: more than 256 usable ranges; gave up the 3 smallest (12288 bytes)"
        );
        for w in [
            MapWarning::BeyondMaxPhysAddr { start: 5, len: 6, kind: RegionKind::Reserved, max_phys_addr: 4 },
            MapWarning::ClippedToMaxPhysAddr { start: 5, len: 6, kind: RegionKind::AcpiReclaimable, max_phys_addr: 7 },
        ] {
            assert!(text(w).starts_with("memory map: "));
        }
        assert_eq!(std::format!("{:?}", MemoryMap::default()), "[]");
    }
}
