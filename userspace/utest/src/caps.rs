//! fds as capabilities, and pipes: rights are checked and never grow, fds
//! close on exec when asked, pipes carry data between threads and
//! processes with the POSIX end-of-file, `EPIPE`/SIGPIPE and non-blocking
//! rules.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use cairn_rt::abi::error::{EACCES, EAGAIN, EBADF, EBUSY, EINVAL, ENODEV, ENOENT, EPIPE};
use cairn_rt::abi::signal::SIGPIPE;
use cairn_rt::abi::{EVENT_READ, Event, FramebufferInfo, MapFlags};
use cairn_rt::events::EventQueue;
use cairn_rt::fd::{self, O_CLOEXEC, O_NONBLOCK, ObjectType, OwnedFd, rights};
use cairn_rt::fs::{File, OpenOptions};
use cairn_rt::io::{Read, Write};
use cairn_rt::process::{self, Command};
use cairn_rt::time::Duration;
use cairn_rt::{String, Vec, format, signal, thread};

use crate::util::{TestResult, ensure, expect_errno, expect_exit, expect_signal, in_child, ok, spawn_child};

/// First argument that makes utest act as the close-on-exec checker.
pub const CLOEXEC_CHILD: &str = "--cloexec-child";

fn open_initfs_file() -> Result<OwnedFd, cairn_rt::String> {
    let file = ok("open /bin/true", File::open("/bin/true"))?;
    // SAFETY: the `File` gives up its fd, which the `OwnedFd` then owns.
    Ok(unsafe { OwnedFd::from_raw(file.into_raw_fd()) })
}

pub fn read_only_fd_cannot_write() -> TestResult {
    let mut file = open_initfs_file()?;
    let info = ok("fd_info", file.info())?;
    ensure!(info.object_type == ObjectType::InitfsFile as u32, "object type {}", info.object_type);
    ensure!(info.rights & rights::READ != 0 && info.rights & rights::WRITE == 0, "rights {:#x}", info.rights);
    expect_errno("write to a read-only fd", file.write(b"x"), EBADF)?;
    let mut byte = [0u8; 4];
    ok("read", file.read(&mut byte))?;
    ensure!(&byte == b"\x7fELF", "read {byte:?}");
    Ok(())
}

pub fn dup_masks_rights_and_never_grows() -> TestResult {
    let file = open_initfs_file()?;
    let narrow = ok("dup with READ|DUP", file.dup(rights::READ | rights::DUP))?;
    ensure!(ok("fd_info", narrow.info())?.rights == rights::READ | rights::DUP, "dup did not mask the rights");
    let again = ok("dup asking for every right", narrow.dup(rights::ALL))?;
    ensure!(ok("fd_info", again.info())?.rights == rights::READ | rights::DUP, "rights grew through dup");
    let no_dup = ok("dup without DUP", file.dup(rights::READ))?;
    expect_errno("dup of an fd without DUP", no_dup.dup(rights::ALL), EACCES)?;
    expect_errno("dup2 of an fd without DUP", fd::dup2(no_dup.as_raw(), 77, rights::ALL), EACCES)?;
    let target = ok("dup2", fd::dup2(file.as_raw(), 77, rights::READ | rights::DUP))?;
    // SAFETY: dup2 made fd 77, which this test now owns.
    let target = unsafe { OwnedFd::from_raw(target) };
    ensure!(ok("fd_info", target.info())?.rights == rights::READ | rights::DUP, "dup2 did not mask the rights");
    expect_errno("dup2 beyond the fd limit", fd::dup2(file.as_raw(), 100_000, rights::ALL), EBADF)?;
    expect_errno("fd_info of a closed fd", fd::info(200), EBADF)?;
    Ok(())
}

