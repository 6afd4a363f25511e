//! The command history: the lines entered, oldest first, loaded from and appended to a file (`$HOME/.sh_history`)
//! as long as that file can be written.

use cairn_rt::fs::{self, OpenOptions};
use cairn_rt::io::Write;
use cairn_rt::{String, Vec, format};

/// How many lines are kept.
const LIMIT: usize = 1000;

pub struct History {
    entries: Vec<String>,
    /// Where new lines go; `None` once writing failed.
    file: Option<String>,
}

impl History {
    /// The history kept in `path` (empty if the file does not exist yet).
    pub fn load(path: String) -> History {
        let text = fs::read(&path).unwrap_or_default();
        let text = String::from_utf8_lossy(&text);
        let mut entries: Vec<String> = text.lines().filter(|line| !line.trim().is_empty()).map(String::from).collect();
        entries.drain(..entries.len().saturating_sub(LIMIT));
        History { entries, file: Some(path) }
    }

    pub fn entries(&self) -> &[String] {
        &self.entries
    }

    /// Remembers an entered line, unless it is blank or repeats the previous one.
    pub fn add(&mut self, line: &str) {
        if line.trim().is_empty() || self.entries.last().is_some_and(|last| last == line) {
            return;
        }
        self.entries.push(String::from(line));
        if self.entries.len() > LIMIT {
            self.entries.remove(0);
        }
        if let Some(path) = &self.file {
            let appended = OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o600)
                .open(path)
                .and_then(|mut file| file.write_all(format!("{line}\n").as_bytes()));
            if appended.is_err() {
                self.file = None;
            }
        }
    }
}
