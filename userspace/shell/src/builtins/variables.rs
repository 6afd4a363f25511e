//! Builtins that manage variables and parameters: `export`, `readonly`, `unset`, `local`, `set` and `shift`.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::interp::Shell;
use crate::lexer::is_name;
use crate::options::{OPTIONS, ShellOption};
use crate::os::Os;
use crate::quote::quote;
use crate::vars::Variable;

/// Which flag `export` or `readonly` sets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Attribute {
    Export,
    Readonly,
}

impl Attribute {
    fn name(self) -> &'static str {
        match self {
            Attribute::Export => "export",
            Attribute::Readonly => "readonly",
        }
    }

    fn is_on(self, variable: &Variable) -> bool {
        match self {
            Attribute::Export => variable.exported,
            Attribute::Readonly => variable.readonly,
        }
    }
}

impl<O: Os> Shell<O> {
    /// Reports an argument that is not a variable name; returns status 1.
    fn not_an_identifier(&mut self, builtin: &str, arg: &str) -> i32 {
        self.report(format_args!("{builtin}: `{arg}': not a valid identifier"));
        1
    }

    /// `export` and `readonly`: `name[=value]...`, or a listing with no names or `-p`.
    fn set_attribute(&mut self, attribute: Attribute, args: &[String]) -> i32 {
        let names: Vec<&String> = args.iter().filter(|arg| arg.as_str() != "-p").collect();
        if names.is_empty() {
            let mut listing = String::new();
            for (name, variable) in self.state.vars.iter().filter(|(_, variable)| attribute.is_on(variable)) {
                match &variable.value {
                    Some(value) => listing.push_str(&format!("{} {name}={}\n", attribute.name(), quote(value))),
                    None => listing.push_str(&format!("{} {name}\n", attribute.name())),
                }
            }
            return self.print(&listing);
        }
        let mut status = 0;
        for arg in names {
            let (name, value) = match arg.split_once('=') {
                Some((name, value)) => (name, Some(String::from(value))),
                None => (arg.as_str(), None),
            };
            if !is_name(name) {
                status = self.not_an_identifier(attribute.name(), arg);
                continue;
            }
            if let Some(value) = value
                && let Err(error) = self.assign(name, value)
            {
                status = self.report_variable_error(&error);
                continue;
            }
            match attribute {
                Attribute::Export => self.state.vars.export(name),
                Attribute::Readonly => self.state.vars.make_readonly(name),
            }
        }
        status
    }

    pub(super) fn builtin_export(&mut self, args: &[String]) -> i32 {
        self.set_attribute(Attribute::Export, args)
    }

    pub(super) fn builtin_readonly(&mut self, args: &[String]) -> i32 {
        self.set_attribute(Attribute::Readonly, args)
    }

    /// `unset [-f|-v] name...`.
    pub(super) fn builtin_unset(&mut self, args: &[String]) -> i32 {
        let functions = args.first().is_some_and(|arg| arg == "-f");
        let names = args.iter().skip_while(|arg| matches!(arg.as_str(), "-f" | "-v"));
        let mut status = 0;
        for name in names {
            if functions {
                self.state.functions.remove(name);
            } else if let Err(error) = self.state.vars.unset(name) {
                status = self.report_variable_error(&error);
            }
        }
        status
    }

    /// `local name[=value]...`: variables that end with the function.
    pub(super) fn builtin_local(&mut self, args: &[String]) -> i32 {
        if self.state.function_depth == 0 {
            self.report(format_args!("local: can only be used in a function"));
            return 1;
        }
        let mut status = 0;
        for arg in args {
            let (name, value) = match arg.split_once('=') {
                Some((name, value)) => (name, Some(String::from(value))),
                None => (arg.as_str(), None),
            };
            if !is_name(name) {
                status = self.not_an_identifier("local", arg);
                continue;
            }
            let result = self.state.vars.make_local(name).and_then(|_| match value {
                Some(value) => self.state.vars.set(name, value),
                None => Ok(()),
            });
            if let Err(error) = result {
                status = self.report_variable_error(&error);
            }
        }
        status
    }

    /// `set [-+options] [-o name] [--] [args...]`: options and positional parameters; alone, lists variables.
    pub(super) fn builtin_set(&mut self, args: &[String]) -> i32 {
        if args.is_empty() {
            let mut listing = String::new();
            for (name, variable) in self.state.vars.iter() {
                if let Some(value) = &variable.value {
                    listing.push_str(&format!("{name}={}\n", quote(value)));
                }
            }
            return self.print(&listing);
        }
        let mut index = 0;
        while let Some(arg) = args.get(index) {
            let (on, letters) = match arg.split_at_checked(1) {
                Some(("-", "-")) => {
                    index += 1;
                    self.state.positional = args[index..].to_vec();
                    return 0;
                }
                Some(("-", letters)) if !letters.is_empty() => (true, letters),
                Some(("+", letters)) if !letters.is_empty() => (false, letters),
                _ => break,
            };
            if letters == "o" {
                index += 1;
                let Some(name) = args.get(index) else { return self.list_options(on) };
                let Some(option) = ShellOption::from_name(name) else {
                    return self.usage_error("set", format_args!("{name}: invalid option name"));
                };
                self.state.options.set(option, on);
            } else {
                for letter in letters.chars() {
                    let Some(option) = ShellOption::from_letter(letter) else {
                        return self.usage_error("set", format_args!("-{letter}: invalid option"));
                    };
                    self.state.options.set(option, on);
                }
            }
            index += 1;
        }
        if index < args.len() {
            self.state.positional = args[index..].to_vec();
        }
        0
    }

    /// `set -o` (a table) and `set +o` (commands that restore the options).
    fn list_options(&mut self, table: bool) -> i32 {
        let mut listing = String::new();
        for (option, name, _) in OPTIONS {
            let on = self.state.options.is_on(option);
            if table {
                listing.push_str(&format!("{name:<15}{}\n", if on { "on" } else { "off" }));
            } else {
                listing.push_str(&format!("set {}o {name}\n", if on { '-' } else { '+' }));
            }
        }
        self.print(&listing)
    }

    /// `shift [n]`.
    pub(super) fn builtin_shift(&mut self, args: &[String]) -> i32 {
        let count = match args.first().map(|arg| arg.parse::<usize>()) {
            None => 1,
            Some(Ok(count)) => count,
            Some(Err(_)) => return self.usage_error("shift", format_args!("{}: numeric argument required", args[0])),
        };
        if count > self.state.positional.len() {
            self.report(format_args!("shift: shift count out of range"));
            return 1;
        }
        self.state.positional.drain(..count);
        0
    }
}
