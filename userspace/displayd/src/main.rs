//! `displayd`: the display server, one process. It takes a display
//! driver's scheme (`--display NAME`, default `display.bochs0`), sets the
//! starting mode (`--mode WxH`, default 1024x768) and maps the
//! framebuffer ([`screen`]); takes keys and mouse reports from the input
//! server as virtual console 7 ([`input`]; while another console is
//! active it shows nothing, hands the screen back in the boot
//! framebuffer's mode, and redraws everything when it is active again);
//! and serves scheme `display`, the window protocol
//! ([`windows`], DESKTOP.md). The decisions — z-order, focus, dragging
//! title bars, what input goes to which window, what was damaged — and
//! the drawing are `cairn-compositor`'s; here they meet the devices.
//! After each round of input and requests the damaged rectangles are
//! composed into a back buffer and only they are copied to the screen.
//! It also takes the boot framebuffer from the kernel (`/scheme/framebuffer`)
//! so that the kernel's log stops drawing over the desktop.
//!
//! Depends on `cairn-rt`, `cairn-compositor`, `cairn-gui`,
//! `cairn-winproto`, `cairn-display-mode` and `cairn-input`.
#![no_std]
#![no_main]

mod input;
mod screen;
mod windows;

use core::time::Duration;

use cairn_compositor::{Desktop, Outgoing};
use cairn_display_mode::Mode;
use cairn_gui::Font;
use cairn_gui::text::FONT_PATH;
use cairn_input::InputEvent;
use cairn_rt::abi::{EVENT_READ, Event as QueueEvent, FramebufferInfo, O_NONBLOCK};
use cairn_rt::events::EventQueue;
use cairn_rt::scheme::Server;
use cairn_rt::time::Instant;
use cairn_rt::{String, Vec, eprintln, format, println};
use cairn_winproto::Button;

use input::Input;
use screen::Screen;
use windows::Windows;

cairn_rt::main!(main);

/// Event-queue tags: the endpoint, the input console.
const REQUESTS: u64 = 0;
const INPUT: u64 = 1;

struct Options {
    display: String,
    mode: Mode,
}

fn options() -> Result<Options, String> {
    let mut options = Options { display: String::from("display.bochs0"), mode: Mode::new(1024, 768) };
    let mut args = cairn_rt::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--display" => options.display = value,
            "--mode" => options.mode = Mode::parse(&value).map_err(|e| format!("--mode {value}: {e}"))?,
            _ => return Err(format!("unknown option {arg} (usage: displayd [--display NAME] [--mode WxH])")),
        }
    }
    Ok(options)
}

/// Buttons held in the last mouse report.
#[derive(Default)]
struct Held {
    left: bool,
    right: bool,
    middle: bool,
}

/// Turns one key or mouse report into desktop changes; returns the
/// events for windows.
fn feed(desktop: &mut Desktop, held: &mut Held, input: InputEvent) -> Outgoing {
    match input {
        InputEvent::Key(key) => desktop.key(key.code, key.pressed, key.text),
        InputEvent::Mouse(report) => {
            let mut out = desktop.pointer_moved(report.dx, report.dy);
            for (button, now, before) in [
                (Button::Left, report.left, &mut held.left),
                (Button::Right, report.right, &mut held.right),
                (Button::Middle, report.middle, &mut held.middle),
            ] {
                if now != *before {
                    *before = now;
                    out.extend(desktop.button(button, now));
                }
            }
            if report.wheel != 0 {
                out.extend(desktop.wheel(report.wheel));
            }
            out
        }
        InputEvent::Active(_) => Outgoing::new(),
    }
}

/// The boot framebuffer's mode (what a text console draws in), if there is one.
fn boot_mode(boot: &mut cairn_rt::fs::File) -> Option<Mode> {
    let mut raw = [0u8; size_of::<FramebufferInfo>()];
    cairn_rt::io::Read::read_exact(boot, &mut raw).ok()?;
    // SAFETY: `FramebufferInfo` is plain old data of exactly these bytes.
    let info: FramebufferInfo = unsafe { core::ptr::read_unaligned(raw.as_ptr().cast()) };
    (info.bits_per_pixel == 32 && info.pitch == info.width * 4).then(|| Mode::new(info.width, info.height))
}

