//! `netd`: Cairn's network stack server. One process, one thread, built on
//! smoltcp: it opens every network device (`/scheme/net.*`, [`stack`])
//! plus a loopback, addresses them (DHCPv4 or `/etc/network.conf`, IPv6
//! link-local and SLAAC), and serves sockets to programs as the schemes
//! `tcp`, `udp`, `icmp`, `dns` and `netcfg` ([`sockets`], [`status`];
//! docs/ABI.md and docs/NETWORK.md).
//!
//! The loop: wait on one event queue (the five scheme endpoints and each
//! NIC's frame handle) for at most smoltcp's `poll_delay`, the nearest
//! request deadline or the next device discovery; then serve requests,
//! poll the interfaces, apply DHCP news, answer what can be answered and
//! poll again to send what that queued, answering again for as long as a
//! poll moves a socket ([`settle`]). Prints `netd: serving ...` once
//! its schemes are registered.
//!
//! Depends on `cairn-rt`, `smoltcp`, `cairn-netstack` (the pure parts) and
//! `cairn-netdev` (the shared-memory frame rings of the NIC schemes).
#![no_std]
#![no_main]

extern crate alloc;

mod sockets;
mod stack;
mod status;

use alloc::vec::Vec;
use core::time::Duration;

use cairn_rt::abi::O_NONBLOCK;
use cairn_rt::events::{EVENT_READ, Event, EventQueue};
use cairn_rt::scheme::Server;
use cairn_rt::{eprintln, println};

use cairn_netstack::config::NetworkConfig;
use cairn_netstack::path::SchemeKind;
use sockets::{Responder, Sockets};
use stack::Stack;

cairn_rt::main!(main);

/// The static configuration, if any.
const CONFIG: &str = "/etc/network.conf";
/// Poll-and-answer rounds one pass of the loop makes at most before it
/// waits: each round's answers (an accept taking a connection, a read
/// opening the window, a close queueing a FIN) are sent by the next poll,
/// and each poll that moved a socket (a frame in or out) is followed by
/// answering again. Beyond this many the loop does not sleep.
const MAX_ROUNDS: usize = 16;
/// A request served and its answer, sent after the poll that follows.
type Answered = (SchemeKind, u64, (Result<usize, i32>, Vec<u8>));
/// Event-queue tag of interface `n`'s frame handle: `IFACE_TAG + n`
/// (smaller tags are the scheme endpoints).
const IFACE_TAG: u64 = 16;

/// The five scheme servers.
struct Servers {
    list: Vec<(SchemeKind, Server)>,
}

impl Servers {
    fn get(&self, scheme: SchemeKind) -> Option<&Server> {
        self.list.iter().find(|(kind, _)| *kind == scheme).map(|(_, server)| server)
    }
}

impl Responder for Servers {
    fn respond(&self, scheme: SchemeKind, request: u64, result: Result<usize, i32>, payload: &[u8]) {
        if let Some(Err(e)) = self.get(scheme).map(|s| s.respond(request, result, payload)) {
            eprintln!("netd: cannot answer a {} request: {e}", scheme.name());
        }
    }

    fn post(&self, scheme: SchemeKind, handle: u64, ready: u32) -> bool {
        self.get(scheme).is_some_and(|server| server.post_event(handle, ready).is_ok())
    }
}

fn config() -> NetworkConfig {
    match cairn_rt::fs::read_to_string(CONFIG) {
        Err(_) => NetworkConfig::default(),
        Ok(text) => NetworkConfig::parse(&text).unwrap_or_else(|error| {
            eprintln!("netd: {CONFIG}: {error}; using DHCP on every interface");
            NetworkConfig::default()
        }),
    }
}

fn setup() -> Result<(Servers, EventQueue), cairn_rt::Error> {
    let queue = EventQueue::new()?;
    let mut list = Vec::new();
    for (tag, kind) in SchemeKind::ALL.into_iter().enumerate() {
        let server = Server::create(kind.name())?;
        server.endpoint().set_flags(O_NONBLOCK)?;
        queue.watch(server.endpoint().as_raw(), EVENT_READ, tag as u64)?;
        list.push((kind, server));
    }
    Ok((Servers { list }, queue))
}

/// Polls the interfaces and answers what their news allow until a poll
/// changes nothing, so that every change of a socket is either answered
/// (and posted to watchers) before the loop sleeps or has a smoltcp
/// deadline: a frame that arrives during a pass (a handshake's last ACK,
/// an echo reply) is read by that pass's last poll, and the driver's
/// readiness cleared with it, so nothing would wake the loop for it.
/// The `answers` of the requests just served are sent after the first
/// poll, so the frames those requests queued (an echo request, a
/// segment) are with the driver before their clients run again.
/// Returns the time of the last poll and whether it changed nothing
/// (false: [`MAX_ROUNDS`] ran out).
fn settle(
    stack: &mut Stack,
    sockets: &mut Sockets,
    servers: &Servers,
    answers: Vec<Answered>,
) -> (smoltcp::time::Instant, bool) {
    let mut now = stack::now();
    sockets.gate_syns(stack);
    stack.poll(now);
    for (kind, request, (result, payload)) in answers {
        servers.respond(kind, request, result, &payload);
    }
    for _ in 0..MAX_ROUNDS {
        stack.dhcp_events();
        sockets.progress(stack, servers, now);
        sockets.gate_syns(stack);
        now = stack::now();
        if !stack.poll(now) {
            return (now, true);
        }
    }
    (now, false)
}

fn main() -> i32 {
    let mut stack = Stack::new(config());
    let (servers, queue) = match setup() {
        Ok(set) => set,
        Err(e) => {
            eprintln!("netd: cannot register its schemes: {e}");
            return 1;
        }
    };
    println!("netd: serving tcp, udp, icmp, dns and netcfg");
    let mut sockets = Sockets::default();
    let mut events = [Event::default(); 16];
    loop {
        let now = stack::now();
        if stack.discovery_due(now).is_zero() {
            for (index, new) in stack.discover(now) {
                if new {
                    sockets.iface_added(&mut stack, index);
                }
                if let Some(fd) = stack.ifaces[index].link.io.fd()
                    && let Err(e) = queue.watch(fd.as_raw(), EVENT_READ, IFACE_TAG + index as u64)
                {
                    eprintln!("netd: {}: cannot watch its frames: {e}", stack.ifaces[index].name);
                }
            }
        }
        let mut answers = Vec::new();
        for (kind, server) in &servers.list {
            while let Ok(incoming) = server.next() {
                if let Some(answer) = sockets.serve(&mut stack, *kind, &incoming.request, &incoming.payload) {
                    answers.push((*kind, incoming.request.id, answer));
                }
            }
        }
        let (now, settled) = settle(&mut stack, &mut sockets, &servers, answers);
        for iface in &mut stack.ifaces {
            iface.link.io.rearm();
        }
        let mut wait = if settled { stack.wait(now) } else { Duration::ZERO };
        if let Some(deadline) = sockets.next_deadline(now) {
            let left = if deadline > now { (deadline - now).total_micros() } else { 0 };
            wait = wait.min(Duration::from_micros(left));
        }
        let ready = match queue.wait(&mut events, Some(wait)) {
            Ok(count) => count,
            Err(_) => {
                eprintln!("netd: waiting on the event queue failed");
                return 1;
            }
        };
        for event in &events[..ready] {
            let index = event.data.wrapping_sub(IFACE_TAG) as usize;
            if event.data >= IFACE_TAG && event.ready & EVENT_READ != 0 && index < stack.ifaces.len() {
                stack.ifaces[index].link.io.readable();
            }
        }
    }
}
