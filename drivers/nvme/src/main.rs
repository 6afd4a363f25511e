//! `nvme`: the NVMe driver. It finds every NVMe controller under
//! `/scheme/pci` (class 01, subclass 08, interface 02), brings each up
//! ([`controller`]) and serves each active namespace as a block device in
//! scheme `disk`: `/scheme/disk/nvmeCnN` (controller C counted from 0 in
//! the order `/scheme/pci` lists them, namespace id N), linked as
//! `/dev/nvmeCnN`. Reads and writes are byte-addressed at block-aligned
//! offsets and lengths (`EINVAL` otherwise), `fstat` gives the size,
//! `fsync` flushes the controller's volatile cache; only root may open a
//! disk. Prints `nvme: serving N disks` once ready, then serves forever.
//!
//! Depends only on `cairn-rt`.
#![no_std]
#![no_main]

mod controller;

use cairn_rt::abi::error::{EACCES, EBADF, EINVAL, EIO, EISDIR, ENOENT, ENOSPC};
use cairn_rt::abi::scheme::{self as op, DIRENT_FILE, Request};
use cairn_rt::abi::{MODE_DIR, MODE_FILE, O_ACCMODE, O_RDONLY, O_STAT, O_WRONLY, SEEK_CUR, SEEK_END, SEEK_SET, Stat};
use cairn_rt::collections::BTreeMap;
use cairn_rt::fs::File;
use cairn_rt::io::Read;
use cairn_rt::scheme::Server;
use cairn_rt::{String, Vec, eprintln, format, println, vec};

use controller::{Controller, Direction, Namespace};

cairn_rt::main!(main);

/// The scheme the disks are served in.
const SCHEME: &str = "disk";
/// PCI class, subclass and programming interface of an NVMe controller.
const NVME_CLASS: [u8; 3] = [0x02, 0x08, 0x01];

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
struct Handle {
    disk: Option<usize>,
    position: u64,
    readable: bool,
    writable: bool,
}

struct Driver {
    controllers: Vec<Controller>,
    disks: Vec<Disk>,
    handles: BTreeMap<u64, Handle>,
    next_handle: u64,
}

/// The PCI functions that are NVMe controllers, in `/scheme/pci` order.
fn find() -> Result<Vec<String>, String> {
    let functions = cairn_rt::fs::read_dir("/scheme/pci").map_err(|e| format!("list /scheme/pci: {e}"))?;
    let mut found = Vec::new();
    for (name, _) in functions {
        let mut header = [0u8; 12];
        let read = File::open(&format!("/scheme/pci/{name}/config")).and_then(|mut c| c.read(&mut header));
        if read == Ok(12) && header[9..12] == NVME_CLASS {
            found.push(name);
        }
    }
    Ok(found)
}

/// Plain-old-data bytes of an ABI structure.
fn bytes_of<T: Copy>(value: &T) -> Vec<u8> {
    // SAFETY: ABI structures are plain old data.
    unsafe { core::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }.to_vec()
}

/// What to answer: a value or errno, and a payload.
type Answer = (Result<usize, i32>, Vec<u8>);

impl Driver {
    fn handle(&mut self, id: u64) -> Result<&mut Handle, i32> {
        self.handles.get_mut(&id).ok_or(EBADF)
    }

    fn open(&mut self, request: &Request, path: &[u8]) -> Result<usize, i32> {
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
        let id = self.next_handle;
        self.next_handle += 1;
        let handle =
            Handle { disk, position: 0, readable: data && access != O_WRONLY, writable: data && access != O_RDONLY };
        self.handles.insert(id, handle);
        Ok(id as usize)
    }

    /// The disk behind an open disk handle, and the handle's position.
    fn disk_of(&mut self, id: u64, write: bool) -> Result<(usize, u64), i32> {
        let handle = self.handle(id)?;
        let disk = handle.disk.ok_or(EISDIR)?;
        if (write && !handle.writable) || (!write && !handle.readable) {
            return Err(EBADF);
        }
        Ok((disk, handle.position))
    }

    /// Reads into or writes from `data` at `offset` of disk `index`, in
    /// transfers the controller takes; returns the bytes moved.
    fn transfer(&mut self, index: usize, direction: Direction, offset: u64, data: &mut [u8]) -> Result<usize, i32> {
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
        let controller = &mut self.controllers[disk.controller];
        let chunk = controller.transfer - controller.transfer % block as usize;
        let namespace = disk.namespace;
        for (at, piece) in (0..len).step_by(chunk).zip(data[..len].chunks_mut(chunk)) {
            let lba = (offset + at as u64) / block;
            controller.io(&namespace, direction, lba, piece).map_err(|e| {
                eprintln!("nvme: {}: {e}", disk.name);
                EIO
            })?;
        }
        Ok(len)
    }

