//! The interpreter: the [`Shell`] and its state, the public entry points for the `sh` binary, and the execution
//! of lists, and-or lists, pipelines, compound commands and functions.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::ast::{AndOr, Command, Compound, Connector, FunctionDefinition, List, LoopKind, Pipeline};
use crate::error::ParseError;
use crate::jobs::JobTable;
use crate::lexer::is_name;
use crate::options::{Options, ShellOption};
use crate::os::{Fd, Os, OsError, Pid, Signal};
use crate::parser::{Aliases, Parser};
use crate::signal::SIGINT;
use crate::vars::{VariableError, Variables};

/// How the shell is started.
#[derive(Clone, Debug)]
pub struct Config {
    /// Reading commands from a terminal: job control on, errors do not end the shell.
    pub interactive: bool,
    /// `$0`.
    pub script_name: String,
    /// `$1`, `$2`, ...
    pub arguments: Vec<String>,
    /// How deeply functions, `eval`, `.` and command substitutions may nest.
    pub max_call_depth: usize,
    /// Descriptors besides 0-2 the shell was started with open (as by `sh script 3>file`): commands may use them
    /// (`>&3`) and programs inherit them.
    pub inherited_fds: Vec<Fd>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            interactive: false,
            script_name: String::from("sh"),
            arguments: Vec::new(),
            max_call_depth: 200,
            inherited_fds: Vec::new(),
        }
    }
}

/// What running a chunk of input did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkOutcome {
    /// The input ends inside a command: nothing ran; read another line, append it and call again.
    Incomplete,
    /// The commands ran; holds the last status.
    Ran(i32),
    /// The shell must exit with this status (the `EXIT` trap has run).
    Exit(i32),
}

/// Why execution leaves the normal flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Interrupt {
    Break(usize),
    Continue(usize),
    Return(i32),
    Exit(i32),
    /// An error (expansion, nesting limit) that abandons the whole command: a non-interactive shell exits.
    Fatal(i32),
}

/// The result of executing something: its status, or an interruption of the flow.
pub(crate) type Status = Result<i32, Interrupt>;

/// Everything the interpreter knows; cloned and restored around simulated child processes.
#[derive(Clone)]
pub(crate) struct State {
    pub vars: Variables,
    pub functions: BTreeMap<String, Rc<FunctionDefinition>>,
    pub aliases: Aliases,
    pub options: Options,
    pub positional: Vec<String>,
    pub script_name: String,
    pub last_status: i32,
    /// The status of the last command substitution of the command being expanded.
    pub substitution_status: Option<i32>,
    pub last_background: Option<Pid>,
    pub shell_pid: Pid,
    pub shell_pgid: Pid,
    /// Trap actions by signal number; 0 is `EXIT`. An empty action ignores the signal.
    pub traps: BTreeMap<Signal, String>,
    pub jobs: JobTable,
    pub interactive: bool,
    pub in_child: bool,
    pub loop_depth: usize,
    pub call_depth: usize,
    pub max_call_depth: usize,
    pub function_depth: usize,
    pub source_depth: usize,
    pub errexit_suppressed: usize,
    /// A process of the last foreground job was killed by SIGINT.
    pub foreground_interrupted: bool,
    /// The descriptors commands see (and external programs inherit).
    pub visible_fds: BTreeSet<Fd>,
    /// Where `getopts` is inside a group of options (`-abc`): the `OPTIND` and the offset in that word.
    pub getopts_position: (usize, usize),
}

/// A POSIX shell interpreter over an [`Os`].
pub struct Shell<O: Os> {
    pub(crate) os: O,
    pub(crate) state: State,
}

/// `PATH` when the variable is unset.
pub(crate) const DEFAULT_PATH: &str = "/bin:/usr/bin";

