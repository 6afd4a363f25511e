//! `cairn-block`: the block-device scheme every disk driver serves (ABI.md
//! "Schemes `disk.*`"), written once. A driver brings its device up, names
//! its disks ([`Disk`]: file name, block size, block count, and what the
//! disk is to the driver) and implements [`BlockDriver::start`], which
//! begins one read, write or flush and reports its outcome later, from any
//! thread. This crate owns the rest: the handles and their positions,
//! root-only `open` (`EROFS` for writing to a read-only disk), the directory listing, `lseek`, `fstat`, the
//! alignment and bounds rules of reads and writes, cutting a request into
//! operations the driver takes, and answering the client when the last
//! one completes. Several threads may run [`BlockScheme::serve`] at once,
//! and nothing here waits for the device, so many requests are in flight.
//!
//! Partitions: [`BlockScheme::find_partitions`] reads each disk's GPT or
//! MBR table (`cairn-partitions`) and serves partition K of disk file `N`
//! as file `NpK`, a window onto the disk: its requests go to the disk's
//! device at the partition's offset, with no other process in the path;
//! [`BlockScheme::link`] links them as Linux names them (`nvme0n1p2`,
//! `vda2`).
//!
//! Depends on `cairn-rt` and `cairn-partitions`.
#![no_std]

use cairn_partitions::partition_name;
use cairn_rt::abi::error::{EACCES, EBADF, EINVAL, EIO, EISDIR, ENOENT, ENOSPC, EROFS};
use cairn_rt::abi::scheme::{self as op, DIRENT_FILE, Request};
use cairn_rt::abi::{MODE_BLOCK, MODE_DIR, O_ACCMODE, O_RDONLY, O_STAT, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET, Stat};
use cairn_rt::collections::BTreeMap;
use cairn_rt::error::Error;
use cairn_rt::scheme::{RESPONSE_HEADER, Server};
use cairn_rt::sync::{Arc, Condvar, Mutex};
use cairn_rt::{Box, String, Vec, eprintln, format, vec};

/// One operation a driver starts.
#[derive(Clone, Copy)]
pub enum Operation<'a> {
    /// Make everything written so far durable.
    Flush,
    /// Read this many bytes (whole blocks).
    Read(usize),
    /// Write these bytes (whole blocks).
    Write(&'a [u8]),
}

/// Called exactly once with an operation's outcome: the data read (empty
/// for writes and flushes), or why it failed.
pub type Done<E> = Box<dyn FnOnce(Result<&[u8], E>) + Send>;

/// What a disk driver does for the scheme.
pub trait BlockDriver: Send + Sync + 'static {
    /// What a disk is to the driver (an NVMe namespace, a virtio queue set...).
    type Device: Send + Sync + 'static;
    /// Why an operation failed (logged; the client gets `EIO`).
    type Error: core::fmt::Display;

    /// Bytes one operation moves at most (at least one block).
    fn transfer(&self) -> usize;

    /// Starts `operation` at block `block` of `device` (block 0 for a
    /// flush), on the driver's queue `queue` (any number: the driver
    /// reduces it to its queues). Must not wait for the device (it may
    /// wait for room in a queue); `done` is called once, by whichever
    /// thread sees the outcome (or here, if the operation cannot start).
    fn start(&self, queue: usize, device: &Self::Device, operation: Operation<'_>, block: u64, done: Done<Self::Error>);
}

/// A disk served as one file of the scheme.
pub struct Disk<D> {
    /// Its file name in the scheme (`1` in `/scheme/disk.nvme0/1`).
    pub name: String,
    /// Its `st_ino`.
    pub inode: u64,
    /// Bytes per block: offsets and lengths of reads and writes are
    /// multiples of it.
    pub block_size: u32,
    /// Its size in blocks.
    pub blocks: u64,
    /// The medium refuses writes: opening the disk for writing is `EROFS`.
    pub read_only: bool,
    /// What the disk is to the driver.
    pub device: D,
}

