//! Host tests of `sed` against what GNU sed 4.9 prints.

use super::*;
use std::string::String;

/// Runs the script parts on `input` and returns the output as text.
fn sed(scripts: &[&str], input: &str) -> String {
    sed_with(scripts, false, false, input)
}

fn sed_with(scripts: &[&str], extended: bool, quiet: bool, input: &str) -> String {
    let parts: std::vec::Vec<&[u8]> = scripts.iter().map(|part| part.as_bytes()).collect();
    let script = parse(&parts, extended).unwrap();
    String::from_utf8(script.run(input.as_bytes(), quiet).output).unwrap()
}

fn sed_n(script: &str, input: &str) -> String {
    sed_with(&[script], false, true, input)
}

fn sed_e(script: &str, input: &str) -> String {
    sed_with(&[script], true, false, input)
}

fn error(script: &str) -> SedErrorKind {
    parse(&[script.as_bytes()], false).unwrap_err().kind
}

const FIVE: &str = "1\n2\n3\n4\n5\n";

#[test]
fn substitute_first_global_and_nth() {
    assert_eq!(sed(&["s/o/0/"], "foo boo\n"), "f0o boo\n");
    assert_eq!(sed(&["s/o/0/g"], "foo boo\n"), "f00 b00\n");
    assert_eq!(sed(&["s/o/0/2"], "hello world\n"), "hello w0rld\n");
    assert_eq!(sed(&["s/o/0/2g"], "hello world hello\n"), "hello w0rld hell0\n");
    assert_eq!(sed(&["s/a/b/3"], "aaa\n"), "aab\n");
    assert_eq!(sed(&["s/x/y/"], "abc\n"), "abc\n");
}

#[test]
fn substitute_empty_matches_like_gnu() {
    assert_eq!(sed(&["s/a*/x/g"], "baaac\n"), "xbxcx\n");
    assert_eq!(sed(&["s/x*/-/g"], "abc\n"), "-a-b-c-\n");
    assert_eq!(sed(&["s/^/> /"], "a\n"), "> a\n");
    assert_eq!(sed(&["s/$/!/"], "a\n"), "a!\n");
    assert_eq!(sed(&["s/b*/x/2"], "abc\n"), "axc\n");
}

#[test]
fn replacement_references_and_escapes() {
    assert_eq!(sed(&["s/\\(x\\)\\(y\\)/\\2\\1/"], "xyz\n"), "yxz\n");
    assert_eq!(sed(&["s/x/[&]/"], "x\n"), "[x]\n");
    assert_eq!(sed(&["s/x/[\\&]/"], "x\n"), "[&]\n");
    assert_eq!(sed(&["s/x/a\\nb/"], "x\n"), "a\nb\n");
    assert_eq!(sed(&["s/x/a\\tb/"], "x\n"), "a\tb\n");
    assert_eq!(sed(&["s/b/\\\n/"], "abc\n"), "a\nc\n");
    assert_eq!(sed_e("s/(a|ab)(c|bcd)(d*)/[\\1][\\2][\\3]/", "abcd\n"), "[a][bcd][]\n");
    assert_eq!(sed_e("s/(a)(x)?/[\\1][\\2]/", "ab\n"), "[a][]b\n");
}

#[test]
fn replacement_case_conversion() {
    assert_eq!(sed(&["s/\\w\\+/\\u&/g"], "foo bar\n"), "Foo Bar\n");
    assert_eq!(sed(&["s/.*/\\U&/"], "foo bar\n"), "FOO BAR\n");
    assert_eq!(sed_e("s/(\\w+) (\\w+)/\\U\\1\\E \\2/", "foo bar\n"), "FOO bar\n");
    assert_eq!(sed(&["s/.*/\\L\\u&/"], "hELLO\n"), "Hello\n");
}

