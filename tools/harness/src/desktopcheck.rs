//! The desktop suite's screen checks. The guest's screen (a `screendump`)
//! is compared with the screen rendered here, on the host, by the same
//! code the guest runs: `cairn-compositor` composing a 1024x768 desktop
//! with the demo application's window (`cairn_gui::demo`, drawn with
//! DejaVu Sans) and the terminal window (`cairn_gui::terminal`, a
//! `cairn-term` screen fed what the shell showed, in DejaVu Sans Mono),
//! after the same pointer moves, button presses and mode
//! changes the session made. The pictures must agree pixel for pixel,
//! but for [`TOLERANCE`] (the guest's and the host's rasterisers run the
//! same code, so nothing may drift).

use cairn_compositor::{Desktop, F4, LEFT_ALT, WindowId};
use cairn_gui::demo::{self, Demo, Reaction};
use cairn_gui::terminal::{self, MONO_FONT_PATH, TerminalView};
use cairn_gui::text::FONT_PATH;
use cairn_gui::{Canvas, Font, Rect};
use cairn_term::screen::Screen;
use cairn_winproto::Button;

use crate::screen::Picture;

/// The display server's starting mode.
pub const START: (u32, u32) = (1024, 768);
/// A channel may differ by this much (rounding), and this share of the
/// pixels (per mille) may differ at all.
const CHANNEL_SLACK: u8 = 2;
pub const TOLERANCE: usize = 1;

/// What the session did to the desktop, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A demo client (`guidemo`) opened its window.
    Start,
    /// The mouse moved by (dx, dy) (QEMU `mouse_move`).
    Move(i32, i32),
    /// The left button went down or up (`mouse_button 1` / `0`).
    Press,
    Release,
    /// The mode changed to width x height.
    Mode(u32, u32),
    /// The newest client was killed.
    Kill,
    /// The wheel turned (QEMU `mouse_move 0 0 1` is one step away from
    /// the user: -1).
    Wheel(i32),
    /// Another client (`wincheck`) opened and closed this many windows:
    /// nothing is left of them but the cascade's next place.
    Transient(u64),
    /// Alt-F4 was pressed and released.
    AltF4,
    /// These characters were typed (each a key press with its text, then
    /// its release).
    Type(&'static str),
    /// A terminal window (`winterm`) opened, and its shell has shown these
    /// bytes (the keys typed into it are what made the shell show them).
    Terminal(&'static [u8]),
}

/// A font file from the host (`make deps` installs fonts-dejavu-core).
fn load_font(path: &str) -> Result<Font, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e} (make deps installs fonts-dejavu-core)"))?;
    Font::from_bytes(&bytes).map_err(|e| e.to_string())
}

/// A terminal window's pixels after its shell showed `shown`.
fn terminal_pixels(shown: &[u8]) -> Result<(u32, u32, Vec<u32>), String> {
    let mut view = TerminalView::new(load_font(MONO_FONT_PATH)?);
    let mut screen = Screen::new(terminal::ROWS, terminal::COLS);
    screen.feed(shown);
    let (width, height) = view.pixels_for(terminal::ROWS, terminal::COLS);
    let mut pixels = vec![0; (width * height) as usize];
    let mut canvas = Canvas::new(&mut pixels, width, height, width as usize).ok_or("terminal size")?;
    view.draw_all(&mut canvas, &mut screen);
    Ok((width, height, pixels))
}

/// A demo client as the host plays it: its window and its state.
struct Client {
    window: WindowId,
    app: Demo,
    pixels: Vec<u32>,
}

impl Client {
    fn draw(&mut self, font: &Font) {
        let (width, height) = (demo::WIDTH, demo::HEIGHT);
        if let Some(mut canvas) = Canvas::new(&mut self.pixels, width, height, width as usize) {
            self.app.draw(&mut canvas, font);
        }
    }
}

