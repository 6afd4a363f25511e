//! `cairn-gui`: the toolkit desktop programs and the display server draw
//! with. [`canvas`] is a clipped drawing surface over `x8r8g8b8` pixels
//! (an `embedded-graphics` draw target, plus fills, blending and copies);
//! [`text`] loads a TrueType font (DejaVu Sans, packed into the initfs
//! from Debian's `fonts-dejavu-core`) with `fontdue` and draws
//! anti-aliased text; [`theme`] holds every colour and size in one place;
//! [`widget`] has the widgets (label, button) and the column layout;
//! [`demo`] is the example application's window; [`terminal`] draws a
//! terminal's text grid.
//! Pure (no system calls), so all of it runs in host tests; no_std + alloc.
#![no_std]

extern crate alloc;

pub mod canvas;
pub mod demo;
pub mod terminal;
pub mod text;
pub mod theme;
pub mod widget;

pub use cairn_winproto::Rect;
pub use canvas::Canvas;
pub use text::Font;
