//! Host tests of the regular expressions against what GNU grep and sed match.

use super::*;
use std::vec::Vec;

fn options(syntax: Syntax) -> Options {
    Options { syntax, ..Options::default() }
}

/// The span of the first match of the BRE `pattern` in `text`.
fn bre(pattern: &str, text: &str) -> Option<(usize, usize)> {
    compile(pattern.as_bytes(), options(Syntax::Basic)).unwrap().find_at(text.as_bytes(), 0).map(|m| (m.start, m.end))
}

/// The span of the first match of the ERE `pattern` in `text`.
fn ere(pattern: &str, text: &str) -> Option<(usize, usize)> {
    compile(pattern.as_bytes(), options(Syntax::Extended))
        .unwrap()
        .find_at(text.as_bytes(), 0)
        .map(|m| (m.start, m.end))
}

/// The matched text of each group (0 = whole match) of the ERE `pattern` in `text`.
fn ere_groups<'t>(pattern: &str, text: &'t str) -> Vec<Option<&'t str>> {
    let regex = compile(pattern.as_bytes(), options(Syntax::Extended)).unwrap();
    let found = regex.find_at(text.as_bytes(), 0).unwrap();
    (0..=regex.group_count()).map(|group| found.group(group).map(|(start, end)| &text[start..end])).collect()
}

fn bre_error(pattern: &str) -> RegexError {
    compile(pattern.as_bytes(), options(Syntax::Basic)).unwrap_err()
}

fn ere_error(pattern: &str) -> RegexError {
    compile(pattern.as_bytes(), options(Syntax::Extended)).unwrap_err()
}

#[test]
fn literals_dot_and_anchors() {
    assert_eq!(bre("abc", "xxabcxx"), Some((2, 5)));
    assert_eq!(bre("a.c", "abc"), Some((0, 3)));
    assert_eq!(bre("^ab", "abab"), Some((0, 2)));
    assert_eq!(bre("ab$", "abab"), Some((2, 4)));
    assert_eq!(bre("^$", ""), Some((0, 0)));
    assert_eq!(bre("^b", "ab"), None);
    assert_eq!(bre("x", "abc"), None);
}

#[test]
fn empty_pattern_matches_at_start() {
    assert_eq!(bre("", "abc"), Some((0, 0)));
    assert_eq!(ere("", ""), Some((0, 0)));
}

#[test]
fn star_is_greedy_and_leftmost_longest() {
    assert_eq!(bre("a*", "aaab"), Some((0, 3)));
    assert_eq!(bre("a*", "baaa"), Some((0, 0)));
    assert_eq!(bre("ba*", "xbaaa"), Some((1, 5)));
    assert_eq!(ere("a|ab|abc", "abcd"), Some((0, 3)));
    assert_eq!(ere("abcd|c", "abcd"), Some((0, 4)));
    assert_eq!(ere("(a|ab)(c|bcd)", "abcd"), Some((0, 4)));
}

#[test]
fn bre_special_characters_in_literal_positions() {
    // GNU: a leading `*`, `^*`, and `^`/`$` in the middle are literal in BRE.
    assert_eq!(bre("*a", "x*a"), Some((1, 3)));
    assert_eq!(bre("^*a", "*a"), Some((0, 2)));
    assert_eq!(bre("a^b", "a^b"), Some((0, 3)));
    assert_eq!(bre("a$b", "a$b"), Some((0, 3)));
    assert_eq!(bre("\\(*a\\)", "*a"), Some((0, 2)));
    assert_eq!(bre("\\{1\\}", "a{1}"), Some((1, 4)));
    assert_eq!(bre("a+b", "a+b"), Some((0, 3)));
    assert_eq!(bre("a|b", "a|b"), Some((0, 3)));
    // As in glibc, an operator right after any anchor is literal.
    assert_eq!(bre("\\b*a", "x*a"), Some((1, 3)));
    assert_eq!(bre("\\<*a", "x *a"), None);
    assert_eq!(bre("\\<\\?\\+\\<", " cabb"), None);
}

