//! Word expansion: tilde, parameter, command and arithmetic expansion, then field splitting, pathname expansion
//! and quote removal, in the three forms the interpreter needs (fields, one string, a pattern).

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::arith::{self, ArithVariables};
use crate::ast::{List, Parameter, ParameterName, ParameterOperation, Word, WordPart};
use crate::error::{ArithError, ExpandError};
use crate::fields::{self, DEFAULT_IFS, Piece};
use crate::glob;
use crate::interp::{Interrupt, Shell};
use crate::options::ShellOption;
use crate::os::{Os, ProcessGroup};
use crate::pattern::{self, Pattern, PatternChar};
use crate::vars::{VariableError, Variables};

/// How the text of a word part is treated.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Unquoted in the command line: literal text is neither split nor quoted.
    Unquoted,
    /// Unquoted inside `${name:-word}`: the whole result of the parameter expansion is split.
    ParameterWord,
    /// Inside double quotes.
    DoubleQuoted,
}

/// The value of a parameter before an operation applies to it.
enum Value {
    Unset,
    Text(String),
    /// `$@` and `$*`.
    Fields(Vec<String>),
}

/// Variables as arithmetic expansion reads and assigns them.
struct ArithScope<'v> {
    vars: &'v mut Variables,
}

impl ArithVariables for ArithScope<'_> {
    fn get(&mut self, name: &str) -> Option<String> {
        self.vars.get(name).map(String::from)
    }

    fn set(&mut self, name: &str, value: i64) -> Result<(), ArithError> {
        self.vars.set(name, value.to_string()).map_err(|VariableError::ReadOnly(name)| ArithError::ReadOnly(name))
    }
}

fn push_text(out: &mut Vec<Piece>, text: &str, quoted: bool, splittable: bool) {
    out.extend(text.chars().map(|ch| Piece::Char { ch, quoted, splittable }));
}

/// Pushes the result of an expansion: split and matched as a pattern unless double-quoted.
fn push_expanded(out: &mut Vec<Piece>, text: &str, context: Context) {
    let quoted = context == Context::DoubleQuoted;
    push_text(out, text, quoted, !quoted);
}

fn pattern_chars(pieces: &[Piece]) -> Vec<PatternChar> {
    pieces
        .iter()
        .filter_map(|piece| match *piece {
            Piece::Char { ch, quoted, .. } => Some(PatternChar { ch, quoted }),
            Piece::FieldBreak => Some(PatternChar { ch: ' ', quoted: true }),
            Piece::ForceField => None,
        })
        .collect()
}

impl<O: Os> Shell<O> {
    /// Expands words into fields: all expansions, field splitting, pathname expansion and quote removal.
    pub(crate) fn expand_words(&mut self, words: &[Word]) -> Result<Vec<String>, Interrupt> {
        let mut result = Vec::new();
        for word in words {
            let mut pieces = Vec::new();
            self.expand_parts(&word.parts, Context::Unquoted, &mut pieces).map_err(|error| self.failed(error))?;
            let ifs = String::from(self.state.vars.get("IFS").unwrap_or(DEFAULT_IFS));
            for field in fields::split(&pieces, &ifs, None) {
                let matches = if !self.state.options.is_on(ShellOption::NoGlob) && pattern::has_wildcards(&field) {
                    glob::expand_pathname(&mut self.os, &field)
                } else {
                    None
                };
                match matches {
                    Some(paths) => result.extend(paths),
                    None => result.push(fields::field_text(&field)),
                }
            }
        }
        Ok(result)
    }

    /// Expands a word into one string, without field splitting or pathname expansion (assignments, redirection
    /// targets, `case` subjects, here-documents).
    pub(crate) fn expand_string(&mut self, word: &Word) -> Result<String, Interrupt> {
        self.expand_to_string(word).map_err(|error| self.failed(error))
    }

    /// Expands a word into a pattern in which quoted characters match only themselves.
    pub(crate) fn expand_pattern(&mut self, word: &Word) -> Result<Pattern, Interrupt> {
        self.expand_to_pattern(word).map_err(|error| self.failed(error))
    }

    fn failed(&mut self, error: ExpandError) -> Interrupt {
        self.report(format_args!("{error}"));
        Interrupt::Fatal(1)
    }

    fn expand_to_string(&mut self, word: &Word) -> Result<String, ExpandError> {
        let mut pieces = Vec::new();
        self.expand_parts(&word.parts, Context::Unquoted, &mut pieces)?;
        Ok(fields::join(&pieces))
    }

