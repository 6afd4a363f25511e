//! The C memory primitives that the prebuilt `core`/`alloc` call but do not
//! provide on a freestanding host-target build: `memcpy`, `memmove`, `memset`,
//! `memcmp`, `bcmp` and `strlen`, plus the never-called unwinding symbols the prebuilt
//! libraries reference.
//!
//! Linked into the kernel and (later) every user program. Depends on nothing.
//! `#![no_builtins]` stops the compiler from turning these loops back into
//! calls to themselves.
#![no_std]
#![no_builtins]

use core::arch::asm;

/// Copies `n` bytes from `src` to `dest`; the regions must not overlap.
///
/// # Safety
/// `dest` and `src` must be valid for `n` bytes and must not overlap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    // SAFETY: the caller guarantees both ranges are valid and disjoint; the
    // string instructions copy forwards (the ABI guarantees DF = 0): first
    // whole 8-byte words, then the remaining bytes. Word moves are several
    // times faster than byte moves in emulation and never slower on
    // hardware.
    unsafe {
        asm!("rep movsq", "mov rcx, {tail}", "rep movsb",
             tail = in(reg) n % 8,
             inout("rcx") n / 8 => _, inout("rdi") dest => _, inout("rsi") src => _,
             options(nostack, preserves_flags));
    }
    dest
}

/// Copies `n` bytes from `src` to `dest`; the regions may overlap.
///
/// # Safety
/// `dest` and `src` must be valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dest as usize).wrapping_sub(src as usize) >= n {
        // Destination starts before the source or beyond its end: a forward
        // copy never reads a byte it has already overwritten.
        // SAFETY: as for `memcpy`; forward order is safe for this overlap.
        unsafe { memcpy(dest, src, n) }
    } else {
        // SAFETY: the caller guarantees validity; copying backwards (DF set
        // for the duration, cleared again before returning) is safe when the
        // destination overlaps the tail of the source.
        unsafe {
            asm!("std", "rep movsb", "cld",
                 inout("rcx") n => _,
                 inout("rdi") dest.add(n).wrapping_sub(1) => _,
                 inout("rsi") src.add(n).wrapping_sub(1) => _,
                 options(nostack));
        }
        dest
    }
}

/// Fills `n` bytes at `dest` with the low byte of `c`.
///
/// # Safety
/// `dest` must be valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memset(dest: *mut u8, c: i32, n: usize) -> *mut u8 {
    let byte = c as u8 as u64;
    let word = byte * 0x0101_0101_0101_0101;
    // SAFETY: the caller guarantees `dest` is valid for `n` bytes; whole
    // words are stored first, then the remaining bytes.
    unsafe {
        asm!("rep stosq", "mov rcx, {tail}", "rep stosb",
             tail = in(reg) n % 8,
             inout("rcx") n / 8 => _, inout("rdi") dest => _, in("rax") word,
             options(nostack, preserves_flags));
    }
    dest
}

/// Compares `n` bytes; returns the difference of the first unequal pair.
///
/// # Safety
/// `a` and `b` must be valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while i < n {
        // SAFETY: `i < n` and the caller guarantees both are valid for `n` bytes.
        let (x, y) = unsafe { (*a.add(i), *b.add(i)) };
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

/// Returns zero when the `n` bytes are equal, non-zero otherwise.
///
/// # Safety
/// `a` and `b` must be valid for `n` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn bcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    // SAFETY: same contract as `memcmp`.
    unsafe { memcmp(a, b, n) }
}

/// Referenced by the prebuilt `core`'s unwind tables; never called because
/// every Cairn binary is built with `panic = "abort"`.
#[unsafe(no_mangle)]
pub extern "C" fn rust_eh_personality() {}

/// Referenced by the prebuilt libraries' landing pads; unreachable with
/// `panic = "abort"`, so it simply stops the CPU from running further.
#[unsafe(no_mangle)]
pub extern "C" fn _Unwind_Resume() -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// Length of the NUL-terminated string at `s`.
///
/// # Safety
/// `s` must point to a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn strlen(s: *const u8) -> usize {
    let mut len = 0;
    // SAFETY: the caller guarantees a terminating NUL, so every byte read
    // up to it is inside the string.
    while unsafe { *s.add(len) } != 0 {
        len += 1;
    }
    len
}
