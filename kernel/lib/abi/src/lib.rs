//! Cairn's kernel/user-space ABI, in one place: system call numbers and
//! calling convention, error numbers, flags and the structures that cross
//! the boundary. The kernel and the user runtime both depend on this crate
//! and on nothing else for the ABI.
//!
//! Where Redox has the same concept, its definitions are re-exported from
//! `redox_syscall` (errno values, `O_*`, `MAP_*`/`PROT_*`, `SEEK_*`,
//! `CLOCK_*`, `Stat`, `TimeSpec`), so Cairn speaks the Redox dialect.
//! `redox_syscall`'s call wrappers issue Redox's numbers and are never used.
//!
//! # Calling convention
//! `syscall` with the number in RAX and up to six arguments in RDI, RSI,
//! RDX, R10, R8, R9. The result comes back in RAX: a value, or `-errno`
//! (see [`Error::mux`]/[`Error::demux`]). RCX and R11 are clobbered (by the
//! instruction); every other register, including SSE state, is preserved.
//!
//! Depends only on `redox_syscall` (types and constants) and `core`.
#![no_std]

pub use syscall::data::{Stat, TimeSpec};
pub use syscall::error::{self, Error, Result};
pub use syscall::flag::{
    CLOCK_MONOTONIC, CLOCK_REALTIME, MODE_DIR, MODE_FILE, MODE_PERM, MODE_SYMLINK, MODE_TYPE, MapFlags, O_ACCMODE,
    O_APPEND, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDONLY, O_RDWR, O_STAT, O_TRUNC, O_WRONLY, SEEK_CUR,
    SEEK_END, SEEK_SET,
};

pub mod signal;

/// File type of a block device (POSIX `S_IFBLK`), in `Stat::st_mode`
/// beside `MODE_DIR`, `MODE_FILE` and `MODE_SYMLINK` (Redox has no name
/// for it): what a disk driver's disks are.
pub const MODE_BLOCK: u16 = 0o060_000;

