//! What the system tools (`ps`, `top`, `uptime`, `dmesg`, `id`, `whoami`,
//! `stat`) read: the text files of the kernel's `sys` scheme
//! (`/scheme/sys/processes`, `cpus`, `uptime`, `log`; see
//! `kernel/src/sysinfo.rs`) parsed into rows, the uptime summary and the
//! process table `uptime`, `ps` and `top` print, and user and group names
//! from `/etc/passwd` and `/etc/group` (an id they do not name is shown as
//! its number).
//!
//! Depends on `cairn-rt`, `cairn-accounts`, [`crate::clock`],
//! [`crate::output`] and [`crate::tool`].

use cairn_accounts::{Accounts, GROUP, Gid, PASSWD, Uid};
use cairn_rt::time::Duration;
use cairn_rt::{Error, String, ToString, Vec, format, fs};

use crate::clock::{format_time, format_uptime, now};
use crate::output::Output;
use crate::tool::Failure;

/// Where the `sys` scheme's files are.
const SYS: &str = "/scheme/sys";

/// The text of `sys` file `name`; a failure names the file.
pub fn read_sys(name: &str) -> Result<String, Failure> {
    let path = format!("{SYS}/{name}");
    fs::read_to_string(&path).map_err(|error| Failure::path(&path, error))
}

/// User and group names, read once from [`PASSWD`] and [`GROUP`] (a file
/// that cannot be read names nobody).
pub struct Names(Accounts);

impl Names {
    pub fn load() -> Names {
        let read = |path: &str| fs::read_to_string(path).unwrap_or_default();
        Names(Accounts::parse(&read(PASSWD), &read(GROUP)))
    }

    /// The name of user `uid`, or its number.
    pub fn user(&self, uid: u32) -> String {
        self.0.user_name(Uid(uid)).map_or_else(|| uid.to_string(), String::from)
    }

    /// The name of group `gid`, or its number.
    pub fn group(&self, gid: u32) -> String {
        self.0.group_name(Gid(gid)).map_or_else(|| gid.to_string(), String::from)
    }
}

/// One line of `/scheme/sys/processes`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessRow {
    pub pid: u64,
    pub ppid: u64,
    pub pgid: u64,
    pub sid: u64,
    pub uid: u32,
    /// `R` running, `T` stopped, `Z` zombie.
    pub state: String,
    pub threads: u64,
    /// User memory present in its page tables (KiB).
    pub resident_kib: u64,
    /// Kernel memory it holds: page tables and its threads' kernel stacks.
    pub kernel_kib: u64,
    /// The program the process runs.
    pub name: String,
}

/// Every process, in pid order (lines that do not parse are skipped).
pub fn processes() -> Result<Vec<ProcessRow>, Failure> {
    let text = read_sys("processes")?;
    let mut rows: Vec<ProcessRow> = text.lines().skip(1).filter_map(parse_process).collect();
    rows.sort_unstable_by_key(|row| row.pid);
    Ok(rows)
}

/// Parses `PID PPID PGID SID UID STATE THREADS RSS_KIB KMEM_KIB NAME`
/// (the name may hold blanks).
fn parse_process(line: &str) -> Option<ProcessRow> {
    let mut fields = line.splitn(10, ' ');
    let mut number = || fields.next()?.parse::<u64>().ok();
    let (pid, ppid, pgid, sid, uid) = (number()?, number()?, number()?, number()?, number()?);
    let state = String::from(fields.next()?);
    let threads = fields.next()?.parse().ok()?;
    let resident_kib = fields.next()?.parse().ok()?;
    let kernel_kib = fields.next()?.parse().ok()?;
    let name = String::from(fields.next().unwrap_or(""));
    Some(ProcessRow {
        pid,
        ppid,
        pgid,
        sid,
        uid: u32::try_from(uid).ok()?,
        state,
        threads,
        resident_kib,
        kernel_kib,
        name,
    })
}

/// One line of `/scheme/sys/cpus`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuRow {
    pub index: u64,
    pub context_switches: u64,
    /// Timer ticks since boot, and those that interrupted user code.
    pub ticks: u64,
    pub user_ticks: u64,
}

/// The counters of every online CPU.
pub fn cpus() -> Result<Vec<CpuRow>, Failure> {
    Ok(read_sys("cpus")?.lines().filter_map(parse_cpu).collect())
}

/// Parses `cpu N apic N switches N ticks N user_ticks N`.
fn parse_cpu(line: &str) -> Option<CpuRow> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let value = |key: &str| words.iter().position(|word| *word == key).and_then(|at| words.get(at + 1)?.parse().ok());
    Some(CpuRow {
        index: value("cpu")?,
        context_switches: value("switches")?,
        ticks: value("ticks")?,
        user_ticks: value("user_ticks")?,
    })
}

/// The time since boot (`/scheme/sys/uptime`: `SECONDS.MICROSECONDS`).
pub fn uptime() -> Result<Duration, Failure> {
    let text = read_sys("uptime")?;
    let parsed =
        text.trim().split_once('.').and_then(|(seconds, micros)| Some((seconds.parse().ok()?, micros.parse().ok()?)));
    let (seconds, micros) = parsed
        .ok_or_else(|| Failure::path(&format!("{SYS}/uptime"), Error::from_errno(cairn_rt::abi::error::EINVAL)))?;
    Ok(Duration::from_secs(seconds) + Duration::from_micros(micros))
}

/// The part of `uptime`'s line `top` repeats: the time of day, the time
/// since boot and the number of processes (`10:20:30 up 28 min,  14
/// processes`).
pub fn uptime_summary(processes: usize) -> Result<String, Failure> {
    let (seconds, _) = now();
    Ok(format!("{} up {},  {processes} processes", format_time(seconds, 0, "%H:%M:%S"), format_uptime(uptime()?)))
}

/// Writes the process table of `ps` and `top`: a header, then one line per
/// process.
pub fn write_processes(out: &mut Output, rows: &[ProcessRow]) -> Result<(), Failure> {
    let names = Names::load();
    let users: Vec<String> = rows.iter().map(|row| names.user(row.uid)).collect();
    let width = users.iter().map(String::len).chain([4]).max().unwrap_or(4);
    writeln!(
        out,
        "{:>5} {:>5} {:>5} {:>5} {:<width$} S THR {:>7} {:>6} CMD",
        "PID", "PPID", "PGID", "SID", "USER", "RSS", "KMEM"
    )?;
    for (row, user) in rows.iter().zip(&users) {
        writeln!(
            out,
            "{:>5} {:>5} {:>5} {:>5} {user:<width$} {} {:>3} {:>7} {:>6} {}",
            row.pid, row.ppid, row.pgid, row.sid, row.state, row.threads, row.resident_kib, row.kernel_kib, row.name
        )?;
    }
    Ok(())
}
