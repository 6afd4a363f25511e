//! Shell pattern matching (`*`, `?`, `[...]`) for `case`, `${name%pattern}` and pathname expansion.
//!
//! Characters that were quoted in the word match only themselves.

use alloc::vec::Vec;

/// A character of a pattern word and whether it was quoted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PatternChar {
    pub ch: char,
    pub quoted: bool,
}

/// A compiled pattern.
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
enum Item {
    Literal(char),
    AnyChar,
    AnyString,
    Bracket { negated: bool, members: Vec<Member> },
}

#[derive(Clone, Debug, PartialEq)]
enum Member {
    Char(char),
    Range(char, char),
    Class(CharClass),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CharClass {
    Alpha,
    Digit,
    Alnum,
    Upper,
    Lower,
    Space,
    Blank,
    Punct,
    Xdigit,
}

const CLASSES: [(&str, CharClass); 9] = [
    ("alpha", CharClass::Alpha),
    ("digit", CharClass::Digit),
    ("alnum", CharClass::Alnum),
    ("upper", CharClass::Upper),
    ("lower", CharClass::Lower),
    ("space", CharClass::Space),
    ("blank", CharClass::Blank),
    ("punct", CharClass::Punct),
    ("xdigit", CharClass::Xdigit),
];

impl CharClass {
    fn contains(self, c: char) -> bool {
        match self {
            CharClass::Alpha => c.is_alphabetic(),
            CharClass::Digit => c.is_ascii_digit(),
            CharClass::Alnum => c.is_alphanumeric(),
            CharClass::Upper => c.is_uppercase(),
            CharClass::Lower => c.is_lowercase(),
            CharClass::Space => c.is_whitespace(),
            CharClass::Blank => c == ' ' || c == '\t',
            CharClass::Punct => c.is_ascii_punctuation(),
            CharClass::Xdigit => c.is_ascii_hexdigit(),
        }
    }
}

/// Whether the characters contain an unquoted `*`, `?` or `[`.
pub fn has_wildcards(chars: &[PatternChar]) -> bool {
    chars.iter().any(|c| !c.quoted && matches!(c.ch, '*' | '?' | '['))
}

impl Pattern {
    /// Compiles pattern characters; an unmatched `[` is an ordinary character.
    pub fn compile(chars: &[PatternChar]) -> Pattern {
        let mut items = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let item = match c.ch {
                _ if c.quoted => Item::Literal(c.ch),
                '*' => Item::AnyString,
                '?' => Item::AnyChar,
                '[' => match parse_bracket(&chars[i + 1..]) {
                    Some((item, used)) => {
                        i += used;
                        item
                    }
                    None => Item::Literal('['),
                },
                ch => Item::Literal(ch),
            };
            if !(item == Item::AnyString && items.last() == Some(&Item::AnyString)) {
                items.push(item);
            }
            i += 1;
        }
        Pattern { items }
    }

    /// Whether the pattern starts with a literal `.` (only such patterns match hidden file names).
    pub fn starts_with_dot(&self) -> bool {
        self.items.first() == Some(&Item::Literal('.'))
    }

    /// Whether the whole of `text` matches.
    pub fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text.chars().collect();
        let (mut p, mut t) = (0, 0);
        let mut backtrack: Option<(usize, usize)> = None;
        while t < text.len() {
            match self.items.get(p) {
                Some(Item::AnyString) => {
                    backtrack = Some((p, t));
                    p += 1;
                }
                Some(item) if item.matches_char(text[t]) => {
                    p += 1;
                    t += 1;
                }
                _ => match backtrack {
                    Some((star, start)) => {
                        p = star + 1;
                        t = start + 1;
                        backtrack = Some((star, start + 1));
                    }
                    None => return false,
                },
            }
        }
        self.items[p..].iter().all(|item| *item == Item::AnyString)
    }

    /// `text` without its shortest or longest matching prefix.
    pub fn remove_prefix<'t>(&self, text: &'t str, longest: bool) -> &'t str {
        let mut cuts: Vec<usize> = boundaries(text).collect();
        if longest {
            cuts.reverse();
        }
        cuts.into_iter().find(|&cut| self.matches(&text[..cut])).map_or(text, |cut| &text[cut..])
    }

    /// `text` without its shortest or longest matching suffix.
    pub fn remove_suffix<'t>(&self, text: &'t str, longest: bool) -> &'t str {
        let mut cuts: Vec<usize> = boundaries(text).collect();
        if !longest {
            cuts.reverse();
        }
        cuts.into_iter().find(|&cut| self.matches(&text[cut..])).map_or(text, |cut| &text[..cut])
    }
}

