//! Fuzz-style tests: deterministic pseudo-random inputs thrown at the whole public API and
//! checked against brute-force models. Test-only; uses `std` and `cairn-testrng`.

use std::string::ToString;
use std::vec;
use std::vec::Vec;

use crate::{
    FRAME_SIZE, FrameBitmap, FreeError, MAP_CAPACITY, MapWarning, MemoryMap, PhysFrame, PhysRange, RawRegion,
    RegionKind, place_bitmap,
};
use cairn_testrng::Rng;

/// Frames of the small world most generated addresses fall into.
const WORLD_FRAMES: u64 = 48;
const WORLD_END: u64 = WORLD_FRAMES * FRAME_SIZE;

const KINDS: [RegionKind; 5] =
    [RegionKind::Usable, RegionKind::Reserved, RegionKind::AcpiReclaimable, RegionKind::AcpiNvs, RegionKind::Defective];

/// An address: mostly inside the small world (often frame-aligned), sometimes extreme.
fn address(rng: &mut Rng) -> u64 {
    match rng.below(10) {
        0 => rng.pick(&[0, 1, u64::MAX, u64::MAX - FRAME_SIZE, 1 << 52, WORLD_END]),
        1 => rng.next_u64(),
        2..=5 => rng.below(WORLD_FRAMES + 1) * FRAME_SIZE,
        _ => rng.below(WORLD_END + FRAME_SIZE),
    }
}

fn length(rng: &mut Rng) -> u64 {
    match rng.below(10) {
        0 => rng.pick(&[0, 1, u64::MAX, u64::MAX / 2, FRAME_SIZE - 1]),
        1 => rng.next_u64(),
        2..=4 => rng.below(8) * FRAME_SIZE,
        _ => rng.below(12 * FRAME_SIZE),
    }
}

/// The part of a firmware entry that counts, by the documented rules.
fn model_clip(r: &RawRegion, max: u64) -> Option<PhysRange> {
    if r.len == 0 || r.start >= max {
        return None;
    }
    match r.start.checked_add(r.len) {
        Some(end) => Some(PhysRange::new(r.start, end.min(max))),
        None if r.kind.is_usable() => None,
        None => Some(PhysRange::new(r.start, max)),
    }
}

/// Whether the union of `ranges` covers every byte of `target`.
fn covered(target: PhysRange, ranges: &[PhysRange]) -> bool {
    let mut pieces: Vec<PhysRange> = ranges.iter().filter_map(|r| r.intersection(&target)).collect();
    pieces.sort_by_key(|r| r.start);
    let mut reached = target.start;
    for p in pieces {
        if p.start > reached {
            return false;
        }
        reached = reached.max(p.end);
    }
    reached >= target.end
}

/// Brute-force answer to "is frame `addr` usable?" for the given inputs.
fn model_usable(addr: u64, raw: &[RawRegion], reserved: &[PhysRange], max: u64) -> bool {
    let Some(frame) = PhysRange::from_start_len(addr, FRAME_SIZE) else {
        return false;
    };
    let usable: Vec<PhysRange> = raw.iter().filter(|r| r.kind.is_usable()).filter_map(|r| model_clip(r, max)).collect();
    let blocked = raw
        .iter()
        .filter(|r| !r.kind.is_usable())
        .filter_map(|r| model_clip(r, max))
        .chain(reserved.iter().copied())
        .any(|r| r.overlaps(&frame));
    addr != 0 && frame.end <= max && !blocked && covered(frame, &usable)
}

fn check_map_shape(map: &MemoryMap, max: u64) {
    assert!(map.len() <= MAP_CAPACITY);
    for r in map.iter() {
        assert!(!r.is_empty() && r.is_frame_aligned(), "{r}");
        assert!(r.start >= FRAME_SIZE && r.end <= max, "{r}");
    }
    for w in map.as_slice().windows(2) {
        assert!(w[0].end < w[1].start, "{} {}", w[0], w[1]);
    }
    let sum: u64 = map.iter().map(|r| r.len()).sum();
    assert_eq!(map.total_bytes(), sum);
    assert_eq!(map.highest_address(), map.iter().last().map_or(0, |r| r.end));
}

