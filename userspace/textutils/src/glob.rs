//! Shell-style wildcard matching for `find -name` (as `fnmatch` without flags): `*` matches
//! any text, `?` one character, `[...]` one character of a set (`!` or `^` negates, ranges,
//! classes), `\` quotes; an unterminated `[` is literal. Characters are UTF-8 (an invalid byte
//! counts as one). Iterative, so any pattern costs at most O(pattern × name).

use crate::bracket::{BracketSyntax, parse_bracket};
use crate::utf8::char_len;

const GLOB_SYNTAX: BracketSyntax = BracketSyntax { negators: b"!^", backslash_quotes: true };

/// Whether `name` matches the wildcard `pattern`.
pub fn glob_match(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    // Where to resume after the last `*`: the pattern after it and the name position it has
    // swallowed up to.
    let mut resume: Option<(usize, usize)> = None;
    while n < name.len() {
        if let Some(step) = match_one(pattern, p, name, n) {
            if step.star {
                resume = Some((step.pattern_end, n));
            } else {
                n += step.name_len;
            }
            p = step.pattern_end;
            continue;
        }
        let Some((after_star, swallowed)) = resume else {
            return false;
        };
        let next = swallowed + char_len(name, swallowed);
        resume = Some((after_star, next));
        p = after_star;
        n = next;
    }
    pattern[p..].iter().all(|&byte| byte == b'*')
}

/// One step of matching.
struct Step {
    pattern_end: usize,
    name_len: usize,
    star: bool,
}

/// Matches the pattern element at `pattern[p]` against the character at `name[n]`.
fn match_one(pattern: &[u8], p: usize, name: &[u8], n: usize) -> Option<Step> {
    let &element = pattern.get(p)?;
    let len = char_len(name, n);
    let literal =
        |byte: u8, pattern_end: usize| (name[n] == byte).then_some(Step { pattern_end, name_len: 1, star: false });
    match element {
        b'*' => Some(Step { pattern_end: p + 1, name_len: 0, star: true }),
        b'?' => Some(Step { pattern_end: p + 1, name_len: len, star: false }),
        b'[' => match parse_bracket(pattern, p, GLOB_SYNTAX) {
            Ok(bracket) => {
                let listed = len == 1 && bracket.listed.contains(name[n]);
                (listed != bracket.negated).then_some(Step { pattern_end: bracket.end, name_len: len, star: false })
            }
            Err(_) => literal(b'[', p + 1),
        },
        b'\\' if p + 1 < pattern.len() => literal(pattern[p + 1], p + 2),
        _ => literal(element, p + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, name: &str) -> bool {
        glob_match(pattern.as_bytes(), name.as_bytes())
    }

    #[test]
    fn stars_and_question_marks() {
        assert!(matches("*.rs", "main.rs") && !matches("*.rs", "main.rc"));
        assert!(matches("*", "") && matches("*", ".hidden") && matches("**", "x"));
        assert!(matches("a*b*c", "axxbyyc") && !matches("a*b*c", "axxbyy"));
        assert!(matches("?", "x") && !matches("?", "") && !matches("?", "xy"));
        assert!(matches("?", "\u{e9}") && !matches("??", "\u{e9}"));
        assert!(matches("*a", "aaa") && matches("a*", "a"));
        assert!(!matches("", "a") && matches("", ""));
    }

    #[test]
    fn brackets() {
        assert!(matches("[abc].txt", "b.txt") && !matches("[abc].txt", "d.txt"));
        assert!(matches("[!a]*", "bcd") && !matches("[!a]*", "abc"));
        assert!(matches("[^a]", "b") && matches("[a-c][0-9]", "c7"));
        assert!(matches("[[:digit:]]x", "5x") && !matches("[[:digit:]]x", "ax"));
        assert!(matches("[]]", "]") && matches("[!]]", "a"));
        assert!(matches("[!a]", "\u{e9}") && !matches("[a]", "\u{e9}"));
    }

    #[test]
    fn escapes_and_unterminated_brackets() {
        assert!(matches("\\*", "*") && !matches("\\*", "a"));
        assert!(matches("a\\?", "a?") && !matches("a\\?", "ab"));
        assert!(matches("[ab", "[ab") && matches("x[", "x["));
        assert!(matches("a\\", "a\\"));
    }

    #[test]
    fn hostile_patterns_stay_fast() {
        let name = "a".repeat(2000);
        let pattern = "*a".repeat(500) + "b";
        assert!(!glob_match(pattern.as_bytes(), name.as_bytes()));
        assert!(glob_match(b"*", b"\xff\xfe"));
    }
}
