//! Processes and jobs: forking the shell, starting programs, pipelines, background jobs, process groups, handing
//! the terminal to foreground jobs, and waiting.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::ast::{AndOr, Command, Connector, List};
use crate::interp::{Shell, Status};
use crate::jobs::{Job, JobState, ProcessState};
use crate::options::ShellOption;
use crate::os::{Fd, FdMapping, ForkOutcome, Os, OsError, Pid, ProcessGroup, SignalAction, SpawnRequest, WaitMode};
use crate::signal::SIGINT;

impl<O: Os> Shell<O> {
    /// Whether this shell gives each job its own process group and the terminal.
    pub(crate) fn job_control(&self) -> bool {
        self.state.options.is_on(ShellOption::Monitor) && !self.state.in_child
    }

    /// The process group for a new job.
    fn new_job_group(&self) -> ProcessGroup {
        if self.job_control() { ProcessGroup::New } else { ProcessGroup::Inherit }
    }

    /// The process group id of a job whose first process is `first`.
    fn job_pgid(&self, group: ProcessGroup, first: Pid) -> Pid {
        match group {
            ProcessGroup::New => first,
            ProcessGroup::Join(pgid) => pgid,
            ProcessGroup::Inherit => self.state.shell_pgid,
        }
    }

    /// Runs `work` in a child process and returns its pid. In the child, the shell forgets its jobs and traps
    /// and gives up job control; `work` returns the child's exit status.
    pub(crate) fn fork_child(
        &mut self,
        group: ProcessGroup,
        work: impl FnOnce(&mut Self) -> i32,
    ) -> Result<Pid, OsError> {
        let pid = match self.os.fork()? {
            ForkOutcome::Parent(pid) => pid,
            ForkOutcome::Child => {
                let parent = self.state.clone();
                self.enter_child(group);
                let status = work(self);
                let status = self.exit_with(status);
                let pid = self.os.exit_child(status);
                self.state = parent;
                pid
            }
        };
        let _ = match group {
            ProcessGroup::New => self.os.set_process_group(pid, 0),
            ProcessGroup::Join(pgid) => self.os.set_process_group(pid, pgid),
            ProcessGroup::Inherit => Ok(()),
        };
        Ok(pid)
    }

    fn enter_child(&mut self, group: ProcessGroup) {
        let _ = match group {
            ProcessGroup::New => self.os.set_process_group(0, 0),
            ProcessGroup::Join(pgid) => self.os.set_process_group(0, pgid),
            ProcessGroup::Inherit => Ok(()),
        };
        self.state.in_child = true;
        self.state.interactive = false;
        self.state.options.set(ShellOption::Monitor, false);
        self.state.jobs = Default::default();
        let caught: Vec<i32> =
            self.state.traps.iter().filter(|(_, action)| !action.is_empty()).map(|(signal, _)| *signal).collect();
        for signal in caught {
            self.state.traps.remove(&signal);
            if signal != 0 {
                let _ = self.os.set_signal_action(signal, SignalAction::Default);
            }
        }
    }

    /// The descriptor table external programs get: the descriptors commands currently see.
    pub(crate) fn fd_mappings(&self) -> Vec<FdMapping> {
        self.state.visible_fds.iter().map(|&fd| FdMapping { child: fd, parent: fd }).collect()
    }

    /// Runs an external program and waits for it (or, when nothing follows in this process, replaces the
    /// process with it). Returns its status.
    pub(crate) fn run_program(
        &mut self,
        path: &str,
        argv: &[String],
        env: &[String],
        last_in_process: bool,
        text: &str,
    ) -> i32 {
        let fds = self.fd_mappings();
        let group = if last_in_process { ProcessGroup::Inherit } else { self.new_job_group() };
        let request = SpawnRequest { path, argv, env, fds: &fds, group };
        if last_in_process && self.state.in_child {
            return match self.os.exec(&request) {
                Ok(status) => status,
                Err(error) => self.program_failed(path, &error),
            };
        }
        match self.os.spawn(&request) {
            Ok(pid) => {
                let pgid = self.job_pgid(group, pid);
                self.wait_foreground(Job::new(pgid, &[pid], text))
            }
            Err(error) => self.program_failed(path, &error),
        }
    }

