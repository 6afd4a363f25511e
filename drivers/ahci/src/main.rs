//! `ahci`: the AHCI driver. One process drives one SATA host bus adapter
//! (PCI class 01, subclass 06, interface 01: QEMU's `ich9-ahci`), brings
//! it up ([`hba`]) and serves the ATA disk on each port P as a block
//! device: file `P` of scheme `disk.sataC`, linked in port order as
//! `/dev/sda`, `/dev/sdb`, ... (controller 0; the disks of controller
//! C > 0 as `/dev/sdCa`, ...), partitions as cairn-block finds them
//! (`sda1`). ATAPI devices, port multipliers and other devices are
//! logged and skipped; an HBA without ATA disks is left (exit 0). Started by `devd` (the normal way), it takes the
//! device context (fd 3) and the scheme devd registered for it (fd 4,
//! named in `CAIRN_SCHEME`); run by hand (`ahci [FUNCTION]`, as root) it
//! claims FUNCTION (by default the first AHCI function) and registers
//! `disk.sataC` itself, C its place among the AHCI functions. Reads and
//! writes are byte-addressed at sector-aligned offsets and lengths
//! (`EINVAL` otherwise), `fsync` is FLUSH CACHE EXT; only root may open
//! a disk. Prints `ahci: serving N disks as SCHEME` once ready.
//!
//! Requests run asynchronously: submitter threads (one per CPU) take
//! requests from the scheme and issue their commands without waiting,
//! up to the disk's NCQ queue depth per port; the HBA's completion thread
//! answers them. A watchdog gives up on commands older than
//! [`hba::IO_TIMEOUT`] (`EIO`, the port restarted) and ends the driver
//! when the HBA fails (exit 1: devd resets and restarts it) or is gone
//! (exit 0).
//!
//! Depends on `cairn-ahci-command`, `cairn-block`, `cairn-driver` and `cairn-rt`.
#![no_std]
#![no_main]

mod hba;

use cairn_block::{BlockDriver, BlockScheme, Disk, Done, Operation};
use cairn_driver::{Driven, Match};
use cairn_rt::scheme::Server;
use cairn_rt::sync::Arc;
use cairn_rt::time::Duration;
use cairn_rt::{Box, String, Vec, eprintln, format, println, thread};

use hba::{AhciError, DiskPort, Hba, Health};

cairn_rt::main!(main);

/// The prefix of the scheme names (`disk.sata0`).
const SCHEME_PREFIX: &str = "disk.sata";
/// AHCI HBAs: mass storage, SATA, AHCI 1.0.
const AHCI: Driven = Driven {
    matches: &[Match::Class { class: 0x01, subclass: Some(0x06), prog_if: Some(0x01) }],
    article: "an",
    noun: "AHCI controller",
    scheme_prefix: SCHEME_PREFIX,
};
/// Stack of each of the driver's threads.
const STACK: usize = 64 * 1024;
/// How often the watchdog looks at the HBA and the commands in flight.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// The HBA serves its disks: an operation is an ATA command on the
/// disk's port (the queue number does not matter: one port, one queue).
impl BlockDriver for Hba {
    type Device = DiskPort;
    type Error = AhciError;

    fn transfer(&self) -> usize {
        self.transfer
    }

    fn start(&self, _queue: usize, disk: &DiskPort, operation: Operation<'_>, block: u64, done: Done<AhciError>) {
        self.submit(*disk, operation, block, done);
    }
}

/// What every thread shares: the scheme, serving the HBA's disks.
type Driver = BlockScheme<Hba>;

/// The watchdog: gives up on commands in flight too long, and ends the
/// driver when the HBA failed (1) or is gone (0).
fn watchdog(driver: &Driver) -> ! {
    loop {
        thread::sleep(WATCH_EVERY);
        let health = driver.driver().health();
        let expired = driver.driver().expire(health != Health::Working);
        if expired > 0 {
            eprintln!("ahci: {}: gave up on {expired} commands", driver.name());
        }
        match health {
            Health::Working => {}
            Health::Failed => {
                eprintln!(
                    "ahci: {}: the HBA's registers read all ones; ending (devd resets and restarts the driver)",
                    driver.name()
                );
                cairn_rt::process::exit(1)
            }
            Health::Gone => {
                eprintln!("ahci: {}: the HBA is gone (it reads all ones); ending", driver.name());
                cairn_rt::process::exit(0)
            }
        }
    }
}

