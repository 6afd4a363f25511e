//! The PCI enumeration check: the guest's `lspci -nv` output against what
//! QEMU itself reports in its monitor (`info pci`), function by function —
//! address, vendor and device IDs, subsystem, interrupt line, every BAR
//! (I/O or memory, 32/64-bit, prefetchable, size, and address where QEMU has
//! it mapped), the expansion ROM, and a bridge's bus numbers and windows.
//!
//! Each side is reduced to one canonical line per function, so a mismatch
//! shows as the lines only one side has.

use std::collections::BTreeSet;

/// One BAR or ROM in canonical form: `io`/`mem32`/`mem64` (+`p` for
/// prefetchable), size, and address when decoded (`-` when not).
fn region(kind: &str, size: u64, address: Option<u64>) -> String {
    match address {
        Some(address) => format!("{kind}@{address:x}+{size:x}"),
        None => format!("{kind}@-+{size:x}"),
    }
}

/// A function being collected.
#[derive(Default)]
struct Entry {
    slot: String,
    id: String,
    subsystem: String,
    irq: String,
    bars: Vec<String>,
    rom: String,
    buses: (String, String),
    /// Bridge windows in the order I/O, memory, prefetchable: `KIND:BASE-LIMIT`
    /// in hex, or `KIND:off` when closed.
    windows: Vec<String>,
}

impl Entry {
    fn line(&self) -> String {
        format!(
            "{} {} sub={} irq={} bars=[{}] rom={} bus={}-{} windows=[{}]",
            self.slot,
            self.id,
            self.subsystem,
            self.irq,
            self.bars.join(" "),
            self.rom,
            self.buses.0,
            self.buses.1,
            self.windows.join(" ")
        )
    }
}

/// A size as lspci writes it (`64`, `4K`, `16M`, `1G`).
fn lspci_size(text: &str) -> Option<u64> {
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, ""),
    };
    let shift = match unit {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        _ => return None,
    };
    Some(digits.parse::<u64>().ok()? << shift)
}

/// A bridge window in canonical form.
fn window(kind: &str, range: Option<(u64, u64)>) -> String {
    match range {
        Some((base, limit)) if base <= limit => format!("{kind}:{base:x}-{limit:x}"),
        _ => format!("{kind}:off"),
    }
}

/// `BASE-LIMIT` (hex) at the start of `text`, as lspci prints an open window.
fn lspci_range(text: &str) -> Option<(u64, u64)> {
    let (base, limit) = text.trim().split(' ').next()?.split_once('-')?;
    Some((u64::from_str_radix(base, 16).ok()?, u64::from_str_radix(limit, 16).ok()?))
}

/// The text between `start` and the next `end` in `line`.
fn between<'a>(line: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = line.find(start)? + start.len();
    let to = line[from..].find(end)? + from;
    Some(&line[from..to])
}

