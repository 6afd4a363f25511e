//! Random numbers for address-space layout randomisation: RDRAND when the
//! CPU has it, otherwise a xorshift generator seeded from the TSC.

use core::sync::atomic::{AtomicU64, Ordering};

static STATE: AtomicU64 = AtomicU64::new(0);

fn rdrand() -> Option<u64> {
    let has_rdrand = raw_cpuid::CpuId::new().get_feature_info().is_some_and(|f| f.has_rdrand());
    if !has_rdrand {
        return None;
    }
    for _ in 0..10 {
        let mut value = 0u64;
        // SAFETY: RDRAND is available (checked above).
        if unsafe { core::arch::x86_64::_rdrand64_step(&mut value) } == 1 {
            return Some(value);
        }
    }
    None
}

/// A random 64-bit value (not for cryptography).
pub fn u64() -> u64 {
    if let Some(value) = rdrand() {
        return value;
    }
    let mut x = STATE.load(Ordering::Relaxed) ^ crate::arch::cpu::rdtsc();
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    STATE.store(x, Ordering::Relaxed);
    x
}

/// A random page-aligned offset below `limit` bytes.
pub fn page_offset(limit: u64) -> u64 {
    (u64() % limit.max(4096)) & !0xfff
}
