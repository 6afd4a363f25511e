//! The builtin commands.

use super::{output, run, run_in, shell_on, system};
use crate::os::{Os, Resource, ResourceLimit};

#[test]
fn cd_updates_pwd_and_oldpwd() {
    let result = run("cd /tmp; echo $PWD; cd ..; pwd; cd -; echo $OLDPWD; cd; pwd");
    assert_eq!(result.stdout, "/tmp\n/\n/tmp\n/\n/home/user\n");
    let result = run("cd /missing; echo $?");
    assert_eq!(result.stdout, "1\n");
    assert_eq!(result.stderr, "sh: cd: /missing: No such file or directory\n");
    assert_eq!(run("unset HOME; cd").stderr, "sh: cd: HOME not set\n");
}

#[test]
fn cd_into_a_file_fails() {
    let mut os = system();
    os.write_file("/tmp/file", "x");
    let mut shell = shell_on(os);
    assert_eq!(run_in(&mut shell, "cd /tmp/file").stderr, "sh: cd: /tmp/file: Not a directory\n");
}

#[test]
fn echo_options() {
    assert_eq!(output("echo -n a; echo b"), "ab\n");
    assert_eq!(output("echo -e 'a\\tb\\n\\0101'"), "a\tb\nA\n");
    assert_eq!(output("echo 'a\\tb' -n"), "a\\tb -n\n");
    assert_eq!(output("echo -e 'stop\\chere'; echo"), "stop\n");
    assert_eq!(output("echo -x"), "-x\n");
}

#[test]
fn printf_conversions() {
    assert_eq!(
        output("printf '%s-%d-%i|%5s|%-5s|%05d|%x %X %o %%\\n' str 42 -7 ab cd 42 255 255 8"),
        "str-42--7|   ab|cd   |00042|ff FF 10 %\n"
    );
    assert_eq!(output("printf '%.2s %.3d %c %u\\n' abcdef 5 xyz 3"), "ab 005 x 3\n");
    assert_eq!(output("printf '%b|%s\\n' 'a\\tb' 'a\\tb'"), "a\tb|a\\tb\n");
    assert_eq!(output("printf '\\101\\t\\\\\\n'"), "A\t\\\n");
    assert_eq!(output("printf '%d %d\\n' \"'A\" 0x10"), "65 16\n");
    assert_eq!(output("printf '%*d|\\n' 4 7"), "   7|\n");
}

#[test]
fn printf_reuses_the_format_for_remaining_arguments() {
    assert_eq!(output("printf '%s=%s\\n' a 1 b 2 c"), "a=1\nb=2\nc=\n");
    assert_eq!(output("printf 'no args\\n' extra"), "no args\n");
}

#[test]
fn printf_reports_bad_numbers() {
    let result = run("printf '%d\\n' abc; echo $?; printf '%d %d\\n' 12abc -3.5 2>/dev/null");
    assert_eq!(result.stdout, "0\n1\n12 -3\n");
    assert_eq!(result.stderr, "sh: printf: abc: invalid number\n");
    assert_eq!(run("printf '%z'").status, 1);
}

#[test]
fn read_splits_into_names() {
    let mut shell = shell_on(system());
    shell.os().stdin.borrow_mut().extend(b"  one two  three four \nsecond line\nno newline".iter());
    let result = run_in(
        &mut shell,
        "read a b c; echo \"[$a][$b][$c]\"; read line; echo \"[$line]\"; read last; echo $? \"[$last]\"; read x; echo $?",
    );
    assert_eq!(result.stdout, "[one][two][three four]\n[second line]\n1 [no newline]\n1\n");
}

#[test]
fn read_raw_and_escapes_and_ifs() {
    let mut shell = shell_on(system());
    shell.os().stdin.borrow_mut().extend(b"a\\ b c\\\nd\na\\ b\nx:y:z\n".iter());
    let result = run_in(
        &mut shell,
        "read one two; echo \"[$one][$two]\"; read -r raw; echo \"[$raw]\"; IFS=: read p q; echo \"[$p][$q]\"",
    );
    assert_eq!(result.stdout, "[a b][cd]\n[a\\ b]\n[x][y:z]\n");
}

#[test]
fn read_prompt_goes_to_stderr() {
    let mut shell = shell_on(system());
    shell.os().stdin.borrow_mut().extend(b"answer\n".iter());
    let result = run_in(&mut shell, "read -p 'Name? ' name; echo $name $REPLY");
    assert_eq!((result.stdout.as_str(), result.stderr.as_str()), ("answer\n", "Name? "));
}

