//! Background jobs, `$!`, `jobs`, `fg`, `bg`, `wait`, process groups and the terminal.

use std::string::String;

use crate::interp::ChunkOutcome;
use crate::os::KillTarget;
use crate::signal::{SIGCONT, SIGTERM};

use super::fake_os::SHELL_PID;
use super::{interactive_shell, output, take_output};

#[test]
fn background_job_is_listed_as_running() {
    let mut shell = interactive_shell();
    assert_eq!(shell.run_chunk("sleep 100 &\n"), ChunkOutcome::Ran(0));
    let (_, stderr) = take_output(&mut shell);
    assert_eq!(stderr, "[1] 1000\n");
    shell.run_chunk("jobs\n");
    assert_eq!(take_output(&mut shell).0, "[1]+  Running                 sleep 100 &\n");
    shell.run_chunk("echo $!\n");
    assert_eq!(take_output(&mut shell).0, "1000\n");
}

#[test]
fn each_job_gets_its_own_process_group() {
    let mut shell = interactive_shell();
    shell.run_chunk("sleep 1 | sleep 2 &\n");
    assert_eq!(shell.os().pgid_of(1000), Some(1000));
    assert_eq!(shell.os().pgid_of(1001), Some(1000));
    shell.run_chunk("sleep 3 &\n");
    assert_eq!(shell.os().pgid_of(1002), Some(1002));
}

#[test]
fn foreground_job_gets_the_terminal_and_gives_it_back() {
    let mut shell = interactive_shell();
    shell.run_chunk("seq 2 | cat\n");
    assert_eq!(take_output(&mut shell).0, "1\n2\n");
    assert_eq!(shell.os().foreground_log, [1000, SHELL_PID]);
}

#[test]
fn non_interactive_shell_does_not_use_job_control() {
    let mut shell = super::shell_on(super::system());
    shell.run_chunk("seq 1 | cat\n");
    assert!(shell.os().foreground_log.is_empty());
    assert_eq!(shell.os().pgid_of(1000), None);
}

#[test]
fn stopped_job_enters_the_table_and_fg_resumes_it() {
    let mut shell = interactive_shell();
    assert_eq!(shell.run_chunk("suspend\n"), ChunkOutcome::Ran(148));
    let (_, stderr) = take_output(&mut shell);
    assert_eq!(stderr, "\n[1]+  Stopped                 suspend\n");
    shell.run_chunk("jobs\n");
    assert_eq!(take_output(&mut shell).0, "[1]+  Stopped                 suspend\n");
    assert_eq!(shell.run_chunk("fg %1\n"), ChunkOutcome::Ran(0));
    assert_eq!(take_output(&mut shell).0, "suspend\n");
    assert!(shell.os().kill_log.contains(&(KillTarget::Group(1000), SIGCONT)));
    shell.run_chunk("jobs\n");
    assert_eq!(take_output(&mut shell).0, "");
}

#[test]
fn fg_hands_the_terminal_over_before_continuing_the_job() {
    let mut shell = interactive_shell();
    shell.run_chunk("suspend\n");
    shell.run_chunk("fg\n");
    let os = shell.os();
    let continued = os.kill_log.iter().position(|entry| *entry == (KillTarget::Group(1000), SIGCONT)).unwrap();
    assert_eq!(os.foreground_at_kill[continued], Some(1000));
}

#[test]
fn bg_continues_a_stopped_job() {
    let mut shell = interactive_shell();
    shell.run_chunk("suspend\n");
    take_output(&mut shell);
    shell.run_chunk("bg\n");
    assert_eq!(take_output(&mut shell).0, "[1]+ suspend &\n");
    shell.run_chunk("jobs\n");
    assert_eq!(take_output(&mut shell).0, "[1]+  Running                 suspend &\n");
}

#[test]
fn wait_collects_background_statuses() {
    let mut shell = interactive_shell();
    shell.run_chunk("exitwith 3 &\nsleep 5 &\n");
    take_output(&mut shell);
    shell.run_chunk("wait %1; echo $?; wait $!; echo $?; wait; jobs\n");
    assert_eq!(take_output(&mut shell).0, "3\n0\n");
    assert_eq!(output("exitwith 2 & wait $!; echo $?"), "2\n");
    assert_eq!(output("sleep 1 & sleep 2 & wait; echo all done"), "all done\n");
}

#[test]
fn notify_reports_finished_jobs_once() {
    let mut shell = interactive_shell();
    shell.run_chunk("exitwith 1 &\n");
    take_output(&mut shell);
    shell.notify_jobs();
    assert_eq!(take_output(&mut shell).1, "[1]+  Exit 1                  exitwith 1\n");
    shell.notify_jobs();
    assert_eq!(take_output(&mut shell).1, "");
}

#[test]
fn kill_signals_jobs_by_spec() {
    let mut shell = interactive_shell();
    shell.run_chunk("sleep 100 &\nkill %1\n");
    assert!(shell.os().kill_log.contains(&(KillTarget::Group(1000), SIGTERM)));
    take_output(&mut shell);
    shell.run_chunk("jobs\n");
    assert_eq!(take_output(&mut shell).0, "[1]+  Terminated              sleep 100\n");
}

#[test]
fn job_specs_and_errors() {
    let mut shell = interactive_shell();
    shell.run_chunk("sleep 1 &\nsleep 2 &\nfg %3\n");
    assert_eq!(take_output(&mut shell).1, "[1] 1000\n[2] 1001\nsh: fg: %3: no such job\n");
    shell.run_chunk("jobs %sleep; fg %sleep\n");
    assert!(take_output(&mut shell).1.contains("ambiguous job spec"));
    shell.run_chunk("wait 4242; echo $?\n");
    let (stdout, stderr) = take_output(&mut shell);
    assert_eq!(stdout, "127\n");
    assert_eq!(stderr, "sh: wait: pid 4242 is not a child of this shell\n");
}

#[test]
fn background_and_or_list_runs_as_one_job() {
    let mut shell = interactive_shell();
    shell.run_chunk("true && sleep 9 &\njobs\n");
    assert_eq!(take_output(&mut shell).0, "[1]+  Done                    true && sleep 9\n");
}

#[test]
fn interrupt_of_the_foreground_job_abandons_the_command_line() {
    let mut shell = interactive_shell();
    assert_eq!(shell.run_chunk("while true; do interrupted; done; echo after\n"), ChunkOutcome::Ran(130));
    assert_eq!(take_output(&mut shell), (String::new(), String::from("\n")));
    let mut script = super::shell_on(super::system());
    assert_eq!(super::run_in(&mut script, "interrupted; echo $?").stdout, "130\n");
}

#[test]
fn caught_interrupt_without_trap_abandons_a_builtin_loop() {
    let mut shell = interactive_shell();
    shell.os_mut().caught_signals.push_back(crate::signal::SIGINT);
    assert_eq!(shell.run_chunk("while true; do :; done; echo after\n"), ChunkOutcome::Ran(130));
    assert_eq!(take_output(&mut shell).0, "");
    assert_eq!(shell.run_chunk("echo next\n"), ChunkOutcome::Ran(0));
}
