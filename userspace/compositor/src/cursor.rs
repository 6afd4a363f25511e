//! The pointer's arrow: a 12x19 bitmap (`#` outline, `.` fill, space
//! transparent) whose hot spot is its top-left pixel.

use cairn_gui::Canvas;
use cairn_winproto::Rect;

const ARROW: [&[u8; 12]; 19] = [
    b"#           ",
    b"##          ",
    b"#.#         ",
    b"#..#        ",
    b"#...#       ",
    b"#....#      ",
    b"#.....#     ",
    b"#......#    ",
    b"#.......#   ",
    b"#........#  ",
    b"#.........# ",
    b"#......#####",
    b"#...#..#    ",
    b"#..##..#    ",
    b"#.#  #..#   ",
    b"##   #..#   ",
    b"#     #..#  ",
    b"      #..#  ",
    b"       ##   ",
];

pub const WIDTH: u32 = 12;
pub const HEIGHT: u32 = 19;

/// What the arrow covers with its hot spot at (x, y).
pub fn area(x: i32, y: i32) -> Rect {
    Rect::new(x, y, WIDTH, HEIGHT)
}

/// Draws the arrow with its hot spot at (x, y).
pub fn draw(canvas: &mut Canvas, x: i32, y: i32) {
    for (row, line) in ARROW.iter().enumerate() {
        for (col, &dot) in line.iter().enumerate() {
            let value = match dot {
                b'#' => 0x000000,
                b'.' => 0xffffff,
                _ => continue,
            };
            canvas.put(x + col as i32, y + row as i32, value);
        }
    }
}
