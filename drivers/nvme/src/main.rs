//! `nvme`: the NVMe driver. One process drives one controller (PCI class
//! 01, subclass 08, interface 02), brings it up ([`controller`]) and serves
//! each active namespace N as a block device: file `N` of scheme
//! `disk.nvmeC`, linked as `/dev/nvmeCnN`. Started by `devd` (the normal
//! way), it takes the device context (fd 3) and the scheme devd registered
//! for it (fd 4, named in `CAIRN_SCHEME`: `disk.nvmeC`, C counting from 0
//! the NVMe functions in bus order); run by hand (`nvme [--queues N]
//! [FUNCTION]`, as root) it claims FUNCTION (`SSSS-BB-DD.F`, by default
//! the first NVMe function) and registers `disk.nvmeC` itself, C its
//! place among the NVMe functions. Reads and writes are byte-addressed at
//! block-aligned offsets and lengths (`EINVAL` otherwise), `fstat` gives
//! the size, `fsync` flushes the controller's volatile cache; only root
//! may open a disk. Prints `nvme: serving N disks as SCHEME` once ready.
//!
//! Requests run asynchronously: submitter threads (one per I/O queue
//! pair, at most one per CPU) take requests from the scheme and submit
//! their commands without waiting; each pair's completion thread answers
//! a request when its last command completes, so up to 63 commands per
//! pair are in flight. A watchdog thread gives up on commands older than
//! [`controller::IO_TIMEOUT`] (`EIO`) and ends the driver when the
//! controller fails (exit 1: devd resets and restarts it) or is gone
//! (exit 0: nothing left to drive). `--queues N` asks for N queue pairs
//! (at most 64) instead of one per CPU, their vectors spread round-robin
//! over the CPUs (the scale test uses it).
//!
//! The scheme itself (handles, checks, the directory) is `cairn-block`.
//!
//! Depends on `cairn-block`, `cairn-driver`, `cairn-nvme-queue` and `cairn-rt`.
#![no_std]
#![no_main]

mod controller;

use cairn_block::{BlockDriver, BlockScheme, Disk, Done, Operation};
use cairn_driver::{Driven, Match};
use cairn_rt::scheme::Server;
use cairn_rt::sync::Arc;
use cairn_rt::time::Duration;
use cairn_rt::{Box, String, Vec, eprintln, format, println, thread, vec};

use controller::{Controller, Health, Namespace, NvmeError};

cairn_rt::main!(main);

/// NVMe controllers (mass storage, non-volatile memory, NVM Express),
/// served as `disk.nvme0`, `disk.nvme1`, ...
const NVME: Driven = Driven {
    matches: &[Match::Class { class: 0x01, subclass: Some(0x08), prog_if: Some(0x02) }],
    article: "an",
    noun: "NVMe controller",
    scheme_prefix: "disk.nvme",
};
/// Stack of each of the driver's threads.
const STACK: usize = 64 * 1024;
/// How often the watchdog looks at the controller and the commands in flight.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// The controller serves its namespaces: an operation is an NVM command
/// on I/O queue pair `queue`.
impl BlockDriver for Controller {
    type Device = Namespace;
    type Error = NvmeError;

    fn transfer(&self) -> usize {
        self.transfer
    }

    fn start(&self, queue: usize, namespace: &Namespace, operation: Operation<'_>, block: u64, done: Done<NvmeError>) {
        self.submit(queue, namespace, operation, block, done);
    }
}

/// What every thread shares: the scheme, serving the controller's namespaces.
type Driver = BlockScheme<Controller>;

/// Submitter `index` of `count`: takes requests from the scheme and
/// starts them on the queue pairs `index`, `index + count`, ... in turn,
/// until reading requests fails.
fn submitter(driver: &Arc<Driver>, index: usize, count: usize) -> i32 {
    let pairs = driver.driver().queue_pairs();
    let mut turn = 0;
    let error = driver.serve(|| {
        let pair = (index + count * turn) % pairs;
        turn = (turn + 1) % pairs.div_ceil(count);
        pair
    });
    eprintln!("nvme: reading requests failed: {error}");
    1
}

/// The watchdog: gives up on commands in flight too long, and ends the
/// driver when the controller failed (1) or is gone (0).
fn watchdog(driver: &Driver) -> ! {
    loop {
        thread::sleep(WATCH_EVERY);
        let health = driver.driver().health();
        let expired = driver.driver().expire(health != Health::Working);
        if expired > 0 {
            eprintln!("nvme: {}: gave up on {expired} commands", driver.name());
        }
        match health {
            Health::Working => {}
            Health::Fatal => {
                eprintln!(
                    "nvme: {}: controller fatal status; ending (devd resets and restarts the driver)",
                    driver.name()
                );
                cairn_rt::process::exit(1)
            }
            Health::Gone => {
                eprintln!("nvme: {}: the controller is gone (it reads all ones); ending", driver.name());
                cairn_rt::process::exit(0)
            }
        }
    }
}

