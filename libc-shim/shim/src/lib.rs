//! `libc-shim`: the Rust half of Cairn's C library. musl is built with its
//! system-call layer patched (`libc-shim/musl/*.patch`) to call
//! [`__cairn_syscall`] instead of the `syscall` instruction; this crate
//! implements Linux's x86-64 system calls on Cairn's, and answers the ones
//! it cannot do yet with `ENOSYS` and a one-line report on stderr (once per
//! call number), never a crash. docs/PORTING.md lists what is mapped.
//!
//! Built as a static library linked after musl's `libc.a` by `cairn-cc`.
//! The translations (flags, structures, records) live in `cairn-linux`,
//! tested on the host; this crate only makes the calls.
//!
//! Depends on `cairn-rt` (raw system calls, fds, terminals; without its
//! `runtime` feature), `cairn-linux` and `cairn-abi`.
#![no_std]

extern crate alloc;

mod files;
mod memory;
mod process;
mod report;
mod sys;
mod threads;
mod time;
mod wait;

use cairn_linux::nr;

use crate::sys::{Args, SysResult};

/// Linux's `syscall(n, a1, ..., a6)`, as musl's patched `__syscallN` and
/// assembly stubs call it: the result, or `-errno`.
///
/// # Safety
/// The arguments are those of Linux system call `n`: pointers must be
/// valid as Linux would require them (a bad pointer faults in the caller's
/// process instead of giving `EFAULT`).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn __cairn_syscall(
    n: usize,
    a: usize,
    b: usize,
    c: usize,
    d: usize,
    e: usize,
    f: usize,
) -> isize {
    let args = Args([a, b, c, d, e, f]);
    // SAFETY: the caller passes Linux's arguments for `n`.
    let result = unsafe { dispatch(n, args) };
    match result {
        Ok(value) => value as isize,
        Err(errno) => {
            if errno == cairn_abi::error::ENOSYS {
                report::unsupported(n);
            }
            -(errno as isize)
        }
    }
}

/// Routes system call `n` to its module.
///
/// # Safety
/// As for [`__cairn_syscall`].
unsafe fn dispatch(n: usize, args: Args) -> SysResult {
    // SAFETY: each handler receives Linux's arguments for its call.
    unsafe {
        match n {
            nr::READ
            | nr::WRITE
            | nr::OPEN
            | nr::OPENAT
            | nr::CLOSE
            | nr::STAT
            | nr::FSTAT
            | nr::LSTAT
            | nr::NEWFSTATAT
            | nr::LSEEK
            | nr::IOCTL
            | nr::PREAD64
            | nr::PWRITE64
            | nr::READV
            | nr::WRITEV
            | nr::ACCESS
            | nr::FACCESSAT
            | nr::PIPE
            | nr::PIPE2
            | nr::DUP
            | nr::DUP2
            | nr::DUP3
            | nr::FCNTL
            | nr::FSYNC
            | nr::FDATASYNC
            | nr::FTRUNCATE
            | nr::GETDENTS64
            | nr::GETCWD
            | nr::CHDIR
            | nr::FCHDIR
            | nr::RENAME
            | nr::MKDIR
            | nr::MKDIRAT
            | nr::RMDIR
            | nr::LINK
            | nr::UNLINK
            | nr::UNLINKAT
            | nr::SYMLINK
            | nr::READLINK
            | nr::CHMOD
            | nr::FCHMOD
            | nr::FCHMODAT
            | nr::CHOWN
            | nr::FCHOWN
            | nr::LCHOWN
            | nr::FCHOWNAT
            | nr::RENAMEAT
            | nr::RENAMEAT2
            | nr::LINKAT
            | nr::SYMLINKAT
            | nr::READLINKAT
            | nr::UTIMENSAT
            | nr::FADVISE64
            | nr::GETRANDOM => files::call(n, args),
            nr::MMAP | nr::MPROTECT | nr::MUNMAP | nr::MREMAP | nr::BRK | nr::MADVISE => memory::call(n, args),
            nr::CLOCK_GETTIME | nr::GETTIMEOFDAY | nr::NANOSLEEP | nr::CLOCK_NANOSLEEP | nr::SCHED_YIELD => {
                time::call(n, args)
            }
            nr::POLL | nr::SELECT | nr::PSELECT6 => wait::call(n, args),
            nr::EXIT | nr::SET_TID_ADDRESS | nr::FUTEX => threads::call(n, args),
            _ => process::call(n, args),
        }
    }
}

/// A Rust panic in the shim is a bug: report it and end the process.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    report::panicked(info)
}

/// The shim's few allocations (argument vectors, `poll`'s event buffer) come
/// from musl's `malloc`.
struct MuslHeap;

unsafe extern "C" {
    fn aligned_alloc(align: usize, size: usize) -> *mut u8;
    fn free(ptr: *mut u8);
}

// SAFETY: musl's `aligned_alloc` returns blocks of at least `size` bytes
// aligned to `align` (a power of two, as `Layout` guarantees), or null;
// `free` takes back exactly what it returned.
unsafe impl core::alloc::GlobalAlloc for MuslHeap {
    unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe { aligned_alloc(layout.align(), layout.size()) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: core::alloc::Layout) {
        // SAFETY: `ptr` came from `alloc`.
        unsafe { free(ptr) }
    }
}

#[global_allocator]
static HEAP: MuslHeap = MuslHeap;

/// The precompiled `alloc` crate is built for unwinding, and its unwind
/// tables name Rust's personality routine. The shim is built with
/// `panic = "abort"`, so nothing ever unwinds and this is never called; it
/// only satisfies the tables' reference when a C program is linked.
#[unsafe(no_mangle)]
extern "C" fn rust_eh_personality() {}
