//! The threads waiting on one [`super::WaitKey`], first come first woken.
//!
//! Nearly every wait queue holds one thread (a client waiting for its
//! answer, a server for its next request), and each round trip makes two
//! such queues and removes them again. [`Waiters`] keeps a lone waiter
//! inline, so those waits allocate nothing; only a second waiter on the
//! same key moves the queue to the heap.

use alloc::collections::VecDeque;

use super::Tid;

/// The waiters of one key, in arrival order. Never stored empty: the
/// owner removes a queue once [`Waiters::is_empty`] says so.
#[derive(Debug)]
pub enum Waiters {
    One(Tid),
    Many(VecDeque<Tid>),
}

impl Waiters {
    /// Adds `tid` at the back.
    pub fn push_back(&mut self, tid: Tid) {
        match self {
            Waiters::One(first) => *self = Waiters::Many(VecDeque::from([*first, tid])),
            Waiters::Many(queue) => queue.push_back(tid),
        }
    }

    /// Takes the first waiter.
    pub fn pop_front(&mut self) -> Option<Tid> {
        match self {
            Waiters::One(first) => {
                let first = *first;
                *self = Waiters::Many(VecDeque::new());
                Some(first)
            }
            Waiters::Many(queue) => queue.pop_front(),
        }
    }

    /// Drops every entry of `tid`.
    pub fn remove(&mut self, tid: Tid) {
        match self {
            Waiters::One(first) if *first == tid => *self = Waiters::Many(VecDeque::new()),
            Waiters::One(_) => {}
            Waiters::Many(queue) => queue.retain(|t| *t != tid),
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, Waiters::Many(queue) if queue.is_empty())
    }
}