#[test]
fn any_delimiter_and_escaped_delimiter() {
    assert_eq!(sed(&["s|/usr|/opt|"], "/usr/bin\n"), "/opt/bin\n");
    assert_eq!(sed(&["s,b,\\,,"], "abc\n"), "a,c\n");
    assert_eq!(sed(&["s,\\,,X,"], "a,c\n"), "aXc\n");
    assert_eq!(sed(&["s/a\\/b/X/"], "a/b\n"), "X\n");
    assert_eq!(sed(&["s|a\\|b|X|"], "a|b\n"), "X\n");
    assert_eq!(sed(&["s/[/]/x/"], "a/b\n"), "axb\n");
    assert_eq!(sed(&["s.a\\.b.Z."], "aXb\n"), "Z\n");
}

#[test]
fn substitute_flags_print_and_ignore_case() {
    assert_eq!(sed_n("s/b/B/p", "abc\nxyz\n"), "aBc\n");
    assert_eq!(sed(&["s/B/x/I"], "abc\n"), "axc\n");
    assert_eq!(sed(&["s/B/x/gi"], "bBb\n"), "xxx\n");
    assert_eq!(sed_e("s/a+/<&>/g", "caaat aa\n"), "c<aaa>t <aa>\n");
}

#[test]
fn delete_print_quit_and_line_numbers() {
    assert_eq!(sed(&["2d"], FIVE), "1\n3\n4\n5\n");
    assert_eq!(sed_n("2p", FIVE), "2\n");
    assert_eq!(sed(&["2q"], FIVE), "1\n2\n");
    assert_eq!(sed(&["2Q"], FIVE), "1\n");
    assert_eq!(sed(&["="], "a\nb\n"), "1\na\n2\nb\n");
    assert_eq!(sed_n("$=", FIVE), "5\n");
    assert_eq!(sed(&["p"], "a\n"), "a\na\n");
}

#[test]
fn quit_reports_its_exit_status() {
    let script = parse(&[b"2q5"], false).unwrap();
    let result = script.run(FIVE.as_bytes(), false);
    assert_eq!((result.output.as_slice(), result.quit_status), (&b"1\n2\n"[..], Some(5)));
    assert_eq!(parse(&[b"p"], false).unwrap().run(b"x\n", true).quit_status, None);
}

#[test]
fn line_and_last_line_addresses_and_ranges() {
    assert_eq!(sed_n("2,4p", FIVE), "2\n3\n4\n");
    assert_eq!(sed_n("4,2p", FIVE), "4\n");
    assert_eq!(sed_n("$p", FIVE), "5\n");
    assert_eq!(sed_n("3,$p", FIVE), "3\n4\n5\n");
    assert_eq!(sed_n("2,+1p", FIVE), "2\n3\n");
    assert_eq!(sed_n("2,~4p", FIVE), "2\n3\n4\n");
    assert_eq!(sed_n("1~2p", FIVE), "1\n3\n5\n");
    assert_eq!(sed_n("0~2p", FIVE), "2\n4\n");
}

#[test]
fn regex_addresses_and_ranges() {
    assert_eq!(sed_n("/[24]/p", FIVE), "2\n4\n");
    assert_eq!(sed_n("/2/,/[0-9]/p", FIVE), "2\n3\n");
    assert_eq!(sed_n("0,/[0-9]/p", FIVE), "1\n");
    assert_eq!(sed_n("1,/[0-9]/p", FIVE), "1\n2\n");
    assert_eq!(sed_n("\\,3,p", FIVE), "3\n");
    assert_eq!(sed_n("/X/Ip", "x\ny\n"), "x\n");
    assert_eq!(sed_n("/a/,/b/p", "a\nb\nc\na\nc\n"), "a\nb\na\nc\n");
}

#[test]
fn empty_regex_reuses_the_last_one() {
    assert_eq!(sed(&["/o/s//0/g"], "foo\nbar\n"), "f00\nbar\n");
    assert_eq!(sed(&["s/a/b/;s//c/"], "aa\n"), "bc\n");
    assert_eq!(error("//p"), SedErrorKind::NoPreviousRegex);
}

