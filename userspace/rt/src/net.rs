//! Networking reading like `std::net`: [`TcpStream`], [`TcpListener`],
//! [`UdpSocket`], [`EchoSocket`] (ICMP echo, for `ping`), [`lookup_host`]
//! and [`ToSocketAddrs`], over the schemes of the network stack server
//! `netd` (`tcp`, `udp`, `icmp`, `dns`; docs/ABI.md, "Schemes of the
//! network stack"). The address types are `core::net`'s.
//!
//! A socket is an ordinary fd: it can be watched in an event queue,
//! passed to another process, or read with [`crate::io::Read`]. Socket
//! options are small handles the server gives through `DUP` with the
//! option's name (`nodelay`, `keepalive`, `rcvtimeo`, ...), read and
//! written as decimal text.
//!
//! Depends on [`crate::fd`], [`crate::scheme`], [`crate::io`] and
//! `cairn-abi`.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

pub use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use cairn_abi::error::{EINVAL, EIO};
use cairn_abi::{F_GETFL, F_SETFL, O_NONBLOCK, O_RDWR};

use crate::error::{Error, Result};
use crate::fd::{OwnedFd, fcntl, rights};
use crate::io::{Read, Write, read_fd, write_fd};
use crate::scheme::open;

/// Bytes of the address header of a datagram on a bound UDP socket:
/// family (4 or 6), a zero byte, the port (big-endian), the address (16
/// bytes; an IPv4 address in the first 4).
pub const UDP_HEADER: usize = 20;

/// What a TCP socket is made with, since it must be known before it
/// connects or listens (`setsockopt` before `connect`/`listen`): the
/// receive buffer (`SO_RCVBUF`, the largest window offered; 4 KiB to
/// 1 MiB, netd's 128 KiB when `None`) and, for a listener,
/// `SO_REUSEADDR` (bind a port connections still use, TIME-WAIT
/// included; off: `EADDRINUSE`). Given to [`TcpStream::connect_with`] and
/// [`TcpListener::bind_with`], as options of the `tcp` path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TcpOptions {
    pub recv_buffer_size: Option<usize>,
    pub reuse_address: bool,
}

impl TcpOptions {
    /// The `?NAME=VALUE&...` suffix of the path (empty for none);
    /// `listener` adds `reuseaddr`.
    fn query(&self, listener: bool) -> String {
        let mut pairs = Vec::new();
        if let Some(bytes) = self.recv_buffer_size {
            pairs.push(format!("rcvbuf={bytes}"));
        }
        if listener && self.reuse_address {
            pairs.push(String::from("reuseaddr=1"));
        }
        if pairs.is_empty() { String::new() } else { format!("?{}", pairs.join("&")) }
    }
}

/// Which directions [`TcpStream::shutdown`] closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shutdown {
    Read,
    Write,
    Both,
}

/// Something that names one or more socket addresses: a [`SocketAddr`],
/// an `(address, port)` pair, or text `HOST:PORT` (a host name is looked
/// up with [`lookup_host`]).
pub trait ToSocketAddrs {
    fn to_socket_addrs(&self) -> Result<alloc::vec::IntoIter<SocketAddr>>;
}

impl ToSocketAddrs for SocketAddr {
    fn to_socket_addrs(&self) -> Result<alloc::vec::IntoIter<SocketAddr>> {
        Ok(alloc::vec![*self].into_iter())
    }
}

impl ToSocketAddrs for SocketAddrV4 {
    fn to_socket_addrs(&self) -> Result<alloc::vec::IntoIter<SocketAddr>> {
        SocketAddr::V4(*self).to_socket_addrs()
    }
}

impl ToSocketAddrs for SocketAddrV6 {
    fn to_socket_addrs(&self) -> Result<alloc::vec::IntoIter<SocketAddr>> {
        SocketAddr::V6(*self).to_socket_addrs()
    }
}

/// `(address, port)` pairs of each address type.
macro_rules! pair_to_socket_addrs {
    ($($ip:ty),*) => {$(
        impl ToSocketAddrs for ($ip, u16) {
            fn to_socket_addrs(&self) -> Result<alloc::vec::IntoIter<SocketAddr>> {
                SocketAddr::new(IpAddr::from(self.0), self.1).to_socket_addrs()
            }
        }
    )*};
}

