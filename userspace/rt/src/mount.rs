//! Mount points: [`mount`] binds a directory of the file tree to the
//! scheme a file-system server serves (the server calls it, so the mount
//! names its process), [`unmount`] removes one, and [`mounts`] reads the
//! caller's mount table from `/scheme/sys/mounts`. Mounts belong to the
//! namespace, shared with children (see docs/ABI.md "Mounts").
//!
//! Depends on [`crate::fs`], [`crate::scheme`] and `cairn-abi`.

use alloc::string::String;
use alloc::vec::Vec;

use cairn_abi::{O_DIRECTORY, Syscall};

use crate::error::{Error, Result};
use crate::fs::OpenOptions;
use crate::process::Pid;
use crate::scheme::Server;
use crate::sys::{syscall2, syscall4};

/// Where the kernel lists the caller's mounts.
pub const MOUNT_TABLE: &str = "/scheme/sys/mounts";

/// One line of the mount table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountEntry {
    /// What is mounted (a device path, or a name such as `tmpfs`).
    pub source: String,
    /// The directory it is mounted on.
    pub point: String,
    /// The file-system type (`ext2`, `ext3`, `tmpfs`...).
    pub fstype: String,
    /// The options, comma-separated (`rw`, `ro`...).
    pub options: String,
    /// The server that mounted it.
    pub server: Pid,
    /// The server's scheme name.
    pub scheme: String,
}

impl MountEntry {
    /// Parses a line `SOURCE POINT TYPE OPTIONS PID SCHEME`.
    pub fn parse(line: &str) -> Option<MountEntry> {
        let mut words = line.split(' ');
        let mut next = || words.next().filter(|word| !word.is_empty()).map(String::from);
        let entry = MountEntry {
            source: next()?,
            point: next()?,
            fstype: next()?,
            options: next()?,
            server: next()?.parse().ok()?,
            scheme: next()?,
        };
        words.next().is_none().then_some(entry)
    }

    /// Whether the options hold `ro`.
    pub fn read_only(&self) -> bool {
        self.options.split(',').any(|option| option == "ro")
    }
}

/// The caller's mounts, in the order they were made.
pub fn mounts() -> Result<Vec<MountEntry>> {
    let text = crate::fs::read_to_string(MOUNT_TABLE)?;
    Ok(text.lines().filter_map(MountEntry::parse).collect())
}

/// Mounts the scheme `server` serves on directory `point`, described as
/// `source`, `fstype` and `options` (words without spaces). Root only.
pub fn mount(point: &str, server: &Server, source: &str, fstype: &str, options: &str) -> Result<()> {
    let directory = OpenOptions::new().read(true).custom_flags(O_DIRECTORY).open(point)?;
    let words = [source, fstype, options];
    if words.iter().any(|word| word.is_empty() || word.contains(' ')) {
        return Err(Error::from_errno(cairn_abi::error::EINVAL));
    }
    let description = words.join(" ");
    // SAFETY: the description is valid for its length during the call.
    unsafe {
        syscall4(
            Syscall::Mount as usize,
            directory.as_raw_fd(),
            server.endpoint().as_raw(),
            description.as_ptr() as usize,
            description.len(),
        )
    }
    .map(drop)
}

/// Removes the mount at `point` from the caller's namespace. Root only.
pub fn unmount(point: &str) -> Result<()> {
    // SAFETY: the path is valid for its length during the call.
    unsafe { syscall2(Syscall::Unmount as usize, point.as_ptr() as usize, point.len()) }.map(drop)
}

/// What became of a file-system server asked to stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// It ended within the time given.
    Ended,
    /// It is still running.
    StillRunning,
    /// It had ended already.
    Gone,
}

/// Unmounts `entry` and asks its server to finish (SIGTERM: a file-system
/// server writes what it holds back to its disk and exits), waiting up to
/// `patience` for it to end.
pub fn unmount_and_stop(entry: &MountEntry, patience: core::time::Duration) -> Result<Stopped> {
    unmount(&entry.point)?;
    let server = match crate::process::TaskHandle::process(entry.server) {
        Ok(server) => server,
        Err(e) if e.errno() == Some(cairn_abi::error::ESRCH) => return Ok(Stopped::Gone),
        Err(e) => return Err(e),
    };
    server.signal(cairn_abi::signal::SIGTERM)?;
    let queue = crate::events::EventQueue::new()?;
    queue.watch(server.fd().as_raw(), crate::events::EVENT_READ, 0)?;
    let mut events = [crate::events::Event::default()];
    Ok(if queue.wait(&mut events, Some(patience))? == 0 { Stopped::StillRunning } else { Stopped::Ended })
}
