//! Choosing and issuing one random system call: the argument classes
//! (boundary numbers, page-boundary, kernel-half, non-canonical and
//! unmapped pointers, valid buffers, real fds of every object type with
//! random rights, paths), the neutering that keeps a call from ending the
//! fuzzer instead of testing the kernel, and the bookkeeping of what a call
//! made (new fds, mappings, children).
//!
//! What is neutered, and why:
//! - memory calls (`mmap` with `MAP_FIXED`, `munmap`, `mprotect`) act only
//!   inside the worker's arena, on mappings the fuzzer made, or on
//!   addresses the kernel must refuse — never on the fuzzer's code, heap
//!   or stacks; kernel writes go only to the scratch area, the arena (both
//!   fenced by guard pages) or to the last page of a fuzzer-made mapping;
//! - signals go only to the worker itself, its process group and its
//!   children, never to pid 1 or `-1`; the watchdog signal cannot be
//!   blocked or re-handled; stop signals never reach the worker itself;
//! - `exit`, `execve`, `fexecve` and `sigreturn` run in a forked child
//!   (`exit` also, rarely, in the worker, which is then restarted);
//!   `thread_exit` ends only helper threads; `set_fs_base` gets only
//!   addresses the kernel must refuse;
//! - in the root phase a call that changes the file system gets only paths
//!   inside the worker's directory, devices and its own scheme (no `..`,
//!   no symlink out), so root cannot damage the running system; the
//!   unprivileged phase gets every path;
//! - fds 0-2 and the watchdog's thread handle are never closed, replaced
//!   or written to.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;
use core::mem::size_of;
use core::sync::atomic::{AtomicU64, Ordering};

use cairn_rt::abi::signal::{
    SIGCHLD, SIGCONT, SIGKILL, SIGPIPE, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGUSR1, SigAction, bit,
};
use cairn_rt::abi::{
    AT_FDCWD, AT_SYMLINK_NOFOLLOW, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_SETFD, F_SETFL, NO_FD, O_APPEND,
    O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_RDWR, O_STAT, O_TRUNC, O_WRONLY,
    SYSCALL_COUNT, StrSlice, Syscall, TimeSpec, rights,
};
use cairn_rt::sys::{PAGE_SIZE, syscall6};
use cairn_rt::{eprintln, format};

use crate::rng::Rng;

/// The watchdog's signal: interrupts a blocked call of the main thread.
pub const WATCHDOG_SIGNAL: usize = cairn_rt::abi::signal::SIGUSR2;

/// Bytes of the scratch area (followed by a guard page).
pub const SCRATCH_LEN: usize = 64 * 1024;
/// Scratch slots: two paths, one structure, then an output buffer.
const PATH_A: usize = 0;
const PATH_B: usize = 4096;
const STRUCT: usize = 8192;
const STRINGS: usize = 12288;
const OUT: usize = 16384;
/// Bytes of the arena (fenced by a guard page on each side).
pub const ARENA_LEN: usize = 8 << 20;
/// Most fds the pool keeps; beyond that one is closed.
const MAX_POOL: usize = 48;
/// Most live children of one process.
pub const MAX_CHILDREN: usize = 6;

/// A worker's phase.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Phase {
    /// As root, in the service's namespace.
    Root,
    /// As uid 1000, in a narrowed namespace.
    User,
}

/// Who issues the calls: the calls each may make differ.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Role {
    /// The worker's main thread (watched by the watchdog).
    Main,
    /// A helper thread of the worker.
    Helper,
    /// A forked child of the worker.
    Child,
}

/// The object type behind a pool fd, as the fuzzer made it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    File,
    Dir,
    Pipe,
    Endpoint,
    Handle,
    Memory,
    Queue,
    Timer,
    /// A process handle: of the worker itself (`false`) or of a child.
    Process(bool),
    Thread,
    Namespace,
    Device,
    Other,
}

/// What every caller of a worker shares (copied into helper threads).
#[derive(Clone)]
pub struct Env {
    pub phase: Phase,
    /// The worker's directory (`/tmp/fuzz/r0`).
    pub dir: String,
    /// The worker's own scheme.
    pub scheme: String,
    pub scratch: usize,
    pub arena: usize,
    pub pid: usize,
    /// Fds never closed, replaced or written to.
    pub protected: Vec<usize>,
    /// A handler and restorer that do nothing (taken from the watchdog's action).
    pub handler: usize,
    pub restorer: usize,
    pub trace: bool,
    /// Leave out the argument classes that crash today's kernel through
    /// known bugs (issue 9; see docs/FUZZING.md): huge string lists, huge
    /// mappings.
    pub skip_known: bool,
    /// `r0.3`: phase, slot, generation (for the trace).
    pub tag: String,
}

/// One caller's state: its random numbers and what its calls made.
pub struct Fuzzer<'a> {
    pub rng: Rng,
    pub env: Env,
    pub role: Role,
    pub fds: Vec<(usize, Kind)>,
    /// Root phase: pool fds naming something outside the worker's
    /// directory (opened through a read-only path); no call changes
    /// anything through them.
    pub unconfined: Vec<usize>,
    /// Whether the last path chosen was confined.
    last_path_confined: bool,
    /// Mappings the kernel placed outside the arena: (address, length).
    pub maps: Vec<(usize, usize)>,
    pub children: Vec<usize>,
    pub tids: Vec<usize>,
    /// Calls made by this caller.
    pub count: u64,
    /// The worker's shared call counter.
    pub counter: &'a AtomicU64,
}

/// Every call a helper thread or child must not make (handled as pseudo
/// calls by the main thread).
fn main_only(call: Syscall) -> bool {
    use Syscall::*;
    matches!(
        call,
        Fork | ThreadCreate | Execve | Fexecve | Sigreturn | Exit | Setuid | Setgid | NamespaceEnter | Setsid
    )
}

/// Relative weights of the calls: process creation is slow, the calls that
/// end or reshape the worker are rare.
fn weight(number: usize) -> usize {
    use Syscall::*;
    match Syscall::from_number(number) {
        Some(Exit) => 0,
        Some(Fork | Spawn | SpawnFd | ThreadCreate) => 2,
        Some(Execve | Fexecve | Sigreturn | NamespaceEnter | Setuid | Setgid | SetFsBase) => 1,
        Some(_) => 6,
        None => 0,
    }
}

/// Weight of an unknown call number.
const UNKNOWN_WEIGHT: usize = 12;

/// Boundary values of a plain integer.
const BOUNDARY: [usize; 14] = [
    0,
    1,
    2,
    usize::MAX,
    usize::MAX - 1,
    isize::MAX as usize,
    1 << 63,
    u32::MAX as usize,
    i32::MAX as usize,
    1 << 32,
    4095,
    4096,
    65536,
    0x7fff_ffff_f000,
];

/// Addresses the kernel must refuse or that are unmapped.
const BAD_POINTERS: [usize; 10] = [
    0,
    1,
    0x1000,
    0xffff_8000_0000_0000,
    0xffff_ffff_8000_0000,
    0xffff_ffff_ffff_f000,
    0x0000_8000_0000_0000,
    0x0000_7fff_ffff_f000,
    0x8000_0000_0000_0000,
    usize::MAX,
];

