//! One terminal: a device, its line discipline, foreground process group,
//! window size, the reads waiting for input and the handles watching it;
//! for a pseudo-terminal also the reads waiting at its master.

use cairn_rt::abi::error::{EINTR, EINVAL, EIO};
use cairn_rt::abi::{EVENT_READ, EVENT_WRITE};
use cairn_rt::collections::VecDeque;
use cairn_rt::scheme::Server;
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{String, Vec};
use cairn_term::job_control::{Access, ProcessGroup, read_access, write_access};
use cairn_term::line_discipline::{LineDiscipline, ReadWait, TimerStart};
use cairn_term::termios::{Termios, WindowSize};

use crate::device::{Device, PtyMaster};

/// A control handle's setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ControlKind {
    Termios,
    ForegroundGroup,
    WindowSize,
}

/// A read waiting for input, and when its `VTIME` timer runs out.
struct PendingRead {
    id: u64,
    len: usize,
    deadline: Option<Instant>,
}

/// What a waiting read answer holds at most.
const MAX_READ: usize = 4096;

pub struct Terminal {
    pub name: String,
    pub device: Device,
    discipline: LineDiscipline,
    foreground: u32,
    window: WindowSize,
    reads: VecDeque<PendingRead>,
    /// Reads waiting at a pseudo-terminal's master.
    master_reads: VecDeque<PendingRead>,
    /// Handles a client watches in an event queue.
    watched: Vec<u64>,
}

/// What a request gets back: a value or errno, and a payload.
pub type Answer = (Result<usize, i32>, Vec<u8>);

impl Terminal {
    pub fn new(name: String, device: Device) -> Terminal {
        let (rows, cols) = device.size();
        Terminal {
            name,
            device,
            discipline: LineDiscipline::new(Termios::default()),
            foreground: 0,
            window: WindowSize { rows, cols, xpixel: 0, ypixel: 0 },
            reads: VecDeque::new(),
            master_reads: VecDeque::new(),
            watched: Vec::new(),
        }
    }

    fn master(&mut self) -> Option<&mut PtyMaster> {
        match &mut self.device {
            Device::Pty(master) => Some(master),
            _ => None,
        }
    }

    /// Whether this is a pseudo-terminal whose master has gone.
    fn hung_up(&self) -> bool {
        matches!(&self.device, Device::Pty(master) if master.hung_up)
    }

    /// Sends output to the device and answers what it causes: input from
    /// the screen, data for a waiting master read.
    fn show(&mut self, bytes: &[u8], server: &Server) {
        let answers = self.device.send(bytes);
        self.answer_master(server);
        self.feed(&answers, server);
    }

    /// A read at a pseudo-terminal's master: what the terminal showed,
    /// answered now if there is some, else later.
    pub fn master_read(&mut self, id: u64, len: usize, server: &Server) -> Option<Answer> {
        self.master()?;
        self.master_reads.push_back(PendingRead { id, len, deadline: None });
        self.answer_master(server);
        None
    }

    /// Answers waiting master reads, oldest first, while the terminal has
    /// shown something. What a reader that gave up was offered stays.
    fn answer_master(&mut self, server: &Server) {
        while let Some(read) = self.master_reads.front() {
            let len = read.len;
            let Some(master) = self.master().filter(|m| !m.shown.is_empty()) else { return };
            let count = len.min(master.shown.len()).min(MAX_READ);
            let data: Vec<u8> = master.shown.iter().take(count).copied().collect();
            let read = self.master_reads.pop_front().expect("front exists");
            if server.respond(read.id, Ok(count), &data).is_ok()
                && let Some(master) = self.master()
            {
                master.shown.drain(..count);
            }
        }
    }

    /// A write at a pseudo-terminal's master: typed input.
    pub fn master_write(&mut self, bytes: &[u8], server: &Server) {
        self.feed(bytes, server);
    }

    /// The master closed: readers see the end, the foreground group gets
    /// SIGHUP.
    pub fn hang_up(&mut self, server: &Server) {
        if let Some(master) = self.master() {
            master.hung_up = true;
            master.shown.clear();
        }
        if self.foreground > 1 {
            let _ = cairn_rt::signal::kill_group(self.foreground as usize, cairn_rt::signal::SIGHUP);
        }
        for read in self.reads.drain(..) {
            let _ = server.respond(read.id, Ok(0), &[]);
        }
    }

    /// Bytes from the device: echo them, raise signals, answer reads.
    pub fn input(&mut self, server: &Server) {
        let bytes = self.device.receive();
        self.feed(&bytes, server);
    }

    fn feed(&mut self, bytes: &[u8], server: &Server) {
        if bytes.is_empty() {
            return;
        }
        let received = self.discipline.receive(bytes);
        self.restart_byte_timers();
        self.show(&received.echo, server);
        for signal in received.signals {
            if self.foreground > 1 {
                let _ = cairn_rt::signal::kill_group(self.foreground as usize, signal.number() as usize);
            }
        }
        self.answer_reads(server);
        if self.discipline.readable_len() > 0 {
            for handle in &self.watched {
                let _ = server.post_event(*handle, EVENT_READ | EVENT_WRITE);
            }
        }
    }

