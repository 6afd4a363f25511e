//! The input server's pure parts (no_std, host-tested): [`event`] is the
//! protocol of scheme `input` (16-byte events read by the text consoles
//! and the display server), [`keymap`] turns scan code set 1 bytes into
//! keys with their text in a chosen layout, and [`router`] decides which
//! virtual console gets each input and when Ctrl-Alt-Fn switches them;
//! [`terminal`] turns keys into terminal input.
#![no_std]

extern crate alloc;

pub mod event;
pub mod keymap;
pub mod router;
pub mod terminal;

pub use event::{DecodeError, EVENT_SIZE, InputEvent, Key, Modifiers};
pub use keymap::{Keyboard, Layout, UnknownLayout, named_key};
pub use router::{Delivery, Router, RouterError, Vt};