/// The functions of `lspci -nv` output found among `lines` (other lines,
/// such as the kernel log, are ignored).
pub fn from_lspci<'a>(lines: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut current: Option<Entry> = None;
    for line in lines {
        let head = line.as_bytes();
        let is_function = head.len() > 14
            && head[2] == b':'
            && head[5] == b'.'
            && head[7] == b' '
            && line[..7].bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        if is_function {
            found.extend(current.take().map(|e| e.line()));
            let id = line[8..].split_whitespace().nth(1).unwrap_or("").to_string();
            current = Some(Entry { slot: line[..7].to_string(), id, ..Entry::default() });
            continue;
        }
        let Some(entry) = current.as_mut() else { continue };
        // The terminal may have turned the tab into spaces.
        let Some(detail) = line.strip_prefix('\t').or_else(|| line.starts_with(' ').then(|| line.trim_start())) else {
            found.extend(current.take().map(|e| e.line()));
            continue;
        };
        // `[disabled]`, or a ROM's `[disabled by cmd]`.
        let decoded = !detail.contains("[disabled") && !detail.contains("<unassigned>");
        let size = between(detail, "[size=", "]").and_then(lspci_size).unwrap_or(0);
        if let Some(subsystem) = detail.strip_prefix("Subsystem: ") {
            entry.subsystem = subsystem.to_string();
        } else if let Some(flags) = detail.strip_prefix("Flags: ") {
            entry.irq = flags.split(", ").find_map(|f| f.strip_prefix("IRQ ")).unwrap_or("").to_string();
        } else if let Some(rest) = detail.strip_prefix("I/O ports at ") {
            let address = u64::from_str_radix(rest.split(' ').next().unwrap_or(""), 16).ok();
            entry.bars.push(region("io", size, address.filter(|a| decoded && *a != 0)));
        } else if let Some(rest) = detail.strip_prefix("Memory at ") {
            let address = u64::from_str_radix(rest.split(' ').next().unwrap_or(""), 16).ok();
            let bits = if rest.contains("64-bit") { "mem64" } else { "mem32" };
            let kind = if rest.contains(", prefetchable") { format!("{bits}p") } else { bits.to_string() };
            entry.bars.push(region(&kind, size, address.filter(|a| decoded && *a != 0)));
        } else if let Some(rest) = detail.strip_prefix("Expansion ROM at ") {
            let address = u64::from_str_radix(rest.split(' ').next().unwrap_or(""), 16).ok();
            entry.rom = region("rom", size, address.filter(|a| decoded && *a != 0));
        } else if let Some(rest) = detail.strip_prefix("I/O behind bridge:") {
            entry.windows.push(window("io", lspci_range(rest)));
        } else if let Some(rest) = detail.strip_prefix("Memory behind bridge:") {
            entry.windows.push(window("mem", lspci_range(rest)));
        } else if let Some(rest) = detail.strip_prefix("Prefetchable memory behind bridge:") {
            entry.windows.push(window("pref", lspci_range(rest)));
        } else if let Some(rest) = detail.strip_prefix("Bus: ") {
            let secondary = between(rest, "secondary=", ",").and_then(|b| u8::from_str_radix(b, 16).ok());
            let subordinate = between(rest, "subordinate=", ",").and_then(|b| u8::from_str_radix(b, 16).ok());
            entry.buses = (format!("{secondary:?}"), format!("{subordinate:?}"));
        }
    }
    found.extend(current.map(|e| e.line()));
    found
}

/// An address and end as `info pci` prints them (`0x...`); QEMU shows an
/// undecoded BAR at address all-ones.
fn qemu_region(kind: &str, text: &str) -> Option<String> {
    let address = u64::from_str_radix(between(text, "at 0x", " ")?, 16).ok()?;
    let end = u64::from_str_radix(between(text, "[0x", "]")?, 16).ok()?;
    let size = end.wrapping_sub(address).wrapping_add(1);
    Some(region(kind, size, (address != u64::MAX).then_some(address)))
}

/// The functions of an `info pci` reply.
pub fn from_info_pci(reply: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut current: Option<Entry> = None;
    for line in reply.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Bus ") {
            found.extend(current.take().map(|e| e.line()));
            let numbers: Vec<u32> = rest.split(|c: char| !c.is_ascii_digit()).filter_map(|n| n.parse().ok()).collect();
            if let [bus, device, function] = numbers[..] {
                current = Some(Entry { slot: format!("{bus:02x}:{device:02x}.{function:x}"), ..Entry::default() });
            }
            continue;
        }
        let Some(entry) = current.as_mut() else { continue };
        if let Some(id) = line.split("PCI device ").nth(1) {
            entry.id = id.to_string();
        } else if let Some(subsystem) = line.strip_prefix("PCI subsystem ") {
            entry.subsystem = subsystem.to_string();
        } else if let Some(rest) = line.strip_prefix("IRQ ") {
            entry.irq = rest.split(',').next().unwrap_or("").to_string();
        } else if let Some(rest) = line.strip_prefix("secondary bus ") {
            entry.buses.0 = format!("{:?}", rest.trim_end_matches('.').parse::<u8>().ok());
        } else if let Some(rest) = line.strip_prefix("subordinate bus ") {
            entry.buses.1 = format!("{:?}", rest.trim_end_matches('.').parse::<u8>().ok());
        } else if let Some((kind, rest)) =
            [("io", "IO range "), ("mem", "memory range "), ("pref", "prefetchable memory range ")]
                .iter()
                .find_map(|(kind, prefix)| Some((*kind, line.strip_prefix(prefix)?)))
        {
            let numbers = rest.trim_matches(['[', ']']).split_once(", ");
            let parse = |n: &str| u64::from_str_radix(n.trim_start_matches("0x"), 16).ok();
            entry.windows.push(window(kind, numbers.and_then(|(b, l)| Some((parse(b)?, parse(l)?)))));
        } else if let Some(rest) = line.strip_prefix("BAR") {
            let (index, text) = rest.split_once(": ").unwrap_or(("", ""));
            let kind = if text.starts_with("I/O") {
                String::from("io")
            } else if text.starts_with("64 bit") {
                String::from(if text.contains("prefetchable") { "mem64p" } else { "mem64" })
            } else {
                String::from(if text.contains("prefetchable") { "mem32p" } else { "mem32" })
            };
            if index == "6" {
                entry.rom = qemu_region("rom", text).unwrap_or_default();
            } else if let Some(bar) = qemu_region(&kind, text) {
                entry.bars.push(bar);
            }
        }
    }
    found.extend(current.map(|e| e.line()));
    found
}