pair_to_socket_addrs!(IpAddr, Ipv4Addr, Ipv6Addr);

impl ToSocketAddrs for (&str, u16) {
    fn to_socket_addrs(&self) -> Result<alloc::vec::IntoIter<SocketAddr>> {
        let (host, port) = *self;
        if let Ok(ip) = host.parse::<IpAddr>() {
            return SocketAddr::new(ip, port).to_socket_addrs();
        }
        let addrs: Vec<SocketAddr> = lookup_host(host)?.into_iter().map(|ip| SocketAddr::new(ip, port)).collect();
        Ok(addrs.into_iter())
    }
}

impl ToSocketAddrs for str {
    fn to_socket_addrs(&self) -> Result<alloc::vec::IntoIter<SocketAddr>> {
        if let Ok(addr) = self.parse::<SocketAddr>() {
            return addr.to_socket_addrs();
        }
        let (host, port) = self.rsplit_once(':').ok_or(Error::from_errno(EINVAL))?;
        let port = port.parse::<u16>().map_err(|_| Error::from_errno(EINVAL))?;
        (host, port).to_socket_addrs()
    }
}

impl ToSocketAddrs for String {
    fn to_socket_addrs(&self) -> Result<alloc::vec::IntoIter<SocketAddr>> {
        self.as_str().to_socket_addrs()
    }
}

impl<T: ToSocketAddrs + ?Sized> ToSocketAddrs for &T {
    fn to_socket_addrs(&self) -> Result<alloc::vec::IntoIter<SocketAddr>> {
        (**self).to_socket_addrs()
    }
}

/// The addresses of host `name` (`/etc/hosts` first, then DNS; a literal
/// address is itself), from `/scheme/dns/NAME`.
pub fn lookup_host(name: &str) -> Result<Vec<IpAddr>> {
    if let Ok(ip) = name.parse::<IpAddr>() {
        return Ok(alloc::vec![ip]);
    }
    let text = read_text(&open(&format!("/scheme/dns/{name}"), cairn_abi::O_RDONLY)?)?;
    text.lines().map(|line| line.parse::<IpAddr>().map_err(|_| Error::from_errno(EIO))).collect()
}

/// Tries each address in turn with `attempt`; the last error if none works.
fn each_addr<A: ToSocketAddrs + ?Sized, T>(addrs: &A, mut attempt: impl FnMut(SocketAddr) -> Result<T>) -> Result<T> {
    let mut last = Error::from_errno(EINVAL);
    for addr in addrs.to_socket_addrs()? {
        match attempt(addr) {
            Ok(value) => return Ok(value),
            Err(error) => last = error,
        }
    }
    Err(last)
}

