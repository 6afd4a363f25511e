//! The line discipline: what a terminal does between the device and the processes reading and
//! writing it, following Linux's `n_tty` for the settings in [`crate::termios`].
//!
//! The terminal server feeds device input to [`LineDiscipline::receive`], writes the returned
//! echo back to the device and sends the returned signals to the foreground process group;
//! readers take data with [`LineDiscipline::read`] when [`LineDiscipline::read_wait`] says so;
//! process output goes through [`LineDiscipline::process_output`]. While
//! [`LineDiscipline::output_stopped`] (`^S` under `IXON`) the server holds back all output,
//! echo included.
//!
//! Input is bounded: the line being edited and the readable queue share [`INPUT_CAPACITY`]
//! bytes. In canonical mode the last byte is kept for a line end so that a full line can always
//! be completed; what does not fit is dropped, with a bell echoed under `IMAXBEL`.

mod echo;
mod editing;
mod input_queue;
mod output;

#[cfg(test)]
mod tests;

use alloc::vec::Vec;

use crate::job_control::Signal;
use crate::termios::{Cc, ControlFlags, InputFlags, LocalFlags, Termios};
use echo::echo_char;
use editing::{Erase, erase};
use input_queue::InputQueue;
use output::OutputColumns;

/// Bytes of input a terminal holds (Linux's `N_TTY_BUF_SIZE`).
pub const INPUT_CAPACITY: usize = 4096;

const BELL: u8 = 0x07;

/// What received input asks of the server.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Received {
    /// Bytes to write to the device, already output-processed.
    pub echo: Vec<u8>,
    /// Signals for the foreground process group, in order.
    pub signals: Vec<Signal>,
}

/// A time in tenths of a second (the unit of `VTIME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Deciseconds(pub u8);

/// When a `VTIME` timer starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimerStart {
    /// When the read call started (`VMIN` 0): on expiry the read returns 0.
    ReadStart,
    /// When the last byte arrived, restarting with every byte (`VMIN` > 0, inter-byte timer).
    LastByte,
}

/// What a reader asking for some bytes should do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReadWait {
    /// Call [`LineDiscipline::read`] now; it may return 0 (end of file, or a `VMIN` 0 poll).
    Ready,
    /// Block until more input arrives, then ask again.
    Wait,
    /// Block until more input arrives or the timer runs out; on expiry call
    /// [`LineDiscipline::read`], which returns what there is.
    WaitAtMost { timeout: Deciseconds, from: TimerStart },
}

/// The state of one terminal's line discipline.
#[derive(Clone, Debug)]
pub struct LineDiscipline {
    termios: Termios,
    queue: InputQueue,
    /// The line being edited (canonical mode).
    line: Vec<u8>,
    columns: OutputColumns,
    /// `VLNEXT` was typed: the next byte is taken literally.
    literal_next: bool,
    output_stopped: bool,
}

impl Default for LineDiscipline {
    fn default() -> Self {
        Self::new(Termios::default())
    }
}

impl LineDiscipline {
    /// A line discipline with these settings and no input.
    pub fn new(termios: Termios) -> Self {
        Self {
            termios,
            queue: InputQueue::default(),
            line: Vec::new(),
            columns: OutputColumns::default(),
            literal_next: false,
            output_stopped: false,
        }
    }

    /// The settings.
    pub fn termios(&self) -> &Termios {
        &self.termios
    }

    /// Changes the settings (tcsetattr with `TCSANOW`). Leaving canonical mode makes the line
    /// being edited readable; entering it turns what is queued into one completed line.
    pub fn set_termios(&mut self, termios: Termios) {
        let was_canonical = self.termios.is_canonical();
        self.termios = termios;
        if was_canonical != termios.is_canonical() {
            self.literal_next = false;
            if termios.is_canonical() {
                self.queue.make_line();
            } else {
                self.queue.forget_lines();
                self.queue.push_bytes(&self.line);
                self.line.clear();
            }
        }
        if !termios.input.contains(InputFlags::IXON) {
            self.output_stopped = false;
        }
    }

    /// Whether output is stopped by `VSTOP` under `IXON`.
    pub fn output_stopped(&self) -> bool {
        self.output_stopped
    }

    /// Drops all pending input, readable or being edited (tcflush with `TCIFLUSH`).
    pub fn flush_input(&mut self) {
        self.queue.clear();
        self.line.clear();
        self.literal_next = false;
    }

    /// Bytes a read could return now (in canonical mode: of completed lines only). A pending
    /// end-of-file mark counts 0 but still makes [`Self::read_wait`] ready.
    pub fn readable_len(&self) -> usize {
        self.queue.len()
    }

