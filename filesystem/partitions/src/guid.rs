//! GUIDs as GPT stores them: 16 bytes whose first three fields are
//! little-endian, shown in the usual `8-4-4-4-12` form (lowercase, as
//! `lsblk` and `blkid` print them).

use core::fmt;

/// A GUID in its on-disk byte order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Guid(pub [u8; 16]);

impl Guid {
    /// The all-zero GUID, which marks an unused GPT entry.
    pub const ZERO: Guid = Guid([0; 16]);

    /// Parses the text form (`c12a7328-f81f-11d2-ba4b-00a0c93ec93b`, any
    /// case); `None` for anything else. Usable in constants.
    pub const fn parse(text: &str) -> Option<Guid> {
        let text = text.as_bytes();
        if text.len() != 36 {
            return None;
        }
        // Text position of each on-disk byte's two hex digits.
        const AT: [usize; 16] = [6, 4, 2, 0, 11, 9, 16, 14, 19, 21, 24, 26, 28, 30, 32, 34];
        let mut bytes = [0u8; 16];
        let mut i = 0;
        while i < 16 {
            let (Some(high), Some(low)) = (hex(text[AT[i]]), hex(text[AT[i] + 1])) else {
                return None;
            };
            bytes[i] = high << 4 | low;
            i += 1;
        }
        let mut dash = 0;
        while dash < 4 {
            if text[[8, 13, 18, 23][dash]] != b'-' {
                return None;
            }
            dash += 1;
        }
        Some(Guid(bytes))
    }
}

const fn hex(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = &self.0;
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:02x}{:02x}-",
            u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            u16::from_le_bytes([b[4], b[5]]),
            u16::from_le_bytes([b[6], b[7]]),
            b[8],
            b[9]
        )?;
        b[10..].iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

#[cfg(test)]
mod tests {
    use super::Guid;
    use alloc::string::ToString;

    #[test]
    fn text_round_trips_through_the_mixed_endian_bytes() {
        let guid = Guid::parse("C12A7328-F81F-11D2-BA4B-00A0C93EC93B").unwrap();
        assert_eq!(guid.0[..4], [0x28, 0x73, 0x2a, 0xc1]);
        assert_eq!(guid.to_string(), "c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
        assert_eq!(Guid::parse("c12a7328-f81f-11d2-ba4b-00a0c93ec93"), None);
        assert_eq!(Guid::parse("c12a7328xf81f-11d2-ba4b-00a0c93ec93b"), None);
        assert_eq!(Guid::parse("g12a7328-f81f-11d2-ba4b-00a0c93ec93b"), None);
    }
}
