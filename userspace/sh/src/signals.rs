//! Signals in the shell process: the job-control signals an interactive shell keeps away from itself (SIGINT
//! caught, the others ignored), and the set of caught signals the interpreter collects after each command.

use core::sync::atomic::{AtomicU32, Ordering};

use cairn_rt::Error;
use cairn_rt::abi::error::EINVAL;
use cairn_rt::signal::{self, SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};
use cairn_shell::os::{Signal, SignalAction};

/// Signals typed at the terminal for the foreground job, or sent to stop a background job touching the terminal.
const JOB_CONTROL: [usize; 5] = [SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU];

/// Caught signals not yet collected: bit `n` for signal `n`.
static CAUGHT: AtomicU32 = AtomicU32::new(0);

/// The handler of every caught signal: remembers it (touching only an atomic, as handlers must).
fn record(signal: usize) {
    if let Some(bit) = 1u32.checked_shl(signal as u32) {
        CAUGHT.fetch_or(bit, Ordering::SeqCst);
    }
}

/// The runtime's number for a signal of the interpreter's.
fn number(signal: Signal) -> Result<usize, Error> {
    usize::try_from(signal).ok().filter(|&signal| signal < 32).ok_or(Error::from_errno(EINVAL))
}

/// Makes `signal` do what `action` says.
pub fn apply(signal: Signal, action: SignalAction) -> Result<(), Error> {
    let signal = number(signal)?;
    match action {
        SignalAction::Default => signal::set_default(signal),
        SignalAction::Ignore => signal::ignore(signal),
        SignalAction::Catch => signal::set_handler(signal, record),
    }
}

/// What an interactive shell does with `signal` when no trap says otherwise: it catches SIGINT (which abandons the
/// running command) and ignores the other job-control signals; `None` for every other signal.
pub fn interactive_action(signal: Signal) -> Option<SignalAction> {
    let signal = number(signal).ok()?;
    match signal {
        SIGINT => Some(SignalAction::Catch),
        _ if JOB_CONTROL.contains(&signal) => Some(SignalAction::Ignore),
        _ => None,
    }
}

/// Sets the job-control signals up for an interactive shell.
pub fn set_aside_job_control() {
    for signal in JOB_CONTROL {
        if let Some(action) = interactive_action(signal as Signal) {
            let _ = apply(signal as Signal, action);
        }
    }
}

/// Gives the job-control signals their default actions back (in a child of an interactive shell).
pub fn restore_job_control() {
    for signal in JOB_CONTROL {
        let _ = signal::set_default(signal);
    }
}

/// The lowest-numbered caught signal not yet collected, if any.
pub fn take_caught() -> Option<Signal> {
    loop {
        let pending = CAUGHT.load(Ordering::SeqCst);
        if pending == 0 {
            return None;
        }
        let signal = pending.trailing_zeros();
        let rest = pending & !(1 << signal);
        if CAUGHT.compare_exchange(pending, rest, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
            return Some(signal as Signal);
        }
    }
}

/// Drops the caught signals not yet collected (a new child process has nothing to report).
pub fn forget_caught() {
    CAUGHT.store(0, Ordering::SeqCst);
}
