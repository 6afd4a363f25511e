//! The interfaces: the loopback `lo` and one `ethN` per `net.*` scheme
//! found (looked for again every [`DISCOVERY_PERIOD`], so devices whose
//! driver starts later, or restarts, are taken up), each a smoltcp
//! `Interface` with its own socket set, addressed by DHCPv4 or statically
//! (`/etc/network.conf`, [`cairn_netstack::config`]), with IPv6 link-local and
//! SLAAC addresses. Also the DNS servers and the choice of interface for
//! a destination.

use alloc::string::String;
use alloc::vec::Vec;
use core::net::IpAddr;
use core::time::Duration;

use cairn_netdev::ring::{
    Consumer, Direction, HEADER_SIZE, Producer, PushError, RingError, SLOT_SIZE, Shared, ring_size,
};
use cairn_rt::abi::error::EAGAIN;
use cairn_rt::abi::{O_NONBLOCK, O_RDWR};
use cairn_rt::fd::OwnedFd;
use cairn_rt::io::read_fd;
use cairn_rt::sys::{MapFlags, mmap, munmap};
use cairn_rt::{format, println};
use core::ptr::NonNull;
use smoltcp::iface::{Config, Interface, PollResult, SocketHandle, SocketSet};
use smoltcp::phy::Medium;
use smoltcp::socket::{dhcpv4, dns};
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpAddress, IpCidr, Ipv4Address, Ipv6Address};

use cairn_netstack::config::{Addressing, NetworkConfig};
use cairn_netstack::link::{FrameIo, Link, Loopback};

/// How often `/scheme` is looked at for new network devices.
pub const DISCOVERY_PERIOD: Duration = Duration::from_secs(1);

/// The time now, for smoltcp.
pub fn now() -> Instant {
    Instant::from_micros(cairn_rt::time::Instant::now().since_boot().as_micros() as i64)
}

/// A NIC's frame rings (`/scheme/net.*/ring`, docs/ABI.md "Schemes
/// `net.*`"): the ring memory the driver made, mapped here. Frames
/// received are taken from the receive ring and frames to send put in the
/// transmit ring without a call each; after a poll that put frames in,
/// one `read` of the handle (no data) has the driver send them all and
/// look at the receive ring again, synchronously ([`Nic::flush`]).
///
/// The handle is readable while the receive ring holds frames. The driver
/// only takes that back when asked (that same `read`); if no poll sent
/// anything, netd asks before it waits ([`Nic::rearm`]), off the path of
/// the answers. Whatever the driver
/// writes into the memory is checked ([`cairn_netdev::ring`]): broken
/// indices make netd let go of the device, to open it afresh at the next
/// discovery.
pub struct Nic {
    fd: Option<OwnedFd>,
    ring: Option<Rings>,
    /// The event queue said the handle is readable since the last rearm.
    readable: bool,
    /// Frames were put in the transmit ring since the last `read`.
    queued: bool,
    /// Where a received frame is copied (a slot's size).
    buffer: Vec<u8>,
}

/// The mapped ring memory and netd's ends of its two rings.
struct Rings {
    base: usize,
    len: usize,
    shared: Shared,
    receive: Consumer,
    transmit: Producer,
}

impl Drop for Rings {
    fn drop(&mut self) {
        // SAFETY: the mapping is this object's own; nothing else uses it.
        let _ = unsafe { munmap(self.base, self.len) };
    }
}

/// Maps `len` bytes of the ring handle `fd`, shared.
fn map(fd: &OwnedFd, len: usize) -> Result<usize, String> {
    let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
    // SAFETY: the kernel chooses where to map (no MAP_FIXED).
    unsafe { mmap(0, len, flags, fd.as_raw(), 0) }.map_err(|e| format!("cannot map its rings: {e}"))
}

