//! `shtest`: runs the shell's test scripts. For every `/etc/sh-tests/NAME.out` it runs `/bin/sh NAME.sh` in a
//! fresh directory `/tmp/shtest/NAME` (in its own process group, standard input from `/scheme/null`), compares
//! what the script wrote to standard output and error together with `NAME.out` and its exit status with
//! `NAME.status` (0 without that file), and prints `TEST user::sh_NAME ... ok` or `... FAILED: reason` for the
//! QEMU harness, followed by the output of a failed script. Exits with 0 only if every script passed.
#![no_std]
#![no_main]

use cairn_rt::abi::rights;
use cairn_rt::fs::{self, File};
use cairn_rt::process::{self, ExitStatus, ForkResult, WNOHANG, WaitTarget};
use cairn_rt::signal::{self, SIGKILL};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, Vec, env, fd, format, println, thread};

cairn_rt::main!(main);

/// Where the scripts and their expected results are installed.
const TESTS: &str = "/etc/sh-tests";
/// Where each script runs and leaves its output.
const WORK: &str = "/tmp/shtest";
const SHELL: &str = "/bin/sh";
/// The environment of every script.
const ENVIRONMENT: [&str; 3] = ["PATH=/bin", "HOME=/root", "TESTS=/etc/sh-tests"];
/// How long a script may run (TCG is slow).
const TIME_LIMIT: Duration = Duration::from_secs(60);
/// How often a running script is checked on.
const POLL_INTERVAL: Duration = Duration::from_millis(10);

fn main() -> i32 {
    let names = match test_names() {
        Ok(names) => names,
        Err(reason) => {
            println!("TEST user::sh_tests_found ... FAILED: {reason}");
            return 1;
        }
    };
    let _ = fs::create_dir(WORK, 0o755);
    let mut failed = 0;
    for name in &names {
        match run_test(name) {
            Ok(()) => println!("TEST user::sh_{name} ... ok"),
            Err(reason) => {
                failed += 1;
                println!("TEST user::sh_{name} ... FAILED: {}", one_line(&reason));
                show_output(name);
            }
        }
    }
    println!("shtest: done ({} ok, {failed} failed)", names.len() - failed);
    i32::from(failed != 0)
}

/// The names of the tests: the `.out` files of the test directory, sorted.
fn test_names() -> Result<Vec<String>, String> {
    let entries = fs::read_dir(TESTS).map_err(|error| format!("{TESTS}: {error}"))?;
    let mut names: Vec<String> =
        entries.into_iter().filter_map(|(name, _)| name.strip_suffix(".out").map(String::from)).collect();
    names.sort();
    if names.is_empty() {
        return Err(format!("no tests in {TESTS}"));
    }
    Ok(names)
}

/// Runs one script and compares its results with the expected ones.
fn run_test(name: &str) -> Result<(), String> {
    let directory = format!("{WORK}/{name}");
    fs::create_dir(&directory, 0o755).map_err(|error| format!("{directory}: {error}"))?;
    let output_path = output_path(name);
    let status = run_script(&format!("{TESTS}/{name}.sh"), &directory, &output_path)?;
    let expected_status = match fs::read_to_string(&format!("{TESTS}/{name}.status")) {
        Ok(text) => text.trim().parse().map_err(|_| format!("{name}.status: not a number"))?,
        Err(_) => 0,
    };
    let output = fs::read(&output_path).map_err(|error| format!("{output_path}: {error}"))?;
    let expected = fs::read(&format!("{TESTS}/{name}.out")).map_err(|error| format!("{name}.out: {error}"))?;
    compare_output(&String::from_utf8_lossy(&expected), &String::from_utf8_lossy(&output))?;
    match status.code() {
        Some(code) if code == expected_status => Ok(()),
        _ => Err(format!("{status}, expected exit status {expected_status}")),
    }
}

/// Describes the first line where `output` differs from `expected`.
fn compare_output(expected: &str, output: &str) -> Result<(), String> {
    if expected == output {
        return Ok(());
    }
    let mut expected_lines = expected.split_inclusive('\n');
    let mut output_lines = output.split_inclusive('\n');
    for number in 1.. {
        match (expected_lines.next(), output_lines.next()) {
            (Some(want), Some(got)) if want == got => {}
            (want, got) => {
                let shown = |line: Option<&str>| line.map_or(String::from("end of output"), |line| format!("{line:?}"));
                return Err(format!("output line {number}: expected {}, got {}", shown(want), shown(got)));
            }
        }
    }
    unreachable!("the outputs differ, so some line does")
}

/// Runs `sh script` in `directory` with standard output and error going to `output_path`; waits for it (killing
/// its process group after the time limit) and then ends whatever it left running in the background.
fn run_script(script: &str, directory: &str, output_path: &str) -> Result<ExitStatus, String> {
    let child = match process::fork().map_err(|error| format!("fork: {error}"))? {
        ForkResult::Child => process::exit(exec_script(script, directory, output_path)),
        ForkResult::Parent { child } => child,
    };
    let _ = process::setpgid(child, 0);
    let started = Instant::now();
    let status = loop {
        match process::waitpid(WaitTarget::Pid(child), WNOHANG) {
            Ok(Some((_, status))) => break Ok(status),
            Ok(None) if started.elapsed() > TIME_LIMIT => {
                let _ = signal::kill_group(child, SIGKILL);
                let _ = process::waitpid(WaitTarget::Pid(child), 0);
                break Err(format!("still running after {} s", TIME_LIMIT.as_secs()));
            }
            Ok(None) => thread::sleep(POLL_INTERVAL),
            Err(error) => break Err(format!("waitpid: {error}")),
        }
    };
    let _ = signal::kill_group(child, SIGKILL);
    status
}

/// In the child: sets up the script's process group, directory and descriptors and becomes the shell. Returns
/// only on failure, with the exit status to end with.
fn exec_script(script: &str, directory: &str, output_path: &str) -> i32 {
    let _ = process::setpgid(0, 0);
    if env::set_current_dir(directory).is_err() {
        return 120;
    }
    let Ok(output) = File::create(output_path) else { return 121 };
    for stream in [1, 2] {
        if fd::dup2(output.as_raw_fd(), stream, rights::ALL).is_err() {
            return 122;
        }
    }
    if let Ok(null) = File::open("/scheme/null") {
        let _ = fd::dup2(null.as_raw_fd(), 0, rights::ALL);
    }
    let error = process::exec(SHELL, &["sh", script], &ENVIRONMENT);
    println!("shtest: {SHELL}: {error}");
    123
}

/// Where the output of script `name` goes.
fn output_path(name: &str) -> String {
    format!("{WORK}/{name}.output")
}

/// Prints what a failed script wrote, each line marked, for the boot log.
fn show_output(name: &str) {
    let output = fs::read(&output_path(name)).unwrap_or_default();
    for line in String::from_utf8_lossy(&output).lines() {
        println!("shtest: {name} | {line}");
    }
}

/// A failure reason on one line.
fn one_line(reason: &str) -> String {
    reason.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}