/// How long the display driver's scheme may take to appear (devd
/// registers it when it finds the adapter, which may be after this
/// server started).
const DISPLAY_WAIT: Duration = Duration::from_secs(5);

/// Waits for the driver's scheme `display`; without one there is no
/// usable display, and the text consoles keep the screen (nothing was
/// touched yet).
fn wait_for_display(display: &str) -> Result<(), String> {
    let path = format!("/scheme/{display}");
    let start = Instant::now();
    while cairn_rt::fs::metadata(&path).is_err() {
        if start.elapsed() > DISPLAY_WAIT {
            return Err(format!("no display: {path} did not appear within {DISPLAY_WAIT:?}"));
        }
        cairn_rt::thread::sleep(Duration::from_millis(10));
    }
    Ok(())
}

fn run() -> Result<(), String> {
    let options = options()?;
    wait_for_display(&options.display)?;
    let bytes = cairn_rt::fs::read(FONT_PATH).map_err(|e| format!("cannot read {FONT_PATH}: {e}"))?;
    let font = Font::from_bytes(&bytes).map_err(|e| format!("{FONT_PATH}: {e}"))?;
    // The input first: without the input server there is no desktop to
    // use, so fail before touching the screen.
    let mut input = Input::attach()?;
    // The kernel stops drawing its log once someone holds the boot framebuffer.
    let mut boot_framebuffer = cairn_rt::fs::File::open("/scheme/framebuffer").ok();
    let text_mode = boot_framebuffer.as_mut().and_then(boot_mode);
    let mut screen = Screen::open(&options.display, options.mode)?;
    let server = Server::create("display").map_err(|e| format!("cannot register scheme display: {e}"))?;
    let queue = EventQueue::new()
        .and_then(|queue| {
            server.endpoint().set_flags(O_NONBLOCK)?;
            queue.watch(server.endpoint().as_raw(), EVENT_READ, REQUESTS)?;
            queue.watch(input.fd(), EVENT_READ, INPUT)?;
            Ok(queue)
        })
        .map_err(|e| format!("cannot set up the event queue: {e}"))?;
    let mode = screen.mode();
    let mut desktop = Desktop::new(mode.width, mode.height);
    let mut windows = Windows::new();
    let mut held = Held::default();
    let mut active = true;
    println!("displayd: {} at {mode}; serving scheme display", options.display);
    let mut events = [QueueEvent::default(); 4];
    loop {
        if active {
            let damage = desktop.take_damage();
            if !damage.is_empty() {
                let mut canvas = screen.canvas();
                for area in &damage {
                    desktop.compose(&mut canvas, *area, &font, &|id| windows.pixels(id));
                }
                screen.present(&damage);
            }
        }
        let count = queue.wait(&mut events, None).map_err(|e| format!("waiting for events: {e}"))?;
        let arrived = if events[..count].iter().any(|e| e.data == INPUT) { input.receive() } else { Vec::new() };
        for event in arrived {
            if let InputEvent::Active(now) = event {
                active = now;
                switched(now, &mut screen, &mut desktop, text_mode);
                held = Held::default();
            }
            let out = feed(&mut desktop, &mut held, event);
            windows.deliver(out, &server);
        }
        while let Ok(incoming) = server.next() {
            let answer = windows.serve(&incoming.request, &incoming.payload, &server, &mut desktop, &mut screen);
            if let Some((result, payload)) = answer {
                let _ = server.respond(incoming.request.id, result, &payload);
            }
        }
    }
}

/// The desktop gained or lost the screen: a text console gets it in the
/// boot framebuffer's mode (`text_mode`), and the desktop takes its own
/// mode back and redraws everything.
fn switched(active: bool, screen: &mut Screen, desktop: &mut Desktop, text_mode: Option<Mode>) {
    let result = match (active, text_mode) {
        (false, Some(text)) if text != screen.mode() => screen.lend(text),
        (true, Some(text)) if text != screen.mode() => screen.take_back(),
        _ => Ok(()),
    };
    if let Err(e) = result {
        eprintln!("displayd: {e}");
    }
    if active {
        desktop.damage_all();
    }
    println!("displayd: {}", if active { "desktop active" } else { "another console active" });
}

fn main() -> i32 {
    match run() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("displayd: {e}");
            1
        }
    }
}
