//! The raw system call layer: `syscall0`..`syscall6` following the calling
//! convention of `cairn_abi`, result decoding, and the few calls that have
//! no better home (`sysinfo`, futexes, the auxiliary vector).
//!
//! Depends on `cairn-abi`, [`crate::error`] and the start-up data of
//! [`crate::startup`].

use alloc::vec::Vec;
use core::arch::asm;
use core::mem::size_of;
use core::sync::atomic::AtomicU32;
use core::time::Duration;

pub use cairn_abi::{CpuInfo, MapFlags, MemoryInfo, NO_FD, Syscall};

use crate::error::{Error, Result};

/// Largest errno the kernel returns; results in `[-MAX_ERRNO, -1]` are
/// errors.
const MAX_ERRNO: usize = 4095;

/// Turns a raw RAX value (`cairn_abi::Error::mux` encoding) into a result.
///
/// Not `cairn_abi::Error::demux`: that one truncates to 32 bits, so it
/// would misread a legitimate value such as the file offset `0xffff_ffff`
/// as `EPERM`, and it passes errnos above 132 through as values.
fn decode(raw: usize) -> Result<usize> {
    if raw > usize::MAX - MAX_ERRNO {
        Err(Error::Os(cairn_abi::Error::new(raw.wrapping_neg() as i32)))
    } else {
        Ok(raw)
    }
}

/// Issues `syscall` with the given register operands, declaring what the
/// instruction clobbers under Cairn's ABI (docs/ABI.md): RCX and R11, and
/// XMM0-XMM15 (the kernel keeps the x87 state and MXCSR, and every other
/// general register).
macro_rules! syscall_asm {
    ($($operands:tt)*) => {
        asm!("syscall", $($operands)*, lateout("rcx") _, lateout("r11") _,
             lateout("xmm0") _, lateout("xmm1") _, lateout("xmm2") _, lateout("xmm3") _,
             lateout("xmm4") _, lateout("xmm5") _, lateout("xmm6") _, lateout("xmm7") _,
             lateout("xmm8") _, lateout("xmm9") _, lateout("xmm10") _, lateout("xmm11") _,
             lateout("xmm12") _, lateout("xmm13") _, lateout("xmm14") _, lateout("xmm15") _,
             options(nostack))
    };
}

/// System call without arguments.
///
/// # Safety
/// The call must not break memory safety (e.g. `Exit`, `Sigreturn` or calls
/// that write through pointers are the caller's responsibility).
#[inline]
pub unsafe fn syscall0(number: usize) -> Result<usize> {
    let raw: usize;
    // SAFETY: `syscall` only clobbers RAX and what `syscall_asm` declares;
    // the caller vouches for the call's own effects.
    unsafe {
        syscall_asm!(inlateout("rax") number => raw);
    }
    decode(raw)
}

/// System call with one argument.
///
/// # Safety
/// As for [`syscall0`]; pointer arguments must be valid for the call.
#[inline]
pub unsafe fn syscall1(number: usize, a: usize) -> Result<usize> {
    let raw: usize;
    // SAFETY: see `syscall0`.
    unsafe {
        syscall_asm!(inlateout("rax") number => raw, in("rdi") a);
    }
    decode(raw)
}

/// System call with two arguments.
///
/// # Safety
/// As for [`syscall1`].
#[inline]
pub unsafe fn syscall2(number: usize, a: usize, b: usize) -> Result<usize> {
    let raw: usize;
    // SAFETY: see `syscall0`.
    unsafe {
        syscall_asm!(inlateout("rax") number => raw, in("rdi") a, in("rsi") b);
    }
    decode(raw)
}

/// System call with three arguments.
///
/// # Safety
/// As for [`syscall1`].
#[inline]
pub unsafe fn syscall3(number: usize, a: usize, b: usize, c: usize) -> Result<usize> {
    let raw: usize;
    // SAFETY: see `syscall0`.
    unsafe {
        syscall_asm!(inlateout("rax") number => raw, in("rdi") a, in("rsi") b, in("rdx") c);
    }
    decode(raw)
}

/// System call with four arguments.
///
/// # Safety
/// As for [`syscall1`].
#[inline]
pub unsafe fn syscall4(number: usize, a: usize, b: usize, c: usize, d: usize) -> Result<usize> {
    let raw: usize;
    // SAFETY: see `syscall0`.
    unsafe {
        syscall_asm!(inlateout("rax") number => raw, in("rdi") a, in("rsi") b, in("rdx") c, in("r10") d);
    }
    decode(raw)
}

