//! `harness`: the one host tool that makes Cairn ISO images, boots Cairn in QEMU, runs the
//! QEMU test suites and the boot benchmark (see `harness --help`). A host program using std
//! only; it drives `grub-mkrescue` and `qemu-system-x86_64` and shares no code with the
//! kernel — the serial-console protocol in `protocol` is the whole interface.
//!
//! Exit status: 0 on success, 1 when tests fail, 2 for usage or environment errors; `run`
//! becomes QEMU and so exits with QEMU's status.

mod bench;
mod cli;
mod crash;
mod desktopcheck;
mod diskcheck;
mod ext2check;
mod hosttools;
mod httppeer;
mod iso;
mod netpeer;
mod pcicheck;
mod peerrun;
mod protocol;
mod qemu;
mod screen;
mod stats;
mod suites;
mod tableimage;
mod testrun;

use std::process::ExitCode;

use cairn_grubcfg as grubcfg;

use cli::{Command, RunArgs};
use qemu::{Display, Firmware, Machine};

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args_os().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("harness: {e}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help => {
            println!("{}", cli::USAGE);
            Ok(ExitCode::SUCCESS)
        }
        Command::Iso(a) => iso::build(&a.kernel, &a.out, &a.cmdline, &a.modules).map(|()| ExitCode::SUCCESS),
        Command::Run(a) => Err(run(&a)),
        Command::Test(a) => testrun::run(&a).map(|ok| if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }),
        Command::Bench(a) => bench::run(&a).map(|()| ExitCode::SUCCESS),
        Command::Crash(a) => crash::run(&a).map(|ok| if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }),
        Command::NetPeer { mode, file } => netpeer::serve_stdio(&mode, &file).map(|()| ExitCode::SUCCESS),
        Command::HttpRelay { port } => httppeer::relay(port).map(|()| ExitCode::SUCCESS),
    };
    result.unwrap_or_else(|e| {
        eprintln!("harness: error: {e}");
        ExitCode::from(2)
    })
}

/// The host port `harness run` forwards to the guest's port 80 (where the README's tour
/// starts `httpd`), when it is free; another free port otherwise.
const RUN_HTTP_PORT: u16 = 8080;

/// The NIC of `harness run`: a virtio-net on QEMU's user network, `restrict=on` (nothing
/// reaches outside QEMU; DHCP gives 10.0.2.15 and the gateway 10.0.2.2 answers pings), and
/// 127.0.0.1:`http_port` on the host forwarded to the guest's port 80.
fn run_nic(http_port: u16) -> [String; 4] {
    [
        "-netdev".into(),
        format!("user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:{http_port}-:80"),
        "-device".into(),
        "virtio-net-pci,netdev=net0".into(),
    ]
}

/// [`RUN_HTTP_PORT`] if nothing on the host listens there, else a free port of 127.0.0.1.
fn free_http_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", RUN_HTTP_PORT))
        .or_else(|_| std::net::TcpListener::bind(("127.0.0.1", 0)))?;
    Ok(listener.local_addr()?.port())
}

/// Boots `args.iso` interactively by becoming QEMU; returns only with an error.
fn run(args: &RunArgs) -> String {
    if let Err(e) = hosttools::require(&[hosttools::QEMU]) {
        return e;
    }
    if !args.iso.is_file() {
        return format!("{} does not exist (make it with `harness iso`)", args.iso.display());
    }
    let http_port = match free_http_port() {
        Ok(port) => port,
        Err(e) => return format!("no free port on 127.0.0.1 for the guest's web server: {e}"),
    };
    let nic = run_nic(http_port);
    let devices: Vec<&str> = nic.iter().map(String::as_str).collect();
    let machine = Machine {
        model: "q35",
        firmware: if args.uefi { Firmware::Uefi } else { Firmware::Bios },
        smp: args.smp,
        mem: &args.mem,
        vga_none: false,
        devices: &devices,
    };
    eprintln!("harness: http://127.0.0.1:{http_port}/ on this host reaches port 80 of the guest (`httpd -p 80 DIR`)");
    let display =
        if std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()) { Display::Gtk } else { Display::Terminal };
    match qemu::args(&machine, &args.iso, display, hosttools::kvm_requested()) {
        Ok(qemu_args) => qemu::exec(&qemu_args),
        Err(e) => e,
    }
}
