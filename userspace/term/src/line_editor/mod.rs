//! A line editor's data and drawing, for a shell's prompt in raw mode: [`LineBuffer`] is the line
//! and its cursor with the editing operations keys are bound to; [`LineDisplay`] says what to send
//! to the terminal so the screen shows the prompt and the line, sending only what changed (typing
//! at the end of the line sends just the character, as readline does).

mod buffer;
mod display;

#[cfg(test)]
mod tests;

pub use buffer::LineBuffer;
pub use display::LineDisplay;
