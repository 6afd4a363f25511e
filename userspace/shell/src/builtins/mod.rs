//! The builtin commands: their names, which are special, and dispatch to the modules implementing them.

mod control;
mod dirs;
mod echo;
mod getopts;
mod jobs;
mod lookup;
mod printf;
mod read;
mod test;
mod trap;
mod ulimit;
mod umask;
mod variables;

use alloc::string::String;

use crate::interp::{Shell, Status};
use crate::os::Os;

/// Every builtin command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    Alias,
    Bg,
    Break,
    Cd,
    Colon,
    Command,
    Continue,
    Dot,
    Echo,
    Eval,
    Exec,
    Exit,
    Export,
    False,
    Fg,
    Getopts,
    Jobs,
    Kill,
    Local,
    Printf,
    Pwd,
    Read,
    Readonly,
    Return,
    Set,
    Shift,
    Test,
    Trap,
    True,
    Type,
    Ulimit,
    Umask,
    Unalias,
    Unset,
    Wait,
}

/// Builtin names; `source` and `[` are second names.
const NAMES: [(&str, Builtin); 37] = [
    (":", Builtin::Colon),
    (".", Builtin::Dot),
    ("[", Builtin::Test),
    ("alias", Builtin::Alias),
    ("bg", Builtin::Bg),
    ("break", Builtin::Break),
    ("cd", Builtin::Cd),
    ("command", Builtin::Command),
    ("continue", Builtin::Continue),
    ("echo", Builtin::Echo),
    ("eval", Builtin::Eval),
    ("exec", Builtin::Exec),
    ("exit", Builtin::Exit),
    ("export", Builtin::Export),
    ("false", Builtin::False),
    ("fg", Builtin::Fg),
    ("getopts", Builtin::Getopts),
    ("jobs", Builtin::Jobs),
    ("kill", Builtin::Kill),
    ("local", Builtin::Local),
    ("printf", Builtin::Printf),
    ("pwd", Builtin::Pwd),
    ("read", Builtin::Read),
    ("readonly", Builtin::Readonly),
    ("return", Builtin::Return),
    ("set", Builtin::Set),
    ("shift", Builtin::Shift),
    ("source", Builtin::Dot),
    ("test", Builtin::Test),
    ("trap", Builtin::Trap),
    ("true", Builtin::True),
    ("type", Builtin::Type),
    ("ulimit", Builtin::Ulimit),
    ("umask", Builtin::Umask),
    ("unalias", Builtin::Unalias),
    ("unset", Builtin::Unset),
    ("wait", Builtin::Wait),
];

impl Builtin {
    pub fn from_name(name: &str) -> Option<Builtin> {
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, builtin)| *builtin)
    }

    /// Every builtin name (for completion).
    pub fn names() -> impl Iterator<Item = &'static str> {
        NAMES.iter().map(|(name, _)| *name)
    }

    /// POSIX special builtins: found before functions, and their prefix assignments stay.
    pub fn is_special(self) -> bool {
        matches!(
            self,
            Builtin::Break
                | Builtin::Colon
                | Builtin::Continue
                | Builtin::Dot
                | Builtin::Eval
                | Builtin::Exec
                | Builtin::Exit
                | Builtin::Export
                | Builtin::Readonly
                | Builtin::Return
                | Builtin::Set
                | Builtin::Shift
                | Builtin::Trap
                | Builtin::Unset
        )
    }
}

impl<O: Os> Shell<O> {
    /// Runs a builtin with its arguments (`argv[0]` is the name it was called by).
    pub(crate) fn run_builtin(&mut self, builtin: Builtin, argv: &[String]) -> Status {
        let args = &argv[1..];
        match builtin {
            Builtin::Alias => Ok(self.builtin_alias(args)),
            Builtin::Bg => Ok(self.builtin_bg(args)),
            Builtin::Break => self.builtin_break(args, true),
            Builtin::Cd => Ok(self.builtin_cd(args)),
            Builtin::Colon | Builtin::True => Ok(0),
            Builtin::Command => self.builtin_command(args),
            Builtin::Continue => self.builtin_break(args, false),
            Builtin::Dot => self.builtin_dot(args),
            Builtin::Echo => Ok(self.builtin_echo(args)),
            Builtin::Eval => self.builtin_eval(args),
            Builtin::Exec => self.builtin_exec(args),
            Builtin::Exit => self.builtin_exit(args),
            Builtin::Export => Ok(self.builtin_export(args)),
            Builtin::False => Ok(1),
            Builtin::Fg => Ok(self.builtin_fg(args)),
            Builtin::Getopts => Ok(self.builtin_getopts(args)),
            Builtin::Jobs => Ok(self.builtin_jobs(args)),
            Builtin::Kill => Ok(self.builtin_kill(args)),
            Builtin::Local => Ok(self.builtin_local(args)),
            Builtin::Printf => Ok(self.builtin_printf(args)),
            Builtin::Pwd => Ok(self.builtin_pwd(args)),
            Builtin::Read => Ok(self.builtin_read(args)),
            Builtin::Readonly => Ok(self.builtin_readonly(args)),
            Builtin::Return => self.builtin_return(args),
            Builtin::Set => Ok(self.builtin_set(args)),
            Builtin::Shift => Ok(self.builtin_shift(args)),
            Builtin::Test => Ok(self.builtin_test(&argv[0], args)),
            Builtin::Trap => Ok(self.builtin_trap(args)),
            Builtin::Type => Ok(self.builtin_type(args)),
            Builtin::Ulimit => Ok(self.builtin_ulimit(args)),
            Builtin::Umask => Ok(self.builtin_umask(args)),
            Builtin::Unalias => Ok(self.builtin_unalias(args)),
            Builtin::Unset => Ok(self.builtin_unset(args)),
            Builtin::Wait => Ok(self.builtin_wait(args)),
        }
    }

    /// Reports a usage error of a builtin; returns status 2.
    pub(crate) fn usage_error(&mut self, builtin: &str, message: core::fmt::Arguments<'_>) -> i32 {
        self.report(format_args!("{builtin}: {message}"));
        2
    }
}
