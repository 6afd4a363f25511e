//! The QEMU test suites (one boot each: machine, kernel command line, time limit, checks) and
//! the evaluation of a finished boot into named test results. Pure: the table plus functions
//! from serial output to verdicts; booting happens elsewhere.
//!
//! Each kernel `TEST` line becomes a test `<suite>/<name>`; each harness check becomes a
//! test `<suite>/<check>`. Suites whose command line has the word `test=kernel` also get the
//! check `selftests-complete`.

use std::ops::RangeInclusive;
use std::time::Duration;

use crate::desktopcheck::Action;
use crate::httppeer::{self, HttpResult};
use crate::netpeer::{self, HostPeer};
use crate::pcicheck;
use crate::protocol::{self, Level, TestVerdict};
use crate::qemu::{Boot, End, Firmware, Input, Machine, Step, Wait};
use crate::tableimage::{self, TableImage};
use crate::{diskcheck, ext2check};

/// A harness-side check of one boot's serial output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// `summary-line`: exactly one boot summary line, with this CPU count and a usable
    /// memory figure (MiB) in this inclusive range.
    Summary { cpus: u32, mem_mib: RangeInclusive<u64> },
    /// Some kernel log line's message contains `needle`.
    LogContains { name: &'static str, needle: &'static str },
    /// Some line of serial output (a user program's included) contains `needle`.
    OutputContains { name: &'static str, needle: &'static str },
    /// Some log line at level WARN contains one of `needles`.
    WarnMentions { name: &'static str, needles: &'static [&'static str] },
    /// Some log line contains `needle`, and no log line is at level ERROR.
    LogContainsNoErrors { name: &'static str, needle: &'static str },
    /// A line starts with `EXCEPTION: <kind>`.
    ExceptionNamed { name: &'static str, kind: &'static str },
    /// The fatal report (from its `EXCEPTION:`/`PANIC:` line through `cairn: halted`)
    /// contains every needle.
    ReportContains { name: &'static str, needles: &'static [&'static str] },
    /// `exited-by-itself`: QEMU ended on its own with status 0 (the guest
    /// turned the machine off, or reset it under `-no-reboot`), not through
    /// the test exit port.
    ExitedByItself,
    /// The guest's `lspci -nv` output lists the same functions, IDs, BARs,
    /// ROMs, interrupt lines and bridge bus numbers as the first monitor
    /// reply (`info pci`); with `behind_bridge`, some function sits behind
    /// a bridge.
    PciMatchesQemu { name: &'static str, behind_bridge: bool },
    /// The disk image at `path` (relative to the working directory) is
    /// written with the host pattern before the boot and must hold the
    /// guest pattern after it (`diskcheck`).
    DiskImage { name: &'static str, path: &'static str },
    /// The disk image `image` gets a partition table written by util-linux
    /// before the boot and must be unchanged after it (`tableimage`).
    TableImage { name: &'static str, image: TableImage },
    /// The ext3 image at `path` is made by `mke2fs -d` (and a damaged one
    /// beside it) before the boot; after it, `e2fsck -fn` must pass and
    /// `debugfs` must find the guest's files (`ext2check`).
    Ext2Image { name: &'static str, path: &'static str },
    /// The ext3 image at `path` is made empty by `mke2fs` before the boot;
    /// the guest writes and `fsync`s files on it until its controller is
    /// removed and reports how many; after the boot, on a copy, the
    /// journal replays, `e2fsck -fn` passes and those files are whole
    /// (`ext2check::verify_vanished`).
    Ext2Vanished { name: &'static str, path: &'static str },
    /// A host-side network peer's result (`netpeer`): a suite with such checks gets a
    /// virtio-net NIC on QEMU user networking (restrict=on) with the peers' forwards.
    HostPeer { name: &'static str, peer: HostPeer },
    /// A result of the net-http suite's host peers (`httppeer`): a suite with such checks
    /// gets a virtio-net NIC on QEMU user networking (restrict=on) with their forwards.
    HttpPeer { name: &'static str, result: HttpResult },
    /// `halted-cleanly`: the kernel printed `cairn: halted` and QEMU was still running
    /// (did not exit or reset by itself) when the harness killed it.
    HaltedCleanly,
}

pub const SELFTESTS_COMPLETE: &str = "selftests-complete";

impl Check {
    pub fn name(&self) -> &'static str {
        match self {
            Check::Summary { .. } => "summary-line",
            Check::HaltedCleanly => "halted-cleanly",
            Check::ExitedByItself => "exited-by-itself",
            Check::LogContains { name, .. }
            | Check::OutputContains { name, .. }
            | Check::WarnMentions { name, .. }
            | Check::LogContainsNoErrors { name, .. }
            | Check::ExceptionNamed { name, .. }
            | Check::ReportContains { name, .. }
            | Check::PciMatchesQemu { name, .. }
            | Check::DiskImage { name, .. }
            | Check::TableImage { name, .. } => name,
            Check::Ext2Image { name, .. } | Check::Ext2Vanished { name, .. } => name,
            Check::HostPeer { name, .. } | Check::HttpPeer { name, .. } => name,
        }
    }
}

/// One boot of the kernel under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suite {
    pub name: &'static str,
    pub machine: Machine<'static>,
    pub cmdline: &'static [u8],
    pub timeout: Duration,
    pub checks: &'static [Check],
    /// Typed on the serial console; each step is a test `<suite>/session/<step>`.
    pub session: &'static [Step],
}

impl Suite {
    /// Whether the command line asks for the kernel's self tests
    /// (`test=kernel`) or the user-space test suite (`test=user`); both end
    /// with `SELFTEST DONE` and the exit port.
    pub fn runs_selftests(&self) -> bool {
        self.cmdline.split(|b| b.is_ascii_whitespace()).any(|w| w == b"test=kernel" || w == b"test=user")
    }

    /// The names of the harness checks, in the order they are reported.
    pub fn check_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.checks.iter().map(|c| c.name().to_string()).collect();
        names.extend(self.session.iter().map(|step| format!("session/{}", step.name)));
        if self.runs_selftests() {
            names.push(SELFTESTS_COMPLETE.to_string());
        }
        names
    }
}

const fn bios(model: &'static str, smp: u32, mem: &'static str) -> Machine<'static> {
    Machine { model, firmware: Firmware::Bios, smp, mem, vga_none: false, devices: &[] }
}

const fn uefi(smp: u32, mem: &'static str) -> Machine<'static> {
    Machine { model: "q35", firmware: Firmware::Uefi, smp, mem, vga_none: false, devices: &[] }
}

const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

const SELFTEST: &[u8] = b"test=kernel";
/// The user-space test program runs as init; its exit ends the machine.
const USER_TESTS: &[u8] = b"test=user init=/bin/utest";

/// The desktop, driven as a person would (suite `desktop`): start the demo
/// client from the serial shell, find its window where the host's
/// rendering of the same desktop has it, drag it by its title bar with the
/// PS/2 mouse, press its button, type into it on the PS/2 keyboard, turn
/// the wheel over it,
/// change the mode, send an impossible mode
/// and a malformed window request (both refused, the screen unchanged),
/// close it with its close box, start another and kill it; the screen is
/// compared with the host's rendering after each (`desktopcheck`).
const DESKTOP_SESSION: &[Step] = &[
    Step { name: "prompt", wait: Wait::Serial(PROMPT), then: Input::Serial("guidemo &\r") },
    Step { name: "client-window-up", wait: Wait::Serial("guidemo: window up"), then: Input::Nothing },
    Step {
        name: "window-in-place",
        wait: Wait::Desktop(DESKTOP_DROPPED.as_slice().split_at(1).0),
        then: Input::Monitor("mouse_move -372 -344"),
    },
    Step {
        name: "pointer-on-title-bar",
        wait: Wait::Desktop(DESKTOP_DROPPED.as_slice().split_at(2).0),
        then: Input::Monitor("mouse_button 1"),
    },
    Step { name: "title-bar-grabbed", wait: Wait::Serial(""), then: Input::Monitor("mouse_move 200 150") },
    Step {
        name: "window-dragged",
        wait: Wait::Desktop(DESKTOP_DROPPED.as_slice().split_at(4).0),
        then: Input::Monitor("mouse_button 0"),
    },
    Step { name: "window-dropped", wait: Wait::Desktop(&DESKTOP_DROPPED), then: Input::Monitor("mouse_move -59 64") },
    Step {
        name: "pointer-on-button",
        wait: Wait::Desktop(DESKTOP_CLICKED.as_slice().split_at(6).0),
        then: Input::Monitor("mouse_button 1"),
    },
    Step {
        name: "button-held",
        wait: Wait::Serial("guidemo: pressed 0 times"),
        then: Input::Monitor("mouse_button 0"),
    },
    Step { name: "button-press-reached-client", wait: Wait::Serial("guidemo: pressed 1 times"), then: Input::Nothing },
    Step { name: "client-redrew", wait: Wait::Desktop(&DESKTOP_CLICKED), then: Input::Keys("cairn") },
    Step { name: "keys-reached-focused-client", wait: Wait::Serial("typed \"cairn\""), then: Input::Nothing },
    Step {
        name: "typed-text-shown",
        wait: Wait::Desktop(DESKTOP_CLOSED.as_slice().split_at(9).0),
        then: Input::Monitor("mouse_move 0 0 1"),
    },
    Step { name: "wheel-reached-client", wait: Wait::Serial("wheel -1"), then: Input::Nothing },
    Step {
        name: "wheel-shown",
        wait: Wait::Desktop(DESKTOP_CLOSED.as_slice().split_at(10).0),
        then: Input::Serial("echo 1280x1024 > /scheme/display/mode\r"),
    },
    Step {
        name: "mode-changed",
        wait: Wait::Desktop(DESKTOP_CLOSED.as_slice().split_at(11).0),
        then: Input::Serial("cat /scheme/display.bochs0/mode /scheme/display/mode\r"),
    },
    Step {
        name: "driver-and-server-report-mode",
        wait: Wait::Serial("1280x1024\r\n1280x1024\r\n"),
        then: Input::Serial("echo 99999x99999 > /scheme/display/mode; echo \"status=$?\"\r"),
    },
    Step {
        name: "impossible-mode-refused",
        wait: Wait::Serial("status=1"),
        then: Input::Serial("echo not-a-request > /scheme/display/window; echo \"status=$?\"\r"),
    },
    Step { name: "malformed-request-refused", wait: Wait::Serial("status=1"), then: Input::Serial("wincheck\r") },
    Step {
        name: "bad-requests-refused-server-alive",
        wait: Wait::Serial("wincheck: all 11 checks passed"),
        then: Input::Monitor("mouse_move 268 -62"),
    },
    Step {
        name: "pointer-on-close-box",
        wait: Wait::Desktop(DESKTOP_CLOSED.as_slice().split_at(13).0),
        then: Input::Monitor("mouse_button 1"),
    },
    Step {
        name: "close-box-reached-client",
        wait: Wait::Serial("guidemo: closed"),
        then: Input::Monitor("mouse_button 0"),
    },
    Step { name: "closed-window-gone", wait: Wait::Desktop(&DESKTOP_CLOSED), then: Input::Serial("guidemo &\r") },
    Step {
        name: "second-client-cascaded",
        wait: Wait::Desktop(DESKTOP_KILLED.as_slice().split_at(16).0),
        then: Input::Serial("kill -9 $!\r"),
    },
    Step {
        name: "killed-client-window-gone",
        wait: Wait::Desktop(&DESKTOP_KILLED),
        then: Input::Serial("winterm &\r"),
    },
    Step {
        name: "terminal-window-up",
        wait: Wait::Serial("winterm: window up"),
        then: Input::Keys("echo cairn-term >/wt; cat /wt >/dev/ttyS0\n"),
    },
    Step {
        name: "terminal-shell-ran-typed-command",
        wait: Wait::Serial("cairn-term\r\n"),
        then: Input::Serial("cat /wt\r"),
    },
    Step { name: "terminal-command-wrote-file", wait: Wait::Serial("cairn-term\r\n"), then: Input::Nothing },
    Step {
        name: "terminal-window-shows-command",
        wait: Wait::Desktop(&DESKTOP_TERMINAL),
        then: Input::Serial("poweroff\r"),
    },
];
/// The desktop on QEMU's standard VGA (suite `desktop-vga`): the driver's
/// other adapter (limits from `GETCAPS`), a mode of 1920x1080, the driver
/// killed (devd starts it again and the desktop goes on), and the window
/// closed with Alt-F4 on the PS/2 keyboard.
const DESKTOP_VGA_SESSION: &[Step] = &[
    Step { name: "prompt", wait: Wait::Serial(PROMPT), then: Input::Serial("guidemo &\r") },
    Step { name: "client-window-up", wait: Wait::Serial("guidemo: window up"), then: Input::Nothing },
    Step {
        name: "window-in-place",
        wait: Wait::Desktop(&[Action::Start]),
        then: Input::Serial("cat /scheme/display.bochs0/modes\r"),
    },
    Step {
        name: "driver-lists-modes",
        wait: Wait::Serial("1024x768\r\n1280x720\r\n"),
        then: Input::Serial("echo 1920x1080 > /scheme/display/mode\r"),
    },
    Step {
        name: "mode-changed",
        wait: Wait::Desktop(&[Action::Start, Action::Mode(1920, 1080)]),
        then: Input::Serial("old=$(ps | grep bochs-display | cut -c1-5); kill -9 $old && echo \"driver\"\" killed\"\r"),
    },
    Step {
        name: "driver-killed",
        wait: Wait::Serial("driver killed"),
        then: Input::Serial(
            "for i in 1 2 3 4 5 6 7 8 9 10; do echo 1280x1024 > /scheme/display/mode 2>/dev/null && break; sleep 1; done; echo \"status=$?\"\r",
        ),
    },
    Step {
        name: "restarted-driver-sets-mode",
        wait: Wait::Serial("status=0"),
        then: Input::Serial(
            "new=$(ps | grep bochs-display | cut -c1-5); test -n \"$new\" -a \"$new\" != \"$old\" && echo \"new driver\"\r",
        ),
    },
    Step { name: "devd-restarted-driver", wait: Wait::Serial("new driver\r\n"), then: Input::Nothing },
    Step {
        name: "desktop-survived-driver-restart",
        wait: Wait::Desktop(&[Action::Start, Action::Mode(1920, 1080), Action::Mode(1280, 1024)]),
        then: Input::Monitor("sendkey alt-f4"),
    },
    Step { name: "alt-f4-reached-client", wait: Wait::Serial("guidemo: closed"), then: Input::Nothing },
    Step { name: "window-gone", wait: Wait::Desktop(DESKTOP_VGA_END), then: Input::Monitor("sendkey ctrl-alt-f1") },
    // Virtual consoles through the input server: Ctrl-Alt-F1 gives the
    // screen console the keyboard and the screen (in the boot
    // framebuffer's mode), typed keys reach its shell and not the
    // desktop, the German layout turns the z key into y, Ctrl-Alt-F7
    // brings the desktop back, redrawn whole.
    Step {
        name: "ctrl-alt-f1-left-desktop",
        wait: Wait::Serial("displayd: another console active"),
        then: Input::Nothing,
    },
    Step { name: "text-console-shown", wait: Wait::Screen("root@cairn:/#"), then: Input::Keys("touch vt1\n") },
    Step {
        name: "keys-reached-text-console",
        wait: Wait::Serial(""),
        then: Input::Serial(
            "for i in 1 2 3 4 5 6 7 8 9 10; do test -e /vt1 && break; sleep 1; done; echo \"vt1=$?\"; echo de > /scheme/input/layout; echo \"layout=$(cat /scheme/input/layout)\"\r",
        ),
    },
    Step { name: "text-console-ran-command", wait: Wait::Serial("vt1=0"), then: Input::Nothing },
    Step { name: "layout-set-german", wait: Wait::Serial("layout=de"), then: Input::Keys("touch z\n") },
    Step {
        name: "german-layout-typed",
        wait: Wait::Serial(""),
        then: Input::Serial(
            "for i in 1 2 3 4 5 6 7 8 9 10; do test -e /y && break; sleep 1; done; echo \"y=$?\"; cat /scheme/input/active\r",
        ),
    },
    Step {
        name: "z-key-typed-y",
        wait: Wait::Serial("y=0\r\n1\r\n"),
        then: Input::Serial(
            "echo xx > /scheme/input/layout; a=$?; echo 5 > /scheme/input/active; b=$?; cat /scheme/input/vt/1; c=$?; cat /scheme/input/vt/13; d=$?; echo \"bad=$a$b$c$d\"\r",
        ),
    },
    // An unknown layout, a console no one holds, a held console and one
    // out of range: each refused, the server going on.
    Step {
        name: "bad-input-requests-refused",
        wait: Wait::Serial("bad=1111"),
        then: Input::Monitor("sendkey ctrl-alt-f7"),
    },
    Step { name: "ctrl-alt-f7-desktop-back", wait: Wait::Serial("displayd: desktop active"), then: Input::Nothing },
    Step { name: "desktop-redrawn", wait: Wait::Desktop(DESKTOP_VGA_END), then: Input::Serial("poweroff\r") },
];
/// The VGA session's desktop after its window closed.
const DESKTOP_VGA_END: &[Action] = &[Action::Start, Action::Mode(1920, 1080), Action::Mode(1280, 1024), Action::AltF4];

/// Start the demo, move onto its title bar, drag it by (200, 150).
pub const DESKTOP_DROPPED: [Action; 5] =
    [Action::Start, Action::Move(-372, -344), Action::Press, Action::Move(200, 150), Action::Release];
/// Then move onto its button and click it.
pub const DESKTOP_CLICKED: [Action; 8] = [
    DESKTOP_DROPPED[0],
    DESKTOP_DROPPED[1],
    DESKTOP_DROPPED[2],
    DESKTOP_DROPPED[3],
    DESKTOP_DROPPED[4],
    Action::Move(-59, 64),
    Action::Press,
    Action::Release,
];
/// Then type, change the mode, let `wincheck` open and close its 9
/// windows, move onto the close box and click it.
pub const DESKTOP_CLOSED: [Action; 15] = [
    DESKTOP_CLICKED[0],
    DESKTOP_CLICKED[1],
    DESKTOP_CLICKED[2],
    DESKTOP_CLICKED[3],
    DESKTOP_CLICKED[4],
    DESKTOP_CLICKED[5],
    DESKTOP_CLICKED[6],
    DESKTOP_CLICKED[7],
    Action::Type("cairn"),
    Action::Wheel(-1),
    Action::Mode(1280, 1024),
    Action::Transient(9),
    Action::Move(268, -62),
    Action::Press,
    Action::Release,
];
/// Then start a second demo and kill it.
const DESKTOP_KILLED: [Action; 17] = [
    DESKTOP_CLOSED[0],
    DESKTOP_CLOSED[1],
    DESKTOP_CLOSED[2],
    DESKTOP_CLOSED[3],
    DESKTOP_CLOSED[4],
    DESKTOP_CLOSED[5],
    DESKTOP_CLOSED[6],
    DESKTOP_CLOSED[7],
    DESKTOP_CLOSED[8],
    DESKTOP_CLOSED[9],
    DESKTOP_CLOSED[10],
    DESKTOP_CLOSED[11],
    DESKTOP_CLOSED[12],
    DESKTOP_CLOSED[13],
    DESKTOP_CLOSED[14],
    Action::Start,
    Action::Kill,
];
/// Then open the terminal window and type a command into it: its shell
/// shows the command and the next prompt (the command's output goes to
/// COM1).
const DESKTOP_TERMINAL: [Action; 18] = [
    DESKTOP_KILLED[0],
    DESKTOP_KILLED[1],
    DESKTOP_KILLED[2],
    DESKTOP_KILLED[3],
    DESKTOP_KILLED[4],
    DESKTOP_KILLED[5],
    DESKTOP_KILLED[6],
    DESKTOP_KILLED[7],
    DESKTOP_KILLED[8],
    DESKTOP_KILLED[9],
    DESKTOP_KILLED[10],
    DESKTOP_KILLED[11],
    DESKTOP_KILLED[12],
    DESKTOP_KILLED[13],
    DESKTOP_KILLED[14],
    DESKTOP_KILLED[15],
    DESKTOP_KILLED[16],
    Action::Terminal(b"root@cairn:/# echo cairn-term >/wt; cat /wt >/dev/ttyS0\r\nroot@cairn:/# "),
];

/// The serial shell, driven as a person would: each step waits for the
/// previous command's output (or the prompt) and types the next line.
pub const PROMPT: &str = "root@cairn:/# ";
const SHELL_SESSION: &[Step] = &[
    Step { name: "prompt", wait: Wait::Serial(PROMPT), then: Input::Serial("seq 1 1000 | grep 7 | wc -l\r") },
    Step {
        name: "pipeline",
        wait: Wait::Serial("271\r\n"),
        then: Input::Serial("echo one > /tmp/f; echo two >> /tmp/f; cat /tmp/f | tr a-z A-Z\r"),
    },
    Step {
        name: "redirect-and-append",
        wait: Wait::Serial("ONE\r\nTWO\r\n"),
        then: Input::Serial("(echo out; ls /nope) > /tmp/o 2>&1; wc -l < /tmp/o\r"),
    },
    Step {
        name: "both-streams-to-file",
        wait: Wait::Serial("2\r\n"),
        then: Input::Serial("ls /nope 2>&1 > /tmp/o2 | tr a-z A-Z\r"),
    },
    Step {
        name: "stderr-to-pipe-first",
        wait: Wait::Serial("LS: /NOPE: NO SUCH FILE OR DIRECTORY"),
        then: Input::Serial("echo \"x$(echo ab | tr a-z A-Z)y $((6*7))\"\r"),
    },
    Step {
        name: "substitution-and-arithmetic",
        wait: Wait::Serial("xABy 42"),
        then: Input::Serial("nosuch; echo \"status=$?\"\r"),
    },
    Step { name: "not-found", wait: Wait::Serial("sh: nosuch: not found"), then: Input::Nothing },
    Step {
        name: "not-found-status",
        wait: Wait::Serial("status=127"),
        then: Input::Serial("mkdir /tmp/g; touch /tmp/g/a1 /tmp/g/a2 /tmp/g/b1; echo /tmp/g/a*\r"),
    },
    Step { name: "globbing", wait: Wait::Serial("/tmp/g/a1 /tmp/g/a2\r\n"), then: Input::Serial("if then fi\r") },
    Step { name: "syntax-error-position", wait: Wait::Serial("line 1, column"), then: Input::Serial("ech\t") },
    Step { name: "tab-completion", wait: Wait::Serial("echo "), then: Input::Serial("tab | tr a-z A-Z\r") },
    Step {
        name: "completed-command-ran",
        wait: Wait::Serial("TAB\r\n"),
        then: Input::Serial("sh -c 'echo fg-job; exec sleep 100'\r"),
    },
    Step { name: "foreground-job", wait: Wait::Serial("fg-job\r\n"), then: Input::Serial("\x03") },
    Step { name: "ctrl-c-kills-the-job", wait: Wait::Serial(PROMPT), then: Input::Serial("echo \"after=$?\"\r") },
    Step {
        name: "shell-survives-ctrl-c",
        wait: Wait::Serial("after=130"),
        then: Input::Serial("sh -c 'echo bg-job; while :; do sleep 1; echo tick; done'\r"),
    },
    Step { name: "job-to-stop", wait: Wait::Serial("bg-job\r\n"), then: Input::Serial("\x1a") },
    Step { name: "ctrl-z-stops", wait: Wait::Serial("Stopped"), then: Input::Serial("bg\r") },
    Step { name: "bg-resumes", wait: Wait::Serial("done' &\r\n"), then: Input::Serial("jobs\r") },
    Step { name: "jobs-lists-it-running", wait: Wait::Serial("Running"), then: Input::Serial("fg\r") },
    Step { name: "fg-brings-it-back", wait: Wait::Serial("done'\r\n"), then: Input::Nothing },
    // The job owns the terminal a moment after `fg` names it: wait for two ticks.
    Step { name: "job-ticks-in-foreground", wait: Wait::Serial("tick"), then: Input::Nothing },
    Step { name: "job-ticks-again", wait: Wait::Serial("tick"), then: Input::Serial("\x03") },
    Step { name: "ctrl-c-after-fg", wait: Wait::Serial(PROMPT), then: Input::Serial("sleep 100 &\r") },
    Step {
        name: "background-start",
        wait: Wait::Serial("[1] "),
        then: Input::Serial("kill %1; wait %1; echo \"waited=$?\"\r"),
    },
    Step { name: "kill-background-job", wait: Wait::Serial("waited=143"), then: Input::Serial("cat > /tmp/typed &\r") },
    Step { name: "background-reader-started", wait: Wait::Serial("[1] "), then: Input::Serial("sleep 1; jobs\r") },
    Step { name: "background-read-stops", wait: Wait::Serial("Stopped"), then: Input::Serial("fg\r") },
    Step {
        name: "fg-resumes-the-reader",
        // `fg` names the job on a line of its own (`jobs` printed it after "Stopped").
        wait: Wait::Serial("\ncat > /tmp/typed\r\n"),
        then: Input::Serial("typed line\r\x04"),
    },
    Step { name: "eof-ends-it", wait: Wait::Serial(PROMPT), then: Input::Serial("tr a-z A-Z < /tmp/typed\r") },
    Step {
        name: "the-read-restarted",
        wait: Wait::Serial("TYPED LINE"),
        then: Input::Serial("echo tty-$((40 + 2)) > /dev/tty\r"),
    },
    Step {
        name: "dev-tty-is-the-terminal",
        wait: Wait::Serial("tty-42\r\n"),
        then: Input::Serial("echo serial-$((40 + 2)) > /dev/ttyS0; echo console-$((40 + 2)) > /dev/console\r"),
    },
    Step { name: "dev-ttyS0-linked-by-termd", wait: Wait::Serial("serial-42\r\n"), then: Input::Nothing },
    Step {
        name: "dev-console-linked-by-init",
        wait: Wait::Serial("console-42\r\n"),
        then: Input::Serial("ls /scheme/sys | tr -d '\\n'\r"),
    },
    Step {
        name: "ls-lists-scheme-sys",
        wait: Wait::Serial("cpusinterruptsiommulogmeminfomountspowerprocessesthreadsuptime"),
        then: Input::Serial("/usr/bin/ttycheck\r"),
    },
    // A C program (libc-shim/tests/ttycheck.c) asks the terminal through
    // musl and the shim: termios, window size, foreground group.
    Step {
        name: "c-program-terminal-calls",
        wait: Wait::Serial("ttycheck: ok"),
        then: Input::Serial("echo history-$(test -s /root/.sh_history && echo kept)\r"),
    },
    Step { name: "history-file", wait: Wait::Serial("history-kept"), then: Input::Serial("kill -9 $$\r") },
    Step { name: "init-sees-the-shell-die", wait: Wait::Serial("init: started shell-serial"), then: Input::Nothing },
    Step {
        name: "init-restarts-the-shell",
        wait: Wait::Serial(PROMPT),
        then: Input::Serial("echo $((1 + 1))-fresh\r"),
    },
    Step { name: "new-shell-works", wait: Wait::Serial("2-fresh"), then: Input::Monitor("sendkey ctrl-alt-f1") },
    Step {
        name: "ctrl-alt-f1-left-desktop",
        wait: Wait::Serial("displayd: another console active"),
        then: Input::Keys("echo $((6*7))-screen\n"),
    },
    Step { name: "screen-shell", wait: Wait::Screen("42-screen"), then: Input::Serial("poweroff\r") },
];

/// init started the root file system service (boots through `/bin/init`).
const ROOT_FILE_SYSTEM: Check =
    Check::OutputContains { name: "root-file-system", needle: "init: rootfs serves the root file system" };

/// `poweroff` ran and the machine went off through ACPI S5.
const POWERED_OFF: &[Check] = &[
    Check::OutputContains { name: "poweroff-ran", needle: "poweroff: the system is going down" },
    Check::LogContains { name: "acpi-s5", needle: "power: entering ACPI S5" },
    Check::ExitedByItself,
];

/// Lists the PCI functions in the guest, then asks QEMU's monitor for its
/// own list (`info pci`) and powers off; `Check::PciMatchesQemu` compares.
const PCI_SESSION: &[Step] = &[
    Step { name: "prompt", wait: Wait::Serial(PROMPT), then: Input::Serial("lspci -nv; echo pci-listed-$((40+2))\r") },
    Step { name: "lspci-ran", wait: Wait::Serial("pci-listed-42"), then: Input::Monitor("info pci") },
    Step { name: "info-pci-read", wait: Wait::Serial(PROMPT), then: Input::Serial("poweroff\r") },
];

/// `pc`: no MCFG, so configuration mechanism #1; a PCI-to-PCI bridge with
/// the `edu` device behind it, an NVMe controller (a 64-bit BAR, MSI-X) and
/// a virtio RNG (I/O, 32-bit and 64-bit prefetchable BARs).
const PCI_PC_DEVICES: &[&str] = &[
    "-device",
    "pci-bridge,id=bridge1,chassis_nr=1",
    "-device",
    "edu,bus=bridge1,addr=3",
    "-blockdev",
    "null-co,node-name=null0",
    "-device",
    "nvme,drive=null0,serial=cairn-pci",
    "-device",
    "virtio-rng-pci",
];

/// `q35`: ECAM from the MCFG; two PCI Express root ports, an NVMe
/// controller behind one and an e1000e behind the other; `edu` and a virtio
/// RNG on bus 0.
const PCI_Q35_DEVICES: &[&str] = &[
    "-device",
    "pcie-root-port,id=port1,chassis=1,slot=1",
    "-blockdev",
    "null-co,node-name=null0",
    "-device",
    "nvme,bus=port1,drive=null0,serial=cairn-pci",
    "-device",
    "pcie-root-port,id=port2,chassis=2,slot=2",
    "-device",
    "e1000e,bus=port2",
    "-device",
    "edu",
    "-device",
    "virtio-rng-pci",
];

/// The NVMe data test's disk image (`Check::DiskImage`), under the build
/// directory the harness runs beside.
const NVME_IMAGE: &str = "build/nvme-disk.img";

/// `q35`: an NVMe controller with two namespaces: 1 on [`NVME_IMAGE`]
/// (raw, 512-byte blocks, written through to the file) and 2 a 2 MiB null
/// device of 4 KiB blocks that reads zeros. MDTS 3 (32 KiB per command), so
/// a 64 KiB request takes two commands, each with a PRP list.
const NVME_DEVICES: &[&str] = &[
    "-drive",
    "file=build/nvme-disk.img,if=none,id=nvm,format=raw,cache=writethrough",
    "-blockdev",
    "null-co,node-name=nvm2,size=2097152,read-zeroes=on",
    "-device",
    "nvme,id=nvme0,serial=cairn-nvme,mdts=3",
    "-device",
    "nvme-ns,bus=nvme0,drive=nvm,nsid=1",
    "-device",
    "nvme-ns,bus=nvme0,drive=nvm2,nsid=2,logical_block_size=4096,physical_block_size=4096",
];

/// The ext2 server test's image (`Check::Ext2Image`): an ext3 file system
/// made on the host, and beside it a damaged one.
const EXT2_IMAGE: &str = "build/ext2-disk.img";

/// One NVMe controller: namespace 1 the ext3 image, namespace 2 the
/// damaged one, namespace 3 the small one left mounted at power-off,
/// namespace 4 one whose damage is found while mounted (raw files
/// written through).
const EXT2_DEVICES: &[&str] = &[
    "-drive",
    "file=build/ext2-disk.img,if=none,id=ext2,format=raw,cache=writethrough",
    "-drive",
    "file=build/ext2-disk.bad.img,if=none,id=bad,format=raw,cache=writethrough",
    "-drive",
    "file=build/ext2-disk.crash.img,if=none,id=crash,format=raw,cache=writethrough",
    "-drive",
    "file=build/ext2-disk.broken.img,if=none,id=broken,format=raw,cache=writethrough",
    "-device",
    "nvme,id=nvme0,serial=cairn-ext2",
    "-device",
    "nvme-ns,bus=nvme0,drive=ext2,nsid=1",
    "-device",
    "nvme-ns,bus=nvme0,drive=bad,nsid=2",
    "-device",
    "nvme-ns,bus=nvme0,drive=crash,nsid=3",
    "-device",
    "nvme-ns,bus=nvme0,drive=broken,nsid=4",
];

/// QEMU's teaching device, for the device-context tests of utest.
const EDU_DEVICE: &[&str] = &["-device", "edu"];

/// QEMU's VT-d IOMMU with interrupt remapping, which needs this machine
/// (the split irqchip); caching mode makes the kernel invalidate on every
/// change, as real hardware needs. It comes before the devices it serves.
const IOMMU_MACHINE: &str = "q35,kernel-irqchip=split";
const IOMMU_DEVICE: &str = "intel-iommu,intremap=on,caching-mode=on";

/// The IOMMU test: the IOMMU and the `edu` device.
const IOMMU_EDU_DEVICES: &[&str] = &["-device", IOMMU_DEVICE, "-device", "edu"];

/// The scale test: behind the IOMMU, 16 NVMe controllers (1 MiB
/// `null-co` drives), each offering 64 I/O queue pairs and 65 MSI-X vectors.
const NVME_SCALE_DEVICES: &[&str] = &[
    "-device",
    IOMMU_DEVICE,
    "-blockdev",
    "null-co,node-name=scale0,size=1048576",
    "-device",
    "nvme,drive=scale0,serial=scale0",
    "-blockdev",
    "null-co,node-name=scale1,size=1048576",
    "-device",
    "nvme,drive=scale1,serial=scale1",
    "-blockdev",
    "null-co,node-name=scale2,size=1048576",
    "-device",
    "nvme,drive=scale2,serial=scale2",
    "-blockdev",
    "null-co,node-name=scale3,size=1048576",
    "-device",
    "nvme,drive=scale3,serial=scale3",
    "-blockdev",
    "null-co,node-name=scale4,size=1048576",
    "-device",
    "nvme,drive=scale4,serial=scale4",
    "-blockdev",
    "null-co,node-name=scale5,size=1048576",
    "-device",
    "nvme,drive=scale5,serial=scale5",
    "-blockdev",
    "null-co,node-name=scale6,size=1048576",
    "-device",
    "nvme,drive=scale6,serial=scale6",
    "-blockdev",
    "null-co,node-name=scale7,size=1048576",
    "-device",
    "nvme,drive=scale7,serial=scale7",
    "-blockdev",
    "null-co,node-name=scale8,size=1048576",
    "-device",
    "nvme,drive=scale8,serial=scale8",
    "-blockdev",
    "null-co,node-name=scale9,size=1048576",
    "-device",
    "nvme,drive=scale9,serial=scale9",
    "-blockdev",
    "null-co,node-name=scale10,size=1048576",
    "-device",
    "nvme,drive=scale10,serial=scale10",
    "-blockdev",
    "null-co,node-name=scale11,size=1048576",
    "-device",
    "nvme,drive=scale11,serial=scale11",
    "-blockdev",
    "null-co,node-name=scale12,size=1048576",
    "-device",
    "nvme,drive=scale12,serial=scale12",
    "-blockdev",
    "null-co,node-name=scale13,size=1048576",
    "-device",
    "nvme,drive=scale13,serial=scale13",
    "-blockdev",
    "null-co,node-name=scale14,size=1048576",
    "-device",
    "nvme,drive=scale14,serial=scale14",
    "-blockdev",
    "null-co,node-name=scale15,size=1048576",
    "-device",
    "nvme,drive=scale15,serial=scale15",
];

/// The NVMe restart test's disk image (`Check::DiskImage`).
const NVME_RESTART_IMAGE: &str = "build/nvme-restart.img";

/// `q35`: one NVMe controller on [`NVME_RESTART_IMAGE`] (raw, 512-byte
/// blocks, written through to the file).
const NVME_RESTART_DEVICES: &[&str] = &[
    "-drive",
    "file=build/nvme-restart.img,if=none,id=nvm,format=raw,cache=writethrough",
    "-device",
    "nvme,drive=nvm,serial=cairn-restart",
];

/// The virtio-blk test's disk image (`Check::DiskImage`).
const VIRTIO_BLK_IMAGE: &str = "build/virtio-blk.img";

/// `q35`: three virtio block devices, in this order on bus 0: a modern
/// one with two request queues on [`VIRTIO_BLK_IMAGE`] (raw, written
/// through to the file); a modern read-only 1 MiB `null-co` device of 4
/// KiB blocks; a legacy-only one (`disable-modern=on`: device 1af4:1001
/// without the virtio 1.x capabilities), which the driver must refuse; a
/// transitional one (QEMU's default: 1af4:1001 with both interfaces),
/// driven through its modern capabilities.
const VIRTIO_BLK_DEVICES: &[&str] = &[
    "-drive",
    "file=build/virtio-blk.img,if=none,id=vd0,format=raw,cache=writethrough",
    "-device",
    "virtio-blk-pci,drive=vd0,disable-legacy=on,num-queues=2",
    "-blockdev",
    "null-co,node-name=vd1,size=1048576,read-zeroes=on,read-only=on",
    "-device",
    "virtio-blk-pci,drive=vd1,disable-legacy=on,num-queues=1,logical_block_size=4096,physical_block_size=4096",
    "-blockdev",
    "null-co,node-name=vd2,size=1048576,read-zeroes=on",
    "-device",
    "virtio-blk-pci,drive=vd2,disable-modern=on",
    "-blockdev",
    "null-co,node-name=vd3,size=1048576,read-zeroes=on",
    "-device",
    "virtio-blk-pci,drive=vd3",
];

/// `q35`: four virtio network devices, in this order on bus 0: two
/// modern ones (1af4:1041) with fixed MACs, wired to each other through
/// one QEMU hub (`hubport` netdevs): every frame one sends the other
/// receives, and nothing leaves QEMU; a legacy-only one
/// (`disable-modern=on`), which the driver must refuse; a transitional one
/// (QEMU's default: 1af4:1000 with both interfaces), driven through its
/// modern capabilities. The last two share a hub of their own.
const VIRTIO_NET_DEVICES: &[&str] = &[
    "-netdev",
    "hubport,id=vn0,hubid=7",
    "-netdev",
    "hubport,id=vn1,hubid=7",
    "-device",
    "virtio-net-pci,netdev=vn0,disable-legacy=on,mac=52:54:00:c0:ff:00",
    "-device",
    "virtio-net-pci,netdev=vn1,disable-legacy=on,mac=52:54:00:c0:ff:01",
    "-netdev",
    "hubport,id=vn2,hubid=8",
    "-netdev",
    "hubport,id=vn3,hubid=8",
    "-device",
    "virtio-net-pci,netdev=vn2,disable-modern=on,mac=52:54:00:c0:ff:02",
    "-device",
    "virtio-net-pci,netdev=vn3,mac=52:54:00:c0:ff:03",
];

/// `q35`: two Intel 82574L devices (`e1000e`, 8086:10d3) with fixed
/// MACs, wired to each other through one QEMU hub (`hubport` netdevs):
/// every frame one sends the other receives, and nothing leaves QEMU.
const E1000E_DEVICES: &[&str] = &[
    "-netdev",
    "hubport,id=en0,hubid=9",
    "-netdev",
    "hubport,id=en1,hubid=9",
    "-device",
    "e1000e,netdev=en0,id=nic0,mac=52:54:00:c0:ee:00",
    "-device",
    "e1000e,netdev=en1,id=nic1,mac=52:54:00:c0:ee:01",
];

/// The link test of the `e1000e` suite: once utest's `e1000e_link_change`
/// waits, the second device's link goes down (QEMU's `set_link`); once
/// the driver logs that (learnt from its link-change interrupt), it
/// comes back up, and the driver logs that too.
const E1000E_LINK_SESSION: &[Step] = &[
    Step {
        name: "link-test-waits",
        wait: Wait::Serial("nic link test: waiting for /scheme/net.e1000e1 to go down and up"),
        then: Input::Monitor("set_link nic1 off"),
    },
    Step {
        name: "link-down-interrupt",
        wait: Wait::Serial("e1000e: net.e1000e1: link down"),
        then: Input::Monitor("set_link nic1 on"),
    },
    Step { name: "link-up-interrupt", wait: Wait::Serial("e1000e: net.e1000e1: link up"), then: Input::Nothing },
];

/// The AHCI test's disk image (`Check::DiskImage`).
const AHCI_IMAGE: &str = "build/ahci.img";

/// `q35`: three SATA disks on the built-in AHCI HBA: port 0 on
/// [`AHCI_IMAGE`] (raw, written through to the file), port 4 a 1 MiB
/// `null-co` device that reads zeros, port 5 another whose reads of
/// sector 8 fail (`blkdebug` under the raw format injects EIO on each
/// read the format passes down, `read_aio`: the disk answers with a
/// task-file error). The boot CD sits on port 2.
const AHCI_DEVICES: &[&str] = &[
    "-drive",
    "file=build/ahci.img,if=none,id=sata0,format=raw,cache=writethrough",
    "-device",
    "ide-hd,drive=sata0,bus=ide.0",
    "-blockdev",
    "null-co,node-name=sata4,size=1048576,read-zeroes=on",
    "-device",
    "ide-hd,drive=sata4,bus=ide.4",
    "-blockdev",
    concat!(
        r#"{"driver":"raw","node-name":"sata5","file":{"driver":"blkdebug","#,
        r#""inject-error":[{"event":"read_aio","sector":8,"errno":5}],"#,
        r#""image":{"driver":"null-co","size":1048576,"read-zeroes":true}}}"#
    ),
    "-device",
    "ide-hd,drive=sata5,bus=ide.5",
];

/// `q35`: an NVMe controller with three namespaces on the lsblk test's
/// images (`Check::TableImage`): 1 a GPT, 2 a DOS table on 4 KiB blocks,
/// 3 a GPT with both headers damaged.
const LSBLK_DEVICES: &[&str] = &[
    "-drive",
    "file=build/lsblk-gpt.img,if=none,id=gpt,format=raw,cache=writethrough",
    "-drive",
    "file=build/lsblk-dos4k.img,if=none,id=dos4k,format=raw,cache=writethrough",
    "-drive",
    "file=build/lsblk-broken.img,if=none,id=broken,format=raw,cache=writethrough",
    "-device",
    "nvme,id=nvme0,serial=cairn-lsblk",
    "-device",
    "nvme-ns,bus=nvme0,drive=gpt,nsid=1",
    "-device",
    "nvme-ns,bus=nvme0,drive=dos4k,nsid=2,logical_block_size=4096,physical_block_size=4096",
    "-device",
    "nvme-ns,bus=nvme0,drive=broken,nsid=3",
];

/// The ext3 image the `nvme-hotplug` suite removes from under ext2fs.
const HOTPLUG_IMAGE: &str = "build/hotplug-ext3.img";

/// `q35` with native PCI Express hot-plug (QEMU's ACPI hot-plug of root
/// ports off): an NVMe controller on an ext3 image behind a root port,
/// removed during the run (`device_del`). The image is `cache=unsafe`:
/// with `writethrough` every write waits for the host's `fdatasync`, and
/// QEMU 7.2 crashed (SIGSEGV) in 2 of about 60 removals with such
/// writes in flight; the host reads the image after QEMU ends either way.
const HOTPLUG_DEVICES: &[&str] = &[
    "-global",
    "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off",
    "-device",
    "pcie-root-port,id=rp1,chassis=1,slot=1",
    "-drive",
    "file=build/hotplug-ext3.img,if=none,id=hot0,format=raw,cache=unsafe",
    "-device",
    "nvme,id=hotnvme,bus=rp1,drive=hot0,serial=cairn-hot",
];

/// Every suite, in the order `harness test` runs them.
pub const SUITES: &[Suite] = &[
    Suite {
        name: "bios-1cpu",
        machine: bios("pc", 1, "256M"),
        cmdline: SELFTEST,
        timeout: secs(90),
        session: &[],
        checks: &[Check::Summary { cpus: 1, mem_mib: 200..=256 }],
    },
    Suite {
        name: "bios-4cpu",
        machine: bios("pc", 4, "512M"),
        cmdline: SELFTEST,
        timeout: secs(90),
        session: &[],
        checks: &[Check::Summary { cpus: 4, mem_mib: 400..=512 }],
    },
    Suite {
        name: "uefi-2cpu",
        machine: uefi(2, "512M"),
        cmdline: SELFTEST,
        timeout: secs(120),
        session: &[],
        checks: &[
            Check::Summary { cpus: 2, mem_mib: 350..=512 },
            Check::LogContains { name: "framebuffer-console", needle: "framebuffer:" },
        ],
    },
    Suite {
        name: "bios-128m",
        machine: bios("pc", 2, "128M"),
        cmdline: SELFTEST,
        timeout: secs(90),
        session: &[],
        checks: &[Check::Summary { cpus: 2, mem_mib: 90..=128 }],
    },
    Suite {
        name: "bios-4g",
        machine: bios("pc", 2, "4G"),
        cmdline: SELFTEST,
        timeout: secs(240),
        session: &[],
        checks: &[Check::Summary { cpus: 2, mem_mib: 3500..=4096 }],
    },
    Suite {
        name: "uefi-8cpu-8g",
        machine: uefi(8, "8G"),
        cmdline: SELFTEST,
        timeout: secs(180),
        session: &[],
        checks: &[Check::Summary { cpus: 8, mem_mib: 7500..=8192 }],
    },
    Suite {
        name: "acpi-off",
        machine: bios("pc,acpi=off", 2, "256M"),
        cmdline: SELFTEST,
        timeout: secs(90),
        session: &[],
        checks: &[
            // Without ACPI there is no MADT, so the kernel runs on the boot CPU only.
            Check::Summary { cpus: 1, mem_mib: 200..=256 },
            Check::WarnMentions { name: "acpi-warning", needles: &["ACPI"] },
        ],
    },
    Suite {
        name: "vga-none",
        machine: Machine { vga_none: true, ..bios("pc", 2, "256M") },
        cmdline: SELFTEST,
        timeout: secs(90),
        session: &[],
        checks: &[Check::LogContainsNoErrors { name: "no-framebuffer", needle: "no framebuffer" }],
    },
    Suite {
        name: "garbled-cmdline",
        machine: bios("pc", 2, "256M"),
        // Unknown keys, bad values, empty keys, odd bytes and everything GRUB's script
        // language treats specially (quoting in grub.cfg passes them through).
        cmdline: b"test=kernel === loglevel=bogus =x foo=bar=baz  \x01\xff quiet-ish \
                   \"unterminated 'single $HOME;echo \\ {x} #not-a-comment",
        timeout: secs(90),
        session: &[],
        checks: &[Check::WarnMentions { name: "cmdline-warning", needles: &["cmdline", "command line"] }],
    },
    Suite {
        name: "user-bios-2cpu",
        machine: Machine { devices: EDU_DEVICE, ..bios("pc", 2, "512M") },
        cmdline: USER_TESTS,
        timeout: secs(600),
        session: &[],
        checks: &[Check::LogContains { name: "init-started", needle: "init: started" }],
    },
    Suite {
        name: "user-uefi-4cpu",
        machine: Machine { devices: EDU_DEVICE, ..uefi(4, "1G") },
        cmdline: USER_TESTS,
        timeout: secs(600),
        session: &[],
        checks: &[Check::LogContains { name: "init-started", needle: "init: started" }],
    },
    Suite {
        name: "init-services",
        machine: bios("pc", 2, "512M"),
        cmdline: b"test=user init=/bin/init,/etc/init/test.conf",
        timeout: secs(300),
        session: &[],
        checks: &[
            ROOT_FILE_SYSTEM,
            Check::OutputContains { name: "crash-logged", needle: "init: service crasher ended: exit status: 3" },
            Check::OutputContains { name: "restart-backoff", needle: "init: restarting crasher in 400 ms (failure 3)" },
        ],
    },
    Suite {
        name: "devd",
        machine: Machine { devices: EDU_DEVICE, ..bios("pc", 2, "512M") },
        cmdline: b"test=user init=/bin/init,/etc/init/devd-test.conf",
        timeout: secs(300),
        session: &[],
        checks: &[
            ROOT_FILE_SYSTEM,
            Check::OutputContains { name: "driver-started", needle: "devd: started /bin/edu for 0000-00-" },
            Check::OutputContains { name: "driver-checks", needle: "edu: every check passed" },
            Check::OutputContains { name: "driver-killed", needle: "ended: signal" },
            Check::OutputContains {
                name: "restart-backoff",
                needle: "resetting the function and restarting in 100 ms",
            },
        ],
    },
    Suite {
        name: "coreutils",
        machine: bios("pc", 2, "512M"),
        cmdline: b"test=user init=/bin/init,/etc/init/cutest.conf",
        timeout: secs(600),
        session: &[],
        checks: &[ROOT_FILE_SYSTEM, Check::OutputContains { name: "tests-ran", needle: "cutest: done" }],
    },
    Suite {
        // A bounded, seeded run of the system-call fuzzer (userspace/fuzz/fuzz.conf: 100,000
        // calls, half as root, half as uid 1000 in a narrowed namespace); each of its checks
        // is a `TEST user::fuzz_*` line. `make fuzz` boots the same suite with a longer run.
        name: "fuzz",
        machine: bios("pc", 2, "512M"),
        cmdline: b"test=user init=/bin/init,/etc/init/fuzz.conf",
        timeout: secs(600),
        session: &[],
        checks: &[ROOT_FILE_SYSTEM, Check::OutputContains { name: "fuzz-ran", needle: "fuzz: done: seed" }],
    },
    Suite {
        name: "shell-scripts",
        machine: bios("pc", 2, "512M"),
        cmdline: b"test=user init=/bin/init,/etc/init/shtest.conf",
        timeout: secs(600),
        session: &[],
        checks: &[ROOT_FILE_SYSTEM, Check::OutputContains { name: "scripts-ran", needle: "shtest: done" }],
    },
    Suite {
        name: "poweroff-bios",
        machine: bios("pc", 2, "256M"),
        cmdline: b"init=/bin/init,/etc/init/poweroff.conf",
        timeout: secs(120),
        session: &[],
        checks: POWERED_OFF,
    },
    Suite {
        name: "poweroff-uefi",
        machine: uefi(2, "512M"),
        cmdline: b"init=/bin/init,/etc/init/poweroff.conf",
        timeout: secs(180),
        session: &[],
        checks: POWERED_OFF,
    },
    Suite {
        name: "reboot-q35",
        machine: bios("q35", 2, "256M"),
        cmdline: b"init=/bin/init,/etc/init/reboot.conf",
        timeout: secs(120),
        session: &[],
        checks: &[
            Check::OutputContains { name: "reboot-ran", needle: "reboot: the system is going down" },
            Check::LogContains { name: "reset", needle: "power: restarting" },
            Check::ExitedByItself,
        ],
    },
    Suite {
        name: "pci-pc",
        machine: Machine { devices: PCI_PC_DEVICES, ..bios("pc", 2, "512M") },
        cmdline: b"",
        timeout: secs(180),
        session: PCI_SESSION,
        checks: &[
            Check::LogContainsNoErrors { name: "mechanism-1", needle: "through configuration mechanism #1" },
            Check::PciMatchesQemu { name: "lspci-matches-info-pci", behind_bridge: true },
            Check::ExitedByItself,
        ],
    },
    Suite {
        name: "pci-q35",
        machine: Machine { devices: PCI_Q35_DEVICES, ..bios("q35", 2, "512M") },
        cmdline: b"",
        timeout: secs(180),
        session: PCI_SESSION,
        checks: &[
            Check::LogContainsNoErrors { name: "ecam", needle: "through ECAM at 0xb0000000" },
            Check::PciMatchesQemu { name: "lspci-matches-info-pci", behind_bridge: true },
            Check::ExitedByItself,
        ],
    },
    Suite {
        // OVMF assigns differently from SeaBIOS: 64-bit prefetchable bridge
        // windows above 4 GiB.
        name: "pci-q35-uefi",
        machine: Machine { devices: PCI_Q35_DEVICES, ..uefi(2, "512M") },
        cmdline: b"",
        timeout: secs(240),
        session: PCI_SESSION,
        checks: &[
            Check::LogContainsNoErrors { name: "ecam", needle: "through ECAM at 0xb0000000" },
            Check::PciMatchesQemu { name: "lspci-matches-info-pci", behind_bridge: true },
            Check::ExitedByItself,
        ],
    },
    Suite {
        name: "nvme-scale",
        machine: Machine { devices: NVME_SCALE_DEVICES, ..bios(IOMMU_MACHINE, 8, "2G") },
        cmdline: b"test=user init=/bin/utest,scale_msix_vectors",
        timeout: secs(600),
        session: &[],
        checks: &[Check::OutputContains { name: "scale-figure", needle: "utest: scale: 1040 MSI-X vectors on 8 CPUs" }],
    },
    Suite {
        // DMA and interrupt remapping: a stray DMA kills its driver, the
        // remapping table follows the vectors, and every device-context
        // test passes with the IOMMU between the device and memory.
        name: "iommu-q35",
        machine: Machine { devices: IOMMU_EDU_DEVICES, ..bios(IOMMU_MACHINE, 2, "512M") },
        cmdline: b"test=user init=/bin/utest,iommu_,device_",
        timeout: secs(240),
        session: &[],
        checks: &[Check::LogContains {
            name: "iommu-on",
            needle: "DMA remapping on (39-bit domains, caching mode), interrupt remapping on",
        }],
    },
    Suite {
        // The NVMe driver on a host file: utest reads the host's pattern
        // back, writes its own over the whole namespace; the harness checks
        // the file after QEMU ends.
        name: "nvme-q35",
        machine: Machine { devices: NVME_DEVICES, ..bios("q35", 4, "512M") },
        cmdline: b"test=user init=/bin/utest,nvme_",
        timeout: secs(300),
        session: &[],
        checks: &[
            Check::OutputContains { name: "driver-started", needle: "nvme: serving 2 disks" },
            Check::DiskImage { name: "guest-pattern-on-host", path: NVME_IMAGE },
        ],
    },
    Suite {
        // The ext2 file-system server on an NVMe disk that e2fsprogs made:
        // utest reads the host's files, writes its own, checks the cache,
        // unmounts; the harness runs e2fsck and debugfs on the image.
        name: "ext2-disk",
        machine: Machine { devices: EXT2_DEVICES, ..bios("q35", 2, "512M") },
        cmdline: b"test=user init=/bin/utest,ext2_",
        timeout: secs(240),
        session: &[],
        checks: &[
            Check::OutputContains { name: "server-ready", needle: "ext2fs: serving /dev/nvme0n1 as ext2test (ext3" },
            Check::OutputContains { name: "clean-unmount", needle: "ext2fs: ext2test unmounted cleanly" },
            Check::OutputContains {
                name: "damaged-image-refused",
                needle: "ext2fs: cannot mount /dev/nvme0n2: the file system is damaged",
            },
            Check::OutputContains {
                name: "damage-remounts-read-only",
                needle: "ext2fs: the file system is damaged: remounted read-only (run e2fsck)",
            },
            Check::Ext2Image { name: "e2fsck-and-debugfs", path: EXT2_IMAGE },
        ],
    },
    Suite {
        // The normal boot path (init → devd → nvme) and a driver restart
        // during I/O: devd serves the disk, the client's calls fail with
        // EIO when the driver is killed, devd resets the controller and
        // starts a new driver, the client retries; the harness checks the
        // image after QEMU ends.
        name: "nvme-restart",
        machine: Machine { devices: NVME_RESTART_DEVICES, ..bios("q35", 2, "512M") },
        cmdline: b"test=user init=/bin/init,/etc/init/nvme-restart.conf",
        timeout: secs(240),
        session: &[],
        checks: &[
            Check::OutputContains { name: "devd-starts-nvme", needle: "devd: started /bin/nvme for 0000-00-" },
            Check::OutputContains { name: "driver-serves", needle: "nvme: serving 1 disks as disk.nvme0" },
            Check::OutputContains {
                name: "controller-reset-and-restarted",
                needle: "ended: signal: 9; resetting the function and restarting in 100 ms",
            },
            Check::LogContains { name: "waiting-calls-failed", needle: "scheme 'disk.nvme0': server gone" },
            Check::DiskImage { name: "guest-pattern-on-host", path: NVME_RESTART_IMAGE },
        ],
    },
    Suite {
        // The virtio-blk driver under devd: the host's pattern read back
        // and the guest's written over the disk (checked in the image
        // after QEMU ends), a read-only device, concurrent readers, a
        // vector per request queue, a legacy-only device refused.
        name: "virtio-blk",
        machine: Machine { devices: VIRTIO_BLK_DEVICES, ..bios("q35", 2, "512M") },
        cmdline: b"test=user init=/bin/init,/etc/init/virtio-blk.conf",
        timeout: secs(120),
        session: &[],
        checks: &[
            Check::OutputContains {
                name: "devd-starts-virtio-blk",
                needle: "devd: started /bin/virtio-blk for 0000-00-",
            },
            Check::OutputContains {
                name: "vda-two-queues",
                needle: "virtio-blk: serving /dev/vda as disk.vd0 with 2 submitters",
            },
            Check::OutputContains {
                name: "vdb-read-only",
                needle: "4096 bytes, 1 request queues, seg_max 254, flush yes, read-only yes",
            },
            Check::OutputContains {
                name: "legacy-device-refused",
                needle: "no virtio 1.x common configuration capability (a legacy-only device",
            },
            Check::OutputContains {
                name: "transitional-device-driven",
                needle: "virtio-blk: serving /dev/vdd as disk.vd3 with 2 submitters",
            },
            Check::DiskImage { name: "guest-pattern-on-host", path: VIRTIO_BLK_IMAGE },
        ],
    },
    Suite {
        // The virtio-net driver under devd on two devices wired to each
        // other: MACs, link state, 300 frames of every size checked byte
        // for byte and in order, counters, bad frame sizes, batch handles
        // and bad batches, blocking and non-blocking reads, backlog drops,
        // a vector per queue; a
        // legacy-only device refused, a transitional one driven.
        name: "virtio-net",
        machine: Machine { devices: VIRTIO_NET_DEVICES, ..bios("q35", 2, "512M") },
        cmdline: b"test=user init=/bin/init,/etc/init/virtio-net.conf",
        timeout: secs(90),
        session: &[],
        checks: &[
            Check::OutputContains {
                name: "devd-starts-virtio-net",
                needle: "devd: started /bin/virtio-net for 0000-00-",
            },
            Check::OutputContains {
                name: "net-virtio0-served",
                needle: "virtio-net: serving 52:54:00:c0:ff:00 as net.virtio0",
            },
            Check::OutputContains {
                name: "net-virtio1-served",
                needle: "virtio-net: serving 52:54:00:c0:ff:01 as net.virtio1",
            },
            Check::OutputContains {
                name: "legacy-device-refused",
                needle: "virtio-net: 0000-00-04.0: no virtio 1.x common configuration capability (a legacy-only device",
            },
            Check::OutputContains {
                name: "transitional-device-driven",
                needle: "virtio-net: serving 52:54:00:c0:ff:03 as net.virtio3",
            },
        ],
    },
    Suite {
        // The e1000e driver under devd on two 82574Ls wired to each other:
        // the same checks as virtio-net's (utest's nic module) — MACs,
        // link state, frames of every size both ways checked byte for
        // byte and in order, counters, bad frame sizes, batch handles and
        // bad batches, blocking and non-blocking reads, backlog drops —
        // MSI-X vectors for the
        // receive and transmit queues apart, and a link taken down and up
        // again (the session), seen through the link-change interrupt.
        name: "e1000e",
        machine: Machine { devices: E1000E_DEVICES, ..bios("q35", 2, "512M") },
        cmdline: b"test=user init=/bin/init,/etc/init/e1000e.conf",
        timeout: secs(90),
        session: E1000E_LINK_SESSION,
        checks: &[
            Check::OutputContains { name: "devd-starts-e1000e", needle: "devd: started /bin/e1000e for 0000-00-" },
            Check::OutputContains { name: "msix-vectors", needle: "MSI-X: other 0, receive 1, transmit 2" },
            Check::OutputContains {
                name: "net-e1000e0-served",
                needle: "e1000e: serving 52:54:00:c0:ee:00 as net.e1000e0",
            },
            Check::OutputContains {
                name: "net-e1000e1-served",
                needle: "e1000e: serving 52:54:00:c0:ee:01 as net.e1000e1",
            },
        ],
    },
    Suite {
        // The e1000e driver's MSI path (`--msi`: QEMU's 82574L always
        // offers MSI-X): the same two devices, one interrupt thread each.
        name: "e1000e-msi",
        machine: Machine { devices: E1000E_DEVICES, ..bios("q35", 2, "512M") },
        cmdline: b"test=user init=/bin/init,/etc/init/e1000e-msi.conf",
        timeout: secs(90),
        session: E1000E_LINK_SESSION,
        checks: &[
            Check::OutputContains {
                name: "msi-vector",
                needle: "net.e1000e1: MAC 52:54:00:c0:ee:01, link up, MSI: one vector for every cause",
            },
            Check::OutputContains {
                name: "net-e1000e0-served",
                needle: "e1000e: serving 52:54:00:c0:ee:00 as net.e1000e0",
            },
        ],
    },
    Suite {
        // The network stack on QEMU user networking (restrict=on; peers on the host's
        // loopback, netpeer.rs): netd under init, a DHCP lease, ping (IPv4 and IPv6) to the
        // gateway, TCP both ways checked by hash, UDP from the host and over the loopback,
        // TCP over the loopback, /etc/hosts, clear errors
        // for bad socket paths, and a namespace without the network schemes.
        name: "net-user",
        machine: bios("q35", 2, "512M"),
        cmdline: b"test=user init=/bin/init,/etc/init/net-test.conf",
        timeout: secs(90),
        session: &[],
        checks: &[
            Check::OutputContains { name: "netd-serves", needle: "netd: serving tcp, udp, icmp, dns and netcfg" },
            Check::OutputContains { name: "dhcp-lease", needle: "netd: eth0: DHCP lease 10.0.2.15/24" },
            Check::OutputContains { name: "ip-addr", needle: "    inet 10.0.2.15/24 scope global eth0" },
            Check::OutputContains { name: "ip-route", needle: "10.0.2.0/24 dev eth0" },
            Check::OutputContains {
                name: "ipv6-slaac",
                needle: "    inet6 fec0::5054:ff:fe12:3456/64 scope global eth0",
            },
            Check::OutputContains { name: "ping-gateway", needle: "3 packets transmitted, 3 received, 0% packet loss" },
            Check::OutputContains {
                name: "ping6-gateway",
                needle: "2 packets transmitted, 2 received, 0% packet loss",
            },
            Check::OutputContains {
                name: "ping6-loopback",
                needle: "loopback ping6: 1 packets transmitted, 1 received, 0% packet loss",
            },
            Check::OutputContains { name: "guest-received-echo", needle: "echoed 16888896 bytes" },
            Check::HostPeer { name: "tcp-guest-to-host", peer: HostPeer::GuestEcho },
            Check::HostPeer { name: "tcp-guest-echo-back-to-host", peer: HostPeer::GuestSink },
            Check::HostPeer { name: "tcp-host-to-guest-echo", peer: HostPeer::HostTcp },
            Check::OutputContains { name: "udp-host-to-guest", needle: "udp from the host: ping-udp" },
            Check::OutputContains { name: "no-port-einval", needle: "cat: /scheme/tcp/10.0.2.2: Invalid argument" },
            Check::OutputContains { name: "port-0-einval", needle: "cat: /scheme/tcp/10.0.2.2:0: Invalid argument" },
            Check::OutputContains {
                name: "unknown-path-enoent",
                needle: "cat: /scheme/udp/nonsense: No such file or directory",
            },
            Check::OutputContains { name: "no-dns-server", needle: "nc: no.such.host.test: Network is unreachable" },
            Check::OutputContains {
                name: "host-without-dns-server",
                needle: "host: no.such.host.test: Network is unreachable",
            },
            Check::OutputContains { name: "host-unknown-status", needle: "host of an unknown name: status 1" },
            Check::OutputContains { name: "dhcp-status", needle: "eth0: bound 10.0.2.15/24" },
            Check::OutputContains { name: "closed-port-refused", needle: "nc: 127.0.0.1:9: Connection refused" },
            Check::OutputContains {
                name: "no-route-unreachable",
                needle: "nc: 192.168.99.1:80: Network is unreachable",
            },
            Check::OutputContains { name: "namespace-without-network", needle: "nc: 10.0.2.100:7: No such device" },
            Check::OutputContains { name: "script-finished", needle: "net-test: done" },
        ],
    },
    Suite {
        // The AHCI driver under devd on q35's SATA HBA: the host's pattern
        // read back and the guest's written over the disk with NCQ
        // commands (checked in the image after QEMU ends), a second disk
        // on port 4, the boot CD skipped, concurrent readers, bad requests.
        name: "ahci",
        machine: Machine { devices: AHCI_DEVICES, ..bios("q35", 2, "512M") },
        cmdline: b"test=user init=/bin/init,/etc/init/ahci.conf",
        timeout: secs(120),
        session: &[],
        checks: &[
            Check::OutputContains { name: "devd-starts-ahci", needle: "devd: started /bin/ahci for 0000-00-1f.2" },
            Check::OutputContains { name: "ncq-disk", needle: "ahci: port 0: QEMU HARDDISK (serial " },
            Check::OutputContains { name: "ncq-depth-32", needle: "sectors of 512 bytes, NCQ depth 32" },
            Check::OutputContains {
                name: "atapi-skipped",
                needle: "port 2: ATAPI device (signature 0xeb140101), not driven",
            },
            Check::OutputContains { name: "driver-serves", needle: "ahci: serving 3 disks as disk.sata0" },
            Check::OutputContains {
                name: "task-file-error-logged",
                needle: "ahci: port 5: a command failed (PxTFD 0x",
            },
            Check::OutputContains { name: "port-restarted", needle: "ahci: port 5: restarted" },
            Check::DiskImage { name: "guest-pattern-on-host", path: AHCI_IMAGE },
        ],
    },
    Suite {
        // wget and httpd on QEMU user networking (restrict=on; the peers are the harness's own
        // on the host's loopback, httppeer.rs): wget fetches a file with Content-Length and,
        // through a relative redirect, a chunked one from the host's HTTP server (guestfwd);
        // httpd serves them back to the host (hostfwd), whose client checks every byte, opens
        // 100 connections at once each asking its own range, and checks the listing, a 404
        // and a confined "..". wget's errors for a 404 and a bad URL are checked too.
        name: "net-http",
        machine: bios("q35", 2, "512M"),
        cmdline: b"test=user init=/bin/init,/etc/init/http-test.conf",
        timeout: secs(120),
        session: &[],
        checks: &[
            Check::OutputContains { name: "wget-file", needle: "wget blob.bin: status 0" },
            Check::OutputContains { name: "wget-redirect", needle: "wget redirect: status 0" },
            Check::OutputContains { name: "wget-not-found", needle: "wget: server answered 404 Not Found" },
            Check::OutputContains { name: "wget-not-found-status", needle: "wget missing: status 8" },
            Check::OutputContains { name: "wget-bad-url", needle: "wget: bad URL: only http:// URLs are supported" },
            Check::OutputContains { name: "httpd-serves", needle: "httpd: serving /tmp/www on port 8080" },
            Check::HttpPeer { name: "wget-file-hash", result: HttpResult::WgetFile },
            Check::HttpPeer { name: "wget-redirect-chunked-hash", result: HttpResult::WgetRedirectChunked },
            Check::HttpPeer { name: "httpd-100-concurrent-ranges", result: HttpResult::ConcurrentRanges },
            Check::HttpPeer { name: "httpd-listing", result: HttpResult::Listing },
            Check::HttpPeer { name: "httpd-not-found", result: HttpResult::NotFound },
            Check::HttpPeer { name: "httpd-confined", result: HttpResult::Confined },
            Check::OutputContains { name: "script-finished", needle: "http-test: done" },
        ],
    },
    Suite {
        // lsblk on the normal boot path: devd starts the NVMe driver, and
        // lsblk reads the tables util-linux wrote on the host from the
        // three namespaces: a GPT, a DOS table with logical partitions on
        // 4 KiB blocks, and a GPT whose two headers are damaged.
        name: "lsblk-nvme",
        machine: Machine { devices: LSBLK_DEVICES, ..bios("q35", 2, "512M") },
        cmdline: b"test=user init=/bin/init,/etc/init/lsblk-test.conf",
        timeout: secs(120),
        session: &[],
        checks: &[
            Check::OutputContains { name: "disk-row", needle: "nvme0n1      32M disk" },
            Check::OutputContains { name: "bios-boot-row", needle: "|-nvme0n1p1   1M part" },
            Check::OutputContains { name: "last-partition-row", needle: "`-nvme0n1p4  18M part" },
            Check::OutputContains {
                name: "esp-columns",
                needle: "|-nvme0n1p2  4096 EFI System       EFI system c41a1b00-0002-4000-8000-0000000000e5",
            },
            Check::OutputContains {
                name: "unnamed-swap-columns",
                needle: "|-nvme0n1p3 20480 Linux swap                  c41a1b00-0003-4000-8000-000000005a9e",
            },
            Check::OutputContains { name: "dos-4k-disk-row", needle: "nvme0n2      16M disk" },
            Check::OutputContains { name: "dos-4k-extended-row", needle: "|-nvme0n2p2  11M part" },
            Check::OutputContains { name: "dos-4k-first-logical-row", needle: "|-nvme0n2p5   4M part" },
            Check::OutputContains { name: "dos-4k-last-logical-row", needle: "`-nvme0n2p6   5M part" },
            Check::OutputContains {
                name: "damaged-table-reported",
                needle: "lsblk: /dev/nvme0n3: partition table: both GPT headers are damaged: primary: header CRC",
            },
            Check::OutputContains { name: "damaged-disk-row", needle: "nvme0n3      32M disk" },
            Check::TableImage { name: "gpt-image-unchanged", image: TableImage::Gpt },
            Check::TableImage { name: "dos-4k-image-unchanged", image: TableImage::Dos4k },
            Check::TableImage { name: "damaged-image-unchanged", image: TableImage::BrokenGpt },
        ],
    },
    Suite {
        // Hot removal: pciehp powers the slot off when QEMU presses its
        // attention button; the NVMe driver ends, readers get EIO, ext2fs
        // writing on the disk fails its writers with EIO, the system goes
        // on (utest hot_removal_of_nvme); the image is recoverable.
        name: "nvme-hotplug",
        machine: Machine { devices: HOTPLUG_DEVICES, ..bios("q35", 2, "512M") },
        cmdline: b"test=user init=/bin/utest,hot_removal_of_nvme",
        timeout: secs(120),
        session: &[Step {
            name: "device-removed",
            wait: Wait::Serial("nvme-hotplug: remove now"),
            then: Input::Monitor("device_del hotnvme"),
        }],
        checks: &[
            Check::OutputContains {
                name: "button-powers-slot-off",
                needle: "attention button pressed: powering the slot off",
            },
            Check::OutputContains {
                name: "driver-sees-device-gone",
                needle: "the controller is gone (it reads all ones); ending",
            },
            Check::OutputContains { name: "ext2fs-logs-the-failure", needle: "ext2fs: ext2gone: the device failed" },
            Check::Ext2Vanished { name: "ext3-recovers-after-removal", path: HOTPLUG_IMAGE },
        ],
    },
    Suite {
        name: "serial-terminal",
        machine: bios("pc", 2, "512M"),
        cmdline: b"init=/bin/init,/etc/init/terminal-test.conf",
        timeout: secs(180),
        session: &[
            Step {
                name: "cooked-line",
                wait: Wait::Serial("terminal-check: type a line"),
                then: Input::Serial("hello wrong\x17world\r"),
            },
            Step { name: "word-erase-and-echo", wait: Wait::Serial("got: hello world"), then: Input::Nothing },
            Step { name: "raw-bytes", wait: Wait::Serial("terminal-check: raw mode"), then: Input::Serial("a\x03z") },
            Step { name: "raw-mode-passes-control-keys", wait: Wait::Serial("raw: 61 03 7a"), then: Input::Nothing },
            Step { name: "interrupt", wait: Wait::Serial("terminal-check: press ^C"), then: Input::Serial("\x03") },
            Step {
                name: "sigint-to-foreground",
                wait: Wait::Serial("terminal-check: caught SIGINT"),
                then: Input::Nothing,
            },
        ],
        checks: &[
            Check::OutputContains { name: "echo", needle: "hello wrong" },
            Check::OutputContains { name: "init-logs-on-terminal", needle: "init: messages go to /scheme/tty/serial" },
            Check::ExitedByItself,
        ],
    },
    Suite {
        name: "screen-terminal",
        machine: bios("pc", 2, "512M"),
        cmdline: b"init=/bin/init,/etc/init/screen-test.conf",
        timeout: secs(300),
        session: &[
            Step {
                name: "prompt-on-screen",
                wait: Wait::Screen("terminal-check: type a line"),
                then: Input::Keys("hello world\n"),
            },
            Step { name: "typed-line-read-back", wait: Wait::Screen("got: hello world"), then: Input::Nothing },
            Step { name: "raw-keys", wait: Wait::Screen("terminal-check: raw mode"), then: Input::Keys("a\u{3}z") },
            Step { name: "raw-mode-passes-ctrl-c", wait: Wait::Screen("raw: 61 03 7a"), then: Input::Nothing },
            Step { name: "ctrl-c-key", wait: Wait::Screen("terminal-check: press ^C"), then: Input::Keys("\u{3}") },
            Step {
                name: "sigint-from-keyboard",
                wait: Wait::Screen("terminal-check: caught SIGINT"),
                then: Input::Nothing,
            },
        ],
        checks: &[Check::ExitedByItself],
    },
    Suite {
        name: "desktop",
        machine: Machine {
            model: "pc",
            firmware: Firmware::Bios,
            smp: 2,
            mem: "512M",
            vga_none: true,
            devices: &["-device", "bochs-display"],
        },
        cmdline: b"init=/bin/init,/etc/init/desktop-test.conf",
        timeout: secs(150),
        session: DESKTOP_SESSION,
        checks: &[Check::ExitedByItself],
    },
    Suite {
        name: "desktop-vga",
        machine: bios("pc", 2, "512M"),
        cmdline: b"init=/bin/init,/etc/init/desktop-test.conf",
        timeout: secs(120),
        session: DESKTOP_VGA_SESSION,
        checks: &[Check::ExitedByItself],
    },
    Suite {
        name: "shell-session",
        machine: bios("pc", 2, "512M"),
        cmdline: b"",
        timeout: secs(600),
        session: SHELL_SESSION,
        checks: &[
            Check::OutputContains { name: "restarted-by-init", needle: "init: restarting shell-serial in 100 ms" },
            Check::ExitedByItself,
        ],
    },
    Suite {
        name: "exception-report",
        machine: bios("pc", 2, "256M"),
        cmdline: b"test=fault",
        timeout: secs(90),
        session: &[],
        checks: &[
            Check::ExceptionNamed { name: "report-names-exception", kind: "Page fault" },
            Check::ReportContains { name: "report-has-cr2-rip", needles: &["CR2=", "RIP="] },
            Check::ReportContains { name: "report-has-symbol", needles: &["trigger_page_fault"] },
            Check::HaltedCleanly,
        ],
    },
    Suite {
        name: "late-panic",
        machine: bios("pc", 2, "512M"),
        cmdline: b"test=late-panic",
        timeout: secs(120),
        session: &[
            Step { name: "termd-has-com1", wait: Wait::Serial("init: started shell-serial"), then: Input::Nothing },
            Step { name: "panic-on-serial", wait: Wait::Serial("PANIC: panicked at"), then: Input::Nothing },
            Step { name: "panic-on-screen", wait: Wait::Screen("late-panic test"), then: Input::Nothing },
        ],
        checks: &[Check::HaltedCleanly],
    },
    Suite {
        name: "nx-fault",
        machine: bios("pc", 2, "256M"),
        cmdline: b"test=nxfault",
        timeout: secs(90),
        session: &[],
        checks: &[
            Check::ExceptionNamed { name: "report-names-exception", kind: "Page fault" },
            Check::ReportContains { name: "report-instruction-fetch", needles: &["instruction fetch"] },
            Check::HaltedCleanly,
        ],
    },
];

/// The suites whose name contains `filter` (all of them for `None`).
pub fn select(filter: Option<&str>) -> Vec<&'static Suite> {
    SUITES.iter().filter(|s| filter.is_none_or(|f| s.name.contains(f))).collect()
}

/// The line the harness stops QEMU at: the kernel halts forever after it.
pub fn is_stop_line(line: &str) -> bool {
    line == protocol::HALTED_LINE
}

/// One named test result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    pub name: String,
    pub outcome: Result<(), String>,
}

/// Turns a finished boot (or the reason it could not start) into test results: the
/// kernel's own `TEST` lines first, then the harness checks.
pub fn evaluate(suite: &Suite, boot: Result<&Boot, &str>) -> Vec<TestResult> {
    let named = |name: &str, outcome| TestResult { name: format!("{}/{name}", suite.name), outcome };
    let boot = match boot {
        Ok(b) => b,
        Err(why) => {
            return suite.check_names().iter().map(|c| named(c, Err(why.to_string()))).collect();
        }
    };
    let lines: Vec<&str> = boot.lines.iter().map(|l| l.text.as_str()).collect();

    let mut results: Vec<TestResult> = lines
        .iter()
        .filter_map(|l| protocol::parse_test_line(l)?.ok())
        .map(|t| {
            let outcome = match t.verdict {
                TestVerdict::Ok => Ok(()),
                TestVerdict::Failed(reason) => Err(reason),
            };
            named(t.name, outcome)
        })
        .collect();

    // A hung or runaway boot fails every check, loudly, with the same reason.
    if let End::TimedOut(_) | End::Flooded(_) = boot.end {
        let why = boot.end.describe();
        results.extend(suite.check_names().iter().map(|c| named(c, Err(why.clone()))));
        return results;
    }
    for check in suite.checks {
        results.push(named(check.name(), run_check(check, &lines, boot)));
    }
    for (step, session) in boot.steps.iter().zip(suite.session) {
        let outcome = if step.1.is_some() { Ok(()) } else { Err(format!("never saw {}", session.describe())) };
        results.push(named(&format!("session/{}", step.0), outcome));
    }
    if suite.runs_selftests() {
        results.push(named(SELFTESTS_COMPLETE, selftests_complete(&lines, boot)));
    }
    results
}

fn log_lines<'a>(lines: &'a [&str]) -> impl Iterator<Item = protocol::LogLine<'a>> {
    lines.iter().filter_map(|l| protocol::parse_log_line(l))
}

