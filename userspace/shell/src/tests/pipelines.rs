//! Pipelines, `!`, and-or lists, subshells and brace groups.

use super::{output, run, run_in, shell_on, system};

#[test]
fn seq_grep_wc_counts_lines_with_a_seven() {
    assert_eq!(output("seq 1 1000 | grep 7 | wc -l"), "271\n");
}

#[test]
fn builtins_and_functions_work_inside_pipelines() {
    assert_eq!(output("echo hello | cat"), "hello\n");
    assert_eq!(output("f() { echo from-f; echo second; }; f | grep second"), "second\n");
    assert_eq!(output("seq 3 | while read n; do echo \"n=$n\"; done"), "n=1\nn=2\nn=3\n");
    assert_eq!(output("printf 'b\\na\\nc\\n' | sort | head -n 2"), "a\nb\n");
}

#[test]
fn pipeline_elements_run_in_subshells() {
    assert_eq!(output("x=1; echo 2 | read x; echo $x"), "1\n");
    assert_eq!(output("x=1; x=2 | cat; echo $x"), "1\n");
}

#[test]
fn pipeline_status_is_the_last_commands_unless_pipefail() {
    assert_eq!(output("exitwith 3 | exitwith 0; echo $?"), "0\n");
    assert_eq!(output("exitwith 0 | exitwith 4; echo $?"), "4\n");
    assert_eq!(output("set -o pipefail; exitwith 3 | exitwith 0; echo $?"), "3\n");
}

#[test]
fn negation_inverts_the_status() {
    assert_eq!(output("! false; echo $?; ! true; echo $?; ! echo x | grep y; echo $?"), "0\n1\n0\n");
}

#[test]
fn and_or_lists_short_circuit() {
    assert_eq!(output("true && echo a || echo b; false && echo c || echo d"), "a\nd\n");
    assert_eq!(output("false || false || echo e; true || echo f; echo $?"), "e\n0\n");
    assert_eq!(output("false\n&& echo never"), "");
}

#[test]
fn and_or_continuation_over_newlines() {
    assert_eq!(output("true &&\n\necho next ||\necho no"), "next\n");
    assert_eq!(output("echo a |\n cat"), "a\n");
}

#[test]
fn subshell_isolates_variables_and_directory() {
    let result = run("x=1; (x=2; cd /tmp; echo in $x $(pwd)); echo out $x $(pwd)");
    assert_eq!(result.stdout, "in 2 /tmp\nout 1 /home/user\n");
    assert_eq!(output("(exit 3); echo $?"), "3\n");
    assert_eq!(output("(echo a; echo b) | wc -l"), "2\n");
}

#[test]
fn brace_group_runs_in_the_current_shell() {
    assert_eq!(output("x=1; { x=2; echo in; }; echo $x"), "in\n2\n");
    assert_eq!(output("{ echo a; echo b; } | wc -l"), "2\n");
}

#[test]
fn external_commands_get_no_extra_process_in_pipelines() {
    let mut shell = shell_on(system());
    run_in(&mut shell, "seq 1 3 | cat | cat");
    assert_eq!(shell.os().processes_created(), 3);
}
