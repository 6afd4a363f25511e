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
//! Depends on `cairn-driver`, `cairn-nvme-queue` and `cairn-rt`.
#![no_std]
#![no_main]

mod controller;

use cairn_driver::{Device, Match};
use cairn_rt::abi::error::{EACCES, EBADF, EINVAL, EIO, EISDIR, ENOENT, ENOSPC};
use cairn_rt::abi::scheme::{self as op, DIRENT_FILE, Request};
use cairn_rt::abi::{MODE_BLOCK, MODE_DIR, O_ACCMODE, O_RDONLY, O_STAT, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET, Stat};
use cairn_rt::collections::BTreeMap;
use cairn_rt::scheme::{RESPONSE_HEADER, Server};
use cairn_rt::sync::{Arc, Condvar, Mutex};
use cairn_rt::time::Duration;
use cairn_rt::{Box, String, Vec, eprintln, format, println, thread, vec};

use controller::{Controller, Health, Namespace, NvmeError, Operation};

cairn_rt::main!(main);

/// NVMe controllers: mass storage, non-volatile memory, NVM Express.
const NVME: Match = Match::Class { class: 0x01, subclass: Some(0x08), prog_if: Some(0x02) };
/// The prefix of the scheme names (`disk.nvme0`).
const SCHEME_PREFIX: &str = "disk.nvme";
/// Stack of each of the driver's threads.
const STACK: usize = 64 * 1024;
/// How often the watchdog looks at the controller and the commands in flight.
const WATCH_EVERY: Duration = Duration::from_secs(1);

/// A disk: a namespace, served as file `N` (its id).
struct Disk {
    file: String,
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

/// What every thread shares.
struct Driver {
    /// The scheme's name (`disk.nvme0`).
    scheme: String,
    controller: Controller,
    disks: Vec<Disk>,
    handles: Mutex<Handles>,
    server: Server,
}

/// A read or write in progress: its commands complete in any order; the
/// last one answers.
struct Job {
    request: u64,
    /// The handle whose position moves on (not for `pread`/`pwrite`).
    advance: Option<u64>,
    disk: usize,
    len: usize,
    state: Mutex<JobState>,
}

struct JobState {
    /// Commands not yet completed.
    remaining: usize,
    failed: bool,
    /// For a read: room for the response header, then the data.
    answer: Vec<u8>,
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
            name => Some(self.disks.iter().position(|d| d.file == name).ok_or(ENOENT)?),
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

    /// Checks a read or write of `wanted` bytes at `offset` of disk
    /// `index`: the bytes it moves (0 at or past the end of a read).
    fn extent(&self, index: usize, write: bool, offset: u64, wanted: usize) -> Result<usize, i32> {
        let disk = &self.disks[index];
        let block = u64::from(disk.namespace.block_size);
        if !offset.is_multiple_of(block) || !(wanted as u64).is_multiple_of(block) {
            return Err(EINVAL);
        }
        let size = disk.size();
        if offset >= size {
            return if write && wanted > 0 { Err(ENOSPC) } else { Ok(0) };
        }
        Ok((wanted as u64).min(size - offset) as usize)
    }

    /// Starts a read (`payload` None) or a write of `payload` for
    /// `request`, in commands the controller takes, on queue pair `pair`;
    /// the completion threads answer it.
    fn start_transfer(self: &Arc<Self>, pair: usize, request: &Request, payload: Option<&[u8]>) -> Result<(), i32> {
        let write = payload.is_some();
        let (disk, offset) = self.disk_of(request, write)?;
        let wanted = payload.map_or((request.args[0] as usize).min(op::MAX_PAYLOAD), <[u8]>::len);
        let len = self.extent(disk, write, offset, wanted)?;
        let advance = (request.args[2] != op::POSITIONED).then_some(request.handle);
        if len == 0 {
            let _ = self.server.respond(request.id, Ok(0), &[]);
            return Ok(());
        }
        let namespace = self.disks[disk].namespace;
        let block = namespace.block_size as usize;
        let chunk = self.controller.transfer - self.controller.transfer % block;
        let answer = if write { Vec::new() } else { vec![0u8; RESPONSE_HEADER + len] };
        let job = Arc::new(Job {
            request: request.id,
            advance,
            disk,
            len,
            state: Mutex::new(JobState { remaining: len.div_ceil(chunk), failed: false, answer }),
        });
        for at in (0..len).step_by(chunk) {
            let piece = chunk.min(len - at);
            let lba = (offset + at as u64) / block as u64;
            let operation = match payload {
                Some(data) => Operation::Write(&data[at..at + piece]),
                None => Operation::Read(piece),
            };
            let (driver, job) = (Arc::clone(self), Arc::clone(&job));
            let done = Box::new(move |outcome: Result<&[u8], NvmeError>| driver.piece_done(&job, at, outcome));
            self.controller.submit(pair, &namespace, operation, lba, done);
        }
        Ok(())
    }

