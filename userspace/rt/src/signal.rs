//! Signals: sending ([`kill`], [`kill_group`]), handling ([`set_handler`],
//! [`ignore`], [`set_default`], raw [`sigaction`]) and masking ([`block`],
//! [`unblock`], [`set_mask`], [`mask`]).
//!
//! Handlers are plain `fn(usize)`. The kernel enters the runtime's
//! trampoline, which aligns the stack, looks the handler up and calls it;
//! returning from it lands in the runtime's restorer, which calls
//! `sigreturn`. As in POSIX, a handler may interrupt any code, including
//! code holding the heap lock or a [`crate::sync::Mutex`]: handlers should
//! only touch atomics and make system calls (`print!` is fine: it neither
//! allocates nor locks), never allocate or lock.
//!
//! Depends on [`crate::sys`] and `cairn-abi` (`signal`).

use core::arch::naked_asm;
use core::sync::atomic::{AtomicUsize, Ordering};

use cairn_abi::Syscall;
pub use cairn_abi::signal::{
    SA_RESETHAND, SIG_DFL, SIG_IGN, SIGABRT, SIGALRM, SIGBUS, SIGCHLD, SIGCONT, SIGFPE, SIGHUP, SIGILL, SIGINT,
    SIGKILL, SIGNAL_MAX, SIGPIPE, SIGQUIT, SIGSEGV, SIGSTOP, SIGTERM, SIGTRAP, SIGTSTP, SIGTTIN, SIGTTOU, SIGUSR1,
    SIGUSR2, SigAction,
};
use cairn_abi::signal::{SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK};

use crate::error::{Error, Result};
use crate::process::Pid;
use crate::sys::{syscall2, syscall3};

/// A set of signals (bit `n - 1` for signal `n`, as the kernel's masks).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigSet(pub u64);

impl SigSet {
    pub const fn empty() -> SigSet {
        SigSet(0)
    }

    /// Every signal.
    pub const fn full() -> SigSet {
        SigSet(u64::MAX >> (64 - SIGNAL_MAX))
    }

    /// The set holding just `signal`.
    pub const fn of(signal: usize) -> SigSet {
        SigSet(cairn_abi::signal::bit(signal))
    }

    /// This set plus `signal`.
    pub const fn with(self, signal: usize) -> SigSet {
        SigSet(self.0 | cairn_abi::signal::bit(signal))
    }

    pub const fn contains(&self, signal: usize) -> bool {
        signal >= 1 && signal <= SIGNAL_MAX && self.0 & cairn_abi::signal::bit(signal) != 0
    }
}

/// Sends `signal` to process `pid`.
pub fn kill(pid: Pid, signal: usize) -> Result<()> {
    // SAFETY: plain integer arguments.
    unsafe { syscall2(Syscall::Kill as usize, pid, signal)? };
    Ok(())
}

/// Sends `signal` to every process of group `pgid` (0 = the caller's).
/// Group 1 cannot be named (`EINVAL`): `kill(-1)` means every process.
pub fn kill_group(pgid: Pid, signal: usize) -> Result<()> {
    if pgid == 1 {
        return Err(Error::from_errno(cairn_abi::error::EINVAL));
    }
    // The ABI encodes a group as the negated id; 0 means one's own group.
    kill((pgid as isize).wrapping_neg() as usize, signal)
}

/// `sigaction(signal, new)`: installs `new`, returns the previous action.
pub fn sigaction(signal: usize, new: &SigAction) -> Result<SigAction> {
    let mut old = SigAction::default();
    // SAFETY: the kernel reads one `SigAction` from `new` and writes one to
    // `old`.
    unsafe {
        syscall3(Syscall::Sigaction as usize, signal, new as *const SigAction as usize, (&raw mut old) as usize)?
    };
    Ok(old)
}

/// The Rust handler of each signal, as a `fn(usize)` address (0 = none).
static HANDLERS: [AtomicUsize; SIGNAL_MAX + 1] = [const { AtomicUsize::new(0) }; SIGNAL_MAX + 1];

