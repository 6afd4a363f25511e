//! Device contexts (`/scheme/pci/NAME/device`), tried on QEMU's `edu`
//! device (the user suites add `-device edu`): the `edu` driver passes its
//! own checks (registers, factorial with its MSI, DMA there and back); a
//! function has one context at a time; configuration writes to what only
//! the context changes are refused; bad resource names and sizes are
//! errors; a context whose holder dies is revoked and can be claimed again.

use cairn_rt::abi::error::{EACCES, EBUSY, EFAULT, EINVAL, ENODEV, ENOENT, ESPIPE};
use cairn_rt::abi::{MapFlags, O_RDONLY, O_RDWR};
use cairn_rt::fd::OwnedFd;
use cairn_rt::fs::{File, OpenOptions};
use cairn_rt::io::{Read, Write};
use cairn_rt::{String, Vec, format, process, scheme};

use crate::util::{CHILD_TIMEOUT, TestResult, ensure, expect_errno, in_child, ok, reap};

/// `edu`'s directory under `/scheme/pci`.
fn edu() -> Result<String, String> {
    let found = cairn_driver::find(cairn_driver::Match::Id { vendor: 0x1234, device: 0x11e8 });
    let found = found.map_err(|e| format!("{e}"))?;
    let name = found.first().ok_or("no edu device: the suite's QEMU lacks -device edu")?;
    Ok(format!("/scheme/pci/{name}"))
}

fn claim(function: &str) -> cairn_rt::Result<File> {
    OpenOptions::new().read(true).write(true).open(&format!("{function}/device"))
}

/// Configuration space through the context: a copy of its fd.
fn config(context: &File) -> OwnedFd {
    // SAFETY: borrowed only to duplicate it, then given back unclosed.
    let borrowed = unsafe { OwnedFd::from_raw(context.as_raw_fd()) };
    let copy = borrowed.dup(cairn_rt::abi::rights::ALL);
    let _ = borrowed.into_raw();
    copy.expect("dup the context")
}

/// The `edu` driver runs every check of its device and exits 0; its
/// interrupt is gone from `/scheme/sys/interrupts` afterwards and the
/// device can be claimed again. Its waits for the DMA interrupts (each
/// about 100 ms, edu's DMA timer) were woken in place, without the big
/// kernel lock (`in_place_wakes` of `/scheme/sys/cpus` grew).
pub fn edu_driver() -> TestResult {
    let function = edu()?;
    let woken_before = in_place_wakes()?;
    let child = ok("spawn /bin/edu", process::spawn("/bin/edu", &["edu"], &[] as &[&str]))?;
    let status = reap(child.id(), CHILD_TIMEOUT)?;
    ensure!(status.code() == Some(0), "edu: {status}");
    let woken = in_place_wakes()? - woken_before;
    ensure!(woken >= 1, "none of edu's interrupt waits was woken in place");
    let interrupts = ok("read interrupts", cairn_rt::fs::read_to_string("/scheme/sys/interrupts"))?;
    ensure!(!interrupts.contains("/bin/edu"), "edu's vector outlived it: {interrupts}");
    ok("claim edu after its driver ended", claim(&function)).map(drop)
}

/// One context per function; root only; read-write only.
pub fn context_claim_rules() -> TestResult {
    let function = edu()?;
    let context = ok("claim edu", claim(&function))?;
    expect_errno("a second claim", claim(&function).map(drop), EBUSY)?;
    expect_errno("a read-only claim", scheme::open(&format!("{function}/device"), O_RDONLY).map(drop), EINVAL)?;
    drop(context);
    in_child(|| {
        ok("setuid", process::setuid(1000))?;
        expect_errno("a claim by a user", scheme::open(&format!("{function}/device"), O_RDWR).map(drop), EACCES)
    })?;
    ok("claim edu again", claim(&function)).map(drop)
}

