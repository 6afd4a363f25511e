//! `nc [-u] [-w SECONDS] HOST PORT` and `nc -l [-u] [-w SECONDS] [-e
//! PROGRAM] PORT`: netcat over netd's sockets. A client connects to
//! HOST:PORT; with `-l` it waits for one peer on PORT (every interface).
//! TCP: standard input goes to the peer (its end closes the writing half)
//! and what the peer sends goes to standard output, until the peer
//! closes; with `-e` the program runs with the connection as its standard
//! input and output instead. UDP (`-u`): each read of standard input is
//! one datagram to the peer — a listener's peer is the sender of the
//! first datagram it receives, and input waits until it is known — and
//! each datagram received is written out; `-w` ends it after SECONDS
//! without any datagram (TCP: a listener waiting that long for its peer,
//! or a read). Exit status 0, 1 on a network error, 2 on a
//! usage error.
#![no_std]
#![no_main]

use cairn_rt::io::{Read, Write, read_fd, stdout};
use cairn_rt::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use cairn_rt::process::{self, ForkResult};
use cairn_rt::sync::{Arc, Condvar, Mutex};
use cairn_rt::time::Duration;
use cairn_rt::{String, Vec, eprintln, thread};
use nettools::{USAGE, fail, resolve};

cairn_rt::main!(main);

struct Options {
    listen: bool,
    udp: bool,
    wait: Option<Duration>,
    exec: Option<String>,
    host: Option<String>,
    port: u16,
}

fn parse(args: &[String]) -> Option<Options> {
    let mut options = Options { listen: false, udp: false, wait: None, exec: None, host: None, port: 0 };
    let mut operands = Vec::new();
    let mut at = 0;
    while at < args.len() {
        match args[at].as_str() {
            "-l" => options.listen = true,
            "-u" => options.udp = true,
            "-w" => {
                at += 1;
                options.wait = Some(Duration::from_secs(args.get(at)?.parse().ok().filter(|&s| s > 0)?));
            }
            "-e" => {
                at += 1;
                options.exec = Some(args.get(at)?.clone());
            }
            operand if !operand.starts_with('-') => operands.push(operand),
            _ => return None,
        }
        at += 1;
    }
    let port = operands.pop()?.parse().ok().filter(|&p| p != 0)?;
    options.port = port;
    options.host = operands.pop().map(String::from);
    let shape = options.listen == options.host.is_none();
    (shape && operands.is_empty() && !(options.udp && options.exec.is_some())).then_some(options)
}

/// Copies the stream to standard output until it ends.
fn drain(mut stream: TcpStream) -> cairn_rt::Result<()> {
    let mut buffer = cairn_rt::vec![0u8; 16 * 1024];
    loop {
        match stream.read(&mut buffer)? {
            0 => return Ok(()),
            n => stdout().write_all(&buffer[..n])?,
        }
    }
}

/// Copies standard input to the stream until it ends, then closes the writing half.
fn send(mut stream: TcpStream) -> cairn_rt::Result<()> {
    let mut buffer = cairn_rt::vec![0u8; 16 * 1024];
    let sent = loop {
        match read_fd(0, &mut buffer) {
            Ok(0) => break Ok(()),
            Ok(n) => stream.write_all(&buffer[..n])?,
            Err(e) => break Err(e),
        }
    };
    let _ = stream.shutdown(Shutdown::Write);
    sent
}

/// Runs a TCP session on `stream`: the program of `-e`, or both copies.
/// The session ends when the peer closes, whether or not standard input
/// has ended (a terminal never does), as OpenBSD's nc does: `nc -l PORT >
/// FILE` ends with the transfer.
fn session(stream: TcpStream, exec: Option<&str>) -> i32 {
    if let Some(program) = exec {
        return run_on(stream, program);
    }
    let writer = match stream.try_clone() {
        Ok(writer) => writer,
        Err(e) => return fail("nc", format_args!("{e}")),
    };
    let sender = thread::spawn(move || send(writer));
    if let Err(e) = drain(stream) {
        return fail("nc", format_args!("{e}"));
    }
    if !sender.is_finished() {
        return 0;
    }
    match sender.join() {
        Ok(Ok(())) => 0,
        Ok(Err(e)) | Err(e) => fail("nc", format_args!("{e}")),
    }
}