impl<O: Os> Shell<O> {
    /// A shell with the environment of the process as exported variables, and `PWD`, `IFS`, `PS1`, `PS2`, `PS4`
    /// and `OPTIND` set up. An interactive shell starts with job control (`set -m`) on; the `sh` binary is expected
    /// to have put itself in its own process group, taken the terminal and set the job-control signals (SIGINT,
    /// SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU) to be ignored before.
    pub fn new(mut os: O, config: Config) -> Self {
        let shell_pid = os.getpid();
        let shell_pgid = os.process_group();
        let mut vars = Variables::default();
        for (name, value) in os.environment().into_iter().filter(|(name, _)| is_name(name)) {
            if vars.set(&name, value).is_ok() {
                vars.export(&name);
            }
        }
        let mut options = Options::default();
        options.set(ShellOption::Monitor, config.interactive);
        let state = State {
            vars,
            functions: BTreeMap::new(),
            aliases: Aliases::new(),
            options,
            positional: config.arguments,
            script_name: config.script_name,
            last_status: 0,
            substitution_status: None,
            last_background: None,
            shell_pid,
            shell_pgid,
            traps: BTreeMap::new(),
            jobs: JobTable::default(),
            interactive: config.interactive,
            in_child: false,
            loop_depth: 0,
            call_depth: 0,
            max_call_depth: config.max_call_depth,
            function_depth: 0,
            source_depth: 0,
            errexit_suppressed: 0,
            foreground_interrupted: false,
            visible_fds: [0, 1, 2].into_iter().chain(config.inherited_fds).collect(),
            getopts_position: (0, 0),
        };
        let mut shell = Shell { os, state };
        if let Ok(cwd) = shell.os.getcwd() {
            shell.set_default("PWD", &cwd, true);
        }
        let ps1 = if shell.os.user_id() == 0 { "# " } else { "$ " };
        shell.set_default("PS1", ps1, false);
        shell.set_default("PS2", "> ", false);
        shell.set_default("PS4", "+ ", false);
        shell.set_default("IFS", crate::fields::DEFAULT_IFS, true);
        shell.set_default("OPTIND", "1", false);
        shell
    }

    fn set_default(&mut self, name: &str, value: &str, overwrite: bool) {
        if overwrite || self.state.vars.get(name).is_none() {
            let _ = self.state.vars.set(name, String::from(value));
        }
    }

    /// The operating system implementation.
    pub fn os(&self) -> &O {
        &self.os
    }

    /// The operating system implementation, mutably.
    pub fn os_mut(&mut self) -> &mut O {
        &mut self.os
    }

    /// The status of the last command (`$?`).
    pub fn last_status(&self) -> i32 {
        self.state.last_status
    }

    /// The value of a shell variable.
    pub fn variable(&self, name: &str) -> Option<&str> {
        self.state.vars.get(name)
    }

    /// Checks that `source` is complete, then parses and runs it command by command. Nothing runs when more lines
    /// are needed. A syntax error is reported and ends the chunk with status 2.
    pub fn run_chunk(&mut self, source: &str) -> ChunkOutcome {
        if let Err(error) = self.check_complete(source)
            && error.is_incomplete()
        {
            return ChunkOutcome::Incomplete;
        }
        match self.run_source(source) {
            Ok(status) => ChunkOutcome::Ran(status),
            Err(Interrupt::Exit(status)) => ChunkOutcome::Exit(self.exit_with(status)),
            Err(Interrupt::Fatal(status)) if !self.state.interactive => ChunkOutcome::Exit(self.exit_with(status)),
            Err(Interrupt::Fatal(status) | Interrupt::Return(status)) => {
                self.state.last_status = status;
                ChunkOutcome::Ran(status)
            }
            Err(Interrupt::Break(_) | Interrupt::Continue(_)) => ChunkOutcome::Ran(self.state.last_status),
        }
    }

    /// Runs a whole script non-interactively (a syntax error ends it with status 2), then the `EXIT` trap;
    /// returns the exit status of the shell.
    pub fn run_script(&mut self, source: &str) -> i32 {
        let status = match self.run_source(source) {
            Ok(status) | Err(Interrupt::Exit(status) | Interrupt::Fatal(status) | Interrupt::Return(status)) => status,
            Err(Interrupt::Break(_) | Interrupt::Continue(_)) => self.state.last_status,
        };
        self.exit_with(status)
    }

    /// Ends the shell at the end of input: runs the `EXIT` trap and returns the exit status.
    pub fn finish(&mut self) -> i32 {
        let status = self.state.last_status;
        self.exit_with(status)
    }