impl Rings {
    /// Maps the rings of handle `fd`: the header page first, to learn their
    /// size from it, then all of it.
    fn map(fd: &OwnedFd) -> Result<Rings, String> {
        let header = map(fd, HEADER_SIZE)?;
        // SAFETY: a fresh page-aligned mapping of HEADER_SIZE bytes, unmapped
        // right after the check.
        let slots = unsafe { Shared::new(NonNull::new(header as *mut u8).ok_or("mapped at 0")?, HEADER_SIZE) }.header();
        // SAFETY: our own mapping, no longer used.
        let _ = unsafe { munmap(header, HEADER_SIZE) };
        let slots = slots.map_err(|e| format!("bad rings: {e}"))?;
        let len = ring_size(slots);
        let base = map(fd, len)?;
        // SAFETY: a fresh page-aligned mapping of `len` bytes, unmapped when
        // the `Rings` is dropped.
        let shared = unsafe { Shared::new(NonNull::new(base as *mut u8).ok_or("mapped at 0")?, len) };
        let rings = Rings {
            base,
            len,
            receive: Consumer::new(Direction::Receive, slots),
            transmit: Producer::new(Direction::Transmit, slots),
            shared,
        };
        match rings.shared.check() {
            Ok(checked) if checked == slots => Ok(rings),
            Ok(other) => Err(format!("bad rings: {other} slots, then {slots}")),
            Err(e) => Err(format!("bad rings: {e}")),
        }
    }
}

impl Nic {
    /// Opens device `device`'s ring handle and maps its rings.
    fn open(device: &str) -> Result<Nic, String> {
        let fd = cairn_rt::scheme::open(&format!("/scheme/{device}/ring"), O_RDWR | O_NONBLOCK)
            .map_err(|e| format!("cannot open its frames: {e}"))?;
        let ring = Rings::map(&fd)?;
        Ok(Nic { fd: Some(fd), ring: Some(ring), readable: true, queued: false, buffer: alloc::vec![0; SLOT_SIZE] })
    }

    /// Lets go of the device (its driver is gone or broke the rings): it is
    /// opened again when its scheme is there at the next discovery.
    fn lost(&mut self, why: &dyn core::fmt::Display) {
        if self.fd.is_some() {
            println!("netd: a NIC's rings: {why}; letting go of it");
        }
        self.ring = None;
        self.fd = None;
    }

    /// Before netd waits: if the handle was readable, asks the driver to
    /// look at the receive ring again, so that it is readable only while
    /// frames wait (the kernel's readiness is level-triggered and only the
    /// driver sets it). Frames still waiting are left to the next pass.
    pub fn rearm(&mut self) {
        if self.readable {
            self.call();
        }
    }

    /// The one call a pass makes: a `read` of the handle (no data), in
    /// which the driver sends what the transmit ring holds and posts the
    /// receive ring's readiness afresh.
    fn call(&mut self) {
        self.readable = false;
        self.queued = false;
        let Some(fd) = self.fd.as_ref() else { return };
        let mut byte = [0u8; 1];
        if let Err(error) = read_fd(fd.as_raw(), &mut byte)
            && error.errno() != Some(EAGAIN)
        {
            self.lost(&error);
        }
    }
}

impl FrameIo for Nic {
    fn recv(&mut self) -> Option<Vec<u8>> {
        loop {
            let rings = self.ring.as_mut()?;
            match rings.receive.pop(&rings.shared, &mut self.buffer) {
                Ok(Some(len)) => return Some(self.buffer[..len].to_vec()),
                Ok(None) => return None,
                // A slot with a bad length is skipped (the link layer counts
                // the frames it refuses; this one never was a frame).
                Err(RingError::BadLength(_)) => continue,
                Err(error) => {
                    self.lost(&error);
                    return None;
                }
            }
        }
    }

    fn send(&mut self, frame: &[u8]) -> bool {
        let Some(rings) = self.ring.as_mut() else { return false };
        match rings.transmit.push(&rings.shared, frame) {
            Ok(()) => {
                self.queued = true;
                true
            }
            Err(PushError::Full | PushError::TooLong(_)) => {
                self.flush();
                false
            }
            Err(PushError::Corrupt { head, tail }) => {
                self.lost(&RingError::Corrupt { head, tail });
                false
            }
        }
    }

    fn flush(&mut self) -> u64 {
        if self.queued {
            self.call();
        }
        0
    }
}