/// Runs `program` with the connection as its standard input and output.
fn run_on(stream: TcpStream, program: &str) -> i32 {
    match process::fork() {
        Ok(ForkResult::Child) => {
            let fd = stream.as_raw_fd();
            for target in [0, 1] {
                if let Err(e) = cairn_rt::fd::dup2(fd, target, cairn_rt::fd::rights::ALL) {
                    eprintln!("nc: {e}");
                    process::exit(1);
                }
            }
            drop(stream);
            let environment: Vec<String> = cairn_rt::env::vars().map(|(k, v)| cairn_rt::format!("{k}={v}")).collect();
            let error = process::exec(program, &[program], &environment);
            eprintln!("nc: {program}: {error}");
            process::exit(127)
        }
        Ok(ForkResult::Parent { child }) => {
            drop(stream);
            match process::waitpid(process::WaitTarget::Pid(child), 0) {
                Ok(Some((_, status))) => status.code().unwrap_or(1),
                _ => 1,
            }
        }
        Err(e) => fail("nc", format_args!("fork: {e}")),
    }
}

fn udp(options: &Options, peer: Option<SocketAddr>) -> i32 {
    let bind = if options.listen { options.port } else { 0 };
    let family_any = match peer {
        Some(SocketAddr::V6(_)) => "[::]",
        _ => "0.0.0.0",
    };
    let socket = match UdpSocket::bind(&cairn_rt::format!("{family_any}:{bind}")) {
        Ok(socket) => socket,
        Err(e) => return fail("nc", format_args!("bind: {e}")),
    };
    if let Err(e) = socket.set_read_timeout(options.wait) {
        return fail("nc", format_args!("{e}"));
    }
    let receiver = match socket.try_clone() {
        Ok(receiver) => receiver,
        Err(e) => return fail("nc", format_args!("{e}")),
    };
    // The receiving side tells the sending side the listener's peer (or
    // that it ended without one: `Some(None)`).
    let known: Arc<(Mutex<Option<Option<SocketAddr>>>, Condvar)> = Arc::new((Mutex::new(None), Condvar::new()));
    let tell = Arc::clone(&known);
    let copier = thread::spawn(move || -> cairn_rt::Result<()> {
        let mut buffer = cairn_rt::vec![0u8; 64 * 1024];
        let result = loop {
            let (n, from) = match receiver.recv_from(&mut buffer) {
                Ok(got) => got,
                Err(e) => break Err(e),
            };
            let mut peer = tell.0.lock();
            if peer.is_none() {
                *peer = Some(Some(from));
                tell.1.notify_all();
            }
            drop(peer);
            if let Err(e) = stdout().write_all(&buffer[..n]) {
                break Err(e);
            }
        };
        let mut peer = tell.0.lock();
        if peer.is_none() {
            *peer = Some(None);
            tell.1.notify_all();
        }
        result
    });
    let mut buffer = cairn_rt::vec![0u8; 16 * 1024];
    let mut peer = peer;
    loop {
        let n = match read_fd(0, &mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let to = match peer {
            Some(to) => to,
            None => match *known.1.wait_while(known.0.lock(), |p| p.is_none()) {
                Some(Some(to)) => *peer.insert(to),
                _ => break,
            },
        };
        if let Err(e) = socket.send_to(&buffer[..n], &to) {
            return fail("nc", format_args!("send to {to}: {e}"));
        }
    }
    match copier.join() {
        Ok(Err(e)) if e.errno() == Some(cairn_rt::abi::error::EAGAIN) => 0,
        Ok(Err(e)) => fail("nc", format_args!("{e}")),
        _ => 0,
    }
}

fn main() -> i32 {
    let args: Vec<String> = cairn_rt::env::args().skip(1).collect();
    let Some(options) = parse(&args) else {
        eprintln!("usage: nc [-u] [-w SECONDS] HOST PORT | nc -l [-u] [-w SECONDS] [-e PROGRAM] PORT");
        return USAGE;
    };
    let peer = match &options.host {
        None => None,
        Some(host) => match resolve(host) {
            Ok(ip) => Some(SocketAddr::new(ip, options.port)),
            Err(e) => return fail("nc", format_args!("{host}: {e}")),
        },
    };
    if options.udp {
        return udp(&options, peer);
    }
    let stream = match peer {
        Some(peer) => TcpStream::connect(&peer).map_err(|e| (peer, e)),
        None => {
            let any = SocketAddr::from(([0, 0, 0, 0], options.port));
            let accepted = TcpListener::bind(&any).and_then(|listener| {
                listener.set_accept_timeout(options.wait)?;
                listener.accept()
            });
            accepted.map(|(stream, _)| stream).map_err(|e| (any, e))
        }
    };
    match stream {
        Ok(stream) => {
            if let Some(wait) = options.wait {
                let _ = stream.set_read_timeout(Some(wait));
            }
            session(stream, options.exec.as_deref())
        }
        Err((addr, e)) => fail("nc", format_args!("{addr}: {e}")),
    }
}
