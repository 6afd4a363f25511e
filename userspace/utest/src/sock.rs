//! Sockets of netd (`cairn_rt::net` over the schemes `tcp` and `udp`) on
//! the loopback, in the harness suite `net-user` (its script runs
//! `utest sock_` once netd serves): non-blocking connect and accept with
//! readiness in one event queue, back-pressure (a reader that does not
//! read stops the writer at a bounded amount), options, half-close,
//! datagrams with their addresses, bad requests, a bounded number of
//! sockets, receive buffers and `SO_REUSEADDR` given before connecting or
//! listening, connections to the machine's own wired address. These tests
//! run only when named.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use cairn_rt::abi::error::{EADDRINUSE, EAGAIN, EINVAL, ENOBUFS, ENOPROTOOPT};
use cairn_rt::abi::{EVENT_READ, EVENT_WRITE, Event};
use cairn_rt::events::EventQueue;
use cairn_rt::io::{Read, Write, write_fd};
use cairn_rt::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpOptions, TcpStream, UdpSocket};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, Vec, format, vec};

use crate::util::{TestResult, ensure, expect_errno, ok};

/// How long anything on the loopback may take.
const PATIENCE: Duration = Duration::from_secs(10);

fn listener() -> Result<(TcpListener, SocketAddr), cairn_rt::String> {
    let listener = ok("listen on 127.0.0.1:0", TcpListener::bind("127.0.0.1:0"))?;
    let addr = ok("the listener's address", listener.local_addr())?;
    Ok((listener, addr))
}

/// Waits until every `(fd, bits)` was reported ready with those bits.
fn wait_ready(queue: &EventQueue, wanted: &[(usize, u32)]) -> TestResult {
    let mut seen = vec![0u32; wanted.len()];
    let start = Instant::now();
    while seen.iter().zip(wanted).any(|(s, (_, w))| s & w != *w) {
        ensure!(start.elapsed() < PATIENCE, "readiness never came: saw {seen:?} of {wanted:?}");
        let mut events = [Event::default(); 8];
        let count = ok("event wait", queue.wait(&mut events, Some(Duration::from_millis(200))))?;
        for event in &events[..count] {
            if let Some(at) = wanted.iter().position(|(fd, _)| *fd == event.fd as usize) {
                seen[at] |= event.ready;
            }
        }
    }
    Ok(())
}

/// A non-blocking connect becomes writable, the non-blocking listener
/// readable (after `EAGAIN` while nobody connected), both seen through one
/// event queue; then data crosses both ways.
pub fn nonblocking_connect_and_events() -> TestResult {
    let (listener, addr) = listener()?;
    ok("non-blocking listener", listener.set_nonblocking(true))?;
    expect_errno("accept with nobody connecting", listener.accept().map(drop), EAGAIN)?;
    let mut client = ok("non-blocking connect", TcpStream::connect_nonblocking(addr))?;
    let queue = ok("event queue", EventQueue::new())?;
    ok("watch the client", queue.watch(client.as_raw_fd(), EVENT_WRITE, 1))?;
    ok("watch the listener", queue.watch(listener.as_raw_fd(), EVENT_READ, 2))?;
    wait_ready(&queue, &[(client.as_raw_fd(), EVENT_WRITE), (listener.as_raw_fd(), EVENT_READ)])?;
    let (mut server, peer) = ok("accept", listener.accept())?;
    ensure!(peer == ok("the client's address", client.local_addr())?, "accept gave {peer}, the client is elsewhere");
    ok("the client writes", client.write_all(b"ping"))?;
    let mut got = [0u8; 4];
    ok("the server reads", server.read_exact(&mut got))?;
    ensure!(&got == b"ping", "the server read {got:?}");
    ok("the server answers", server.write_all(b"pong"))?;
    ok("a blocking client", client.set_nonblocking(false))?;
    ok("the client reads", client.read_exact(&mut got))?;
    ensure!(&got == b"pong", "the client read {got:?}");
    Ok(())
}

