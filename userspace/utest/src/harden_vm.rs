//! Virtual-memory hardening (issue 9): sparse memory objects whose cost
//! follows the touched pages, mapping rights (READ always, WRITE for shared
//! writable, EXEC for executable), each mapping's maximum protection,
//! copy-on-write of every private page across `fork` (read-only, `PROT_NONE`
//! and program text too), work proportional to what is mapped, and private
//! views of scheme files.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use cairn_rt::abi::error::{EACCES, EINVAL};
use cairn_rt::abi::{MapFlags, O_RDWR, rights};
use cairn_rt::fd::OwnedFd;
use cairn_rt::process;
use cairn_rt::scheme::{self, CLOSE, MMAP, OPEN, Server};
use cairn_rt::sys::{self, PAGE_SIZE, map_anonymous, memory_create};
use cairn_rt::{String, format, thread};

use crate::util::{TestResult, ensure, expect_errno, expect_exit, in_child, ok, peek, spawn_child};

const TIB: usize = 1 << 40;

const READ: MapFlags = MapFlags::PROT_READ;
const READ_WRITE: MapFlags = MapFlags::PROT_READ.union(MapFlags::PROT_WRITE);

/// Maps `len` bytes of `fd` from offset 0 with `flags`.
fn map_fd(fd: &OwnedFd, len: usize, flags: MapFlags) -> cairn_rt::Result<usize> {
    // SAFETY: without MAP_FIXED the kernel picks an unused range.
    unsafe { sys::mmap(0, len, flags, fd.as_raw(), 0) }
}

/// Unmaps a range the test mapped and no longer uses.
fn unmap(address: usize, len: usize) -> TestResult {
    // SAFETY: the test's own mapping; nothing refers to it any more.
    ok("munmap", unsafe { sys::munmap(address, len) })
}

fn protect(address: usize, len: usize, flags: MapFlags) -> cairn_rt::Result<()> {
    // SAFETY: changes only the test's own mapping, which no Rust reference
    // points into.
    unsafe { sys::mprotect(address, len, flags) }
}

fn write_byte(address: usize, value: u8) {
    // SAFETY: called on pages the test mapped writable (or in a child that
    // expects to be killed if the kernel refuses).
    unsafe { (address as *mut u8).write_volatile(value) }
}

/// Item 1: a write to the last page of a 1 TiB shared anonymous mapping, and
/// to the last page of a 4 GiB memory object, costs a page (the kernel used
/// to size a table by the object and panic on the allocation).
pub fn huge_shared_mapping_last_page() -> TestResult {
    in_child(|| {
        let shared = READ_WRITE | MapFlags::MAP_SHARED;
        let base = ok("mmap 1 TiB shared", map_anonymous(TIB, shared))?;
        let last = base + TIB - PAGE_SIZE;
        write_byte(last + 7, 0x5a);
        let child = spawn_child(|| {
            write_byte(last + 8, 0xa5);
            i32::from(peek(last + 7) != 0x5a)
        })?;
        expect_exit(child, 0)?;
        ensure!(peek(last + 8) == 0xa5, "the child's write to the shared page is not visible");
        ensure!(peek(base) == 0, "an untouched shared page is not zero");
        unmap(base, TIB)?;

        let object = ok("memory object of 4 GiB", memory_create(1 << 32))?;
        let view = ok("map 4 GiB", map_fd(&object, 1 << 32, shared))?;
        write_byte(view + (1 << 32) - 1, 0x77);
        ensure!(peek(view + (1 << 32) - 1) == 0x77, "last byte of the object reads back wrong");
        unmap(view, 1 << 32)?;
        expect_errno("memory object beyond 4 GiB", memory_create((1 << 32) + 1), EINVAL)?;
        expect_errno("memory object of usize::MAX", memory_create(usize::MAX), EINVAL)?;
        Ok(())
    })
}

