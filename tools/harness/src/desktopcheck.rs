//! The desktop suite's screen checks. The guest's screen (a `screendump`)
//! is compared with the screen rendered here, on the host, by the same
//! code the guest runs: `cairn-compositor` composing a 1024x768 desktop
//! with the demo application's window (`cairn_gui::demo`, drawn with
//! DejaVu Sans), after the same pointer moves, button presses and mode
//! changes the session made. The pictures must agree pixel for pixel,
//! but for [`TOLERANCE`] (the guest's and the host's rasterisers run the
//! same code, so nothing may drift).

use cairn_compositor::{Desktop, WindowId};
use cairn_gui::demo::{self, Demo};
use cairn_gui::text::FONT_PATH;
use cairn_gui::{Canvas, Font, Rect};
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
    /// The mouse moved by (dx, dy) (QEMU `mouse_move`).
    Move(i32, i32),
    /// The left button went down or up (`mouse_button 1` / `0`).
    Press,
    Release,
    /// The mode changed to width x height.
    Mode(u32, u32),
    /// The demo's window went away (its client ended).
    Closed,
}

/// The screen the guest should show after `actions`, as `0x00RRGGBB`.
pub fn expected(actions: &[Action]) -> Result<(u32, u32, Vec<u32>), String> {
    let bytes =
        std::fs::read(FONT_PATH).map_err(|e| format!("{FONT_PATH}: {e} (make deps installs fonts-dejavu-core)"))?;
    let font = Font::from_bytes(&bytes).map_err(|e| e.to_string())?;
    let mut window = vec![0u32; (demo::WIDTH * demo::HEIGHT) as usize];
    let mut canvas = Canvas::new(&mut window, demo::WIDTH, demo::HEIGHT, demo::WIDTH as usize).ok_or("demo size")?;
    Demo::new().draw(&mut canvas, &font);
    let mut desktop = Desktop::new(START.0, START.1);
    desktop.add(WindowId(1), demo::TITLE, demo::WIDTH, demo::HEIGHT);
    for action in actions {
        match *action {
            Action::Move(dx, dy) => drop(desktop.pointer_moved(dx, dy)),
            Action::Press => drop(desktop.button(Button::Left, true)),
            Action::Release => drop(desktop.button(Button::Left, false)),
            Action::Mode(width, height) => desktop.resize(width, height),
            Action::Closed => drop(desktop.remove(WindowId(1))),
        }
    }
    let (width, height) = desktop.size();
    let mut screen = vec![0u32; (width * height) as usize];
    let mut canvas = Canvas::new(&mut screen, width, height, width as usize).ok_or("screen size")?;
    desktop.compose(&mut canvas, Rect::new(0, 0, width, height), &font, &|_| Some(&window));
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
        let start = expected(&[]).unwrap();
        assert!(shows(&picture(1024, 768, &start.2), &[]));
        let drag = [Action::Move(-372, -344), Action::Press, Action::Move(200, 150), Action::Release];
        let moved = expected(&drag).unwrap();
        assert!(differences(&picture(1024, 768, &start.2), &moved).unwrap() > 10_000);
        assert!(!shows(&picture(1024, 768, &start.2), &drag));
        assert!(!shows(&picture(1024, 768, &start.2), &[Action::Mode(1280, 1024)]));
        assert_eq!(expected(&[Action::Mode(1280, 1024)]).unwrap().0, 1280);
    }
}