/// Where an interface's frames go: the loopback's queue or a NIC.
pub enum Port {
    Loopback(Loopback),
    Nic(Nic),
}

impl Port {
    /// The NIC's frame handle, to watch.
    pub fn fd(&self) -> Option<&OwnedFd> {
        match self {
            Port::Loopback(_) => None,
            Port::Nic(nic) => nic.fd.as_ref(),
        }
    }

    /// The event queue says the NIC's frame handle is readable.
    pub fn readable(&mut self) {
        if let Port::Nic(nic) = self {
            nic.readable = true;
        }
    }

    /// See [`Nic::rearm`].
    pub fn rearm(&mut self) {
        if let Port::Nic(nic) = self {
            nic.rearm();
        }
    }
}

impl FrameIo for Port {
    fn recv(&mut self) -> Option<Vec<u8>> {
        match self {
            Port::Loopback(lo) => lo.recv(),
            Port::Nic(nic) => nic.recv(),
        }
    }

    fn send(&mut self, frame: &[u8]) -> bool {
        match self {
            Port::Loopback(lo) => lo.send(frame),
            Port::Nic(nic) => nic.send(frame),
        }
    }

    fn flush(&mut self) -> u64 {
        match self {
            Port::Loopback(_) => 0,
            Port::Nic(nic) => nic.flush(),
        }
    }
}

/// How a wired interface is addressed now.
pub enum Dhcp {
    /// Static addresses from `/etc/network.conf`.
    Static,
    /// The DHCP client's socket and the lease it holds, if any.
    Client { socket: SocketHandle, lease: Option<Lease> },
}

/// What a DHCP server gave.
pub struct Lease {
    pub address: IpCidr,
    pub router: Option<Ipv4Address>,
    pub dns: Vec<IpAddr>,
}

/// One interface.
pub struct Iface {
    pub name: String,
    /// The scheme of its device (`net.virtio0`); `None` for the loopback.
    pub device: Option<String>,
    pub mac: Option<EthernetAddress>,
    pub iface: Interface,
    pub link: Link<Port>,
    pub sockets: SocketSet<'static>,
    pub dhcp: Option<Dhcp>,
    /// Its DNS resolver socket (wired interfaces).
    pub dns: Option<SocketHandle>,
}

impl Iface {
    pub fn is_loopback(&self) -> bool {
        self.device.is_none()
    }

    /// Whether a route or a connected subnet of this interface reaches `ip`.
    pub fn reaches(&mut self, ip: IpAddr) -> bool {
        let ip = IpAddress::from(ip);
        if self.iface.ip_addrs().iter().any(|cidr| cidr.contains_addr(&ip)) {
            return true;
        }
        let mut found = false;
        self.iface.routes_mut().update(|routes| found = routes.iter().any(|r| r.cidr.contains_addr(&ip)));
        found
    }

    /// Whether `ip` is one of this interface's addresses (its list: the
    /// loopback takes any address, `set_any_ip`).
    pub fn owns(&self, ip: IpAddr) -> bool {
        let ip = IpAddress::from(ip);
        self.iface.ip_addrs().iter().any(|cidr| cidr.address() == ip)
    }

    /// The routes smoltcp holds: (destination, gateway).
    pub fn routes(&mut self) -> Vec<(IpCidr, IpAddress)> {
        let mut list = Vec::new();
        self.iface.routes_mut().update(|routes| list = routes.iter().map(|r| (r.cidr, r.via_router)).collect());
        list
    }

    /// Polls the interface (the loopback until its queue is empty, since
    /// what it sends it receives at once); whether a socket may have
    /// changed (a frame came in or went out).
    pub fn poll(&mut self, now: Instant) -> bool {
        let mut changed = false;
        for _ in 0..64 {
            changed |= self.iface.poll(now, &mut self.link, &mut self.sockets) == PollResult::SocketStateChanged;
            self.link.flush();
            if !self.is_loopback() {
                break;
            }
            if self.iface.poll_delay(now, &self.sockets) != Some(smoltcp::time::Duration::ZERO) {
                break;
            }
        }
        changed
    }
}

