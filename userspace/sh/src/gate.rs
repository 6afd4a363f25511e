//! Start gates: a program started as a new job of an interactive shell waits, before exec, until the shell has
//! handed the terminal to its process group (or started waiting for it). Without the gate it could read the
//! terminal while still in the background and be stopped by SIGTTIN before the shell gets to `tcsetpgrp`.

use cairn_rt::Vec;
use cairn_rt::abi::error::EINTR;
use cairn_rt::fd::{self, O_CLOEXEC, OwnedFd};
use cairn_rt::io::Read;

/// A gate between a parent and the child about to be forked: a pipe whose read end the child waits on.
pub struct Gate {
    read: OwnedFd,
    write: OwnedFd,
}

impl Gate {
    pub fn new() -> cairn_rt::Result<Gate> {
        let (read, write) = fd::pipe(O_CLOEXEC)?;
        Ok(Gate { read, write })
    }

    /// In the child: waits until the parent opens the gate (closes its end).
    pub fn pass(self) {
        let Gate { mut read, write } = self;
        drop(write);
        let mut byte = [0u8];
        while read.read(&mut byte).is_err_and(|error| error.errno() == Some(EINTR)) {}
    }
}

/// The gates a parent holds closed, each keeping a child from its exec.
#[derive(Default)]
pub struct HeldGates {
    writers: Vec<OwnedFd>,
}

impl HeldGates {
    /// In the parent: keeps the gate closed until [`HeldGates::open_all`].
    pub fn hold(&mut self, gate: Gate) {
        let Gate { read, write } = gate;
        drop(read);
        self.writers.push(write);
    }

    /// Lets every waiting child go on.
    pub fn open_all(&mut self) {
        self.writers.clear();
    }
}
