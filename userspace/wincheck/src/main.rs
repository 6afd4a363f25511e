//! `wincheck`: throws bad window-protocol requests at the running display
//! server (scheme `display`) and checks each gets its error while the
//! server keeps serving: an unknown path, a 100,000×100,000 window, a
//! malformed request, `mmap` before the window exists and past its
//! buffer, a second `Create`, a read too small for an event, damage far
//! outside the window, a title too long or set before the window exists, a client unmapping its buffer and committing
//! after, a flood of commits, and more window memory than the server
//! allows; then a new window must still open.
//! Prints `wincheck: all N checks passed` (exit 0) or each failure
//! (exit 1). The `desktop` QEMU suite runs it.
//!
//! Depends on `cairn-rt`, `cairn-window` and `cairn-winproto`.
#![no_std]
#![no_main]

use cairn_rt::abi::error::{EBUSY, EINVAL, ENOENT, ENOMEM};
use cairn_rt::fs::{File, OpenOptions};
use cairn_rt::io::Write;
use cairn_rt::sys::{MapFlags, PAGE_SIZE, mmap, munmap};
use cairn_rt::{String, format, println, vec};
use cairn_window::{WINDOW_PATH, Window};
use cairn_winproto::{Rect, Request};

cairn_rt::main!(main);

/// What a check saw, when it was not what it wanted.
type Outcome = Result<(), String>;

/// A named check.
type Check = (&'static str, fn() -> Outcome);

fn window_handle() -> Result<File, String> {
    OpenOptions::new().read(true).write(true).open(WINDOW_PATH).map_err(|e| format!("open {WINDOW_PATH}: {e}"))
}

/// `result` must be the error `errno`.
fn refused<T>(result: cairn_rt::Result<T>, errno: i32) -> Outcome {
    match result {
        Err(e) if e.errno() == Some(errno) => Ok(()),
        Err(e) => Err(format!("wanted errno {errno}, got {e}")),
        Ok(_) => Err(format!("wanted errno {errno}, got success")),
    }
}

fn map(file: &File, len: usize) -> cairn_rt::Result<usize> {
    let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
    // SAFETY: the kernel chooses where to map (no MAP_FIXED).
    unsafe { mmap(0, len, flags, file.as_raw_fd(), 0) }
}

fn create(file: &mut File, width: u32, height: u32) -> cairn_rt::Result<()> {
    file.write_all(&Request::Create { width, height, title: "wincheck" }.encode())
}

fn unknown_path() -> Outcome {
    refused(File::open("/scheme/display/no-such-thing"), ENOENT)
}

fn huge_window() -> Outcome {
    refused(create(&mut window_handle()?, 100_000, 100_000), EINVAL)
}

fn malformed_request() -> Outcome {
    let mut file = window_handle()?;
    refused(file.write_all(&[2, 0, 0, 0, 9]), EINVAL)?;
    refused(file.write_all(&99u32.to_le_bytes()), EINVAL)
}

fn map_before_create() -> Outcome {
    refused(map(&window_handle()?, PAGE_SIZE), EINVAL)
}

fn second_create_and_oversized_map() -> Outcome {
    let mut file = window_handle()?;
    create(&mut file, 64, 64).map_err(|e| format!("create 64x64: {e}"))?;
    refused(create(&mut file, 64, 64), EBUSY)?;
    refused(map(&file, 64 * 64 * 4 + 16 * PAGE_SIZE), EINVAL)
}

fn small_read() -> Outcome {
    let mut file = window_handle()?;
    create(&mut file, 16, 16).map_err(|e| format!("create 16x16: {e}"))?;
    let mut byte = [0u8; 8];
    refused(cairn_rt::io::read_fd(file.as_raw_fd(), &mut byte), EINVAL)
}

fn damage_outside_and_titles() -> Outcome {
    let mut window = Window::create("wincheck", 32, 32).map_err(|e| format!("window: {e}"))?;
    let far = [Rect::new(i32::MAX - 5, i32::MIN, u32::MAX, u32::MAX), Rect::new(-100, -100, 50, 50)];
    window.commit(&far).map_err(|e| format!("commit far outside: {e}"))?;
    window.set_title("wincheck, retitled").map_err(|e| format!("set title: {e}"))?;
    refused(window.set_title(&"x".repeat(200)), EINVAL)?;
    let mut untitled = window_handle()?;
    refused(untitled.write_all(&Request::SetTitle { title: "before create" }.encode()), EINVAL)
}

fn unmapped_then_commit() -> Outcome {
    let mut file = window_handle()?;
    create(&mut file, 128, 128).map_err(|e| format!("create 128x128: {e}"))?;
    let len = 128 * 128 * 4;
    let base = map(&file, len).map_err(|e| format!("map: {e}"))?;
    // SAFETY: the mapping was just made here and nothing else uses it.
    unsafe { core::slice::from_raw_parts_mut(base as *mut u32, 128 * 128) }.fill(0x00ff_00ff);
    // SAFETY: as above; it is not touched again.
    unsafe { munmap(base, len) }.map_err(|e| format!("munmap: {e}"))?;
    let commit = Request::Commit { damage: vec![Rect::new(0, 0, 128, 128)] }.encode();
    file.write_all(&commit).map_err(|e| format!("commit after unmapping: {e}"))
}

fn commit_flood() -> Outcome {
    let mut window = Window::create("wincheck", 8, 8).map_err(|e| format!("window: {e}"))?;
    for i in 0..2000 {
        window.commit(&[Rect::new(i % 8, 0, 1, 1)]).map_err(|e| format!("commit {i}: {e}"))?;
    }
    Ok(())
}

/// Two 4096x4096 windows (64 MiB each) fit the server's 160 MiB of
/// window buffers; a third does not, until one closes.
fn buffer_limit() -> Outcome {
    let first = Window::create("wincheck", 4096, 4096).map_err(|e| format!("first 4096x4096: {e}"))?;
    let _second = Window::create("wincheck", 4096, 4096).map_err(|e| format!("second 4096x4096: {e}"))?;
    refused(Window::create("wincheck", 4096, 4096), ENOMEM)?;
    drop(first);
    // The server sees the close a moment after it returns.
    for _ in 0..100 {
        if let Ok(third) = Window::create("wincheck", 4096, 4096) {
            drop(third);
            return Ok(());
        }
        cairn_rt::thread::sleep(core::time::Duration::from_millis(20));
    }
    Err(String::from("no room for a 4096x4096 window after one closed"))
}

fn still_serving() -> Outcome {
    Window::create("wincheck", 40, 30).map(drop).map_err(|e| format!("a new window after the rest: {e}"))
}

fn main() -> i32 {
    let checks: [Check; 11] = [
        ("unknown path", unknown_path),
        ("100000x100000 window", huge_window),
        ("malformed request", malformed_request),
        ("mmap before create", map_before_create),
        ("second create, oversized mmap", second_create_and_oversized_map),
        ("read smaller than an event", small_read),
        ("damage outside the window, titles", damage_outside_and_titles),
        ("commit after unmapping the buffer", unmapped_then_commit),
        ("2000 commits", commit_flood),
        ("window buffer limit", buffer_limit),
        ("still serving", still_serving),
    ];
    let mut failed = 0;
    for (name, check) in checks {
        if let Err(why) = check() {
            println!("wincheck: {name}: FAILED: {why}");
            failed += 1;
        }
    }
    if failed == 0 {
        println!("wincheck: all {} checks passed", checks.len());
        0
    } else {
        println!("wincheck: {failed} of {} checks failed", checks.len());
        1
    }
}
