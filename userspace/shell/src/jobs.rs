//! The job table: pipelines running in the background or stopped, their processes and how `jobs` shows them.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::os::{Pid, Signal, WaitStatus};
use crate::signal;

/// What is known about one process of a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessState {
    Running,
    Stopped(Signal),
    Exited(i32),
    Signaled(Signal),
}

impl ProcessState {
    /// The exit status the shell reports for the process (128 + signal when killed or stopped).
    pub fn status(self) -> i32 {
        match self {
            ProcessState::Running => 0,
            ProcessState::Exited(code) => code,
            ProcessState::Stopped(signal) | ProcessState::Signaled(signal) => 128 + signal,
        }
    }
}

impl From<WaitStatus> for ProcessState {
    fn from(status: WaitStatus) -> Self {
        match status {
            WaitStatus::Exited(code) => ProcessState::Exited(code),
            WaitStatus::Signaled(signal) => ProcessState::Signaled(signal),
            WaitStatus::Stopped(signal) => ProcessState::Stopped(signal),
        }
    }
}

/// A process of a job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JobProcess {
    pub pid: Pid,
    pub state: ProcessState,
}

/// A pipeline started as one unit, with its own process group under job control.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// The job number (`%1`), 0 until the job enters the table.
    pub id: usize,
    pub pgid: Pid,
    pub processes: Vec<JobProcess>,
    pub text: String,
}

/// The state of a job as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobState {
    Running,
    Stopped(Signal),
    /// Finished; holds the state of the last process.
    Done(ProcessState),
}

impl Job {
    /// A job of freshly started processes.
    pub fn new(pgid: Pid, pids: &[Pid], text: &str) -> Job {
        let processes = pids.iter().map(|&pid| JobProcess { pid, state: ProcessState::Running }).collect();
        Job { id: 0, pgid, processes, text: String::from(text) }
    }

    /// Records a change reported by `wait`.
    pub fn update(&mut self, pid: Pid, status: WaitStatus) {
        if let Some(process) = self.processes.iter_mut().find(|process| process.pid == pid) {
            process.state = status.into();
        }
    }

    /// Marks every stopped process as running again (after `SIGCONT`).
    pub fn continued(&mut self) {
        for process in &mut self.processes {
            if matches!(process.state, ProcessState::Stopped(_)) {
                process.state = ProcessState::Running;
            }
        }
    }

    pub fn state(&self) -> JobState {
        if let Some(signal) = self.processes.iter().find_map(|process| match process.state {
            ProcessState::Stopped(signal) => Some(signal),
            _ => None,
        }) {
            return JobState::Stopped(signal);
        }
        if self.processes.iter().any(|process| process.state == ProcessState::Running) {
            return JobState::Running;
        }
        JobState::Done(self.processes.last().map_or(ProcessState::Exited(0), |process| process.state))
    }

    /// The pipeline's exit status: the last process's, or with `pipefail` the last failing one's.
    pub fn status(&self, pipefail: bool) -> i32 {
        let mut statuses = self.processes.iter().map(|process| process.state.status());
        if pipefail { statuses.rfind(|status| *status != 0).unwrap_or(0) } else { statuses.next_back().unwrap_or(0) }
    }

    /// The pid `$!` names: the last process.
    pub fn last_pid(&self) -> Pid {
        self.processes.last().map_or(self.pgid, |process| process.pid)
    }
}

/// Why a job specification names no job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JobSpecError {
    NoSuchJob(String),
    Ambiguous(String),
}

/// The jobs of a shell, with the order in which they were last used (for `%+` and `%-`).
#[derive(Clone, Debug, Default)]
pub struct JobTable {
    jobs: Vec<Job>,
    recent: Vec<usize>,
}

impl JobTable {
    /// Adds a job (keeping its number if it has one) and makes it the current job; returns its number.
    pub fn insert(&mut self, mut job: Job) -> usize {
        if job.id == 0 {
            job.id = (1..).find(|id| !self.jobs.iter().any(|j| j.id == *id)).unwrap_or(1);
        }
        let id = job.id;
        self.jobs.retain(|existing| existing.id != id);
        self.jobs.push(job);
        self.jobs.sort_by_key(|job| job.id);
        self.touch(id);
        id
    }

    /// Makes a job the current one.
    pub fn touch(&mut self, id: usize) {
        self.recent.retain(|recent| *recent != id);
        self.recent.push(id);
    }

    pub fn remove(&mut self, id: usize) -> Option<Job> {
        self.recent.retain(|recent| *recent != id);
        let index = self.jobs.iter().position(|job| job.id == id)?;
        Some(self.jobs.remove(index))
    }

    pub fn get(&self, id: usize) -> Option<&Job> {
        self.jobs.iter().find(|job| job.id == id)
    }

    pub fn get_mut(&mut self, id: usize) -> Option<&mut Job> {
        self.jobs.iter_mut().find(|job| job.id == id)
    }

