//! The virtio network device's own definitions (virtio 1.x §5.1): its
//! feature bits, the fields of its device configuration, the 12-byte
//! header (`struct virtio_net_hdr`) that leads every frame on its queues,
//! and the check of a received buffer's header. Pure logic, tested on the
//! host. (Frame lengths and MAC addresses, which every network driver
//! shares, are `cairn-netdev`'s.)

/// virtio-net feature bits (§5.1.3).
pub mod feature {
    /// The device handles frames with a partial checksum (transmit offload).
    pub const CSUM: u64 = 1 << 0;
    /// The driver handles frames with a partial checksum (receive offload).
    pub const GUEST_CSUM: u64 = 1 << 1;
    /// The configuration holds the device's MAC address.
    pub const MAC: u64 = 1 << 5;
    /// Received frames may span several buffers (`num_buffers`).
    pub const MRG_RXBUF: u64 = 1 << 15;
    /// The configuration holds the link state.
    pub const STATUS: u64 = 1 << 16;
    /// Several receive/transmit queue pairs.
    pub const MQ: u64 = 1 << 22;
}

/// Device configuration fields (offsets, §5.1.4).
pub mod config {
    /// Six bytes, valid with [`super::feature::MAC`].
    pub const MAC: usize = 0;
    /// 16 bits, valid with [`super::feature::STATUS`].
    pub const STATUS: usize = 6;
    /// [`STATUS`] bit: the link is up.
    pub const STATUS_LINK_UP: u16 = 1;
}

/// The queues of the first queue pair: receive queue 0, transmit queue 1.
pub const RECEIVE_QUEUE: u16 = 0;
pub const TRANSMIT_QUEUE: u16 = 1;

/// Bytes of the header before every frame (VERSION_1 always has
/// `num_buffers`, so 12).
pub const HEADER: usize = 12;
/// The bytes each receive buffer has without `MRG_RXBUF` and without
/// segmentation offload: the header and the longest frame, with room for
/// one VLAN tag (§5.1.6.3.1 asks for at least 1526).
pub const RECEIVE_BUFFER: usize = 2048;

/// The header's `flags` bits.
const NEEDS_CSUM: u8 = 1;
/// The header's `gso_type` for "no segmentation offload".
const GSO_NONE: u8 = 0;

/// Why a received buffer is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The device returned fewer bytes than a header.
    Short(usize),
    /// The device returned more bytes than the buffer it was given.
    Overrun { written: usize, buffer: usize },
    /// The device used segmentation offload or asked for a checksum,
    /// which were never negotiated.
    Unnegotiated { flags: u8, gso_type: u8 },
    /// `num_buffers` is not 1 (merged buffers were never negotiated).
    Merged(u16),
}

impl core::fmt::Display for FrameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FrameError::Short(len) => write!(f, "a received buffer of {len} bytes, shorter than its header"),
            FrameError::Overrun { written, buffer } => {
                write!(f, "the device wrote {written} bytes into a buffer of {buffer}")
            }
            FrameError::Unnegotiated { flags, gso_type } => {
                write!(f, "a received header with flags {flags:#x} and gso_type {gso_type}, never negotiated")
            }
            FrameError::Merged(count) => write!(f, "a received frame over {count} buffers, never negotiated"),
        }
    }
}

/// Writes the header of a frame to send into `buffer` (the first
/// [`HEADER`] bytes): all zero — no checksum to fill in (`flags` 0), no
/// segmentation (`gso_type` [`GSO_NONE`]).
pub fn write_transmit_header(buffer: &mut [u8]) {
    buffer[..HEADER].fill(0);
}

/// The frame in a receive buffer of `buffer.len()` bytes the device wrote
/// `written` bytes of, after checking its header: a single buffer, no
/// segmentation, no checksum left to fill in (none of the offloads was
/// negotiated). `DATA_VALID` in `flags` is harmless and allowed.
pub fn received_frame(buffer: &[u8], written: usize) -> Result<&[u8], FrameError> {
    if written > buffer.len() {
        return Err(FrameError::Overrun { written, buffer: buffer.len() });
    }
    if written < HEADER {
        return Err(FrameError::Short(written));
    }
    let (flags, gso_type) = (buffer[0], buffer[1]);
    if flags & NEEDS_CSUM != 0 || gso_type != GSO_NONE {
        return Err(FrameError::Unnegotiated { flags, gso_type });
    }
    let buffers = u16::from_le_bytes([buffer[10], buffer[11]]);
    // Without MRG_RXBUF the device may leave `num_buffers` 0 or set 1.
    if buffers > 1 {
        return Err(FrameError::Merged(buffers));
    }
    Ok(&buffer[HEADER..written])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    #[test]
    fn transmit_header_is_all_zero() {
        let mut buffer = [0xaau8; 20];
        write_transmit_header(&mut buffer);
        assert_eq!(buffer[..HEADER], [0; HEADER]);
        assert_eq!(buffer[HEADER..], [0xaa; 8]);
    }

    #[test]
    fn a_received_frame_follows_its_header() {
        let mut buffer = vec![0u8; RECEIVE_BUFFER];
        buffer[10] = 1;
        buffer[HEADER..HEADER + 64].fill(7);
        assert_eq!(received_frame(&buffer, HEADER + 64), Ok(&[7u8; 64][..]));
        // num_buffers 0 and DATA_VALID (2) are fine too.
        buffer[10] = 0;
        buffer[0] = 2;
        assert_eq!(received_frame(&buffer, HEADER + 64).map(<[u8]>::len), Ok(64));
    }

    #[test]
    fn bad_received_buffers_are_errors() {
        let mut buffer = vec![0u8; RECEIVE_BUFFER];
        assert_eq!(received_frame(&buffer, 11), Err(FrameError::Short(11)));
        assert_eq!(received_frame(&buffer, 4096), Err(FrameError::Overrun { written: 4096, buffer: 2048 }));
        buffer[0] = NEEDS_CSUM;
        assert_eq!(received_frame(&buffer, 100), Err(FrameError::Unnegotiated { flags: 1, gso_type: 0 }));
        buffer[0] = 0;
        buffer[1] = 1;
        assert_eq!(received_frame(&buffer, 100), Err(FrameError::Unnegotiated { flags: 0, gso_type: 1 }));
        buffer[1] = 0;
        buffer[10] = 3;
        assert_eq!(received_frame(&buffer, 100), Err(FrameError::Merged(3)));
    }
}
