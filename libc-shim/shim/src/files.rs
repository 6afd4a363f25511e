//! File calls: `open`/`openat`, `read`/`write` and their vector and
//! positioned forms, `stat` family, `lseek`, `fcntl`, `dup`s, pipes,
//! directories (`getdents64`, `getcwd`, `chdir`), the namespace calls
//! (`mkdir`, `unlink`, `rename`, links), `access`, terminal `ioctl`s,
//! `fadvise64` and `getrandom`. Paths go to Cairn as they are: Linux's `AT_FDCWD` (-100)
//! is Cairn's too, and so is `AT_SYMLINK_NOFOLLOW`.

use core::mem::size_of;

use cairn_abi::scheme::MAX_PAYLOAD;
use cairn_abi::{AT_FDCWD, AT_SYMLINK_NOFOLLOW, FdInfo, MODE_FILE, MODE_TYPE, Stat, Syscall, error, rights};
use cairn_linux::dirent;
use cairn_linux::flags;
use cairn_linux::nr;
use cairn_linux::stat::LinuxStat;

use crate::sys::{Args, SysResult, bytes_mut, c_str, cairn, errno, read, write};

/// `newfstatat`'s flag for "the fd itself".
const AT_EMPTY_PATH: usize = 0x1000;
/// `unlinkat`'s flag for "a directory".
const AT_REMOVEDIR: usize = 0x200;
/// `fcntl` commands beyond Cairn's own numbers (which equal Linux's).
const F_DUPFD: usize = 0;
const F_GETFD: usize = 1;
const F_SETFD: usize = 2;
const F_GETFL: usize = 3;
const F_SETFL: usize = 4;
const F_GETLK: usize = 5;
const F_SETLK: usize = 6;
const F_SETLKW: usize = 7;
/// Terminal `ioctl` requests.
const TCGETS: usize = 0x5401;
const TCSETS: usize = 0x5402;
const TCSETSW: usize = 0x5403;
const TCSETSF: usize = 0x5404;
const TIOCGPGRP: usize = 0x540f;
const TIOCSPGRP: usize = 0x5410;
const TIOCGWINSZ: usize = 0x5413;
/// Most vectors `readv`/`writev` take (Linux's `UIO_MAXIOV`).
const IOV_MAX: usize = 1024;

