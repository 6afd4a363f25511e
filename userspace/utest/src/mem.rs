//! Memory: copy-on-write isolation after `fork` in both directions (also
//! for writes the kernel makes on the process's behalf), shared mappings,
//! demand-zero pages, `mprotect` and `munmap` enforced by faults.
//!
//! Depends on `cairn-rt` and the helpers in [`crate::util`].

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use cairn_rt::fs::File;
use cairn_rt::io::Read;
use cairn_rt::signal::{self, SIGSEGV, SIGUSR1, kill};
use cairn_rt::sys::{self, MapFlags, PAGE_SIZE, map_anonymous};
use cairn_rt::time::{Duration, Instant};
use cairn_rt::{Vec, thread, vec};

use crate::util::{TestResult, ensure, expect_exit, expect_signal, ok, peek, poke, spawn_child};

/// A variable in the data segment.
static DATA: AtomicU64 = AtomicU64::new(0x0dd_ba11);
/// Set by [`go`] when the parent lets the child look.
static GO: AtomicBool = AtomicBool::new(false);

fn go(_: usize) {
    GO.store(true, Ordering::SeqCst);
}

const HEAP_BYTES: usize = 64 * 1024;

pub fn cow_child_writes() -> TestResult {
    DATA.store(0x0dd_ba11, Ordering::SeqCst);
    let mut heap = vec![0xaau8; HEAP_BYTES];
    let pid = spawn_child(|| {
        DATA.store(1, Ordering::SeqCst);
        heap.iter_mut().for_each(|b| *b = 0x55);
        // The kernel writes into a copy-on-write page too (read()).
        let Ok(mut file) = File::open("/bin/hello") else { return 2 };
        if file.read_exact(&mut heap[..4]).is_err() || &heap[..4] != b"\x7fELF" {
            return 3;
        }
        // The child sees its own writes.
        if DATA.load(Ordering::SeqCst) != 1 || heap[4..].iter().any(|&b| b != 0x55) {
            return 4;
        }
        0
    })?;
    expect_exit(pid, 0)
        .map_err(|e| cairn_rt::format!("{e} (2: open failed, 3: read into the copy failed, 4: own writes lost)"))?;
    ensure!(DATA.load(Ordering::SeqCst) == 0x0dd_ba11, "the child's write to a static reached the parent");
    let changed = heap.iter().position(|&b| b != 0xaa);
    ensure!(changed.is_none(), "the child's heap write (or read()) reached the parent at offset {changed:?}");
    Ok(())
}

pub fn cow_parent_writes() -> TestResult {
    DATA.store(0x0dd_ba11, Ordering::SeqCst);
    GO.store(false, Ordering::SeqCst);
    let mut heap = vec![0xaau8; HEAP_BYTES];
    ok("set_handler", signal::set_handler(SIGUSR1, go))?;
    let pid = spawn_child(|| {
        // Wait until the parent has written, then look.
        let start = Instant::now();
        while !GO.load(Ordering::SeqCst) {
            if start.elapsed() > Duration::from_secs(30) {
                return 2;
            }
            thread::sleep(Duration::from_millis(1));
        }
        if DATA.load(Ordering::SeqCst) != 0x0dd_ba11 {
            return 3;
        }
        if heap.iter().any(|&b| b != 0xaa) {
            return 4;
        }
        0
    })?;
    DATA.store(2, Ordering::SeqCst);
    heap.iter_mut().for_each(|b| *b = 0x11);
    let sent = kill(pid, SIGUSR1);
    let result = expect_exit(pid, 0);
    ok("set_default", signal::set_default(SIGUSR1))?;
    ok("kill(child, SIGUSR1)", sent)?;
    result.map_err(|e| {
        cairn_rt::format!("{e} (3: the parent's static write reached the child, 4: its heap write did, 2: no signal)")
    })?;
    ensure!(heap.iter().all(|&b| b == 0x11), "the parent lost its own heap writes");
    Ok(())
}

pub fn shared_and_private_mappings() -> TestResult {
    let rw = MapFlags::PROT_READ | MapFlags::PROT_WRITE;
    let shared = ok("mmap shared", map_anonymous(PAGE_SIZE, rw | MapFlags::MAP_SHARED))?;
    let private = ok("mmap private", map_anonymous(PAGE_SIZE, rw | MapFlags::MAP_PRIVATE))?;
    // SAFETY: both pages are fresh, writable and used only here.
    let (shared_word, private_word) = unsafe { (&*(shared as *const AtomicU64), &*(private as *const AtomicU64)) };
    shared_word.store(1, Ordering::SeqCst);
    private_word.store(1, Ordering::SeqCst);
    let pid = spawn_child(|| {
        shared_word.store(0xc0ffee, Ordering::SeqCst);
        private_word.store(0xc0ffee, Ordering::SeqCst);
        0
    })?;
    let result = expect_exit(pid, 0);
    let (seen_shared, seen_private) = (shared_word.load(Ordering::SeqCst), private_word.load(Ordering::SeqCst));
    // SAFETY: the test's own pages, no longer used.
    unsafe {
        let _ = sys::munmap(shared, PAGE_SIZE);
        let _ = sys::munmap(private, PAGE_SIZE);
    }
    result?;
    ensure!(seen_shared == 0xc0ffee, "MAP_SHARED page not shared with the child (parent sees {seen_shared:#x})");
    ensure!(seen_private == 1, "MAP_PRIVATE page shared with the child (parent sees {seen_private:#x})");
    Ok(())
}

