//! The desktop: windows bottom to top, the focused one, the pointer and a
//! drag in progress. Each input method returns the protocol events to send
//! ([`Outgoing`]) and damages what it changed on the screen; `compose`
//! draws a damaged area.

use alloc::string::String;
use alloc::vec::Vec;

use cairn_gui::{Canvas, Font, theme};
use cairn_winproto::{Button, Event, Rect};

use crate::cursor;
use crate::damage::Damage;

/// A window, named by the display server (its scheme handle).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WindowId(pub u64);

/// Events for windows, in the order they happened.
pub type Outgoing = Vec<(WindowId, Event)>;

/// The frame around a window's content, and its title bar above it.
pub const BORDER: u32 = 1;
pub const TITLE_HEIGHT: u32 = 24;
/// The close box at the right of the title bar.
pub const CLOSE_SIZE: u32 = 14;
/// How much of a title bar always stays on the screen.
const KEEP_VISIBLE: i32 = 40;
/// Where new windows go: a cascade from (FIRST_X, FIRST_Y), STEP apart.
/// Scan codes of the keys the desktop answers itself: Alt-Tab focuses
/// the bottom window (so repeated presses go round all of them), Alt-F4
/// asks the focused window to close.
pub const LEFT_ALT: u16 = 0x38;
pub const RIGHT_ALT: u16 = 0xe038;
pub const TAB: u16 = 0x0f;
pub const F4: u16 = 0x3e;
const FIRST_X: i32 = 40;
const FIRST_Y: i32 = 30;
const STEP: i32 = 30;

/// A window on the desktop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub id: WindowId,
    pub title: String,
    /// The frame's top-left corner on the screen.
    pub x: i32,
    pub y: i32,
    /// The content's size (the client's buffer).
    pub width: u32,
    pub height: u32,
}

/// What part of a window a point is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Title,
    Close,
    Frame,
    /// The content, at these window coordinates.
    Content {
        x: i32,
        y: i32,
    },
}

impl Window {
    /// Frame, title bar and content.
    pub fn frame(&self) -> Rect {
        Rect::new(self.x, self.y, self.width + 2 * BORDER, self.height + TITLE_HEIGHT + BORDER)
    }

    pub fn title_bar(&self) -> Rect {
        Rect::new(self.x, self.y, self.width + 2 * BORDER, TITLE_HEIGHT)
    }

    pub fn content(&self) -> Rect {
        Rect::new(self.x + BORDER as i32, self.y + TITLE_HEIGHT as i32, self.width, self.height)
    }

    pub fn close_box(&self) -> Rect {
        let right = self.frame().right() as i32 - BORDER as i32 - 5;
        Rect::new(right - CLOSE_SIZE as i32, self.y + ((TITLE_HEIGHT - CLOSE_SIZE) / 2) as i32, CLOSE_SIZE, CLOSE_SIZE)
    }

    fn part_at(&self, x: i32, y: i32) -> Option<Part> {
        let content = self.content();
        if self.close_box().contains(x, y) {
            Some(Part::Close)
        } else if content.contains(x, y) {
            Some(Part::Content { x: x - content.x, y: y - content.y })
        } else if self.title_bar().contains(x, y) {
            Some(Part::Title)
        } else {
            self.frame().contains(x, y).then_some(Part::Frame)
        }
    }
}

/// A title bar held by the pointer: the window and where on it it was grabbed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Drag {
    window: WindowId,
    grab_x: i32,
    grab_y: i32,
}

/// The desktop's state.
pub struct Desktop {
    width: u32,
    height: u32,
    /// Bottom to top.
    windows: Vec<Window>,
    focus: Option<WindowId>,
    pointer: (i32, i32),
    drag: Option<Drag>,
    /// The window a button press in its content went to: it gets the
    /// pointer until the button is released.
    grab: Option<WindowId>,
    /// An Alt key is held.
    alt: bool,
    placed: i32,
    damage: Damage,
}

impl Desktop {
    /// An empty desktop of `width` x `height`, the pointer in the middle,
    /// everything damaged.
    pub fn new(width: u32, height: u32) -> Desktop {
        let mut damage = Damage::new(Rect::new(0, 0, width, height));
        damage.resize(Rect::new(0, 0, width, height));
        Desktop {
            width,
            height,
            windows: Vec::new(),
            focus: None,
            pointer: ((width / 2) as i32, (height / 2) as i32),
            drag: None,
            grab: None,
            alt: false,
            placed: 0,
            damage,
        }
    }

    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The screen changed size: windows are kept reachable, the pointer
    /// inside, and everything is damaged.
    pub fn resize(&mut self, width: u32, height: u32) {
        self.width = width;
        self.height = height;
        for window in &mut self.windows {
            window.x = window.x.clamp(KEEP_VISIBLE - window.frame().width as i32, width as i32 - KEEP_VISIBLE);
            window.y = window.y.clamp(0, (height as i32 - TITLE_HEIGHT as i32).max(0));
        }
        self.pointer = (self.pointer.0.min(width as i32 - 1), self.pointer.1.min(height as i32 - 1));
        self.damage.resize(Rect::new(0, 0, width, height));
    }

