//! The look of the desktop, in one place: colours (as pixel values) and
//! sizes that the display server's decorations and the widgets use.

/// The desktop behind all windows.
pub const DESKTOP: u32 = 0x2e4a62;
/// A window's content background.
pub const WINDOW: u32 = 0xeeeeec;
/// Text on [`WINDOW`].
pub const TEXT: u32 = 0x202020;
/// A button's face, its face while pressed, and its border.
pub const BUTTON: u32 = 0xd3d7cf;
pub const BUTTON_PRESSED: u32 = 0xa0a8b0;
pub const BUTTON_BORDER: u32 = 0x555753;
/// Title bars of the focused window and of the others, and their text.
pub const TITLE_FOCUSED: u32 = 0x3465a4;
pub const TITLE_UNFOCUSED: u32 = 0x888a85;
pub const TITLE_TEXT: u32 = 0xffffff;
/// The window's one-pixel frame.
pub const FRAME: u32 = 0x1e1e1e;
/// The close box in the title bar.
pub const CLOSE: u32 = 0xcc3333;

/// Text size of widgets and of titles, in pixels.
pub const TEXT_SIZE: f32 = 15.0;
/// Space around and between widgets.
pub const PADDING: u32 = 10;
pub const SPACING: u32 = 8;
/// Space between a button's border and its label.
pub const BUTTON_INSET: u32 = 8;
