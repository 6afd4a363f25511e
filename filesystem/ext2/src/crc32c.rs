//! CRC-32C (Castagnoli), the checksum of JBD2's `csum_v2`/`csum_v3`
//! journals. Raw update form as the kernel's `crc32c()`: no inversion on
//! entry or exit (callers seed it, e.g. with `!0`). A 256-entry table built
//! at compile time; a dependency would buy nothing for a few lines.

const POLY: u32 = 0x82F6_3B78;

const TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// `crc` updated with `data`.
pub fn update(mut crc: u32, data: &[u8]) -> u32 {
    for &b in data {
        crc = TABLE[((crc ^ b as u32) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

#[cfg(test)]
mod tests {
    #[test]
    fn known_vector() {
        // The standard check value: CRC-32C("123456789") = 0xE3069283
        // with the usual inversion on entry and exit.
        assert_eq!(!super::update(!0, b"123456789"), 0xE306_9283);
    }
}
