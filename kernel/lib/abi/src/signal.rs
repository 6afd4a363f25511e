//! Signals: numbers (POSIX values as on Linux and Redox), the handler
//! structure, and `sigprocmask` operations.

pub const SIGHUP: usize = 1;
pub const SIGINT: usize = 2;
pub const SIGQUIT: usize = 3;
pub const SIGILL: usize = 4;
pub const SIGTRAP: usize = 5;
pub const SIGABRT: usize = 6;
pub const SIGBUS: usize = 7;
pub const SIGFPE: usize = 8;
pub const SIGKILL: usize = 9;
pub const SIGUSR1: usize = 10;
pub const SIGSEGV: usize = 11;
pub const SIGUSR2: usize = 12;
pub const SIGPIPE: usize = 13;
pub const SIGALRM: usize = 14;
pub const SIGTERM: usize = 15;
pub const SIGCHLD: usize = syscall::flag::SIGCHLD;
pub const SIGCONT: usize = 18;
pub const SIGSTOP: usize = 19;
pub const SIGTSTP: usize = syscall::flag::SIGTSTP;
pub const SIGTTIN: usize = syscall::flag::SIGTTIN;
pub const SIGTTOU: usize = syscall::flag::SIGTTOU;
/// Highest signal number.
pub const SIGNAL_MAX: usize = 31;

/// `sigprocmask` operations.
pub const SIG_BLOCK: usize = 0;
pub const SIG_UNBLOCK: usize = 1;
pub const SIG_SETMASK: usize = 2;

/// `SigAction::handler` values that are not addresses.
pub const SIG_DFL: usize = 0;
pub const SIG_IGN: usize = 1;

/// How a process handles one signal.
///
/// When a handler runs, the kernel pushes a [`SignalFrame`] on the user
/// stack (below the red zone), blocks `mask` plus the signal itself, and
/// calls `handler(signal)` with the return address set to `restorer`, which
/// must invoke `sigreturn`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct SigAction {
    pub handler: usize,
    pub mask: u64,
    pub flags: usize,
    pub restorer: usize,
}

/// `SigAction::flags`: restore the default action after one delivery.
pub const SA_RESETHAND: usize = 1;

/// Bit of `signal` in a mask.
pub const fn bit(signal: usize) -> u64 {
    1 << (signal - 1)
}

/// Default action of a signal without a handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultAction {
    Terminate,
    /// Terminate (a core dump on other systems).
    Core,
    Ignore,
    Stop,
    Continue,
}

/// The POSIX default action of `signal`.
pub const fn default_action(signal: usize) -> DefaultAction {
    match signal {
        SIGCHLD => DefaultAction::Ignore,
        SIGCONT => DefaultAction::Continue,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV => DefaultAction::Core,
        _ => DefaultAction::Terminate,
    }
}

/// Register state saved on the user stack while a handler runs; restored
/// by `sigreturn`.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct SignalFrame {
    pub rax: u64,
    pub rbx: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    pub rbp: u64,
    pub rsp: u64,
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rip: u64,
    pub rflags: u64,
    /// Signal mask to restore.
    pub mask: u64,
    pub signal: u64,
}