#[test]
fn test_strings_integers_and_logic() {
    let cases = [
        ("test -z ''", 0),
        ("test -n ''", 1),
        ("[ abc = abc ]", 0),
        ("[ abc != abc ]", 1),
        ("[ 3 -lt 10 ]", 0),
        ("[ 10 -le 3 ]", 1),
        ("[ 5 -eq 5 -a 1 -ne 2 ]", 0),
        ("[ 5 -eq 6 -o 1 -ne 2 ]", 0),
        ("[ ! 5 -eq 5 ]", 1),
        ("[ \\( 1 -eq 1 -o 1 -eq 2 \\) -a 2 -gt 1 ]", 0),
        ("[ -n x -a -z '' ]", 0),
        ("[ x ]", 0),
        ("[ '' ]", 1),
        ("[ ]", 1),
        ("[ a \\< b ]", 0),
        ("test 2 -ge 2", 0),
        ("test -gt", 0),
    ];
    for (script, expected) in cases {
        assert_eq!(run(script).status, expected, "{script}");
    }
}

#[test]
fn test_errors_give_status_two() {
    let result = run("[ 1 -eq x ]");
    assert_eq!(result.status, 2);
    assert_eq!(result.stderr, "sh: [: x: integer expression expected\n");
    assert_eq!(run("[ a = b").stderr, "sh: [: missing `]'\n");
    assert_eq!(run("test -q x").status, 2);
}

#[test]
fn test_files() {
    let mut os = system();
    os.write_file("/tmp/data", "content");
    os.write_file("/tmp/empty", "");
    os.files.insert("/tmp/link".into(), super::fake_os::Node::Symlink("/tmp/data".into()));
    let mut shell = shell_on(os);
    let cases = [
        ("[ -e /tmp/data ]", 0),
        ("[ -f /tmp/data ]", 0),
        ("[ -d /tmp/data ]", 1),
        ("[ -d /tmp ]", 0),
        ("[ -s /tmp/data ]", 0),
        ("[ -s /tmp/empty ]", 1),
        ("[ -x /bin/cat ]", 0),
        ("[ -x /tmp/data ]", 1),
        ("[ -r /tmp/data ]", 0),
        ("[ -w /tmp/data ]", 0),
        ("[ -L /tmp/link ]", 0),
        ("[ -L /tmp/data ]", 1),
        ("[ -f /tmp/link ]", 0),
        ("[ -e /nope ]", 1),
    ];
    for (script, expected) in cases {
        assert_eq!(run_in(&mut shell, script).status, expected, "{script}");
    }
}

#[test]
fn type_and_command_describe_names() {
    let script = "alias ll='ls -l'; f() { :; }; type ll f cd exit if cat; type nothing; echo $?";
    let result = run(script);
    assert_eq!(
        result.stdout,
        "ll is aliased to `ls -l'\nf is a function\ncd is a shell builtin\nexit is a special shell builtin\nif is a shell keyword\ncat is /bin/cat\n1\n"
    );
    assert_eq!(result.stderr, "sh: type: nothing: not found\n");
    assert_eq!(output("command -v cat cd; command -v nothing; echo $?"), "/bin/cat\ncd\n1\n");
    assert_eq!(output("command echo hi"), "hi\n");
}

#[test]
fn alias_expands_the_first_word() {
    assert_eq!(output("alias greet='echo hello'\ngreet world\nalias"), "hello world\nalias greet='echo hello'\n");
    assert_eq!(output("alias ls='ls /'\nls | head -n 1"), "bin\n");
    assert_eq!(output("alias a=b\nalias b='echo chained'\na"), "chained\n");
    assert_eq!(output("alias e=echo\necho e\nunalias e\ntype e >/dev/null || echo gone"), "e\ngone\n");
    assert_eq!(run("unalias nope").status, 1);
}

#[test]
fn export_makes_variables_visible_to_programs() {
    assert_eq!(output("X=1; printenv X; echo $?; export X; printenv X; export Y=2; printenv Y"), "1\n1\n2\n");
    assert_eq!(output("Z=only-here printenv Z; printenv Z; echo $?"), "only-here\n1\n");
    assert_eq!(output("export A=1; export -p | grep A="), "export A=1\n");
}

