//! netd against a network driver that breaks the shared-memory rings
//! (harness suite `net-user`, `utest netd_hostile`): this test serves a
//! scheme `net.hostile0` of its own, as a driver would, which netd takes
//! up as an interface at its next look for devices. It writes slots of
//! bad lengths into the receive ring, then a receive head far past the
//! tail; netd must let go of the device (close its handle) and go on
//! serving sockets. When netd opens the device again it gets a ring
//! memory with a bad header, which it must refuse (close) as well.
//!
//! Depends on `cairn-rt`, `cairn-netdev` (the ring layout) and the helpers
//! in [`crate::util`].

use cairn_netdev::memory::MappedRings;
use cairn_netdev::ring::{Direction, HEADER_SIZE, Producer, SLOT_SIZE, SLOTS};
use cairn_rt::abi::error::{EINVAL, ENOENT};
use cairn_rt::abi::scheme as op;
use cairn_rt::abi::{EVENT_READ, EVENT_WRITE, MODE_FILE, O_NONBLOCK, Stat};
use cairn_rt::io::{Read, Write};
use cairn_rt::net::{TcpListener, TcpStream};
use cairn_rt::scheme::Server;
use cairn_rt::sync::atomic::Ordering;
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{format, println, thread, vec};

use crate::util::{TestResult, ensure, ok};

/// The scheme this test serves.
const SCHEME: &str = "net.hostile0";
/// Its MAC address (locally administered).
const MAC: &str = "52:54:00:66:66:66\n";
/// How long netd may take for each step (it looks for devices every
/// second).
const STEP: Duration = Duration::from_secs(15);

/// What the served scheme has seen of netd.
#[derive(Default)]
struct Seen {
    /// The open ring handle, if any.
    ring: Option<u64>,
    /// Ring handles netd closed.
    closed: usize,
    /// netd watches the ring handle.
    watched: bool,
    /// Where a read of `mac` goes on from.
    mac_position: usize,
}

/// Answers one request as a `net.*` driver would, with `memory` as the
/// ring memory of a ring handle.
fn answer(server: &Server, seen: &mut Seen, memory: &MappedRings) -> TestResult {
    let incoming = match server.next() {
        Ok(incoming) => incoming,
        Err(_) => {
            thread::sleep(Duration::from_millis(5));
            return Ok(());
        }
    };
    let request = &incoming.request;
    let (result, payload) = match request.opcode {
        op::OPEN => match core::str::from_utf8(&incoming.payload).unwrap_or("").trim_matches('/') {
            "mac" => {
                seen.mac_position = 0;
                (Ok(1), vec![])
            }
            "ring" => {
                seen.ring = Some(2);
                (Ok(2), vec![])
            }
            _ => (Err(ENOENT), vec![]),
        },
        op::READ if request.handle == 1 => {
            let positioned = request.args[2] == op::POSITIONED;
            let at = if positioned { request.args[1] as usize } else { seen.mac_position };
            let text = MAC.as_bytes().get(at..).unwrap_or(&[]);
            let chunk = &text[..text.len().min(request.args[0] as usize)];
            if !positioned {
                seen.mac_position = at + chunk.len();
            }
            (Ok(chunk.len()), chunk.to_vec())
        }
        op::READ => (Ok(0), vec![]),
        op::FSTAT => {
            let stat = Stat { st_mode: MODE_FILE | 0o444, st_size: MAC.len() as u64, ..Stat::default() };
            (Ok(0), (*stat).to_vec())
        }
        op::MMAP => {
            ok("answer an MMAP", server.respond_fd(request.id, &memory.object))?;
            return Ok(());
        }
        op::FEVENT => {
            seen.watched = request.args[0] != 0;
            (Ok((EVENT_READ | EVENT_WRITE) as usize), vec![])
        }
        op::CLOSE => {
            if request.handle == 2 {
                seen.ring = None;
                seen.closed += 1;
            }
            return Ok(());
        }
        op::CANCEL => return Ok(()),
        _ => (Err(EINVAL), vec![]),
    };
    ok("answer a request", server.respond(request.id, result, &payload))
}

/// Serves requests until `done` says so, at most [`STEP`].
fn serve_until(
    server: &Server,
    seen: &mut Seen,
    memory: &MappedRings,
    what: &str,
    done: impl Fn(&Seen) -> bool,
) -> TestResult {
    let start = Instant::now();
    while !done(seen) {
        ensure!(start.elapsed() < STEP, "netd did not {what} within {STEP:?}");
        answer(server, seen, memory)?;
    }
    Ok(())
}

/// netd still carries a TCP connection over its loopback.
fn netd_serves() -> TestResult {
    let listener = ok("listen on the loopback", TcpListener::bind("127.0.0.1:0"))?;
    let address = ok("the listener's address", listener.local_addr())?;
    let mut stream = ok("connect over the loopback", TcpStream::connect(&address))?;
    let (mut accepted, _) = ok("accept", listener.accept())?;
    ok("write", stream.write_all(b"still here"))?;
    let mut got = [0u8; 10];
    ok("read", accepted.read_exact(&mut got))?;
    ensure!(&got == b"still here", "the loopback carried {got:?}");
    Ok(())
}

pub fn hostile_driver() -> TestResult {
    let server = ok("serve net.hostile0", Server::create(SCHEME))?;
    ok("make the endpoint non-blocking", server.endpoint().set_flags(O_NONBLOCK))?;
    let mut seen = Seen::default();
    let memory = MappedRings::new().map_err(|e| format!("{e}"))?;
    serve_until(&server, &mut seen, &memory, "open and watch the rings", |seen| seen.ring.is_some() && seen.watched)?;
    // Slots of bad lengths among good frames (a broadcast of an unknown
    // type, which the stack drops), then indices past any ring.
    let mut frame = vec![0xffu8; 60];
    frame[12..14].copy_from_slice(&[0x88, 0xb5]);
    let mut receive = Producer::new(Direction::Receive, SLOTS);
    for k in 0..8 {
        receive.push(&memory.shared, &frame).map_err(|e| format!("{e:?}"))?;
        if k % 2 == 1 {
            let slot = HEADER_SIZE + k as usize * SLOT_SIZE;
            memory.shared.word(slot).store(u32::MAX - k, Ordering::SeqCst);
        }
    }
    let ring = seen.ring.ok_or("no ring handle")?;
    ok("post readiness", server.post_event(ring, EVENT_READ | EVENT_WRITE))?;
    serve_until(&server, &mut seen, &memory, "take the frames", |_| {
        memory.shared.word(Direction::Receive.tail_at()).load(Ordering::SeqCst) == 8
    })?;
    memory.shared.word(Direction::Receive.head_at()).store(0x4000_0000, Ordering::SeqCst);
    ok("post readiness", server.post_event(ring, EVENT_READ | EVENT_WRITE))?;
    serve_until(&server, &mut seen, &memory, "let go of broken rings", |seen| seen.closed == 1)?;
    netd_serves()?;
    // netd opens the device again; this time the header is wrong.
    memory.shared.word(0).store(0xdead_beef, Ordering::SeqCst);
    serve_until(&server, &mut seen, &memory, "open the device again", |seen| seen.ring.is_some() || seen.closed > 1)?;
    serve_until(&server, &mut seen, &memory, "refuse a bad header", |seen| seen.closed == 2)?;
    netd_serves()?;
    println!("netd hostile driver: rings broken twice, netd let go both times and still serves");
    Ok(())
}