#[test]
fn negation_and_blocks() {
    assert_eq!(sed(&["2!d"], FIVE), "2\n");
    assert_eq!(sed(&["2,3!d"], FIVE), "2\n3\n");
    assert_eq!(sed(&["2{s/2/X/;p}"], FIVE), "1\nX\nX\n3\n4\n5\n");
    assert_eq!(sed_n("/[2-4]/{/3/!p}", FIVE), "2\n4\n");
    assert_eq!(sed_n("1,3{2,3{p}}", FIVE), "2\n3\n");
    assert_eq!(sed(&["1 { p } "], "x\n"), "x\nx\n");
}

#[test]
fn append_insert_change() {
    assert_eq!(sed(&["2a hello"], "1\n2\n3\n"), "1\n2\nhello\n3\n");
    assert_eq!(sed(&["2i\\   hello"], "1\n2\n"), "1\n   hello\n2\n");
    assert_eq!(sed(&["2a\\\n  hello\\\nworld"], "1\n2\n3\n"), "1\n2\n  hello\nworld\n3\n");
    assert_eq!(sed(&["2,3c\\changed"], FIVE), "1\nchanged\n4\n5\n");
    assert_eq!(sed(&["$!c\\x"], "1\n2\n3\n"), "x\nx\n3\n");
    assert_eq!(sed(&["2,3!c\\x"], "1\n2\n3\n4\n"), "x\n2\n3\nx\n");
    assert_eq!(sed(&["a\\", "foo"], "1\n"), "1\nfoo\n");
    assert_eq!(sed(&["1a foo\np"], "x\n"), "x\nx\nfoo\n");
    assert_eq!(sed(&["1{a foo\n}"], "x\n"), "x\nfoo\n");
    assert_eq!(sed(&["a foo\\tbar"], "x\n"), "x\nfoo\tbar\n");
    assert_eq!(sed(&["a foo\\\\bar"], "x\n"), "x\nfoo\\bar\n");
    assert_eq!(sed(&["a\\foo"], "x\n"), "x\nfoo\n");
    assert_eq!(sed_n("i\\x", "1\n"), "x\n");
}

#[test]
fn hold_space_and_multiline_commands() {
    assert_eq!(sed(&["1!G;h;$!d"], FIVE), "5\n4\n3\n2\n1\n");
    assert_eq!(sed(&["N;P;D"], FIVE), FIVE);
    assert_eq!(sed(&["$!N;s/\\n/-/"], FIVE), "1-2\n3-4\n5\n");
    assert_eq!(sed(&["n;d"], FIVE), "1\n3\n5\n");
    assert_eq!(sed(&[":a;N;$!ba;s/\\n/,/g"], FIVE), "1,2,3,4,5\n");
    assert_eq!(sed(&["x;G"], "a\nb\n"), "\na\na\nb\n");
    assert_eq!(sed(&["h;z;H;x"], "a\n"), "a\n\n");
    assert_eq!(sed(&["N;s/[\\n]/X/"], "x\ny\n"), "xXy\n");
    assert_eq!(sed(&["N;N;D"], "1\n2\n3\n4\n"), "2\n3\n4\n");
}

#[test]
fn branches_and_labels() {
    assert_eq!(sed(&[":a;s/aa/a/;ta"], "aaaa\n"), "a\n");
    assert_eq!(sed(&["s/x/X/;T;s/$/!/"], "x\ny\n"), "X!\ny\n");
    assert_eq!(sed(&["b end;s/a/b/;:end"], "a\n"), "a\n");
    assert_eq!(sed(&["/1/b;s/./X/"], "1\n2\n"), "1\nX\n");
    assert_eq!(sed(&["s/a/b/;t\ns/b/c/"], "a\nb\n"), "b\nc\n");
    // Reading a line with `N` forgets earlier substitutions, as GNU does.
    assert_eq!(sed(&["s/x/X/;N;t end;s/$/ no/;:end"], "x\ny\n"), "X\ny no\n");
}

#[test]
fn transliterate() {
    assert_eq!(sed(&["y/lo/01/"], "hello\n"), "he001\n");
    assert_eq!(sed(&["y/l\\/o/0|1/"], "hello\n"), "he001\n");
    assert_eq!(sed(&["y/ /\\n/"], "a b\n"), "a\nb\n");
    assert_eq!(sed(&["y/abc/\\n\\t\\\\/"], "abc\n"), "\n\t\\\n");
}

