//! Field splitting: turning the characters produced by expanding a word into fields at the `IFS` characters
//! that came from unquoted expansions.

use alloc::string::String;
use alloc::vec::Vec;

use crate::pattern::PatternChar;

/// What expanding a word produces, before field splitting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece {
    /// A character; `splittable` ones came from unquoted expansions and may separate fields.
    Char { ch: char, quoted: bool, splittable: bool },
    /// Quotes were present (`""`, `''`): the word makes a field even when empty.
    ForceField,
    /// The boundary between two positional parameters of `$@`.
    FieldBreak,
}

/// `IFS` when the variable is unset.
pub const DEFAULT_IFS: &str = " \t\n";

#[derive(Clone, Copy, PartialEq, Eq)]
enum LastDelimiter {
    Start,
    Whitespace,
    Other,
}

/// Splits pieces into fields. With `limit`, at most that many fields are made: the last one takes the rest of
/// the input with leading and trailing `IFS` whitespace removed (as `read` needs).
pub fn split(pieces: &[Piece], ifs: &str, limit: Option<usize>) -> Vec<Vec<PatternChar>> {
    let is_ifs_whitespace = |c: char| matches!(c, ' ' | '\t' | '\n') && ifs.contains(c);
    let mut fields = Vec::new();
    let mut current = Vec::new();
    let mut started = false;
    let mut last = LastDelimiter::Start;
    for piece in pieces {
        let at_limit = limit.is_some_and(|n| fields.len() + 1 >= n);
        match *piece {
            Piece::ForceField => started = true,
            Piece::FieldBreak => {
                if started {
                    fields.push(core::mem::take(&mut current));
                    started = false;
                }
                last = LastDelimiter::Start;
            }
            Piece::Char { ch, quoted, splittable } if splittable && ifs.contains(ch) => {
                if at_limit {
                    if started {
                        current.push(PatternChar { ch, quoted });
                    } else if !is_ifs_whitespace(ch) {
                        current.push(PatternChar { ch, quoted });
                        started = true;
                    }
                } else if is_ifs_whitespace(ch) {
                    if started {
                        fields.push(core::mem::take(&mut current));
                        started = false;
                        last = LastDelimiter::Whitespace;
                    }
                } else {
                    if started || last != LastDelimiter::Whitespace {
                        fields.push(core::mem::take(&mut current));
                        started = false;
                    }
                    last = LastDelimiter::Other;
                }
            }
            Piece::Char { ch, quoted, .. } => {
                current.push(PatternChar { ch, quoted });
                started = true;
            }
        }
    }
    if started {
        if limit.is_some() {
            while current.last().is_some_and(|c| !c.quoted && is_ifs_whitespace(c.ch)) {
                current.pop();
            }
        }
        fields.push(current);
    }
    fields
}

/// The pieces as one string, without splitting (`$@` boundaries become spaces).
pub fn join(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .filter_map(|piece| match piece {
            Piece::Char { ch, .. } => Some(*ch),
            Piece::FieldBreak => Some(' '),
            Piece::ForceField => None,
        })
        .collect()
}

/// The text of a field.
pub fn field_text(field: &[PatternChar]) -> String {
    field.iter().map(|c| c.ch).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn expanded(text: &str) -> Vec<Piece> {
        text.chars().map(|ch| Piece::Char { ch, quoted: false, splittable: true }).collect()
    }

    fn texts(fields: Vec<Vec<PatternChar>>) -> Vec<String> {
        fields.iter().map(|f| field_text(f)).collect()
    }

    #[test]
    fn whitespace_runs_separate_and_trim() {
        assert_eq!(texts(split(&expanded("  a  b\tc \n"), DEFAULT_IFS, None)), vec!["a", "b", "c"]);
    }

    #[test]
    fn other_delimiters_make_empty_fields() {
        assert_eq!(texts(split(&expanded("a::b:"), ":", None)), vec!["a", "", "b"]);
        assert_eq!(texts(split(&expanded(":a"), ":", None)), vec!["", "a"]);
        assert_eq!(texts(split(&expanded("a : b"), " :", None)), vec!["a", "b"]);
    }

    #[test]
    fn empty_ifs_does_not_split() {
        assert_eq!(texts(split(&expanded("a b"), "", None)), vec!["a b"]);
    }

    #[test]
    fn unsplittable_characters_stay_together() {
        let pieces: Vec<Piece> = "a b".chars().map(|ch| Piece::Char { ch, quoted: true, splittable: false }).collect();
        assert_eq!(texts(split(&pieces, DEFAULT_IFS, None)), vec!["a b"]);
    }

    #[test]
    fn empty_expansion_makes_no_field_unless_quoted() {
        assert!(split(&[], DEFAULT_IFS, None).is_empty());
        assert_eq!(texts(split(&[Piece::ForceField], DEFAULT_IFS, None)), vec![""]);
    }

    #[test]
    fn field_breaks_separate_positionals() {
        let mut pieces = expanded("a");
        pieces.push(Piece::FieldBreak);
        pieces.push(Piece::ForceField);
        pieces.push(Piece::FieldBreak);
        pieces.extend(expanded("b"));
        assert_eq!(texts(split(&pieces, "", None)), vec!["a", "", "b"]);
        assert_eq!(join(&pieces), "a  b");
    }

    #[test]
    fn limit_gives_the_rest_to_the_last_field() {
        assert_eq!(texts(split(&expanded("  a  b c  "), DEFAULT_IFS, Some(2))), vec!["a", "b c"]);
        assert_eq!(texts(split(&expanded("a::c"), ":", Some(2))), vec!["a", ":c"]);
        assert_eq!(texts(split(&expanded("one"), DEFAULT_IFS, Some(3))), vec!["one"]);
    }
}
