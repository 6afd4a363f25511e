//! Host tests of the desktop's decisions: placement, z-order, focus,
//! dragging, closing, events and damage, and composition into pixels.

use super::*;
use alloc::vec;

extern crate std;

fn font() -> Font {
    Font::from_bytes(&std::fs::read(cairn_gui::text::FONT_PATH).unwrap()).unwrap()
}

const A: WindowId = WindowId(1);
const B: WindowId = WindowId(2);

fn two_windows() -> Desktop {
    let mut desktop = Desktop::new(1024, 768);
    desktop.add(A, "A", 200, 100);
    desktop.add(B, "B", 200, 100);
    desktop.take_damage();
    desktop
}

/// Moves the pointer to (x, y).
fn point(desktop: &mut Desktop, x: i32, y: i32) -> Outgoing {
    let (px, py) = desktop.pointer();
    desktop.pointer_moved(x - px, y - py)
}

#[test]
fn new_windows_cascade_on_top_with_the_focus() {
    let mut desktop = Desktop::new(1024, 768);
    assert_eq!(desktop.add(A, "A", 200, 100), vec![(A, Event::Focus { focused: true })]);
    let out = desktop.add(B, "B", 300, 150);
    assert_eq!(out, vec![(A, Event::Focus { focused: false }), (B, Event::Focus { focused: true })]);
    let (a, b) = (desktop.window(A).unwrap(), desktop.window(B).unwrap());
    assert_eq!((a.x, a.y), (FIRST_X, FIRST_Y));
    assert_eq!((b.x, b.y), (FIRST_X + STEP, FIRST_Y + STEP));
    assert_eq!(a.content(), Rect::new(FIRST_X + 1, FIRST_Y + TITLE_HEIGHT as i32, 200, 100));
    assert_eq!(a.frame(), Rect::new(FIRST_X, FIRST_Y, 202, 125));
    assert_eq!(desktop.windows().last().unwrap().id, B);
    assert_eq!(desktop.focused(), Some(B));
}

#[test]
fn click_raises_and_focuses() {
    let mut desktop = two_windows();
    // A's content where B does not cover it.
    let out = point(&mut desktop, 45, 60);
    assert_eq!(out, vec![(A, Event::Pointer { x: 4, y: 6 })]);
    let out = desktop.button(Button::Left, true);
    assert_eq!(
        out,
        vec![
            (B, Event::Focus { focused: false }),
            (A, Event::Focus { focused: true }),
            (A, Event::Pointer { x: 4, y: 6 }),
            (A, Event::Button { button: Button::Left, pressed: true }),
        ]
    );
    assert_eq!(desktop.windows().last().unwrap().id, A);
    // The pointer stays A's while the button is down, even outside it.
    assert_eq!(point(&mut desktop, 900, 700), vec![(A, Event::Pointer { x: 900 - 41, y: 700 - 54 })]);
    assert_eq!(desktop.button(Button::Left, false), vec![(A, Event::Button { button: Button::Left, pressed: false })]);
    assert_eq!(point(&mut desktop, 901, 700), vec![]);
    // Raising damaged A's frame.
    let damage = desktop.take_damage();
    assert!(damage.iter().any(|d| !d.intersect(&desktop.window(A).unwrap().frame()).is_empty()));
}

#[test]
fn dragging_a_title_bar_moves_the_window() {
    let mut desktop = two_windows();
    let bar = desktop.window(B).unwrap().title_bar();
    point(&mut desktop, bar.x + 20, bar.y + 5);
    assert_eq!(desktop.button(Button::Left, true), vec![]);
    let old = desktop.window(B).unwrap().frame();
    desktop.take_damage();
    assert_eq!(desktop.pointer_moved(100, 50), vec![]);
    let moved = desktop.window(B).unwrap().clone();
    assert_eq!((moved.x, moved.y), (old.x + 100, old.y + 50));
    let damage = desktop.take_damage();
    let covered = |r: Rect| damage.iter().any(|d| d.intersect(&r) == r);
    assert!(covered(old) && covered(moved.frame()));
    desktop.button(Button::Left, false);
    desktop.pointer_moved(10, 10);
    assert_eq!(desktop.window(B).unwrap().x, old.x + 100);
}

#[test]
fn windows_cannot_be_dragged_out_of_reach() {
    let mut desktop = two_windows();
    let bar = desktop.window(B).unwrap().title_bar();
    point(&mut desktop, bar.x + 5, bar.y + 5);
    desktop.button(Button::Left, true);
    desktop.pointer_moved(-5000, -5000);
    let window = desktop.window(B).unwrap();
    assert_eq!(window.y, 0);
    assert!(window.frame().right() >= i64::from(KEEP_VISIBLE));
    assert_eq!(desktop.pointer(), (0, 0));
}

#[test]
fn close_box_asks_the_client() {
    let mut desktop = two_windows();
    let close = desktop.window(B).unwrap().close_box();
    point(&mut desktop, close.x + 2, close.y + 2);
    assert_eq!(desktop.button(Button::Left, true), vec![(B, Event::Close)]);
    assert!(desktop.window(B).is_some());
}

#[test]
fn removing_a_window_passes_the_focus_down_and_damages_its_place() {
    let mut desktop = two_windows();
    let frame = desktop.window(B).unwrap().frame();
    assert_eq!(desktop.remove(B), vec![(A, Event::Focus { focused: true })]);
    assert!(desktop.take_damage().iter().any(|d| d.intersect(&frame) == frame));
    assert_eq!(desktop.remove(B), vec![]);
    assert_eq!(desktop.remove(A), vec![]);
    assert_eq!(desktop.focused(), None);
    assert_eq!(desktop.key(0x1e, true, Some('a')), vec![]);
}

