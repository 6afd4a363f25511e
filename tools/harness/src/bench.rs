//! `harness bench`: boots the default image (empty command line) several times under TCG and
//! reports the median and range of the time from QEMU's start to the `cairn: ` summary line,
//! and of the boot time the kernel itself reports on that line. With an initfs module it then
//! boots once more running `/bin/ubench` as init and prints its `BENCH` lines.

use std::time::Duration;

use crate::cli::BenchArgs;
use crate::hosttools;
use crate::iso;
use crate::protocol;
use crate::qemu::{self, Display, Firmware, Machine};
use crate::stats;

/// The benchmark machine: a plain BIOS PC, fixed so numbers stay comparable.
const MACHINE: Machine<'static> =
    Machine { model: "pc", firmware: Firmware::Bios, smp: 2, mem: "256M", vga_none: false };
const RUN_TIMEOUT: Duration = Duration::from_secs(90);
const TAIL_LINES: usize = 30;

pub fn run(args: &BenchArgs) -> Result<(), String> {
    hosttools::require(&[&[hosttools::QEMU], hosttools::ISO_TOOLS].concat())?;
    let iso = args.build_dir.join("bench.iso");
    iso::build(&args.kernel, &iso, b"", &args.modules)?;
    // Always TCG, whatever KVM says: the numbers are meant to be comparable across machines.
    let qemu_args = qemu::args(&MACHINE, &iso, Display::Headless, false)?;

    let (mut to_line, mut kernel) = (Vec::new(), Vec::new());
    for run in 1..=args.runs {
        let boot = qemu::boot(&qemu_args, RUN_TIMEOUT, |l| protocol::parse_summary(l).is_some(), &[])?;
        let found = boot.lines.iter().find_map(|l| protocol::parse_summary(&l.text).map(|s| (l.at, s)));
        let Some((at, summary)) = found else {
            let skip = boot.lines.len().saturating_sub(TAIL_LINES);
            let tail: Vec<&str> = boot.lines[skip..].iter().map(|l| l.text.as_str()).collect();
            let mut msg = format!(
                "run {run}: no `cairn: ` summary line ({}); last serial lines:\n{}",
                boot.end.describe(),
                tail.join("\n")
            );
            if !boot.stderr.trim().is_empty() {
                msg.push_str("\nqemu stderr:\n");
                msg.push_str(boot.stderr.trim_end());
            }
            return Err(msg);
        };
        let ms = u64::try_from(at.as_millis()).unwrap_or(u64::MAX);
        println!("run {run}: {ms} ms to the cairn line, kernel boot {} ms", summary.boot_ms);
        to_line.push(ms);
        kernel.push(summary.boot_ms);
    }
    let (Some(a), Some(b)) = (stats::spread(&to_line), stats::spread(&kernel)) else {
        return Err("no runs".to_string());
    };
    println!("{}", stats::report("qemu-start→cairn line", &a));
    println!("{}", stats::report("kernel boot time", &b));
    if !args.modules.is_empty() {
        user_benchmarks(args)?;
    }
    Ok(())
}

/// Time limit for the user-space benchmark boot.
const USER_BENCH_TIMEOUT: Duration = Duration::from_secs(300);

/// Boots with `/bin/ubench` as init and prints the `BENCH` lines it reports.
fn user_benchmarks(args: &BenchArgs) -> Result<(), String> {
    let iso = args.build_dir.join("bench-user.iso");
    iso::build(&args.kernel, &iso, b"test=user init=/bin/ubench", &args.modules)?;
    let qemu_args = qemu::args(&MACHINE, &iso, Display::Headless, false)?;
    let boot = qemu::boot(&qemu_args, USER_BENCH_TIMEOUT, protocol::is_selftest_done, &[])?;
    let results: Vec<&str> = boot.lines.iter().map(|l| l.text.as_str()).filter(|l| l.starts_with("BENCH ")).collect();
    if results.is_empty() {
        return Err(format!("ubench reported nothing ({})", boot.end.describe()));
    }
    for line in results {
        println!("{line}");
    }
    Ok(())
}
