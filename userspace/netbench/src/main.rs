//! `netbench PORT BYTES CONNS DATAGRAMS PINGS GATEWAY`: Cairn's side of `make netbench`, the
//! twin of `tools/netbench/netbench.c` (same phases, order and output; docs/NETWORK.md
//! "Benchmarks"):
//!
//! 1. `icmp_rtt`: PINGS echo requests to GATEWAY, one at a time, each timed;
//! 2. `udp_rtt`: DATAGRAMS TFTP read requests for `netbench` to GATEWAY port 69 (QEMU's
//!    built-in server), each timed until the file's one data block comes, then acknowledged;
//! 3. listens on TCP PORT, PORT+1, PORT+2, prints `NETBENCH listening`, and serves the host
//!    peer that times the rest: PORT one connection read to its end and answered with the
//!    byte count; PORT+1 one connection sent BYTES bytes and closed; PORT+2 CONNS
//!    connections accepted and closed at once;
//! 4. prints `NETBENCH done`.
//!
//! Round trips print as `BENCH NAME median N ns p99 N ns`. A watchdog ends the run after
//! 300 s whatever happens. Exits 0, or 1 with the reason.
//!
//! Depends on `cairn-rt`.
#![no_std]
#![no_main]

use core::time::Duration;

use cairn_rt::io::{Read, Write};
use cairn_rt::net::{EchoSocket, IpAddr, SocketAddr, TcpListener, UdpSocket};
use cairn_rt::time::Instant;
use cairn_rt::{String, Vec, eprintln, format, println, process, thread, vec};

cairn_rt::main!(main);

const DEADLINE: Duration = Duration::from_secs(300);
/// How long one round trip may take before it counts as lost.
const REPLY_TIMEOUT: Duration = Duration::from_secs(1);
/// Replies for other requests skipped while waiting for one round trip's own.
const STRAY_REPLIES: usize = 8;

struct Args {
    port: u16,
    bytes: u64,
    conns: usize,
    datagrams: usize,
    pings: usize,
    gateway: IpAddr,
}

fn parse_args() -> Option<Args> {
    let args: Vec<String> = cairn_rt::env::args().skip(1).collect();
    let [port, bytes, conns, datagrams, pings, gateway] = args.as_slice() else {
        return None;
    };
    Some(Args {
        port: port.parse().ok().filter(|&p: &u16| p <= u16::MAX - 2)?,
        bytes: bytes.parse().ok()?,
        conns: conns.parse().ok()?,
        datagrams: datagrams.parse().ok()?,
        pings: pings.parse().ok()?,
        gateway: gateway.parse().ok()?,
    })
}

fn main() -> i32 {
    let Some(args) = parse_args() else {
        eprintln!("usage: netbench PORT BYTES CONNS DATAGRAMS PINGS GATEWAY");
        return 2;
    };
    let watchdog = thread::spawn(|| {
        thread::sleep(DEADLINE);
        eprintln!("netbench: not done after {} s", DEADLINE.as_secs());
        process::exit(1);
    });
    drop(watchdog);
    match run(&args) {
        Ok(()) => 0,
        Err(reason) => {
            eprintln!("netbench: {reason}");
            1
        }
    }
}

fn run(args: &Args) -> Result<(), String> {
    let fail = |what: &'static str| move |e: cairn_rt::Error| format!("{what}: {e}");
    icmp_phase(args.gateway, args.pings).map_err(fail("icmp"))?;
    udp_phase(args.gateway, args.datagrams).map_err(fail("udp"))?;
    let listen = |port: u16| TcpListener::bind(&format!("0.0.0.0:{port}")).map_err(fail("listen"));
    let (sink, source, churn) = (listen(args.port)?, listen(args.port + 1)?, listen(args.port + 2)?);
    println!("NETBENCH listening");

    let mut buffer = vec![0u8; 64 * 1024];
    let (mut connection, _) = sink.accept().map_err(fail("accept"))?;
    let mut total = 0u64;
    loop {
        match connection.read(&mut buffer).map_err(fail("read"))? {
            0 => break,
            n => total += n as u64,
        }
    }
    connection.write_all(format!("{total}\n").as_bytes()).map_err(fail("write count"))?;
    drop(connection);

    let (mut connection, _) = source.accept().map_err(fail("accept"))?;
    buffer.fill(b'c');
    let mut left = args.bytes;
    while left > 0 {
        let n = usize::try_from(left).unwrap_or(buffer.len()).min(buffer.len());
        connection.write_all(&buffer[..n]).map_err(fail("write"))?;
        left -= n as u64;
    }
    drop(connection);

    for _ in 0..args.conns {
        drop(churn.accept().map_err(fail("accept"))?);
    }
    println!("NETBENCH done");
    Ok(())
}

/// Prints the median and p99 of the round trips in `rtts` (nanoseconds).
fn report(name: &str, mut rtts: Vec<u128>, lost: usize) {
    if rtts.is_empty() {
        println!("NETBENCH {name}: no replies ({lost} lost)");
        return;
    }
    rtts.sort_unstable();
    println!("BENCH {name} median {} ns p99 {} ns", rtts[rtts.len() / 2], rtts[rtts.len() * 99 / 100]);
    if lost > 0 {
        println!("NETBENCH {name}: {lost} lost");
    }
}

fn icmp_phase(gateway: IpAddr, count: usize) -> cairn_rt::Result<()> {
    let socket = EchoSocket::connect(gateway)?;
    socket.set_read_timeout(Some(REPLY_TIMEOUT))?;
    let (mut rtts, mut lost) = (Vec::with_capacity(count), 0);
    let mut reply = [0u8; 128];
    for sequence in 0..count {
        let sequence = sequence as u16;
        let start = Instant::now();
        socket.send(sequence, &[0u8; 56])?;
        let answered = (0..STRAY_REPLIES).any(|_| matches!(socket.recv(&mut reply), Ok((s, _)) if s == sequence));
        if answered {
            rtts.push(start.elapsed().as_nanos());
        } else {
            lost += 1;
        }
    }
    report("icmp_rtt", rtts, lost);
    Ok(())
}

fn udp_phase(gateway: IpAddr, count: usize) -> cairn_rt::Result<()> {
    const REQUEST: &[u8] = b"\0\x01netbench\0octet\0";
    const ACK: &[u8] = &[0, 4, 0, 1];
    let socket = UdpSocket::bind("0.0.0.0:0")?;
    socket.set_read_timeout(Some(REPLY_TIMEOUT))?;
    let server = SocketAddr::new(gateway, 69);
    let (mut rtts, mut lost) = (Vec::with_capacity(count), 0);
    let mut reply = [0u8; 600];
    for _ in 0..count {
        let start = Instant::now();
        socket.send_to(REQUEST, &server)?;
        match socket.recv_from(&mut reply) {
            Ok((n, from)) if n >= 4 && reply[..4] == [0, 3, 0, 1] => {
                rtts.push(start.elapsed().as_nanos());
                socket.send_to(ACK, &from)?;
            }
            _ => lost += 1,
        }
    }
    report("udp_rtt", rtts, lost);
    Ok(())
}
