//! `cairn-rt`: the runtime every Cairn user program links. It owns the
//! process entry point (`_start`), the global allocator, the panic handler
//! and a `std`-like API over Cairn's system calls: [`io`], [`env`], [`fs`],
//! [`process`], [`sched`], [`thread`], [`sync`], [`time`], [`signal`], [`tty`], [`net`]
//! and the raw [`sys`] layer.
//!
//! A program is a `#![no_std] #![no_main]` binary that depends on this crate
//! and names its `main` with [`main!`]:
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! use cairn_rt::println;
//! cairn_rt::main!(main);
//! fn main() { println!("hi"); }
//! ```
//!
//! Depends on `cairn-abi` (the only definition of the system call ABI),
//! `cairn-memfuncs` (the C memory primitives), `talc` and `lock_api`
//! (allocator and its lock interface), `core` and `alloc`.
//!
//! The parts that only make sense inside a Cairn process (`_start`, the
//! panic handler, `#[global_allocator]`) are compiled out under `cfg(test)`,
//! so the pure logic (start-up stack parsing, wait statuses, environment
//! handling) runs as ordinary host unit tests. They are also the default
//! feature `runtime`, which `libc-shim` turns off: in a C program musl owns
//! the entry point, the heap and the memory functions.
#![no_std]

extern crate alloc;
#[cfg(test)]
extern crate std;

#[cfg(all(not(test), feature = "runtime"))]
use cairn_memfuncs as _;

pub mod env;
pub mod error;
pub mod events;
pub mod fd;
pub mod fs;
// Without `runtime` (libc-shim) nothing starts the process or allocates
// through this module: its start-up half is unused.
#[cfg_attr(not(feature = "runtime"), allow(dead_code))]
mod heap;
pub mod io;
pub mod mount;
pub mod net;
pub mod process;
pub mod sched;
pub mod scheme;
pub mod signal;
#[cfg(all(not(test), feature = "runtime"))]
mod start;
// Without `runtime` (libc-shim) nothing starts the process or allocates
// through this module: its start-up half is unused.
#[cfg_attr(not(feature = "runtime"), allow(dead_code))]
mod startup;
pub mod sync;
pub mod sys;
pub mod thread;
pub mod time;
// Without `runtime` (libc-shim) nothing starts the process or allocates
// through this module: its start-up half is unused.
#[cfg_attr(not(feature = "runtime"), allow(dead_code))]
mod tls;
pub mod tty;

pub use alloc::boxed::Box;
pub use alloc::string::{String, ToString};
pub use alloc::vec::Vec;
pub use alloc::{borrow, collections, format, rc, vec};

pub use cairn_abi as abi;
pub use error::{Error, Result};

/// Names the program's `main` function. It may return `()`, an `i32` exit
/// code, or `Result<(), E>` with `E: Debug` (an error is printed to stderr
/// as `Error: {e:?}` and the process exits with 1).
#[macro_export]
macro_rules! main {
    ($main:path) => {
        /// The program entry called by `cairn-rt`'s `_start`.
        #[unsafe(no_mangle)]
        extern "C" fn __cairn_rt_main() -> i32 {
            $crate::process::Termination::report($main())
        }
    };
}
