//! The cases of the system utilities and those that run commands:
//! `true`, `false`, `sleep`, `date`, `uname`, `id`, `whoami`, `clear`,
//! `env`, `which`, `time`, `ps`, `top`, `free`, `uptime`, `dmesg`, `kill`,
//! `taskset` and `ns`. The `kill` tests that need a live process to signal are
//! functions ([`custom`]) rather than declared cases.
//!
//! Depends on `cairn-rt` and the test program's other modules.

use cairn_rt::process::Command;
use cairn_rt::signal::{SIGKILL, SIGTERM};
use cairn_rt::time::Duration;
use cairn_rt::{String, ToString, Vec, format};

use crate::case::{Case, Expect, Given, TestResult, case};
use crate::runner::{self, Timing};

/// A test written as a function of the environment the utilities get.
pub type Custom = (&'static str, fn(&[String]) -> TestResult);

/// The `real` line of `time`.
const REAL_TIME: &[&str] = &["real 0m[0-9]+\\.[0-9]{3}s"];

pub fn cases() -> Vec<Case> {
    Vec::from([
        case("true", "true"),
        case("false", "false").expect(Expect::Status(1)),
        case("sleep_decimal", "sleep 0.3").expect(Expect::TookAtLeast(Duration::from_millis(300))),
        case("sleep_sum_with_suffix", "sleep 0.1s 0.1").expect(Expect::TookAtLeast(Duration::from_millis(200))),
        case("sleep_bad_interval", "sleep x").fails(2, "sleep: invalid time interval: 'x'\n"),
        case("sleep_missing_operand", "sleep").fails(2, "sleep: missing operand\n"),
        case("date_epoch", "date -u -d @0").out("Thu Jan  1 00:00:00 UTC 1970\n"),
        case("date_format", "date -d @86400 +%Y-%m-%d").out("1970-01-02\n"),
        case("date_now", "date +%Y").expect(Expect::StdoutLike(&["20[0-9]{2}"])),
        case("date_bad_moment", "date -d tomorrow").fails(2, "date: invalid date: 'tomorrow'\n"),
        case("uname_default", "uname").out("Cairn\n"),
        case("uname_all", "uname -a").out("Cairn cairn 0.1.0 #1 x86_64\n"),
        case("uname_fields", "uname -m -r -s").out("Cairn 0.1.0 x86_64\n"),
        case("uname_bad_option", "uname -x").fails(2, "uname: invalid option -- 'x'\n"),
        case("id_all", "id").out("uid=0(root) gid=0(root) groups=0(root)\n"),
        case("id_user", "id -u").out("0\n"),
        case("id_user_name", "id -un").out("root\n"),
        case("whoami", "whoami").out("root\n"),
        case("clear", "clear").out("\x1b[H\x1b[2J"),
        case("env_prints", "env").expect(Expect::StdoutContains("PATH=/bin\n")),
        case("env_ignore_environment", "env -i A=1 B=2 env").out("A=1\nB=2\n"),
        case("env_unset", "env -u PATH env").expect(Expect::StdoutLacks("PATH=")),
        case("env_sets_for_command", "env X=42 env").expect(Expect::StdoutContains("X=42\n")),
        case("env_missing_command", "env nosuch").fails(127, "env: nosuch: No such file or directory\n"),
        case("env_dash_empties", "env - A=1 env").out("A=1\n"),
        case("date_seconds", "date -u -d @12345 +%s").out("12345\n"),
        case("which_path", "which /bin/ls").out("/bin/ls\n"),
        case("which_found", "which ls").out("/bin/ls\n"),
        case("which_several", "which -a cat nosuch echo").out("/bin/cat\n/bin/echo\n").expect(Expect::Status(1)),
        case("time_true", "time true").expect(Expect::StderrLike(REAL_TIME)),
        case("time_sleep", "time sleep 0.2")
            .expect(Expect::StderrLike(REAL_TIME))
            .expect(Expect::TookAtLeast(Duration::from_millis(200))),
        case("time_passes_status", "time false").expect(Expect::Status(1)).expect(Expect::StderrLike(REAL_TIME)),
        case("time_missing_command", "time nosuch").fails(127, "time: nosuch: No such file or directory\n"),
        case("ps_header", "ps | head -n 1").out("  PID  PPID  PGID   SID USER S THR     RSS   KMEM CMD\n"),
        case("ps_lists_this_test", "ps").expect(Expect::StdoutContains("cutest\n")),
        case("ps_user_names", "ps | grep ' root ' | grep -c cutest").expect(Expect::StdoutLike(&["[1-9][0-9]*"])),
        case("passwd_format", "grep '^root:' /etc/passwd").out("root:x:0:0:root:/root:/bin/sh\n"),
        case("group_format", "grep '^wheel:' /etc/group").out("wheel:x:10:root\n"),
        case("top_batch", "top -b -n 1")
            .expect(Expect::StdoutContains("top - "))
            .expect(Expect::StdoutContains("CPU0 "))
            .expect(Expect::StdoutContains("  PID  PPID")),
        case("top_screens", "top -b -n 2 -d 0.1 | grep -c '^top - '").out("2\n"),
        case("free", "free").expect(Expect::StdoutLike(&[" +total +used +free", "Mem: +[0-9]+ +[0-9]+ +[0-9]+"])),
        case("free_human", "free -h")
            .expect(Expect::StdoutLike(&[" +total +used +free", "Mem: +[0-9.]+Mi +[0-9.]+[KMG]?i?B? +[0-9.]+Mi"])),
        case("uptime", "uptime").expect(Expect::StdoutLike(&[
            " [0-9]{2}:[0-9]{2}:[0-9]{2} up ([0-9]+ min|[ 0-9]+:[0-9]{2}),  [0-9]+ processes",
        ])),
        case("dmesg", "dmesg").expect(Expect::StdoutContains("Cairn 0.1.0 booting")),
        case("kill_list", "kill -l").expect(Expect::StdoutContains(" KILL ")).expect(Expect::StdoutContains(" TERM ")),
        case("kill_list_number", "kill -l 9").out("KILL\n"),
        case("kill_list_name", "kill -l term").out("15\n"),
        case("kill_list_exit_status", "kill -l 143").out("TERM\n"),
        case("kill_no_such_process", "kill 99999").fails(1, "kill: 99999: No such process\n"),
        case("kill_bad_signal", "kill -FOO 1").fails(2, "kill: FOO: invalid signal specification\n"),
        case("kill_missing_operand", "kill").fails(2, "kill: missing operand\n"),
        // The coreutils suite boots 2 CPUs; init runs on both.
        case("taskset_runs_command", "taskset 1 echo hi").out("hi\n"),
        case("taskset_list_runs_command", "taskset -c 1 taskset -p -c 1").out("pid 1's current affinity list: 0-1\n"),
        case("taskset_shows_mask", "taskset -p 1").out("pid 1's current affinity mask: 3\n"),
        case("taskset_empty_mask", "taskset 0 true").fails(2, "taskset: 0: no CPU named\n"),
        case("taskset_bad_list", "taskset -c 1-0 true").fails(2, "taskset: 1-0: range ends before it starts\n"),
        case("taskset_offline_cpu", "taskset -c 5 true").fails(1, "taskset: 5: Invalid argument\n"),
        case("taskset_missing_command", "taskset 1").fails(2, "taskset: missing operand\n"),
        case("taskset_command_not_found", "taskset 1 nosuch")
            .fails(127, "taskset: nosuch: No such file or directory\n"),
        case("taskset_no_such_process", "taskset -p 99999").fails(1, "taskset: 99999: No such process\n"),
        case("ns_denies_files", "ns --allow null -- cat /tmp/cutest/nsf")
            .given(Given::File("nsf", b"secret\n"))
            .fails(1, "cat: /tmp/cutest/nsf: No such device\n"),
        case("ns_allows_files", "ns --allow file -- cat /tmp/cutest/nsf")
            .given(Given::File("nsf", b"secret\n"))
            .out("secret\n"),
        case("ns_null_namespace", "ns -- echo hi").out("hi\n"),
        case("ns_keeps_inherited_fds", "echo piped | ns -- cat").out("piped\n"),
        case("ns_passes_status", "ns -- false").expect(Expect::Status(1)),
        case("ns_unknown_scheme_left_out", "ns --allow pipe -- cat /tmp/cutest/nsf")
            .given(Given::File("nsf", b"secret\n"))
            .fails(1, "ns: pipe: no such scheme here; left out\ncat: /tmp/cutest/nsf: No such device\n"),
        case("ns_missing_program", "ns -- nosuch").fails(127, "ns: nosuch: No such file or directory\n"),
        case("ns_leaves_the_working_directory", "ns --allow null -- cat ../cutest/nsf")
            .given(Given::File("nsf", b"secret\n"))
            .fails(1, "cat: ../cutest/nsf: No such device\n"),
    ])
}

pub fn custom() -> Vec<Custom> {
    Vec::from([
        ("kill_default_term", kill_default_term as fn(&[String]) -> TestResult),
        ("kill_signal_option", kill_signal_option),
        ("kill_signal_number", kill_signal_number),
    ])
}

fn kill_default_term(environment: &[String]) -> TestResult {
    signal_a_sleeper(environment, &[], SIGTERM)
}

fn kill_signal_option(environment: &[String]) -> TestResult {
    signal_a_sleeper(environment, &["-s", "KILL"], SIGKILL)
}

fn kill_signal_number(environment: &[String]) -> TestResult {
    signal_a_sleeper(environment, &["-9"], SIGKILL)
}

/// Starts `sleep 30`, runs `kill OPTIONS PID` on it, and checks that
/// `kill` succeeded and the sleeper died of `expected`.
fn signal_a_sleeper(environment: &[String], options: &[&str], expected: usize) -> TestResult {
    let mut sleeper = Command::new("/bin/sleep").arg("30").spawn().map_err(|error| format!("spawn sleep: {error}"))?;
    let mut argv: Vec<String> = Vec::from([String::from("kill")]);
    argv.extend(options.iter().map(|option| option.to_string()));
    argv.push(sleeper.id().to_string());
    let outcome = runner::run(&[argv], b"", environment, Timing::default());
    let killed = outcome.as_ref().is_ok_and(|outcome| outcome.status.success() && outcome.stderr.is_empty());
    if !killed {
        let _ = sleeper.kill();
    }
    let status = sleeper.wait().map_err(|error| format!("wait: {error}"))?;
    match outcome {
        Err(reason) => Err(reason),
        Ok(outcome) if !killed => {
            Err(format!("kill ended with {} and said {:?}", outcome.status, String::from_utf8_lossy(&outcome.stderr)))
        }
        Ok(_) if status.signal() != Some(expected) => {
            Err(format!("the sleeper ended with {status}, not signal {expected}"))
        }
        Ok(_) => Ok(()),
    }
}
