//! `df [-h] [FILE...]`: space on the file systems — the root and every
//! mount, or those holding each FILE: `Filesystem Size Used Avail Use%
//! Mounted on`, in 1K blocks or with `-h` in powers of 1024 (`1.5G`), as
//! GNU df prints them.
#![no_std]
#![no_main]

use cairn_rt::mount::{self, MountEntry};
use cairn_rt::{String, Vec, format, fs};
use cairn_text::human_size::{SizeBase, human_size};
use cairn_text::path::normalize;
use coreutils::args::{Arg, ArgParser};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

fn main() -> i32 {
    tool::run("df", df)
}

fn df(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let (mut human, mut files) = (false, Vec::new());
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('h') => human = true,
            Arg::Long(name) if name == "human-readable" => human = true,
            Arg::Operand(operand) => files.push(operand),
            other => return Err(other.unexpected().into()),
        }
    }
    let mounts = mount::mounts().map_err(|error| Failure::path(mount::MOUNT_TABLE, error))?;
    // (source, mount point, a path on it)
    let mut rows: Vec<(String, String, String)> = Vec::new();
    if files.is_empty() {
        rows.push((String::from("rootfs"), String::from("/"), String::from("/")));
        rows.extend(mounts.iter().map(|entry| (entry.source.clone(), entry.point.clone(), entry.point.clone())));
    } else {
        let cwd = cairn_rt::env::current_dir().unwrap_or_else(|_| String::from("/"));
        for file in files {
            let absolute = normalize(&if file.starts_with('/') { file.clone() } else { format!("{cwd}/{file}") });
            let holder = mounts
                .iter()
                .filter(|entry| absolute == entry.point || absolute.starts_with(&format!("{}/", entry.point)))
                .max_by_key(|entry| entry.point.len());
            let (source, point) = holder.map_or((String::from("rootfs"), String::from("/")), |entry: &MountEntry| {
                (entry.source.clone(), entry.point.clone())
            });
            rows.push((source, point, file));
        }
    }
    let size_header = if human { "Size" } else { "1K-blocks" };
    writeln!(
        tool.out,
        "{:<20} {:>9} {:>9} {:>9} {:>4} Mounted on",
        "Filesystem", size_header, "Used", "Avail", "Use%"
    )?;
    for (source, point, path) in rows {
        let statistics = match fs::statvfs(&path) {
            Ok(statistics) => statistics,
            Err(error) => {
                tool.report_error(&path, &error);
                continue;
            }
        };
        let block = u64::from(statistics.f_bsize);
        let (total, free, available) =
            (statistics.f_blocks * block, statistics.f_bfree * block, statistics.f_bavail * block);
        let used = total.saturating_sub(free);
        // GNU rounds the percentage up, of the space non-root users may use.
        let usable = used + available;
        let percent = if usable == 0 { String::from("-") } else { format!("{}%", (used * 100).div_ceil(usable)) };
        let show =
            |bytes: u64| if human { human_size(bytes, SizeBase::Binary) } else { format!("{}", bytes.div_ceil(1024)) };
        writeln!(
            tool.out,
            "{source:<20} {:>9} {:>9} {:>9} {percent:>4} {point}",
            show(total),
            show(used),
            show(available)
        )?;
    }
    Ok(())
}