impl<D> Disk<D> {
    /// Its size in bytes.
    pub fn size(&self) -> u64 {
        self.blocks * u64::from(self.block_size)
    }
}

/// A file of the scheme: a whole disk, or a partition of one.
struct File {
    name: String,
    inode: u64,
    /// The disk it lies on.
    disk: usize,
    /// Its first block on the disk and its size in blocks.
    first: u64,
    blocks: u64,
    /// Its partition number (`None`: the whole disk).
    partition: Option<u32>,
}

/// Where an open file lies: its disk, first block and size in blocks.
#[derive(Clone, Copy)]
struct Extent {
    disk: usize,
    first: u64,
    blocks: u64,
}

/// An open handle: a file (or the directory, `None`), its position and access.
#[derive(Clone, Copy)]
struct Handle {
    file: Option<usize>,
    position: u64,
    readable: bool,
    writable: bool,
}

/// The open handles and the next handle id.
struct Handles {
    open: BTreeMap<u64, Handle>,
    next: u64,
}

/// A read or write in progress: its operations complete in any order; the
/// last one answers.
struct Job {
    request: u64,
    /// The handle whose position moves on (not for `pread`/`pwrite`).
    advance: Option<u64>,
    file: usize,
    len: usize,
    state: Mutex<JobState>,
}

struct JobState {
    /// Operations not yet completed.
    remaining: usize,
    failed: bool,
    /// For a read: room for the response header, then the data.
    answer: Vec<u8>,
}

/// A blocking read's outcome once it came (the data, or why not), and the
/// signal that it came.
type ReadOutcome = (Mutex<Option<Result<Vec<u8>, String>>>, Condvar);

/// What to answer: a value or errno, and a payload.
type Answer = (Result<usize, i32>, Vec<u8>);

/// Plain-old-data bytes of an ABI structure.
fn bytes_of<T: Copy>(value: &T) -> Vec<u8> {
    // SAFETY: ABI structures are plain old data.
    unsafe { core::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }.to_vec()
}

/// Checks a read or write of `wanted` bytes at `offset` of a disk of
/// `size` bytes in blocks of `block`: the bytes it moves (0 at or past
/// the end of a read; a write there is `ENOSPC`).
fn extent(block: u64, size: u64, write: bool, offset: u64, wanted: usize) -> Result<usize, i32> {
    if !offset.is_multiple_of(block) || !(wanted as u64).is_multiple_of(block) {
        return Err(EINVAL);
    }
    if offset >= size {
        return if write && wanted > 0 { Err(ENOSPC) } else { Ok(0) };
    }
    Ok((wanted as u64).min(size - offset) as usize)
}

/// The scheme of one driver process: its disks, handles and server.
pub struct BlockScheme<B: BlockDriver> {
    /// The program, for log lines (`nvme`).
    program: &'static str,
    /// The scheme's name (`disk.nvme0`).
    name: String,
    driver: B,
    disks: Vec<Disk<B::Device>>,
    /// The disks, then the partitions [`Self::find_partitions`] found.
    files: Mutex<Vec<File>>,
    handles: Mutex<Handles>,
    server: Server,
}

impl<B: BlockDriver> BlockScheme<B> {
    /// Serves `disks` of `driver` as scheme `name` through `server`;
    /// `program` prefixes log lines.
    pub fn new(program: &'static str, name: String, server: Server, driver: B, disks: Vec<Disk<B::Device>>) -> Self {
        let files = disks
            .iter()
            .enumerate()
            .map(|(index, disk)| File {
                name: disk.name.clone(),
                inode: disk.inode,
                disk: index,
                first: 0,
                blocks: disk.blocks,
                partition: None,
            })
            .collect();
        BlockScheme {
            program,
            name,
            driver,
            disks,
            files: Mutex::new(files),
            handles: Mutex::new(Handles { open: BTreeMap::new(), next: 1 }),
            server,
        }
    }

