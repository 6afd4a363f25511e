//! Host-side network peers for a suite on QEMU user networking (`net-user`): the guest's
//! NIC is a virtio-net on `-netdev user,restrict=on` (nothing leaves QEMU; the runner is
//! `peerrun`), and every peer lives on the host's loopback or is a process QEMU starts,
//! each bounded in time and bytes:
//!
//! - `guestfwd` 10.0.2.100:7 runs `harness net-peer echo FILE` per connection: it echoes
//!   what the guest sends and, at the guest's end of stream, writes `BYTES HASH` to FILE;
//! - `guestfwd` 10.0.2.100:8 runs `harness net-peer sink FILE`: the same without the echo;
//! - `guestfwd` 10.0.2.100:9 runs another echo, for the guest's own checks (its FILE is not
//!   checked);
//! - `hostfwd` tcp 127.0.0.1:P → guest 7000: a harness thread connects (again until the
//!   guest listens), sends the transfer, reads the echo and writes its `BYTES HASH`;
//! - `hostfwd` udp 127.0.0.1:Q → guest 7001: a thread sends `ping-udp` datagrams (every
//!   300 ms until the boot ends); the guest prints what it gets. Nothing comes back: with
//!   `restrict=on` QEMU's user network drops every UDP datagram the guest sends that is
//!   not DHCP or TFTP, answers to forwarded ports included.
//!
//! The transfer is the text of `seq 1 2250000` (16.1 MiB) ([`TRANSFER_LINES`]), which the guest's
//! script makes too; hashes are FNV-1a (64 bits). Checks ([`verify`]) read the files after
//! the boot.

use std::fs;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, SocketAddrV4, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::peerrun::{Forward, Job, Lifetime, PeerRun, Transport, free_port};

/// Lines of the transfer (`seq 1 TRANSFER_LINES`).
pub const TRANSFER_LINES: u32 = 2_250_000;
/// Where the peers write their results (relative to the working directory).
pub const PEER_DIR: &str = "build/net-peer";
/// The most a peer takes in (more ends it), and how long it may live.
const MAX_BYTES: u64 = 64 << 20;
const MAX_LIFE: Duration = Duration::from_secs(120);
/// The address the guest reaches the `guestfwd` peers at.
const GUEST_PEER: Ipv4Addr = Ipv4Addr::new(10, 0, 2, 100);
/// The datagram the host sends.
const UDP_PING: &[u8] = b"ping-udp\n";
/// How often it is sent.
const UDP_PERIOD: Duration = Duration::from_millis(300);

/// One peer, named by a suite's check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostPeer {
    /// The guestfwd echo (10.0.2.100:7): what the guest sent.
    GuestEcho,
    /// The guestfwd sink (10.0.2.100:8): what the guest sent back after the echo.
    GuestSink,
    /// The host's TCP client through hostfwd to the guest's echo server (port 7000).
    HostTcp,
}

/// The result file of the spare echo (10.0.2.100:9), which nothing checks.
const SPARE_FILE: &str = "guest-spare";

impl HostPeer {
    fn file(self) -> &'static str {
        match self {
            HostPeer::GuestEcho => "guest-echo",
            HostPeer::GuestSink => "guest-sink",
            HostPeer::HostTcp => "host-tcp",
        }
    }
}

/// FNV-1a, 64 bits, fed in pieces.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// The transfer's bytes.
pub fn transfer() -> Vec<u8> {
    (1..=TRANSFER_LINES).flat_map(|n| format!("{n}\n").into_bytes()).collect()
}

/// `BYTES HASH` of some bytes, as the peers write it.
fn summary(bytes: u64, hash: Fnv) -> String {
    format!("{bytes} {:016x}\n", hash.0)
}

fn expected() -> String {
    let data = transfer();
    let mut hash = Fnv::new();
    hash.feed(&data);
    summary(data.len() as u64, hash)
}

/// `harness net-peer echo|sink FILE`: serves one guestfwd connection on standard input and
/// output (QEMU runs it per connection), then writes `BYTES HASH` to FILE.
pub fn serve_stdio(mode: &str, file: &Path) -> Result<(), String> {
    let echo = match mode {
        "echo" => true,
        "sink" => false,
        other => return Err(format!("net-peer: unknown mode {other:?} (echo or sink)")),
    };
    // The watchdog bounds a peer whose guest never closes.
    thread::spawn(|| {
        thread::sleep(MAX_LIFE);
        std::process::exit(3);
    });
    let (mut input, mut output) = (std::io::stdin().lock(), std::io::stdout().lock());
    let (mut bytes, mut hash, mut chunk) = (0u64, Fnv::new(), vec![0u8; 64 * 1024]);
    loop {
        let n = input.read(&mut chunk).map_err(|e| format!("net-peer: reading: {e}"))?;
        if n == 0 || bytes > MAX_BYTES {
            break;
        }
        bytes += n as u64;
        hash.feed(&chunk[..n]);
        if echo {
            output.write_all(&chunk[..n]).and_then(|()| output.flush()).map_err(|e| format!("net-peer: {e}"))?;
        }
    }
    fs::write(file, summary(bytes, hash)).map_err(|e| format!("net-peer: writing {}: {e}", file.display()))
}

