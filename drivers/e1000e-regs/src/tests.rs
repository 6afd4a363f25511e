//! Host tests of the register values and the descriptor checks.

use super::*;
use std::format;

#[test]
fn ivar_routes_each_cause_to_its_entry() {
    // Receive to entry 1, transmit to 2, other to 0: valid bits 3, 11, 19.
    assert_eq!(ivar(1, 2, 0), 0x8008_0a09);
    assert_eq!(ivar(0, 0, 0), 0x8008_0808);
    // Entries past 7 do not spill into the neighbouring field.
    assert_eq!(ivar(9, 0, 0) & 0xf, 0b1001);
}

#[test]
fn mac_from_ral_and_rah() {
    let mac = [0x52, 0x54, 0x00, 0xc0, 0xee, 0x01];
    let ral = u32::from_le_bytes([mac[0], mac[1], mac[2], mac[3]]);
    let rah = u32::from(u16::from_le_bytes([mac[4], mac[5]]));
    assert_eq!(mac_from_receive_address(ral, rah | 1 << 31), Some(mac));
    // Not marked valid, all zeros, multicast: none.
    assert_eq!(mac_from_receive_address(ral, rah), None);
    assert_eq!(mac_from_receive_address(0, 1 << 31), None);
    assert_eq!(mac_from_receive_address(0x0000_0001, 1 << 31), None);
}

#[test]
fn eeprom_words() {
    assert_eq!(eeprom_read::start(2), 0b1001);
    assert_eq!(eeprom_read::done(0x1234_0008), None);
    assert_eq!(eeprom_read::done(0x1234_000a), Some(0x1234));
    assert_eq!(eeprom_read::mac([0x5452, 0xc000, 0x01ee]), [0x52, 0x54, 0x00, 0xc0, 0xee, 0x01]);
}

/// A receive descriptor as the device writes it back.
fn written_back(len: u16, status: u8, errors: u8) -> [u8; DESCRIPTOR] {
    let mut descriptor = [0u8; DESCRIPTOR];
    write_receive(&mut descriptor, 0x1234_5000);
    descriptor[8..10].copy_from_slice(&len.to_le_bytes());
    descriptor[12] = status;
    descriptor[13] = errors;
    descriptor
}

#[test]
fn receive_descriptor_offers_its_buffer() {
    let mut descriptor = [0xffu8; DESCRIPTOR];
    write_receive(&mut descriptor, 0x1_2345_6000);
    assert_eq!(descriptor[..8], 0x1_2345_6000u64.to_le_bytes());
    assert_eq!(descriptor[8..], [0; 8]);
    assert_eq!(received(&descriptor), None);
}

#[test]
fn received_frames_and_refusals() {
    assert_eq!(received(&written_back(60, RX_DD | RX_EOP, 0)), Some(Ok(60)));
    assert_eq!(received(&written_back(1514, RX_DD | RX_EOP, 0)), Some(Ok(1514)));
    // Not written back yet, whatever else it holds.
    assert_eq!(received(&written_back(60, RX_EOP, 0x01)), None);
    // Errors the device reports: CRC (bit 0), receive data error (bit 7).
    assert_eq!(received(&written_back(60, RX_DD | RX_EOP, 0x01)), Some(Err(ReceiveError::Device(0x01))));
    assert_eq!(received(&written_back(60, RX_DD | RX_EOP, 0x80)), Some(Err(ReceiveError::Device(0x80))));
    // A frame over several buffers, a zero or overlong length.
    assert_eq!(received(&written_back(60, RX_DD, 0)), Some(Err(ReceiveError::NotEnd)));
    assert_eq!(received(&written_back(0, RX_DD | RX_EOP, 0)), Some(Err(ReceiveError::Length(0))));
    assert_eq!(received(&written_back(2049, RX_DD | RX_EOP, 0)), Some(Err(ReceiveError::Length(2049))));
    assert_eq!(received(&written_back(0xffff, RX_DD | RX_EOP, 0)), Some(Err(ReceiveError::Length(0xffff))));
    assert_eq!(format!("{}", ReceiveError::Device(0x81)), "the device reports receive errors 0x81");
}

#[test]
fn transmit_descriptor() {
    let mut descriptor = [0xffu8; DESCRIPTOR];
    write_transmit(&mut descriptor, 0x8000, 1514);
    assert_eq!(descriptor[..8], 0x8000u64.to_le_bytes());
    assert_eq!(descriptor[8..10], 1514u16.to_le_bytes());
    assert_eq!(descriptor[10], 0);
    assert_eq!(descriptor[11], TX_EOP | TX_IFCS | TX_RS);
    assert_eq!(descriptor[12..], [0; 4]);
    assert!(!transmitted(&descriptor));
    descriptor[12] = TX_DD;
    assert!(transmitted(&descriptor));
}