/// System call numbers.
///
/// Pointer-and-length pairs are written `(ptr, len)`. Unless noted, a call
/// returns 0 on success. Every call is documented in `docs/ABI.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum Syscall {
    /// `exit(status)`: ends the whole process. Never returns.
    Exit = 0,
    /// `read(fd, buf, len) -> bytes`.
    Read = 1,
    /// `write(fd, buf, len) -> bytes`.
    Write = 2,
    /// `open(path, path_len, flags) -> fd`: opens an initfs file.
    Open = 3,
    /// `close(fd)`.
    Close = 4,
    /// `fstat(fd, *mut Stat)`.
    Fstat = 5,
    /// `lseek(fd, offset, whence) -> new offset`.
    Lseek = 6,
    /// `mmap(addr, len, MapFlags, fd, offset) -> addr`: anonymous when fd is
    /// `usize::MAX`.
    Mmap = 7,
    /// `munmap(addr, len)`.
    Munmap = 8,
    /// `mprotect(addr, len, MapFlags)`.
    Mprotect = 9,
    /// `fork() -> child pid` in the parent, 0 in the child.
    Fork = 10,
    /// `execve(path, path_len, argv, argc, envp, envc)`: `argv`/`envp`
    /// point to arrays of `argc`/`envc` [`StrSlice`]s. Returns only on error.
    Execve = 11,
    /// `spawn(path, path_len, argv, argc, envp, envc) -> pid`: a new child
    /// process running the executable, inheriting fds 0-2.
    Spawn = 12,
    /// `waitpid(pid, *mut status, options) -> pid`; pid `usize::MAX` = any
    /// child; `options` from [`wait`].
    Waitpid = 13,
    /// `getpid() -> pid`.
    Getpid = 14,
    /// `getppid() -> pid`.
    Getppid = 15,
    /// `setpgid(pid, pgid)` (0 means the caller / the pid itself).
    Setpgid = 16,
    /// `getpgid(pid) -> pgid` (0 means the caller).
    Getpgid = 17,
    /// `setsid() -> session id`.
    Setsid = 18,
    /// `getsid(pid) -> session id` (0 means the caller).
    Getsid = 19,
    /// `getuid() -> uid`.
    Getuid = 20,
    /// `getgid() -> gid`.
    Getgid = 21,
    /// `setuid(uid)`: root only (or to one's own uid).
    Setuid = 22,
    /// `setgid(gid)`: root only (or to one's own gid).
    Setgid = 23,
    /// `thread_create(entry, stack_top, argument, fs_base) -> tid`: the new
    /// thread starts at `entry` with RDI = `argument`, FS base = `fs_base`
    /// and RSP = `stack_top - 8` holding a zero return address
    /// (`stack_top` must be 16-byte aligned).
    ThreadCreate = 24,
    /// `thread_exit(code)`: ends the calling thread. Never returns.
    ThreadExit = 25,
    /// `thread_join(tid) -> code`: waits for a thread of this process.
    ThreadJoin = 26,
    /// `gettid() -> tid`.
    Gettid = 27,
    /// `set_fs_base(addr)`: the calling thread's TLS base.
    SetFsBase = 28,
    /// `sched_yield()`.
    SchedYield = 29,
    /// `nanosleep(*const TimeSpec, *mut TimeSpec remaining)`.
    Nanosleep = 30,
    /// `clock_gettime(clock, *mut TimeSpec)`.
    ClockGettime = 31,
    /// `futex_wait(addr, expected, timeout_ns)`: sleeps while `*addr ==
    /// expected` (u32), up to `timeout_ns` (`u64::MAX` = no limit);
    /// `ETIMEDOUT`, `EAGAIN` if the value differed.
    FutexWait = 32,
    /// `futex_wake(addr, count) -> woken`.
    FutexWake = 33,
    /// `kill(pid, signal)`; pid 0 = own group, negative (as isize) = group.
    Kill = 34,
    /// `sigaction(signal, *const SigAction, *mut SigAction)`.
    Sigaction = 35,
    /// `sigprocmask(how, *const u64 set, *mut u64 old)`.
    Sigprocmask = 36,
    /// `sigreturn()`: returns from a signal handler. Never returns.
    Sigreturn = 37,
    /// `sysinfo(kind, buf, len) -> bytes`: kernel statistics, see [`SysInfo`].
    Sysinfo = 38,
    /// `set_priority(tid, priority)`: 0 (highest) to [`PRIORITY_LEVELS`]-1;
    /// tid 0 = the caller. Raising one's priority above the default needs uid 0.
    SetPriority = 39,
    /// `dup(fd, rights) -> new fd`: needs [`rights::DUP`]; the copy has the
    /// old rights masked by `rights` (rights never grow).
    Dup = 40,
    /// `dup2(fd, new_fd, rights) -> new_fd`: like `dup`, into `new_fd`
    /// (closing what was there).
    Dup2 = 41,
    /// `fd_info(fd, *mut FdInfo)`: the object type, rights and flags of an fd.
    FdInfo = 42,
    /// `pipe2(*mut [usize; 2], flags)`: read end, write end; flags
    /// `O_NONBLOCK`, [`O_CLOEXEC`].
    Pipe2 = 43,
    /// `set_fd_flags(fd, flags)`: [`O_CLOEXEC`] and `O_NONBLOCK`.
    SetFdFlags = 44,
    /// `scheme_create(name, name_len) -> endpoint fd`: registers a scheme in
    /// the caller's namespace (needs the namespace's register permission);
    /// the caller serves it by reading [`scheme::Request`]s from the fd and
    /// writing [`scheme::Response`]s.
    SchemeCreate = 45,
    /// `namespace_create(names, count, flags) -> namespace fd`: a namespace
    /// holding the named schemes of the caller's (a subset; `names` points
    /// to `count` [`StrSlice`]s); `flags` [`NAMESPACE_REGISTER`] keeps the
    /// right to register schemes (only if the caller has it).
    NamespaceCreate = 46,
    /// `namespace_enter(fd)`: makes the namespace the caller's.
    NamespaceEnter = 47,
    /// `mkdir(path, path_len, mode)`.
    Mkdir = 48,
    /// `rmdir(path, path_len)`.
    Rmdir = 49,
    /// `unlink(path, path_len)`.
    Unlink = 50,
    /// `rename(old, old_len, new, new_len)`: both in one scheme (`EXDEV`).
    Rename = 51,
    /// `symlink(target, target_len, path, path_len)`.
    Symlink = 52,
    /// `readlink(path, path_len, buf, len) -> bytes`.
    Readlink = 53,
    /// `ftruncate(fd, len)`.
    Ftruncate = 54,
    /// `fsync(fd)`.
    Fsync = 55,
    /// `getdents(fd, buf, len) -> bytes`: directory entries, each
    /// `[kind: u8][name_len: u8][name]` (kind: [`scheme::DIRENT_FILE`],
    /// [`scheme::DIRENT_DIR`], [`scheme::DIRENT_SYMLINK`]); 0 at the end.
    Getdents = 56,
    /// `event_queue_create() -> fd`: an empty event queue.
    EventQueueCreate = 57,
    /// `event_queue_ctl(queue, fd, interest, data)`: watch `fd` for
    /// [`EVENT_READ`]/[`EVENT_WRITE`] (0 stops watching); `data` comes back
    /// in its events.
    EventQueueCtl = 58,
    /// `event_queue_wait(queue, *mut Event, max, timeout_ns) -> count`:
    /// waits until a watched fd is ready (level-triggered) or the timeout
    /// passes (`u64::MAX` = no limit, 0 = just poll).
    EventQueueWait = 59,
    /// `timer_create() -> fd`: a disarmed timer; reading it blocks until it
    /// expires and returns the number of expirations as a `u64`.
    TimerCreate = 60,
    /// `timer_set(fd, initial_ns, interval_ns)`: arms (0 disarms) the timer,
    /// repeating every `interval_ns` if non-zero.
    TimerSet = 61,
    /// `send_fd(handle, fd, rights) -> value`: passes a copy of `fd` (needs
    /// [`rights::SEND`]; its rights masked by `rights`) to the server of
    /// scheme handle `handle` with a [`scheme::SENDFD`] request; returns the
    /// server's answer.
    SendFd = 62,
    /// `memory_create(size) -> fd`: a shareable memory object of `size`
    /// bytes (rounded up to pages), zero-filled; map it with `mmap(...,
    /// MAP_SHARED, fd, offset)` (needs MAP, and WRITE for `PROT_WRITE`).
    MemoryCreate = 63,
    /// `chdir(path, path_len)`: the working directory relative paths
    /// start from.
    Chdir = 64,
    /// `getcwd(buf, len) -> bytes`: the working directory.
    Getcwd = 65,
    /// `pread(fd, buf, len, offset) -> bytes`: reads at `offset` without
    /// moving the fd's position.
    Pread = 66,
    /// `pwrite(fd, buf, len, offset) -> bytes`: writes at `offset` without
    /// moving the fd's position.
    Pwrite = 67,
    /// `scheme_dup(fd, payload, len) -> fd`: asks the server of a scheme
    /// handle for a new handle ([`scheme::DUP`], e.g. `accept` on a
    /// listening socket); the new fd has the old one's rights.
    SchemeDup = 68,
    /// `openat(dirfd, path, path_len, flags, mode) -> fd`: like `open`, a
    /// relative path starting at directory `dirfd` ([`AT_FDCWD`]: the
    /// working directory); `mode` is the permission of a created file.
    Openat = 69,
    /// `linkat(old_dirfd, old, old_len, new_dirfd, new, new_len)`: a new
    /// name for a file (both in one scheme, `EXDEV` otherwise).
    Linkat = 70,
    /// `fchmodat(dirfd, path, path_len, mode)`: an empty path changes
    /// `dirfd` itself (as `fchmod`).
    Fchmodat = 71,
    /// `fchownat(dirfd, path, path_len, uid, gid)`: `u32::MAX` keeps the
    /// value; an empty path changes `dirfd` itself.
    Fchownat = 72,
    /// `utimensat(dirfd, path, path_len, *const [TimeSpec; 2])`: access
    /// and modification times ([`UTIME_NOW`], [`UTIME_OMIT`] in
    /// `tv_nsec`; a null pointer sets both to now); an empty path changes
    /// `dirfd` itself.
    Utimensat = 73,
    /// `fstatvfs(fd, *mut StatVfs)`: statistics of the file system `fd` is on.
    Fstatvfs = 74,
    /// `fcntl(fd, cmd, arg) -> value`: `F_DUPFD`/[`F_DUPFD_CLOEXEC`] (lowest
    /// free fd at or above `arg`), `F_GETFD`/`F_SETFD` ([`FD_CLOEXEC`]),
    /// `F_GETFL`/`F_SETFL` (access mode, `O_NONBLOCK`, and for scheme
    /// handles the server's flags such as `O_APPEND`).
    Fcntl = 75,
    /// `fchdir(fd)`: the directory `fd` names becomes the working directory.
    Fchdir = 76,
    /// `spawn_fd(fd, argv, argc, envp, envc) -> pid`: `spawn` of the
    /// executable `fd` names (needs [`rights::EXEC`]).
    SpawnFd = 77,
    /// `fexecve(fd, argv, argc, envp, envc)`: `execve` of the executable
    /// `fd` names (needs [`rights::EXEC`]).
    Fexecve = 78,
    /// `process_open(pid) -> fd`: a handle on a process (READ: wait for its
    /// end, reading its 4-byte wait status; [`rights::SIGNAL`]: signal it
    /// with `signal_fd`). Signalling needs the same permission as `kill`.
    ProcessOpen = 79,
    /// `thread_open(tid) -> fd`: a handle on a thread of the caller's
    /// process (READ: wait for its end, reading its 8-byte exit value;
    /// [`rights::SIGNAL`]: signal it).
    ThreadOpen = 80,
    /// `signal_fd(fd, signal)`: sends `signal` to the process or thread a
    /// handle names (needs [`rights::SIGNAL`]).
    SignalFd = 81,
    /// `get_limit(resource, &mut limit::Limit)`: the calling process's
    /// limit on a [`limit`] resource.
    GetLimit = 82,
    /// `set_limit(resource, &limit::Limit)`: changes it; the current value
    /// may not exceed the maximum, and only root may raise the maximum
    /// (`EPERM`).
    SetLimit = 83,
    /// `mount(dirfd, endpoint, description, description_len)`: binds the
    /// directory `dirfd` names (a file-tree path) to the scheme whose
    /// endpoint the caller holds, in the caller's namespace; `description`
    /// is `SOURCE TYPE OPTIONS`, shown in `/scheme/sys/mounts`. Root only.
    Mount = 84,
    /// `unmount(path, path_len)`: removes the mount at `path` from the
    /// caller's namespace. Root only.
    Unmount = 85,
    /// `fstatat(dirfd, path, path_len, flags, *mut Stat)`: the `Stat` of
    /// the file at `path` (relative paths from `dirfd`, [`AT_FDCWD`]: the
    /// working directory), as `open` with `O_STAT` then `fstat` and
    /// `close` give it, in one round trip to a server that answers an
    /// `O_STAT` open with the `Stat` ([`scheme::OPEN`]). `flags`:
    /// [`AT_SYMLINK_NOFOLLOW`] (a final symbolic link itself); other bits
    /// are `EINVAL`.
    Fstatat = 86,
    /// `umask(mask) -> previous mask`: sets the caller's file-creation
    /// mask, the permission bits that `open` with `O_CREAT` and `mkdir`
    /// clear from the mode they are given. Only its `0o777` bits count;
    /// `fork` and `spawn` children inherit it and `execve` keeps it. The
    /// first process starts with [`INITIAL_UMASK`], as on Linux.
    Umask = 87,
}

