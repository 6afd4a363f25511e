//! Parameter, command, arithmetic and tilde expansion, field splitting and pathname expansion.

use super::{output, run, run_in, shell_on, system};

#[test]
fn variables_and_braces() {
    assert_eq!(output("x=hello; echo $x ${x}world \"$x\""), "hello helloworld hello\n");
    assert_eq!(output("echo [$unset]"), "[]\n");
}

#[test]
fn default_assign_alternative_and_error_operators() {
    assert_eq!(output("echo ${u:-def} ${u-def2}; e=; echo [${e:-d}] [${e-d}]"), "def def2\n[d] []\n");
    assert_eq!(output("echo ${v:=set}; echo $v"), "set\nset\n");
    assert_eq!(output("x=1; echo [${x:+alt}] [${u:+alt}]"), "[alt] []\n");
    let result = run("echo ${missing:?is required}; echo not reached");
    assert_eq!(result.stderr, "sh: missing: is required\n");
    assert_eq!(result.stdout, "");
    assert_eq!(result.status, 1);
    assert_eq!(run("e=; : ${e:?}").stderr, "sh: e: parameter null or not set\n");
    assert_eq!(run(": ${u?}").stderr, "sh: u: parameter not set\n");
    assert_eq!(run("e=; : ${e?}; echo fine").stdout, "fine\n");
}

#[test]
fn length_and_pattern_removal() {
    assert_eq!(output("p=/usr/local/lib.tar.gz; echo ${#p}"), "21\n");
    assert_eq!(output("f=archive.tar.gz; echo ${f%.*} ${f%%.*} ${f#*.} ${f##*.}"), "archive.tar archive tar.gz gz\n");
    assert_eq!(output("p=/a/b/c; echo ${p##*/} ${p%/*}"), "c /a/b\n");
    assert_eq!(output("x='*x'; y=a*x; echo ${y%\"$x\"} ${y%$x}"), "a a*\n");
    assert_eq!(output("s=héllo; echo ${#s}"), "5\n");
}

#[test]
fn special_parameters() {
    let result = run("set -- a b c; echo $# $1 $3 \"$*\"; false; echo $?; echo $$; echo $0");
    assert_eq!(result.stdout, "3 a c a b c\n1\n100\nsh\n");
    assert_eq!(output("set -- 1 2 3 4 5 6 7 8 9 10 11; echo ${10} $10 ${11}"), "10 10 11\n");
    assert_eq!(output("set -e; echo $-"), "e\n");
}

#[test]
fn quoted_at_expands_to_separate_fields() {
    assert_eq!(output("set -- 'a b' '' c; args \"$@\""), "[a b][][c]\n");
    assert_eq!(output("set -- 'a b' c; args $@"), "[a][b][c]\n");
    assert_eq!(output("set -- 'a b' c; args \"x$@y\""), "[xa b][cy]\n");
    assert_eq!(output("set --; args \"$@\" end"), "[end]\n");
    assert_eq!(output("set -- a b; IFS=:; args \"$*\""), "[a:b]\n");
    assert_eq!(output("set -- a b; IFS=; args \"$*\" $@"), "[ab][a][b]\n");
}

#[test]
fn command_substitution_strips_trailing_newlines() {
    assert_eq!(output("x=$(printf 'a\\n\\nb\\n\\n'); echo \"[$x]\""), "[a\n\nb]\n");
    assert_eq!(output("echo `echo back` $(echo $(echo nested))"), "back nested\n");
    assert_eq!(output("x=$(false); echo $?"), "1\n");
    assert_eq!(output("echo \"$(echo 'a  b')\" $(echo 'a  b')"), "a  b a b\n");
}

#[test]
fn command_substitution_runs_in_a_subshell() {
    assert_eq!(output("x=1; y=$(x=2; echo $x); echo $x $y"), "1 2\n");
    assert_eq!(output("cd /tmp; d=$(cd /; pwd); echo $d $(pwd)"), "/ /tmp\n");
}