#[test]
fn bre_gnu_operators() {
    assert_eq!(bre("a\\+", "baaa"), Some((1, 4)));
    assert_eq!(bre("ab\\?c", "ac"), Some((0, 2)));
    assert_eq!(bre("cat\\|dog", "hotdog"), Some((3, 6)));
    assert_eq!(bre("a\\{2\\}", "aaaa"), Some((0, 2)));
    assert_eq!(bre("a\\{2,\\}", "aaaa"), Some((0, 4)));
    assert_eq!(bre("a\\{,2\\}", "aaa"), Some((0, 2)));
    assert_eq!(bre("a\\{1,3\\}", "aaaa"), Some((0, 3)));
    assert_eq!(bre("\\(ab\\)*c", "ababc"), Some((0, 5)));
}

#[test]
fn ere_operators() {
    assert_eq!(ere("a+", "baaa"), Some((1, 4)));
    assert_eq!(ere("colou?r", "color"), Some((0, 5)));
    assert_eq!(ere("(ab){2}", "abababx"), Some((0, 4)));
    assert_eq!(ere("x(a|b)+y", "xababy"), Some((0, 6)));
    assert_eq!(ere("^(a|b)*$", "abba"), Some((0, 4)));
    assert_eq!(ere("^(a|b)*$", "abca"), None);
    assert_eq!(ere("a**", "aaa"), Some((0, 3)));
    assert_eq!(ere("a+?", "aaa"), Some((0, 3)));
}

#[test]
fn ere_gnu_leniency() {
    // GNU takes these literally or ignores them instead of failing.
    assert_eq!(ere("a{", "a{"), Some((0, 2)));
    assert_eq!(ere("a{1", "a{1"), Some((0, 3)));
    assert_eq!(ere("a{1,x}", "a{1,x}"), Some((0, 6)));
    assert_eq!(ere("a)", "a)"), Some((0, 2)));
    assert_eq!(ere("*a", "x*a"), Some((2, 3)));
    assert_eq!(ere("a|*b", "b"), Some((0, 1)));
    assert_eq!(ere("a^b", "a^b"), None);
    assert_eq!(ere("()", "ab"), Some((0, 0)));
    assert_eq!(ere("a||b", "c"), Some((0, 0)));
    assert_eq!(ere("\\(", "a(b"), Some((1, 2)));
    assert_eq!(ere("^*a", "ab"), Some((0, 1)));
    assert_eq!(ere("{1}", "a{1}"), Some((2, 4)));
}

#[test]
fn bracket_expressions() {
    assert_eq!(bre("[0-9][0-9]*", "ab123c"), Some((2, 5)));
    assert_eq!(bre("[^a-z]", "abcD"), Some((3, 4)));
    assert_eq!(bre("[[:digit:]]\\+", "x42"), Some((1, 3)));
    assert_eq!(bre("[[:alpha:]_][[:alnum:]_]*", "1 foo_bar2 x"), Some((2, 10)));
    assert_eq!(bre("[[:space:]]", "a\tb"), Some((1, 2)));
    assert_eq!(bre("[[:upper:]]", "abC"), Some((2, 3)));
    assert_eq!(bre("[[:lower:]]", "ABc"), Some((2, 3)));
    assert_eq!(bre("[[:punct:]]", "ab,c"), Some((2, 3)));
    assert_eq!(bre("[]a]", "x]"), Some((1, 2)));
    assert_eq!(bre("[a-]", "x-"), Some((1, 2)));
    assert_eq!(bre("[\\]", "a\\"), Some((1, 2)));
    assert_eq!(bre("[.]", "abc"), None);
}

