//! The frame path between a network device and smoltcp: [`Link`] is a
//! smoltcp `Device` over any [`FrameIo`] (a NIC's frame handle in netd, a
//! queue for the loopback and in tests). Every received frame is checked
//! first ([`check_frame`]); a bad one is dropped and counted in
//! [`LinkStats`], never handed on. Frames sent shorter than the Ethernet
//! minimum are padded to it (the NIC schemes want 60-1514 bytes).
//!
//! A TCP SYN to a listening port with no listening socket free is dropped
//! here ([`Link::gate_syns`]): smoltcp would answer it with a reset, while
//! an unanswered SYN is sent again by the peer a moment later, when the
//! listener may have room (what Linux does when its accept queue is full).

use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec::Vec;

use smoltcp::phy::{Device, DeviceCapabilities, Medium, RxToken, TxToken};
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetFrame, EthernetProtocol, IpProtocol, Ipv4Packet, Ipv6Packet, TcpPacket};

/// The largest Ethernet frame without its check sequence (1500 + 14).
pub const MAX_FRAME: usize = 1514;
/// The smallest Ethernet frame without its check sequence.
pub const MIN_FRAME: usize = 60;

/// Where frames come from and go to.
pub trait FrameIo {
    /// The next received frame, if one waits.
    fn recv(&mut self) -> Option<Vec<u8>>;
    /// Sends one frame, or queues it for [`FrameIo::flush`]; `false` if
    /// the device did not take it.
    fn send(&mut self, frame: &[u8]) -> bool;
    /// Sends the frames queued; returns how many the device did not take.
    fn flush(&mut self) -> u64 {
        0
    }
}

/// A loopback: what is sent is received.
#[derive(Default)]
pub struct Loopback {
    queue: VecDeque<Vec<u8>>,
}

/// Packets the loopback holds at most (more are dropped, as a full NIC's).
const LOOPBACK_QUEUE: usize = 512;

impl FrameIo for Loopback {
    fn recv(&mut self) -> Option<Vec<u8>> {
        self.queue.pop_front()
    }

    fn send(&mut self, frame: &[u8]) -> bool {
        if self.queue.len() >= LOOPBACK_QUEUE {
            return false;
        }
        self.queue.push_back(frame.to_vec());
        true
    }
}

/// Why a received frame was dropped before the stack saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameFault {
    /// Shorter than an Ethernet header.
    Short,
    /// Longer than [`MAX_FRAME`].
    Oversized,
    /// An IPv4 packet whose header is truncated, inconsistent or fails
    /// its checksum.
    BadIpv4,
    /// An IPv6 packet whose header is truncated or whose length runs past
    /// the frame.
    BadIpv6,
}

/// Checks a received Ethernet frame's headers (the transport layers are
/// smoltcp's to check; it drops what fails there).
pub fn check_frame(frame: &[u8]) -> Result<(), FrameFault> {
    if frame.len() > MAX_FRAME {
        return Err(FrameFault::Oversized);
    }
    let ethernet = EthernetFrame::new_checked(frame).map_err(|_| FrameFault::Short)?;
    match ethernet.ethertype() {
        EthernetProtocol::Ipv4 => {
            let packet = Ipv4Packet::new_checked(ethernet.payload()).map_err(|_| FrameFault::BadIpv4)?;
            if !packet.verify_checksum() {
                return Err(FrameFault::BadIpv4);
            }
        }
        EthernetProtocol::Ipv6 => {
            Ipv6Packet::new_checked(ethernet.payload()).map_err(|_| FrameFault::BadIpv6)?;
        }
        _ => {}
    }
    Ok(())
}

/// The destination port of a TCP SYN (without ACK: a new connection) in
/// `packet`, an IP packet; `None` for anything else.
fn syn_port(packet: &[u8]) -> Option<u16> {
    let (protocol, payload) = match packet.first()? >> 4 {
        4 => {
            let ip = Ipv4Packet::new_checked(packet).ok()?;
            (ip.next_header(), &packet[usize::from(ip.header_len())..usize::from(ip.total_len())])
        }
        6 => {
            let ip = Ipv6Packet::new_checked(packet).ok()?;
            (ip.next_header(), ip.payload())
        }
        _ => return None,
    };
    let tcp = TcpPacket::new_checked(payload).ok().filter(|_| protocol == IpProtocol::Tcp)?;
    (tcp.syn() && !tcp.ack()).then(|| tcp.dst_port())
}

/// Counters of one link.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    pub rx_frames: u64,
    pub rx_bytes: u64,
    /// Frames sent or queued to be sent.
    pub tx_frames: u64,
    pub tx_bytes: u64,
    /// Frames the device would not take (when sent, or from its queue).
    pub tx_dropped: u64,
    pub rx_short: u64,
    pub rx_oversized: u64,
    pub rx_bad_ipv4: u64,
    pub rx_bad_ipv6: u64,
    /// SYNs dropped because their listener had no room ([`Link::gate_syns`]).
    pub rx_syn_dropped: u64,
}