/// Configuration writes: the BARs, the MSI capability and the bus-master
/// bit only through the context (`EACCES`); other registers freely; past
/// the end `EINVAL`; plain `read`/`write` on a context `ESPIPE`.
pub fn context_config_writes_filtered() -> TestResult {
    let function = edu()?;
    let mut context = ok("claim edu", claim(&function))?;
    let config = config(&context);
    let mut id = [0u8; 4];
    ok("pread the ids", config.read_at(&mut id, 0))?;
    ensure!(id == [0x34, 0x12, 0xe8, 0x11], "ids read as {id:02x?}");
    expect_errno("write BAR 0", config.write_at(&[0xff; 4], 0x10).map(drop), EACCES)?;
    expect_errno("write one byte of BAR 0", config.write_at(&[0], 0x13).map(drop), EACCES)?;
    let mut command = [0u8; 2];
    ok("pread the command register", config.read_at(&mut command, 4))?;
    expect_errno("flip bus mastering", config.write_at(&[command[0] ^ 0x04], 4).map(drop), EACCES)?;
    ok("rewrite the command register unchanged", config.write_at(&command, 4))?;
    let mut pointer = [0u8; 1];
    ok("pread the capability pointer", config.read_at(&mut pointer, 0x34))?;
    expect_errno("write the MSI capability", config.write_at(&[0], u64::from(pointer[0]) + 2).map(drop), EACCES)?;
    ok("write the interrupt line", config.write_at(&[0x0b], 0x3c))?;
    let mut line = [0u8; 1];
    ok("read it back", config.read_at(&mut line, 0x3c))?;
    ensure!(line[0] == 0x0b, "the interrupt line reads {:#x}", line[0]);
    let size = ok("fstat the context", context.metadata())?.len();
    expect_errno("write past the end", config.write_at(&[0; 4], size - 2).map(drop), EINVAL)?;
    expect_errno("read the context", context.read(&mut id).map(drop), ESPIPE)?;
    expect_errno("write the context", context.write(&id).map(drop), ESPIPE)
}

/// A driver writing garbage to its configuration space: 2,000 writes of
/// 1-8 random bytes at random offsets (some past the end) are each
/// taken or refused (`EACCES` for what only the context changes, `EINVAL`
/// past the end), never anything else; the machine carries on and the
/// device, its command register restored, still passes the edu driver's
/// checks.
pub fn context_garbage_config_writes() -> TestResult {
    let function = edu()?;
    let context = ok("claim edu", claim(&function))?;
    let config = config(&context);
    let size = ok("fstat the context", context.metadata())?.len();
    let mut saved = [0u8; 64];
    ok("save the header", config.read_at(&mut saved, 0))?;
    let mut rng = cairn_testrng::Rng::new(0x05ee_d0ed_u64);
    let (mut taken, mut refused) = (0, 0);
    for _ in 0..2000 {
        let len = 1 + rng.below(8) as usize;
        let offset = rng.below(size + 16);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next_u64() as u8).collect();
        match config.write_at(&bytes, offset) {
            Ok(n) => {
                ensure!(n == len, "a write of {len} took {n}");
                taken += 1;
            }
            Err(e) if e.errno() == Some(EACCES) || e.errno() == Some(EINVAL) => refused += 1,
            Err(e) => return Err(format!("a write of {len} at {offset:#x}: {e}")),
        }
    }
    ensure!(taken > 0 && refused > 0, "{taken} taken, {refused} refused");
    ok("restore the command register", config.write_at(&saved[4..6], 4))?;
    ok("restore the interrupt line", config.write_at(&saved[0x3c..0x3e], 0x3c))?;
    drop((config, context));
    edu_driver()
}

