//! `ls [-1aACdhlnrR] [FILE...]`: lists files and directory contents, sorted
//! by name (bytewise; `-r` reverses). Names starting with `.` show only
//! with `-a` (which adds `.` and `..`) or `-A`. `-l` gives the long format:
//! mode string, links, owner and group (names from `/etc/passwd` and
//! `/etc/group`, numbers for ids they do not name or with `-n`, which
//! implies `-l`), size (`-h`: `1.5K`), the
//! modification time as `%b %e %H:%M` (UTC), the name and `-> TARGET` for
//! a symbolic link, after a `total` of 1 KiB blocks. `-R` lists
//! subdirectories too, `-d` lists directories themselves. Names go one a
//! line, or in columns (`-C`, or by default on a terminal, as wide as its
//! window; 80 columns otherwise). Exit status 2 for an operand that cannot
//! be listed, 1 for a problem further down.
#![no_std]
#![no_main]

use cairn_rt::fs::{self, EntryKind, Metadata};
use cairn_rt::{Error, String, ToString, Vec, tty};
use cairn_text::columns::{Fill, columns};
use cairn_text::human_size::{SizeBase, human_size};
use cairn_text::mode::mode_string;
use coreutils::args::{Arg, ArgParser};
use coreutils::clock::{file_seconds, format_time};
use coreutils::files::{join, sorted_entries};
use coreutils::system::Names;
use coreutils::tool::{self, Failure, Reason, Tool};

cairn_rt::main!(main);

/// Width of the column layout when the output is not a terminal.
const DEFAULT_WIDTH: usize = 80;
/// The exit status for an operand that cannot be listed.
const OPERAND_TROUBLE: i32 = 2;

/// Which entries starting with `.` are listed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hidden {
    Skip,
    /// `-A`: all but `.` and `..`.
    AlmostAll,
    /// `-a`: all, with `.` and `..`.
    All,
}

/// How names are laid out without `-l`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    OnePerLine,
    Columns(usize),
}

/// What the command line asked for.
struct Options {
    hidden: Hidden,
    long: bool,
    /// Owners as numbers (`-n`); otherwise names, read when needed.
    numeric: bool,
    human: bool,
    recursive: bool,
    directories_themselves: bool,
    reverse: bool,
    layout: Layout,
}

/// One name to list and what is known about it.
struct Entry {
    name: String,
    /// Known in the long format only.
    meta: Option<Metadata>,
    /// A symbolic link's target (long format).
    target: Option<String>,
}

fn main() -> i32 {
    tool::run("ls", list)
}

fn list(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let mut options = Options {
        hidden: Hidden::Skip,
        long: false,
        numeric: false,
        human: false,
        recursive: false,
        directories_themselves: false,
        reverse: false,
        layout: if tty::is_terminal(1) { Layout::Columns(terminal_width()) } else { Layout::OnePerLine },
    };
    let mut operands = Vec::new();
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('a') => options.hidden = Hidden::All,
            Arg::Short('A') => options.hidden = Hidden::AlmostAll,
            Arg::Short('l') => options.long = true,
            Arg::Short('n') => (options.long, options.numeric) = (true, true),
            Arg::Short('h') => options.human = true,
            Arg::Short('R') => options.recursive = true,
            Arg::Short('d') => options.directories_themselves = true,
            Arg::Short('r') => options.reverse = true,
            Arg::Short('1') => options.layout = Layout::OnePerLine,
            Arg::Short('C') => options.layout = Layout::Columns(terminal_width()),
            Arg::Long(name) if name == "all" => options.hidden = Hidden::All,
            Arg::Long(name) if name == "recursive" => options.recursive = true,
            Arg::Long(name) if name == "human-readable" => options.human = true,
            Arg::Operand(operand) => operands.push(operand),
            other => return Err(other.unexpected().into()),
        }
    }
    let several = operands.len() > 1;
    if operands.is_empty() {
        operands.push(String::from("."));
    }
    operands.sort_unstable();
    let (mut files, mut directories) = (Vec::new(), Vec::new());
    for operand in operands {
        let meta = if options.long || options.directories_themselves {
            fs::symlink_metadata(&operand)
        } else {
            fs::metadata(&operand)
        };
        match meta {
            Ok(meta) if meta.is_dir() && !options.directories_themselves => directories.push(operand),
            Ok(meta) => match entry(operand.clone(), &operand, Some(meta), &options) {
                Ok(found) => files.push(found),
                Err(error) => tool.report_with_status(&operand, Reason(&error), OPERAND_TROUBLE),
            },
            Err(error) => tool.report_with_status(&operand, Reason(&error), OPERAND_TROUBLE),
        }
    }
    if options.reverse {
        files.reverse();
        directories.reverse();
    }
    let mut first = files.is_empty();
    write_entries(tool, &files, &options, false)?;
    for directory in &directories {
        let heading = several || options.recursive || !files.is_empty();
        list_directory(tool, directory, &options, heading, first, OPERAND_TROUBLE)?;
        first = false;
    }
    Ok(())
}

