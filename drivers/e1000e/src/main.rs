//! `e1000e`: the driver of Intel 82574L Gigabit Ethernet controllers
//! (QEMU's `-device e1000e`, 8086:10d3). One process drives one device
//! ([`device`]) and serves it as scheme `net.e1000eN` (N counts the
//! 82574L functions from 0 in bus order) through `cairn-netdev`, the same
//! scheme virtio-net serves: frame handles, `mac`, `link` and `stats`
//! (docs/ABI.md, "Schemes `net.*`"). Started by `devd` (the normal way),
//! it takes the device context (fd 3) and the scheme devd registered for
//! it (fd 4); run by hand (`e1000e [--msi] [FUNCTION]`, as root) it
//! claims FUNCTION (by default the first 82574L) and registers
//! `net.e1000eN` itself. `--msi` takes the MSI vector even though the
//! device offers MSI-X (the fallback's test, suite `e1000e-msi`). Prints
//! `e1000e: serving MAC as SCHEME` once ready.
//!
//! Threads under MSI-X: the request loop (main), the receive thread
//! (MSI-X entry 1), the transmit thread (entry 2: frees transmit slots)
//! and the link thread (entry 0: link changes; ends the driver when the
//! device is gone). Under MSI one interrupt thread does all three.
//!
//! Depends on `cairn-driver`, `cairn-e1000e-regs`, `cairn-netdev` and `cairn-rt`.
#![no_std]
#![no_main]

mod device;

use cairn_driver::{Driven, Interrupt, Match};
use cairn_e1000e_regs::int;
use cairn_netdev::{BACKLOG, Mac, NetScheme};
use cairn_rt::scheme::Server;
use cairn_rt::sync::Arc;
use cairn_rt::{Box, String, Vec, eprintln, format, println, thread};

use device::{E1000e, SLOTS, Vectors};

cairn_rt::main!(main);

/// What every thread shares: the device, served.
type Net = NetScheme<E1000e>;

/// Intel 82574L controllers, served as `net.e1000e0`, `net.e1000e1`, ...
const E1000E: Driven = Driven {
    matches: &[Match::Id { vendor: 0x8086, device: 0x10d3 }],
    article: "an",
    noun: "82574L (e1000e) controller",
    scheme_prefix: "net.e1000e",
};
/// Stack of each of the driver's threads.
const STACK: usize = 64 * 1024;

fn end(net: &Net, why: &str, code: i32) -> ! {
    eprintln!("e1000e: {}: {why}; ending", net.name);
    cairn_rt::process::exit(code)
}

/// Ends the driver when the device is gone, else has the scheme look at
/// the link (it logs and counts a change).
fn link_changed(net: &Net) {
    if !net.device.present() {
        end(net, "the device is gone (it reads all ones)", 0);
    }
    net.link_now();
}

/// The receive thread (MSI-X): hands on what came, unmasks, waits.
fn receive_thread(net: &Net, receive: &Interrupt) -> ! {
    receive.pin_waiter();
    loop {
        net.device.receive_ready(&mut |frame| net.deliver(frame));
        net.device.unmask(int::RXQ0);
        if let Err(error) = device::wait(receive, "wait for the receive interrupt") {
            end(net, &format!("{error}"), 1);
        }
    }
}

/// The transmit thread (MSI-X): frees the slots sent, unmasks, waits.
fn transmit_thread(net: &Net, transmit: &Interrupt) -> ! {
    transmit.pin_waiter();
    loop {
        net.device.transmit_done();
        net.device.unmask(int::TXQ0);
        if let Err(error) = device::wait(transmit, "wait for the transmit interrupt") {
            end(net, &format!("{error}"), 1);
        }
    }
}

/// The link thread (MSI-X): on each message of the other causes, clears
/// them, looks at the link, unmasks.
fn link_thread(net: &Net, other: &Interrupt) -> ! {
    loop {
        if let Err(error) = device::wait(other, "wait for the link interrupt") {
            end(net, &format!("{error}"), 1);
        }
        net.device.clear_other();
        link_changed(net);
        net.device.unmask(int::OTHER | int::LSC);
    }
}

