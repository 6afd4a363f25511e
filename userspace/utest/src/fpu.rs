//! The FPU/SSE state across system calls, as docs/ABI.md promises it: the
//! x87 control word and MXCSR survive every kind of call (one answered
//! without the big kernel lock, an ordinary one, one that blocks while
//! other threads run, one a signal handler interrupts, `fork`), and the
//! XMM registers, which `syscall` clobbers, come back zero — never holding
//! a value the kernel or another thread left there.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use core::arch::asm;
use core::sync::atomic::{AtomicBool, Ordering};

use cairn_rt::abi::TimeSpec;
use cairn_rt::abi::error::EINTR;
use cairn_rt::process;
use cairn_rt::signal::{self, SIGUSR1};
use cairn_rt::sys::Syscall;
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{format, thread};

use crate::util::{TestResult, call, ensure, expect_exit, ok, spawn_child};

/// Round toward zero, all exceptions masked: not the default 0x1f80.
const TEST_MXCSR: u32 = 0x7f80;
/// Single precision, round up, all exceptions masked: not the default 0x37f.
const TEST_FCW: u16 = 0x087f;

fn mxcsr() -> u32 {
    let mut value = 0u32;
    // SAFETY: `stmxcsr` stores four bytes into `value`.
    unsafe { asm!("stmxcsr [{}]", in(reg) &mut value, options(nostack, preserves_flags)) };
    value
}

fn set_mxcsr(value: u32) {
    // SAFETY: loads a valid MXCSR (no reserved bits); only rounding and
    // masks change, which no Rust code here depends on.
    unsafe { asm!("ldmxcsr [{}]", in(reg) &value, options(nostack, preserves_flags)) };
}

fn fcw() -> u16 {
    let mut value = 0u16;
    // SAFETY: `fnstcw` stores two bytes into `value`.
    unsafe { asm!("fnstcw [{}]", in(reg) &mut value, options(nostack, preserves_flags)) };
    value
}

fn set_fcw(value: u16) {
    // SAFETY: loads an x87 control word with all exceptions masked; Rust
    // code does not use the x87 unit on x86-64.
    unsafe { asm!("fldcw [{}]", in(reg) &value, options(nostack, preserves_flags)) };
}

/// Both control registers hold the test values.
fn controls_kept(after: &str) -> TestResult {
    let (m, f) = (mxcsr() & 0xffc0, fcw());
    ensure!(
        m == TEST_MXCSR && f == TEST_FCW,
        "after {after}: MXCSR {m:#x}, FCW {f:#x}; set {TEST_MXCSR:#x}, {TEST_FCW:#x}"
    );
    Ok(())
}

static HANDLED: AtomicBool = AtomicBool::new(false);

/// A handler that changes both control registers for itself.
fn scramble_controls(_: usize) {
    set_mxcsr(0x1f80);
    set_fcw(0x037f);
    HANDLED.store(true, Ordering::SeqCst);
}

/// Runs the checks with the test values set, then restores the defaults
/// (the suite goes on in this process).
pub fn syscalls_keep_fpu_controls() -> TestResult {
    let (old_mxcsr, old_fcw) = (mxcsr(), fcw());
    set_mxcsr(TEST_MXCSR);
    set_fcw(TEST_FCW);
    let result = check_controls();
    set_mxcsr(old_mxcsr);
    set_fcw(old_fcw);
    result
}

fn check_controls() -> TestResult {
    ok("getpid", call(Syscall::Getpid, [0; 6]))?;
    controls_kept("getpid (no big kernel lock)")?;
    ok("getppid", call(Syscall::Getppid, [0; 6]))?;
    controls_kept("getppid")?;
    // A sleep while two other threads (with the default state) compute on
    // the CPUs: the sleeper's state goes through context switches.
    let stop = cairn_rt::sync::Arc::new(AtomicBool::new(false));
    let spinners: cairn_rt::Vec<_> = (0..2)
        .map(|_| {
            let stop = stop.clone();
            thread::spawn(move || {
                let mut x = 1.0f64;
                while !stop.load(Ordering::Relaxed) {
                    x = core::hint::black_box(x * 1.000_001 + 0.5);
                }
                x
            })
        })
        .collect();
    for _ in 0..10 {
        thread::sleep(Duration::from_millis(5));
        controls_kept("a sleep while other threads ran")?;
    }
    stop.store(true, Ordering::SeqCst);
    for spinner in spinners {
        ok("join", spinner.join())?;
    }
    // A sleep a signal handler interrupts; the handler changes its own state.
    HANDLED.store(false, Ordering::SeqCst);
    ok("set_handler", signal::set_handler(SIGUSR1, scramble_controls))?;
    let me = process::id();
    let sender = spawn_child(move || {
        thread::sleep(Duration::from_millis(30));
        i32::from(signal::kill(me, SIGUSR1).is_err())
    })?;
    let long = TimeSpec { tv_sec: 30, tv_nsec: 0 };
    let start = Instant::now();
    let slept = call(Syscall::Nanosleep, [&long as *const TimeSpec as usize, 0, 0, 0, 0, 0]);
    expect_exit(sender, 0)?;
    ensure!(
        matches!(&slept, Err(e) if e.errno() == Some(EINTR)) && HANDLED.load(Ordering::SeqCst),
        "nanosleep: {slept:?} after {:?}, handler ran: {}",
        start.elapsed(),
        HANDLED.load(Ordering::SeqCst)
    );
    controls_kept("a sleep interrupted by a handler")?;
    // A forked child starts with the parent's controls.
    let child = spawn_child(|| i32::from(controls_kept("fork, in the child").is_err()))?;
    expect_exit(child, 0).map_err(|e| format!("the child's MXCSR/FCW differ from the parent's: {e}"))?;
    controls_kept("fork, in the parent")
}

