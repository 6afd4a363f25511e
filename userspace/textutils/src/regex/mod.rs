//! POSIX regular expressions for `grep` and `sed`: basic (BRE) and extended (ERE) syntax with
//! GNU's extensions, fixed strings, case-insensitive matching, and `grep -w`/`-x` anchoring.
//!
//! Matching is byte-oriented (the C locale: `.` and bracket expressions match one byte) and
//! runs in time linear in the text (a Pike VM); the cost is that patterns cannot
//! contain back-references (`\1` in a pattern is [`RegexError::BackReferenceUnsupported`];
//! `sed` replacements may still use them). A search finds the leftmost match and, of the
//! matches starting there, the longest, as POSIX and GNU do. Group positions are those of the
//! preferred way to match that span: repetitions take as much as they can, and earlier
//! alternatives win over later ones (in thousands of random cases, the same groups as GNU sed).
//!
//! Where GNU's two dialects of ERE differ, this follows `grep -E`: a repetition operator with
//! nothing to repeat is ignored, an unmatched `)` and a `{` that starts no interval are
//! literal (GNU `sed -E` rejects these patterns).

mod ast;
mod compile;
mod error;
mod parse;
mod pike;

use alloc::vec::Vec;

use ast::{Assertion, Node};
use compile::Program;
pub use error::RegexError;
use pike::Goal;

/// The syntax a pattern is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Syntax {
    /// POSIX basic syntax (`grep`, `sed`): `\( \) \{ \} \| \+ \?` are operators.
    #[default]
    Basic,
    /// POSIX extended syntax (`grep -E`, `sed -E`): `( ) { } | + ?` are operators.
    Extended,
    /// No operators at all: the pattern is the text to find (`grep -F`).
    Fixed,
}

/// Where a match may lie in the text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Extent {
    /// Anywhere.
    #[default]
    Anywhere,
    /// Neither preceded nor followed by a word byte (letter, digit, `_`), as `grep -w`.
    Word,
    /// Spanning the whole text, as `grep -x`.
    Line,
}

/// How to compile a pattern.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    pub syntax: Syntax,
    /// Match letters in either ASCII case.
    pub ignore_case: bool,
    pub extent: Extent,
}

/// A compiled pattern.
#[derive(Clone, Debug)]
pub struct Regex {
    program: Program,
    group_count: usize,
}

/// Where a match lies: `start..end` of the text, and the span of each group (`groups[0]` is
/// group 1) or `None` for a group that did not take part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub groups: Vec<Option<(usize, usize)>>,
}

impl Match {
    /// The span of group `index`, where group 0 is the whole match.
    pub fn group(&self, index: usize) -> Option<(usize, usize)> {
        match index.checked_sub(1) {
            None => Some((self.start, self.end)),
            Some(group) => self.groups.get(group).copied().flatten(),
        }
    }
}

/// Compiles one pattern.
pub fn compile(pattern: &[u8], options: Options) -> Result<Regex, RegexError> {
    compile_any(&[pattern], options)
}

/// Compiles a pattern that matches where any of `patterns` matches (`grep -e A -e B`); groups
/// are numbered across the patterns. No patterns at all match nothing.
pub fn compile_any(patterns: &[&[u8]], options: Options) -> Result<Regex, RegexError> {
    let mut next_group = 1;
    let mut alternatives: Vec<Node> = Vec::new();
    for pattern in patterns {
        let tree = match options.syntax {
            Syntax::Fixed => parse::literal_tree(pattern, options.ignore_case),
            Syntax::Basic | Syntax::Extended => {
                parse::parse(pattern, options.syntax == Syntax::Extended, options.ignore_case, &mut next_group)?
            }
        };
        alternatives.push(tree.node);
    }
    let body = if alternatives.len() == 1 { alternatives.remove(0) } else { Node::Alternate(alternatives) };
    let node = match options.extent {
        Extent::Anywhere => body,
        Extent::Word => {
            Node::Concat([Node::Assert(Assertion::NoWordBefore), body, Node::Assert(Assertion::NoWordAfter)].into())
        }
        Extent::Line => {
            Node::Concat([Node::Assert(Assertion::TextStart), body, Node::Assert(Assertion::TextEnd)].into())
        }
    };
    let program = compile::compile(&node)?;
    Ok(Regex { program, group_count: next_group - 1 })
}

impl Regex {
    /// How many groups the pattern has.
    pub fn group_count(&self) -> usize {
        self.group_count
    }

    /// Whether the pattern matches anywhere in `haystack`.
    pub fn is_match(&self, haystack: &[u8]) -> bool {
        pike::search(&self.program, haystack, 0, Goal::AnyMatch).is_some()
    }

    /// The leftmost-longest match in `haystack` that starts at or after `start`. Assertions
    /// (`^`, `\<`, ...) see the whole text, so `^` never matches after position 0.
    pub fn find_at(&self, haystack: &[u8], start: usize) -> Option<Match> {
        let slot_count = 2 * (self.group_count + 1);
        let slots = pike::search(&self.program, haystack, start, Goal::Locate { slot_count })?;
        let span =
            |group: usize| match (slots.get(2 * group).copied().flatten(), slots.get(2 * group + 1).copied().flatten())
            {
                (Some(start), Some(end)) if start <= end => Some((start, end)),
                _ => None,
            };
        let (start, end) = span(0)?;
        Some(Match { start, end, groups: (1..=self.group_count).map(span).collect() })
    }
}

#[cfg(test)]
mod tests;