/// Item 6: every mapping of an fd needs READ on it (WRITE|MAP is not
/// enough to read the object through a mapping), and EXEC for PROT_EXEC.
pub fn mmap_needs_read() -> TestResult {
    let object = ok("memory object", memory_create(PAGE_SIZE))?;
    let write_only = ok("dup WRITE|MAP", object.dup(rights::WRITE | rights::MAP))?;
    for (what, flags) in [
        ("PROT_READ shared", READ | MapFlags::MAP_SHARED),
        ("PROT_READ|PROT_WRITE shared", READ_WRITE | MapFlags::MAP_SHARED),
        ("PROT_NONE shared", MapFlags::PROT_NONE | MapFlags::MAP_SHARED),
    ] {
        expect_errno(&format!("{what} without READ"), map_fd(&write_only, PAGE_SIZE, flags), EACCES)?;
    }
    let no_exec = ok("dup without EXEC", object.dup(rights::READ | rights::WRITE | rights::MAP | rights::DUP))?;
    let exec = READ | MapFlags::PROT_EXEC | MapFlags::MAP_SHARED;
    expect_errno("PROT_EXEC without EXEC", map_fd(&no_exec, PAGE_SIZE, exec), EACCES)?;
    let readable = ok("PROT_READ with READ", map_fd(&no_exec, PAGE_SIZE, READ | MapFlags::MAP_SHARED))?;
    unmap(readable, PAGE_SIZE)
}

/// Item 7: a mapping keeps the maximum protection the fd's rights allowed;
/// `mprotect` beyond it is EACCES and the object stays unwritten.
pub fn mprotect_beyond_max_prot() -> TestResult {
    let object = ok("memory object", memory_create(PAGE_SIZE))?;
    let read_only = ok("dup READ|MAP", object.dup(rights::READ | rights::MAP))?;
    let view = ok("read-only shared mapping", map_fd(&read_only, PAGE_SIZE, READ | MapFlags::MAP_SHARED))?;
    let refused_write = protect(view, PAGE_SIZE, READ_WRITE);
    let refused_exec = protect(view, PAGE_SIZE, READ | MapFlags::PROT_EXEC);
    let to_none = protect(view, PAGE_SIZE, MapFlags::PROT_NONE);
    let back = protect(view, PAGE_SIZE, READ);
    // A child that writes anyway is killed, and the object keeps its zero.
    let writer = spawn_child(|| {
        write_byte(view, 1);
        0
    })?;
    let killed = crate::util::expect_signal(writer, cairn_rt::signal::SIGSEGV);
    let full = ok("full mapping", map_fd(&object, PAGE_SIZE, READ | MapFlags::MAP_SHARED))?;
    let untouched = peek(full) == 0;
    unmap(view, PAGE_SIZE)?;
    unmap(full, PAGE_SIZE)?;
    expect_errno("mprotect(READ|WRITE) of a read-only object", refused_write, EACCES)?;
    expect_errno("mprotect(READ|EXEC) without EXEC", refused_exec, EACCES)?;
    ok("mprotect(NONE)", to_none)?;
    ok("mprotect(READ) back", back)?;
    killed?;
    ensure!(untouched, "a write reached the read-only object");
    // Anonymous memory may be given any protection.
    let anonymous = ok("anonymous", map_anonymous(PAGE_SIZE, READ | MapFlags::MAP_PRIVATE))?;
    let widened = protect(anonymous, PAGE_SIZE, READ_WRITE | MapFlags::PROT_EXEC);
    unmap(anonymous, PAGE_SIZE)?;
    ok("anonymous mprotect(RWX)", widened)
}

/// Maps one private page holding `value`, gives it `protection`, forks a
/// child that `mprotect`s it writable and writes, and checks the parent
/// still sees `value` (and the child its own write).
fn cow_isolated(protection: MapFlags, value: u8) -> TestResult {
    let page = ok("mmap", map_anonymous(PAGE_SIZE, READ_WRITE | MapFlags::MAP_PRIVATE))?;
    write_byte(page, value);
    ok("mprotect before fork", protect(page, PAGE_SIZE, protection))?;
    let child = spawn_child(|| {
        if cairn_rt::process::getuid() == 0 && process::setuid(1000).is_err() {
            return 2;
        }
        if protect(page, PAGE_SIZE, READ_WRITE).is_err() {
            return 3;
        }
        write_byte(page, value ^ 0xff);
        i32::from(peek(page) != value ^ 0xff)
    })?;
    let exited = expect_exit(child, 0);
    ok("mprotect(READ) in the parent", protect(page, PAGE_SIZE, READ))?;
    let seen = peek(page);
    unmap(page, PAGE_SIZE)?;
    exited?;
    ensure!(seen == value, "the child's write reached the parent ({seen:#x}, protection {protection:?})");
    Ok(())
}

