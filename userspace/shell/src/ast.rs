//! The syntax tree produced by the parser and walked by the interpreter.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

/// A sequence of and-or lists separated by `;`, `&` or newlines.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct List {
    pub items: Vec<ListItem>,
}

/// One and-or list of a [`List`], run in the background when it ended with `&`.
#[derive(Clone, Debug, PartialEq)]
pub struct ListItem {
    pub and_or: AndOr,
    pub background: bool,
}

/// Pipelines joined by `&&` and `||`.
#[derive(Clone, Debug, PartialEq)]
pub struct AndOr {
    pub first: Pipeline,
    pub rest: Vec<(Connector, Pipeline)>,
}

/// The operator between two pipelines of an [`AndOr`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connector {
    And,
    Or,
}

/// Commands joined by `|`, optionally negated with `!`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    pub negated: bool,
    pub commands: Vec<Command>,
    /// The source text of the pipeline, shown by `jobs`.
    pub text: String,
}

/// One element of a pipeline.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Simple(SimpleCommand),
    Compound(Compound, Vec<Redirect>),
    FunctionDefinition(Rc<FunctionDefinition>),
}

/// Assignments, words and redirections, e.g. `A=1 cmd arg >out`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SimpleCommand {
    pub assignments: Vec<Assignment>,
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
}

/// `NAME=value`.
#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    pub name: String,
    pub value: Word,
}

/// `name() compound-command redirections`.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionDefinition {
    pub name: String,
    pub body: Compound,
    pub redirects: Vec<Redirect>,
}

/// The compound commands of the language.
#[derive(Clone, Debug, PartialEq)]
pub enum Compound {
    BraceGroup(List),
    Subshell(List),
    If { branches: Vec<(List, List)>, otherwise: Option<List> },
    Loop { kind: LoopKind, condition: List, body: List },
    For { name: String, words: Option<Vec<Word>>, body: List },
    Case { subject: Word, arms: Vec<CaseArm> },
}

/// Whether a loop runs while its condition succeeds or until it does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoopKind {
    While,
    Until,
}

/// `pattern | pattern) body ;;`.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseArm {
    pub patterns: Vec<Word>,
    pub body: List,
}

/// One redirection: the file descriptor it changes and what it connects it to.
#[derive(Clone, Debug, PartialEq)]
pub struct Redirect {
    pub fd: Option<u32>,
    pub kind: RedirectKind,
    /// The file name, the descriptor for duplications, or the here-document body.
    pub target: Word,
}

/// The redirection operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirectKind {
    /// `<`
    Input,
    /// `>` and `>|`
    Output,
    /// `>>`
    Append,
    /// `<>`
    ReadWrite,
    /// `<&`
    DuplicateInput,
    /// `>&`
    DuplicateOutput,
    /// `<<` and `<<-`; the target is the body.
    HereDocument,
}

impl RedirectKind {
    /// The descriptor changed when the redirection names none.
    pub fn default_fd(self) -> u32 {
        match self {
            RedirectKind::Input
            | RedirectKind::ReadWrite
            | RedirectKind::DuplicateInput
            | RedirectKind::HereDocument => 0,
            RedirectKind::Output | RedirectKind::Append | RedirectKind::DuplicateOutput => 1,
        }
    }
}

/// A word before expansion.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Word {
    pub parts: Vec<WordPart>,
}

/// The pieces a word is made of.
#[derive(Clone, Debug, PartialEq)]
pub enum WordPart {
    /// Text written without quotes (inside double quotes: plain text).
    Literal(String),
    /// Text in single quotes or after a backslash: taken as is.
    Quoted(String),
    /// `"..."`.
    DoubleQuoted(Vec<WordPart>),
    /// `~` or `~user` at the start of a word.
    Tilde(String),
    /// `$name` and `${...}`.
    Parameter(Box<Parameter>),
    /// `$(...)` and backquotes.
    CommandSubstitution(Rc<List>),
    /// `$((...))`: the expression text, itself subject to expansion.
    Arithmetic(Word),
}

/// A parameter expansion: which parameter and what to do with it.
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    pub name: ParameterName,
    pub operation: ParameterOperation,
}

/// The parameters a `$` can name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParameterName {
    Variable(String),
    /// `$0` .. `$9`, `${10}` ...
    Positional(usize),
    /// One of `? $ ! # @ * -`.
    Special(char),
}

/// What a braced parameter expansion does with the value.
#[derive(Clone, Debug, PartialEq)]
pub enum ParameterOperation {
    Value,
    /// `${#name}`
    Length,
    /// `${name:-word}` (`colon`: also when null)
    Default {
        colon: bool,
        word: Word,
    },
    /// `${name:=word}`
    Assign {
        colon: bool,
        word: Word,
    },
    /// `${name:+word}`
    Alternative {
        colon: bool,
        word: Word,
    },
    /// `${name:?word}`
    Error {
        colon: bool,
        word: Word,
    },
    /// `${name%pattern}` / `${name%%pattern}`
    RemoveSuffix {
        longest: bool,
        pattern: Word,
    },
    /// `${name#pattern}` / `${name##pattern}`
    RemovePrefix {
        longest: bool,
        pattern: Word,
    },
}

impl Word {
    /// A word made of one unquoted literal.
    pub fn literal(text: &str) -> Word {
        Word { parts: alloc::vec![WordPart::Literal(String::from(text))] }
    }

    /// The text of a word consisting of a single unquoted literal (keywords, names, aliases).
    pub fn as_plain(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [WordPart::Literal(text)] => Some(text),
            _ => None,
        }
    }
}

impl WordPart {
    /// Whether the part is `$@` or `${@...}`, which expands to several fields even inside double quotes.
    pub fn is_all_positionals(&self) -> bool {
        matches!(self, WordPart::Parameter(p) if p.name == ParameterName::Special('@'))
    }
}