/// Bad resource names and sizes are refused; a context whose holder dies
/// is revoked (bus mastering off) and can be claimed again.
pub fn context_resources_and_revocation() -> TestResult {
    let function = edu()?;
    let context = ok("claim edu", claim(&function))?;
    let open = |path: &str| OpenOptions::new().read(true).write(true).open_at(&context, path).map(drop);
    for (path, errno) in [
        ("bar9", ENOENT),
        ("barx", ENOENT),
        ("msix/0", ENODEV),
        ("msi@4096", EINVAL),
        ("dma/0", EINVAL),
        ("dma/999999999", EINVAL),
        ("dma/4096/12", EINVAL),
        ("nope", ENOENT),
    ] {
        expect_errno(path, open(path), errno)?;
    }
    let mut control = ok("open control", OpenOptions::new().write(true).open_at(&context, "control"))?;
    expect_errno("an unknown command", control.write_all(b"frobnicate"), EINVAL)?;
    drop(control);
    drop(context);
    let holder = crate::util::spawn_child(|| {
        let Ok(context) = claim(&function) else { return 2 };
        let Ok(mut control) = OpenOptions::new().write(true).open_at(&context, "control") else { return 3 };
        if control.write_all(b"bus-master on").is_err() {
            return 4;
        }
        // Dies holding the context.
        cairn_rt::signal::kill(process::id(), cairn_rt::signal::SIGKILL).map_or(5, |()| 6)
    })?;
    crate::util::expect_signal(holder, cairn_rt::signal::SIGKILL)?;
    let context = ok("claim edu after its holder died", claim(&function))?;
    let mut command = [0u8; 2];
    ok("pread the command register", config(&context).read_at(&mut command, 4))?;
    ensure!(command[0] & 0x04 == 0, "bus mastering survived its holder ({command:02x?})");
    Ok(())
}

/// Interrupt waits woken in place so far, over all CPUs.
fn in_place_wakes() -> Result<u64, String> {
    let text = ok("read /scheme/sys/cpus", cairn_rt::fs::read_to_string("/scheme/sys/cpus"))?;
    let counts = text.lines().map(|line| {
        let mut words = line.split_whitespace().skip_while(|word| *word != "in_place_wakes").skip(1);
        words.next().and_then(|count| count.parse::<u64>().ok()).ok_or_else(|| format!("no in_place_wakes in {line:?}"))
    });
    counts.sum()
}

/// A driver waiting in place for its interrupt (edu `--stay`, pinned to
/// the last CPU, halted there as that CPU's running thread, which a
/// blocked thread would not be) dies when killed, and the device is free
/// again. The test itself runs on the first CPU meanwhile: a thread of its
/// own queued on the last CPU would make edu's wait block the usual way.
pub fn edu_killed_while_waiting_in_place() -> TestResult {
    let function = edu()?;
    let (mut output, writer) = ok("pipe", cairn_rt::fd::pipe(0))?;
    let pid = crate::util::spawn_child(move || {
        if cairn_rt::fd::dup2(writer.as_raw(), 1, cairn_rt::fd::rights::ALL).is_err() {
            return 126;
        }
        drop(writer);
        let error = process::exec("/bin/edu", &["edu", "--stay"], &[] as &[&str]);
        cairn_rt::eprintln!("exec /bin/edu: {error:?}");
        127
    })?;
    let me = ok("open this thread", process::TaskHandle::thread(cairn_rt::sys::gettid()))?;
    let before = ok("read this thread's affinity", cairn_rt::sched::affinity(&me))?;
    let mut first = cairn_rt::sched::CpuSet::new();
    first.insert(0);
    ok("pin to CPU 0", cairn_rt::sched::set_affinity(&me, &first))?;
    let waited = edu_waits_in_place(pid, &mut output);
    ok("kill edu", cairn_rt::signal::kill(pid, cairn_rt::signal::SIGTERM))?;
    let status = reap(pid, CHILD_TIMEOUT);
    ok("unpin", cairn_rt::sched::set_affinity(&me, &before))?;
    let status = status?;
    ensure!(status.signal() == Some(cairn_rt::signal::SIGTERM), "edu ended with {status}");
    waited?;
    ok("claim edu after its driver was killed", claim(&function)).map(drop)
}

