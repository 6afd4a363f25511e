//! The screen: a display driver's scheme (`/scheme/display.bochs0`:
//! `mode` to read and set the mode, `framebuffer` for the framebuffer's
//! fd, mapped here), and a back buffer of the same size that the
//! compositor draws into. [`Screen::present`] copies only the damaged
//! rectangles to video memory.

use cairn_display_mode::Mode;
use cairn_gui::{Canvas, Rect};
use cairn_rt::fs::{File, OpenOptions};
use cairn_rt::io::{Read, Write};
use cairn_rt::sys::{MapFlags, mmap};
use cairn_rt::{String, Vec, format, vec};

/// The display, mapped, and the back buffer.
pub struct Screen {
    scheme: String,
    base: *mut u32,
    /// Bytes of video memory mapped at `base`.
    memory: usize,
    mode: Mode,
    back: Vec<u32>,
}

fn read_mode(scheme: &str) -> Result<Mode, String> {
    let mut text = String::new();
    File::open(&format!("/scheme/{scheme}/mode"))
        .and_then(|mut f| f.read_to_string(&mut text))
        .map_err(|e| format!("cannot read /scheme/{scheme}/mode: {e}"))?;
    Mode::parse(&text).map_err(|e| format!("/scheme/{scheme}/mode says {:?}: {e}", text.trim()))
}

impl Screen {
    /// Opens display `scheme`, sets `mode` and maps its framebuffer.
    pub fn open(scheme: &str, mode: Mode) -> Result<Screen, String> {
        let framebuffer = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&format!("/scheme/{scheme}/framebuffer"))
            .map_err(|e| format!("cannot open /scheme/{scheme}/framebuffer: {e}"))?;
        let memory = framebuffer.metadata().map_err(|e| format!("cannot stat the framebuffer: {e}"))?.len() as usize;
        let flags = MapFlags::PROT_READ | MapFlags::PROT_WRITE | MapFlags::MAP_SHARED;
        // SAFETY: the kernel chooses where to map (no MAP_FIXED).
        let base = unsafe { mmap(0, memory, flags, framebuffer.as_raw_fd(), 0) }
            .map_err(|e| format!("cannot map the framebuffer: {e}"))?;
        // The mapping stays; the fd goes, so that it does not hold the
        // driver's device context: a driver that dies releases the
        // function and devd can start it again.
        drop(framebuffer);
        let mut screen = Screen {
            scheme: String::from(scheme),
            base: base as *mut u32,
            memory,
            mode: Mode::new(0, 0),
            back: Vec::new(),
        };
        screen.set_mode(mode)?;
        Ok(screen)
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Asks the driver for `mode` and sizes the back buffer to it.
    pub fn set_mode(&mut self, mode: Mode) -> Result<(), String> {
        self.show(mode)?;
        self.mode = mode;
        self.back = vec![0; (mode.width * mode.height) as usize];
        Ok(())
    }

    /// Has the driver show `mode` for another console's drawing, keeping
    /// the desktop's mode and back buffer for [`Screen::take_back`].
    pub fn lend(&mut self, mode: Mode) -> Result<(), String> {
        self.show(mode)
    }

    /// Shows the desktop's mode again (its contents must be redrawn).
    pub fn take_back(&mut self) -> Result<(), String> {
        self.show(self.mode)
    }

    /// Asks the driver for `mode` and checks that it shows it.
    fn show(&self, mode: Mode) -> Result<(), String> {
        if mode.frame_bytes() > self.memory as u64 {
            return Err(format!("{mode} needs more than the {} MiB of video memory", self.memory >> 20));
        }
        OpenOptions::new()
            .write(true)
            .open(&format!("/scheme/{}/mode", self.scheme))
            .and_then(|mut f| f.write_all(format!("{mode}").as_bytes()))
            .map_err(|e| format!("{} refused mode {mode}: {e}", self.scheme))?;
        let shown = read_mode(&self.scheme)?;
        if shown != mode {
            return Err(format!("{} shows {shown} after being asked for {mode}", self.scheme));
        }
        Ok(())
    }

    /// A canvas over the back buffer.
    pub fn canvas(&mut self) -> Canvas<'_> {
        let Mode { width, height } = self.mode;
        // The back buffer holds exactly width * height pixels.
        Canvas::new(&mut self.back, width, height, width as usize).expect("the back buffer fits the mode")
    }

    /// Copies `areas` of the back buffer to the screen.
    pub fn present(&mut self, areas: &[Rect]) {
        let width = self.mode.width as usize;
        let screen = Rect::new(0, 0, self.mode.width, self.mode.height);
        for area in areas.iter().map(|a| a.intersect(&screen)) {
            for y in area.y as usize..area.y as usize + area.height as usize {
                let at = y * width + area.x as usize;
                let row = &self.back[at..at + area.width as usize];
                // SAFETY: the framebuffer is mapped for `memory` bytes at
                // `base` and the mode fits in it (checked in `set_mode`);
                // rows are `width` pixels apart, and (x, y) lies on the
                // screen, so the row copied stays inside the mapping.
                unsafe { core::ptr::copy_nonoverlapping(row.as_ptr(), self.base.add(at), row.len()) };
            }
        }
    }
}
