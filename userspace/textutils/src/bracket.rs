//! Bracket expressions (`[a-z]`, `[^[:digit:]_]`, `[]x]`) as regular expressions and glob
//! patterns write them: parsing from the byte after `[` to the closing `]` into a byte set.

use crate::charclass::{ByteSet, CharClass};

/// How the bracket dialect of a caller differs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BracketSyntax {
    /// The bytes that negate the expression when they come first (`^`, and `!` for globs).
    pub(crate) negators: &'static [u8],
    /// Whether `\` quotes the next byte (globs) rather than standing for itself (POSIX regex).
    pub(crate) backslash_quotes: bool,
}

/// Why a bracket expression is not valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BracketError {
    /// No closing `]`, or a `[:`, `[=` or `[.` without its closing `:]`, `=]` or `.]`.
    Unterminated,
    /// `[:name:]` with an unknown class name.
    UnknownClass,
    /// `[=x=]` or `[.x.]` naming something other than one byte.
    BadCollatingElement,
    /// A range whose end sorts before its start, or whose end point is a class.
    BadRange,
}

/// A parsed bracket expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bracket {
    /// The bytes listed, before negation.
    pub(crate) listed: ByteSet,
    /// Whether the expression matches the bytes not listed.
    pub(crate) negated: bool,
    /// The index just past the closing `]`.
    pub(crate) end: usize,
}

/// One element of a bracket expression.
enum Element {
    Byte(u8),
    Class(CharClass),
}

/// Parses the bracket expression whose `[` is at `pattern[open]`.
pub(crate) fn parse_bracket(pattern: &[u8], open: usize, syntax: BracketSyntax) -> Result<Bracket, BracketError> {
    let mut pos = open + 1;
    let negated = pattern.get(pos).is_some_and(|byte| syntax.negators.contains(byte));
    if negated {
        pos += 1;
    }
    let mut listed = ByteSet::EMPTY;
    let mut first = true;
    loop {
        match pattern.get(pos) {
            None => return Err(BracketError::Unterminated),
            Some(b']') if !first => return Ok(Bracket { listed, negated, end: pos + 1 }),
            Some(_) => {}
        }
        first = false;
        let (element, next) = parse_element(pattern, pos, syntax)?;
        pos = next;
        match element {
            Element::Class(class) => listed.insert_class(class),
            Element::Byte(start) => {
                let is_range = pattern.get(pos) == Some(&b'-') && pattern.get(pos + 1).is_some_and(|&b| b != b']');
                if is_range {
                    let (end_element, next) = parse_element(pattern, pos + 1, syntax)?;
                    pos = next;
                    match end_element {
                        Element::Byte(end) if end >= start => listed.insert_range(start, end),
                        _ => return Err(BracketError::BadRange),
                    }
                } else {
                    listed.insert(start);
                }
            }
        }
    }
}

/// Parses one byte, quoted byte, `[:class:]`, `[=x=]` or `[.x.]` at `pattern[pos]`.
fn parse_element(pattern: &[u8], pos: usize, syntax: BracketSyntax) -> Result<(Element, usize), BracketError> {
    let Some(&byte) = pattern.get(pos) else {
        return Err(BracketError::Unterminated);
    };
    match (byte, pattern.get(pos + 1)) {
        (b'[', Some(&kind @ (b':' | b'=' | b'.'))) => {
            let body_start = pos + 2;
            let body_len = pattern
                .get(body_start..)
                .and_then(|rest| rest.windows(2).position(|pair| pair == [kind, b']']))
                .ok_or(BracketError::Unterminated)?;
            let body = &pattern[body_start..body_start + body_len];
            let next = body_start + body_len + 2;
            if kind == b':' {
                let class = CharClass::from_name(body).ok_or(BracketError::UnknownClass)?;
                Ok((Element::Class(class), next))
            } else {
                match body {
                    [single] => Ok((Element::Byte(*single), next)),
                    _ => Err(BracketError::BadCollatingElement),
                }
            }
        }
        (b'\\', Some(&quoted)) if syntax.backslash_quotes => Ok((Element::Byte(quoted), pos + 2)),
        _ => Ok((Element::Byte(byte), pos + 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGEX: BracketSyntax = BracketSyntax { negators: b"^", backslash_quotes: false };
    const GLOB: BracketSyntax = BracketSyntax { negators: b"!^", backslash_quotes: true };

    fn members(bracket: &Bracket) -> std::vec::Vec<u8> {
        (0..=u8::MAX).filter(|&b| bracket.listed.contains(b)).collect()
    }

    #[test]
    fn ranges_and_single_bytes() {
        let bracket = parse_bracket(b"[a-cx]", 0, REGEX).unwrap();
        assert_eq!(members(&bracket), b"abcx");
        assert_eq!(bracket.end, 6);
        assert!(!bracket.negated);
    }

    #[test]
    fn leading_close_bracket_and_trailing_dash_are_literal() {
        assert_eq!(members(&parse_bracket(b"[]a-]", 0, REGEX).unwrap()), b"-]a");
        let negated = parse_bracket(b"[^]]", 0, REGEX).unwrap();
        assert!(negated.negated);
        assert_eq!(members(&negated), b"]");
    }

    #[test]
    fn classes_equivalences_and_collating_elements() {
        let bracket = parse_bracket(b"[[:digit:][=x=][.-.]]", 0, REGEX).unwrap();
        assert_eq!(members(&bracket), b"-0123456789x");
        assert_eq!(parse_bracket(b"[[:nope:]]", 0, REGEX), Err(BracketError::UnknownClass));
        assert_eq!(parse_bracket(b"[[.ab.]]", 0, REGEX), Err(BracketError::BadCollatingElement));
    }

    #[test]
    fn errors_for_unterminated_and_reversed() {
        assert_eq!(parse_bracket(b"[abc", 0, REGEX), Err(BracketError::Unterminated));
        assert_eq!(parse_bracket(b"[[:alpha:", 0, REGEX), Err(BracketError::Unterminated));
        assert_eq!(parse_bracket(b"[z-a]", 0, REGEX), Err(BracketError::BadRange));
        assert_eq!(parse_bracket(b"[a-[:digit:]]", 0, REGEX), Err(BracketError::BadRange));
    }

    #[test]
    fn backslash_is_literal_in_regex_and_quotes_in_globs() {
        assert_eq!(members(&parse_bracket(b"[\\]", 0, REGEX).unwrap()), b"\\");
        assert_eq!(members(&parse_bracket(b"[\\]]", 0, GLOB).unwrap()), b"]");
        assert!(parse_bracket(b"[!a]", 0, GLOB).unwrap().negated);
        assert!(!parse_bracket(b"[!a]", 0, REGEX).unwrap().negated);
    }
}
