//! `lspci [-n|-nn] [-v] [-x...] [-D]`: lists every PCI function the kernel
//! found at boot, read from `/scheme/pci/SSSS-BB-DD.F/info`, as pciutils'
//! `lspci` does; names come from `/usr/share/misc/pci.ids` (the PCI ID
//! Repository's database, packed into the initfs at build time). `-x`
//! dumps the first 64 bytes of configuration space, `-xxx` 256, `-xxxx`
//! 4096 (root only: `/scheme/pci/.../config`).
#![no_std]
#![no_main]

use cairn_pci::enumerate::Function;
use cairn_pciids::Database;
use cairn_pcishow::{Names, Naming, Options, hex_dump, show};
use cairn_rt::{String, Vec, format, fs};
use coreutils::args::{Arg, ArgParser};
use coreutils::tool::{self, Failure, Tool};

cairn_rt::main!(main);

/// Where the kernel lists the functions.
const PCI: &str = "/scheme/pci";
/// Where the name database is.
const PCI_IDS: &str = "/usr/share/misc/pci.ids";

fn main() -> i32 {
    tool::run("lspci", lspci)
}

fn lspci(tool: &mut Tool) -> Result<(), Failure> {
    let mut args = ArgParser::from_env();
    let (mut numbers, mut verbose, mut dump, mut domain) = (0, false, 0, false);
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Short('n') => numbers += 1,
            Arg::Short('v') => verbose = true,
            Arg::Short('x') => dump += 1,
            Arg::Short('D') => domain = true,
            other => return Err(other.unexpected().into()),
        }
    }
    let naming = match numbers {
        0 => Naming::Names,
        1 => Naming::Numbers,
        _ => Naming::Both,
    };
    let functions = read_functions(tool)?;
    let ids = if naming == Naming::Numbers {
        None
    } else {
        match fs::read_to_string(PCI_IDS) {
            Ok(text) => Some(text),
            Err(error) => {
                tool.report_error(PCI_IDS, &error);
                None
            }
        }
    };
    let database = ids.as_deref().map(Database::new);
    if database.as_ref().is_some_and(|db| db.counts() == (0, 0)) {
        tool.warn(format_args!("{PCI_IDS} names nothing; showing numbers"));
    }
    let names = Names { database: database.as_ref(), naming };
    let domain = domain || functions.iter().any(|f| f.address.segment != 0);
    let options = Options { verbose, domain };
    for function in &functions {
        let mut text = String::new();
        let _ = show(&mut text, function, &names, options);
        if dump > 0 {
            let path = format!("{PCI}/{}/config", function.address.file_name());
            match fs::read(&path) {
                Ok(bytes) => {
                    let shown = match dump {
                        1 | 2 => 64,
                        3 => 256,
                        _ => 4096,
                    };
                    let _ = hex_dump(&mut text, &bytes[..bytes.len().min(shown)]);
                }
                Err(error) => tool.report_error(&path, &error),
            }
        }
        if verbose || dump > 0 {
            text.push('\n');
        }
        tool.out.write(text.as_bytes())?;
    }
    Ok(())
}

/// Every function of `/scheme/pci`, in address order; one that cannot be
/// read or parsed is reported and skipped.
fn read_functions(tool: &mut Tool) -> Result<Vec<Function>, Failure> {
    let entries = fs::read_dir(PCI).map_err(|error| Failure::path(PCI, error))?;
    let mut functions = Vec::new();
    for (name, _) in entries {
        let path = format!("{PCI}/{name}/info");
        match fs::read_to_string(&path) {
            Ok(text) => match cairn_pci::text::parse(&text) {
                Ok(parsed) => functions.push(parsed.function),
                Err(error) => tool.report(&path, error),
            },
            Err(error) => tool.report_error(&path, &error),
        }
    }
    functions.sort_by_key(|f| f.address);
    Ok(functions)
}