/// Number of system calls; numbers at or above this give `ENOSYS`.
pub const SYSCALL_COUNT: usize = 88;

/// The file-creation mask of the first process ([`Syscall::Umask`]).
pub const INITIAL_UMASK: usize = 0o022;

/// `fstatat` flag: do not follow a final symbolic link (Linux's value).
pub const AT_SYMLINK_NOFOLLOW: usize = 0x100;

/// `dirfd` value meaning the working directory (`openat` and friends).
pub const AT_FDCWD: usize = usize::MAX - 99;
/// `tv_nsec` value in `utimensat`: set the time to now.
pub const UTIME_NOW: i32 = (1 << 30) - 1;
/// `tv_nsec` value in `utimensat`: leave the time as it is.
pub const UTIME_OMIT: i32 = (1 << 30) - 2;
pub use syscall::data::StatVfs;
pub use syscall::flag::{F_DUPFD, F_GETFD, F_GETFL, F_SETFD, F_SETFL};
/// `fcntl` command: like `F_DUPFD`, with close-on-exec set on the copy.
pub const F_DUPFD_CLOEXEC: usize = 1030;
/// The `F_GETFD`/`F_SETFD` flag.
pub const FD_CLOEXEC: usize = 1;

/// Readiness to read (or end of file, or a pending request, or an expired timer).
pub const EVENT_READ: u32 = 1;
/// Readiness to write.
pub const EVENT_WRITE: u32 = 2;

