//! Widgets and their layout: a [`Label`] shows a line of text, a
//! [`Button`] a framed label that can be pressed; a [`Column`] stacks
//! widgets top to bottom with the theme's padding and spacing, gives each
//! its place ([`Column::layout`]), draws them and finds which one a point
//! falls on.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;

use crate::canvas::Canvas;
use crate::text::Font;
use crate::{Rect, theme};

/// Something that takes room and draws itself there.
pub trait Widget {
    /// The size it wants (width, height).
    fn preferred(&self, font: &Font) -> (u32, u32);
    /// Draws itself into `area`.
    fn draw(&self, canvas: &mut Canvas, font: &Font, area: Rect);
}

/// A line of text.
pub struct Label {
    pub text: String,
}

impl Label {
    pub fn new(text: &str) -> Label {
        Label { text: String::from(text) }
    }
}

impl Widget for Label {
    fn preferred(&self, font: &Font) -> (u32, u32) {
        (font.width(&self.text, theme::TEXT_SIZE), font.line(theme::TEXT_SIZE).height)
    }

    fn draw(&self, canvas: &mut Canvas, font: &Font, area: Rect) {
        canvas.fill(area, theme::WINDOW);
        font.draw(canvas, &self.text, theme::TEXT_SIZE, area.x, area.y, theme::TEXT);
    }
}

/// A labelled button; `pressed` while the pointer holds it down.
pub struct Button {
    pub label: String,
    pub pressed: bool,
}

impl Button {
    pub fn new(label: &str) -> Button {
        Button { label: String::from(label), pressed: false }
    }
}

impl Widget for Button {
    fn preferred(&self, font: &Font) -> (u32, u32) {
        let inset = 2 * theme::BUTTON_INSET;
        (font.width(&self.label, theme::TEXT_SIZE) + inset, font.line(theme::TEXT_SIZE).height + inset)
    }

    fn draw(&self, canvas: &mut Canvas, font: &Font, area: Rect) {
        let (width, _) = self.preferred(font);
        let face = Rect::new(area.x, area.y, width.min(area.width), area.height);
        canvas.fill(area, theme::WINDOW);
        canvas.fill(face, if self.pressed { theme::BUTTON_PRESSED } else { theme::BUTTON });
        canvas.outline(face, theme::BUTTON_BORDER);
        let inset = theme::BUTTON_INSET as i32;
        font.draw(canvas, &self.label, theme::TEXT_SIZE, face.x + inset, face.y + inset, theme::TEXT);
    }
}

/// Widgets stacked top to bottom.
#[derive(Default)]
pub struct Column {
    pub children: Vec<Box<dyn Widget>>,
}

impl Column {
    pub fn new() -> Column {
        Column::default()
    }

    pub fn push(&mut self, widget: Box<dyn Widget>) {
        self.children.push(widget);
    }

    /// Each child's place inside a window `width` wide: one row each,
    /// [`theme::PADDING`] from the edges and [`theme::SPACING`] apart,
    /// as wide as the window allows.
    pub fn layout(&self, font: &Font, width: u32) -> Vec<Rect> {
        let padding = theme::PADDING;
        let inner = width.saturating_sub(2 * padding);
        let mut y = padding;
        self.children
            .iter()
            .map(|child| {
                let (_, height) = child.preferred(font);
                let place = Rect::new(padding as i32, y as i32, inner, height);
                y += height + theme::SPACING;
                place
            })
            .collect()
    }

    /// The size the column wants: the widest child and all rows.
    pub fn preferred(&self, font: &Font) -> (u32, u32) {
        let sizes: Vec<(u32, u32)> = self.children.iter().map(|c| c.preferred(font)).collect();
        let width = sizes.iter().map(|s| s.0).max().unwrap_or(0) + 2 * theme::PADDING;
        let rows: u32 = sizes.iter().map(|s| s.1).sum();
        let gaps = theme::SPACING * (sizes.len() as u32).saturating_sub(1);
        (width, rows + gaps + 2 * theme::PADDING)
    }

    /// Clears the canvas and draws every child in its place.
    pub fn draw(&self, canvas: &mut Canvas, font: &Font) {
        let bounds = canvas.bounds();
        canvas.fill(bounds, theme::WINDOW);
        for (child, place) in self.children.iter().zip(self.layout(font, bounds.width)) {
            child.draw(canvas, font, place);
        }
    }

    /// The child at (x, y) of a window `width` wide, by index.
    pub fn hit(&self, font: &Font, width: u32, x: i32, y: i32) -> Option<usize> {
        self.layout(font, width).iter().position(|place| place.contains(x, y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tests::dejavu;
    use alloc::vec;

    fn column() -> Column {
        let mut column = Column::new();
        column.push(Box::new(Label::new("Hello from Cairn")));
        column.push(Box::new(Button::new("Press me")));
        column
    }

    #[test]
    fn column_stacks_with_padding_and_spacing() {
        let font = dejavu();
        let column = column();
        let places = column.layout(&font, 300);
        let line = font.line(theme::TEXT_SIZE).height;
        assert_eq!(places[0], Rect::new(10, 10, 280, line));
        assert_eq!(places[1], Rect::new(10, (10 + line + 8) as i32, 280, line + 16));
        let (width, height) = column.preferred(&font);
        assert_eq!(height, 10 + line + 8 + line + 16 + 10);
        assert_eq!(width, font.width("Hello from Cairn", theme::TEXT_SIZE) + 20);
        // A window narrower than the padding leaves no room, without panicking.
        assert!(column.layout(&font, 5).iter().all(|p| p.width == 0));
    }

    #[test]
    fn hits_find_the_widget_under_the_point() {
        let font = dejavu();
        let column = column();
        let places = column.layout(&font, 300);
        assert_eq!(column.hit(&font, 300, places[1].x + 3, places[1].y + 3), Some(1));
        assert_eq!(column.hit(&font, 300, 12, 12), Some(0));
        assert_eq!(column.hit(&font, 300, 2, 2), None);
    }

    #[test]
    fn a_pressed_button_looks_pressed() {
        let font = dejavu();
        let mut button = Button::new("OK");
        let (w, h) = button.preferred(&font);
        let mut up = vec![0u32; (w * h) as usize];
        let mut down = up.clone();
        button.draw(&mut Canvas::new(&mut up, w, h, w as usize).unwrap(), &font, Rect::new(0, 0, w, h));
        button.pressed = true;
        button.draw(&mut Canvas::new(&mut down, w, h, w as usize).unwrap(), &font, Rect::new(0, 0, w, h));
        assert_eq!(up[(w + 2) as usize], theme::BUTTON);
        assert_eq!(down[(w + 2) as usize], theme::BUTTON_PRESSED);
        assert_eq!(up[0], theme::BUTTON_BORDER);
    }
}
