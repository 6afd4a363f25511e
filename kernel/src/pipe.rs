//! Pipes: a bounded byte queue shared by read ends and write ends. The
//! counts of live ends are kept by [`PipeEnd`]'s `Clone` and `Drop`, so a
//! reader sees end of file exactly when the last write end is gone, and a
//! writer gets `EPIPE` (and SIGPIPE) when no read end is left. Threads wait
//! on [`crate::task::WaitKey::Pipe`]; whoever changes a pipe wakes them.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

/// Bytes a pipe holds before writers block.
pub const PIPE_CAPACITY: usize = 64 * 1024;
/// Writes up to this size are atomic (never interleaved with others).
pub const PIPE_ATOMIC: usize = 4096;

/// Identifies a pipe (for wait queues).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PipeId(pub u64);

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

#[derive(Debug)]
pub struct PipeState {
    pub id: PipeId,
    pub buffer: VecDeque<u8>,
    pub readers: usize,
    pub writers: usize,
}

/// One end of a pipe.
#[derive(Debug)]
pub struct PipeEnd {
    pipe: Arc<spin::Mutex<PipeState>>,
    reader: bool,
}

impl PipeEnd {
    /// A new pipe: its read end and its write end.
    pub fn pair() -> (PipeEnd, PipeEnd) {
        let pipe = Arc::new(spin::Mutex::new(PipeState {
            id: PipeId(NEXT_ID.fetch_add(1, Ordering::Relaxed)),
            buffer: VecDeque::new(),
            readers: 1,
            writers: 1,
        }));
        (PipeEnd { pipe: pipe.clone(), reader: true }, PipeEnd { pipe, reader: false })
    }

    pub fn is_reader(&self) -> bool {
        self.reader
    }

    pub fn id(&self) -> PipeId {
        self.pipe.lock().id
    }

    /// The shared state, locked.
    pub fn state(&self) -> spin::MutexGuard<'_, PipeState> {
        self.pipe.lock()
    }
}

impl Clone for PipeEnd {
    fn clone(&self) -> PipeEnd {
        let mut state = self.pipe.lock();
        if self.reader {
            state.readers += 1;
        } else {
            state.writers += 1;
        }
        PipeEnd { pipe: self.pipe.clone(), reader: self.reader }
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        let mut state = self.pipe.lock();
        if self.reader {
            state.readers -= 1;
        } else {
            state.writers -= 1;
        }
    }
}
