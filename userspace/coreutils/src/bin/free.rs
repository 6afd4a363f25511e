//! `free [-b|-k|-m|-h]`: prints the machine's total, used and free
//! physical memory, in KiB by default, bytes (`-b`), MiB (`-m`) or with
//! units (`-h`: `503Mi`). Cairn has no swap, shared memory accounting or
//! page cache, so GNU's other columns and the swap line are left out.
#![no_std]
#![no_main]

use cairn_rt::{String, format, sys};
use cairn_text::human_size::{SizeBase, human_size};
use coreutils::args::{Arg, ArgParser};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// How sizes are shown.
#[derive(Clone, Copy)]
enum Unit {
    Bytes,
    Kibibytes,
    Mebibytes,
    Human,
}

fn main() -> i32 {
    tool::run("free", free)
}

fn free(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut unit = Unit::Kibibytes;
    while let Some(arg) = args.next_arg()? {
        unit = match arg {
            Arg::Short('b') => Unit::Bytes,
            Arg::Short('k') => Unit::Kibibytes,
            Arg::Short('m') => Unit::Mebibytes,
            Arg::Short('h') => Unit::Human,
            other => return Err(other.unexpected().into()),
        };
    }
    let info = sys::memory_info().map_err(|error| Failure::path("memory_info", error))?;
    let (total, free) = (info.total_frames * info.frame_size, info.free_frames * info.frame_size);
    let show = |bytes: u64| -> String {
        match unit {
            Unit::Bytes => format!("{bytes}"),
            Unit::Kibibytes => format!("{}", bytes / 1024),
            Unit::Mebibytes => format!("{}", bytes / (1024 * 1024)),
            Unit::Human => {
                let size = human_size(bytes, SizeBase::Binary);
                // GNU free writes binary units as `Ki`, `Mi`, ... and bytes as `B`.
                if size.ends_with(|c: char| c.is_ascii_digit()) { format!("{size}B") } else { format!("{size}i") }
            }
        }
    };
    writeln!(tool.out, "{:<7}{:>12}{:>12}{:>12}", "", "total", "used", "free")?;
    writeln!(tool.out, "{:<7}{:>12}{:>12}{:>12}", "Mem:", show(total), show(total.saturating_sub(free)), show(free))
}
