//! Deterministic pseudo-random numbers (SplitMix64) for the randomised host tests of the
//! kernel support crates and for the system-call fuzzer: the same seed always gives the same
//! input, so a failure can be replayed. Depends on nothing.
#![no_std]

/// A SplitMix64 generator: tiny, fast and good enough to shake out edge cases.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The seed of a sub-generator: `seed` mixed with `parts` (say, the
    /// place of a worker), so that each part gets its own stream.
    pub fn derive(seed: u64, parts: &[u64]) -> u64 {
        let mut rng = Rng(seed);
        let mut value = rng.next_u64();
        for &p in parts {
            rng.0 ^= p.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            value ^= rng.next_u64();
        }
        value
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One of `items`, which must not be empty.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}
