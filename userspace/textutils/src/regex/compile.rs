//! Turning a parsed pattern into a [`Program`] for the Pike VM: byte tests, prioritised splits,
//! jumps, capture saves and assertions (the Thompson construction).

use alloc::vec;
use alloc::vec::Vec;

use super::RegexError;
use super::ast::{Assertion, Node};
use crate::charclass::ByteSet;

/// The most instructions a program may have.
const MAX_INSTRUCTIONS: usize = 100_000;

/// The most nodes the compiler visits, so that repeated empty nodes cannot make it spin.
const MAX_NODE_VISITS: usize = 1_000_000;

/// One instruction of a [`Program`].
#[derive(Clone, Copy, Debug)]
pub(super) enum Inst {
    /// Consume this byte.
    Byte(u8),
    /// Consume a byte of this set.
    Set(ByteSet),
    /// Continue at both targets, the first preferred.
    Split(usize, usize),
    /// Continue at the target.
    Jump(usize),
    /// Record the position in this capture slot.
    Save(usize),
    /// Continue only where the assertion holds.
    Assert(Assertion),
    /// The whole pattern has matched.
    Match,
}

/// A compiled pattern. Slots `2k` and `2k + 1` hold the start and end of group `k`; group 0 is
/// the whole match.
#[derive(Clone, Debug)]
pub(super) struct Program {
    pub(super) insts: Vec<Inst>,
}

/// Compiles `node`.
pub(super) fn compile(node: &Node) -> Result<Program, RegexError> {
    let mut compiler = Compiler { insts: Vec::new(), visits: 0 };
    compiler.push(Inst::Save(0))?;
    compiler.emit(node)?;
    compiler.push(Inst::Save(1))?;
    compiler.push(Inst::Match)?;
    Ok(Program { insts: compiler.insts })
}

struct Compiler {
    insts: Vec<Inst>,
    visits: usize,
}

impl Compiler {
    fn push(&mut self, inst: Inst) -> Result<usize, RegexError> {
        if self.insts.len() >= MAX_INSTRUCTIONS {
            return Err(RegexError::TooBig);
        }
        self.insts.push(inst);
        Ok(self.insts.len() - 1)
    }

    /// Points the split at `at` to `next` (preferred) and `other`.
    fn patch_split(&mut self, at: usize, other: usize) {
        self.insts[at] = Inst::Split(at + 1, other);
    }

    fn emit(&mut self, node: &Node) -> Result<(), RegexError> {
        self.visits += 1;
        if self.visits > MAX_NODE_VISITS {
            return Err(RegexError::TooBig);
        }
        match node {
            Node::Empty => {}
            Node::Literal(byte) => {
                self.push(Inst::Byte(*byte))?;
            }
            Node::Set(set) => {
                self.push(Inst::Set(*set))?;
            }
            Node::Assert(assertion) => {
                self.push(Inst::Assert(*assertion))?;
            }
            Node::Group { index, node } => {
                self.push(Inst::Save(2 * index))?;
                self.emit(node)?;
                self.push(Inst::Save(2 * index + 1))?;
            }
            Node::Concat(nodes) => {
                for node in nodes {
                    self.emit(node)?;
                }
            }
            Node::Alternate(nodes) => self.emit_alternation(nodes)?,
            Node::Repeat { node, min, max } => self.emit_repetition(node, *min, *max)?,
        }
        Ok(())
    }

    fn emit_alternation(&mut self, nodes: &[Node]) -> Result<(), RegexError> {
        let Some((last, others)) = nodes.split_last() else {
            // No alternative at all: a program that matches nothing.
            self.push(Inst::Set(ByteSet::EMPTY))?;
            return Ok(());
        };
        let mut jumps = Vec::new();
        for node in others {
            let split = self.push(Inst::Split(0, 0))?;
            self.emit(node)?;
            jumps.push(self.push(Inst::Jump(0))?);
            let next = self.insts.len();
            self.patch_split(split, next);
        }
        self.emit(last)?;
        let end = self.insts.len();
        for jump in jumps {
            self.insts[jump] = Inst::Jump(end);
        }
        Ok(())
    }

    fn emit_repetition(&mut self, node: &Node, min: u32, max: Option<u32>) -> Result<(), RegexError> {
        for _ in 0..min {
            self.emit(node)?;
        }
        match max {
            None => {
                let split = self.push(Inst::Split(0, 0))?;
                self.emit(node)?;
                self.push(Inst::Jump(split))?;
                let end = self.insts.len();
                self.patch_split(split, end);
            }
            Some(max) => {
                let mut splits = vec![];
                for _ in min..max {
                    splits.push(self.push(Inst::Split(0, 0))?);
                    self.emit(node)?;
                }
                let end = self.insts.len();
                for split in splits {
                    self.patch_split(split, end);
                }
            }
        }
        Ok(())
    }
}