/// Clears the result files, picks the forwarded ports and starts the host's clients.
pub fn start() -> Result<PeerRun, String> {
    let dir = Path::new(PEER_DIR);
    fs::create_dir_all(dir).map_err(|e| format!("creating {PEER_DIR}: {e}"))?;
    let dir = dir.canonicalize().map_err(|e| format!("{PEER_DIR}: {e}"))?;
    for file in [HostPeer::GuestEcho.file(), HostPeer::GuestSink.file(), HostPeer::HostTcp.file(), SPARE_FILE] {
        let _ = fs::remove_file(dir.join(file));
    }
    let exe = std::env::current_exe().map_err(|e| format!("finding the harness binary: {e}"))?;
    let (tcp, udp) = (free_port(Transport::Tcp)?, free_port(Transport::Udp)?);
    let guest = |port: u16, mode: &str, file: &str| Forward::Guest {
        to: SocketAddrV4::new(GUEST_PEER, port),
        command: format!("{} net-peer {mode} {}", exe.display(), dir.join(file).display()),
    };
    let forwards = [
        Forward::Host { transport: Transport::Tcp, host: tcp, guest: 7000 },
        Forward::Host { transport: Transport::Udp, host: udp, guest: 7001 },
        guest(7, "echo", HostPeer::GuestEcho.file()),
        guest(8, "sink", HostPeer::GuestSink.file()),
        guest(9, "echo", SPARE_FILE),
    ];
    let file = dir.join(HostPeer::HostTcp.file());
    let jobs: Vec<Job> = vec![
        Box::new(move |life: &Lifetime| tcp_client(SocketAddr::from(([127, 0, 0, 1], tcp)), &file, life)),
        Box::new(move |life: &Lifetime| udp_client(SocketAddr::from(([127, 0, 0, 1], udp)), life)),
    ];
    Ok(PeerRun::start(&forwards, MAX_LIFE, jobs))
}

/// One try of the TCP echo through hostfwd: `None` if the guest was not listening yet.
fn tcp_try(addr: SocketAddr, data: &Arc<Vec<u8>>) -> Option<(u64, Fnv)> {
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    let mut writer = stream.try_clone().ok()?;
    let sent = data.clone();
    let sending = thread::spawn(move || {
        let ok = writer.write_all(&sent).is_ok();
        let _ = writer.shutdown(Shutdown::Write);
        ok
    });
    let (mut reader, mut bytes, mut hash, mut chunk) = (stream, 0u64, Fnv::new(), vec![0u8; 64 * 1024]);
    while let Ok(n) = reader.read(&mut chunk) {
        if n == 0 || bytes > MAX_BYTES {
            break;
        }
        bytes += n as u64;
        hash.feed(&chunk[..n]);
    }
    let sent_all = sending.join().unwrap_or(false);
    (sent_all && bytes > 0).then_some((bytes, hash))
}

fn tcp_client(addr: SocketAddr, file: &Path, life: &Lifetime) {
    let data = Arc::new(transfer());
    while life.running() {
        if let Some((bytes, hash)) = tcp_try(addr, &data) {
            let _ = fs::write(file, summary(bytes, hash));
            return;
        }
        thread::sleep(Duration::from_millis(500));
    }
}

fn udp_client(addr: SocketAddr, life: &Lifetime) {
    let Ok(socket) = UdpSocket::bind("127.0.0.1:0") else { return };
    while life.running() {
        let _ = socket.send_to(UDP_PING, addr);
        thread::sleep(UDP_PERIOD);
    }
}

/// Checks a peer's result file after the boot.
pub fn verify(peer: HostPeer) -> Result<(), String> {
    let path: PathBuf = Path::new(PEER_DIR).join(peer.file());
    let got = fs::read_to_string(&path).map_err(|e| format!("no result from the peer ({}: {e})", path.display()))?;
    let want = expected();
    if got == want { Ok(()) } else { Err(format!("the peer got {:?}, expected {want:?}", got.trim_end())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfer_is_seq_output() {
        let data = transfer();
        assert!(data.starts_with(b"1\n2\n3\n"));
        assert!(data.ends_with(b"2249999\n2250000\n"));
        assert_eq!(data.len(), 16_888_896);
    }

    #[test]
    fn hashing_in_pieces_matches_whole() {
        let data = transfer();
        let (mut whole, mut pieces) = (Fnv::new(), Fnv::new());
        whole.feed(&data);
        for chunk in data.chunks(4093) {
            pieces.feed(chunk);
        }
        assert_eq!(whole.0, pieces.0);
        assert_eq!(expected(), summary(data.len() as u64, whole));
        assert_ne!(summary(3, Fnv::new()), expected());
    }
}
