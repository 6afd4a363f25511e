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
//! Root on a disk: with `root=DEVICE` on the kernel's command line (the
//! kernel hands it over as the environment variable `ROOT`), the `ready
//! root` service runs `ext2fs --root DEVICE` instead of its own command,
//! and once the disk serves `/`, the services not started yet are those of
//! the disk's own `/etc/init.conf`.
//!
//! A `privileged` service shares init's namespace (drivers, and servers
//! whose scheme others must see: the root file system, the terminal
//! server); any other runs in a live view of init's namespace without the
//! driver schemes `irq`, `ioport` and `framebuffer` (so it reaches the
//! schemes registered later too, such as the disks drivers serve). A
//! service with a `tty` runs in a new session on that terminal, in the
//! foreground.
//!
//! Depends on `cairn-rt` and `cairn-initconf`.
#![no_std]
#![no_main]

use cairn_initconf::{Readiness, STABLE_RUN, Service, backoff, should_restart};
use cairn_rt::abi::{O_DIRECTORY, ObjectType};
use cairn_rt::fs::{self, OpenOptions};
use cairn_rt::process::{self, Command, ExitStatus, ForkResult, Pid, WNOHANG, WaitTarget, waitpid};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, format, scheme, tty};
use cairn_rt::{Vec, env, eprintln, println, thread};

cairn_rt::main!(main);

/// Where the service list is read from by default.
const DEFAULT_CONFIG: &str = "/etc/init.conf";
/// The server of a root file system on a disk (`root=DEVICE`).
const ROOT_SERVER: &str = "/scheme/initfs/bin/ext2fs";
/// How long a `ready` service may take to serve what it promised.
const READY_TIMEOUT: Duration = Duration::from_secs(30);
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

/// Schemes only privileged services keep.
const DRIVER_SCHEMES: [&str; 3] = ["irq", "ioport", "framebuffer"];

/// In a forked child, before `exec`: the narrowed namespace of an
/// unprivileged service, and the session and standard streams of one with
/// a terminal.
fn prepare_child(service: &Service) -> cairn_rt::Result<()> {
    if !service.privileged {
        scheme::namespace_enter(&scheme::namespace_create_except(&DRIVER_SCHEMES, true)?)?;
    }
    if let Some(terminal) = &service.tty {
        process::setsid()?;
        let file = OpenOptions::new().read(true).write(true).custom_flags(0).open(terminal)?;
        redirect(&file, 0..3)?;
        tty::set_foreground_group(0, process::id())?;
    }
    Ok(())
}

/// Starts `service`: spawned directly when it needs nothing else,
/// otherwise forked, prepared and executed.
fn launch(service: &Service) -> cairn_rt::Result<Pid> {
    let (program, arguments) = service.command.split_first().expect("parse checks exec");
    if service.privileged && service.tty.is_none() {
        return Command::new(program).args(arguments).spawn().map(|child| child.id());
    }
    match process::fork()? {
        ForkResult::Parent { child } => Ok(child),
        ForkResult::Child => {
            let error = match prepare_child(service) {
                Ok(()) => Command::new(program).args(arguments).exec(),
                Err(e) => e,
            };
            eprintln!("init: cannot start {}: {error}", service.name);
            process::exit(127)
        }
    }
}

/// Makes each of the standard fds in `standard` a copy of `file`.
fn redirect(file: &fs::File, standard: core::ops::Range<usize>) -> cairn_rt::Result<()> {
    standard
        .into_iter()
        .try_for_each(|fd| cairn_rt::fd::dup2(file.as_raw_fd(), fd, cairn_rt::fd::rights::ALL).map(drop))
}

/// The device name of the console a service's `console` line names.
const CONSOLE_LINK: &str = "/dev/console";

/// Sends init's own output (fds 1 and 2) to the terminal `path`.
fn log_to(path: &str) {
    let opened = OpenOptions::new().write(true).open(path).and_then(|terminal| redirect(&terminal, 1..3));
    match opened {
        Ok(()) => println!("init: messages go to {path}"),
        Err(e) => eprintln!("init: cannot log to {path}: {e}"),
    }
}

