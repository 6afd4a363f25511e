//! Simple commands: finding what a name refers to (builtin, function or program in `PATH`), assignments
//! (permanent or just for one command), `set -x` tracing, and running the command.

use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::ast::{FunctionDefinition, SimpleCommand};
use crate::builtins::Builtin;
use crate::interp::{DEFAULT_PATH, Interrupt, Shell, Status};
use crate::options::ShellOption;
use crate::os::{FileKind, Os, OsError};
use crate::quote::quote;

/// How a command was found.
pub(crate) enum Lookup {
    Builtin(Builtin),
    Function(Rc<FunctionDefinition>),
    Program(String),
    Failed(LookupError),
}

/// Why a command cannot be run.
pub(crate) enum LookupError {
    NotFound(String),
    Unusable(String, OsError),
}

impl LookupError {
    /// 127 for commands that do not exist, 126 for those that cannot be executed.
    pub(crate) fn status(&self) -> i32 {
        match self {
            LookupError::NotFound(_) | LookupError::Unusable(_, OsError::NotFound) => 127,
            LookupError::Unusable(..) => 126,
        }
    }
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::NotFound(name) => write!(f, "{name}: not found"),
            LookupError::Unusable(path, error) => write!(f, "{path}: {error}"),
        }
    }
}

impl<O: Os> Shell<O> {
    /// Finds what a command name refers to: special builtin, function, builtin, then program in `search_path`
    /// (by default `PATH`).
    pub(crate) fn lookup(&mut self, name: &str, with_functions: bool, search_path: Option<&str>) -> Lookup {
        let builtin = Builtin::from_name(name);
        if let Some(builtin) = builtin.filter(|builtin| builtin.is_special()) {
            return Lookup::Builtin(builtin);
        }
        if with_functions && let Some(function) = self.state.functions.get(name) {
            return Lookup::Function(function.clone());
        }
        if let Some(builtin) = builtin {
            return Lookup::Builtin(builtin);
        }
        self.find_program(name, search_path)
    }

    /// Finds an external program: a name with `/` as is, otherwise the first executable file in `search_path`
    /// (by default `PATH`).
    pub(crate) fn find_program(&mut self, name: &str, search_path: Option<&str>) -> Lookup {
        if name.contains('/') {
            return match self.os.stat(name) {
                Ok(status) if status.kind == FileKind::Directory => {
                    Lookup::Failed(LookupError::Unusable(String::from(name), OsError::IsADirectory))
                }
                Ok(status) if !status.executable => {
                    Lookup::Failed(LookupError::Unusable(String::from(name), OsError::PermissionDenied))
                }
                Ok(_) => Lookup::Program(String::from(name)),
                Err(error) => Lookup::Failed(LookupError::Unusable(String::from(name), error)),
            };
        }
        let path = String::from(search_path.or(self.state.vars.get("PATH")).unwrap_or(DEFAULT_PATH));
        let mut denied = None;
        for directory in path.split(':') {
            let candidate = match directory {
                "" | "." => String::from(name),
                _ if directory.ends_with('/') => format!("{directory}{name}"),
                _ => format!("{directory}/{name}"),
            };
            match self.os.stat(&candidate) {
                Ok(status) if status.kind == FileKind::Regular && status.executable => {
                    return Lookup::Program(candidate);
                }
                Ok(status) if status.kind == FileKind::Regular => {
                    denied.get_or_insert(candidate);
                }
                _ => {}
            }
        }
        match denied {
            Some(path) => Lookup::Failed(LookupError::Unusable(path, OsError::PermissionDenied)),
            None => Lookup::Failed(LookupError::NotFound(String::from(name))),
        }
    }

