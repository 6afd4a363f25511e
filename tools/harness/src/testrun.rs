//! `harness test`: builds one ISO per distinct kernel command line, boots every selected
//! suite in turn, saves each serial log to `<build>/test-logs/<suite>.log`, prints one line
//! per test and ends with `N passed, N failed`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::cli::TestArgs;
use crate::hosttools;
use crate::httppeer;
use crate::iso;
use crate::netpeer;
use crate::qemu::{self, Boot, Display, Firmware};
use crate::suites::{self, Suite};
use crate::tableimage;
use crate::{diskcheck, ext2check};

/// How many serial lines of a failing suite's log to show.
const TAIL_LINES: usize = 30;

/// Runs the suites; `Ok(true)` iff every test passed.
pub fn run(args: &TestArgs) -> Result<bool, String> {
    let selected = suites::select(args.only.as_deref());
    if selected.is_empty() {
        return Err(format!(
            "no suite name contains {:?}; suites: {}",
            args.only.as_deref().unwrap_or(""),
            suites::SUITES.iter().map(|s| s.name).collect::<Vec<_>>().join(", ")
        ));
    }
    hosttools::require(&[&[hosttools::QEMU], hosttools::ISO_TOOLS].concat())?;
    if selected.iter().any(|s| s.machine.firmware == Firmware::Uefi) {
        hosttools::find_ovmf()?;
    }
    let log_dir = args.build_dir.join("test-logs");
    fs::create_dir_all(&log_dir).map_err(|e| format!("creating {}: {e}", log_dir.display()))?;
    let kvm = hosttools::kvm_requested();

    let mut isos: HashMap<&[u8], PathBuf> = HashMap::new();
    let (mut passed, mut failed) = (0usize, 0usize);
    for suite in selected {
        let iso = match isos.get(suite.cmdline) {
            Some(p) => p.clone(),
            None => {
                let out = args.build_dir.join("test-iso").join(format!("{}.iso", iso_key(suite.cmdline)));
                iso::build(&args.kernel, &out, suite.cmdline, &args.modules)?;
                isos.insert(suite.cmdline, out.clone());
                out
            }
        };
        for check in suite.checks {
            match check {
                suites::Check::DiskImage { path, .. } => diskcheck::prepare(Path::new(path))?,
                suites::Check::TableImage { image, .. } => tableimage::prepare(*image)?,
                suites::Check::Ext2Image { path, .. } => ext2check::prepare(Path::new(path))?,
                suites::Check::Ext2Vanished { path, .. } => ext2check::prepare_vanishing(Path::new(path))?,
                _ => {}
            }
        }
        println!("== {} ({}; cmdline \"{}\")", suite.name, suite.machine.describe(), suite.cmdline.escape_ascii());
        flush();
        let started = Instant::now();
        let host_peers = match suite.checks.iter().any(|c| matches!(c, suites::Check::HostPeer { .. })) {
            true => Some(netpeer::start()?),
            false => None,
        };
        let http_peers = match suite.checks.iter().any(|c| matches!(c, suites::Check::HttpPeer { .. })) {
            true => Some(httppeer::start()?),
            false => None,
        };
        let boot = qemu::args(&suite.machine, &iso, Display::Headless, kvm).and_then(|mut a| {
            a.extend(host_peers.iter().flat_map(|p| p.qemu_args.iter().cloned()));
            a.extend(http_peers.iter().flat_map(|p| p.qemu_args.iter().cloned()));
            qemu::boot(&a, args.timeout.unwrap_or(suite.timeout), suites::is_stop_line, suite.session).map(|b| (a, b))
        });
        if let Some(peers) = host_peers {
            peers.finish();
        }
        if let Some(peers) = http_peers {
            peers.finish();
        }
        let log_path = log_dir.join(format!("{}.log", suite.name));
        let (log, results) = match &boot {
            Ok((qemu_args, b)) => (log_text(b, qemu_args), suites::evaluate(suite, Ok(b))),
            Err(why) => (format!("--- harness: {why}\n"), suites::evaluate(suite, Err(why))),
        };
        fs::write(&log_path, log).map_err(|e| format!("writing {}: {e}", log_path.display()))?;
        let mut suite_failed = false;
        for r in &results {
            match &r.outcome {
                Ok(()) => {
                    passed += 1;
                    println!("ok   {}", r.name);
                }
                Err(why) => {
                    failed += 1;
                    suite_failed = true;
                    println!("FAIL {}: {why}", r.name);
                }
            }
        }
        if suite_failed && let Ok((_, b)) = &boot {
            print_tail(suite, b, &log_path);
        }
        println!("== {}: {:.1} s", suite.name, started.elapsed().as_secs_f64());
        flush();
    }
    println!("{passed} passed, {failed} failed");
    Ok(failed == 0)
}

