//! `ulimit`: shows or sets the shell's resource limits, which its children inherit, with bash's option letters,
//! units and output. Cairn limits threads (`-u`), open files (`-n`) and address space (`-v`); it has no
//! file-size limit, so `-f` (also what a plain `ulimit` acts on) shows `unlimited` and can only be set to that.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::interp::Shell;
use crate::os::{Os, OsError, Resource, ResourceLimit};

/// One limit `ulimit` knows.
#[derive(Clone, Copy)]
struct Entry {
    option: char,
    description: &'static str,
    /// The unit `-a` names, if the value is not a plain count.
    units: Option<&'static str>,
    /// What the system limits; `None` for the file size, which Cairn does not limit.
    resource: Option<Resource>,
    /// Bytes (or items) per unit of the value `ulimit` shows and takes.
    factor: u64,
}

/// The limits in option order, which is also the order of `ulimit -a`.
const ENTRIES: [Entry; 4] = [
    Entry { option: 'f', description: "file size", units: Some("blocks"), resource: None, factor: 512 },
    Entry { option: 'n', description: "open files", units: None, resource: Some(Resource::Files), factor: 1 },
    Entry { option: 'u', description: "max user processes", units: None, resource: Some(Resource::Threads), factor: 1 },
    Entry {
        option: 'v',
        description: "virtual memory",
        units: Some("kbytes"),
        resource: Some(Resource::AddressSpace),
        factor: 1024,
    },
];

const USAGE: &str = "usage: ulimit [-SHa] [-fnuv] [limit]";

/// Which of the two limits an invocation names (`-S`, `-H`).
#[derive(Clone, Copy, Default)]
struct Mode {
    soft: bool,
    hard: bool,
}

/// What a value for a limit asks for, in the system's units.
enum Wanted {
    Unlimited,
    Value(u64),
    /// The current soft or hard limit (`soft`, `hard`).
    Current {
        hard: bool,
    },
}

impl<O: Os> Shell<O> {
    /// `ulimit [-SHa] [-fnuv [limit]]... [limit]`.
    pub(super) fn builtin_ulimit(&mut self, args: &[String]) -> i32 {
        let mut mode = Mode::default();
        let mut all = false;
        let mut commands: Vec<(Entry, Option<&str>)> = Vec::new();
        let mut index = 0;
        while let Some(arg) = args.get(index) {
            if arg == "--" {
                index += 1;
                break;
            }
            let Some(letters) = arg.strip_prefix('-').filter(|letters| !letters.is_empty()) else { break };
            index += 1;
            for letter in letters.chars() {
                match letter {
                    'S' => mode.soft = true,
                    'H' => mode.hard = true,
                    'a' => all = true,
                    _ => match ENTRIES.iter().find(|entry| entry.option == letter) {
                        Some(entry) => commands.push((*entry, None)),
                        None => {
                            self.report(format_args!("ulimit: -{letter}: invalid option"));
                            return self.usage_error("ulimit", format_args!("{USAGE}"));
                        }
                    },
                }
            }
            // As in bash, a limit may follow its option: `ulimit -n 64 -u 100`.
            if let (Some((_, value @ None)), Some(next)) = (commands.last_mut(), args.get(index))
                && !next.starts_with('-')
                && letters.ends_with(|letter| ENTRIES.iter().any(|entry| entry.option == letter))
            {
                *value = Some(next.as_str());
                index += 1;
            }
        }
        let mut operands = args[index..].iter();
        if commands.is_empty() {
            commands.push((ENTRIES[0], None));
        }
        if let Some((_, value @ None)) = commands.last_mut() {
            *value = operands.next().map(String::as_str);
        }
        if operands.next().is_some() || (all && commands.iter().any(|(_, value)| value.is_some())) {
            return self.usage_error("ulimit", format_args!("too many arguments"));
        }
        if all {
            let mut status = 0;
            for entry in ENTRIES {
                status |= self.show_limit(entry, mode, true);
            }
            return status;
        }
        let described = commands.len() > 1;
        let mut status = 0;
        for (entry, value) in commands {
            status |= match value {
                Some(value) => self.set_limit(entry, mode, value),
                None => self.show_limit(entry, mode, described),
            };
        }
        status
    }

    /// Prints one limit, the soft one unless only `-H` was given, with bash's `-a` description when `described`.
    fn show_limit(&mut self, entry: Entry, mode: Mode, described: bool) -> i32 {
        let limit = match entry.resource {
            Some(resource) => match self.os.get_limit(resource) {
                Ok(limit) => limit,
                Err(error) => return self.limit_error(entry, "cannot get limit", &error),
            },
            None => ResourceLimit { soft: None, hard: None },
        };
        let shown = if mode.hard && !mode.soft { limit.hard } else { limit.soft };
        let value = match shown {
            Some(value) => format!("{}", value / entry.factor),
            None => String::from("unlimited"),
        };
        if !described {
            return self.print(&format!("{value}\n"));
        }
        let unit = match entry.units {
            Some(units) => format!("({units}, -{}) ", entry.option),
            None => format!("(-{}) ", entry.option),
        };
        self.print(&format!("{:<20} {unit:>20}{value}\n", entry.description))
    }

    /// Sets one limit: both the soft and the hard one unless `-S` or `-H` narrows it.
    fn set_limit(&mut self, entry: Entry, mode: Mode, text: &str) -> i32 {
        let wanted = match text {
            "unlimited" => Wanted::Unlimited,
            "soft" => Wanted::Current { hard: false },
            "hard" => Wanted::Current { hard: true },
            _ if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) => {
                self.report(format_args!("ulimit: {text}: invalid number"));
                return 1;
            }
            _ => match text.parse::<u64>().ok().and_then(|value| value.checked_mul(entry.factor)) {
                Some(value) => Wanted::Value(value),
                None => {
                    self.report(format_args!("ulimit: {text}: limit out of range"));
                    return 1;
                }
            },
        };
        let Some(resource) = entry.resource else {
            return match wanted {
                Wanted::Value(_) => self.limit_error(entry, "cannot modify limit", &OsError::Unsupported),
                Wanted::Unlimited | Wanted::Current { .. } => 0,
            };
        };
        let mut limit = match self.os.get_limit(resource) {
            Ok(limit) => limit,
            Err(error) => return self.limit_error(entry, "cannot get limit", &error),
        };
        let value = match wanted {
            Wanted::Unlimited => None,
            Wanted::Value(value) => Some(value),
            Wanted::Current { hard: true } => limit.hard,
            Wanted::Current { hard: false } => limit.soft,
        };
        let both = !mode.soft && !mode.hard;
        if mode.soft || both {
            limit.soft = value;
        }
        if mode.hard || both {
            limit.hard = value;
        }
        match self.os.set_limit(resource, limit) {
            Ok(()) => 0,
            Err(error) => self.limit_error(entry, "cannot modify limit", &error),
        }
    }

    /// Reports `ulimit: open files: cannot modify limit: Operation not permitted` and the like; returns status 1.
    fn limit_error(&mut self, entry: Entry, what: &str, error: &OsError) -> i32 {
        self.report(format_args!("ulimit: {}: {what}: {error}", entry.description));
        1
    }
}