/// Every interface and the DNS servers.
pub struct Stack {
    pub ifaces: Vec<Iface>,
    config: NetworkConfig,
    seed: u64,
    /// When `/scheme` was last looked at.
    discovered: Option<Instant>,
}

/// Reads 8 random bytes for smoltcp's seed (ISNs, DHCP transaction ids).
fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    if let Ok(fd) = cairn_rt::scheme::open("/scheme/rand", cairn_rt::abi::O_RDONLY) {
        let _ = read_fd(fd.as_raw(), &mut bytes);
    }
    u64::from_le_bytes(bytes) ^ now().total_micros() as u64
}

/// A DNS resolver socket with room for queries.
fn dns_socket(servers: &[IpAddress]) -> dns::Socket<'static> {
    dns::Socket::new(servers, Vec::new())
}

/// The EUI-64 link-local address of `mac`.
fn link_local(mac: EthernetAddress) -> Ipv6Address {
    let m = mac.0;
    Ipv6Address::new(
        0xfe80,
        0,
        0,
        0,
        u16::from_be_bytes([m[0] ^ 2, m[1]]),
        u16::from_be_bytes([m[2], 0xff]),
        u16::from_be_bytes([0xfe, m[3]]),
        u16::from_be_bytes([m[4], m[5]]),
    )
}

impl Stack {
    pub fn new(config: NetworkConfig) -> Stack {
        let mut stack = Stack { ifaces: Vec::new(), config, seed: random_seed(), discovered: None };
        let mut link: Link<Port> = Link::new(Port::Loopback(Loopback::default()), Medium::Ip);
        let mut config = Config::new(HardwareAddress::Ip);
        config.random_seed = stack.next_seed();
        let mut iface = Interface::new(config, &mut link, now());
        // The loopback also carries traffic to the wired interfaces' own
        // addresses ([`Stack::route`]), so it takes packets to any address.
        iface.set_any_ip(true);
        iface.update_ip_addrs(|addrs| {
            let _ = addrs.push(IpCidr::new(IpAddress::v4(127, 0, 0, 1), 8));
            let _ = addrs.push(IpCidr::new(IpAddress::Ipv6(Ipv6Address::LOCALHOST), 128));
        });
        stack.ifaces.push(Iface {
            name: String::from("lo"),
            device: None,
            mac: None,
            iface,
            link,
            sockets: SocketSet::new(Vec::new()),
            dhcp: None,
            dns: None,
        });
        stack
    }

    fn next_seed(&mut self) -> u64 {
        self.seed = self.seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.seed
    }

    /// Polls every interface; whether a socket of any may have changed.
    pub fn poll(&mut self, now: Instant) -> bool {
        self.ifaces.iter_mut().fold(false, |changed, iface| iface.poll(now) | changed)
    }

    /// How long the loop may sleep: until discovery is due or the
    /// earliest deadline smoltcp gives (`poll_delay`) on any interface.
    pub fn wait(&mut self, now: Instant) -> Duration {
        let mut wait = self.discovery_due(now);
        for iface in &mut self.ifaces {
            if let Some(delay) = iface.iface.poll_delay(now, &iface.sockets) {
                wait = wait.min(Duration::from_micros(delay.total_micros()));
            }
        }
        wait
    }

    /// When discovery is due next.
    pub fn discovery_due(&self, now: Instant) -> Duration {
        match self.discovered {
            None => Duration::ZERO,
            Some(at) => {
                let next = at + smoltcp::time::Duration::from_micros(DISCOVERY_PERIOD.as_micros() as u64);
                Duration::from_micros(next.total_micros().saturating_sub(now.total_micros()).max(0) as u64)
            }
        }
    }

