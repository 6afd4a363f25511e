//! `ss [-t] [-u] [-w] [-l | -a] [-H]`: netd's sockets and their states
//! (`/scheme/netcfg/sockets`), laid out as iproute2's `ss` does. By
//! default the sockets that are not listening; `-l` only the listening
//! ones, `-a` both. `-t`, `-u` and `-w` (ICMP) choose protocols (all when
//! none is given); `-H` leaves the heading out. Exit status 0, 1 when netd
//! cannot be asked, 2 on a usage error.
#![no_std]
#![no_main]

use cairn_rt::{String, Vec, eprintln, format, println};
use nettools::{USAGE, fail, status};

cairn_rt::main!(main);

/// Which sockets are shown.
struct Filter {
    listening: bool,
    others: bool,
    protocols: Vec<&'static str>,
    heading: bool,
}

fn parse(args: &[String]) -> Option<Filter> {
    let mut filter = Filter { listening: false, others: true, protocols: Vec::new(), heading: true };
    for arg in args {
        let flags = arg.strip_prefix('-').filter(|f| !f.is_empty() && !f.starts_with('-'))?;
        for flag in flags.chars() {
            match flag {
                't' => filter.protocols.push("tcp"),
                'u' => filter.protocols.push("udp"),
                'w' => filter.protocols.push("icmp"),
                'l' => (filter.listening, filter.others) = (true, false),
                'a' => (filter.listening, filter.others) = (true, true),
                'H' => filter.heading = false,
                'n' => {}
                _ => return None,
            }
        }
    }
    Some(filter)
}

/// One socket of the status file: `PROTO LOCAL PEER STATE RECV-Q SEND-Q`,
/// read from the right so that a LOCAL with a space (ICMP's `ident N`)
/// stays whole.
struct Socket<'a> {
    proto: &'a str,
    local: String,
    peer: &'a str,
    state: &'a str,
    recv_queue: &'a str,
    send_queue: &'a str,
}

fn socket(line: &str) -> Option<Socket<'_>> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let [proto, local @ .., peer, state, recv_queue, send_queue] = words.as_slice() else { return None };
    if local.is_empty() {
        return None;
    }
    Some(Socket { proto, local: local.join(" "), peer, state, recv_queue, send_queue })
}

/// smoltcp's state names as `ss` prints them; UDP and ICMP sockets have
/// none (`UNCONN`).
fn state_name(state: &str) -> &str {
    match state {
        "ESTABLISHED" => "ESTAB",
        "SYN-RECEIVED" => "SYN-RECV",
        "-" => "UNCONN",
        other => other,
    }
}

fn main() -> i32 {
    let args: Vec<String> = cairn_rt::env::args().skip(1).collect();
    let Some(filter) = parse(&args) else {
        eprintln!("usage: ss [-t] [-u] [-w] [-l | -a] [-H]");
        return USAGE;
    };
    let text = match status("sockets") {
        Ok(text) => text,
        Err(e) => return fail("ss", format_args!("cannot read the sockets (is netd running?): {e}")),
    };
    if filter.heading {
        println!(
            "{:<6}{:<11}{:>7} {:>7} {:<28}{}",
            "Netid", "State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port"
        );
    }
    for socket in text.lines().filter_map(socket) {
        let listening = socket.state == "LISTEN";
        let shown = if listening { filter.listening } else { filter.others };
        let wanted = filter.protocols.is_empty() || filter.protocols.contains(&socket.proto);
        if shown && wanted {
            let local = format!("{} ", socket.local);
            println!(
                "{:<6}{:<11}{:>7} {:>7} {:<28}{}",
                socket.proto,
                state_name(socket.state),
                socket.recv_queue,
                socket.send_queue,
                local,
                socket.peer
            );
        }
    }
    0
}
