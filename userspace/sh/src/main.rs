//! `sh`: Cairn's shell. The language is `cairn-shell`'s; this program gives it the system (`os`), reads the
//! command line and runs `sh -c STRING [NAME [ARG...]]`, `sh FILE [ARG...]`, commands from standard input, or an
//! interactive session with line editing when standard input is a terminal (or `-i` is given).
#![no_std]
#![no_main]

mod args;
mod batch;
mod bindings;
mod completion;
mod editor;
mod error;
mod gate;
mod hashbang;
mod history;
mod interactive;
mod launch;
mod lines;
mod os;
mod signals;
mod terminal;

use cairn_rt::{String, Vec, env, eprintln, fd, format, fs, tty};
use cairn_shell::os::Fd;
use cairn_shell::{ChunkOutcome, Config, Shell};

use crate::args::{Invocation, Source};
use crate::error::{launch_failure_status, os_error};
use crate::os::{CairnOs, Role};

cairn_rt::main!(main);

fn main() -> i32 {
    let invocation = match args::parse(env::args().collect()) {
        Ok(invocation) => invocation,
        Err(message) => {
            eprintln!("sh: {message}");
            return 2;
        }
    };
    let Invocation { source, interactive, set_options, script_name, arguments } = invocation;
    let stdin_is_terminal = tty::is_terminal(terminal::INPUT);
    let interactive = interactive || (source == Source::Stdin && stdin_is_terminal && tty::is_terminal(2));
    let on_terminal = interactive && stdin_is_terminal;
    let role = if interactive {
        interactive::take_terminal(on_terminal);
        Role::Interactive { terminal: on_terminal }
    } else {
        Role::Plain
    };
    let config =
        Config { interactive, script_name, arguments, inherited_fds: inherited_descriptors(), ..Config::default() };
    let mut shell = Shell::new(CairnOs::new(role), config);
    if !set_options.is_empty() && shell.run_chunk(&format!("set {}", set_options.join(" "))) != ChunkOutcome::Ran(0) {
        return 2;
    }
    match source {
        Source::Command(text) => shell.run_script(&text),
        Source::File(path) => run_file(&mut shell, &path),
        Source::Stdin if interactive => interactive::run(&mut shell, on_terminal),
        Source::Stdin => batch::run(&mut shell),
    }
}

/// The descriptors from 3 to 9 the shell was started with (`sh script 3>file`), for commands to use.
fn inherited_descriptors() -> Vec<Fd> {
    (3..=9).filter(|&fd| fd::info(fd as usize).is_ok()).collect()
}

/// Runs the script in the file at `path`.
fn run_file(shell: &mut Shell<CairnOs>, path: &str) -> i32 {
    match fs::read(path) {
        Ok(bytes) => shell.run_script(&String::from_utf8_lossy(&bytes)),
        Err(error) => {
            let error = os_error(error);
            eprintln!("sh: {path}: {error}");
            launch_failure_status(&error)
        }
    }
}
