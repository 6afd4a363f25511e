//! `devd`: the driver manager (DRIVERS.md). Started by init, it reads the
//! driver list (`/etc/devd.conf`, or the file named by its argument; the
//! format is in `cairn-devconf`), looks at every function under
//! `/scheme/pci`, and for each that an entry selects: claims the function
//! (its device context), and starts the driver with the context as fd 3,
//! the function's name in `CAIRN_DEVICE`, in a namespace holding only the
//! entry's schemes. For an entry with `serve PREFIX`, devd also registers
//! scheme PREFIXk (the entry's k-th function, from 0, in bus order) in its
//! own namespace — init's, so every service reaches it — and hands the
//! endpoint over as fd 4, the name in `CAIRN_SCHEME`. devd keeps no copy
//! of the context or the endpoint, so when a driver dies the kernel
//! revokes the function and the scheme dies at once (its clients' calls
//! fail with `EIO`); devd then claims the function again, resets it,
//! registers the scheme again, and restarts the driver after init's back-off
//! (doubling from 100 ms to 5 s; afresh after 10 s of running). A driver
//! that exits with status 0 has finished and is not restarted. devd ends
//! when no driver is left.
//!
//! Depends on `cairn-rt`, `cairn-devconf`, `cairn-driver` (the function
//! list) and `cairn-initconf` (back-off).
#![no_std]
#![no_main]

use cairn_devconf::Driver;
use cairn_initconf::{STABLE_RUN, backoff};
use cairn_rt::abi::{F_DUPFD, F_DUPFD_CLOEXEC};
use cairn_rt::fs::{File, OpenOptions};
use cairn_rt::io::Write;
use cairn_rt::process::{self, ForkResult, Pid};
use cairn_rt::scheme::Server;
use cairn_rt::time::Instant;
use cairn_rt::{String, Vec, env, eprintln, format, println, thread, vec};

cairn_rt::main!(main);

use cairn_driver::{INHERITED_CONTEXT, INHERITED_SCHEME};
/// Exit status for a bad driver list (`EX_CONFIG`).
const EXIT_CONFIG: i32 = 78;

/// A driver devd started and watches.
struct Running {
    pid: Pid,
    function: String,
    driver: usize,
    /// The scheme devd registers for it (`serve`).
    scheme: Option<String>,
    started: Instant,
    failures: u32,
}

fn main() -> i32 {
    let path = env::args().nth(1).unwrap_or_else(|| String::from("/etc/devd.conf"));
    let drivers = match cairn_rt::fs::read_to_string(&path).map(|text| cairn_devconf::parse(&text)) {
        Ok(Ok(drivers)) => drivers,
        Ok(Err(e)) => {
            eprintln!("devd: {path}: {e}");
            return EXIT_CONFIG;
        }
        Err(e) => {
            eprintln!("devd: {path}: {e}");
            return EXIT_CONFIG;
        }
    };
    let mut running = Vec::new();
    // How many functions each entry has served so far (numbers its schemes).
    let mut served = vec![0usize; drivers.len()];
    for (function, header) in cairn_driver::functions().unwrap_or_default() {
        let Some(index) = drivers.iter().position(|d| d.matches.iter().any(|m| m.accepts(&header))) else {
            continue;
        };
        let scheme = drivers[index].serve.as_ref().map(|prefix| format!("{prefix}{}", served[index]));
        served[index] += 1;
        match start(&function, &drivers[index], scheme.as_deref(), false) {
            Ok(pid) => {
                running.push(Running { pid, function, driver: index, scheme, started: Instant::now(), failures: 0 })
            }
            Err(why) => eprintln!("devd: {} for {function}: {why}", drivers[index].exec[0]),
        }
    }
    if running.is_empty() {
        println!("devd: no function needs a driver");
    }
    while !running.is_empty() {
        let Ok((pid, status)) = process::wait_any() else { break };
        let Some(at) = running.iter().position(|r| r.pid == pid) else { continue };
        let program = &drivers[running[at].driver].exec[0];
        if status.success() {
            println!("devd: {program} for {} finished", running[at].function);
            running.remove(at);
            continue;
        }
        let entry = &mut running[at];
        entry.failures = if entry.started.elapsed() >= STABLE_RUN { 1 } else { entry.failures + 1 };
        let wait = backoff(entry.failures);
        println!(
            "devd: {program} for {} ended: {status}; resetting the function and restarting in {} ms",
            entry.function,
            wait.as_millis()
        );
        thread::sleep(wait);
        match start(&entry.function, &drivers[entry.driver], entry.scheme.as_deref(), true) {
            Ok(pid) => {
                entry.pid = pid;
                entry.started = Instant::now();
            }
            Err(why) => {
                eprintln!("devd: {program} for {}: {why}; giving up", entry.function);
                running.remove(at);
            }
        }
    }
    0
}

