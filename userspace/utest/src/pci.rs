//! `/scheme/pci`: the kernel's list of PCI functions is there and agrees
//! with itself (each `info` names the IDs its `config` bytes hold); it is
//! read-only (every write open is refused), bad paths are `ENOENT`, raw
//! configuration space is root's alone, and the configuration ports of
//! mechanism #1 are never handed out through `ioport`.

use cairn_pci::Address;
use cairn_rt::abi::error::{EACCES, EISDIR, ENOENT, ENOTDIR, EROFS};
use cairn_rt::abi::{O_DIRECTORY, O_RDONLY, O_RDWR, O_WRONLY};
use cairn_rt::fs::{self, File};
use cairn_rt::io::Read;
use cairn_rt::{String, Vec, format, process, scheme};

use crate::util::{TestResult, ensure, expect_errno, in_child, ok};

const PCI: &str = "/scheme/pci";

fn read(path: &str) -> Result<Vec<u8>, String> {
    let mut file = ok(&format!("open {path}"), scheme::open(path, O_RDONLY))?;
    let mut bytes = Vec::new();
    ok(&format!("read {path}"), file.read_to_end(&mut bytes))?;
    Ok(bytes)
}

pub fn scheme_lists_functions() -> TestResult {
    let entries = ok("read_dir /scheme/pci", fs::read_dir(PCI))?;
    ensure!(!entries.is_empty(), "no PCI functions listed");
    for (name, _) in &entries {
        let address = Address::parse_file_name(name).ok_or_else(|| format!("bad entry name {name:?}"))?;
        let info = String::from_utf8(read(&format!("{PCI}/{name}/info"))?).map_err(|_| "info is not text")?;
        let parsed = cairn_pci::text::parse(&info).map_err(|e| format!("{name}/info: {e}"))?;
        ensure!(parsed.function.address == address, "{name}/info names {}", parsed.function.address);
        let config = read(&format!("{PCI}/{name}/config"))?;
        ensure!(config.len() == 256 || config.len() == 4096, "{name}/config has {} bytes", config.len());
        let (vendor, device) = (parsed.function.header.vendor, parsed.function.header.device);
        let id = [vendor.to_le_bytes(), device.to_le_bytes()].concat();
        ensure!(config[..4] == id[..], "{name}: info says {vendor:04x}:{device:04x}, config {:02x?}", &config[..4]);
    }
    ensure!(entries.iter().any(|(name, _)| name == "0000-00-00.0"), "no host bridge at 00:00.0");
    Ok(())
}

pub fn scheme_refuses_writes_and_bad_paths() -> TestResult {
    let info = "/scheme/pci/0000-00-00.0/info";
    let config = "/scheme/pci/0000-00-00.0/config";
    for (path, flags, errno) in [
        (info, O_WRONLY, EROFS),
        (info, O_RDWR, EROFS),
        (config, O_WRONLY, EROFS),
        (config, O_RDWR, EROFS),
        (PCI, O_RDWR, EISDIR),
        ("/scheme/pci/0000-00-00.0", O_WRONLY, EISDIR),
        (info, O_RDONLY | O_DIRECTORY, ENOTDIR),
        ("/scheme/pci/nope", O_RDONLY, ENOENT),
        ("/scheme/pci/0000-00-00.0/nope", O_RDONLY, ENOENT),
        ("/scheme/pci/0000-00-00.0/info/more", O_RDONLY, ENOENT),
        // Device 32 does not exist; function 8 neither.
        ("/scheme/pci/0000-00-20.0", O_RDONLY, ENOENT),
        ("/scheme/pci/0000-00-00.8", O_RDONLY, ENOENT),
        // Nothing on bus 0xfe, and colons are not the scheme's form.
        ("/scheme/pci/0000-fe-1f.7/info", O_RDONLY, ENOENT),
        ("/scheme/pci/0000:00:00.0/info", O_RDONLY, ENOENT),
        ("/scheme/pci/00-00.0/info", O_RDONLY, ENOENT),
        // One spelling per function: no upper case, no signs.
        ("/scheme/pci/0000-00-1F.0", O_RDONLY, ENOENT),
        ("/scheme/pci/+000-00-00.0", O_RDONLY, ENOENT),
    ] {
        expect_errno(&format!("open {path} ({flags:#x})"), scheme::open(path, flags).map(drop), errno)?;
    }
    // Relative to a directory fd: `..` and the names in it.
    let directory = ok("open /scheme/pci", File::open(PCI))?;
    let mut relative = ok(
        "open 0000-00-00.0/info from it",
        fs::OpenOptions::new().read(true).open_at(&directory, "0000-00-00.0/info"),
    )?;
    let mut text = Vec::new();
    ok("read it", relative.read_to_end(&mut text))?;
    ensure!(text.starts_with(b"address 0000:00:00.0\n"), "info does not start with its address");
    expect_errno("nope from it", fs::OpenOptions::new().read(true).open_at(&directory, "nope").map(drop), ENOENT)?;
    in_child(|| {
        ok("setuid", process::setuid(1000))?;
        ensure!(!read(info)?.is_empty(), "info is empty for a user");
        expect_errno("config as a user", scheme::open(config, O_RDONLY).map(drop), EACCES)
    })
}

pub fn config_ports_never_handed_out() -> TestResult {
    in_child(|| {
        for range in ["cf8-cff", "cfc", "cf0-d00", "cff", "0-ffff"] {
            expect_errno(&format!("ioport {range}"), File::open(&format!("/scheme/ioport/{range}")).map(drop), EACCES)?;
        }
        Ok(())
    })
}
