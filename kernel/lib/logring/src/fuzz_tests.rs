//! Fuzz-style tests: deterministic pseudo-random pushes and reads on rings of several sizes,
//! checked against a plain `Vec` model and against the full history of what was written.
//! Test-only; uses `std` and `cairn-testrng`.

use std::vec;
use std::vec::Vec;

use crate::LogRing;
use cairn_testrng::Rng;

/// The documented rule on a plain vector: of (retained ++ record), drop at least the excess,
/// up to and including the first suitable newline, else exactly the excess.
fn model_push(model: &mut Vec<u8>, record: &[u8], capacity: usize) {
    model.extend_from_slice(record);
    let Some(excess) = model.len().checked_sub(capacity).filter(|&e| e > 0) else {
        return;
    };
    let start = (excess - 1..model.len() - 1).find(|&i| model[i] == b'\n').map_or(excess, |i| i + 1);
    model.drain(..start);
}

fn record(rng: &mut Rng, capacity: usize) -> Vec<u8> {
    let len = match rng.below(10) {
        0 => 0,
        1 => capacity + rng.below(2 * capacity as u64 + 2) as usize,
        2 => capacity,
        _ => rng.below(capacity as u64 / 2 + 2) as usize,
    };
    let mut rec: Vec<u8> = (0..len).map(|_| if rng.chance(15) { b'\n' } else { b'a' + rng.below(26) as u8 }).collect();
    if rng.chance(70) {
        rec.push(b'\n');
    }
    rec
}

fn run<const N: usize>(seed: u64) {
    let mut rng = Rng::new(seed);
    let mut ring = LogRing::<N>::new();
    let mut model = Vec::new();
    let mut history: Vec<u8> = Vec::new();
    for _ in 0..3000 {
        let rec = record(&mut rng, N);
        ring.push(&rec);
        model_push(&mut model, &rec, N);
        history.extend_from_slice(&rec);

        let mut all = vec![0u8; N + 3];
        let n = ring.read(&mut all);
        let retained = &all[..n];
        assert_eq!(retained, &model[..]);
        assert_eq!(ring.len(), n);
        assert!(n <= N && ring.is_empty() == (n == 0));
        assert_eq!(ring.total_written(), history.len() as u64);
        assert_eq!(ring.dropped_bytes(), (history.len() - n) as u64);
        assert!(history.ends_with(retained));
        // Starts at a line boundary unless the newest line alone is longer than the ring.
        let start = history.len() - n;
        if start > 0 && history[start - 1] != b'\n' {
            let line_start = history[..start].iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1);
            assert!(!retained[..n.saturating_sub(1)].contains(&b'\n'));
            assert!(history.len() - line_start > N);
        }

        let k = rng.below(N as u64 + 2) as usize;
        let mut out = vec![0xee; k + 1];
        let got = ring.read(&mut out[..k]);
        assert!(got <= k && out[k] == 0xee);
        assert_eq!(&out[..got], &retained[n - got..]);
        // The copy is the longest line-aligned suffix that fits.
        let best = (0..=n)
            .filter(|&s| s == 0 || retained[s - 1] == b'\n')
            .map(|s| n - s)
            .filter(|&len| len <= k)
            .max()
            .unwrap_or(0);
        assert_eq!(got, best, "read into {k} of {retained:?}");
    }
}

#[test]
fn rings_of_all_sizes_match_the_model() {
    run::<1>(1);
    run::<2>(2);
    run::<3>(3);
    run::<7>(7);
    run::<16>(16);
    run::<64>(64);
    run::<1000>(1000);
}
