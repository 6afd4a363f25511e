//! Signals: handlers run and return to the interrupted code with its
//! registers (general and SSE) intact, blocked signals stay pending, default
//! actions (SIGTERM, SIGKILL), uncatchable SIGKILL/SIGSTOP, hardware faults
//! (SIGSEGV, SIGFPE) and SIGCHLD.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use core::arch::asm;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use cairn_rt::abi::error::EINVAL;
use cairn_rt::process;
use cairn_rt::signal::{
    self, SIGCHLD, SIGFPE, SIGKILL, SIGSEGV, SIGSTOP, SIGTERM, SIGUSR1, SIGUSR2, SigAction, SigSet, kill,
};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{format, thread};

use crate::util::{
    TestResult, ensure, expect_errno, expect_exit, expect_signal, ok, peek, poke, sleep_forever, spawn_child,
};

/// Deliveries seen by [`count`], and the last signal number.
static DELIVERED: AtomicUsize = AtomicUsize::new(0);
static LAST_SIGNAL: AtomicUsize = AtomicUsize::new(0);

fn count(signal: usize) {
    LAST_SIGNAL.store(signal, Ordering::SeqCst);
    DELIVERED.fetch_add(1, Ordering::SeqCst);
}

fn reset_counter() {
    DELIVERED.store(0, Ordering::SeqCst);
    LAST_SIGNAL.store(0, Ordering::SeqCst);
}

/// Runs `body` with [`count`] handling `signal`, then restores the default.
fn with_counter(signal: usize, body: impl FnOnce() -> TestResult) -> TestResult {
    reset_counter();
    ok("set_handler", signal::set_handler(signal, count))?;
    let result = body();
    ok("set_default", signal::set_default(signal))?;
    result
}

pub fn handler_runs_and_returns() -> TestResult {
    with_counter(SIGUSR1, || {
        let before = 0x1234_5678_u64;
        ok("kill(self, SIGUSR1)", kill(process::id(), SIGUSR1))?;
        // The handler runs on the way out of `kill`, then execution goes on
        // here with locals intact.
        ensure!(DELIVERED.load(Ordering::SeqCst) == 1, "handler ran {} times", DELIVERED.load(Ordering::SeqCst));
        ensure!(
            LAST_SIGNAL.load(Ordering::SeqCst) == SIGUSR1,
            "handler got signal {}",
            LAST_SIGNAL.load(Ordering::SeqCst)
        );
        ensure!(core::hint::black_box(before) == 0x1234_5678, "local changed across the handler");
        ok("kill(self, SIGUSR1) again", kill(process::id(), SIGUSR1))?;
        ensure!(DELIVERED.load(Ordering::SeqCst) == 2, "second delivery missing");
        Ok(())
    })?;
    // An ignored signal does nothing at all.
    ok("ignore", signal::ignore(SIGUSR1))?;
    let sent = kill(process::id(), SIGUSR1);
    ok("set_default", signal::set_default(SIGUSR1))?;
    ok("kill(self, ignored SIGUSR1)", sent)?;
    // The previous action comes back from sigaction.
    let action = SigAction { handler: signal::SIG_IGN, ..SigAction::default() };
    ok("sigaction", signal::sigaction(SIGUSR2, &action))?;
    let old = ok("sigaction", signal::sigaction(SIGUSR2, &SigAction::default()))?;
    ensure!(old.handler == signal::SIG_IGN, "sigaction returned old handler {:#x}, expected SIG_IGN", old.handler);
    Ok(())
}

/// Set by [`clobber_and_flag`].
static SPIN_FLAG: AtomicBool = AtomicBool::new(false);

