//! What `poweroff` and `reboot` share: asking the kernel's power switch
//! (`/scheme/sys/power`, root only) to act, after a `sync`-like pause for
//! nothing (every file system is in memory today).
//!
//! Depends on `cairn-rt`.
#![no_std]

use cairn_rt::fs::OpenOptions;
use cairn_rt::io::Write;
use cairn_rt::{eprintln, println};

/// Where the kernel's power switch is.
const POWER_SWITCH: &str = "/scheme/sys/power";

/// Sends `command` (`poweroff` or `reboot`) to the power switch; returns
/// the exit code for `tool` if the machine is still running.
pub fn switch(tool: &str, command: &str) -> i32 {
    println!("{tool}: the system is going down");
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