/// The screen the guest should show after `actions`, as `0x00RRGGBB`:
/// the desktop plays them, and each client's events go to its own demo
/// (which redraws, or quits and so closes its window), as on the guest.
pub fn expected(actions: &[Action]) -> Result<(u32, u32, Vec<u32>), String> {
    let font = load_font(FONT_PATH)?;
    let mut desktop = Desktop::new(START.0, START.1);
    let mut clients: Vec<Client> = Vec::new();
    // Terminal windows, which only show what their shells wrote.
    let mut terminals: Vec<(WindowId, Vec<u32>)> = Vec::new();
    let mut started = 0;
    for action in actions {
        let events = match *action {
            Action::Start => {
                started += 1;
                let window = WindowId(started);
                let mut client =
                    Client { window, app: Demo::new(), pixels: vec![0; (demo::WIDTH * demo::HEIGHT) as usize] };
                client.draw(&font);
                clients.push(client);
                desktop.add(window, demo::TITLE, demo::WIDTH, demo::HEIGHT)
            }
            Action::Terminal(shown) => {
                started += 1;
                let window = WindowId(started);
                let (width, height, pixels) = terminal_pixels(shown)?;
                terminals.push((window, pixels));
                desktop.add(window, terminal::TITLE, width, height)
            }
            Action::Move(dx, dy) => desktop.pointer_moved(dx, dy),
            Action::Press => desktop.button(Button::Left, true),
            Action::Release => desktop.button(Button::Left, false),
            Action::Mode(width, height) => {
                desktop.resize(width, height);
                Vec::new()
            }
            Action::Type(text) => text
                .chars()
                .flat_map(|c| {
                    let mut events = desktop.key(0, true, Some(c));
                    events.extend(desktop.key(0, false, None));
                    events
                })
                .collect(),
            Action::Wheel(delta) => desktop.wheel(delta),
            Action::Transient(count) => (0..count)
                .flat_map(|n| {
                    let window = WindowId(u64::MAX - n);
                    let mut events = desktop.add(window, "wincheck", 8, 8);
                    events.extend(desktop.remove(window));
                    events
                })
                .collect(),
            Action::AltF4 => [(LEFT_ALT, true), (F4, true), (F4, false), (LEFT_ALT, false)]
                .into_iter()
                .flat_map(|(code, pressed)| desktop.key(code, pressed, None))
                .collect(),
            Action::Kill => match clients.pop() {
                Some(client) => desktop.remove(client.window),
                None => Vec::new(),
            },
        };
        for (window, event) in events {
            let Some(at) = clients.iter().position(|c| c.window == window) else { continue };
            match clients[at].app.handle(event, &font) {
                Reaction::Nothing => {}
                Reaction::Redraw => clients[at].draw(&font),
                Reaction::Quit => drop(desktop.remove(clients.remove(at).window)),
            }
        }
    }
    let (width, height) = desktop.size();
    let mut screen = vec![0u32; (width * height) as usize];
    let mut canvas = Canvas::new(&mut screen, width, height, width as usize).ok_or("screen size")?;
    let pixels = |id: WindowId| {
        let demo = clients.iter().find(|c| c.window == id).map(|c| &c.pixels[..]);
        demo.or_else(|| terminals.iter().find(|(window, _)| *window == id).map(|(_, pixels)| &pixels[..]))
    };
    desktop.compose(&mut canvas, Rect::new(0, 0, width, height), &font, &pixels);
    Ok((width, height, screen))
}

/// How many pixels of `picture` differ from `expected` (`None`: another size).
pub fn differences(picture: &Picture, expected: &(u32, u32, Vec<u32>)) -> Option<usize> {
    let (width, height, pixels) = expected;
    if (picture.width, picture.height) != (*width as usize, *height as usize) {
        return None;
    }
    let differs = |(i, want): (usize, &u32)| {
        let got = picture.pixel(i % picture.width, i / picture.width);
        let want = [(want >> 16) as u8, (want >> 8) as u8, *want as u8];
        got.iter().zip(want).any(|(g, w)| g.abs_diff(w) > CHANNEL_SLACK)
    };
    Some(pixels.iter().enumerate().filter(|p| differs(*p)).count())
}

/// Whether `picture` shows the desktop after `actions`; says how far off it is.
pub fn shows(picture: &Picture, actions: &[Action]) -> bool {
    let expected = match expected(actions) {
        Ok(expected) => expected,
        Err(e) => {
            eprintln!("desktop check: {e}");
            return false;
        }
    };
    match differences(picture, &expected) {
        None => {
            eprintln!(
                "desktop check: screen {}x{}, expected {}x{}",
                picture.width, picture.height, expected.0, expected.1
            );
            false
        }
        Some(differ) => {
            let total = picture.width * picture.height;
            eprintln!("desktop check: {differ} of {total} pixels differ");
            differ * 1000 <= total * TOLERANCE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(width: usize, height: usize, pixels: &[u32]) -> Picture {
        let mut ppm = format!("P6\n{width} {height}\n255\n").into_bytes();
        for p in pixels {
            ppm.extend_from_slice(&[(p >> 16) as u8, (p >> 8) as u8, *p as u8]);
        }
        crate::screen::parse_ppm(&ppm).unwrap()
    }

    #[test]
    fn the_expected_screen_is_recognised_and_a_moved_window_is_not() {
        let start = expected(&[Action::Start]).unwrap();
        assert!(shows(&picture(1024, 768, &start.2), &[Action::Start]));
        let drag = [Action::Start, Action::Move(-372, -344), Action::Press, Action::Move(200, 150), Action::Release];
        let moved = expected(&drag).unwrap();
        assert!(differences(&picture(1024, 768, &start.2), &moved).unwrap() > 10_000);
        assert!(!shows(&picture(1024, 768, &start.2), &drag));
        assert!(!shows(&picture(1024, 768, &start.2), &[Action::Start, Action::Mode(1280, 1024)]));
        assert_eq!(expected(&[Action::Mode(1280, 1024)]).unwrap().0, 1280);
    }

    #[test]
    fn the_suite_clicks_land_on_the_button_and_the_close_box() {
        use crate::suites::{DESKTOP_CLICKED, DESKTOP_CLOSED, DESKTOP_DROPPED};
        assert_eq!(&DESKTOP_CLICKED[..5], &DESKTOP_DROPPED);
        let before = expected(&DESKTOP_CLICKED[..6]).unwrap();
        let clicked = expected(&DESKTOP_CLICKED).unwrap();
        // The click redrew the demo ("Pressed 1 times").
        let changed = differences(&picture(1024, 768, &before.2), &clicked).unwrap();
        assert!(changed > 20, "the click missed the button ({changed} pixels changed)");
        let closed = expected(&DESKTOP_CLOSED).unwrap();
        let empty = expected(&[Action::Mode(1280, 1024)]).unwrap();
        // After the close box only the desktop and the pointer (moved) are left.
        let left = differences(&picture(1280, 1024, &empty.2), &closed).unwrap();
        assert!(left < 400, "{left} pixels besides the pointer");
    }
}