    /// The scheme's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn driver(&self) -> &B {
        &self.driver
    }

    pub fn disks(&self) -> &[Disk<B::Device>] {
        &self.disks
    }

    /// Makes `/dev/LINK` point at `disk`, and `/dev/LINKpK` (`LINKK` for a
    /// name not ending in a digit) at each of its partitions, replacing
    /// links an earlier run of the driver left.
    pub fn link(&self, disk: &Disk<B::Device>, link: &str) {
        let files = self.files.lock();
        let Some(whole) = files.iter().position(|file| file.partition.is_none() && file.name == disk.name) else {
            return;
        };
        for file in files.iter().filter(|file| file.disk == files[whole].disk) {
            let name = file.partition.map_or_else(|| String::from(link), |number| partition_name(link, number));
            let path = format!("/dev/{name}");
            let _ = cairn_rt::fs::remove_file(&path);
            if let Err(e) = cairn_rt::fs::symlink(&format!("/scheme/{}/{}", self.name, file.name), &path) {
                eprintln!("{}: cannot link {path}: {e}", self.program);
            }
        }
    }

    /// Reads every disk's partition table and serves its partitions; a
    /// table that cannot be read is logged and its disk served whole only.
    /// Call once the driver completes operations, before serving.
    pub fn find_partitions(self: &Arc<Self>) {
        for (index, disk) in self.disks.iter().enumerate() {
            let mut reader = |block: u64, buffer: &mut [u8]| self.read_now(0, index, block, buffer);
            let table = match cairn_partitions::read(&mut reader, disk.block_size, disk.blocks) {
                Ok(Some(table)) => table,
                Ok(None) => continue,
                Err(e) => {
                    eprintln!("{}: {}/{}: partition table: {e}", self.program, self.name, disk.name);
                    continue;
                }
            };
            for note in &table.notes {
                eprintln!("{}: {}/{}: partition table: {note}", self.program, self.name, disk.name);
            }
            let mut files = self.files.lock();
            for partition in &table.partitions {
                files.push(File {
                    name: format!("{}p{}", disk.name, partition.number),
                    inode: (disk.inode << 16) | u64::from(partition.number),
                    disk: index,
                    first: partition.first_lba,
                    blocks: partition.sectors,
                    partition: Some(partition.number),
                });
            }
        }
    }

    /// Reads `buffer.len()` bytes (whole blocks, at most one transfer) at
    /// block `block` of disk `disk` through the driver's queue `queue`,
    /// waiting for the device (whose driver gives up on an operation that
    /// never completes).
    pub fn read_now(&self, queue: usize, disk: usize, block: u64, buffer: &mut [u8]) -> Result<(), String> {
        let outcome: Arc<ReadOutcome> = Arc::new((Mutex::new(None), Condvar::new()));
        let sent = Arc::clone(&outcome);
        let done: Done<B::Error> = Box::new(move |result: Result<&[u8], B::Error>| {
            *sent.0.lock() = Some(result.map(<[u8]>::to_vec).map_err(|e| format!("{e}")));
            sent.1.notify_all();
        });
        self.driver.start(queue, &self.disks[disk].device, Operation::Read(buffer.len()), block, done);
        let result = outcome.1.wait_while(outcome.0.lock(), |result| result.is_none()).take();
        let data = result.unwrap_or_else(|| Err(String::from("no outcome")))?;
        if data.len() != buffer.len() {
            return Err(format!("read {} bytes of {}", data.len(), buffer.len()));
        }
        buffer.copy_from_slice(&data);
        Ok(())
    }

    /// Where file `index` lies.
    fn extent(&self, index: usize) -> Extent {
        let files = self.files.lock();
        let file = &files[index];
        Extent { disk: file.disk, first: file.first, blocks: file.blocks }
    }

    /// Takes requests from the scheme and serves them, each on the queue
    /// `queue` names, until reading requests fails (its error).
    pub fn serve(self: &Arc<Self>, mut queue: impl FnMut() -> usize) -> Error {
        loop {
            let incoming = match self.server.next() {
                Ok(incoming) => incoming,
                Err(e) => return e,
            };
            let request = incoming.request;
            if let Some((result, payload)) = self.request(queue(), &request, &incoming.payload) {
                let _ = self.server.respond(request.id, result, &payload);
            }
        }
    }

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
        let file = match path {
            "" if access != O_RDONLY => return Err(EISDIR),
            "" => None,
            name => Some(self.files.lock().iter().position(|f| f.name == name).ok_or(ENOENT)?),
        };
        if data && access != O_RDONLY && file.is_some_and(|index| self.disks[self.extent(index).disk].read_only) {
            return Err(EROFS);
        }
        let handle =
            Handle { file, position: 0, readable: data && access != O_WRONLY, writable: data && access != O_RDONLY };
        let mut handles = self.handles.lock();
        let id = handles.next;
        handles.next += 1;
        handles.open.insert(id, handle);
        Ok(id as usize)
    }

    /// The file behind an open file handle, and the offset a read or
    /// write of `request` starts at.
    fn file_of(&self, request: &Request, write: bool) -> Result<(usize, u64), i32> {
        let handle = self.handle(request.handle)?;
        let file = handle.file.ok_or(EISDIR)?;
        if (write && !handle.writable) || (!write && !handle.readable) {
            return Err(EBADF);
        }
        let positioned = request.args[2] == op::POSITIONED;
        Ok((file, if positioned { request.args[1] } else { handle.position }))
    }

    /// Starts a read (`payload` None) or a write of `payload` for
    /// `request`, cut into operations the driver takes, on queue `queue`;
    /// the last to complete answers.
    fn start_transfer(self: &Arc<Self>, queue: usize, request: &Request, payload: Option<&[u8]>) -> Result<(), i32> {
        let write = payload.is_some();
        let (index, offset) = self.file_of(request, write)?;
        let place = self.extent(index);
        let disk = &self.disks[place.disk];
        let wanted = payload.map_or((request.args[0] as usize).min(op::MAX_PAYLOAD), <[u8]>::len);
        let block = disk.block_size as usize;
        let len = extent(block as u64, place.blocks * block as u64, write, offset, wanted)?;
        let advance = (request.args[2] != op::POSITIONED).then_some(request.handle);
        if len == 0 {
            let _ = self.server.respond(request.id, Ok(0), &[]);
            return Ok(());
        }
        let transfer = self.driver.transfer();
        let chunk = transfer - transfer % block;
        let answer = if write { Vec::new() } else { vec![0u8; RESPONSE_HEADER + len] };
        let job = Arc::new(Job {
            request: request.id,
            advance,
            file: index,
            len,
            state: Mutex::new(JobState { remaining: len.div_ceil(chunk), failed: false, answer }),
        });
        for at in (0..len).step_by(chunk) {
            let piece = chunk.min(len - at);
            let first = place.first + (offset + at as u64) / block as u64;
            let operation = match payload {
                Some(data) => Operation::Write(&data[at..at + piece]),
                None => Operation::Read(piece),
            };
            let (scheme, job) = (Arc::clone(self), Arc::clone(&job));
            let done = Box::new(move |outcome: Result<&[u8], B::Error>| scheme.piece_done(&job, at, outcome));
            self.driver.start(queue, &disk.device, operation, first, done);
        }
        Ok(())
    }

    /// One operation of `job` (its data at `at`) finished; the last answers.
    fn piece_done(&self, job: &Job, at: usize, outcome: Result<&[u8], B::Error>) {
        let mut state = job.state.lock();
        match outcome {
            Ok(data) if !data.is_empty() => {
                state.answer[RESPONSE_HEADER + at..RESPONSE_HEADER + at + data.len()].copy_from_slice(data)
            }
            Ok(_) => {}
            Err(error) => {
                self.failed(job.file, &error);
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

    /// Starts a flush of the disk behind `request`'s handle.
    fn start_flush(self: &Arc<Self>, queue: usize, request: &Request) -> Result<(), i32> {
        let file = self.handle(request.handle)?.file.ok_or(EISDIR)?;
        let (scheme, id) = (Arc::clone(self), request.id);
        let done = Box::new(move |outcome: Result<&[u8], B::Error>| {
            let result = outcome.map(|_| 0).map_err(|error| scheme.failed(file, &error));
            let _ = scheme.server.respond(id, result, &[]);
        });
        self.driver.start(queue, &self.disks[self.extent(file).disk].device, Operation::Flush, 0, done);
        Ok(())
    }

    /// Logs a failed operation on file `index`; the client gets `EIO`.
    fn failed(&self, index: usize, error: &B::Error) -> i32 {
        eprintln!("{}: {}/{}: {error}", self.program, self.name, self.files.lock()[index].name);
        EIO
    }

    fn seek(&self, request: &Request) -> Result<usize, i32> {
        let mut handles = self.handles.lock();
        let handle = handles.open.get_mut(&request.handle).ok_or(EBADF)?;
        let base = match request.args[1] as usize {
            SEEK_SET => 0,
            SEEK_CUR => handle.position as i64,
            SEEK_END => {
                let place = self.extent(handle.file.ok_or(EISDIR)?);
                (place.blocks * u64::from(self.disks[place.disk].block_size)) as i64
            }
            _ => return Err(EINVAL),
        };
        let target = base.checked_add(request.args[0] as i64).filter(|t| *t >= 0).ok_or(EINVAL)?;
        handle.position = target as u64;
        Ok(target as usize)
    }

    fn stat(&self, id: u64) -> Result<Vec<u8>, i32> {
        let stat = match self.handle(id)?.file {
            None => Stat { st_mode: MODE_DIR | 0o500, st_nlink: 2, ..Stat::default() },
            Some(index) => {
                let (place, inode) = (self.extent(index), self.files.lock()[index].inode);
                let block_size = self.disks[place.disk].block_size;
                let size = place.blocks * u64::from(block_size);
                Stat {
                    st_ino: inode,
                    st_mode: MODE_BLOCK | 0o600,
                    st_nlink: 1,
                    st_size: size,
                    st_blksize: block_size,
                    st_blocks: size / 512,
                    ..Stat::default()
                }
            }
        };
        Ok(bytes_of(&stat))
    }

    /// The directory's entries (all at once, if they fit in `wanted`).
    fn entries(&self, id: u64, wanted: usize) -> Answer {
        match self.handle(id) {
            Ok(Handle { file: None, position: 0, .. }) => {}
            Ok(Handle { file: None, .. }) => return (Ok(0), Vec::new()),
            Ok(_) => return (Err(EBADF), Vec::new()),
            Err(e) => return (Err(e), Vec::new()),
        }
        let mut out = Vec::new();
        for file in self.files.lock().iter() {
            out.push(DIRENT_FILE);
            out.push(file.name.len() as u8);
            out.extend_from_slice(file.name.as_bytes());
        }
        if out.len() > wanted {
            return (Err(EINVAL), Vec::new());
        }
        self.advance(id, 1);
        (Ok(out.len()), out)
    }

    /// Serves one request, on queue `queue` if it reaches the device;
    /// `None` for those answered later (when the device is done) or never.
    fn request(self: &Arc<Self>, queue: usize, request: &Request, payload: &[u8]) -> Option<Answer> {
        let started = match request.opcode {
            op::READ => self.start_transfer(queue, request, None),
            op::WRITE => self.start_transfer(queue, request, Some(payload)),
            op::FSYNC => self.start_flush(queue, request),
            op::FSTAT => return Some(self.stat(request.handle).map_or_else(|e| (Err(e), Vec::new()), |s| (Ok(0), s))),
            op::GETDENTS => return Some(self.entries(request.handle, request.args[0] as usize)),
            op::OPEN => return Some((self.open(request, payload), Vec::new())),
            op::LSEEK => return Some((self.seek(request), Vec::new())),
            op::CLOSE => {
                self.handles.lock().open.remove(&request.handle);
                return None;
            }
            op::CANCEL => return None,
            _ => return Some((Err(EINVAL), Vec::new())),
        };
        started.err().map(|e| (Err(e), Vec::new()))
    }
}
