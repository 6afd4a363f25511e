//! The virtio-net driver (`/bin/virtio-net`) in the harness suite
//! `virtio-net`, started by devd for two devices QEMU wires to each other
//! on one hub (nothing else on the link, nothing leaves QEMU): frames
//! written on `net.virtio0` are read on `net.virtio1` and back. These
//! tests run only when named (`utest vnet_`).
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use cairn_rt::abi::error::{EACCES, EAGAIN, EINVAL, ENOENT};
use cairn_rt::abi::{EVENT_READ, Event, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY};
use cairn_rt::events::EventQueue;
use cairn_rt::fd::OwnedFd;
use cairn_rt::io::{read_fd, write_fd};
use cairn_rt::scheme::open;
use cairn_rt::sync::{Arc, Mutex};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, Vec, format, thread, vec};

use crate::util::{TestResult, ensure, expect_errno, ok};

/// The MACs the suite gives the two devices.
const MAC0: [u8; 6] = [0x52, 0x54, 0x00, 0xc0, 0xff, 0x00];
const MAC1: [u8; 6] = [0x52, 0x54, 0x00, 0xc0, 0xff, 0x01];
/// An EtherType for local experiments (IEEE 802): nobody else's frames.
const ETHERTYPE: [u8; 2] = [0x88, 0xb5];
/// Frames the pattern test sends, and how many at a time before reading.
const FRAMES: usize = 300;
const BATCH: usize = 30;
/// How long a frame may take to arrive.
const ARRIVAL: Duration = Duration::from_secs(10);

/// Opens `/scheme/net.virtioN[/file]`, waiting (bounded) for devd's
/// driver to serve it.
fn open_net(path: &str, flags: usize) -> Result<OwnedFd, String> {
    let start = Instant::now();
    loop {
        match open(path, flags) {
            Ok(fd) => return Ok(fd),
            Err(_) if start.elapsed() < Duration::from_secs(30) => thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("open {path}: {e}")),
        }
    }
}

/// The whole text of a small file of the scheme.
fn read_text(path: &str) -> Result<String, String> {
    let fd = open_net(path, O_RDONLY)?;
    let mut text = Vec::new();
    let mut chunk = [0u8; 64];
    loop {
        let n = ok(&format!("read {path}"), read_fd(fd.as_raw(), &mut chunk))?;
        if n == 0 {
            break;
        }
        text.extend_from_slice(&chunk[..n]);
        ensure!(text.len() < 4096, "{path} does not end");
    }
    String::from_utf8(text).map_err(|_| format!("{path} is not text"))
}

/// Counter `name` of `/scheme/net.virtioN/stats`.
fn counter(device: usize, name: &str) -> Result<u64, String> {
    let text = read_text(&format!("/scheme/net.virtio{device}/stats"))?;
    let line = text.lines().find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')));
    line.and_then(|value| value.parse().ok()).ok_or(format!("stats has no counter {name}: {text:?}"))
}

/// Frame `k` of the pattern, from `from` to `to`: 60-1514 bytes (frame
/// 0 the shortest, frame 1 the longest), its number, then bytes counting
/// from it.
fn frame(k: usize, from: [u8; 6], to: [u8; 6]) -> Vec<u8> {
    let len = match k {
        0 => 60,
        1 => 1514,
        _ => 60 + (k * 97) % 1455,
    };
    let mut frame = vec![0u8; len];
    frame[..6].copy_from_slice(&to);
    frame[6..12].copy_from_slice(&from);
    frame[12..14].copy_from_slice(&ETHERTYPE);
    frame[14..18].copy_from_slice(&(k as u32).to_le_bytes());
    for (j, byte) in frame[18..].iter_mut().enumerate() {
        *byte = (k * 7 + j) as u8;
    }
    frame
}

/// Reads the next frame from non-blocking `fd`, waiting on `events` for
/// it (bounded by [`ARRIVAL`]).
fn next_frame(fd: &OwnedFd, events: &EventQueue, what: &str) -> Result<Vec<u8>, String> {
    let mut buffer = vec![0u8; 2048];
    let start = Instant::now();
    loop {
        match read_fd(fd.as_raw(), &mut buffer) {
            Ok(n) => {
                buffer.truncate(n);
                return Ok(buffer);
            }
            Err(e) if e.errno() == Some(EAGAIN) => {
                let left = ARRIVAL.saturating_sub(start.elapsed());
                let mut ready = [Event::default()];
                let count = ok("wait for a frame", events.wait(&mut ready, Some(left)))?;
                ensure!(count == 1 || start.elapsed() < ARRIVAL, "{what} did not arrive in {ARRIVAL:?}");
            }
            Err(e) => return Err(format!("reading {what}: {e}")),
        }
    }
}

