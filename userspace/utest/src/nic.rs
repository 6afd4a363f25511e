//! The network drivers' `net.*` scheme (served by `cairn-netdev`), the
//! same checks for each driver: in the harness suites `virtio-net`
//! (`/bin/virtio-net`, `utest vnet_`) and `e1000e` (`/bin/e1000e`,
//! `utest e1000e_`) devd starts the driver for two devices QEMU wires to
//! each other on one hub (nothing else on the link, nothing leaves
//! QEMU): frames written on the first [`Pair`] scheme are read on the
//! second and back. These tests run only when named.
//!
//! Depends on `cairn-rt`, `cairn-netdev` (the batch layout, the rings) and the
//! helpers in [`crate::util`].

use cairn_netdev::ring::{Consumer, Direction, Producer, SLOT_SIZE, SLOTS, Shared, ring_size};
use cairn_netdev::{BATCH_HEADER, Batch, push_batch};
use cairn_rt::abi::error::{EACCES, EAGAIN, EINVAL, EIO, ENOENT};
use cairn_rt::abi::{EVENT_READ, Event, O_NONBLOCK, O_RDONLY, O_RDWR, O_WRONLY};
use cairn_rt::events::EventQueue;
use cairn_rt::fd::OwnedFd;
use cairn_rt::io::{read_fd, write_fd};
use cairn_rt::scheme::open;
use cairn_rt::sync::atomic::Ordering;
use cairn_rt::sync::{Arc, Mutex};
use cairn_rt::sys::{MapFlags, mmap, munmap};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, Vec, format, println, thread, vec};

use core::ptr::NonNull;

use crate::util::{TestResult, ensure, expect_errno, ok};