#[test]
fn gnu_escapes_for_words_and_spaces() {
    assert_eq!(bre("\\w\\+", " foo_1 "), Some((1, 6)));
    assert_eq!(bre("\\W", "ab c"), Some((2, 3)));
    assert_eq!(bre("\\s", "ab c"), Some((2, 3)));
    assert_eq!(bre("\\S\\+", "  ab"), Some((2, 4)));
    assert_eq!(bre("\\<w", "hello world"), Some((6, 7)));
    assert_eq!(bre("o\\>", "foo bar"), Some((2, 3)));
    assert_eq!(bre("\\bbar", "foobar bar"), Some((7, 10)));
    assert_eq!(bre("o\\B", "foo"), Some((1, 2)));
    assert_eq!(bre("\\.", "a.b"), Some((1, 2)));
}

#[test]
fn groups_report_their_spans() {
    assert_eq!(ere_groups("(a)(b)?", "ab"), [Some("ab"), Some("a"), Some("b")]);
    assert_eq!(ere_groups("(a)(x)?", "ab"), [Some("a"), Some("a"), None]);
    assert_eq!(ere_groups("(a|ab)(c|bcd)(d*)", "abcd"), [Some("abcd"), Some("a"), Some("bcd"), Some("")]);
    assert_eq!(ere_groups("(a*)+", "aaa"), [Some("aaa"), Some("aaa")]);
    assert_eq!(ere_groups("((a)|b)+", "ab"), [Some("ab"), Some("b"), Some("a")]);
    assert_eq!(ere_groups("([0-9]+)-([0-9]+)", "tel 12-345"), [Some("12-345"), Some("12"), Some("345")]);
}

#[test]
fn bre_groups_are_numbered_in_order() {
    let regex = compile(b"\\(x\\)\\(y\\(z\\)\\)", options(Syntax::Basic)).unwrap();
    assert_eq!(regex.group_count(), 3);
    let found = regex.find_at(b"_xyz", 0).unwrap();
    assert_eq!(
        (found.group(0), found.group(1), found.group(2), found.group(3)),
        (Some((1, 4)), Some((1, 2)), Some((2, 4)), Some((3, 4)))
    );
    assert_eq!(found.group(4), None);
}

#[test]
fn find_at_continues_later_and_keeps_context_for_anchors() {
    let regex = compile(b"a", Options::default()).unwrap();
    assert_eq!(regex.find_at(b"aXa", 1).map(|m| m.start), Some(2));
    assert_eq!(regex.find_at(b"aXa", 3), None);
    assert_eq!(regex.find_at(b"a", 5), None);
    let anchored = compile(b"^a", Options::default()).unwrap();
    assert_eq!(anchored.find_at(b"aa", 1), None);
    let word = compile(b"\\<b", Options::default()).unwrap();
    assert_eq!(word.find_at(b"ab b", 1).map(|m| m.start), Some(3));
}

#[test]
fn case_insensitive_matching() {
    let insensitive = Options { ignore_case: true, ..Options::default() };
    let regex = compile(b"hello [w]orld", insensitive).unwrap();
    assert!(regex.is_match(b"HeLLo World"));
    let negated = compile(b"[^a]", insensitive).unwrap();
    assert!(!negated.is_match(b"A"));
    assert!(negated.is_match(b"b"));
    let class = compile(b"[[:lower:]]", insensitive).unwrap();
    assert!(class.is_match(b"A"));
    let fixed = compile(b"a.B", Options { syntax: Syntax::Fixed, ignore_case: true, ..Options::default() }).unwrap();
    assert!(fixed.is_match(b"xA.bx") && !fixed.is_match(b"axb"));
}

#[test]
fn fixed_strings_have_no_operators() {
    let regex = compile(b"a.*[b]", options(Syntax::Fixed)).unwrap();
    assert!(regex.is_match(b"xa.*[b]"));
    assert!(!regex.is_match(b"aaab"));
}

