//! `cutest`: the QEMU test of the core utilities. It runs as the final
//! service of `/etc/init/cutest.conf` (after the root tmpfs), works in
//! `/tmp/cutest`, and runs every utility as a child process — alone or in
//! pipelines, with a given standard input — comparing its output, errors,
//! exit status and effects on files with what GNU's users expect. It
//! prints one line per test in the harness's format, `TEST user::<name>
//! ... ok` or `TEST user::<name> ... FAILED: <reason>`, and exits with 0
//! only if every test passed. Arguments, if any, select the tests whose
//! names contain one of them.
//!
//! Depends on `cairn-rt`, `cairn-text` and `coreutils` (the environment
//! helper).
#![no_std]
#![no_main]

mod case;
mod file_cases;
mod runner;
mod system_cases;
mod text_cases;
mod words;

use cairn_rt::process::{self, WNOHANG, WaitTarget, waitpid};
use cairn_rt::signal::{self, SIGPIPE};
use cairn_rt::time::Instant;
use cairn_rt::{String, Vec, env, fs, println};

use case::{Case, TestResult};
use system_cases::Custom;

cairn_rt::main!(main);

/// Where the tests make their files.
const WORK_DIRECTORY: &str = "/tmp/cutest";

/// A test to run.
enum Test {
    Declared(Case),
    Custom(Custom),
}

impl Test {
    fn name(&self) -> &'static str {
        match self {
            Test::Declared(case) => case.name,
            Test::Custom((name, _)) => name,
        }
    }

    /// Runs the test; the utilities get `environment`.
    fn run(&self, environment: &[String]) -> TestResult {
        match self {
            Test::Declared(case) => case.run(environment),
            Test::Custom((_, function)) => function(environment),
        }
    }
}

/// Every test: the declared cases, then the custom ones.
fn tests() -> Vec<Test> {
    let declared = [text_cases::cases(), file_cases::cases(), system_cases::cases()].into_iter().flatten();
    declared.map(Test::Declared).chain(system_cases::custom().into_iter().map(Test::Custom)).collect()
}

/// `reason` on one line.
fn one_line(reason: &str) -> String {
    reason.replace(['\n', '\r'], " ")
}

fn main() -> i32 {
    // Writing to a pipeline that stopped reading must fail, not kill.
    let _ = signal::ignore(SIGPIPE);
    let prepared = match fs::create_dir(WORK_DIRECTORY, 0o755) {
        Err(_) if fs::metadata(WORK_DIRECTORY).is_ok_and(|meta| meta.is_dir()) => Ok(()),
        other => other,
    };
    if let Err(error) = prepared.and_then(|()| env::set_current_dir(WORK_DIRECTORY)) {
        println!("cutest: cannot work in {WORK_DIRECTORY}: {error}");
        return 1;
    }
    let environment = coreutils::command::environment();
    let filters: Vec<String> = env::args().skip(1).collect();
    let tests: Vec<Test> = tests()
        .into_iter()
        .filter(|test| filters.is_empty() || filters.iter().any(|filter| test.name().contains(filter.as_str())))
        .collect();
    println!("cutest: {} tests, pid {}", tests.len(), process::id());
    let started = Instant::now();
    let mut failed = 0;
    for test in &tests {
        match test.run(&environment) {
            Ok(()) => println!("TEST user::{} ... ok", test.name()),
            Err(reason) => {
                failed += 1;
                println!("TEST user::{} ... FAILED: {}", test.name(), one_line(&reason));
            }
        }
        // Reap whatever a failed test left behind.
        while let Ok(Some(_)) = waitpid(WaitTarget::Any, WNOHANG) {}
    }
    println!("cutest: done ({} ok, {failed} failed) in {:?}", tests.len() - failed, started.elapsed());
    if failed == 0 { 0 } else { 1 }
}
