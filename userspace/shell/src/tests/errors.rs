//! Missing and unusable commands, `set -e`, and hostile input that must not panic.

use super::{output, run, run_in, shell_on, system};

#[test]
fn missing_command_is_127() {
    let result = run("nosuchcommand arg; echo $?");
    assert_eq!(result.stderr, "sh: nosuchcommand: not found\n");
    assert_eq!(result.stdout, "127\n");
    let result = run("./missing; echo $?");
    assert_eq!(result.stderr, "sh: ./missing: No such file or directory\n");
    assert_eq!(result.stdout, "127\n");
}

#[test]
fn non_executable_file_is_126() {
    let mut os = system();
    os.write_file("/home/user/script", "echo hi");
    os.write_file("/bin/notexec", "");
    let mut shell = shell_on(os);
    let result = run_in(&mut shell, "./script; echo $?; /tmp; echo $?; notexec; echo $?");
    assert_eq!(result.stdout, "126\n126\n126\n");
    assert_eq!(
        result.stderr,
        "sh: ./script: Permission denied\nsh: /tmp: Is a directory\nsh: /bin/notexec: Permission denied\n"
    );
}

#[test]
fn path_lookup_follows_path_order() {
    let mut os = system();
    os.make_dir("/opt");
    os.install("/opt/seq", |process| {
        process.print("opt-seq\n");
        0
    });
    let mut shell = shell_on(os);
    assert_eq!(
        run_in(&mut shell, "seq 1; PATH=/opt:/bin; seq 1; hash=x; PATH=/bin seq 2").stdout,
        "1\nopt-seq\n1\n2\n"
    );
}

#[test]
fn errexit_stops_at_the_first_failure() {
    let result = run("set -e; echo a; false; echo b");
    assert_eq!(result.stdout, "a\n");
    assert_eq!(result.status, 1);
    assert_eq!(run("set -e; exitwith 4 | cat; echo reached").stdout, "reached\n");
    assert_eq!(run("set -e; cat | exitwith 4; echo no").status, 4);
}

#[test]
fn errexit_exceptions() {
    let script = "set -e
        if false; then :; fi
        while false; do :; done
        false && true
        false || true
        ! true
        f() { false; echo in-f; }
        if f; then :; fi
        echo survived";
    assert_eq!(output(script), "in-f\nsurvived\n");
    assert_eq!(run("set -e; true && false; echo no").status, 1);
    assert_eq!(run("set -e; (false); echo no").status, 1);
    assert_eq!(run("set -e; f() { false; echo no; }; f").status, 1);
}

#[test]
fn errexit_in_subshell_and_substitution() {
    assert_eq!(output("set -e; x=$(false; echo not-printed); echo \"[$x]\""), "");
    assert_eq!(output("set -e; (false; echo ignored) || echo handled"), "ignored\n");
}

#[test]
fn hostile_inputs_do_not_panic() {
    for script in [
        "${",
        "$((",
        "echo $((1/0))",
        "echo $(( 1 +* 2 ))",
        "((((",
        "))))",
        "`",
        "case",
        "for",
        "for 1 in a; do :; done",
        "f() f",
        "<<",
        "echo \\",
        "shift 99999999999999999999",
        "exit 99999999999999999999",
        "printf '%99999999999999999999d'",
        "printf '%.99999999999999999999s' x",
        "x=$((1 << 65)); echo $x",
        "set -- ${99999999999999999999}",
        "echo ${#@} ${@%x} ${*#y}",
        "read -p",
        "test ( ( (",
        "[ ! ! ! ]",
        "kill -999 1",
        "cd ''",
        "trap 'echo' KILL",
        "getopts",
        "wait %9",
        "fg",
        "unset PATH; ls",
        "IFS=; set -- $*",
        "echo ${x:=${y:=${z:=deep}}}; echo $x$y$z",
        "eval 'if'",
        "alias x='x'; x",
        "alias a='b' b='a'; a",
        "exec 99999999999<&0",
        "echo >&99999999999999",
    ] {
        let result = run(script);
        assert!(result.status >= 0, "{script}");
    }
}

#[test]
fn deep_eval_recursion_is_limited() {
    let result = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(|| run("cmd='eval \"$cmd\"'; eval \"$cmd\""))
        .unwrap()
        .join()
        .unwrap();
    assert!(result.stderr.contains("maximum nesting depth exceeded"), "{}", result.stderr);
}
