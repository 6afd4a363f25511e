//! Signal system calls: kill, sigaction, sigprocmask and sigreturn.

use alloc::vec::Vec;

use cairn_abi::signal::{
    SIG_BLOCK, SIG_DFL, SIG_IGN, SIG_SETMASK, SIG_UNBLOCK, SIGKILL, SIGNAL_MAX, SIGSTOP, SigAction,
};
use cairn_abi::{Error, Result, error};

use super::{Outcome, user};
use crate::arch::trap::TrapFrame;
use crate::task::signal::{UNBLOCKABLE, send_from_user, sigreturn as restore_frame};
use crate::task::{self, Pid, ProcessState};
use crate::vm::USER_END;

fn errno(code: i32) -> Error {
    Error::new(code)
}

pub fn kill(pid: isize, sig: usize) -> Result<usize> {
    if sig > SIGNAL_MAX {
        return Err(errno(error::EINVAL));
    }
    task::with(|tasks| {
        let me = tasks.current_pid();
        let (my_uid, my_group) = {
            let process = tasks.current_process();
            (process.uid, process.pgid)
        };
        let targets: Vec<Pid> = tasks
            .processes
            .values()
            .filter(|p| !matches!(p.state, ProcessState::Zombie { .. }))
            .filter(|p| match pid {
                0 => p.pgid == my_group,
                -1 => p.pid != task::INIT_PID && p.pid != me,
                n if n > 0 => p.pid.0 as isize == n,
                n => p.pgid.0 as isize == -n,
            })
            .map(|p| p.pid)
            .collect();
        if targets.is_empty() {
            return Err(errno(error::ESRCH));
        }
        let allowed: Vec<Pid> =
            targets.into_iter().filter(|p| my_uid == 0 || tasks.processes[p].uid == my_uid).collect();
        if allowed.is_empty() {
            return Err(errno(error::EPERM));
        }
        for target in allowed {
            send_from_user(tasks, target, sig);
        }
        Ok(0)
    })
}

pub fn sigaction(sig: usize, new: usize, old: usize) -> Result<usize> {
    if sig == 0 || sig > SIGNAL_MAX {
        return Err(errno(error::EINVAL));
    }
    let action: Option<SigAction> = if new != 0 {
        if sig == SIGKILL || sig == SIGSTOP {
            return Err(errno(error::EINVAL));
        }
        let action: SigAction = user::read_value(new)?;
        let handler_ok = matches!(action.handler, SIG_DFL | SIG_IGN) || (action.handler as u64) < USER_END;
        if !handler_ok || (action.handler > SIG_IGN && action.restorer as u64 >= USER_END) {
            return Err(errno(error::EINVAL));
        }
        Some(action)
    } else {
        None
    };
    let previous = task::with(|tasks| {
        let process = tasks.current_process();
        let previous = process.actions[sig];
        if let Some(action) = action {
            process.actions[sig] = SigAction { mask: action.mask & !UNBLOCKABLE, ..action };
        }
        previous
    });
    if old != 0 {
        user::write_value(old, &previous)?;
    }
    Ok(0)
}

pub fn sigprocmask(how: usize, set: usize, old: usize) -> Result<usize> {
    let change: Option<u64> = if set != 0 { Some(user::read_value(set)?) } else { None };
    let previous = task::with(|tasks| -> Result<u64> {
        let thread = tasks.current_thread();
        let previous = thread.signal_mask;
        if let Some(change) = change {
            thread.signal_mask = match how {
                SIG_BLOCK => previous | change,
                SIG_UNBLOCK => previous & !change,
                SIG_SETMASK => change,
                _ => return Err(errno(error::EINVAL)),
            } & !UNBLOCKABLE;
        }
        Ok(previous)
    })?;
    if old != 0 {
        user::write_value(old, &previous)?;
    }
    Ok(0)
}

pub fn sigreturn(frame: &mut TrapFrame) -> Outcome {
    task::with(|tasks| restore_frame(tasks, frame));
    Outcome::FrameReplaced
}
