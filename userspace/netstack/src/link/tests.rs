//! Host tests of the frame path: two smoltcp stacks wired through
//! [`Link`]s talk TCP, UDP and ICMP while every frame is captured; then
//! bounded rounds of mutated captures (bits flipped, bytes overwritten,
//! frames cut short or grown) are fed to one stack, which must drop or
//! answer them without panicking, count the bad ones, and still carry a
//! clean TCP exchange afterwards.

use super::*;
use alloc::rc::Rc;
use alloc::vec;
use core::cell::RefCell;
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::socket::{icmp, tcp, udp};
use smoltcp::wire::{EthernetAddress, HardwareAddress, Icmpv4Packet, Icmpv4Repr, IpAddress, IpCidr};

/// One direction of the wire, with a capture of everything sent.
#[derive(Clone, Default)]
struct Wire {
    queue: Rc<RefCell<VecDeque<Vec<u8>>>>,
    capture: Rc<RefCell<Vec<Vec<u8>>>>,
}

/// A FrameIo sending into one wire and receiving from another.
struct End {
    rx: Wire,
    tx: Wire,
}

impl FrameIo for End {
    fn recv(&mut self) -> Option<Vec<u8>> {
        self.rx.queue.borrow_mut().pop_front()
    }

    fn send(&mut self, frame: &[u8]) -> bool {
        self.tx.capture.borrow_mut().push(frame.to_vec());
        self.tx.queue.borrow_mut().push_back(frame.to_vec());
        true
    }
}

struct Host {
    iface: Interface,
    link: Link<End>,
    sockets: SocketSet<'static>,
}

fn host(mac: u8, ip: [u8; 4], rx: Wire, tx: Wire) -> Host {
    let mut link = Link::new(End { rx, tx }, Medium::Ethernet);
    let config = Config::new(HardwareAddress::Ethernet(EthernetAddress([0x52, 0x54, 0, 0, 0, mac])));
    let mut iface = Interface::new(config, &mut link, Instant::ZERO);
    iface.update_ip_addrs(|addrs| {
        addrs.push(IpCidr::new(IpAddress::from(ip.into_iter().collect::<Ipv4>().0), 24)).unwrap()
    });
    Host { iface, link, sockets: SocketSet::new(vec![]) }
}

/// Collects four octets into an address.
struct Ipv4(smoltcp::wire::Ipv4Address);

impl FromIterator<u8> for Ipv4 {
    fn from_iter<I: IntoIterator<Item = u8>>(iter: I) -> Ipv4 {
        let o: Vec<u8> = iter.into_iter().collect();
        Ipv4(smoltcp::wire::Ipv4Address::new(o[0], o[1], o[2], o[3]))
    }
}

fn tcp_socket() -> tcp::Socket<'static> {
    tcp::Socket::new(tcp::SocketBuffer::new(vec![0; 4096]), tcp::SocketBuffer::new(vec![0; 4096]))
}

fn udp_socket() -> udp::Socket<'static> {
    let buffer = || udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 8], vec![0; 4096]);
    udp::Socket::new(buffer(), buffer())
}

/// Polls both hosts `rounds` times, advancing time by 10 ms a round.
fn run(a: &mut Host, b: &mut Host, now: &mut Instant, rounds: usize) {
    for _ in 0..rounds {
        *now += smoltcp::time::Duration::from_millis(10);
        a.iface.poll(*now, &mut a.link, &mut a.sockets);
        b.iface.poll(*now, &mut b.link, &mut b.sockets);
    }
}

/// A TCP exchange from `a` (client) to `b` (server on `port`): `a` sends
/// `data`, `b` reads it back; returns what `b` read.
fn exchange(a: &mut Host, b: &mut Host, now: &mut Instant, port: u16, data: &[u8]) -> Vec<u8> {
    let server = b.sockets.add(tcp_socket());
    b.sockets.get_mut::<tcp::Socket>(server).listen(port).unwrap();
    let client = a.sockets.add(tcp_socket());
    let cx = a.iface.context();
    a.sockets.get_mut::<tcp::Socket>(client).connect(cx, (IpAddress::v4(10, 0, 2, 2), port), 40000 + port).unwrap();
    run(a, b, now, 20);
    a.sockets.get_mut::<tcp::Socket>(client).send_slice(data).unwrap();
    run(a, b, now, 20);
    let mut got = vec![0u8; data.len() + 16];
    let n = b.sockets.get_mut::<tcp::Socket>(server).recv_slice(&mut got).unwrap_or(0);
    got.truncate(n);
    got
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn mutate(rng: &mut Rng, frame: &[u8]) -> Vec<u8> {
    let mut frame = frame.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(6) {
            0 if !frame.is_empty() => {
                let at = rng.below(frame.len());
                frame[at] ^= 1 << rng.below(8);
            }
            1 if !frame.is_empty() => {
                let at = rng.below(frame.len());
                frame[at] = rng.next() as u8;
            }
            2 => frame.truncate(rng.below(frame.len() + 1)),
            3 => frame.extend((0..rng.below(1600)).map(|_| rng.next() as u8)),
            // The IPv4 header's length fields and options area.
            4 if frame.len() > 24 => {
                let at = 14 + rng.below(10);
                frame[at] = rng.next() as u8;
            }
            _ if frame.len() > 40 => {
                let at = 34 + rng.below(frame.len() - 34);
                frame[at] = 0xff;
            }
            _ => {}
        }
    }
    frame
}

