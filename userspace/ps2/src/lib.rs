//! PS/2 input decoding, pure and host-tested: [`MouseDecoder`] turns the
//! mouse's byte stream (3-byte packets, or 4 with the IntelliMouse wheel)
//! into [`MouseReport`]s, resynchronising on a byte that cannot start a
//! packet and dropping packets whose counters overflowed;
//! [`ScanCodes`] turns scan code set 1 bytes into key presses and
//! releases (`0xE0`-prefixed keys as `0xE0xx`). The commands that switch
//! the wheel on are listed here too ([`INTELLIMOUSE_RATES`]). no_std.
#![no_std]

/// Sample rates that, set in this order, turn an IntelliMouse's wheel on
/// (its ID then reads [`WHEEL_MOUSE_ID`]).
pub const INTELLIMOUSE_RATES: [u8; 3] = [200, 100, 80];
pub const WHEEL_MOUSE_ID: u8 = 3;

/// Mouse commands and answers.
pub const SET_DEFAULTS: u8 = 0xf6;
pub const SET_SAMPLE_RATE: u8 = 0xf3;
pub const GET_ID: u8 = 0xf2;
pub const ENABLE_REPORTING: u8 = 0xf4;
pub const ACK: u8 = 0xfa;

/// First packet byte: buttons, a bit always set, signs and overflows.
const LEFT: u8 = 0x01;
const RIGHT: u8 = 0x02;
const MIDDLE: u8 = 0x04;
const ALWAYS_ONE: u8 = 0x08;
const X_SIGN: u8 = 0x10;
const Y_SIGN: u8 = 0x20;
const X_OVERFLOW: u8 = 0x40;
const Y_OVERFLOW: u8 = 0x80;

/// One mouse packet, decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MouseReport {
    /// Motion in screen directions (y grows downwards).
    pub dx: i32,
    pub dy: i32,
    /// Wheel: negative up (away from the user), positive down.
    pub wheel: i32,
    pub left: bool,
    pub right: bool,
    pub middle: bool,
}

/// Gathers mouse bytes into packets.
#[derive(Clone, Debug, Default)]
pub struct MouseDecoder {
    packet: [u8; 4],
    have: usize,
    wheel: bool,
}

impl MouseDecoder {
    /// A decoder for 4-byte packets when `wheel` (the mouse answered
    /// [`WHEEL_MOUSE_ID`]), else 3-byte ones.
    pub fn new(wheel: bool) -> MouseDecoder {
        MouseDecoder { packet: [0; 4], have: 0, wheel }
    }

    fn size(&self) -> usize {
        if self.wheel { 4 } else { 3 }
    }

    /// Takes one byte; a whole packet gives a report.
    pub fn push(&mut self, byte: u8) -> Option<MouseReport> {
        if self.have == 0 && byte & ALWAYS_ONE == 0 {
            // Not a packet's first byte: out of step; wait for one.
            return None;
        }
        self.packet[self.have] = byte;
        self.have += 1;
        if self.have < self.size() {
            return None;
        }
        self.have = 0;
        let [flags, x, y, extra] = self.packet;
        if flags & (X_OVERFLOW | Y_OVERFLOW) != 0 {
            return None;
        }
        let signed = |value: u8, negative: bool| i32::from(value) - if negative { 256 } else { 0 };
        // The low four bits of the fourth byte are the wheel's signed count.
        let wheel = if self.wheel { i32::from(((extra << 4) as i8) >> 4) } else { 0 };
        Some(MouseReport {
            dx: signed(x, flags & X_SIGN != 0),
            dy: -signed(y, flags & Y_SIGN != 0),
            wheel,
            left: flags & LEFT != 0,
            right: flags & RIGHT != 0,
            middle: flags & MIDDLE != 0,
        })
    }
}

/// A key went down or up: its set-1 code (`0xE0xx` for prefixed keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyChange {
    pub code: u16,
    pub pressed: bool,
}