pub fn pipe_carries_data() -> TestResult {
    let (mut reader, mut writer) = ok("pipe", fd::pipe(0))?;
    ensure!(ok("fd_info", reader.info())?.object_type == ObjectType::PipeRead as u32, "read end type");
    ensure!(ok("fd_info", writer.info())?.object_type == ObjectType::PipeWrite as u32, "write end type");
    ensure!(ok("write", writer.write(b"hello pipe"))? == 10, "short write");
    let mut buffer = [0u8; 32];
    let n = ok("read", reader.read(&mut buffer))?;
    ensure!(&buffer[..n] == b"hello pipe", "read back {:?}", &buffer[..n]);
    expect_errno("write to the read end", reader.write(b"x"), EBADF)?;
    expect_errno("read from the write end", writer.read(&mut buffer), EBADF)?;
    drop(writer);
    ensure!(ok("read at end", reader.read(&mut buffer))? == 0, "no end of file after the writer closed");
    Ok(())
}

pub fn pipe_epipe_and_sigpipe() -> TestResult {
    in_child(|| {
        ok("ignore SIGPIPE", signal::ignore(SIGPIPE))?;
        let (reader, mut writer) = ok("pipe", fd::pipe(0))?;
        drop(reader);
        expect_errno("write without readers", writer.write(b"x"), EPIPE)
    })?;
    let pid = spawn_child(|| {
        let Ok((reader, mut writer)) = fd::pipe(0) else { return 2 };
        drop(reader);
        let _ = writer.write(b"x");
        3
    })?;
    expect_signal(pid, SIGPIPE)
}

pub fn pipe_nonblocking() -> TestResult {
    let (mut reader, mut writer) = ok("pipe", fd::pipe(O_NONBLOCK))?;
    let mut buffer = [0u8; 16];
    expect_errno("read of an empty non-blocking pipe", reader.read(&mut buffer), EAGAIN)?;
    let chunk = [7u8; 4096];
    let mut total = 0;
    loop {
        match writer.write(&chunk) {
            Ok(n) => total += n,
            Err(e) if e.errno() == Some(EAGAIN) => break,
            Err(e) => return Err(format!("write: {e}")),
        }
        ensure!(total <= 1 << 20, "a non-blocking pipe took {total} bytes without filling up");
    }
    ensure!(total >= 4096, "the pipe held only {total} bytes");
    Ok(())
}

pub fn pipe_between_processes() -> TestResult {
    const TOTAL: usize = 1 << 20;
    let (mut reader, writer) = ok("pipe", fd::pipe(0))?;
    let pid = spawn_child(move || {
        let mut writer = writer;
        let block: Vec<u8> = (0..8192).map(|i| (i % 251) as u8).collect();
        let mut sent = 0;
        while sent < TOTAL {
            match writer.write_all(&block) {
                Ok(()) => sent += block.len(),
                Err(_) => return 1,
            }
        }
        0
    })?;
    let mut received = Vec::new();
    ok("read to end", reader.read_to_end(&mut received))?;
    expect_exit(pid, 0)?;
    ensure!(received.len() == TOTAL, "received {} of {TOTAL} bytes", received.len());
    ensure!(received.iter().enumerate().all(|(i, b)| *b == ((i % 8192) % 251) as u8), "data corrupted");
    Ok(())
}

pub fn blocked_reader_is_woken() -> TestResult {
    let (mut reader, mut writer) = ok("pipe", fd::pipe(0))?;
    let waiter = thread::spawn(move || {
        let mut buffer = [0u8; 8];
        reader.read(&mut buffer).map(|n| buffer[..n].to_vec())
    });
    thread::sleep(Duration::from_millis(20));
    ok("write", writer.write(b"wake"))?;
    let got = waiter.join().map_err(|e| format!("join: {e:?}"))?;
    let got = ok("read in the thread", got)?;
    ensure!(got == b"wake", "the blocked reader got {got:?}");
    Ok(())
}

pub fn cloexec_closes_on_exec() -> TestResult {
    let closing = open_initfs_file()?;
    ok("set O_CLOEXEC", closing.set_flags(O_CLOEXEC))?;
    let keeping = open_initfs_file()?;
    ok("clear O_CLOEXEC", keeping.set_flags(0))?;
    let (closing_fd, keeping_fd) = (closing.as_raw(), keeping.as_raw());
    let pid = spawn_child(move || {
        let path = crate::proc::own_path();
        let closing = format!("{closing_fd}");
        let keeping = format!("{keeping_fd}");
        let _ = Command::new(&path).arg(CLOEXEC_CHILD).arg(&closing).arg(&keeping).exec();
        9
    })?;
    expect_exit(pid, 0).map_err(|e| format!("{e} (exit 1: the O_CLOEXEC fd survived exec, 2: the other fd was closed)"))
}