/// Every char boundary of `text`, 0 and `text.len()` included, ascending.
fn boundaries(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.char_indices().map(|(i, _)| i).chain(core::iter::once(text.len()))
}

impl Item {
    fn matches_char(&self, c: char) -> bool {
        match self {
            Item::Literal(literal) => *literal == c,
            Item::AnyChar => true,
            Item::AnyString => false,
            Item::Bracket { negated, members } => {
                let found = members.iter().any(|member| match member {
                    Member::Char(m) => *m == c,
                    Member::Range(low, high) => (*low..=*high).contains(&c),
                    Member::Class(class) => class.contains(c),
                });
                found != *negated
            }
        }
    }
}

/// Parses the inside of a bracket expression after `[`; returns the item and how many characters it used
/// (including the closing `]`), or `None` when there is no closing `]`.
fn parse_bracket(chars: &[PatternChar]) -> Option<(Item, usize)> {
    let mut i = 0;
    let negated = chars.first().is_some_and(|c| !c.quoted && matches!(c.ch, '!' | '^'));
    if negated {
        i += 1;
    }
    let mut members = Vec::new();
    let first = i;
    loop {
        let c = *chars.get(i)?;
        if c.ch == ']' && !c.quoted && i > first {
            return Some((Item::Bracket { negated, members }, i + 1));
        }
        if c.ch == '[' && !c.quoted && chars.get(i + 1).is_some_and(|n| n.ch == ':') {
            let rest: alloc::string::String = chars[i + 2..].iter().map(|c| c.ch).collect();
            if let Some(end) = rest.find(":]")
                && let Some((_, class)) = CLASSES.iter().find(|(name, _)| *name == &rest[..end])
            {
                members.push(Member::Class(*class));
                i += 2 + rest[..end].chars().count() + 2;
                continue;
            }
        }
        let is_range = chars.get(i + 1).is_some_and(|dash| dash.ch == '-' && !dash.quoted)
            && chars.get(i + 2).is_some_and(|high| high.ch != ']' || high.quoted);
        if is_range {
            members.push(Member::Range(c.ch, chars[i + 2].ch));
            i += 3;
        } else {
            members.push(Member::Char(c.ch));
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unquoted(text: &str) -> Pattern {
        let chars: Vec<PatternChar> = text.chars().map(|ch| PatternChar { ch, quoted: false }).collect();
        Pattern::compile(&chars)
    }

    fn matches(pattern: &str, text: &str) -> bool {
        unquoted(pattern).matches(text)
    }

    #[test]
    fn star_and_question_mark() {
        assert!(matches("*.c", "main.c"));
        assert!(!matches("*.c", "main.h"));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "ac"));
        assert!(matches("*", ""));
        assert!(matches("a*b*c", "aXbYbZc"));
        assert!(!matches("a*b*c", "aXbYbZ"));
    }

    #[test]
    fn brackets_ranges_negation_and_classes() {
        assert!(matches("[a-c]x", "bx"));
        assert!(!matches("[a-c]x", "dx"));
        assert!(matches("[!a-c]x", "dx"));
        assert!(matches("[^a-c]x", "dx"));
        assert!(matches("[]]", "]"));
        assert!(matches("[a-]", "-"));
        assert!(matches("[[:digit:]][[:alpha:]]", "1z"));
        assert!(!matches("[[:upper:]]", "a"));
    }

    #[test]
    fn unclosed_bracket_is_literal() {
        assert!(matches("[ab", "[ab"));
        assert!(!matches("[ab", "a"));
    }

    #[test]
    fn quoted_characters_are_literal() {
        let chars = [PatternChar { ch: '*', quoted: true }, PatternChar { ch: '*', quoted: false }];
        let pattern = Pattern::compile(&chars);
        assert!(pattern.matches("*abc"));
        assert!(!pattern.matches("abc"));
        assert!(has_wildcards(&chars));
        assert!(!has_wildcards(&chars[..1]));
    }

    #[test]
    fn prefix_and_suffix_removal() {
        let star_dot = unquoted("*.");
        assert_eq!(star_dot.remove_prefix("a.b.c", false), "b.c");
        assert_eq!(star_dot.remove_prefix("a.b.c", true), "c");
        let dot_star = unquoted(".*");
        assert_eq!(dot_star.remove_suffix("a.b.c", false), "a.b");
        assert_eq!(dot_star.remove_suffix("a.b.c", true), "a");
        assert_eq!(unquoted("x").remove_suffix("abc", true), "abc");
    }

    #[test]
    fn many_stars_match_in_polynomial_time() {
        let text = "a".repeat(2000);
        assert!(!matches(&("*a".repeat(50) + "b"), &text));
    }
}
