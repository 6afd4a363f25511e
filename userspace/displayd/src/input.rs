//! The PS/2 controller (i8042) with keyboard and mouse, driven from user
//! space: ports 0x60-0x64 from `/scheme/ioport`, interrupts on ISA lines
//! 1 (keyboard) and 12 (mouse). At start it enables the auxiliary port
//! and its interrupt, resets the mouse to defaults, switches an
//! IntelliMouse's wheel on and enables reporting. Bytes are read while
//! the controller has them; the status register says whose each is.
//! Keys are decoded with `pc-keyboard` (US layout) for their text and
//! with `cairn-ps2` for their scan code; mouse bytes with `cairn-ps2`.

use cairn_ps2::{KeyChange, MouseDecoder, MouseReport, ScanCodes};
use cairn_rt::fs::{File, OpenOptions};
use cairn_rt::{String, Vec, format};
use pc_keyboard::layouts::Us104Key;
use pc_keyboard::{DecodedKey, HandleControl, PS2Keyboard, ScancodeSet1};

const DATA: u16 = 0x60;
const STATUS: u16 = 0x64;
const COMMAND: u16 = 0x64;
/// Status: a byte waits in the output buffer; the controller is still
/// busy with the last byte written; the waiting byte is the mouse's.
const OUTPUT_FULL: u8 = 1 << 0;
const INPUT_FULL: u8 = 1 << 1;
const FROM_MOUSE: u8 = 1 << 5;
/// Controller commands.
const READ_CONFIG: u8 = 0x20;
const WRITE_CONFIG: u8 = 0x60;
const ENABLE_AUX: u8 = 0xa8;
const TO_MOUSE: u8 = 0xd4;
/// Configuration bits: mouse interrupt on; mouse clock off.
const AUX_INTERRUPT: u8 = 1 << 1;
const AUX_CLOCK_OFF: u8 = 1 << 5;
/// How many status polls a controller gets for one byte.
const POLLS: u32 = 100_000;

/// Input that arrived.
pub enum Input {
    Key { change: KeyChange, text: Option<char> },
    Mouse(MouseReport),
}

fn out(port: u16, value: u8) {
    // SAFETY: the process holds the I/O permission for 0x60-0x64 (the
    // `Ps2` owns the fd); a port write has no memory effects.
    unsafe { core::arch::asm!("out dx, al", in("dx") port, in("al") value, options(nostack, preserves_flags)) };
}

fn inb(port: u16) -> u8 {
    let value: u8;
    // SAFETY: as for `out`.
    unsafe { core::arch::asm!("in al, dx", in("dx") port, out("al") value, options(nostack, preserves_flags)) };
    value
}

/// The controller, claimed.
pub struct Ps2 {
    _ports: File,
    keyboard_irq: File,
    mouse_irq: File,
    keyboard: PS2Keyboard<Us104Key, ScancodeSet1>,
    codes: ScanCodes,
    mouse: MouseDecoder,
}

impl Ps2 {
    /// Claims the ports and both lines and sets the mouse up; returns the
    /// controller and whether the mouse has a wheel.
    pub fn claim() -> Result<(Ps2, bool), String> {
        let ports = File::open("/scheme/ioport/60-64").map_err(|e| format!("cannot claim ports 60-64: {e}"))?;
        let line = |n: u8| {
            OpenOptions::new()
                .read(true)
                .write(true)
                .open(&format!("/scheme/irq/{n}"))
                .map_err(|e| format!("cannot claim ISA line {n}: {e}"))
        };
        let (keyboard_irq, mouse_irq) = (line(1)?, line(12)?);
        let keyboard = PS2Keyboard::new(ScancodeSet1::new(), Us104Key, HandleControl::MapLettersToUnicode);
        let mut ps2 = Ps2 {
            _ports: ports,
            keyboard_irq,
            mouse_irq,
            keyboard,
            codes: ScanCodes::new(),
            mouse: MouseDecoder::new(false),
        };
        let wheel = ps2.set_mouse_up()?;
        ps2.mouse = MouseDecoder::new(wheel);
        Ok((ps2, wheel))
    }

