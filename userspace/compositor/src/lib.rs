//! `cairn-compositor`: what the display server (`displayd`) decides and
//! draws, without touching a device. A [`Desktop`] holds the windows
//! bottom to top, the focus, the pointer and a drag in progress; input
//! (pointer motion, buttons, wheel, keys) goes in and comes out as
//! protocol events for the windows concerned, while every change records
//! the screen area it touched in [`damage::Damage`]. [`Desktop::compose`]
//! then draws one damaged area — desktop, window frames and title bars,
//! the windows' own pixels, the pointer — into a canvas. Pure; no_std +
//! alloc; host-tested.
#![no_std]

extern crate alloc;

pub mod cursor;
pub mod damage;
mod desktop;

pub use desktop::{
    BORDER, CLOSE_SIZE, Desktop, F4, LEFT_ALT, Outgoing, Part, RIGHT_ALT, TAB, TITLE_HEIGHT, Window, WindowId,
};