    /// Runs the `EXIT` trap once; returns the status to exit with (an `exit` in the trap changes it).
    pub(crate) fn exit_with(&mut self, status: i32) -> i32 {
        let Some(action) = self.state.traps.remove(&0) else { return status };
        self.state.last_status = status;
        let status = match self.run_source(&action) {
            Err(Interrupt::Exit(new_status)) => new_status,
            _ => status,
        };
        self.state.last_status = status;
        status
    }

    fn check_complete(&self, source: &str) -> Result<(), ParseError> {
        let mut parser = Parser::new(source, 0, &self.state.aliases);
        while parser.next_command()?.is_some() {}
        Ok(())
    }

    fn parse_next(&self, source: &str, offset: usize) -> Result<Option<(List, usize)>, ParseError> {
        let mut parser = Parser::new(source, offset, &self.state.aliases);
        Ok(parser.next_command()?.map(|list| (list, parser.offset())))
    }

    /// Parses and runs `source` one complete command at a time, so that aliases defined by a command apply to the
    /// next. A syntax error is reported and gives status 2.
    pub(crate) fn run_source(&mut self, source: &str) -> Status {
        let mut offset = 0;
        let mut status = 0;
        loop {
            let (command, next) = match self.parse_next(source, offset) {
                Ok(Some(parsed)) => parsed,
                Ok(None) => return Ok(status),
                Err(error) => {
                    self.report(format_args!("{error}"));
                    self.state.last_status = 2;
                    return Ok(2);
                }
            };
            offset = next;
            if !self.state.options.is_on(ShellOption::NoExec) {
                status = self.execute_list(&command)?;
            }
        }
    }