/// Item 8: read-only and PROT_NONE private pages are copy-on-write after
/// `fork`, so a child that makes them writable writes to its own copy.
pub fn cow_readonly_page_after_fork() -> TestResult {
    cow_isolated(READ, 0x11)?;
    cow_isolated(MapFlags::PROT_NONE, 0x22)?;
    cow_isolated(READ | MapFlags::PROT_EXEC, 0x33)?;
    // And the other way: the parent writes after the child made it writable.
    let page = ok("mmap", map_anonymous(PAGE_SIZE, READ_WRITE | MapFlags::MAP_PRIVATE))?;
    write_byte(page, 1);
    ok("mprotect(READ)", protect(page, PAGE_SIZE, READ))?;
    let child = spawn_child(|| {
        thread::sleep(cairn_rt::time::Duration::from_millis(200));
        i32::from(peek(page) != 1)
    })?;
    ok("mprotect(READ|WRITE)", protect(page, PAGE_SIZE, READ_WRITE))?;
    write_byte(page, 2);
    let exited = expect_exit(child, 0);
    unmap(page, PAGE_SIZE)?;
    exited.map_err(|e| format!("the parent's write reached the child: {e}"))
}

/// A function whose code the text test patches in a child.
#[inline(never)]
fn text_marker() -> u32 {
    core::hint::black_box(0x7e57_c0de)
}

/// Item 8 with program text: a child that dropped to uid 1000 makes the
/// page of its (root) parent's code writable and patches it; the parent's
/// code is unchanged.
pub fn cow_text_after_fork() -> TestResult {
    let code = text_marker as *const () as usize;
    let page = code & !(PAGE_SIZE - 1);
    let before = peek(code);
    let child = spawn_child(|| {
        if cairn_rt::process::getuid() == 0 && process::setuid(1000).is_err() {
            return 2;
        }
        if protect(page, PAGE_SIZE, READ_WRITE | MapFlags::PROT_EXEC).is_err() {
            return 3;
        }
        // Only `text_marker`'s first byte changes; the child never calls it.
        write_byte(code, before ^ 0xff);
        i32::from(peek(code) != before ^ 0xff)
    })?;
    expect_exit(child, 0)?;
    let after = peek(code);
    ensure!(after == before, "the child patched the parent's code ({before:#x} became {after:#x})");
    ensure!(text_marker() == 0x7e57_c0de, "the parent's code no longer runs as built");
    Ok(())
}

/// Item 12: unmapping, protecting and forking a 32 TiB mapping with a few
/// touched pages does work for those pages, not for the range (it used to
/// stall the machine for half a minute; the suite's timeout bounds it).
pub fn munmap_huge_is_fast() -> TestResult {
    let len = 32 * TIB;
    let base = ok("mmap 32 TiB", map_anonymous(len, READ_WRITE | MapFlags::MAP_PRIVATE))?;
    let last = base + len - PAGE_SIZE;
    write_byte(base, 1);
    write_byte(last, 2);
    let child = spawn_child(|| i32::from(peek(base) != 1 || peek(last) != 2))?;
    let exited = expect_exit(child, 0);
    let read_only = protect(base, len, READ);
    let first = peek(base);
    unmap(base, len)?;
    exited?;
    ok("mprotect of 32 TiB", read_only)?;
    ensure!(first == 1, "contents lost by mprotect");
    // The range is free again: the same size maps once more.
    let again = ok("mmap 32 TiB again", map_anonymous(len, READ | MapFlags::MAP_PRIVATE))?;
    unmap(again, len)
}

/// Smaller fault: `MAP_PRIVATE` of a scheme file whose server answers with
/// its own memory object is a private copy-on-write view: the caller reads
/// the object, but its writes never reach the server's object.
pub fn map_private_scheme_is_private() -> TestResult {
    let server = ok("create scheme ut-vmpriv", Server::create("ut-vmpriv"))?;
    let memory = ok("memory object", memory_create(2 * PAGE_SIZE))?;
    let own = ok("server's mapping", map_fd(&memory, 2 * PAGE_SIZE, READ_WRITE | MapFlags::MAP_SHARED))?;
    write_byte(own, b'A');
    let answer = ok("dup for the server", memory.dup(rights::ALL))?;
    let worker = thread::spawn(move || -> Result<(), String> {
        let mut closes = 0;
        while closes < 1 {
            let incoming = ok("next", server.next())?;
            let request = incoming.request;
            match request.opcode {
                OPEN => ok("answer open", server.respond(request.id, Ok(1), &[]))?,
                MMAP => ok("answer with the object", server.respond_fd(request.id, &answer))?,
                CLOSE => closes += 1,
                other => return Err(format!("unexpected opcode {other}")),
            }
        }
        Ok(())
    });
    let result = (|| -> TestResult {
        let file = ok("open", scheme::open("/scheme/ut-vmpriv/file", O_RDWR))?;
        let private = ok("mmap private", map_fd(&file, 2 * PAGE_SIZE, READ_WRITE | MapFlags::MAP_PRIVATE))?;
        let read = peek(private);
        write_byte(private, b'B');
        write_byte(private + PAGE_SIZE, b'C');
        let own_view = (peek(private), peek(private + PAGE_SIZE));
        // A child of the caller gets the caller's private pages, not the object.
        let child = spawn_child(|| i32::from(peek(private) != b'B'))?;
        let child_exit = expect_exit(child, 0);
        unmap(private, 2 * PAGE_SIZE)?;
        drop(file);
        ensure!(read == b'A', "the private view does not show the object ({read:#x})");
        ensure!(own_view == (b'B', b'C'), "the private view lost its writes {own_view:?}");
        child_exit?;
        Ok(())
    })();
    let served = worker.join().map_err(|e| format!("server thread: {e:?}"))?;
    let object = (peek(own), peek(own + PAGE_SIZE));
    unmap(own, 2 * PAGE_SIZE)?;
    result?;
    served?;
    ensure!(object == (b'A', 0), "private writes reached the server's object {object:?}");
    Ok(())
}