/// A submitter: takes requests from the scheme and starts them until
/// reading requests fails.
fn submitter(driver: &Arc<Driver>) -> i32 {
    let error = driver.serve(|| 0);
    eprintln!("ahci: reading requests failed: {error}");
    1
}

/// The `/dev` name of the `index`th disk (in port order) of scheme `scheme`.
fn link_name(scheme: &str, index: usize) -> String {
    let letter = char::from(b'a' + (index % 26) as u8);
    match scheme.strip_prefix(SCHEME_PREFIX) {
        Some("0") | None => format!("sd{letter}"),
        Some(controller) => format!("sd{controller}{letter}"),
    }
}

fn main() -> i32 {
    let args: Vec<String> = cairn_rt::env::args().skip(1).collect();
    let function = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => None,
        [function] if !function.starts_with('-') => Some(*function),
        _ => {
            eprintln!("usage: ahci [FUNCTION]");
            return 2;
        }
    };
    let (device, scheme, server) = match AHCI.device(function) {
        Ok(found) => found,
        Err(why) => {
            eprintln!("ahci: {why}");
            return 1;
        }
    };
    let function = String::from(device.name());
    let hba = match Hba::start(device) {
        Ok(hba) => hba,
        Err(AhciError::Gone) => {
            eprintln!("ahci: {function}: {}; nothing to drive", AhciError::Gone);
            return 0;
        }
        Err(e) => {
            eprintln!("ahci: {function}: {e}");
            return 1;
        }
    };
    println!(
        "ahci: {function}: {scheme}: {} slots per port, NCQ {}, {} disks",
        hba.slots,
        if hba.ncq { "yes" } else { "no" },
        hba.ports.len()
    );
    if hba.ports.is_empty() {
        println!("ahci: {function}: no ATA disks; nothing to drive");
        return 0;
    }
    for port in &hba.ports {
        let identity = &port.identity;
        let queue = identity.queue_depth.map_or(String::from("no NCQ"), |depth| format!("NCQ depth {depth}"));
        println!(
            "ahci: port {}: {} (serial {}), {} sectors of {} bytes, {queue}",
            port.number, identity.model, identity.serial, identity.sectors, identity.sector_size
        );
    }
    let server = match server.map_or_else(|| Server::create(&scheme), Ok) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("ahci: cannot register scheme {scheme}: {e}");
            return 1;
        }
    };
    let disks: Vec<Disk<DiskPort>> = hba
        .ports
        .iter()
        .enumerate()
        .map(|(index, port)| Disk {
            name: format!("{}", port.number),
            inode: u64::from(port.number),
            block_size: port.identity.sector_size,
            blocks: port.identity.sectors,
            read_only: false,
            device: DiskPort(index),
        })
        .collect();
    let interrupt = hba.interrupt();
    let driver = Arc::new(BlockScheme::new("ahci", scheme, server, hba, disks));
    let spawn = |what: &str, work: Box<dyn FnOnce() + Send>| {
        if let Err(e) = thread::Builder::new().stack_size(STACK).spawn(work) {
            eprintln!("ahci: cannot start {what}: {e}");
            cairn_rt::process::exit(1)
        }
    };
    let completing = Arc::clone(&driver);
    spawn(
        "the completion thread",
        Box::new(move || {
            let error = completing.driver().complete(interrupt);
            eprintln!("ahci: {}: completion thread: {error}", completing.name());
            cairn_rt::process::exit(1)
        }),
    );
    let watched = Arc::clone(&driver);
    spawn("the watchdog", Box::new(move || watchdog(&watched)));
    driver.find_partitions();
    for (index, disk) in driver.disks().iter().enumerate() {
        let link = link_name(driver.name(), index);
        println!("ahci: /dev/{link}: port {}, {} blocks of {} bytes", disk.name, disk.blocks, disk.block_size);
        driver.link(disk, &link);
    }
    let submitters = thread::available_parallelism().map_or(1, |n| n.get());
    println!("ahci: serving {} disks as {} with {submitters} submitters", driver.disks().len(), driver.name());
    for _ in 1..submitters {
        let driver = Arc::clone(&driver);
        spawn("a submitter", Box::new(move || cairn_rt::process::exit(submitter(&driver))));
    }
    submitter(&driver)
}
