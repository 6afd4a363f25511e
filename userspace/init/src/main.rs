//! `init`: the first user process. It reads its service list (default
//! `/etc/init.conf`, or the file named by its first argument; the format is
//! in `cairn-initconf`), starts the services in dependency order — waiting
//! for the root file system where a service says `ready root` — restarts
//! one that ends according to its policy with a doubling back-off (and a
//! log line each time), and reaps every child, its own and the orphans the
//! kernel hands it. When a service marked `final` ends, init exits with its
//! exit code (128 + signal if a signal killed it): that is how a test boot
//! ends.
//!
//! Depends on `cairn-rt` and `cairn-initconf`.
#![no_std]
#![no_main]

use cairn_initconf::{Readiness, STABLE_RUN, Service, backoff, should_restart};
use cairn_rt::abi::{O_DIRECTORY, ObjectType};
use cairn_rt::fs::{self, OpenOptions};
use cairn_rt::process::{Command, ExitStatus, Pid, WNOHANG, WaitTarget, waitpid};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{Vec, env, eprintln, println, thread};

cairn_rt::main!(main);

/// Where the service list is read from by default.
const DEFAULT_CONFIG: &str = "/etc/init.conf";
/// How long a `ready root` service may take to serve `/`.
const ROOT_TIMEOUT: Duration = Duration::from_secs(30);
/// Exit code when the configuration cannot be used.
const BAD_CONFIG: i32 = 78;

/// A service and what init knows of it now.
struct Supervised {
    service: Service,
    pid: Option<Pid>,
    started_at: Instant,
    /// Failures in a row (reset after a stable run).
    failures: u32,
    /// When to start it again, if it is to be.
    restart_at: Option<Instant>,
}

/// Exit code that reports `status` to whoever waits for init.
fn exit_code(status: ExitStatus) -> i32 {
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal as i32,
        (None, None) => 1,
    }
}

/// Whether `/` is served by a scheme (rather than the kernel's initfs).
fn root_is_served() -> bool {
    let root = OpenOptions::new().read(true).custom_flags(O_DIRECTORY).open("/");
    root.ok()
        .and_then(|dir| cairn_rt::fd::info(dir.as_raw_fd()).ok())
        .is_some_and(|info| info.object_type == ObjectType::SchemeHandle as u32)
}

impl Supervised {
    /// Starts the service; a `ready root` one is waited for.
    fn start(&mut self) {
        self.restart_at = None;
        self.started_at = Instant::now();
        let (program, arguments) = self.service.command.split_first().expect("parse checks exec");
        match Command::new(program).args(arguments).spawn() {
            Ok(child) => {
                println!("init: started {} (pid {})", self.service.name, child.id());
                self.pid = Some(child.id());
            }
            Err(e) => {
                eprintln!("init: cannot start {}: {e}", self.service.name);
                self.failed(Instant::now());
                return;
            }
        }
        if self.service.ready == Readiness::Root {
            while !root_is_served() {
                if self.started_at.elapsed() > ROOT_TIMEOUT {
                    eprintln!("init: {} did not serve / within {:?}", self.service.name, ROOT_TIMEOUT);
                    return;
                }
                thread::sleep(Duration::from_millis(2));
            }
            println!("init: {} serves the root file system", self.service.name);
        }
    }

    /// The service failed to start or ended badly: schedule a restart.
    fn failed(&mut self, now: Instant) {
        if now.duration_since(self.started_at) >= STABLE_RUN {
            self.failures = 0;
        }
        self.failures += 1;
        let wait = backoff(self.failures);
        println!("init: restarting {} in {} ms (failure {})", self.service.name, wait.as_millis(), self.failures);
        self.restart_at = Some(now + wait);
    }

    /// The service's process ended with `status`.
    fn ended(&mut self, status: ExitStatus) {
        self.pid = None;
        println!("init: service {} ended: {status}", self.service.name);
        let failed = !status.success();
        if should_restart(self.service.restart, failed) {
            if failed {
                self.failed(Instant::now());
            } else {
                self.restart_at = Some(Instant::now());
            }
        }
    }
}

fn main() -> i32 {
    println!("init: starting (pid {})", cairn_rt::process::id());
    let path = env::args().nth(1).unwrap_or_else(|| DEFAULT_CONFIG.into());
    let services = match fs::read_to_string(&path).map(|text| cairn_initconf::parse(&text)) {
        Ok(Ok(services)) => services,
        Ok(Err(e)) => {
            eprintln!("init: {path}: {e}");
            return BAD_CONFIG;
        }
        Err(e) => {
            eprintln!("init: cannot read {path}: {e}");
            return BAD_CONFIG;
        }
    };
    let mut supervised: Vec<Supervised> = services
        .into_iter()
        .map(|service| Supervised { service, pid: None, started_at: Instant::now(), failures: 0, restart_at: None })
        .collect();
    for entry in supervised.iter_mut() {
        entry.start();
    }
    loop {
        let now = Instant::now();
        for entry in supervised.iter_mut() {
            if entry.restart_at.is_some_and(|at| at <= now) {
                entry.start();
            }
        }
        // Block for a child unless a restart is due soon.
        let next_restart = supervised.iter().filter_map(|s| s.restart_at).min();
        let options = if next_restart.is_some() { WNOHANG } else { 0 };
        match waitpid(WaitTarget::Any, options) {
            Ok(Some((pid, status))) => match supervised.iter_mut().find(|s| s.pid == Some(pid)) {
                Some(entry) => {
                    entry.ended(status);
                    if entry.service.last {
                        println!("init: final service {} ended; exiting", entry.service.name);
                        return exit_code(status);
                    }
                }
                None => println!("init: reaped orphan {pid} ({status})"),
            },
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            // ECHILD: nothing to wait for now; orphans may arrive later.
            Err(_) => thread::sleep(Duration::from_millis(100)),
        }
    }
}