/// One ready fd, as `event_queue_wait` reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Event {
    /// The `data` given to `event_queue_ctl`.
    pub data: u64,
    /// The fd.
    pub fd: u32,
    /// [`EVENT_READ`] and/or [`EVENT_WRITE`].
    pub ready: u32,
}

/// `namespace_create` flag: the new namespace may register schemes.
pub const NAMESPACE_REGISTER: usize = 1;
/// `namespace_create` flag: the names are those to leave out; the new
/// namespace is a live view of the caller's without them (names
/// registered there later are reached too).
pub const NAMESPACE_EXCEPT: usize = 2;

/// The scheme protocol between the kernel and a scheme server.
pub mod scheme {
    /// A request, as the server reads it from its endpoint (followed by
    /// `payload_len` bytes of payload: the path for `OPEN`, the data for
    /// `WRITE`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    #[repr(C)]
    pub struct Request {
        /// Unique per scheme; the response must carry it.
        pub id: u64,
        pub opcode: u32,
        pub caller_pid: u32,
        pub caller_uid: u32,
        pub caller_gid: u32,
        /// The server's handle id the operation is on (0 for `OPEN`).
        pub handle: u64,
        /// `OPEN`: flags; `READ`: length wanted; `LSEEK`: offset, whence;
        /// `CANCEL`: the id of the cancelled request.
        pub args: [u64; 3],
        pub payload_len: u64,
    }

    /// A response, as the server writes it (followed by `payload_len` bytes:
    /// the data for `READ`, a `Stat` for `FSTAT`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    #[repr(C)]
    pub struct Response {
        /// The request answered (with [`RESPONSE_EVENT`]: the handle id).
        pub id: u64,
        /// A value (`OPEN`: the new handle id) or `-errno`; with
        /// [`RESPONSE_FD`] an fd of the server's, with [`RESPONSE_EVENT`]
        /// readiness bits.
        pub result: i64,
        pub payload_len: u64,
        /// [`RESPONSE_FD`] or [`RESPONSE_EVENT`], or 0.
        pub flags: u64,
    }

