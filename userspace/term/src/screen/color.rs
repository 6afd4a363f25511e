//! Colours of the screen model: the terminal's default colour, the 256-colour palette (whose
//! first 16 entries are the standard colours) and direct RGB, with the mapping to RGB values
//! (the VGA text-mode colours for 0–15, xterm's colour cube and grey ramp for 16–255).

/// A colour as 8-bit red, green and blue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Rgb {
    pub r: u8,
    pub g: u8,
    pub b: u8,
}

impl Rgb {
    pub const fn new(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b }
    }
}

/// The colour of a cell's text or background.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Color {
    /// The terminal's default foreground or background (SGR 39 / 49).
    #[default]
    Default,
    /// An entry of the 256-colour palette (SGR 30–37, 90–97, `38;5;n` and the background forms).
    Indexed(u8),
    /// A direct colour (SGR `38;2;r;g;b`).
    Rgb(Rgb),
}

impl Color {
    pub const BLACK: Self = Self::Indexed(0);
    pub const RED: Self = Self::Indexed(1);
    pub const GREEN: Self = Self::Indexed(2);
    pub const YELLOW: Self = Self::Indexed(3);
    pub const BLUE: Self = Self::Indexed(4);
    pub const MAGENTA: Self = Self::Indexed(5);
    pub const CYAN: Self = Self::Indexed(6);
    pub const WHITE: Self = Self::Indexed(7);
    pub const BRIGHT_BLACK: Self = Self::Indexed(8);
    pub const BRIGHT_RED: Self = Self::Indexed(9);
    pub const BRIGHT_GREEN: Self = Self::Indexed(10);
    pub const BRIGHT_YELLOW: Self = Self::Indexed(11);
    pub const BRIGHT_BLUE: Self = Self::Indexed(12);
    pub const BRIGHT_MAGENTA: Self = Self::Indexed(13);
    pub const BRIGHT_CYAN: Self = Self::Indexed(14);
    pub const BRIGHT_WHITE: Self = Self::Indexed(15);

    /// The RGB value, with `default` standing for [`Color::Default`].
    pub fn to_rgb(self, default: Rgb) -> Rgb {
        match self {
            Self::Default => default,
            Self::Indexed(index) => palette(index),
            Self::Rgb(rgb) => rgb,
        }
    }
}

/// The default foreground: VGA light grey.
pub const DEFAULT_FOREGROUND: Rgb = Rgb::new(0xaa, 0xaa, 0xaa);
/// The default background: black.
pub const DEFAULT_BACKGROUND: Rgb = Rgb::new(0, 0, 0);

/// The 16 standard colours as the VGA text mode shows them (brown for dark yellow).
const STANDARD: [Rgb; 16] = [
    Rgb::new(0x00, 0x00, 0x00),
    Rgb::new(0xaa, 0x00, 0x00),
    Rgb::new(0x00, 0xaa, 0x00),
    Rgb::new(0xaa, 0x55, 0x00),
    Rgb::new(0x00, 0x00, 0xaa),
    Rgb::new(0xaa, 0x00, 0xaa),
    Rgb::new(0x00, 0xaa, 0xaa),
    Rgb::new(0xaa, 0xaa, 0xaa),
    Rgb::new(0x55, 0x55, 0x55),
    Rgb::new(0xff, 0x55, 0x55),
    Rgb::new(0x55, 0xff, 0x55),
    Rgb::new(0xff, 0xff, 0x55),
    Rgb::new(0x55, 0x55, 0xff),
    Rgb::new(0xff, 0x55, 0xff),
    Rgb::new(0x55, 0xff, 0xff),
    Rgb::new(0xff, 0xff, 0xff),
];

/// Intensities of the 6×6×6 colour cube (palette 16–231).
const CUBE_LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];

/// The RGB value of a palette entry.
pub fn palette(index: u8) -> Rgb {
    match index {
        0..=15 => STANDARD[usize::from(index)],
        16..=231 => {
            let cube = index - 16;
            let level = |step: u8| CUBE_LEVELS[usize::from(step % 6)];
            Rgb::new(level(cube / 36), level(cube / 6), level(cube))
        }
        232..=255 => {
            let grey = 8 + 10 * (index - 232);
            Rgb::new(grey, grey, grey)
        }
    }
}
