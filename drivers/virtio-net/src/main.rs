//! `virtio-net`: the driver of virtio network devices (QEMU's
//! `virtio-net-pci`) in modern mode — virtio 1.x over PCI, vendor 0x1af4,
//! device 0x1041, or the transitional 0x1000 when it has the modern
//! capabilities. One process drives one device ([`device`]) and serves it
//! as scheme `net.virtioN` (N counts the virtio-net functions from 0 in
//! bus order). Started by `devd` (the normal way), it takes the device
//! context (fd 3) and the scheme devd registered for it (fd 4); run by
//! hand (`virtio-net [FUNCTION]`, as root) it claims FUNCTION (by default
//! the first virtio-net function) and registers `net.virtioN` itself.
//! Prints `virtio-net: serving MAC as SCHEME` once ready.
//!
//! The scheme (`cairn-netdev`): opening its root gives a frame handle — each
//! gets a copy of every frame received from then on, up to [`BACKLOG`]
//! unread; `read` returns one frame, `write` sends one — and `mac`,
//! `link` and `stats` are small text files (docs/ABI.md, "Schemes
//! `net.*`"). Frames are copied through the scheme; shared-memory rings
//! come later.
//!
//! Threads: the request loop (main), the receive thread, the transmit
//! thread (frees transmit slots on its interrupt) and the configuration
//! thread (link changes; ends the driver, exit 1, when the device needs a
//! reset). A legacy-only device is logged and the driver exits 0.
//!
//! Depends on `cairn-driver`, `cairn-netdev`, `cairn-virtio` and `cairn-rt`.
#![no_std]
#![no_main]

mod device;

use cairn_driver::{Driven, Match};
use cairn_netdev::{BACKLOG, Mac, NetScheme};
use cairn_rt::scheme::Server;
use cairn_rt::sync::Arc;
use cairn_rt::{Box, String, Vec, eprintln, format, println, thread};
use cairn_virtio::pci::{Health, Transport, VirtioError};

use device::{NetDevice, NetError};

cairn_rt::main!(main);

/// What every thread shares: the device, served.
type Net = NetScheme<NetDevice>;

/// Virtio network devices (modern, and transitional), served as
/// `net.virtio0`, `net.virtio1`, ...
const VIRTIO_NET: Driven = Driven {
    matches: &[Match::Id { vendor: 0x1af4, device: 0x1041 }, Match::Id { vendor: 0x1af4, device: 0x1000 }],
    article: "a",
    noun: "virtio-net device",
    scheme_prefix: "net.virtio",
};
/// Stack of each of the driver's threads.
const STACK: usize = 64 * 1024;

/// The configuration thread: logs link changes, and ends the driver when
/// the device needs a reset (exit 1: devd resets and restarts it) or is
/// gone (exit 0).
fn watch_config(net: &Net) -> ! {
    loop {
        if let Err(error) = device::wait(&net.device.config_interrupt, "wait for the configuration interrupt") {
            end(net, &format!("{error}"), 1);
        }
        match net.device.health() {
            Health::Working => {}
            Health::Gone => end(net, "the device is gone (it reads all ones)", 0),
            broken => end(net, &format!("the device reports {broken:?} (devd resets and restarts the driver)"), 1),
        }
        net.link_now();
    }
}

fn end(net: &Net, why: &str, code: i32) -> ! {
    eprintln!("virtio-net: {}: {why}; ending", net.name);
    cairn_rt::process::exit(code)
}

fn main() -> i32 {
    let args: Vec<String> = cairn_rt::env::args().skip(1).collect();
    let function = match args.as_slice() {
        [] => None,
        [function] if !function.starts_with('-') => Some(function.as_str()),
        _ => {
            eprintln!("usage: virtio-net [FUNCTION]");
            return 2;
        }
    };
    let (device, scheme, server) = match VIRTIO_NET.device(function) {
        Ok(found) => found,
        Err(why) => {
            eprintln!("virtio-net: {why}");
            return 1;
        }
    };
    let function = String::from(device.name());
    let started = Transport::new(device).map_err(NetError::from).and_then(NetDevice::start);
    let device = match started {
        Ok(device) => device,
        Err(e @ NetError::Virtio(VirtioError::NotModern { .. } | VirtioError::NoVersion1)) => {
            eprintln!("virtio-net: {function}: {e}; nothing to drive");
            return 0;
        }
        Err(e) => {
            eprintln!("virtio-net: {function}: {e}");
            return 1;
        }
    };
    let server = match server.map_or_else(|| Server::create(&scheme), Ok) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("virtio-net: cannot register scheme {scheme}: {e}");
            return 1;
        }
    };
    println!(
        "virtio-net: {function}: {scheme}: MAC {}, link {}, features {:#x}, {BACKLOG} frames of backlog per handle",
        Mac(device.mac),
        if device.link_up() { "up" } else { "down" },
        device.features,
    );
    let net = Arc::new(Net::new("virtio-net", scheme, server, device));
    let spawn = |what: &str, work: Box<dyn FnOnce() + Send>| {
        if let Err(e) = thread::Builder::new().stack_size(STACK).spawn(work) {
            eprintln!("virtio-net: cannot start {what}: {e}");
            cairn_rt::process::exit(1)
        }
    };
    let receiving = Arc::clone(&net);
    spawn(
        "the receive thread",
        Box::new(move || {
            let error = receiving.device.receive(|frame| receiving.deliver(frame));
            end(&receiving, &format!("receive queue: {error}"), 1)
        }),
    );
    let transmitting = Arc::clone(&net);
    spawn(
        "the transmit thread",
        Box::new(move || {
            let error = transmitting.device.transmit_done();
            end(&transmitting, &format!("transmit queue: {error}"), 1)
        }),
    );
    let watched = Arc::clone(&net);
    spawn("the configuration thread", Box::new(move || watch_config(&watched)));
    println!("virtio-net: serving {} as {}", Mac(net.device.mac), net.name);
    let error = net.serve();
    end(&net, &format!("reading requests failed: {error}"), 1)
}
