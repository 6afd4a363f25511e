//! `cairn-window`: a client's window on the desktop. [`Window::create`]
//! opens `/scheme/display/window`, asks for the size and title, and maps
//! the window's buffer — a memory object the display server made and
//! maps too, so drawing needs no copy through the kernel. Draw into
//! [`Window::canvas`], say what changed with [`Window::commit`], and read
//! [`Window::events`] (it waits for the next ones). Closing the window
//! (dropping it, or the process ending) takes it off the screen.
//!
//! Depends on `cairn-rt`, `cairn-winproto` and `cairn-gui`.
#![no_std]

use cairn_gui::Canvas;
use cairn_rt::Vec;
use cairn_rt::fs::{File, OpenOptions};
use cairn_rt::io::{Read, Write};
use cairn_rt::sys::{MapFlags, PAGE_SIZE, mmap, munmap};
use cairn_winproto::{EVENT_SIZE, Event, Rect, Request};

/// Where clients open windows.
pub const WINDOW_PATH: &str = "/scheme/display/window";

/// A window with its mapped buffer.
pub struct Window {
    file: File,
    base: usize,
    len: usize,
    width: u32,
    height: u32,
}

impl Window {
    /// A window showing `width` x `height` pixels under `title`.
    pub fn create(title: &str, width: u32, height: u32) -> cairn_rt::Result<Window> {
        let mut file = OpenOptions::new().read(true).write(true).open(WINDOW_PATH)?;
        file.write_all(&Request::Create { width, height, title }.encode())?;
        let len = (width as usize * height as usize * 4).next_multiple_of(PAGE_SIZE);
        let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
        // SAFETY: the kernel chooses where to map (no MAP_FIXED).
        let base = unsafe { mmap(0, len, flags, file.as_raw_fd(), 0) }?;
        Ok(Window { file, base, len, width, height })
    }

    /// The buffer, rows packed, `x8r8g8b8`.
    pub fn pixels(&mut self) -> &mut [u32] {
        // SAFETY: `base` maps `len` bytes (at least width * height
        // pixels), readable and writable, for as long as `self` lives;
        // the borrow of `self` keeps it unique in this process.
        unsafe { core::slice::from_raw_parts_mut(self.base as *mut u32, (self.width * self.height) as usize) }
    }

    /// A canvas over the whole buffer.
    pub fn canvas(&mut self) -> Canvas<'_> {
        let (width, height) = (self.width, self.height);
        // The buffer holds exactly width * height pixels, so this holds.
        Canvas::new(self.pixels(), width, height, width as usize).expect("the buffer fits its size")
    }

    /// Tells the server these parts changed.
    pub fn commit(&mut self, damage: &[Rect]) -> cairn_rt::Result<()> {
        self.file.write_all(&Request::Commit { damage: damage.to_vec() }.encode())
    }

    /// Tells the server everything changed.
    pub fn commit_all(&mut self) -> cairn_rt::Result<()> {
        let all = Rect::new(0, 0, self.width, self.height);
        self.commit(&[all])
    }

    pub fn set_title(&mut self, title: &str) -> cairn_rt::Result<()> {
        self.file.write_all(&Request::SetTitle { title }.encode())
    }

    /// Waits for events and returns those that came (malformed ones,
    /// which a correct server never sends, are skipped).
    pub fn events(&mut self) -> cairn_rt::Result<Vec<Event>> {
        let mut bytes = [0u8; 64 * EVENT_SIZE];
        let got = self.file.read(&mut bytes)?;
        Ok(bytes[..got].chunks_exact(EVENT_SIZE).filter_map(|e| Event::decode(e).ok()).collect())
    }

    /// The window's fd (to watch in an event queue).
    pub fn as_raw_fd(&self) -> usize {
        self.file.as_raw_fd()
    }
}

impl Drop for Window {
    fn drop(&mut self) {
        // SAFETY: the mapping is this window's and nothing refers to it
        // after the drop (`pixels` borrows `self`).
        let _ = unsafe { munmap(self.base, self.len) };
    }
}