/// Waits until `edu` (its standard output read from `output`) has passed
/// its checks — a kill during its DMA check would leave the transfer to
/// land after the device changed hands — and waits in place on the last
/// CPU for the interrupt that never comes.
fn edu_waits_in_place(edu: process::Pid, output: &mut cairn_rt::fd::OwnedFd) -> TestResult {
    let mut said = String::new();
    while !said.contains("every check passed") {
        let mut chunk = [0u8; 256];
        let n = ok("read edu's output", output.read(&mut chunk))?;
        ensure!(n > 0, "edu ended its output before passing its checks: {said:?}");
        said.push_str(&String::from_utf8_lossy(&chunk[..n]));
    }
    let pid = wait_for_edu(None)?;
    ensure!(pid == edu, "edu {pid} holds the device, not the one started ({edu})");
    let start = cairn_rt::time::Instant::now();
    loop {
        let cpus = ok("read /scheme/sys/cpus", cairn_rt::fs::read_to_string("/scheme/sys/cpus"))?;
        let last = cpus.lines().last().unwrap_or_default();
        if last.contains("waiting_in_place 1") {
            return Ok(());
        }
        ensure!(start.elapsed() < CHILD_TIMEOUT, "edu is not waiting in place on the last CPU: {last:?}");
        cairn_rt::thread::sleep(cairn_rt::time::Duration::from_millis(50));
    }
}

/// edu's register that raises an interrupt with the status bits written,
/// its acknowledge register, and the bit these tests raise.
const EDU_RAISE: usize = 0x60;
const EDU_ACK: usize = 0x64;
const EDU_BIT: u32 = 0x4;

/// What the raiser thread of [`edu_interrupt_wait_in_place_threads`] does
/// next: raise edu's interrupt (after unmapping a page, if one is named),
/// or stop.
#[derive(Clone, Copy)]
enum Order {
    Raise(Option<usize>),
    Stop,
}

/// One order at a time, handed from the waiting thread to the raiser.
#[derive(Default)]
struct Orders {
    next: cairn_rt::sync::Mutex<Option<Order>>,
    given: cairn_rt::sync::Condvar,
}

impl Orders {
    fn give(&self, order: Order) {
        *self.next.lock() = Some(order);
        self.given.notify_all();
    }

    /// The next order's page to unmap (`Some(None)`: none), or `None` to stop.
    fn take(&self) -> Option<Option<usize>> {
        let mut next = self.given.wait_while(self.next.lock(), |next| next.is_none());
        match next.take() {
            Some(Order::Raise(page)) => Some(page),
            _ => None,
        }
    }
}