/// The exec'ed side of [`cloexec_closes_on_exec`].
pub fn cloexec_child(closing: &str, keeping: &str) -> i32 {
    let (Ok(closing), Ok(keeping)) = (closing.parse::<usize>(), keeping.parse::<usize>()) else { return 3 };
    if fd::info(closing).is_ok() {
        return 1;
    }
    if fd::info(keeping).is_err() {
        return 2;
    }
    let _ = process::id();
    0
}

pub fn memory_objects() -> TestResult {
    use cairn_rt::abi::error::EINVAL;
    use cairn_rt::sys::{MapFlags, memory_create, mmap};
    let object = ok("memory_create", memory_create(8192))?;
    ensure!(ok("fd_info", object.info())?.object_type == ObjectType::Memory as u32, "not a memory object");
    let shared = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
    // SAFETY: a fresh shared mapping of the object, used only as raw bytes.
    let address = ok("mmap the object", unsafe { mmap(0, 8192, shared, object.as_raw(), 0) })?;
    let fd = object.as_raw();
    let child = spawn_child(move || {
        // SAFETY: as above, in the child.
        match unsafe { mmap(0, 4096, shared, fd, 4096) } {
            // SAFETY: the mapping is 4096 bytes long.
            Ok(at) => unsafe {
                (at as *mut u8).write_volatile(0xab);
                0
            },
            Err(_) => 2,
        }
    })?;
    expect_exit(child, 0)?;
    // SAFETY: `address` maps 8192 bytes.
    let seen = unsafe { ((address + 4096) as *const u8).read_volatile() };
    ensure!(seen == 0xab, "the child's write through the object is not visible ({seen:#x})");
    let read_only = ok("dup READ|MAP", object.dup(rights::READ | rights::MAP | rights::DUP))?;
    // SAFETY: the call is expected to fail; nothing is mapped.
    expect_errno("writable mapping without WRITE", unsafe { mmap(0, 4096, shared, read_only.as_raw(), 0) }, EACCES)?;
    let readable = MapFlags::PROT_READ | MapFlags::MAP_SHARED;
    // SAFETY: a read-only shared mapping of the object.
    let view = ok("read-only mapping", unsafe { mmap(0, 8192, readable, read_only.as_raw(), 0) })?;
    // SAFETY: `view` maps 8192 bytes.
    ensure!(unsafe { ((view + 4096) as *const u8).read_volatile() } == 0xab, "read-only view differs");
    let no_map = ok("dup READ|WRITE", object.dup(rights::READ | rights::WRITE))?;
    // SAFETY: the call is expected to fail.
    expect_errno("mapping without MAP", unsafe { mmap(0, 4096, readable, no_map.as_raw(), 0) }, EACCES)?;
    // SAFETY: the call is expected to fail.
    expect_errno("mapping beyond the object", unsafe { mmap(0, 3 * 4096, readable, fd, 0) }, EINVAL)?;
    let private = MapFlags::PROT_READ | MapFlags::MAP_PRIVATE;
    // SAFETY: the call is expected to fail.
    expect_errno("private mapping of an object", unsafe { mmap(0, 4096, private, fd, 0) }, EINVAL)?;
    Ok(())
}

/// `out` to an I/O port.
fn port_write(port: u16, value: u8) {
    // SAFETY: a port write has no memory effects; without the permission
    // the CPU raises #GP, which the kernel turns into SIGSEGV.
    unsafe { core::arch::asm!("out dx, al", in("dx") port, in("al") value, options(nostack, preserves_flags)) };
}

/// `in` from an I/O port.
fn port_read(port: u16) -> u8 {
    let value: u8;
    // SAFETY: as for `port_write`.
    unsafe { core::arch::asm!("in al, dx", in("dx") port, out("al") value, options(nostack, preserves_flags)) };
    value
}

