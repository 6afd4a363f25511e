//! The socket handles of schemes `tcp`, `udp`, `icmp`, `dns` and
//! `netcfg` (docs/ABI.md, "Schemes of the network stack"): each request
//! is answered at once or waits on its handle ([`Waiting`]) until the
//! stack makes progress, its deadline passes (`rcvtimeo`, `sndtimeo`,
//! the DNS time limit) or its client gives up (`CANCEL`).
//!
//! Every buffer is fixed when its socket is made, so a slow reader closes
//! the TCP window instead of growing memory, and a writer waits for room.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use core::net::{IpAddr, SocketAddr};

use cairn_rt::abi::error::{
    EADDRINUSE, EADDRNOTAVAIL, EAGAIN, EBADF, ECONNREFUSED, ECONNRESET, EINVAL, EMSGSIZE, ENETUNREACH, ENOBUFS, ENOENT,
    ENOPROTOOPT, ENOTCONN, EPIPE, ESPIPE, ETIMEDOUT,
};
use cairn_rt::abi::scheme::{self as op, MAX_PAYLOAD, Request};
use cairn_rt::abi::{EVENT_READ, EVENT_WRITE, MODE_FILE, O_NONBLOCK, Stat};
use cairn_rt::format;
use cairn_rt::net::{UDP_HEADER, decode_udp_header, encode_udp_header};
use smoltcp::iface::SocketHandle;
use smoltcp::phy::ChecksumCapabilities;
use smoltcp::socket::{dns, icmp, tcp, udp};
use smoltcp::time::{Duration, Instant};
use smoltcp::wire::{
    DnsQueryType, Icmpv4Packet, Icmpv4Repr, Icmpv6Packet, Icmpv6Repr, IpAddress, IpEndpoint, IpListenEndpoint,
};

use cairn_netstack::path::{self, MAX_RCVBUF, MIN_RCVBUF, PathError, SchemeKind, Target, TcpOptions};

use crate::stack::Stack;
use crate::status;

/// Bytes of each TCP socket's send buffer.
const TCP_BUFFER: usize = 64 * 1024;
/// Bytes of each TCP socket's receive buffer unless its path asks for
/// another size (`rcvbuf=`, [`TcpOptions`]): the largest window offered
/// (past 64 KiB through window scaling, when the peer takes it). Kept
/// below cairn-rt's 256 KiB, past which every allocation is a mapping of
/// its own, slow to make for each connection (`tcp_conn` fell to a
/// quarter with 256 KiB).
const TCP_RECEIVE_BUFFER: usize = 128 * 1024;
/// How long a port stays in TIME-WAIT after a connection on it ended
/// with netd's side closing first (smoltcp's own TIME-WAIT): binding it
/// is `EADDRINUSE` until then, unless the listener sets `reuseaddr`.
const TIME_WAIT: Duration = Duration::from_secs(10);
/// Bytes and datagrams of each UDP socket's buffers.
const UDP_BUFFER: usize = 64 * 1024;
const UDP_DATAGRAMS: usize = 64;
/// Echo messages an ICMP socket buffers each way, and their bytes.
const ICMP_MESSAGES: usize = 16;
const ICMP_BUFFER: usize = 16 * 1024;
/// Connections a listener holds at most, established or in their
/// handshake, until accepted.
const BACKLOG: usize = 16;
/// Listening sockets a listener keeps ready on each interface (within
/// [`BACKLOG`]): SYNs arriving at once beyond them wait for the peer to
/// send them again ([`Sockets::gate_syns`]).
const LISTEN_SPARE: usize = 8;
/// How long a connection may take to be established.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a closed connection may take to finish its goodbyes.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a name lookup may take.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);
/// smoltcp sockets (connections, a listener's waiting sockets, UDP and
/// ICMP sockets, connections still closing) past which opening another
/// socket is `ENOBUFS`: each holds fixed buffers (128 KiB for TCP and
/// UDP), so this bounds netd's memory (a listener may still grow to its
/// backlog).
const MAX_SOCKETS: usize = 256;
/// A socket's `st_mode`: `S_IFSOCK`, 0666.
const MODE_SOCKET: u16 = 0o140_666;
/// How soon a readiness change the kernel refused is posted again.
const REPOST: Duration = Duration::from_millis(5);
/// The ephemeral ports (IANA's range).
const EPHEMERAL: core::ops::RangeInclusive<u16> = 49152..=65535;

/// A handle's id in netd's schemes (unique across them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct HandleId(u64);

/// A request's answer now, or `None` when it comes later or never.
pub type Answer = Option<(Result<usize, i32>, Vec<u8>)>;

fn value(result: Result<usize, i32>) -> Answer {
    Some((result, Vec::new()))
}

/// Where answers and events go: the server of each scheme.
pub trait Responder {
    fn respond(&self, scheme: SchemeKind, request: u64, result: Result<usize, i32>, payload: &[u8]);
    /// Posts handle `handle`'s readiness; whether the kernel took it.
    fn post(&self, scheme: SchemeKind, handle: u64, ready: u32) -> bool;
}

/// The protocols whose ports netd hands out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Proto {
    Tcp,
    Udp,
}

/// A TCP connection.
struct Tcp {
    iface: usize,
    socket: SocketHandle,
    /// The ephemeral port it took (freed when it is gone).
    port: Option<u16>,
    started: Instant,
    connected: bool,
    /// The peer's end of stream was seen.
    eof: bool,
    read_shut: bool,
    /// The error every later read and write gives.
    error: Option<i32>,
}

/// A TCP listener: listening sockets, and connections not yet accepted.
struct Listener {
    local: SocketAddr,
    ifaces: Vec<usize>,
    slots: Vec<(usize, SocketHandle)>,
    /// The receive buffer of each connection it takes.
    rcvbuf: usize,
    reuseaddr: bool,
}

/// A bound UDP socket: one smoltcp socket on each interface it is bound on.
struct Udp {
    local: SocketAddr,
    slots: Vec<(usize, SocketHandle)>,
}

/// An ICMP echo socket.
struct Icmp {
    host: IpAddr,
    ident: u16,
    iface: usize,
    socket: SocketHandle,
}

/// A name lookup in progress.
struct Lookup {
    iface: usize,
    queries: Vec<dns::QueryHandle>,
    found: Vec<IpAddr>,
}

/// The options and attributes of `DUP` NAME.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OptName {
    Local,
    Peer,
    State,
    Shutdown,
    NoDelay,
    KeepAlive,
    RcvTimeo,
    SndTimeo,
    RcvBuf,
    ReuseAddr,
    NonBlock,
}

impl OptName {
    fn parse(name: &[u8]) -> Option<OptName> {
        Some(match name {
            b"local" => OptName::Local,
            b"peer" => OptName::Peer,
            b"state" => OptName::State,
            b"shutdown" => OptName::Shutdown,
            b"nodelay" => OptName::NoDelay,
            b"keepalive" => OptName::KeepAlive,
            b"rcvtimeo" => OptName::RcvTimeo,
            b"sndtimeo" => OptName::SndTimeo,
            b"rcvbuf" => OptName::RcvBuf,
            b"reuseaddr" => OptName::ReuseAddr,
            b"nonblock" => OptName::NonBlock,
            _ => return None,
        })
    }
}