    fn expand_to_pattern(&mut self, word: &Word) -> Result<Pattern, ExpandError> {
        let mut pieces = Vec::new();
        self.expand_parts(&word.parts, Context::Unquoted, &mut pieces)?;
        Ok(Pattern::compile(&pattern_chars(&pieces)))
    }

    fn expand_parts(&mut self, parts: &[WordPart], context: Context, out: &mut Vec<Piece>) -> Result<(), ExpandError> {
        for part in parts {
            match part {
                WordPart::Literal(text) => match context {
                    Context::Unquoted => push_text(out, text, false, false),
                    Context::ParameterWord => push_text(out, text, false, true),
                    Context::DoubleQuoted => push_text(out, text, true, false),
                },
                WordPart::Quoted(text) => {
                    out.push(Piece::ForceField);
                    push_text(out, text, true, false);
                }
                WordPart::DoubleQuoted(inner) => {
                    if !inner.iter().any(WordPart::is_all_positionals) {
                        out.push(Piece::ForceField);
                    }
                    self.expand_parts(inner, Context::DoubleQuoted, out)?;
                }
                WordPart::Tilde(user) => match self.state.vars.get("HOME").filter(|_| user.is_empty()) {
                    Some(home) => {
                        let home = String::from(home);
                        push_text(out, &home, true, false);
                    }
                    None => push_text(out, &alloc::format!("~{user}"), context == Context::DoubleQuoted, false),
                },
                WordPart::Parameter(parameter) => self.expand_parameter(parameter, context, out)?,
                WordPart::CommandSubstitution(list) => {
                    let output = self.command_substitution(list)?;
                    push_expanded(out, &output, context);
                }
                WordPart::Arithmetic(expression) => {
                    let text = self.expand_to_string(expression)?;
                    let value = arith::evaluate(&text, &mut ArithScope { vars: &mut self.state.vars })?;
                    push_expanded(out, &value.to_string(), context);
                }
            }
        }
        Ok(())
    }

    fn parameter_value(&self, name: &ParameterName) -> Value {
        let text = |value: &str| Value::Text(String::from(value));
        match name {
            ParameterName::Variable(variable) => self.state.vars.get(variable).map_or(Value::Unset, text),
            ParameterName::Positional(0) => text(&self.state.script_name),
            ParameterName::Positional(index) => self.state.positional.get(index - 1).map_or(Value::Unset, |v| text(v)),
            ParameterName::Special('@' | '*') => Value::Fields(self.state.positional.clone()),
            ParameterName::Special('?') => Value::Text(self.state.last_status.to_string()),
            ParameterName::Special('$') => Value::Text(self.state.shell_pid.to_string()),
            ParameterName::Special('#') => Value::Text(self.state.positional.len().to_string()),
            ParameterName::Special('-') => Value::Text(self.option_letters()),
            ParameterName::Special('!') => {
                self.state.last_background.map_or(Value::Unset, |pid| text(&pid.to_string()))
            }
            ParameterName::Special(_) => Value::Unset,
        }
    }

    fn expand_parameter(
        &mut self,
        parameter: &Parameter,
        context: Context,
        out: &mut Vec<Piece>,
    ) -> Result<(), ExpandError> {
        let name = &parameter.name;
        let value = self.parameter_value(name);
        let word_context = if context == Context::DoubleQuoted { context } else { Context::ParameterWord };
        match &parameter.operation {
            ParameterOperation::Value => {
                let value = self.require_set(name, value)?;
                self.push_value(value, name, context, out);
            }
            ParameterOperation::Length => {
                let length = match self.require_set(name, value)? {
                    Value::Unset => 0,
                    Value::Text(text) => text.chars().count(),
                    Value::Fields(fields) => fields.len(),
                };
                push_expanded(out, &length.to_string(), context);
            }
            ParameterOperation::Default { colon, word } => {
                if is_set(&value, *colon) {
                    self.push_value(value, name, context, out);
                } else {
                    self.expand_parts(&word.parts, word_context, out)?;
                }
            }
            ParameterOperation::Alternative { colon, word } => {
                if is_set(&value, *colon) {
                    self.expand_parts(&word.parts, word_context, out)?;
                }
            }
            ParameterOperation::Assign { colon, word } => {
                if is_set(&value, *colon) {
                    self.push_value(value, name, context, out);
                } else {
                    let ParameterName::Variable(variable) = name else {
                        return Err(ExpandError::CannotAssign(parameter_text(name)));
                    };
                    let text = self.expand_to_string(word)?;
                    self.assign(variable, text.clone())
                        .map_err(|VariableError::ReadOnly(n)| ExpandError::ReadOnly(n))?;
                    push_expanded(out, &text, context);
                }
            }
            ParameterOperation::Error { colon, word } => {
                if is_set(&value, *colon) {
                    self.push_value(value, name, context, out);
                } else {
                    let mut message = self.expand_to_string(word)?;
                    if message.is_empty() {
                        let problem = if *colon { "null or not set" } else { "not set" };
                        message = alloc::format!("parameter {problem}");
                    }
                    return Err(ExpandError::NullOrUnset { name: parameter_text(name), message });
                }
            }
            ParameterOperation::RemovePrefix { longest, pattern } => {
                let pattern = self.expand_to_pattern(pattern)?;
                let value = self.require_set(name, value)?;
                let value = map_value(value, |text| pattern.remove_prefix(text, *longest));
                self.push_value(value, name, context, out);
            }
            ParameterOperation::RemoveSuffix { longest, pattern } => {
                let pattern = self.expand_to_pattern(pattern)?;
                let value = self.require_set(name, value)?;
                let value = map_value(value, |text| pattern.remove_suffix(text, *longest));
                self.push_value(value, name, context, out);
            }
        }
        Ok(())
    }

