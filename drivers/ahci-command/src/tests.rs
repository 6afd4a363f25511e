//! Host tests of the AHCI command formats, PRDT layout, IDENTIFY parsing
//! and slot allocation.

use super::*;
use alloc::vec;

#[test]
fn dma_ext_fis_carries_lba48_and_count() {
    let fis = Command::Dma { write: false, lba: 0x0102_0304_0506, count: 256 }.fis(Slot(5));
    assert_eq!(fis[0], 0x27);
    assert_eq!(fis[1], 0x80);
    assert_eq!(fis[2], ata::READ_DMA_EXT);
    assert_eq!(&fis[4..7], &[0x06, 0x05, 0x04]);
    assert_eq!(fis[7], 0x40);
    assert_eq!(&fis[8..11], &[0x03, 0x02, 0x01]);
    assert_eq!((fis[3], fis[11]), (0, 0));
    assert_eq!(u16::from_le_bytes([fis[12], fis[13]]), 256);
    let write = Command::Dma { write: true, lba: 1, count: MAX_SECTORS }.fis(Slot(0));
    assert_eq!(write[2], ata::WRITE_DMA_EXT);
    // 65536 sectors are written as a count of 0.
    assert_eq!((write[12], write[13]), (0, 0));
}

#[test]
fn queued_fis_puts_count_in_features_and_tag_in_count() {
    let fis = Command::Queued { write: true, lba: 0x10_0000, count: 0x1234 }.fis(Slot(17));
    assert_eq!(fis[2], ata::WRITE_FPDMA_QUEUED);
    assert_eq!((fis[3], fis[11]), (0x34, 0x12));
    assert_eq!(fis[12], 17 << 3);
    assert_eq!(fis[13], 0);
    assert_eq!(&fis[4..7], &[0x00, 0x00, 0x10]);
    assert_eq!(fis[7], 0x40);
    let read = Command::Queued { write: false, lba: 0, count: 8 }.fis(Slot(31));
    assert_eq!(read[2], ata::READ_FPDMA_QUEUED);
    assert_eq!(read[12], 31 << 3);
}

#[test]
fn identify_and_flush_fis() {
    let identify = Command::Identify.fis(Slot(0));
    assert_eq!((identify[2], identify[7]), (ata::IDENTIFY_DEVICE, 0));
    let flush = Command::Flush.fis(Slot(3));
    assert_eq!(flush[2], ata::FLUSH_CACHE_EXT);
    assert!(flush[3..].iter().enumerate().all(|(i, b)| *b == 0 || i + 3 == 7));
}

#[test]
fn header_flags_and_table_address() {
    let header = Command::Queued { write: true, lba: 0, count: 1 }.header(0x1234_5680, 3);
    let dw0 = u32::from_le_bytes(header[0..4].try_into().unwrap());
    assert_eq!(dw0 & 0x1f, 5);
    assert_ne!(dw0 & (1 << 6), 0);
    assert_eq!(dw0 >> 16, 3);
    assert_eq!(u64::from_le_bytes(header[8..16].try_into().unwrap()), 0x1234_5680);
    assert_eq!(&header[4..8], &[0; 4]);
    let read = Command::Dma { write: false, lba: 0, count: 1 }.header(0, 1);
    assert_eq!(u32::from_le_bytes(read[0..4].try_into().unwrap()) & (1 << 6), 0);
}

fn entry_fields(entry: &[u8; PRD_ENTRY]) -> (u64, u32, bool) {
    let dw3 = u32::from_le_bytes(entry[12..16].try_into().unwrap());
    (u64::from_le_bytes(entry[0..8].try_into().unwrap()), (dw3 & 0x3f_ffff) + 1, dw3 >> 31 == 1)
}

#[test]
fn prdt_splits_at_four_mib_and_interrupts_on_the_last() {
    let one = prdt(0x1000, 4096, 8).unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(entry_fields(&one[0]), (0x1000, 4096, true));
    let many = prdt(0x10_0000, PRD_MAX * 2 + 512, 8).unwrap();
    assert_eq!(many.len(), 3);
    assert_eq!(entry_fields(&many[0]), (0x10_0000, PRD_MAX as u32, false));
    assert_eq!(entry_fields(&many[1]), (0x10_0000 + PRD_MAX as u64, PRD_MAX as u32, false));
    assert_eq!(entry_fields(&many[2]), (0x10_0000 + 2 * PRD_MAX as u64, 512, true));
}

#[test]
fn prdt_refuses_unusable_transfers() {
    assert_eq!(prdt(0x1000, 0, 8), None);
    assert_eq!(prdt(0x1000, 511, 8), None);
    assert_eq!(prdt(0x1001, 512, 8), None);
    assert_eq!(prdt(0x1000, PRD_MAX + 2, 1), None);
}