    /// Windows bottom to top.
    pub fn windows(&self) -> &[Window] {
        &self.windows
    }

    pub fn window(&self, id: WindowId) -> Option<&Window> {
        self.windows.iter().find(|w| w.id == id)
    }

    pub fn focused(&self) -> Option<WindowId> {
        self.focus
    }

    pub fn pointer(&self) -> (i32, i32) {
        self.pointer
    }

    /// Damages the whole screen (the desktop is shown again after a text
    /// console had the screen).
    pub fn damage_all(&mut self) {
        self.damage.add(Rect::new(0, 0, self.width, self.height));
    }

    /// The damaged areas since the last call.
    pub fn take_damage(&mut self) -> Vec<Rect> {
        self.damage.take()
    }

    /// A new window with content `width` x `height`, placed on the
    /// cascade, on top and focused.
    pub fn add(&mut self, id: WindowId, title: &str, width: u32, height: u32) -> Outgoing {
        let step = self.placed % 10;
        self.placed += 1;
        let window = Window {
            id,
            title: String::from(title),
            x: FIRST_X + STEP * step,
            y: FIRST_Y + STEP * step,
            width,
            height,
        };
        self.damage.add(window.frame());
        self.windows.push(window);
        self.focus_on(Some(id))
    }

    /// Takes a window away (closed, or its client gone); the next window
    /// down gets the focus.
    pub fn remove(&mut self, id: WindowId) -> Outgoing {
        let Some(at) = self.windows.iter().position(|w| w.id == id) else { return Outgoing::new() };
        let window = self.windows.remove(at);
        self.damage.add(window.frame());
        if self.drag.is_some_and(|d| d.window == id) {
            self.drag = None;
        }
        if self.grab == Some(id) {
            self.grab = None;
        }
        if self.focus == Some(id) {
            self.focus = None;
            return self.focus_on(self.windows.last().map(|w| w.id));
        }
        Outgoing::new()
    }

    pub fn set_title(&mut self, id: WindowId, title: &str) {
        if let Some(window) = self.windows.iter_mut().find(|w| w.id == id) {
            window.title = String::from(title);
            let bar = window.title_bar();
            self.damage.add(bar);
        }
    }

    /// The client drew into these parts of its buffer (window coordinates).
    pub fn commit(&mut self, id: WindowId, damage: &[Rect]) {
        let Some(window) = self.window(id) else { return };
        let (content, whole) = (window.content(), Rect::new(0, 0, window.width, window.height));
        for area in damage {
            self.damage.add(area.intersect(&whole).offset(content.x, content.y));
        }
    }

    /// Raises `id` and gives it the focus (none: nobody has it).
    fn focus_on(&mut self, id: Option<WindowId>) -> Outgoing {
        let mut out = Outgoing::new();
        let below_top =
            id.and_then(|id| self.windows.iter().position(|w| w.id == id)).filter(|at| at + 1 != self.windows.len());
        if let Some(at) = below_top {
            let window = self.windows.remove(at);
            self.damage.add(window.frame());
            self.windows.push(window);
        }
        if self.focus == id {
            return out;
        }
        for (window, focused) in [(self.focus, false), (id, true)] {
            if let Some(window) = window.and_then(|id| self.window(id)) {
                out.push((window.id, Event::Focus { focused }));
                let bar = window.title_bar();
                self.damage.add(bar);
            }
        }
        self.focus = id;
        out
    }

    /// The window and part at (x, y), topmost first.
    pub fn hit(&self, x: i32, y: i32) -> Option<(WindowId, Part)> {
        self.windows.iter().rev().find_map(|w| w.part_at(x, y).map(|part| (w.id, part)))
    }

    /// Moves window `id` so its frame's corner is at (x, y).
    fn move_window(&mut self, id: WindowId, x: i32, y: i32) {
        let (width, height) = (self.width as i32, self.height as i32);
        let Some(window) = self.windows.iter_mut().find(|w| w.id == id) else { return };
        let old = window.frame();
        window.x = x.clamp(KEEP_VISIBLE - old.width as i32, width - KEEP_VISIBLE);
        window.y = y.clamp(0, (height - TITLE_HEIGHT as i32).max(0));
        let new = window.frame();
        self.damage.add(old);
        self.damage.add(new);
    }