    /// One command of `job` (its data at `at`) finished; the last answers.
    fn piece_done(&self, job: &Job, at: usize, outcome: Result<&[u8], NvmeError>) {
        let mut state = job.state.lock();
        match outcome {
            Ok(data) if !data.is_empty() => {
                state.answer[RESPONSE_HEADER + at..RESPONSE_HEADER + at + data.len()].copy_from_slice(data)
            }
            Ok(_) => {}
            Err(error) => {
                self.failed(job.disk, &error);
                state.failed = true;
            }
        }
        state.remaining -= 1;
        if state.remaining > 0 {
            return;
        }
        if state.failed {
            let _ = self.server.respond(job.request, Err(EIO), &[]);
            return;
        }
        if let Some(handle) = job.advance {
            self.advance(handle, job.len as u64);
        }
        if state.answer.is_empty() {
            let _ = self.server.respond(job.request, Ok(job.len), &[]);
        } else {
            let _ = self.server.respond_in_place(job.request, Ok(job.len), &mut state.answer);
        }
    }

    /// Starts an NVMe Flush of the disk behind `request`'s handle.
    fn start_flush(self: &Arc<Self>, pair: usize, request: &Request) -> Result<(), i32> {
        let disk = self.handle(request.handle)?.disk.ok_or(EISDIR)?;
        let (driver, id) = (Arc::clone(self), request.id);
        let done = Box::new(move |outcome: Result<&[u8], NvmeError>| {
            let result = outcome.map(|_| 0).map_err(|error| driver.failed(disk, &error));
            let _ = driver.server.respond(id, result, &[]);
        });
        self.controller.submit(pair, &self.disks[disk].namespace, Operation::Flush, 0, done);
        Ok(())
    }

