//! The parsed form of a pattern: a tree of [`Node`]s that [`super::compile`] turns into a
//! program for the matcher.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::charclass::ByteSet;

/// A zero-width condition on the position between two bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Assertion {
    /// `^`, `` \` ``: the start of the text.
    TextStart,
    /// `$`, `\'`: the end of the text.
    TextEnd,
    /// `\b`: between a word byte and a non-word byte (or the text's edge).
    WordBoundary,
    /// `\B`: not at a word boundary.
    NotWordBoundary,
    /// `\<`: a word byte follows and none precedes.
    WordStart,
    /// `\>`: a word byte precedes and none follows.
    WordEnd,
    /// No word byte precedes (for `grep -w`).
    NoWordBefore,
    /// No word byte follows (for `grep -w`).
    NoWordAfter,
}

/// One node of a parsed pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Node {
    /// Matches the empty string.
    Empty,
    /// Matches one byte.
    Literal(u8),
    /// Matches one byte of the set.
    Set(ByteSet),
    /// Matches the empty string where the assertion holds.
    Assert(Assertion),
    /// A capturing group; `index` counts from 1.
    Group { index: usize, node: Box<Node> },
    /// The nodes one after another.
    Concat(Vec<Node>),
    /// Any one of the nodes, the earlier preferred.
    Alternate(Vec<Node>),
    /// The node `min` to `max` times (no upper bound when `max` is `None`).
    Repeat { node: Box<Node>, min: u32, max: Option<u32> },
}

/// A node and the height of its tree (1 for a leaf), kept so that neither parsing, compiling
/// nor dropping a tree recurses deeper than [`MAX_HEIGHT`].
#[derive(Debug)]
pub(super) struct Tree {
    pub(super) node: Node,
    pub(super) height: usize,
}

/// The deepest tree a pattern may produce.
pub(super) const MAX_HEIGHT: usize = 200;

impl Tree {
    pub(super) fn leaf(node: Node) -> Tree {
        Tree { node, height: 1 }
    }
}
