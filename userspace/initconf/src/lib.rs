//! `cairn-initconf`: the service list `init` reads from `/etc/init.conf`,
//! the order it starts services in, and how long it waits before
//! restarting one that failed. Pure logic, tested on the host.
//!
//! # Format
//!
//! ```text
//! # comment
//! service rootfs
//!     exec /bin/tmpfs --root
//!     ready root
//!     restart never
//!
//! service console
//!     exec /bin/termd
//!     privileged
//!     ready scheme tty
//!
//! service shell
//!     exec /bin/sh
//!     after rootfs console
//!     tty /scheme/tty/serial
//!     restart always
//! ```
//!
//! A `service NAME` line starts a service; the indented lines after it set
//! its properties: `exec PROGRAM ARGS...` (required), `after NAME...`
//! (services to start first), `ready root` (the service counts as started
//! only once `/` is served by a scheme: for the root file system server),
//! `ready scheme NAME` (once scheme NAME exists), `ready exited` (once it
//! has ended: a one-shot job such as `mount -a`), `privileged` (the service
//! keeps the driver schemes `irq` and `ioport`; others run without them),
//! `tty PATH` (the service runs in a new session with the terminal PATH as
//! standard input, output and error, and as its controlling terminal),
//! `console PATH` (once the service is ready, init writes its own messages
//! to the terminal PATH: for the server that takes the kernel's console),
//! `restart always|on-failure|never` (default `on-failure`: a non-zero exit
//! or a signal), and `final` (init ends, with the service's exit code, when
//! it ends: for test runs). Words are separated by blanks; `#` starts a
//! comment. Errors name the line.
//!
//! Depends on `core` and `alloc` only.
#![no_std]

extern crate alloc;

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

/// When a service counts as started.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Readiness {
    /// As soon as it runs.
    Started,
    /// Once `/` is served by a scheme.
    Root,
    /// Once the named scheme exists.
    Scheme(String),
    /// Once it has ended (a one-shot job, such as `mount -a`).
    Exited,
}

/// When a service that ended is started again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    Always,
    OnFailure,
    Never,
}

/// One service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    /// The program and its arguments.
    pub command: Vec<String>,
    pub after: Vec<String>,
    pub ready: Readiness,
    pub restart: Restart,
    /// Init ends with this service.
    pub last: bool,
    /// Keeps the driver schemes.
    pub privileged: bool,
    /// The terminal it runs on.
    pub tty: Option<String>,
    /// The terminal init's own messages go to once it is ready.
    pub console: Option<String>,
}

/// What is wrong with a configuration, and on which line (1-based; 0 for
/// the file as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub line: usize,
    pub kind: ErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// A property line before any `service` line.
    PropertyOutsideService,
    UnknownKeyword(String),
    /// `service` without a name, `exec` without a program...
    MissingValue(&'static str),
    BadValue {
        keyword: &'static str,
        value: String,
    },
    DuplicateService(String),
    NoExec(String),
    UnknownDependency {
        service: String,
        after: String,
    },
    /// Services that wait for each other.
    Cycle(Vec<String>),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: ", self.line)?;
        }
        match &self.kind {
            ErrorKind::PropertyOutsideService => write!(f, "property before any `service` line"),
            ErrorKind::UnknownKeyword(word) => write!(f, "unknown keyword `{word}`"),
            ErrorKind::MissingValue(keyword) => write!(f, "`{keyword}` needs a value"),
            ErrorKind::BadValue { keyword, value } => write!(f, "`{keyword}` cannot be `{value}`"),
            ErrorKind::DuplicateService(name) => write!(f, "service `{name}` is defined twice"),
            ErrorKind::NoExec(name) => write!(f, "service `{name}` has no `exec` line"),
            ErrorKind::UnknownDependency { service, after } => {
                write!(f, "service `{service}` comes after `{after}`, which is not defined")
            }
            ErrorKind::Cycle(names) => write!(f, "services wait for each other: {}", names.join(", ")),
        }
    }
}

fn error(line: usize, kind: ErrorKind) -> ConfigError {
    ConfigError { line, kind }
}