    /// What a reader that wants `requested` bytes should do, following POSIX: in canonical mode
    /// wait for a completed line; otherwise by `VMIN` and `VTIME`.
    pub fn read_wait(&self, requested: usize) -> ReadWait {
        if requested == 0 {
            return ReadWait::Ready;
        }
        if self.termios.is_canonical() {
            return if self.queue.has_line() { ReadWait::Ready } else { ReadWait::Wait };
        }
        let available = self.queue.len();
        let min = usize::from(self.termios.cc[Cc::Min]);
        let time = self.termios.cc[Cc::Time];
        let timeout = Deciseconds(time);
        match (min, time) {
            (0, 0) => ReadWait::Ready,
            (0, _) if available == 0 => ReadWait::WaitAtMost { timeout, from: TimerStart::ReadStart },
            (0, _) => ReadWait::Ready,
            _ if available >= min.min(requested) => ReadWait::Ready,
            (_, 0) => ReadWait::Wait,
            _ if available == 0 => ReadWait::Wait,
            _ => ReadWait::WaitAtMost { timeout, from: TimerStart::LastByte },
        }
    }

    /// Takes readable input into `buf` and returns how many bytes were stored. In canonical
    /// mode a read returns at most one line, and 0 for an end-of-file mark.
    pub fn read(&mut self, buf: &mut [u8]) -> usize {
        self.queue.read(buf)
    }

    /// What [`Self::read`] would store in `buf`, left readable until [`Self::consume`]: for a
    /// server that takes the input only once its reader has it.
    pub fn peek(&self, buf: &mut [u8]) -> usize {
        self.queue.peek(buf)
    }

    /// Takes what a [`Self::peek`] into a buffer of `room` bytes returned (`count` bytes).
    pub fn consume(&mut self, room: usize, count: usize) {
        self.queue.consume(room, count);
    }

    /// Processes bytes a process writes, for the device.
    pub fn process_output(&mut self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        self.columns.process(&self.termios, bytes, &mut out);
        out
    }

    /// Processes bytes that came from the device (typed keys).
    pub fn receive(&mut self, input: &[u8]) -> Received {
        let mut received = Received::default();
        if self.termios.control.contains(ControlFlags::CREAD) {
            for &byte in input {
                self.receive_byte(byte, &mut received);
            }
        }
        received
    }

    fn receive_byte(&mut self, byte: u8, received: &mut Received) {
        let termios = self.termios;
        let byte = if termios.input.contains(InputFlags::ISTRIP) { byte & 0x7f } else { byte };
        if self.literal_next {
            self.literal_next = false;
            self.store(byte, Stored::Literal, received);
            return;
        }
        let cc = &termios.cc;
        if termios.input.contains(InputFlags::IXON) {
            if cc.is(Cc::Start, byte) {
                self.output_stopped = false;
                return;
            }
            if cc.is(Cc::Stop, byte) {
                self.output_stopped = true;
                return;
            }
        }
        if termios.local.contains(LocalFlags::ISIG) {
            let signal = [(Cc::Intr, Signal::Int), (Cc::Quit, Signal::Quit), (Cc::Susp, Signal::Tstp)]
                .into_iter()
                .find_map(|(which, signal)| cc.is(which, byte).then_some(signal));
            if let Some(signal) = signal {
                self.signal(signal, byte, received);
                return;
            }
        }
        if termios.input.contains(InputFlags::IXON | InputFlags::IXANY) {
            self.output_stopped = false;
        }
        let Some(byte) = translate_line_end(termios.input, byte) else {
            return;
        };
        if termios.is_canonical() && self.special(byte, received) {
            return;
        }
        self.store(byte, Stored::Ordinary, received);
    }

    /// Handles the canonical-mode special characters; false if `byte` is an ordinary one.
    fn special(&mut self, byte: u8, received: &mut Received) -> bool {
        let termios = self.termios;
        let cc = &termios.cc;
        let extended = termios.local.contains(LocalFlags::IEXTEN);
        let echo = termios.local.contains(LocalFlags::ECHO);
        let what = if cc.is(Cc::Erase, byte) {
            Some(Erase::Char)
        } else if cc.is(Cc::Kill, byte) {
            Some(Erase::Line)
        } else if extended && cc.is(Cc::Werase, byte) {
            Some(Erase::Word)
        } else {
            None
        };
        if let Some(what) = what {
            let mut raw = Vec::new();
            erase(&mut self.line, what, &termios, self.columns, &mut raw);
            self.echo(&raw, received);
        } else if extended && cc.is(Cc::Lnext, byte) {
            self.literal_next = true;
            if echo && termios.local.contains(LocalFlags::ECHOCTL) {
                self.echo(b"^\x08", received);
            }
        } else if extended && echo && cc.is(Cc::Reprint, byte) {
            self.reprint(byte, received);
        } else if byte == b'\n' {
            if echo || termios.local.contains(LocalFlags::ECHONL) {
                self.echo(b"\n", received);
            }
            self.end_line(Some(byte), received);
        } else if cc.is(Cc::Eof, byte) {
            self.end_line(None, received);
        } else if cc.is(Cc::Eol, byte) || (extended && cc.is(Cc::Eol2, byte)) {
            self.echo_typed(byte, received);
            self.end_line(Some(byte), received);
        } else {
            return false;
        }
        true
    }

