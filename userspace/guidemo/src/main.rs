//! `guidemo`: the example desktop application (docs/DESKTOP.md walks
//! through it). It loads DejaVu Sans, opens a window on the display
//! server, draws `cairn_gui::demo::Demo` into it and reacts to its
//! events: the button counts presses, typed text and wheel turns show,
//! the close box ends the program.
//! Says `guidemo: window up` once the first frame is committed.
//!
//! Depends on `cairn-rt`, `cairn-gui` and `cairn-window`.
#![no_std]
#![no_main]

use cairn_gui::Font;
use cairn_gui::demo::{self, Demo, Reaction};
use cairn_gui::text::FONT_PATH;
use cairn_rt::{eprintln, println};
use cairn_window::Window;

cairn_rt::main!(main);

fn main() -> i32 {
    let font = match cairn_rt::fs::read(FONT_PATH)
        .map_err(|e| cairn_rt::format!("{e}"))
        .and_then(|bytes| Font::from_bytes(&bytes).map_err(|e| cairn_rt::format!("{e}")))
    {
        Ok(font) => font,
        Err(e) => {
            eprintln!("guidemo: cannot load {FONT_PATH}: {e}");
            return 1;
        }
    };
    let mut window = match Window::create(demo::TITLE, demo::WIDTH, demo::HEIGHT) {
        Ok(window) => window,
        Err(e) => {
            eprintln!("guidemo: cannot open a window: {e}");
            return 1;
        }
    };
    let mut app = Demo::new();
    app.draw(&mut window.canvas(), &font);
    if let Err(e) = window.commit_all() {
        eprintln!("guidemo: cannot commit: {e}");
        return 1;
    }
    println!("guidemo: window up");
    loop {
        let events = match window.events() {
            Ok(events) => events,
            Err(e) => {
                eprintln!("guidemo: reading events: {e}");
                return 1;
            }
        };
        for event in events {
            match app.handle(event, &font) {
                Reaction::Nothing => {}
                Reaction::Redraw => {
                    app.draw(&mut window.canvas(), &font);
                    let _ = window.commit_all();
                    println!(
                        "guidemo: pressed {} times, typed {:?}, wheel {}",
                        app.presses(),
                        app.typed(),
                        app.wheel()
                    );
                }
                Reaction::Quit => {
                    println!("guidemo: closed");
                    return 0;
                }
            }
        }
    }
}