/// Handles the file calls of `crate::dispatch`.
///
/// # Safety
/// `args` are Linux's arguments for call `n`.
pub unsafe fn call(n: usize, args: Args) -> SysResult {
    let [a, b, c, d, e, _] = args.0;
    // SAFETY: every pointer argument is the caller's, valid as Linux asks.
    unsafe {
        match n {
            nr::READ => read_file(a, b, c),
            nr::WRITE => cairn(Syscall::Write, [a, b, c, 0, 0, 0]),
            nr::PREAD64 => cairn(Syscall::Pread, [a, b, c, d, 0, 0]),
            nr::PWRITE64 => cairn(Syscall::Pwrite, [a, b, c, d, 0, 0]),
            nr::READV => vectored(Syscall::Read, a, b, c),
            nr::WRITEV => vectored(Syscall::Write, a, b, c),
            nr::OPEN => openat(AT_FDCWD, a, b, c),
            nr::OPENAT => openat(a, b, c, d),
            nr::CLOSE => cairn(Syscall::Close, [a, 0, 0, 0, 0, 0]),
            nr::LSEEK => cairn(Syscall::Lseek, [a, b, c, 0, 0, 0]),
            nr::FSTAT => fstat(a, b),
            nr::FADVISE64 => fadvise(a, b, c, d),
            nr::STAT => fstatat(AT_FDCWD, a, b, 0),
            nr::LSTAT => fstatat(AT_FDCWD, a, b, AT_SYMLINK_NOFOLLOW),
            nr::NEWFSTATAT => fstatat(a, b, c, d),
            nr::ACCESS => access(AT_FDCWD, a, b),
            nr::FACCESSAT => access(a, b, c),
            nr::IOCTL => ioctl(a, b, c),
            nr::PIPE => pipe(a, 0),
            nr::PIPE2 => pipe(a, b),
            nr::DUP => cairn(Syscall::Dup, [a, rights::ALL as usize, 0, 0, 0, 0]),
            nr::DUP2 => dup3(a, b, 0, true),
            nr::DUP3 => dup3(a, b, c, false),
            nr::FCNTL => fcntl(a, b, c),
            nr::FSYNC | nr::FDATASYNC => cairn(Syscall::Fsync, [a, 0, 0, 0, 0, 0]),
            nr::FTRUNCATE => cairn(Syscall::Ftruncate, [a, b, 0, 0, 0, 0]),
            nr::GETDENTS64 => getdents64(a, b, c),
            nr::GETCWD => getcwd(a, b),
            nr::CHDIR => path_call(Syscall::Chdir, a, [0, 0]),
            nr::FCHDIR => cairn(Syscall::Fchdir, [a, 0, 0, 0, 0, 0]),
            nr::MKDIR => path_call(Syscall::Mkdir, a, [b, 0]),
            nr::MKDIRAT => path_call(Syscall::Mkdir, at_path(a, b)?, [c, 0]),
            nr::RMDIR => path_call(Syscall::Rmdir, a, [0, 0]),
            nr::UNLINK => path_call(Syscall::Unlink, a, [0, 0]),
            nr::UNLINKAT => match c & !AT_REMOVEDIR {
                0 if c & AT_REMOVEDIR != 0 => path_call(Syscall::Rmdir, at_path(a, b)?, [0, 0]),
                0 => path_call(Syscall::Unlink, at_path(a, b)?, [0, 0]),
                _ => Err(error::EINVAL),
            },
            nr::RENAME => two_paths(Syscall::Rename, a, b),
            nr::RENAMEAT => two_paths(Syscall::Rename, at_path(a, b)?, at_path(c, d)?),
            nr::RENAMEAT2 if e == 0 => two_paths(Syscall::Rename, at_path(a, b)?, at_path(c, d)?),
            // RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT.
            nr::RENAMEAT2 => Err(error::EINVAL),
            nr::SYMLINK => two_paths(Syscall::Symlink, a, b),
            nr::SYMLINKAT => two_paths(Syscall::Symlink, a, at_path(b, c)?),
            nr::LINK => linkat(AT_FDCWD, a, AT_FDCWD, b, 0),
            nr::LINKAT => linkat(a, b, c, d, e),
            nr::READLINK => path_call(Syscall::Readlink, a, [b, c]),
            nr::READLINKAT => path_call(Syscall::Readlink, at_path(a, b)?, [c, d]),
            nr::CHMOD => at_call(Syscall::Fchmodat, AT_FDCWD, a, [b, 0]),
            nr::FCHMOD => cairn(Syscall::Fchmodat, [a, 0, 0, b, 0, 0]),
            // Linux refuses AT_SYMLINK_NOFOLLOW here too.
            nr::FCHMODAT if d == 0 => at_call(Syscall::Fchmodat, a, b, [c, 0]),
            nr::FCHMODAT => Err(error::EINVAL),
            nr::CHOWN => at_call(Syscall::Fchownat, AT_FDCWD, a, [b, c]),
            nr::FCHOWN => cairn(Syscall::Fchownat, [a, 0, 0, b, c, 0]),
            nr::FCHOWNAT => fchownat(a, b, c, d, e),
            nr::UTIMENSAT => utimensat(a, b, c, d),
            nr::GETRANDOM => getrandom(a, b),
            _ => Err(error::ENOSYS),
        }
    }
}

/// `openat(dirfd, path, flags, mode)`.
unsafe fn openat(dirfd: usize, path: usize, linux_flags: usize, mode: usize) -> SysResult {
    // SAFETY: `path` is the caller's string.
    let path = unsafe { c_str(path)? };
    let flags = flags::open_to_cairn(linux_flags)?;
    // SAFETY: a (pointer, length) path and integers.
    unsafe { cairn(Syscall::Openat, [dirfd, path.as_ptr() as usize, path.len(), flags, mode & 0o7777, 0]) }
}

