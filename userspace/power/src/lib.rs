//! What `poweroff` and `reboot` share: unmounting every file system
//! (deepest first, each server writing back what it holds and ending),
//! then asking the kernel's power switch (`/scheme/sys/power`, root only)
//! to act.
//!
//! Depends on `cairn-rt`.
#![no_std]

use cairn_rt::fs::OpenOptions;
use cairn_rt::io::Write;
use cairn_rt::mount::{self, Stopped};
use cairn_rt::time::Duration;
use cairn_rt::{eprintln, println};

/// Where the kernel's power switch is.
const POWER_SWITCH: &str = "/scheme/sys/power";
/// How long each file-system server may take to write back and end.
const UNMOUNT_PATIENCE: Duration = Duration::from_secs(30);

/// Unmounts every mount of this namespace, deepest first.
fn unmount_all(tool: &str) {
    let mut mounts = match mount::mounts() {
        Ok(mounts) => mounts,
        Err(e) => {
            eprintln!("{tool}: {}: {e}", mount::MOUNT_TABLE);
            return;
        }
    };
    mounts.sort_by_key(|entry| core::cmp::Reverse(entry.point.len()));
    for entry in &mounts {
        match mount::unmount_and_stop(entry, UNMOUNT_PATIENCE) {
            Ok(Stopped::Ended | Stopped::Gone) => println!("{tool}: unmounted {}", entry.point),
            Ok(Stopped::StillRunning) => eprintln!("{tool}: {}: its server has not ended", entry.point),
            Err(e) => eprintln!("{tool}: {}: {e}", entry.point),
        }
    }
}

/// Sends `command` (`poweroff` or `reboot`) to the power switch; returns
/// the exit code for `tool` if the machine is still running.
pub fn switch(tool: &str, command: &str) -> i32 {
    println!("{tool}: the system is going down");
    unmount_all(tool);
    let result = OpenOptions::new().write(true).open(POWER_SWITCH).and_then(|mut s| s.write_all(command.as_bytes()));
    match result {
        Ok(()) => {
            eprintln!("{tool}: the machine did not turn off");
            1
        }
        Err(e) => {
            eprintln!("{tool}: {POWER_SWITCH}: {e}");
            1
        }
    }
}