/// Reads all of a small text handle (an option or a `dns` answer).
fn read_text(fd: &OwnedFd) -> Result<String> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 512];
    loop {
        match read_fd(fd.as_raw(), &mut chunk)? {
            0 => break,
            n => bytes.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8(bytes).map_err(|_| Error::InvalidUtf8)
}

/// A socket handle of netd's: the fd and its options.
#[derive(Debug)]
struct Socket {
    fd: OwnedFd,
}

impl Socket {
    fn open(path: &str) -> Result<Socket> {
        Ok(Socket { fd: open(path, O_RDWR)? })
    }

    /// The text of option or attribute `name` (`DUP` with its name).
    fn get(&self, name: &str) -> Result<String> {
        let text = read_text(&self.fd.scheme_dup(name.as_bytes())?)?;
        Ok(String::from(text.trim_end()))
    }

    fn get_number(&self, name: &str) -> Result<u64> {
        self.get(name)?.parse::<u64>().map_err(|_| Error::from_errno(EIO))
    }

    fn set(&self, name: &str, value: &str) -> Result<()> {
        write_fd(self.fd.scheme_dup(name.as_bytes())?.as_raw(), value.as_bytes()).map(drop)
    }

    fn addr(&self, name: &str) -> Result<SocketAddr> {
        self.get(name)?.parse::<SocketAddr>().map_err(|_| Error::from_errno(EIO))
    }

    fn set_timeout(&self, name: &str, timeout: Option<Duration>) -> Result<()> {
        match timeout {
            Some(t) if t.is_zero() => Err(Error::from_errno(EINVAL)),
            Some(t) => self.set(name, &format!("{}", t.as_millis().max(1))),
            None => self.set(name, "0"),
        }
    }

    fn timeout(&self, name: &str) -> Result<Option<Duration>> {
        Ok(match self.get_number(name)? {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        })
    }

    /// The server's mode (option `nonblock`: the kernel keeps `fcntl`'s
    /// `O_NONBLOCK` to itself), and the fd's flag to match.
    fn set_nonblocking(&self, nonblocking: bool) -> Result<()> {
        self.set("nonblock", if nonblocking { "1" } else { "0" })?;
        let flags = fcntl(self.fd.as_raw(), F_GETFL, 0)?;
        let flags = if nonblocking { flags | O_NONBLOCK } else { flags & !O_NONBLOCK };
        fcntl(self.fd.as_raw(), F_SETFL, flags).map(drop)
    }

    fn try_clone(&self) -> Result<Socket> {
        Ok(Socket { fd: self.fd.dup(rights::ALL)? })
    }
}

/// A TCP connection.
#[derive(Debug)]
pub struct TcpStream {
    socket: Socket,
}

impl TcpStream {
    /// Connects to the first address that accepts (blocking until the
    /// connection is established or refused).
    pub fn connect<A: ToSocketAddrs + ?Sized>(addrs: &A) -> Result<TcpStream> {
        each_addr(addrs, |addr| Ok(TcpStream { socket: Socket::open(&format!("/scheme/tcp/{addr}"))? }))
    }

    /// Connects to `addr` with `options` (blocking as [`TcpStream::connect`]).
    pub fn connect_with(addr: SocketAddr, options: &TcpOptions) -> Result<TcpStream> {
        Ok(TcpStream { socket: Socket::open(&format!("/scheme/tcp/{addr}{}", options.query(false)))? })
    }

    /// Connects without waiting: the stream becomes writable (event
    /// `EVENT_WRITE`) once established; reads and writes before that are
    /// `EAGAIN`. The stream stays non-blocking.
    pub fn connect_nonblocking(addr: SocketAddr) -> Result<TcpStream> {
        Ok(TcpStream { socket: Socket { fd: open(&format!("/scheme/tcp/{addr}"), O_RDWR | O_NONBLOCK)? } })
    }

    /// Takes over an fd that is a `tcp` connection handle.
    pub fn from_fd(fd: OwnedFd) -> TcpStream {
        TcpStream { socket: Socket { fd } }
    }

    pub fn fd(&self) -> &OwnedFd {
        &self.socket.fd
    }

    pub fn as_raw_fd(&self) -> usize {
        self.socket.fd.as_raw()
    }

    pub fn peer_addr(&self) -> Result<SocketAddr> {
        self.socket.addr("peer")
    }

    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.socket.addr("local")
    }

    /// Closes the reading side (later reads give end of file), the
    /// writing side (the peer reads end of file) or both.
    pub fn shutdown(&self, how: Shutdown) -> Result<()> {
        let how = match how {
            Shutdown::Read => "read",
            Shutdown::Write => "write",
            Shutdown::Both => "both",
        };
        self.socket.set("shutdown", how)
    }

    /// `TCP_NODELAY`: send small segments at once (Nagle's algorithm off).
    pub fn set_nodelay(&self, nodelay: bool) -> Result<()> {
        self.socket.set("nodelay", if nodelay { "1" } else { "0" })
    }

    pub fn nodelay(&self) -> Result<bool> {
        Ok(self.socket.get_number("nodelay")? != 0)
    }

    /// `SO_KEEPALIVE`: probe an idle connection every `interval`.
    pub fn set_keepalive(&self, interval: Option<Duration>) -> Result<()> {
        self.socket.set("keepalive", &format!("{}", interval.map_or(0, |i| i.as_millis().max(1))))
    }

    pub fn keepalive(&self) -> Result<Option<Duration>> {
        self.socket.timeout("keepalive")
    }

    /// `SO_RCVTIMEO`: a read waiting longer fails with `EAGAIN`.
    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        self.socket.set_timeout("rcvtimeo", timeout)
    }

    /// `SO_SNDTIMEO`: a write waiting longer for room fails with `EAGAIN`.
    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        self.socket.set_timeout("sndtimeo", timeout)
    }

    pub fn read_timeout(&self) -> Result<Option<Duration>> {
        self.socket.timeout("rcvtimeo")
    }

    pub fn write_timeout(&self) -> Result<Option<Duration>> {
        self.socket.timeout("sndtimeo")
    }

    /// `SO_RCVBUF`: the receive buffer (the largest window offered).
    pub fn recv_buffer_size(&self) -> Result<usize> {
        Ok(self.socket.get_number("rcvbuf")? as usize)
    }

    pub fn set_nonblocking(&self, nonblocking: bool) -> Result<()> {
        self.socket.set_nonblocking(nonblocking)
    }

    /// The TCP state (`ESTABLISHED`, `CLOSE-WAIT`, ...).
    pub fn state(&self) -> Result<String> {
        self.socket.get("state")
    }

    pub fn try_clone(&self) -> Result<TcpStream> {
        Ok(TcpStream { socket: self.socket.try_clone()? })
    }
}

