//! Select Graphic Rendition (`CSI … m`): how SGR parameters change the pen. Supports 0, 1, 2,
//! 4, 5, 6, 7, 22, 24, 25, 27, 30–37, 39, 40–47, 49, 90–97, 100–107 and the extended colours
//! `38`/`48` in both the `;` form (`38;5;n`, `38;2;r;g;b`) and the `:` form (`38:5:n`,
//! `38:2:r:g:b`, `38:2:space:r:g:b`); `4:0` turns underline off and the other underline styles
//! (`4:n`) are a plain underline; `58` (underline colour) is parsed and ignored, as are unknown
//! parameters and the other sub-parameters.

use super::cell::{Attributes, Style};
use super::color::{Color, Rgb};
use super::parser::Params;

/// Applies the parameters of one SGR sequence to `style`.
pub(crate) fn apply(style: &mut Style, params: &Params) {
    if params.len() == 0 {
        *style = Style::default();
        return;
    }
    let mut index = 0;
    while index < params.len() {
        let group_end = (index + 1..params.len()).find(|&i| !params.is_subparam(i)).unwrap_or(params.len());
        let value = params.get(index);
        let subparams = &params.values()[index + 1..group_end];
        if matches!(value, 38 | 48 | 58) {
            let (color, next) = if !subparams.is_empty() {
                (colon_color(subparams), group_end)
            } else {
                semicolon_color(params, index + 1)
            };
            match (value, color) {
                (38, Some(color)) => style.fg = color,
                (48, Some(color)) => style.bg = color,
                _ => {}
            }
            index = next;
            continue;
        }
        if value == 4 && subparams.first() == Some(&0) {
            style.attrs.remove(Attributes::UNDERLINE);
        } else {
            apply_one(style, value);
        }
        index = group_end;
    }
}

fn apply_one(style: &mut Style, value: u16) {
    let attrs = &mut style.attrs;
    match value {
        0 => *style = Style::default(),
        1 => attrs.insert(Attributes::BOLD),
        2 => attrs.insert(Attributes::DIM),
        4 => attrs.insert(Attributes::UNDERLINE),
        5 | 6 => attrs.insert(Attributes::BLINK),
        7 => attrs.insert(Attributes::REVERSE),
        22 => attrs.remove(Attributes::BOLD | Attributes::DIM),
        24 => attrs.remove(Attributes::UNDERLINE),
        25 => attrs.remove(Attributes::BLINK),
        27 => attrs.remove(Attributes::REVERSE),
        30..=37 => style.fg = indexed(value - 30),
        39 => style.fg = Color::Default,
        40..=47 => style.bg = indexed(value - 40),
        49 => style.bg = Color::Default,
        90..=97 => style.fg = indexed(value - 90 + 8),
        100..=107 => style.bg = indexed(value - 100 + 8),
        _ => {}
    }
}

/// A palette colour from a value known to be below 256.
fn indexed(value: u16) -> Color {
    Color::Indexed(u8::try_from(value).unwrap_or(u8::MAX))
}

/// The colour of `38;5;n` or `38;2;r;g;b` whose `5`/`2` is parameter `start`, and the index of
/// the parameter after it. An incomplete or unknown form swallows the rest of the sequence.
fn semicolon_color(params: &Params, start: usize) -> (Option<Color>, usize) {
    let rest = params.values().get(start..).unwrap_or_default();
    match rest {
        [5, index, ..] => (palette(*index), start + 2),
        [2, r, g, b, ..] => (rgb(*r, *g, *b), start + 4),
        _ => (None, params.len()),
    }
}

/// The colour of the sub-parameters `5:n`, `2:r:g:b` or `2:space:r:g:b`.
fn colon_color(subparams: &[u16]) -> Option<Color> {
    match *subparams {
        [5, index] => palette(index),
        [2, r, g, b] | [2, _, r, g, b] => rgb(r, g, b),
        _ => None,
    }
}

fn palette(index: u16) -> Option<Color> {
    u8::try_from(index).ok().map(Color::Indexed)
}

fn rgb(r: u16, g: u16, b: u16) -> Option<Color> {
    Some(Color::Rgb(Rgb::new(u8::try_from(r).ok()?, u8::try_from(g).ok()?, u8::try_from(b).ok()?)))
}