/// A handler that destroys every vector register, as any handler compiled
/// with SSE may, then flags the interrupted loop.
fn clobber_and_flag(_: usize) {
    // SAFETY: the registers are declared clobbered; the handler may use
    // them freely, restoring the interrupted code's values is the kernel's
    // job.
    unsafe {
        asm!(
            "pcmpeqd xmm0, xmm0", "pcmpeqd xmm1, xmm1", "pcmpeqd xmm2, xmm2", "pcmpeqd xmm3, xmm3",
            "pcmpeqd xmm4, xmm4", "pcmpeqd xmm5, xmm5", "pcmpeqd xmm6, xmm6", "pcmpeqd xmm7, xmm7",
            "pcmpeqd xmm8, xmm8", "pcmpeqd xmm9, xmm9", "pcmpeqd xmm10, xmm10", "pcmpeqd xmm11, xmm11",
            "pcmpeqd xmm12, xmm12", "pcmpeqd xmm13, xmm13", "pcmpeqd xmm14, xmm14", "pcmpeqd xmm15, xmm15",
            out("xmm0") _, out("xmm1") _, out("xmm2") _, out("xmm3") _, out("xmm4") _, out("xmm5") _,
            out("xmm6") _, out("xmm7") _, out("xmm8") _, out("xmm9") _, out("xmm10") _, out("xmm11") _,
            out("xmm12") _, out("xmm13") _, out("xmm14") _, out("xmm15") _,
            options(nomem, nostack),
        );
    }
    SPIN_FLAG.store(true, Ordering::SeqCst);
}

/// The linear congruential step the spin loop applies.
const LCG_MUL: u64 = 6_364_136_223_846_793_005;

pub fn handler_interrupts_user_code() -> TestResult {
    SPIN_FLAG.store(false, Ordering::SeqCst);
    ok("set_handler", signal::set_handler(SIGUSR1, clobber_and_flag))?;
    let parent = process::id();
    let child = spawn_child(move || {
        thread::sleep(Duration::from_millis(50));
        if kill(parent, SIGUSR1).is_ok() { 0 } else { 1 }
    })?;
    // Spin in pure user code (a clock read only every 65536 rounds), with
    // an integer and a floating-point accumulator living in registers.
    let mut int_acc: u64 = 1;
    let mut float_acc: f64 = 0.0;
    let mut rounds: u64 = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut timed_out = false;
    'spin: loop {
        for _ in 0..65536 {
            // SAFETY: register-only arithmetic.
            unsafe {
                asm!(
                    "addsd {f}, {one}",
                    "imul {i}, {m}",
                    "add {i}, 1",
                    f = inout(xmm_reg) float_acc,
                    one = in(xmm_reg) 1.0f64,
                    i = inout(reg) int_acc,
                    m = in(reg) LCG_MUL,
                    options(nomem, nostack),
                );
            }
            rounds += 1;
            if SPIN_FLAG.load(Ordering::Relaxed) {
                break 'spin;
            }
        }
        if Instant::now() > deadline {
            timed_out = true;
            break;
        }
    }
    let restored = signal::set_default(SIGUSR1);
    expect_exit(child, 0)?;
    ok("set_default", restored)?;
    ensure!(!timed_out, "the signal never interrupted the spinning loop");
    let expected_int = (0..rounds).fold(1u64, |acc, _| acc.wrapping_mul(LCG_MUL).wrapping_add(1));
    ensure!(int_acc == expected_int, "integer register damaged across the handler after {rounds} rounds");
    ensure!(
        float_acc == rounds as f64,
        "SSE register damaged across the handler: {float_acc} after {rounds} rounds (is FPU state saved around \
         handlers?)"
    );
    Ok(())
}

pub fn blocked_signal_stays_pending() -> TestResult {
    with_counter(SIGUSR2, || {
        ok("block", signal::block(SigSet::of(SIGUSR2)))?;
        let mask = ok("mask", signal::mask())?;
        ok("kill(self, SIGUSR2)", kill(process::id(), SIGUSR2))?;
        thread::yield_now();
        let while_blocked = DELIVERED.load(Ordering::SeqCst);
        ok("unblock", signal::unblock(SigSet::of(SIGUSR2)))?;
        let after = DELIVERED.load(Ordering::SeqCst);
        let mask_after = ok("mask", signal::mask())?;
        ensure!(mask.contains(SIGUSR2), "the mask does not show SIGUSR2 blocked: {mask:?}");
        ensure!(while_blocked == 0, "the handler ran while the signal was blocked");
        ensure!(after == 1, "after unblocking, the handler ran {after} times (expected 1)");
        ensure!(!mask_after.contains(SIGUSR2), "SIGUSR2 still blocked after unblock");
        Ok(())
    })
}

