//! `nvme`: the NVMe driver. It finds every NVMe controller under
//! `/scheme/pci` (class 01, subclass 08, interface 02), brings each up
//! ([`controller`]) and serves each active namespace as a block device in
//! scheme `disk`: `/scheme/disk/nvmeCnN` (C counts from 0 the controllers
//! that came up, in `/scheme/pci` order; N is the namespace id), linked as
//! `/dev/nvmeCnN`. Reads and writes are byte-addressed at block-aligned
//! offsets and lengths (`EINVAL` otherwise), `fstat` gives the size,
//! `fsync` flushes the controller's volatile cache; only root may open a
//! disk. Prints `nvme: serving N disks with W worker threads` once
//! ready, then serves forever: one worker thread per I/O queue pair, each
//! taking requests from the scheme and submitting them on its own queue
//! pair, so as many requests are in flight as there are pairs.
//! `nvme --queues N` asks each controller for N queue pairs (at most 64)
//! instead of one per CPU, their vectors spread round-robin over the CPUs
//! (the scale test uses it).
//!
//! Depends on `cairn-driver` and `cairn-rt`.
#![no_std]
#![no_main]

mod controller;

use cairn_driver::Match;
use cairn_rt::abi::error::{EACCES, EBADF, EINVAL, EIO, EISDIR, ENOENT, ENOSPC};
use cairn_rt::abi::scheme::{self as op, DIRENT_FILE, Request};
use cairn_rt::abi::{MODE_DIR, MODE_FILE, O_ACCMODE, O_RDONLY, O_STAT, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET, Stat};
use cairn_rt::collections::BTreeMap;
use cairn_rt::scheme::Server;
use cairn_rt::sync::{Arc, Mutex};
use cairn_rt::thread;
use cairn_rt::{String, Vec, eprintln, format, println, vec};

use controller::{Controller, Direction, Namespace};

cairn_rt::main!(main);

/// The scheme the disks are served in.
const SCHEME: &str = "disk";
/// NVMe controllers: mass storage, non-volatile memory, NVM Express.
const NVME: Match = Match::Class { class: 0x01, subclass: Some(0x08), prog_if: Some(0x02) };

/// A disk: a namespace of a controller.
struct Disk {
    name: String,
    controller: usize,
    namespace: Namespace,
}

impl Disk {
    fn size(&self) -> u64 {
        self.namespace.blocks * u64::from(self.namespace.block_size)
    }
}

/// An open handle: a disk (or the directory, `None`), its position and access.
#[derive(Clone, Copy)]
struct Handle {
    disk: Option<usize>,
    position: u64,
    readable: bool,
    writable: bool,
}

/// The open handles and the next handle id.
struct Handles {
    open: BTreeMap<u64, Handle>,
    next: u64,
}

/// What every worker thread shares: the controllers (each worker has its
/// own queue pair on each), the disks, and the handles.
struct Driver {
    controllers: Vec<Controller>,
    disks: Vec<Disk>,
    handles: Mutex<Handles>,
}

/// Plain-old-data bytes of an ABI structure.
fn bytes_of<T: Copy>(value: &T) -> Vec<u8> {
    // SAFETY: ABI structures are plain old data.
    unsafe { core::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }.to_vec()
}

/// What to answer: a value or errno, and a payload.
type Answer = (Result<usize, i32>, Vec<u8>);

impl Driver {
    fn handle(&self, id: u64) -> Result<Handle, i32> {
        self.handles.lock().open.get(&id).copied().ok_or(EBADF)
    }

    /// Moves handle `id` on by `by` bytes (unless it was closed meanwhile).
    fn advance(&self, id: u64, by: u64) {
        if let Some(handle) = self.handles.lock().open.get_mut(&id) {
            handle.position += by;
        }
    }

    fn open(&self, request: &Request, path: &[u8]) -> Result<usize, i32> {
        if request.caller_uid != 0 {
            return Err(EACCES);
        }
        let flags = request.args[0] as usize;
        let path = core::str::from_utf8(path).map_err(|_| EINVAL)?.trim_matches('/');
        let access = flags & O_ACCMODE;
        let data = flags & O_STAT == 0;
        let disk = match path {
            "" if access != O_RDONLY => return Err(EISDIR),
            "" => None,
            name => Some(self.disks.iter().position(|d| d.name == name).ok_or(ENOENT)?),
        };
        let handle =
            Handle { disk, position: 0, readable: data && access != O_WRONLY, writable: data && access != O_RDONLY };
        let mut handles = self.handles.lock();
        let id = handles.next;
        handles.next += 1;
        handles.open.insert(id, handle);
        Ok(id as usize)
    }