#[test]
fn unset_and_readonly() {
    assert_eq!(output("x=1; unset x; echo [${x-unset}]"), "[unset]\n");
    let result = run("readonly r=1; unset r; echo $r; r=2; echo not reached");
    assert_eq!(result.stdout, "1\n");
    assert_eq!(result.stderr, "sh: r: readonly variable\nsh: r: readonly variable\n");
    assert_eq!(result.status, 1);
    assert_eq!(output("f() { echo f; }; unset -f f; f 2>/dev/null; echo $?"), "127\n");
}

#[test]
fn set_and_shift_manage_positionals() {
    assert_eq!(output("set -- a b c d; shift; echo $@; shift 2; echo $@ $#"), "b c d\nd 1\n");
    assert_eq!(run("set -- a; shift 2").status, 1);
    assert_eq!(output("set a b; echo $2"), "b\n");
    assert_eq!(
        output("set -o | grep errexit; set -e; set -o | grep errexit"),
        "errexit        off\nerrexit        on\n"
    );
}

#[test]
fn set_x_traces_commands() {
    let result = run("set -x; x=1 echo 'a b' $x; y=2");
    assert_eq!(result.stdout, "a b\n");
    assert_eq!(result.stderr, "+ x=1 echo 'a b'\n+ y=2\n");
}

#[test]
fn set_u_rejects_unset_variables() {
    let result = run("set -u; echo ${ok:-fine}; echo $nope; echo after");
    assert_eq!(result.stdout, "fine\n");
    assert_eq!(result.stderr, "sh: nope: unbound variable\n");
    assert_eq!(result.status, 1);
}

#[test]
fn eval_and_source() {
    let mut os = system();
    os.write_file("/home/user/lib.sh", "libvar=loaded\nlibfn() { echo \"libfn $1\"; }\nreturn 4\necho unreachable\n");
    let mut shell = shell_on(os);
    let result = run_in(
        &mut shell,
        ". ./lib.sh; echo $?; libfn x; echo $libvar; source lib.sh arg; eval 'echo $((1+1))'; cmd='echo evaluated'; eval $cmd",
    );
    assert_eq!(result.stdout, "4\nlibfn x\nloaded\n2\nevaluated\n");
    let missing = run(". /nope; echo $?");
    assert_eq!(missing.stdout, "1\n");
    assert_eq!(missing.stderr, "sh: .: /nope: No such file or directory\n");
}

#[test]
fn exit_status_and_exit_trap() {
    assert_eq!(run("exit 3; echo no").status, 3);
    assert_eq!(run("false; exit").status, 1);
    let result = run("trap 'echo bye $?' EXIT; echo hi; exit 5");
    assert_eq!(result.stdout, "hi\nbye 5\n");
    assert_eq!(result.status, 5);
    assert_eq!(run("exit 256").status, 0);
    assert_eq!(run("exit abc").status, 2);
}

#[test]
fn trap_stores_signal_commands() {
    let mut shell = shell_on(system());
    let result = run_in(&mut shell, "trap 'echo got int' INT; trap '' TERM; (trap); trap");
    assert_eq!(result.stdout, "trap -- '' TERM\ntrap -- 'echo got int' INT\ntrap -- '' TERM\n");
    assert_eq!(shell.os().signal_action(2), Some(crate::os::SignalAction::Catch));
    assert_eq!(shell.os().signal_action(15), Some(crate::os::SignalAction::Ignore));
    shell.os_mut().caught_signals.push_back(2);
    assert_eq!(run_in(&mut shell, "echo after").stdout, "after\ngot int\n");
    assert_eq!(run_in(&mut shell, "trap - INT; trap BOGUS x").stderr, "sh: trap: x: invalid signal specification\n");
}

#[test]
fn true_false_colon() {
    assert_eq!(output("true; echo $?; false; echo $?; :; echo $?"), "0\n1\n0\n");
}

#[test]
fn getopts_parses_options() {
    let script = "while getopts 'ab:c' opt -a -b val -ca rest; do echo \"$opt ${OPTARG-}\"; done; echo $OPTIND";
    assert_eq!(output(script), "a \nb val\nc \na \n5\n");
    let result = run("getopts 'x' o -y; echo $o");
    assert_eq!(result.stdout, "?\n");
    assert_eq!(result.stderr, "sh: illegal option -- y\n");
}

#[test]
fn umask_shows_and_sets() {
    assert_eq!(output("umask; umask 077; umask"), "0022\n0077\n");
}

