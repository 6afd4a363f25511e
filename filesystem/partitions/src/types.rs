//! Human names of common partition types, as util-linux's `fdisk` (and
//! so `lsblk`'s PARTTYPENAME) shows them.

use crate::guid::Guid;

/// A GPT type GUID and its name.
const GPT_TYPES: &[(&str, &str)] = &[
    ("c12a7328-f81f-11d2-ba4b-00a0c93ec93b", "EFI System"),
    ("21686148-6449-6e6f-744e-656564454649", "BIOS boot"),
    ("0fc63daf-8483-4772-8e79-3d69d8477de4", "Linux filesystem"),
    ("0657fd6d-a4ab-43c4-84e5-0933c84b4f4f", "Linux swap"),
    ("4f68bce3-e8cd-4db1-96e7-fbcaf984b709", "Linux root (x86-64)"),
    ("44479540-f297-41b2-9af7-d131d5f0458a", "Linux root (x86)"),
    ("933ac7e1-2eb4-4f13-b844-0e14e2aef915", "Linux home"),
    ("bc13c2ff-59e6-4262-a352-b275fd6f7172", "Linux extended boot"),
    ("e6d6d379-f507-44c2-a23c-238f2a3df928", "Linux LVM"),
    ("a19d880f-05fc-4d3b-a006-743f0f84911e", "Linux RAID"),
    ("ebd0a0a2-b9e5-4433-87c0-68b6b72699c7", "Microsoft basic data"),
    ("e3c9e316-0b5c-4db8-817d-f92df00215ae", "Microsoft reserved"),
    ("de94bba4-06d1-4d40-a16a-bfd50179d6ac", "Windows recovery environment"),
    ("024dee41-33e7-11d3-9d69-0008c781f39f", "MBR partition scheme"),
];

/// The name of a GPT type GUID, if common.
pub fn gpt_name(guid: Guid) -> Option<&'static str> {
    GPT_TYPES.iter().find(|(text, _)| Guid::parse(text) == Some(guid)).map(|(_, name)| *name)
}

/// The name of an MBR system byte, if common.
pub fn mbr_name(byte: u8) -> Option<&'static str> {
    Some(match byte {
        0x01 => "FAT12",
        0x04 => "FAT16 <32M",
        0x05 => "Extended",
        0x06 => "FAT16",
        0x07 => "HPFS/NTFS/exFAT",
        0x0b => "W95 FAT32",
        0x0c => "W95 FAT32 (LBA)",
        0x0e => "W95 FAT16 (LBA)",
        0x0f => "W95 Ext'd (LBA)",
        0x82 => "Linux swap / Solaris",
        0x83 => "Linux",
        0x85 => "Linux extended",
        0x8e => "Linux LVM",
        0xda => "Non-FS data",
        0xee => "GPT",
        0xef => "EFI (FAT-12/16/32)",
        0xfd => "Linux raid autodetect",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_guid_parses_and_names_itself() {
        for (text, name) in GPT_TYPES {
            assert_eq!(gpt_name(Guid::parse(text).unwrap()), Some(*name), "{text}");
        }
        assert_eq!(gpt_name(Guid::ZERO), None);
        assert_eq!(mbr_name(0x83), Some("Linux"));
        assert_eq!(mbr_name(0x42), None);
    }
}