#[test]
fn arithmetic_expansion() {
    assert_eq!(output("echo $((1 + 2 * 3)) $(( (1 + 2) * 3 )) $((7 / 2)) $((7 % 3)) $((2 ** 10))"), "7 9 3 1 1024\n");
    assert_eq!(output("x=5; echo $((x * 2)) $(($x + 1)) $((x += 3)) $x"), "10 6 8 8\n");
    assert_eq!(output("echo $((1 << 4 | 1)) $((~0)) $((!0)) $((3 > 2 && 1)) $((0 ? 1 : 2))"), "17 -1 1 1 2\n");
    assert_eq!(output("i=0; while [ $i -lt 3 ]; do i=$((i + 1)); done; echo $i"), "3\n");
    assert_eq!(output("echo $((-3 / 2)) $((10 - 2 - 3))"), "-1 5\n");
}

#[test]
fn arithmetic_errors_do_not_panic() {
    let result = run("echo $((1 / 0)); echo after");
    assert_eq!(result.stderr, "sh: division by zero\n");
    assert_eq!(result.status, 1);
    assert_eq!(result.stdout, "");
    assert_eq!(run("echo $((2 +))").status, 1);
    assert_eq!(output("echo $((9223372036854775807 + 1))"), "-9223372036854775808\n");
}

#[test]
fn tilde_expands_to_home() {
    assert_eq!(output("echo ~ ~/docs '~' \"~\" a~"), "/home/user /home/user/docs ~ ~ a~\n");
    assert_eq!(output("x=~/bin; echo $x"), "/home/user/bin\n");
}

#[test]
fn field_splitting_uses_ifs() {
    assert_eq!(output("x='a  b   c'; args $x"), "[a][b][c]\n");
    assert_eq!(output("x='a:b::c'; IFS=:; args $x"), "[a][b][][c]\n");
    assert_eq!(output("x='a b'; IFS=; args $x"), "[a b]\n");
    assert_eq!(output("x=' a '; args $x \"$x\""), "[a][ a ]\n");
    assert_eq!(output("e=; args $e \"$e\" ''"), "[][]\n");
    assert_eq!(output("unset u; args ${u:-a b} \"${u:-a b}\""), "[a][b][a b]\n");
}

#[test]
fn globbing_matches_the_directory_tree() {
    let mut os = system();
    for file in ["/home/user/a.txt", "/home/user/b.txt", "/home/user/c.log", "/home/user/.hidden.txt"] {
        os.write_file(file, "");
    }
    os.write_file("/home/user/src/main.rs", "");
    os.write_file("/home/user/src/lib.rs", "");
    os.write_file("/home/user/src/sub/deep.rs", "");
    let mut shell = shell_on(os);
    let mut check = |script: &str, expected: &str| {
        assert_eq!(run_in(&mut shell, script).stdout, expected, "{script}");
    };
    check("echo *.txt", "a.txt b.txt\n");
    check("echo ?.log", "c.log\n");
    check("echo [ab].txt [!a].txt", "a.txt b.txt b.txt\n");
    check("echo [a-b]*", "a.txt b.txt\n");
    check("echo .*.txt", ".hidden.txt\n");
    check("echo src/*.rs", "src/lib.rs src/main.rs\n");
    check("echo */*.rs", "src/lib.rs src/main.rs\n");
    check("echo src/*/deep.rs", "src/sub/deep.rs\n");
    check("echo /home/user/s*", "/home/user/src\n");
    check("echo */", "src/\n");
    check("echo *.none", "*.none\n");
    check("echo '*.txt' \"*\".txt \\*.txt", "*.txt *.txt *.txt\n");
    check("x='*.txt'; echo $x \"$x\"", "a.txt b.txt *.txt\n");
    check("set -f; echo *.txt", "*.txt\n");
}

#[test]
fn assignments_are_not_split_or_globbed() {
    assert_eq!(output("x='a   b'; y=$x; echo \"$y\""), "a   b\n");
    assert_eq!(output("x=*; echo \"$x\""), "*\n");
}
