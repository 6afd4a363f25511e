//! `cd` and `pwd`: the working directory and the `PWD`/`OLDPWD` variables (logical paths, like other shells).

use alloc::string::String;
use alloc::vec::Vec;

use crate::interp::Shell;
use crate::os::Os;
use cairn_text::path::normalize;

impl<O: Os> Shell<O> {
    /// The logical working directory: `PWD` when it is absolute, otherwise what the system says.
    pub(crate) fn current_directory(&mut self) -> String {
        match self.state.vars.get("PWD") {
            Some(pwd) if pwd.starts_with('/') => String::from(pwd),
            _ => self.os.getcwd().unwrap_or_else(|_| String::from("/")),
        }
    }

    /// `cd [-L|-P] [dir|-]`.
    pub(super) fn builtin_cd(&mut self, args: &[String]) -> i32 {
        let physical = args.iter().take_while(|arg| matches!(arg.as_str(), "-L" | "-P")).any(|arg| arg == "-P");
        let args: Vec<&String> = args.iter().skip_while(|arg| matches!(arg.as_str(), "-L" | "-P")).collect();
        let (target, show) = match args.as_slice() {
            [] => (self.state.vars.get("HOME").map(String::from).ok_or("HOME not set"), false),
            [dash] if dash.as_str() == "-" => {
                (self.state.vars.get("OLDPWD").map(String::from).ok_or("OLDPWD not set"), true)
            }
            [dir] => (Ok(String::from(dir.as_str())), false),
            _ => (Err("too many arguments"), false),
        };
        let target = match target {
            Ok(target) => target,
            Err(message) => {
                self.report(format_args!("cd: {message}"));
                return 1;
            }
        };
        let current = self.current_directory();
        let path =
            if target.starts_with('/') { normalize(&target) } else { normalize(&alloc::format!("{current}/{target}")) };
        if let Err(error) = self.os.chdir(&path) {
            self.report(format_args!("cd: {target}: {error}"));
            return 1;
        }
        let new = if physical { self.os.getcwd().unwrap_or(path) } else { path };
        let assigned = self.assign("OLDPWD", current).and_then(|_| self.assign("PWD", new.clone()));
        if let Err(error) = assigned {
            return self.report_variable_error(&error);
        }
        if show {
            return self.print(&alloc::format!("{new}\n"));
        }
        0
    }

    /// `pwd [-L|-P]`.
    pub(super) fn builtin_pwd(&mut self, args: &[String]) -> i32 {
        let directory = if args.iter().any(|arg| arg == "-P") {
            match self.os.getcwd() {
                Ok(directory) => directory,
                Err(error) => {
                    self.report(format_args!("pwd: {error}"));
                    return 1;
                }
            }
        } else {
            self.current_directory()
        };
        self.print(&alloc::format!("{directory}\n"))
    }
}