/// A server that does not read stalls a non-blocking writer after a
/// bounded amount (its receive window and the writer's send buffer); once
/// it reads everything, all of it arrives in order and the writer can
/// write again.
pub fn back_pressure() -> TestResult {
    let (listener, addr) = listener()?;
    let mut client = ok("connect", TcpStream::connect(&addr))?;
    let (mut server, _) = ok("accept", listener.accept())?;
    ok("non-blocking client", client.set_nonblocking(true))?;
    let chunk: Vec<u8> = (0..4096u32).map(|i| i as u8).collect();
    let mut written = 0usize;
    let start = Instant::now();
    loop {
        match client.write(&chunk[written % chunk.len()..]) {
            Ok(n) => written += n,
            Err(e) if e.errno() == Some(EAGAIN) => {
                // The window may still be closing: a pause, and EAGAIN again, means stalled.
                cairn_rt::thread::sleep(Duration::from_millis(300));
                if client.write(&chunk[written % chunk.len()..]).is_err() {
                    break;
                }
            }
            Err(e) => return Err(cairn_rt::format!("write after {written} bytes: {e}")),
        }
        ensure!(written <= 4 << 20, "the writer was never stopped ({written} bytes taken)");
        ensure!(start.elapsed() < PATIENCE, "writing took too long");
    }
    ensure!(written >= 64 * 1024, "the writer stalled after only {written} bytes");
    ensure!(
        written <= 512 * 1024,
        "{written} bytes were taken before the writer stalled (buffers: 64 KiB to send, 128 KiB to receive)"
    );
    let mut received = vec![0u8; written];
    ok("the server reads all of it", server.read_exact(&mut received))?;
    let expected = (0..written).all(|i| received[i] == chunk[i % chunk.len()]);
    ensure!(expected, "the bytes arrived out of order or changed");
    let start = Instant::now();
    loop {
        match client.write(b"x") {
            Ok(_) => return Ok(()),
            Err(e) if e.errno() == Some(EAGAIN) && start.elapsed() < PATIENCE => {
                cairn_rt::thread::sleep(Duration::from_millis(20))
            }
            Err(e) => return Err(cairn_rt::format!("the writer stayed stalled: {e}")),
        }
    }
}

/// Options read back what was set; a read timeout gives `EAGAIN`; an
/// unknown option is `ENOPROTOOPT`; `shutdown(Write)` gives the peer end
/// of stream while the other direction still works.
pub fn options_and_half_close() -> TestResult {
    let (listener, addr) = listener()?;
    let mut client = ok("connect", TcpStream::connect(&addr))?;
    let (mut server, _) = ok("accept", listener.accept())?;
    ok("set nodelay", client.set_nodelay(true))?;
    ensure!(ok("nodelay", client.nodelay())?, "nodelay did not stay set");
    ok("clear nodelay", client.set_nodelay(false))?;
    ensure!(!ok("nodelay", client.nodelay())?, "nodelay did not clear");
    ok("set keepalive", client.set_keepalive(Some(Duration::from_secs(30))))?;
    ensure!(ok("keepalive", client.keepalive())? == Some(Duration::from_secs(30)), "keepalive did not stay set");
    ensure!(ok("rcvbuf", client.recv_buffer_size())? == 128 * 1024, "rcvbuf is not the 128 KiB buffer");
    ensure!(ok("state", client.state())? == "ESTABLISHED", "the connection is not ESTABLISHED");
    ensure!(ok("peer", client.peer_addr())? == addr, "the peer is not the listener's address");
    expect_errno("an unknown option", client.fd().scheme_dup(b"sndlowat").map(drop), ENOPROTOOPT)?;
    ok("read timeout", server.set_read_timeout(Some(Duration::from_millis(200))))?;
    let mut buffer = [0u8; 16];
    expect_errno("a read that times out", server.read(&mut buffer), EAGAIN)?;
    ok("client writes", client.write_all(b"last words"))?;
    ok("shutdown(Write)", client.shutdown(Shutdown::Write))?;
    ok("no read timeout", server.set_read_timeout(None))?;
    let mut got = Vec::new();
    ok("the server reads to the end", server.read_to_end(&mut got))?;
    ensure!(got == b"last words", "the server read {got:?}");
    ok("the server still writes", server.write_all(b"reply"))?;
    let mut reply = [0u8; 5];
    ok("the half-closed client still reads", client.read_exact(&mut reply))?;
    ensure!(&reply == b"reply", "the client read {reply:?}");
    Ok(())
}

