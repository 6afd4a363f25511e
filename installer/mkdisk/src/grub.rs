//! Installing GRUB for BIOS without `grub-install` (which wants the disk as
//! a block device): `grub-mkimage -O i386-pc` makes `core.img`, which goes
//! into the BIOS boot partition, and GRUB's `boot.img` becomes the MBR's
//! boot code. The two are linked the way `grub-bios-setup` links them:
//! boot.img learns the sector of core.img's first sector, and the block
//! list at the end of that sector (diskboot.img's) learns where the rest
//! of core.img starts. Also the embedded configuration both GRUB images
//! run first. Pure functions, tested here.

/// A sector of the disk image.
pub const SECTOR: usize = 512;

/// boot.img's fields (grub-core/boot/i386/pc/boot.S): the LBA of
/// core.img's first sector, the boot-drive check jump (made two NOPs for
/// a hard disk, as grub-bios-setup does, so a BIOS passing a bad drive
/// number still boots from 0x80), and the bytes from the Windows NT disk
/// signature to the end of the partition table, which stay the disk's.
const KERNEL_SECTOR: usize = 0x5c;
const DRIVE_CHECK: usize = 0x66;
const TABLE_START: usize = 0x1b8;
const TABLE_END: usize = 0x1fe;
/// The jump boot.img has at [`DRIVE_CHECK`] (`jmp short`).
const JMP_SHORT: u8 = 0xeb;

/// diskboot.img's block list, the last 12 bytes of core.img's first
/// sector: start LBA (u64), sector count (u16, which grub-mkimage fills
/// in), load segment (u16, 0x820).
const BLOCKLIST: usize = SECTOR - 12;
const LOAD_SEGMENT: u16 = 0x820;

/// The MBR: `boot_img`'s code with `mbr`'s disk signature and partition
/// table, pointed at core.img's first sector `core_lba`.
pub fn boot_sector(boot_img: &[u8], mbr: &[u8], core_lba: u64) -> Result<[u8; SECTOR], String> {
    if boot_img.len() != SECTOR || mbr.len() < SECTOR {
        return Err(format!("boot.img has {} bytes, not {SECTOR}", boot_img.len()));
    }
    if boot_img[DRIVE_CHECK] != JMP_SHORT || boot_img[SECTOR - 2..] != [0x55, 0xaa] {
        return Err("boot.img is not GRUB's i386-pc boot sector (no drive-check jump or signature)".into());
    }
    let mut sector = [0u8; SECTOR];
    sector.copy_from_slice(boot_img);
    sector[KERNEL_SECTOR..KERNEL_SECTOR + 8].copy_from_slice(&core_lba.to_le_bytes());
    sector[DRIVE_CHECK..DRIVE_CHECK + 2].copy_from_slice(&[0x90, 0x90]);
    sector[TABLE_START..TABLE_END].copy_from_slice(&mbr[TABLE_START..TABLE_END]);
    Ok(sector)
}

/// core.img placed at `core_lba`: its block list now starts at the next
/// sector, after checking that grub-mkimage sized it for this core.img.
pub fn place_core(core: &mut [u8], core_lba: u64) -> Result<(), String> {
    if core.len() <= SECTOR {
        return Err(format!("core.img has only {} bytes", core.len()));
    }
    let count = u16::from_le_bytes([core[BLOCKLIST + 8], core[BLOCKLIST + 9]]);
    let segment = u16::from_le_bytes([core[BLOCKLIST + 10], core[BLOCKLIST + 11]]);
    let rest = (core.len() - SECTOR).div_ceil(SECTOR);
    if usize::from(count) != rest || segment != LOAD_SEGMENT {
        return Err(format!(
            "core.img's block list says {count} sectors at segment {segment:#x}, not {rest} at {LOAD_SEGMENT:#x}: \
             not a grub-mkimage -O i386-pc image"
        ));
    }
    core[BLOCKLIST..BLOCKLIST + 8].copy_from_slice(&(core_lba + 1).to_le_bytes());
    Ok(())
}

/// The configuration built into both GRUB images: find the root file
/// system by its UUID and read `/boot/grub/grub.cfg` from it.
pub fn early_config(root_uuid: &str) -> String {
    format!("search --no-floppy --fs-uuid --set=root {root_uuid}\nset prefix=($root)/boot/grub\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boot_img() -> Vec<u8> {
        let mut img = vec![0u8; SECTOR];
        img[DRIVE_CHECK] = JMP_SHORT;
        img[DRIVE_CHECK + 1] = 5;
        img[0x64] = 0xff;
        img[TABLE_START] = 0xaa;
        img[SECTOR - 2..].copy_from_slice(&[0x55, 0xaa]);
        img
    }

    #[test]
    fn boot_sector_keeps_the_table_and_points_at_core() {
        let mut mbr = vec![0u8; SECTOR];
        mbr[TABLE_START..TABLE_END].iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
        let sector = boot_sector(&boot_img(), &mbr, 2048).unwrap();
        assert_eq!(sector[TABLE_START..TABLE_END], mbr[TABLE_START..TABLE_END]);
        assert_eq!(sector[KERNEL_SECTOR..KERNEL_SECTOR + 8], 2048u64.to_le_bytes());
        assert_eq!(sector[DRIVE_CHECK..DRIVE_CHECK + 2], [0x90, 0x90]);
        assert_eq!(sector[0x64], 0xff);
        assert_eq!(sector[SECTOR - 2..], [0x55, 0xaa]);
        assert!(boot_sector(&boot_img()[..100], &mbr, 2048).is_err());
        let mut not_grub = boot_img();
        not_grub[DRIVE_CHECK] = 0;
        assert!(boot_sector(&not_grub, &mbr, 2048).is_err());
    }

    #[test]
    fn core_block_list_starts_after_its_first_sector() {
        let mut core = vec![0u8; SECTOR * 3 + 100];
        core[BLOCKLIST + 8..BLOCKLIST + 10].copy_from_slice(&3u16.to_le_bytes());
        core[BLOCKLIST + 10..BLOCKLIST + 12].copy_from_slice(&LOAD_SEGMENT.to_le_bytes());
        place_core(&mut core, 2048).unwrap();
        assert_eq!(core[BLOCKLIST..BLOCKLIST + 8], 2049u64.to_le_bytes());
        // A block list grub-mkimage did not size for this image.
        core.truncate(SECTOR * 2);
        assert!(place_core(&mut core, 2048).is_err());
        assert!(place_core(&mut [0u8; SECTOR], 2048).is_err());
    }
}
