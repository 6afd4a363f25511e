//! `cairn-netdev`: what every network driver serves, written once. A
//! driver brings its device up and implements [`Nic`] (send a frame, the
//! MAC address, the link state); with the `server` feature,
//! [`NetScheme`] serves it as scheme `net.*` (docs/ABI.md, "Schemes
//! `net.*`"): frame handles with their backlogs, blocking, non-blocking
//! and evented reads, the `mac`, `link` and `stats` files and the
//! counters behind them. The driver's receive path hands each frame to
//! [`NetScheme::deliver`].
//!
//! Without features it is the pure part, tested on the host: the frame
//! lengths a driver sends ([`check_frame`]) and [`Mac`].
//!
//! Depends on nothing; with `server`, on `cairn-rt`.
#![no_std]

#[cfg(test)]
extern crate std;

#[cfg(feature = "server")]
mod server;
#[cfg(feature = "server")]
pub use server::{BACKLOG, NetScheme, Nic, SendError};

/// The shortest Ethernet frame a driver sends (without the frame check
/// sequence, which the device adds): shorter ones must be padded.
pub const MIN_FRAME: usize = 60;
/// The longest untagged Ethernet frame for an MTU of 1500 (14 header
/// bytes + 1500), without the frame check sequence.
pub const MAX_FRAME: usize = 1514;

/// A frame to send outside [`MIN_FRAME`]..=[`MAX_FRAME`] bytes: its length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadLength(pub usize);

impl core::fmt::Display for BadLength {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "a frame of {} bytes (not {MIN_FRAME}-{MAX_FRAME})", self.0)
    }
}

/// Checks the length of a frame to send.
pub fn check_frame(frame: &[u8]) -> Result<(), BadLength> {
    if (MIN_FRAME..=MAX_FRAME).contains(&frame.len()) { Ok(()) } else { Err(BadLength(frame.len())) }
}

/// A MAC address as Linux prints it: `52:54:00:12:34:56`.
pub struct Mac(pub [u8; 6]);

impl core::fmt::Display for Mac {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;

    #[test]
    fn frame_lengths() {
        assert_eq!(check_frame(&[0; 60]), Ok(()));
        assert_eq!(check_frame(&[0; 1514]), Ok(()));
        assert_eq!(check_frame(&[0; 59]), Err(BadLength(59)));
        assert_eq!(check_frame(&[0; 1515]), Err(BadLength(1515)));
        assert_eq!(check_frame(&[]), Err(BadLength(0)));
        assert_eq!(format!("{}", BadLength(4000)), "a frame of 4000 bytes (not 60-1514)");
    }

    #[test]
    fn mac_prints_like_linux() {
        assert_eq!(format!("{}", Mac([0x52, 0x54, 0, 0x12, 0xab, 0x0f])), "52:54:00:12:ab:0f");
    }
}
