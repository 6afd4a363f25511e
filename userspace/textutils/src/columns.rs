//! The column layout of plain `ls` output on a terminal (GNU `ls -C`, and `-x`): as many
//! columns as fit in the width, each as wide as its widest name plus two spaces, filled down
//! (or across). Padding is spaces where GNU uses tabs; the positions are the same.

use alloc::vec::Vec;

use crate::utf8::char_count;

/// The narrowest a column can be (one character and two spaces), which bounds the number of
/// columns GNU tries.
const MIN_COLUMN_WIDTH: usize = 3;

/// How names fill the grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fill {
    /// `-C`: down the first column, then the next.
    Down,
    /// `-x`: along the first row, then the next.
    Across,
}

/// A grid of `rows` rows and `columns` columns for `count` names.
struct Grid {
    rows: usize,
    columns: usize,
    fill: Fill,
}

impl Grid {
    /// The grid position (row, column) of name `index`.
    fn place(&self, index: usize) -> (usize, usize) {
        match self.fill {
            Fill::Down => (index % self.rows, index / self.rows),
            Fill::Across => (index / self.columns, index % self.columns),
        }
    }

    /// The index of the name at (row, column).
    fn index(&self, row: usize, column: usize) -> usize {
        match self.fill {
            Fill::Down => column * self.rows + row,
            Fill::Across => row * self.columns + column,
        }
    }
}

/// Lays `names` out in columns for a terminal `width` columns wide (0: no limit), each row
/// ending with a newline.
pub fn columns(names: &[&[u8]], width: usize, fill: Fill) -> Vec<u8> {
    let count = names.len();
    if count == 0 {
        return Vec::new();
    }
    let widths: Vec<usize> = names.iter().map(|name| char_count(name)).collect();
    let max_columns = if width == 0 { count } else { (width / MIN_COLUMN_WIDTH).clamp(1, count) };
    let mut chosen = (Grid { rows: count, columns: 1, fill }, Vec::from([widths.iter().copied().max().unwrap_or(0)]));
    for columns in (2..=max_columns).rev() {
        let rows = count.div_ceil(columns);
        let used = match fill {
            Fill::Down => count.div_ceil(rows),
            Fill::Across => columns,
        };
        let grid = Grid { rows, columns: used, fill };
        let mut column_widths = alloc::vec![0; grid.columns];
        for (index, &name_width) in widths.iter().enumerate() {
            let (_, column) = grid.place(index);
            column_widths[column] = column_widths[column].max(name_width);
        }
        let line = column_widths.iter().sum::<usize>() + 2 * (grid.columns - 1);
        if width == 0 || line < width {
            chosen = (grid, column_widths);
            break;
        }
    }
    let (grid, column_widths) = chosen;
    let mut out = Vec::new();
    for row in 0..grid.rows {
        for (column, column_width) in column_widths.iter().enumerate() {
            let index = grid.index(row, column);
            let Some(name) = names.get(index) else {
                break;
            };
            out.extend_from_slice(name);
            let next = grid.index(row, column + 1);
            if column + 1 < grid.columns && next < count {
                out.resize(out.len() + column_width + 2 - widths[index], b' ');
            }
        }
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    const NAMES: [&str; 16] = [
        "alpha", "beta", "delta", "epsilon", "eta", "gamma", "iota", "kappa", "lambda", "mu", "nu", "omicron", "pi",
        "theta", "xi", "zeta",
    ];

    fn layout(width: usize, fill: Fill) -> String {
        let names: std::vec::Vec<&[u8]> = NAMES.iter().map(|name| name.as_bytes()).collect();
        String::from_utf8(columns(&names, width, fill)).unwrap()
    }

    #[test]
    fn down_columns_like_gnu_ls() {
        assert_eq!(
            layout(40, Fill::Down),
            "alpha    eta    lambda   pi\nbeta     gamma  mu       theta\ndelta    iota   nu       xi\nepsilon  kappa  omicron  zeta\n"
        );
        assert_eq!(
            layout(80, Fill::Down),
            "alpha  delta    eta    iota   lambda  nu       pi     xi\nbeta   epsilon  gamma  kappa  mu      omicron  theta  zeta\n"
        );
    }

    #[test]
    fn the_line_must_be_shorter_than_the_width() {
        assert!(layout(30, Fill::Down).starts_with("alpha    iota     pi\n"));
        assert!(layout(31, Fill::Down).starts_with("alpha    eta    lambda   pi\n"));
    }

    #[test]
    fn narrow_and_unlimited_widths() {
        assert_eq!(layout(10, Fill::Down), NAMES.join("\n") + "\n");
        assert_eq!(layout(0, Fill::Down), NAMES.join("  ") + "\n");
        assert_eq!(columns(&[], 80, Fill::Down), b"");
    }

    #[test]
    fn across_rows_like_gnu_ls_x() {
        assert_eq!(
            layout(40, Fill::Across),
            "alpha  beta     delta  epsilon  eta\ngamma  iota     kappa  lambda   mu\nnu     omicron  pi     theta    xi\nzeta\n"
        );
    }

    #[test]
    fn utf8_names_count_characters() {
        let names: [&[u8]; 3] = ["\u{e9}t\u{e9}".as_bytes(), b"abcd", b"x"];
        assert_eq!(String::from_utf8(columns(&names, 80, Fill::Down)).unwrap(), "\u{e9}t\u{e9}  abcd  x\n");
    }
}