    /// Response flag: `result` is an fd of the server; the client receives
    /// a copy of it (needs `SEND`; its rights are kept) instead of a value:
    /// an `OPEN` or `DUP` answered so gives the client that object as its
    /// new fd, an `MMAP` must be answered so with a memory object.
    pub const RESPONSE_FD: u64 = 1;
    /// Response flag: not an answer but news. Handle `id` is now ready for
    /// the `EVENT_*` bits in `result` (see [`FEVENT`]).
    pub const RESPONSE_EVENT: u64 = 2;
    /// Response flag for an `OPEN`: the handle is a terminal. A session
    /// leader without a controlling terminal that opens it makes it the
    /// session's, which `/dev/tty` leads to.
    pub const RESPONSE_TERMINAL: u64 = 4;

    /// Payload = path, relative to directory handle `handle` (0: the
    /// scheme's root; an absolute path always starts at the root). The
    /// same holds for every path operation below. `args[0]` = flags,
    /// `args[1]` = mode of a created file, `args[2]` = [`PATH_BENEATH`].
    /// An `O_STAT` open may be answered with the opened file's `Stat` as
    /// payload (the kernel's `fstatat` then needs no `FSTAT`); a server
    /// that sends none is asked with `FSTAT`.
    pub const OPEN: u32 = 1;
    /// Path operations (`OPEN`, `MKDIR`, `RMDIR`, `UNLINK`, `RENAME`,
    /// `SYMLINK`'s link path, `READLINK`, `LINK`, `CHMOD`, `CHOWN`,
    /// `UTIMENS`) carry path flags in `args[2]`: the path (the old path of
    /// `RENAME`/`LINK`) must stay beneath its directory handle. The caller
    /// is confined (see `docs/CAPABILITIES.md`): the server refuses an
    /// absolute path, `..` above the handle and a symbolic link that is
    /// absolute or leads out of it, with `EACCES`.
    pub const PATH_BENEATH: u64 = 1;
    /// Path flag: the new path of `RENAME`/`LINK` must stay beneath its
    /// directory handle (`args[0]`).
    pub const PATH_BENEATH_NEW: u64 = 2;
    /// `READ` and `WRITE` carry `args[1]` = offset and `args[2]` =
    /// [`POSITIONED`] for `pread`/`pwrite` (the handle's position stays).
    pub const POSITIONED: u64 = 1;
    pub const READ: u32 = 2;
    pub const WRITE: u32 = 3;
    /// The last fd of a handle was closed; no response.
    pub const CLOSE: u32 = 4;
    pub const FSTAT: u32 = 5;
    pub const LSEEK: u32 = 6;
    /// The client of request `args[0]` gave up (it was interrupted or
    /// killed); no response. Its late response is discarded.
    pub const CANCEL: u32 = 7;

    /// `args[0]` = mode; payload = path.
    pub const MKDIR: u32 = 8;
    /// Payload = path.
    pub const RMDIR: u32 = 9;
    /// Payload = path.
    pub const UNLINK: u32 = 10;
    /// Payload = old path, NUL, new path; the new path starts at
    /// directory handle `args[0]` (0: the root).
    pub const RENAME: u32 = 11;
    /// Payload = target, NUL, link path.
    pub const SYMLINK: u32 = 12;
    /// Payload = path, `args[0]` = bytes wanted; answer payload = target.
    pub const READLINK: u32 = 13;
    /// `args[0]` = new length.
    pub const FTRUNCATE: u32 = 14;
    pub const FSYNC: u32 = 15;
    /// `args[0]` = bytes wanted; answer payload = directory entries.
    pub const GETDENTS: u32 = 16;

    /// An fd arrives: `args[0]` = the fd number it got in the server's
    /// table (placed there when the server reads the request).
    pub const SENDFD: u32 = 17;

    /// A new handle derived from this one (payload = what the caller asked
    /// for, e.g. `accept`); answer = the new handle id.
    pub const DUP: u32 = 18;
    /// Payload = old path, NUL, new path (as `RENAME`): a hard link.
    pub const LINK: u32 = 19;
    /// `args[0]` = mode; payload = path (empty: the handle itself).
    pub const CHMOD: u32 = 20;
    /// `args[0]` = uid, `args[1]` = gid (`u32::MAX`: unchanged); payload =
    /// path (empty: the handle itself).
    pub const CHOWN: u32 = 21;
    /// `args[0]` = access time, `args[1]` = modification time, each in
    /// nanoseconds since the epoch or [`TIME_NOW`]/[`TIME_OMIT`]; payload =
    /// path (empty: the handle itself).
    pub const UTIMENS: u32 = 22;
    /// Answer payload = a `StatVfs`.
    pub const FSTATVFS: u32 = 23;
    /// `args[0]` = `F_GETFL` or `F_SETFL`, `args[1]` = flags; answer = the
    /// flags (`F_GETFL`) or 0.
    pub const FCNTL: u32 = 24;
    /// `args[0]` = offset, `args[1]` = length, `args[2]` = `MapFlags`
    /// bits; must be answered with [`RESPONSE_FD`] and a memory object
    /// whose bytes from `args[0]` hold the mapping.
    pub const MMAP: u32 = 25;
    /// A client watches the handle for `args[0]` (`EVENT_*` bits); answer
    /// = the bits ready now. Later changes are posted with a
    /// [`RESPONSE_EVENT`] response.
    pub const FEVENT: u32 = 26;

