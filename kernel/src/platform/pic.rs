//! The legacy 8259 interrupt controllers: remapped away from the exception
//! vectors and fully masked, since the I/O APIC routes device interrupts.

use x86_64::instructions::port::Port;

/// Remaps both PICs to vectors 0x20-0x2f (so a spurious IRQ cannot look like
/// an exception) and masks every line.
pub fn disable() {
    let mut master_cmd: Port<u8> = Port::new(0x20);
    let mut master_data: Port<u8> = Port::new(0x21);
    let mut slave_cmd: Port<u8> = Port::new(0xa0);
    let mut slave_data: Port<u8> = Port::new(0xa1);
    // SAFETY: the standard ICW1-ICW4 initialisation sequence on the PIC's
    // fixed ports, followed by masking all lines; no other code uses them.
    unsafe {
        master_cmd.write(0x11);
        slave_cmd.write(0x11);
        master_data.write(0x20);
        slave_data.write(0x28);
        master_data.write(4);
        slave_data.write(2);
        master_data.write(1);
        slave_data.write(1);
        master_data.write(0xff);
        slave_data.write(0xff);
    }
}
