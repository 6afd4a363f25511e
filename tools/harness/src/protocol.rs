//! The serial-console protocol the Cairn kernel speaks, as seen from the host: turning raw
//! serial bytes into clean lines, and parsing the boot summary line, `TEST` result lines and
//! log lines. Pure functions only; no processes or I/O here.

/// The last line of every fatal report (exception or panic); the kernel halts after it.
pub const HALTED_LINE: &str = "cairn: halted";
/// Printed after the last `TEST` line when the cmdline asks for `test=kernel`.
const SELFTEST_DONE: &str = "SELFTEST DONE";
/// First line of a fatal CPU exception report.
pub const EXCEPTION_PREFIX: &str = "EXCEPTION: ";
/// First line of a kernel panic report.
pub const PANIC_PREFIX: &str = "PANIC: ";

/// Turns the raw bytes of one serial line into text: drops the line ending and every other
/// carriage return, drops ANSI escape sequences (firmware and GRUB paint the screen through
/// the serial port, and leave those in front of the kernel's first line), and replaces invalid
/// UTF-8 (the kernel may echo a garbled command line) with U+FFFD.
pub fn clean_line(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter().copied();
    while let Some(b) = bytes.next() {
        match b {
            b'\r' | b'\n' => {}
            // A Control Sequence Introducer runs up to its final byte; any other escape is
            // two bytes long (or a lone ESC at the end of the line).
            0x1b => {
                if bytes.next() == Some(b'[') {
                    for c in bytes.by_ref() {
                        if (0x40..=0x7e).contains(&c) {
                            break;
                        }
                    }
                }
            }
            _ => out.push(b),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `line` ends the self-tests: `SELFTEST DONE`, optionally followed by a space and
/// more text (such as counts).
pub fn is_selftest_done(line: &str) -> bool {
    line.strip_prefix(SELFTEST_DONE).is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
}

/// The boot summary line:
/// `cairn: <N> CPUs online, <M> MiB usable memory, boot <T> ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub cpus: u32,
    pub mem_mib: u64,
    pub boot_ms: u64,
}

/// Parses the boot summary line; `None` if `line` is anything else. `1 CPU online` is
/// accepted as well as `1 CPUs online`; all numbers are decimal integers.
pub fn parse_summary(line: &str) -> Option<Summary> {
    let rest = line.trim_end().strip_prefix("cairn: ")?;
    let (cpus, rest) = rest.split_once(' ')?;
    let rest = rest.strip_prefix("CPUs online, ").or_else(|| rest.strip_prefix("CPU online, "))?;
    let (mem, rest) = rest.split_once(' ')?;
    let boot = rest.strip_prefix("MiB usable memory, boot ")?.strip_suffix(" ms")?;
    Some(Summary { cpus: parse_decimal(cpus)?, mem_mib: parse_decimal(mem)?, boot_ms: parse_decimal(boot)? })
}

/// Parses a plain unsigned decimal (no sign, no spaces).
fn parse_decimal<T: std::str::FromStr>(s: &str) -> Option<T> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The verdict of one kernel self-test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestVerdict {
    Ok,
    Failed(String),
}

/// One `TEST <name> ... ok` or `TEST <name> ... FAILED: <reason>` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestLine<'a> {
    pub name: &'a str,
    pub verdict: TestVerdict,
}

/// Parses a self-test result line. `None` if the line does not start with `TEST `;
/// `Some(Err(why))` if it does but is malformed.
pub fn parse_test_line(line: &str) -> Option<Result<TestLine<'_>, String>> {
    let rest = line.trim_end().strip_prefix("TEST ")?;
    let Some((name, result)) = rest.split_once(" ... ") else {
        return Some(Err(format!("no ` ... ` in {line:?}")));
    };
    let name = name.trim();
    if name.is_empty() {
        return Some(Err(format!("empty test name in {line:?}")));
    }
    let verdict = if result == "ok" {
        TestVerdict::Ok
    } else if let Some(reason) = result.strip_prefix("FAILED") {
        let reason = reason.strip_prefix(':').unwrap_or(reason).trim();
        TestVerdict::Failed(if reason.is_empty() { "(no reason given)".to_string() } else { reason.to_string() })
    } else {
        return Some(Err(format!("result is neither `ok` nor `FAILED: …` in {line:?}")));
    };
    Some(Ok(TestLine { name, verdict }))
}

/// The log levels the kernel prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

/// One kernel log line: `[    0.012345] INFO  message`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogLine<'a> {
    pub level: Level,
    pub message: &'a str,
}

