//! Builtins that change the flow of execution: `break`, `continue`, `return`, `exit`, `exec`, `eval` and `.`.

use alloc::string::String;

use crate::interp::{DEFAULT_PATH, Interrupt, Shell, Status};
use crate::os::{FileKind, OpenMode, Os, OsError, ProcessGroup, SpawnRequest};
use crate::simple::Lookup;

/// An exit status argument, taken modulo 256 like the system does.
fn parse_status(text: &str) -> Option<i32> {
    text.parse::<i64>().ok().map(|number| (number & 0xff) as i32)
}

impl<O: Os> Shell<O> {
    /// `break [n]` and `continue [n]`.
    pub(super) fn builtin_break(&mut self, args: &[String], is_break: bool) -> Status {
        let name = if is_break { "break" } else { "continue" };
        let levels = match args {
            [] => 1,
            [count] => match count.parse::<usize>() {
                Ok(levels) if levels >= 1 => levels,
                _ => {
                    self.report(format_args!("{name}: {count}: loop count out of range"));
                    return Ok(1);
                }
            },
            _ => return Ok(self.usage_error(name, format_args!("too many arguments"))),
        };
        if self.state.loop_depth == 0 {
            self.report(format_args!("{name}: only meaningful in a `for', `while', or `until' loop"));
            return Ok(0);
        }
        let levels = levels.min(self.state.loop_depth);
        Err(if is_break { Interrupt::Break(levels) } else { Interrupt::Continue(levels) })
    }

    /// `return [n]`.
    pub(super) fn builtin_return(&mut self, args: &[String]) -> Status {
        if self.state.function_depth == 0 && self.state.source_depth == 0 {
            return Ok(self.usage_error("return", format_args!("can only `return' from a function or sourced script")));
        }
        match args {
            [] => Err(Interrupt::Return(self.state.last_status)),
            [value] => match parse_status(value) {
                Some(status) => Err(Interrupt::Return(status)),
                None => Ok(self.usage_error("return", format_args!("{value}: numeric argument required"))),
            },
            _ => Ok(self.usage_error("return", format_args!("too many arguments"))),
        }
    }

    /// `exit [n]`.
    pub(super) fn builtin_exit(&mut self, args: &[String]) -> Status {
        match args {
            [] => Err(Interrupt::Exit(self.state.last_status)),
            [value] => match parse_status(value) {
                Some(status) => Err(Interrupt::Exit(status)),
                None => {
                    self.report(format_args!("exit: {value}: numeric argument required"));
                    Err(Interrupt::Exit(2))
                }
            },
            _ => Ok(self.usage_error("exit", format_args!("too many arguments"))),
        }
    }

    /// `exec command args...`: replaces the shell with a program (redirections alone are handled by the caller).
    pub(super) fn builtin_exec(&mut self, args: &[String]) -> Status {
        let Some(name) = args.first() else { return Ok(0) };
        let status = match self.find_program(name, None) {
            Lookup::Program(path) => {
                let env = self.state.vars.environment();
                let fds = self.fd_mappings();
                let request =
                    SpawnRequest { path: &path, argv: args, env: &env, fds: &fds, group: ProcessGroup::Inherit };
                match self.os.exec(&request) {
                    Ok(status) => return Err(Interrupt::Exit(status)),
                    Err(error) => {
                        self.report(format_args!("exec: {path}: {error}"));
                        if error == OsError::NotFound { 127 } else { 126 }
                    }
                }
            }
            Lookup::Failed(error) => {
                self.report(format_args!("exec: {error}"));
                error.status()
            }
            Lookup::Builtin(_) | Lookup::Function(_) => 127,
        };
        if self.state.interactive { Ok(status) } else { Err(Interrupt::Exit(status)) }
    }

    /// `eval args...`: runs the arguments joined by spaces as commands.
    pub(super) fn builtin_eval(&mut self, args: &[String]) -> Status {
        let source = args.join(" ");
        self.enter_call("eval")?;
        let result = self.run_source(&source);
        self.leave_call();
        result
    }

    /// `. file [args...]` and `source`: runs the commands of a file in this shell.
    pub(super) fn builtin_dot(&mut self, args: &[String]) -> Status {
        let Some(name) = args.first() else {
            return Ok(self.usage_error(".", format_args!("filename argument required")));
        };
        let path = self.find_sourced_file(name);
        let text = match self.os.open(&path, OpenMode::Read) {
            Ok(fd) => {
                let data = self.read_to_end(fd);
                let _ = self.os.close(fd);
                String::from_utf8_lossy(&data).into_owned()
            }
            Err(error) => {
                self.report(format_args!(".: {name}: {error}"));
                return Ok(1);
            }
        };
        self.enter_call(".")?;
        let saved_positional =
            (args.len() > 1).then(|| core::mem::replace(&mut self.state.positional, args[1..].to_vec()));
        self.state.source_depth += 1;
        let result = self.run_source(&text);
        self.state.source_depth -= 1;
        if let Some(positional) = saved_positional {
            self.state.positional = positional;
        }
        self.leave_call();
        match result {
            Err(Interrupt::Return(status)) => Ok(status),
            other => other,
        }
    }

    /// A file for `.`: a name with `/` as is, otherwise the first readable file in `PATH`, then the name itself.
    fn find_sourced_file(&mut self, name: &str) -> String {
        if name.contains('/') {
            return String::from(name);
        }
        let path = String::from(self.state.vars.get("PATH").unwrap_or(DEFAULT_PATH));
        for directory in path.split(':').filter(|directory| !directory.is_empty()) {
            let candidate = alloc::format!("{}/{name}", directory.trim_end_matches('/'));
            if self.os.stat(&candidate).is_ok_and(|status| status.kind == FileKind::Regular && status.readable) {
                return candidate;
            }
        }
        String::from(name)
    }
}
