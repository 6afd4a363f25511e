//! Job-control builtins: `jobs`, `fg`, `bg`, `wait` and `kill`.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::interp::Shell;
use crate::jobs::{JobSpecError, JobState};
use crate::options::ShellOption;
use crate::os::{KillTarget, Os, Signal, WaitMode};
use crate::signal::{self, SIGCONT, SIGTERM};

impl<O: Os> Shell<O> {
    /// The job a `fg`/`bg`/`wait` argument names (`%spec` or a pid; none: the current job); reports failures.
    fn job_argument(&mut self, builtin: &str, spec: Option<&str>) -> Option<usize> {
        let found = match spec {
            None => self.state.jobs.current().ok_or(JobSpecError::NoSuchJob(String::from("current"))),
            Some(spec) if spec.starts_with('%') => self.state.jobs.resolve(spec),
            Some(pid) => pid
                .parse()
                .ok()
                .and_then(|pid| self.state.jobs.find_pid(pid))
                .ok_or_else(|| JobSpecError::NoSuchJob(String::from(pid))),
        };
        match found {
            Ok(id) => Some(id),
            Err(JobSpecError::NoSuchJob(spec)) => {
                self.report(format_args!("{builtin}: {spec}: no such job"));
                None
            }
            Err(JobSpecError::Ambiguous(spec)) => {
                self.report(format_args!("{builtin}: {spec}: ambiguous job spec"));
                None
            }
        }
    }

    /// Sends `SIGCONT` to a job and marks it running.
    fn continue_job(&mut self, id: usize) {
        let Some(job) = self.state.jobs.get_mut(id) else { return };
        job.continued();
        let pgid = job.pgid;
        let _ = self.os.kill(KillTarget::Group(pgid), SIGCONT);
    }

    /// `jobs [-p]`: lists the jobs; finished ones are listed once and forgotten.
    pub(super) fn builtin_jobs(&mut self, args: &[String]) -> i32 {
        let pids_only = args.iter().any(|arg| arg == "-p");
        let _ = self.poll_jobs();
        let mut output = String::new();
        for id in self.state.jobs.ids() {
            let line = if pids_only {
                self.state.jobs.get(id).map(|job| format!("{}", job.pgid))
            } else {
                self.state.jobs.describe(id)
            };
            output.extend(line);
            output.push('\n');
            if let Some(JobState::Done(_)) = self.state.jobs.get(id).map(|job| job.state()) {
                self.state.jobs.remove(id);
            }
        }
        self.print(&output)
    }

    /// `fg [job]`: continues a job in the foreground and waits for it.
    pub(super) fn builtin_fg(&mut self, args: &[String]) -> i32 {
        if !self.job_control() {
            self.report(format_args!("fg: no job control"));
            return 1;
        }
        let Some(id) = self.job_argument("fg", args.first().map(String::as_str)) else { return 1 };
        // The terminal first: a job that touches it as soon as it continues must find it its own.
        if let Some(job) = self.state.jobs.get(id) {
            let pgid = job.pgid;
            let _ = self.os.set_foreground_group(pgid);
        }
        self.continue_job(id);
        let Some(job) = self.state.jobs.get(id).cloned() else { return 1 };
        self.print(&format!("{}\n", job.text));
        self.wait_foreground(job)
    }

    /// `bg [job...]`: continues stopped jobs in the background.
    pub(super) fn builtin_bg(&mut self, args: &[String]) -> i32 {
        if !self.job_control() {
            self.report(format_args!("bg: no job control"));
            return 1;
        }
        let specs: Vec<Option<&str>> =
            if args.is_empty() { alloc::vec![None] } else { args.iter().map(|arg| Some(arg.as_str())).collect() };
        let mut status = 0;
        for spec in specs {
            let Some(id) = self.job_argument("bg", spec) else {
                status = 1;
                continue;
            };
            self.continue_job(id);
            self.state.jobs.touch(id);
            let text = self.state.jobs.get(id).map(|job| job.text.clone()).unwrap_or_default();
            status |= self.print(&format!("[{id}]+ {text} &\n"));
        }
        status
    }

    /// `wait [job|pid ...]`: waits for the given jobs, or all; the status is that of the last one waited for.
    pub(super) fn builtin_wait(&mut self, args: &[String]) -> i32 {
        let pipefail = self.state.options.is_on(ShellOption::PipeFail);
        let targets: Vec<Option<usize>> = if args.is_empty() {
            self.state.jobs.ids().into_iter().map(Some).collect()
        } else {
            let mut targets = Vec::new();
            for arg in args {
                if !arg.starts_with('%') && self.state.jobs.find_pid(arg.parse().unwrap_or(0)).is_none() {
                    self.report(format_args!("wait: pid {arg} is not a child of this shell"));
                    targets.push(None);
                } else {
                    targets.push(self.job_argument("wait", Some(arg)));
                }
            }
            targets
        };
        let mut status = 0;
        for target in targets {
            let Some(mut job) = target.and_then(|id| self.state.jobs.get(id).cloned()) else {
                status = 127;
                continue;
            };
            self.wait_job(&mut job, WaitMode::Block);
            status = job.status(pipefail);
            let id = job.id;
            if let JobState::Done(_) = job.state() {
                self.state.jobs.remove(id);
            } else if let Some(entry) = self.state.jobs.get_mut(id) {
                *entry = job;
            }
        }
        if args.is_empty() { 0 } else { status }
    }

    /// `kill [-s sig | -sig] pid|%job ...` and `kill -l`.
    pub(super) fn builtin_kill(&mut self, args: &[String]) -> i32 {
        let mut signal: Signal = SIGTERM;
        let mut rest = args;
        match args.first().map(String::as_str) {
            Some("-l") => {
                let names: Vec<&str> = signal::NAMES.iter().map(|(name, _)| *name).collect();
                return self.print(&format!("{}\n", names.join(" ")));
            }
            Some("-s") => {
                let Some(parsed) = args.get(1).and_then(|name| signal::from_name(name)) else {
                    return self.usage_error("kill", format_args!("invalid signal specification"));
                };
                signal = parsed;
                rest = &args[2.min(args.len())..];
            }
            Some("--") => rest = &args[1..],
            Some(option) if option.starts_with('-') && option.len() > 1 => {
                let Some(parsed) = signal::from_name(&option[1..]) else {
                    return self.usage_error("kill", format_args!("{option}: invalid signal specification"));
                };
                signal = parsed;
                rest = &args[1..];
            }
            _ => {}
        }
        if rest.is_empty() {
            return self.usage_error("kill", format_args!("usage: kill [-s sigspec | -sigspec] pid | jobspec ..."));
        }
        let mut status = 0;
        for target in rest {
            let kill_target = if target.starts_with('%') {
                let Some(id) = self.job_argument("kill", Some(target)) else {
                    status = 1;
                    continue;
                };
                let pgid = self.state.jobs.get(id).map_or(0, |job| job.pgid);
                if signal == SIGCONT {
                    self.continue_job(id);
                    continue;
                }
                KillTarget::Group(pgid)
            } else {
                match target.parse::<i64>() {
                    Ok(pid) if pid < 0 => KillTarget::Group(pid.unsigned_abs() as u32),
                    Ok(pid) => KillTarget::Process(pid as u32),
                    Err(_) => {
                        self.report(format_args!("kill: {target}: arguments must be process or job IDs"));
                        status = 1;
                        continue;
                    }
                }
            };
            if let Err(error) = self.os.kill(kill_target, signal) {
                self.report(format_args!("kill: {target}: {error}"));
                status = 1;
            }
        }
        status
    }
}