/// COM1's registers the test uses; 0x3f8 itself (data) is left alone so
/// the kernel keeps its serial console.
const COM1_IER: u16 = 0x3f9;
const COM1_MCR: u16 = 0x3fc;
const COM1_SCRATCH: u16 = 0x3ff;

pub fn io_ports_granted_by_range() -> TestResult {
    in_child(|| {
        let ports = ok("open ioport 3ff", File::open("/scheme/ioport/3ff"))?;
        let kind = ok("fd_info", fd::info(ports.as_raw_fd()))?.object_type;
        ensure!(kind == ObjectType::IoPorts as u32, "object type {kind}");
        port_write(COM1_SCRATCH, 0x5a);
        ensure!(port_read(COM1_SCRATCH) == 0x5a, "the scratch register did not keep 0x5a");
        port_write(COM1_SCRATCH, 0xa5);
        ensure!(port_read(COM1_SCRATCH) == 0xa5, "the scratch register did not keep 0xa5");
        expect_errno("a bad range", File::open("/scheme/ioport/3ff-3f0").map(drop), ENOENT)?;
        Ok(())
    })?;
    let outside = spawn_child(|| {
        let _ports = File::open("/scheme/ioport/3ff");
        port_read(0x3fe);
        0
    })?;
    expect_signal(outside, cairn_rt::abi::signal::SIGSEGV)?;
    let closed = spawn_child(|| {
        drop(File::open("/scheme/ioport/3ff"));
        port_read(COM1_SCRATCH);
        0
    })?;
    expect_signal(closed, cairn_rt::abi::signal::SIGSEGV)?;
    in_child(|| {
        let namespace = ok("namespace without drivers", cairn_rt::scheme::namespace_create(&["initfs"], false))?;
        ok("enter it", cairn_rt::scheme::namespace_enter(&namespace))?;
        expect_errno("ioport outside the namespace", File::open("/scheme/ioport/3ff").map(drop), ENODEV)?;
        expect_errno("irq outside the namespace", File::open("/scheme/irq/4").map(drop), ENODEV)?;
        Ok(())
    })
}

pub fn legacy_interrupt_fd() -> TestResult {
    in_child(|| {
        expect_errno("the timer line", File::open("/scheme/irq/0").map(drop), EINVAL)?;
        expect_errno("line 99", File::open("/scheme/irq/99").map(drop), EINVAL)?;
        expect_errno("not a number", File::open("/scheme/irq/x").map(drop), ENOENT)?;
        let mut line = ok("open irq 4 (COM1)", OpenOptions::new().read(true).write(true).open("/scheme/irq/4"))?;
        expect_errno("a second open", File::open("/scheme/irq/4").map(drop), EBUSY)?;
        let _ports = ok("open COM1's control ports", File::open("/scheme/ioport/3f9-3fc"))?;
        let queue = ok("event queue", EventQueue::new())?;
        ok("watch", queue.watch(line.as_raw_fd(), EVENT_READ, 4))?;
        let (ier, mcr) = (port_read(COM1_IER), port_read(COM1_MCR));
        // OUT2 gates the UART's interrupt; "transmitter empty" fires at once.
        port_write(COM1_MCR, mcr | 0x08);
        port_write(COM1_IER, ier | 0x02);
        let mut events = [Event::default(); 1];
        let ready = queue.wait(&mut events, Some(Duration::from_secs(5)));
        port_write(COM1_IER, ier);
        port_write(COM1_MCR, mcr);
        ensure!(ok("wait", ready)? == 1 && events[0].data == 4, "IRQ 4 never fired");
        let mut count = [0u8; 8];
        ok("read the count", line.read_exact(&mut count))?;
        ensure!(u64::from_le_bytes(count) >= 1, "count {}", u64::from_le_bytes(count));
        ok("acknowledge", line.write_all(&[1]))?;
        let row = interrupts_row("IO-APIC 4-edge")?;
        let row = row.ok_or_else(|| cairn_rt::String::from("/scheme/sys/interrupts has no row for the line"))?;
        ensure!(
            row.contains("ISA line 4: ") && row.contains("utest"),
            "the line's row {row:?} does not name its holder"
        );
        let counted: u64 = row.split_whitespace().skip(1).map_while(|word| word.parse::<u64>().ok()).sum();
        ensure!(counted >= 1, "the line's row {row:?} counts no arrival");
        Ok(())
    })?;
    ensure!(interrupts_row("IO-APIC 4-edge")?.is_none(), "the closed line is still listed");
    ok("the line is free again", File::open("/scheme/irq/4").map(drop))
}