/// Runs `handler` whenever `signal` arrives (until changed). While it runs,
/// the signal itself is blocked.
pub fn set_handler(signal: usize, handler: fn(usize)) -> Result<()> {
    let slot = HANDLERS.get(signal).ok_or(Error::from_errno(cairn_abi::error::EINVAL))?;
    let previous = slot.swap(handler as usize, Ordering::SeqCst);
    let action = SigAction {
        handler: trampoline as *const () as usize,
        mask: 0,
        flags: 0,
        restorer: restorer as *const () as usize,
    };
    sigaction(signal, &action).inspect_err(|_| slot.store(previous, Ordering::SeqCst))?;
    Ok(())
}

/// Ignores `signal`.
pub fn ignore(signal: usize) -> Result<()> {
    sigaction(signal, &SigAction { handler: SIG_IGN, ..SigAction::default() })?;
    Ok(())
}

/// Restores the default action of `signal`.
pub fn set_default(signal: usize) -> Result<()> {
    sigaction(signal, &SigAction { handler: SIG_DFL, ..SigAction::default() })?;
    Ok(())
}

fn sigprocmask(how: usize, set: SigSet) -> Result<SigSet> {
    let mut old = 0u64;
    // SAFETY: the kernel reads one `u64` from `set` and writes one to `old`.
    unsafe { syscall3(Syscall::Sigprocmask as usize, how, (&raw const set.0) as usize, (&raw mut old) as usize)? };
    Ok(SigSet(old))
}

/// Blocks the signals of `set`; returns the previous mask.
pub fn block(set: SigSet) -> Result<SigSet> {
    sigprocmask(SIG_BLOCK, set)
}

/// Unblocks the signals of `set` (pending ones are delivered); returns the
/// previous mask.
pub fn unblock(set: SigSet) -> Result<SigSet> {
    sigprocmask(SIG_UNBLOCK, set)
}

/// Replaces the mask; returns the previous one.
pub fn set_mask(set: SigSet) -> Result<SigSet> {
    sigprocmask(SIG_SETMASK, set)
}

/// The current mask.
pub fn mask() -> Result<SigSet> {
    sigprocmask(SIG_BLOCK, SigSet::empty())
}

/// Calls the Rust handler of `signal`.
extern "C" fn dispatch(signal: usize) {
    let handler = HANDLERS.get(signal).map_or(0, |slot| slot.load(Ordering::SeqCst));
    if handler != 0 {
        // SAFETY: `HANDLERS` holds only zero or addresses of `fn(usize)`
        // stored by `set_handler`.
        let handler: fn(usize) = unsafe { core::mem::transmute::<usize, fn(usize)>(handler) };
        handler(signal);
    }
}

/// Defines `extern "C" fn NAME()`, where the kernel enters a handled
/// signal: RDI = signal number, `[RSP]` = the restorer. It realigns the
/// stack for the call of `DISPATCH(signal: usize)`, whatever alignment the
/// kernel chose, and returns to the restorer. One definition for
/// cairn-rt's Rust handlers and libc-shim's C ones.
#[macro_export]
macro_rules! signal_trampoline {
    ($(#[$attr:meta])* fn $name:ident => $dispatch:path) => {
        $(#[$attr])*
        #[unsafe(naked)]
        extern "C" fn $name() {
            core::arch::naked_asm!(
                "push rbp",
                "mov rbp, rsp",
                "and rsp, -16",
                "call {dispatch}",
                "mov rsp, rbp",
                "pop rbp",
                "ret",
                dispatch = sym $dispatch,
            )
        }
    };
}

crate::signal_trampoline!(
    /// Where the kernel enters a handler set with [`set_handler`].
    fn trampoline => dispatch
);

/// The return address of every handler: `sigreturn`, which restores the
/// interrupted context and never returns. Public for handlers installed
/// with the raw [`sigaction`] (libc-shim's).
#[unsafe(naked)]
pub extern "C" fn restorer() -> ! {
    naked_asm!(
        "mov eax, {sigreturn}",
        "syscall",
        "ud2",
        sigreturn = const Syscall::Sigreturn as usize,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets() {
        let s = SigSet::of(SIGINT).with(SIGTERM);
        assert_eq!(s.0, (1 << 1) | (1 << 14));
        assert!(s.contains(SIGINT) && s.contains(SIGTERM) && !s.contains(SIGKILL));
        assert!(!s.contains(0) && !s.contains(64));
        assert!(SigSet::full().contains(SIGNAL_MAX) && SigSet::full().contains(1));
        assert_eq!(SigSet::full().0, (1 << 31) - 1);
    }
}