#[test]
fn memory_map_matches_brute_force_model() {
    let mut rng = Rng::new(0x5eed_0001);
    let (mut non_empty_maps, mut placements, mut overlaps) = (0, 0, 0);
    for round in 0..3000 {
        let raw: Vec<RawRegion> = (0..rng.below(12))
            .map(|_| RawRegion {
                start: address(&mut rng),
                len: length(&mut rng),
                kind: if rng.chance(60) { RegionKind::Usable } else { rng.pick(&KINDS) },
            })
            .collect();
        let reserved: Vec<PhysRange> = (0..rng.below(4))
            .map(|_| {
                let start = address(&mut rng);
                PhysRange::new(start, start.saturating_add(length(&mut rng)))
            })
            .collect();
        let max = match rng.below(4) {
            0 => u64::MAX,
            1 => rng.next_u64(),
            _ => rng.below(WORLD_END + 2 * FRAME_SIZE),
        };
        let mut warnings = Vec::new();
        let map = MemoryMap::from_firmware(&raw, &reserved, max, &mut |w| warnings.push(w));
        check_map_shape(&map, max);
        non_empty_maps += usize::from(!map.is_empty());
        overlaps += warnings.iter().filter(|w| matches!(w, MapWarning::Overlap { .. })).count();
        for w in &warnings {
            assert!(!w.to_string().is_empty());
            assert!(!matches!(w, MapWarning::TooManyFragments { .. }), "round {round}");
        }
        let in_map = |addr: u64| map.iter().any(|r| r.contains(addr));
        for f in 0..WORLD_FRAMES + 2 {
            let addr = f * FRAME_SIZE;
            assert_eq!(
                in_map(addr),
                model_usable(addr, &raw, &reserved, max),
                "round {round}: frame {addr:#x}, raw {raw:?}, reserved {reserved:?}, max {max:#x}, map {map:?}"
            );
        }
        // Ranges beyond the small world: their first and last frames must be right too.
        for r in map.iter() {
            assert!(model_usable(r.start, &raw, &reserved, max), "round {round}: {r}");
            assert!(model_usable(r.end - FRAME_SIZE, &raw, &reserved, max), "round {round}: {r}");
        }

        let bytes = length(&mut rng);
        match place_bitmap(&map, bytes) {
            Some(spot) => {
                placements += 1;
                assert!(spot.is_frame_aligned() && spot.len() >= bytes && bytes > 0);
                assert!(spot.len() - bytes < FRAME_SIZE);
                assert!(map.iter().any(|r| r.start <= spot.start && spot.end <= r.end));
                let fits_high = map.iter().any(|r| r.end >= spot.len() && r.end - spot.len() >= r.start.max(1 << 20));
                assert_eq!(spot.start >= 1 << 20, fits_high, "{spot} in {map:?}");
            }
            None => assert!(bytes == 0 || map.iter().all(|r| r.len() < bytes)),
        }
    }
    // The generator must actually exercise the interesting paths.
    assert!(non_empty_maps > 1000 && placements > 500 && overlaps > 500);
}