enum Kind {
    Tcp(Tcp),
    Listener(Listener),
    Udp(Udp),
    Icmp(Icmp),
    Lookup(Lookup),
    /// A `netcfg` file or a lookup's answer.
    Text {
        text: Vec<u8>,
        position: usize,
    },
    /// An option handle of socket `owner`.
    Opt {
        owner: HandleId,
        name: OptName,
        done: bool,
    },
}

/// What a waiting request wants.
enum Op {
    /// A blocking connect or a lookup: the answer is the handle.
    Open,
    Read(usize),
    Write(Vec<u8>),
    Accept,
}

struct Waiting {
    request: u64,
    op: Op,
    deadline: Option<Instant>,
}

struct Handle {
    scheme: SchemeKind,
    kind: Kind,
    nonblocking: bool,
    watched: bool,
    /// The readiness last reported to a watcher.
    posted: u32,
    waiting: VecDeque<Waiting>,
    rcvtimeo: Option<Duration>,
    sndtimeo: Option<Duration>,
}

/// A closed TCP connection finishing its goodbyes.
struct Closing {
    iface: usize,
    socket: SocketHandle,
    port: Option<u16>,
    deadline: Instant,
}

/// The outcome of trying an operation.
enum Attempt {
    Done(Result<usize, i32>, Vec<u8>),
    Block,
}

fn done(result: Result<usize, i32>) -> Attempt {
    Attempt::Done(result, Vec::new())
}

/// Every socket handle.
#[derive(Default)]
pub struct Sockets {
    handles: BTreeMap<HandleId, Handle>,
    next: u64,
    ports: BTreeSet<(Proto, u16)>,
    next_port: u16,
    next_ident: u16,
    closing: Vec<Closing>,
    /// A readiness change the kernel refused (a watch it had not recorded
    /// yet): posted again on the next pass, soon ([`REPOST`]).
    unposted: bool,
    /// TCP ports whose connection ended in TIME-WAIT, and until when
    /// ([`TIME_WAIT`]).
    time_wait: Vec<(u16, Instant)>,
}

/// One line of the `sockets` status file.
pub struct SocketLine {
    pub proto: &'static str,
    pub local: String,
    pub peer: String,
    pub state: String,
    pub recv_queue: usize,
    pub send_queue: usize,
}

impl SocketLine {
    /// The line of a TCP connection (open, or closing after its last fd).
    fn tcp(socket: &tcp::Socket) -> SocketLine {
        SocketLine {
            proto: "tcp",
            local: endpoint_text(socket.local_endpoint()),
            peer: endpoint_text(socket.remote_endpoint()),
            state: format!("{}", socket.state()),
            recv_queue: socket.recv_queue(),
            send_queue: socket.send_queue(),
        }
    }
}

fn endpoint_text(endpoint: Option<IpEndpoint>) -> String {
    endpoint.map_or(String::from("*:*"), |e| format!("{}", SocketAddr::new(e.addr.into(), e.port)))
}

/// A TCP socket receiving into `rcvbuf` bytes.
fn tcp_socket(rcvbuf: usize) -> tcp::Socket<'static> {
    tcp::Socket::new(tcp::SocketBuffer::new(alloc::vec![0; rcvbuf]), tcp::SocketBuffer::new(alloc::vec![0; TCP_BUFFER]))
}

fn udp_socket() -> udp::Socket<'static> {
    let buffer =
        || udp::PacketBuffer::new(alloc::vec![udp::PacketMetadata::EMPTY; UDP_DATAGRAMS], alloc::vec![0; UDP_BUFFER]);
    udp::Socket::new(buffer(), buffer())
}

fn icmp_socket() -> icmp::Socket<'static> {
    let buffer = || {
        icmp::PacketBuffer::new(alloc::vec![icmp::PacketMetadata::EMPTY; ICMP_MESSAGES], alloc::vec![0; ICMP_BUFFER])
    };
    icmp::Socket::new(buffer(), buffer())
}

fn path_error(error: PathError) -> i32 {
    match error {
        PathError::Invalid => EINVAL,
        PathError::NotFound => ENOENT,
    }
}

impl Sockets {
    fn insert(&mut self, scheme: SchemeKind, kind: Kind, nonblocking: bool) -> HandleId {
        self.next += 1;
        let id = HandleId(self.next);
        let handle = Handle {
            scheme,
            kind,
            nonblocking,
            watched: false,
            posted: 0,
            waiting: VecDeque::new(),
            rcvtimeo: None,
            sndtimeo: None,
        };
        self.handles.insert(id, handle);
        id
    }

    /// Takes port `port` (0: an ephemeral one, never one in TIME-WAIT)
    /// of `proto`.
    fn take_port(&mut self, proto: Proto, port: u16, now: Instant) -> Result<u16, i32> {
        if port != 0 {
            return match self.ports.insert((proto, port)) {
                true => Ok(port),
                false => Err(EADDRINUSE),
            };
        }
        let span = EPHEMERAL.end() - EPHEMERAL.start() + 1;
        for _ in 0..span {
            let candidate = EPHEMERAL.start() + self.next_port % span;
            self.next_port = self.next_port.wrapping_add(1);
            if proto == Proto::Tcp && self.in_time_wait(candidate, now) {
                continue;
            }
            if self.ports.insert((proto, candidate)) {
                return Ok(candidate);
            }
        }
        Err(EADDRNOTAVAIL)
    }

    fn in_time_wait(&self, port: u16, now: Instant) -> bool {
        self.time_wait.iter().any(|&(p, until)| p == port && until > now)
    }

    /// Whether TCP port `port` is still used by a connection: open,
    /// closing, or in TIME-WAIT (what `reuseaddr` lets a listener ignore).
    fn tcp_port_used(&self, stack: &Stack, port: u16, now: Instant) -> bool {
        let local_port = |iface: usize, socket: SocketHandle| {
            stack.ifaces[iface].sockets.get::<tcp::Socket>(socket).local_endpoint().map(|e| e.port)
        };
        let open = self.handles.values().any(|h| match &h.kind {
            Kind::Tcp(tcp) => local_port(tcp.iface, tcp.socket) == Some(port),
            _ => false,
        });
        open || self.closing.iter().any(|c| local_port(c.iface, c.socket) == Some(port)) || self.in_time_wait(port, now)
    }

