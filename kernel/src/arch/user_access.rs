//! A store to user memory that may fault, for code that runs without the
//! big kernel lock and so cannot walk the address space's tables (a wait
//! in place, `task::in_place`). The processor checks the mapping as it
//! would the program's own store; a page fault at that one instruction is
//! turned by the exception handler ([`fixup`]) into a failed return
//! instead of a kernel crash, and the caller falls back to the locked path
//! (which faults the page in, copies a shared page on write, or reports
//! `EFAULT`).

use core::arch::naked_asm;

use x86_64::registers::control::{Cr4, Cr4Flags};

/// One past the last user address.
const USER_END: u64 = 0x0000_8000_0000_0000;

/// Stores `value` at user address `address` in the running process.
/// False if the 8 bytes are not all user addresses or the store faulted
/// (not mapped, not writable, a copy-on-write page).
pub fn write_u64(address: u64, value: u64) -> bool {
    if address.checked_add(8).is_none_or(|end| end > USER_END) {
        return false;
    }
    let smap = Cr4::read().contains(Cr4Flags::SUPERVISOR_MODE_ACCESS_PREVENTION);
    // SAFETY: the destination is a user address of the running process; a
    // fault there ends at `user_store_fixup` (see `fixup`), and the store
    // touches nothing else.
    unsafe { user_store(address, value, u64::from(smap)) == 0 }
}

/// Where to resume after a page fault at `rip`: the failed return of
/// [`write_u64`] when `rip` is its store, else `None` (a kernel bug).
pub fn fixup(rip: u64) -> Option<u64> {
    (rip == &raw const user_store_instruction as u64).then_some(&raw const user_store_fixup as u64)
}

unsafe extern "C" {
    static user_store_instruction: u8;
    static user_store_fixup: u8;
}

/// `*address = value`, with SMAP lifted around the store when `smap` is
/// non-zero (`stac` is undefined on a processor without SMAP). Returns 0,
/// or 1 from the fixup after a fault.
#[unsafe(naked)]
unsafe extern "C" fn user_store(address: u64, value: u64, smap: u64) -> u64 {
    naked_asm!(
        "test rdx, rdx",
        "jz 2f",
        "stac",
        "2:",
        ".global user_store_instruction",
        "user_store_instruction:",
        "mov [rdi], rsi",
        "xor eax, eax",
        "jmp 3f",
        ".global user_store_fixup",
        "user_store_fixup:",
        "mov eax, 1",
        "3:",
        "test rdx, rdx",
        "jz 4f",
        "clac",
        "4:",
        "ret",
    )
}