/// Scan code set 1 bytes to key changes.
#[derive(Clone, Debug, Default)]
pub struct ScanCodes {
    extended: bool,
    /// Bytes of a Pause sequence (`E1 ...`) still to skip.
    skip: u8,
}

impl ScanCodes {
    pub fn new() -> ScanCodes {
        ScanCodes::default()
    }

    /// Takes one byte; a whole code gives a key change.
    pub fn push(&mut self, byte: u8) -> Option<KeyChange> {
        if self.skip > 0 {
            self.skip -= 1;
            return None;
        }
        match byte {
            0xe0 => {
                self.extended = true;
                None
            }
            0xe1 => {
                self.skip = 5;
                None
            }
            // Controller answers (ACK, resend, errors), not keys.
            0x00 | 0xfa | 0xfe | 0xff => None,
            _ => {
                let prefix = if core::mem::take(&mut self.extended) { 0xe000 } else { 0 };
                Some(KeyChange { code: prefix | u16::from(byte & 0x7f), pressed: byte & 0x80 == 0 })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(decoder: &mut MouseDecoder, bytes: &[u8]) -> Option<MouseReport> {
        bytes.iter().fold(None, |last, &b| decoder.push(b).or(last))
    }

    #[test]
    fn three_byte_packets() {
        let mut mouse = MouseDecoder::new(false);
        assert_eq!(mouse.push(0x09), None);
        assert_eq!(mouse.push(5), None);
        let report = mouse.push(3).unwrap();
        assert_eq!(report, MouseReport { dx: 5, dy: -3, left: true, ..MouseReport::default() });
        // Negative x (sign bit), negative y up the screen is down in PS/2 terms.
        let report = feed(&mut mouse, &[0x08 | X_SIGN | Y_SIGN, 0xfb, 0xfe]).unwrap();
        assert_eq!((report.dx, report.dy, report.left), (-5, 2, false));
    }

    #[test]
    fn wheel_packets() {
        let mut mouse = MouseDecoder::new(true);
        let report = feed(&mut mouse, &[0x08 | MIDDLE, 0, 0, 0x0f]).unwrap();
        assert_eq!((report.wheel, report.middle), (-1, true));
        let report = feed(&mut mouse, &[0x08, 1, 1, 0x01]).unwrap();
        assert_eq!((report.dx, report.dy, report.wheel), (1, -1, 1));
    }

    #[test]
    fn out_of_step_bytes_and_overflows_are_dropped() {
        let mut mouse = MouseDecoder::new(false);
        // A stray byte without bit 3 cannot start a packet.
        assert_eq!(mouse.push(0x00), None);
        assert_eq!(feed(&mut mouse, &[0x08, 1, 2]), Some(MouseReport { dx: 1, dy: -2, ..MouseReport::default() }));
        assert_eq!(feed(&mut mouse, &[0x08 | X_OVERFLOW, 0xff, 0]), None);
        assert_eq!(feed(&mut mouse, &[0x08 | RIGHT, 0, 0]).map(|r| r.right), Some(true));
    }

    #[test]
    fn scan_codes() {
        let mut keys = ScanCodes::new();
        assert_eq!(keys.push(0x1e), Some(KeyChange { code: 0x1e, pressed: true }));
        assert_eq!(keys.push(0x9e), Some(KeyChange { code: 0x1e, pressed: false }));
        assert_eq!(keys.push(0xe0), None);
        assert_eq!(keys.push(0x48), Some(KeyChange { code: 0xe048, pressed: true }));
        assert_eq!(keys.push(0x48), Some(KeyChange { code: 0x48, pressed: true }));
        assert_eq!(keys.push(0xfa), None);
        // Pause: E1 1D 45 E1 9D C5 gives nothing, and the next key is whole.
        for byte in [0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5] {
            assert_eq!(keys.push(byte), None);
        }
        assert_eq!(keys.push(0x01), Some(KeyChange { code: 0x01, pressed: true }));
    }
}