    fn program_failed(&mut self, path: &str, error: &OsError) -> i32 {
        self.report(format_args!("{path}: {error}"));
        if *error == OsError::NotFound { 127 } else { 126 }
    }

    /// Runs a subshell: in a new process, unless this process already exists only for it.
    pub(crate) fn run_subshell(&mut self, list: &List, last_in_process: bool, text: &str) -> Status {
        if last_in_process && self.state.in_child {
            let result = self.execute_list(list);
            return Ok(self.child_status(result));
        }
        let group = self.new_job_group();
        let forked = self.fork_child(group, |shell| {
            let result = shell.execute_list(list);
            shell.child_status(result)
        });
        match forked {
            Ok(pid) => {
                let pgid = self.job_pgid(group, pid);
                Ok(self.wait_foreground(Job::new(pgid, &[pid], text)))
            }
            Err(error) => Ok(self.fork_failed(&error)),
        }
    }

    fn fork_failed(&mut self, error: &OsError) -> i32 {
        self.report(format_args!("fork: {error}"));
        1
    }

    /// Starts every command of a pipeline in its own process, connected by pipes; returns the pids.
    fn launch_pipeline(&mut self, commands: &[Command], group: ProcessGroup) -> Vec<Pid> {
        let mut pids = Vec::new();
        let mut group = group;
        let mut input: Option<Fd> = None;
        for (index, command) in commands.iter().enumerate() {
            let pipe = if index + 1 == commands.len() {
                None
            } else {
                match self.os.pipe() {
                    Ok(pipe) => Some(pipe),
                    Err(error) => {
                        self.report(format_args!("pipe: {error}"));
                        break;
                    }
                }
            };
            let forked = self.fork_child(group, |shell| {
                if let Some(fd) = input {
                    let _ = shell.os.dup2(fd, 0);
                    let _ = shell.os.close(fd);
                }
                if let Some((read, write)) = pipe {
                    let _ = shell.os.close(read);
                    let _ = shell.os.dup2(write, 1);
                    let _ = shell.os.close(write);
                }
                let result = shell.run_command(command, true, "");
                shell.child_status(result)
            });
            if let Some(fd) = input.take() {
                let _ = self.os.close(fd);
            }
            if let Some((read, write)) = pipe {
                let _ = self.os.close(write);
                input = Some(read);
            }
            match forked {
                Ok(pid) => {
                    if group == ProcessGroup::New {
                        group = ProcessGroup::Join(pid);
                    }
                    pids.push(pid);
                }
                Err(error) => {
                    self.fork_failed(&error);
                    break;
                }
            }
        }
        if let Some(fd) = input {
            let _ = self.os.close(fd);
        }
        pids
    }

    /// Runs a pipeline of several commands in the foreground; returns its status.
    pub(crate) fn run_foreground_pipeline(&mut self, commands: &[Command], text: &str) -> i32 {
        let group = self.new_job_group();
        let pids = self.launch_pipeline(commands, group);
        let Some(&first) = pids.first() else { return 1 };
        let pgid = self.job_pgid(group, first);
        self.wait_foreground(Job::new(pgid, &pids, text))
    }

    /// Starts an and-or list in the background as a job.
    pub(crate) fn run_background(&mut self, and_or: &AndOr) -> Status {
        let text = and_or_text(and_or);
        let group = self.new_job_group();
        let pids = if and_or.rest.is_empty() && !and_or.first.negated {
            self.launch_pipeline(&and_or.first.commands, group)
        } else {
            let forked = self.fork_child(group, |shell| {
                let result = shell.run_and_or(and_or);
                shell.child_status(result)
            });
            match forked {
                Ok(pid) => alloc::vec![pid],
                Err(error) => return Ok(self.fork_failed(&error)),
            }
        };
        let Some(&first) = pids.first() else { return Ok(1) };
        let job = Job::new(self.job_pgid(group, first), &pids, &text);
        let last_pid = job.last_pid();
        let id = self.state.jobs.insert(job);
        self.state.last_background = Some(last_pid);
        if self.state.interactive {
            let _ = self.write_fd(2, format!("[{id}] {last_pid}\n").as_bytes());
        }
        Ok(0)
    }