fn fatal_line(line: &str) -> bool {
    line.starts_with(protocol::EXCEPTION_PREFIX) || line.starts_with(protocol::PANIC_PREFIX)
}

fn run_check(check: &Check, lines: &[&str], boot: &Boot) -> Result<(), String> {
    let end = boot.end;
    match check {
        Check::Summary { cpus, mem_mib } => summary(lines, *cpus, mem_mib),
        Check::OutputContains { needle, .. } => {
            if lines.iter().any(|l| l.contains(needle)) {
                Ok(())
            } else {
                Err(format!("no output line contains {needle:?}"))
            }
        }
        Check::LogContains { needle, .. } => {
            if log_lines(lines).any(|l| l.message.contains(needle)) {
                Ok(())
            } else {
                Err(format!("no log line contains {needle:?}"))
            }
        }
        Check::WarnMentions { needles, .. } => {
            let mut warns = log_lines(lines).filter(|l| l.level == Level::Warn);
            if warns.any(|l| needles.iter().any(|n| l.message.contains(n))) {
                Ok(())
            } else {
                Err(format!("no WARN log line mentions {}", any_of(needles)))
            }
        }
        Check::LogContainsNoErrors { needle, .. } => {
            let mut problems = Vec::new();
            if !log_lines(lines).any(|l| l.message.contains(needle)) {
                problems.push(format!("no log line contains {needle:?}"));
            }
            if let Some(e) = log_lines(lines).find(|l| l.level == Level::Error) {
                problems.push(format!("ERROR log line: {:?}", e.message));
            }
            verdict(problems)
        }
        Check::ExceptionNamed { kind, .. } => {
            let want = format!("{}{kind}", protocol::EXCEPTION_PREFIX);
            if lines.iter().any(|l| l.starts_with(&want)) {
                Ok(())
            } else {
                match lines.iter().find(|l| fatal_line(l)) {
                    Some(other) => Err(format!("expected {want:?}…, got {other:?}")),
                    None => Err(format!("no line starts with {want:?}")),
                }
            }
        }
        Check::ReportContains { needles, .. } => {
            // The first fatal report, through `cairn: halted` (or the end of the output).
            let start = lines.iter().position(|l| fatal_line(l)).ok_or("no EXCEPTION:/PANIC: report")?;
            let rest = &lines[start..];
            let len = rest.iter().position(|l| *l == protocol::HALTED_LINE).map_or(rest.len(), |i| i + 1);
            let report = &rest[..len];
            let missing: Vec<String> =
                needles.iter().filter(|n| !report.iter().any(|l| l.contains(*n))).map(|n| format!("{n:?}")).collect();
            if missing.is_empty() { Ok(()) } else { Err(format!("report lacks {}", missing.join(" and "))) }
        }
        Check::ExitedByItself => {
            if end == End::Exited(Some(0)) && !lines.iter().any(|l| l.starts_with("SELFTEST DONE")) {
                Ok(())
            } else {
                Err(format!("QEMU did not exit by itself with status 0 ({end:?})"))
            }
        }
        Check::HaltedCleanly => {
            let mut problems = Vec::new();
            if !lines.contains(&protocol::HALTED_LINE) {
                problems.push(format!("no {:?} line", protocol::HALTED_LINE));
            }
            if end != End::Stopped {
                problems.push(end.describe());
            }
            verdict(problems)
        }
        Check::PciMatchesQemu { behind_bridge, .. } => {
            let reply = boot.monitor.first().ok_or("no reply from the QEMU monitor")?;
            let guest = pcicheck::from_lspci(lines.iter().copied());
            pcicheck::compare(&guest, &pcicheck::from_info_pci(reply), *behind_bridge).map(drop)
        }
        // QEMU has ended, so the image is complete: the one check that reads a host file.
        Check::DiskImage { path, .. } => diskcheck::verify(std::path::Path::new(path)),
        Check::TableImage { image, .. } => tableimage::verify(*image),
        Check::Ext2Image { path, .. } => ext2check::verify(std::path::Path::new(path)),
        Check::Ext2Vanished { path, .. } => ext2check::verify_vanished(std::path::Path::new(path), lines),
        Check::HostPeer { peer, .. } => netpeer::verify(*peer),
        Check::HttpPeer { result, .. } => httppeer::verify(*result),
    }
}