    /// Under `set -u`, an unset parameter is an error.
    fn require_set(&self, name: &ParameterName, value: Value) -> Result<Value, ExpandError> {
        if matches!(value, Value::Unset) && self.state.options.is_on(ShellOption::NoUnset) {
            return Err(ExpandError::Unbound(parameter_text(name)));
        }
        Ok(value)
    }

    fn push_value(&self, value: Value, name: &ParameterName, context: Context, out: &mut Vec<Piece>) {
        match value {
            Value::Unset => {}
            Value::Text(text) => push_expanded(out, &text, context),
            Value::Fields(fields) if context == Context::DoubleQuoted && *name == ParameterName::Special('*') => {
                let separator = self.state.vars.get("IFS").map_or(Some(' '), |ifs| ifs.chars().next());
                let mut joined = String::new();
                for (index, field) in fields.iter().enumerate() {
                    if index > 0 {
                        joined.extend(separator);
                    }
                    joined.push_str(field);
                }
                push_expanded(out, &joined, context);
            }
            Value::Fields(fields) => {
                for (index, field) in fields.iter().enumerate() {
                    if index > 0 {
                        out.push(Piece::FieldBreak);
                    }
                    if context == Context::DoubleQuoted {
                        out.push(Piece::ForceField);
                    }
                    push_expanded(out, field, context);
                }
            }
        }
    }

    /// Runs commands in a child process and returns what they wrote, without trailing newlines.
    fn command_substitution(&mut self, list: &List) -> Result<String, ExpandError> {
        if self.state.call_depth >= self.state.max_call_depth {
            return Err(ExpandError::TooDeep);
        }
        let (read, write) = match self.os.pipe() {
            Ok(pipe) => pipe,
            Err(error) => {
                self.report(format_args!("pipe: {error}"));
                return Ok(String::new());
            }
        };
        let forked = self.fork_child(ProcessGroup::Inherit, |shell| {
            let _ = shell.os.close(read);
            let _ = shell.os.dup2(write, 1);
            let _ = shell.os.close(write);
            shell.state.visible_fds.insert(1);
            shell.state.call_depth += 1;
            let result = shell.execute_list(list);
            shell.child_status(result)
        });
        let _ = self.os.close(write);
        let output = self.read_to_end(read);
        let _ = self.os.close(read);
        match forked {
            Ok(pid) => {
                let status = self.wait_pid(pid);
                self.state.substitution_status = Some(status);
                self.state.last_status = status;
            }
            Err(error) => self.report(format_args!("fork: {error}")),
        }
        let mut text = String::from_utf8_lossy(&output).into_owned();
        while text.ends_with('\n') {
            text.pop();
        }
        Ok(text)
    }
}

fn is_set(value: &Value, colon: bool) -> bool {
    match value {
        Value::Unset => false,
        Value::Text(text) => !colon || !text.is_empty(),
        Value::Fields(fields) => {
            if colon {
                fields.iter().any(|field| !field.is_empty())
            } else {
                !fields.is_empty()
            }
        }
    }
}

fn map_value(value: Value, change: impl Fn(&str) -> &str) -> Value {
    match value {
        Value::Unset => Value::Unset,
        Value::Text(text) => Value::Text(String::from(change(&text))),
        Value::Fields(fields) => Value::Fields(fields.iter().map(|field| String::from(change(field))).collect()),
    }
}

/// How a parameter is written, for error messages.
fn parameter_text(name: &ParameterName) -> String {
    match name {
        ParameterName::Variable(variable) => variable.clone(),
        ParameterName::Positional(index) => index.to_string(),
        ParameterName::Special(c) => String::from(*c),
    }
}