/// The row of `/scheme/sys/interrupts` that contains `needle`.
fn interrupts_row(needle: &str) -> Result<Option<cairn_rt::String>, cairn_rt::String> {
    let text = ok("read /scheme/sys/interrupts", cairn_rt::fs::read_to_string("/scheme/sys/interrupts"))?;
    ensure!(text.lines().next().is_some_and(|header| header.contains("CPU0")), "no CPU header in {text:?}");
    ensure!(text.contains("LOC:") && text.contains("ERR:"), "no timer or stray rows in {text:?}");
    Ok(text.lines().find(|line| line.contains(needle)).map(cairn_rt::String::from))
}

pub fn framebuffer_maps_device_memory() -> TestResult {
    in_child(|| {
        let framebuffer = OpenOptions::new().read(true).write(true).open("/scheme/framebuffer");
        let mut framebuffer = ok("open /scheme/framebuffer", framebuffer)?;
        let kind = ok("fd_info", fd::info(framebuffer.as_raw_fd()))?.object_type;
        ensure!(kind == ObjectType::Framebuffer as u32, "object type {kind}");
        let mut raw = [0u8; size_of::<FramebufferInfo>()];
        ok("read the geometry", framebuffer.read_exact(&mut raw))?;
        // SAFETY: `FramebufferInfo` is plain old data of exactly these bytes.
        let info: FramebufferInfo = unsafe { core::ptr::read_unaligned(raw.as_ptr().cast()) };
        ensure!(info.width >= 640 && info.height >= 480 && info.bits_per_pixel == 32, "geometry {info:?}");
        ensure!(info.pitch >= info.width * 4, "pitch {} for width {}", info.pitch, info.width);
        let len = (info.pitch * info.height) as usize;
        let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
        // SAFETY: a fresh mapping placed by the kernel.
        let base = ok("mmap", unsafe { cairn_rt::sys::mmap(0, len, flags, framebuffer.as_raw_fd(), 0) })?;
        let pixel = (base + info.pitch as usize * 10 + 40) as *mut u32;
        // SAFETY: the pixel lies inside the mapping just made.
        unsafe {
            pixel.write_volatile(0x00ff_8000);
            ensure!(pixel.read_volatile() == 0x00ff_8000, "the pixel did not keep its colour");
        }
        let private = MapFlags::PROT_READ | MapFlags::MAP_PRIVATE;
        // SAFETY: as above; expected to fail.
        let refused = unsafe { cairn_rt::sys::mmap(0, 4096, private, framebuffer.as_raw_fd(), 0) };
        expect_errno("a private mapping", refused, EINVAL)?;
        // SAFETY: as above; expected to fail.
        let past = unsafe { cairn_rt::sys::mmap(0, len + 8192, flags, framebuffer.as_raw_fd(), 0) };
        expect_errno("past the end", past, EINVAL)?;
        let child = spawn_child(|| 0)?;
        expect_exit(child, 0)?;
        Ok(())
    })
}

pub fn power_switch_is_root_only() -> TestResult {
    in_child(|| {
        let mut switch = ok("open the power switch", OpenOptions::new().write(true).open("/scheme/sys/power"))?;
        expect_errno("an unknown command", switch.write_all(b"explode"), EINVAL)?;
        expect_errno("reading it", switch.read(&mut [0u8; 4]), EBADF)?;
        ok("setuid", process::setuid(1000))?;
        expect_errno("opening as uid 1000", OpenOptions::new().write(true).open("/scheme/sys/power").map(drop), EACCES)
    })
}