    /// Logs a failed command on disk `index`; the client gets `EIO`.
    fn failed(&self, index: usize, error: &NvmeError) -> i32 {
        eprintln!("nvme: {}/{}: {error}", self.scheme, self.disks[index].file);
        EIO
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
                st_mode: MODE_BLOCK | 0o600,
                st_nlink: 1,
                st_size: disk.size(),
                st_blksize: disk.namespace.block_size,
                st_blocks: disk.size() / 512,
                ..Stat::default()
            },
        };
        Ok(bytes_of(&stat))
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
            out.push(disk.file.len() as u8);
            out.extend_from_slice(disk.file.as_bytes());
        }
        if out.len() > wanted {
            return (Err(EINVAL), Vec::new());
        }
        self.advance(id, 1);
        (Ok(out.len()), out)
    }

    /// Serves one request, on queue pair `pair` if it moves data; `None`
    /// for those answered later (by a completion thread) or never.
    fn serve(self: &Arc<Self>, pair: usize, request: &Request, payload: &[u8]) -> Option<Answer> {
        let result = match request.opcode {
            op::OPEN => self.open(request, payload),
            op::READ => return self.start_transfer(pair, request, None).err().map(|e| (Err(e), Vec::new())),
            op::WRITE => return self.start_transfer(pair, request, Some(payload)).err().map(|e| (Err(e), Vec::new())),
            op::FSYNC => return self.start_flush(pair, request).err().map(|e| (Err(e), Vec::new())),
            op::FSTAT => return Some(self.stat(request.handle).map_or_else(|e| (Err(e), Vec::new()), |s| (Ok(0), s))),
            op::LSEEK => self.seek(request),
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

/// Submitter `index` of `count`: takes requests from the scheme and
/// starts them on the queue pairs `index`, `index + count`, ... in turn,
/// until reading requests fails.
fn submitter(driver: &Arc<Driver>, index: usize, count: usize) -> i32 {
    let pairs = driver.controller.queue_pairs();
    let mut turn = 0;
    loop {
        let incoming = match driver.server.next() {
            Ok(incoming) => incoming,
            Err(e) => {
                eprintln!("nvme: reading requests failed: {e}");
                return 1;
            }
        };
        let pair = (index + count * turn) % pairs;
        turn = (turn + 1) % pairs.div_ceil(count);
        let request = incoming.request;
        if let Some((result, payload)) = driver.serve(pair, &request, &incoming.payload) {
            let _ = driver.server.respond(request.id, result, &payload);
        }
    }
}

/// The watchdog: gives up on commands in flight too long, and ends the
/// driver when the controller failed (1) or is gone (0).
fn watchdog(driver: &Driver) -> ! {
    loop {
        thread::sleep(WATCH_EVERY);
        let health = driver.controller.health();
        let expired = driver.controller.expire(health != Health::Working);
        if expired > 0 {
            eprintln!("nvme: {}: gave up on {expired} commands", driver.scheme);
        }
        match health {
            Health::Working => {}
            Health::Fatal => {
                eprintln!(
                    "nvme: {}: controller fatal status; ending (devd resets and restarts the driver)",
                    driver.scheme
                );
                cairn_rt::process::exit(1)
            }
            Health::Gone => {
                eprintln!("nvme: {}: the controller is gone (its registers read all ones); ending", driver.scheme);
                cairn_rt::process::exit(0)
            }
        }
    }
}

/// A command's outcome, once it came, and a signal for it.
type Outcome = (Mutex<Option<Result<(), String>>>, Condvar);

/// Reads block 0 of the first disk through every I/O queue pair (each
/// must answer, and its vector fire) before the driver serves.
fn check_queues(driver: &Arc<Driver>) -> Result<(), String> {
    let Some(disk) = driver.disks.first() else { return Ok(()) };
    for pair in 0..driver.controller.queue_pairs() {
        let outcome: Arc<Outcome> = Arc::new((Mutex::new(None), Condvar::new()));
        let sent = Arc::clone(&outcome);
        let done = Box::new(move |result: Result<&[u8], NvmeError>| {
            *sent.0.lock() = Some(result.map(drop).map_err(|e| format!("{e}")));
            sent.1.notify_all();
        });
        let block = disk.namespace.block_size as usize;
        driver.controller.submit(pair, &disk.namespace, Operation::Read(block), 0, done);
        // The watchdog ends a command that never completes.
        let result = outcome.1.wait_while(outcome.0.lock(), |result| result.is_none()).take();
        result.unwrap_or(Ok(())).map_err(|e| format!("queue pair {}: {e}", pair + 1))?;
    }
    Ok(())
}

/// The device, the scheme's name, and its server if devd registered it.
fn device(function: Option<&str>) -> Result<(Device, String, Option<Server>), String> {
    if let Some(device) = Device::inherited() {
        let device = device.map_err(|e| format!("{e}"))?;
        let (name, server) = cairn_driver::inherited_scheme()
            .ok_or(String::from("devd started the driver without a scheme (devd.conf needs `serve disk.nvme`)"))?;
        return Ok((device, name, Some(server)));
    }
    let found = cairn_driver::find(NVME).map_err(|e| format!("{e}"))?;
    let function = match function {
        Some(function) => function,
        None => found.first().ok_or(String::from("no NVMe controller"))?,
    };
    let number = found.iter().position(|f| f == function).ok_or(format!("{function} is not an NVMe controller"))?;
    let device = Device::claim(function).map_err(|e| format!("{e}"))?;
    Ok((device, format!("{SCHEME_PREFIX}{number}"), None))
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
    let (device, scheme, server) = match device(function) {
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
    let disks: Vec<Disk> =
        namespaces.into_iter().map(|namespace| Disk { file: format!("{}", namespace.id), namespace }).collect();
    let driver = Arc::new(Driver {
        scheme,
        controller,
        disks,
        handles: Mutex::new(Handles { open: BTreeMap::new(), next: 1 }),
        server,
    });
    let spawn = |what: &str, work: Box<dyn FnOnce() + Send>| {
        if let Err(e) = thread::Builder::new().stack_size(STACK).spawn(work) {
            eprintln!("nvme: cannot start {what}: {e}");
            cairn_rt::process::exit(1)
        }
    };
    for pair in 0..driver.controller.queue_pairs() {
        let driver = Arc::clone(&driver);
        spawn(
            "a completion thread",
            Box::new(move || {
                let error = driver.controller.complete(pair);
                eprintln!("nvme: {}: queue pair {}: {error}", driver.scheme, pair + 1);
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
    let base = driver.scheme.strip_prefix("disk.").unwrap_or(&driver.scheme);
    for disk in &driver.disks {
        let link = format!("/dev/{base}n{}", disk.file);
        println!("nvme: {link}: {} blocks of {} bytes", disk.namespace.blocks, disk.namespace.block_size);
        // A link left by an earlier run of the driver is replaced.
        let _ = cairn_rt::fs::remove_file(&link);
        if let Err(e) = cairn_rt::fs::symlink(&format!("/scheme/{}/{}", driver.scheme, disk.file), &link) {
            eprintln!("nvme: cannot link {link}: {e}");
        }
    }
    let cpus = thread::available_parallelism().map_or(1, |n| n.get());
    let submitters = driver.controller.queue_pairs().min(cpus);
    println!("nvme: serving {} disks as {} with {submitters} submitters", driver.disks.len(), driver.scheme);
    for index in 1..submitters {
        let driver = Arc::clone(&driver);
        spawn("a submitter", Box::new(move || cairn_rt::process::exit(submitter(&driver, index, submitters))));
    }
    submitter(&driver, 0, submitters)
}