    /// Runs a simple command: expansion, assignments, redirections, then the builtin, function or program.
    pub(crate) fn run_simple(&mut self, command: &SimpleCommand, last_in_process: bool, text: &str) -> Status {
        self.state.substitution_status = None;
        let argv = self.expand_words(&command.words)?;
        if argv.is_empty() {
            return self.run_assignments(command);
        }
        let mut assignments = Vec::with_capacity(command.assignments.len());
        for assignment in &command.assignments {
            let value = self.expand_string(&assignment.value)?;
            assignments.push((assignment.name.clone(), value));
        }
        self.trace(&assignments, &argv);
        let name = &argv[0];
        let search_path = assignments.iter().rev().find(|(name, _)| name == "PATH").map(|(_, path)| path.clone());
        match self.lookup(name, true, search_path.as_deref()) {
            Lookup::Builtin(Builtin::Exec) if argv.len() == 1 => self.redirect_permanently(&command.redirects),
            Lookup::Builtin(builtin) if builtin.is_special() => {
                self.assign_all(&assignments)?;
                self.with_redirects(&command.redirects, |shell| shell.run_builtin(builtin, &argv))
            }
            Lookup::Builtin(builtin) => self.with_temporary_assignments(assignments, |shell| {
                shell.with_redirects(&command.redirects, |shell| shell.run_builtin(builtin, &argv))
            }),
            Lookup::Function(function) => self.with_temporary_assignments(assignments, |shell| {
                shell.with_redirects(&command.redirects, |shell| shell.call_function(&function, &argv))
            }),
            Lookup::Program(path) => {
                let env = self.environment_with(&assignments);
                self.with_redirects(&command.redirects, |shell| {
                    Ok(shell.run_program(&path, &argv, &env, last_in_process, text))
                })
            }
            Lookup::Failed(error) => self.with_redirects(&command.redirects, |shell| {
                shell.report(format_args!("{error}"));
                Ok(error.status())
            }),
        }
    }

    /// A command of assignments (and redirections) only, each assignment seeing the ones before it; its status is
    /// that of its last command substitution.
    fn run_assignments(&mut self, command: &SimpleCommand) -> Status {
        for assignment in &command.assignments {
            let value = self.expand_string(&assignment.value)?;
            let assigned = [(assignment.name.clone(), value)];
            self.trace(&assigned, &[]);
            self.assign_all(&assigned)?;
        }
        let status = self.state.substitution_status.unwrap_or(0);
        self.with_redirects(&command.redirects, |_| Ok(status))
    }

    /// Makes assignments that stay; assigning a read-only variable abandons the command (and a non-interactive
    /// shell exits).
    fn assign_all(&mut self, assignments: &[(String, String)]) -> Result<(), Interrupt> {
        for (name, value) in assignments {
            if let Err(error) = self.assign(name, value.clone()) {
                return Err(Interrupt::Fatal(self.report_variable_error(&error)));
            }
        }
        Ok(())
    }

    /// Runs `run` with the assignments in effect (and exported) only for its duration.
    fn with_temporary_assignments(
        &mut self,
        assignments: Vec<(String, String)>,
        run: impl FnOnce(&mut Self) -> Status,
    ) -> Status {
        if assignments.is_empty() {
            return run(self);
        }
        self.state.vars.push_frame();
        let mut result = Ok(0);
        for (name, value) in assignments {
            let assigned = self.state.vars.make_local(&name).and_then(|_| self.state.vars.set(&name, value));
            if let Err(error) = assigned {
                result = Err(error);
                break;
            }
            self.state.vars.export(&name);
        }
        let status = match result {
            Ok(_) => run(self),
            Err(error) => Ok(self.report_variable_error(&error)),
        };
        self.state.vars.pop_frame();
        status
    }

    /// The environment of a program: the exported variables plus the command's own assignments.
    fn environment_with(&self, assignments: &[(String, String)]) -> Vec<String> {
        let mut env = self.state.vars.environment();
        for (name, value) in assignments {
            let prefix = format!("{name}=");
            env.retain(|entry| !entry.starts_with(&prefix));
            env.push(format!("{prefix}{value}"));
        }
        env
    }

    /// `set -x`: writes the expanded command to standard error.
    fn trace(&mut self, assignments: &[(String, String)], argv: &[String]) {
        if !self.state.options.is_on(ShellOption::XTrace) || (assignments.is_empty() && argv.is_empty()) {
            return;
        }
        let mut line = String::from(self.state.vars.get("PS4").unwrap_or("+ "));
        let words = assignments
            .iter()
            .map(|(name, value)| format!("{name}={}", quote(value)))
            .chain(argv.iter().map(|arg| quote(arg)));
        let words: Vec<String> = words.collect();
        line.push_str(&words.join(" "));
        line.push('\n');
        let _ = self.write_fd(2, line.as_bytes());
    }
}