#[test]
fn memory_map_survives_fragment_storms() {
    let mut rng = Rng::new(0x5eed_0002);
    for _ in 0..40 {
        let raw: Vec<RawRegion> = (0..rng.below(1200))
            .map(|_| RawRegion {
                start: rng.below(1 << 32) & !0x7ff,
                len: rng.below(1 << 16),
                kind: if rng.chance(70) { RegionKind::Usable } else { rng.pick(&KINDS) },
            })
            .collect();
        let reserved: Vec<PhysRange> = (0..rng.below(200))
            .map(|_| {
                let start = rng.below(1 << 32);
                PhysRange::new(start, start + rng.below(1 << 14))
            })
            .collect();
        let mut warnings = Vec::new();
        let mut map = MemoryMap::from_firmware(&raw, &reserved, 1 << 36, &mut |w| warnings.push(w));
        check_map_shape(&map, 1 << 36);
        assert!(warnings.iter().filter(|w| matches!(w, MapWarning::TooManyFragments { .. })).count() <= 1);
        // Nothing in the map may be claimed by a non-usable entry or a reserved range.
        for r in map.iter() {
            for bad in raw.iter().filter(|x| !x.kind.is_usable()).filter_map(|x| model_clip(x, 1 << 36)) {
                assert!(!r.overlaps(&bad));
            }
            for bad in &reserved {
                assert!(!r.overlaps(bad));
            }
        }
        for _ in 0..200 {
            let start = rng.below(1 << 32);
            let cut = PhysRange::new(start, start.saturating_add(length(&mut rng)));
            let before = map.total_bytes();
            let removed = map.remove(cut);
            assert_eq!(map.total_bytes(), before - removed);
            assert!(map.iter().all(|r| !r.overlaps(&cut)));
            check_map_shape(&map, 1 << 36);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Model {
    Unmanaged,
    Free,
    Allocated,
}

fn lowest_run(model: &[Model], count: u64, align: u64, below: u64) -> Option<u64> {
    let limit = (model.len() as u64).min(below / FRAME_SIZE);
    (0..limit).step_by(align.max(1).min(usize::MAX as u64) as usize).find(|&s| {
        s.checked_add(count)
            .is_some_and(|end| count > 0 && end <= limit && (s..end).all(|f| model[f as usize] == Model::Free))
    })
}

#[test]
fn frame_bitmap_matches_model() {
    let mut rng = Rng::new(0x5eed_0003);
    let (mut runs, mut frees, mut refused_frees) = (0, 0, 0);
    for _ in 0..300 {
        let frame_count = rng.pick(&[0, 1, 63, 64, 65, 128, 200, 333]);
        let mut storage = vec![0u64; FrameBitmap::storage_words(frame_count) + rng.below(3) as usize];
        let mut bitmap = FrameBitmap::new(&mut storage, frame_count).unwrap();
        let mut model = vec![Model::Unmanaged; frame_count as usize];
        let mut handed_out: Vec<PhysFrame> = Vec::new();
        for _ in 0..400 {
            match rng.below(10) {
                0 | 1 => {
                    let start = rng.below((frame_count + 4) * FRAME_SIZE);
                    let end = if rng.chance(5) { u64::MAX } else { start + rng.below(40 * FRAME_SIZE) };
                    let range = PhysRange::new(start, end);
                    let added = bitmap.add_free(range);
                    let mut expected = 0;
                    if let Some(whole) = range.align_inward() {
                        for f in whole.start / FRAME_SIZE..(whole.end / FRAME_SIZE).min(frame_count) {
                            if model[f as usize] == Model::Unmanaged {
                                model[f as usize] = Model::Free;
                                expected += 1;
                            }
                        }
                    }
                    assert_eq!(added, expected);
                }
                2..=4 => match bitmap.allocate() {
                    Some(f) => {
                        assert_eq!(model[f.number() as usize], Model::Free);
                        model[f.number() as usize] = Model::Allocated;
                        handed_out.push(f);
                    }
                    None => assert!(!model.contains(&Model::Free)),
                },
                5 | 6 => {
                    let (any_count, any_align) = (rng.below(100), rng.next_u64());
                    let any_below = rng.below((frame_count + 2) * FRAME_SIZE);
                    let count = rng.pick(&[0, 1, 2, 3, 7, 64, 65, any_count, u64::MAX]);
                    let align = rng.pick(&[0, 1, 2, 4, 8, 3, 64, any_align]);
                    let below = rng.pick(&[u64::MAX, 0, any_below, any_below & !0xfff]);
                    let got = bitmap.allocate_contiguous(count, align, below);
                    assert_eq!(got.map(PhysFrame::number), lowest_run(&model, count, align, below));
                    if let Some(first) = got {
                        runs += 1;
                        for f in first.number()..first.number() + count {
                            model[f as usize] = Model::Allocated;
                            handed_out.push(PhysFrame::from_number(f).unwrap());
                        }
                    }
                }
                _ => {
                    let frame = if !handed_out.is_empty() && rng.chance(70) {
                        let i = rng.below(handed_out.len() as u64) as usize;
                        // Keep the frame in the list now and then to provoke double frees.
                        if rng.chance(80) { handed_out.swap_remove(i) } else { handed_out[i] }
                    } else {
                        PhysFrame::containing_address(rng.below((frame_count + 3) * FRAME_SIZE))
                    };
                    let expected = match model.get(frame.number() as usize) {
                        None => Err(FreeError::OutOfRange(frame)),
                        Some(Model::Unmanaged) => Err(FreeError::NotManaged(frame)),
                        Some(Model::Free) => Err(FreeError::NotAllocated(frame)),
                        Some(Model::Allocated) => Ok(()),
                    };
                    assert_eq!(bitmap.free(frame), expected);
                    refused_frees += usize::from(expected.is_err());
                    if expected.is_ok() {
                        frees += 1;
                        model[frame.number() as usize] = Model::Free;
                    }
                }
            }
            let count = |state| model.iter().filter(|&&m| m == state).count() as u64;
            assert_eq!(bitmap.free_frames(), count(Model::Free));
            assert_eq!(bitmap.total_frames(), count(Model::Free) + count(Model::Allocated));
        }
    }
    assert!(runs > 1000 && frees > 1000 && refused_frees > 1000, "{runs} {frees} {refused_frees}");
}
