//! The grid of cells and the editing primitives the escape sequences are built from (put, fill,
//! insert/delete cells, scroll a band of rows, resize). Every primitive clamps its arguments to
//! the grid, so none can panic, and marks the rows it changes dirty.

use alloc::vec;
use alloc::vec::Vec;
use core::ops::Range;

use super::cell::Cell;
use super::dirty::DirtyRows;

/// `rows` rows of `cols` cells.
#[derive(Clone, Debug)]
pub(crate) struct Grid {
    rows: Vec<Vec<Cell>>,
    cols: usize,
    dirty: DirtyRows,
}

impl Grid {
    /// A blank grid, all rows dirty.
    pub(crate) fn new(rows: usize, cols: usize) -> Self {
        Self { rows: vec![vec![Cell::default(); cols]; rows], cols, dirty: DirtyRows::new(rows) }
    }

    pub(crate) fn rows(&self) -> usize {
        self.rows.len()
    }

    pub(crate) fn cols(&self) -> usize {
        self.cols
    }

    pub(crate) fn row(&self, row: usize) -> Option<&[Cell]> {
        self.rows.get(row).map(Vec::as_slice)
    }

    pub(crate) fn dirty(&self) -> &DirtyRows {
        &self.dirty
    }

    pub(crate) fn dirty_mut(&mut self) -> &mut DirtyRows {
        &mut self.dirty
    }

    /// Writes one cell.
    pub(crate) fn put(&mut self, row: usize, col: usize, cell: Cell) {
        if let Some(slot) = self.rows.get_mut(row).and_then(|cells| cells.get_mut(col)) {
            *slot = cell;
            self.dirty.mark(row);
        }
    }

    /// Sets the cells `cols` of `row` to `blank`.
    pub(crate) fn fill(&mut self, row: usize, cols: Range<usize>, blank: Cell) {
        if let Some(cells) = self.rows.get_mut(row) {
            let end = cols.end.min(cells.len());
            if let Some(span) = cells.get_mut(cols.start.min(end)..end) {
                span.fill(blank);
                self.dirty.mark(row);
            }
        }
    }

    /// Sets whole rows to `blank`.
    pub(crate) fn fill_rows(&mut self, rows: Range<usize>, blank: Cell) {
        for row in rows.start..rows.end.min(self.rows.len()) {
            self.fill(row, 0..self.cols, blank);
        }
    }

    /// Inserts `count` blank cells at `col`, shifting the rest of the row right; cells pushed
    /// past the right edge are lost.
    pub(crate) fn insert_cells(&mut self, row: usize, col: usize, count: usize, blank: Cell) {
        if let Some(tail) = self.rows.get_mut(row).and_then(|cells| cells.get_mut(col..)) {
            let count = count.min(tail.len());
            tail.rotate_right(count);
            tail[..count].fill(blank);
            self.dirty.mark(row);
        }
    }

    /// Deletes `count` cells at `col`, shifting the rest of the row left and filling the right
    /// end with `blank`.
    pub(crate) fn delete_cells(&mut self, row: usize, col: usize, count: usize, blank: Cell) {
        if let Some(tail) = self.rows.get_mut(row).and_then(|cells| cells.get_mut(col..)) {
            let count = count.min(tail.len());
            tail.rotate_left(count);
            let len = tail.len();
            tail[len - count..].fill(blank);
            self.dirty.mark(row);
        }
    }

    /// Moves the rows of `band` up by `count`: the top `count` rows of the band are lost and
    /// `count` blank rows appear at its bottom.
    pub(crate) fn scroll_up(&mut self, band: Range<usize>, count: usize, blank: Cell) {
        if let Some(rows) = self.band(band.clone()) {
            let count = count.min(rows.len());
            rows.rotate_left(count);
            let len = rows.len();
            rows[len - count..].iter_mut().for_each(|cells| cells.fill(blank));
            self.dirty.mark_range(band.start, band.end);
        }
    }

    /// Moves the rows of `band` down by `count`, with blank rows appearing at its top.
    pub(crate) fn scroll_down(&mut self, band: Range<usize>, count: usize, blank: Cell) {
        if let Some(rows) = self.band(band.clone()) {
            let count = count.min(rows.len());
            rows.rotate_right(count);
            rows[..count].iter_mut().for_each(|cells| cells.fill(blank));
            self.dirty.mark_range(band.start, band.end);
        }
    }

    /// Changes the size, keeping content: `drop_top` rows leave at the top (so that the rows
    /// near the cursor stay visible), rows are cut or blank-extended at the bottom and cells at
    /// the right. Every row is dirty afterwards.
    pub(crate) fn resize(&mut self, rows: usize, cols: usize, drop_top: usize) {
        self.rows.drain(..drop_top.min(self.rows.len()));
        self.rows.resize_with(rows, Vec::new);
        for cells in &mut self.rows {
            cells.resize(cols, Cell::default());
        }
        self.cols = cols;
        self.dirty.resize(rows);
    }

    /// The rows of `band`, clamped; `None` if it is empty.
    fn band(&mut self, band: Range<usize>) -> Option<&mut [Vec<Cell>]> {
        let end = band.end.min(self.rows.len());
        self.rows.get_mut(band.start.min(end)..end).filter(|rows| !rows.is_empty())
    }
}
