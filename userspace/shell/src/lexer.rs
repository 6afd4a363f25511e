//! Splits shell source into tokens: operators, newlines and words with their quoting and expansions already
//! structured into [`WordPart`]s. Command substitutions are parsed here (by a nested [`Parser`]) so that their
//! end is found exactly; here-document bodies are read ahead when the parser asks for them.

use alloc::boxed::Box;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;

use crate::ast::{Parameter, ParameterName, ParameterOperation, Word, WordPart};
use crate::error::{ParseError, ParseErrorKind};
use crate::parser::{Aliases, Parser};

/// How deeply words may nest expansions (`${a:-${b:-...}}`, `$(...)` in `$(...)`).
pub(crate) const MAX_NESTING: usize = 64;

/// The operators of the shell grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    AndIf,
    OrIf,
    DoubleSemi,
    Semi,
    Amp,
    Pipe,
    LeftParen,
    RightParen,
    Less,
    Great,
    DoubleGreat,
    Clobber,
    DoubleLess,
    DoubleLessDash,
    LessAnd,
    GreatAnd,
    LessGreat,
}

/// Longest operators first so that the first prefix match is the right one.
const OPERATORS: [(&str, Operator); 17] = [
    ("<<-", Operator::DoubleLessDash),
    ("&&", Operator::AndIf),
    ("||", Operator::OrIf),
    (";;", Operator::DoubleSemi),
    ("<<", Operator::DoubleLess),
    (">>", Operator::DoubleGreat),
    ("<&", Operator::LessAnd),
    (">&", Operator::GreatAnd),
    ("<>", Operator::LessGreat),
    (">|", Operator::Clobber),
    (";", Operator::Semi),
    ("&", Operator::Amp),
    ("|", Operator::Pipe),
    ("(", Operator::LeftParen),
    (")", Operator::RightParen),
    ("<", Operator::Less),
    (">", Operator::Great),
];

impl Operator {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        OPERATORS.iter().find(|(_, op)| *op == self).map_or("", |(text, _)| text)
    }
}

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    Word(Word),
    /// Digits directly before a redirection operator (`2>`).
    IoNumber(u32),
    Operator(Operator),
    Newline,
    End,
}

/// A token and the byte range of the source it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

/// Where a word being scanned stops.
#[derive(Clone, Copy, PartialEq, Eq)]
enum WordEnd {
    /// At a blank, newline or operator character.
    Unquoted,
    /// At an unquoted `}` (the word of `${name:-word}`); single quotes are plain text inside double quotes.
    Brace { in_double_quotes: bool },
}

/// The tokenizer over `src[pos..end]`.
pub struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    end: usize,
    /// Whether reaching `end` inside a construct means more input may follow (interactive continuation) rather
    /// than a syntax error.
    end_is_open: bool,
    /// Here-document bodies read ahead: when a newline brings the lexer to the first offset it jumps to the second.
    heredoc_skip: Option<(usize, usize)>,
    aliases: &'s Aliases,
    depth: usize,
}

/// Whether `c` may start a variable name.
pub(crate) fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

/// Whether `c` may continue a variable name.
pub(crate) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Whether `text` is a valid variable name.
pub(crate) fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

/// Characters that end an unquoted word.
fn is_metachar(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | ';' | '&' | '|' | '(' | ')' | '<' | '>')
}

/// Appends unquoted (or, inside double quotes, plain) text to the parts.
fn push_literal(parts: &mut Vec<WordPart>, c: char) {
    if let Some(WordPart::Literal(text)) = parts.last_mut() {
        text.push(c);
    } else {
        parts.push(WordPart::Literal(String::from(c)));
    }
}

/// Appends quoted text to the parts.
fn push_quoted(parts: &mut Vec<WordPart>, text: &str) {
    if let Some(WordPart::Quoted(quoted)) = parts.last_mut() {
        quoted.push_str(text);
    } else {
        parts.push(WordPart::Quoted(String::from(text)));
    }
}

