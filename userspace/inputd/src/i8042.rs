//! The PS/2 controller (i8042) with keyboard and mouse, driven from user
//! space: ports 0x60-0x64 from `/scheme/ioport`, interrupts on ISA lines
//! 1 (keyboard) and 12 (mouse). At start it enables the auxiliary port
//! and its interrupt, resets the mouse to defaults, switches an
//! IntelliMouse's wheel on and enables reporting. Bytes are read while
//! the controller has them; the status register says whose each is.

use cairn_rt::abi::O_NONBLOCK;
use cairn_rt::fs::{File, OpenOptions};
use cairn_rt::{String, Vec, format};

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

/// A byte the controller handed over, and whose it is.
#[derive(Clone, Copy)]
pub enum Byte {
    Keyboard(u8),
    Mouse(u8),
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
}

impl Ps2 {
    /// Claims the ports and both lines and sets the mouse up; returns the
    /// controller and whether the mouse has a wheel, or why the mouse
    /// could not be set up (the keyboard works without it).
    pub fn claim() -> Result<(Ps2, Result<bool, String>), String> {
        let ports = File::open("/scheme/ioport/60-64").map_err(|e| format!("cannot claim ports 60-64: {e}"))?;
        let line = |n: u8| {
            // Non-blocking: an event queue may report a line whose count
            // was already taken, and a read that waited for the next
            // interrupt would stall everything (the controller raises no
            // new interrupt while a byte waits unread).
            OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(O_NONBLOCK)
                .open(&format!("/scheme/irq/{n}"))
                .map_err(|e| format!("cannot claim ISA line {n}: {e}"))
        };
        let (keyboard_irq, mouse_irq) = (line(1)?, line(12)?);
        let ps2 = Ps2 { _ports: ports, keyboard_irq, mouse_irq };
        let wheel = ps2.set_mouse_up();
        Ok((ps2, wheel))
    }

    pub fn interrupt_fds(&self) -> [usize; 2] {
        [self.keyboard_irq.as_raw_fd(), self.mouse_irq.as_raw_fd()]
    }

    /// Consumes line `index`'s count (0: keyboard, 1: mouse) and
    /// acknowledges it.
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

    fn set_mouse_up(&self) -> Result<bool, String> {
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

    /// Everything the controller holds now.
    pub fn receive(&self) -> Vec<Byte> {
        let mut bytes = Vec::new();
        for _ in 0..4096 {
            let status = inb(STATUS);
            if status & OUTPUT_FULL == 0 {
                break;
            }
            let byte = inb(DATA);
            bytes.push(if status & FROM_MOUSE != 0 { Byte::Mouse(byte) } else { Byte::Keyboard(byte) });
        }
        bytes
    }
}