/// Datagrams carry their sender's address; a short header is `EINVAL`;
/// a second bind of the same port is refused.
pub fn udp_datagrams() -> TestResult {
    let a = ok("bind a", UdpSocket::bind("127.0.0.1:0"))?;
    let mut b = ok("bind b", UdpSocket::bind("127.0.0.1:0"))?;
    let (a_addr, b_addr) = (ok("a's address", a.local_addr())?, ok("b's address", b.local_addr())?);
    expect_errno("a second bind of a's port", UdpSocket::bind(&a_addr).map(drop), cairn_rt::abi::error::EADDRINUSE)?;
    ok("a sends", a.send_to(b"one", &b_addr))?;
    ok("b's read timeout", b.set_read_timeout(Some(PATIENCE)))?;
    let mut buffer = [0u8; 64];
    let (n, from) = ok("b receives", b.recv_from(&mut buffer))?;
    ensure!(&buffer[..n] == b"one" && from == a_addr, "b got {:?} from {from}", &buffer[..n]);
    ok("b connects to a", b.connect(&a_addr))?;
    ok("b answers", b.send(b"two"))?;
    ok("a's read timeout", a.set_read_timeout(Some(PATIENCE)))?;
    let (n, from) = ok("a receives", a.recv_from(&mut buffer))?;
    ensure!(&buffer[..n] == b"two" && from == b_addr, "a got {:?} from {from}", &buffer[..n]);
    expect_errno("a datagram without its header", write_fd(a.fd().as_raw(), b"short"), EINVAL)?;
    Ok(())
}

/// Sockets are bounded: binding UDP sockets ends in `ENOBUFS` (netd holds
/// at most 256), and closing them makes room again.
pub fn bounded_sockets() -> TestResult {
    let mut held = Vec::new();
    let refused = loop {
        match UdpSocket::bind("127.0.0.1:0") {
            Ok(socket) => held.push(socket),
            Err(e) => break e,
        }
        ensure!(held.len() <= 256, "more than 256 sockets were made");
    };
    ensure!(refused.errno() == Some(ENOBUFS), "binding stopped with {refused}, not ENOBUFS");
    ensure!(held.len() >= 200, "only {} sockets before ENOBUFS", held.len());
    drop(held);
    ok("a bind after closing them", UdpSocket::bind("127.0.0.1:0")).map(drop)
}

/// A connection's and a listener's receive buffers are what they were
/// made with (`SO_RCVBUF` before connecting or listening); a listener's
/// new size applies to the connections it accepts next; sizes out of
/// range are `EINVAL`, at the open or at the option.
pub fn receive_buffers() -> TestResult {
    let small = TcpOptions { recv_buffer_size: Some(32 * 1024), ..TcpOptions::default() };
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    let listener = ok("listen with rcvbuf 32 KiB", TcpListener::bind_with(any, &small))?;
    let addr = ok("the listener's address", listener.local_addr())?;
    ensure!(
        ok("the listener's rcvbuf", listener.recv_buffer_size())? == 32 * 1024,
        "the listener's rcvbuf is not 32 KiB"
    );
    let tiny = TcpOptions { recv_buffer_size: Some(8 * 1024), ..TcpOptions::default() };
    let client = ok("connect with rcvbuf 8 KiB", TcpStream::connect_with(addr, &tiny))?;
    let (server, _) = ok("accept", listener.accept())?;
    ensure!(ok("the client's rcvbuf", client.recv_buffer_size())? == 8 * 1024, "the client's rcvbuf is not 8 KiB");
    ensure!(ok("the server's rcvbuf", server.recv_buffer_size())? == 32 * 1024, "the accepted rcvbuf is not 32 KiB");
    ok("the listener's rcvbuf to 256 KiB", listener.set_recv_buffer_size(256 * 1024))?;
    let _second = ok("connect again", TcpStream::connect(&addr))?;
    let (accepted, _) = ok("accept again", listener.accept())?;
    ensure!(ok("its rcvbuf", accepted.recv_buffer_size())? == 256 * 1024, "the next accepted rcvbuf is not 256 KiB");
    expect_errno("a listener's rcvbuf of 100 bytes", listener.set_recv_buffer_size(100), EINVAL)?;
    let huge = TcpOptions { recv_buffer_size: Some(64 << 20), ..TcpOptions::default() };
    expect_errno("a connection's rcvbuf of 64 MiB", TcpStream::connect_with(addr, &huge).map(drop), EINVAL)?;
    expect_errno(
        "rcvbuf on a connection, after it",
        write_fd(ok("the rcvbuf option", client.fd().scheme_dup(b"rcvbuf"))?.as_raw(), b"65536"),
        EINVAL,
    )
}