    /// The pointer moved by (dx, dy) (screen pixels, y down).
    pub fn pointer_moved(&mut self, dx: i32, dy: i32) -> Outgoing {
        let (old_x, old_y) = self.pointer;
        let x = old_x.saturating_add(dx).clamp(0, self.width as i32 - 1);
        let y = old_y.saturating_add(dy).clamp(0, self.height as i32 - 1);
        if (x, y) == (old_x, old_y) {
            return Outgoing::new();
        }
        self.pointer = (x, y);
        self.damage.add(cursor::area(old_x, old_y));
        self.damage.add(cursor::area(x, y));
        if let Some(drag) = self.drag {
            self.move_window(drag.window, x - drag.grab_x, y - drag.grab_y);
            return Outgoing::new();
        }
        let target = match self.grab {
            Some(id) => self.window(id).map(|w| (id, w.content())),
            None => match self.hit(x, y) {
                Some((id, Part::Content { .. })) => self.window(id).map(|w| (id, w.content())),
                _ => None,
            },
        };
        target.map_or_else(Outgoing::new, |(id, content)| {
            alloc::vec![(id, Event::Pointer { x: x - content.x, y: y - content.y })]
        })
    }

    /// A button went down or up.
    pub fn button(&mut self, button: Button, pressed: bool) -> Outgoing {
        let (x, y) = self.pointer;
        if !pressed {
            self.drag = None;
            return match self.grab.take() {
                Some(id) => alloc::vec![(id, Event::Button { button, pressed })],
                None => Outgoing::new(),
            };
        }
        let Some((id, part)) = self.hit(x, y) else { return Outgoing::new() };
        let mut out = self.focus_on(Some(id));
        match (part, button) {
            (Part::Title, Button::Left) => {
                if let Some(window) = self.window(id) {
                    self.drag = Some(Drag { window: id, grab_x: x - window.x, grab_y: y - window.y });
                }
            }
            (Part::Close, Button::Left) => out.push((id, Event::Close)),
            (Part::Content { x, y }, _) => {
                self.grab = Some(id);
                out.push((id, Event::Pointer { x, y }));
                out.push((id, Event::Button { button, pressed }));
            }
            _ => {}
        }
        out
    }

    /// The wheel turned: the window under the pointer hears it.
    pub fn wheel(&mut self, delta: i32) -> Outgoing {
        match self.hit(self.pointer.0, self.pointer.1) {
            Some((id, Part::Content { .. })) => alloc::vec![(id, Event::Wheel { delta })],
            _ => Outgoing::new(),
        }
    }

    /// A key: the desktop's shortcuts (Alt-Tab, Alt-F4) are answered
    /// here, every other key goes to the focused window.
    pub fn key(&mut self, code: u16, pressed: bool, text: Option<char>) -> Outgoing {
        if code == LEFT_ALT || code == RIGHT_ALT {
            self.alt = pressed;
        }
        if self.alt && matches!(code, TAB | F4) {
            if !pressed {
                return Outgoing::new();
            }
            if code == F4 {
                return self.focus.map_or_else(Outgoing::new, |id| alloc::vec![(id, Event::Close)]);
            }
            return self.focus_on(self.windows.first().map(|w| w.id));
        }
        self.focus.map_or_else(Outgoing::new, |id| alloc::vec![(id, Event::Key { code, pressed, text })])
    }

    /// Draws `area` of the screen into `canvas` (the screen's size):
    /// the desktop, each window bottom to top (frame, title bar with its
    /// title in `font` and close box, and its pixels from `content`, or
    /// the window colour while it has none), then the pointer.
    pub fn compose<'b>(
        &self,
        canvas: &mut Canvas,
        area: Rect,
        font: &Font,
        content: &dyn Fn(WindowId) -> Option<&'b [u32]>,
    ) {
        canvas.set_clip(area);
        canvas.fill(area, theme::DESKTOP);
        for window in &self.windows {
            let frame = window.frame();
            if frame.intersect(&area).is_empty() {
                continue;
            }
            canvas.outline(frame, theme::FRAME);
            let focused = self.focus == Some(window.id);
            let bar = window.title_bar();
            canvas.fill(bar, if focused { theme::TITLE_FOCUSED } else { theme::TITLE_UNFOCUSED });
            let close = window.close_box();
            canvas.fill(close, theme::CLOSE);
            for i in 3..CLOSE_SIZE as i32 - 3 {
                canvas.put(close.x + i, close.y + i, theme::TITLE_TEXT);
                canvas.put(close.x + CLOSE_SIZE as i32 - 1 - i, close.y + i, theme::TITLE_TEXT);
            }
            let text_area = Rect::new(bar.x + 8, bar.y, (close.x - bar.x - 12).max(0) as u32, TITLE_HEIGHT);
            canvas.set_clip(area.intersect(&text_area));
            let line = font.line(theme::TEXT_SIZE);
            let text_y = bar.y + (TITLE_HEIGHT as i32 - line.height as i32) / 2;
            font.draw(canvas, &window.title, theme::TEXT_SIZE, bar.x + 8, text_y, theme::TITLE_TEXT);
            canvas.set_clip(area);
            let inside = window.content();
            match content(window.id) {
                Some(pixels) => canvas.copy_from(pixels, window.width, inside.x, inside.y),
                None => canvas.fill(inside, theme::WINDOW),
            }
        }
        cursor::draw(canvas, self.pointer.0, self.pointer.1);
    }
}

#[cfg(test)]
mod tests;
