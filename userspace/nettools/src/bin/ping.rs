//! `ping [-c COUNT] [-i SECONDS] [-s SIZE] [-W SECONDS] HOST`: sends ICMP
//! (or, for an IPv6 host, ICMPv6) echo requests through netd's `icmp`
//! scheme and reports each reply and the statistics as iputils' ping
//! does. Each request carries its send time, so a reply's round trip is
//! measured from its own data. Exit status 0 if any reply came, 1 if
//! none, 2 on a usage error.
#![no_std]
#![no_main]

use cairn_rt::net::EchoSocket;
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, Vec, eprintln, println};
use nettools::{USAGE, fail, resolve};

cairn_rt::main!(main);

struct Options {
    count: Option<u64>,
    interval: Duration,
    size: usize,
    wait: Duration,
    host: String,
}

/// The largest data size (an echo message fits a 1500-byte packet).
const MAX_SIZE: usize = 1452;

fn seconds(text: &str) -> Option<Duration> {
    let value: f64 = text.parse().ok()?;
    (0.0..1e6).contains(&value).then(|| Duration::from_secs_f64(value))
}

fn parse(args: &[String]) -> Option<Options> {
    let mut options = Options {
        count: None,
        interval: Duration::from_secs(1),
        size: 56,
        wait: Duration::from_secs(2),
        host: String::new(),
    };
    let mut at = 0;
    while at < args.len() {
        let arg = args[at].as_str();
        let mut operand = || {
            at += 1;
            args.get(at).map(String::as_str)
        };
        match arg {
            "-c" => options.count = Some(operand()?.parse().ok().filter(|&c| c > 0)?),
            "-i" => options.interval = seconds(operand()?)?,
            "-s" => options.size = operand()?.parse().ok().filter(|&s| s <= MAX_SIZE)?,
            "-W" => options.wait = seconds(operand()?)?,
            host if !host.starts_with('-') && options.host.is_empty() => options.host = String::from(host),
            _ => return None,
        }
        at += 1;
    }
    (!options.host.is_empty()).then_some(options)
}

/// Round-trip statistics in milliseconds.
#[derive(Default)]
struct Rtt {
    count: u64,
    min: f64,
    max: f64,
    sum: f64,
    sum_squares: f64,
}

impl Rtt {
    fn add(&mut self, ms: f64) {
        if self.count == 0 || ms < self.min {
            self.min = ms;
        }
        if ms > self.max {
            self.max = ms;
        }
        self.count += 1;
        self.sum += ms;
        self.sum_squares += ms * ms;
    }
}

/// The square root of `x` >= 0 by Newton's method (`core` has no `sqrt`).
fn square_root(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let mut root = if x > 1.0 { x } else { 1.0 };
    for _ in 0..64 {
        let next = 0.5 * (root + x / root);
        let step = next - root;
        if step <= f64::EPSILON * root && -step <= f64::EPSILON * root {
            break;
        }
        root = next;
    }
    root
}

fn main() -> i32 {
    let args: Vec<String> = cairn_rt::env::args().skip(1).collect();
    let Some(options) = parse(&args) else {
        eprintln!("usage: ping [-c COUNT] [-i SECONDS] [-s SIZE (<= {MAX_SIZE})] [-W SECONDS] HOST");
        return USAGE;
    };
    let host = match resolve(&options.host) {
        Ok(host) => host,
        Err(e) => return fail("ping", format_args!("{}: {e}", options.host)),
    };
    let socket = match EchoSocket::connect(host) {
        Ok(socket) => socket,
        Err(e) => return fail("ping", format_args!("connect to {host}: {e}")),
    };
    let header = if host.is_ipv4() { 28 } else { 48 };
    println!("PING {} ({host}) {}({}) bytes of data.", options.host, options.size, options.size + header);
    let started = Instant::now();
    let mut data = cairn_rt::vec![0u8; options.size.max(8)];
    let mut reply = cairn_rt::vec![0u8; data.len()];
    let (mut sent, mut rtt) = (0u64, Rtt::default());
    loop {
        let stamp = started.elapsed().as_nanos() as u64;
        data[..8].copy_from_slice(&stamp.to_le_bytes());
        for (i, byte) in data[8..].iter_mut().enumerate() {
            *byte = i as u8;
        }
        sent += 1;
        if let Err(e) = socket.send(sent as u16, &data[..options.size.max(8)]) {
            eprintln!("ping: sending to {host}: {e}");
        }
        let last = options.count.is_some_and(|c| sent >= c);
        let until = Instant::now() + if last { options.wait } else { options.interval };
        loop {
            let left = until.duration_since(Instant::now());
            if left.is_zero() || socket.set_read_timeout(Some(left)).is_err() {
                break;
            }
            let Ok((seq, len)) = socket.recv(&mut reply) else { break };
            if len < 8 {
                continue;
            }
            let stamp = u64::from_le_bytes(reply[..8].try_into().unwrap_or([0; 8]));
            let ms = (started.elapsed().as_nanos() as u64).saturating_sub(stamp) as f64 / 1e6;
            rtt.add(ms);
            println!("{} bytes from {host}: icmp_seq={seq} time={ms:.3} ms", len + 8);
            if last && rtt.count >= sent {
                break;
            }
        }
        if last {
            break;
        }
    }
    let lost = sent - rtt.count.min(sent);
    println!("\n--- {} ping statistics ---", options.host);
    println!(
        "{sent} packets transmitted, {} received, {}% packet loss, time {}ms",
        rtt.count,
        lost * 100 / sent,
        started.elapsed().as_millis()
    );
    if rtt.count > 0 {
        let avg = rtt.sum / rtt.count as f64;
        let mdev = square_root((rtt.sum_squares / rtt.count as f64 - avg * avg).max(0.0));
        println!("rtt min/avg/max/mdev = {:.3}/{avg:.3}/{:.3}/{mdev:.3} ms", rtt.min, rtt.max);
        0
    } else {
        1
    }
}