    /// Queues a data byte: into the line in canonical mode, else readable.
    fn store(&mut self, byte: u8, how: Stored, received: &mut Received) {
        let reserve = usize::from(self.termios.is_canonical());
        if self.used() + reserve >= INPUT_CAPACITY {
            self.drop_input(received);
            return;
        }
        if byte == b'\n' && how == Stored::Ordinary {
            if self.termios.local.contains(LocalFlags::ECHO) {
                self.echo(b"\n", received);
            }
        } else {
            self.echo_typed(byte, received);
        }
        if self.termios.is_canonical() {
            self.line.push(byte);
        } else {
            self.queue.push_bytes(&[byte]);
        }
    }

    /// Completes the line being edited, ended by `end` (kept in the data) or by `VEOF` (not).
    fn end_line(&mut self, end: Option<u8>, received: &mut Received) {
        if self.used() >= INPUT_CAPACITY {
            self.drop_input(received);
            return;
        }
        self.line.extend(end);
        self.queue.push_line(&self.line);
        self.line.clear();
    }

    /// Handles a signal character: flushes input (unless `NOFLSH`), restarts output, echoes.
    fn signal(&mut self, signal: Signal, byte: u8, received: &mut Received) {
        if !self.termios.local.contains(LocalFlags::NOFLSH) {
            self.flush_input();
        }
        if self.termios.input.contains(InputFlags::IXON) {
            self.output_stopped = false;
        }
        if self.termios.local.contains(LocalFlags::ECHO) {
            self.echo_byte(byte, received);
        }
        received.signals.push(signal);
    }

    /// `VREPRINT`: echoes the character, a newline and the line being edited again.
    fn reprint(&mut self, byte: u8, received: &mut Received) {
        self.echo_byte(byte, received);
        self.echo(b"\n", received);
        self.columns.mark_line_start();
        let mut raw = Vec::new();
        for &typed in &self.line {
            echo_char(&self.termios, typed, &mut raw);
        }
        self.echo(&raw, received);
    }

    /// Echoes a typed byte, noting where the line starts if it is the first.
    fn echo_typed(&mut self, byte: u8, received: &mut Received) {
        if !self.termios.local.contains(LocalFlags::ECHO) {
            return;
        }
        if self.line.is_empty() {
            self.columns.mark_line_start();
        }
        self.echo_byte(byte, received);
    }

    /// Echoes one byte (as `^X` if it is a control character under `ECHOCTL`).
    fn echo_byte(&mut self, byte: u8, received: &mut Received) {
        let mut raw = Vec::with_capacity(2);
        echo_char(&self.termios, byte, &mut raw);
        self.echo(&raw, received);
    }

    /// Input that does not fit is dropped, with a bell under `IMAXBEL`.
    fn drop_input(&mut self, received: &mut Received) {
        if self.termios.input.contains(InputFlags::IMAXBEL) {
            self.echo(&[BELL], received);
        }
    }

    /// Echoes bytes through output processing.
    fn echo(&mut self, raw: &[u8], received: &mut Received) {
        self.columns.process(&self.termios, raw, &mut received.echo);
    }

    /// Input room taken: the readable queue and the line being edited.
    fn used(&self) -> usize {
        self.queue.used() + self.line.len()
    }
}

/// How a data byte reached the queue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stored {
    /// Typed and not special: a `\n` echoes as a newline.
    Ordinary,
    /// After `VLNEXT`: echoed like any other byte (`^J` for `\n` under `ECHOCTL`).
    Literal,
}

/// `IGNCR`, `ICRNL` and `INLCR`: `None` for a `\r` to ignore.
fn translate_line_end(flags: InputFlags, byte: u8) -> Option<u8> {
    match byte {
        b'\r' if flags.contains(InputFlags::IGNCR) => None,
        b'\r' if flags.contains(InputFlags::ICRNL) => Some(b'\n'),
        b'\n' if flags.contains(InputFlags::INLCR) => Some(b'\r'),
        _ => Some(byte),
    }
}
