//! The `sed` executor: runs a [`Script`] over the lines of an input, cycle by cycle, with the
//! pattern and hold spaces, range states, the append queue and GNU's handling of a last line
//! without a newline.

use alloc::string::String;
use alloc::vec::Vec;

use super::script::{Action, Address, BranchCondition, Command, RangeEnd, RegexRef, Script, Substitution};
use crate::lines::split_lines;

/// What running a script produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SedOutput {
    pub output: Vec<u8>,
    /// The exit status given to `q` or `Q` when one ended the run early (the binary should then
    /// stop, also for later files with `-s`/`-i`).
    pub quit_status: Option<i32>,
}

/// How a cycle ended.
enum CycleEnd {
    /// At the end of the script (or `b` to the end): print the pattern space unless `-n`.
    Autoprint,
    /// `d` (and `c`): no printing.
    Delete,
    /// `D` with a newline in the pattern space: start again without reading a line.
    Restart,
    /// `q`, `Q`, or `n`/`N` at the end of the input.
    Quit { autoprint: bool },
}

/// Where an active range ends.
#[derive(Clone, Copy)]
enum ActiveEnd {
    Line(u64),
    Last,
    Match(RegexRef),
}

/// Runs `script` over `input`; `quiet` is `-n`.
pub(super) fn run(script: &Script, input: &[u8], quiet: bool) -> SedOutput {
    let ranges = script
        .commands
        .iter()
        .map(|command| match (command.selector.first, command.selector.end) {
            (Some(Address::Line(0)), Some(RangeEnd::Match(regex))) => Some(ActiveEnd::Match(regex)),
            _ => None,
        })
        .collect();
    let mut executor = Executor {
        script,
        lines: split_lines(input).collect(),
        input_terminated: input.ends_with(b"\n"),
        next_line: 0,
        line_number: 0,
        pattern: Vec::new(),
        pattern_terminated: true,
        hold: Vec::new(),
        appends: Vec::new(),
        ranges,
        substituted: false,
        last_regex: None,
        quiet: quiet || script.quiet,
        output: Output::default(),
        quit_status: None,
    };
    executor.run();
    SedOutput { output: executor.output.bytes, quit_status: executor.quit_status }
}

/// The output, remembering whether the last line written lacked its newline (GNU adds it
/// before writing anything more).
#[derive(Default)]
struct Output {
    bytes: Vec<u8>,
    missing_newline: bool,
}

impl Output {
    fn write(&mut self, text: &[u8], newline: bool) {
        if self.missing_newline {
            self.bytes.push(b'\n');
        }
        self.bytes.extend_from_slice(text);
        if newline {
            self.bytes.push(b'\n');
        }
        self.missing_newline = !newline;
    }
}

struct Executor<'s, 'i> {
    script: &'s Script,
    lines: Vec<&'i [u8]>,
    input_terminated: bool,
    next_line: usize,
    line_number: u64,
    pattern: Vec<u8>,
    /// Whether the line last read into the pattern space had a newline.
    pattern_terminated: bool,
    hold: Vec<u8>,
    appends: Vec<&'s [u8]>,
    /// For each command with a range: where the range ends while it is active.
    ranges: Vec<Option<ActiveEnd>>,
    substituted: bool,
    last_regex: Option<usize>,
    quiet: bool,
    output: Output,
    quit_status: Option<i32>,
}

