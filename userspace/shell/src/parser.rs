//! Recursive-descent parser from tokens to the syntax tree, one complete command at a time, with alias expansion
//! of command words and a limit on nesting.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

use crate::ast::{
    AndOr, Assignment, CaseArm, Command, Compound, Connector, FunctionDefinition, List, ListItem, LoopKind, Pipeline,
    Redirect, RedirectKind, SimpleCommand, Word, WordPart,
};
use crate::error::{ParseError, ParseErrorKind};
use crate::lexer::{Lexer, Operator, Token, TokenKind, heredoc_delimiter, is_name, split_tilde};

/// Alias names and their replacement text.
pub type Aliases = BTreeMap<String, String>;

/// How deeply compound commands may nest.
const MAX_COMPOUND_NESTING: usize = 100;

/// How many aliases may expand one after another at one command position.
const MAX_ALIAS_CHAIN: usize = 16;

/// Words that are keywords at the start of a command.
pub const KEYWORDS: [&str; 16] =
    ["if", "then", "elif", "else", "fi", "do", "done", "case", "esac", "while", "until", "for", "in", "{", "}", "!"];

/// Keywords that end a list.
const LIST_TERMINATORS: [&str; 8] = ["then", "elif", "else", "fi", "do", "done", "esac", "}"];

/// Parses shell source into complete commands.
pub struct Parser<'s> {
    lexer: Lexer<'s>,
    /// Tokens read ahead or produced by alias expansion, in order.
    pending: VecDeque<Token>,
    aliases: &'s Aliases,
    depth: usize,
    last_end: usize,
}

impl<'s> Parser<'s> {
    /// A parser over `src` starting at byte `offset`; unfinished input is reported as incomplete.
    pub fn new(src: &'s str, offset: usize, aliases: &'s Aliases) -> Self {
        Parser::nested(Lexer::new(src, offset, aliases, true, 0))
    }

    /// A parser over a prepared lexer (command substitutions, backquotes).
    pub(crate) fn nested(lexer: Lexer<'s>) -> Self {
        let offset = lexer.offset();
        Parser { aliases: lexer.aliases(), lexer, pending: VecDeque::new(), depth: 0, last_end: offset }
    }

    /// The offset just after what has been parsed.
    pub fn offset(&self) -> usize {
        self.lexer.offset()
    }

    /// Parses the next complete command (an and-or list sequence ended by a newline or the end of the input);
    /// `None` at the end of the input.
    pub fn next_command(&mut self) -> Result<Option<List>, ParseError> {
        self.skip_newlines()?;
        if self.peek()?.kind == TokenKind::End {
            return Ok(None);
        }
        let list = self.parse_list(true)?;
        let token = self.next()?;
        match token.kind {
            TokenKind::Newline | TokenKind::End => Ok(Some(list)),
            _ => Err(self.unexpected(&token)),
        }
    }

    /// Parses everything, as one list (backquoted commands).
    pub(crate) fn parse_all(mut self) -> Result<List, ParseError> {
        let mut list = List::default();
        while let Some(command) = self.next_command()? {
            list.items.extend(command.items);
        }
        Ok(list)
    }

    /// Parses the commands of `$(...)` up to and including the closing parenthesis; `open` is its offset.
    pub(crate) fn parse_substitution(&mut self, open: usize) -> Result<List, ParseError> {
        self.skip_newlines()?;
        let list = if self.at_operator(Operator::RightParen)? { List::default() } else { self.parse_list(false)? };
        let token = self.next()?;
        match token.kind {
            TokenKind::Operator(Operator::RightParen) => Ok(list),
            TokenKind::End => Err(self.lexer.end_error(open)),
            _ => Err(self.unexpected(&token)),
        }
    }

    fn fill(&mut self, count: usize) -> Result<(), ParseError> {
        while self.pending.len() < count {
            let token = self.lexer.next_token()?;
            self.pending.push_back(token);
        }
        Ok(())
    }

    fn peek(&mut self) -> Result<&Token, ParseError> {
        self.fill(1)?;
        Ok(&self.pending[0])
    }

    fn peek_second(&mut self) -> Result<&Token, ParseError> {
        self.fill(2)?;
        Ok(&self.pending[1])
    }

    fn next(&mut self) -> Result<Token, ParseError> {
        self.fill(1)?;
        let token = self.pending.pop_front().unwrap_or(Token { kind: TokenKind::End, start: 0, end: 0 });
        self.last_end = self.last_end.max(token.end);
        Ok(token)
    }

