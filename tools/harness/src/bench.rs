//! `harness bench`: boots the default image (empty command line) several times under TCG and
//! reports the median and range of the time from QEMU's start to the `cairn: ` summary line,
//! and of the boot time the kernel itself reports on that line. With an initfs module it then
//! boots once more running `/bin/ubench` as init and prints its `BENCH` lines, and boots the
//! default system again several times, typing at its serial shell, for the time to the first
//! prompt, a 100,000-line pipeline and a shell loop starting 1,000 processes.

use std::time::Duration;

use crate::cli::BenchArgs;
use crate::hosttools;
use crate::iso;
use crate::protocol;
use crate::qemu::{self, Display, Firmware, Input, Machine, Step, Wait};
use crate::stats;
use crate::suites::PROMPT;

/// The benchmark machine: a plain BIOS PC, fixed so numbers stay comparable.
const MACHINE: Machine<'static> =
    Machine { model: "pc", firmware: Firmware::Bios, smp: 2, mem: "256M", vga_none: false, devices: &[] };
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
        shell_benchmarks(args, &qemu_args)?;
    }
    Ok(())
}

/// What the shell benchmark types: each command's `time` line is waited for.
const SHELL_BENCH: &[Step] = &[
    Step { name: "prompt", wait: Wait::Serial(PROMPT), then: Input::Serial("time sh -c 'seq 1 100000 | wc -l'\r") },
    Step {
        name: "pipeline",
        wait: Wait::Serial("real "),
        then: Input::Serial("time sh -c 'i=0; while [ $i -lt 1000 ]; do /bin/true; i=$((i+1)); done'\r"),
    },
    Step { name: "loop", wait: Wait::Serial("real "), then: Input::Serial("poweroff\r") },
];

/// Milliseconds of a `time` report (`real 1m2.345s`).
fn real_millis(line: &str) -> Option<u64> {
    let (minutes, seconds) = line.trim().strip_prefix("real ")?.strip_suffix('s')?.split_once('m')?;
    let (whole, fraction) = seconds.split_once('.')?;
    let minutes: u64 = minutes.parse().ok()?;
    Some(minutes * 60_000 + whole.parse::<u64>().ok()? * 1000 + fraction.parse::<u64>().ok()?)
}

/// Boots the default system and types at its serial shell, `runs` times.
fn shell_benchmarks(args: &BenchArgs, qemu_args: &[std::ffi::OsString]) -> Result<(), String> {
    let (mut prompt, mut pipeline, mut spawning) = (Vec::new(), Vec::new(), Vec::new());
    for run in 1..=args.runs {
        let boot = qemu::boot(qemu_args, USER_BENCH_TIMEOUT, |_| false, SHELL_BENCH)?;
        let Some(Some(at)) = boot.steps.first().map(|(_, at)| *at) else {
            return Err(format!("run {run}: no shell prompt ({})", boot.end.describe()));
        };
        let reals: Vec<u64> = boot.lines.iter().filter_map(|l| real_millis(&l.text)).collect();
        let [seq, loop_ms] = reals[..] else {
            return Err(format!("run {run}: expected two `time` reports, got {reals:?} ({})", boot.end.describe()));
        };
        let to_prompt = u64::try_from(at.as_millis()).unwrap_or(u64::MAX);
        println!("run {run}: prompt after {to_prompt} ms; seq|wc {seq} ms; 1000 x /bin/true {loop_ms} ms");
        prompt.push(to_prompt);
        pipeline.push(seq);
        spawning.push(loop_ms);
    }
    for (what, values) in [
        ("qemu-start→first shell prompt", &prompt),
        ("`seq 1 100000 | wc -l`", &pipeline),
        ("shell loop of 1000 /bin/true", &spawning),
    ] {
        let spread = stats::spread(values).ok_or("no runs")?;
        println!("{}", stats::report(what, &spread));
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

#[cfg(test)]
mod tests {
    use super::real_millis;

    #[test]
    fn time_reports_parse() {
        assert_eq!(real_millis("real 0m0.012s"), Some(12));
        assert_eq!(real_millis("real 2m3.456s\r"), Some(123_456));
        assert_eq!(real_millis("user 0m0.012s"), None);
        assert_eq!(real_millis("real 0m0.012"), None);
        assert_eq!(real_millis("real xm0.1s"), None);
    }
}