    /// Opens the `net.*` devices not open yet (new ones, or ones whose
    /// driver came back); returns the interfaces whose frame handle is new
    /// (to be watched), each with whether the interface itself is new.
    pub fn discover(&mut self, now: Instant) -> Vec<(usize, bool)> {
        self.discovered = Some(now);
        let mut names: Vec<String> = match cairn_rt::fs::read_dir("/scheme") {
            Ok(entries) => entries.into_iter().map(|(name, _)| name).filter(|n| n.starts_with("net.")).collect(),
            Err(_) => return Vec::new(),
        };
        names.sort();
        let mut fresh = Vec::new();
        for device in names {
            let known = self.ifaces.iter().position(|i| i.device.as_deref() == Some(device.as_str()));
            if let Some(index) = known {
                let iface = &mut self.ifaces[index];
                if let Port::Nic(nic) = &mut iface.link.io
                    && nic.fd.is_none()
                    && let Ok(reopened) = Nic::open(&device)
                {
                    *nic = reopened;
                    println!("netd: {}: {device} is back", iface.name);
                    fresh.push((index, false));
                }
                continue;
            }
            match self.add_wired(&device, now) {
                Ok(index) => fresh.push((index, true)),
                Err(why) => println!("netd: {device}: {why}"),
            }
        }
        fresh
    }

    fn add_wired(&mut self, device: &str, now: Instant) -> Result<usize, String> {
        let mac_text = cairn_rt::fs::read_to_string(&format!("/scheme/{device}/mac"))
            .map_err(|e| format!("cannot read its MAC address: {e}"))?;
        let mac = parse_mac(mac_text.trim()).ok_or(format!("bad MAC address {:?}", mac_text.trim()))?;
        let nic = Nic::open(device)?;
        let name = format!("eth{}", self.ifaces.iter().filter(|i| !i.is_loopback()).count());
        let mut link: Link<Port> = Link::new(Port::Nic(nic), Medium::Ethernet);
        let mut config = Config::new(HardwareAddress::Ethernet(mac));
        config.random_seed = self.next_seed();
        config.slaac = true;
        let mut iface = Interface::new(config, &mut link, now);
        let local = link_local(mac);
        iface.update_ip_addrs(|addrs| {
            let _ = addrs.push(IpCidr::new(IpAddress::Ipv6(local), 64));
        });
        let mut sockets = SocketSet::new(Vec::new());
        let dhcp = match self.config.addressing(&name) {
            Addressing::Dhcp => Some(Dhcp::Client { socket: sockets.add(dhcpv4::Socket::new()), lease: None }),
            Addressing::Static(cidrs) => {
                iface.update_ip_addrs(|addrs| {
                    for cidr in &cidrs {
                        let _ = addrs.push(IpCidr::new(IpAddress::from(cidr.addr), cidr.prefix));
                    }
                });
                Some(Dhcp::Static)
            }
        };
        let servers: Vec<IpAddress> = self.config.nameservers.iter().map(|&a| IpAddress::from(a)).collect();
        let dns = Some(sockets.add(dns_socket(&servers)));
        let mut wired =
            Iface { name, device: Some(String::from(device)), mac: Some(mac), iface, link, sockets, dhcp, dns };
        self.add_static_routes(&mut wired);
        println!(
            "netd: {}: {device}, MAC {}, {}",
            wired.name,
            mac_text.trim(),
            match wired.dhcp {
                Some(Dhcp::Static) => "static addresses",
                _ => "DHCP",
            }
        );
        self.ifaces.push(wired);
        Ok(self.ifaces.len() - 1)
    }

    /// Adds the configured routes whose gateway this interface reaches.
    fn add_static_routes(&self, iface: &mut Iface) {
        for route in &self.config.routes {
            let via = IpAddress::from(route.via);
            if !iface.iface.ip_addrs().iter().any(|c| c.contains_addr(&via)) {
                continue;
            }
            let cidr = match route.dest {
                Some(dest) => IpCidr::new(IpAddress::from(dest.addr), dest.prefix),
                None if route.via.is_ipv4() => IpCidr::new(IpAddress::v4(0, 0, 0, 0), 0),
                None => IpCidr::new(IpAddress::Ipv6(Ipv6Address::UNSPECIFIED), 0),
            };
            iface.iface.routes_mut().update(|routes| {
                let _ = routes.push(smoltcp::iface::Route {
                    cidr,
                    via_router: via,
                    preferred_until: None,
                    expires_at: None,
                });
            });
        }
    }