/// Whether scheme `name` is reachable.
fn scheme_exists(name: &str) -> bool {
    fs::metadata(&format!("/scheme/{name}")).is_ok()
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
        match launch(&self.service) {
            Ok(pid) => {
                println!("init: started {} (pid {pid})", self.service.name);
                self.pid = Some(pid);
            }
            Err(e) => {
                eprintln!("init: cannot start {}: {e}", self.service.name);
                self.failed(Instant::now());
                return;
            }
        }
        let (ready, what): (&dyn Fn() -> bool, String) = match &self.service.ready {
            Readiness::Started => return,
            Readiness::Exited => return self.wait_until_ended(),
            Readiness::Root => (&root_is_served, String::from("the root file system")),
            Readiness::Scheme(name) => (&|| scheme_exists(name), format!("scheme {name}")),
        };
        while !ready() {
            if self.started_at.elapsed() > READY_TIMEOUT {
                eprintln!("init: {} did not serve {what} within {READY_TIMEOUT:?}", self.service.name);
                return;
            }
            thread::sleep(Duration::from_millis(2));
        }
        println!("init: {} serves {what}", self.service.name);
        if let Some(console) = &self.service.console {
            log_to(console);
            if let Err(e) = fs::symlink(console, CONSOLE_LINK) {
                eprintln!("init: cannot link {CONSOLE_LINK} to {console}: {e}");
            }
        }
    }

    /// A `ready exited` service: services after it start once it ended
    /// (or after [`READY_TIMEOUT`], when it is left running).
    fn wait_until_ended(&mut self) {
        let Some(pid) = self.pid else { return };
        while self.started_at.elapsed() <= READY_TIMEOUT {
            match waitpid(WaitTarget::Pid(pid), WNOHANG) {
                Ok(Some((_, status))) => return self.ended(status),
                Ok(None) => thread::sleep(Duration::from_millis(2)),
                Err(e) => {
                    eprintln!("init: waiting for {}: {e}", self.service.name);
                    return;
                }
            }
        }
        eprintln!("init: {} did not finish within {READY_TIMEOUT:?}", self.service.name);
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

/// Reads and parses the service list at `path`.
fn read_config(path: &str) -> Result<Vec<Service>, String> {
    match fs::read_to_string(path).map(|text| cairn_initconf::parse(&text)) {
        Ok(Ok(services)) => Ok(services),
        Ok(Err(e)) => Err(format!("{path}: {e}")),
        Err(e) => Err(format!("cannot read {path}: {e}")),
    }
}

fn supervise(service: Service) -> Supervised {
    Supervised { service, pid: None, started_at: Instant::now(), failures: 0, restart_at: None }
}

/// The root file system is now the disk's: the services not started yet
/// become those of the disk's own `/etc/init.conf` (less those already
/// started); if it cannot be read, the initfs's list goes on.
fn switch_to_disk_config(supervised: &mut Vec<Supervised>, started: usize) {
    match read_config(DEFAULT_CONFIG) {
        Ok(services) => {
            supervised.truncate(started);
            let fresh: Vec<Service> = services
                .into_iter()
                .filter(|service| !supervised.iter().any(|s| s.service.name == service.name))
                .collect();
            println!("init: running {DEFAULT_CONFIG} of the root file system ({} more services)", fresh.len());
            supervised.extend(fresh.into_iter().map(supervise));
        }
        Err(e) => eprintln!("init: {e}; going on with the initfs's services"),
    }
}

fn main() -> i32 {
    println!("init: starting (pid {})", cairn_rt::process::id());
    let path = env::args().nth(1).unwrap_or_else(|| DEFAULT_CONFIG.into());
    let mut services = match read_config(&path) {
        Ok(services) => services,
        Err(e) => {
            eprintln!("init: {e}");
            return BAD_CONFIG;
        }
    };
    // `root=DEVICE` on the kernel's command line: the root file system is
    // the ext2/ext3 file system on DEVICE, served by ext2fs.
    let root = env::var("ROOT").ok().filter(|device| !device.is_empty());
    if let Some(device) = &root {
        for service in services.iter_mut().filter(|service| service.ready == Readiness::Root) {
            println!("init: root={device}: {} runs ext2fs on it", service.name);
            service.command = Vec::from([String::from(ROOT_SERVER), String::from("--root"), device.clone()]);
        }
    }
    let mut supervised: Vec<Supervised> = services.into_iter().map(supervise).collect();
    let mut index = 0;
    while index < supervised.len() {
        supervised[index].start();
        if root.is_some() && path == DEFAULT_CONFIG && supervised[index].service.ready == Readiness::Root {
            switch_to_disk_config(&mut supervised, index + 1);
        }
        index += 1;
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