    /// Serves one request from scheme `scheme`.
    pub fn serve(&mut self, stack: &mut Stack, scheme: SchemeKind, request: &Request, payload: &[u8]) -> Answer {
        let now = crate::stack::now();
        let id = HandleId(request.handle);
        match request.opcode {
            op::OPEN => return self.open(stack, scheme, request, payload, now),
            op::CLOSE => {
                if let Some(handle) = self.handles.remove(&id) {
                    self.discard(stack, handle.kind, now);
                }
                return None;
            }
            op::CANCEL => {
                self.cancel(stack, request.args[0], now);
                return None;
            }
            _ => {}
        }
        let Some(handle) = self.handles.get_mut(&id) else { return value(Err(EBADF)) };
        if handle.scheme != scheme {
            return value(Err(EBADF));
        }
        let option = matches!(handle.kind, Kind::Opt { .. });
        match request.opcode {
            op::READ if option => self.option_io(stack, id, None, request.args[0] as usize),
            op::WRITE if option => self.option_io(stack, id, Some(payload), 0),
            op::READ => self.attempt(stack, id, Op::Read(request.args[0] as usize), request.id, now),
            op::WRITE => self.attempt(stack, id, Op::Write(payload.to_vec()), request.id, now),
            op::DUP if payload == b"accept" => self.attempt(stack, id, Op::Accept, request.id, now),
            op::DUP => value(self.option_handle(id, payload)),
            op::FEVENT => {
                let ready = self.ready(stack, id);
                let handle = self.handles.get_mut(&id)?;
                handle.watched = request.args[0] != 0;
                handle.posted = ready;
                value(Ok(ready as usize))
            }
            // The kernel keeps O_NONBLOCK itself and never shows it here
            // (the option `nonblock` sets the mode); netd keeps no other flag.
            op::FCNTL => value(Ok(0)),
            op::FSTAT => {
                let stat = match &handle.kind {
                    Kind::Text { text, .. } => {
                        Stat { st_mode: MODE_FILE | 0o444, st_size: text.len() as u64, ..Stat::default() }
                    }
                    _ => Stat { st_mode: MODE_SOCKET, ..Stat::default() },
                };
                let bytes = &*stat;
                Some((Ok(0), bytes.to_vec()))
            }
            op::FSYNC => value(Ok(0)),
            op::LSEEK => value(Err(ESPIPE)),
            _ => value(Err(EINVAL)),
        }
    }

    fn open(
        &mut self,
        stack: &mut Stack,
        scheme: SchemeKind,
        request: &Request,
        payload: &[u8],
        now: Instant,
    ) -> Answer {
        let nonblocking = request.args[0] as usize & O_NONBLOCK != 0;
        let path = match core::str::from_utf8(payload) {
            Ok(path) => path,
            Err(_) => return value(Err(EINVAL)),
        };
        let target = match path::parse(scheme, path) {
            Ok(target) => target,
            Err(error) => return value(Err(path_error(error))),
        };
        let makes_socket =
            matches!(target, Target::TcpConnect(..) | Target::TcpListen(..) | Target::UdpBind(_) | Target::IcmpEcho(_));
        if makes_socket && self.socket_count() >= MAX_SOCKETS {
            return value(Err(ENOBUFS));
        }
        let kind = match target {
            Target::TcpConnect(addr, options) => match self.connect(stack, addr, options, now) {
                Ok(kind) => kind,
                Err(errno) => return value(Err(errno)),
            },
            Target::TcpListen(addr, options) => match self.listen(stack, addr, options, now) {
                Ok(kind) => kind,
                Err(errno) => return value(Err(errno)),
            },
            Target::UdpBind(addr) => match self.bind_udp(stack, addr) {
                Ok(kind) => kind,
                Err(errno) => return value(Err(errno)),
            },
            Target::IcmpEcho(host) => match self.echo(stack, host) {
                Ok(kind) => kind,
                Err(errno) => return value(Err(errno)),
            },
            Target::Resolve(name) => match lookup(stack, &name) {
                Ok(kind) => kind,
                Err(errno) => return value(Err(errno)),
            },
            Target::Status(file) => Kind::Text { text: status::text(file, stack, self).into_bytes(), position: 0 },
            Target::Root => {
                let text = if scheme == SchemeKind::Netcfg { path::STATUS_FILES } else { "" };
                Kind::Text { text: text.as_bytes().to_vec(), position: 0 }
            }
        };
        let waits = match &kind {
            Kind::Tcp(_) => !nonblocking,
            Kind::Lookup(_) => true,
            _ => false,
        };
        let deadline = matches!(kind, Kind::Lookup(_)).then(|| now + LOOKUP_TIMEOUT);
        let id = self.insert(scheme, kind, nonblocking);
        if waits {
            let handle = self.handles.get_mut(&id)?;
            handle.waiting.push_back(Waiting { request: request.id, op: Op::Open, deadline });
            return None;
        }
        value(Ok(id.0 as usize))
    }

    fn connect(&mut self, stack: &mut Stack, addr: SocketAddr, options: TcpOptions, now: Instant) -> Result<Kind, i32> {
        let index = stack.route(addr.ip()).ok_or(ENETUNREACH)?;
        let port = self.take_port(Proto::Tcp, 0, now)?;
        let mut socket = tcp_socket(options.rcvbuf.unwrap_or(TCP_RECEIVE_BUFFER));
        socket.set_timeout(Some(CONNECT_TIMEOUT));
        // A connection to one of this machine's own addresses goes through
        // the loopback, from that same address (as on Linux).
        let own = stack.owned(addr.ip()).then(|| IpAddress::from(addr.ip()));
        let local = IpListenEndpoint { addr: own, port };
        let iface = &mut stack.ifaces[index];
        if socket.connect(iface.iface.context(), IpEndpoint::from(addr), local).is_err() {
            self.ports.remove(&(Proto::Tcp, port));
            return Err(ENETUNREACH);
        }
        let socket = iface.sockets.add(socket);
        Ok(Kind::Tcp(Tcp {
            iface: index,
            socket,
            port: Some(port),
            started: now,
            connected: false,
            eof: false,
            read_shut: false,
            error: None,
        }))
    }

    fn listen(&mut self, stack: &mut Stack, addr: SocketAddr, options: TcpOptions, now: Instant) -> Result<Kind, i32> {
        let ifaces = stack.bound_ifaces(addr.ip());
        if ifaces.is_empty() {
            return Err(EADDRNOTAVAIL);
        }
        if addr.port() != 0 && !options.reuseaddr && self.tcp_port_used(stack, addr.port(), now) {
            return Err(EADDRINUSE);
        }
        let port = self.take_port(Proto::Tcp, addr.port(), now)?;
        let mut listener = Listener {
            local: SocketAddr::new(addr.ip(), port),
            ifaces,
            slots: Vec::new(),
            rcvbuf: options.rcvbuf.unwrap_or(TCP_RECEIVE_BUFFER),
            reuseaddr: options.reuseaddr,
        };
        replenish(stack, &mut listener);
        Ok(Kind::Listener(listener))
    }

    fn bind_udp(&mut self, stack: &mut Stack, addr: SocketAddr) -> Result<Kind, i32> {
        let ifaces = stack.bound_ifaces(addr.ip());
        if ifaces.is_empty() {
            return Err(EADDRNOTAVAIL);
        }
        let port = self.take_port(Proto::Udp, addr.port(), crate::stack::now())?;
        let endpoint = listen_endpoint(addr.ip(), port);
        let mut slots = Vec::new();
        for index in ifaces {
            let mut socket = udp_socket();
            if socket.bind(endpoint).is_ok() {
                slots.push((index, stack.ifaces[index].sockets.add(socket)));
            }
        }
        Ok(Kind::Udp(Udp { local: SocketAddr::new(addr.ip(), port), slots }))
    }