pub fn default_actions_kill() -> TestResult {
    let pid = spawn_child(|| sleep_forever())?;
    ok("kill SIGTERM", kill(pid, SIGTERM))?;
    expect_signal(pid, SIGTERM)?;
    let pid = spawn_child(|| sleep_forever())?;
    ok("kill SIGKILL", kill(pid, SIGKILL))?;
    expect_signal(pid, SIGKILL)?;
    // SIGKILL gets through a full mask (or, should the kernel refuse to
    // have SIGKILL in a mask at all, everything else blocked).
    let pid = spawn_child(|| {
        if signal::set_mask(SigSet::full()).is_err() {
            let _ = signal::set_mask(SigSet(SigSet::full().0 & !SigSet::of(SIGKILL).with(SIGSTOP).0));
        }
        sleep_forever()
    })?;
    thread::sleep(Duration::from_millis(20));
    ok("kill SIGKILL", kill(pid, SIGKILL))?;
    expect_signal(pid, SIGKILL)
}

pub fn sigkill_cannot_be_caught() -> TestResult {
    let catch = SigAction { handler: count as *const () as usize, ..SigAction::default() };
    let ignore = SigAction { handler: signal::SIG_IGN, ..SigAction::default() };
    expect_errno("sigaction(SIGKILL, handler)", signal::sigaction(SIGKILL, &catch), EINVAL)?;
    expect_errno("sigaction(SIGKILL, SIG_IGN)", signal::sigaction(SIGKILL, &ignore), EINVAL)?;
    expect_errno("sigaction(SIGSTOP, handler)", signal::sigaction(SIGSTOP, &catch), EINVAL)?;
    expect_errno("set_handler(SIGKILL)", signal::set_handler(SIGKILL, count), EINVAL)?;
    Ok(())
}

/// A named child body that should die of SIGSEGV.
type BadAccess = (&'static str, fn() -> i32);

pub fn sigsegv_on_bad_access() -> TestResult {
    let cases: [BadAccess; 5] = [
        ("write to NULL", || {
            poke(0);
            0
        }),
        ("read from NULL", || i32::from(peek(0))),
        ("write to the kernel image", || {
            poke(0xffff_ffff_8000_0000);
            0
        }),
        ("read from the kernel direct map", || i32::from(peek(0xffff_8000_0010_0000))),
        ("write to NULL with SIGSEGV blocked", || {
            let _ = signal::block(SigSet::of(SIGSEGV));
            poke(0);
            0
        }),
    ];
    for (what, body) in cases {
        let pid = spawn_child(body)?;
        expect_signal(pid, SIGSEGV).map_err(|e| format!("{what}: {e}"))?;
    }
    Ok(())
}

pub fn sigfpe_on_divide_by_zero() -> TestResult {
    let pid = spawn_child(|| {
        // SAFETY: `div` by a zero register raises #DE, which is the point;
        // Rust's own division would panic before reaching the CPU.
        unsafe {
            asm!("div {d}", d = in(reg) core::hint::black_box(0u64), inout("rax") 1u64 => _,
                 inout("rdx") 0u64 => _, options(nomem, nostack));
        }
        0
    })?;
    expect_signal(pid, SIGFPE)
}

pub fn sigchld_on_child_exit() -> TestResult {
    with_counter(SIGCHLD, || {
        let pid = spawn_child(|| 0)?;
        expect_exit(pid, 0)?;
        // Delivered when the parent next returns to user mode; allow for a
        // delivery that lags the wait.
        let start = Instant::now();
        while DELIVERED.load(Ordering::SeqCst) == 0 && start.elapsed() < Duration::from_secs(5) {
            thread::sleep(Duration::from_millis(5));
        }
        ensure!(DELIVERED.load(Ordering::SeqCst) >= 1, "no SIGCHLD within 5 s of the child's exit");
        ensure!(LAST_SIGNAL.load(Ordering::SeqCst) == SIGCHLD, "got signal {}", LAST_SIGNAL.load(Ordering::SeqCst));
        Ok(())
    })
}
