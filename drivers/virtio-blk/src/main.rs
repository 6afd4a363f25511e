//! `virtio-blk`: the driver of virtio block devices (QEMU's
//! `virtio-blk-pci`) in modern mode — virtio 1.x over PCI, vendor 0x1af4,
//! device 0x1042, or the transitional 0x1001 when it has the modern
//! capabilities. One process drives one device ([`device`]) and serves it
//! through `cairn-block` as file `0` of scheme `disk.vdK`, linked as
//! `/dev/vda`, `/dev/vdb`, ... (K, and the letter, count the virtio-blk
//! functions from 0 in bus order). Started by `devd` (the normal way), it
//! takes the device context (fd 3) and the scheme devd registered for it
//! (fd 4, `CAIRN_SCHEME`); run by hand (`virtio-blk [FUNCTION]`, as root)
//! it claims FUNCTION (by default the first virtio-blk function) and
//! registers `disk.vdK` itself. Prints `virtio-blk: serving /dev/vdX as
//! SCHEME` once ready.
//!
//! Requests run asynchronously: one submitter per request queue (one
//! queue per CPU if the device offers several) pushes each request's
//! chain and goes back for the next; each queue's completion thread
//! answers requests as the device returns them. A watchdog gives up on
//! requests older than [`device::IO_TIMEOUT`] (`EIO`) and ends the driver
//! (exit 1: devd resets and restarts it) when the device reports
//! DEVICE_NEEDS_RESET or FAILED or breaks its used ring. A device it
//! cannot drive at all (legacy-only: no virtio 1.x capabilities, or no
//! VERSION_1) is logged and the driver exits 0, so devd does not retry.
//!
//! Depends on `cairn-block`, `cairn-driver`, `cairn-virtio` and `cairn-rt`.
#![no_std]
#![no_main]

mod device;

use cairn_block::{BlockDriver, BlockScheme, Disk, Done, Operation};
use cairn_driver::{Driven, Match};
use cairn_rt::events::{EVENT_READ, Event, EventQueue};
use cairn_rt::scheme::Server;
use cairn_rt::sync::Arc;
use cairn_rt::time::Duration;
use cairn_rt::{Box, String, Vec, eprintln, format, println, thread, vec};
use cairn_virtio::pci::{Health, Transport, VirtioError};

use device::{BlkError, BlockDevice};

cairn_rt::main!(main);

/// The prefix of the scheme names (`disk.vd0`).
const SCHEME_PREFIX: &str = "disk.vd";
/// Virtio block devices: modern, and transitional.
const VIRTIO_BLK: Driven = Driven {
    matches: &[Match::Id { vendor: 0x1af4, device: 0x1042 }, Match::Id { vendor: 0x1af4, device: 0x1001 }],
    article: "a",
    noun: "virtio-blk device",
    scheme_prefix: SCHEME_PREFIX,
};
/// The one file of the scheme.
const FILE: &str = "0";
/// Stack of each of the driver's threads.
const STACK: usize = 64 * 1024;
/// How often the watchdog looks at least (it also wakes on the
/// configuration-change interrupt, which a device raises when it needs a reset).
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// The device serves one disk: an operation is a request on request
/// queue `queue`.
impl BlockDriver for BlockDevice {
    type Device = ();
    type Error = BlkError;

    fn transfer(&self) -> usize {
        BlockDevice::transfer(self)
    }

    fn start(&self, queue: usize, _: &(), operation: Operation<'_>, block: u64, done: Done<BlkError>) {
        self.submit(queue, operation, block, done);
    }
}

type Driver = BlockScheme<BlockDevice>;

/// The name Linux gives the K-th virtio disk: `vda` ... `vdz`, `vdaa` ...
fn disk_name(number: usize) -> String {
    let letter = |n: usize| char::from(b'a' + (n % 26) as u8);
    match number {
        0..26 => format!("vd{}", letter(number)),
        _ => format!("vd{}{}", letter(number / 26 - 1), letter(number)),
    }
}

/// Ends the driver with `code`: gives up on everything in flight, logs why.
fn end(driver: &Driver, why: &str, code: i32) -> ! {
    let given_up = driver.driver().expire(Some(driver.driver().health()).filter(|h| *h != Health::Working));
    eprintln!("virtio-blk: {}: {why}; failed {given_up} requests in flight, ending", driver.name());
    cairn_rt::process::exit(code)
}

