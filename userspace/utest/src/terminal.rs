//! `utest --terminal-check`: run by init on the serial terminal (termd)
//! while the harness types at it. It reads a cooked line (erase, word
//! erase and echo done by the line discipline), switches to raw mode and
//! reads three bytes as typed, then waits for ^C, which the terminal turns
//! into SIGINT for the foreground process group. Each stage prints a line
//! the harness waits for; at the end (after a pause in which the screen
//! can be read back) it turns the machine off.
//!
//! Depends on `cairn-rt` and `cairn-term`.

use cairn_rt::io::{Read, stdin};
use cairn_rt::process::Command;
use cairn_rt::sync::atomic::{AtomicBool, Ordering};
use cairn_rt::time::Duration;
use cairn_rt::{String, Vec, format, println, signal, thread, tty};
use cairn_term::termios::Termios;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

fn on_interrupt(_: usize) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

fn run() -> Result<(), String> {
    let foreground = tty::foreground_group(0).map_err(|e| format!("tcgetpgrp: {e}"))?;
    println!("terminal-check: foreground group {foreground}, mine {}", cairn_rt::process::id());
    println!("terminal-check: type a line");
    let mut line = [0u8; 128];
    let len = stdin().read(&mut line).map_err(|e| format!("read: {e}"))?;
    println!("got: {}", String::from_utf8_lossy(&line[..len]).trim_end());
    let saved = tty::termios(0).map_err(|e| format!("tcgetattr: {e}"))?;
    let mut raw = Termios::from_bytes(&saved).map_err(|_| String::from("bad termios"))?;
    raw.make_raw();
    tty::set_termios(0, &raw.to_bytes()).map_err(|e| format!("tcsetattr: {e}"))?;
    println!("terminal-check: raw mode\r");
    let mut typed = Vec::new();
    while typed.len() < 3 {
        let mut byte = [0u8; 3];
        let got = stdin().read(&mut byte).map_err(|e| format!("raw read: {e}"))?;
        typed.extend_from_slice(&byte[..got]);
    }
    tty::set_termios(0, &saved).map_err(|e| format!("tcsetattr: {e}"))?;
    let hex: Vec<String> = typed.iter().map(|b| format!("{b:02x}")).collect();
    println!("raw: {}", hex.join(" "));
    signal::set_handler(signal::SIGINT, on_interrupt).map_err(|e| format!("sigaction: {e}"))?;
    println!("terminal-check: press ^C");
    for _ in 0..3000 {
        if INTERRUPTED.load(Ordering::SeqCst) {
            println!("terminal-check: caught SIGINT");
            return Ok(());
        }
        thread::sleep(Duration::from_millis(10));
    }
    Err(String::from("no SIGINT within 30 s"))
}

pub fn terminal_check() -> i32 {
    let code = match run() {
        Ok(()) => 0,
        Err(e) => {
            println!("terminal-check: FAILED: {e}");
            1
        }
    };
    // Leave the last line on the screen long enough for a screendump.
    thread::sleep(Duration::from_secs(3));
    let _ = Command::new("/bin/poweroff").status();
    code
}