impl<'s> Executor<'s, '_> {
    fn run(&mut self) {
        let mut read = true;
        loop {
            if read && !self.read_line(false) {
                return;
            }
            read = true;
            let end = self.run_cycle();
            match end {
                CycleEnd::Autoprint | CycleEnd::Quit { autoprint: true } => self.autoprint(),
                CycleEnd::Restart => read = false,
                CycleEnd::Delete | CycleEnd::Quit { autoprint: false } => {}
            }
            self.flush_appends();
            if matches!(end, CycleEnd::Quit { .. }) {
                return;
            }
        }
    }

    fn is_last_line(&self) -> bool {
        self.next_line >= self.lines.len()
    }

    /// Reads the next line into the pattern space (after a newline when `append`); false at
    /// the end of the input.
    fn read_line(&mut self, append: bool) -> bool {
        let Some(line) = self.lines.get(self.next_line) else {
            return false;
        };
        self.next_line += 1;
        self.line_number = self.line_number.saturating_add(1);
        self.pattern_terminated = self.next_line < self.lines.len() || self.input_terminated;
        self.substituted = false;
        if append {
            self.pattern.push(b'\n');
        } else {
            self.pattern.clear();
        }
        self.pattern.extend_from_slice(line);
        true
    }

    fn autoprint(&mut self) {
        if !self.quiet {
            self.output.write(&self.pattern, self.pattern_terminated);
        }
    }

    fn flush_appends(&mut self) {
        for text in core::mem::take(&mut self.appends) {
            if !text.is_empty() {
                self.output.write(text.strip_suffix(b"\n").unwrap_or(text), true);
            }
        }
    }

    fn run_cycle(&mut self) -> CycleEnd {
        let script: &'s Script = self.script;
        let commands = &script.commands;
        let mut pc = 0;
        while let Some(command) = commands.get(pc) {
            pc += 1;
            if !self.selects(pc - 1, command) {
                if let Action::BlockStart { end } = command.action {
                    pc = end + 1;
                }
                continue;
            }
            match &command.action {
                Action::BlockStart { .. } | Action::BlockEnd => {}
                Action::Substitute(substitution) => {
                    if self.substitute(substitution) {
                        self.substituted = true;
                        if substitution.print {
                            self.output.write(&self.pattern, self.pattern_terminated);
                        }
                    }
                }
                Action::Transliterate(table) => {
                    for byte in &mut self.pattern {
                        *byte = table[usize::from(*byte)];
                    }
                }
                Action::Delete => return CycleEnd::Delete,
                Action::DeleteFirstLine => {
                    let Some(newline) = self.pattern.iter().position(|&byte| byte == b'\n') else {
                        return CycleEnd::Delete;
                    };
                    self.pattern.drain(..=newline);
                    return CycleEnd::Restart;
                }
                Action::Print => self.output.write(&self.pattern, self.pattern_terminated),
                Action::PrintFirstLine => match self.pattern.iter().position(|&byte| byte == b'\n') {
                    Some(newline) => self.output.write(&self.pattern[..newline], true),
                    None => self.output.write(&self.pattern, self.pattern_terminated),
                },
                Action::List => {
                    let listing = list(&self.pattern);
                    self.output.write(&listing, true);
                }
                Action::Quit { exit_code, autoprint } => {
                    self.quit_status = Some(*exit_code);
                    return CycleEnd::Quit { autoprint: *autoprint };
                }
                Action::LineNumber => self.output.write(alloc::format!("{}", self.line_number).as_bytes(), true),
                Action::Append(text) => self.appends.push(text),
                Action::Insert(text) => self.write_text(text),
                Action::Change(text) => {
                    let in_range = command.selector.end.is_some() && !command.selector.negated;
                    if !in_range || self.ranges[pc - 1].is_none() {
                        self.write_text(text);
                    }
                    return CycleEnd::Delete;
                }
                Action::Next => {
                    if self.is_last_line() {
                        return CycleEnd::Quit { autoprint: true };
                    }
                    self.autoprint();
                    self.flush_appends();
                    self.read_line(false);
                }
                Action::NextAppend => {
                    if self.is_last_line() {
                        return CycleEnd::Quit { autoprint: true };
                    }
                    self.flush_appends();
                    self.read_line(true);
                }
                Action::Hold => self.hold.clone_from(&self.pattern),
                Action::HoldAppend => {
                    self.hold.push(b'\n');
                    self.hold.extend_from_slice(&self.pattern);
                }
                Action::Get => self.pattern.clone_from(&self.hold),
                Action::GetAppend => {
                    self.pattern.push(b'\n');
                    self.pattern.extend_from_slice(&self.hold);
                }
                Action::Exchange => core::mem::swap(&mut self.pattern, &mut self.hold),
                Action::Branch { target, condition } => {
                    let jump = match condition {
                        BranchCondition::Always => true,
                        BranchCondition::IfSubstituted => core::mem::take(&mut self.substituted),
                        BranchCondition::UnlessSubstituted => !core::mem::take(&mut self.substituted),
                    };
                    if jump {
                        match target {
                            Some(target) => pc = *target,
                            None => return CycleEnd::Autoprint,
                        }
                    }
                }
                Action::Zap => self.pattern.clear(),
            }
        }
        CycleEnd::Autoprint
    }

    /// Writes `a`/`i`/`c` text, which carries its own final newline (or is empty).
    fn write_text(&mut self, text: &[u8]) {
        if !text.is_empty() {
            self.output.write(text.strip_suffix(b"\n").unwrap_or(text), true);
        }
    }

    /// Whether command `index` applies to the current pattern space.
    fn selects(&mut self, index: usize, command: &Command) -> bool {
        let selector = command.selector;
        let matched = match (selector.first, selector.end) {
            (None, _) => true,
            (Some(first), None) => self.matches(first),
            (Some(first), Some(end)) => self.in_range(index, first, end),
        };
        matched != selector.negated
    }

    fn matches(&mut self, address: Address) -> bool {
        match address {
            Address::Line(line) => self.line_number == line,
            Address::Last => self.is_last_line(),
            Address::Match(regex) => self.regex_matches(regex),
            Address::Step { first, step } => match self.line_number.checked_sub(first) {
                Some(distance) => distance.checked_rem(step).map_or(distance == 0, |rest| rest == 0),
                None => false,
            },
        }
    }

    fn resolve(&mut self, regex: RegexRef) -> usize {
        let index = match regex {
            RegexRef::Index(index) => index,
            RegexRef::Last { fallback } => self.last_regex.unwrap_or(fallback),
        };
        self.last_regex = Some(index);
        index
    }

    fn regex_matches(&mut self, regex: RegexRef) -> bool {
        let index = self.resolve(regex);
        self.script.regexes[index].is_match(&self.pattern)
    }

    /// Range matching as GNU sed does it: the end is looked for from the line after the start,
    /// a line-number end at or before the start line selects the start line only.
    fn in_range(&mut self, index: usize, first: Address, end: RangeEnd) -> bool {
        let line = self.line_number;
        if let Some(active) = self.ranges[index] {
            let (still_active, selected) = match active {
                ActiveEnd::Line(last) => (line < last, line <= last),
                ActiveEnd::Last => (!self.is_last_line(), true),
                ActiveEnd::Match(regex) => (!self.regex_matches(regex), true),
            };
            if !still_active {
                self.ranges[index] = None;
            }
            return selected;
        }
        if !self.matches(first) {
            return false;
        }
        let active = match end {
            RangeEnd::Line(last) => (last > line).then_some(ActiveEnd::Line(last)),
            RangeEnd::Last => (!self.is_last_line()).then_some(ActiveEnd::Last),
            RangeEnd::Match(regex) => Some(ActiveEnd::Match(regex)),
            RangeEnd::Following(count) => (count > 0).then(|| ActiveEnd::Line(line.saturating_add(count))),
            RangeEnd::MultipleOf(step) => match line.checked_rem(step) {
                Some(rest) if rest != 0 => Some(ActiveEnd::Line(line.saturating_add(step - rest))),
                _ => None,
            },
        };
        self.ranges[index] = active;
        true
    }

    /// Runs `s`; true when something was replaced.
    fn substitute(&mut self, substitution: &Substitution) -> bool {
        let index = self.resolve(substitution.regex);
        let regex = &self.script.regexes[index];
        let subject = &self.pattern;
        let mut result = Vec::new();
        let mut pos = 0;
        let mut count: usize = 0;
        let mut replaced = false;
        let mut previous_end = None;
        while pos <= subject.len() {
            let Some(found) = regex.find_at(subject, pos) else {
                break;
            };
            if found.start == found.end && previous_end == Some(found.start) {
                // An empty match right after the previous match does not count.
                match subject.get(pos) {
                    Some(&byte) => result.push(byte),
                    None => break,
                }
                pos += 1;
                continue;
            }
            count = count.saturating_add(1);
            result.extend_from_slice(&subject[pos..found.start]);
            if count >= substitution.occurrence {
                substitution.replacement.expand(subject, &found, &mut result);
                replaced = true;
            } else {
                result.extend_from_slice(&subject[found.start..found.end]);
            }
            previous_end = Some(found.end);
            pos = found.end;
            if found.start == found.end {
                if let Some(&byte) = subject.get(pos) {
                    result.push(byte);
                }
                pos += 1;
            }
            if replaced && !substitution.global {
                break;
            }
        }
        if !replaced {
            return false;
        }
        result.extend_from_slice(subject.get(pos..).unwrap_or_default());
        self.pattern = result;
        true
    }
}

/// The pattern space as `l` shows it: C escapes, octal for other unprintable bytes, lines
/// broken with `\` to stay within 70 columns, and a `$` at the end (no newline).
fn list(pattern: &[u8]) -> Vec<u8> {
    const WIDTH: usize = 69;
    let mut listing = Vec::new();
    let mut column = 0;
    for &byte in pattern {
        let escaped = match byte {
            b'\\' => String::from("\\\\"),
            0x07 => String::from("\\a"),
            0x08 => String::from("\\b"),
            0x0c => String::from("\\f"),
            b'\n' => String::from("\\n"),
            b'\r' => String::from("\\r"),
            b'\t' => String::from("\\t"),
            0x0b => String::from("\\v"),
            b' '..=b'~' => String::from(char::from(byte)),
            _ => alloc::format!("\\{byte:03o}"),
        };
        if column + escaped.len() > WIDTH {
            listing.extend_from_slice(b"\\\n");
            column = 0;
        }
        listing.extend_from_slice(escaped.as_bytes());
        column += escaped.len();
    }
    listing.push(b'$');
    listing
}