pub fn mmap_demand_zero() -> TestResult {
    const PAGES: usize = 64;
    let len = PAGES * PAGE_SIZE;
    let rw = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE;
    let base = ok("mmap", map_anonymous(len, rw))?;
    ensure!(base % PAGE_SIZE == 0, "mmap returned unaligned {base:#x}");
    // SAFETY: a fresh private read-write mapping of `len` bytes.
    let bytes = unsafe { core::slice::from_raw_parts_mut(base as *mut u8, len) };
    let nonzero = bytes.iter().position(|&b| b != 0);
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = (i / PAGE_SIZE) as u8 ^ i as u8;
    }
    let mismatch = bytes.iter().enumerate().position(|(i, &b)| b != (i / PAGE_SIZE) as u8 ^ i as u8);
    // SAFETY: `bytes` is not used after this.
    let unmapped = unsafe { sys::munmap(base, len) };
    ensure!(nonzero.is_none(), "fresh anonymous memory not zero at offset {nonzero:?}");
    ensure!(mismatch.is_none(), "written pattern read back wrong at offset {mismatch:?}");
    ok("munmap", unmapped)?;
    // A read-only anonymous mapping reads zero too.
    let ro = ok("mmap read-only", map_anonymous(PAGE_SIZE, MapFlags::PROT_READ | MapFlags::MAP_PRIVATE))?;
    let zero = (0..PAGE_SIZE).step_by(512).all(|i| peek(ro + i) == 0);
    // SAFETY: not used afterwards.
    ok("munmap", unsafe { sys::munmap(ro, PAGE_SIZE) })?;
    ensure!(zero, "read-only anonymous page not zero");
    // Many mappings, each distinct.
    let maps: Result<Vec<usize>, _> = (0..32).map(|_| map_anonymous(PAGE_SIZE, rw)).collect();
    let maps = ok("32 mmaps", maps)?;
    let mut sorted = maps.clone();
    sorted.sort_unstable();
    sorted.dedup();
    for &m in &maps {
        // SAFETY: not used afterwards.
        let _ = unsafe { sys::munmap(m, PAGE_SIZE) };
    }
    ensure!(sorted.len() == maps.len(), "mmap handed out the same address twice");
    Ok(())
}

pub fn mprotect_enforced() -> TestResult {
    let page =
        ok("mmap", map_anonymous(PAGE_SIZE, MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE))?;
    poke(page);
    // SAFETY: the page is the test's own; no Rust reference into it exists.
    ok("mprotect(READ)", unsafe { sys::mprotect(page, PAGE_SIZE, MapFlags::PROT_READ) })?;
    ensure!(peek(page) == 1, "contents lost by mprotect");
    let pid = spawn_child(|| {
        poke(page);
        0
    })?;
    let faulted = expect_signal(pid, SIGSEGV);
    // SAFETY: as above.
    ok("mprotect(READ|WRITE)", unsafe { sys::mprotect(page, PAGE_SIZE, MapFlags::PROT_READ | MapFlags::PROT_WRITE) })?;
    poke(page + 1);
    let rewritable = peek(page + 1) == 1;
    // SAFETY: not used afterwards.
    let _ = unsafe { sys::munmap(page, PAGE_SIZE) };
    faulted.map_err(|e| cairn_rt::format!("write to a read-only page: {e}"))?;
    ensure!(rewritable, "page not writable after mprotect(READ|WRITE)");
    Ok(())
}

pub fn munmap_enforced() -> TestResult {
    let page =
        ok("mmap", map_anonymous(PAGE_SIZE, MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_PRIVATE))?;
    poke(page);
    // SAFETY: the page is the test's own and not used afterwards except to
    // provoke the fault in a child.
    ok("munmap", unsafe { sys::munmap(page, PAGE_SIZE) })?;
    let pid = spawn_child(|| i32::from(peek(page)))?;
    expect_signal(pid, SIGSEGV).map_err(|e| cairn_rt::format!("read after munmap: {e}"))?;
    let pid = spawn_child(|| {
        poke(page);
        0
    })?;
    expect_signal(pid, SIGSEGV).map_err(|e| cairn_rt::format!("write after munmap: {e}"))
}
