//! A deterministic xorshift64* generator for the randomised tests: the same seed always gives
//! the same input, so a failure can be replayed. Test-only.

use std::vec::Vec;

/// xorshift64* (Marsaglia's xorshift with a multiplicative output step).
pub(crate) struct XorShift(u64);

impl XorShift {
    /// A generator from a seed (0 is mapped to a non-zero state, which xorshift needs).
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }

    /// True with probability `percent`/100.
    pub(crate) fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One of `items`, which must not be empty.
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// Up to `max_len` bytes (a random length below it), mostly drawn from `alphabet` and
    /// otherwise arbitrary.
    pub(crate) fn bytes(&mut self, max_len: usize, alphabet: &[u8]) -> Vec<u8> {
        let len = self.below(max_len);
        (0..len).map(|_| if self.chance(70) { self.pick(alphabet) } else { self.next_u64() as u8 }).collect()
    }
}

#[test]
fn xorshift_is_deterministic_and_covers_its_range() {
    let mut a = XorShift::new(42);
    let mut b = XorShift::new(42);
    let first: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
    assert_eq!(first, (0..4).map(|_| b.next_u64()).collect::<Vec<_>>());
    assert_ne!(first[0], first[1]);
    let mut seen = [false; 10];
    for _ in 0..1000 {
        seen[a.below(10)] = true;
    }
    assert!(seen.iter().all(|&s| s));
    assert_eq!(a.below(0), 0);
}
