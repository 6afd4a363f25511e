//! Syntax errors with their positions, and incomplete input.

use crate::ast::{Command, Compound, RedirectKind, WordPart};
use crate::error::ParseErrorKind;
use crate::interp::ChunkOutcome;
use crate::parser::{Aliases, Parser};

use super::{interactive_shell, run, take_output};

fn parse_error(source: &str) -> crate::error::ParseError {
    let aliases = Aliases::new();
    let mut parser = Parser::new(source, 0, &aliases);
    loop {
        match parser.next_command() {
            Ok(Some(_)) => {}
            Ok(None) => panic!("{source:?} parsed without error"),
            Err(error) => return error,
        }
    }
}

fn first_command(source: &str) -> Command {
    let aliases = Aliases::new();
    let list = Parser::new(source, 0, &aliases).next_command().unwrap().unwrap();
    list.items[0].and_or.first.commands[0].clone()
}

#[test]
fn syntax_error_names_line_and_column_after_running_earlier_lines() {
    let result = run("echo one\necho two\nif true; then\n    fi\n");
    assert_eq!(result.stderr, "sh: line 4, column 5: syntax error: unexpected 'fi'\n");
    assert_eq!(result.status, 2);
    assert_eq!(result.stdout, "one\ntwo\n");
}

#[test]
fn commands_before_a_syntax_error_on_a_later_line_run() {
    let result = run("echo before\nfi\necho after\n");
    assert_eq!(result.stdout, "before\n");
    assert!(result.stderr.contains("line 2, column 1: syntax error: unexpected 'fi'"));
}

#[test]
fn unexpected_operators_are_named() {
    assert_eq!(parse_error("echo a ;; echo b").kind, ParseErrorKind::Unexpected(";;".into()));
    assert_eq!(parse_error("| cat").kind, ParseErrorKind::Unexpected("|".into()));
    assert_eq!(parse_error("echo )").kind, ParseErrorKind::Unexpected(")".into()));
    assert_eq!(parse_error("f() echo body").kind, ParseErrorKind::Unexpected("echo".into()));
    assert_eq!(parse_error("if true; then fi").kind, ParseErrorKind::Unexpected("fi".into()));
    let error = parse_error("cat <\n");
    assert_eq!(error.kind, ParseErrorKind::Unexpected("newline".into()));
    assert_eq!((error.line, error.column), (1, 6));
}

#[test]
fn unfinished_constructs_are_incomplete() {
    for source in [
        "echo 'open",
        "echo \"open",
        "if true; then echo",
        "while true; do",
        "echo a |",
        "echo a &&",
        "cat <<EOF\nline\n",
        "{ echo a",
        "( echo a",
        "echo $(echo a",
        "echo ${x",
        "case x in",
        "f() {",
        "for i in 1 2; do echo $i",
        "echo `date",
        "echo a \\\n",
    ] {
        assert!(parse_error(source).is_incomplete(), "{source:?} should be incomplete");
    }
}

#[test]
fn bad_substitution_is_a_real_error() {
    assert!(matches!(parse_error("echo ${x!}").kind, ParseErrorKind::BadSubstitution(_)));
    assert!(matches!(parse_error("echo ${}").kind, ParseErrorKind::BadSubstitution(_)));
}

#[test]
fn errors_inside_backquotes_are_not_incomplete() {
    assert!(!parse_error("echo `if`").is_incomplete());
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = "(".repeat(5000) + "true" + &")".repeat(5000);
    assert_eq!(parse_error(&deep).kind, ParseErrorKind::TooDeep);
    let braces = "${x:-".repeat(5000);
    assert_eq!(parse_error(&braces).kind, ParseErrorKind::TooDeep);
    let substitutions = "$(".repeat(5000);
    assert_eq!(parse_error(&substitutions).kind, ParseErrorKind::TooDeep);
}

#[test]
fn interactive_chunk_reports_incomplete_without_running() {
    let mut shell = interactive_shell();
    assert_eq!(shell.run_chunk("echo first; if true; then\n"), ChunkOutcome::Incomplete);
    assert_eq!(take_output(&mut shell).0, "");
    assert_eq!(shell.run_chunk("echo first; if true; then\necho second\nfi\n"), ChunkOutcome::Ran(0));
    assert_eq!(take_output(&mut shell).0, "first\nsecond\n");
}

#[test]
fn interactive_syntax_error_runs_nothing_of_the_line() {
    let mut shell = interactive_shell();
    assert_eq!(shell.run_chunk("echo a; fi\n"), ChunkOutcome::Ran(2));
    let (stdout, stderr) = take_output(&mut shell);
    assert_eq!(stdout, "");
    assert_eq!(stderr, "sh: line 1, column 9: syntax error: unexpected 'fi'\n");
}

#[test]
fn function_definition_and_redirections_parse() {
    let Command::FunctionDefinition(function) = first_command("greet() { echo hi; } >out") else {
        panic!("not a function")
    };
    assert_eq!(function.name, "greet");
    assert_eq!(function.redirects[0].kind, RedirectKind::Output);
    assert!(matches!(function.body, Compound::BraceGroup(_)));
}

#[test]
fn io_numbers_and_heredoc_bodies_parse() {
    let Command::Simple(simple) = first_command("cat 3<in <<-EOF 2>&1\n\tbody $x\n\tEOF\n") else {
        panic!("not simple")
    };
    assert_eq!(simple.redirects[0].fd, Some(3));
    assert_eq!(simple.redirects[1].kind, RedirectKind::HereDocument);
    assert_eq!(simple.redirects[1].target.parts[0], WordPart::Literal("body ".into()));
    assert_eq!(simple.redirects[2].kind, RedirectKind::DuplicateOutput);
}

#[test]
fn keywords_are_plain_words_as_arguments() {
    assert_eq!(run("echo if then fi done }").stdout, "if then fi done }\n");
}

#[test]
fn comments_are_ignored_but_hash_inside_words_is_not() {
    assert_eq!(run("echo a#b # comment\n# whole line\necho c").stdout, "a#b\nc\n");
}