    /// The disk behind an open disk handle, and the offset a read or write
    /// of `request` starts at.
    fn disk_of(&self, request: &Request, write: bool) -> Result<(usize, u64), i32> {
        let handle = self.handle(request.handle)?;
        let disk = handle.disk.ok_or(EISDIR)?;
        if (write && !handle.writable) || (!write && !handle.readable) {
            return Err(EBADF);
        }
        let positioned = request.args[2] == op::POSITIONED;
        Ok((disk, if positioned { request.args[1] } else { handle.position }))
    }

    /// Reads into or writes from `data` at `offset` of disk `index`, in
    /// transfers the controller takes, on `worker`'s queue pair; returns
    /// the bytes moved.
    fn transfer(
        &self,
        worker: usize,
        index: usize,
        direction: Direction,
        offset: u64,
        data: &mut [u8],
    ) -> Result<usize, i32> {
        let disk = &self.disks[index];
        let block = u64::from(disk.namespace.block_size);
        if !offset.is_multiple_of(block) || !(data.len() as u64).is_multiple_of(block) {
            return Err(EINVAL);
        }
        let size = disk.size();
        if offset >= size {
            return if direction == Direction::Write && !data.is_empty() { Err(ENOSPC) } else { Ok(0) };
        }
        let len = (data.len() as u64).min(size - offset) as usize;
        let controller = &self.controllers[disk.controller];
        let chunk = controller.transfer - controller.transfer % block as usize;
        for (at, piece) in (0..len).step_by(chunk).zip(data[..len].chunks_mut(chunk)) {
            let lba = (offset + at as u64) / block;
            controller.io(worker, &disk.namespace, direction, lba, piece).map_err(|e| failed(disk, e))?;
        }
        Ok(len)
    }

    fn read(&self, worker: usize, request: &Request) -> Answer {
        let mut data = vec![0u8; (request.args[0] as usize).min(op::MAX_PAYLOAD)];
        let moved = self
            .disk_of(request, false)
            .and_then(|(disk, offset)| self.transfer(worker, disk, Direction::Read, offset, &mut data));
        match moved {
            Ok(len) => {
                data.truncate(len);
                if request.args[2] != op::POSITIONED {
                    self.advance(request.handle, len as u64);
                }
                (Ok(len), data)
            }
            Err(e) => (Err(e), Vec::new()),
        }
    }

    fn write(&self, worker: usize, request: &Request, payload: &mut [u8]) -> Result<usize, i32> {
        let (disk, offset) = self.disk_of(request, true)?;
        let len = self.transfer(worker, disk, Direction::Write, offset, payload)?;
        if request.args[2] != op::POSITIONED {
            self.advance(request.handle, len as u64);
        }
        Ok(len)
    }

    fn seek(&self, request: &Request) -> Result<usize, i32> {
        let mut handles = self.handles.lock();
        let handle = handles.open.get_mut(&request.handle).ok_or(EBADF)?;
        let base = match request.args[1] as usize {
            SEEK_SET => 0,
            SEEK_CUR => handle.position as i64,
            SEEK_END => self.disks[handle.disk.ok_or(EISDIR)?].size() as i64,
            _ => return Err(EINVAL),
        };
        let target = base.checked_add(request.args[0] as i64).filter(|t| *t >= 0).ok_or(EINVAL)?;
        handle.position = target as u64;
        Ok(target as usize)
    }

    fn stat(&self, id: u64) -> Result<Vec<u8>, i32> {
        let stat = match self.handle(id)?.disk.map(|index| &self.disks[index]) {
            None => Stat { st_mode: MODE_DIR | 0o500, st_nlink: 2, ..Stat::default() },
            Some(disk) => Stat {
                st_ino: u64::from(disk.namespace.id),
                st_mode: MODE_FILE | 0o600,
                st_nlink: 1,
                st_size: disk.size(),
                st_blksize: disk.namespace.block_size,
                st_blocks: disk.size() / 512,
                ..Stat::default()
            },
        };
        Ok(bytes_of(&stat))
    }

    fn flush(&self, worker: usize, id: u64) -> Result<usize, i32> {
        let disk = &self.disks[self.handle(id)?.disk.ok_or(EISDIR)?];
        let controller = &self.controllers[disk.controller];
        controller.io(worker, &disk.namespace, Direction::Write, 0, &mut []).map_err(|e| failed(disk, e))?;
        Ok(0)
    }

    /// The directory's entries (all at once, if they fit in `wanted`).
    fn entries(&self, id: u64, wanted: usize) -> Answer {
        match self.handle(id) {
            Ok(Handle { disk: None, position: 0, .. }) => {}
            Ok(Handle { disk: None, .. }) => return (Ok(0), Vec::new()),
            Ok(_) => return (Err(EBADF), Vec::new()),
            Err(e) => return (Err(e), Vec::new()),
        }
        let mut out = Vec::new();
        for disk in &self.disks {
            out.push(DIRENT_FILE);
            out.push(disk.name.len() as u8);
            out.extend_from_slice(disk.name.as_bytes());
        }
        if out.len() > wanted {
            return (Err(EINVAL), Vec::new());
        }
        self.advance(id, 1);
        (Ok(out.len()), out)
    }