    fn echo(&mut self, stack: &mut Stack, host: IpAddr) -> Result<Kind, i32> {
        let index = stack.route(host).ok_or(ENETUNREACH)?;
        self.next_ident = self.next_ident.wrapping_add(1);
        let ident = self.next_ident;
        let mut socket = icmp_socket();
        socket.bind(icmp::Endpoint::Ident(ident)).map_err(|_| EINVAL)?;
        let socket = stack.ifaces[index].sockets.add(socket);
        Ok(Kind::Icmp(Icmp { host, ident, iface: index, socket }))
    }

    /// Tries `op` on handle `id` now; if it must wait, queues it (or says
    /// `EAGAIN` on a non-blocking handle).
    fn attempt(&mut self, stack: &mut Stack, id: HandleId, op: Op, request: u64, now: Instant) -> Answer {
        let mut handle = self.handles.remove(&id)?;
        let kind = core::mem::discriminant(&op);
        let queued = handle.waiting.iter().any(|w| core::mem::discriminant(&w.op) == kind);
        let attempt = if queued { Attempt::Block } else { self.try_op(stack, &mut handle, &op) };
        let answer = match attempt {
            Attempt::Done(result, payload) => Some((result, payload)),
            Attempt::Block if handle.nonblocking => value(Err(EAGAIN)),
            Attempt::Block => {
                let timeout = match op {
                    Op::Write(_) => handle.sndtimeo,
                    _ => handle.rcvtimeo,
                };
                handle.waiting.push_back(Waiting { request, op, deadline: timeout.map(|t| now + t) });
                None
            }
        };
        self.handles.insert(id, handle);
        answer
    }

    fn try_op(&mut self, stack: &mut Stack, handle: &mut Handle, op: &Op) -> Attempt {
        match (op, &mut handle.kind) {
            (Op::Read(len), Kind::Tcp(tcp)) => tcp_read(stack, tcp, *len),
            (Op::Write(data), Kind::Tcp(tcp)) => tcp_write(stack, tcp, data),
            (Op::Read(len), Kind::Udp(udp)) => udp_read(stack, udp, *len),
            (Op::Write(data), Kind::Udp(udp)) => udp_write(stack, udp, data),
            (Op::Read(len), Kind::Icmp(icmp)) => icmp_read(stack, icmp, *len),
            (Op::Write(data), Kind::Icmp(icmp)) => icmp_write(stack, icmp, data),
            (Op::Read(len), Kind::Text { text, position }) => {
                let chunk = text.get(*position..).unwrap_or(&[]);
                let chunk = chunk[..chunk.len().min(*len)].to_vec();
                *position += chunk.len();
                Attempt::Done(Ok(chunk.len()), chunk)
            }
            (Op::Read(_) | Op::Write(_), Kind::Listener(_)) => done(Err(ENOTCONN)),
            (Op::Accept, Kind::Listener(listener)) => {
                let Some(at) = listener.slots.iter().position(|&(index, socket)| {
                    !matches!(
                        stack.ifaces[index].sockets.get::<tcp::Socket>(socket).state(),
                        tcp::State::Listen | tcp::State::SynReceived | tcp::State::Closed
                    )
                }) else {
                    return Attempt::Block;
                };
                let (index, socket) = listener.slots.remove(at);
                replenish(stack, listener);
                let tcp = Tcp {
                    iface: index,
                    socket,
                    port: None,
                    started: crate::stack::now(),
                    connected: true,
                    eof: false,
                    read_shut: false,
                    error: None,
                };
                let new = self.insert(handle.scheme, Kind::Tcp(tcp), false);
                done(Ok(new.0 as usize))
            }
            _ => done(Err(EINVAL)),
        }
    }

    /// Makes an option handle of socket `owner`.
    fn option_handle(&mut self, owner: HandleId, name: &[u8]) -> Result<usize, i32> {
        let name = OptName::parse(name).ok_or(ENOPROTOOPT)?;
        let handle = self.handles.get(&owner).ok_or(EBADF)?;
        let applies = matches!(
            (&handle.kind, name),
            (Kind::Tcp(_) | Kind::Listener(_) | Kind::Udp(_) | Kind::Icmp(_), OptName::NonBlock)
                | (Kind::Tcp(_), _)
                | (
                    Kind::Listener(_),
                    OptName::Local | OptName::State | OptName::RcvTimeo | OptName::RcvBuf | OptName::ReuseAddr
                )
                | (Kind::Udp(_), OptName::Local | OptName::RcvTimeo | OptName::SndTimeo | OptName::RcvBuf)
                | (Kind::Icmp(_), OptName::Peer | OptName::RcvTimeo | OptName::SndTimeo)
        );
        if !applies {
            return Err(ENOPROTOOPT);
        }
        let scheme = handle.scheme;
        Ok(self.insert(scheme, Kind::Opt { owner, name, done: false }, false).0 as usize)
    }

    /// Reads or writes an option handle (these never wait).
    fn option_io(&mut self, stack: &mut Stack, id: HandleId, write: Option<&[u8]>, len: usize) -> Answer {
        let Some(Handle { kind: Kind::Opt { owner, name, done }, .. }) = self.handles.get_mut(&id) else {
            return None;
        };
        let (owner, name) = (*owner, *name);
        if write.is_none() && *done {
            return value(Ok(0));
        }
        if write.is_none() {
            *done = true;
        }
        let Some(handle) = self.handles.get_mut(&owner) else { return value(Err(ENOTCONN)) };
        match write {
            None => {
                let mut text = match option_get(stack, handle, name) {
                    Ok(text) => text,
                    Err(errno) => return value(Err(errno)),
                };
                text.push('\n');
                let mut bytes = text.into_bytes();
                bytes.truncate(len);
                Some((Ok(bytes.len()), bytes))
            }
            Some(data) => {
                let text = core::str::from_utf8(data).map_err(|_| EINVAL).map(str::trim);
                value(text.and_then(|text| option_set(stack, handle, name, text)).map(|()| data.len()))
            }
        }
    }

