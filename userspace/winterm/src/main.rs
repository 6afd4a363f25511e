//! `winterm`: the desktop's terminal. It opens a pseudo-terminal
//! (`/scheme/tty/ptmx`), starts `/bin/sh` on its terminal side as a new
//! session, and shows it in a window on the display server: what the
//! shell writes goes through a `cairn-term` screen model drawn with
//! DejaVu Sans Mono (`cairn_gui::terminal`), the keys typed in the window
//! go to the pseudo-terminal as terminal input (`cairn_input::terminal`).
//! One thread reads the master and draws; the main thread reads the
//! window's events. The window's close box hangs the shell up; the shell
//! ending closes the window. Says `winterm: window up` once drawn. At
//! boot the display server may still be starting: the window is asked
//! for again for up to 10 s.
//!
//! Depends on `cairn-rt`, `cairn-gui`, `cairn-window`, `cairn-winproto`,
//! `cairn-term` and `cairn-input`.
#![no_std]
#![no_main]

use cairn_gui::Font;
use cairn_gui::terminal::{self, MONO_FONT_PATH, TerminalView};
use cairn_input::terminal::terminal_key;
use cairn_rt::abi::error::{ENODEV, ENOENT};
use cairn_rt::fd::OwnedFd;
use cairn_rt::fs::{File, OpenOptions};
use cairn_rt::io::{read_fd, write_fd};
use cairn_rt::process::{self, Child, ForkResult, Pid};
use cairn_rt::sync::{Arc, Mutex};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, eprintln, format, println, thread};
use cairn_term::keys;
use cairn_term::screen::Screen;
use cairn_window::Window;
use cairn_winproto::{EVENT_SIZE, Event};

cairn_rt::main!(main);

/// What the drawing thread and the main thread share.
struct Terminal {
    window: Window,
    screen: Screen,
    view: TerminalView,
}

/// How long the display server may take to come up (at boot, init
/// starts this program right after it).
const DISPLAY_WAIT: Duration = Duration::from_secs(10);

/// Opens the window, waiting for the display server's scheme if it is
/// not there yet.
fn open_window(width: u32, height: u32) -> cairn_rt::Result<Window> {
    let start = Instant::now();
    loop {
        match Window::create(terminal::TITLE, width, height) {
            Err(e) if matches!(e.errno(), Some(ENOENT | ENODEV)) && start.elapsed() < DISPLAY_WAIT => {
                thread::sleep(Duration::from_millis(20));
            }
            opened => return opened,
        }
    }
}

/// A new pseudo-terminal: its master and the path of its terminal side.
fn open_pty() -> cairn_rt::Result<(File, String)> {
    let master = OpenOptions::new().read(true).write(true).open("/scheme/tty/ptmx")?;
    let names = OwnedFd::scheme_dup_raw(master.as_raw_fd(), b"ptsname")?;
    let mut name = [0u8; 64];
    let len = read_fd(names.as_raw(), &mut name)?;
    let path =
        core::str::from_utf8(&name[..len]).map_err(|_| cairn_rt::Error::from_errno(cairn_rt::abi::error::EIO))?;
    Ok((master, String::from(path)))
}

/// In the forked child: a new session whose controlling terminal is the
/// pseudo-terminal, on fds 0-2, then the shell.
fn become_shell(path: &str) -> ! {
    let prepared = process::setsid().and_then(|_| {
        let terminal = OpenOptions::new().read(true).write(true).open(path)?;
        for fd in 0..3 {
            cairn_rt::fd::dup2(terminal.as_raw_fd(), fd, cairn_rt::fd::rights::ALL)?;
        }
        cairn_rt::tty::set_foreground_group(0, process::id())
    });
    let error = match prepared {
        Ok(()) => process::Command::new("/bin/sh").env("TERM", "xterm").exec(),
        Err(e) => e,
    };
    eprintln!("winterm: cannot start the shell on {path}: {error}");
    process::exit(127)
}