    fn at_operator(&mut self, op: Operator) -> Result<bool, ParseError> {
        Ok(self.peek()?.kind == TokenKind::Operator(op))
    }

    /// The keyword the next token would be at the start of a command.
    fn peek_keyword(&mut self) -> Result<Option<&'static str>, ParseError> {
        Ok(match &self.peek()?.kind {
            TokenKind::Word(word) => word.as_plain().and_then(|text| KEYWORDS.iter().find(|k| **k == text).copied()),
            _ => None,
        })
    }

    fn skip_newlines(&mut self) -> Result<(), ParseError> {
        while self.peek()?.kind == TokenKind::Newline {
            self.next()?;
        }
        Ok(())
    }

    /// The error for an unexpected token (or incomplete input at its end).
    fn unexpected(&self, token: &Token) -> ParseError {
        let text = match &token.kind {
            TokenKind::End => return self.lexer.end_error(token.start),
            TokenKind::Newline => String::from("newline"),
            TokenKind::Operator(op) => String::from(op.symbol()),
            TokenKind::Word(_) | TokenKind::IoNumber(_) => String::from(&self.lexer.source()[token.start..token.end]),
        };
        self.lexer.error_at(ParseErrorKind::Unexpected(text), token.start)
    }

    fn unexpected_next(&mut self) -> ParseError {
        match self.next() {
            Ok(token) => self.unexpected(&token),
            Err(error) => error,
        }
    }

    fn expect_keyword(&mut self, keyword: &str) -> Result<(), ParseError> {
        if self.peek_keyword()? == Some(keyword) {
            self.next()?;
            Ok(())
        } else {
            Err(self.unexpected_next())
        }
    }

    fn expect_operator(&mut self, op: Operator) -> Result<(), ParseError> {
        if self.at_operator(op)? {
            self.next()?;
            Ok(())
        } else {
            Err(self.unexpected_next())
        }
    }

    fn at_list_end(&mut self, top_level: bool) -> Result<bool, ParseError> {
        let keyword = self.peek_keyword()?;
        Ok(match self.peek()?.kind {
            TokenKind::End => true,
            TokenKind::Newline => top_level,
            TokenKind::Operator(Operator::RightParen | Operator::DoubleSemi) => true,
            _ => keyword.is_some_and(|k| LIST_TERMINATORS.contains(&k)),
        })
    }

    /// Parses and-or lists separated by `;`, `&` (and, inside compound commands, newlines).
    fn parse_list(&mut self, top_level: bool) -> Result<List, ParseError> {
        let mut items = Vec::new();
        loop {
            if !top_level {
                self.skip_newlines()?;
            }
            if self.at_list_end(top_level)? {
                break;
            }
            let and_or = self.parse_and_or()?;
            let background = self.at_operator(Operator::Amp)?;
            let separated = background || self.at_operator(Operator::Semi)?;
            if separated {
                self.next()?;
            }
            items.push(ListItem { and_or, background });
            let continues_on_next_line = !top_level && self.peek()?.kind == TokenKind::Newline;
            if !separated && !continues_on_next_line {
                break;
            }
        }
        if items.is_empty() {
            return Err(self.unexpected_next());
        }
        Ok(List { items })
    }

    /// A list that may be empty (case arm bodies).
    fn parse_optional_list(&mut self) -> Result<List, ParseError> {
        self.skip_newlines()?;
        if self.at_list_end(false)? { Ok(List::default()) } else { self.parse_list(false) }
    }

    fn parse_and_or(&mut self) -> Result<AndOr, ParseError> {
        let first = self.parse_pipeline()?;
        let mut rest = Vec::new();
        loop {
            let connector = match self.peek()?.kind {
                TokenKind::Operator(Operator::AndIf) => Connector::And,
                TokenKind::Operator(Operator::OrIf) => Connector::Or,
                _ => break,
            };
            self.next()?;
            self.skip_newlines()?;
            rest.push((connector, self.parse_pipeline()?));
        }
        Ok(AndOr { first, rest })
    }

    fn parse_pipeline(&mut self) -> Result<Pipeline, ParseError> {
        let start = self.peek()?.start;
        let negated = self.peek_keyword()? == Some("!");
        if negated {
            self.next()?;
        }
        let mut commands = alloc::vec![self.parse_command()?];
        while self.at_operator(Operator::Pipe)? {
            self.next()?;
            self.skip_newlines()?;
            commands.push(self.parse_command()?);
        }
        let source = self.lexer.source();
        let end = self.last_end.max(start).min(source.len());
        let text = String::from(source.get(start..end).unwrap_or_default());
        Ok(Pipeline { negated, commands, text })
    }

    /// Replaces an alias name at the start of a command by the tokens of its value.
    fn expand_aliases(&mut self) -> Result<(), ParseError> {
        let aliases = self.aliases;
        let mut expanded: Vec<&str> = Vec::new();
        while expanded.len() < MAX_ALIAS_CHAIN {
            let token = self.peek()?;
            let TokenKind::Word(word) = &token.kind else { break };
            let Some((name, value)) = word.as_plain().and_then(|name| aliases.get_key_value(name)) else { break };
            if expanded.contains(&name.as_str()) {
                break;
            }
            expanded.push(name);
            let (start, end) = (token.start, token.end);
            let tokens = self.alias_tokens(value, start, end)?;
            self.pending.pop_front();
            for token in tokens.into_iter().rev() {
                self.pending.push_front(token);
            }
        }
        Ok(())
    }

    /// The tokens of an alias value, placed at the alias word's position.
    fn alias_tokens(&self, value: &str, start: usize, end: usize) -> Result<Vec<Token>, ParseError> {
        let mut lexer = Lexer::new(value, 0, self.aliases, false, 0);
        let mut tokens = Vec::new();
        loop {
            let mut token = lexer.next_token().map_err(|error| self.lexer.error_at(error.kind, start))?;
            if token.kind == TokenKind::End {
                return Ok(tokens);
            }
            token.start = start;
            token.end = end;
            tokens.push(token);
        }
    }

    fn parse_command(&mut self) -> Result<Command, ParseError> {
        self.expand_aliases()?;
        if self.peek()?.kind == TokenKind::End {
            return Err(self.unexpected_next());
        }
        if self.at_operator(Operator::LeftParen)? {
            self.next()?;
            let body = self.nested_list(|parser| parser.parse_list(false))?;
            self.expect_operator(Operator::RightParen)?;
            return self.with_redirects(Compound::Subshell(body));
        }
        match self.peek_keyword()? {
            Some("if") => {
                let compound = self.nested_list(Parser::parse_if)?;
                self.with_redirects(compound)
            }
            Some(keyword @ ("while" | "until")) => {
                let kind = if keyword == "while" { LoopKind::While } else { LoopKind::Until };
                let compound = self.nested_list(|parser| parser.parse_loop(kind))?;
                self.with_redirects(compound)
            }
            Some("for") => {
                let compound = self.nested_list(Parser::parse_for)?;
                self.with_redirects(compound)
            }
            Some("case") => {
                let compound = self.nested_list(Parser::parse_case)?;
                self.with_redirects(compound)
            }
            Some("{") => {
                self.next()?;
                let body = self.nested_list(|parser| parser.parse_list(false))?;
                self.expect_keyword("}")?;
                self.with_redirects(Compound::BraceGroup(body))
            }
            Some(_) => Err(self.unexpected_next()),
            None if self.is_function_keyword()? => self.parse_function_keyword(),
            None if self.is_function_definition()? => self.parse_function_definition(),
            None => self.parse_simple_command().map(Command::Simple),
        }
    }

    /// Runs a nested parse, counting the depth.
    fn nested_list<T>(&mut self, parse: impl FnOnce(&mut Self) -> Result<T, ParseError>) -> Result<T, ParseError> {
        if self.depth >= MAX_COMPOUND_NESTING {
            let offset = self.peek()?.start;
            return Err(self.lexer.error_at(ParseErrorKind::TooDeep, offset));
        }
        self.depth += 1;
        let result = parse(self);
        self.depth -= 1;
        result
    }

    fn with_redirects(&mut self, compound: Compound) -> Result<Command, ParseError> {
        let mut redirects = Vec::new();
        while let Some(redirect) = self.parse_redirect()? {
            redirects.push(redirect);
        }
        Ok(Command::Compound(compound, redirects))
    }

    fn parse_if(&mut self) -> Result<Compound, ParseError> {
        self.next()?;
        let mut branches = Vec::new();
        let mut otherwise = None;
        loop {
            let condition = self.parse_list(false)?;
            self.expect_keyword("then")?;
            let body = self.parse_list(false)?;
            branches.push((condition, body));
            match self.peek_keyword()? {
                Some("elif") => {
                    self.next()?;
                }
                Some("else") => {
                    self.next()?;
                    otherwise = Some(self.parse_list(false)?);
                    self.expect_keyword("fi")?;
                    break;
                }
                _ => {
                    self.expect_keyword("fi")?;
                    break;
                }
            }
        }
        Ok(Compound::If { branches, otherwise })
    }

    fn parse_loop(&mut self, kind: LoopKind) -> Result<Compound, ParseError> {
        self.next()?;
        let condition = self.parse_list(false)?;
        let body = self.parse_do_group()?;
        Ok(Compound::Loop { kind, condition, body })
    }

    fn parse_do_group(&mut self) -> Result<List, ParseError> {
        self.expect_keyword("do")?;
        let body = self.parse_list(false)?;
        self.expect_keyword("done")?;
        Ok(body)
    }

    fn take_name(&mut self) -> Result<String, ParseError> {
        let token = self.next()?;
        if let TokenKind::Word(word) = &token.kind
            && let Some(name) = word.as_plain()
            && is_name(name)
        {
            return Ok(String::from(name));
        }
        Err(self.unexpected(&token))
    }

    fn parse_for(&mut self) -> Result<Compound, ParseError> {
        self.next()?;
        let name = self.take_name()?;
        let mut words = None;
        if self.at_operator(Operator::Semi)? {
            self.next()?;
        } else {
            self.skip_newlines()?;
            if self.peek_keyword()? == Some("in") {
                self.next()?;
                let mut list = Vec::new();
                while let TokenKind::Word(word) = &self.peek()?.kind {
                    list.push(word.clone());
                    self.next()?;
                }
                match self.peek()?.kind {
                    TokenKind::Operator(Operator::Semi) | TokenKind::Newline => {
                        self.next()?;
                    }
                    _ => return Err(self.unexpected_next()),
                }
                words = Some(list);
            }
        }
        self.skip_newlines()?;
        let body = self.parse_do_group()?;
        Ok(Compound::For { name, words, body })
    }

    fn take_word(&mut self) -> Result<Word, ParseError> {
        let token = self.next()?;
        match token.kind {
            TokenKind::Word(word) => Ok(word),
            _ => Err(self.unexpected(&token)),
        }
    }

    fn parse_case(&mut self) -> Result<Compound, ParseError> {
        self.next()?;
        let subject = self.take_word()?;
        self.skip_newlines()?;
        self.expect_keyword("in")?;
        let mut arms = Vec::new();
        loop {
            self.skip_newlines()?;
            if self.peek_keyword()? == Some("esac") {
                self.next()?;
                break;
            }
            if self.at_operator(Operator::LeftParen)? {
                self.next()?;
            }
            let mut patterns = alloc::vec![self.take_word()?];
            while self.at_operator(Operator::Pipe)? {
                self.next()?;
                patterns.push(self.take_word()?);
            }
            self.expect_operator(Operator::RightParen)?;
            let body = self.parse_optional_list()?;
            arms.push(CaseArm { patterns, body });
            self.skip_newlines()?;
            if self.at_operator(Operator::DoubleSemi)? {
                self.next()?;
            } else {
                self.expect_keyword("esac")?;
                break;
            }
        }
        Ok(Compound::Case { subject, arms })
    }

    fn is_function_keyword(&mut self) -> Result<bool, ParseError> {
        Ok(matches!(&self.peek()?.kind, TokenKind::Word(word) if word.as_plain() == Some("function"))
            && matches!(self.peek_second()?.kind, TokenKind::Word(_)))
    }

    fn is_function_definition(&mut self) -> Result<bool, ParseError> {
        Ok(matches!(self.peek()?.kind, TokenKind::Word(_))
            && self.peek_second()?.kind == TokenKind::Operator(Operator::LeftParen))
    }

    /// `function name [()] body`.
    fn parse_function_keyword(&mut self) -> Result<Command, ParseError> {
        self.next()?;
        let name = self.function_name()?;
        if self.at_operator(Operator::LeftParen)? {
            self.next()?;
            self.expect_operator(Operator::RightParen)?;
        }
        self.parse_function_body(name)
    }

    /// `name() body`.
    fn parse_function_definition(&mut self) -> Result<Command, ParseError> {
        let name = self.function_name()?;
        self.expect_operator(Operator::LeftParen)?;
        self.expect_operator(Operator::RightParen)?;
        self.parse_function_body(name)
    }

    fn function_name(&mut self) -> Result<String, ParseError> {
        let token = self.next()?;
        let TokenKind::Word(word) = &token.kind else { return Err(self.unexpected(&token)) };
        match word.as_plain() {
            Some(name) if !KEYWORDS.contains(&name) && !name.contains(['/', '=']) => Ok(String::from(name)),
            _ => {
                let text = String::from(&self.lexer.source()[token.start..token.end]);
                Err(self.lexer.error_at(ParseErrorKind::BadFunctionName(text), token.start))
            }
        }
    }

    fn parse_function_body(&mut self, name: String) -> Result<Command, ParseError> {
        self.skip_newlines()?;
        let starts_compound = self.at_operator(Operator::LeftParen)?
            || matches!(self.peek_keyword()?, Some("if" | "while" | "until" | "for" | "case" | "{"));
        if !starts_compound {
            return Err(self.unexpected_next());
        }
        match self.parse_command()? {
            Command::Compound(body, redirects) => {
                Ok(Command::FunctionDefinition(Rc::new(FunctionDefinition { name, body, redirects })))
            }
            _ => Err(self.unexpected_next()),
        }
    }

    fn parse_simple_command(&mut self) -> Result<SimpleCommand, ParseError> {
        let mut command = SimpleCommand::default();
        loop {
            if let Some(redirect) = self.parse_redirect()? {
                command.redirects.push(redirect);
                continue;
            }
            let TokenKind::Word(_) = self.peek()?.kind else { break };
            let word = self.take_word()?;
            match assignment(&word) {
                Some(assignment) if command.words.is_empty() => command.assignments.push(assignment),
                _ => command.words.push(word),
            }
        }
        if command.assignments.is_empty() && command.words.is_empty() && command.redirects.is_empty() {
            return Err(self.unexpected_next());
        }
        Ok(command)
    }

    /// Parses a redirection if one comes next.
    fn parse_redirect(&mut self) -> Result<Option<Redirect>, ParseError> {
        let fd = match self.peek()?.kind {
            TokenKind::IoNumber(number) => {
                self.next()?;
                Some(number)
            }
            _ => None,
        };
        let kind = match self.peek()?.kind {
            TokenKind::Operator(Operator::Less) => RedirectKind::Input,
            TokenKind::Operator(Operator::Great | Operator::Clobber) => RedirectKind::Output,
            TokenKind::Operator(Operator::DoubleGreat) => RedirectKind::Append,
            TokenKind::Operator(Operator::LessGreat) => RedirectKind::ReadWrite,
            TokenKind::Operator(Operator::LessAnd) => RedirectKind::DuplicateInput,
            TokenKind::Operator(Operator::GreatAnd) => RedirectKind::DuplicateOutput,
            TokenKind::Operator(Operator::DoubleLess | Operator::DoubleLessDash) => RedirectKind::HereDocument,
            _ if fd.is_some() => return Err(self.unexpected_next()),
            _ => return Ok(None),
        };
        let strip_tabs = self.peek()?.kind == TokenKind::Operator(Operator::DoubleLessDash);
        self.next()?;
        let token = self.next()?;
        let TokenKind::Word(word) = token.kind else { return Err(self.unexpected(&token)) };
        let target = if kind == RedirectKind::HereDocument {
            let (delimiter, quoted) = heredoc_delimiter(&self.lexer.source()[token.start..token.end]);
            let body = self.lexer.read_heredoc(&delimiter, strip_tabs)?;
            if quoted {
                Word { parts: alloc::vec![WordPart::Quoted(body)] }
            } else {
                self.lexer.heredoc_word(&body, token.start)?
            }
        } else {
            word
        };
        Ok(Some(Redirect { fd, kind, target }))
    }
}

/// Splits `NAME=value` into an assignment.
fn assignment(word: &Word) -> Option<Assignment> {
    let Some(WordPart::Literal(first)) = word.parts.first() else { return None };
    let equals = first.find('=')?;
    if !is_name(&first[..equals]) {
        return None;
    }
    let mut parts = Vec::new();
    if equals + 1 < first.len() {
        parts.push(WordPart::Literal(String::from(&first[equals + 1..])));
    }
    parts.extend(word.parts[1..].iter().cloned());
    Some(Assignment { name: String::from(&first[..equals]), value: Word { parts: split_tilde(parts) } })
}