/// The watchdog: gives up on requests in flight too long, and ends the
/// driver when the device needs a reset or failed.
fn watchdog(driver: &Driver) -> ! {
    let events = match EventQueue::new() {
        Ok(events) => events,
        Err(e) => end(driver, &format!("event queue: {e}"), 1),
    };
    // Without the configuration interrupt the watchdog still looks every second.
    let fd = driver.driver().config_interrupt.as_raw_fd();
    if let Err(e) = events.watch(fd, EVENT_READ, 0) {
        eprintln!("virtio-blk: {}: configuration interrupt not watched: {e}", driver.name());
    }
    loop {
        let mut ready = [Event::default()];
        if matches!(events.wait(&mut ready, Some(WATCH_EVERY)), Ok(1)) {
            let _ = cairn_rt::io::read_fd(fd, &mut [0u8; 8]);
        }
        match driver.driver().health() {
            Health::Working => {}
            // Nothing left to drive: devd does not restart a driver that exits 0.
            Health::Gone => end(driver, "the device is gone (it reads all ones)", 0),
            broken => end(driver, &format!("the device reports {broken:?} (devd resets and restarts the driver)"), 1),
        }
        let expired = driver.driver().expire(None);
        if expired > 0 {
            eprintln!("virtio-blk: {}: gave up on {expired} requests", driver.name());
        }
    }
}

/// Reads block 0 through every request queue (each must answer, and its
/// vector fire) before the driver serves; bounded.
fn check_queues(driver: &Driver) -> Result<(), String> {
    let mut block = vec![0u8; driver.disks()[0].block_size as usize];
    for queue in 0..driver.driver().queue_count() {
        driver.read_now(queue, 0, 0, &mut block).map_err(|e| format!("queue {queue}: {e}"))?;
    }
    Ok(())
}

fn main() -> i32 {
    let args: Vec<String> = cairn_rt::env::args().skip(1).collect();
    let function = match args.as_slice() {
        [] => None,
        [function] if !function.starts_with('-') => Some(function.as_str()),
        _ => {
            eprintln!("usage: virtio-blk [FUNCTION]");
            return 2;
        }
    };
    let (device, scheme, server) = match VIRTIO_BLK.device(function) {
        Ok(found) => found,
        Err(why) => {
            eprintln!("virtio-blk: {why}");
            return 1;
        }
    };
    let Some(number) = scheme.strip_prefix(SCHEME_PREFIX).and_then(|n| n.parse::<usize>().ok()) else {
        eprintln!("virtio-blk: scheme {scheme} is not {SCHEME_PREFIX}K");
        return 1;
    };
    let function = String::from(device.name());
    let started = Transport::new(device).map_err(BlkError::from).and_then(BlockDevice::start);
    let device = match started {
        Ok(device) => device,
        Err(e @ BlkError::Virtio(VirtioError::NotModern { .. } | VirtioError::NoVersion1)) => {
            eprintln!("virtio-blk: {function}: {e}; nothing to drive");
            return 0;
        }
        Err(e) => {
            eprintln!("virtio-blk: {function}: {e}");
            return 1;
        }
    };
    println!(
        "virtio-blk: {function}: {scheme}: {} blocks of {} bytes, {} request queues, seg_max {}, flush {}, read-only {}",
        device.blocks,
        device.block_size,
        device.queue_count(),
        device.seg_max,
        if device.flush { "yes" } else { "no" },
        if device.read_only { "yes" } else { "no" },
    );
    let server = match server.map_or_else(|| Server::create(&scheme), Ok) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("virtio-blk: cannot register scheme {scheme}: {e}");
            return 1;
        }
    };
    let disk = Disk {
        name: String::from(FILE),
        inode: 1,
        block_size: device.block_size,
        blocks: device.blocks,
        read_only: device.read_only,
        device: (),
    };
    let driver = Arc::new(BlockScheme::new("virtio-blk", scheme, server, device, vec![disk]));
    let spawn = |what: &str, work: Box<dyn FnOnce() + Send>| {
        if let Err(e) = thread::Builder::new().stack_size(STACK).spawn(work) {
            eprintln!("virtio-blk: cannot start {what}: {e}");
            cairn_rt::process::exit(1)
        }
    };
    let queues = driver.driver().queue_count();
    for queue in 0..queues {
        let driver = Arc::clone(&driver);
        spawn(
            "a completion thread",
            Box::new(move || {
                let error = driver.driver().complete(queue);
                end(&driver, &format!("request queue {queue}: {error}"), 1)
            }),
        );
    }
    let watched = Arc::clone(&driver);
    spawn("the watchdog", Box::new(move || watchdog(&watched)));
    if let Err(why) = check_queues(&driver) {
        end(&driver, &why, 1);
    }
    driver.find_partitions();
    let link = disk_name(number);
    driver.link(&driver.disks()[0], &link);
    println!("virtio-blk: serving /dev/{link} as {} with {queues} submitters", driver.name());
    for queue in 1..queues {
        let driver = Arc::clone(&driver);
        spawn(
            "a submitter",
            Box::new(move || {
                let error = driver.serve(|| queue);
                end(&driver, &format!("reading requests failed: {error}"), 1)
            }),
        );
    }
    let error = driver.serve(|| 0);
    end(&driver, &format!("reading requests failed: {error}"), 1)
}