/// Starts the shell on the terminal side `path`.
fn start_shell(path: &str) -> cairn_rt::Result<Pid> {
    match process::fork()? {
        ForkResult::Parent { child } => Ok(child),
        ForkResult::Child => become_shell(path),
    }
}

/// The drawing thread: the shell's output into the screen model, the
/// changed rows onto the window, the screen's answers back as input.
fn show_output(master: usize, shared: Arc<Mutex<Terminal>>) {
    let mut bytes = [0u8; 4096];
    loop {
        let got = match read_fd(master, &mut bytes) {
            Ok(0) => return,
            Ok(got) => got,
            Err(e) => {
                eprintln!("winterm: reading the terminal: {e}");
                return;
            }
        };
        let replies = {
            let mut guard = shared.lock();
            let Terminal { window, screen, view } = &mut *guard;
            screen.feed(&bytes[..got]);
            let damage = view.draw_changes(&mut window.canvas(), screen);
            if !damage.is_empty() {
                let _ = window.commit(&damage);
            }
            screen.take_replies()
        };
        if !replies.is_empty() {
            let _ = write_fd(master, &replies);
        }
    }
}

fn main() -> i32 {
    let font = match cairn_rt::fs::read(MONO_FONT_PATH)
        .map_err(|e| format!("{e}"))
        .and_then(|bytes| Font::from_bytes(&bytes).map_err(|e| format!("{e}")))
    {
        Ok(font) => font,
        Err(e) => {
            eprintln!("winterm: cannot load {MONO_FONT_PATH}: {e}");
            return 1;
        }
    };
    let mut view = TerminalView::new(font);
    let (width, height) = view.pixels_for(terminal::ROWS, terminal::COLS);
    let mut window = match open_window(width, height) {
        Ok(window) => window,
        Err(e) => {
            eprintln!("winterm: cannot open a window: {e}");
            return 1;
        }
    };
    let (master, path) = match open_pty() {
        Ok(pty) => pty,
        Err(e) => {
            eprintln!("winterm: cannot open a pseudo-terminal: {e}");
            return 1;
        }
    };
    let mut screen = Screen::new(terminal::ROWS, terminal::COLS);
    view.draw_all(&mut window.canvas(), &mut screen);
    if let Err(e) = window.commit_all() {
        eprintln!("winterm: cannot commit: {e}");
        return 1;
    }
    let shell = match start_shell(&path) {
        Ok(pid) => pid,
        Err(e) => {
            eprintln!("winterm: cannot start the shell: {e}");
            return 1;
        }
    };
    let window_fd = window.as_raw_fd();
    let master_fd = master.as_raw_fd();
    let shared = Arc::new(Mutex::new(Terminal { window, screen, view }));
    let drawing = Arc::clone(&shared);
    let started = thread::Builder::new().spawn(move || show_output(master_fd, drawing)).and_then(|_| {
        thread::Builder::new().spawn(move || {
            let status = Child::from_pid(shell).wait();
            println!("winterm: the shell ended ({status:?})");
            process::exit(0)
        })
    });
    if let Err(e) = started {
        eprintln!("winterm: cannot start its threads: {e}");
        let _ = cairn_rt::signal::kill(shell, cairn_rt::signal::SIGKILL);
        return 1;
    }
    println!("winterm: window up");
    let mut bytes = [0u8; 64 * EVENT_SIZE];
    loop {
        let got = match read_fd(window_fd, &mut bytes) {
            Ok(got) => got,
            Err(e) => {
                eprintln!("winterm: reading events: {e}");
                return 1;
            }
        };
        for event in bytes[..got].chunks_exact(EVENT_SIZE).filter_map(|e| Event::decode(e).ok()) {
            match event {
                Event::Key { code, pressed: true, text } => {
                    let Some(key) = terminal_key(text, code) else { continue };
                    let mode = shared.lock().screen.cursor_key_mode();
                    let _ = write_fd(master_fd, &keys::encode(key, mode));
                }
                Event::Close => {
                    println!("winterm: closed");
                    // Closing the master hangs the shell up (SIGHUP).
                    drop(master);
                    return 0;
                }
                _ => {}
            }
        }
    }
}
