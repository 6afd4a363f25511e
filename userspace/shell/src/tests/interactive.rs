//! What the interactive binary uses: chunks, prompts and completion.

use std::string::String;
use std::vec::Vec;

use crate::interp::ChunkOutcome;
use crate::prompt::PromptKind;

use super::{interactive_shell, shell_on, system, take_output};

#[test]
fn chunks_keep_state_between_calls() {
    let mut shell = interactive_shell();
    assert_eq!(shell.run_chunk("x=5\n"), ChunkOutcome::Ran(0));
    assert_eq!(shell.run_chunk("echo $((x * 2))\n"), ChunkOutcome::Ran(0));
    assert_eq!(take_output(&mut shell).0, "10\n");
    assert_eq!(shell.run_chunk("exit 4\n"), ChunkOutcome::Exit(4));
}

#[test]
fn interactive_errors_do_not_exit() {
    let mut shell = interactive_shell();
    assert_eq!(shell.run_chunk("echo ${x:?missing}; echo skipped\n"), ChunkOutcome::Ran(1));
    assert_eq!(shell.run_chunk("echo still here\n"), ChunkOutcome::Ran(0));
    assert_eq!(take_output(&mut shell).0, "still here\n");
}

#[test]
fn non_interactive_error_exits_the_chunk() {
    let mut shell = shell_on(system());
    assert_eq!(shell.run_chunk("echo ${x:?missing}\n"), ChunkOutcome::Exit(1));
}

#[test]
fn finish_runs_the_exit_trap_once() {
    let mut shell = interactive_shell();
    shell.run_chunk("trap 'echo cleanup' EXIT\nfalse\n");
    assert_eq!(shell.finish(), 1);
    assert_eq!(shell.finish(), 1);
    assert_eq!(take_output(&mut shell).0, "cleanup\n");
}

#[test]
fn prompt_escapes_and_expansions() {
    let mut shell = interactive_shell();
    shell.run_chunk("PS1='\\u@\\h:\\w\\$ '; HOSTNAME=box.example; cd /tmp\n");
    assert_eq!(shell.prompt(PromptKind::Primary), "user@box:/tmp$ ");
    shell.run_chunk("cd; PS1='[\\W] $((1+1)) \\\\ $ '\n");
    assert_eq!(shell.prompt(PromptKind::Primary), "[~] 2 \\ $ ");
    shell.run_chunk("mkdir_missing=1; cd /home; PS1='\\w \\W>'\n");
    assert_eq!(shell.prompt(PromptKind::Primary), "/home home>");
    assert_eq!(shell.prompt(PromptKind::Continuation), "> ");
    shell.os_mut().uid = 0;
    shell.run_chunk("PS1='\\$ $PWD'\n");
    assert_eq!(shell.prompt(PromptKind::Primary), "# /home");
}

#[test]
fn prompt_user_comes_from_the_user_database_without_user() {
    let mut shell = interactive_shell();
    shell.run_chunk("unset USER LOGNAME; PS1='\\u\\$ '\n");
    assert_eq!(shell.prompt(PromptKind::Primary), "user$ ");
    shell.os_mut().uid = 0;
    assert_eq!(shell.prompt(PromptKind::Primary), "root# ");
    shell.os_mut().uid = 4242;
    assert_eq!(shell.prompt(PromptKind::Primary), "4242$ ");
}

#[test]
fn prompt_does_not_change_the_status() {
    let mut shell = interactive_shell();
    shell.run_chunk("false\nPS1='$(true)> '\n");
    shell.run_chunk("false\n");
    assert_eq!(shell.prompt(PromptKind::Primary), "> ");
    assert_eq!(shell.last_status(), 1);
}

fn candidates(shell: &mut crate::Shell<super::fake_os::FakeOs>, line: &str) -> (usize, Vec<String>) {
    let completion = shell.complete(line, line.len());
    (completion.start, completion.candidates)
}

#[test]
fn completes_command_names_from_everywhere() {
    let mut shell = interactive_shell();
    shell.run_chunk("sequence() { :; }; alias seqalias=seq\n");
    let (start, names) = candidates(&mut shell, "se");
    assert_eq!(start, 0);
    assert_eq!(names, ["seq", "seqalias", "sequence", "set"]);
    let (start, names) = candidates(&mut shell, "echo x | gr");
    assert_eq!((start, names), (9, std::vec![String::from("grep")]));
    let (_, names) = candidates(&mut shell, "if tr");
    assert_eq!(names, ["trap", "true"]);
}

#[test]
fn completes_paths_after_the_command() {
    let mut os = system();
    os.write_file("/home/user/notes.txt", "");
    os.write_file("/home/user/novel/ch1", "");
    os.write_file("/home/user/.nothidden", "");
    let mut shell = shell_on(os);
    assert_eq!(candidates(&mut shell, "cat no"), (4, std::vec![String::from("notes.txt"), String::from("novel/")]));
    assert_eq!(candidates(&mut shell, "cat novel/"), (4, std::vec![String::from("novel/ch1")]));
    assert_eq!(candidates(&mut shell, "cat ~/nov"), (4, std::vec![String::from("~/novel/")]));
    assert_eq!(candidates(&mut shell, "cat /b"), (4, std::vec![String::from("/bin/")]));
    assert_eq!(candidates(&mut shell, "cat .no"), (4, std::vec![String::from(".nothidden")]));
    assert_eq!(candidates(&mut shell, "./no").1, ["./notes.txt", "./novel/"]);
}

#[test]
fn completes_variable_names() {
    let mut shell = interactive_shell();
    shell.run_chunk("HOSTLY=1\n");
    assert_eq!(candidates(&mut shell, "echo $HO").1, ["$HOME", "$HOSTLY"]);
}

#[test]
fn completion_cursor_in_the_middle() {
    let mut shell = interactive_shell();
    let completion = shell.complete("gre foo", 3);
    assert_eq!((completion.start, completion.candidates), (0, std::vec![String::from("grep")]));
}
