//! Booting an ISO in QEMU: the command line for a machine configuration, an unattended boot
//! that collects the serial console line by line (with timestamps, a timeout and an early
//! stop), and an interactive boot that hands the terminal to QEMU.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use crate::hosttools::{self, Ovmf, QEMU};
use crate::protocol;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firmware {
    /// SeaBIOS, QEMU's default.
    Bios,
    /// OVMF; needs `-machine q35`.
    Uefi,
}

/// The emulated machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Machine<'a> {
    /// The `-machine` value, e.g. `pc`, `pc,acpi=off`, `q35`.
    pub model: &'a str,
    pub firmware: Firmware,
    pub smp: u32,
    /// The `-m` value, e.g. `256M`, `4G`.
    pub mem: &'a str,
    /// Adds `-vga none` (no display adapter, so no framebuffer).
    pub vga_none: bool,
    /// More QEMU arguments, e.g. `-device` options for the machine's devices.
    pub devices: &'a [&'a str],
}

impl Machine<'_> {
    /// A short human-readable description, e.g. `pc, BIOS, 2 CPUs, 256M, no VGA`.
    pub fn describe(&self) -> String {
        let firmware = match self.firmware {
            Firmware::Bios => "BIOS",
            Firmware::Uefi => "UEFI",
        };
        let cpus = if self.smp == 1 { "CPU" } else { "CPUs" };
        let vga = if self.vga_none { ", no VGA" } else { "" };
        format!("{}, {firmware}, {} {cpus}, {}{vga}", self.model, self.smp, self.mem)
    }
}

/// Where the guest's screen and serial console go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    /// No window, no monitor; serial on stdout (tests and benchmarks).
    Headless,
    /// A GTK window, serial on the terminal.
    Gtk,
    /// `-nographic`: serial console (and monitor, Ctrl-A c) on the terminal.
    Terminal,
}

/// The QEMU arguments (without the program name) that boot `iso` on `machine`.
pub fn args(machine: &Machine, iso: &Path, display: Display, kvm: bool) -> Result<Vec<OsString>, String> {
    let mut a: Vec<OsString> = Vec::new();
    let mut push = |items: &[&str]| a.extend(items.iter().map(OsString::from));
    push(&["-machine", machine.model]);
    push(&["-smp", &machine.smp.to_string(), "-m", machine.mem]);
    if kvm {
        push(&["-enable-kvm", "-cpu", "host"]);
    } else {
        push(&["-cpu", "max"]);
    }
    push(&["-no-reboot"]);
    match display {
        Display::Headless => push(&["-display", "none", "-monitor", "none", "-serial", "stdio"]),
        Display::Gtk => push(&["-display", "gtk", "-serial", "stdio"]),
        Display::Terminal => push(&["-nographic"]),
    }
    if machine.vga_none {
        push(&["-vga", "none"]);
    }
    push(machine.devices);
    if !has_network(machine.devices) {
        // Without this QEMU adds a NIC on unrestricted user networking.
        push(&["-nic", "none"]);
    }
    push(&["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
    if machine.firmware == Firmware::Uefi {
        match hosttools::find_ovmf()? {
            Ovmf::Combined(bios) => {
                a.push("-bios".into());
                a.push(bios.into());
            }
            Ovmf::Split { code, vars } => {
                a.push("-drive".into());
                a.push(drive("if=pflash,format=raw,readonly=on", &code));
                a.push("-drive".into());
                a.push(drive("if=pflash,format=raw,snapshot=on", &vars));
            }
        }
    }
    a.push("-cdrom".into());
    a.push(iso.into());
    a.extend(["-boot", "d"].map(OsString::from));
    Ok(a)
}

/// Whether `devices` wire up a network of their own (`-netdev`, `-nic`
/// or `-net`); a machine without one gets no NIC at all.
fn has_network(devices: &[&str]) -> bool {
    devices.iter().any(|d| matches!(*d, "-netdev" | "-nic" | "-net"))
}

/// A `-drive` value with `file=` last; QEMU option values escape `,` by doubling it.
fn drive(options: &str, file: &Path) -> OsString {
    let mut v = format!("{options},file=").into_bytes();
    for &b in file.as_os_str().as_bytes() {
        v.push(b);
        if b == b',' {
            v.push(b',');
        }
    }
    std::os::unix::ffi::OsStringExt::from_vec(v)
}

/// One serial line, with the time it arrived (from just before QEMU was spawned).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub at: Duration,
    pub text: String,
}

/// How an unattended boot ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// QEMU exited by itself: its exit code, or `None` if a signal killed it.
    Exited(Option<i32>),
    /// The stop condition matched a line and the harness killed QEMU.
    Stopped,
    /// The time limit ran out and the harness killed QEMU.
    TimedOut(Duration),
    /// The guest wrote more than this many bytes to the serial port and the harness
    /// killed QEMU.
    Flooded(u64),
    /// A session step's text never came; the harness killed QEMU.
    SessionStalled,
}