#[test]
fn exec_replaces_the_shell() {
    let result = run("exec exitwith 7; echo not reached");
    assert_eq!(result.status, 7);
    assert_eq!(result.stdout, "");
}

#[test]
fn ulimit_shows_limits() {
    assert_eq!(
        output("ulimit; ulimit -f; ulimit -n; ulimit -u; ulimit -v; ulimit -Hn"),
        "unlimited\nunlimited\n256\n2013\nunlimited\n256\n"
    );
    assert_eq!(
        output("ulimit -n -u"),
        "open files                          (-n) 256\nmax user processes                  (-u) 2013\n"
    );
    assert_eq!(
        output("ulimit -a"),
        "file size                   (blocks, -f) unlimited\n\
         open files                          (-n) 256\n\
         max user processes                  (-u) 2013\n\
         virtual memory              (kbytes, -v) unlimited\n"
    );
}

#[test]
fn ulimit_sets_soft_and_hard_limits() {
    assert_eq!(output("ulimit -n 64; ulimit -n; ulimit -Hn"), "64\n64\n");
    assert_eq!(output("ulimit -Sn 32; ulimit -n; ulimit -Hn; ulimit -Sn hard; ulimit -n"), "32\n256\n256\n");
    assert_eq!(output("ulimit -Sn 50; ulimit -Hn 100; ulimit -Sn; ulimit -Hn"), "50\n100\n");
    assert_eq!(
        output("ulimit -Sn 10 -u 20; ulimit -n -u; ulimit -Hu"),
        "open files                          (-n) 10\nmax user processes                  (-u) 20\n2013\n"
    );
    assert_eq!(
        output("ulimit -Sv 1024; ulimit -v; ulimit -Hv; ulimit -Sv unlimited; ulimit -v"),
        "1024\nunlimited\nunlimited\n"
    );
    assert_eq!(output("ulimit -f unlimited; echo $?; ulimit unlimited; echo $?"), "0\n0\n");
}

#[test]
fn ulimit_stores_bytes_of_address_space() {
    let mut shell = shell_on(system());
    assert_eq!(run_in(&mut shell, "ulimit -v 2048").status, 0);
    let limit = shell.os_mut().get_limit(Resource::AddressSpace).unwrap();
    assert_eq!(limit, ResourceLimit { soft: Some(2048 * 1024), hard: Some(2048 * 1024) });
}

#[test]
fn ulimit_in_a_subshell_leaves_the_shell_alone() {
    assert_eq!(output("(ulimit -n 16; ulimit -n); ulimit -n"), "16\n256\n");
}

#[test]
fn ulimit_errors() {
    let result = run("ulimit -n 64; ulimit -n 100; echo $?; ulimit -n");
    assert_eq!(result.stdout, "1\n64\n");
    assert_eq!(result.stderr, "sh: ulimit: open files: cannot modify limit: Operation not permitted\n");
    let result = run("ulimit -Hu 10; echo $?");
    assert_eq!(result.stdout, "1\n");
    assert_eq!(result.stderr, "sh: ulimit: max user processes: cannot modify limit: Invalid argument\n");
    let result = run("ulimit -n abc; echo $?; ulimit -n ''; echo $?; ulimit -v 99999999999999999; echo $?");
    assert_eq!(result.stdout, "1\n1\n1\n");
    assert_eq!(
        result.stderr,
        "sh: ulimit: abc: invalid number\nsh: ulimit: : invalid number\nsh: ulimit: 99999999999999999: limit out of range\n"
    );
    let result = run("ulimit -f 100; echo $?; ulimit 100; echo $?");
    assert_eq!(result.stdout, "1\n1\n");
    assert_eq!(result.stderr, "sh: ulimit: file size: cannot modify limit: Operation not supported\n".repeat(2));
    let result = run("ulimit -x; echo $?; ulimit -n 1 2; echo $?; ulimit -a 5; echo $?");
    assert_eq!(result.stdout, "2\n2\n2\n");
    assert_eq!(
        result.stderr,
        "sh: ulimit: -x: invalid option\nsh: ulimit: usage: ulimit [-SHa] [-fnuv] [limit]\n\
         sh: ulimit: too many arguments\nsh: ulimit: too many arguments\n"
    );
}

#[test]
fn ulimit_as_root_raises_a_hard_limit() {
    let mut os = system();
    os.uid = 0;
    let mut shell = shell_on(os);
    assert_eq!(run_in(&mut shell, "ulimit -n 64; ulimit -n 200; ulimit -Hn").stdout, "200\n");
}
