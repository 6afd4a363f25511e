//! Signal actions: Linux's `struct k_sigaction` (what `rt_sigaction`
//! takes) and Cairn's `SigAction`. Numbers and masks are the same on both
//! (bit `n - 1` for signal `n`); the flags differ.

use cairn_abi::error;
use cairn_abi::signal::{SA_RESETHAND, SigAction};

/// Linux `sa_flags` bits.
pub const SA_NOCLDSTOP: u64 = 1;
pub const SA_SIGINFO: u64 = 4;
pub const SA_RESTORER: u64 = 0x0400_0000;
pub const SA_ONSTACK: u64 = 0x0800_0000;
pub const SA_RESTART: u64 = 0x1000_0000;
pub const SA_NODEFER: u64 = 0x4000_0000;
pub const SA_RESETHAND_LINUX: u64 = 0x8000_0000;

/// Linux's `struct k_sigaction` for `rt_sigaction` on x86-64.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct KSigAction {
    pub handler: usize,
    pub flags: u64,
    pub restorer: usize,
    pub mask: u64,
}

/// Translates a Linux action to Cairn's, with `restorer` (the shim's own
/// trampoline into Cairn's `sigreturn`) in place of Linux's.
///
/// Cairn calls a handler with the signal number only, so `SA_SIGINFO`
/// handlers (which read a `siginfo_t` and a `ucontext_t`) are refused with
/// `EINVAL`, as are `SA_ONSTACK` (no `sigaltstack` yet) and `SA_NODEFER`.
/// `SA_RESTART` is accepted: Cairn ends an interrupted call with `EINTR`
/// when a handler ran, which callers built for `SA_RESTART` do not expect
/// only for slow calls (docs/PORTING.md lists it).
pub fn action_to_cairn(action: &KSigAction, restorer: usize) -> Result<SigAction, i32> {
    if action.flags & (SA_SIGINFO | SA_ONSTACK | SA_NODEFER) != 0 {
        return Err(error::EINVAL);
    }
    let known = SA_NOCLDSTOP | SA_RESTORER | SA_RESTART | SA_RESETHAND_LINUX;
    if action.flags & !known != 0 {
        return Err(error::EINVAL);
    }
    let flags = if action.flags & SA_RESETHAND_LINUX != 0 { SA_RESETHAND } else { 0 };
    Ok(SigAction { handler: action.handler, mask: action.mask, flags, restorer })
}

/// Translates Cairn's action back (for `rt_sigaction`'s old action).
pub fn action_to_linux(action: &SigAction) -> KSigAction {
    let mut flags = SA_RESTORER;
    if action.flags & SA_RESETHAND != 0 {
        flags |= SA_RESETHAND_LINUX;
    }
    KSigAction { handler: action.handler, flags, restorer: action.restorer, mask: action.mask }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_handlers_translate() {
        let linux = KSigAction { handler: 0x1234, flags: SA_RESTORER | SA_RESTART, restorer: 0x99, mask: 1 << 9 };
        let cairn = action_to_cairn(&linux, 0x5678).unwrap();
        assert_eq!(cairn, SigAction { handler: 0x1234, mask: 1 << 9, flags: 0, restorer: 0x5678 });
        let linux = KSigAction { flags: SA_RESETHAND_LINUX, ..linux };
        assert_eq!(action_to_cairn(&linux, 1).unwrap().flags, SA_RESETHAND);
        let back = action_to_linux(&action_to_cairn(&linux, 1).unwrap());
        assert_eq!(back.flags & SA_RESETHAND_LINUX, SA_RESETHAND_LINUX);
        assert_eq!(back.handler, 0x1234);
    }

    #[test]
    fn unsupported_flags_are_refused() {
        for flags in [SA_SIGINFO, SA_ONSTACK, SA_NODEFER, 0x20] {
            let linux = KSigAction { handler: 0x1234, flags, restorer: 0, mask: 0 };
            assert_eq!(action_to_cairn(&linux, 1), Err(error::EINVAL), "{flags:#x}");
        }
    }
}
