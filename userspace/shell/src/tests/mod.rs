//! End-to-end tests of the shell over the simulated system in [`fake_os`], grouped by topic.

mod fake_os;
mod programs;

mod builtins;
mod control;
mod errors;
mod expansion;
mod interactive;
mod jobs;
mod parsing;
mod pipelines;
mod quoting;
mod redirection;
mod scripts;

use std::string::String;

use crate::interp::{Config, Shell};
use fake_os::FakeOs;

/// What running a script produced.
#[derive(Debug)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub status: i32,
}

/// A simulated system with the test programs installed.
pub fn system() -> FakeOs {
    let mut os = FakeOs::new();
    programs::install_all(&mut os);
    os.write_file("/dev/null", "");
    os
}

/// A non-interactive shell on a prepared system.
pub fn shell_on(os: FakeOs) -> Shell<FakeOs> {
    Shell::new(os, Config::default())
}

/// An interactive shell (job control on) on the standard system.
pub fn interactive_shell() -> Shell<FakeOs> {
    Shell::new(system(), Config { interactive: true, ..Config::default() })
}

/// Takes what the shell wrote so far.
pub fn take_output(shell: &mut Shell<FakeOs>) -> (String, String) {
    let stdout = String::from_utf8_lossy(&shell.os().stdout.borrow()).into_owned();
    let stderr = String::from_utf8_lossy(&shell.os().stderr.borrow()).into_owned();
    shell.os().stdout.borrow_mut().clear();
    shell.os().stderr.borrow_mut().clear();
    (stdout, stderr)
}

/// Runs a script in a given shell.
pub fn run_in(shell: &mut Shell<FakeOs>, script: &str) -> Run {
    let status = shell.run_script(script);
    let (stdout, stderr) = take_output(shell);
    Run { stdout, stderr, status }
}

/// Runs a script in a fresh non-interactive shell on the standard system.
pub fn run(script: &str) -> Run {
    run_in(&mut shell_on(system()), script)
}

/// Runs a script and returns its standard output.
pub fn output(script: &str) -> String {
    run(script).stdout
}