/// Two devices of one driver wired to each other, as a suite sets them up.
pub struct Pair {
    /// Their schemes (`/scheme/net.virtio0`): what the first sends, the
    /// second receives, and back.
    pub schemes: [&'static str; 2],
    /// The MACs the suite gives them.
    pub macs: [[u8; 6]; 2],
    /// The driver's program, as `/scheme/sys/interrupts` names it.
    pub program: &'static str,
    /// The functions the driver drives in the suite (the pair and others).
    pub driven: usize,
}

/// The `virtio-net` suite: two modern devices wired, and a transitional
/// one beside them.
pub const VIRTIO: Pair = Pair {
    schemes: ["/scheme/net.virtio0", "/scheme/net.virtio1"],
    macs: [[0x52, 0x54, 0x00, 0xc0, 0xff, 0x00], [0x52, 0x54, 0x00, 0xc0, 0xff, 0x01]],
    program: "/bin/virtio-net",
    driven: 3,
};

/// The `e1000e` suite: two 82574Ls wired.
pub const E1000E: Pair = Pair {
    schemes: ["/scheme/net.e1000e0", "/scheme/net.e1000e1"],
    macs: [[0x52, 0x54, 0x00, 0xc0, 0xee, 0x00], [0x52, 0x54, 0x00, 0xc0, 0xee, 0x01]],
    program: "/bin/e1000e",
    driven: 2,
};
/// An EtherType for local experiments (IEEE 802): nobody else's frames.
const ETHERTYPE: [u8; 2] = [0x88, 0xb5];
/// The shortest and longest frames a driver sends (cairn-netdev's bounds).
const MIN_FRAME: usize = 60;
const MAX_FRAME: usize = 1514;
/// Frames the pattern test sends, and how many at a time before reading.
const FRAMES: usize = 300;
const BATCH: usize = 30;
/// How long a frame may take to arrive.
const ARRIVAL: Duration = Duration::from_secs(10);

/// Opens `/scheme/net.NAME[/file]`, waiting (bounded) for devd's
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

/// Counter `name` of `SCHEME/stats`.
fn counter(scheme: &str, name: &str) -> Result<u64, String> {
    let text = read_text(&format!("{scheme}/stats"))?;
    let line = text.lines().find_map(|line| line.strip_prefix(name).and_then(|rest| rest.strip_prefix(' ')));
    line.and_then(|value| value.parse().ok()).ok_or(format!("stats has no counter {name}: {text:?}"))
}

/// The length of frame `k` of the pattern: 60-1514 bytes (frame 0 the
/// shortest, frame 1 the longest).
fn pattern_len(k: usize) -> usize {
    match k {
        0 => MIN_FRAME,
        1 => MAX_FRAME,
        _ => MIN_FRAME + (k * 97) % (MAX_FRAME - MIN_FRAME + 1),
    }
}

/// Frame `k` of `len` bytes, from `from` to `to`: its number, then bytes
/// counting from it.
fn frame_of(k: usize, len: usize, from: [u8; 6], to: [u8; 6]) -> Vec<u8> {
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

/// Frame `k` of the pattern, from `from` to `to`.
fn frame(k: usize, from: [u8; 6], to: [u8; 6]) -> Vec<u8> {
    frame_of(k, pattern_len(k), from, to)
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
pub fn mac_and_link(pair: &Pair) -> TestResult {
    for (scheme, mac) in pair.schemes.iter().zip(pair.macs) {
        let text = read_text(&format!("{scheme}/mac"))?;
        let [a, b, c, d, e, f] = mac;
        let wanted = format!("{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{f:02x}\n");
        ensure!(text == wanted, "{scheme}/mac reads {text:?}, not {wanted:?}");
        let link = read_text(&format!("{scheme}/link"))?;
        ensure!(link == "up\n", "{scheme}/link reads {link:?}");
        for name in [
            "rx_packets",
            "rx_bytes",
            "rx_dropped",
            "rx_errors",
            "tx_packets",
            "tx_bytes",
            "tx_dropped",
            "link_changes",
        ] {
            counter(scheme, name)?;
        }
    }
    let first = pair.schemes[0];
    expect_errno("open mac for writing", open(&format!("{first}/mac"), O_RDWR), EACCES)?;
    expect_errno("open stats write-only", open(&format!("{first}/stats"), O_WRONLY), EACCES)?;
    expect_errno("open an unknown file", open(&format!("{first}/nothing"), O_RDONLY), ENOENT)?;
    Ok(())
}

/// Frames of `lengths` bytes (frame k of `lengths[k]`) written on scheme
/// `from` (MAC `from_mac`) in batches of [`BATCH`] are read on `to`
/// (`to_mac`), byte for byte and in order, through a non-blocking handle
/// woken by its event queue (an empty one reads `EAGAIN`); both sides
/// count them and their bytes.
fn cross(from: (&str, [u8; 6]), to: (&str, [u8; 6]), lengths: &[usize]) -> TestResult {
    let ((from, from_mac), (to, to_mac)) = (from, to);
    let receiver = open_net(to, O_RDONLY | O_NONBLOCK)?;
    let sender = open_net(from, O_WRONLY)?;
    let events = ok("event queue", EventQueue::new())?;
    ok("watch the receiver", events.watch(receiver.as_raw(), EVENT_READ, 1))?;
    expect_errno("a read with nothing received", read_fd(receiver.as_raw(), &mut [0u8; 2048]), EAGAIN)?;
    let (tx_packets, tx_bytes) = (counter(from, "tx_packets")?, counter(from, "tx_bytes")?);
    let (rx_packets, rx_bytes) = (counter(to, "rx_packets")?, counter(to, "rx_bytes")?);
    let mut bytes = 0;
    for batch in (0..lengths.len()).step_by(BATCH) {
        let batch = batch..(batch + BATCH).min(lengths.len());
        for k in batch.clone() {
            let sent = frame_of(k, lengths[k], from_mac, to_mac);
            let n = ok(&format!("write frame {k}"), write_fd(sender.as_raw(), &sent))?;
            ensure!(n == sent.len(), "frame {k}: wrote {n} of {} bytes", sent.len());
            bytes += sent.len() as u64;
        }
        for k in batch {
            let got = next_frame(&receiver, &events, &format!("frame {k}"))?;
            let wanted = frame_of(k, lengths[k], from_mac, to_mac);
            if got != wanted {
                let number = got.get(14..18).map(|n| u32::from_le_bytes([n[0], n[1], n[2], n[3]]));
                return Err(format!("frame {k}: read {} bytes (number {number:?}), not {}", got.len(), wanted.len()));
            }
        }
    }
    let frames = lengths.len();
    let sent = (counter(from, "tx_packets")? - tx_packets, counter(from, "tx_bytes")? - tx_bytes);
    ensure!(sent == (frames as u64, bytes), "{from} counted {sent:?} sent, not ({frames}, {bytes})");
    let received = (counter(to, "rx_packets")? - rx_packets, counter(to, "rx_bytes")? - rx_bytes);
    ensure!(received == (frames as u64, bytes), "{to} counted {received:?} received, not ({frames}, {bytes})");
    Ok(())
}

/// 300 frames of 60-1514 bytes written on the first scheme are read on
/// the second (see [`cross`]).
pub fn frames_cross_the_link(pair: &Pair) -> TestResult {
    let lengths: Vec<usize> = (0..FRAMES).map(pattern_len).collect();
    cross((pair.schemes[0], pair.macs[0]), (pair.schemes[1], pair.macs[1]), &lengths)
}

/// A frame of every length from 60 to 1514 bytes crosses the link one
/// way, then the other (see [`cross`]).
pub fn every_size_both_ways(pair: &Pair) -> TestResult {
    let lengths: Vec<usize> = (MIN_FRAME..=MAX_FRAME).collect();
    let [first, second] = [(pair.schemes[0], pair.macs[0]), (pair.schemes[1], pair.macs[1])];
    cross(first, second, &lengths)?;
    cross(second, first, &lengths)
}

/// Frames shorter than 60 or longer than 1514 bytes are `EINVAL` and
/// are not sent.
pub fn bad_frame_sizes(pair: &Pair) -> TestResult {
    let scheme = pair.schemes[0];
    let sender = open_net(scheme, O_RDWR)?;
    let before = counter(scheme, "tx_packets")?;
    for len in [0, 1, 59, 1515, 4000] {
        expect_errno(&format!("a frame of {len} bytes"), write_fd(sender.as_raw(), &vec![0u8; len]), EINVAL)?;
    }
    let after = counter(scheme, "tx_packets")?;
    ensure!(after == before, "tx_packets went from {before} to {after} for refused frames");
    Ok(())
}

/// Through `batch` handles, [`BATCH`] frames written in one call arrive
/// in order, several a read; a batch read with room for less than the
/// longest frame, and batches whose first entry is cut short or of a bad
/// length, are `EINVAL` (nothing sent); a good entry before a bad one is
/// sent alone (the write says how much).
pub fn batches(pair: &Pair) -> TestResult {
    let [(from, from_mac), (to, to_mac)] = [(pair.schemes[0], pair.macs[0]), (pair.schemes[1], pair.macs[1])];
    let receiver = open_net(&format!("{to}/batch"), O_RDONLY | O_NONBLOCK)?;
    let sender = open_net(&format!("{from}/batch"), O_WRONLY)?;
    let events = ok("event queue", EventQueue::new())?;
    ok("watch the receiver", events.watch(receiver.as_raw(), EVENT_READ, 1))?;
    let mut batch = Vec::new();
    for k in 0..BATCH {
        push_batch(&mut batch, &frame(k, from_mac, to_mac));
    }
    let n = ok("write a batch", write_fd(sender.as_raw(), &batch))?;
    ensure!(n == batch.len(), "the batch write took {n} of {} bytes", batch.len());
    let mut got: Vec<Vec<u8>> = Vec::new();
    let mut reads = 0;
    let mut buffer = vec![0u8; 64 * 1024];
    let start = Instant::now();
    while got.len() < BATCH {
        match read_fd(receiver.as_raw(), &mut buffer) {
            Ok(len) => {
                reads += 1;
                for entry in Batch::new(&buffer[..len]) {
                    got.push(entry.map_err(|cut| format!("read {reads}: an entry cut at {cut:?}"))?.to_vec());
                }
            }
            Err(e) if e.errno() == Some(EAGAIN) => {
                ensure!(start.elapsed() < ARRIVAL, "{} of {BATCH} frames arrived in {ARRIVAL:?}", got.len());
                ok("wait for frames", events.wait(&mut [Event::default()], Some(ARRIVAL)))?;
            }
            Err(e) => return Err(format!("a batch read: {e}")),
        }
    }
    for (k, got) in got.iter().enumerate() {
        ensure!(*got == frame(k, from_mac, to_mac), "frame {k} of the batch: {} bytes, not the frame sent", got.len());
    }
    println!("nic batches: {BATCH} frames in {reads} reads");
    expect_errno("a batch read of 100 bytes", read_fd(receiver.as_raw(), &mut [0u8; 100]), EINVAL)?;
    let before = counter(from, "tx_packets")?;
    let good = frame(0, from_mac, to_mac);
    let mut cut = Vec::new();
    push_batch(&mut cut, &good);
    cut.truncate(BATCH_HEADER + 10);
    expect_errno("a batch cut short", write_fd(sender.as_raw(), &cut), EINVAL)?;
    let mut short = Vec::new();
    push_batch(&mut short, &[0u8; 59]);
    expect_errno("a batch of a 59-byte frame", write_fd(sender.as_raw(), &short), EINVAL)?;
    ensure!(counter(from, "tx_packets")? == before, "refused batches sent frames");
    let mut mixed = Vec::new();
    push_batch(&mut mixed, &good);
    mixed.extend_from_slice(&short);
    let n = ok("a good frame before a bad one", write_fd(sender.as_raw(), &mixed))?;
    ensure!(n == BATCH_HEADER + good.len(), "took {n} bytes of a good frame and a bad one");
    ensure!(counter(from, "tx_packets")? == before + 1, "the good frame was not counted once");
    Ok(())
}

/// What a [`Reader`] read, or why it failed.
type ReadOutcome = Result<Vec<u8>, String>;

/// One blocking read of a frame, in a thread of its own.
struct Reader {
    got: Arc<Mutex<Option<ReadOutcome>>>,
}

impl Reader {
    /// What the read gave, once it returns within [`ARRIVAL`]; `None` if
    /// it still blocks then.
    fn outcome(&self) -> Option<ReadOutcome> {
        let start = Instant::now();
        loop {
            if let Some(read) = self.got.lock().take() {
                return Some(read);
            }
            if start.elapsed() >= ARRIVAL {
                return None;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Starts a blocking read of one frame on `fd` and gives it time to
/// block (it need not: a frame that comes first waits in the handle's
/// backlog).
fn spawn_reader(fd: OwnedFd) -> Result<Reader, String> {
    let got: Arc<Mutex<Option<ReadOutcome>>> = Arc::new(Mutex::new(None));
    let slot = Arc::clone(&got);
    let reader = thread::Builder::new().spawn(move || {
        let mut buffer = vec![0u8; 2048];
        let read = read_fd(fd.as_raw(), &mut buffer).map(|n| buffer[..n].to_vec()).map_err(|e| format!("{e}"));
        *slot.lock() = Some(read);
    });
    ok("start the reader", reader)?;
    thread::sleep(Duration::from_millis(50));
    Ok(Reader { got })
}

/// A blocking read on the first scheme waits for the frame the second
/// sends afterwards (the other direction).
pub fn blocking_read(pair: &Pair) -> TestResult {
    let reader = spawn_reader(open_net(pair.schemes[0], O_RDONLY)?)?;
    let sender = open_net(pair.schemes[1], O_WRONLY)?;
    let sent = frame(7, pair.macs[1], pair.macs[0]);
    ok("write the frame", write_fd(sender.as_raw(), &sent))?;
    let Some(read) = reader.outcome() else { return Err(format!("the blocking read did not return in {ARRIVAL:?}")) };
    let read = read?;
    ensure!(read == sent, "the blocking read got {} bytes, not the {} sent", read.len(), sent.len());
    Ok(())
}

/// A handle nobody reads keeps the first 256 frames (`BACKLOG` of the
/// driver) in order and drops the rest, counted in `rx_dropped`.
pub fn backlog_drops(pair: &Pair) -> TestResult {
    const BACKLOG: usize = 256;
    let [from, to] = pair.schemes;
    let [mac0, mac1] = pair.macs;
    let receiver = open_net(to, O_RDONLY | O_NONBLOCK)?;
    let sender = open_net(from, O_WRONLY)?;
    let (packets, dropped) = (counter(to, "rx_packets")?, counter(to, "rx_dropped")?);
    for k in 0..FRAMES {
        ok(&format!("write frame {k}"), write_fd(sender.as_raw(), &frame(k, mac0, mac1)))?;
    }
    let start = Instant::now();
    while counter(to, "rx_packets")? - packets < FRAMES as u64 {
        ensure!(start.elapsed() < ARRIVAL, "{to} did not receive {FRAMES} frames in {ARRIVAL:?}");
        thread::sleep(Duration::from_millis(10));
    }
    let lost = counter(to, "rx_dropped")? - dropped;
    ensure!(lost == (FRAMES - BACKLOG) as u64, "{lost} frames dropped, not {}", FRAMES - BACKLOG);
    let mut buffer = vec![0u8; 2048];
    for k in 0..BACKLOG {
        let n = ok(&format!("read frame {k}"), read_fd(receiver.as_raw(), &mut buffer))?;
        ensure!(buffer[..n] == frame(k, mac0, mac1)[..], "backlog frame {k} differs ({n} bytes)");
    }
    expect_errno("a read past the backlog", read_fd(receiver.as_raw(), &mut buffer), EAGAIN)
}

/// Each driver process has its three MSI-X vectors
/// (`/scheme/sys/interrupts`): entry 0 for configuration changes (the
/// link), entry 1 for the receive queue on CPU 0 and entry 2 for the
/// transmit queue on CPU 1 — every function driven (in the virtio-net
/// suite the transitional one too; the legacy-only one has no driver);
/// after the tests above both queue vectors of the two wired devices
/// have fired (others' links are idle).
pub fn queue_interrupts(pair: &Pair) -> TestResult {
    open_net(&format!("{}/link", pair.schemes[1]), O_RDONLY)?;
    let cpus = ok("available_parallelism", thread::available_parallelism())?.get();
    let table = ok("read interrupts", cairn_rt::fs::read_to_string("/scheme/sys/interrupts"))?;
    // Per function: the entries seen, and whether each queue's fired.
    let mut seen: Vec<(String, [bool; 3], [bool; 3])> = Vec::new();
    for line in table.lines().filter(|l| l.contains(pair.program)) {
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
    ensure!(seen.len() == pair.driven, "vectors of {} functions, not {}:\n{table}", seen.len(), pair.driven);
    for (function, entries, _) in &seen {
        ensure!(entries.iter().all(|e| *e), "{function} lacks one of MSI-X entries 0-2:\n{table}");
    }
    let busy = seen.iter().filter(|(_, _, fired)| fired[1] && fired[2]).count();
    ensure!(busy == 2, "{busy} functions, not 2, had both queue vectors fire:\n{table}");
    Ok(())
}

/// Each driver process holds one vector, its MSI (`/scheme/sys/interrupts`
/// shows it as `MSI 0`), on CPU 0, and it fired — a driver that found no
/// MSI-X (or was told `--msi`).
pub fn one_msi_each(pair: &Pair) -> TestResult {
    open_net(&format!("{}/link", pair.schemes[1]), O_RDONLY)?;
    let table = ok("read interrupts", cairn_rt::fs::read_to_string("/scheme/sys/interrupts"))?;
    let lines: Vec<&str> = table.lines().filter(|l| l.contains(pair.program)).collect();
    ensure!(
        lines.len() == pair.driven,
        "{} vectors, not one for each of {} functions:\n{table}",
        lines.len(),
        pair.driven
    );
    for line in lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        ensure!(fields.windows(2).any(|w| w == ["MSI", "0"]), "not an MSI: {line:?}");
        ensure!(fields[0].starts_with("0/"), "not on CPU 0: {line:?}");
        let count: u64 = fields.get(1).and_then(|c| c.parse().ok()).ok_or(format!("line {line:?}"))?;
        ensure!(count > 0, "the MSI never fired: {line:?}");
    }
    Ok(())
}

/// Waits (bounded by `within`) until `SCHEME/link` reads `state`.
fn link_becomes(scheme: &str, state: &str, within: Duration) -> TestResult {
    let start = Instant::now();
    loop {
        let link = read_text(&format!("{scheme}/link"))?;
        if link.trim_end() == state {
            return Ok(());
        }
        ensure!(start.elapsed() < within, "{scheme}/link still reads {link:?}, not {state:?}, after {within:?}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// The second device's link goes down and comes back up: the suite's
/// session, seeing the line this prints, takes the link down (QEMU's
/// `set_link`), waits for the driver to log the change (which it learns
/// from the link-change interrupt), and brings it up again; `link`
/// follows, and `link_changes` counts both changes (the driver's
/// interrupt path, not only the state it reads). Runs only in a suite
/// whose session does that.
pub fn link_change(pair: &Pair) -> TestResult {
    let scheme = pair.schemes[1];
    link_becomes(scheme, "up", ARRIVAL)?;
    let before = counter(scheme, "link_changes")?;
    println!("nic link test: waiting for {scheme} to go down and up");
    link_becomes(scheme, "down", Duration::from_secs(30))?;
    link_becomes(scheme, "up", Duration::from_secs(30))?;
    let start = Instant::now();
    while counter(scheme, "link_changes")? < before + 2 {
        let changes = counter(scheme, "link_changes")? - before;
        ensure!(start.elapsed() < ARRIVAL, "{scheme} counted {changes} link changes, not 2, in {ARRIVAL:?}");
        thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

/// The pid of the driver process serving `pair.schemes[index]`: the
/// owner of the vectors of the `index`-th function (in bus order) the
/// driver holds, as `/scheme/sys/interrupts` names them
/// (`0000:00:03.0 /bin/e1000e (pid 5)`).
fn driver_pid(pair: &Pair, index: usize) -> Result<usize, String> {
    let table = ok("read interrupts", cairn_rt::fs::read_to_string("/scheme/sys/interrupts"))?;
    let mut owners: Vec<(String, usize)> = Vec::new();
    for line in table.lines().filter(|l| l.contains(pair.program)) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let function = fields.iter().copied().find(|f| f.starts_with("0000:")).ok_or(format!("line {line:?}"))?;
        let at = fields.iter().position(|f| *f == "(pid").ok_or(format!("line {line:?}"))?;
        let pid =
            fields.get(at + 1).and_then(|p| p.trim_end_matches(')').parse().ok()).ok_or(format!("line {line:?}"))?;
        if !owners.iter().any(|(f, _)| f == function) {
            owners.push((String::from(function), pid));
        }
    }
    owners.sort();
    owners.get(index).map(|(_, pid)| *pid).ok_or(format!("no {index}th function of {}:\n{table}", pair.program))
}

/// The second device's driver is killed (`SIGKILL`) while a client
/// blocks reading its scheme: the read fails rather than hang; devd
/// resets the function and starts a new driver (another pid), which
/// serves the scheme again — frames cross the link as before, counted
/// afresh.
pub fn driver_restart(pair: &Pair) -> TestResult {
    let scheme = pair.schemes[1];
    let reader = spawn_reader(open_net(scheme, O_RDONLY)?)?;
    let old = driver_pid(pair, 1)?;
    ok("kill the driver", cairn_rt::signal::kill(old, cairn_rt::signal::SIGKILL))?;
    let start = Instant::now();
    match reader.outcome() {
        None => return Err(format!("a read on {scheme} still blocks {ARRIVAL:?} after its driver was killed")),
        Some(read) => ensure!(read.is_err(), "a read on {scheme} returned a frame after its driver was killed"),
    }
    loop {
        match driver_pid(pair, 1) {
            Ok(new) if new != old => break,
            _ => ensure!(start.elapsed() < Duration::from_secs(30), "no new driver for {scheme} in 30 s"),
        }
        thread::sleep(Duration::from_millis(20));
    }
    frames_cross_the_link(pair)
}

/// A ring handle of `scheme` and its memory mapped here.
struct MappedRing {
    fd: OwnedFd,
    base: usize,
    shared: Shared,
}

impl MappedRing {
    /// Opens `scheme/ring` (non-blocking) and maps its rings.
    fn open(scheme: &str) -> Result<MappedRing, String> {
        let fd = open_net(&format!("{scheme}/ring"), O_RDWR | O_NONBLOCK)?;
        let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
        // SAFETY: the kernel chooses where to map (no MAP_FIXED).
        let base = ok("map the rings", unsafe { mmap(0, ring_size(SLOTS), flags, fd.as_raw(), 0) })?;
        // SAFETY: a fresh page-aligned mapping of the whole ring memory,
        // unmapped when the `MappedRing` is dropped.
        let shared = unsafe { Shared::new(NonNull::new(base as *mut u8).ok_or("mapped at 0")?, ring_size(SLOTS)) };
        let slots = shared.check().map_err(|e| format!("{scheme}/ring: {e}"))?;
        ensure!(slots == SLOTS, "{scheme}/ring has {slots} slots, not {SLOTS}");
        Ok(MappedRing { fd, base, shared })
    }

    /// Puts `frames` in the transmit ring and has the driver send them (a
    /// `read` of the handle).
    fn send(&self, ring: &mut Producer, frames: &[Vec<u8>]) -> TestResult {
        for frame in frames {
            ring.push(&self.shared, frame).map_err(|e| format!("putting a frame in the transmit ring: {e:?}"))?;
        }
        ok("have the driver send the transmit ring", read_fd(self.fd.as_raw(), &mut [0u8; 1]))?;
        Ok(())
    }

    /// The next frame of the receive ring, waiting on `events` (bounded by
    /// [`ARRIVAL`]).
    fn next(&self, ring: &mut Consumer, events: &EventQueue, what: &str) -> Result<Vec<u8>, String> {
        let mut buffer = [0u8; SLOT_SIZE];
        let start = Instant::now();
        loop {
            match ring.pop(&self.shared, &mut buffer) {
                Ok(Some(len)) => return Ok(buffer[..len].to_vec()),
                Ok(None) => {
                    // Take readiness back (the driver looks again), then wait.
                    ok("re-arm the ring", read_fd(self.fd.as_raw(), &mut [0u8; 1]))?;
                    let left = ARRIVAL.saturating_sub(start.elapsed());
                    ensure!(!left.is_zero(), "{what} did not arrive in {ARRIVAL:?}");
                    ok("wait for a frame", events.wait(&mut [Event::default()], Some(left)))?;
                }
                Err(e) => return Err(format!("the receive ring: {e}")),
            }
        }
    }
}

impl Drop for MappedRing {
    fn drop(&mut self) {
        // SAFETY: our own mapping; the `Shared` over it goes with it.
        let _ = unsafe { munmap(self.base, ring_size(SLOTS)) };
    }
}

/// Frames cross through the shared-memory rings (`ring` handles on both
/// devices): in order and byte for byte, with readiness while frames wait;
/// frames of bad lengths in a transmit ring are dropped and counted, the
/// next ones sent; and a client that breaks the indices (a receive tail
/// past the head, a transmit head far ahead) loses its ring, `EIO` on its
/// handle, while the driver goes on serving frame handles and new rings.
pub fn rings(pair: &Pair) -> TestResult {
    let [(from, from_mac), (to, to_mac)] = [(pair.schemes[0], pair.macs[0]), (pair.schemes[1], pair.macs[1])];
    let sender = MappedRing::open(from)?;
    let receiver = MappedRing::open(to)?;
    let events = ok("event queue", EventQueue::new())?;
    ok("watch the receiving ring", events.watch(receiver.fd.as_raw(), EVENT_READ, 1))?;
    let (mut transmit, mut receive) =
        (Producer::new(Direction::Transmit, SLOTS), Consumer::new(Direction::Receive, SLOTS));
    for round in 0..FRAMES / BATCH {
        let ks = round * BATCH..(round + 1) * BATCH;
        let frames: Vec<Vec<u8>> = ks.clone().map(|k| frame(k, from_mac, to_mac)).collect();
        sender.send(&mut transmit, &frames)?;
        for (k, sent) in ks.zip(&frames) {
            let got = receiver.next(&mut receive, &events, &format!("frame {k}"))?;
            ensure!(got == *sent, "frame {k} through the rings: {} bytes, not the frame sent", got.len());
        }
    }
    ensure!(receive.is_empty(&receiver.shared) == Ok(true), "frames nobody sent came through the rings");
    ok("re-arm the drained ring", read_fd(receiver.fd.as_raw(), &mut [0u8; 1]))?;
    let ready = ok("look at readiness", events.wait(&mut [Event::default()], Some(Duration::ZERO)))?;
    ensure!(ready == 0, "the drained ring is still readable");
    println!("nic rings: {FRAMES} frames through the rings");

    // Lengths a driver must not send, between good frames.
    let dropped = counter(from, "tx_dropped")?;
    let (good, next) = (frame(0, from_mac, to_mac), frame(1, from_mac, to_mac));
    sender.send(&mut transmit, &[good.clone(), vec![0u8; 10], vec![0u8; 2000], next.clone()])?;
    ensure!(receiver.next(&mut receive, &events, "the frame before bad ones")? == good, "the frame before bad ones");
    ensure!(receiver.next(&mut receive, &events, "the frame after bad ones")? == next, "the frame after bad ones");
    let counted = counter(from, "tx_dropped")? - dropped;
    ensure!(counted == 2, "{from} counted {counted} frames of bad lengths dropped, not 2");

    // The receiver breaks its receive ring's tail: the driver gives the
    // ring up rather than trust it, and drops the frame that comes.
    let (sent, lost) = (counter(from, "tx_packets")?, counter(to, "rx_dropped")?);
    receiver.shared.word(Direction::Receive.tail_at()).store(0x8000_0000, Ordering::SeqCst);
    expect_errno("a read of a ring with a broken tail", read_fd(receiver.fd.as_raw(), &mut [0u8; 1]), EIO)?;
    sender.send(&mut transmit, core::slice::from_ref(&good))?;
    let start = Instant::now();
    while counter(from, "tx_packets")? == sent || counter(to, "rx_dropped")? == lost {
        ensure!(start.elapsed() < ARRIVAL, "a frame to a broken ring was not sent and dropped in {ARRIVAL:?}");
        thread::sleep(Duration::from_millis(10));
    }
    // The sender breaks its transmit ring's head: the driver gives the
    // ring up (`EIO`) and sends nothing from it.
    let sent = counter(from, "tx_packets")?;
    sender.shared.word(Direction::Transmit.head_at()).store(0x7fff_0000, Ordering::SeqCst);
    expect_errno("a read of a ring with a broken head", read_fd(sender.fd.as_raw(), &mut [0u8; 1]), EIO)?;
    expect_errno("a read of a given-up ring", read_fd(sender.fd.as_raw(), &mut [0u8; 1]), EIO)?;
    ensure!(counter(from, "tx_packets")? == sent, "a transmit ring with a broken head still sent frames");
    drop((sender, receiver));

    // Both drivers still serve: frame handles, and fresh rings.
    cross((from, from_mac), (to, to_mac), &[MIN_FRAME, MAX_FRAME])?;
    let sender = MappedRing::open(to)?;
    let receiver = MappedRing::open(from)?;
    let events = ok("event queue", EventQueue::new())?;
    ok("watch the receiving ring", events.watch(receiver.fd.as_raw(), EVENT_READ, 1))?;
    let (mut transmit, mut receive) =
        (Producer::new(Direction::Transmit, SLOTS), Consumer::new(Direction::Receive, SLOTS));
    let back = frame(2, to_mac, from_mac);
    sender.send(&mut transmit, core::slice::from_ref(&back))?;
    ensure!(
        receiver.next(&mut receive, &events, "a frame through fresh rings")? == back,
        "a frame through fresh rings"
    );
    Ok(())
}