/// The interrupt thread (MSI): reads the causes (which clears them) and
/// does what they name until none is left, then waits.
fn msi_thread(net: &Net, msi: &Interrupt) -> ! {
    msi.pin_waiter();
    loop {
        loop {
            let causes = net.device.take_causes();
            if causes == 0 {
                break;
            }
            if causes == u32::MAX {
                end(net, "the device is gone (it reads all ones)", 0);
            }
            if causes & int::MSI_RECEIVE != 0 {
                net.device.receive_ready(&mut |frame| net.deliver(frame));
            }
            if causes & int::TXDW != 0 {
                net.device.transmit_done();
            }
            if causes & int::LSC != 0 {
                link_changed(net);
            }
        }
        if let Err(error) = device::wait(msi, "wait for the interrupt") {
            end(net, &format!("{error}"), 1);
        }
    }
}

/// What an interrupt thread does: under MSI-X, one of the three
/// vectors' work; under MSI, everything (`Rest`).
#[derive(Clone, Copy)]
enum Work {
    Receive,
    Transmit,
    Rest,
}

fn interrupt_thread(net: &Net, work: Work) -> ! {
    match (&net.device.vectors, work) {
        (Vectors::MsiX { receive, .. }, Work::Receive) => receive_thread(net, receive),
        (Vectors::MsiX { transmit, .. }, Work::Transmit) => transmit_thread(net, transmit),
        (Vectors::MsiX { other, .. }, Work::Rest) => link_thread(net, other),
        (Vectors::Msi(msi), _) => msi_thread(net, msi),
    }
}

fn main() -> i32 {
    let args: Vec<String> = cairn_rt::env::args().skip(1).collect();
    let (msi, rest) = match args.split_first() {
        Some((first, rest)) if first == "--msi" => (true, rest),
        _ => (false, args.as_slice()),
    };
    let function = match rest {
        [] => None,
        [function] if !function.starts_with('-') => Some(function.as_str()),
        _ => {
            eprintln!("usage: e1000e [--msi] [FUNCTION]");
            return 2;
        }
    };
    let (device, scheme, server) = match E1000E.device(function) {
        Ok(found) => found,
        Err(why) => {
            eprintln!("e1000e: {why}");
            return 1;
        }
    };
    let function = String::from(device.name());
    let device = match E1000e::start(device, msi) {
        Ok(device) => device,
        Err(e) => {
            eprintln!("e1000e: {function}: {e}");
            return 1;
        }
    };
    let server = match server.map_or_else(|| Server::create(&scheme), Ok) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("e1000e: cannot register scheme {scheme}: {e}");
            return 1;
        }
    };
    let interrupts = match device.vectors {
        Vectors::MsiX { .. } => "MSI-X: other 0, receive 1, transmit 2",
        Vectors::Msi(_) => "MSI: one vector for every cause",
    };
    println!(
        "e1000e: {function}: {scheme}: MAC {}, link {}, {interrupts}, {SLOTS} descriptors per ring, {BACKLOG} frames of backlog per handle",
        Mac(device.mac),
        if device.link_up() { "up" } else { "down" },
    );
    let net = Arc::new(Net::new("e1000e", scheme, server, device));
    let spawn = |what: &str, work: Box<dyn FnOnce() + Send>| {
        if let Err(e) = thread::Builder::new().stack_size(STACK).spawn(work) {
            eprintln!("e1000e: cannot start {what}: {e}");
            cairn_rt::process::exit(1)
        }
    };
    let threads: &[(&str, Work)] = match net.device.vectors {
        Vectors::MsiX { .. } => &[
            ("the receive thread", Work::Receive),
            ("the transmit thread", Work::Transmit),
            ("the link thread", Work::Rest),
        ],
        Vectors::Msi(_) => &[("the interrupt thread", Work::Rest)],
    };
    for &(what, work) in threads {
        let shared = Arc::clone(&net);
        spawn(what, Box::new(move || interrupt_thread(&shared, work)));
    }
    println!("e1000e: serving {} as {}", Mac(net.device.mac), net.name);
    let error = net.serve();
    end(&net, &format!("reading requests failed: {error}"), 1)
}