/// `"a"` or `"a" or "b"`.
fn any_of(needles: &[&str]) -> String {
    needles.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(" or ")
}

fn verdict(problems: Vec<String>) -> Result<(), String> {
    if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
}

fn summary(lines: &[&str], cpus: u32, mem_mib: &RangeInclusive<u64>) -> Result<(), String> {
    let found: Vec<protocol::Summary> = lines.iter().filter_map(|l| protocol::parse_summary(l)).collect();
    let s = match found.as_slice() {
        [s] => s,
        [] => {
            let near = lines.iter().find(|l| l.starts_with("cairn: ") && **l != protocol::HALTED_LINE);
            return Err(match near {
                Some(l) => format!("malformed summary line {l:?}"),
                None => "no `cairn: <N> CPUs online, …` summary line".to_string(),
            });
        }
        many => return Err(format!("summary line printed {} times", many.len())),
    };
    let mut problems = Vec::new();
    if s.cpus != cpus {
        problems.push(format!("expected {cpus} CPUs online, kernel says {}", s.cpus));
    }
    if !mem_mib.contains(&s.mem_mib) {
        problems.push(format!("usable memory {} MiB is outside {}–{} MiB", s.mem_mib, mem_mib.start(), mem_mib.end()));
    }
    verdict(problems)
}