fn flush() {
    // Progress output only; a closed stdout shows up on the next println anyway.
    let _ = std::io::stdout().flush();
}

/// The saved log: every serial line, then how QEMU ended, its command line and its stderr.
fn log_text(boot: &Boot, qemu_args: &[std::ffi::OsString]) -> String {
    let mut text = String::new();
    for l in &boot.lines {
        text.push_str(&l.text);
        text.push('\n');
    }
    let _ = writeln!(text, "--- harness: {}", boot.end.describe());
    let _ = writeln!(text, "--- harness: {}", qemu::command_line(qemu_args));
    if !boot.stderr.trim().is_empty() {
        text.push_str("--- qemu stderr:\n");
        text.push_str(&boot.stderr);
        if !boot.stderr.ends_with('\n') {
            text.push('\n');
        }
    }
    text
}

fn print_tail(suite: &Suite, boot: &Boot, log_path: &Path) {
    let skip = boot.lines.len().saturating_sub(TAIL_LINES);
    println!(
        "   --- {}: last {} serial lines (full log: {}):",
        suite.name,
        boot.lines.len() - skip,
        log_path.display()
    );
    for l in &boot.lines[skip..] {
        println!("   | {}", l.text);
    }
    println!("   --- {}", boot.end.describe());
    for l in boot.stderr.lines().filter(|l| !l.trim().is_empty()) {
        println!("   qemu: {l}");
    }
}

/// A file-name-safe key for a command line: its safe characters (at most 24) and a hash.
fn iso_key(cmdline: &[u8]) -> String {
    let mut key: String = cmdline
        .iter()
        .take(24)
        .map(|&b| if b.is_ascii_alphanumeric() || b == b'-' { b as char } else { '_' })
        .collect();
    // FNV-1a: stable across runs and platforms, unlike std's randomised hasher.
    let hash =
        cmdline.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let _ = write!(key, "-{:08x}", hash as u32);
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qemu::{End, Line};
    use std::time::Duration;

    #[test]
    fn iso_keys_are_safe_and_distinct() {
        let a = iso_key(b"test=kernel");
        assert!(a.starts_with("test_kernel-"), "{a}");
        assert_eq!(a, iso_key(b"test=kernel"));
        assert_ne!(a, iso_key(b"test=kernel "));
        let g = iso_key(suites::SUITES.iter().find(|s| s.name == "garbled-cmdline").unwrap().cmdline);
        assert!(g.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{g}");
        assert_eq!(iso_key(b""), "-84222325");
    }

    #[test]
    fn log_has_lines_and_footer() {
        let b = Boot {
            lines: vec![Line { at: Duration::ZERO, text: "SELFTEST DONE".into() }],
            steps: Vec::new(),
            end: End::Exited(Some(1)),
            stderr: "warning: x".into(),
            monitor: Vec::new(),
        };
        let t = log_text(&b, &["-m".into(), "256M".into()]);
        assert_eq!(
            t,
            "SELFTEST DONE\n--- harness: QEMU exit 1 (exit port: success)\n\
             --- harness: qemu-system-x86_64 -m 256M\n--- qemu stderr:\nwarning: x\n"
        );
    }
}