    /// The job that has process `pid`.
    pub fn find_pid(&self, pid: Pid) -> Option<usize> {
        self.jobs.iter().find(|job| job.processes.iter().any(|process| process.pid == pid)).map(|job| job.id)
    }

    pub fn ids(&self) -> Vec<usize> {
        self.jobs.iter().map(|job| job.id).collect()
    }

    pub fn current(&self) -> Option<usize> {
        self.recent.last().copied()
    }

    pub fn previous(&self) -> Option<usize> {
        self.recent.len().checked_sub(2).map(|index| self.recent[index])
    }

    /// Resolves `%N`, `%%`, `%+`, `%-`, `%prefix` and `%?text`.
    pub fn resolve(&self, spec: &str) -> Result<usize, JobSpecError> {
        let no_such = || JobSpecError::NoSuchJob(String::from(spec));
        let body = spec.strip_prefix('%').ok_or_else(no_such)?;
        let found = match body {
            "" | "%" | "+" => self.current(),
            "-" => self.previous(),
            _ if body.bytes().all(|b| b.is_ascii_digit()) => body.parse().ok().filter(|id| self.get(*id).is_some()),
            _ => {
                let matching: Vec<usize> = match body.strip_prefix('?') {
                    Some(text) => self.jobs.iter().filter(|job| job.text.contains(text)).map(|job| job.id).collect(),
                    None => self.jobs.iter().filter(|job| job.text.starts_with(body)).map(|job| job.id).collect(),
                };
                if matching.len() > 1 {
                    return Err(JobSpecError::Ambiguous(String::from(spec)));
                }
                matching.first().copied()
            }
        };
        found.ok_or_else(no_such)
    }

    /// The `jobs` line of a job: `[1]+  Running                 sleep 100 &`.
    pub fn describe(&self, id: usize) -> Option<String> {
        let job = self.get(id)?;
        let marker = if Some(id) == self.current() {
            '+'
        } else if Some(id) == self.previous() {
            '-'
        } else {
            ' '
        };
        let (state, suffix) = match job.state() {
            JobState::Running => (String::from("Running"), " &"),
            JobState::Stopped(_) => (String::from("Stopped"), ""),
            JobState::Done(ProcessState::Exited(0)) => (String::from("Done"), ""),
            JobState::Done(ProcessState::Exited(code)) => (format!("Exit {code}"), ""),
            JobState::Done(ProcessState::Signaled(sig)) => (String::from(signal::description(sig)), ""),
            JobState::Done(_) => (String::from("Done"), ""),
        };
        Some(format!("[{id}]{marker}  {state:<24}{}{suffix}", job.text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table_with(texts: &[&str]) -> JobTable {
        let mut table = JobTable::default();
        for (i, text) in texts.iter().enumerate() {
            let pid = 100 + i as Pid;
            table.insert(Job::new(pid, &[pid], text));
        }
        table
    }

    #[test]
    fn jobs_are_numbered_from_one_and_reuse_free_numbers() {
        let mut table = table_with(&["a", "b", "c"]);
        assert_eq!(table.ids(), [1, 2, 3]);
        table.remove(2);
        assert_eq!(table.insert(Job::new(200, &[200], "d")), 2);
    }

    #[test]
    fn specs_resolve_by_number_recency_and_text() {
        let table = table_with(&["sleep 1", "sleep 2", "cat"]);
        assert_eq!(table.resolve("%2"), Ok(2));
        assert_eq!(table.resolve("%%"), Ok(3));
        assert_eq!(table.resolve("%-"), Ok(2));
        assert_eq!(table.resolve("%cat"), Ok(3));
        assert_eq!(table.resolve("%?2"), Ok(2));
        assert_eq!(table.resolve("%sleep"), Err(JobSpecError::Ambiguous(String::from("%sleep"))));
        assert_eq!(table.resolve("%9"), Err(JobSpecError::NoSuchJob(String::from("%9"))));
    }

    #[test]
    fn descriptions_look_like_other_shells() {
        let mut table = table_with(&["sleep 100"]);
        assert_eq!(table.describe(1).unwrap(), "[1]+  Running                 sleep 100 &");
        table.get_mut(1).unwrap().update(100, WaitStatus::Stopped(signal::SIGTSTP));
        assert_eq!(table.describe(1).unwrap(), "[1]+  Stopped                 sleep 100");
        table.get_mut(1).unwrap().update(100, WaitStatus::Exited(3));
        assert_eq!(table.describe(1).unwrap(), "[1]+  Exit 3                  sleep 100");
    }

    #[test]
    fn job_state_and_status_come_from_the_processes() {
        let mut job = Job::new(10, &[10, 11], "a | b");
        assert_eq!(job.state(), JobState::Running);
        job.update(10, WaitStatus::Exited(1));
        job.update(11, WaitStatus::Exited(0));
        assert_eq!(job.state(), JobState::Done(ProcessState::Exited(0)));
        assert_eq!(job.status(false), 0);
        assert_eq!(job.status(true), 1);
        job.update(11, WaitStatus::Signaled(signal::SIGKILL));
        assert_eq!(job.status(false), 137);
    }
}