    /// Serves one request on `worker`'s queues; `None` for those that take no answer.
    fn serve(&self, worker: usize, request: &Request, payload: &mut [u8]) -> Option<Answer> {
        let result = match request.opcode {
            op::OPEN => self.open(request, payload),
            op::READ => return Some(self.read(worker, request)),
            op::WRITE => self.write(worker, request, payload),
            op::FSTAT => return Some(self.stat(request.handle).map_or_else(|e| (Err(e), Vec::new()), |s| (Ok(0), s))),
            op::LSEEK => self.seek(request),
            op::FSYNC => self.flush(worker, request.handle),
            op::GETDENTS => return Some(self.entries(request.handle, request.args[0] as usize)),
            op::CLOSE => {
                self.handles.lock().open.remove(&request.handle);
                return None;
            }
            op::CANCEL => return None,
            _ => Err(EINVAL),
        };
        Some((result, Vec::new()))
    }
}

/// Logs a failed command on `disk`; the client gets `EIO`.
fn failed(disk: &Disk, error: controller::NvmeError) -> i32 {
    eprintln!("nvme: {}: {error}", disk.name);
    EIO
}

/// Worker `worker`: takes requests from the scheme and serves them on its
/// own queue pairs, until reading requests fails.
fn work(worker: usize, driver: &Driver, server: &Server) -> i32 {
    loop {
        let mut incoming = match server.next() {
            Ok(incoming) => incoming,
            Err(e) => {
                eprintln!("nvme: reading requests failed: {e}");
                return 1;
            }
        };
        let request = incoming.request;
        if let Some((result, payload)) = driver.serve(worker, &request, &mut incoming.payload) {
            let _ = server.respond(request.id, result, &payload);
        }
    }
}

fn main() -> i32 {
    let args: Vec<String> = cairn_rt::env::args().skip(1).collect();
    let queues = match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [] => None,
        ["--queues", n] if n.parse::<usize>().is_ok_and(|n| n > 0) => n.parse().ok(),
        _ => {
            eprintln!("usage: nvme [--queues N]");
            return 2;
        }
    };
    let functions = match cairn_driver::find(NVME) {
        Ok(functions) => functions,
        Err(e) => {
            eprintln!("nvme: {e}");
            return 1;
        }
    };
    let mut driver = Driver {
        controllers: Vec::new(),
        disks: Vec::new(),
        handles: Mutex::new(Handles { open: BTreeMap::new(), next: 1 }),
    };
    for function in &functions {
        let started = Controller::start(function, queues).and_then(|mut controller| {
            let namespaces = controller.namespaces()?;
            if let Some(first) = namespaces.first() {
                controller.check_queues(first)?;
            }
            Ok((controller, namespaces))
        });
        let (controller, namespaces) = match started {
            Ok(started) => started,
            Err(e) => {
                eprintln!("nvme: {function}: {e}");
                continue;
            }
        };
        let number = driver.controllers.len();
        println!(
            "nvme: {function}: nvme{number}: {} (serial {}), {} I/O queue pairs, {} bytes per command",
            controller.model,
            controller.serial,
            controller.queue_pairs(),
            controller.transfer
        );
        for namespace in namespaces {
            let disk = Disk { name: format!("nvme{number}n{}", namespace.id), controller: number, namespace };
            println!("nvme: {}: {} blocks of {} bytes", disk.name, namespace.blocks, namespace.block_size);
            driver.disks.push(disk);
        }
        driver.controllers.push(controller);
    }
    if driver.controllers.is_empty() {
        eprintln!("nvme: no usable NVMe controller among {} found", functions.len());
        return 1;
    }
    let server = match Server::create(SCHEME) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("nvme: cannot register scheme {SCHEME}: {e}");
            return 1;
        }
    };
    for disk in &driver.disks {
        let link = format!("/dev/{}", disk.name);
        // A link left by an earlier run of the driver is replaced.
        let _ = cairn_rt::fs::remove_file(&link);
        if let Err(e) = cairn_rt::fs::symlink(&format!("/scheme/{SCHEME}/{}", disk.name), &link) {
            eprintln!("nvme: cannot link {link}: {e}");
        }
    }
    let workers = driver.controllers.iter().map(Controller::queue_pairs).max().unwrap_or(1);
    println!("nvme: serving {} disks with {workers} worker threads", driver.disks.len());
    let shared = Arc::new((driver, server));
    for worker in 1..workers {
        let shared = Arc::clone(&shared);
        let spawned = thread::Builder::new().spawn(move || work(worker, &shared.0, &shared.1));
        if let Err(e) = spawned {
            eprintln!("nvme: cannot start worker {worker}: {e}");
        }
    }
    work(0, &shared.0, &shared.1)
}