#[test]
fn list_shows_escapes_and_wraps() {
    assert_eq!(sed_n("l", "a\tb\\c\x01\n"), "a\\tb\\\\c\\001$\n");
    let long = "x".repeat(100) + "\n";
    assert_eq!(sed_n("l", &long), std::format!("{}\\\n{}$\n", "x".repeat(69), "x".repeat(31)));
}

#[test]
fn last_line_without_newline_is_kept_so() {
    assert_eq!(sed(&["s/b/c/"], "a\nb"), "a\nc");
    assert_eq!(sed(&["$a foo"], "a\nb"), "a\nb\nfoo\n");
    assert_eq!(sed(&["p"], "a"), "a\na");
    assert_eq!(sed(&[""], ""), "");
}

#[test]
fn multiple_scripts_quiet_comment_and_separators() {
    assert_eq!(sed(&["s/a/b/", "s/b/c/"], "a\n"), "c\n");
    assert_eq!(sed(&["#n\n2p"], FIVE), "2\n");
    assert_eq!(sed(&["#no\n2d"], "1\n2\n"), "1\n");
    assert_eq!(sed(&["p # print\n  ;; d"], "x\n"), "x\n");
}

#[test]
fn script_errors_name_the_problem() {
    assert_eq!(error("s/a/b"), SedErrorKind::UnterminatedSubstitute);
    assert_eq!(error("s/a"), SedErrorKind::UnterminatedSubstitute);
    assert_eq!(error("k"), SedErrorKind::UnknownCommand(b'k'));
    assert_eq!(error("s/a/b/0"), SedErrorKind::ZeroOccurrence);
    assert_eq!(error("s/a/b/z"), SedErrorKind::UnknownSubstituteOption);
    assert_eq!(error("{p"), SedErrorKind::UnmatchedOpenBrace);
    assert_eq!(error("p}"), SedErrorKind::UnexpectedCloseBrace);
    assert_eq!(error("p x"), SedErrorKind::ExtraCharacters);
    assert_eq!(error("y/ab/c/"), SedErrorKind::YLengthMismatch);
    assert_eq!(error("/x"), SedErrorKind::UnterminatedAddressRegex);
    assert_eq!(error("0p"), SedErrorKind::InvalidLineZero);
    assert_eq!(error("b foo"), SedErrorKind::UnknownLabel(b"foo".to_vec()));
    assert_eq!(error("1,"), SedErrorKind::UnexpectedComma);
    assert_eq!(error("a"), SedErrorKind::ExpectedBackslash);
    assert_eq!(error("1#foo"), SedErrorKind::NoAddressAllowed(b'#'));
    assert_eq!(error(":"), SedErrorKind::MissingLabel);
    assert_eq!(error("s/a/b/gg"), SedErrorKind::MultipleGlobal);
    assert_eq!(error("s/a/b/pp"), SedErrorKind::MultiplePrint);
    assert_eq!(error("s/a/b/2g3"), SedErrorKind::MultipleOccurrence);
    assert_eq!(error("s/x/\\3/"), SedErrorKind::InvalidReference(3));
    assert_eq!(error("1,2q"), SedErrorKind::OneAddressOnly);
    assert_eq!(error("1!!p"), SedErrorKind::MultipleNegation);
    assert_eq!(error("w out"), SedErrorKind::UnsupportedCommand(b'w'));
    assert_eq!(error("s/a\\{2/b/"), SedErrorKind::Regex(crate::regex::RegexError::UnmatchedBrace));
    assert_eq!(error("1"), SedErrorKind::MissingCommand);
}

#[test]
fn error_messages_read_like_gnu() {
    let message = |script: &str| std::format!("{}", parse(&[script.as_bytes()], false).unwrap_err());
    assert_eq!(message("s/a/b"), "char 5: unterminated 's' command");
    assert_eq!(message("k"), "char 1: unknown command: 'k'");
    assert_eq!(message("s/x/\\3/"), "char 7: invalid reference \\3 on 's' command's RHS");
    assert_eq!(message("{p"), "char 0: unmatched '{'");
}
