//! The fuzzer's deterministic pseudo-random numbers: `cairn-testrng`'s
//! SplitMix64, seeded from the run's seed and the worker's place (phase,
//! slot, generation), so that one seed always asks for the same calls; with
//! the `usize` helpers the call generator wants.

/// The generator.
pub struct Rng(cairn_testrng::Rng);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(cairn_testrng::Rng::new(seed))
    }

    /// The seed of a sub-generator: `seed` mixed with `parts`.
    pub fn derive(seed: u64, parts: &[u64]) -> u64 {
        cairn_testrng::Rng::derive(seed, parts)
    }

    pub fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        self.0.below(n as u64) as usize
    }

    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    /// True with probability `percent / 100`.
    pub fn percent(&mut self, percent: usize) -> bool {
        self.0.chance(percent as u64)
    }

    /// One element of a non-empty slice.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        self.0.pick(items)
    }

    pub fn usize(&mut self) -> usize {
        self.next() as usize
    }
}
