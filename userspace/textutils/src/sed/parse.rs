//! The `sed` script parser: addresses, ranges, `!`, `{ }` blocks, `;` and newline separators,
//! and the commands of [`super::script::Action`], with GNU's one-line `a text` forms.

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::error::{SedError, SedErrorKind};
use super::replace::Replacement;
use super::script::{Action, Address, BranchCondition, Command, RangeEnd, RegexRef, Script, Selector, Substitution};
use crate::bracket::{BracketSyntax, parse_bracket};
use crate::decimal::{digit_count, saturating_value};
use crate::escape::control_escape;
use crate::regex::{self, Options, Regex, Syntax};

const BRACKET_SYNTAX: BracketSyntax = BracketSyntax { negators: b"^", backslash_quotes: false };

/// Parses the script made of `scripts` (the `-e` arguments, joined by newlines), with
/// extended regular expressions when `extended` (`-E`).
pub(super) fn parse(scripts: &[&[u8]], extended: bool) -> Result<Script, SedError> {
    let text = scripts.join(&b'\n');
    let mut parser = Parser {
        text: &text,
        pos: 0,
        syntax: if extended { Syntax::Extended } else { Syntax::Basic },
        commands: Vec::new(),
        regexes: Vec::new(),
        open_blocks: Vec::new(),
        labels: Vec::new(),
        jumps: Vec::new(),
    };
    parser.parse_commands()?;
    if !parser.open_blocks.is_empty() {
        return Err(SedError { position: 0, kind: SedErrorKind::UnmatchedOpenBrace });
    }
    parser.resolve_jumps()?;
    let quiet = text.starts_with(b"#n") && matches!(text.get(2), None | Some(b'\n'));
    Ok(Script { commands: parser.commands, regexes: parser.regexes, quiet })
}

/// A jump whose label is resolved once all labels are known.
struct Jump {
    command: usize,
    label: Vec<u8>,
    position: usize,
}

struct Parser<'t> {
    text: &'t [u8],
    pos: usize,
    syntax: Syntax,
    commands: Vec<Command>,
    regexes: Vec<Regex>,
    /// The indices of the `{` commands not closed yet.
    open_blocks: Vec<usize>,
    /// Each label and the index of the command after it.
    labels: Vec<(Vec<u8>, usize)>,
    jumps: Vec<Jump>,
}