/// `mac` holds each device's address as QEMU set it, `link` is up,
/// `stats` has every counter; the files are read-only, and unknown names
/// are `ENOENT`.
pub fn mac_and_link() -> TestResult {
    for (device, mac) in [(0, MAC0), (1, MAC1)] {
        let text = read_text(&format!("/scheme/net.virtio{device}/mac"))?;
        let [a, b, c, d, e, f] = mac;
        let wanted = format!("{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{f:02x}\n");
        ensure!(text == wanted, "net.virtio{device}/mac reads {text:?}, not {wanted:?}");
        let link = read_text(&format!("/scheme/net.virtio{device}/link"))?;
        ensure!(link == "up\n", "net.virtio{device}/link reads {link:?}");
        for name in ["rx_packets", "rx_bytes", "rx_dropped", "rx_errors", "tx_packets", "tx_bytes", "tx_dropped"] {
            counter(device, name)?;
        }
    }
    expect_errno("open mac for writing", open("/scheme/net.virtio0/mac", O_RDWR), EACCES)?;
    expect_errno("open stats write-only", open("/scheme/net.virtio0/stats", O_WRONLY), EACCES)?;
    expect_errno("open an unknown file", open("/scheme/net.virtio0/nothing", O_RDONLY), ENOENT)?;
    Ok(())
}

/// 300 frames of 60-1514 bytes written on `net.virtio0` are read on
/// `net.virtio1`, byte for byte and in order, through a non-blocking
/// handle woken by its event queue (an empty one reads `EAGAIN`); both
/// sides count them and their bytes.
pub fn frames_cross_the_link() -> TestResult {
    let receiver = open_net("/scheme/net.virtio1", O_RDONLY | O_NONBLOCK)?;
    let sender = open_net("/scheme/net.virtio0", O_WRONLY)?;
    let events = ok("event queue", EventQueue::new())?;
    ok("watch the receiver", events.watch(receiver.as_raw(), EVENT_READ, 1))?;
    expect_errno("a read with nothing received", read_fd(receiver.as_raw(), &mut [0u8; 2048]), EAGAIN)?;
    let (tx_packets, tx_bytes) = (counter(0, "tx_packets")?, counter(0, "tx_bytes")?);
    let (rx_packets, rx_bytes) = (counter(1, "rx_packets")?, counter(1, "rx_bytes")?);
    let mut bytes = 0;
    for batch in (0..FRAMES).step_by(BATCH) {
        for k in batch..batch + BATCH {
            let sent = frame(k, MAC0, MAC1);
            let n = ok(&format!("write frame {k}"), write_fd(sender.as_raw(), &sent))?;
            ensure!(n == sent.len(), "frame {k}: wrote {n} of {} bytes", sent.len());
            bytes += sent.len() as u64;
        }
        for k in batch..batch + BATCH {
            let got = next_frame(&receiver, &events, &format!("frame {k}"))?;
            let wanted = frame(k, MAC0, MAC1);
            if got != wanted {
                let number = got.get(14..18).map(|n| u32::from_le_bytes([n[0], n[1], n[2], n[3]]));
                return Err(format!("frame {k}: read {} bytes (number {number:?}), not {}", got.len(), wanted.len()));
            }
        }
    }
    let sent = (counter(0, "tx_packets")? - tx_packets, counter(0, "tx_bytes")? - tx_bytes);
    ensure!(sent == (FRAMES as u64, bytes), "net.virtio0 counted {sent:?} sent, not ({FRAMES}, {bytes})");
    let received = (counter(1, "rx_packets")? - rx_packets, counter(1, "rx_bytes")? - rx_bytes);
    ensure!(received == (FRAMES as u64, bytes), "net.virtio1 counted {received:?} received, not ({FRAMES}, {bytes})");
    Ok(())
}

/// Frames shorter than 60 or longer than 1514 bytes are `EINVAL` and
/// are not sent.
pub fn bad_frame_sizes() -> TestResult {
    let sender = open_net("/scheme/net.virtio0", O_RDWR)?;
    let before = counter(0, "tx_packets")?;
    for len in [0, 1, 59, 1515, 4000] {
        expect_errno(&format!("a frame of {len} bytes"), write_fd(sender.as_raw(), &vec![0u8; len]), EINVAL)?;
    }
    let after = counter(0, "tx_packets")?;
    ensure!(after == before, "tx_packets went from {before} to {after} for refused frames");
    Ok(())
}

/// What the reader thread of [`blocking_read`] read, or why it failed.
type ReadOutcome = Result<Vec<u8>, String>;