/// Kernel memory a process chooses the size of: the regions of one address
/// space are limited (as Linux's `max_map_count`); splitting a mapping into
/// ever more pieces with `mprotect` ends in ENOMEM, not in kernel heap
/// exhaustion, and `mprotect` back joins the pieces again.
pub fn region_count_limited() -> TestResult {
    const PAGES: usize = 140_000;
    let len = PAGES * PAGE_SIZE;
    let base = ok("mmap", map_anonymous(len, READ | MapFlags::MAP_PRIVATE))?;
    let mut refused = None;
    for i in 0..PAGES / 2 {
        if let Err(e) = protect(base + 2 * i * PAGE_SIZE, PAGE_SIZE, READ_WRITE) {
            refused = Some((i, e));
            break;
        }
    }
    // Joining: the whole range back to one protection is one region again,
    // so splitting works once more.
    let rejoined = protect(base, len, READ);
    let split_again = protect(base + PAGE_SIZE, PAGE_SIZE, READ_WRITE);
    unmap(base, len)?;
    let Some((count, error)) = refused else {
        return Err(format!("{} pieces made without ENOMEM", PAGES));
    };
    ensure!(
        error.errno() == Some(cairn_rt::abi::error::ENOMEM),
        "splitting refused with {error:?} after {count} calls"
    );
    ensure!(count > 1000, "splitting refused already after {count} calls");
    ok("mprotect of the whole range", rejoined)?;
    ok("a split after joining", split_again)
}

/// `munmap` gives back the page tables it left empty, not only the pages:
/// 256 pages touched 4 GiB apart need a table or two each, and after the
/// unmap free memory is back where it was.
pub fn munmap_returns_page_tables() -> TestResult {
    const TOUCHED: usize = 256;
    const STRIDE: usize = 4 << 30;
    const TOLERANCE: u64 = 32;
    let cycle = || -> Result<(u64, u64), String> {
        let len = TOUCHED * STRIDE;
        let base = ok("mmap 1 TiB", map_anonymous(len, READ_WRITE | MapFlags::MAP_PRIVATE))?;
        for i in 0..TOUCHED {
            write_byte(base + i * STRIDE + STRIDE / 2, 1);
        }
        let touched = ok("sysinfo", sys::memory_info())?.free_frames;
        unmap(base, len)?;
        let after = ok("sysinfo", sys::memory_info())?.free_frames;
        Ok((touched, after))
    };
    // Warm up: let the kernel heap reach its steady state first. Then hold
    // that range (untouched, so without tables) so that the measured cycle
    // gets fresh addresses whose tables do not exist yet.
    cycle()?;
    let placeholder = ok("placeholder", map_anonymous(TOUCHED * STRIDE, MapFlags::PROT_NONE | MapFlags::MAP_PRIVATE))?;
    let before = ok("sysinfo", sys::memory_info())?.free_frames;
    let measured = cycle();
    unmap(placeholder, TOUCHED * STRIDE)?;
    let (touched, after) = measured?;
    let used = before.saturating_sub(touched);
    ensure!(used >= 2 * TOUCHED as u64, "touching {TOUCHED} pages took only {used} frames");
    ensure!(
        after + TOLERANCE >= before,
        "{} frames fewer free after munmap (before {before}, touched {touched}, after {after})",
        before.saturating_sub(after)
    );
    Ok(())
}