/// Parses a kernel log line; `None` for any other line.
pub fn parse_log_line(line: &str) -> Option<LogLine<'_>> {
    let (stamp, rest) = line.strip_prefix('[')?.split_once(']')?;
    let stamp = stamp.trim();
    if stamp.is_empty() || !stamp.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let rest = rest.trim_start();
    let (level, message) = rest.split_once(' ').unwrap_or((rest, ""));
    let level = match level {
        "ERROR" => Level::Error,
        "WARN" => Level::Warn,
        "INFO" => Level::Info,
        "DEBUG" => Level::Debug,
        "TRACE" => Level::Trace,
        _ => return None,
    };
    Some(LogLine { level, message: message.trim_start() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_line_strips_cr_lf_and_ansi() {
        assert_eq!(clean_line(b"hello\r\n"), "hello");
        assert_eq!(clean_line(b"\r[    0.000001] INFO  x\r\n"), "[    0.000001] INFO  x");
        assert_eq!(clean_line(b"\x1b[0m\x1b[37m\x1b[40m\x1b[2J\x1b[01;01H  Booting `Cairn'\n"), "  Booting `Cairn'");
        assert_eq!(clean_line(b"\x1b[=3hcairn: x"), "cairn: x");
        assert_eq!(clean_line(b"a\x1bcb"), "ab");
        assert_eq!(clean_line(b"trailing esc\x1b"), "trailing esc");
    }

    #[test]
    fn clean_line_keeps_odd_bytes() {
        assert_eq!(clean_line(b"a\x01b"), "a\u{1}b");
        assert_eq!(clean_line(b"a\xffb\n"), "a\u{fffd}b");
    }

    #[test]
    fn selftest_done() {
        assert!(is_selftest_done("SELFTEST DONE"));
        assert!(is_selftest_done("SELFTEST DONE (12 ok, 0 failed)"));
        assert!(!is_selftest_done("SELFTEST DONEISH"));
        assert!(!is_selftest_done("[ 0.1] INFO  SELFTEST DONE"));
    }

    #[test]
    fn summary_line_parses() {
        assert_eq!(
            parse_summary("cairn: 4 CPUs online, 499 MiB usable memory, boot 45 ms"),
            Some(Summary { cpus: 4, mem_mib: 499, boot_ms: 45 })
        );
        assert_eq!(
            parse_summary("cairn: 1 CPU online, 250 MiB usable memory, boot 0 ms  "),
            Some(Summary { cpus: 1, mem_mib: 250, boot_ms: 0 })
        );
    }

    #[test]
    fn summary_line_rejects_other_lines() {
        for line in [
            "cairn: halted",
            "",
            "cairn: 4 CPUs online, 499 MiB usable memory",
            "cairn: four CPUs online, 499 MiB usable memory, boot 45 ms",
            "cairn: -4 CPUs online, 499 MiB usable memory, boot 45 ms",
            "cairn: 4 CPUs online, 499 MiB usable memory, boot 45.5 ms",
            "cairn: 4 CPUs online, 499 GiB usable memory, boot 45 ms",
            "cairn: 4 CPUs online, 499 MiB usable memory, boot 45 s",
            "[    0.1] INFO  cairn: 4 CPUs online, 499 MiB usable memory, boot 45 ms",
            "cairn: 99999999999 CPUs online, 1 MiB usable memory, boot 1 ms",
        ] {
            assert_eq!(parse_summary(line), None, "{line:?}");
        }
    }

    #[test]
    fn test_lines_parse() {
        assert_eq!(
            parse_test_line("TEST alloc::basic ... ok"),
            Some(Ok(TestLine { name: "alloc::basic", verdict: TestVerdict::Ok }))
        );
        assert_eq!(
            parse_test_line("TEST sched ... FAILED: expected 3, got 4 ... really"),
            Some(Ok(TestLine { name: "sched", verdict: TestVerdict::Failed("expected 3, got 4 ... really".into()) }))
        );
        assert_eq!(
            parse_test_line("TEST x ... FAILED"),
            Some(Ok(TestLine { name: "x", verdict: TestVerdict::Failed("(no reason given)".into()) }))
        );
    }

    #[test]
    fn test_lines_malformed_or_absent() {
        assert_eq!(parse_test_line("SELFTEST DONE"), None);
        assert_eq!(parse_test_line("TESTING"), None);
        assert_eq!(parse_test_line("[ 0.1] INFO  TEST x ... ok"), None);
        assert!(matches!(parse_test_line("TEST x ok"), Some(Err(_))));
        assert!(matches!(parse_test_line("TEST  ... ok"), Some(Err(_))));
        assert!(matches!(parse_test_line("TEST x ... okay"), Some(Err(_))));
    }

    #[test]
    fn log_lines_parse() {
        assert_eq!(
            parse_log_line("[    0.012345] INFO  framebuffer: 1024x768"),
            Some(LogLine { level: Level::Info, message: "framebuffer: 1024x768" })
        );
        assert_eq!(
            parse_log_line("[1.5] WARN cmdline: unknown word"),
            Some(LogLine { level: Level::Warn, message: "cmdline: unknown word" })
        );
        assert_eq!(parse_log_line("[    0.000001] ERROR"), Some(LogLine { level: Level::Error, message: "" }));
        assert_eq!(parse_log_line("[x] INFO  a"), None);
        assert_eq!(parse_log_line("[    0.1] NOTICE a"), None);
        assert_eq!(parse_log_line("cairn: halted"), None);
    }
}