#[test]
fn keys_go_to_the_focus_and_the_wheel_to_the_pointer() {
    let mut desktop = two_windows();
    assert_eq!(
        desktop.key(0x1e, true, Some('a')),
        vec![(B, Event::Key { code: 0x1e, pressed: true, text: Some('a') })]
    );
    point(&mut desktop, 45, 60);
    assert_eq!(desktop.wheel(-1), vec![(A, Event::Wheel { delta: -1 })]);
    point(&mut desktop, 1000, 700);
    assert_eq!(desktop.wheel(1), vec![]);
}

#[test]
fn commits_damage_only_the_window_on_the_screen() {
    let mut desktop = two_windows();
    let content = desktop.window(A).unwrap().content();
    desktop.commit(A, &[Rect::new(10, 10, 5, 5), Rect::new(190, 90, 100, 100)]);
    desktop.commit(WindowId(99), &[Rect::new(0, 0, 5, 5)]);
    let damage = desktop.take_damage();
    assert_eq!(
        damage,
        vec![Rect::new(content.x + 10, content.y + 10, 5, 5), Rect::new(content.x + 190, content.y + 90, 10, 10)]
    );
}

#[test]
fn resize_keeps_windows_reachable() {
    let mut desktop = two_windows();
    let bar = desktop.window(B).unwrap().title_bar();
    point(&mut desktop, bar.x + 5, bar.y + 5);
    desktop.button(Button::Left, true);
    desktop.pointer_moved(900, 700);
    desktop.button(Button::Left, false);
    desktop.resize(640, 480);
    let window = desktop.window(B).unwrap();
    assert!(window.x <= 640 - KEEP_VISIBLE && window.y <= 480 - TITLE_HEIGHT as i32);
    assert_eq!(desktop.take_damage(), vec![Rect::new(0, 0, 640, 480)]);
    let (x, y) = desktop.pointer();
    assert!(x < 640 && y < 480);
}

#[test]
fn composition_stacks_windows_and_draws_their_pixels() {
    let font = font();
    let mut desktop = Desktop::new(400, 300);
    desktop.add(A, "A", 100, 80);
    desktop.add(B, "B", 100, 80);
    let (a_pixels, b_pixels) = (vec![0x00ff00u32; 100 * 80], vec![0x0000ffu32; 100 * 80]);
    let mut screen = vec![0u32; 400 * 300];
    let mut canvas = Canvas::new(&mut screen, 400, 300, 400).unwrap();
    for area in desktop.take_damage() {
        desktop.compose(&mut canvas, area, &font, &|id| Some(if id == A { &a_pixels[..] } else { &b_pixels[..] }));
    }
    let at = |x: i32, y: i32| screen[(y * 400 + x) as usize];
    let (a, b) = (desktop.window(A).unwrap().content(), desktop.window(B).unwrap().content());
    assert_eq!(at(a.x, a.y), 0x00ff00);
    // Where B covers A, B's pixels show (B is on top).
    assert_eq!(at(b.x + 5, b.y + 5), 0x0000ff);
    assert_eq!(at(a.x + 50, a.y + 50), 0x0000ff);
    assert_eq!(at(0, 0), theme::DESKTOP);
    let bar = desktop.window(B).unwrap().title_bar();
    assert_eq!(at(bar.x + bar.width as i32 / 2, bar.y + 2), theme::TITLE_FOCUSED);
    let a_bar = desktop.window(A).unwrap().title_bar();
    assert_eq!(at(a_bar.x + 2, a_bar.y + 2), theme::TITLE_UNFOCUSED);
    // The pointer's arrow outline at its hot spot.
    let (px, py) = desktop.pointer();
    assert_eq!(at(px, py), 0);
}

#[test]
fn alt_tab_cycles_the_focus_and_alt_f4_asks_to_close() {
    let mut desktop = two_windows();
    desktop.add(WindowId(3), "C", 50, 50);
    let alt = |desktop: &mut Desktop, pressed| desktop.key(LEFT_ALT, pressed, None);
    // Alt itself still reaches the focused window.
    assert_eq!(alt(&mut desktop, true), vec![(WindowId(3), Event::Key { code: LEFT_ALT, pressed: true, text: None })]);
    let out = desktop.key(TAB, true, Some('\t'));
    assert_eq!(out, vec![(WindowId(3), Event::Focus { focused: false }), (A, Event::Focus { focused: true })]);
    assert_eq!(desktop.key(TAB, false, None), vec![]);
    assert_eq!(desktop.windows().last().unwrap().id, A);
    desktop.key(TAB, true, None);
    assert_eq!(desktop.focused(), Some(B));
    desktop.key(TAB, true, None);
    assert_eq!(desktop.focused(), Some(WindowId(3)));
    assert_eq!(desktop.key(F4, true, None), vec![(WindowId(3), Event::Close)]);
    assert_eq!(desktop.key(F4, false, None), vec![]);
    alt(&mut desktop, false);
    // Without Alt, Tab and F4 are the window's.
    assert_eq!(
        desktop.key(TAB, true, Some('\t')),
        vec![(WindowId(3), Event::Key { code: TAB, pressed: true, text: Some('\t') })]
    );
    assert_eq!(desktop.key(F4, true, None), vec![(WindowId(3), Event::Key { code: F4, pressed: true, text: None })]);
    desktop.key(RIGHT_ALT, true, None);
    assert_eq!(desktop.key(F4, true, None), vec![(WindowId(3), Event::Close)]);
}

#[test]
fn damage_all_covers_the_screen() {
    let mut desktop = two_windows();
    assert!(desktop.take_damage().is_empty());
    desktop.damage_all();
    assert_eq!(desktop.take_damage(), vec![Rect::new(0, 0, 1024, 768)]);
    assert!(desktop.take_damage().is_empty());
}
