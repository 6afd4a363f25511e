//! `displayd`: the display server, one process. It takes a display
//! driver's scheme (`--display NAME`, default `display.bochs0`), sets the
//! starting mode (`--mode WxH`, default 1024x768) and maps the
//! framebuffer ([`screen`]); claims the PS/2 controller for keyboard and
//! mouse ([`input`]); and serves scheme `display`, the window protocol
//! ([`windows`], DESKTOP.md). The decisions — z-order, focus, dragging
//! title bars, what input goes to which window, what was damaged — and
//! the drawing are `cairn-compositor`'s; here they meet the devices.
//! After each round of input and requests the damaged rectangles are
//! composed into a back buffer and only they are copied to the screen.
//! It also takes the boot framebuffer from the kernel (`/scheme/framebuffer`)
//! so that the kernel's log stops drawing over the desktop.
//!
//! Depends on `cairn-rt`, `cairn-compositor`, `cairn-gui`,
//! `cairn-winproto`, `cairn-display-mode`, `cairn-ps2` and `pc-keyboard`.
#![no_std]
#![no_main]

mod input;
mod screen;
mod windows;

use cairn_compositor::{Desktop, Outgoing};
use cairn_display_mode::Mode;
use cairn_gui::Font;
use cairn_gui::text::FONT_PATH;
use cairn_rt::abi::{EVENT_READ, Event as QueueEvent, O_NONBLOCK};
use cairn_rt::events::EventQueue;
use cairn_rt::scheme::Server;
use cairn_rt::{String, eprintln, format, println};
use cairn_winproto::Button;

use input::{Input, Ps2};
use screen::Screen;
use windows::Windows;

cairn_rt::main!(main);

/// Event-queue tags: the endpoint; interrupt line N of the controller is `INPUT + N`.
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

/// Turns one input into desktop changes; returns the events for windows.
fn feed(desktop: &mut Desktop, held: &mut Held, input: Input) -> Outgoing {
    match input {
        Input::Key { change, text } => desktop.key(change.code, change.pressed, text),
        Input::Mouse(report) => {
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
    }
}

fn run() -> Result<(), String> {
    let options = options()?;
    let bytes = cairn_rt::fs::read(FONT_PATH).map_err(|e| format!("cannot read {FONT_PATH}: {e}"))?;
    let font = Font::from_bytes(&bytes).map_err(|e| format!("{FONT_PATH}: {e}"))?;
    // The input devices first: if another server holds them (termd's
    // screen console holds ISA line 1), fail before touching the screen.
    let (mut ps2, wheel) = Ps2::claim()?;
    // The kernel stops drawing its log once someone holds the boot framebuffer.
    let _boot_framebuffer = cairn_rt::fs::File::open("/scheme/framebuffer").ok();
    let mut screen = Screen::open(&options.display, options.mode)?;
    let server = Server::create("display").map_err(|e| format!("cannot register scheme display: {e}"))?;
    let queue = EventQueue::new()
        .and_then(|queue| {
            server.endpoint().set_flags(O_NONBLOCK)?;
            queue.watch(server.endpoint().as_raw(), EVENT_READ, REQUESTS)?;
            for (index, fd) in ps2.interrupt_fds().into_iter().enumerate() {
                queue.watch(fd, EVENT_READ, INPUT + index as u64)?;
            }
            Ok(queue)
        })
        .map_err(|e| format!("cannot set up the event queue: {e}"))?;
    let mode = screen.mode();
    let mut desktop = Desktop::new(mode.width, mode.height);
    let mut windows = Windows::new();
    let mut held = Held::default();
    println!(
        "displayd: {} at {mode}, PS/2 mouse {}; serving scheme display",
        options.display,
        if wheel { "with wheel" } else { "without wheel" }
    );
    let mut events = [QueueEvent::default(); 4];
    loop {
        let damage = desktop.take_damage();
        if !damage.is_empty() {
            let mut canvas = screen.canvas();
            for area in &damage {
                desktop.compose(&mut canvas, *area, &font, &|id| windows.pixels(id));
            }
            screen.present(&damage);
        }
        let count = queue.wait(&mut events, None).map_err(|e| format!("waiting for events: {e}"))?;
        for event in &events[..count] {
            if let Some(line) = event.data.checked_sub(INPUT) {
                ps2.acknowledge(line as usize);
            }
        }
        for input in ps2.receive() {
            let out = feed(&mut desktop, &mut held, input);
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

fn main() -> i32 {
    match run() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("displayd: {e}");
            1
        }
    }
}