    /// Applies the DHCP clients' news.
    pub fn dhcp_events(&mut self) {
        for wired in &mut self.ifaces {
            let Some(Dhcp::Client { socket, lease }) = &mut wired.dhcp else { continue };
            let event = match wired.sockets.get_mut::<dhcpv4::Socket>(*socket).poll() {
                None => continue,
                Some(dhcpv4::Event::Deconfigured) => None,
                Some(dhcpv4::Event::Configured(config)) => Some(Lease {
                    address: IpCidr::Ipv4(config.address),
                    router: config.router,
                    dns: config.dns_servers.iter().map(|&a| IpAddr::V4(a)).collect(),
                }),
            };
            let old = lease.take().map(|l| l.address);
            wired.iface.update_ip_addrs(|addrs| addrs.retain(|a| Some(*a) != old));
            wired.iface.routes_mut().remove_default_ipv4_route();
            match event {
                None if old.is_none() => {}
                None => println!("netd: {}: DHCP lease lost", wired.name),
                Some(new) => {
                    wired.iface.update_ip_addrs(|addrs| {
                        let _ = addrs.push(new.address);
                    });
                    if let Some(router) = new.router {
                        let _ = wired.iface.routes_mut().add_default_ipv4_route(router);
                    }
                    let servers: Vec<String> = new.dns.iter().map(|a| format!("{a}")).collect();
                    println!(
                        "netd: {}: DHCP lease {} router {} dns {}",
                        wired.name,
                        new.address,
                        new.router.map_or(String::from("none"), |r| format!("{r}")),
                        if servers.is_empty() { String::from("none") } else { servers.join(",") }
                    );
                    *lease = Some(new);
                }
            }
        }
        let servers = self.nameservers();
        let servers: Vec<IpAddress> = servers.into_iter().map(IpAddress::from).collect();
        for wired in &mut self.ifaces {
            if let Some(dns) = wired.dns {
                wired.sockets.get_mut::<dns::Socket>(dns).update_servers(&servers);
            }
        }
    }

    /// The DNS servers: the configured ones, then DHCP's.
    pub fn nameservers(&self) -> Vec<IpAddr> {
        let mut servers = self.config.nameservers.clone();
        for wired in &self.ifaces {
            if let Some(Dhcp::Client { lease: Some(lease), .. }) = &wired.dhcp {
                for server in &lease.dns {
                    if !servers.contains(server) {
                        servers.push(*server);
                    }
                }
            }
        }
        servers
    }

    /// Whether `ip` is an address of this machine (a loopback address or
    /// one of an interface's).
    pub fn owned(&self, ip: IpAddr) -> bool {
        ip.is_loopback() || self.ifaces.iter().any(|i| i.owns(ip))
    }

    /// The interface traffic to `ip` leaves by: the loopback for 127/8,
    /// ::1 and the machine's own addresses (as Linux's local routes);
    /// else the first wired interface with a subnet or route reaching it.
    pub fn route(&mut self, ip: IpAddr) -> Option<usize> {
        if self.owned(ip) {
            return Some(0);
        }
        (1..self.ifaces.len()).find(|&index| self.ifaces[index].reaches(ip))
    }

    /// The interfaces a socket bound to `ip` lives on: all for the
    /// unspecified address (of its family), else the one owning it and
    /// the loopback (which carries this machine's traffic to it).
    pub fn bound_ifaces(&self, ip: IpAddr) -> Vec<usize> {
        if ip.is_unspecified() {
            return (0..self.ifaces.len()).collect();
        }
        if ip.is_loopback() {
            return alloc::vec![0];
        }
        match self.ifaces.iter().position(|i| i.owns(ip)) {
            Some(owner) => alloc::vec![0, owner],
            None => Vec::new(),
        }
    }
}

/// Parses `52:54:00:12:34:56`.
fn parse_mac(text: &str) -> Option<EthernetAddress> {
    let mut bytes = [0u8; 6];
    let mut parts = text.split(':');
    for byte in &mut bytes {
        *byte = u8::from_str_radix(parts.next()?, 16).ok()?;
    }
    parts.next().is_none().then_some(EthernetAddress(bytes))
}