/// Reads from `fd` until `want` bytes came or five seconds passed.
pub fn read_some(fd: &mut File, want: usize) -> Result<Vec<u8>, String> {
    let mut got = Vec::new();
    let start = cairn_rt::time::Instant::now();
    while got.len() < want && start.elapsed() < Duration::from_secs(5) {
        let mut buffer = [0u8; 256];
        let n = ok("read", fd.read(&mut buffer))?;
        got.extend_from_slice(&buffer[..n]);
        if n == 0 {
            break;
        }
    }
    Ok(got)
}

/// Non-canonical reads with `VMIN` 0: `VTIME` 0 returns at once, `VTIME` 3
/// after 0.3 s with nothing typed, and at once with what was typed.
fn read_timer_runs_out(terminal: &mut File, master: &mut File) -> TestResult {
    use cairn_term::termios::{Cc, Termios};
    let fd = terminal.as_raw_fd();
    let own_group = ok("getpgid", process::getpgid(0))?;
    ok("take the foreground back", cairn_rt::tty::set_foreground_group(fd, own_group))?;
    let saved = ok("tcgetattr", cairn_rt::tty::termios(fd))?;
    let mut raw = Termios::from_bytes(&saved).map_err(|_| String::from("bad termios"))?;
    raw.make_raw();
    raw.cc[Cc::Min] = 0;
    raw.cc[Cc::Time] = 0;
    ok("VMIN 0 VTIME 0", cairn_rt::tty::set_termios(fd, &raw.to_bytes()))?;
    let mut buffer = [0u8; 8];
    ensure!(ok("poll", terminal.read(&mut buffer))? == 0, "a poll with nothing typed returned data");
    raw.cc[Cc::Time] = 3;
    ok("VTIME 3", cairn_rt::tty::set_termios(fd, &raw.to_bytes()))?;
    let start = cairn_rt::time::Instant::now();
    ensure!(ok("timed read", terminal.read(&mut buffer))? == 0, "the timed read returned data");
    let waited = start.elapsed();
    ensure!(waited >= Duration::from_millis(250) && waited < Duration::from_secs(5), "VTIME 3 waited {waited:?}");
    ok("type", master.write_all(b"k"))?;
    ensure!(ok("read typed", terminal.read(&mut buffer))? == 1 && buffer[0] == b'k', "read {:?}", &buffer[..1]);
    ok("restore", cairn_rt::tty::set_termios(fd, &saved))
}

/// Under TOSTOP, a process outside the foreground group that writes to
/// the terminal is stopped by SIGTTOU.
fn background_write_stops(terminal: &File) -> TestResult {
    let fd = terminal.as_raw_fd();
    let mut termios = ok("tcgetattr", cairn_rt::tty::termios(fd))
        .and_then(|bytes| cairn_term::termios::Termios::from_bytes(&bytes).map_err(|_| String::from("bad termios")))?;
    termios.local.insert(cairn_term::termios::LocalFlags::TOSTOP);
    ok("set TOSTOP", cairn_rt::tty::set_termios(fd, &termios.to_bytes()))?;
    let foreground = spawn_child(|| {
        let _ = process::setpgid(0, 0);
        crate::util::sleep_forever()
    })?;
    thread::sleep(Duration::from_millis(50));
    ok("make it the foreground", cairn_rt::tty::set_foreground_group(fd, foreground))?;
    let writer = spawn_child(move || {
        let _ = process::setpgid(0, 0);
        let _ = cairn_rt::io::write_fd(fd, b"from the background\n");
        0
    })?;
    let stopped = ok("wait for the writer", process::waitpid(process::WaitTarget::Pid(writer), process::WUNTRACED));
    for pid in [writer, foreground] {
        ok("kill", signal::kill(pid, signal::SIGKILL))?;
    }
    crate::util::reap(writer, Duration::from_secs(5))?;
    crate::util::reap(foreground, Duration::from_secs(5))?;
    let status = stopped?.map(|(_, status)| status);
    ensure!(status.and_then(|s| s.stopped_signal()) == Some(signal::SIGTTOU), "the writer was not stopped: {status:?}");
    Ok(())
}