    /// Waits for a foreground job with the terminal handed to it, then takes the terminal back. A job that stops
    /// goes into the job table. Returns the job's status.
    pub(crate) fn wait_foreground(&mut self, mut job: Job) -> i32 {
        let job_control = self.job_control();
        if job_control {
            let _ = self.os.set_foreground_group(job.pgid);
        }
        self.wait_job(&mut job, WaitMode::Block);
        if job_control {
            let _ = self.os.set_foreground_group(self.state.shell_pgid);
        }
        let status = job.status(self.state.options.is_on(ShellOption::PipeFail));
        if job.processes.iter().any(|process| process.state == ProcessState::Signaled(SIGINT)) {
            self.state.foreground_interrupted = true;
            if self.state.interactive {
                let _ = self.write_fd(2, b"\n");
            }
        }
        if let JobState::Stopped(_) = job.state() {
            let id = self.state.jobs.insert(job);
            if let Some(line) = self.state.jobs.describe(id) {
                let _ = self.write_fd(2, format!("\n{line}\n").as_bytes());
            }
        } else if job.id != 0 {
            self.state.jobs.remove(job.id);
        }
        status
    }

    /// Collects state changes of a job's running processes (blocking until each exits or stops, or just polling).
    pub(crate) fn wait_job(&mut self, job: &mut Job, mode: WaitMode) {
        for index in 0..job.processes.len() {
            let pid = job.processes[index].pid;
            while job.processes[index].state == ProcessState::Running {
                match self.os.wait(pid, mode) {
                    Ok(Some(status)) => job.update(pid, status),
                    Ok(None) => break,
                    Err(OsError::Interrupted) => {}
                    Err(_) => job.processes[index].state = ProcessState::Exited(127),
                }
            }
        }
    }

    /// Waits for one child process that is not a job; returns its status.
    pub(crate) fn wait_pid(&mut self, pid: Pid) -> i32 {
        let mut job = Job::new(pid, &[pid], "");
        self.wait_job(&mut job, WaitMode::Block);
        job.status(false)
    }

    /// Collects state changes of every job without blocking; returns the jobs whose state changed.
    pub(crate) fn poll_jobs(&mut self) -> Vec<usize> {
        let mut changed = Vec::new();
        for id in self.state.jobs.ids() {
            let Some(mut job) = self.state.jobs.get(id).cloned() else { continue };
            let before = job.state();
            self.wait_job(&mut job, WaitMode::Poll);
            if job.state() != before {
                changed.push(id);
            }
            if let Some(entry) = self.state.jobs.get_mut(id) {
                *entry = job;
            }
        }
        changed
    }

    /// Reaps background jobs that finished or stopped and, in an interactive shell, reports them on standard
    /// error (`[1]+  Done                    sleep 1`). The `sh` binary calls this before each prompt.
    pub fn notify_jobs(&mut self) {
        for id in self.poll_jobs() {
            if self.state.interactive
                && let Some(line) = self.state.jobs.describe(id)
            {
                let _ = self.write_fd(2, format!("{line}\n").as_bytes());
            }
            if let Some(JobState::Done(_)) = self.state.jobs.get(id).map(|job| job.state()) {
                self.state.jobs.remove(id);
            }
        }
    }
}

/// The source text of an and-or list, for job reports.
fn and_or_text(and_or: &AndOr) -> String {
    let mut text = and_or.first.text.clone();
    for (connector, pipeline) in &and_or.rest {
        text.push_str(match connector {
            Connector::And => " && ",
            Connector::Or => " || ",
        });
        text.push_str(&pipeline.text);
    }
    text
}