/// A driver with several threads: the one waiting for edu's interrupt on
/// the vector's CPU is woken in place while another thread, on the first
/// CPU, raises it. Then that thread unmaps the page the waiter reads into
/// before raising: the in-place store faults, the read fails with `EFAULT`
/// and the count is not lost — the next read returns it. Each part is
/// tried up to five times, as another thread queued on the waiter's CPU
/// makes a wait block the usual way instead.
pub fn edu_interrupt_wait_in_place_threads() -> TestResult {
    let function = edu()?;
    in_child(|| {
        let failure = |e: cairn_driver::Failure| format!("{e}");
        let name = function.rsplit('/').next().unwrap_or_default();
        let mut device = cairn_driver::Device::claim(name).map_err(failure)?;
        device.bus_master(true).map_err(failure)?;
        let registers = cairn_rt::sync::Arc::new(device.registers(0).map_err(failure)?);
        let orders = cairn_rt::sync::Arc::new(Orders::default());
        let (raiser_orders, raiser_registers) = (orders.clone(), registers.clone());
        let raiser = cairn_rt::thread::spawn(move || -> Result<(), String> {
            let mut first = cairn_rt::sched::CpuSet::new();
            first.insert(0);
            let me = ok("open the raiser", process::TaskHandle::thread(cairn_rt::sys::gettid()))?;
            ok("pin the raiser to CPU 0", cairn_rt::sched::set_affinity(&me, &first))?;
            while let Some(order) = raiser_orders.take() {
                cairn_rt::thread::sleep(cairn_rt::time::Duration::from_millis(100));
                if let Some(page) = order {
                    // SAFETY: the page was mapped by the waiter for this.
                    ok("unmap the waiter's page", unsafe { cairn_rt::sys::munmap(page, 4096) })?;
                }
                ensure!(raiser_registers.write32(EDU_RAISE, EDU_BIT), "raise the interrupt");
            }
            Ok(())
        });
        let mut interrupt = device.interrupt_here(None).map_err(failure)?;
        let acknowledge = |interrupt: &mut cairn_driver::Interrupt| -> TestResult {
            ensure!(registers.write32(EDU_ACK, EDU_BIT), "acknowledge in the device");
            interrupt.acknowledge().map_err(|e| format!("acknowledge: {e}"))
        };
        let mut in_place = false;
        for _ in 0..5 {
            let before = in_place_wakes()?;
            orders.give(Order::Raise(None));
            let count = ok("wait for the interrupt", interrupt.wait())?;
            ensure!(count == 1, "the interrupt fired {count} times");
            acknowledge(&mut interrupt)?;
            if in_place_wakes()? > before {
                in_place = true;
                break;
            }
        }
        ensure!(in_place, "no wait of a driver with two threads was woken in place");
        let mut store_failed = false;
        for _ in 0..5 {
            let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE;
            let page = ok("map a page", cairn_rt::sys::map_anonymous(4096, flags))?;
            // SAFETY: the page is writable until the raiser unmaps it.
            unsafe { (page as *mut u64).write_volatile(0) };
            let before = in_place_wakes()?;
            orders.give(Order::Raise(Some(page)));
            // SAFETY: the kernel checks the buffer; it is unmapped meanwhile.
            let read = unsafe {
                cairn_rt::sys::syscall3(cairn_rt::abi::Syscall::Read as usize, interrupt.as_raw_fd(), page, 8)
            };
            expect_errno("read into the page unmapped meanwhile", read, EFAULT)?;
            let count = ok("read the count after the fault", interrupt.wait())?;
            ensure!(count == 1, "after the fault the count was {count}, not 1");
            acknowledge(&mut interrupt)?;
            if in_place_wakes()? > before {
                store_failed = true;
                break;
            }
        }
        orders.give(Order::Stop);
        raiser.join().map_err(|_| String::from("the raiser panicked"))??;
        ensure!(store_failed, "no in-place store into an unmapped page was tried");
        Ok(())
    })
}

/// The pid of the `/bin/edu` holding an MSI vector, from
/// `/scheme/sys/interrupts` (`... MSI 0  0000:00:04.0 /bin/edu (pid N)`).
fn edu_vector_holder() -> Option<process::Pid> {
    let text = cairn_rt::fs::read_to_string("/scheme/sys/interrupts").ok()?;
    let line = text.lines().find(|line| line.contains(" MSI ") && line.contains("/bin/edu (pid "))?;
    let pid = line.rsplit("(pid ").next()?.trim_end().strip_suffix(')')?;
    pid.parse().ok()
}

/// Waits (bounded) for an `edu` other than `not` to hold the vector.
fn wait_for_edu(not: Option<process::Pid>) -> Result<process::Pid, String> {
    let start = cairn_rt::time::Instant::now();
    loop {
        if let Some(pid) = edu_vector_holder().filter(|pid| Some(*pid) != not) {
            return Ok(pid);
        }
        ensure!(start.elapsed() < CHILD_TIMEOUT, "no edu driver (other than {not:?}) holds the device's MSI");
        cairn_rt::thread::sleep(cairn_rt::time::Duration::from_millis(50));
    }
}

/// Run by the devd test boot (`utest --devd-check`): devd started `edu` for
/// the edu function; killed, it is started again by devd (after a reset of
/// the function), passes its checks again and keeps the device.
pub fn devd_restarts_a_killed_driver() -> TestResult {
    let first = wait_for_edu(None)?;
    ok("kill edu", cairn_rt::signal::kill(first, cairn_rt::signal::SIGKILL))?;
    let second = wait_for_edu(Some(first))?;
    // A restarted edu that failed a check would exit and be restarted
    // again: the same one must still hold the device a while later.
    cairn_rt::thread::sleep(cairn_rt::time::Duration::from_secs(2));
    ensure!(edu_vector_holder() == Some(second), "the restarted edu (pid {second}) did not keep the device");
    Ok(())
}
