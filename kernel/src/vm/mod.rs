//! User virtual memory: one [`AddressSpace`] per process, made of
//! regions (anonymous private, shared memory objects, private views of
//! them, device memory, or loaded program segments) whose pages are filled
//! on demand, copied on write after `fork`, and returned to the frame
//! allocator when unmapped. Memory objects ([`SharedPages`]) are sparse.
//!
//! The kernel never dereferences user addresses: [`AddressSpace::read`] and
//! [`AddressSpace::write`] translate through the process's page tables (after
//! faulting pages in, with the same permission checks the CPU applies) and
//! copy through the direct map. So a bad pointer is an `EFAULT`, never a
//! kernel fault, and SMAP stays on all the time.

mod address_space;
mod object;
pub mod tlb;

pub use address_space::{AddressSpace, Backing, CopyFault, Protection, VmError};
pub use object::SharedPages;

/// First address above user space. The last page below the canonical
/// boundary is never mapped, so a `sysret` can never return to a
/// non-canonical address.
pub const USER_END: u64 = 0x0000_7fff_ffff_f000;

/// Lowest address a user mapping may use (page 0 and the rest of the first
/// 64 KiB stay unmapped to catch null-pointer accesses).
pub const USER_START: u64 = 0x1_0000;
