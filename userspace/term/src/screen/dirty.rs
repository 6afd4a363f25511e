//! The dirty-region tracker: which rows changed since the drawing server last redrew, so that
//! it redraws only those.

use alloc::vec;
use alloc::vec::Vec;

/// One flag per row.
#[derive(Clone, Debug)]
pub(crate) struct DirtyRows(Vec<bool>);

impl DirtyRows {
    /// `rows` rows, all dirty (nothing has been drawn yet).
    pub(crate) fn new(rows: usize) -> Self {
        Self(vec![true; rows])
    }

    /// Marks one row; rows outside the screen are ignored.
    pub(crate) fn mark(&mut self, row: usize) {
        if let Some(flag) = self.0.get_mut(row) {
            *flag = true;
        }
    }

    /// Marks the rows `start..end`, clamped to the screen.
    pub(crate) fn mark_range(&mut self, start: usize, end: usize) {
        let end = end.min(self.0.len());
        if let Some(flags) = self.0.get_mut(start.min(end)..end) {
            flags.fill(true);
        }
    }

    pub(crate) fn mark_all(&mut self) {
        self.0.fill(true);
    }

    pub(crate) fn clear(&mut self) {
        self.0.fill(false);
    }

    /// The dirty rows, top to bottom.
    pub(crate) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().filter_map(|(row, &dirty)| dirty.then_some(row))
    }

    pub(crate) fn is_dirty(&self, row: usize) -> bool {
        self.0.get(row).copied().unwrap_or(false)
    }

    /// Changes the number of rows; every row is dirty afterwards.
    pub(crate) fn resize(&mut self, rows: usize) {
        self.0 = vec![true; rows];
    }
}