/// Turns a leading unquoted `~user` (up to the first `/`) into a [`WordPart::Tilde`].
pub(crate) fn split_tilde(mut parts: Vec<WordPart>) -> Vec<WordPart> {
    let Some(WordPart::Literal(text)) = parts.first() else { return parts };
    if !text.starts_with('~') {
        return parts;
    }
    let prefix_end = text.find('/').unwrap_or(text.len());
    if prefix_end == text.len() && parts.len() > 1 {
        return parts;
    }
    let user = String::from(&text[1..prefix_end]);
    let rest = String::from(&text[prefix_end..]);
    parts.remove(0);
    if !rest.is_empty() {
        parts.insert(0, WordPart::Literal(rest));
    }
    parts.insert(0, WordPart::Tilde(user));
    parts
}

/// The 1-based line and column of byte `offset` in `src`.
pub(crate) fn line_column(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

impl<'s> Lexer<'s> {
    /// A lexer over `src[start..]`; `end_is_open` tells whether unfinished input may be continued.
    pub fn new(src: &'s str, start: usize, aliases: &'s Aliases, end_is_open: bool, depth: usize) -> Self {
        Lexer { src, pos: start, end: src.len(), end_is_open, heredoc_skip: None, aliases, depth }
    }

    /// The source the lexer reads.
    pub fn source(&self) -> &'s str {
        self.src
    }

    /// The aliases nested parsers expand.
    pub fn aliases(&self) -> &'s Aliases {
        self.aliases
    }

    /// The offset of the next unread byte.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// An error of `kind` at byte `offset`.
    pub fn error_at(&self, kind: ParseErrorKind, offset: usize) -> ParseError {
        let (line, column) = line_column(self.src, offset);
        ParseError { kind, line, column }
    }

    /// The error for input that ends too early at `offset`.
    pub fn end_error(&self, offset: usize) -> ParseError {
        let kind = if self.end_is_open {
            ParseErrorKind::Incomplete
        } else {
            ParseErrorKind::Unexpected(String::from("end of file"))
        };
        self.error_at(kind, offset)
    }

    fn peek(&self) -> Option<char> {
        self.src[self.pos..self.end].chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        self.src[self.pos..self.end].chars().nth(1)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn rest(&self) -> &'s str {
        &self.src[self.pos..self.end]
    }

    /// The next token.
    pub fn next_token(&mut self) -> Result<Token, ParseError> {
        self.skip_blanks_and_comments()?;
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Ok(Token { kind: TokenKind::End, start, end: start });
        };
        let kind = if c == '\n' {
            self.bump();
            self.jump_over_heredocs();
            TokenKind::Newline
        } else if let Some((text, op)) = OPERATORS.iter().find(|(text, _)| self.rest().starts_with(text)) {
            self.pos += text.len();
            TokenKind::Operator(*op)
        } else if let Some(number) = self.io_number() {
            number
        } else {
            let parts = self.scan_parts(WordEnd::Unquoted)?;
            TokenKind::Word(Word { parts: split_tilde(parts) })
        };
        Ok(Token { kind, start, end: self.pos })
    }

    fn skip_blanks_and_comments(&mut self) -> Result<(), ParseError> {
        loop {
            match self.peek() {
                Some(' ' | '\t') => {
                    self.bump();
                }
                Some('\\') if self.peek_second() == Some('\n') => self.line_continuation()?,
                Some('#') => {
                    let line_end = self.rest().find('\n').map_or(self.end, |i| self.pos + i);
                    self.pos = line_end;
                }
                _ => return Ok(()),
            }
        }
    }

    /// Skips a backslash-newline; at the very end of the input more lines are needed.
    fn line_continuation(&mut self) -> Result<(), ParseError> {
        let start = self.pos;
        self.pos += 2;
        self.jump_over_heredocs();
        if self.pos >= self.end && self.end_is_open {
            return Err(self.end_error(start));
        }
        Ok(())
    }

    fn jump_over_heredocs(&mut self) {
        if let Some((start, end)) = self.heredoc_skip
            && start == self.pos
        {
            self.pos = end;
            self.heredoc_skip = None;
        }
    }

    fn io_number(&mut self) -> Option<TokenKind> {
        let digits = self.rest().bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || !matches!(self.rest().as_bytes().get(digits), Some(b'<' | b'>')) {
            return None;
        }
        let number = self.rest()[..digits].parse().ok()?;
        self.pos += digits;
        Some(TokenKind::IoNumber(number))
    }

    fn nested(&mut self) -> Result<(), ParseError> {
        if self.depth >= MAX_NESTING {
            return Err(self.error_at(ParseErrorKind::TooDeep, self.pos));
        }
        Ok(())
    }

    /// Scans an unquoted word or the word inside `${...}`.
    fn scan_parts(&mut self, word_end: WordEnd) -> Result<Vec<WordPart>, ParseError> {
        let mut parts = Vec::new();
        while let Some(c) = self.peek() {
            match word_end {
                WordEnd::Unquoted if is_metachar(c) => break,
                WordEnd::Brace { .. } if c == '}' => break,
                _ => {}
            }
            match c {
                '\\' => {
                    if self.peek_second() == Some('\n') {
                        self.line_continuation()?;
                        continue;
                    }
                    self.bump();
                    match self.bump() {
                        Some(escaped) => push_quoted(&mut parts, escaped.encode_utf8(&mut [0; 4])),
                        None => push_literal(&mut parts, '\\'),
                    }
                }
                '\'' if word_end != (WordEnd::Brace { in_double_quotes: true }) => {
                    let start = self.pos;
                    self.bump();
                    let Some(close) = self.rest().find('\'') else { return Err(self.end_error(start)) };
                    let text = &self.rest()[..close];
                    push_quoted(&mut parts, text);
                    self.pos += close + 1;
                }
                '"' => {
                    let start = self.pos;
                    self.bump();
                    let inner = self.scan_double_quoted(false, start)?;
                    parts.push(WordPart::DoubleQuoted(inner));
                }
                '$' => self.scan_dollar(&mut parts, false)?,
                '`' => {
                    let part = self.scan_backquote(false)?;
                    parts.push(part);
                }
                _ => {
                    self.bump();
                    push_literal(&mut parts, c);
                }
            }
        }
        Ok(parts)
    }

    /// Scans the inside of double quotes (up to and including the closing quote), or a whole here-document body.
    fn scan_double_quoted(&mut self, heredoc: bool, start: usize) -> Result<Vec<WordPart>, ParseError> {
        let mut parts = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                if heredoc {
                    return Ok(parts);
                }
                return Err(self.end_error(start));
            };
            match c {
                '"' if !heredoc => {
                    self.bump();
                    return Ok(parts);
                }
                '\\' => {
                    self.bump();
                    match self.peek() {
                        Some('\n') => {
                            self.bump();
                        }
                        Some(next @ ('$' | '`' | '\\')) => {
                            self.bump();
                            push_literal(&mut parts, next);
                        }
                        Some('"') if !heredoc => {
                            self.bump();
                            push_literal(&mut parts, '"');
                        }
                        _ => push_literal(&mut parts, '\\'),
                    }
                }
                '$' => self.scan_dollar(&mut parts, true)?,
                '`' => {
                    let part = self.scan_backquote(true)?;
                    parts.push(part);
                }
                _ => {
                    self.bump();
                    push_literal(&mut parts, c);
                }
            }
        }
    }

    /// Scans what follows a `$`, pushing the expansion (or a literal `$`).
    fn scan_dollar(&mut self, parts: &mut Vec<WordPart>, in_double_quotes: bool) -> Result<(), ParseError> {
        let start = self.pos;
        self.bump();
        let part = match self.peek() {
            Some('{') => self.scan_braced_parameter(start, in_double_quotes)?,
            Some('(') if self.peek_second() == Some('(') && self.arithmetic_end().is_some() => {
                self.scan_arithmetic()?
            }
            Some('(') => self.scan_command_substitution()?,
            Some(c) if is_name_start(c) => {
                let name = self.take_name();
                simple_parameter(ParameterName::Variable(name))
            }
            Some(c) if c.is_ascii_digit() => {
                self.bump();
                simple_parameter(ParameterName::Positional(c as usize - '0' as usize))
            }
            Some(c @ ('?' | '$' | '!' | '#' | '@' | '*' | '-')) => {
                self.bump();
                simple_parameter(ParameterName::Special(c))
            }
            _ => {
                push_literal(parts, '$');
                return Ok(());
            }
        };
        parts.push(part);
        Ok(())
    }

    fn take_name(&mut self) -> String {
        let length = self.rest().find(|c: char| !is_name_char(c)).unwrap_or(self.rest().len());
        let name = String::from(&self.rest()[..length]);
        self.pos += length;
        name
    }

    /// Scans `${...}`; `start` is the offset of the `$`.
    fn scan_braced_parameter(&mut self, start: usize, in_double_quotes: bool) -> Result<WordPart, ParseError> {
        self.nested()?;
        self.bump();
        let length = self.peek() == Some('#') && !matches!(self.peek_second(), Some('}') | None);
        if length {
            self.bump();
        }
        let name = match self.peek() {
            Some(c) if is_name_start(c) => ParameterName::Variable(self.take_name()),
            Some(c) if c.is_ascii_digit() => {
                let digits = self.rest().bytes().take_while(u8::is_ascii_digit).count();
                let number = self.rest()[..digits].parse().unwrap_or(usize::MAX);
                self.pos += digits;
                ParameterName::Positional(number)
            }
            Some(c @ ('?' | '$' | '!' | '#' | '@' | '*' | '-')) => {
                self.bump();
                ParameterName::Special(c)
            }
            None => return Err(self.end_error(start)),
            Some(_) => return Err(self.bad_substitution(start)),
        };
        let operation =
            if length { ParameterOperation::Length } else { self.scan_parameter_operation(start, in_double_quotes)? };
        match self.bump() {
            Some('}') => Ok(WordPart::Parameter(Box::new(Parameter { name, operation }))),
            None => Err(self.end_error(start)),
            Some(_) => Err(self.bad_substitution(start)),
        }
    }

    fn scan_parameter_operation(
        &mut self,
        start: usize,
        in_double_quotes: bool,
    ) -> Result<ParameterOperation, ParseError> {
        let colon = self.peek() == Some(':');
        if colon {
            self.bump();
        }
        let Some(op) = self.peek() else { return Err(self.end_error(start)) };
        if op == '}' && !colon {
            return Ok(ParameterOperation::Value);
        }
        if !matches!(op, '-' | '=' | '+' | '?') && (colon || !matches!(op, '%' | '#')) {
            return Err(self.bad_substitution(start));
        }
        self.bump();
        let longest = matches!(op, '%' | '#') && self.peek() == Some(op);
        if longest {
            self.bump();
        }
        self.depth += 1;
        let parts = self.scan_parts(WordEnd::Brace { in_double_quotes });
        self.depth -= 1;
        let word = Word { parts: parts? };
        Ok(match op {
            '-' => ParameterOperation::Default { colon, word },
            '=' => ParameterOperation::Assign { colon, word },
            '+' => ParameterOperation::Alternative { colon, word },
            '?' => ParameterOperation::Error { colon, word },
            '%' => ParameterOperation::RemoveSuffix { longest, pattern: word },
            _ => ParameterOperation::RemovePrefix { longest, pattern: word },
        })
    }

    fn bad_substitution(&self, start: usize) -> ParseError {
        let text = &self.src[start..self.end];
        let text = text.find('}').map_or(text, |close| &text[..=close]);
        self.error_at(ParseErrorKind::BadSubstitution(String::from(text)), start)
    }

    /// When the input at `$((` is an arithmetic expansion, the offset of its closing `))`.
    fn arithmetic_end(&self) -> Option<usize> {
        let body_start = self.pos + 2;
        let mut depth = 0usize;
        for (i, c) in self.src[body_start..self.end].char_indices() {
            match c {
                '(' => depth += 1,
                ')' if depth > 0 => depth -= 1,
                ')' => {
                    return (self.src[body_start + i + 1..self.end].starts_with(')')).then_some(body_start + i);
                }
                _ => {}
            }
        }
        None
    }

    fn scan_arithmetic(&mut self) -> Result<WordPart, ParseError> {
        self.nested()?;
        let body_start = self.pos + 2;
        let body_end = self.arithmetic_end().unwrap_or(self.end);
        let mut inner = Lexer {
            src: self.src,
            pos: body_start,
            end: body_end,
            end_is_open: false,
            heredoc_skip: None,
            aliases: self.aliases,
            depth: self.depth + 1,
        };
        let parts = inner.scan_double_quoted(true, body_start)?;
        self.pos = body_end + 2;
        Ok(WordPart::Arithmetic(Word { parts }))
    }

    /// Scans `$(...)` by parsing the commands inside with a nested parser.
    fn scan_command_substitution(&mut self) -> Result<WordPart, ParseError> {
        self.nested()?;
        let open = self.pos;
        self.bump();
        let mut parser = Parser::nested(Lexer {
            src: self.src,
            pos: self.pos,
            end: self.end,
            end_is_open: self.end_is_open,
            heredoc_skip: None,
            aliases: self.aliases,
            depth: self.depth + 1,
        });
        let list = parser.parse_substitution(open)?;
        self.pos = parser.offset();
        Ok(WordPart::CommandSubstitution(Rc::new(list)))
    }

    /// Scans `` `...` ``: removes the backslashes that quote `$`, `` ` `` and `\` (and `"` inside double quotes),
    /// then parses the text as commands.
    fn scan_backquote(&mut self, in_double_quotes: bool) -> Result<WordPart, ParseError> {
        self.nested()?;
        let open = self.pos;
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None => return Err(self.end_error(open)),
                Some('`') => break,
                Some('\\') => match self.peek() {
                    Some(c @ ('$' | '`' | '\\')) => {
                        self.bump();
                        text.push(c);
                    }
                    Some('"') if in_double_quotes => {
                        self.bump();
                        text.push('"');
                    }
                    _ => text.push('\\'),
                },
                Some(c) => text.push(c),
            }
        }
        let lexer = Lexer::new(&text, 0, self.aliases, false, self.depth + 1);
        let list = Parser::nested(lexer).parse_all().map_err(|error| self.relocate(error, open))?;
        Ok(WordPart::CommandSubstitution(Rc::new(list)))
    }

    /// Moves an error found in separately lexed text (backquotes, here-documents) to `offset` of this source.
    fn relocate(&self, error: ParseError, offset: usize) -> ParseError {
        let kind = match error.kind {
            ParseErrorKind::Incomplete => ParseErrorKind::Unexpected(String::from("end of file")),
            kind => kind,
        };
        self.error_at(kind, offset)
    }

    /// Reads the body of a here-document whose operator was just scanned: the lines after the current line (and
    /// after the bodies of earlier here-documents on it) up to the delimiter line.
    pub fn read_heredoc(&mut self, delimiter: &str, strip_tabs: bool) -> Result<String, ParseError> {
        let operator_offset = self.pos;
        let body_start = match self.heredoc_skip {
            Some((_, end)) => end,
            None => match self.rest().find('\n') {
                Some(i) => self.pos + i + 1,
                None => return Err(self.end_error(operator_offset)),
            },
        };
        let mut cursor = body_start;
        let mut body = String::new();
        loop {
            if cursor >= self.end {
                return Err(self.end_error(operator_offset));
            }
            let line_end = self.src[cursor..self.end].find('\n').map_or(self.end, |i| cursor + i);
            let line = &self.src[cursor..line_end];
            let line = if strip_tabs { line.trim_start_matches('\t') } else { line };
            cursor = (line_end + 1).min(self.end);
            if line == delimiter {
                break;
            }
            if line_end == self.end {
                return Err(self.end_error(operator_offset));
            }
            body.push_str(line);
            body.push('\n');
        }
        let skip_start = self.heredoc_skip.map_or(body_start, |(start, _)| start);
        self.heredoc_skip = Some((skip_start, cursor));
        Ok(body)
    }

    /// Parses an unquoted here-document body: parameter, command and arithmetic expansions and the backslashes
    /// that quote `$`, `` ` ``, `\` and newline. Errors are reported at `offset`.
    pub fn heredoc_word(&self, body: &str, offset: usize) -> Result<Word, ParseError> {
        expansion_word(body, self.aliases, self.depth + 1).map_err(|error| self.relocate(error, offset))
    }
}