#[test]
fn mutated_captures_are_dropped_or_answered_and_the_stack_carries_on() {
    let (ab, ba) = (Wire::default(), Wire::default());
    let mut a = host(1, [10, 0, 2, 15], ba.clone(), ab.clone());
    let mut b = host(2, [10, 0, 2, 2], ab.clone(), ba.clone());
    let mut now = Instant::ZERO;

    // Captures: ARP, TCP handshake and data, UDP, ICMP echo.
    assert_eq!(exchange(&mut a, &mut b, &mut now, 7, b"hello"), b"hello");
    let udp_b = b.sockets.add(udp_socket());
    b.sockets.get_mut::<udp::Socket>(udp_b).bind(9).unwrap();
    let udp_a = a.sockets.add(udp_socket());
    a.sockets.get_mut::<udp::Socket>(udp_a).bind(5000).unwrap();
    a.sockets.get_mut::<udp::Socket>(udp_a).send_slice(b"datagram", (IpAddress::v4(10, 0, 2, 2), 9)).unwrap();
    let icmp_a: SocketHandle = a.sockets.add(icmp::Socket::new(
        icmp::PacketBuffer::new(vec![icmp::PacketMetadata::EMPTY; 4], vec![0; 512]),
        icmp::PacketBuffer::new(vec![icmp::PacketMetadata::EMPTY; 4], vec![0; 512]),
    ));
    a.sockets.get_mut::<icmp::Socket>(icmp_a).bind(icmp::Endpoint::Ident(0x1234)).unwrap();
    let echo = Icmpv4Repr::EchoRequest { ident: 0x1234, seq_no: 1, data: b"ping" };
    let mut bytes = vec![0u8; echo.buffer_len()];
    echo.emit(&mut Icmpv4Packet::new_unchecked(&mut bytes), &smoltcp::phy::ChecksumCapabilities::default());
    a.sockets.get_mut::<icmp::Socket>(icmp_a).send_slice(&bytes, IpAddress::v4(10, 0, 2, 2)).unwrap();
    run(&mut a, &mut b, &mut now, 10);
    assert_eq!(b.sockets.get_mut::<udp::Socket>(udp_b).recv().map(|(d, _)| d.to_vec()).unwrap(), b"datagram");
    assert!(a.sockets.get_mut::<icmp::Socket>(icmp_a).can_recv(), "no echo reply");
    let captures: Vec<Vec<u8>> = ab.capture.borrow().clone();
    assert!(captures.len() >= 6, "{} frames captured", captures.len());
    assert!(captures.iter().all(|f| f.len() >= MIN_FRAME), "short frames were not padded");

    // Bounded rounds of mutations fed to b.
    let mut rng = Rng(0x5eed_cafe_f00d_0001);
    const CASES: usize = 4000;
    for case in 0..CASES {
        let pick = rng.below(captures.len());
        let frame = mutate(&mut rng, &captures[pick]);
        ab.queue.borrow_mut().push_back(frame);
        if case % 16 == 0 {
            run(&mut a, &mut b, &mut now, 1);
        }
    }
    run(&mut a, &mut b, &mut now, 50);
    let stats = b.link.stats;
    assert!(stats.rx_short > 0 && stats.rx_oversized > 0 && stats.rx_bad_ipv4 > 0, "{stats:?}");
    assert!(stats.rx_frames >= CASES as u64);

    // The stack still works, once the neighbour entries the mutated ARP
    // and IP sender addresses planted have expired (60 s).
    now += smoltcp::time::Duration::from_secs(61);
    assert_eq!(exchange(&mut a, &mut b, &mut now, 8, b"still here"), b"still here");
}

#[test]
fn check_frame_sorts_faults() {
    assert_eq!(check_frame(&[0; 10]), Err(FrameFault::Short));
    assert_eq!(check_frame(&[0; 1515]), Err(FrameFault::Oversized));
    let mut ipv4 = vec![0u8; 60];
    ipv4[12..14].copy_from_slice(&[0x08, 0x00]);
    ipv4[14] = 0x45;
    assert_eq!(check_frame(&ipv4), Err(FrameFault::BadIpv4));
    let mut ipv6 = vec![0u8; 30];
    ipv6[12..14].copy_from_slice(&[0x86, 0xdd]);
    assert_eq!(check_frame(&ipv6), Err(FrameFault::BadIpv6));
    let mut arp = vec![0u8; 60];
    arp[12..14].copy_from_slice(&[0x08, 0x06]);
    assert_eq!(check_frame(&arp), Ok(()));
}