/// The width of the terminal on standard output, or 80.
fn terminal_width() -> usize {
    tty::window_size(1).ok().map(|(_, width)| usize::from(width)).filter(|&width| width > 0).unwrap_or(DEFAULT_WIDTH)
}

/// The entry for `name` at `path`, with the metadata the format needs
/// (`meta` if it is known already).
fn entry(name: String, path: &str, meta: Option<Metadata>, options: &Options) -> Result<Entry, Error> {
    if !options.long {
        return Ok(Entry { name, meta: None, target: None });
    }
    let meta = match meta {
        Some(meta) => meta,
        None => fs::symlink_metadata(path)?,
    };
    let target = if meta.is_symlink() { fs::read_link(path).ok() } else { None };
    Ok(Entry { name, meta: Some(meta), target })
}

/// Lists directory `path` (after a `path:` heading if `heading`, and a
/// blank line unless it is the `first` thing printed); with `-R` its
/// subdirectories follow. A directory that cannot be read raises the exit
/// status to `trouble`.
fn list_directory(
    tool: &mut Tool,
    path: &str,
    options: &Options,
    heading: bool,
    first: bool,
    trouble: i32,
) -> Result<(), Failure> {
    if !first {
        tool.out.write(b"\n")?;
    }
    if heading {
        writeln!(tool.out, "{path}:")?;
    }
    let mut names = match sorted_entries(path) {
        Ok(names) => names,
        Err(error) => {
            tool.report_with_status(path, Reason(&error), trouble);
            return Ok(());
        }
    };
    names.retain(|(name, _)| options.hidden != Hidden::Skip || !name.starts_with('.'));
    if options.hidden == Hidden::All {
        names.insert(0, (String::from(".."), EntryKind::Dir));
        names.insert(0, (String::from("."), EntryKind::Dir));
    }
    if options.reverse {
        names.reverse();
    }
    let mut entries = Vec::with_capacity(names.len());
    for (name, _) in &names {
        let child = join(path, name);
        match entry(name.clone(), &child, None, options) {
            Ok(found) => entries.push(found),
            Err(error) => tool.report_error(&child, &error),
        }
    }
    write_entries(tool, &entries, options, true)?;
    if options.recursive {
        for (name, kind) in &names {
            if *kind == EntryKind::Dir && name != "." && name != ".." {
                list_directory(tool, &join(path, name), options, true, false, 1)?;
            }
        }
    }
    Ok(())
}

/// Writes `entries` in the chosen format; `total` adds the long format's
/// block total (for a directory's contents).
fn write_entries(tool: &mut Tool, entries: &[Entry], options: &Options, total: bool) -> Result<(), Failure> {
    if options.long {
        return write_long(tool, entries, options, total);
    }
    match options.layout {
        Layout::OnePerLine => {
            for entry in entries {
                writeln!(tool.out, "{}", entry.name)?;
            }
            Ok(())
        }
        Layout::Columns(width) => {
            let names: Vec<&[u8]> = entries.iter().map(|entry| entry.name.as_bytes()).collect();
            tool.out.write(&columns(&names, width, Fill::Down))
        }
    }
}

/// The long format: one line per entry, columns aligned.
fn write_long(tool: &mut Tool, entries: &[Entry], options: &Options, total: bool) -> Result<(), Failure> {
    let size = |meta: &Metadata| {
        if options.human { human_size(meta.len(), SizeBase::Binary) } else { meta.len().to_string() }
    };
    let known: Vec<(&Entry, &Metadata)> =
        entries.iter().filter_map(|entry| Some((entry, entry.meta.as_ref()?))).collect();
    if total {
        let blocks: u64 = known.iter().map(|(_, meta)| meta.stat().st_blocks).sum();
        let text =
            if options.human { human_size(blocks * 512, SizeBase::Binary) } else { blocks.div_ceil(2).to_string() };
        writeln!(tool.out, "total {text}")?;
    }
    let width =
        |field: &dyn Fn(&Metadata) -> String| known.iter().map(|(_, meta)| field(meta).len()).max().unwrap_or(0);
    let names = (!options.numeric).then(Names::load);
    let owner =
        |meta: &Metadata| names.as_ref().map_or_else(|| meta.stat().st_uid.to_string(), |n| n.user(meta.stat().st_uid));
    let group = |meta: &Metadata| {
        names.as_ref().map_or_else(|| meta.stat().st_gid.to_string(), |n| n.group(meta.stat().st_gid))
    };
    let links = width(&|meta| meta.stat().st_nlink.to_string());
    let owners = width(&owner);
    let groups = width(&group);
    let sizes = width(&size);
    for (entry, meta) in &known {
        let stat = meta.stat();
        let modified = format_time(file_seconds(stat.st_mtime), 0, "%b %e %H:%M");
        write!(
            tool.out,
            "{} {:>links$} {:<owners$} {:<groups$} {:>sizes$} {modified} {}",
            mode_string(u32::from(stat.st_mode)),
            stat.st_nlink,
            owner(meta),
            group(meta),
            size(meta),
            entry.name
        )?;
        match &entry.target {
            Some(target) => writeln!(tool.out, " -> {target}")?,
            None => writeln!(tool.out)?,
        }
    }
    Ok(())
}