impl LinkStats {
    /// Bad frames dropped, of every kind.
    pub fn rx_bad(&self) -> u64 {
        self.rx_short + self.rx_oversized + self.rx_bad_ipv4 + self.rx_bad_ipv6
    }

    fn count(&mut self, fault: FrameFault) {
        match fault {
            FrameFault::Short => self.rx_short += 1,
            FrameFault::Oversized => self.rx_oversized += 1,
            FrameFault::BadIpv4 => self.rx_bad_ipv4 += 1,
            FrameFault::BadIpv6 => self.rx_bad_ipv6 += 1,
        }
    }
}

/// A smoltcp device over `io`.
pub struct Link<F: FrameIo> {
    pub io: F,
    medium: Medium,
    pub stats: LinkStats,
    /// Listening TCP ports and the SYNs each can still take.
    syn_room: BTreeMap<u16, usize>,
}

impl<F: FrameIo> Link<F> {
    /// An Ethernet link, or an IP one (`Medium::Ip`: the loopback).
    pub fn new(io: F, medium: Medium) -> Link<F> {
        Link { io, medium, stats: LinkStats::default(), syn_room: BTreeMap::new() }
    }

    /// Sends the frames the device queued (after each poll); counts those
    /// it did not take in `tx_dropped`.
    pub fn flush(&mut self) {
        self.stats.tx_dropped += self.io.flush();
    }

    /// Says which TCP ports are listened on and how many new connections
    /// each can take now (its free listening sockets): until the next
    /// call, SYNs to such a port beyond that many are dropped and counted
    /// in `rx_syn_dropped`. Ports not named are not gated.
    pub fn gate_syns(&mut self, room: BTreeMap<u16, usize>) {
        self.syn_room = room;
    }

    /// Whether a checked frame passes the SYN gate (taking its room).
    fn admit(&mut self, frame: &[u8]) -> bool {
        if self.syn_room.is_empty() {
            return true;
        }
        let packet = match self.medium {
            Medium::Ethernet => {
                let ethernet = EthernetFrame::new_unchecked(frame);
                if !matches!(ethernet.ethertype(), EthernetProtocol::Ipv4 | EthernetProtocol::Ipv6) {
                    return true;
                }
                &frame[EthernetFrame::<&[u8]>::header_len()..]
            }
            _ => frame,
        };
        let Some(room) = syn_port(packet).and_then(|port| self.syn_room.get_mut(&port)) else { return true };
        match room.checked_sub(1) {
            Some(left) => {
                *room = left;
                true
            }
            None => {
                self.stats.rx_syn_dropped += 1;
                false
            }
        }
    }
}

/// A received frame for smoltcp.
pub struct Received(Vec<u8>);

impl RxToken for Received {
    fn consume<R, G: FnOnce(&[u8]) -> R>(self, f: G) -> R {
        f(&self.0)
    }
}

/// Room to send one frame.
pub struct Sending<'a, F: FrameIo> {
    io: &'a mut F,
    stats: &'a mut LinkStats,
    medium: Medium,
}

impl<F: FrameIo> TxToken for Sending<'_, F> {
    fn consume<R, G: FnOnce(&mut [u8]) -> R>(self, len: usize, f: G) -> R {
        let padded = if self.medium == Medium::Ethernet { len.max(MIN_FRAME) } else { len };
        let mut frame = alloc::vec![0u8; padded];
        let result = f(&mut frame[..len]);
        if self.io.send(&frame) {
            self.stats.tx_frames += 1;
            self.stats.tx_bytes += frame.len() as u64;
        } else {
            self.stats.tx_dropped += 1;
        }
        result
    }
}

impl<F: FrameIo> Device for Link<F> {
    type RxToken<'a>
        = Received
    where
        Self: 'a;
    type TxToken<'a>
        = Sending<'a, F>
    where
        Self: 'a;

    fn receive(&mut self, _timestamp: Instant) -> Option<(Received, Sending<'_, F>)> {
        loop {
            let frame = self.io.recv()?;
            self.stats.rx_frames += 1;
            self.stats.rx_bytes += frame.len() as u64;
            let checked = match self.medium {
                Medium::Ethernet => check_frame(&frame),
                _ => Ok(()),
            };
            match checked {
                Ok(()) if !self.admit(&frame) => {}
                Ok(()) => {
                    let sending = Sending { io: &mut self.io, stats: &mut self.stats, medium: self.medium };
                    return Some((Received(frame), sending));
                }
                Err(fault) => self.stats.count(fault),
            }
        }
    }

    fn transmit(&mut self, _timestamp: Instant) -> Option<Sending<'_, F>> {
        Some(Sending { io: &mut self.io, stats: &mut self.stats, medium: self.medium })
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = self.medium;
        caps.max_transmission_unit = match self.medium {
            Medium::Ethernet => MAX_FRAME,
            _ => 65535,
        };
        caps
    }
}

#[cfg(test)]
mod tests;
