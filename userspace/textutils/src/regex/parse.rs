//! The pattern parser: POSIX basic (BRE) and extended (ERE) syntax with GNU's extensions
//! (`\+ \? \|` in BRE, `\w \W \s \S \b \B \< \>`), producing a height-limited [`Tree`].

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::RegexError;
use super::ast::{Assertion, MAX_HEIGHT, Node, Tree};
use crate::bracket::{BracketError, BracketSyntax, parse_bracket};
use crate::charclass::{ByteSet, CharClass, is_word_byte};
use crate::decimal::{digit_count, saturating_value};

/// The largest repetition count an interval may name (POSIX `RE_DUP_MAX` as GNU has it).
const MAX_REPETITION: u32 = 32767;

const BRACKET_SYNTAX: BracketSyntax = BracketSyntax { negators: b"^", backslash_quotes: false };

/// Parses `pattern` (extended syntax when `extended`), numbering its groups from `*next_group`
/// and leaving `*next_group` one past the last group.
pub(super) fn parse(
    pattern: &[u8],
    extended: bool,
    ignore_case: bool,
    next_group: &mut usize,
) -> Result<Tree, RegexError> {
    let mut parser = Parser { pattern, pos: 0, extended, ignore_case, next_group: *next_group, depth: 0 };
    let tree = parser.parse_alternation()?;
    if parser.pos < pattern.len() {
        // Only a closing `\)` stops the top level before the end.
        return Err(RegexError::UnmatchedCloseParen);
    }
    *next_group = parser.next_group;
    Ok(tree)
}

/// The tree matching exactly `text` (for fixed-string searches).
pub(super) fn literal_tree(text: &[u8], ignore_case: bool) -> Tree {
    let mut nodes: Vec<Node> = text.iter().map(|&byte| literal(byte, ignore_case)).collect();
    match nodes.len() {
        0 => Tree::leaf(Node::Empty),
        1 => Tree::leaf(nodes.remove(0)),
        _ => Tree { node: Node::Concat(nodes), height: 2 },
    }
}

/// The node matching `byte`, in either case when `ignore_case`.
fn literal(byte: u8, ignore_case: bool) -> Node {
    if ignore_case && byte.is_ascii_alphabetic() {
        let mut set = ByteSet::EMPTY;
        set.insert(byte);
        Node::Set(set.case_folded())
    } else {
        Node::Literal(byte)
    }
}

/// The tree of `node` over children at most `child_height` high, or
/// [`RegexError::NestedTooDeeply`] when it would be too high.
fn parent(node: Node, child_height: usize) -> Result<Tree, RegexError> {
    let height = child_height + 1;
    if height > MAX_HEIGHT { Err(RegexError::NestedTooDeeply) } else { Ok(Tree { node, height }) }
}

/// A sequence (`Concat` or `Alternate`) of trees, collapsed when it has a single member.
fn sequence(mut trees: Vec<Tree>, make: fn(Vec<Node>) -> Node) -> Result<Tree, RegexError> {
    if trees.len() == 1 {
        return Ok(trees.remove(0));
    }
    let height = trees.iter().map(|tree| tree.height).max().unwrap_or(0);
    parent(make(trees.into_iter().map(|tree| tree.node).collect()), height)
}