/// A reader killed while it waits for a line does not take the line
/// with it: typed the moment after the kill (termd may answer the dead
/// read before the kernel withdraws it), the line reaches the next reader.
fn killed_reader_leaves_the_line(terminal: &File, master: &mut File) -> TestResult {
    let fd = terminal.as_raw_fd();
    for round in 0..8 {
        let victim = spawn_child(move || {
            let mut buffer = [0u8; 64];
            let _ = cairn_rt::io::read_fd(fd, &mut buffer);
            0
        })?;
        thread::sleep(Duration::from_millis(30));
        ok("kill the reader", signal::kill(victim, signal::SIGKILL))?;
        let line = format!("line {round}\n").into_bytes();
        ok("type a line", master.write_all(&line))?;
        expect_signal(victim, signal::SIGKILL)?;
        let reader = spawn_child(move || {
            let mut buffer = [0u8; 64];
            match cairn_rt::io::read_fd(fd, &mut buffer) {
                Ok(n) if buffer[..n] == line[..] => 0,
                _ => 1,
            }
        })?;
        expect_exit(reader, 0).map_err(|e| format!("round {round}: the line typed after the kill was lost ({e})"))?;
    }
    Ok(())
}

/// Opens a pseudo-terminal of the termd serving `scheme` (waiting up to
/// 10 s for it to come up): its master and the path of its terminal side.
pub fn open_pseudo_terminal(scheme: &str) -> Result<(File, String), String> {
    let start = cairn_rt::time::Instant::now();
    let master = loop {
        match OpenOptions::new().read(true).write(true).open(&format!("/scheme/{scheme}/ptmx")) {
            Err(e) if e.errno() == Some(ENODEV) && start.elapsed() < Duration::from_secs(10) => {
                thread::sleep(Duration::from_millis(5));
            }
            opened => break ok("open ptmx", opened)?,
        }
    };
    let names = ok("ptsname", cairn_rt::fd::OwnedFd::scheme_dup_raw(master.as_raw_fd(), b"ptsname"))?;
    let mut buffer = [0u8; 64];
    let n = ok("read the name", cairn_rt::io::read_fd(names.as_raw(), &mut buffer))?;
    let path = String::from_utf8(buffer[..n].to_vec()).map_err(|_| "name not UTF-8")?;
    Ok((master, path))
}

pub fn pseudo_terminal() -> TestResult {
    let mut server = ok("start termd", Command::new("/bin/termd").args(["--scheme", "ut-tty"]).spawn())?;
    let result = (|| -> TestResult {
        let (mut master, path) = open_pseudo_terminal("ut-tty")?;
        ensure!(path.starts_with("/scheme/ut-tty/pty/"), "ptsname {path}");
        let mut slave = ok("open the terminal side", OpenOptions::new().read(true).write(true).open(&path))?;
        ok("type a line", master.write_all(b"hi there\x17you\n"))?;
        let line = read_some(&mut slave, 7)?;
        ensure!(line == b"hi you\n", "the terminal side read {line:?}");
        let echo = read_some(&mut master, 1)?;
        ensure!(echo.starts_with(b"hi there"), "the master saw {echo:?}");
        ok("write on the terminal side", slave.write_all(b"out\n"))?;
        let shown = read_some(&mut master, 5)?;
        ensure!(shown.ends_with(b"out\r\n"), "the master read {shown:?}");
        let victim = spawn_child(|| {
            let _ = process::setpgid(0, 0);
            crate::util::sleep_forever()
        })?;
        thread::sleep(Duration::from_millis(50));
        ok("make it the foreground", cairn_rt::tty::set_foreground_group(slave.as_raw_fd(), victim))?;
        ok("type ^C", master.write_all(b"\x03"))?;
        expect_signal(victim, signal::SIGINT)?;
        background_write_stops(&slave)?;
        read_timer_runs_out(&mut slave, &mut master)?;
        killed_reader_leaves_the_line(&slave, &mut master)?;
        drop(master);
        let mut end = [0u8; 8];
        ensure!(ok("read after hang-up", slave.read(&mut end))? == 0, "no end of file after the master closed");
        expect_errno("write after hang-up", slave.write_all(b"x"), cairn_rt::abi::error::EIO)
    })();
    ok("stop termd", server.kill())?;
    ok("reap termd", server.wait())?;
    result
}