/// IDENTIFY DEVICE data with these words set.
fn identify_data(words: &[(usize, u16)]) -> Vec<u8> {
    let mut data = vec![0u8; 512];
    for (n, value) in words {
        data[2 * n..2 * n + 2].copy_from_slice(&value.to_le_bytes());
    }
    data
}

/// Writes `text` as an ATA string (two characters per word, first high) at word `at`.
fn put_string(data: &mut [u8], at: usize, text: &str, words: usize) {
    let mut padded = vec![b' '; 2 * words];
    padded[..text.len()].copy_from_slice(text.as_bytes());
    for (i, pair) in padded.chunks(2).enumerate() {
        data[2 * (at + i)] = pair[1];
        data[2 * (at + i) + 1] = pair[0];
    }
}

#[test]
fn identify_reads_lba48_ncq_and_strings() {
    let mut data = identify_data(&[(49, 1 << 9), (83, 1 << 10), (100, 0x0000), (101, 0x0002), (75, 31), (76, 1 << 8)]);
    put_string(&mut data, 27, "QEMU HARDDISK", 20);
    put_string(&mut data, 10, "QM00001", 10);
    let identity = identify(&data).unwrap();
    assert_eq!(identity.model, "QEMU HARDDISK");
    assert_eq!(identity.serial, "QM00001");
    assert_eq!(identity.sectors, 0x2_0000);
    assert_eq!(identity.sector_size, 512);
    assert_eq!(identity.queue_depth, Some(32));
}

#[test]
fn identify_without_ncq_and_large_sectors() {
    let data = identify_data(&[(49, 1 << 9), (83, 1 << 10), (100, 0x1000), (106, 0x4000 | (1 << 12)), (117, 2048)]);
    let identity = identify(&data).unwrap();
    assert_eq!(identity.sectors, 0x1000);
    assert_eq!(identity.sector_size, 4096);
    assert_eq!(identity.queue_depth, None);
    // Word 106 not marked valid: 512-byte sectors.
    let plain = identify_data(&[(49, 1 << 9), (83, 1 << 10), (100, 8), (106, 1 << 12), (117, 2048)]);
    assert_eq!(identify(&plain).unwrap().sector_size, 512);
}

#[test]
fn identify_refuses_bad_data() {
    assert_eq!(identify(&[0u8; 100]), Err(IdentifyError::Short));
    assert_eq!(identify(&identify_data(&[(60, 8)])), Err(IdentifyError::NoLba));
    // LBA28 only (sectors in words 60-61): not driven.
    assert_eq!(identify(&identify_data(&[(49, 1 << 9), (60, 8)])), Err(IdentifyError::NoLba48));
    assert_eq!(identify(&identify_data(&[(49, 1 << 9), (83, 1 << 10)])), Err(IdentifyError::Empty));
    let odd = identify_data(&[(49, 1 << 9), (83, 1 << 10), (100, 8), (106, 0x5000), (117, 300)]);
    assert_eq!(identify(&odd), Err(IdentifyError::SectorSize(600)));
}

#[test]
fn slots_allocate_lowest_first_within_the_limit() {
    let mut slots = Slots::new(3);
    assert_eq!(slots.take(), Some(Slot(0)));
    assert_eq!(slots.take(), Some(Slot(1)));
    assert_eq!(slots.take(), Some(Slot(2)));
    assert_eq!(slots.take(), None);
    slots.free(Slot(1));
    assert_eq!(slots.take(), Some(Slot(1)));
    assert_eq!(slots.in_flight(), 0b111);
    let mut all = Slots::new(40);
    assert_eq!((0..32).filter_map(|_| all.take()).count(), 32);
    assert_eq!(all.in_flight(), u32::MAX);
    assert_eq!(all.take(), None);
}

#[test]
fn finished_slots_are_those_no_longer_pending() {
    let mut slots = Slots::new(32);
    for _ in 0..4 {
        slots.take();
    }
    // Slots 1 and 3 still pending (in CI or SACT); 0 and 2 done. Slot 9
    // pending but never issued: not ours.
    let finished = slots.finished(0b1010 | (1 << 9));
    assert_eq!(slots_in(finished).collect::<Vec<_>>(), vec![Slot(0), Slot(2)]);
}

#[test]
fn signatures_are_named() {
    assert_eq!(signature_kind(SIGNATURE_ATA), "ATA disk");
    assert_eq!(signature_kind(SIGNATURE_ATAPI), "ATAPI device");
    assert_eq!(signature_kind(0x1234), "unknown device");
}