/// A call taking one path and up to two more words (a mode; a buffer).
unsafe fn path_call(call: Syscall, path: usize, extra: [usize; 2]) -> SysResult {
    // SAFETY: `path` is the caller's string.
    let path = unsafe { c_str(path)? };
    // SAFETY: a (pointer, length) path; the extras are the caller's.
    unsafe { cairn(call, [path.as_ptr() as usize, path.len(), extra[0], extra[1], 0, 0]) }
}

/// A call taking a directory fd, a path and up to two more words.
unsafe fn at_call(call: Syscall, dirfd: usize, path: usize, extra: [usize; 2]) -> SysResult {
    // SAFETY: `path` is the caller's string.
    let path = unsafe { c_str(path)? };
    // SAFETY: a (pointer, length) path; the extras are integers.
    unsafe { cairn(call, [dirfd, path.as_ptr() as usize, path.len(), extra[0], extra[1], 0]) }
}

/// `linkat(old_dirfd, old, new_dirfd, new, flags)`: Cairn links the name
/// itself (no `AT_SYMLINK_FOLLOW`).
unsafe fn linkat(old_dirfd: usize, old: usize, new_dirfd: usize, new: usize, flags: usize) -> SysResult {
    if flags != 0 {
        return Err(error::EINVAL);
    }
    // SAFETY: both are the caller's strings.
    let (old, new) = unsafe { (c_str(old)?, c_str(new)?) };
    let args = [old_dirfd, old.as_ptr() as usize, old.len(), new_dirfd, new.as_ptr() as usize, new.len()];
    // SAFETY: two (pointer, length) paths.
    unsafe { cairn(Syscall::Linkat, args) }
}

/// `fchownat(dirfd, path, uid, gid, flags)`; `AT_EMPTY_PATH` changes the
/// fd itself. Cairn's call follows symbolic links, so
/// `AT_SYMLINK_NOFOLLOW` (`lchown`) is `ENOSYS`, reported.
unsafe fn fchownat(dirfd: usize, path: usize, uid: usize, gid: usize, flags: usize) -> SysResult {
    if flags & AT_SYMLINK_NOFOLLOW != 0 {
        return Err(error::ENOSYS);
    }
    if flags & !AT_EMPTY_PATH != 0 {
        return Err(error::EINVAL);
    }
    // SAFETY: `path` is the caller's string.
    let text = unsafe { c_str(path)? };
    if text.is_empty() && flags & AT_EMPTY_PATH == 0 {
        return Err(error::ENOENT);
    }
    // SAFETY: a (pointer, length) path and integers.
    unsafe { cairn(Syscall::Fchownat, [dirfd, text.as_ptr() as usize, text.len(), uid, gid, 0]) }
}

/// `utimensat(dirfd, path, times, flags)`: a null path changes `dirfd`
/// itself; `UTIME_NOW`/`UTIME_OMIT` are the same values on both sides.
/// `AT_SYMLINK_NOFOLLOW` is `ENOSYS` (Cairn's call follows links).
unsafe fn utimensat(dirfd: usize, path: usize, times: usize, flags: usize) -> SysResult {
    if flags & AT_SYMLINK_NOFOLLOW != 0 {
        return Err(error::ENOSYS);
    }
    if flags != 0 {
        return Err(error::EINVAL);
    }
    let converted = if times == 0 {
        None
    } else {
        // SAFETY: the caller's two `struct timespec`s.
        let pair: [cairn_linux::stat::Timespec; 2] = unsafe { read(times)? };
        Some([pair[0].to_cairn_time()?, pair[1].to_cairn_time()?])
    };
    let times_ptr = converted.as_ref().map_or(0, |t| t.as_ptr() as usize);
    // SAFETY: the caller's string, if any.
    let text = if path == 0 { &[][..] } else { unsafe { c_str(path)? } };
    // SAFETY: a (pointer, length) path and two `TimeSpec`s (or null).
    unsafe { cairn(Syscall::Utimensat, [dirfd, text.as_ptr() as usize, text.len(), times_ptr, 0, 0]) }
}