    pub fn interrupt_fds(&self) -> [usize; 2] {
        [self.keyboard_irq.as_raw_fd(), self.mouse_irq.as_raw_fd()]
    }

    /// Consumes line `index`'s count (0: keyboard, 1: mouse; only a line
    /// that fired, or the read waits) and acknowledges it.
    pub fn acknowledge(&self, index: usize) {
        let Some(line) = [&self.keyboard_irq, &self.mouse_irq].get(index).copied() else { return };
        let mut count = [0u8; 8];
        let _ = cairn_rt::io::read_fd(line.as_raw_fd(), &mut count);
        let _ = cairn_rt::io::write_fd(line.as_raw_fd(), &[1]);
    }

    fn wait_writable() -> Result<(), String> {
        (0..POLLS)
            .find(|_| inb(STATUS) & INPUT_FULL == 0)
            .map(drop)
            .ok_or_else(|| String::from("the PS/2 controller stays busy"))
    }

    fn command(command: u8) -> Result<(), String> {
        Ps2::wait_writable()?;
        out(COMMAND, command);
        Ok(())
    }

    fn write_data(value: u8) -> Result<(), String> {
        Ps2::wait_writable()?;
        out(DATA, value);
        Ok(())
    }

    /// The next byte from the controller (skipping keyboard bytes when
    /// `mouse` wants the mouse's).
    fn read_data(mouse: bool) -> Result<u8, String> {
        for _ in 0..POLLS {
            let status = inb(STATUS);
            if status & OUTPUT_FULL != 0 {
                let byte = inb(DATA);
                if !mouse || status & FROM_MOUSE != 0 {
                    return Ok(byte);
                }
            }
        }
        Err(String::from("no answer from the PS/2 controller"))
    }

    /// Sends `byte` to the mouse and reads its acknowledgement.
    fn mouse_command(byte: u8) -> Result<(), String> {
        Ps2::command(TO_MOUSE)?;
        Ps2::write_data(byte)?;
        match Ps2::read_data(true)? {
            cairn_ps2::ACK => Ok(()),
            other => Err(format!("the mouse answered {other:#04x} to {byte:#04x}")),
        }
    }

    fn set_mouse_up(&mut self) -> Result<bool, String> {
        while inb(STATUS) & OUTPUT_FULL != 0 {
            inb(DATA);
        }
        Ps2::command(ENABLE_AUX)?;
        Ps2::command(READ_CONFIG)?;
        let config = Ps2::read_data(false)?;
        Ps2::command(WRITE_CONFIG)?;
        Ps2::write_data((config | AUX_INTERRUPT) & !AUX_CLOCK_OFF)?;
        Ps2::mouse_command(cairn_ps2::SET_DEFAULTS)?;
        for rate in cairn_ps2::INTELLIMOUSE_RATES {
            Ps2::mouse_command(cairn_ps2::SET_SAMPLE_RATE)?;
            Ps2::mouse_command(rate)?;
        }
        Ps2::mouse_command(cairn_ps2::GET_ID)?;
        let wheel = Ps2::read_data(true)? == cairn_ps2::WHEEL_MOUSE_ID;
        Ps2::mouse_command(cairn_ps2::ENABLE_REPORTING)?;
        Ok(wheel)
    }

    /// Everything the controller holds now, decoded.
    pub fn receive(&mut self) -> Vec<Input> {
        let mut inputs = Vec::new();
        for _ in 0..4096 {
            let status = inb(STATUS);
            if status & OUTPUT_FULL == 0 {
                break;
            }
            let byte = inb(DATA);
            if status & FROM_MOUSE != 0 {
                inputs.extend(self.mouse.push(byte).map(Input::Mouse));
                continue;
            }
            let text =
                self.keyboard.add_byte(byte).ok().flatten().and_then(|e| self.keyboard.process_keyevent(e)).and_then(
                    |key| match key {
                        DecodedKey::Unicode(c) => Some(c),
                        DecodedKey::RawKey(_) => None,
                    },
                );
            if let Some(change) = self.codes.push(byte) {
                inputs.push(Input::Key { change, text: text.filter(|_| change.pressed) });
            }
        }
        inputs
    }
}