/// Claims `function` (resetting it first when `reset`), registers
/// `scheme` (if any), and starts `driver` for it.
fn start(function: &str, driver: &Driver, scheme: Option<&str>, reset: bool) -> Result<Pid, String> {
    let context = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&format!("/scheme/pci/{function}/device"))
        .map_err(|e| format!("claim: {e}"))?;
    if reset {
        let control = OpenOptions::new().write(true).open_at(&context, "control");
        match control.and_then(|mut control| control.write_all(b"reset")) {
            Ok(()) => {}
            Err(e) if e.errno() == Some(cairn_rt::abi::error::ENODEV) => {}
            Err(e) => return Err(format!("reset: {e}")),
        }
    }
    let program = File::open(&driver.exec[0]).map_err(|e| format!("open: {e}"))?;
    let server = match scheme {
        Some(name) => Some(Server::create(name).map_err(|e| format!("register scheme {name}: {e}"))?),
        None => None,
    };
    let namespace = {
        let schemes: Vec<&str> = driver.schemes.iter().map(String::as_str).collect();
        cairn_rt::scheme::namespace_create(&schemes, driver.register).map_err(|e| format!("namespace: {e}"))?
    };
    match process::fork().map_err(|e| format!("fork: {e}"))? {
        ForkResult::Child => {
            let endpoint = server.as_ref().map(|server| server.endpoint().as_raw());
            let status = run_driver(function, driver, &context, endpoint.zip(scheme), &program, &namespace);
            process::exit(status)
        }
        ForkResult::Parent { child } => {
            match scheme {
                Some(name) => println!("devd: started {} for {function} serving {name} (pid {child})", driver.exec[0]),
                None => println!("devd: started {} for {function} (pid {child})", driver.exec[0]),
            }
            Ok(child)
        }
    }
}

/// In the forked child: moves each `(fd, at)` of `moves` to fd `at`, kept
/// across exec; the fds moved from are closed. All are first parked above
/// the targets, so no move overwrites another's source.
fn hand_over(moves: &[(usize, usize)]) -> cairn_rt::Result<()> {
    let lowest = moves.iter().map(|(_, at)| at + 1).max().unwrap_or(0);
    let mut parked = Vec::new();
    for (fd, at) in moves {
        parked.push((cairn_rt::fd::fcntl(*fd, F_DUPFD, lowest)?, *at));
    }
    for (fd, _) in moves.iter().filter(|(fd, _)| !moves.iter().any(|(_, at)| at == fd)) {
        cairn_rt::fd::close(*fd)?;
    }
    for (fd, at) in parked {
        cairn_rt::fd::dup2(fd, at, cairn_rt::abi::rights::ALL)?;
        cairn_rt::fd::close(fd)?;
        // SAFETY: borrowed only to change its flags (kept across exec),
        // then given back unclosed.
        let kept = unsafe { cairn_rt::fd::OwnedFd::from_raw(at) };
        let flags = kept.set_flags(0);
        let _ = kept.into_raw();
        flags?;
    }
    Ok(())
}

/// In the forked child: the context becomes fd 3, the namespace narrows,
/// and the driver replaces this process. Returns an exit status only on
/// failure.
fn run_driver(
    function: &str,
    driver: &Driver,
    context: &File,
    scheme: Option<(usize, &str)>,
    program: &File,
    namespace: &cairn_rt::fd::OwnedFd,
) -> i32 {
    if cairn_rt::scheme::namespace_enter(namespace).is_err() {
        return 126;
    }
    // The program's fd, out of the way of the fds handed over (closed by
    // the exec).
    let Ok(program) = cairn_rt::fd::fcntl(program.as_raw_fd(), F_DUPFD_CLOEXEC, INHERITED_SCHEME + 1) else {
        return 126;
    };
    let mut moves = vec![(context.as_raw_fd(), INHERITED_CONTEXT)];
    moves.extend(scheme.map(|(endpoint, _)| (endpoint, INHERITED_SCHEME)));
    if hand_over(&moves).is_err() {
        return 126;
    }
    let mut envp: Vec<String> = cairn_rt::env::vars().map(|(key, value)| format!("{key}={value}")).collect();
    envp.push(format!("CAIRN_DEVICE={function}"));
    envp.extend(scheme.map(|(_, name)| format!("CAIRN_SCHEME={name}")));
    let error = process::fexecve(program, &driver.exec, &envp);
    eprintln!("devd: exec {}: {error}", driver.exec[0]);
    127
}