#[test]
fn loopback_is_bounded() {
    let mut lo = Loopback::default();
    for _ in 0..LOOPBACK_QUEUE {
        assert!(lo.send(b"x"));
    }
    assert!(!lo.send(b"x"));
    assert_eq!(lo.recv().as_deref(), Some(&b"x"[..]));
}

/// Three clients connect to a port with one listening socket: the SYNs
/// beyond it are dropped (not reset), and are taken once room is made.
/// Ungated, smoltcp resets them at once.
#[test]
fn syns_beyond_the_room_are_left_for_the_peer_to_resend() {
    let run_case = |gated: bool| {
        let (ab, ba) = (Wire::default(), Wire::default());
        let mut a = host(1, [10, 0, 2, 15], ba.clone(), ab.clone());
        let mut b = host(2, [10, 0, 2, 2], ab, ba);
        let mut now = Instant::ZERO;
        let listen = |b: &mut Host| {
            let socket = b.sockets.add(tcp_socket());
            b.sockets.get_mut::<tcp::Socket>(socket).listen(80).unwrap();
        };
        listen(&mut b);
        if gated {
            b.link.gate_syns(BTreeMap::from([(80, 1)]));
        }
        let clients: Vec<SocketHandle> = (0..3)
            .map(|i| {
                let client = a.sockets.add(tcp_socket());
                let cx = a.iface.context();
                a.sockets
                    .get_mut::<tcp::Socket>(client)
                    .connect(cx, (IpAddress::v4(10, 0, 2, 2), 80), 41000 + i)
                    .unwrap();
                client
            })
            .collect();
        run(&mut a, &mut b, &mut now, 20);
        let states: Vec<tcp::State> = clients.iter().map(|&c| a.sockets.get::<tcp::Socket>(c).state()).collect();
        (a, b, now, clients, states)
    };

    let (_, b, _, _, states) = run_case(false);
    assert_eq!(states.iter().filter(|&&s| s == tcp::State::Closed).count(), 2, "{states:?}");
    assert_eq!(b.link.stats.rx_syn_dropped, 0);

    let (mut a, mut b, mut now, clients, states) = run_case(true);
    assert_eq!(states.iter().filter(|&&s| s == tcp::State::Established).count(), 1, "{states:?}");
    assert_eq!(states.iter().filter(|&&s| s == tcp::State::SynSent).count(), 2, "{states:?}");
    assert!(b.link.stats.rx_syn_dropped >= 2);
    for _ in 0..2 {
        let socket = b.sockets.add(tcp_socket());
        b.sockets.get_mut::<tcp::Socket>(socket).listen(80).unwrap();
    }
    b.link.gate_syns(BTreeMap::from([(80, 2)]));
    run(&mut a, &mut b, &mut now, 500);
    for client in clients {
        assert_eq!(a.sockets.get::<tcp::Socket>(client).state(), tcp::State::Established);
    }
}

/// The SYN gate reads the destination port of IPv4 and IPv6 SYNs only.
#[test]
fn syn_port_reads_new_connections_only() {
    use smoltcp::phy::ChecksumCapabilities;
    use smoltcp::wire::{IpProtocol, Ipv6Address, Ipv6Repr, TcpControl, TcpRepr, TcpSeqNumber};
    let tcp = |control: TcpControl, ack: Option<TcpSeqNumber>| TcpRepr {
        src_port: 5000,
        dst_port: 80,
        control,
        seq_number: TcpSeqNumber(1),
        ack_number: ack,
        window_len: 1000,
        window_scale: None,
        max_seg_size: None,
        sack_permitted: false,
        sack_ranges: [None; 3],
        timestamp: None,
        payload: &[],
    };
    let v6 = |repr: TcpRepr| {
        let (src, dst) = (Ipv6Address::LOCALHOST, Ipv6Address::LOCALHOST);
        let ip = Ipv6Repr {
            src_addr: src,
            dst_addr: dst,
            next_header: IpProtocol::Tcp,
            payload_len: repr.header_len(),
            hop_limit: 64,
        };
        let mut bytes = vec![0u8; ip.buffer_len() + repr.header_len()];
        ip.emit(&mut Ipv6Packet::new_unchecked(&mut bytes[..]));
        let mut packet = TcpPacket::new_unchecked(&mut bytes[ip.buffer_len()..]);
        repr.emit(&mut packet, &src.into(), &dst.into(), &ChecksumCapabilities::default());
        bytes
    };
    assert_eq!(syn_port(&v6(tcp(TcpControl::Syn, None))), Some(80));
    assert_eq!(syn_port(&v6(tcp(TcpControl::Syn, Some(TcpSeqNumber(7))))), None);
    assert_eq!(syn_port(&v6(tcp(TcpControl::None, Some(TcpSeqNumber(7))))), None);
    assert_eq!(syn_port(&[0x45]), None);
    assert_eq!(syn_port(&[]), None);
}