impl Parser<'_> {
    fn error(&self, kind: SedErrorKind) -> SedError {
        SedError { position: self.pos, kind }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn next_byte(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.pos += 1;
        Some(byte)
    }

    fn skip_blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// Reads a decimal number (saturating), or `None` without digits.
    fn read_number(&mut self) -> Option<u64> {
        let rest = &self.text[self.pos..];
        let digits = digit_count(rest);
        self.pos += digits;
        (digits > 0).then(|| saturating_value(&rest[..digits]))
    }

    fn parse_commands(&mut self) -> Result<(), SedError> {
        loop {
            while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b';')) {
                self.pos += 1;
            }
            match self.peek() {
                None => return Ok(()),
                Some(b'#') => {
                    while !matches!(self.next_byte(), None | Some(b'\n')) {}
                    continue;
                }
                Some(_) => {}
            }
            let selector = self.parse_selector()?;
            let command = self.next_byte().ok_or_else(|| self.error(SedErrorKind::MissingCommand))?;
            self.parse_command(command, selector)?;
        }
    }

    fn parse_selector(&mut self) -> Result<Selector, SedError> {
        let first = self.parse_address()?;
        let mut end = None;
        if self.peek() == Some(b',') {
            if first.is_none() {
                return Err(self.error(SedErrorKind::UnexpectedComma));
            }
            self.pos += 1;
            self.skip_blanks();
            end = Some(self.parse_range_end()?);
        }
        if first == Some(Address::Line(0)) && !matches!(end, Some(RangeEnd::Match(_))) {
            return Err(self.error(SedErrorKind::InvalidLineZero));
        }
        self.skip_blanks();
        let mut negated = false;
        while self.peek() == Some(b'!') {
            if negated {
                return Err(self.error(SedErrorKind::MultipleNegation));
            }
            negated = true;
            self.pos += 1;
            self.skip_blanks();
        }
        Ok(Selector { first, end, negated })
    }

    fn parse_address(&mut self) -> Result<Option<Address>, SedError> {
        match self.peek() {
            Some(b'0'..=b'9') => {
                let first = self.read_number().unwrap_or(0);
                if self.peek() != Some(b'~') {
                    return Ok(Some(Address::Line(first)));
                }
                self.pos += 1;
                Ok(Some(Address::Step { first, step: self.read_number().unwrap_or(0) }))
            }
            Some(b'$') => {
                self.pos += 1;
                Ok(Some(Address::Last))
            }
            Some(b'/' | b'\\') => Ok(Some(Address::Match(self.parse_address_regex()?))),
            _ => Ok(None),
        }
    }

    fn parse_range_end(&mut self) -> Result<RangeEnd, SedError> {
        let relative = match self.peek() {
            Some(b'+') => Some(RangeEnd::Following as fn(u64) -> RangeEnd),
            Some(b'~') => Some(RangeEnd::MultipleOf as fn(u64) -> RangeEnd),
            _ => None,
        };
        if let Some(make) = relative {
            self.pos += 1;
            let count = self.read_number().ok_or_else(|| self.error(SedErrorKind::UnexpectedComma))?;
            return Ok(make(count));
        }
        match self.parse_address()? {
            Some(Address::Line(line)) => Ok(RangeEnd::Line(line)),
            Some(Address::Last) => Ok(RangeEnd::Last),
            Some(Address::Match(regex)) => Ok(RangeEnd::Match(regex)),
            Some(Address::Step { .. }) | None => Err(self.error(SedErrorKind::UnexpectedComma)),
        }
    }

    /// `/re/` or `\cREc`, with `I` modifiers.
    fn parse_address_regex(&mut self) -> Result<RegexRef, SedError> {
        let unterminated = SedErrorKind::UnterminatedAddressRegex;
        let mut delimiter = self.next_byte().ok_or_else(|| self.error(unterminated.clone()))?;
        if delimiter == b'\\' {
            delimiter = self.next_byte().ok_or_else(|| self.error(unterminated.clone()))?;
        }
        if matches!(delimiter, b'\n' | b'\\') {
            return Err(self.error(unterminated));
        }
        let pattern = self.read_regex(delimiter).ok_or_else(|| self.error(unterminated))?;
        let mut ignore_case = false;
        loop {
            match self.peek() {
                Some(b'I') => ignore_case = true,
                Some(modifier @ b'M') => return Err(self.error(SedErrorKind::UnsupportedModifier(modifier))),
                _ => break,
            }
            self.pos += 1;
        }
        self.compile_regex(&pattern, ignore_case)
    }

    /// Reads a regex up to the unescaped `delimiter` (not counting one inside a bracket
    /// expression), turning `\delimiter` into the delimiter and `\n` into a newline; `None`
    /// when the delimiter is missing.
    fn read_regex(&mut self, delimiter: u8) -> Option<Vec<u8>> {
        let mut pattern = Vec::new();
        loop {
            let byte = self.next_byte()?;
            match byte {
                _ if byte == delimiter => return Some(pattern),
                b'\n' => return None,
                b'\\' => match self.next_byte()? {
                    escaped if escaped == delimiter => pattern.push(escaped),
                    b'n' => pattern.push(b'\n'),
                    b't' => pattern.push(b'\t'),
                    escaped => pattern.extend_from_slice(&[b'\\', escaped]),
                },
                b'[' => match parse_bracket(self.text, self.pos - 1, BRACKET_SYNTAX) {
                    Ok(bracket) => {
                        // GNU reads `\n` in a bracket expression as a newline too.
                        let mut rest = &self.text[self.pos - 1..bracket.end];
                        while let Some((&byte, tail)) = rest.split_first() {
                            if let (b'\\', [b'n', after @ ..]) = (byte, tail) {
                                pattern.push(b'\n');
                                rest = after;
                            } else {
                                pattern.push(byte);
                                rest = tail;
                            }
                        }
                        self.pos = bracket.end;
                    }
                    Err(_) => pattern.push(byte),
                },
                _ => pattern.push(byte),
            }
        }
    }

    fn compile_regex(&mut self, pattern: &[u8], ignore_case: bool) -> Result<RegexRef, SedError> {
        if pattern.is_empty() {
            let fallback =
                self.regexes.len().checked_sub(1).ok_or_else(|| self.error(SedErrorKind::NoPreviousRegex))?;
            return Ok(RegexRef::Last { fallback });
        }
        let options = Options { syntax: self.syntax, ignore_case, ..Options::default() };
        let regex = regex::compile(pattern, options).map_err(|error| self.error(SedErrorKind::Regex(error)))?;
        self.regexes.push(regex);
        Ok(RegexRef::Index(self.regexes.len() - 1))
    }

    fn push(&mut self, selector: Selector, action: Action) {
        self.commands.push(Command { selector, action });
    }

    fn parse_command(&mut self, command: u8, selector: Selector) -> Result<(), SedError> {
        let has_address = selector.first.is_some();
        let simple = match command {
            b'd' => Some(Action::Delete),
            b'D' => Some(Action::DeleteFirstLine),
            b'p' => Some(Action::Print),
            b'P' => Some(Action::PrintFirstLine),
            b'l' => Some(Action::List),
            b'=' => Some(Action::LineNumber),
            b'n' => Some(Action::Next),
            b'N' => Some(Action::NextAppend),
            b'h' => Some(Action::Hold),
            b'H' => Some(Action::HoldAppend),
            b'g' => Some(Action::Get),
            b'G' => Some(Action::GetAppend),
            b'x' => Some(Action::Exchange),
            b'z' => Some(Action::Zap),
            _ => None,
        };
        if let Some(action) = simple {
            self.push(selector, action);
            return self.end_of_command(SedErrorKind::ExtraCharacters);
        }
        match command {
            b'{' => {
                self.open_blocks.push(self.commands.len());
                self.push(selector, Action::BlockStart { end: 0 });
                Ok(())
            }
            b'}' | b':' | b'#' if has_address => Err(self.error(SedErrorKind::NoAddressAllowed(command))),
            b'}' => {
                let open = self.open_blocks.pop().ok_or_else(|| self.error(SedErrorKind::UnexpectedCloseBrace))?;
                let end = self.commands.len();
                self.commands[open].action = Action::BlockStart { end };
                self.push(selector, Action::BlockEnd);
                self.end_of_command(SedErrorKind::ExtraCharacters)
            }
            b'q' | b'Q' => {
                if selector.end.is_some() {
                    return Err(self.error(SedErrorKind::OneAddressOnly));
                }
                self.skip_blanks();
                let exit_code = self.read_number().map_or(0, |code| i32::try_from(code).unwrap_or(i32::MAX));
                self.push(selector, Action::Quit { exit_code, autoprint: command == b'q' });
                self.end_of_command(SedErrorKind::ExtraCharacters)
            }
            b'a' | b'i' | b'c' => {
                let text = self.read_text()?;
                let action = match command {
                    b'a' => Action::Append(text),
                    b'i' => Action::Insert(text),
                    _ => Action::Change(text),
                };
                self.push(selector, action);
                Ok(())
            }
            b':' => {
                self.skip_blanks();
                let label = self.read_label();
                if label.is_empty() {
                    return Err(self.error(SedErrorKind::MissingLabel));
                }
                self.labels.push((label, self.commands.len()));
                Ok(())
            }
            b'b' | b't' | b'T' => {
                let condition = match command {
                    b'b' => BranchCondition::Always,
                    b't' => BranchCondition::IfSubstituted,
                    _ => BranchCondition::UnlessSubstituted,
                };
                self.skip_blanks();
                let label = self.read_label();
                if !label.is_empty() {
                    self.jumps.push(Jump { command: self.commands.len(), label, position: self.pos });
                }
                self.push(selector, Action::Branch { target: None, condition });
                Ok(())
            }
            b's' => {
                let substitution = self.parse_substitution()?;
                self.push(selector, Action::Substitute(Box::new(substitution)));
                self.end_of_command(SedErrorKind::UnknownSubstituteOption)
            }
            b'y' => {
                let table = self.parse_transliteration()?;
                self.push(selector, Action::Transliterate(Box::new(table)));
                self.end_of_command(SedErrorKind::ExtraCharacters)
            }
            b'r' | b'R' | b'w' | b'W' | b'e' | b'F' | b'v' => {
                Err(self.error(SedErrorKind::UnsupportedCommand(command)))
            }
            _ => Err(SedError { position: self.pos, kind: SedErrorKind::UnknownCommand(command) }),
        }
    }

    /// Accepts the end of a command: blanks, then the end, a newline, `;`, `}` or `#`.
    fn end_of_command(&mut self, otherwise: SedErrorKind) -> Result<(), SedError> {
        self.skip_blanks();
        match self.peek() {
            None | Some(b'}' | b'#') => Ok(()),
            Some(b'\n' | b';') => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.error(otherwise)),
        }
    }

    /// A label after `:`, `b`, `t` or `T`: up to a newline or `;`, without trailing blanks.
    fn read_label(&mut self) -> Vec<u8> {
        let start = self.pos;
        while !matches!(self.peek(), None | Some(b'\n' | b';')) {
            self.pos += 1;
        }
        let label = self.text[start..self.pos].trim_ascii_end().to_vec();
        if self.peek().is_some() {
            self.pos += 1;
        }
        label
    }

    /// The text of `a`, `i` or `c`, in the forms `a\` newline `text`, `a\text` and `a text`;
    /// lines ending in `\` continue the text. The result ends with a newline unless empty.
    fn read_text(&mut self) -> Result<Vec<u8>, SedError> {
        self.skip_blanks();
        match self.peek() {
            None | Some(b'\n') => return Err(self.error(SedErrorKind::ExpectedBackslash)),
            Some(b'\\') => {
                self.pos += 1;
                if self.peek() == Some(b'\n') {
                    self.pos += 1;
                }
            }
            Some(_) => {}
        }
        let mut text = Vec::new();
        let mut ended_by_newline = false;
        while let Some(byte) = self.next_byte() {
            match byte {
                b'\n' => {
                    ended_by_newline = true;
                    break;
                }
                b'\\' => {
                    if let Some(escaped) = self.next_byte() {
                        text.push(control_escape(escaped).unwrap_or(escaped));
                    }
                }
                _ => text.push(byte),
            }
        }
        if !text.is_empty() || ended_by_newline {
            text.push(b'\n');
        }
        Ok(text)
    }

    fn parse_substitution(&mut self) -> Result<Substitution, SedError> {
        let unterminated = SedErrorKind::UnterminatedSubstitute;
        let delimiter = self.next_byte().filter(|&byte| !matches!(byte, b'\n' | b'\\'));
        let delimiter = delimiter.ok_or_else(|| self.error(unterminated.clone()))?;
        let pattern = self.read_regex(delimiter).ok_or_else(|| self.error(unterminated.clone()))?;
        let (replacement, next) = Replacement::parse(self.text, self.pos, delimiter)
            .map_err(|_| SedError { position: self.text.len(), kind: unterminated })?;
        self.pos = next;
        let mut substitution =
            Substitution { regex: RegexRef::Index(0), replacement, occurrence: 1, global: false, print: false };
        let mut occurrence_given = false;
        let mut ignore_case = false;
        loop {
            match self.peek() {
                Some(b'g') if substitution.global => return Err(self.error(SedErrorKind::MultipleGlobal)),
                Some(b'g') => substitution.global = true,
                Some(b'p') if substitution.print => return Err(self.error(SedErrorKind::MultiplePrint)),
                Some(b'p') => substitution.print = true,
                Some(b'i' | b'I') => ignore_case = true,
                Some(b'0'..=b'9') => {
                    if occurrence_given {
                        return Err(self.error(SedErrorKind::MultipleOccurrence));
                    }
                    occurrence_given = true;
                    let occurrence = self.read_number().unwrap_or(0);
                    if occurrence == 0 {
                        return Err(self.error(SedErrorKind::ZeroOccurrence));
                    }
                    substitution.occurrence = usize::try_from(occurrence).unwrap_or(usize::MAX);
                    continue;
                }
                Some(modifier @ (b'm' | b'M' | b'e' | b'w')) => {
                    return Err(self.error(SedErrorKind::UnsupportedModifier(modifier)));
                }
                _ => break,
            }
            self.pos += 1;
        }
        substitution.regex = self.compile_regex(&pattern, ignore_case)?;
        let index = match substitution.regex {
            RegexRef::Index(index) | RegexRef::Last { fallback: index } => index,
        };
        let max_group = substitution.replacement.max_group();
        if max_group > self.regexes[index].group_count() {
            return Err(self.error(SedErrorKind::InvalidReference(max_group)));
        }
        Ok(substitution)
    }

    fn parse_transliteration(&mut self) -> Result<[u8; 256], SedError> {
        let unterminated = || SedErrorKind::UnterminatedTransliterate;
        let delimiter = self.next_byte().filter(|&byte| !matches!(byte, b'\n' | b'\\'));
        let delimiter = delimiter.ok_or_else(|| self.error(unterminated()))?;
        let from = self.read_transliteration_part(delimiter).ok_or_else(|| self.error(unterminated()))?;
        let to = self.read_transliteration_part(delimiter).ok_or_else(|| self.error(unterminated()))?;
        if from.len() != to.len() {
            return Err(self.error(SedErrorKind::YLengthMismatch));
        }
        let mut table = core::array::from_fn(|byte| u8::try_from(byte).unwrap_or(u8::MAX));
        for (&source, &target) in from.iter().zip(&to) {
            table[usize::from(source)] = target;
        }
        Ok(table)
    }

    /// One half of `y/from/to/`, with `\delimiter`, `\\` and `\n` unescaped.
    fn read_transliteration_part(&mut self, delimiter: u8) -> Option<Vec<u8>> {
        let mut part = Vec::new();
        loop {
            match self.next_byte()? {
                byte if byte == delimiter => return Some(part),
                b'\n' => return None,
                b'\\' => match self.next_byte()? {
                    escaped if escaped == delimiter || escaped == b'\\' => part.push(escaped),
                    escaped => part.push(control_escape(escaped).unwrap_or(escaped)),
                },
                byte => part.push(byte),
            }
        }
    }

    fn resolve_jumps(&mut self) -> Result<(), SedError> {
        for jump in &self.jumps {
            let target = self.labels.iter().find(|(label, _)| *label == jump.label).map(|&(_, target)| target);
            let Some(target) = target else {
                return Err(SedError { position: jump.position, kind: SedErrorKind::UnknownLabel(jump.label.clone()) });
            };
            if let Action::Branch { target: slot, .. } = &mut self.commands[jump.command].action {
                *slot = Some(target);
            }
        }
        Ok(())
    }
}
