//! `trap`: commands run on `EXIT` or when a signal arrives, and signals to ignore.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::interp::Shell;
use crate::os::{Os, Signal, SignalAction};
use crate::quote::quote;
use crate::signal;

/// The signal number of a trap condition (`EXIT` and `0` are 0).
fn condition(text: &str) -> Option<Signal> {
    match text {
        "EXIT" | "exit" | "0" => Some(0),
        _ => signal::from_name(text),
    }
}

/// How `trap` names a condition.
fn condition_name(signal: Signal) -> String {
    if signal == 0 {
        return String::from("EXIT");
    }
    signal::name(signal).map_or_else(|| format!("{signal}"), String::from)
}

impl<O: Os> Shell<O> {
    /// `trap [action condition...]`, `trap - condition...`, `trap -p`, `trap -l`.
    pub(super) fn builtin_trap(&mut self, args: &[String]) -> i32 {
        let (action, conditions): (Option<&str>, &[String]) = match args {
            [] => return self.list_traps(),
            [flag] if flag == "-p" => return self.list_traps(),
            [flag] if flag == "-l" => {
                let names: Vec<&str> = signal::NAMES.iter().map(|(name, _)| *name).collect();
                return self.print(&format!("{}\n", names.join(" ")));
            }
            [single] => (None, core::slice::from_ref(single)),
            [action, conditions @ ..] if action == "-" => (None, conditions),
            [action, conditions @ ..] => (Some(action.as_str()), conditions),
        };
        let mut status = 0;
        for text in conditions {
            let Some(signal) = condition(text) else {
                self.report(format_args!("trap: {text}: invalid signal specification"));
                status = 1;
                continue;
            };
            let os_action = match action {
                None => SignalAction::Default,
                Some("") => SignalAction::Ignore,
                Some(_) => SignalAction::Catch,
            };
            if signal != 0
                && let Err(error) = self.os.set_signal_action(signal, os_action)
            {
                self.report(format_args!("trap: {text}: {error}"));
                status = 1;
                continue;
            }
            match action {
                Some(action) => {
                    self.state.traps.insert(signal, String::from(action));
                }
                None => {
                    self.state.traps.remove(&signal);
                }
            }
        }
        status
    }

    fn list_traps(&mut self) -> i32 {
        let mut listing = String::new();
        for (signal, action) in &self.state.traps {
            listing.push_str(&format!("trap -- {} {}\n", quote(action), condition_name(*signal)));
        }
        self.print(&listing)
    }
}