    /// Answers what can be answered after the stack moved: waiting
    /// requests, connections established or failed, lookups; posts
    /// readiness to watchers; finishes closed connections.
    pub fn progress(&mut self, stack: &mut Stack, responder: &dyn Responder, now: Instant) {
        let ids: Vec<HandleId> = self.handles.keys().copied().collect();
        self.unposted = false;
        for id in ids {
            let Some(mut handle) = self.handles.remove(&id) else { continue };
            match &mut handle.kind {
                Kind::Tcp(tcp) => tcp_update(stack, tcp, now),
                Kind::Listener(listener) => replenish(stack, listener),
                _ => {}
            }
            let mut keep = true;
            // Reads, writes and accepts wait in order among their own kind;
            // one kind blocked does not hold the others back.
            let mut blocked: Vec<core::mem::Discriminant<Op>> = Vec::new();
            let mut index = 0;
            while keep && index < handle.waiting.len() {
                let kind = core::mem::discriminant(&handle.waiting[index].op);
                if blocked.contains(&kind) {
                    index += 1;
                    continue;
                }
                let waiting = handle.waiting.remove(index).expect("index is in range");
                let attempt = match waiting.op {
                    Op::Open => open_progress(stack, &mut handle.kind, now),
                    _ => self.try_op(stack, &mut handle, &waiting.op),
                };
                let (result, payload) = match attempt {
                    Attempt::Done(result, payload) => (result, payload),
                    Attempt::Block if waiting.deadline.is_some_and(|d| d <= now) => {
                        let errno = if matches!(waiting.op, Op::Open) { ETIMEDOUT } else { EAGAIN };
                        (Err(errno), Vec::new())
                    }
                    Attempt::Block => {
                        handle.waiting.insert(index, waiting);
                        blocked.push(kind);
                        index += 1;
                        continue;
                    }
                };
                let result = match (&waiting.op, result) {
                    (Op::Open, Ok(_)) => Ok(id.0 as usize),
                    (Op::Open, Err(errno)) => {
                        keep = false;
                        Err(errno)
                    }
                    (_, result) => result,
                };
                responder.respond(handle.scheme, waiting.request, result, &payload);
            }
            if !keep {
                self.discard(stack, handle.kind, now);
                continue;
            }
            self.handles.insert(id, handle);
            let ready = self.ready(stack, id);
            let Some(handle) = self.handles.get_mut(&id) else { continue };
            // A watch the client's kernel has not recorded yet refuses the
            // post; it is tried again rather than lost.
            if !handle.watched || ready == handle.posted || responder.post(handle.scheme, id.0, ready) {
                handle.posted = ready;
            } else {
                self.unposted = true;
            }
        }
        self.finish_closing(stack, now);
    }

    /// Tells every interface's link how many SYNs each listener's port
    /// can take there now (its listening sockets on that interface), so
    /// that SYNs beyond them are left for the peer to send again rather
    /// than reset by smoltcp.
    pub fn gate_syns(&self, stack: &mut Stack) {
        let mut rooms: Vec<BTreeMap<u16, usize>> = stack.ifaces.iter().map(|_| BTreeMap::new()).collect();
        for handle in self.handles.values() {
            let Kind::Listener(listener) = &handle.kind else { continue };
            let port = listener.local.port();
            for &index in &listener.ifaces {
                rooms[index].entry(port).or_insert(0);
            }
            for &(index, socket) in &listener.slots {
                if listening(stack, index, socket) {
                    *rooms[index].entry(port).or_insert(0) += 1;
                }
            }
        }
        for (iface, room) in stack.ifaces.iter_mut().zip(rooms) {
            iface.link.gate_syns(room);
        }
    }

    /// The sockets held (see [`MAX_SOCKETS`]).
    fn socket_count(&self) -> usize {
        let open = self
            .handles
            .values()
            .filter(|h| matches!(h.kind, Kind::Tcp(_) | Kind::Listener(_) | Kind::Udp(_) | Kind::Icmp(_)));
        open.count() + self.closing.len()
    }

    /// Extends the listeners and UDP sockets bound to the unspecified
    /// address to interface `index`, which just appeared.
    pub fn iface_added(&mut self, stack: &mut Stack, index: usize) {
        for handle in self.handles.values_mut() {
            match &mut handle.kind {
                Kind::Listener(listener) if listener.local.ip().is_unspecified() => {
                    listener.ifaces.push(index);
                    replenish(stack, listener);
                }
                Kind::Udp(udp) if udp.local.ip().is_unspecified() => {
                    let mut socket = udp_socket();
                    if socket.bind(listen_endpoint(udp.local.ip(), udp.local.port())).is_ok() {
                        udp.slots.push((index, stack.ifaces[index].sockets.add(socket)));
                    }
                }
                _ => {}
            }
        }
    }

    /// The earliest deadline of a waiting request, a closing connection
    /// or a post to try again.
    pub fn next_deadline(&self, now: Instant) -> Option<Instant> {
        let waiting = self.handles.values().flat_map(|h| h.waiting.iter().filter_map(|w| w.deadline));
        let repost = self.unposted.then_some(now + REPOST);
        waiting.chain(self.closing.iter().map(|c| c.deadline)).chain(repost).min()
    }

    fn finish_closing(&mut self, stack: &mut Stack, now: Instant) {
        self.time_wait.retain(|&(_, until)| until > now);
        let mut index = 0;
        while index < self.closing.len() {
            let closing = &self.closing[index];
            let sockets = &mut stack.ifaces[closing.iface].sockets;
            let socket = sockets.get_mut::<tcp::Socket>(closing.socket);
            let state = socket.state();
            let finished = matches!(state, tcp::State::Closed | tcp::State::TimeWait);
            if !finished && closing.deadline > now {
                index += 1;
                continue;
            }
            if state == tcp::State::TimeWait
                && let Some(local) = socket.local_endpoint()
            {
                self.time_wait.push((local.port, now + TIME_WAIT));
            }
            if !finished {
                socket.abort();
            }
            sockets.remove(closing.socket);
            if let Some(port) = closing.port {
                self.ports.remove(&(Proto::Tcp, port));
            }
            self.closing.swap_remove(index);
        }
    }

    /// Releases what a handle held.
    fn discard(&mut self, stack: &mut Stack, kind: Kind, now: Instant) {
        match kind {
            Kind::Tcp(tcp) => {
                let socket = stack.ifaces[tcp.iface].sockets.get_mut::<tcp::Socket>(tcp.socket);
                socket.close();
                let deadline = now + CLOSE_TIMEOUT;
                self.closing.push(Closing { iface: tcp.iface, socket: tcp.socket, port: tcp.port, deadline });
            }
            Kind::Listener(listener) => {
                for (index, socket) in listener.slots {
                    stack.ifaces[index].sockets.get_mut::<tcp::Socket>(socket).abort();
                    self.closing.push(Closing { iface: index, socket, port: None, deadline: now });
                }
                self.ports.remove(&(Proto::Tcp, listener.local.port()));
            }
            Kind::Udp(udp) => {
                for (index, socket) in udp.slots {
                    stack.ifaces[index].sockets.remove(socket);
                }
                self.ports.remove(&(Proto::Udp, udp.local.port()));
            }
            Kind::Icmp(icmp) => {
                stack.ifaces[icmp.iface].sockets.remove(icmp.socket);
            }
            Kind::Lookup(lookup) => {
                let iface = &mut stack.ifaces[lookup.iface];
                if let Some(dns) = iface.dns {
                    let socket = iface.sockets.get_mut::<dns::Socket>(dns);
                    for query in lookup.queries {
                        socket.cancel_query(query);
                    }
                }
            }
            Kind::Text { .. } | Kind::Opt { .. } => {}
        }
    }

