//! `top [-b] [-n COUNT] [-d SECONDS]`: shows the system's state — uptime,
//! memory, each CPU's share of timer ticks spent in user code and its
//! context switches, and the process table — refreshed every 2 seconds
//! (`-d`) on a cleared screen until interrupted. `-n COUNT` stops after
//! that many screens; `-b` (batch) does not clear the screen and, without
//! `-n`, prints one snapshot. The first screen's CPU figures count from
//! boot, later ones from the screen before.
#![no_std]
#![no_main]

use cairn_rt::time::Duration;
use cairn_rt::{Vec, sys, thread};
use coreutils::args::{Arg, ArgParser, UsageError};
use coreutils::clock::parse_duration;
use coreutils::system::{self, CpuRow, write_processes};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// Time between screens unless `-d` says otherwise.
const DEFAULT_DELAY: Duration = Duration::from_secs(2);

fn main() -> i32 {
    tool::run("top", top)
}

fn top(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let (mut batch, mut count, mut delay) = (false, None, DEFAULT_DELAY);
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('b') => batch = true,
            Arg::Short('n') => count = Some(args.number::<u64>("number of iterations")?),
            Arg::Short('d') => {
                let value = args.value()?;
                delay = parse_duration(&value).ok_or(UsageError::InvalidValue { what: "delay", value })?;
            }
            other => return Err(other.unexpected().into()),
        }
    }
    let count = count.unwrap_or(if batch { 1 } else { u64::MAX });
    let mut previous = Vec::new();
    for screen in 0..count {
        if screen > 0 {
            thread::sleep(delay);
        }
        if !batch {
            tool.out.write(b"\x1b[H\x1b[2J")?;
        }
        previous = show(tool, &previous)?;
        tool.out.flush()?;
    }
    Ok(())
}

/// Prints one screen; `previous` holds the CPU counters of the screen
/// before (empty for the first). Returns the counters now.
fn show(tool: &mut Tool, previous: &[CpuRow]) -> Result<Vec<CpuRow>, Failure> {
    let processes = system::processes()?;
    let cpus = system::cpus()?;
    let memory = sys::memory_info().map_err(|error| Failure::path("memory_info", error))?;
    writeln!(tool.out, "top - {},  {} CPUs", system::uptime_summary(processes.len())?, cpus.len())?;
    let kib = |frames: u64| frames * memory.frame_size / 1024;
    let (total, free) = (kib(memory.total_frames), kib(memory.free_frames));
    writeln!(tool.out, "KiB Mem: {total:>10} total, {free:>10} free, {:>10} used", total.saturating_sub(free))?;
    for cpu in &cpus {
        let before = previous.iter().find(|old| old.index == cpu.index).copied().unwrap_or_default();
        let ticks = cpu.ticks.saturating_sub(before.ticks);
        let user = cpu.user_ticks.saturating_sub(before.user_ticks);
        let tenths = (user * 1000).checked_div(ticks).unwrap_or(0);
        writeln!(
            tool.out,
            "CPU{:<3} {:>3}.{}% user, {:>8} context switches",
            cpu.index,
            tenths / 10,
            tenths % 10,
            cpu.context_switches.saturating_sub(before.context_switches)
        )?;
    }
    writeln!(tool.out)?;
    write_processes(&mut tool.out, &processes)?;
    Ok(cpus)
}
