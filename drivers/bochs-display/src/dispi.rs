//! The Bochs VBE display interface ("DISPI") through the MMIO BAR: 16-bit
//! registers at `0x500 + 2 * index` (QEMU's `docs/specs/standard-vga.rst`).
//! Reads the mode shown and the adapter's limits; sets a mode (display
//! off, resolution, 32 bits per pixel, display on with the linear
//! framebuffer) and checks the device took it.

use cairn_display_mode::{Limits, Mode};
use cairn_driver::Registers;
use cairn_rt::{String, format};

const DISPI: usize = 0x500;

/// Register indexes.
const ID: usize = 0x0;
const XRES: usize = 0x1;
const YRES: usize = 0x2;
const BPP: usize = 0x3;
const ENABLE: usize = 0x4;
const VIRT_WIDTH: usize = 0x6;
const X_OFFSET: usize = 0x8;
const Y_OFFSET: usize = 0x9;

/// `ENABLE` bits.
const ENABLED: u16 = 0x01;
/// While set, `XRES`, `YRES` and `BPP` read the largest values allowed.
const GETCAPS: u16 = 0x02;
const LFB_ENABLED: u16 = 0x40;
/// Keep the framebuffer's contents across the mode change. Without it the
/// adapter clears them, and a console handed the screen at the change
/// (displayd lends the boot mode back as a text console takes over) could
/// lose what it drew a moment before; whoever shows a mode draws all of
/// it anyway.
const NO_CLEAR: u16 = 0x80;

/// The largest resolution of the interface (QEMU's `VBE_DISPI_MAX_XRES`
/// and `VBE_DISPI_MAX_YRES`).
const MAX_XRES: u16 = 16000;
const MAX_YRES: u16 = 12000;

/// The interface versions that have 32 bits per pixel and the MMIO BAR.
const FIRST_ID: u16 = 0xb0c0;
const LAST_ID: u16 = 0xb0c5;

/// The adapter's DISPI registers and video memory size.
pub struct Dispi {
    registers: Registers,
    limits: Limits,
}

impl Dispi {
    /// Checks the interface's ID and reads the adapter's limits: asked
    /// with GETCAPS where the adapter answers it (`getcaps`), else the
    /// interface's own largest resolution (QEMU's bochs-display keeps no
    /// other limit than its video memory).
    pub fn new(registers: Registers, memory: u64, getcaps: bool) -> Result<Dispi, String> {
        let mut dispi = Dispi { registers, limits: Limits { max_width: 0, max_height: 0, memory } };
        let id = dispi.read(ID)?;
        if !(FIRST_ID..=LAST_ID).contains(&id) {
            return Err(format!("DISPI ID {id:#06x} is not a known Bochs VBE interface"));
        }
        let (max_width, max_height) = if getcaps {
            // GETCAPS keeps the enable bit as it is, so the picture stays.
            let enable = dispi.read(ENABLE)?;
            dispi.write(ENABLE, enable | GETCAPS)?;
            let largest = (dispi.read(XRES)?, dispi.read(YRES)?);
            dispi.write(ENABLE, enable)?;
            largest
        } else {
            (MAX_XRES, MAX_YRES)
        };
        dispi.limits.max_width = u32::from(max_width);
        dispi.limits.max_height = u32::from(max_height);
        Ok(dispi)
    }

    fn read(&self, index: usize) -> Result<u16, String> {
        self.registers.read16(DISPI + 2 * index).ok_or_else(|| format!("DISPI register {index} is outside BAR 2"))
    }

    fn write(&self, index: usize, value: u16) -> Result<(), String> {
        if self.registers.write16(DISPI + 2 * index, value) {
            return Ok(());
        }
        Err(format!("DISPI register {index} is outside BAR 2"))
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The mode shown (0x0 while the interface is off).
    pub fn mode(&self) -> Mode {
        let on = self.read(ENABLE).is_ok_and(|e| e & ENABLED != 0);
        let side = |index| self.read(index).map_or(0, u32::from);
        if on { Mode::new(side(XRES), side(YRES)) } else { Mode::new(0, 0) }
    }

    /// Shows `mode` (already checked against the limits) from the start
    /// of the framebuffer.
    pub fn set(&mut self, mode: Mode) -> Result<(), String> {
        let (width, height) = (mode.width as u16, mode.height as u16);
        self.write(ENABLE, 0)?;
        self.write(XRES, width)?;
        self.write(YRES, height)?;
        self.write(BPP, 32)?;
        self.write(VIRT_WIDTH, width)?;
        self.write(X_OFFSET, 0)?;
        self.write(Y_OFFSET, 0)?;
        self.write(ENABLE, ENABLED | LFB_ENABLED | NO_CLEAR)?;
        let shown = (self.read(XRES)?, self.read(YRES)?, self.read(BPP)?);
        if shown != (width, height, 32) {
            return Err(format!("the adapter shows {}x{} at {} bits after setting {mode}", shown.0, shown.1, shown.2));
        }
        Ok(())
    }
}
