//! Builtins about command names: `type`, `command`, `alias` and `unalias`.

use alloc::format;
use alloc::string::String;

use crate::interp::{Shell, Status};
use crate::os::Os;
use crate::parser::KEYWORDS;
use crate::quote::quote;
use crate::simple::Lookup;

impl<O: Os> Shell<O> {
    /// How `type` describes a name, or `None` when it names nothing.
    fn describe_command(&mut self, name: &str) -> Option<String> {
        if let Some(value) = self.state.aliases.get(name) {
            return Some(format!("{name} is aliased to `{value}'"));
        }
        if KEYWORDS.contains(&name) {
            return Some(format!("{name} is a shell keyword"));
        }
        match self.lookup(name, true, None) {
            Lookup::Builtin(builtin) if builtin.is_special() => Some(format!("{name} is a special shell builtin")),
            Lookup::Builtin(_) => Some(format!("{name} is a shell builtin")),
            Lookup::Function(_) => Some(format!("{name} is a function")),
            Lookup::Program(path) => Some(format!("{name} is {path}")),
            Lookup::Failed(_) => None,
        }
    }

    /// `type name...`.
    pub(super) fn builtin_type(&mut self, args: &[String]) -> i32 {
        let mut status = 0;
        for name in args {
            match self.describe_command(name) {
                Some(description) => status |= self.print(&format!("{description}\n")),
                None => {
                    self.report(format_args!("type: {name}: not found"));
                    status = 1;
                }
            }
        }
        status
    }

    /// `command [-v|-V] name [args...]`: describes a name, or runs it without looking up functions.
    pub(super) fn builtin_command(&mut self, args: &[String]) -> Status {
        let args = match args.first().map(String::as_str) {
            Some("-p") => &args[1..],
            _ => args,
        };
        match args.first().map(String::as_str) {
            Some("-v") => return Ok(self.command_v(&args[1..])),
            Some("-V") => return Ok(self.builtin_type(&args[1..])),
            _ => {}
        }
        let Some(name) = args.first() else { return Ok(0) };
        match self.lookup(name, false, None) {
            Lookup::Builtin(builtin) => self.run_builtin(builtin, args),
            Lookup::Program(path) => {
                let env = self.state.vars.environment();
                let text = args.join(" ");
                Ok(self.run_program(&path, args, &env, false, &text))
            }
            Lookup::Function(_) => Ok(0),
            Lookup::Failed(error) => {
                self.report(format_args!("{error}"));
                Ok(error.status())
            }
        }
    }

    /// `command -v name...`: how each name would be run, as something the shell can read back.
    fn command_v(&mut self, names: &[String]) -> i32 {
        let mut status = 0;
        for name in names {
            let line = if let Some(value) = self.state.aliases.get(name) {
                Some(format!("alias {name}={}", quote(value)))
            } else if KEYWORDS.contains(&name.as_str()) {
                Some(name.clone())
            } else {
                match self.lookup(name, true, None) {
                    Lookup::Builtin(_) | Lookup::Function(_) => Some(name.clone()),
                    Lookup::Program(path) => Some(path),
                    Lookup::Failed(_) => None,
                }
            };
            match line {
                Some(line) => status |= self.print(&format!("{line}\n")),
                None => status = 1,
            }
        }
        status
    }

    /// `alias [name[=value]...]`.
    pub(super) fn builtin_alias(&mut self, args: &[String]) -> i32 {
        if args.is_empty() {
            let mut listing = String::new();
            for (name, value) in &self.state.aliases {
                listing.push_str(&format!("alias {name}={}\n", quote(value)));
            }
            return self.print(&listing);
        }
        let mut status = 0;
        for arg in args {
            if let Some((name, value)) = arg.split_once('=') {
                self.state.aliases.insert(String::from(name), String::from(value));
            } else if let Some(value) = self.state.aliases.get(arg) {
                let line = format!("alias {arg}={}\n", quote(value));
                status |= self.print(&line);
            } else {
                self.report(format_args!("alias: {arg}: not found"));
                status = 1;
            }
        }
        status
    }

    /// `unalias [-a] name...`.
    pub(super) fn builtin_unalias(&mut self, args: &[String]) -> i32 {
        if args.first().is_some_and(|arg| arg == "-a") {
            self.state.aliases.clear();
            return 0;
        }
        let mut status = 0;
        for name in args {
            if self.state.aliases.remove(name).is_none() {
                self.report(format_args!("unalias: {name}: not found"));
                status = 1;
            }
        }
        status
    }
}