    /// A client gave up on request `request`: an open in progress takes
    /// its handle with it.
    fn cancel(&mut self, stack: &mut Stack, request: u64, now: Instant) {
        let found = self.handles.iter_mut().find_map(|(id, handle)| {
            let at = handle.waiting.iter().position(|w| w.request == request)?;
            let waiting = handle.waiting.remove(at)?;
            Some((*id, matches!(waiting.op, Op::Open)))
        });
        if let Some((id, true)) = found
            && let Some(handle) = self.handles.remove(&id)
        {
            self.discard(stack, handle.kind, now);
        }
    }

    /// The readiness of handle `id` (`EVENT_READ`, `EVENT_WRITE`).
    fn ready(&self, stack: &Stack, id: HandleId) -> u32 {
        let Some(handle) = self.handles.get(&id) else { return 0 };
        if handle.waiting.iter().any(|w| matches!(w.op, Op::Open)) {
            return 0;
        }
        match &handle.kind {
            Kind::Tcp(tcp) => {
                let socket = stack.ifaces[tcp.iface].sockets.get::<tcp::Socket>(tcp.socket);
                if tcp.error.is_some() {
                    return EVENT_READ | EVENT_WRITE;
                }
                if !tcp.connected {
                    return 0;
                }
                let read = socket.can_recv() || !socket.may_recv() || tcp.read_shut;
                let write = socket.can_send() || !socket.may_send();
                (if read { EVENT_READ } else { 0 }) | if write { EVENT_WRITE } else { 0 }
            }
            Kind::Listener(listener) => {
                let waiting = listener.slots.iter().any(|&(index, socket)| {
                    !matches!(
                        stack.ifaces[index].sockets.get::<tcp::Socket>(socket).state(),
                        tcp::State::Listen | tcp::State::SynReceived | tcp::State::Closed
                    )
                });
                if waiting { EVENT_READ } else { 0 }
            }
            Kind::Udp(udp) => {
                let mut ready = 0;
                for &(index, socket) in &udp.slots {
                    let socket = stack.ifaces[index].sockets.get::<udp::Socket>(socket);
                    if socket.can_recv() {
                        ready |= EVENT_READ;
                    }
                    if socket.can_send() {
                        ready |= EVENT_WRITE;
                    }
                }
                ready
            }
            Kind::Icmp(icmp) => {
                let socket = stack.ifaces[icmp.iface].sockets.get::<icmp::Socket>(icmp.socket);
                (if socket.can_recv() { EVENT_READ } else { 0 }) | if socket.can_send() { EVENT_WRITE } else { 0 }
            }
            Kind::Lookup(_) => 0,
            Kind::Text { .. } | Kind::Opt { .. } => EVENT_READ | EVENT_WRITE,
        }
    }

    /// The `sockets` status lines.
    pub fn lines(&self, stack: &Stack) -> Vec<SocketLine> {
        let mut lines = Vec::new();
        for handle in self.handles.values() {
            match &handle.kind {
                Kind::Tcp(tcp) => {
                    lines.push(SocketLine::tcp(stack.ifaces[tcp.iface].sockets.get::<tcp::Socket>(tcp.socket)));
                }
                Kind::Listener(listener) => lines.push(SocketLine {
                    proto: "tcp",
                    local: format!("{}", listener.local),
                    peer: String::from("*:*"),
                    state: String::from("LISTEN"),
                    recv_queue: listener.slots.len(),
                    send_queue: BACKLOG,
                }),
                Kind::Udp(udp) => {
                    let (mut recv_queue, mut send_queue) = (0, 0);
                    for &(index, socket) in &udp.slots {
                        let socket = stack.ifaces[index].sockets.get::<udp::Socket>(socket);
                        recv_queue += socket.recv_queue();
                        send_queue += socket.send_queue();
                    }
                    lines.push(SocketLine {
                        proto: "udp",
                        local: format!("{}", udp.local),
                        peer: String::from("*:*"),
                        state: String::from("-"),
                        recv_queue,
                        send_queue,
                    });
                }
                Kind::Icmp(icmp) => lines.push(SocketLine {
                    proto: "icmp",
                    local: format!("ident {}", icmp.ident),
                    peer: format!("{}", icmp.host),
                    state: String::from("-"),
                    recv_queue: 0,
                    send_queue: 0,
                }),
                Kind::Lookup(_) | Kind::Text { .. } | Kind::Opt { .. } => {}
            }
        }
        for closing in &self.closing {
            let socket = stack.ifaces[closing.iface].sockets.get::<tcp::Socket>(closing.socket);
            if socket.state() == tcp::State::Listen {
                continue;
            }
            lines.push(SocketLine::tcp(socket));
        }
        lines
    }
}

/// A listen endpoint on `ip` (any address for the unspecified one).
fn listen_endpoint(ip: IpAddr, port: u16) -> IpListenEndpoint {
    IpListenEndpoint { addr: (!ip.is_unspecified()).then(|| IpAddress::from(ip)), port }
}

/// Whether a listener's socket still listens (has taken no SYN).
fn listening(stack: &Stack, index: usize, socket: SocketHandle) -> bool {
    stack.ifaces[index].sockets.get::<tcp::Socket>(socket).state() == tcp::State::Listen
}

/// Replaces the listener's sockets still listening (no SYN taken yet)
/// with ones of its current receive buffer size.
fn renew_listening(stack: &mut Stack, listener: &mut Listener) {
    listener.slots.retain(|&(index, socket)| {
        let idle = listening(stack, index, socket);
        if idle {
            stack.ifaces[index].sockets.remove(socket);
        }
        !idle
    });
    replenish(stack, listener);
}

/// Drops the listener's handshakes that were reset, then keeps
/// [`LISTEN_SPARE`] listening sockets on each of its interfaces, fewer
/// when the connections waiting (in their handshake or to be accepted)
/// leave less of [`BACKLOG`].
fn replenish(stack: &mut Stack, listener: &mut Listener) {
    listener.slots.retain(|&(index, socket)| {
        let sockets = &mut stack.ifaces[index].sockets;
        let closed = sockets.get::<tcp::Socket>(socket).state() == tcp::State::Closed;
        if closed {
            sockets.remove(socket);
        }
        !closed
    });
    let waiting = listener.slots.iter().filter(|&&(index, socket)| !listening(stack, index, socket)).count();
    let want = LISTEN_SPARE.min(BACKLOG.saturating_sub(waiting));
    let endpoint = listen_endpoint(listener.local.ip(), listener.local.port());
    for &index in &listener.ifaces {
        let ready = listener.slots.iter().filter(|&&(i, socket)| i == index && listening(stack, i, socket)).count();
        for _ in ready..want {
            let mut socket = tcp_socket(listener.rcvbuf);
            if socket.listen(endpoint).is_ok() {
                listener.slots.push((index, stack.ifaces[index].sockets.add(socket)));
            }
        }
    }
}