/// Paths anyone may name (the root phase never changes anything through them).
const READ_PATHS: [&str; 26] = [
    "/bin/true",
    "/scheme/initfs/bin/true",
    "/scheme/initfs/bin/hello",
    "/scheme/initfs",
    "/scheme/initfs/etc/init.conf",
    "/etc/init.conf",
    "/scheme",
    "/",
    "/tmp",
    "/tmp/fuzz",
    "..",
    "../..",
    "../../..",
    "/scheme/sys/meminfo",
    "/scheme/sys/processes",
    "/scheme/sys/log",
    "/scheme/sys",
    "sys:meminfo",
    "/scheme/nonexistent/x",
    "/scheme/initfs/../..",
    "//",
    "/bin/nonexistent",
    "/dev",
    "/dev/fd",
    "/dev/null",
    "/dev/tty",
];

/// Names in the worker's directory.
const NAMES: [&str; 12] = ["a", "b", "c", "d", "sub", "sub/x", "sub/y", "link", "sub/link", "e.txt", "sub/deep/z", "."];

/// Devices, changed freely (`/dev` names of the fuzzer's own, or ones
/// that cannot be changed).
const DEVICES: [&str; 9] = [
    "/scheme/null",
    "/scheme/zero",
    "/scheme/rand",
    "/scheme/null/x",
    "/scheme/zero/",
    "/dev/fuzz",
    "/dev/fuzz/x",
    "/dev/fd/99",
    "/dev/stdin",
];

/// Scheme names for namespaces and registration.
const SCHEMES: [&str; 10] = ["file", "null", "zero", "rand", "sys", "initfs", "tty", "nonexistent", "", "irq"];

/// System-call names for the trace (unknown numbers print as numbers).
fn name(number: usize) -> String {
    match Syscall::from_number(number) {
        Some(call) => format!("{call:?}"),
        None => format!("nr{number:#x}"),
    }
}

