//! The demo application's window (`guidemo`, the example of
//! docs/DESKTOP.md): a greeting, a button, a label counting the presses,
//! a line showing what was typed (Backspace erases) and the wheel's
//! turns. Kept here, pure, so the QEMU tests render the very same
//! window on the host and compare it with the guest's screen.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;

use cairn_winproto::{Button as PointerButton, Event};

use crate::canvas::Canvas;
use crate::text::Font;
use crate::widget::{Button, Column, Label};

pub const TITLE: &str = "Hello, Cairn";
pub const WIDTH: u32 = 320;
pub const HEIGHT: u32 = 190;
/// The most characters the typed line keeps.
const MAX_TYPED: usize = 24;
/// The button's place among the column's children.
const BUTTON: usize = 1;

/// The demo's state; its widgets are built from it.
#[derive(Default)]
pub struct Demo {
    presses: u32,
    typed: String,
    wheel: i32,
    holding: bool,
    pointer: (i32, i32),
}

/// What the demo wants after an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reaction {
    Nothing,
    Redraw,
    Quit,
}

impl Demo {
    pub fn new() -> Demo {
        Demo::default()
    }

    pub fn presses(&self) -> u32 {
        self.presses
    }

    /// What was typed into the window.
    pub fn typed(&self) -> &str {
        &self.typed
    }

    /// The wheel's turns over the window (negative: away from the user).
    pub fn wheel(&self) -> i32 {
        self.wheel
    }

    /// The widgets showing the state.
    fn column(&self) -> Column {
        let mut column = Column::new();
        column.push(Box::new(Label::new("Welcome to the Cairn desktop.")));
        column.push(Box::new(Button { pressed: self.holding, ..Button::new("Press me") }));
        column.push(Box::new(Label::new(&format!("Pressed {} times", self.presses))));
        column.push(Box::new(Label::new(&format!("Typed: {}", self.typed))));
        column.push(Box::new(Label::new(&format!("Wheel: {}", self.wheel))));
        column
    }

    /// Draws the whole window.
    pub fn draw(&self, canvas: &mut Canvas, font: &Font) {
        self.column().draw(canvas, font);
    }

    fn on_button(&self, font: &Font) -> bool {
        let (x, y) = self.pointer;
        self.column().hit(font, WIDTH, x, y) == Some(BUTTON)
    }

    /// Reacts to one event.
    pub fn handle(&mut self, event: Event, font: &Font) -> Reaction {
        match event {
            Event::Pointer { x, y } => {
                self.pointer = (x, y);
                Reaction::Nothing
            }
            Event::Button { button: PointerButton::Left, pressed: true } if self.on_button(font) => {
                self.holding = true;
                Reaction::Redraw
            }
            Event::Button { button: PointerButton::Left, pressed: false } if self.holding => {
                self.holding = false;
                if self.on_button(font) {
                    self.presses += 1;
                }
                Reaction::Redraw
            }
            Event::Key { pressed: true, text: Some('\u{8}'), .. } => {
                self.typed.pop();
                Reaction::Redraw
            }
            Event::Key { pressed: true, text: Some(c), .. } if !c.is_control() && self.typed.len() < MAX_TYPED => {
                self.typed.push(c);
                Reaction::Redraw
            }
            Event::Wheel { delta } => {
                self.wheel = self.wheel.saturating_add(delta);
                Reaction::Redraw
            }
            Event::Close => Reaction::Quit,
            _ => Reaction::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tests::dejavu;
    use alloc::vec;

    #[test]
    fn pressing_the_button_counts() {
        let font = dejavu();
        let mut demo = Demo::new();
        let place = demo.column().layout(&font, WIDTH)[BUTTON];
        let press = Event::Button { button: PointerButton::Left, pressed: true };
        let release = Event::Button { button: PointerButton::Left, pressed: false };
        demo.handle(Event::Pointer { x: place.x + 4, y: place.y + 4 }, &font);
        assert_eq!(demo.handle(press, &font), Reaction::Redraw);
        assert_eq!(demo.handle(release, &font), Reaction::Redraw);
        assert_eq!(demo.presses(), 1);
        // Released away from the button: no press counted.
        demo.handle(press, &font);
        demo.handle(Event::Pointer { x: 1, y: 1 }, &font);
        demo.handle(release, &font);
        assert_eq!(demo.presses(), 1);
        // A press outside the button does nothing.
        assert_eq!(demo.handle(press, &font), Reaction::Nothing);
        assert_eq!(demo.handle(Event::Close, &font), Reaction::Quit);
    }

    #[test]
    fn typing_shows_and_backspace_erases() {
        let font = dejavu();
        let mut demo = Demo::new();
        let key = |text| Event::Key { code: 0, pressed: true, text };
        for c in "hi!".chars() {
            assert_eq!(demo.handle(key(Some(c)), &font), Reaction::Redraw);
        }
        assert_eq!(demo.handle(key(Some('\u{8}')), &font), Reaction::Redraw);
        assert_eq!(demo.handle(key(Some('\u{1b}')), &font), Reaction::Nothing);
        assert_eq!(demo.handle(key(None), &font), Reaction::Nothing);
        assert_eq!(demo.handle(Event::Key { code: 0x1e, pressed: false, text: Some('a') }, &font), Reaction::Nothing);
        assert_eq!(demo.typed(), "hi");
        for _ in 0..100 {
            demo.handle(key(Some('x')), &font);
        }
        assert_eq!(demo.typed().len(), MAX_TYPED);
        assert_eq!(demo.handle(Event::Wheel { delta: -2 }, &font), Reaction::Redraw);
        assert_eq!(demo.wheel(), -2);
    }

    #[test]
    fn the_window_fits_its_widgets() {
        let font = dejavu();
        let (width, height) = Demo::new().column().preferred(&font);
        assert!(width <= WIDTH && height <= HEIGHT, "{width}x{height}");
        let mut pixels = vec![0u32; (WIDTH * HEIGHT) as usize];
        let mut canvas = Canvas::new(&mut pixels, WIDTH, HEIGHT, WIDTH as usize).unwrap();
        Demo::new().draw(&mut canvas, &font);
        assert!(pixels.contains(&crate::theme::TEXT));
    }
}