impl End {
    /// Says how the boot ended, for failure messages and logs.
    pub fn describe(self) -> String {
        match self {
            End::Exited(Some(0)) => "guest reset / triple fault (QEMU exit 0)".to_string(),
            End::Exited(Some(1)) => "QEMU exit 1 (exit port: success)".to_string(),
            End::Exited(Some(3)) => "QEMU exit 3 (exit port: failure)".to_string(),
            End::Exited(Some(code)) => format!("QEMU exited with status {code}"),
            End::Exited(None) => "QEMU was killed by a signal".to_string(),
            End::Stopped => "QEMU killed by the harness at the stop line".to_string(),
            End::TimedOut(limit) => format!("timeout after {}s", limit.as_secs()),
            End::SessionStalled => "a session step's text never came; QEMU killed".to_string(),
            End::Flooded(limit) => {
                format!("serial output exceeded {} MiB; QEMU killed", limit >> 20)
            }
        }
    }
}

/// One step of a session: wait for something, then type something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub name: &'static str,
    pub wait: Wait,
    pub then: Input,
}

/// What a step waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Serial output since the previous serial match contains this.
    Serial(&'static str),
    /// The screen (read back from a `screendump`) shows this.
    Screen(&'static str),
    /// The screen shows the desktop after these actions, as the host
    /// renders it (`desktopcheck`).
    Desktop(&'static [crate::desktopcheck::Action]),
}

/// What a step types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Bytes on the serial console.
    Serial(&'static str),
    /// Keys on the PS/2 keyboard (QEMU `sendkey`).
    Keys(&'static str),
    /// A QEMU monitor command (e.g. `info pci`); its reply is kept in
    /// [`Boot::monitor`].
    Monitor(&'static str),
    Nothing,
}

impl Step {
    /// What the step waits for, as failure messages say it.
    pub fn describe(&self) -> String {
        match self.wait {
            Wait::Serial(text) => format!("serial output {text:?}"),
            Wait::Screen(text) => format!("{text:?} on the screen"),
            Wait::Desktop(actions) => format!("the desktop after {actions:?} on the screen"),
        }
    }
}

/// Whether a session needs the QEMU monitor (keys or the screen).
fn needs_monitor(session: &[Step]) -> bool {
    session.iter().any(|s| {
        matches!(s.wait, Wait::Screen(_) | Wait::Desktop(_)) || matches!(s.then, Input::Keys(_) | Input::Monitor(_))
    })
}

/// The QEMU human monitor on a Unix socket.
struct Monitor {
    socket: std::os::unix::net::UnixStream,
    dump: std::path::PathBuf,
}

impl Monitor {
    /// Connects, waiting for QEMU to create the socket.
    fn connect(path: &Path) -> Option<Monitor> {
        let started = Instant::now();
        loop {
            if let Ok(socket) = std::os::unix::net::UnixStream::connect(path) {
                return Some(Monitor { socket, dump: path.with_extension("ppm") });
            }
            if started.elapsed() > Duration::from_secs(20) {
                return None;
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn command(&mut self, line: &str) -> bool {
        self.socket.write_all(format!("{line}\n").as_bytes()).is_ok()
    }

    /// Runs `line` and returns what the monitor answered (the lines between
    /// its echo of the command and the next prompt), or `None` if no prompt
    /// came within 10 s.
    fn ask(&mut self, line: &str) -> Option<String> {
        const PROMPT: &[u8] = b"(qemu) ";
        let mut chunk = [0u8; 4096];
        // Replies to earlier commands (and the greeting) are not this one's.
        self.socket.set_nonblocking(true).ok()?;
        while matches!(self.socket.read(&mut chunk), Ok(n) if n > 0) {}
        self.socket.set_nonblocking(false).ok()?;
        self.socket.set_read_timeout(Some(Duration::from_millis(200))).ok()?;
        if !self.command(line) {
            return None;
        }
        let started = Instant::now();
        let mut reply = Vec::new();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(n) = self.socket.read(&mut chunk) {
                reply.extend_from_slice(&chunk[..n]);
            }
            if reply.ends_with(PROMPT) && reply.contains(&b'\n') {
                let text = String::from_utf8_lossy(&reply[..reply.len() - PROMPT.len()]).into_owned();
                // The first line is the monitor echoing the command.
                return Some(text.split_once('\n').map_or(String::new(), |(_, rest)| rest.replace('\r', "")));
            }
        }
        None
    }

    /// Types `text` key by key.
    fn type_keys(&mut self, text: &str) -> bool {
        let Some(names) = crate::screen::key_names(text) else { return false };
        names.iter().all(|name| {
            let sent = self.command(&format!("sendkey {name}"));
            thread::sleep(Duration::from_millis(30));
            sent
        })
    }

    /// The screen as text, from a fresh `screendump`.
    fn screen_text(&mut self) -> Option<String> {
        self.screen().map(|picture| picture.text())
    }

    /// A fresh `screendump`.
    fn screen(&mut self) -> Option<crate::screen::Picture> {
        let _ = std::fs::remove_file(&self.dump);
        if !self.command(&format!("screendump {}", self.dump.display())) {
            return None;
        }
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            thread::sleep(Duration::from_millis(100));
            if let Ok(picture) =
                std::fs::read(&self.dump).map_err(|e| e.to_string()).and_then(|b| crate::screen::parse_ppm(&b))
            {
                return Some(picture);
            }
        }
        None
    }
}

/// How long one step may wait for its text.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// Everything an unattended boot produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boot {
    pub lines: Vec<Line>,
    /// For each session step, when its text appeared (from QEMU's start),
    /// or `None` if it never did.
    pub steps: Vec<(&'static str, Option<Duration>)>,
    pub end: End,
    pub stderr: String,
    /// The replies to the session's monitor commands, in order.
    pub monitor: Vec<String>,
}

/// Serial lines longer than this are split.
const MAX_LINE: u64 = 16 * 1024;
/// More serial output than this from one boot means a runaway guest.
const MAX_OUTPUT: u64 = 64 << 20;

/// Plays `session`: serial input goes to QEMU's stdin, keys and screen
/// checks through the monitor at `monitor`; each step waits until its
/// text showed up. Returns which steps matched; a step that times out ends
/// the session (the rest count as missed).
fn play_session(
    session: &[Step],
    mut input: ChildStdin,
    monitor: Option<&Path>,
    transcript: &Mutex<Vec<u8>>,
    over: &AtomicBool,
    start: Instant,
) -> (Vec<Option<Duration>>, Vec<String>) {
    let mut monitor = monitor.and_then(Monitor::connect);
    let mut cursor = 0;
    let mut matched = Vec::new();
    let mut replies = Vec::new();
    for step in session {
        let waited = Instant::now();
        let found = loop {
            let seen = match step.wait {
                Wait::Serial(text) => transcript.lock().map(|t| find(&t[cursor..], text.as_bytes())).unwrap_or(None),
                Wait::Screen(text) => {
                    monitor.as_mut().and_then(Monitor::screen_text).filter(|screen| screen.contains(text)).map(|_| 0)
                }
                Wait::Desktop(actions) => monitor
                    .as_mut()
                    .and_then(Monitor::screen)
                    .filter(|picture| crate::desktopcheck::shows(picture, actions))
                    .map(|_| 0),
            };
            if let Some(end) = seen {
                cursor += end;
                break true;
            }
            if waited.elapsed() > STEP_TIMEOUT || over.load(Ordering::Relaxed) {
                break false;
            }
            thread::sleep(Duration::from_millis(if matches!(step.wait, Wait::Serial(_)) { 20 } else { 400 }));
        };
        let typed = found
            && match step.then {
                Input::Serial(text) => input.write_all(text.as_bytes()).and_then(|()| input.flush()).is_ok(),
                Input::Keys(text) => monitor.as_mut().is_some_and(|m| m.type_keys(text)),
                Input::Monitor(command) => match monitor.as_mut().and_then(|m| m.ask(command)) {
                    Some(reply) => {
                        replies.push(reply);
                        true
                    }
                    None => false,
                },
                Input::Nothing => true,
            };
        matched.push(found.then(|| start.elapsed()));
        if !found || !typed {
            break;
        }
    }
    matched.resize(session.len(), None);
    (matched, replies)
}

/// The arguments with a monitor socket at `path` instead of `-monitor none`.
fn with_monitor(args: &[OsString], path: &Path) -> Vec<OsString> {
    let mut result = Vec::with_capacity(args.len() + 2);
    let mut skip = false;
    for (i, arg) in args.iter().enumerate() {
        if skip {
            skip = false;
            continue;
        }
        if arg == "-monitor" && args.get(i + 1).is_some_and(|v| v == "none") {
            skip = true;
            continue;
        }
        result.push(arg.clone());
    }
    result.push("-monitor".into());
    let mut value = OsString::from("unix:");
    value.push(path);
    value.push(",server=on,wait=off");
    result.push(value);
    result
}

/// The end of the first occurrence of `needle` in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle).map(|at| at + needle.len())
}

/// Boots QEMU with `args` (which must send the serial console to stdout), collecting serial
/// lines until QEMU exits, `stop` returns true for a line, or `timeout` passes; in the last
/// two cases QEMU is killed. `session` is typed into the serial console meanwhile; a step
/// that times out ends the boot.
pub fn boot(
    args: &[OsString],
    timeout: Duration,
    mut stop: impl FnMut(&str) -> bool,
    session: &'static [Step],
) -> Result<Boot, String> {
    let start = Instant::now();
    let deadline = start + timeout;
    let monitor = needs_monitor(session).then(|| {
        std::env::temp_dir().join(format!("cairn-monitor-{}-{}.sock", std::process::id(), start.elapsed().as_nanos()))
    });
    let args = match &monitor {
        Some(path) => with_monitor(args, path),
        None => args.to_vec(),
    };
    let mut child = Command::new(QEMU)
        .args(&args)
        .stdin(if session.is_empty() { Stdio::null() } else { Stdio::piped() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting {QEMU}: {e}"))?;
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let transcript = Arc::new(Mutex::new(Vec::new()));
    let over = Arc::new(AtomicBool::new(false));

    let (tx, rx) = mpsc::channel();
    let typed = transcript.clone();
    thread::spawn(move || {
        let mut chunk = [0u8; 4096];
        let mut line = Vec::new();
        let send = |raw: &[u8]| tx.send(Line { at: start.elapsed(), text: protocol::clean_line(raw) }).is_ok();
        loop {
            let len = match stdout.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(len) => len,
            };
            if let Ok(mut seen) = typed.lock() {
                seen.extend_from_slice(&chunk[..len]);
            }
            for &byte in &chunk[..len] {
                line.push(byte);
                // A kernel spinning without a newline must not grow one line without bound.
                if (byte == b'\n' || line.len() as u64 >= MAX_LINE) && !send(&line) {
                    return;
                }
                if byte == b'\n' || line.len() as u64 >= MAX_LINE {
                    line.clear();
                }
            }
        }
        if !line.is_empty() {
            send(&line);
        }
        // Dropping `tx` tells the receiver that the serial console is closed.
    });
    // Set when the session has played every step (or given up).
    let played = Arc::new(AtomicBool::new(session.is_empty()));
    let driver = child.stdin.take().map(|input| {
        let (transcript, over, monitor, played) = (transcript.clone(), over.clone(), monitor.clone(), played.clone());
        thread::spawn(move || {
            let (matched, replies) = play_session(session, input, monitor.as_deref(), &transcript, &over, start);
            if matched.contains(&None) {
                over.store(true, Ordering::Relaxed);
            }
            played.store(true, Ordering::Relaxed);
            (matched, replies)
        })
    });
    let stderr_thread = thread::spawn(move || {
        let mut bytes = Vec::new();
        // A read error just truncates what QEMU said on stderr.
        let _ = stderr.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    });

    let mut lines = Vec::new();
    let mut output_bytes = 0u64;
    let mut killed: Option<End> = None;
    // The stop line came while the session still had steps to play (a
    // step may read the screen the halted machine still shows).
    let mut stop_seen = false;
    loop {
        if killed.is_none() && stop_seen && played.load(Ordering::Relaxed) {
            kill(&mut child)?;
            killed = Some(End::Stopped);
        }
        if killed.is_none() && over.load(Ordering::Relaxed) {
            kill(&mut child)?;
            killed = Some(End::SessionStalled);
        }
        if killed.is_none() && Instant::now() >= deadline {
            // Checked before every receive, not only on a receive timeout, so that a guest
            // flooding the serial port cannot outrun the time limit.
            kill(&mut child)?;
            killed = Some(End::TimedOut(timeout));
        }
        // Once QEMU is killed its stdout closes promptly; the grace period only guards
        // against a pipe held open by something unexpected.
        let wait = match killed {
            None if driver.is_some() => {
                deadline.saturating_duration_since(Instant::now()).min(Duration::from_millis(200))
            }
            None => deadline.saturating_duration_since(Instant::now()),
            Some(_) => Duration::from_secs(5),
        };
        match rx.recv_timeout(wait) {
            Ok(line) => {
                let matched = killed.is_none() && stop(&line.text);
                output_bytes += line.text.len() as u64 + 1;
                lines.push(line);
                if matched && played.load(Ordering::Relaxed) {
                    kill(&mut child)?;
                    killed = Some(End::Stopped);
                } else if matched {
                    stop_seen = true;
                } else if killed.is_none() && output_bytes > MAX_OUTPUT {
                    kill(&mut child)?;
                    killed = Some(End::Flooded(MAX_OUTPUT));
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) if killed.is_some() => break,
            // The deadline has passed; the top of the loop kills QEMU.
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }

    let end = match killed {
        Some(end) => {
            child.wait().map_err(|e| format!("waiting for QEMU: {e}"))?;
            end
        }
        None => wait_until(&mut child, deadline, timeout)?,
    };
    let stderr = stderr_thread.join().unwrap_or_default();
    over.store(true, Ordering::Relaxed);
    let (matched, monitor_replies) = driver.map(|d| d.join().unwrap_or_default()).unwrap_or_default();
    if let Some(path) = monitor {
        let _ = std::fs::remove_file(&path);
        let _ = std::fs::remove_file(path.with_extension("ppm"));
    }
    let steps = session.iter().zip(matched.into_iter().chain(std::iter::repeat(None))).map(|(s, m)| (s.name, m));
    Ok(Boot { lines, steps: steps.collect(), end, stderr, monitor: monitor_replies })
}

/// Waits for a child whose stdout has closed, killing it at `deadline`.
fn wait_until(child: &mut Child, deadline: Instant, timeout: Duration) -> Result<End, String> {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(End::Exited(status.code())),
            Ok(None) if Instant::now() >= deadline => {
                kill(child)?;
                child.wait().map_err(|e| format!("waiting for QEMU: {e}"))?;
                return Ok(End::TimedOut(timeout));
            }
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for QEMU: {e}")),
        }
    }
}

fn kill(child: &mut Child) -> Result<(), String> {
    child.kill().map_err(|e| format!("killing QEMU: {e}"))
}

/// Replaces this process with QEMU on the terminal; returns only if that fails.
pub fn exec(args: &[OsString]) -> String {
    let err = Command::new(QEMU).args(args).exec();
    format!("starting {QEMU}: {err}")
}

/// The shell-style rendering of a QEMU command, for logs.
pub fn command_line(args: &[OsString]) -> String {
    let mut s = QEMU.to_string();
    for a in args {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(a: &[OsString]) -> Vec<String> {
        a.iter().map(|s| s.to_string_lossy().into_owned()).collect()
    }

    #[test]
    fn headless_bios_args() {
        let m = Machine {
            model: "pc,acpi=off",
            firmware: Firmware::Bios,
            smp: 4,
            mem: "512M",
            vga_none: true,
            devices: &[],
        };
        let a = args(&m, Path::new("build/x.iso"), Display::Headless, false).unwrap();
        assert_eq!(
            strings(&a).join(" "),
            "-machine pc,acpi=off -smp 4 -m 512M -cpu max -no-reboot -display none \
             -monitor none -serial stdio -vga none -nic none -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
             -cdrom build/x.iso -boot d"
        );
    }

    #[test]
    fn nic_only_when_wired() {
        let wired = ["-netdev", "user,id=n0,restrict=on", "-device", "virtio-net-pci,netdev=n0"];
        let m =
            Machine { model: "q35", firmware: Firmware::Bios, smp: 1, mem: "256M", vga_none: true, devices: &wired };
        let a = strings(&args(&m, Path::new("c.iso"), Display::Headless, false).unwrap());
        assert!(!a.windows(2).any(|w| w == ["-nic", "none"]));
        let m = Machine { devices: &[], ..m };
        let a = strings(&args(&m, Path::new("c.iso"), Display::Headless, false).unwrap());
        assert!(a.windows(2).any(|w| w == ["-nic", "none"]));
    }

    #[test]
    fn kvm_and_terminal_args() {
        let m = Machine { model: "q35", firmware: Firmware::Bios, smp: 2, mem: "512M", vga_none: false, devices: &[] };
        let a = strings(&args(&m, Path::new("c.iso"), Display::Terminal, true).unwrap());
        assert!(a.windows(3).any(|w| w == ["-enable-kvm", "-cpu", "host"]));
        assert!(!a.contains(&"max".to_string()));
        assert!(a.contains(&"-nographic".to_string()));
        assert!(!a.contains(&"-serial".to_string()));
        let a = strings(&args(&m, Path::new("c.iso"), Display::Gtk, false).unwrap());
        assert!(a.windows(4).any(|w| w == ["-display", "gtk", "-serial", "stdio"]));
    }

    #[test]
    fn machine_description() {
        let m = Machine { model: "pc", firmware: Firmware::Bios, smp: 1, mem: "256M", vga_none: true, devices: &[] };
        assert_eq!(m.describe(), "pc, BIOS, 1 CPU, 256M, no VGA");
        let m = Machine { model: "q35", firmware: Firmware::Uefi, smp: 8, mem: "8G", vga_none: false, devices: &[] };
        assert_eq!(m.describe(), "q35, UEFI, 8 CPUs, 8G");
    }

    #[test]
    fn drive_escapes_commas() {
        assert_eq!(drive("if=pflash", Path::new("/a,b/c.fd")), OsString::from("if=pflash,file=/a,,b/c.fd"));
    }

    #[test]
    fn end_descriptions() {
        assert_eq!(End::Exited(Some(0)).describe(), "guest reset / triple fault (QEMU exit 0)");
        assert_eq!(End::TimedOut(Duration::from_secs(60)).describe(), "timeout after 60s");
        assert_eq!(End::Flooded(64 << 20).describe(), "serial output exceeded 64 MiB; QEMU killed");
    }
}