/// System call with five arguments.
///
/// # Safety
/// As for [`syscall1`].
#[inline]
pub unsafe fn syscall5(number: usize, a: usize, b: usize, c: usize, d: usize, e: usize) -> Result<usize> {
    let raw: usize;
    // SAFETY: see `syscall0`.
    unsafe {
        syscall_asm!(inlateout("rax") number => raw, in("rdi") a, in("rsi") b, in("rdx") c, in("r10") d, in("r8") e);
    }
    decode(raw)
}

/// System call with six arguments.
///
/// # Safety
/// As for [`syscall1`].
#[inline]
pub unsafe fn syscall6(number: usize, a: usize, b: usize, c: usize, d: usize, e: usize, f: usize) -> Result<usize> {
    let raw: usize;
    // SAFETY: see `syscall0`.
    unsafe {
        syscall_asm!(inlateout("rax") number => raw, in("rdi") a, in("rsi") b, in("rdx") c, in("r10") d, in("r8") e, in("r9") f);
    }
    decode(raw)
}

/// Most CPUs [`cpu_info`] makes room for.
const MAX_CPUS: usize = 1 << 14;

/// Size of a page.
pub const PAGE_SIZE: usize = 4096;

/// `mmap(addr, len, flags, fd, offset)`: maps memory, returns its address.
/// Anonymous with `fd` = [`NO_FD`]; `addr` 0 lets the kernel choose.
///
/// # Safety
/// With `MAP_FIXED` the mapping replaces whatever was at `addr`, which must
/// not be memory the program still uses.
pub unsafe fn mmap(addr: usize, len: usize, flags: MapFlags, fd: usize, offset: usize) -> Result<usize> {
    // SAFETY: the caller vouches for the effect on existing mappings.
    unsafe { syscall5(Syscall::Mmap as usize, addr, len, flags.bits(), fd, offset) }
}

/// Maps `len` bytes of fresh zeroed memory where the kernel chooses, with
/// the `PROT_*` and `MAP_SHARED`/`MAP_PRIVATE` bits of `flags` (`MAP_FIXED`
/// is refused with `EINVAL`: it could replace live memory).
pub fn map_anonymous(len: usize, flags: MapFlags) -> Result<usize> {
    if flags.intersects(MapFlags::MAP_FIXED | MapFlags::MAP_FIXED_NOREPLACE) {
        return Err(Error::from_errno(cairn_abi::error::EINVAL));
    }
    // SAFETY: without MAP_FIXED the kernel picks an unused range.
    unsafe { mmap(0, len, flags, NO_FD, 0) }
}

/// [`map_anonymous`] for a private mapping whose pages are all allocated
/// now (`MAP_POPULATE`): missing memory is `ENOMEM` here, never a fault
/// later.
pub fn map_anonymous_populated(len: usize, flags: MapFlags) -> Result<usize> {
    if flags.intersects(MapFlags::MAP_FIXED | MapFlags::MAP_FIXED_NOREPLACE) {
        return Err(Error::from_errno(cairn_abi::error::EINVAL));
    }
    // SAFETY: without MAP_FIXED the kernel picks an unused range.
    unsafe { syscall5(Syscall::Mmap as usize, 0, len, flags.bits() | cairn_abi::MAP_POPULATE, NO_FD, 0) }
}

/// `munmap(addr, len)`.
///
/// # Safety
/// Nothing may use the range afterwards.
pub unsafe fn munmap(addr: usize, len: usize) -> Result<()> {
    // SAFETY: the caller guarantees the range is unused.
    unsafe { syscall2(Syscall::Munmap as usize, addr, len)? };
    Ok(())
}

/// `mprotect(addr, len, flags)` with `PROT_*` bits.
///
/// # Safety
/// Code that keeps using the range must respect the new protection.
pub unsafe fn mprotect(addr: usize, len: usize, flags: MapFlags) -> Result<()> {
    // SAFETY: the caller guarantees users of the range respect it.
    unsafe { syscall3(Syscall::Mprotect as usize, addr, len, flags.bits())? };
    Ok(())
}

/// Physical memory counters of the whole machine.
pub fn memory_info() -> Result<MemoryInfo> {
    let mut info = MemoryInfo::default();
    // SAFETY: the kernel writes at most `size_of::<MemoryInfo>()` bytes into
    // `info`, which is a valid, writable `repr(C)` value.
    unsafe {
        syscall3(
            Syscall::Sysinfo as usize,
            cairn_abi::SysInfo::Memory as usize,
            (&raw mut info) as usize,
            size_of::<MemoryInfo>(),
        )?;
    }
    Ok(info)
}