/// A call taking two paths (`rename`, `symlink`).
unsafe fn two_paths(call: Syscall, first: usize, second: usize) -> SysResult {
    // SAFETY: both are the caller's strings.
    let (first, second) = unsafe { (c_str(first)?, c_str(second)?) };
    let args = [first.as_ptr() as usize, first.len(), second.as_ptr() as usize, second.len(), 0, 0];
    // SAFETY: two (pointer, length) paths.
    unsafe { cairn(call, args) }
}

/// The path of a `*at` call for Cairn's path-only calls (`mkdir`, `unlink`,
/// `rmdir`): only `AT_FDCWD` or an absolute path; a directory fd with a
/// relative path is not possible yet (`ENOSYS`, reported).
unsafe fn at_path(dirfd: usize, path: usize) -> Result<usize, i32> {
    // SAFETY: `path` is the caller's string.
    let text = unsafe { c_str(path)? };
    if dirfd == AT_FDCWD || text.first() == Some(&b'/') { Ok(path) } else { Err(error::ENOSYS) }
}

/// `readv`/`writev`: one call per vector, stopping at a short transfer.
unsafe fn vectored(call: Syscall, fd: usize, iov: usize, count: usize) -> SysResult {
    if count > IOV_MAX {
        return Err(error::EINVAL);
    }
    let mut total = 0usize;
    for i in 0..count {
        // SAFETY: `iov` holds `count` `struct iovec`s.
        let (base, len): (usize, usize) = unsafe { read(iov + i * 2 * size_of::<usize>())? };
        if len == 0 {
            continue;
        }
        // SAFETY: each vector is the caller's buffer.
        match unsafe { cairn(call, [fd, base, len, 0, 0, 0]) } {
            Ok(done) => {
                total += done;
                if done < len {
                    break;
                }
            }
            Err(e) if total == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(total)
}

/// `read(fd, buf, len)`. Cairn's scheme protocol carries at most
/// `MAX_PAYLOAD` (64 KiB) per call, so one large read of a file that a
/// server holds (tmpfs, ext2fs, the initfs) comes back short where Linux
/// fills the buffer, and programs that read a whole regular file in one
/// call (libmagic's database) take that for a failure. A read that
/// returns exactly a full payload of a larger request is continued, for a
/// regular file only, until the buffer is full, the end of the file or an
/// error; pipes, terminals and devices keep their short reads.
unsafe fn read_file(fd: usize, buf: usize, len: usize) -> SysResult {
    // SAFETY: the caller's buffer.
    let first = unsafe { cairn(Syscall::Read, [fd, buf, len, 0, 0, 0])? };
    if first != MAX_PAYLOAD || first >= len {
        return Ok(first);
    }
    let mut stat = Stat::default();
    // SAFETY: the kernel writes one `Stat`.
    let regular = unsafe { cairn(Syscall::Fstat, [fd, (&raw mut stat) as usize, 0, 0, 0, 0]) }.is_ok()
        && stat.st_mode & MODE_TYPE == MODE_FILE;
    let mut total = first;
    while regular && total < len {
        // SAFETY: the rest of the caller's buffer.
        match unsafe { cairn(Syscall::Read, [fd, buf + total, len - total, 0, 0, 0]) } {
            Ok(0) | Err(_) => break,
            Ok(done) => total += done,
        }
    }
    Ok(total)
}

/// Writes a Cairn `Stat` as Linux's `struct stat`.
unsafe fn put_stat(out: usize, stat: &Stat) -> SysResult {
    // SAFETY: `out` is the caller's `struct stat`.
    unsafe { write(out, LinuxStat::from_cairn(stat))? };
    Ok(0)
}

/// `fstat(fd, st)`.
unsafe fn fstat(fd: usize, out: usize) -> SysResult {
    let mut stat = Stat::default();
    // SAFETY: the kernel writes one `Stat`.
    unsafe {
        cairn(Syscall::Fstat, [fd, (&raw mut stat) as usize, 0, 0, 0, 0])?;
        put_stat(out, &stat)
    }
}

/// `fadvise64(fd, offset, len, advice)` (`posix_fadvise`): advice about
/// how a file will be read. Cairn's file servers take no such hints, so a
/// valid request on an open file is accepted and changes nothing, as
/// Linux does with advice a file system cannot use; a bad advice or a
/// negative length is `EINVAL`, a closed fd `EBADF`.
unsafe fn fadvise(fd: usize, _offset: usize, len: usize, advice: usize) -> SysResult {
    /// `POSIX_FADV_NORMAL` .. `POSIX_FADV_NOREUSE`.
    const ADVICE_MAX: usize = 5;
    if advice > ADVICE_MAX || (len as isize) < 0 {
        return Err(error::EINVAL);
    }
    let mut stat = Stat::default();
    // SAFETY: the kernel writes one `Stat`.
    unsafe { cairn(Syscall::Fstat, [fd, (&raw mut stat) as usize, 0, 0, 0, 0]) }.map(|_| 0)
}

/// `newfstatat(dirfd, path, st, flags)` (and `stat`, `lstat`).
unsafe fn fstatat(dirfd: usize, path: usize, out: usize, flags: usize) -> SysResult {
    // SAFETY: `path` is the caller's string.
    let text = unsafe { c_str(path)? };
    if text.is_empty() && flags & AT_EMPTY_PATH != 0 {
        // SAFETY: `out` is the caller's.
        return unsafe { fstat(dirfd, out) };
    }
    let mut stat = Stat::default();
    let args = [dirfd, text.as_ptr() as usize, text.len(), flags & AT_SYMLINK_NOFOLLOW, (&raw mut stat) as usize, 0];
    // SAFETY: a (pointer, length) path and one `Stat` to write.
    unsafe {
        cairn(Syscall::Fstatat, args)?;
        put_stat(out, &stat)
    }
}

/// `faccessat(dirfd, path, mode)`: the file's permission bits against the
/// caller's uid and gid (uid 0 may read and write anything, and execute
/// what has an execute bit or is a directory).
unsafe fn access(dirfd: usize, path: usize, mode: usize) -> SysResult {
    const R: usize = 4;
    const W: usize = 2;
    const X: usize = 1;
    if mode & !(R | W | X) != 0 {
        return Err(error::EINVAL);
    }
    // SAFETY: `path` is the caller's string.
    let text = unsafe { c_str(path)? };
    let mut stat = Stat::default();
    // SAFETY: a (pointer, length) path and one `Stat` to write.
    unsafe { cairn(Syscall::Fstatat, [dirfd, text.as_ptr() as usize, text.len(), 0, (&raw mut stat) as usize, 0])? };
    let perm = usize::from(stat.st_mode);
    let uid = cairn_rt::process::getuid();
    let allowed = if uid == 0 {
        let any_x = perm & 0o111 != 0 || stat.st_mode & cairn_abi::MODE_TYPE == cairn_abi::MODE_DIR;
        R | W | if any_x { X } else { 0 }
    } else if uid == stat.st_uid {
        (perm >> 6) & 7
    } else if cairn_rt::process::getgid() == stat.st_gid {
        (perm >> 3) & 7
    } else {
        perm & 7
    };
    if mode & !allowed != 0 { Err(error::EACCES) } else { Ok(0) }
}

/// Terminal `ioctl`s through the terminal server's control handles
/// (termios is Linux's 60-byte `struct termios` there). Any other request
/// is `ENOTTY`, reported once.
unsafe fn ioctl(fd: usize, request: usize, arg: usize) -> SysResult {
    // A closed fd is `EBADF`; for an open one, any refusal of the terminal
    // controls (a file server answers the unknown request as it likes,
    // tmpfs with `EBADF`) means it is not a terminal.
    fd_flags(fd)?;
    let not_tty = |_: cairn_rt::Error| error::ENOTTY;
    // SAFETY: `arg` points to the structure the request names.
    unsafe {
        match request {
            TCGETS => write(arg, cairn_rt::tty::termios(fd).map_err(not_tty)?).map(|()| 0),
            TCSETS | TCSETSW | TCSETSF => {
                let termios: [u8; cairn_rt::tty::TERMIOS_LEN] = read(arg)?;
                cairn_rt::tty::set_termios(fd, &termios).map_err(not_tty).map(|()| 0)
            }
            TIOCGWINSZ => {
                let (rows, columns) = cairn_rt::tty::window_size(fd).map_err(not_tty)?;
                // struct winsize: rows, columns, then pixel sizes Cairn does
                // not track.
                write(arg, [rows, columns, 0, 0]).map(|()| 0)
            }
            TIOCGPGRP => {
                let group = cairn_rt::tty::foreground_group(fd).map_err(not_tty)?;
                write(arg, group as i32).map(|()| 0)
            }
            TIOCSPGRP => {
                let group: i32 = read(arg)?;
                cairn_rt::tty::set_foreground_group(fd, group as usize).map_err(not_tty).map(|()| 0)
            }
            _ => {
                crate::report::unsupported_ioctl(request);
                Err(error::ENOTTY)
            }
        }
    }
}

/// `pipe2(fds, flags)`: Cairn fills two `usize`s, Linux wants two `int`s.
unsafe fn pipe(out: usize, linux_flags: usize) -> SysResult {
    let flags = flags::fd_flags_to_cairn(linux_flags)?;
    let mut fds = [0usize; 2];
    // SAFETY: the kernel writes two words.
    unsafe {
        cairn(Syscall::Pipe2, [(&raw mut fds) as usize, flags, 0, 0, 0, 0])?;
        write(out, [fds[0] as i32, fds[1] as i32])?;
    }
    Ok(0)
}

/// The fd's Cairn flags (`O_CLOEXEC`, `O_NONBLOCK`).
fn fd_flags(fd: usize) -> Result<usize, i32> {
    cairn_rt::fd::info(fd).map(|info: FdInfo| info.flags).map_err(errno)
}

/// `dup2` (`same_ok`: the same fd twice is allowed and returns it) and
/// `dup3` (same fd is `EINVAL`; `O_CLOEXEC` may be asked).
unsafe fn dup3(old: usize, new: usize, linux_flags: usize, same_ok: bool) -> SysResult {
    let flags = flags::fd_flags_to_cairn(linux_flags)?;
    if flags & !cairn_abi::O_CLOEXEC != 0 {
        return Err(error::EINVAL);
    }
    if old == new {
        return if same_ok { fd_flags(old).map(|_| new) } else { Err(error::EINVAL) };
    }
    // SAFETY: integer arguments.
    unsafe {
        cairn(Syscall::Dup2, [old, new, rights::ALL as usize, 0, 0, 0])?;
        if flags != 0 {
            cairn(Syscall::SetFdFlags, [new, fd_flags(new)? | flags, 0, 0, 0, 0])?;
        }
    }
    Ok(new)
}

/// `fcntl(fd, command, argument)`. Record locks are not implemented yet
/// (`ENOSYS`, reported): they belong in the file servers, not here.
unsafe fn fcntl(fd: usize, command: usize, argument: usize) -> SysResult {
    // SAFETY: integer arguments only.
    unsafe {
        match command {
            F_DUPFD | cairn_abi::F_DUPFD_CLOEXEC | F_GETFD => cairn(Syscall::Fcntl, [fd, command, argument, 0, 0, 0]),
            F_SETFD => {
                let keep = fd_flags(fd)? & !cairn_abi::O_CLOEXEC;
                let cloexec = if argument & cairn_abi::FD_CLOEXEC != 0 { cairn_abi::O_CLOEXEC } else { 0 };
                cairn(Syscall::SetFdFlags, [fd, keep | cloexec, 0, 0, 0, 0]).map(|_| 0)
            }
            F_GETFL => cairn(Syscall::Fcntl, [fd, F_GETFL, 0, 0, 0, 0]).map(flags::status_to_linux),
            F_SETFL => cairn(Syscall::Fcntl, [fd, F_SETFL, flags::status_to_cairn(argument), 0, 0, 0]),
            F_GETLK | F_SETLK | F_SETLKW => Err(error::ENOSYS),
            _ => Err(error::EINVAL),
        }
    }
}

/// `getdents64(fd, buf, len)`: Cairn records converted, each with its
/// inode number from `fstatat`. An eighth of the buffer is asked for, so
/// everything fits; if even the next entry does not fit in that (a name
/// longer than `len / 8 - 2` bytes), the request grows a byte at a time up
/// to the one-entry size, where exactly that entry comes back.
unsafe fn getdents64(fd: usize, buf: usize, len: usize) -> SysResult {
    // SAFETY: the caller's buffer.
    let out = unsafe { bytes_mut(buf, len)? };
    let mut records = [0u8; 4096];
    let mut want = dirent::cairn_request_len(len).min(records.len());
    let got = loop {
        if want == 0 {
            return Err(error::EINVAL);
        }
        // SAFETY: `records` has room for `want` bytes.
        match unsafe { cairn(Syscall::Getdents, [fd, records.as_mut_ptr() as usize, want, 0, 0, 0]) } {
            Ok(got) => break got,
            // The next entry needs more than `want` bytes (at most
            // `MAX_RECORD`); its Linux record must still fit the caller's.
            Err(error::EINVAL) if want < dirent::MAX_RECORD && dirent::record_len(want - 1) <= len => want += 1,
            Err(e) => return Err(e),
        }
    };
    let ino = |name: &[u8]| {
        let mut stat = Stat::default();
        let args = [fd, name.as_ptr() as usize, name.len(), AT_SYMLINK_NOFOLLOW, (&raw mut stat) as usize, 0];
        // SAFETY: a (pointer, length) name and one `Stat` to write.
        unsafe { cairn(Syscall::Fstatat, args) }.map_or(0, |_| stat.st_ino)
    };
    dirent::pack(&records[..got], out, 0, ino).map_err(|e| match e {
        dirent::DirentError::Truncated => error::EIO,
        dirent::DirentError::NoRoom => error::EINVAL,
    })
}

/// `getcwd(buf, size)`: Linux's answer includes the NUL and counts it.
unsafe fn getcwd(buf: usize, size: usize) -> SysResult {
    if size == 0 {
        return Err(error::EINVAL);
    }
    // SAFETY: the caller's buffer of `size` bytes.
    let out = unsafe { bytes_mut(buf, size)? };
    // SAFETY: Cairn writes at most `size - 1` bytes.
    let len = unsafe { cairn(Syscall::Getcwd, [buf, size - 1, 0, 0, 0, 0])? };
    out[len] = 0;
    Ok(len + 1)
}

/// `getrandom(buf, len, flags)`: bytes from the kernel's `rand` scheme.
unsafe fn getrandom(buf: usize, len: usize) -> SysResult {
    const RAND: &[u8] = b"/scheme/rand";
    // SAFETY: a (pointer, length) path.
    let fd =
        unsafe { cairn(Syscall::Openat, [AT_FDCWD, RAND.as_ptr() as usize, RAND.len(), cairn_abi::O_RDONLY, 0, 0])? };
    // SAFETY: the caller's buffer.
    let result = unsafe { cairn(Syscall::Read, [fd, buf, len, 0, 0, 0]) };
    let _ = cairn_rt::fd::close(fd);
    result
}