impl Read for TcpStream {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize> {
        read_fd(self.socket.fd.as_raw(), buf)
    }
}

impl Write for TcpStream {
    fn write(&mut self, buf: &[u8]) -> Result<usize> {
        write_fd(self.socket.fd.as_raw(), buf)
    }
}

/// A listening TCP socket.
#[derive(Debug)]
pub struct TcpListener {
    socket: Socket,
}

impl TcpListener {
    /// Listens on the first address that works (`0.0.0.0:PORT` or
    /// `[::]:PORT`: every interface; port 0: one netd picks), with
    /// `SO_REUSEADDR` set, as `std::net::TcpListener::bind` does on Unix.
    pub fn bind<A: ToSocketAddrs + ?Sized>(addrs: &A) -> Result<TcpListener> {
        let options = TcpOptions { reuse_address: true, ..TcpOptions::default() };
        each_addr(addrs, |addr| TcpListener::bind_with(addr, &options))
    }

    /// Listens on `addr` with `options` (`reuse_address` off: a port that
    /// connections still use, TIME-WAIT included, is `EADDRINUSE`).
    pub fn bind_with(addr: SocketAddr, options: &TcpOptions) -> Result<TcpListener> {
        Ok(TcpListener { socket: Socket::open(&format!("/scheme/tcp/listen/{addr}{}", options.query(true)))? })
    }

    /// The receive buffer of each connection it accepts.
    pub fn recv_buffer_size(&self) -> Result<usize> {
        Ok(self.socket.get_number("rcvbuf")? as usize)
    }

    /// Sets the receive buffer of the connections it accepts from now on
    /// (4 KiB to 1 MiB; else `EINVAL`).
    pub fn set_recv_buffer_size(&self, bytes: usize) -> Result<()> {
        self.socket.set("rcvbuf", &format!("{bytes}"))
    }

    /// Whether it was made with `SO_REUSEADDR`.
    pub fn reuse_address(&self) -> Result<bool> {
        Ok(self.socket.get_number("reuseaddr")? != 0)
    }

    /// Waits for the next connection (`EAGAIN` at once when non-blocking
    /// and none waits).
    pub fn accept(&self) -> Result<(TcpStream, SocketAddr)> {
        let stream = TcpStream { socket: Socket { fd: self.socket.fd.scheme_dup(b"accept")? } };
        let peer = stream.peer_addr()?;
        Ok((stream, peer))
    }

    /// Accepted connections, for ever.
    pub fn incoming(&self) -> impl Iterator<Item = Result<TcpStream>> + '_ {
        core::iter::repeat_with(move || self.accept().map(|(stream, _)| stream))
    }

    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.socket.addr("local")
    }

    /// An [`TcpListener::accept`] waiting longer fails with `EAGAIN`.
    pub fn set_accept_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        self.socket.set_timeout("rcvtimeo", timeout)
    }

    pub fn set_nonblocking(&self, nonblocking: bool) -> Result<()> {
        self.socket.set_nonblocking(nonblocking)
    }

    pub fn fd(&self) -> &OwnedFd {
        &self.socket.fd
    }

    pub fn as_raw_fd(&self) -> usize {
        self.socket.fd.as_raw()
    }
}

