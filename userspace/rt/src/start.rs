//! Process entry and exit: `_start`, the path to the program's `main`
//! (named by `main!`), and the panic handler. Only built for real Cairn
//! programs (not for host tests).
//!
//! Depends on [`crate::startup`], [`crate::tls`], [`crate::io`] and
//! [`crate::process`].

use core::arch::naked_asm;
use core::fmt::Write;
use core::panic::PanicInfo;

use crate::io::LineWriter;
use crate::process::exit;
use crate::startup::{self, RawMemory};

unsafe extern "C" {
    /// The program's `main`, defined by `cairn_rt::main!`.
    safe fn __cairn_rt_main() -> i32;
}

/// The ELF entry point. The kernel enters with RSP 16-byte aligned and
/// pointing at `argc`; it is passed on as the first argument.
#[unsafe(naked)]
#[unsafe(no_mangle)]
extern "C" fn _start() -> ! {
    naked_asm!(
        // End of the frame-pointer chain for backtraces.
        "xor ebp, ebp",
        "mov rdi, rsp",
        // Keep the ABI alignment even if the kernel got it wrong.
        "and rsp, -16",
        "call {start}",
        "ud2",
        start = sym start_rust,
    )
}

/// Sets up the runtime, runs `main`, exits with its code.
extern "C" fn start_rust(sp: usize) -> ! {
    if let Err(e) = crate::tls::init_main_thread() {
        crate::eprintln!("cairn-rt: cannot set up thread-local storage: {e}");
        exit(127);
    }
    match startup::parse(&RawMemory, sp) {
        Ok(s) => startup::set(s),
        Err(e) => {
            crate::eprintln!("cairn-rt: bad initial stack: {e}");
            exit(127);
        }
    }
    exit(__cairn_rt_main())
}

/// Prints `panicked at FILE:LINE:COL: MESSAGE` to stderr in one write and
/// exits with 101. Works without the heap (a panic may come from it).
#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    let mut w = LineWriter::new(2);
    let _ = match info.location() {
        Some(loc) => writeln!(w, "panicked at {loc}: {}", info.message()),
        None => writeln!(w, "panicked: {}", info.message()),
    };
    w.flush();
    exit(101)
}