/// Fills XMM0-XMM15 with ones, issues `syscall` with `number`, argument
/// `arg` in RDI and 0 in RSI, and returns how many of the 32 halves came back non-zero.
fn vector_halves_left(number: Syscall, arg: usize) -> usize {
    let mut out = [0u64; 32];
    // SAFETY: the asm writes 256 bytes to `out` (R12 holds its address,
    // which the kernel preserves); every register it or the call touches
    // is declared. `arg` is either unused or a valid pointer for `number`.
    unsafe {
        asm!(
            "pcmpeqd xmm0, xmm0", "pcmpeqd xmm1, xmm1", "pcmpeqd xmm2, xmm2", "pcmpeqd xmm3, xmm3",
            "pcmpeqd xmm4, xmm4", "pcmpeqd xmm5, xmm5", "pcmpeqd xmm6, xmm6", "pcmpeqd xmm7, xmm7",
            "pcmpeqd xmm8, xmm8", "pcmpeqd xmm9, xmm9", "pcmpeqd xmm10, xmm10", "pcmpeqd xmm11, xmm11",
            "pcmpeqd xmm12, xmm12", "pcmpeqd xmm13, xmm13", "pcmpeqd xmm14, xmm14", "pcmpeqd xmm15, xmm15",
            "syscall",
            "movdqu [r12], xmm0", "movdqu [r12 + 16], xmm1", "movdqu [r12 + 32], xmm2", "movdqu [r12 + 48], xmm3",
            "movdqu [r12 + 64], xmm4", "movdqu [r12 + 80], xmm5", "movdqu [r12 + 96], xmm6",
            "movdqu [r12 + 112], xmm7", "movdqu [r12 + 128], xmm8", "movdqu [r12 + 144], xmm9",
            "movdqu [r12 + 160], xmm10", "movdqu [r12 + 176], xmm11", "movdqu [r12 + 192], xmm12",
            "movdqu [r12 + 208], xmm13", "movdqu [r12 + 224], xmm14", "movdqu [r12 + 240], xmm15",
            in("r12") out.as_mut_ptr(),
            in("rdi") arg,
            in("rsi") 0usize,
            inlateout("rax") number as usize => _,
            lateout("rcx") _, lateout("r11") _,
            out("xmm0") _, out("xmm1") _, out("xmm2") _, out("xmm3") _, out("xmm4") _, out("xmm5") _,
            out("xmm6") _, out("xmm7") _, out("xmm8") _, out("xmm9") _, out("xmm10") _, out("xmm11") _,
            out("xmm12") _, out("xmm13") _, out("xmm14") _, out("xmm15") _,
            options(nostack),
        );
    }
    out.iter().filter(|&&half| half != 0).count()
}

pub fn syscalls_clear_vector_registers() -> TestResult {
    let nap = TimeSpec { tv_sec: 0, tv_nsec: 2_000_000 };
    let cases = [
        ("getpid (no big kernel lock)", Syscall::Getpid, 0),
        ("getppid", Syscall::Getppid, 0),
        ("nanosleep 2 ms (a context switch)", Syscall::Nanosleep, &nap as *const TimeSpec as usize),
    ];
    for (what, number, arg) in cases {
        for round in 0..20 {
            let left = vector_halves_left(number, arg);
            ensure!(left == 0, "{what}, round {round}: {left} of 32 XMM halves came back non-zero");
        }
    }
    Ok(())
}