/// A blocking read on `net.virtio0` waits for the frame `net.virtio1`
/// sends afterwards (the other direction).
pub fn blocking_read() -> TestResult {
    let receiver = open_net("/scheme/net.virtio0", O_RDONLY)?;
    let sender = open_net("/scheme/net.virtio1", O_WRONLY)?;
    let got: Arc<Mutex<Option<ReadOutcome>>> = Arc::new(Mutex::new(None));
    let slot = Arc::clone(&got);
    let reader = thread::Builder::new().spawn(move || {
        let mut buffer = vec![0u8; 2048];
        let read = read_fd(receiver.as_raw(), &mut buffer).map(|n| buffer[..n].to_vec()).map_err(|e| format!("{e}"));
        *slot.lock() = Some(read);
    });
    ok("start the reader", reader)?;
    // Let the reader block first (it need not: a frame sent before its
    // read waits in the handle's backlog).
    thread::sleep(Duration::from_millis(50));
    let sent = frame(7, MAC1, MAC0);
    ok("write the frame", write_fd(sender.as_raw(), &sent))?;
    let start = Instant::now();
    loop {
        if let Some(read) = got.lock().take() {
            let read = read?;
            ensure!(read == sent, "the blocking read got {} bytes, not the {} sent", read.len(), sent.len());
            return Ok(());
        }
        ensure!(start.elapsed() < ARRIVAL, "the blocking read did not return in {ARRIVAL:?}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// A handle nobody reads keeps the first 256 frames (`BACKLOG` of the
/// driver) in order and drops the rest, counted in `rx_dropped`.
pub fn backlog_drops() -> TestResult {
    const BACKLOG: usize = 256;
    let receiver = open_net("/scheme/net.virtio1", O_RDONLY | O_NONBLOCK)?;
    let sender = open_net("/scheme/net.virtio0", O_WRONLY)?;
    let (packets, dropped) = (counter(1, "rx_packets")?, counter(1, "rx_dropped")?);
    for k in 0..FRAMES {
        ok(&format!("write frame {k}"), write_fd(sender.as_raw(), &frame(k, MAC0, MAC1)))?;
    }
    let start = Instant::now();
    while counter(1, "rx_packets")? - packets < FRAMES as u64 {
        ensure!(start.elapsed() < ARRIVAL, "net.virtio1 did not receive {FRAMES} frames in {ARRIVAL:?}");
        thread::sleep(Duration::from_millis(10));
    }
    let lost = counter(1, "rx_dropped")? - dropped;
    ensure!(lost == (FRAMES - BACKLOG) as u64, "{lost} frames dropped, not {}", FRAMES - BACKLOG);
    let mut buffer = vec![0u8; 2048];
    for k in 0..BACKLOG {
        let n = ok(&format!("read frame {k}"), read_fd(receiver.as_raw(), &mut buffer))?;
        ensure!(buffer[..n] == frame(k, MAC0, MAC1)[..], "backlog frame {k} differs ({n} bytes)");
    }
    expect_errno("a read past the backlog", read_fd(receiver.as_raw(), &mut buffer), EAGAIN)
}

/// Each driver has its three MSI-X vectors (`/scheme/sys/interrupts`):
/// entry 0 for configuration changes, entry 1 for the receive queue on
/// CPU 0 and entry 2 for the transmit queue on CPU 1 — the two wired
/// devices and the transitional one (the legacy-only one has no driver);
/// after the tests above both queue vectors of the two wired devices
/// have fired (the transitional one's link is idle).
pub fn queue_interrupts() -> TestResult {
    open_net("/scheme/net.virtio1/link", O_RDONLY)?;
    let cpus = ok("available_parallelism", thread::available_parallelism())?.get();
    let table = ok("read interrupts", cairn_rt::fs::read_to_string("/scheme/sys/interrupts"))?;
    // Per function: the entries seen, and whether each queue's fired.
    let mut seen: Vec<(String, [bool; 3], [bool; 3])> = Vec::new();
    for line in table.lines().filter(|l| l.contains("/bin/virtio-net")) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let cpu: usize = fields[0].split('/').next().and_then(|c| c.parse().ok()).ok_or(format!("line {line:?}"))?;
        let count: u64 = fields.get(1 + cpu).and_then(|c| c.parse().ok()).ok_or(format!("line {line:?}"))?;
        let entry = fields.iter().position(|f| *f == "MSI").and_then(|i| fields.get(i + 1)?.parse::<usize>().ok());
        let function = fields.iter().copied().find(|f| f.starts_with("0000:")).ok_or(format!("line {line:?}"))?;
        let entry = entry.filter(|e| *e < 3).ok_or(format!("no MSI-X entry 0-2 in {line:?}"))?;
        let wanted_cpu = [None, Some(0), Some(1 % cpus)][entry];
        ensure!(wanted_cpu.is_none_or(|c| c == cpu), "MSI-X entry {entry} on CPU {cpu}: {line:?}");
        let at = match seen.iter().position(|(f, ..)| f == function) {
            Some(at) => at,
            None => {
                seen.push((String::from(function), [false; 3], [false; 3]));
                seen.len() - 1
            }
        };
        seen[at].1[entry] = true;
        seen[at].2[entry] |= count > 0;
    }
    ensure!(seen.len() == 3, "vectors of {} virtio-net functions, not 3:\n{table}", seen.len());
    for (function, entries, _) in &seen {
        ensure!(entries.iter().all(|e| *e), "{function} lacks one of MSI-X entries 0-2:\n{table}");
    }
    let busy = seen.iter().filter(|(_, _, fired)| fired[1] && fired[2]).count();
    ensure!(busy == 2, "{busy} functions, not 2, had both queue vectors fire:\n{table}");
    Ok(())
}