/// Starts looking up `name`: `/etc/hosts` first (answered at once), then
/// A and AAAA queries to the DNS servers.
fn lookup(stack: &mut Stack, name: &str) -> Result<Kind, i32> {
    if let Ok(hosts) = cairn_rt::fs::read_to_string("/etc/hosts") {
        let found = cairn_netstack::hosts::lookup(&hosts, name);
        if !found.is_empty() {
            return Ok(Kind::Text { text: address_lines(&found).into_bytes(), position: 0 });
        }
    }
    if let Ok(ip) = name.parse::<IpAddr>() {
        return Ok(Kind::Text { text: address_lines(&[ip]).into_bytes(), position: 0 });
    }
    let servers = stack.nameservers();
    let index = servers.iter().find_map(|&server| stack.route(server)).ok_or(ENETUNREACH)?;
    let iface = &mut stack.ifaces[index];
    let dns = iface.dns.ok_or(ENETUNREACH)?;
    let socket = iface.sockets.get_mut::<dns::Socket>(dns);
    let mut queries = Vec::new();
    for kind in [DnsQueryType::A, DnsQueryType::Aaaa] {
        match socket.start_query(iface.iface.context(), name, kind) {
            Ok(query) => queries.push(query),
            Err(dns::StartQueryError::NoFreeSlot) => {
                for query in queries {
                    socket.cancel_query(query);
                }
                return Err(EAGAIN);
            }
            Err(_) => return Err(EINVAL),
        }
    }
    Ok(Kind::Lookup(Lookup { iface: index, queries, found: Vec::new() }))
}

fn address_lines(addrs: &[IpAddr]) -> String {
    addrs.iter().map(|a| format!("{a}\n")).collect()
}

/// A waiting open: a connection established or failed, a lookup answered.
fn open_progress(stack: &mut Stack, kind: &mut Kind, now: Instant) -> Attempt {
    match kind {
        Kind::Tcp(tcp) => {
            tcp_update(stack, tcp, now);
            match (tcp.connected, tcp.error) {
                (_, Some(errno)) => done(Err(errno)),
                (true, None) => done(Ok(0)),
                (false, None) => Attempt::Block,
            }
        }
        Kind::Lookup(lookup) => {
            let iface = &mut stack.ifaces[lookup.iface];
            let Some(dns) = iface.dns else { return done(Err(ENETUNREACH)) };
            let socket = iface.sockets.get_mut::<dns::Socket>(dns);
            let mut index = 0;
            while index < lookup.queries.len() {
                match socket.get_query_result(lookup.queries[index]) {
                    Err(dns::GetQueryResultError::Pending) => index += 1,
                    Ok(addrs) => {
                        lookup.found.extend(addrs.iter().map(|&a| IpAddr::from(a)));
                        lookup.queries.remove(index);
                    }
                    Err(_) => {
                        lookup.queries.remove(index);
                    }
                }
            }
            if !lookup.queries.is_empty() {
                return Attempt::Block;
            }
            if lookup.found.is_empty() {
                return done(Err(ENOENT));
            }
            *kind = Kind::Text { text: address_lines(&lookup.found).into_bytes(), position: 0 };
            done(Ok(0))
        }
        _ => done(Ok(0)),
    }
}

/// Notes a connection's news: established, failed, reset, end of stream.
fn tcp_update(stack: &mut Stack, tcp: &mut Tcp, now: Instant) {
    let socket = stack.ifaces[tcp.iface].sockets.get_mut::<tcp::Socket>(tcp.socket);
    let state = socket.state();
    if !tcp.connected {
        match state {
            tcp::State::SynSent | tcp::State::SynReceived => {}
            tcp::State::Closed if tcp.error.is_none() => {
                tcp.error = Some(if now - tcp.started >= CONNECT_TIMEOUT { ETIMEDOUT } else { ECONNREFUSED });
            }
            tcp::State::Closed => {}
            _ => {
                tcp.connected = true;
                socket.set_timeout(None);
            }
        }
        return;
    }
    match state {
        tcp::State::CloseWait | tcp::State::LastAck | tcp::State::Closing | tcp::State::TimeWait => tcp.eof = true,
        tcp::State::Closed if !tcp.eof && tcp.error.is_none() => tcp.error = Some(ECONNRESET),
        _ => {}
    }
}

fn tcp_read(stack: &mut Stack, tcp: &mut Tcp, len: usize) -> Attempt {
    if let Some(errno) = tcp.error {
        return done(Err(errno));
    }
    if tcp.read_shut {
        return done(Ok(0));
    }
    if !tcp.connected {
        return Attempt::Block;
    }
    let socket = stack.ifaces[tcp.iface].sockets.get_mut::<tcp::Socket>(tcp.socket);
    if socket.can_recv() {
        let mut data = alloc::vec![0u8; len.min(MAX_PAYLOAD).min(socket.recv_queue())];
        return match socket.recv_slice(&mut data) {
            Ok(n) => {
                data.truncate(n);
                Attempt::Done(Ok(n), data)
            }
            Err(_) => done(Err(ECONNRESET)),
        };
    }
    if socket.may_recv() { Attempt::Block } else { done(Ok(0)) }
}

fn tcp_write(stack: &mut Stack, tcp: &mut Tcp, data: &[u8]) -> Attempt {
    if let Some(errno) = tcp.error {
        return done(Err(errno));
    }
    if !tcp.connected {
        return Attempt::Block;
    }
    let socket = stack.ifaces[tcp.iface].sockets.get_mut::<tcp::Socket>(tcp.socket);
    if !socket.may_send() {
        return done(Err(EPIPE));
    }
    if data.is_empty() {
        return done(Ok(0));
    }
    if !socket.can_send() {
        return Attempt::Block;
    }
    match socket.send_slice(data) {
        Ok(n) => done(Ok(n)),
        Err(_) => done(Err(EPIPE)),
    }
}

fn udp_read(stack: &mut Stack, udp: &mut Udp, len: usize) -> Attempt {
    for &(index, socket) in &udp.slots {
        let socket = stack.ifaces[index].sockets.get_mut::<udp::Socket>(socket);
        if let Ok((payload, meta)) = socket.recv() {
            let from = SocketAddr::new(meta.endpoint.addr.into(), meta.endpoint.port);
            let mut datagram = encode_udp_header(from).to_vec();
            datagram.extend_from_slice(payload);
            datagram.truncate(len.min(MAX_PAYLOAD));
            return Attempt::Done(Ok(datagram.len()), datagram);
        }
    }
    Attempt::Block
}

fn udp_write(stack: &mut Stack, udp: &mut Udp, data: &[u8]) -> Attempt {
    let Some(dest) = decode_udp_header(data) else { return done(Err(EINVAL)) };
    if dest.port() == 0 || dest.ip().is_unspecified() {
        return done(Err(EINVAL));
    }
    let payload = &data[UDP_HEADER..];
    let Some(index) = stack.route(dest.ip()) else { return done(Err(ENETUNREACH)) };
    let Some(&(_, socket)) = udp.slots.iter().find(|&&(i, _)| i == index) else { return done(Err(ENETUNREACH)) };
    let socket = stack.ifaces[index].sockets.get_mut::<udp::Socket>(socket);
    if payload.len() > socket.payload_send_capacity() {
        return done(Err(EMSGSIZE));
    }
    match socket.send_slice(payload, IpEndpoint::from(dest)) {
        Ok(()) => done(Ok(data.len())),
        Err(udp::SendError::BufferFull) => Attempt::Block,
        Err(udp::SendError::Unaddressable) => done(Err(ENETUNREACH)),
    }
}