/// Compares the guest's view with QEMU's; `Err` lists the differences.
/// With `behind_bridge`, some function must sit on a bus other than 0 (so
/// the walk followed a bridge).
pub fn compare(guest: &BTreeSet<String>, qemu: &BTreeSet<String>, behind_bridge: bool) -> Result<usize, String> {
    if qemu.is_empty() {
        return Err("QEMU's `info pci` listed no functions".to_string());
    }
    let only_guest: Vec<&String> = guest.difference(qemu).collect();
    let only_qemu: Vec<&String> = qemu.difference(guest).collect();
    if !only_guest.is_empty() || !only_qemu.is_empty() {
        return Err(format!("only in lspci: {only_guest:?}; only in QEMU's info pci: {only_qemu:?}"));
    }
    if behind_bridge && !guest.iter().any(|line| !line.starts_with("00:")) {
        return Err("no function behind a bridge".to_string());
    }
    Ok(guest.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO_PCI: &str = "  Bus  0, device   1, function 0:\r
    VGA controller: PCI device 1234:1111\r
      PCI subsystem 1af4:1100\r
      BAR0: 32 bit prefetchable memory at 0xfd000000 [0xfdffffff].\r
      BAR2: 32 bit memory at 0xfeb94000 [0xfeb94fff].\r
      BAR6: 32 bit memory at 0xffffffffffffffff [0x0000fffe].\r
      id \"\"\r
  Bus  0, device   3, function 0:\r
    PCI bridge: PCI device 1b36:000c\r
      IRQ 11, pin A\r
      BUS 0.\r
      secondary bus 1.\r
      subordinate bus 1.\r
      IO range [0xd000, 0xcfff]\r
      memory range [0xfe800000, 0xfe9fffff]\r
      prefetchable memory range [0xfe200000, 0xfe3fffff]\r
      BAR0: 32 bit memory at 0xfeb95000 [0xfeb95fff].\r
      id \"rp1\"\r
  Bus  1, device   0, function 0:\r
    Class 0264: PCI device 1b36:0010\r
      PCI subsystem 1af4:1100\r
      IRQ 11, pin A\r
      BAR0: 64 bit memory at 0xfe800000 [0xfe803fff].\r
      id \"\"\r
  Bus  0, device  31, function 3:\r
    SMBus: PCI device 8086:2930\r
      PCI subsystem 1af4:1100\r
      IRQ 10, pin A\r
      BAR4: I/O at 0x0700 [0x073f].\r
      id \"\"\r
";

    const LSPCI: &str = "[    0.1] INFO  pci 0000:00:01.0: [1234:1111] type 00 class 030000
root@cairn:/# lspci -nv; echo pci-listed-$((40+2))
00:01.0 0300: 1234:1111 (rev 02) (prog-if 00)
\tSubsystem: 1af4:1100
\tFlags: bus master, fast devsel, latency 0
\tMemory at fd000000 (32-bit, prefetchable) [size=16M]
\tMemory at feb94000 (32-bit, non-prefetchable) [size=4K]
\tExpansion ROM at feb80000 [disabled] [size=64K]

00:03.0 0604: 1b36:000c (prog-if 00)
\tFlags: fast devsel, IRQ 11
\tMemory at feb95000 (32-bit, non-prefetchable) [size=4K]
\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0
\tI/O behind bridge: [disabled] [16-bit]
\tMemory behind bridge: fe800000-fe9fffff [size=2M] [32-bit]
\tPrefetchable memory behind bridge: 00000000fe200000-00000000fe3fffff [size=2M] [64-bit]
\tCapabilities: [54] Express (v2) Root Port (Slot+), MSI 00

00:1f.3 0c05: 8086:2930 (rev 02)
\tSubsystem: 1af4:1100
\tFlags: fast devsel, IRQ 10
\tI/O ports at 0700 [size=64]

01:00.0 0108: 1b36:0010 (rev 02) (prog-if 02)
\tSubsystem: 1af4:1100
\tFlags: bus master, fast devsel, latency 0, IRQ 11
\tMemory at fe800000 (64-bit, non-prefetchable) [size=16K]
\tCapabilities: [40] MSI-X: Enable- Count=65 Masked-

pci-listed-42
";

    #[test]
    fn both_sides_agree() {
        let guest = from_lspci(LSPCI.lines());
        let qemu = from_info_pci(INFO_PCI);
        assert_eq!(guest.len(), 4);
        assert!(
            guest.contains("01:00.0 1b36:0010 sub=1af4:1100 irq=11 bars=[mem64@fe800000+4000] rom= bus=- windows=[]")
        );
        assert!(guest.contains(
            "00:01.0 1234:1111 sub=1af4:1100 irq= bars=[mem32p@fd000000+1000000 mem32@feb94000+1000] \
             rom=rom@-+10000 bus=- windows=[]"
        ));
        assert!(guest.contains(
            "00:03.0 1b36:000c sub= irq=11 bars=[mem32@feb95000+1000] rom= bus=Some(1)-Some(1) \
             windows=[io:off mem:fe800000-fe9fffff pref:fe200000-fe3fffff]"
        ));
        assert_eq!(compare(&guest, &qemu, true), Ok(4));
    }

    #[test]
    fn differences_fail() {
        let qemu = from_info_pci(INFO_PCI);
        // A wrong BAR size.
        let guest = from_lspci(LSPCI.replace("[size=16K]", "[size=8K]").lines());
        assert!(compare(&guest, &qemu, false).unwrap_err().contains("01:00.0"));
        // A function left out (the walk did not follow the bridge).
        let cut = &LSPCI[..LSPCI.find("01:00.0 0108").unwrap()];
        let guest = from_lspci(cut.lines());
        assert!(compare(&guest, &qemu, false).is_err());
        // A wrong bridge window.
        let guest = from_lspci(LSPCI.replace("fe800000-fe9fffff", "fe800000-feafffff").lines());
        assert!(compare(&guest, &qemu, false).unwrap_err().contains("00:03.0"));
        // 64-bit shown as 32-bit.
        let guest = from_lspci(LSPCI.replace("(64-bit", "(32-bit").lines());
        assert!(compare(&guest, &qemu, false).is_err());
        // Nothing from QEMU.
        assert!(compare(&from_lspci(LSPCI.lines()), &BTreeSet::new(), false).is_err());
    }

    #[test]
    fn undecoded_regions_have_no_address() {
        let text = "00:02.0 0300: 1234:1111 (rev 02)\n\tMemory at fd000000 (32-bit, prefetchable) [disabled] [size=16M]\n\
                    \tExpansion ROM at feb80000 [disabled by cmd] [size=64K]\n";
        let guest = from_lspci(text.lines());
        assert_eq!(
            guest.into_iter().collect::<Vec<_>>(),
            ["00:02.0 1234:1111 sub= irq= bars=[mem32p@-+1000000] rom=rom@-+10000 bus=- windows=[]"]
        );
    }

    #[test]
    fn behind_bridge_is_required_when_asked() {
        let only_root = "00:1f.3 0c05: 8086:2930 (rev 02)\n\tSubsystem: 1af4:1100\n\tFlags: fast devsel, IRQ 10\n\
                         \tI/O ports at 0700 [size=64]\n";
        let qemu_text = &INFO_PCI[INFO_PCI.find("  Bus  0, device  31").unwrap()..];
        let (guest, qemu) = (from_lspci(only_root.lines()), from_info_pci(qemu_text));
        assert_eq!(compare(&guest, &qemu, false), Ok(1));
        assert!(compare(&guest, &qemu, true).is_err());
    }
}