/// Whether `netcfg/sockets` lists a TCP socket on local port `port`.
fn port_listed(port: u16) -> Result<bool, String> {
    let text = ok("netcfg/sockets", cairn_rt::fs::read_to_string("/scheme/netcfg/sockets"))?;
    let suffix = format!(":{port}");
    Ok(text
        .lines()
        .any(|line| line.starts_with("tcp") && line.split_whitespace().nth(1).is_some_and(|l| l.ends_with(&suffix))))
}

/// A listener's port is `EADDRINUSE` while a connection on it is open
/// and, after netd's side closed first, while it is in TIME-WAIT (no
/// longer listed, still remembered), unless the new listener sets
/// `SO_REUSEADDR`; another listener on the port refuses even that.
pub fn reuse_address() -> TestResult {
    let off = TcpOptions::default();
    let on = TcpOptions { reuse_address: true, ..TcpOptions::default() };
    let any = SocketAddr::from(([127, 0, 0, 1], 0));
    let listener = ok("listen without reuseaddr", TcpListener::bind_with(any, &off))?;
    ensure!(!ok("reuseaddr", listener.reuse_address())?, "reuseaddr is on though not asked for");
    let addr = ok("the listener's address", listener.local_addr())?;
    expect_errno("a second listener, even with reuseaddr", TcpListener::bind_with(addr, &on).map(drop), EADDRINUSE)?;
    let mut client = ok("connect", TcpStream::connect(&addr))?;
    let (server, _) = ok("accept", listener.accept())?;
    drop(listener);
    expect_errno("listening while a connection is open", TcpListener::bind_with(addr, &off).map(drop), EADDRINUSE)?;
    drop(server);
    let mut rest = Vec::new();
    ok("the client reads to the server's end", client.read_to_end(&mut rest))?;
    drop(client);
    let start = Instant::now();
    while port_listed(addr.port())? {
        ensure!(start.elapsed() < PATIENCE, "the connection on port {} never finished closing", addr.port());
        cairn_rt::thread::sleep(Duration::from_millis(20));
    }
    expect_errno("listening on a port in TIME-WAIT", TcpListener::bind_with(addr, &off).map(drop), EADDRINUSE)?;
    let again = ok("listening there with reuseaddr", TcpListener::bind_with(addr, &on))?;
    ensure!(ok("reuseaddr", again.reuse_address())?, "reuseaddr is off though asked for");
    ensure!(
        ok("bind's reuseaddr", TcpListener::bind("127.0.0.1:0").and_then(|l| l.reuse_address()))?,
        "bind does not set reuseaddr as std does"
    );
    Ok(())
}

/// This machine's IPv4 address on `eth0` (from `netcfg/ifaces`).
fn own_address() -> Result<IpAddr, String> {
    let text = ok("netcfg/ifaces", cairn_rt::fs::read_to_string("/scheme/netcfg/ifaces"))?;
    let line = text.lines().find(|l| l.starts_with("eth0 ")).ok_or("no eth0 in netcfg/ifaces")?;
    let found = line
        .split_whitespace()
        .filter_map(|word| word.split_once('/'))
        .find_map(|(ip, _)| ip.parse::<cairn_rt::net::Ipv4Addr>().ok());
    found.map(IpAddr::V4).ok_or_else(|| format!("eth0 has no IPv4 address: {line}"))
}

/// A connection to the machine's own wired address goes through the
/// loopback and arrives from that address, to a listener on every
/// address and to one on that address alone.
pub fn own_address_connects() -> TestResult {
    let own = own_address()?;
    for bound in [IpAddr::from([0, 0, 0, 0]), own] {
        let listener = ok("listen", TcpListener::bind(&SocketAddr::new(bound, 0)))?;
        let port = ok("the listener's address", listener.local_addr())?.port();
        let target = SocketAddr::new(own, port);
        let mut client = ok("connect to the own address", TcpStream::connect(&target))?;
        let (mut server, peer) = ok("accept", listener.accept())?;
        ensure!(peer.ip() == own, "the connection came from {peer}, not from {own}");
        ensure!(ok("the client's peer", client.peer_addr())? == target, "the client's peer is not {target}");
        ok("the client writes", client.write_all(b"self"))?;
        let mut got = [0u8; 4];
        ok("the server reads", server.read_exact(&mut got))?;
        ensure!(&got == b"self", "the server read {got:?} (listener on {bound})");
    }
    Ok(())
}
