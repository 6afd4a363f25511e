//! Random numbers: RDRAND when the CPU has it, otherwise a ChaCha20
//! generator (RFC 8439 block function) seeded at first use from the TSC's
//! jitter and the RTC, re-keyed after every request so earlier output
//! cannot be recomputed (fast key erasure). Used for address-space layout
//! randomisation and the `rand` scheme.

use crate::arch::cpu::rdtsc;

fn has_rdrand() -> bool {
    raw_cpuid::CpuId::new().get_feature_info().is_some_and(|f| f.has_rdrand())
}

fn rdrand() -> Option<u64> {
    if !has_rdrand() {
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

fn quarter_round(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(16);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(12);
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(8);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(7);
}

/// The ChaCha20 block function of RFC 8439: 64 bytes of key stream.
pub fn chacha20_block(key: &[u32; 8], counter: u32, nonce: &[u32; 3]) -> [u8; 64] {
    let mut initial = [0u32; 16];
    initial[..4].copy_from_slice(&[0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]);
    initial[4..12].copy_from_slice(key);
    initial[12] = counter;
    initial[13..].copy_from_slice(nonce);
    let mut state = initial;
    for _ in 0..10 {
        quarter_round(&mut state, 0, 4, 8, 12);
        quarter_round(&mut state, 1, 5, 9, 13);
        quarter_round(&mut state, 2, 6, 10, 14);
        quarter_round(&mut state, 3, 7, 11, 15);
        quarter_round(&mut state, 0, 5, 10, 15);
        quarter_round(&mut state, 1, 6, 11, 12);
        quarter_round(&mut state, 2, 7, 8, 13);
        quarter_round(&mut state, 3, 4, 9, 14);
    }
    let mut out = [0u8; 64];
    for (i, word) in state.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&word.wrapping_add(initial[i]).to_le_bytes());
    }
    out
}

/// The software generator's key; `None` until first seeded.
static KEY: spin::Mutex<Option<[u32; 8]>> = spin::Mutex::new(None);

/// A seed from what a machine without RDRAND offers: the low bits of many
/// TSC reads around port I/O (timing jitter), and the wall clock.
fn seed() -> [u32; 8] {
    let mut key = [0u32; 8];
    let seconds = crate::platform::rtc::unix_seconds().unwrap_or(0);
    for round in 0..64 {
        let before = rdtsc();
        crate::platform::pit::wait_micros(1);
        let jitter = rdtsc().wrapping_sub(before);
        key[round % 8] = key[round % 8].rotate_left(5) ^ (jitter as u32) ^ (before as u32);
    }
    key[0] ^= seconds as u32;
    key[1] ^= (seconds >> 32) as u32;
    key
}

/// Fills `buffer` with random bytes.
pub fn fill(buffer: &mut [u8]) {
    if has_rdrand() {
        for chunk in buffer.chunks_mut(8) {
            let value = rdrand().unwrap_or_else(rdtsc);
            chunk.copy_from_slice(&value.to_le_bytes()[..chunk.len()]);
        }
        return;
    }
    let mut guard = KEY.lock();
    let key = guard.get_or_insert_with(seed);
    let nonce = [0u32; 3];
    for (counter, chunk) in (1u32..).zip(buffer.chunks_mut(64)) {
        let block = chacha20_block(key, counter, &nonce);
        chunk.copy_from_slice(&block[..chunk.len()]);
    }
    // Fast key erasure: the next key comes from block 0, never output.
    let next = chacha20_block(key, 0, &nonce);
    for (i, word) in key.iter_mut().enumerate() {
        *word = u32::from_le_bytes(next[i * 4..i * 4 + 4].try_into().expect("4 bytes"));
    }
}

/// A random 64-bit value.
pub fn u64() -> u64 {
    let mut bytes = [0u8; 8];
    fill(&mut bytes);
    u64::from_le_bytes(bytes)
}

/// A random page-aligned offset below `limit` bytes.
pub fn page_offset(limit: u64) -> u64 {
    (u64() % limit.max(4096)) & !0xfff
}