    /// `UTIMENS` time value: now.
    pub const TIME_NOW: u64 = u64::MAX;
    /// `UTIMENS` time value: unchanged.
    pub const TIME_OMIT: u64 = u64::MAX - 1;

    /// Directory entry kinds in `GETDENTS` answers.
    pub const DIRENT_FILE: u8 = 1;
    pub const DIRENT_DIR: u8 = 2;
    pub const DIRENT_SYMLINK: u8 = 3;
    /// A character device, a block device, a FIFO and a socket (disk file
    /// systems hold them; tmpfs does not).
    pub const DIRENT_CHAR: u8 = 4;
    pub const DIRENT_BLOCK: u8 = 5;
    pub const DIRENT_FIFO: u8 = 6;
    pub const DIRENT_SOCKET: u8 = 7;

    /// Largest payload in either direction.
    pub const MAX_PAYLOAD: usize = 64 * 1024;
}

/// Close the fd when the process calls `execve` (Cairn's value; Redox's
/// `O_CLOEXEC` is the same bit).
pub const O_CLOEXEC: usize = 0x0100_0000;
pub use syscall::flag::O_NONBLOCK;

/// Rights an fd carries. They only ever shrink: `dup` and fd passing can
/// drop rights, never add them.
pub mod rights {
    /// Read data (`read`, `pread`).
    pub const READ: u32 = 1 << 0;
    /// Write data.
    pub const WRITE: u32 = 1 << 1;
    /// Map the object's memory.
    pub const MAP: u32 = 1 << 2;
    /// Execute it (`spawn`/`execve` from the fd, mapping it executable).
    pub const EXEC: u32 = 1 << 3;
    /// Make copies of the fd (`dup`, `dup2`, inheritance on `fork`/`spawn`
    /// is not affected).
    pub const DUP: u32 = 1 << 4;
    /// Pass the fd to another process.
    pub const SEND: u32 = 1 << 5;
    /// Process and thread handles: send signals through it, and change
    /// what the kernel lets it do (its `sched-affinity` for writing).
    pub const SIGNAL: u32 = 1 << 6;
    /// Directories: look paths up from it (the directory fd of `openat`,
    /// `fchmodat`... with a non-empty path; `fchdir`).
    pub const LOOKUP: u32 = 1 << 7;
    /// Change the object's attributes through the fd (`fchmodat`,
    /// `fchownat`, `utimensat` with an empty path).
    pub const ATTR: u32 = 1 << 8;
    /// Every right.
    pub const ALL: u32 = READ | WRITE | MAP | EXEC | DUP | SEND | SIGNAL | LOOKUP | ATTR;
}

/// The kind of kernel object an fd names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ObjectType {
    /// The kernel console.
    Console = 1,
    /// A read-only initfs file.
    InitfsFile = 2,
    /// The read end of a pipe.
    PipeRead = 3,
    /// The write end of a pipe.
    PipeWrite = 4,
    /// The server side of a scheme.
    SchemeEndpoint = 5,
    /// A handle served by a scheme.
    SchemeHandle = 6,
    /// A namespace (enter it with `namespace_enter`).
    Namespace = 7,
    /// A kernel device: `null`, `zero` or `rand`.
    Device = 8,
    /// A read-only text file of the `sys` scheme (a snapshot taken at open).
    SysFile = 9,
    /// An event queue.
    EventQueue = 10,
    /// A timer.
    Timer = 11,
    /// A shareable memory object.
    Memory = 12,
    /// A directory the kernel lists (an initfs directory, `/scheme`).
    Directory = 13,
    /// A process (`process_open`).
    Process = 14,
    /// A thread (`thread_open`).
    Thread = 15,
    /// A legacy interrupt line (`/scheme/irq/N`).
    Interrupt = 16,
    /// The right to use a range of I/O ports (`/scheme/ioport/FIRST-LAST`).
    IoPorts = 17,
    /// The boot framebuffer (`/scheme/framebuffer`).
    Framebuffer = 18,
    /// A device context: one claimed PCI function (`/scheme/pci/NAME/device`).
    DeviceContext = 19,
    /// A memory BAR of a device context (`barN`), mappable uncached.
    DeviceMemory = 20,
    /// DMA memory of a device context (`dma/BYTES`): mappable; reading it
    /// gives the address the device uses (a `u64`).
    DmaMemory = 21,
    /// A device context's control file (`control`).
    DeviceControl = 22,
    /// The CPUs a process or thread may run on (`sched-affinity`, opened
    /// from its handle; see [`affinity`]).
    SchedAffinity = 23,
}