/// Parses text in which only expansions and the backslashes before `$`, `` ` ``, `\` and newline are special
/// (here-document bodies, prompts).
pub(crate) fn expansion_word(text: &str, aliases: &Aliases, depth: usize) -> Result<Word, ParseError> {
    let mut lexer = Lexer::new(text, 0, aliases, false, depth);
    let parts = lexer.scan_double_quoted(true, 0)?;
    Ok(Word { parts })
}

fn simple_parameter(name: ParameterName) -> WordPart {
    WordPart::Parameter(Box::new(Parameter { name, operation: ParameterOperation::Value }))
}

/// The delimiter of a here-document as written (`'EOF'`, `"EOF"`, `E\OF`): its text without quotes, and whether
/// any part was quoted (which turns off expansion of the body).
pub(crate) fn heredoc_delimiter(raw: &str) -> (String, bool) {
    let mut text = String::new();
    let mut quoted = false;
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => quoted = true,
            '\\' => {
                quoted = true;
                if let Some(next) = chars.next() {
                    text.push(next);
                }
            }
            _ => text.push(c),
        }
    }
    (text, quoted)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn words(src: &str) -> Vec<TokenKind> {
        let aliases = Aliases::new();
        let mut lexer = Lexer::new(src, 0, &aliases, true, 0);
        let mut tokens = Vec::new();
        loop {
            let token = lexer.next_token().unwrap();
            if token.kind == TokenKind::End {
                return tokens;
            }
            tokens.push(token.kind);
        }
    }

    fn literal(text: &str) -> TokenKind {
        TokenKind::Word(Word::literal(text))
    }

    #[test]
    fn operators_are_split_longest_first() {
        assert_eq!(
            words("a&&b||c;;d>>e<<-f"),
            vec![
                literal("a"),
                TokenKind::Operator(Operator::AndIf),
                literal("b"),
                TokenKind::Operator(Operator::OrIf),
                literal("c"),
                TokenKind::Operator(Operator::DoubleSemi),
                literal("d"),
                TokenKind::Operator(Operator::DoubleGreat),
                literal("e"),
                TokenKind::Operator(Operator::DoubleLessDash),
                literal("f"),
            ]
        );
    }

    #[test]
    fn digits_before_redirection_are_an_io_number() {
        assert_eq!(
            words("2>x 12"),
            vec![TokenKind::IoNumber(2), TokenKind::Operator(Operator::Great), literal("x"), literal("12")]
        );
    }

    #[test]
    fn comments_run_to_end_of_line() {
        assert_eq!(words("a # b c\nd"), vec![literal("a"), TokenKind::Newline, literal("d")]);
    }

    #[test]
    fn quotes_and_escapes_become_quoted_parts() {
        let expected = Word {
            parts: vec![
                WordPart::Literal(String::from("a")),
                WordPart::Quoted(String::from("b c$")),
                WordPart::DoubleQuoted(vec![WordPart::Literal(String::from("d\"\\"))]),
            ],
        };
        assert_eq!(words("a'b c'\\$\"d\\\"\\\\\""), vec![TokenKind::Word(expected)]);
    }

    #[test]
    fn unterminated_quote_is_incomplete() {
        let aliases = Aliases::new();
        let mut lexer = Lexer::new("echo 'abc", 0, &aliases, true, 0);
        lexer.next_token().unwrap();
        assert!(lexer.next_token().unwrap_err().is_incomplete());
    }

    #[test]
    fn backslash_newline_joins_lines() {
        assert_eq!(words("ab\\\ncd"), vec![literal("abcd")]);
    }

    #[test]
    fn leading_tilde_is_split_off() {
        let expected = Word { parts: vec![WordPart::Tilde(String::new()), WordPart::Literal(String::from("/x"))] };
        assert_eq!(words("~/x"), vec![TokenKind::Word(expected)]);
    }

    #[test]
    fn heredoc_delimiter_quoting_is_detected() {
        assert_eq!(heredoc_delimiter("'EOF'"), (String::from("EOF"), true));
        assert_eq!(heredoc_delimiter("E\\OF"), (String::from("EOF"), true));
        assert_eq!(heredoc_delimiter("EOF"), (String::from("EOF"), false));
    }

    #[test]
    fn line_column_counts_from_one() {
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("ab", 0), (1, 1));
    }
}