impl<'a> Fuzzer<'a> {
    pub fn new(seed: u64, env: Env, role: Role, counter: &'a AtomicU64) -> Fuzzer<'a> {
        Fuzzer {
            rng: Rng::new(seed),
            env,
            role,
            fds: Vec::new(),
            unconfined: Vec::new(),
            last_path_confined: true,
            maps: Vec::new(),
            children: Vec::new(),
            tids: Vec::new(),
            count: 0,
            counter,
        }
    }

    /// Adds `fd` to the pool, closing one if it is full.
    pub fn add_fd(&mut self, fd: usize, kind: Kind) {
        self.add_fd_tagged(fd, kind, true);
    }

    /// Adds `fd`, noting whether it is confined (see `unconfined`).
    fn add_fd_tagged(&mut self, fd: usize, kind: Kind, confined: bool) {
        if self.env.protected.contains(&fd) {
            return;
        }
        self.fds.retain(|&(f, _)| f != fd);
        self.unconfined.retain(|&f| f != fd);
        if !confined && self.env.phase == Phase::Root {
            self.unconfined.push(fd);
        }
        if self.fds.len() >= MAX_POOL {
            let (old, _) = self.fds.swap_remove(self.rng.below(self.fds.len()));
            // SAFETY: closing a pool fd; nothing else uses it.
            let _ = unsafe { syscall6(Syscall::Close as usize, old, 0, 0, 0, 0, 0) };
        }
        self.fds.push((fd, kind));
    }

    fn kind_of(&self, fd: usize) -> Kind {
        self.fds.iter().find(|&&(f, _)| f == fd).map_or(Kind::Other, |&(_, k)| k)
    }

    // ---- argument classes ----

    fn int(&mut self) -> usize {
        match self.rng.below(4) {
            0 => self.rng.pick(&BOUNDARY),
            1 => self.rng.usize(),
            _ => self.rng.below(256),
        }
    }

    /// Any fd: mostly from the pool, sometimes a small or boundary number.
    fn fd(&mut self) -> usize {
        let roll = self.rng.below(100);
        if roll < 78 && !self.fds.is_empty() {
            return self.fds[self.rng.below(self.fds.len())].0;
        }
        let fd = if roll < 90 {
            self.rng.below(80)
        } else {
            self.rng.pick(&[usize::MAX, AT_FDCWD, 1 << 31, 1 << 32, 4096, 65535, NO_FD - 1, 1023])
        };
        if self.env.protected.contains(&fd) { fd + 64 } else { fd }
    }

    /// An fd of one of `kinds` if the pool has one, else any fd.
    fn fd_of(&mut self, kinds: &[Kind]) -> usize {
        if self.rng.percent(85) {
            let matching: Vec<usize> = self.fds.iter().filter(|(_, k)| kinds.contains(k)).map(|&(f, _)| f).collect();
            if !matching.is_empty() {
                return self.rng.pick(&matching);
            }
        }
        self.fd()
    }

    /// Any fd, including the protected ones (for calls that only look).
    fn fd_to_look_at(&mut self) -> usize {
        if self.rng.one_in(10) { self.rng.pick(&self.env.protected) } else { self.fd() }
    }

    fn dirfd(&mut self) -> usize {
        if self.rng.percent(30) { AT_FDCWD } else { self.fd_of(&[Kind::Dir]) }
    }

    /// An fd through which a call changes something: in the root phase
    /// only a confined pool fd (or a number no fd has).
    fn mut_fd(&mut self, kinds: &[Kind]) -> usize {
        if self.env.phase == Phase::User {
            return self.fd_of(kinds);
        }
        let confined: Vec<(usize, Kind)> =
            self.fds.iter().copied().filter(|(f, _)| !self.unconfined.contains(f)).collect();
        let matching: Vec<usize> = confined.iter().filter(|(_, k)| kinds.contains(k)).map(|&(f, _)| f).collect();
        match self.rng.below(10) {
            0 => self.rng.pick(&[usize::MAX, 1 << 31, 1 << 32, 65535, NO_FD - 1]),
            1..=6 if !matching.is_empty() => self.rng.pick(&matching),
            _ if !confined.is_empty() => confined[self.rng.below(confined.len())].0,
            _ => usize::MAX,
        }
    }

    /// The directory of a call that changes something.
    fn mut_dirfd(&mut self) -> usize {
        if self.rng.percent(30) { AT_FDCWD } else { self.mut_fd(&[Kind::Dir]) }
    }

    /// A length.
    fn len(&mut self) -> usize {
        match self.rng.below(20) {
            0..=6 => self.rng.below(256),
            7..=9 => self.rng.below(SCRATCH_LEN - OUT),
            10 | 11 => 0,
            12 | 13 => PAGE_SIZE * (1 + self.rng.below(16)),
            14 | 15 => self.rng.pick(&[usize::MAX, isize::MAX as usize, 1 << 40, 1 << 32, 1 << 31, usize::MAX - 4095]),
            16 | 17 => self.rng.pick(&[1 << 20, 16 << 20, 64 << 20, 4 << 20]),
            _ => self.rng.usize(),
        }
    }

    /// A buffer the kernel may write to: (pointer, length). Valid buffers
    /// lie in the scratch area or the arena (fenced by guard pages); the
    /// last page of a fuzzer-made mapping gets a length that stays inside it.
    fn out_buf(&mut self) -> (usize, usize) {
        let len = self.len();
        let scratch_end = self.env.scratch + SCRATCH_LEN;
        match self.rng.below(20) {
            0..=8 => (self.env.scratch + OUT + self.rng.below(64), len),
            9 | 10 => (scratch_end - self.rng.below(64), len),
            11 | 12 => (self.env.arena + self.rng.below(ARENA_LEN / PAGE_SIZE) * PAGE_SIZE + self.rng.below(16), len),
            13 => (self.env.arena + ARENA_LEN - self.rng.below(PAGE_SIZE), len),
            14 if !self.maps.is_empty() => {
                let (start, length) = self.maps[self.rng.below(self.maps.len())];
                let ptr = if self.rng.percent(50) { start + (length - 1) / PAGE_SIZE * PAGE_SIZE } else { start };
                (ptr, len.min(start + length - ptr).min(1 << 20))
            }
            15 => (self.rng.usize(), len),
            _ => (self.rng.pick(&BAD_POINTERS) + self.rng.below(2) * self.rng.below(PAGE_SIZE), len),
        }
    }

    /// A buffer the kernel only reads: anything `out_buf` gives, or any
    /// part of a fuzzer-made mapping.
    fn in_buf(&mut self) -> (usize, usize) {
        if !self.maps.is_empty() && self.rng.one_in(8) {
            let (start, length) = self.maps[self.rng.below(self.maps.len())];
            let len = self.len();
            return (start + self.rng.below(length.max(1)) / PAGE_SIZE * PAGE_SIZE, len);
        }
        self.out_buf()
    }

    /// Writes `bytes` at scratch offset `slot`; returns its address.
    fn put(&mut self, slot: usize, bytes: &[u8]) -> usize {
        let address = self.env.scratch + slot;
        // SAFETY: the scratch area is the fuzzer's own writable memory and
        // every slot is followed by at least 4 KiB of it.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), address as *mut u8, bytes.len().min(4096)) };
        address
    }

    /// Writes a plain-data value at scratch offset `slot`.
    fn put_value<T: Copy>(&mut self, slot: usize, value: T) -> usize {
        let address = self.env.scratch + slot;
        // SAFETY: as in `put`; `T` is plain data of at most 4 KiB and the
        // write is unaligned-safe.
        unsafe { core::ptr::write_unaligned(address as *mut T, value) };
        address
    }

    /// A path that may change the file system (root phase: confined to
    /// the worker's directory, devices and its own scheme).
    fn mutating_path(&mut self) -> String {
        match self.rng.below(16) {
            0..=6 => format!("{}/{}", self.env.dir, self.rng.pick(&NAMES)),
            7..=9 => String::from(self.rng.pick(&NAMES)),
            10 => String::from(self.rng.pick(&DEVICES)),
            11 => format!("/scheme/{}/{}", self.env.scheme, self.rng.pick(&NAMES)),
            12 => String::new(),
            13 => {
                let mut p = self.env.dir.clone();
                for _ in 0..self.rng.below(40) + 1 {
                    p.push_str("/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
                }
                p
            }
            14 => format!("{}/{}", self.env.dir, "n".repeat(self.rng.below(300) + 1)),
            _ => format!("{}/{}/{}", self.env.dir, self.rng.pick(&NAMES), self.rng.pick(&NAMES)),
        }
    }

    /// A path for a call: (pointer, length) in scratch slot `slot`.
    fn path(&mut self, slot: usize, mutating: bool) -> (usize, usize) {
        let confined = mutating && self.env.phase == Phase::Root;
        self.last_path_confined = true;
        let text = if confined || self.rng.percent(60) {
            self.mutating_path()
        } else {
            self.last_path_confined = false;
            String::from(self.rng.pick(&READ_PATHS))
        };
        let mut bytes = text.into_bytes();
        bytes.truncate(4096);
        match self.rng.below(24) {
            0 => {
                // Not UTF-8, or an embedded NUL.
                let i = self.rng.below(bytes.len() + 1);
                bytes.insert(i.min(bytes.len()), self.rng.pick(&[0xff, 0, 0xc3, b'\n']));
                bytes.truncate(4096);
            }
            1 if !confined => {
                self.last_path_confined = false;
                return (self.rng.pick(&BAD_POINTERS), self.rng.below(64));
            }
            2 => {
                let ptr = self.put(slot, &bytes);
                return (ptr, self.len());
            }
            _ => {}
        }
        let ptr = self.put(slot, &bytes);
        (ptr, bytes.len())
    }

    fn open_flags(&mut self) -> usize {
        let mut flags = self.rng.pick(&[O_RDONLY, O_WRONLY, O_RDWR, O_RDONLY, O_RDWR, 0, O_ACCMODE_BITS]);
        for f in [O_CREAT, O_EXCL, O_TRUNC, O_DIRECTORY, O_NONBLOCK, O_CLOEXEC, O_APPEND, O_STAT, O_NOFOLLOW] {
            if self.rng.one_in(6) {
                flags |= f;
            }
        }
        if self.rng.one_in(20) {
            flags |= self.rng.usize();
        }
        flags
    }

    fn rights(&mut self) -> usize {
        match self.rng.below(8) {
            0 => 0,
            1 => rights::ALL as usize,
            2 => self.rng.usize(),
            _ => self.rng.below(rights::ALL as usize + 1),
        }
    }

    /// A signal number (never the watchdog's; stop signals only where the
    /// worker is not the target).
    fn signal(&mut self, may_stop: bool, may_kill: bool) -> usize {
        loop {
            let s = match self.rng.below(10) {
                0 => self.rng.pick(&[0, 32, 33, 64, 65, usize::MAX, 1 << 32]),
                1..=4 => self.rng.pick(&[0, SIGUSR1, SIGCHLD, SIGCONT, SIGPIPE]),
                _ => self.rng.below(32),
            };
            let stops = [SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU].contains(&s);
            let kills = !stops && ![0, SIGUSR1, SIGCHLD, SIGCONT, SIGPIPE, WATCHDOG_SIGNAL].contains(&s) && s < 32;
            if s == WATCHDOG_SIGNAL || (stops && !may_stop) || (kills && !may_kill && !self.rng.one_in(400)) {
                continue;
            }
            return s;
        }
    }

    /// A timeout in nanoseconds: mostly short, sometimes none at all (the
    /// watchdog interrupts the main thread; others are reaped at the end).
    fn timeout_ns(&mut self) -> usize {
        match self.rng.below(10) {
            0..=3 => 0,
            4..=7 => self.rng.below(2_000_000),
            8 if self.role == Role::Main => usize::MAX,
            _ => self.rng.pick(&[1, 1 << 62, usize::MAX - 1, 10_000_000]),
        }
    }

    /// A memory range for `munmap`/`mprotect`/`mmap(MAP_FIXED)`: inside the
    /// arena, a fuzzer-made mapping, or one the kernel must refuse.
    fn region(&mut self) -> (usize, usize, bool) {
        match self.rng.below(10) {
            0..=5 => {
                let start = self.rng.below(ARENA_LEN / PAGE_SIZE);
                let pages = 1 + self.rng.below(ARENA_LEN / PAGE_SIZE - start);
                let len = pages * PAGE_SIZE - if self.rng.one_in(8) { self.rng.below(PAGE_SIZE) } else { 0 };
                (self.env.arena + start * PAGE_SIZE + if self.rng.one_in(10) { 1 } else { 0 }, len, true)
            }
            6 | 7 if !self.maps.is_empty() => {
                let (start, length) = self.maps[self.rng.below(self.maps.len())];
                let offset = if self.rng.percent(50) { 0 } else { self.rng.below(length) / PAGE_SIZE * PAGE_SIZE };
                let len = if self.rng.percent(50) { length - offset } else { self.rng.below(length - offset) + 1 };
                (start + offset, len, false)
            }
            _ => {
                let len = self.rng.pick(&[0, PAGE_SIZE, usize::MAX, 1 << 47, 1 << 40, usize::MAX - PAGE_SIZE + 1]);
                (
                    self.rng.pick(&[
                        0xffff_8000_0000_0000,
                        0xffff_ffff_8000_0000,
                        0x0000_8000_0000_0000,
                        usize::MAX & !4095,
                    ]),
                    len,
                    false,
                )
            }
        }
    }

    fn prot_flags(&mut self) -> usize {
        let mut flags = 0;
        for f in [PROT_READ, PROT_WRITE, PROT_EXEC] {
            if self.rng.percent(50) {
                flags |= f;
            }
        }
        if self.rng.one_in(16) {
            flags |= self.rng.usize() & !MAP_FIXED_BIT;
        }
        flags
    }

    /// A pid for calls that only look (`getpgid`, `waitpid`, `process_open`):
    /// the worker, a child, or a pid that does not exist.
    fn pid(&mut self) -> usize {
        match self.rng.below(6) {
            0 => 0,
            1 => self.env.pid,
            2 | 3 if !self.children.is_empty() => self.rng.pick(&self.children),
            4 => self.rng.pick(&[usize::MAX, 0x7fff_ffff, 1 << 40, 999_999]),
            _ => 0x7fff_fff0 + self.rng.below(8),
        }
    }

    fn tid(&mut self) -> usize {
        match self.rng.below(5) {
            0 => 0,
            1 | 2 if !self.tids.is_empty() => self.rng.pick(&self.tids),
            3 => cairn_rt::sys::gettid(),
            _ => self.rng.pick(&[usize::MAX, 0x7fff_ffff, 1 << 40]),
        }
    }

    /// An array of `StrSlice`s (argv, envp, namespace names) in the struct
    /// slot: (pointer, count). Mostly a few short strings; sometimes a huge
    /// count or strings of 256 KiB (the arena) each.
    fn strings(&mut self, words: &[&str]) -> (usize, usize) {
        match self.rng.below(16) {
            0 => return (self.rng.pick(&BAD_POINTERS), self.rng.below(8)),
            1 => return (self.env.scratch + STRUCT, self.rng.pick(&[usize::MAX, 1 << 20, 4096, 1 << 40])),
            2 if !self.env.skip_known => {
                // Huge argument lists: many entries pointing at one big string.
                let count = self.rng.pick(&[4096, 256, 1024]);
                let slice = StrSlice { ptr: self.env.arena, len: self.rng.pick(&[256 << 10, 1 << 20, 4096]) };
                let max = (SCRATCH_LEN - STRUCT) / size_of::<StrSlice>() - 1;
                for i in 0..count.min(max) {
                    self.put_value(STRUCT + i * size_of::<StrSlice>(), slice);
                }
                return (self.env.scratch + STRUCT, count.min(max));
            }
            _ => {}
        }
        let count = self.rng.below(5);
        let mut offset = STRINGS;
        for i in 0..count {
            let word =
                if self.rng.one_in(8) { "x".repeat(self.rng.below(2000)) } else { String::from(self.rng.pick(words)) };
            let bytes = word.as_bytes();
            let len = bytes.len().min(STRINGS + 4096 - offset);
            let ptr = self.put(offset, &bytes[..len]);
            let slice = if self.rng.one_in(12) {
                StrSlice { ptr: self.rng.pick(&BAD_POINTERS), len: self.len() }
            } else {
                StrSlice { ptr, len }
            };
            self.put_value(STRUCT + i * size_of::<StrSlice>(), slice);
            offset += len;
        }
        (self.env.scratch + STRUCT, count)
    }

    fn timespec(&mut self) -> usize {
        let ts = match self.rng.below(8) {
            0..=4 => TimeSpec { tv_sec: 0, tv_nsec: self.rng.below(2_000_000) as i32 },
            5 => TimeSpec { tv_sec: i64::MAX, tv_nsec: 0 },
            6 => TimeSpec { tv_sec: -1, tv_nsec: -1 },
            _ => TimeSpec { tv_sec: self.rng.next() as i64, tv_nsec: self.rng.next() as i32 },
        };
        if self.rng.one_in(8) {
            return self.rng.pick(&BAD_POINTERS);
        }
        self.put_value(STRUCT, ts)
    }

    // ---- one call ----

    /// Picks a call number by weight (some unknown).
    fn pick_number(&mut self) -> usize {
        let total: usize = (0..SYSCALL_COUNT).map(weight).sum::<usize>() + UNKNOWN_WEIGHT;
        let mut roll = self.rng.below(total);
        for number in 0..SYSCALL_COUNT {
            let w = weight(number);
            if roll < w {
                return number;
            }
            roll -= w;
        }
        match self.rng.below(4) {
            0 => SYSCALL_COUNT + self.rng.below(16),
            1 => self.rng.pick(&[usize::MAX, 1 << 32, (1 << 32) | 1, 1 << 63, 0xffff_ffff]),
            2 => 0x100 + self.rng.below(0x100),
            _ => self.rng.usize(),
        }
    }

    /// Makes one random call (or one pseudo call: fork, a helper thread,
    /// exec in a child) and counts it.
    pub fn step(&mut self) {
        let number = self.pick_number();
        let call = Syscall::from_number(number);
        if let Some(c) = call
            && (self.role != Role::Main && main_only(c) || self.role == Role::Main && c == Syscall::ThreadExit)
        {
            return;
        }
        self.count += 1;
        self.counter.fetch_add(1, Ordering::Relaxed);
        match call {
            Some(Syscall::Fork) => return self.fork_child(None),
            Some(c @ (Syscall::Execve | Syscall::Fexecve | Syscall::Sigreturn)) => return self.fork_child(Some(c)),
            Some(Syscall::ThreadCreate) if self.rng.percent(70) => return self.helper_thread(),
            _ => {}
        }
        let args = match call {
            Some(c) => self.args(c),
            None => [self.int(), self.int(), self.int(), self.int(), self.int(), self.int()],
        };
        let result = self.raw(number, args);
        if let Some(c) = call {
            self.after(c, args, result);
        }
    }

    /// Issues the call, tracing it if asked.
    pub fn raw(&mut self, number: usize, a: [usize; 6]) -> Result<usize, usize> {
        if self.env.trace {
            eprintln!(
                "fz {} {:?} #{} {}({:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x})",
                self.env.tag,
                self.role,
                self.count,
                name(number),
                a[0],
                a[1],
                a[2],
                a[3],
                a[4],
                a[5]
            );
        }
        // SAFETY: the arguments were chosen so that the call can only
        // write to the fuzzer's scratch area, its arena or its own
        // mappings, and cannot unmap or replace memory the program uses
        // (see the module documentation).
        let result = unsafe { syscall6(number, a[0], a[1], a[2], a[3], a[4], a[5]) };
        let result = result.map_err(|e| e.errno().unwrap_or(0) as usize);
        if self.env.trace {
            match result {
                Ok(v) => eprintln!("fz {} = {v:#x}", self.env.tag),
                Err(e) => eprintln!("fz {} = -{e}", self.env.tag),
            }
        }
        result
    }

    /// The arguments of `call`.
    fn args(&mut self, call: Syscall) -> [usize; 6] {
        use Syscall::*;
        let mut a = [0usize; 6];
        match call {
            Exit => a[0] = 0,
            Read | Getdents => {
                a[0] = self.fd();
                (a[1], a[2]) = self.out_buf();
            }
            Write => {
                a[0] = self.fd();
                (a[1], a[2]) = self.in_buf();
            }
            Pread => {
                a[0] = self.fd();
                (a[1], a[2]) = self.out_buf();
                a[3] = self.offset();
            }
            Pwrite => {
                a[0] = self.fd();
                (a[1], a[2]) = self.in_buf();
                a[3] = self.offset();
            }
            Open => {
                a[2] = self.open_flags();
                let mutating = a[2] & (O_CREAT | O_TRUNC | O_WRONLY | O_APPEND) != 0 || a[2] & O_RDWR == O_RDWR;
                (a[0], a[1]) = self.path(PATH_A, mutating || a[2] & !KNOWN_OPEN_FLAGS != 0);
            }
            Openat => {
                a[3] = self.open_flags();
                let mutating = a[3] & (O_CREAT | O_TRUNC | O_WRONLY | O_APPEND) != 0 || a[3] & O_RDWR == O_RDWR;
                let mutating = mutating || a[3] & !KNOWN_OPEN_FLAGS != 0;
                a[0] = if mutating { self.mut_dirfd() } else { self.dirfd() };
                (a[1], a[2]) = self.path(PATH_A, mutating);
                a[4] = self.mode();
            }
            Close => a[0] = self.fd(),
            Fstat | FdInfo | Fstatvfs => {
                a[0] = self.fd_to_look_at();
                (a[1], _) = self.out_buf();
            }
            Lseek => {
                a[0] = self.fd();
                a[1] = self.offset();
                a[2] = if self.rng.percent(80) { self.rng.below(3) } else { self.int() };
            }
            Mmap => self.mmap_args(&mut a),
            Munmap => (a[0], a[1], _) = self.region(),
            Mprotect => {
                (a[0], a[1], _) = self.region();
                a[2] = self.prot_flags();
            }
            Spawn => {
                (a[0], a[1]) = self.path(PATH_A, false);
                (a[2], a[3]) = self.strings(&["true", "-x", "--help", "", "a=b"]);
                (a[4], a[5]) = if self.rng.percent(50) { (0, 0) } else { (a[2], a[3]) };
            }
            SpawnFd => {
                a[0] = self.fd_of(&[Kind::File, Kind::Handle]);
                (a[1], a[2]) = self.strings(&["true", "x"]);
                (a[3], a[4]) = (0, 0);
            }
            Waitpid => {
                a[0] = if self.rng.percent(40) { usize::MAX } else { self.pid() };
                (a[1], _) = self.out_buf();
                a[2] = match self.rng.below(10) {
                    0 if self.role == Role::Main => 0,
                    1 => self.int(),
                    2 => 3,
                    _ => 1,
                };
            }
            Getpid | Getppid | Getuid | Getgid | Gettid | SchedYield | Setsid | EventQueueCreate | TimerCreate => {
                a[0] = self.int();
            }
            Setpgid => {
                a[0] = self.rng.pick(&[0, self.env.pid, 0x7fff_fff3, usize::MAX]);
                a[1] = self.rng.pick(&[0, self.env.pid, 0x7fff_fff3, usize::MAX]);
            }
            Getpgid | Getsid => a[0] = if self.rng.percent(80) { self.pid() } else { self.rng.below(64) },
            Setuid | Setgid => a[0] = self.rng.pick(&[0, 1000, 1001, u32::MAX as usize, usize::MAX, 65534]),
            Umask => a[0] = self.rng.pick(&[0, 0o022, 0o777, 0o7777, u32::MAX as usize, usize::MAX]),
            ThreadCreate => {
                // The raw call, with arguments the kernel must refuse (a
                // thread started at them would end the worker).
                a[0] = self.rng.pick(&[0xffff_8000_0000_0000, 0x0000_8000_0000_0000, usize::MAX, 0]);
                a[1] = self.rng.pick(&[0, 0xffff_8000_0000_0000, self.env.scratch + OUT + 8, 7]);
                a[2] = self.int();
                a[3] = self.int();
            }
            ThreadExit => a[0] = self.int(),
            ThreadJoin | ThreadOpen => a[0] = self.tid(),
            SetFsBase => a[0] = self.rng.pick(&[0xffff_8000_0000_0000, 0x0000_8000_0000_0000, usize::MAX, 1 << 63]),
            Nanosleep => {
                a[0] = self.timespec();
                (a[1], _) = self.out_buf();
            }
            ClockGettime => {
                a[0] = if self.rng.percent(80) { self.rng.below(4) } else { self.int() };
                (a[1], _) = self.out_buf();
            }
            FutexWait => {
                let word = self.rng.below(4) as u32;
                let address = self.put_value(STRUCT, word);
                a[0] = match self.rng.below(6) {
                    0 => address + 1,
                    1 => self.rng.pick(&BAD_POINTERS),
                    2 => self.env.arena + self.rng.below(ARENA_LEN / 4) * 4,
                    _ => address,
                };
                a[1] = if self.rng.percent(50) { word as usize } else { self.int() };
                a[2] = self.timeout_ns();
            }
            FutexWake => {
                a[0] = if self.rng.percent(70) { self.env.scratch + STRUCT } else { self.rng.pick(&BAD_POINTERS) };
                a[1] = self.int();
            }
            Kill => self.kill_args(&mut a),
            Sigaction => {
                a[0] = loop {
                    let s = if self.rng.percent(90) { self.rng.below(34) } else { self.int() };
                    if s != WATCHDOG_SIGNAL {
                        break s;
                    }
                };
                let handler = match self.rng.below(100) {
                    0..=29 => 0,
                    30..=59 => 1,
                    60..=98 => self.env.handler,
                    _ => self.rng.usize(),
                };
                let restorer = if self.rng.one_in(100) { self.rng.usize() } else { self.env.restorer };
                let action = SigAction {
                    handler,
                    mask: self.rng.next() & !bit(WATCHDOG_SIGNAL),
                    flags: self.rng.below(4),
                    restorer,
                };
                a[1] = match self.rng.below(6) {
                    0 => 0,
                    1 => self.rng.pick(&BAD_POINTERS),
                    _ => self.put_value(STRUCT, action),
                };
                a[2] = if self.rng.percent(50) { 0 } else { self.out_buf().0 };
            }
            Sigprocmask => {
                a[0] = if self.rng.percent(85) { self.rng.below(3) } else { self.int() };
                let set = self.rng.next() & !bit(WATCHDOG_SIGNAL);
                a[1] = match self.rng.below(6) {
                    0 => 0,
                    1 => self.rng.pick(&BAD_POINTERS[3..]),
                    _ => self.put_value(STRUCT, set),
                };
                a[2] = if self.rng.percent(50) { 0 } else { self.out_buf().0 };
            }
            Sysinfo => {
                a[0] = if self.rng.percent(80) { self.rng.below(3) } else { self.int() };
                (a[1], a[2]) = self.out_buf();
            }
            SetPriority => {
                a[0] = self.tid();
                a[1] = if self.rng.percent(80) { 3 + self.rng.below(6) } else { self.int() };
            }
            Dup => {
                a[0] = self.fd();
                a[1] = self.rights();
            }
            Dup2 => {
                a[0] = self.fd();
                a[1] = self.fd();
                a[2] = self.rights();
            }
            Pipe2 => {
                a[0] = if self.rng.percent(85) { self.env.scratch + STRUCT } else { self.out_buf().0 };
                a[1] = {
                    let r = self.rng.usize();
                    self.rng.pick(&[0, O_NONBLOCK, O_CLOEXEC, O_NONBLOCK | O_CLOEXEC, r])
                };
            }
            SetFdFlags => {
                a[0] = self.fd();
                a[1] = {
                    let r = self.rng.usize();
                    self.rng.pick(&[0, O_NONBLOCK, O_CLOEXEC, O_NONBLOCK | O_CLOEXEC, r])
                };
            }
            SchemeCreate => {
                let name = match self.rng.below(6) {
                    0 => String::from(self.rng.pick(&SCHEMES)),
                    1 => self.env.scheme.clone(),
                    2 => "s".repeat(self.rng.below(5000)),
                    _ => format!("fz{}", self.rng.below(8)),
                };
                let ptr = self.put(PATH_A, name.as_bytes());
                (a[0], a[1]) =
                    if self.rng.one_in(10) { (self.rng.pick(&BAD_POINTERS), 4) } else { (ptr, name.len().min(4096)) };
            }
            NamespaceCreate => {
                let scheme = self.env.scheme.clone();
                let mut names: Vec<&str> = SCHEMES.to_vec();
                names.push(&scheme);
                (a[0], a[1]) = self.strings(&names);
                a[2] = self.rng.pick(&[0, 1, 1, 2, usize::MAX]);
            }
            NamespaceEnter => a[0] = self.fd_of(&[Kind::Namespace]),
            Mkdir => {
                (a[0], a[1]) = self.path(PATH_A, true);
                a[2] = self.mode();
            }
            Rmdir | Unlink | Chdir => (a[0], a[1]) = self.path(PATH_A, true),
            Rename | Symlink => {
                (a[0], a[1]) = self.path(PATH_A, true);
                (a[2], a[3]) = self.path(PATH_B, true);
            }
            Readlink => {
                (a[0], a[1]) = self.path(PATH_A, false);
                (a[2], a[3]) = self.out_buf();
            }
            Ftruncate => {
                a[0] = self.mut_fd(&[Kind::File]);
                a[1] = self.offset();
            }
            Fsync => a[0] = self.fd(),
            Fchdir => a[0] = self.mut_fd(&[Kind::Dir]),
            EventQueueCtl => {
                a[0] = self.fd_of(&[Kind::Queue]);
                a[1] = self.fd();
                a[2] = if self.rng.percent(80) { self.rng.below(4) } else { self.int() };
                a[3] = self.int();
            }
            EventQueueWait => {
                a[0] = self.fd_of(&[Kind::Queue]);
                (a[1], _) = self.out_buf();
                a[2] = if self.rng.percent(80) { self.rng.below(8) } else { self.int() };
                a[3] = self.timeout_ns();
            }
            TimerSet => {
                a[0] = self.fd_of(&[Kind::Timer]);
                a[1] = {
                    let r = self.rng.below(50_000_000);
                    self.rng.pick(&[0, 1, 1_000_000, 5_000_000, usize::MAX, 1 << 62, r])
                };
                a[2] = {
                    let r = self.rng.below(50_000_000);
                    self.rng.pick(&[0, 0, 0, 1_000_000, 10_000, usize::MAX, r])
                };
            }
            SendFd => {
                a[0] = self.fd_of(&[Kind::Handle]);
                a[1] = self.fd();
                a[2] = self.rights();
            }
            MemoryCreate => {
                a[0] = match self.rng.below(6) {
                    0 => self.rng.pick(&[0, usize::MAX, 1 << 40, 1 << 32, isize::MAX as usize, usize::MAX - 4095]),
                    1 => self.rng.pick(&[16 << 20, 4 << 20]),
                    _ => self.rng.below(8 * PAGE_SIZE),
                }
            }
            Getcwd => (a[0], a[1]) = self.out_buf(),
            SchemeDup => {
                a[0] = self.fd_of(&[Kind::Handle]);
                (a[1], a[2]) = self.in_buf();
            }
            Linkat => {
                a[0] = self.mut_dirfd();
                (a[1], a[2]) = self.path(PATH_A, true);
                a[3] = self.mut_dirfd();
                (a[4], a[5]) = self.path(PATH_B, true);
            }
            Fstatat => {
                a[0] = self.dirfd();
                (a[1], a[2]) = self.path(PATH_A, false);
                a[3] = self.rng.pick(&[0, AT_SYMLINK_NOFOLLOW, AT_SYMLINK_NOFOLLOW | 1, usize::MAX]);
                (a[4], _) = self.out_buf();
            }
            Fchmodat => {
                a[0] = self.mut_dirfd();
                (a[1], a[2]) = self.path(PATH_A, true);
                a[3] = self.mode();
            }
            Fchownat => {
                a[0] = self.mut_dirfd();
                (a[1], a[2]) = self.path(PATH_A, true);
                a[3] = self.rng.pick(&[0, 1000, u32::MAX as usize, usize::MAX, 7]);
                a[4] = self.rng.pick(&[0, 1000, u32::MAX as usize, usize::MAX, 7]);
            }
            Utimensat => {
                a[0] = self.mut_dirfd();
                (a[1], a[2]) = self.path(PATH_A, true);
                let nsec = [cairn_rt::abi::UTIME_NOW, cairn_rt::abi::UTIME_OMIT, 5, -1, i32::MAX];
                let times = [
                    TimeSpec { tv_sec: self.rng.next() as i64 >> self.rng.below(64), tv_nsec: self.rng.pick(&nsec) },
                    TimeSpec { tv_sec: self.rng.below(1 << 31) as i64, tv_nsec: self.rng.pick(&nsec) },
                ];
                a[3] = match self.rng.below(5) {
                    0 => 0,
                    1 => self.rng.pick(&BAD_POINTERS[1..]),
                    _ => self.put_value(STRUCT, times),
                };
            }
            Fcntl => {
                a[0] = self.fd();
                a[1] = self.rng.pick(&[F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL, 9999]);
                a[2] = {
                    let r = self.rng.usize();
                    self.rng.pick(&[0, 1, 3, O_NONBLOCK, O_APPEND, 100, 4096, usize::MAX, r])
                };
            }
            ProcessOpen => a[0] = self.pid(),
            SignalFd => {
                a[0] = self.fd_of(&[Kind::Process(false), Kind::Process(true), Kind::Thread]);
                let child = self.kind_of(a[0]) == Kind::Process(true);
                a[1] = self.signal(child, child);
            }
            GetLimit => {
                a[0] = self.limit_resource();
                a[1] = self.out_buf().0;
            }
            SetLimit => {
                a[0] = self.limit_resource();
                a[1] = self.in_buf().0;
            }
            Mount => {
                a[0] = self.fd();
                a[1] = self.fd_of(&[Kind::Endpoint]);
                let description = self.rng.pick(&["tmpfs /tmp tmpfs", "a b c", "x y", "a  b c", "a\nb c d"]);
                let ptr = self.put(PATH_B, description.as_bytes());
                (a[2], a[3]) = if self.rng.one_in(8) { self.in_buf() } else { (ptr, description.len()) };
            }
            Unmount => (a[0], a[1]) = self.path(PATH_A, true),
            Fork | Execve | Fexecve | Sigreturn => {}
        }
        a
    }

    /// A resource for `get_limit`/`set_limit`: a real one, or any number.
    fn limit_resource(&mut self) -> usize {
        let r = self.int();
        self.rng.pick(&[6, 7, 9, r])
    }

    fn offset(&mut self) -> usize {
        match self.rng.below(6) {
            0..=2 => self.rng.below(8192),
            3 => self.rng.pick(&[usize::MAX, 1 << 40, 1 << 63, isize::MAX as usize, 1 << 32, usize::MAX - 10]),
            4 => PAGE_SIZE * self.rng.below(1024),
            _ => self.rng.usize(),
        }
    }

    fn mode(&mut self) -> usize {
        if self.rng.percent(80) { self.rng.below(0o10000) } else { self.rng.usize() }
    }

    fn mmap_args(&mut self, a: &mut [usize; 6]) {
        let mut flags = self.prot_flags() | self.rng.pick(&[MAP_SHARED, MAP_PRIVATE, MAP_PRIVATE, 0, 3]);
        let fixed = self.rng.percent(35);
        if fixed {
            let (addr, len, in_arena) = self.region();
            if in_arena {
                a[0] = addr;
                a[1] = len;
                flags |= self.rng.pick(&[MAP_FIXED_BIT, MAP_FIXED_NOREPLACE_BITS]);
            } else {
                // Not in the arena: the kernel must refuse it (kernel half,
                // non-canonical) or, for a fuzzer mapping, may place it anew.
                a[0] = addr;
                a[1] = len;
                if addr >= 0x0000_8000_0000_0000 {
                    flags |= MAP_FIXED_BIT;
                }
            }
        } else {
            a[0] = if self.rng.percent(80) { 0 } else { self.rng.pick(&BAD_POINTERS) & !MAP_FIXED_BIT };
            a[1] = match self.rng.below(8) {
                // Huge mappings: forking or unmapping them costs time in
                // proportion to the range today (issue 9 item 12).
                0 if !self.env.skip_known => {
                    self.rng.pick(&[1 << 40, 1 << 36, 1 << 32, usize::MAX, usize::MAX - 4095, 1 << 46])
                }
                1 => 0,
                2 => self.rng.below(1 << 20),
                _ => PAGE_SIZE * (1 + self.rng.below(64)),
            };
        }
        a[2] = flags;
        a[3] = if self.rng.percent(50) {
            NO_FD
        } else {
            self.fd_of(&[Kind::Memory, Kind::File, Kind::Handle, Kind::Device])
        };
        a[4] = match self.rng.below(5) {
            0 => self.offset(),
            1 => PAGE_SIZE * self.rng.below(4),
            _ => 0,
        };
    }

    fn kill_args(&mut self, a: &mut [usize; 6]) {
        // Targets: the worker itself, its group, a child, nobody. Never pid
        // 1, never -1 (every process). A child gets every signal; the
        // worker and its group nothing that would stop it (and rarely one
        // that ends it).
        match self.rng.below(8) {
            0 | 1 if !self.children.is_empty() && self.role == Role::Main => {
                a[0] = self.rng.pick(&self.children);
                a[1] = self.signal(true, true);
            }
            2 => {
                a[0] = self.rng.pick(&[0x7fff_fff5, 999_999, 1 << 40, (-(0x7fff_fff5isize)) as usize]);
                a[1] = self.signal(true, true);
            }
            3 if self.role == Role::Main => {
                a[0] = if self.rng.percent(50) { 0 } else { (self.env.pid as isize).wrapping_neg() as usize };
                a[1] = self.signal(false, false);
            }
            _ => {
                a[0] = if self.role == Role::Child { cairn_rt::process::id() } else { self.env.pid };
                a[1] = self.signal(false, false);
            }
        }
    }

    /// Records what a successful call made; forgets what it destroyed.
    fn after(&mut self, call: Syscall, a: [usize; 6], result: Result<usize, usize>) {
        use Syscall::*;
        let Ok(value) = result else { return };
        let confined = match call {
            Open => self.last_path_confined,
            Openat => self.last_path_confined && (a[0] == AT_FDCWD || !self.unconfined.contains(&a[0])),
            Dup | Dup2 | Fcntl => !self.unconfined.contains(&a[0]),
            _ => true,
        };
        let kind = match call {
            Open | Openat => {
                if a[if call == Open { 2 } else { 3 }] & O_DIRECTORY != 0 {
                    Some(Kind::Dir)
                } else {
                    Some(Kind::File)
                }
            }
            Dup | Fcntl if call == Dup || a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC => Some(self.kind_of(a[0])),
            Dup2 => Some(self.kind_of(a[0])),
            SchemeCreate => Some(Kind::Endpoint),
            NamespaceCreate => Some(Kind::Namespace),
            EventQueueCreate => Some(Kind::Queue),
            TimerCreate => Some(Kind::Timer),
            MemoryCreate => Some(Kind::Memory),
            SchemeDup => Some(Kind::Handle),
            ProcessOpen => Some(Kind::Process(a[0] != 0 && a[0] != self.env.pid)),
            ThreadOpen => Some(Kind::Thread),
            _ => None,
        };
        if let Some(kind) = kind {
            self.add_fd_tagged(value, kind, confined);
            return;
        }
        match call {
            Close => {
                self.fds.retain(|&(f, _)| f != a[0]);
                self.unconfined.retain(|&f| f != a[0]);
            }
            Pipe2 if a[0] == self.env.scratch + STRUCT => {
                // SAFETY: the kernel wrote two fds at this scratch address.
                let ends = unsafe { core::ptr::read_unaligned(a[0] as *const [usize; 2]) };
                self.add_fd(ends[0], Kind::Pipe);
                self.add_fd(ends[1], Kind::Pipe);
            }
            Mmap => {
                let in_arena = value >= self.env.arena && value < self.env.arena + ARENA_LEN;
                if !in_arena && a[1] > 0 && self.maps.len() < 16 {
                    self.maps.push((value, a[1].div_ceil(PAGE_SIZE) * PAGE_SIZE));
                }
            }
            // A mapping partly unmapped is forgotten: the kernel may place
            // other memory of the program in the hole.
            Munmap => self.maps.retain(|&(start, len)| start + len <= a[0] || a[0].saturating_add(a[1]) <= start),
            Spawn | SpawnFd => self.children.push(value),
            Waitpid if value != 0 => self.children.retain(|&c| c != value),
            _ => {}
        }
    }

    /// Reaps ended children; with `force`, or when there are too many,
    /// kills the oldest first.
    pub fn reap(&mut self, force: bool) {
        let mut status = 0u32;
        self.children.retain(|&child| {
            // SAFETY: the kernel writes one u32 status.
            let r = unsafe { syscall6(Syscall::Waitpid as usize, child, (&raw mut status) as usize, 1, 0, 0, 0) };
            !matches!(r, Ok(pid) if pid == child) && r.is_ok()
        });
        while force && !self.children.is_empty() || self.children.len() >= MAX_CHILDREN {
            let child = self.children.remove(0);
            let _ = cairn_rt::signal::kill(child, SIGKILL);
            // Bounded: a killed child ends at once; if the wait is
            // interrupted the child is left to the group kill.
            let _ = cairn_rt::process::waitpid(cairn_rt::process::WaitTarget::Pid(child), 0);
        }
    }

    /// A forked child that makes a few calls (or the one call given) and exits.
    fn fork_child(&mut self, call: Option<Syscall>) {
        self.reap(false);
        let seed = self.rng.next();
        let result = self.raw_fork();
        match result {
            Ok(0) => {
                let mut child = Fuzzer::new(seed, self.env.clone(), Role::Child, self.counter);
                child.fds = self.fds.clone();
                child.unconfined = self.unconfined.clone();
                child.maps = self.maps.clone();
                child.count = self.count;
                match call {
                    Some(c) => {
                        let mut a = match c {
                            Syscall::Execve => {
                                let mut a = [0; 6];
                                (a[0], a[1]) = child.path(PATH_A, false);
                                (a[2], a[3]) = child.strings(&["true", "-x", ""]);
                                (a[4], a[5]) = child.strings(&["A=B", "PATH=/bin"]);
                                a
                            }
                            Syscall::Fexecve => {
                                let mut a = [0; 6];
                                a[0] = child.fd_of(&[Kind::File, Kind::Handle]);
                                (a[1], a[2]) = child.strings(&["true", "-x", ""]);
                                a
                            }
                            _ => [0; 6],
                        };
                        if c == Syscall::Sigreturn && child.rng.percent(50) {
                            // A forged frame: the stack holds scratch garbage.
                            a = [child.int(), child.int(), 0, 0, 0, 0];
                        }
                        let _ = child.raw(c as usize, a);
                    }
                    None => {
                        for _ in 0..child.rng.below(8) {
                            child.step();
                        }
                    }
                }
                // SAFETY: ends the child process.
                unsafe {
                    let _ = syscall6(Syscall::Exit as usize, 0, 0, 0, 0, 0, 0);
                }
                cairn_rt::process::exit(0)
            }
            Ok(pid) => self.children.push(pid),
            Err(_) => {}
        }
    }

    fn raw_fork(&mut self) -> Result<usize, usize> {
        if self.env.trace {
            eprintln!("fz {} {:?} #{} Fork()", self.env.tag, self.role, self.count);
        }
        match cairn_rt::process::fork() {
            Ok(cairn_rt::process::ForkResult::Child) => Ok(0),
            Ok(cairn_rt::process::ForkResult::Parent { child }) => Ok(child),
            Err(e) => Err(e.errno().unwrap_or(0) as usize),
        }
    }

    /// A helper thread making a few calls of its own, concurrently.
    fn helper_thread(&mut self) {
        if self.tids.len() >= 8 {
            return;
        }
        let seed = self.rng.next();
        let env = self.env.clone();
        let fds = self.fds.clone();
        let unconfined = self.unconfined.clone();
        let counter: &'static AtomicU64 = crate::worker::counter();
        let calls = self.rng.below(24);
        let raw_exit = self.rng.percent(30);
        if env.trace {
            eprintln!("fz {} Main #{} helper thread ({calls} calls)", env.tag, self.count);
        }
        let spawned = cairn_rt::thread::Builder::new().stack_size(64 * 1024).spawn(move || {
            let mut helper = Fuzzer::new(seed, env, Role::Helper, counter);
            helper.fds = fds;
            helper.unconfined = unconfined;
            for _ in 0..calls {
                helper.step();
            }
            if raw_exit {
                // SAFETY: ends only this thread (its stack stays mapped).
                unsafe {
                    let _ = syscall6(Syscall::ThreadExit as usize, 0, 0, 0, 0, 0, 0);
                }
            }
        });
        if let Ok(handle) = spawned {
            self.tids.push(handle.thread().id().as_usize());
        }
    }
}

/// Bits of `MapFlags`: the fixed-mapping bits are set only for arena
/// ranges.
const PROT_READ: usize = 0x0004_0000;
const PROT_WRITE: usize = 0x0002_0000;
const PROT_EXEC: usize = 0x0001_0000;
const MAP_SHARED: usize = 0x0001;
const MAP_PRIVATE: usize = 0x0002;
const MAP_FIXED_BIT: usize = 0x0004;
const MAP_FIXED_NOREPLACE_BITS: usize = 0x000c;
/// An access mode with every bit set (invalid).
const O_ACCMODE_BITS: usize = cairn_rt::abi::O_ACCMODE;
/// Every open flag the fuzzer knows.
const KNOWN_OPEN_FLAGS: usize =
    O_RDWR | O_CREAT | O_EXCL | O_TRUNC | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC | O_APPEND | O_STAT | O_NOFOLLOW;

/// One-line description of the pool, for the trace.
pub fn describe(fds: &[(usize, Kind)]) -> String {
    let mut s = String::new();
    for (fd, kind) in fds {
        let _ = write!(s, "{fd}:{kind:?} ");
    }
    s
}