struct Parser<'p> {
    pattern: &'p [u8],
    pos: usize,
    extended: bool,
    ignore_case: bool,
    next_group: usize,
    /// How many groups enclose the current position.
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.pattern.get(self.pos).copied()
    }

    fn rest(&self) -> &[u8] {
        self.pattern.get(self.pos..).unwrap_or_default()
    }

    fn at_alternation(&self) -> bool {
        if self.extended { self.peek() == Some(b'|') } else { self.rest().starts_with(b"\\|") }
    }

    fn at_group_close(&self) -> bool {
        if self.extended { self.depth > 0 && self.peek() == Some(b')') } else { self.rest().starts_with(b"\\)") }
    }

    fn parse_alternation(&mut self) -> Result<Tree, RegexError> {
        let mut branches = Vec::new();
        branches.push(self.parse_branch()?);
        while self.at_alternation() {
            self.pos += if self.extended { 1 } else { 2 };
            branches.push(self.parse_branch()?);
        }
        sequence(branches, Node::Alternate)
    }

    fn parse_branch(&mut self) -> Result<Tree, RegexError> {
        let mut pieces: Vec<Tree> = Vec::new();
        while self.pos < self.pattern.len() && !self.at_alternation() && !self.at_group_close() {
            // As in glibc, a repetition operator right after an anchor has nothing to repeat.
            let after_anchor = matches!(pieces.last(), Some(Tree { node: Node::Assert(_), .. }));
            let at_start = pieces.is_empty() || after_anchor;
            pieces.push(self.parse_piece(pieces.is_empty(), at_start)?);
        }
        if pieces.is_empty() {
            return Ok(Tree::leaf(Node::Empty));
        }
        sequence(pieces, Node::Concat)
    }

    /// An atom and the repetition operators after it. `branch_start` tells whether nothing
    /// precedes in the branch; `at_start` whether a repetition operator here has nothing to repeat.
    fn parse_piece(&mut self, branch_start: bool, at_start: bool) -> Result<Tree, RegexError> {
        let mut tree = self.parse_atom(branch_start, at_start)?;
        if let Node::Assert(_) = tree.node {
            // The next atom takes an operator after an anchor as literal (BRE) or ignores it (ERE).
            return Ok(tree);
        }
        while let Some((min, max)) = self.parse_repetition()? {
            tree = parent(Node::Repeat { node: Box::new(tree.node), min, max }, tree.height)?;
        }
        Ok(tree)
    }

    fn parse_atom(&mut self, branch_start: bool, at_start: bool) -> Result<Tree, RegexError> {
        let Some(byte) = self.peek() else {
            return Ok(Tree::leaf(Node::Empty));
        };
        self.pos += 1;
        let node = match byte {
            b'\\' => return self.parse_escape(at_start),
            b'[' => {
                self.pos -= 1;
                return self.parse_bracket();
            }
            b'(' if self.extended => return self.parse_group(),
            b'.' => Node::Set(ByteSet::ALL),
            b'^' if self.extended || branch_start => Node::Assert(Assertion::TextStart),
            b'$' if self.extended || self.at_bre_end() => Node::Assert(Assertion::TextEnd),
            // GNU ignores an ERE repetition operator with nothing to repeat.
            b'*' | b'+' | b'?' | b'{' if self.extended && at_start => Node::Empty,
            _ => literal(byte, self.ignore_case),
        };
        Ok(Tree::leaf(node))
    }

    /// Whether a BRE `$` just consumed ends the expression, a group or a branch.
    fn at_bre_end(&self) -> bool {
        let rest = self.rest();
        rest.is_empty() || rest.starts_with(b"\\)") || rest.starts_with(b"\\|")
    }

    /// The atom after a `\` (already consumed).
    fn parse_escape(&mut self, at_start: bool) -> Result<Tree, RegexError> {
        let Some(byte) = self.peek() else {
            return Err(RegexError::TrailingBackslash);
        };
        self.pos += 1;
        let node = match byte {
            b'(' if !self.extended => return self.parse_group(),
            b'1'..=b'9' => {
                let group = usize::from(byte - b'0');
                return Err(if group < self.next_group {
                    RegexError::BackReferenceUnsupported
                } else {
                    RegexError::InvalidBackReference
                });
            }
            b'w' | b'W' => Node::Set(word_set(byte == b'W')),
            b's' | b'S' => {
                let mut set = ByteSet::EMPTY;
                set.insert_class(CharClass::Space);
                Node::Set(if byte == b'S' { set.complement() } else { set })
            }
            b'b' => Node::Assert(Assertion::WordBoundary),
            b'B' => Node::Assert(Assertion::NotWordBoundary),
            b'<' => Node::Assert(Assertion::WordStart),
            b'>' => Node::Assert(Assertion::WordEnd),
            b'`' => Node::Assert(Assertion::TextStart),
            b'\'' => Node::Assert(Assertion::TextEnd),
            // A BRE `\{`, `\+` or `\?` with nothing to repeat stands for itself.
            b'{' | b'+' | b'?' if !self.extended && at_start => Node::Literal(byte),
            _ => literal(byte, self.ignore_case),
        };
        Ok(Tree::leaf(node))
    }

    /// The group whose opening `(` or `\(` was just consumed.
    fn parse_group(&mut self) -> Result<Tree, RegexError> {
        if self.depth >= MAX_HEIGHT {
            return Err(RegexError::NestedTooDeeply);
        }
        let index = self.next_group;
        self.next_group += 1;
        self.depth += 1;
        let inner = self.parse_alternation()?;
        self.depth -= 1;
        let close: &[u8] = if self.extended { b")" } else { b"\\)" };
        if !self.rest().starts_with(close) {
            return Err(RegexError::UnmatchedOpenParen);
        }
        self.pos += close.len();
        parent(Node::Group { index, node: Box::new(inner.node) }, inner.height)
    }

    fn parse_bracket(&mut self) -> Result<Tree, RegexError> {
        let bracket = parse_bracket(self.pattern, self.pos, BRACKET_SYNTAX).map_err(|error| match error {
            BracketError::Unterminated => RegexError::UnmatchedBracket,
            BracketError::UnknownClass => RegexError::InvalidClassName,
            BracketError::BadCollatingElement => RegexError::InvalidCollatingElement,
            BracketError::BadRange => RegexError::InvalidRangeEnd,
        })?;
        self.pos = bracket.end;
        let listed = if self.ignore_case { bracket.listed.case_folded() } else { bracket.listed };
        Ok(Tree::leaf(Node::Set(if bracket.negated { listed.complement() } else { listed })))
    }

    /// A repetition operator at the current position, consumed: `(min, max)`.
    fn parse_repetition(&mut self) -> Result<Option<(u32, Option<u32>)>, RegexError> {
        let rest = self.rest();
        let (operator_len, repetition) = match (self.extended, rest) {
            (_, [b'*', ..]) => (1, (0, None)),
            (true, [b'+', ..]) | (false, [b'\\', b'+', ..]) => (1 + usize::from(!self.extended), (1, None)),
            (true, [b'?', ..]) | (false, [b'\\', b'?', ..]) => (1 + usize::from(!self.extended), (0, Some(1))),
            (true, [b'{', ..]) => {
                let start = self.pos + 1;
                return match self.parse_interval(start, b"}") {
                    Err(IntervalError::Syntax { .. }) => Ok(None),
                    Err(IntervalError::Invalid(error)) => Err(error),
                    Ok(found) => Ok(Some(found)),
                };
            }
            (false, [b'\\', b'{', ..]) => {
                let start = self.pos + 2;
                return match self.parse_interval(start, b"\\}") {
                    Err(IntervalError::Syntax { at_end: true }) => Err(RegexError::UnmatchedBrace),
                    Err(IntervalError::Syntax { at_end: false }) => Err(RegexError::InvalidInterval),
                    Err(IntervalError::Invalid(error)) => Err(error),
                    Ok(found) => Ok(Some(found)),
                };
            }
            _ => return Ok(None),
        };
        self.pos += operator_len;
        Ok(Some(repetition))
    }

    /// Parses `m`, `m,`, `,n` or `m,n` from `start` up to `close`, moving past `close`.
    fn parse_interval(&mut self, start: usize, close: &[u8]) -> Result<(u32, Option<u32>), IntervalError> {
        let mut pos = start;
        let min = read_count(self.pattern, &mut pos);
        let max = if self.pattern.get(pos) == Some(&b',') {
            pos += 1;
            read_count(self.pattern, &mut pos)
        } else {
            Some(min.ok_or(IntervalError::Syntax { at_end: pos >= self.pattern.len() })?)
        };
        let rest = self.pattern.get(pos..).unwrap_or_default();
        if !rest.starts_with(close) {
            return Err(IntervalError::Syntax { at_end: rest.len() < close.len() });
        }
        let min = min.unwrap_or(0);
        if min > u64::from(MAX_REPETITION) || max.is_some_and(|max| max > u64::from(MAX_REPETITION)) {
            return Err(IntervalError::Invalid(RegexError::TooBig));
        }
        if max.is_some_and(|max| max < min) {
            return Err(IntervalError::Invalid(RegexError::InvalidInterval));
        }
        self.pos = pos + close.len();
        // Both fit in `u32`: they are at most `MAX_REPETITION`.
        let to_u32 = |count: u64| u32::try_from(count).unwrap_or(MAX_REPETITION);
        Ok((to_u32(min), max.map(to_u32)))
    }
}

/// Why an interval did not parse.
enum IntervalError {
    /// Not interval syntax; `at_end` when the pattern ended first.
    Syntax { at_end: bool },
    /// Interval syntax with bad counts.
    Invalid(RegexError),
}

/// Reads decimal digits at `*pos` (saturating), or `None` when there are none.
fn read_count(pattern: &[u8], pos: &mut usize) -> Option<u64> {
    let rest = pattern.get(*pos..).unwrap_or_default();
    let digits = digit_count(rest);
    *pos += digits;
    (digits > 0).then(|| saturating_value(&rest[..digits]))
}

/// `\w` (or `\W` when `negated`): letters, digits and `_`.
fn word_set(negated: bool) -> ByteSet {
    let mut set = ByteSet::EMPTY;
    for byte in 0..=u8::MAX {
        if is_word_byte(byte) != negated {
            set.insert(byte);
        }
    }
    set
}