/// The header of a datagram on a bound UDP socket ([`UDP_HEADER`]).
pub fn encode_udp_header(addr: SocketAddr) -> [u8; UDP_HEADER] {
    let mut header = [0u8; UDP_HEADER];
    header[2..4].copy_from_slice(&addr.port().to_be_bytes());
    match addr.ip() {
        IpAddr::V4(ip) => {
            header[0] = 4;
            header[4..8].copy_from_slice(&ip.octets());
        }
        IpAddr::V6(ip) => {
            header[0] = 6;
            header[4..20].copy_from_slice(&ip.octets());
        }
    }
    header
}

/// The peer address of a [`UDP_HEADER`]; `None` if malformed.
pub fn decode_udp_header(header: &[u8]) -> Option<SocketAddr> {
    let header = header.get(..UDP_HEADER)?;
    let port = u16::from_be_bytes([header[2], header[3]]);
    let ip = match header[0] {
        4 => IpAddr::V4(Ipv4Addr::new(header[4], header[5], header[6], header[7])),
        6 => IpAddr::V6(Ipv6Addr::from(<[u8; 16]>::try_from(&header[4..20]).ok()?)),
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// A UDP socket: bound to a local address; [`UdpSocket::connect`] sets the
/// peer that [`UdpSocket::send`] goes to and [`UdpSocket::recv`] hears.
#[derive(Debug)]
pub struct UdpSocket {
    socket: Socket,
    peer: Option<SocketAddr>,
}

impl UdpSocket {
    /// Binds to the first address that works (port 0: netd picks one).
    pub fn bind<A: ToSocketAddrs + ?Sized>(addrs: &A) -> Result<UdpSocket> {
        each_addr(addrs, |addr| {
            Ok(UdpSocket { socket: Socket::open(&format!("/scheme/udp/bind/{addr}"))?, peer: None })
        })
    }

    /// Makes the first address the peer of [`UdpSocket::send`] and
    /// [`UdpSocket::recv`] (datagrams from elsewhere are then skipped).
    pub fn connect<A: ToSocketAddrs + ?Sized>(&mut self, addrs: &A) -> Result<()> {
        self.peer = Some(addrs.to_socket_addrs()?.next().ok_or(Error::from_errno(EINVAL))?);
        Ok(())
    }

    pub fn peer_addr(&self) -> Result<SocketAddr> {
        self.peer.ok_or(Error::from_errno(cairn_abi::error::ENOTCONN))
    }

    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.socket.addr("local")
    }

    /// Sends one datagram to `addr`; returns the payload bytes sent.
    pub fn send_to<A: ToSocketAddrs + ?Sized>(&self, buf: &[u8], addrs: &A) -> Result<usize> {
        let addr = addrs.to_socket_addrs()?.next().ok_or(Error::from_errno(EINVAL))?;
        let mut datagram = Vec::with_capacity(UDP_HEADER + buf.len());
        datagram.extend_from_slice(&encode_udp_header(addr));
        datagram.extend_from_slice(buf);
        Ok(write_fd(self.socket.fd.as_raw(), &datagram)?.saturating_sub(UDP_HEADER))
    }

    /// Receives one datagram (truncated to `buf`) and its sender.
    pub fn recv_from(&self, buf: &mut [u8]) -> Result<(usize, SocketAddr)> {
        let mut datagram = alloc::vec![0u8; UDP_HEADER + buf.len()];
        let len = read_fd(self.socket.fd.as_raw(), &mut datagram)?;
        let from = decode_udp_header(&datagram[..len]).ok_or(Error::from_errno(EIO))?;
        let payload = &datagram[UDP_HEADER..len];
        buf[..payload.len()].copy_from_slice(payload);
        Ok((payload.len(), from))
    }

    /// Sends one datagram to the connected peer.
    pub fn send(&self, buf: &[u8]) -> Result<usize> {
        self.send_to(buf, &self.peer_addr()?)
    }

    /// Receives one datagram from the connected peer.
    pub fn recv(&self, buf: &mut [u8]) -> Result<usize> {
        let peer = self.peer_addr()?;
        loop {
            let (len, from) = self.recv_from(buf)?;
            if from == peer {
                return Ok(len);
            }
        }
    }

    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        self.socket.set_timeout("rcvtimeo", timeout)
    }

    pub fn set_write_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        self.socket.set_timeout("sndtimeo", timeout)
    }

    pub fn set_nonblocking(&self, nonblocking: bool) -> Result<()> {
        self.socket.set_nonblocking(nonblocking)
    }

    pub fn fd(&self) -> &OwnedFd {
        &self.socket.fd
    }

    pub fn try_clone(&self) -> Result<UdpSocket> {
        Ok(UdpSocket { socket: self.socket.try_clone()?, peer: self.peer })
    }
}