fn selftests_complete(lines: &[&str], boot: &Boot) -> Result<(), String> {
    let mut problems = Vec::new();
    let mut seen = 0;
    let mut failed = 0;
    for l in lines {
        match protocol::parse_test_line(l) {
            Some(Ok(t)) => {
                seen += 1;
                if t.verdict != TestVerdict::Ok {
                    failed += 1;
                }
            }
            Some(Err(why)) => problems.push(format!("malformed TEST line: {why}")),
            None => {}
        }
    }
    if seen == 0 {
        problems.push("no TEST lines".to_string());
    }
    if failed > 0 {
        problems.push(format!("{failed} self-test(s) FAILED"));
    }
    if let Some(f) = lines.iter().find(|l| fatal_line(l)) {
        problems.push(format!("fatal report: {f:?}"));
    }
    if !lines.iter().any(|l| protocol::is_selftest_done(l)) {
        problems.push("no `SELFTEST DONE` line".to_string());
    }
    if boot.end != End::Exited(Some(1)) {
        let mut end = boot.end.describe();
        if let Some(first) = boot.stderr.lines().find(|l| !l.trim().is_empty()) {
            end.push_str(&format!(" (QEMU: {first})"));
        }
        problems.push(end);
    }
    verdict(problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qemu::Line;

    fn boot(lines: &[&str], end: End) -> Boot {
        Boot {
            lines: lines.iter().map(|t| Line { at: Duration::ZERO, text: t.to_string() }).collect(),
            steps: Vec::new(),
            end,
            stderr: String::new(),
            monitor: Vec::new(),
        }
    }

    fn suite(name: &str) -> &'static Suite {
        SUITES.iter().find(|s| s.name == name).unwrap()
    }

    fn outcome<'a>(results: &'a [TestResult], name: &str) -> &'a Result<(), String> {
        &results.iter().find(|r| r.name == name).unwrap_or_else(|| panic!("no result {name} in {results:?}")).outcome
    }

    const GOOD_1CPU: &[&str] = &[
        "BdsDxe: noise",
        "[    0.000001] INFO  cairn starting",
        "cairn: 1 CPUs online, 250 MiB usable memory, boot 12 ms",
        "TEST alloc::basic ... ok",
        "TEST sched::yield ... ok",
        "SELFTEST DONE",
    ];

    #[test]
    fn output_checks_match_user_program_lines() {
        let s = suite("init-services");
        let lines = ["init: rootfs serves the root file system", "SELFTEST DONE (init exited)"];
        let r = evaluate(s, Ok(&boot(&lines, End::Exited(Some(0)))));
        assert_eq!(outcome(&r, "init-services/root-file-system"), &Ok(()));
        assert_eq!(
            outcome(&r, "init-services/crash-logged"),
            &Err("no output line contains \"init: service crasher ended: exit status: 3\"".to_string())
        );
    }

    #[test]
    fn table_is_consistent() {
        let mut names: Vec<_> = SUITES.iter().map(|s| s.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), SUITES.len(), "duplicate suite names");
        for s in SUITES {
            let mut checks = s.check_names();
            let n = checks.len();
            checks.sort();
            checks.dedup();
            assert_eq!(checks.len(), n, "duplicate check names in {}", s.name);
            assert!(!checks.is_empty(), "{} checks nothing", s.name);
            if s.machine.firmware == Firmware::Uefi {
                assert_eq!(s.machine.model, "q35", "{}", s.name);
            }
        }
        assert!(suite("garbled-cmdline").runs_selftests());
        assert!(!suite("exception-report").runs_selftests());
    }

    #[test]
    fn disk_suites_attach_the_image_they_check() {
        for name in ["nvme-q35", "nvme-restart", "virtio-blk", "lsblk-nvme", "ahci"] {
            let suite = suite(name);
            let paths: Vec<&str> = suite
                .checks
                .iter()
                .filter_map(|c| match c {
                    Check::DiskImage { path, .. } => Some(*path),
                    Check::TableImage { image, .. } => Some(image.path()),
                    _ => None,
                })
                .collect();
            assert!(!paths.is_empty(), "{name} checks no disk image");
            for path in paths {
                assert!(
                    suite.machine.devices.iter().any(|d| d.starts_with(&format!("file={path},"))),
                    "{name}: {path}"
                );
            }
        }
    }

    #[test]
    fn ext2_suite_attaches_the_images_it_makes() {
        let suite = suite("ext2-disk");
        let Some(Check::Ext2Image { path, .. }) = suite.checks.iter().find(|c| matches!(c, Check::Ext2Image { .. }))
        else {
            panic!("ext2-disk checks no image");
        };
        let (bad, crash) = (ext2check::bad_image(path.as_ref()), ext2check::crash_image(path.as_ref()));
        let broken = ext2check::broken_image(path.as_ref());
        let images = [*path, &bad.display().to_string(), &crash.display().to_string(), &broken.display().to_string()]
            .map(String::from);
        for image in images {
            assert!(suite.machine.devices.iter().any(|d| d.starts_with(&format!("file={image},"))), "{image}");
        }
    }

    #[test]
    fn select_filters_by_substring() {
        assert_eq!(select(None).len(), SUITES.len());
        let uefi: Vec<_> = select(Some("uefi")).iter().map(|s| s.name).collect();
        assert_eq!(uefi, ["uefi-2cpu", "uefi-8cpu-8g", "user-uefi-4cpu", "poweroff-uefi", "pci-q35-uefi"]);
        assert!(select(Some("nope")).is_empty());
    }

    #[test]
    fn passing_selftest_boot() {
        let r = evaluate(suite("bios-1cpu"), Ok(&boot(GOOD_1CPU, End::Exited(Some(1)))));
        let names: Vec<_> = r.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "bios-1cpu/alloc::basic",
                "bios-1cpu/sched::yield",
                "bios-1cpu/summary-line",
                "bios-1cpu/selftests-complete"
            ]
        );
        assert!(r.iter().all(|r| r.outcome.is_ok()), "{r:?}");
    }

    #[test]
    fn failed_selftest_and_exit_status() {
        let mut lines = GOOD_1CPU.to_vec();
        lines[4] = "TEST sched::yield ... FAILED: ran twice";
        let r = evaluate(suite("bios-1cpu"), Ok(&boot(&lines, End::Exited(Some(3)))));
        assert_eq!(outcome(&r, "bios-1cpu/sched::yield"), &Err("ran twice".to_string()));
        let e = outcome(&r, "bios-1cpu/selftests-complete").clone().unwrap_err();
        assert!(e.contains("1 self-test(s) FAILED"), "{e}");
        assert!(e.contains("exit 3"), "{e}");
    }

    #[test]
    fn triple_fault_is_a_failure() {
        let r = evaluate(suite("bios-1cpu"), Ok(&boot(&GOOD_1CPU[..4], End::Exited(Some(0)))));
        let e = outcome(&r, "bios-1cpu/selftests-complete").clone().unwrap_err();
        assert!(e.contains("triple fault"), "{e}");
        assert!(e.contains("SELFTEST DONE"), "{e}");
    }

    #[test]
    fn selftests_need_test_lines_and_no_fatal_report() {
        let r = evaluate(
            suite("bios-1cpu"),
            Ok(&boot(&["SELFTEST DONE", "TEST broken", "PANIC: oops"], End::Exited(Some(1)))),
        );
        let e = outcome(&r, "bios-1cpu/selftests-complete").clone().unwrap_err();
        assert!(e.contains("no TEST lines"), "{e}");
        assert!(e.contains("malformed TEST line"), "{e}");
        assert!(e.contains("PANIC: oops"), "{e}");
    }

    #[test]
    fn summary_check_reasons() {
        let s = suite("bios-4cpu");
        let r =
            evaluate(s, Ok(&boot(&["cairn: 2 CPUs online, 100 MiB usable memory, boot 1 ms"], End::Exited(Some(1)))));
        let e = outcome(&r, "bios-4cpu/summary-line").clone().unwrap_err();
        assert!(e.contains("expected 4 CPUs"), "{e}");
        assert!(e.contains("100 MiB is outside 400–512"), "{e}");

        let r = evaluate(s, Ok(&boot(&["cairn: 4 CPUs, lots"], End::Exited(Some(1)))));
        let e = outcome(&r, "bios-4cpu/summary-line").clone().unwrap_err();
        assert!(e.contains("malformed"), "{e}");

        let twice = "cairn: 4 CPUs online, 500 MiB usable memory, boot 1 ms";
        let r = evaluate(s, Ok(&boot(&[twice, twice], End::Exited(Some(1)))));
        let e = outcome(&r, "bios-4cpu/summary-line").clone().unwrap_err();
        assert!(e.contains("2 times"), "{e}");
    }

    #[test]
    fn timeout_fails_every_check() {
        let r = evaluate(suite("uefi-2cpu"), Ok(&boot(&["TEST a ... ok"], End::TimedOut(Duration::from_secs(120)))));
        assert_eq!(outcome(&r, "uefi-2cpu/a"), &Ok(()));
        for c in ["summary-line", "framebuffer-console", "selftests-complete"] {
            assert_eq!(outcome(&r, &format!("uefi-2cpu/{c}")), &Err("timeout after 120s".to_string()));
        }
        assert_eq!(r.len(), 4);

        let r = evaluate(suite("bios-1cpu"), Ok(&boot(GOOD_1CPU, End::Flooded(64 << 20))));
        let e = outcome(&r, "bios-1cpu/summary-line").clone().unwrap_err();
        assert!(e.contains("exceeded 64 MiB"), "{e}");
    }

    #[test]
    fn start_failure_fails_every_check() {
        let r = evaluate(suite("nx-fault"), Err("starting qemu: no such file"));
        assert_eq!(r.len(), 3);
        assert!(r.iter().all(|r| r.outcome.is_err()));
    }

    #[test]
    fn log_checks() {
        let warn = "[    0.1] WARN  acpi: no RSDP found, ACPI disabled";
        let r = evaluate(suite("acpi-off"), Ok(&boot(&[warn], End::Exited(Some(1)))));
        assert_eq!(outcome(&r, "acpi-off/acpi-warning"), &Ok(()));
        let info = "[    0.1] INFO  ACPI disabled";
        let r = evaluate(suite("acpi-off"), Ok(&boot(&[info], End::Exited(Some(1)))));
        assert!(outcome(&r, "acpi-off/acpi-warning").is_err());

        let s = suite("vga-none");
        let ok = "[    0.1] INFO  no framebuffer; serial console only";
        let r = evaluate(s, Ok(&boot(&[ok], End::Exited(Some(1)))));
        assert_eq!(outcome(&r, "vga-none/no-framebuffer"), &Ok(()));
        let err = "[    0.2] ERROR bad thing";
        let r = evaluate(s, Ok(&boot(&[ok, err], End::Exited(Some(1)))));
        let e = outcome(&r, "vga-none/no-framebuffer").clone().unwrap_err();
        assert!(e.contains("bad thing"), "{e}");

        let s = suite("uefi-2cpu");
        let fb = "[    0.1] INFO  framebuffer: 1024x768 32bpp at 0x80000000";
        let r = evaluate(s, Ok(&boot(&[fb], End::Exited(Some(1)))));
        assert_eq!(outcome(&r, "uefi-2cpu/framebuffer-console"), &Ok(()));

        let s = suite("garbled-cmdline");
        let w = "[    0.1] WARN  cmdline: ignoring unknown word \"===\"";
        let r = evaluate(s, Ok(&boot(&[w], End::Exited(Some(1)))));
        assert_eq!(outcome(&r, "garbled-cmdline/cmdline-warning"), &Ok(()));
        let w = "[    0.1] WARN  command line: ignoring unknown option \"foo\"";
        let r = evaluate(s, Ok(&boot(&[w], End::Exited(Some(1)))));
        assert_eq!(outcome(&r, "garbled-cmdline/cmdline-warning"), &Ok(()));
        let w = "[    0.1] INFO  command line: test=kernel";
        let r = evaluate(s, Ok(&boot(&[w], End::Exited(Some(1)))));
        assert_eq!(
            outcome(&r, "garbled-cmdline/cmdline-warning"),
            &Err("no WARN log line mentions \"cmdline\" or \"command line\"".to_string())
        );
    }

    const FAULT: &[&str] = &[
        "cairn: 2 CPUs online, 250 MiB usable memory, boot 12 ms",
        "EXCEPTION: Page fault (#PF) on CPU 0, error 0x2 (write, not present)",
        "  RIP=0xffffffff80012345 cairn_kernel::selftest::fault::trigger_page_fault::h0123456789abcdef+0x1c",
        "  CR2=0x0000dead00000000",
        "cairn: halted",
    ];

    #[test]
    fn exception_report_passes() {
        let r = evaluate(suite("exception-report"), Ok(&boot(FAULT, End::Stopped)));
        assert_eq!(r.len(), 4);
        assert!(r.iter().all(|r| r.outcome.is_ok()), "{r:?}");
    }

    #[test]
    fn exception_report_failures() {
        let s = suite("exception-report");
        let r = evaluate(s, Ok(&boot(FAULT, End::Exited(Some(0)))));
        let e = outcome(&r, "exception-report/halted-cleanly").clone().unwrap_err();
        assert!(e.contains("triple fault"), "{e}");

        // Text after `cairn: halted` is not part of the report.
        let mut lines = FAULT.to_vec();
        lines.remove(3);
        lines.push("CR2=late");
        let r = evaluate(s, Ok(&boot(&lines, End::Stopped)));
        let e = outcome(&r, "exception-report/report-has-cr2-rip").clone().unwrap_err();
        assert!(e.contains("\"CR2=\""), "{e}");

        let mut lines = FAULT.to_vec();
        lines[1] = "EXCEPTION: General protection fault";
        let r = evaluate(s, Ok(&boot(&lines, End::Stopped)));
        let e = outcome(&r, "exception-report/report-names-exception").clone().unwrap_err();
        assert!(e.contains("General protection"), "{e}");

        let r = evaluate(s, Ok(&boot(&FAULT[..1], End::TimedOut(secs(90)))));
        assert!(r.iter().all(|r| r.outcome == Err("timeout after 90s".into())));
    }

    #[test]
    fn nx_fault_needs_instruction_fetch() {
        let s = suite("nx-fault");
        let mut lines = FAULT.to_vec();
        let r = evaluate(s, Ok(&boot(&lines, End::Stopped)));
        assert!(outcome(&r, "nx-fault/report-instruction-fetch").is_err());
        lines[1] = "EXCEPTION: Page fault (#PF) on CPU 0, error 0x11 (instruction fetch, present)";
        let r = evaluate(s, Ok(&boot(&lines, End::Stopped)));
        assert!(r.iter().all(|r| r.outcome.is_ok()), "{r:?}");
    }
}