#[test]
fn extents_for_words_and_lines() {
    let word = compile(b"foo", Options { extent: Extent::Word, ..Options::default() }).unwrap();
    assert!(word.is_match(b"a foo b") && word.is_match(b"foo") && word.is_match(b"(foo)"));
    assert!(!word.is_match(b"foobar") && !word.is_match(b"_foo"));
    assert_eq!(word.find_at(b"foobar foo", 0).map(|m| (m.start, m.end)), Some((7, 10)));
    let line = compile(b"a\\|ab", Options { extent: Extent::Line, ..Options::default() }).unwrap();
    assert!(line.is_match(b"ab") && line.is_match(b"a") && !line.is_match(b"abc"));
}

#[test]
fn several_patterns_match_any() {
    let regex = compile_any(&[b"cat", b"d\\(o\\)g"], Options::default()).unwrap();
    assert!(regex.is_match(b"a dog") && regex.is_match(b"cat") && !regex.is_match(b"cow"));
    assert_eq!(regex.group_count(), 1);
    let none = compile_any(&[], Options::default()).unwrap();
    assert!(!none.is_match(b"") && !none.is_match(b"anything"));
}

#[test]
fn empty_loops_terminate() {
    assert_eq!(ere("(a*)*b", "aab"), Some((0, 3)));
    assert_eq!(ere("(|a)+b", "aab"), Some((0, 3)));
    assert_eq!(ere("(^|a)*$", "aa"), Some((0, 2)));
}

#[test]
fn errors_name_the_problem_as_gnu_does() {
    assert_eq!(bre_error("a\\{2"), RegexError::UnmatchedBrace);
    assert_eq!(bre_error("a\\{x\\}"), RegexError::InvalidInterval);
    assert_eq!(bre_error("a\\{3,1\\}"), RegexError::InvalidInterval);
    assert_eq!(bre_error("a\\{32768\\}"), RegexError::TooBig);
    assert_eq!(bre_error("\\(a"), RegexError::UnmatchedOpenParen);
    assert_eq!(bre_error("a\\)"), RegexError::UnmatchedCloseParen);
    assert_eq!(ere_error("(a"), RegexError::UnmatchedOpenParen);
    assert_eq!(bre_error("[a"), RegexError::UnmatchedBracket);
    assert_eq!(bre_error("[[:foo:]]"), RegexError::InvalidClassName);
    assert_eq!(bre_error("[z-a]"), RegexError::InvalidRangeEnd);
    assert_eq!(bre_error("a\\"), RegexError::TrailingBackslash);
    assert_eq!(bre_error("\\(a\\)\\2"), RegexError::InvalidBackReference);
    assert_eq!(bre_error("\\(a\\)\\1"), RegexError::BackReferenceUnsupported);
    assert_eq!(ere_error("a{3,1}"), RegexError::InvalidInterval);
    assert_eq!(std::format!("{}", RegexError::UnmatchedBrace), "Unmatched \\{");
    assert_eq!(std::format!("{}", RegexError::UnmatchedOpenParen), "Unmatched ( or \\(");
}

#[test]
fn huge_and_deep_patterns_are_refused_not_fatal() {
    assert_eq!(bre_error("\\(a\\{1000\\}\\)\\{1000\\}"), RegexError::TooBig);
    assert_eq!(ere_error("((){32767}){32767}"), RegexError::TooBig);
    let deep = "(".repeat(10_000) + &")".repeat(10_000);
    assert_eq!(ere_error(&deep), RegexError::NestedTooDeeply);
    let stars = std::format!("a{}", "*".repeat(10_000));
    assert_eq!(ere_error(&stars), RegexError::NestedTooDeeply);
    assert!(compile(b"a\\{32767\\}", Options::default()).is_ok());
}

#[test]
fn long_texts_match_in_linear_time() {
    let text = "a".repeat(20_000);
    assert_eq!(ere("(a|aa)*b", &text), None);
    assert_eq!(ere("(a*)*$", &text), Some((0, 20_000)));
}

#[test]
fn invalid_utf8_is_just_bytes() {
    let regex = compile(b"\xff.", Options::default()).unwrap();
    assert_eq!(regex.find_at(b"a\xff\xfe", 0).map(|m| (m.start, m.end)), Some((1, 3)));
}