/// Counters of every online CPU.
pub fn cpu_info() -> Result<Vec<CpuInfo>> {
    // The ABI has no "how many CPUs" query and refuses a buffer that is too
    // small (EINVAL): start with room for 64 CPUs and double until it fits.
    let mut capacity = 64;
    loop {
        let mut cpus = alloc::vec![CpuInfo::default(); capacity];
        let bytes = capacity * size_of::<CpuInfo>();
        // SAFETY: `cpus` is a writable buffer of `bytes` bytes of plain
        // `repr(C)` values.
        let result = unsafe {
            syscall3(Syscall::Sysinfo as usize, cairn_abi::SysInfo::Cpus as usize, cpus.as_mut_ptr() as usize, bytes)
        };
        match result {
            Ok(written) => {
                cpus.truncate(written.min(bytes) / size_of::<CpuInfo>());
                return Ok(cpus);
            }
            Err(e) if e.errno() == Some(cairn_abi::error::EINVAL) && capacity < MAX_CPUS => capacity *= 2,
            Err(e) => return Err(e),
        }
    }
}

/// Sleeps while `*word == expected`, up to `timeout` (`None` = no limit).
/// `Err(EAGAIN)` if the value differed, `Err(ETIMEDOUT)` on time-out;
/// spurious wake-ups return `Ok`.
pub fn futex_wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> Result<()> {
    let timeout_ns = timeout.map_or(u64::MAX, |t| u64::try_from(t.as_nanos()).unwrap_or(u64::MAX - 1));
    // SAFETY: `word` is a valid, aligned `u32` the kernel only reads.
    unsafe { syscall3(Syscall::FutexWait as usize, word.as_ptr() as usize, expected as usize, timeout_ns as usize)? };
    Ok(())
}

/// Wakes up to `count` threads sleeping on `word`; returns how many woke.
pub fn futex_wake(word: &AtomicU32, count: usize) -> Result<usize> {
    // SAFETY: the kernel uses the address only as a key.
    unsafe { syscall2(Syscall::FutexWake as usize, word.as_ptr() as usize, count) }
}

/// The calling thread's kernel thread id.
pub fn gettid() -> usize {
    // SAFETY: `gettid` has no arguments and no side effects.
    unsafe { syscall0(Syscall::Gettid as usize) }.unwrap_or(0)
}

/// The value of auxiliary vector entry `key` (an `AT_*` constant from
/// `cairn_abi::auxv`) that the kernel passed at start-up.
pub fn auxv(key: usize) -> Option<usize> {
    crate::startup::get()?.auxv.iter().find(|&&(k, _)| k == key).map(|&(_, v)| v)
}

/// Sets the requested scheduling priority of thread `tid` (0 = the caller);
/// 0 is the most urgent of `cairn_abi::PRIORITY_LEVELS`.
pub fn set_priority(tid: usize, priority: usize) -> Result<()> {
    // SAFETY: plain integer arguments.
    unsafe { syscall2(Syscall::SetPriority as usize, tid, priority)? };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_separates_errors_from_values() {
        assert_eq!(decode(0), Ok(0));
        assert_eq!(decode(0x7fff_f000), Ok(0x7fff_f000));
        // Low 32 bits look like -1, but the value is a legitimate offset.
        assert_eq!(decode(0xffff_ffff), Ok(0xffff_ffff));
        assert_eq!(decode(-14isize as usize), Err(Error::Os(cairn_abi::Error::new(cairn_abi::error::EFAULT))));
        assert_eq!(decode(-38isize as usize).unwrap_err().errno(), Some(cairn_abi::error::ENOSYS));
        assert_eq!(decode(usize::MAX - MAX_ERRNO), Ok(usize::MAX - MAX_ERRNO));
    }
}

/// A shareable memory object of `size` bytes (rounded up to pages), to map
/// with [`mmap`] and `MAP_SHARED` in this and other processes.
pub fn memory_create(size: usize) -> Result<crate::fd::OwnedFd> {
    // SAFETY: integer argument only.
    let fd = unsafe { syscall1(Syscall::MemoryCreate as usize, size) }?;
    // SAFETY: the kernel just made this fd for the caller.
    Ok(unsafe { crate::fd::OwnedFd::from_raw(fd) })
}