    /// Writes all of `data` to `fd`.
    pub(crate) fn write_fd(&mut self, fd: Fd, mut data: &[u8]) -> Result<(), OsError> {
        while !data.is_empty() {
            match self.os.write(fd, data) {
                Ok(0) => return Err(OsError::BrokenPipe),
                Ok(written) => data = &data[written.min(data.len())..],
                Err(OsError::Interrupted) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    /// Writes text to standard output (see [`Shell::print_bytes`]).
    pub(crate) fn print(&mut self, text: &str) -> i32 {
        self.print_bytes(text.as_bytes())
    }

    /// Writes `bytes` to standard output; a failure is reported (`sh: write
    /// error: ...`) and gives status 1.
    pub(crate) fn print_bytes(&mut self, bytes: &[u8]) -> i32 {
        match self.write_fd(1, bytes) {
            Ok(_) => 0,
            // A closed pipe ends quietly, as with SIGPIPE.
            Err(OsError::BrokenPipe) => 1,
            Err(error) => {
                self.report(format_args!("write error: {error}"));
                1
            }
        }
    }

    /// Writes `sh: message` to standard error.
    pub(crate) fn report(&mut self, message: fmt::Arguments<'_>) {
        let _ = self.write_fd(2, format!("sh: {message}\n").as_bytes());
    }

    /// Reads everything from `fd` until end of file.
    pub(crate) fn read_to_end(&mut self, fd: Fd) -> Vec<u8> {
        let mut data = Vec::new();
        let mut buffer = [0u8; 4096];
        loop {
            match self.os.read(fd, &mut buffer) {
                Ok(0) => return data,
                Ok(count) => data.extend_from_slice(&buffer[..count.min(buffer.len())]),
                Err(OsError::Interrupted) => {}
                Err(_) => return data,
            }
        }
    }

    /// Assigns a variable (exporting it under `set -a`).
    pub(crate) fn assign(&mut self, name: &str, value: String) -> Result<(), VariableError> {
        self.state.vars.set(name, value)?;
        if self.state.options.is_on(ShellOption::AllExport) {
            self.state.vars.export(name);
        }
        Ok(())
    }

    /// Reports a failed assignment; returns status 1.
    pub(crate) fn report_variable_error(&mut self, error: &VariableError) -> i32 {
        let VariableError::ReadOnly(name) = error;
        self.report(format_args!("{name}: readonly variable"));
        1
    }

    /// Counts one more level of nesting (function, `eval`, `.`, command substitution), refusing too many.
    pub(crate) fn enter_call(&mut self, what: &str) -> Result<(), Interrupt> {
        if self.state.call_depth >= self.state.max_call_depth {
            self.report(format_args!("{what}: maximum nesting depth exceeded"));
            return Err(Interrupt::Fatal(1));
        }
        self.state.call_depth += 1;
        Ok(())
    }

    pub(crate) fn leave_call(&mut self) {
        self.state.call_depth -= 1;
    }

    /// Runs the traps of signals that arrived. In an interactive shell, an interrupt (SIGINT caught by the shell
    /// without a trap, or one that killed the foreground job) abandons the running command, as in other shells.
    fn handle_signals(&mut self) -> Result<(), Interrupt> {
        let interrupted = core::mem::take(&mut self.state.foreground_interrupted);
        if interrupted && self.state.interactive {
            return Err(Interrupt::Fatal(128 + SIGINT));
        }
        while let Some(signal) = self.os.take_caught_signal() {
            match self.state.traps.get(&signal).cloned() {
                Some(action) => {
                    let status = self.state.last_status;
                    self.run_source(&action)?;
                    self.state.last_status = status;
                }
                None if signal == SIGINT && self.state.interactive => return Err(Interrupt::Fatal(128 + SIGINT)),
                None => {}
            }
        }
        Ok(())
    }

    pub(crate) fn execute_list(&mut self, list: &List) -> Status {
        let mut status = 0;
        for item in &list.items {
            status = if item.background { self.run_background(&item.and_or)? } else { self.run_and_or(&item.and_or)? };
            self.state.last_status = status;
            self.handle_signals()?;
        }
        Ok(status)
    }

    pub(crate) fn run_and_or(&mut self, and_or: &AndOr) -> Status {
        let mut status = self.run_pipeline(&and_or.first, !and_or.rest.is_empty())?;
        for (index, (connector, pipeline)) in and_or.rest.iter().enumerate() {
            let proceed = match connector {
                Connector::And => status == 0,
                Connector::Or => status != 0,
            };
            if proceed {
                status = self.run_pipeline(pipeline, index + 1 < and_or.rest.len())?;
            }
        }
        Ok(status)
    }

    /// Runs a pipeline; `not_last` tells that an `&&`/`||` follows, which exempts it from `set -e`.
    fn run_pipeline(&mut self, pipeline: &Pipeline, not_last: bool) -> Status {
        let exempt = pipeline.negated || not_last;
        if exempt {
            self.state.errexit_suppressed += 1;
        }
        let result = match pipeline.commands.as_slice() {
            [command] => self.run_command(command, false, &pipeline.text),
            commands => Ok(self.run_foreground_pipeline(commands, &pipeline.text)),
        };
        if exempt {
            self.state.errexit_suppressed -= 1;
        }
        let status = result?;
        let status = if pipeline.negated { i32::from(status == 0) } else { status };
        self.state.last_status = status;
        if status != 0
            && !exempt
            && self.state.errexit_suppressed == 0
            && self.state.options.is_on(ShellOption::ErrExit)
        {
            return Err(Interrupt::Exit(status));
        }
        Ok(status)
    }

    /// Runs a condition list (`if`, `while`, `until`), exempt from `set -e`.
    fn run_condition(&mut self, list: &List) -> Status {
        self.state.errexit_suppressed += 1;
        let result = self.execute_list(list);
        self.state.errexit_suppressed -= 1;
        result
    }

    /// Runs one command. `last_in_process` tells that nothing follows it in this (child) process, so an external
    /// program may replace the process and a subshell needs no new process. `text` names it in job reports.
    pub(crate) fn run_command(&mut self, command: &Command, last_in_process: bool, text: &str) -> Status {
        match command {
            Command::Simple(simple) => self.run_simple(simple, last_in_process, text),
            Command::Compound(Compound::Subshell(list), redirects) => {
                self.with_redirects(redirects, |shell| shell.run_subshell(list, last_in_process, text))
            }
            Command::Compound(compound, redirects) => {
                self.with_redirects(redirects, |shell| shell.run_compound(compound))
            }
            Command::FunctionDefinition(definition) => {
                self.state.functions.insert(definition.name.clone(), definition.clone());
                Ok(0)
            }
        }
    }

    fn run_compound(&mut self, compound: &Compound) -> Status {
        match compound {
            Compound::BraceGroup(list) => self.execute_list(list),
            Compound::Subshell(list) => self.run_subshell(list, false, "( ... )"),
            Compound::If { branches, otherwise } => {
                for (condition, body) in branches {
                    if self.run_condition(condition)? == 0 {
                        return self.execute_list(body);
                    }
                }
                otherwise.as_ref().map_or(Ok(0), |list| self.execute_list(list))
            }
            Compound::Loop { kind, condition, body } => self.in_loop(|shell| {
                let mut status = 0;
                loop {
                    let succeeded = shell.run_condition(condition)? == 0;
                    if succeeded != (*kind == LoopKind::While) || !shell.loop_body(body, &mut status)? {
                        return Ok(status);
                    }
                }
            }),
            Compound::For { name, words, body } => {
                let values = match words {
                    Some(words) => self.expand_words(words)?,
                    None => self.state.positional.clone(),
                };
                self.in_loop(|shell| {
                    let mut status = 0;
                    for value in values {
                        if let Err(error) = shell.assign(name, value) {
                            return Ok(shell.report_variable_error(&error));
                        }
                        if !shell.loop_body(body, &mut status)? {
                            break;
                        }
                    }
                    Ok(status)
                })
            }
            Compound::Case { subject, arms } => {
                let subject = self.expand_string(subject)?;
                for arm in arms {
                    for pattern in &arm.patterns {
                        if self.expand_pattern(pattern)?.matches(&subject) {
                            return self.execute_list(&arm.body);
                        }
                    }
                }
                Ok(0)
            }
        }
    }

    fn in_loop(&mut self, run: impl FnOnce(&mut Self) -> Status) -> Status {
        self.state.loop_depth += 1;
        let result = run(self);
        self.state.loop_depth -= 1;
        result
    }

    /// Runs a loop body; `Ok(false)` when `break` ends the loop.
    fn loop_body(&mut self, body: &List, status: &mut i32) -> Result<bool, Interrupt> {
        match self.execute_list(body) {
            Ok(body_status) => {
                *status = body_status;
                Ok(true)
            }
            Err(Interrupt::Break(levels)) if levels > 1 => Err(Interrupt::Break(levels - 1)),
            Err(Interrupt::Break(_)) => {
                *status = 0;
                Ok(false)
            }
            Err(Interrupt::Continue(levels)) if levels > 1 => Err(Interrupt::Continue(levels - 1)),
            Err(Interrupt::Continue(_)) => Ok(true),
            Err(other) => Err(other),
        }
    }

    /// Calls a function with `argv[1..]` as its positional parameters.
    pub(crate) fn call_function(&mut self, function: &FunctionDefinition, argv: &[String]) -> Status {
        self.enter_call(&function.name)?;
        let saved_positional = core::mem::replace(&mut self.state.positional, argv[1..].to_vec());
        let saved_loop_depth = core::mem::take(&mut self.state.loop_depth);
        self.state.vars.push_frame();
        self.state.function_depth += 1;
        let result = self.with_redirects(&function.redirects, |shell| shell.run_compound(&function.body));
        self.state.function_depth -= 1;
        self.state.vars.pop_frame();
        self.state.loop_depth = saved_loop_depth;
        self.state.positional = saved_positional;
        self.leave_call();
        match result {
            Err(Interrupt::Return(status)) => Ok(status),
            other => other,
        }
    }

    /// The exit status a child process ends with after running `result`.
    pub(crate) fn child_status(&self, result: Status) -> i32 {
        match result {
            Ok(status) | Err(Interrupt::Exit(status) | Interrupt::Fatal(status) | Interrupt::Return(status)) => status,
            Err(Interrupt::Break(_) | Interrupt::Continue(_)) => self.state.last_status,
        }
    }

    /// The value of `$-`.
    pub(crate) fn option_letters(&self) -> String {
        let mut letters = self.state.options.letters();
        if self.state.interactive {
            letters.push('i');
        }
        letters
    }
}