    fn read(&mut self, request: &Request) -> Answer {
        let positioned = request.args[2] == op::POSITIONED;
        let (disk, position) = match self.disk_of(request.handle, false) {
            Ok(found) => found,
            Err(e) => return (Err(e), Vec::new()),
        };
        let offset = if positioned { request.args[1] } else { position };
        let mut data = vec![0u8; (request.args[0] as usize).min(op::MAX_PAYLOAD)];
        match self.transfer(disk, Direction::Read, offset, &mut data) {
            Ok(len) => {
                data.truncate(len);
                if !positioned && let Ok(handle) = self.handle(request.handle) {
                    handle.position += len as u64;
                }
                (Ok(len), data)
            }
            Err(e) => (Err(e), Vec::new()),
        }
    }

    fn write(&mut self, request: &Request, payload: &mut [u8]) -> Result<usize, i32> {
        let positioned = request.args[2] == op::POSITIONED;
        let (disk, position) = self.disk_of(request.handle, true)?;
        let offset = if positioned { request.args[1] } else { position };
        let len = self.transfer(disk, Direction::Write, offset, payload)?;
        if !positioned {
            self.handle(request.handle)?.position += len as u64;
        }
        Ok(len)
    }

    fn seek(&mut self, request: &Request) -> Result<usize, i32> {
        let handle = self.handle(request.handle)?;
        let (disk, position) = (handle.disk.ok_or(EISDIR)?, handle.position as i64);
        let base = match request.args[1] as usize {
            SEEK_SET => 0,
            SEEK_CUR => position,
            SEEK_END => self.disks[disk].size() as i64,
            _ => return Err(EINVAL),
        };
        let target = base.checked_add(request.args[0] as i64).filter(|t| *t >= 0).ok_or(EINVAL)?;
        self.handle(request.handle)?.position = target as u64;
        Ok(target as usize)
    }

    fn stat(&mut self, id: u64) -> Result<Vec<u8>, i32> {
        let disk = self.handle(id)?.disk;
        let stat = match disk.map(|index| &self.disks[index]) {
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

    fn flush(&mut self, id: u64) -> Result<usize, i32> {
        let disk = self.handle(id)?.disk.ok_or(EISDIR)?;
        let disk = &self.disks[disk];
        self.controllers[disk.controller].io(&disk.namespace, Direction::Write, 0, &mut []).map_err(|e| {
            eprintln!("nvme: {}: {e}", disk.name);
            EIO
        })?;
        Ok(0)
    }

    /// The directory's entries (all at once, if they fit in `wanted`).
    fn entries(&mut self, id: u64, wanted: usize) -> Answer {
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
        if let Ok(handle) = self.handle(id) {
            handle.position = 1;
        }
        (Ok(out.len()), out)
    }

    /// Serves one request; `None` for those that take no answer.
    fn serve(&mut self, request: &Request, payload: &mut [u8]) -> Option<Answer> {
        let result = match request.opcode {
            op::OPEN => self.open(request, payload),
            op::READ => return Some(self.read(request)),
            op::WRITE => self.write(request, payload),
            op::FSTAT => return Some(self.stat(request.handle).map_or_else(|e| (Err(e), Vec::new()), |s| (Ok(0), s))),
            op::LSEEK => self.seek(request),
            op::FSYNC => self.flush(request.handle),
            op::GETDENTS => return Some(self.entries(request.handle, request.args[0] as usize)),
            op::CLOSE => {
                self.handles.remove(&request.handle);
                return None;
            }
            op::CANCEL => return None,
            _ => Err(EINVAL),
        };
        Some((result, Vec::new()))
    }
}

fn main() -> i32 {
    let functions = match find() {
        Ok(functions) => functions,
        Err(e) => {
            eprintln!("nvme: {e}");
            return 1;
        }
    };
    let mut driver = Driver { controllers: Vec::new(), disks: Vec::new(), handles: BTreeMap::new(), next_handle: 1 };
    for function in &functions {
        let started = Controller::start(function).and_then(|mut c| c.namespaces().map(|n| (c, n)));
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
    println!("nvme: serving {} disks", driver.disks.len());
    loop {
        let mut incoming = match server.next() {
            Ok(incoming) => incoming,
            Err(e) => {
                eprintln!("nvme: reading requests failed: {e}");
                return 1;
            }
        };
        let request = incoming.request;
        if let Some((result, payload)) = driver.serve(&request, &mut incoming.payload) {
            let _ = server.respond(request.id, result, &payload);
        }
    }
}
