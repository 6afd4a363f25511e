//! Deterministic random-mutation fuzz test: corrupt a valid image (bit flips, field
//! overwrites, copied records, truncation, extension) many times; `parse` must return `Ok` or
//! `Err` without panicking, and every accepted image must keep all the reader's promises.
//! Test-only; uses `std`, `cairn-testrng` and the helpers of [`crate::tests`].

use std::collections::BTreeSet;
use std::format;
use std::string::String;
use std::vec::Vec;

use crate::tests::{check_invariants, get_u32, put_u32, sample_builder};
use crate::{ENTRY_LEN, HEADER_LEN, Initfs, PAGE_SIZE};
use cairn_testrng::Rng;

const ROUNDS: u64 = 20_000;

/// Applies one random corruption to `image`.
fn mutate(rng: &mut Rng, image: &mut Vec<u8>, metadata_len: usize) {
    let len = image.len() as u64;
    match rng.below(7) {
        // Flip a bit, mostly in the metadata where it matters.
        0 | 1 => {
            let span = if rng.chance(85) { metadata_len as u64 } else { len };
            if let Some(byte) = image.get_mut(rng.below(span) as usize) {
                *byte ^= 1 << rng.below(8);
            }
        }
        // Overwrite an aligned u32 of the metadata with an interesting value.
        2 | 3 => {
            let at = rng.below(metadata_len as u64 / 4) as usize * 4;
            if at + 4 <= image.len() {
                let old = get_u32(image, at);
                let page = PAGE_SIZE as u32;
                let values = [0, 1, 2, 3, u32::MAX, u32::MAX - 3, page, page - 1, old.wrapping_add(1), len as u32];
                let value = if rng.chance(20) { rng.next_u64() as u32 } else { rng.pick(&values) };
                put_u32(image, at, value);
            }
        }
        // Copy one entry record over another.
        4 => {
            let count = (metadata_len - HEADER_LEN) / ENTRY_LEN;
            let from = HEADER_LEN + rng.below(count as u64) as usize * ENTRY_LEN;
            let to = HEADER_LEN + rng.below(count as u64) as usize * ENTRY_LEN;
            if from.max(to) + ENTRY_LEN <= image.len() {
                image.copy_within(from..from + ENTRY_LEN, to);
            }
        }
        // Truncate, sometimes fixing the recorded length.
        5 => {
            image.truncate(rng.below(len + 1) as usize);
            if rng.chance(50) && image.len() >= HEADER_LEN {
                let len = image.len() as u32;
                put_u32(image, 28, len);
            }
        }
        // Extend, mostly by whole pages and with the recorded length fixed.
        _ => {
            let extra = if rng.chance(70) { PAGE_SIZE * (1 + rng.below(2) as usize) } else { rng.below(9000) as usize };
            image.resize(image.len() + extra, rng.next_u64() as u8);
            if rng.chance(80) && image.len() >= HEADER_LEN {
                let len = image.len() as u32;
                put_u32(image, 28, len);
            }
        }
    }
}

/// Lookups and listings of paths that may or may not exist must not misbehave.
fn probe(rng: &mut Rng, initfs: &Initfs<'_>) {
    let pieces = ["/", "a", "b", "c", "bin", "etc", "init", "-", ".", "..", "é", "\0", "//"];
    let mut path = String::new();
    for _ in 0..rng.below(6) {
        path.push_str(rng.pick(&pieces));
    }
    if let Some(entry) = initfs.lookup(&path) {
        assert_eq!(entry.path, path);
    }
    if let Some(children) = initfs.read_dir(&path) {
        for child in children {
            assert!(!child.name.is_empty() && !child.name.contains('/'));
        }
    }
}

#[test]
fn mutated_images_never_panic() {
    let valid = sample_builder().build();
    let metadata_len = get_u32(&valid, 20) as usize + get_u32(&valid, 24) as usize;
    let mut rng = Rng::new(0x1f5_cafe);
    let mut accepted = 0;
    let mut errors = BTreeSet::new();
    for _ in 0..ROUNDS {
        let mut image = valid.clone();
        for _ in 0..1 + rng.below(3) {
            mutate(&mut rng, &mut image, metadata_len);
        }
        match Initfs::parse(&image) {
            Ok(initfs) => {
                accepted += 1;
                check_invariants(&image, &initfs);
                for _ in 0..4 {
                    probe(&mut rng, &initfs);
                }
            }
            Err(error) => {
                // Group by kind, without the numbers.
                let kind = format!("{error:?}");
                let kind: String = kind.chars().filter(|c| !c.is_ascii_digit()).collect();
                errors.insert(kind);
            }
        }
    }
    assert!(accepted > ROUNDS / 20, "only {accepted} mutated images were valid");
    assert!(errors.len() >= 20, "too few kinds of error reached: {errors:#?}");
}