    /// Job control: may process `caller` go on? If its group is not the
    /// foreground one and `access` says so, the group gets the signal
    /// (SIGTTIN, SIGTTOU) and the call `EINTR` (it runs again when the
    /// group is continued; if the signal is ignored it stays `EINTR`).
    fn allowed(
        &self,
        caller: u32,
        access: impl FnOnce(Option<ProcessGroup>, ProcessGroup) -> Access,
    ) -> Result<(), i32> {
        let Ok(group) = cairn_rt::process::getpgid(caller as usize) else { return Ok(()) };
        let foreground = (self.foreground > 1).then_some(ProcessGroup(self.foreground));
        match access(foreground, ProcessGroup(group as u32)) {
            Access::Allowed => Ok(()),
            Access::Signal(signal) => {
                let sent = cairn_rt::signal::kill_group(group, signal.number() as usize);
                Err(if sent.is_ok() { EINTR } else { EIO })
            }
        }
    }

    /// Output written by process `caller` (a background one under TOSTOP
    /// gets SIGTTOU).
    pub fn output(&mut self, bytes: &[u8], caller: u32, server: &Server) -> Result<usize, i32> {
        if self.hung_up() {
            return Err(EIO);
        }
        let termios = *self.discipline.termios();
        self.allowed(caller, |foreground, group| write_access(&termios, foreground, group))?;
        let processed = self.discipline.process_output(bytes);
        self.show(&processed, server);
        Ok(bytes.len())
    }

    /// A read by process `caller`: answered now if the discipline has data
    /// (or the terminal hung up), else later. A process outside the
    /// foreground group is sent SIGTTIN (which stops it; its read runs again
    /// when it is continued) and told `EINTR`; `EIO` if it cannot be sent.
    pub fn read(&mut self, id: u64, len: usize, caller: u32, server: &Server) -> Option<Answer> {
        if self.hung_up() {
            return Some((Ok(0), Vec::new()));
        }
        if let Err(errno) = self.allowed(caller, read_access) {
            return Some((Err(errno), Vec::new()));
        }
        let deadline = self.timer(len);
        self.reads.push_back(PendingRead { id, len, deadline });
        self.answer_reads(server);
        None
    }

    /// When a read of `len` bytes waiting from now gives up (`VTIME`).
    fn timer(&self, len: usize) -> Option<Instant> {
        match self.discipline.read_wait(len) {
            ReadWait::WaitAtMost { timeout, .. } => {
                Some(Instant::now() + Duration::from_millis(u64::from(timeout.0) * 100))
            }
            ReadWait::Ready | ReadWait::Wait => None,
        }
    }

    /// Input arrived: inter-byte timers start again (and start for reads
    /// that had no byte yet).
    fn restart_byte_timers(&mut self) {
        for index in 0..self.reads.len() {
            let len = self.reads[index].len;
            if let ReadWait::WaitAtMost { from: TimerStart::LastByte, .. } = self.discipline.read_wait(len) {
                self.reads[index].deadline = self.timer(len);
            }
        }
    }

    /// When the first waiting read's timer runs out, if it has one.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.reads.iter().filter_map(|read| read.deadline).min()
    }

    /// Answers waiting reads, oldest first, while the discipline says so
    /// or their timer ran out.
    pub fn answer_reads(&mut self, server: &Server) {
        let now = Instant::now();
        while let Some(read) = self.reads.front() {
            let ready = match self.discipline.read_wait(read.len) {
                ReadWait::Ready => true,
                ReadWait::WaitAtMost { .. } => read.deadline.is_some_and(|deadline| deadline <= now),
                ReadWait::Wait => false,
            };
            if !ready {
                return;
            }
            let read = self.reads.pop_front().expect("front exists");
            self.deliver(server, read.id, read.len);
        }
    }

    /// Answers read `id` with up to `len` bytes of input, which the
    /// discipline gives up only once the answer is taken: the client of a
    /// read may have been killed or interrupted just before (the kernel
    /// then refuses the answer), and its input belongs to the next reader.
    fn deliver(&mut self, server: &Server, id: u64, len: usize) {
        let mut data = cairn_rt::vec![0u8; len.min(MAX_READ)];
        let count = self.discipline.peek(&mut data);
        if server.respond(id, Ok(count), &data[..count]).is_ok() {
            self.discipline.consume(data.len(), count);
        }
    }

    /// The client of read `id` gave up.
    pub fn cancel(&mut self, id: u64) {
        self.reads.retain(|read| read.id != id);
        self.master_reads.retain(|read| read.id != id);
    }

    /// A client watches `handle`; returns the readiness now.
    pub fn watch(&mut self, handle: u64) -> u32 {
        self.watched.push(handle);
        EVENT_WRITE | if self.discipline.readable_len() > 0 { EVENT_READ } else { 0 }
    }

    pub fn unwatch(&mut self, handle: u64) {
        self.watched.retain(|h| *h != handle);
    }

    pub fn control_read(&self, kind: ControlKind) -> Vec<u8> {
        match kind {
            ControlKind::Termios => self.discipline.termios().to_bytes().to_vec(),
            ControlKind::ForegroundGroup => self.foreground.to_le_bytes().to_vec(),
            ControlKind::WindowSize => self.window.to_bytes().to_vec(),
        }
    }

    pub fn control_write(&mut self, kind: ControlKind, bytes: &[u8]) -> Result<usize, i32> {
        match kind {
            ControlKind::Termios => self.discipline.set_termios(Termios::from_bytes(bytes).map_err(|_| EINVAL)?),
            ControlKind::ForegroundGroup => {
                let group: [u8; 4] = bytes.try_into().map_err(|_| EINVAL)?;
                self.foreground = u32::from_le_bytes(group);
            }
            ControlKind::WindowSize => self.window = WindowSize::from_bytes(bytes).map_err(|_| EINVAL)?,
        }
        Ok(bytes.len())
    }
}
