//! `if`, loops, `case`, functions, `return`, `break` and `continue`.

use super::{output, run};

#[test]
fn if_elif_else() {
    let script =
        "for x in 1 2 3; do if [ $x = 1 ]; then echo one; elif [ $x = 2 ]; then echo two; else echo other; fi; done";
    assert_eq!(output(script), "one\ntwo\nother\n");
    assert_eq!(output("if false; then echo no; fi; echo $?"), "0\n");
}

#[test]
fn while_and_until_loops() {
    assert_eq!(output("i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done"), "0\n1\n2\n");
    assert_eq!(output("i=0; until [ $i -ge 2 ]; do echo $i; i=$((i+1)); done"), "0\n1\n");
}

#[test]
fn for_over_words_and_positionals() {
    assert_eq!(output("for w in a 'b c' d; do echo \"<$w>\"; done"), "<a>\n<b c>\n<d>\n");
    assert_eq!(output("set -- x 'y z'; for p; do echo \"<$p>\"; done"), "<x>\n<y z>\n");
    assert_eq!(output("set -- p q; for p\ndo echo $p; done"), "p\nq\n");
    assert_eq!(output("for i in; do echo never; done; echo ok"), "ok\n");
}

#[test]
fn break_and_continue_with_levels() {
    assert_eq!(output("for i in 1 2 3 4; do [ $i = 2 ] && continue; [ $i = 4 ] && break; echo $i; done"), "1\n3\n");
    let script = "for i in 1 2; do for j in a b c; do [ $j = b ] && continue 2; echo $i$j; done; done";
    assert_eq!(output(script), "1a\n2a\n");
    let script = "for i in 1 2; do for j in a b; do echo $i$j; break 2; done; done; echo after";
    assert_eq!(output(script), "1a\nafter\n");
    assert_eq!(output("while true; do break 5; done; echo out"), "out\n");
}

#[test]
fn break_outside_a_loop_is_harmless() {
    let result = run("break; echo still");
    assert_eq!(result.stdout, "still\n");
    assert!(result.stderr.contains("only meaningful in a"));
}

#[test]
fn case_with_patterns() {
    let script = "for w in apple banana cherry 42 x.c; do case $w in
        a*) echo fruit-a;;
        b*|c*) echo fruit-bc;;
        [0-9]*) echo number;;
        *.[ch]) echo source ;;
    esac; done";
    assert_eq!(output(script), "fruit-a\nfruit-bc\nfruit-bc\nnumber\nsource\n");
    assert_eq!(output("case '*' in \\*) echo star;; *) echo other;; esac"), "star\n");
    assert_eq!(output("x=abc; case abc in \"$x\") echo quoted-var;; esac"), "quoted-var\n");
    assert_eq!(output("case x in (x) echo paren;; esac"), "paren\n");
    assert_eq!(output("case nomatch in a) echo a;; esac; echo $?"), "0\n");
    assert_eq!(output("case a in a) ;; esac; echo empty-arm"), "empty-arm\n");
}

#[test]
fn functions_have_positional_parameters() {
    let script = "show() { echo \"$# args: $1, $2\"; }; show one two; show 'a b'; echo \"outer $#\"";
    assert_eq!(output(script), "2 args: one, two\n1 args: a b, \nouter 0\n");
    assert_eq!(output("f() { echo $0; }; f"), "sh\n");
}

#[test]
fn return_sets_the_status() {
    assert_eq!(output("f() { return 3; echo no; }; f; echo $?"), "3\n");
    assert_eq!(output("f() { false; return; }; f; echo $?"), "1\n");
    assert_eq!(output("f() { for i in 1 2; do return 7; done; }; f; echo $?"), "7\n");
}

#[test]
fn local_variables_are_restored() {
    let script = "x=global; f() { local x=local y; echo $x; y=set; g; }; g() { echo in-g $x; }; f; echo $x [$y]";
    assert_eq!(output(script), "local\nin-g local\nglobal []\n");
    assert!(run("local x=1").stderr.contains("local: can only be used in a function"));
}

#[test]
fn recursion_works_and_is_limited() {
    let script = "fact() { if [ $1 -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(($1 - 1))) )); fi; }; fact 10";
    assert_eq!(output(script), "3628800\n");
    let deep = std::thread::Builder::new()
        .stack_size(256 * 1024 * 1024)
        .spawn(|| run("f() { f; }; f; echo never"))
        .unwrap()
        .join()
        .unwrap();
    assert!(deep.stderr.contains("maximum nesting depth exceeded"), "{}", deep.stderr);
    assert_eq!(deep.stdout, "");
    assert_eq!(deep.status, 1);
}

#[test]
fn function_redirection_and_temporary_assignment() {
    let script = "f() { echo \"v=$v\"; }; v=perm; v=temp f; echo $v";
    assert_eq!(output(script), "v=temp\nperm\n");
    assert_eq!(output("f() { printenv TEMPVAR; }; TEMPVAR=exported f"), "exported\n");
}

#[test]
fn function_keyword_form_and_overriding_builtins() {
    assert_eq!(output("function hi { echo hi $1; }; hi there"), "hi there\n");
    assert_eq!(output("echo() { builtin_missing=1; command echo wrapped \"$@\"; }; echo x"), "wrapped x\n");
}

#[test]
fn special_builtins_win_over_functions() {
    assert_eq!(output("exit() { echo function; }; exit 0; echo not-here"), "");
}