/// Parses a configuration and checks it: names unique, every service has a
/// program, dependencies exist and do not form a cycle. Services come back
/// in start order (dependencies first, otherwise file order).
pub fn parse(text: &str) -> Result<Vec<Service>, ConfigError> {
    let mut services: Vec<(usize, Service)> = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let content = raw.split('#').next().unwrap_or("");
        let mut words = content.split_whitespace();
        let Some(keyword) = words.next() else { continue };
        let rest: Vec<String> = words.map(ToString::to_string).collect();
        if keyword == "service" {
            let [name] = rest.as_slice() else {
                return Err(error(line, ErrorKind::MissingValue("service")));
            };
            if services.iter().any(|(_, s)| s.name == *name) {
                return Err(error(line, ErrorKind::DuplicateService(name.clone())));
            }
            let service = Service {
                name: name.clone(),
                command: Vec::new(),
                after: Vec::new(),
                ready: Readiness::Started,
                restart: Restart::OnFailure,
                last: false,
                privileged: false,
                tty: None,
                console: None,
            };
            services.push((line, service));
            continue;
        }
        let Some((_, service)) = services.last_mut() else {
            return Err(error(line, ErrorKind::PropertyOutsideService));
        };
        set_property(service, keyword, rest).map_err(|kind| error(line, kind))?;
    }
    for (line, service) in &services {
        if service.command.is_empty() {
            return Err(error(*line, ErrorKind::NoExec(service.name.clone())));
        }
        if let Some(missing) = service.after.iter().find(|a| !services.iter().any(|(_, s)| s.name == **a)) {
            let kind = ErrorKind::UnknownDependency { service: service.name.clone(), after: missing.clone() };
            return Err(error(*line, kind));
        }
    }
    start_order(services.into_iter().map(|(_, s)| s).collect())
}

fn set_property(service: &mut Service, keyword: &str, values: Vec<String>) -> Result<(), ErrorKind> {
    let single = |keyword: &'static str| match values.as_slice() {
        [value] => Ok(value.as_str()),
        [] => Err(ErrorKind::MissingValue(keyword)),
        _ => Err(ErrorKind::BadValue { keyword, value: values.join(" ") }),
    };
    match keyword {
        "exec" if values.is_empty() => return Err(ErrorKind::MissingValue("exec")),
        "exec" => service.command = values,
        "after" if values.is_empty() => return Err(ErrorKind::MissingValue("after")),
        "after" => service.after.extend(values),
        "ready" => {
            service.ready = match values.as_slice() {
                [started] if started == "started" => Readiness::Started,
                [root] if root == "root" => Readiness::Root,
                [scheme, name] if scheme == "scheme" => Readiness::Scheme(name.clone()),
                [exited] if exited == "exited" => Readiness::Exited,
                [] => return Err(ErrorKind::MissingValue("ready")),
                _ => return Err(ErrorKind::BadValue { keyword: "ready", value: values.join(" ") }),
            }
        }
        "privileged" if values.is_empty() => service.privileged = true,
        "privileged" => return Err(ErrorKind::BadValue { keyword: "privileged", value: values.join(" ") }),
        "tty" => service.tty = Some(single("tty")?.to_string()),
        "console" => service.console = Some(single("console")?.to_string()),
        "restart" => {
            service.restart = match single("restart")? {
                "always" => Restart::Always,
                "on-failure" => Restart::OnFailure,
                "never" => Restart::Never,
                other => return Err(ErrorKind::BadValue { keyword: "restart", value: other.to_string() }),
            }
        }
        "final" if values.is_empty() => service.last = true,
        "final" => return Err(ErrorKind::BadValue { keyword: "final", value: values.join(" ") }),
        other => return Err(ErrorKind::UnknownKeyword(other.to_string())),
    }
    Ok(())
}

/// Orders services so that each comes after those it names in `after`,
/// keeping file order otherwise.
fn start_order(mut pending: Vec<Service>) -> Result<Vec<Service>, ConfigError> {
    let mut ordered: Vec<Service> = Vec::with_capacity(pending.len());
    while !pending.is_empty() {
        let ready = pending.iter().position(|s| s.after.iter().all(|a| ordered.iter().any(|o| o.name == *a)));
        match ready {
            Some(index) => ordered.push(pending.remove(index)),
            None => {
                let names = pending.into_iter().map(|s| s.name).collect();
                return Err(error(0, ErrorKind::Cycle(names)));
            }
        }
    }
    Ok(ordered)
}

/// Shortest wait before a restart.
pub const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Longest wait before a restart.
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// A service that ran this long before failing starts its back-off afresh.
pub const STABLE_RUN: Duration = Duration::from_secs(10);

/// How long to wait before the restart after `failures` failures in a row
/// (1 = the first): doubling from [`FIRST_BACKOFF`] up to [`MAX_BACKOFF`].
pub fn backoff(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    FIRST_BACKOFF.saturating_mul(1 << doublings).min(MAX_BACKOFF)
}

/// Whether a service that ended should run again: `failed` when it exited
/// non-zero or was killed.
pub fn should_restart(restart: Restart, failed: bool) -> bool {
    match restart {
        Restart::Always => true,
        Restart::OnFailure => failed,
        Restart::Never => false,
    }
}

#[cfg(test)]
mod tests;
