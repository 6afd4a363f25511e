//! Redirections to and from the in-memory file system, descriptor duplication and here-documents.

use std::vec;

use super::{output, run, run_in, shell_on, system};
use crate::interp::{Config, Shell};
use crate::os::{OpenMode, Os};

#[test]
fn output_append_and_input_redirection() {
    let mut shell = shell_on(system());
    let result = run_in(&mut shell, "echo one > f; echo two >> f; cat < f; wc -l <f");
    assert_eq!(result.stdout, "one\ntwo\n2\n");
    assert_eq!(shell.os().file("/home/user/f").unwrap(), "one\ntwo\n");
    run_in(&mut shell, "echo three > f");
    assert_eq!(shell.os().file("/home/user/f").unwrap(), "three\n");
}

#[test]
fn redirection_of_builtins_is_undone_afterwards() {
    let mut shell = shell_on(system());
    let result = run_in(&mut shell, "echo hidden > /tmp/x; echo shown; pwd >/tmp/p");
    assert_eq!(result.stdout, "shown\n");
    assert_eq!(shell.os().file("/tmp/x").unwrap(), "hidden\n");
    assert_eq!(shell.os().file("/tmp/p").unwrap(), "/home/user\n");
}

#[test]
fn stderr_redirections() {
    let mut shell = shell_on(system());
    let result = run_in(&mut shell, "warn oops 2>/tmp/err; cat /tmp/err; warn again 2>&1; nosuch 2>/dev/null");
    assert_eq!(result.stdout, "out\noops\nagain\nout\n");
    assert_eq!(result.stderr, "");
}

#[test]
fn order_of_duplication_matters() {
    let mut shell = shell_on(system());
    let first = run_in(&mut shell, "warn message 2>&1 >/tmp/a");
    assert_eq!(first.stdout, "message\n");
    assert_eq!(shell.os().file("/tmp/a").unwrap(), "out\n");
    let second = run_in(&mut shell, "warn message >/tmp/b 2>&1");
    assert_eq!(second.stdout, "");
    assert_eq!(second.stderr, "");
    assert_eq!(shell.os().file("/tmp/b").unwrap(), "message\nout\n");
}

#[test]
fn output_to_stderr_and_numbered_descriptors() {
    let result = run("echo to-err >&2; echo also 1>&2");
    assert_eq!((result.stdout.as_str(), result.stderr.as_str()), ("", "to-err\nalso\n"));
    let mut shell = shell_on(system());
    let result = run_in(&mut shell, "exec 3>/tmp/three; echo via3 >&3; cat <&0 </dev/null; exec 3>&-; echo closed >&3");
    assert_eq!(shell.os().file("/tmp/three").unwrap(), "via3\n");
    assert!(result.stderr.contains("3: Bad file descriptor"));
}

#[test]
fn external_programs_inherit_opened_descriptors() {
    let mut shell = shell_on(system());
    run_in(&mut shell, "exec 4>/tmp/four; printenv HOME >&4");
    assert_eq!(shell.os().file("/tmp/four").unwrap(), "/home/user\n");
}

#[test]
fn descriptors_the_shell_inherited_are_usable_when_declared() {
    let mut os = system();
    let three = os.open("/tmp/inherited", OpenMode::WriteTruncate).unwrap();
    assert_eq!(three, 3);
    let mut shell = Shell::new(os, Config { inherited_fds: vec![three], ..Config::default() });
    let result = run_in(&mut shell, "echo builtin >&3; printenv HOME >&3");
    assert_eq!(result.stderr, "");
    assert_eq!(shell.os().file("/tmp/inherited").unwrap(), "builtin\n/home/user\n");
    let mut undeclared = system();
    undeclared.open("/tmp/undeclared", OpenMode::WriteTruncate).unwrap();
    let result = run_in(&mut shell_on(undeclared), "echo hidden >&3");
    assert!(result.stderr.contains("3: Bad file descriptor"));
}

#[test]
fn input_from_missing_file_fails_without_running() {
    let result = run("cat < /nonexistent; echo status $?");
    assert_eq!(result.stdout, "status 1\n");
    assert_eq!(result.stderr, "sh: /nonexistent: No such file or directory\n");
}

#[test]
fn redirection_on_compound_commands() {
    let mut shell = shell_on(system());
    run_in(&mut shell, "{ echo a; echo b; } > /tmp/g; for i in 1 2; do echo $i; done >> /tmp/g");
    assert_eq!(shell.os().file("/tmp/g").unwrap(), "a\nb\n1\n2\n");
    let result = run_in(&mut shell, "while read line; do echo \"<$line>\"; done < /tmp/g");
    assert_eq!(result.stdout, "<a>\n<b>\n<1>\n<2>\n");
}

#[test]
fn heredoc_feeds_standard_input() {
    assert_eq!(
        output("name=World\ncat <<EOF\nHello, $name!\n  indented\nEOF\necho done"),
        "Hello, World!\n  indented\ndone\n"
    );
}

#[test]
fn heredoc_with_dash_strips_leading_tabs() {
    assert_eq!(output("cat <<-END\n\tone\n\t\ttwo\n\tEND\n"), "one\ntwo\n");
}

#[test]
fn two_heredocs_on_one_line() {
    assert_eq!(output("cat <<A; cat <<B\nfirst\nA\nsecond\nB\necho end"), "first\nsecond\nend\n");
}

#[test]
fn long_heredoc_is_written_by_a_child() {
    let body: std::string::String = (0..1000).map(|i| std::format!("line {i}\n")).collect();
    let script = std::format!("wc -l <<EOF\n{body}EOF\n");
    assert_eq!(output(&script), "1000\n");
}

#[test]
fn heredoc_in_function_and_command_substitution() {
    assert_eq!(output("f() {\ncat <<EOF\nin $1\nEOF\n}\nf arg"), "in arg\n");
    assert_eq!(output("x=$(cat <<EOF\ninner\nEOF\n)\necho $x"), "inner\n");
}

#[test]
fn redirection_without_command_creates_the_file() {
    let mut shell = shell_on(system());
    run_in(&mut shell, "> /tmp/empty");
    assert_eq!(shell.os().file("/tmp/empty").unwrap(), "");
}

#[test]
fn exec_redirects_the_shell_itself() {
    let mut shell = shell_on(system());
    let result = run_in(&mut shell, "exec >/tmp/log; echo one; echo two");
    assert_eq!(result.stdout, "");
    assert_eq!(shell.os().file("/tmp/log").unwrap(), "one\ntwo\n");
}

#[test]
fn redirection_beyond_the_open_files_limit_fails() {
    let result = run("(ulimit -n 8; exec 9</dev/null; echo $?; echo a 9>/tmp/f; echo $?; echo b); ulimit -n");
    assert_eq!(result.stdout, "1\n1\nb\n256\n");
    assert_eq!(result.stderr, "sh: 9: Bad file descriptor\nsh: 9: Bad file descriptor\n");
}

#[test]
fn redirection_without_room_to_save_a_descriptor_fails_and_keeps_it() {
    let result = run("(ulimit -n 3; echo a >/tmp/f; echo $?; echo b); (ulimit -n 4; echo c >/tmp/f; echo d)");
    assert_eq!(result.stdout, "1\nb\nd\n");
    assert_eq!(
        result.stderr,
        "sh: redirection error: cannot duplicate fd: Too many open files\nsh: /tmp/f: Too many open files\n"
    );
}

#[test]
fn redirection_under_a_low_open_files_limit_restores_the_descriptors() {
    assert_eq!(output("ulimit -n 8; echo a >/tmp/f; echo b; cat /tmp/f"), "b\na\n");
}
