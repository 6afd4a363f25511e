//! The interactive shell: taking the terminal for job control, then prompting (`PS1`, `PS2` for continuation
//! lines), reading lines with the editor (or plainly when standard input is not a terminal), running them, and
//! reporting finished background jobs before each prompt.

use cairn_rt::signal::{self, SIGTTIN};
use cairn_rt::{String, env, format, process, tty};
use cairn_shell::{ChunkOutcome, PromptKind, Shell};

use crate::editor::{Editor, Entry};
use crate::history::History;
use crate::os::CairnOs;
use crate::{lines, signals, terminal};

/// The prompt when the environment sets none: `root@cairn:/tmp# `.
const DEFAULT_PS1: &str = r"\u@cairn:\w\$ ";
/// The home directory when `HOME` is not set.
const DEFAULT_HOME: &str = "/root";

/// Where lines come from.
enum Input {
    Editor(Editor),
    Plain,
}

/// Waits until the shell is in the foreground (when fd 0 is a terminal), puts it in its own process group, gives
/// that group the terminal and sets the job-control signals aside; done before the interpreter is created.
pub fn take_terminal(terminal: bool) {
    if terminal {
        wait_for_foreground();
    }
    let _ = process::setpgid(0, 0);
    if terminal && let Ok(group) = process::getpgid(0) {
        let _ = tty::set_foreground_group(terminal::INPUT, group);
    }
    signals::set_aside_job_control();
}

/// A shell started in the background stops itself (SIGTTIN) until its job is brought to the foreground, as other
/// shells do; a foreground group that no longer exists is taken over at once.
fn wait_for_foreground() {
    let _ = signal::set_default(SIGTTIN);
    while let (Ok(foreground), Ok(group)) = (tty::foreground_group(terminal::INPUT), process::getpgid(0)) {
        let foreground_alive = foreground != 0 && signal::kill_group(foreground, 0).is_ok();
        if foreground == group || !foreground_alive {
            return;
        }
        if signal::kill_group(group, SIGTTIN).is_err() {
            return;
        }
    }
}

/// Runs the interactive session until `exit` or the end of the input; returns the exit status.
pub fn run(shell: &mut Shell<CairnOs>, terminal: bool) -> i32 {
    set_defaults(shell);
    let mut input = if terminal && Editor::available() {
        let home = String::from(shell.variable("HOME").unwrap_or(DEFAULT_HOME));
        Input::Editor(Editor::new(History::load(format!("{home}/.sh_history"))))
    } else {
        Input::Plain
    };
    let mut pending = String::new();
    loop {
        shell.notify_jobs();
        let kind = if pending.is_empty() { PromptKind::Primary } else { PromptKind::Continuation };
        let prompt = shell.prompt(kind);
        let entry = match &mut input {
            Input::Editor(editor) => editor.read_line(&prompt, &mut |line, cursor| shell.complete(line, cursor)),
            Input::Plain => read_plain(&prompt),
        };
        match entry {
            Entry::Line(line) => {
                pending.push_str(&line);
                pending.push('\n');
                let outcome = shell.run_chunk(&pending);
                if shell.os_mut().take_interrupted() {
                    terminal::write("\n");
                }
                match outcome {
                    ChunkOutcome::Incomplete => {}
                    ChunkOutcome::Ran(_) => pending.clear(),
                    ChunkOutcome::Exit(status) => return status,
                }
            }
            Entry::Interrupted => pending.clear(),
            Entry::End if pending.is_empty() => return shell.finish(),
            Entry::End => return shell.run_script(&pending),
        }
    }
}

/// `PS1` and `HOME` when the environment has none.
fn set_defaults(shell: &mut Shell<CairnOs>) {
    if env::var("PS1").is_err() {
        shell.run_chunk(&format!("PS1='{DEFAULT_PS1}'"));
    }
    if shell.variable("HOME").is_none() {
        shell.run_chunk(&format!("HOME={DEFAULT_HOME}; export HOME"));
    }
}

/// Shows the prompt and reads a line without editing.
fn read_plain(prompt: &str) -> Entry {
    terminal::write(prompt);
    match lines::read_line(terminal::INPUT) {
        Some(line) => Entry::Line(String::from(line.strip_suffix('\n').unwrap_or(&line))),
        None => Entry::End,
    }
}