/// Bytes of an echo message's header (type, code, checksum, identifier,
/// sequence number) in ICMP and ICMPv6 alike.
const ECHO_HEADER: usize = 8;
/// The echo reply types of ICMP and ICMPv6.
const ECHO_REPLY_V4: u8 = 0;
const ECHO_REPLY_V6: u8 = 129;

fn icmp_read(stack: &mut Stack, icmp: &mut Icmp, len: usize) -> Attempt {
    let socket = stack.ifaces[icmp.iface].sockets.get_mut::<icmp::Socket>(icmp.socket);
    while let Ok((message, from)) = socket.recv() {
        let reply = matches!(message.first(), Some(&ECHO_REPLY_V4 | &ECHO_REPLY_V6));
        if IpAddr::from(from) != icmp.host || !reply || message.len() < ECHO_HEADER {
            continue;
        }
        if u16::from_be_bytes([message[4], message[5]]) != icmp.ident {
            continue;
        }
        let mut answer = message[6..].to_vec();
        answer.truncate(len.min(MAX_PAYLOAD));
        return Attempt::Done(Ok(answer.len()), answer);
    }
    Attempt::Block
}

fn icmp_write(stack: &mut Stack, icmp: &mut Icmp, data: &[u8]) -> Attempt {
    if data.len() < 2 {
        return done(Err(EINVAL));
    }
    let seq_no = u16::from_be_bytes([data[0], data[1]]);
    let payload = &data[2..];
    let iface = &mut stack.ifaces[icmp.iface];
    let caps = ChecksumCapabilities::default();
    let message = match icmp.host {
        IpAddr::V4(_) => {
            let repr = Icmpv4Repr::EchoRequest { ident: icmp.ident, seq_no, data: payload };
            let mut bytes = alloc::vec![0u8; repr.buffer_len()];
            repr.emit(&mut Icmpv4Packet::new_unchecked(&mut bytes), &caps);
            bytes
        }
        IpAddr::V6(dst) => {
            let src = iface.iface.get_source_address_ipv6(&dst);
            let repr = Icmpv6Repr::EchoRequest { ident: icmp.ident, seq_no, data: payload };
            let mut bytes = alloc::vec![0u8; repr.buffer_len()];
            repr.emit(&src, &dst, &mut Icmpv6Packet::new_unchecked(&mut bytes), &caps);
            bytes
        }
    };
    let socket = iface.sockets.get_mut::<icmp::Socket>(icmp.socket);
    if message.len() > socket.payload_send_capacity() {
        return done(Err(EMSGSIZE));
    }
    match socket.send_slice(&message, IpAddress::from(icmp.host)) {
        Ok(()) => done(Ok(data.len())),
        Err(icmp::SendError::BufferFull) => Attempt::Block,
        Err(icmp::SendError::Unaddressable) => done(Err(ENETUNREACH)),
    }
}

fn option_get(stack: &mut Stack, handle: &Handle, name: OptName) -> Result<String, i32> {
    let millis = |d: Option<Duration>| format!("{}", d.map_or(0, |d| d.total_millis()));
    match (&handle.kind, name) {
        (_, OptName::RcvTimeo) => Ok(millis(handle.rcvtimeo)),
        (_, OptName::SndTimeo) => Ok(millis(handle.sndtimeo)),
        (_, OptName::NonBlock) => Ok(String::from(if handle.nonblocking { "1" } else { "0" })),
        (_, OptName::Shutdown) => Err(EINVAL),
        (Kind::Tcp(tcp), name) => {
            let socket = stack.ifaces[tcp.iface].sockets.get::<tcp::Socket>(tcp.socket);
            Ok(match name {
                OptName::Local => endpoint_text(socket.local_endpoint()),
                OptName::Peer => endpoint_text(socket.remote_endpoint()),
                OptName::State => format!("{}", socket.state()),
                OptName::NoDelay => String::from(if socket.nagle_enabled() { "0" } else { "1" }),
                OptName::KeepAlive => millis(socket.keep_alive()),
                _ => format!("{}", socket.recv_capacity()),
            })
        }
        (Kind::Listener(listener), OptName::Local) => Ok(format!("{}", listener.local)),
        (Kind::Listener(listener), OptName::RcvBuf) => Ok(format!("{}", listener.rcvbuf)),
        (Kind::Listener(listener), OptName::ReuseAddr) => Ok(String::from(if listener.reuseaddr { "1" } else { "0" })),
        (Kind::Listener(_), _) => Ok(String::from("LISTEN")),
        (Kind::Udp(udp), OptName::Local) => Ok(format!("{}", udp.local)),
        (Kind::Udp(_), _) => Ok(format!("{UDP_BUFFER}")),
        (Kind::Icmp(icmp), _) => Ok(format!("{}", icmp.host)),
        _ => Err(ENOPROTOOPT),
    }
}

fn option_set(stack: &mut Stack, handle: &mut Handle, name: OptName, text: &str) -> Result<(), i32> {
    if name == OptName::Shutdown {
        let Kind::Tcp(tcp) = &mut handle.kind else { return Err(ENOPROTOOPT) };
        let (read, write) = match text {
            "read" => (true, false),
            "write" => (false, true),
            "both" => (true, true),
            _ => return Err(EINVAL),
        };
        tcp.read_shut |= read;
        if write {
            stack.ifaces[tcp.iface].sockets.get_mut::<tcp::Socket>(tcp.socket).close();
        }
        return Ok(());
    }
    let number: u64 = text.parse().map_err(|_| EINVAL)?;
    let duration = (number != 0).then(|| Duration::from_millis(number));
    match (&mut handle.kind, name) {
        (_, OptName::NonBlock) => handle.nonblocking = number != 0,
        (_, OptName::RcvTimeo) => handle.rcvtimeo = duration,
        (_, OptName::SndTimeo) => handle.sndtimeo = duration,
        (Kind::Tcp(tcp), OptName::NoDelay) => {
            stack.ifaces[tcp.iface].sockets.get_mut::<tcp::Socket>(tcp.socket).set_nagle_enabled(number == 0)
        }
        (Kind::Tcp(tcp), OptName::KeepAlive) => {
            stack.ifaces[tcp.iface].sockets.get_mut::<tcp::Socket>(tcp.socket).set_keep_alive(duration)
        }
        (Kind::Listener(listener), OptName::RcvBuf) => {
            let bytes = usize::try_from(number).map_err(|_| EINVAL)?;
            if !(MIN_RCVBUF..=MAX_RCVBUF).contains(&bytes) {
                return Err(EINVAL);
            }
            listener.rcvbuf = bytes;
            renew_listening(stack, listener);
        }
        _ => return Err(EINVAL),
    }
    Ok(())
}
