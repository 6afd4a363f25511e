//! The 8254 programmable interval timer, used as the calibration reference
//! when the machine has no HPET (or no ACPI at all).

use x86_64::instructions::port::Port;

/// Input clock of the PIT in Hz.
const PIT_HZ: u64 = 1_193_182;

/// Busy-waits `micros` microseconds (at most 50 ms) using PIT channel 2 in
/// one-shot mode, gated through port 0x61 so no interrupt is involved.
pub fn wait_micros(micros: u64) {
    let count = (PIT_HZ * micros.min(50_000) / 1_000_000).clamp(1, 0xffff) as u16;
    let mut gate: Port<u8> = Port::new(0x61);
    let mut command: Port<u8> = Port::new(0x43);
    let mut channel2: Port<u8> = Port::new(0x42);
    // SAFETY: ports 0x42/0x43/0x61 belong to the PIT and the speaker gate;
    // the speaker output bit is cleared so nothing sounds.
    unsafe {
        let g = gate.read();
        gate.write((g & !0x02) | 0x01);
        command.write(0b1011_0000); // channel 2, lobyte/hibyte, mode 0
        channel2.write(count as u8);
        channel2.write((count >> 8) as u8);
        // Restart the count by toggling the gate.
        let g = gate.read();
        gate.write(g & !0x01);
        gate.write(g | 0x01);
        // OUT2 (bit 5) goes high when the count reaches zero.
        while gate.read() & 0x20 == 0 {
            core::hint::spin_loop();
        }
    }
}
