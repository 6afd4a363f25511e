//! Horizontal tab stops: every 8 columns by default, set with HTS and cleared with TBC.

use alloc::vec::Vec;

/// Columns between default tab stops.
const TAB_WIDTH: usize = 8;

/// One flag per column.
#[derive(Clone, Debug)]
pub(crate) struct TabStops(Vec<bool>);

impl TabStops {
    pub(crate) fn new(cols: usize) -> Self {
        Self((0..cols).map(default_stop).collect())
    }

    /// The next stop right of `col`, or the last column.
    pub(crate) fn next(&self, col: usize) -> usize {
        let last = self.0.len().saturating_sub(1);
        (col.saturating_add(1)..self.0.len()).find(|&c| self.0[c]).unwrap_or(last)
    }

    /// The previous stop left of `col`, or column 0.
    pub(crate) fn previous(&self, col: usize) -> usize {
        (1..col.min(self.0.len())).rev().find(|&c| self.0[c]).unwrap_or(0)
    }

    pub(crate) fn set(&mut self, col: usize, stop: bool) {
        if let Some(flag) = self.0.get_mut(col) {
            *flag = stop;
        }
    }

    pub(crate) fn clear_all(&mut self) {
        self.0.fill(false);
    }

    /// Changes the number of columns; new columns get the default stops.
    pub(crate) fn resize(&mut self, cols: usize) {
        let old = self.0.len();
        self.0.truncate(cols);
        self.0.extend((old..cols).map(default_stop));
    }
}

fn default_stop(col: usize) -> bool {
    col.is_multiple_of(TAB_WIDTH)
}
