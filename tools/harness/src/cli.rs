//! Command-line parsing for `harness` (by hand; no argument-parser dependency). Pure: turns
//! the argument list into a [`Command`] or a usage error.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "\
usage:
  harness iso   --kernel ELF --out ISO [--cmdline STR] [--module PATH[:STRING]]...
  harness run   --iso ISO [--uefi] [--smp N] [--mem SIZE]
  harness test  --kernel ELF [--only SUBSTR] [--module PATH[:STRING]]... [--build-dir DIR] [--timeout SECS]
  harness bench --kernel ELF [--runs N] [--module PATH[:STRING]]... [--build-dir DIR]
  harness crash --kernel ELF [--rounds N] [--seed N] [--module PATH[:STRING]]... [--build-dir DIR]
  harness net-peer echo|sink FILE
  harness http-relay PORT

iso    make a hybrid BIOS+UEFI GRUB ISO that boots ELF with Multiboot2
run    boot ISO in QEMU (GTK window if $DISPLAY is set, else serial console in the terminal)
test   run the QEMU test suites; ends with the line `N passed, N failed` (--timeout
       replaces every selected suite's time limit, e.g. for a long `make fuzz` run)
bench  boot the default image several times and report boot-time median and range
crash  the ext3 crash test: N rounds (default 20) of QEMU killed during a write-heavy
       workload, the journal replayed by the next boot, then e2fsck -fn and every
       fsynced file checked on the host; ends with `N passed, N failed`
net-peer  a test's host-side TCP peer on standard input and output, which QEMU's guestfwd
       runs per connection: echo (or sink) what comes, then write `BYTES HASH` to FILE
http-relay  the net-http suite's guestfwd command: relays standard input and output to the
       harness's HTTP server on 127.0.0.1:PORT

--module copies PATH to /boot/<file name> on the ISO and loads it as a Multiboot2 module
with STRING (default: the file name). KVM=1 in the environment makes `run` and `test` use
KVM (`-enable-kvm -cpu host`); the default is TCG.";

/// A `--module PATH[:STRING]` argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleArg {
    pub path: PathBuf,
    pub string: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IsoArgs {
    pub kernel: PathBuf,
    pub out: PathBuf,
    pub cmdline: Vec<u8>,
    pub modules: Vec<ModuleArg>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunArgs {
    pub iso: PathBuf,
    pub uefi: bool,
    pub smp: u32,
    pub mem: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestArgs {
    pub kernel: PathBuf,
    pub only: Option<String>,
    pub modules: Vec<ModuleArg>,
    pub build_dir: PathBuf,
    /// Replaces every selected suite's time limit.
    pub timeout: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchArgs {
    pub kernel: PathBuf,
    pub runs: usize,
    pub modules: Vec<ModuleArg>,
    pub build_dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Iso(IsoArgs),
    Run(RunArgs),
    Test(TestArgs),
    Bench(BenchArgs),
    Crash(CrashArgs),
    /// `http-relay PORT`: the guestfwd command of the net-http suite (httppeer.rs).
    HttpRelay {
        port: u16,
    },
    /// `net-peer echo|sink FILE`: a guestfwd peer QEMU runs (netpeer.rs).
    NetPeer {
        mode: String,
        file: PathBuf,
    },
    Help,
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, String> {
    let mut args = Args(args.into_iter());
    let Some(sub) = args.0.next() else {
        return Err("no subcommand given".to_string());
    };
    match sub.to_str() {
        Some("iso") => parse_iso(args).map(Command::Iso),
        Some("run") => parse_run(args).map(Command::Run),
        Some("test") => parse_test(args).map(Command::Test),
        Some("bench") => parse_bench(args).map(Command::Bench),
        Some("crash") => parse_crash(args).map(Command::Crash),
        Some("http-relay") => args.number("http-relay").map(|port| Command::HttpRelay { port }),
        Some("net-peer") => {
            let mode = args.flag()?.ok_or("net-peer needs a mode (echo or sink)")?;
            let file = args.value("net-peer")?.into();
            Ok(Command::NetPeer { mode, file })
        }
        Some("help" | "-h" | "--help") => Ok(Command::Help),
        _ => Err(format!("unknown subcommand {sub:?}")),
    }
}

struct Args<I>(I);

impl<I: Iterator<Item = OsString>> Args<I> {
    /// The next flag, as text.
    fn flag(&mut self) -> Result<Option<String>, String> {
        match self.0.next() {
            None => Ok(None),
            Some(f) => f.into_string().map(Some).map_err(|f| format!("unexpected argument {f:?}")),
        }
    }

    /// The value following `flag`.
    fn value(&mut self, flag: &str) -> Result<OsString, String> {
        self.0.next().ok_or_else(|| format!("{flag} needs a value"))
    }

    fn text(&mut self, flag: &str) -> Result<String, String> {
        self.value(flag)?.into_string().map_err(|v| format!("{flag}: not UTF-8: {v:?}"))
    }

    fn number<T: std::str::FromStr>(&mut self, flag: &str) -> Result<T, String> {
        let v = self.text(flag)?;
        v.parse().map_err(|_| format!("{flag}: not a number: {v:?}"))
    }
}

fn required<T>(value: Option<T>, flag: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("{flag} is required"))
}

fn parse_module(v: OsString) -> Result<ModuleArg, String> {
    let bytes = v.into_vec();
    let (path, string) = match bytes.iter().position(|&b| b == b':') {
        Some(i) => (bytes[..i].to_vec(), bytes[i + 1..].to_vec()),
        None => {
            let name =
                PathBuf::from(OsStr::from_bytes(&bytes)).file_name().map(|n| n.as_bytes().to_vec()).unwrap_or_default();
            (bytes, name)
        }
    };
    if path.is_empty() {
        return Err("--module: empty path".to_string());
    }
    Ok(ModuleArg { path: PathBuf::from(OsString::from_vec(path)), string })
}

fn parse_iso<I: Iterator<Item = OsString>>(mut args: Args<I>) -> Result<IsoArgs, String> {
    let (mut kernel, mut out, mut cmdline, mut modules) = (None, None, Vec::new(), Vec::new());
    while let Some(flag) = args.flag()? {
        match flag.as_str() {
            "--kernel" => kernel = Some(args.value(&flag)?.into()),
            "--out" => out = Some(args.value(&flag)?.into()),
            "--cmdline" => cmdline = args.value(&flag)?.into_vec(),
            "--module" => modules.push(parse_module(args.value(&flag)?)?),
            _ => return Err(format!("iso: unknown option {flag:?}")),
        }
    }
    Ok(IsoArgs { kernel: required(kernel, "--kernel")?, out: required(out, "--out")?, cmdline, modules })
}

fn parse_run<I: Iterator<Item = OsString>>(mut args: Args<I>) -> Result<RunArgs, String> {
    let mut run = RunArgs { iso: PathBuf::new(), uefi: false, smp: 2, mem: "512M".to_string() };
    let mut iso = None;
    while let Some(flag) = args.flag()? {
        match flag.as_str() {
            "--iso" => iso = Some(args.value(&flag)?.into()),
            "--uefi" => run.uefi = true,
            "--smp" => run.smp = args.number(&flag)?,
            "--mem" => run.mem = args.text(&flag)?,
            _ => return Err(format!("run: unknown option {flag:?}")),
        }
    }
    if run.smp == 0 {
        return Err("--smp must be at least 1".to_string());
    }
    if run.mem.is_empty() || run.mem.contains(',') {
        return Err(format!("--mem: bad size {:?}", run.mem));
    }
    run.iso = required(iso, "--iso")?;
    Ok(run)
}

fn parse_test<I: Iterator<Item = OsString>>(mut args: Args<I>) -> Result<TestArgs, String> {
    let (mut kernel, mut only, mut modules, mut timeout) = (None, None, Vec::new(), None);
    let mut build_dir = PathBuf::from("build");
    while let Some(flag) = args.flag()? {
        match flag.as_str() {
            "--kernel" => kernel = Some(args.value(&flag)?.into()),
            "--only" => only = Some(args.text(&flag)?),
            "--module" => modules.push(parse_module(args.value(&flag)?)?),
            "--build-dir" => build_dir = args.value(&flag)?.into(),
            "--timeout" => timeout = Some(Duration::from_secs(args.number(&flag)?)),
            _ => return Err(format!("test: unknown option {flag:?}")),
        }
    }
    Ok(TestArgs { kernel: required(kernel, "--kernel")?, only, modules, build_dir, timeout })
}

/// `harness crash` arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrashArgs {
    pub kernel: PathBuf,
    pub rounds: u32,
    pub seed: u64,
    pub modules: Vec<ModuleArg>,
    pub build_dir: PathBuf,
}

fn parse_crash<I: Iterator<Item = OsString>>(mut args: Args<I>) -> Result<CrashArgs, String> {
    let (mut kernel, mut rounds, mut seed, mut modules) = (None, 20, 1, Vec::new());
    let mut build_dir = PathBuf::from("build");
    while let Some(flag) = args.flag()? {
        match flag.as_str() {
            "--kernel" => kernel = Some(args.value(&flag)?.into()),
            "--rounds" => rounds = args.number(&flag)?,
            "--seed" => seed = args.number(&flag)?,
            "--module" => modules.push(parse_module(args.value(&flag)?)?),
            "--build-dir" => build_dir = args.value(&flag)?.into(),
            _ => return Err(format!("crash: unknown option {flag:?}")),
        }
    }
    if rounds == 0 {
        return Err("--rounds must be at least 1".to_string());
    }
    Ok(CrashArgs { kernel: required(kernel, "--kernel")?, rounds, seed, modules, build_dir })
}

fn parse_bench<I: Iterator<Item = OsString>>(mut args: Args<I>) -> Result<BenchArgs, String> {
    let (mut kernel, mut runs, mut modules) = (None, 5, Vec::new());
    let mut build_dir = PathBuf::from("build");
    while let Some(flag) = args.flag()? {
        match flag.as_str() {
            "--kernel" => kernel = Some(args.value(&flag)?.into()),
            "--runs" => runs = args.number(&flag)?,
            "--module" => modules.push(parse_module(args.value(&flag)?)?),
            "--build-dir" => build_dir = args.value(&flag)?.into(),
            _ => return Err(format!("bench: unknown option {flag:?}")),
        }
    }
    if runs == 0 {
        return Err("--runs must be at least 1".to_string());
    }
    Ok(BenchArgs { kernel: required(kernel, "--kernel")?, runs, modules, build_dir })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Command, String> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn iso_with_cmdline_and_modules() {
        let c = p(&[
            "iso",
            "--kernel",
            "build/kernel.elf",
            "--out",
            "build/cairn.iso",
            "--cmdline",
            "test=kernel quiet",
            "--module",
            "build/initfs.img:initfs",
            "--module",
            "build/extra.bin",
        ])
        .unwrap();
        assert_eq!(
            c,
            Command::Iso(IsoArgs {
                kernel: "build/kernel.elf".into(),
                out: "build/cairn.iso".into(),
                cmdline: b"test=kernel quiet".to_vec(),
                modules: vec![
                    ModuleArg { path: "build/initfs.img".into(), string: b"initfs".to_vec() },
                    ModuleArg { path: "build/extra.bin".into(), string: b"extra.bin".to_vec() },
                ],
            })
        );
    }

    #[test]
    fn iso_cmdline_may_be_non_utf8() {
        let args = ["iso", "--kernel", "k", "--out", "o", "--cmdline"]
            .into_iter()
            .map(OsString::from)
            .chain([OsString::from_vec(b"a\xffb".to_vec())]);
        let Command::Iso(iso) = parse(args).unwrap() else { panic!("not iso") };
        assert_eq!(iso.cmdline, b"a\xffb");
    }

    #[test]
    fn run_defaults_and_options() {
        assert_eq!(
            p(&["run", "--iso", "x.iso"]).unwrap(),
            Command::Run(RunArgs { iso: "x.iso".into(), uefi: false, smp: 2, mem: "512M".into() })
        );
        assert_eq!(
            p(&["run", "--uefi", "--smp", "4", "--mem", "2G", "--iso", "x.iso"]).unwrap(),
            Command::Run(RunArgs { iso: "x.iso".into(), uefi: true, smp: 4, mem: "2G".into() })
        );
    }

    #[test]
    fn test_and_bench() {
        assert_eq!(
            p(&["test", "--kernel", "k", "--only", "bios"]).unwrap(),
            Command::Test(TestArgs {
                kernel: "k".into(),
                only: Some("bios".into()),
                modules: vec![],
                build_dir: "build".into(),
                timeout: None
            })
        );
        assert_eq!(
            p(&["test", "--kernel", "k", "--only", "fuzz", "--timeout", "3600"]).unwrap(),
            Command::Test(TestArgs {
                kernel: "k".into(),
                only: Some("fuzz".into()),
                modules: vec![],
                build_dir: "build".into(),
                timeout: Some(Duration::from_secs(3600))
            })
        );
        assert_eq!(
            p(&["bench", "--kernel", "k", "--runs", "3", "--build-dir", "b"]).unwrap(),
            Command::Bench(BenchArgs { kernel: "k".into(), runs: 3, modules: vec![], build_dir: "b".into() })
        );
    }

    #[test]
    fn errors() {
        assert!(p(&[]).is_err());
        assert!(p(&["frob"]).is_err());
        assert!(p(&["iso", "--kernel", "k"]).is_err());
        assert!(p(&["iso", "--kernel"]).is_err());
        assert!(p(&["run", "--iso", "x", "--smp", "many"]).is_err());
        assert!(p(&["run", "--iso", "x", "--smp", "0"]).is_err());
        assert!(p(&["run", "--iso", "x", "--mem", "1G,slots=2"]).is_err());
        assert!(p(&["test", "--kernel", "k", "--bogus"]).is_err());
        assert!(p(&["bench", "--kernel", "k", "--runs", "0"]).is_err());
        assert!(p(&["iso", "--kernel", "k", "--out", "o", "--module", ":x"]).is_err());
        assert_eq!(p(&["--help"]).unwrap(), Command::Help);
    }
}