/// What reading a framebuffer fd gives: its geometry and pixel layout. Map
/// it with `mmap(MAP_SHARED)` from offset 0 for `pitch * height` bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct FramebufferInfo {
    pub width: u32,
    pub height: u32,
    /// Bytes from one row to the next.
    pub pitch: u32,
    pub bits_per_pixel: u32,
    /// Bit positions of the red, green and blue channels (8 bits each).
    pub red_shift: u8,
    pub green_shift: u8,
    pub blue_shift: u8,
    pub reserved: u8,
}

/// What `fd_info` reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct FdInfo {
    /// An [`ObjectType`] value.
    pub object_type: u32,
    /// The fd's [`rights`].
    pub rights: u32,
    /// `O_CLOEXEC` and `O_NONBLOCK` as set on the fd.
    pub flags: usize,
}

impl Syscall {
    /// The call with this number, if there is one.
    pub fn from_number(number: usize) -> Option<Syscall> {
        use Syscall::*;
        const ALL: [Syscall; SYSCALL_COUNT] = [
            Exit,
            Read,
            Write,
            Open,
            Close,
            Fstat,
            Lseek,
            Mmap,
            Munmap,
            Mprotect,
            Fork,
            Execve,
            Spawn,
            Waitpid,
            Getpid,
            Getppid,
            Setpgid,
            Getpgid,
            Setsid,
            Getsid,
            Getuid,
            Getgid,
            Setuid,
            Setgid,
            ThreadCreate,
            ThreadExit,
            ThreadJoin,
            Gettid,
            SetFsBase,
            SchedYield,
            Nanosleep,
            ClockGettime,
            FutexWait,
            FutexWake,
            Kill,
            Sigaction,
            Sigprocmask,
            Sigreturn,
            Sysinfo,
            SetPriority,
            Dup,
            Dup2,
            FdInfo,
            Pipe2,
            SetFdFlags,
            SchemeCreate,
            NamespaceCreate,
            NamespaceEnter,
            Mkdir,
            Rmdir,
            Unlink,
            Rename,
            Symlink,
            Readlink,
            Ftruncate,
            Fsync,
            Getdents,
            EventQueueCreate,
            EventQueueCtl,
            EventQueueWait,
            TimerCreate,
            TimerSet,
            SendFd,
            MemoryCreate,
            Chdir,
            Getcwd,
            Pread,
            Pwrite,
            SchemeDup,
            Openat,
            Linkat,
            Fchmodat,
            Fchownat,
            Utimensat,
            Fstatvfs,
            Fcntl,
            Fchdir,
            SpawnFd,
            Fexecve,
            ProcessOpen,
            ThreadOpen,
            SignalFd,
            GetLimit,
            SetLimit,
            Mount,
            Unmount,
            Fstatat,
            Umask,
        ];
        ALL.get(number).copied()
    }
}

/// A string passed by reference: `ptr` to `len` bytes of UTF-8.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct StrSlice {
    pub ptr: usize,
    pub len: usize,
}

/// Options of `waitpid`.
pub mod wait {
    /// Return 0 at once instead of blocking when no child has changed state.
    pub const WNOHANG: usize = 1;
    /// Also report stopped children.
    pub const WUNTRACED: usize = 2;

    /// Encodes a normal exit in a wait status (as POSIX `WEXITSTATUS`).
    pub const fn exited(code: u8) -> u32 {
        (code as u32) << 8
    }
    /// Encodes death by a signal.
    pub const fn signaled(signal: u8) -> u32 {
        signal as u32 & 0x7f
    }
    /// Encodes a stop by a signal.
    pub const fn stopped(signal: u8) -> u32 {
        ((signal as u32) << 8) | 0x7f
    }
    /// `WIFEXITED`.
    pub const fn if_exited(status: u32) -> bool {
        status & 0x7f == 0
    }
    /// `WEXITSTATUS`.
    pub const fn exit_status(status: u32) -> u8 {
        (status >> 8) as u8
    }
    /// `WIFSIGNALED`.
    pub const fn if_signaled(status: u32) -> bool {
        let low = status & 0x7f;
        low != 0 && low != 0x7f
    }
    /// `WTERMSIG`.
    pub const fn term_signal(status: u32) -> u8 {
        (status & 0x7f) as u8
    }
    /// `WIFSTOPPED`.
    pub const fn if_stopped(status: u32) -> bool {
        status & 0xff == 0x7f
    }
}

