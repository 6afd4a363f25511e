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
//! lengths a driver sends ([`check_frame`]), [`Mac`], and the batch
//! layout of a `batch` handle's reads and writes ([`push_batch`],
//! [`Batch`]), which the network stack uses too, and the shared-memory
//! frame rings of a `ring` handle ([`ring`]).
//!
//! Depends on nothing; with `server`, on `cairn-rt`.
#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

use alloc::vec::Vec;

#[cfg(feature = "server")]
pub mod memory;
pub mod ring;
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

/// Bytes before each frame of a batch: its length, little-endian.
pub const BATCH_HEADER: usize = 2;

/// Appends `frame` to `batch` (its length, then its bytes).
pub fn push_batch(batch: &mut Vec<u8>, frame: &[u8]) {
    batch.extend_from_slice(&(frame.len() as u16).to_le_bytes());
    batch.extend_from_slice(frame);
}

/// A batch's entry whose length runs past the end of the batch: the
/// offset of that entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CutBatch(pub usize);

/// The frames of a batch, in order; an entry cut short ends it with
/// [`CutBatch`].
pub struct Batch<'a> {
    rest: &'a [u8],
    offset: usize,
}

impl<'a> Batch<'a> {
    pub fn new(bytes: &'a [u8]) -> Batch<'a> {
        Batch { rest: bytes, offset: 0 }
    }
}

impl<'a> Iterator for Batch<'a> {
    type Item = Result<&'a [u8], CutBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let entry = self.rest.get(..BATCH_HEADER).and_then(|header| {
            let len = usize::from(u16::from_le_bytes([header[0], header[1]]));
            self.rest.get(BATCH_HEADER..BATCH_HEADER + len)
        });
        match entry {
            Some(frame) => {
                self.rest = &self.rest[BATCH_HEADER + frame.len()..];
                self.offset += BATCH_HEADER + frame.len();
                Some(Ok(frame))
            }
            None => {
                self.rest = &[];
                Some(Err(CutBatch(self.offset)))
            }
        }
    }
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
    fn batches_carry_frames_and_stop_at_a_cut_entry() {
        let mut batch = Vec::new();
        push_batch(&mut batch, &[1; 60]);
        push_batch(&mut batch, &[2; 1514]);
        push_batch(&mut batch, &[]);
        let frames: Vec<_> = Batch::new(&batch).collect();
        assert_eq!(frames, [Ok(&[1u8; 60][..]), Ok(&[2u8; 1514][..]), Ok(&[][..])]);
        assert_eq!(Batch::new(&[]).count(), 0);
        // An entry longer than what follows it, and a header cut in half.
        let cut = &batch[..BATCH_HEADER + 60 + BATCH_HEADER + 100];
        assert_eq!(Batch::new(cut).collect::<Vec<_>>(), [Ok(&[1u8; 60][..]), Err(CutBatch(62))]);
        assert_eq!(Batch::new(&batch[..1]).collect::<Vec<_>>(), [Err(CutBatch(0))]);
    }

    #[test]
    fn mac_prints_like_linux() {
        assert_eq!(format!("{}", Mac([0x52, 0x54, 0, 0x12, 0xab, 0x0f])), "52:54:00:12:ab:0f");
    }
}