/// Reads block 0 of the first disk through every I/O queue pair (each
/// must answer, and its vector fire) before the driver serves.
fn check_queues(driver: &Driver) -> Result<(), String> {
    let Some(disk) = driver.disks().first() else { return Ok(()) };
    let mut block = vec![0u8; disk.block_size as usize];
    for pair in 0..driver.driver().queue_pairs() {
        driver.read_now(pair, 0, 0, &mut block).map_err(|e| format!("queue pair {}: {e}", pair + 1))?;
    }
    Ok(())
}

fn main() -> i32 {
    let args: Vec<String> = cairn_rt::env::args().skip(1).collect();
    let (queues, function) = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => (None, None),
        [function] if !function.starts_with('-') => (None, Some(*function)),
        ["--queues", n, rest @ ..] if n.parse::<usize>().is_ok_and(|n| n > 0) && rest.len() <= 1 => {
            (n.parse().ok(), rest.first().copied())
        }
        _ => {
            eprintln!("usage: nvme [--queues N] [FUNCTION]");
            return 2;
        }
    };
    let (device, scheme, server) = match NVME.device(function) {
        Ok(found) => found,
        Err(why) => {
            eprintln!("nvme: {why}");
            return 1;
        }
    };
    let function = String::from(device.name());
    let started = Controller::start(device, queues).and_then(|controller| Ok((controller.namespaces()?, controller)));
    let (namespaces, controller) = match started {
        Ok(started) => started,
        Err(NvmeError::Gone) => {
            eprintln!("nvme: {function}: {}; nothing to drive", NvmeError::Gone);
            return 0;
        }
        Err(e) => {
            eprintln!("nvme: {function}: {e}");
            return 1;
        }
    };
    println!(
        "nvme: {function}: {scheme}: {} (serial {}), {} I/O queue pairs, {} bytes per command",
        controller.model,
        controller.serial,
        controller.queue_pairs(),
        controller.transfer
    );
    let server = match server.map_or_else(|| Server::create(&scheme), Ok) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("nvme: cannot register scheme {scheme}: {e}");
            return 1;
        }
    };
    let disks: Vec<Disk<Namespace>> = namespaces
        .into_iter()
        .map(|namespace| Disk {
            name: format!("{}", namespace.id),
            inode: u64::from(namespace.id),
            block_size: namespace.block_size,
            blocks: namespace.blocks,
            read_only: false,
            device: namespace,
        })
        .collect();
    let driver = Arc::new(BlockScheme::new("nvme", scheme, server, controller, disks));
    let spawn = |what: &str, work: Box<dyn FnOnce() + Send>| {
        if let Err(e) = thread::Builder::new().stack_size(STACK).spawn(work) {
            eprintln!("nvme: cannot start {what}: {e}");
            cairn_rt::process::exit(1)
        }
    };
    for pair in 0..driver.driver().queue_pairs() {
        let driver = Arc::clone(&driver);
        spawn(
            "a completion thread",
            Box::new(move || {
                let error = driver.driver().complete(pair);
                eprintln!("nvme: {}: queue pair {}: {error}", driver.name(), pair + 1);
                cairn_rt::process::exit(1)
            }),
        );
    }
    let watched = Arc::clone(&driver);
    spawn("the watchdog", Box::new(move || watchdog(&watched)));
    if let Err(why) = check_queues(&driver) {
        eprintln!("nvme: {function}: {why}");
        return 1;
    }
    driver.find_partitions();
    let base = driver.name().strip_prefix("disk.").unwrap_or(driver.name());
    for disk in driver.disks() {
        let link = format!("{base}n{}", disk.name);
        println!("nvme: /dev/{link}: {} blocks of {} bytes", disk.blocks, disk.block_size);
        driver.link(disk, &link);
    }
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    let submitters = driver.driver().queue_pairs().min(cpus);
    println!("nvme: serving {} disks as {} with {submitters} submitters", driver.disks().len(), driver.name());
    for index in 1..submitters {
        let driver = Arc::clone(&driver);
        spawn("a submitter", Box::new(move || cairn_rt::process::exit(submitter(&driver, index, submitters))));
    }
    submitter(&driver, 0, submitters)
}
