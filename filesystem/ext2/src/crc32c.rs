//! The journal's checksums: CRC-32C (Castagnoli) for `csum_v2`/`csum_v3`
//! journals and the big-endian CRC-32 of the older `checksum` feature.
//! Raw update forms as the kernel's `crc32c()` and `crc32_be()`: no
//! inversion on entry or exit (callers seed them, e.g. with `!0`).
//! 256-entry tables built at compile time; a dependency would buy nothing
//! for a few lines.

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

const POLY_BE: u32 = 0x04C1_1DB7;

const TABLE_BE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = (i as u32) << 24;
        let mut k = 0;
        while k < 8 {
            c = if c & 0x8000_0000 != 0 { (c << 1) ^ POLY_BE } else { c << 1 };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// The big-endian CRC-32 `crc` updated with `data`.
pub fn update_be(mut crc: u32, data: &[u8]) -> u32 {
    for &b in data {
        crc = TABLE_BE[((crc >> 24) ^ b as u32) as usize] ^ (crc << 8);
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
        // CRC-32/BZIP2 (MSB first, inverted): 0xFC891918.
        assert_eq!(!super::update_be(!0, b"123456789"), 0xFC89_1918);
    }
}