/// An ICMP (or ICMPv6) echo socket to one host, for `ping`: each has its
/// own echo identifier; the sequence number is the caller's.
#[derive(Debug)]
pub struct EchoSocket {
    socket: Socket,
    host: IpAddr,
}

impl EchoSocket {
    pub fn connect(host: IpAddr) -> Result<EchoSocket> {
        Ok(EchoSocket { socket: Socket::open(&format!("/scheme/icmp/echo/{host}"))?, host })
    }

    pub fn host(&self) -> IpAddr {
        self.host
    }

    /// Sends an echo request with sequence number `sequence` carrying `data`.
    pub fn send(&self, sequence: u16, data: &[u8]) -> Result<()> {
        let mut message = Vec::with_capacity(2 + data.len());
        message.extend_from_slice(&sequence.to_be_bytes());
        message.extend_from_slice(data);
        write_fd(self.socket.fd.as_raw(), &message).map(drop)
    }

    /// Receives the next echo reply: its sequence number and the length
    /// of its data (copied into `data`, truncated).
    pub fn recv(&self, data: &mut [u8]) -> Result<(u16, usize)> {
        let mut message = alloc::vec![0u8; 2 + data.len()];
        let len = read_fd(self.socket.fd.as_raw(), &mut message)?;
        if len < 2 {
            return Err(Error::from_errno(EIO));
        }
        data[..len - 2].copy_from_slice(&message[2..len]);
        Ok((u16::from_be_bytes([message[0], message[1]]), len - 2))
    }

    pub fn set_read_timeout(&self, timeout: Option<Duration>) -> Result<()> {
        self.socket.set_timeout("rcvtimeo", timeout)
    }

    pub fn fd(&self) -> &OwnedFd {
        &self.socket.fd
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_options_become_the_path_query() {
        let none = TcpOptions::default();
        assert_eq!(none.query(false), "");
        assert_eq!(none.query(true), "");
        let both = TcpOptions { recv_buffer_size: Some(8192), reuse_address: true };
        assert_eq!(both.query(true), "?rcvbuf=8192&reuseaddr=1");
        assert_eq!(both.query(false), "?rcvbuf=8192");
        let reuse = TcpOptions { reuse_address: true, ..TcpOptions::default() };
        assert_eq!(reuse.query(true), "?reuseaddr=1");
    }

    #[test]
    fn udp_header_round_trips() {
        for text in ["10.0.2.2:53", "[fe80::1]:7", "0.0.0.0:0", "[::]:65535"] {
            let addr: SocketAddr = text.parse().unwrap();
            assert_eq!(decode_udp_header(&encode_udp_header(addr)), Some(addr));
        }
        assert_eq!(decode_udp_header(&[4; 19]), None);
        assert_eq!(decode_udp_header(&[5; 20]), None);
    }

    #[test]
    fn literal_addresses_need_no_lookup() {
        let addrs: Vec<SocketAddr> = "10.0.2.2:80".to_socket_addrs().unwrap().collect();
        assert_eq!(addrs, [SocketAddr::from(([10, 0, 2, 2], 80))]);
        let addrs: Vec<SocketAddr> = ("::1", 22).to_socket_addrs().unwrap().collect();
        assert_eq!(addrs, [SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 22)]);
        assert!("nonsense".to_socket_addrs().is_err());
        assert!("host:notaport".to_socket_addrs().is_err());
    }
}
