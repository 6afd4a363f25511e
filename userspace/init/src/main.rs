//! `init`: the first user process. For now it starts each program named in
//! its arguments (`init /bin/utest`; an argument with spaces is a program
//! followed by its own arguments), reaps every child — its own and the
//! orphans the kernel re-parents to it — and, once its programs have all
//! ended, exits with the first program's exit code (128 + signal number if
//! a signal killed it, 127 if it could not be started). That exit is how a
//! QEMU test run ends. Without arguments it reaps children forever.
//!
//! Depends only on `cairn-rt`.
#![no_std]
#![no_main]

use cairn_rt::process::{Command, ExitStatus, Pid, WNOHANG, WaitTarget, waitpid};
use cairn_rt::time::Duration;
use cairn_rt::{Vec, env, eprintln, println, thread};

cairn_rt::main!(main);

/// Exit code for "the first program could not be started".
const NOT_STARTED: i32 = 127;

/// One program init started.
struct Started {
    name: cairn_rt::String,
    pid: Pid,
    status: Option<ExitStatus>,
}

/// Exit code that reports `status` to whoever waits for init.
fn exit_code(status: ExitStatus) -> i32 {
    match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal as i32,
        (None, None) => 1,
    }
}

fn main() -> i32 {
    println!("init: starting (pid {})", cairn_rt::process::id());
    let programs: Vec<cairn_rt::String> = env::args().skip(1).collect();
    if programs.is_empty() {
        println!("init: no programs to start; reaping children");
        reap_forever();
    }

    let mut started: Vec<Started> = Vec::new();
    let mut first_code = None;
    for (i, line) in programs.iter().enumerate() {
        let mut words = line.split_whitespace();
        let Some(path) = words.next() else { continue };
        match Command::new(path).args(words).spawn() {
            Ok(child) => {
                println!("init: started {path} (pid {})", child.id());
                started.push(Started { name: path.into(), pid: child.id(), status: None });
            }
            Err(e) => {
                eprintln!("init: cannot start {path}: {e}");
                if i == 0 {
                    first_code = Some(NOT_STARTED);
                }
            }
        }
    }

    while started.iter().any(|s| s.status.is_none()) {
        match waitpid(WaitTarget::Any, 0) {
            Ok(Some((pid, status))) => record(&mut started, pid, status),
            Ok(None) => {}
            Err(e) => {
                eprintln!("init: waitpid failed: {e}");
                break;
            }
        }
    }
    // Reap the zombies that are already there; living orphans are not
    // waited for.
    while let Ok(Some((pid, status))) = waitpid(WaitTarget::Any, WNOHANG) {
        println!("init: reaped orphan {pid} ({status})");
    }

    let code = first_code.or_else(|| started.first().and_then(|s| s.status).map(exit_code)).unwrap_or(NOT_STARTED);
    println!("init: all programs ended; exiting with {code}");
    code
}

/// Notes the end of `pid`, one of init's programs or an orphan.
fn record(started: &mut [Started], pid: Pid, status: ExitStatus) {
    match started.iter_mut().find(|s| s.pid == pid) {
        Some(s) => {
            println!("init: {} (pid {pid}) ended: {status}", s.name);
            s.status = Some(status);
        }
        None => println!("init: reaped orphan {pid} ({status})"),
    }
}

/// Reaps children for ever; sleeps while there are none.
fn reap_forever() -> ! {
    loop {
        match waitpid(WaitTarget::Any, 0) {
            Ok(Some((pid, status))) => println!("init: reaped {pid} ({status})"),
            Ok(None) => {}
            // ECHILD: nobody to wait for yet; orphans may arrive later.
            Err(_) => thread::sleep(Duration::from_secs(1)),
        }
    }
}