/// Resource limits (`get_limit`/`set_limit`), POSIX `rlimit` in Linux's
/// numbering. A process inherits its parent's limits.
pub mod limit {
    /// Threads of all processes of the caller's user (`RLIMIT_NPROC`, which
    /// counts threads on Linux too); `fork`, `spawn` and `thread_create`
    /// fail with `EAGAIN` at it. Root is exempt, as with Linux's
    /// `CAP_SYS_RESOURCE`.
    pub const THREADS: usize = 6;
    /// Open fds per process (`RLIMIT_NOFILE`): the lowest fd a new handle
    /// may get is below it (`EMFILE`).
    pub const FILES: usize = 7;
    /// Bytes of address space mapped per process (`RLIMIT_AS`): `mmap` and
    /// `exec` fail with `ENOMEM` beyond it.
    pub const ADDRESS_SPACE: usize = 9;
    /// Bytes of kernel memory a process grows by using memory — its page
    /// tables (Cairn's own; its other kernel memory is bounded by `THREADS`,
    /// `FILES` and fixed per-object bounds): touching memory whose tables
    /// would pass it is `ENOMEM` from a system call and SIGSEGV from a
    /// fault; the out-of-memory policy is not involved.
    pub const KERNEL_MEMORY: usize = 16;
    /// "No limit" (`RLIM_INFINITY`).
    pub const INFINITY: u64 = u64::MAX;

    /// One limit: `current` is enforced; `maximum` bounds what `set_limit`
    /// may raise `current` to.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
    #[repr(C)]
    pub struct Limit {
        pub current: u64,
        pub maximum: u64,
    }
}

/// CPU affinity: the set of CPUs a thread may run on. `openat(handle,
/// "sched-affinity", mode)` on a process or thread handle gives an fd of
/// type [`ObjectType::SchedAffinity`]; reading it gives the set, writing a
/// set changes it. A set is a bit string, bit `n` (bit `n % 8` of byte
/// `n / 8`) standing for the CPU of index `n` (`/scheme/sys/cpus`).
pub mod affinity {
    /// The file to open from a process or thread handle.
    pub const FILE: &str = "sched-affinity";
    /// CPUs a set can name (xAPIC IDs stop at 254, so no machine Cairn
    /// starts has more).
    pub const MAX_CPUS: usize = 256;
    /// The longest set, in bytes.
    pub const MAX_BYTES: usize = MAX_CPUS / 8;
}

/// Number of scheduling priority levels; 0 is the most urgent.
pub const PRIORITY_LEVELS: usize = 8;
/// Priority of a new thread.
pub const DEFAULT_PRIORITY: usize = 4;

/// `mmap` flag (Cairn's own, beside `MapFlags`): allocate every page of an
/// anonymous private mapping now, so that missing memory is `ENOMEM` from
/// `mmap` rather than a fault later (Linux's `MAP_POPULATE`).
pub const MAP_POPULATE: usize = 0x0020;

/// Process-wide `fd` value meaning "no file" (anonymous `mmap`).
pub const NO_FD: usize = usize::MAX;

/// What `sysinfo` reports; the buffer receives the matching structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub enum SysInfo {
    /// [`MemoryInfo`].
    Memory = 0,
    /// One [`CpuInfo`] per online CPU.
    Cpus = 1,
}

impl SysInfo {
    pub fn from_number(number: usize) -> Option<SysInfo> {
        match number {
            0 => Some(SysInfo::Memory),
            1 => Some(SysInfo::Cpus),
            _ => None,
        }
    }
}

/// Physical memory counters.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct MemoryInfo {
    pub total_frames: u64,
    pub free_frames: u64,
    pub frame_size: u64,
}

/// Per-CPU counters.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct CpuInfo {
    pub index: u32,
    pub apic_id: u32,
    /// Threads this CPU has switched to.
    pub context_switches: u64,
    /// Timer interrupts taken.
    pub timer_ticks: u64,
    /// Time slices spent running user threads.
    pub user_ticks: u64,
}

/// Auxiliary vector entry types placed on a new process's stack.
pub mod auxv {
    pub const AT_NULL: usize = 0;
    pub const AT_PHDR: usize = 3;
    pub const AT_PHENT: usize = 4;
    pub const AT_PHNUM: usize = 5;
    pub const AT_PAGESZ: usize = 6;
    pub const AT_BASE: usize = 7;
    pub const AT_ENTRY: usize = 9;
    pub const AT_UID: usize = 11;
    pub const AT_EUID: usize = 12;
    pub const AT_GID: usize = 13;
    pub const AT_EGID: usize = 14;
    pub const AT_SECURE: usize = 23;
    pub const AT_RANDOM: usize = 25;
}
