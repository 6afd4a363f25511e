//! The four termios flag words with Linux's bit values. Only the flags a Cairn terminal acts on
//! (plus the `c_cflag` basics that `cfmakeraw` touches) are named.

use crate::flags::flag_set;

flag_set! {
    /// Input processing (`c_iflag`).
    pub struct InputFlags: u32 {
        /// Clear the eighth bit of every input byte.
        const ISTRIP = 0o40;
        /// Read `\n` as `\r`.
        const INLCR = 0o100;
        /// Drop `\r`.
        const IGNCR = 0o200;
        /// Read `\r` as `\n` (unless `IGNCR`).
        const ICRNL = 0o400;
        /// `VSTOP`/`VSTART` stop and restart output.
        const IXON = 0o2000;
        /// Any input byte restarts stopped output.
        const IXANY = 0o4000;
        /// Ring the bell when input is dropped because the queue is full.
        const IMAXBEL = 0o20000;
        /// Input is UTF-8: erase removes whole characters.
        const IUTF8 = 0o40000;
    }
}

flag_set! {
    /// Output processing (`c_oflag`).
    pub struct OutputFlags: u32 {
        /// Enable the output processing below.
        const OPOST = 0o1;
        /// Write `\n` as `\r\n`.
        const ONLCR = 0o4;
        /// Write `\r` as `\n`.
        const OCRNL = 0o10;
        /// Write no `\r` in column 0.
        const ONOCR = 0o20;
        /// `\n` also returns the carriage (column 0).
        const ONLRET = 0o40;
    }
}

flag_set! {
    /// Hardware line settings (`c_cflag`), carried for compatibility.
    pub struct ControlFlags: u32 {
        /// The 38400 baud speed code (Linux's default).
        const B38400 = 0o17;
        /// Mask of the character size.
        const CSIZE = 0o60;
        /// Eight-bit characters.
        const CS8 = 0o60;
        /// Two stop bits.
        const CSTOPB = 0o100;
        /// The receiver is enabled: without it all input is dropped.
        const CREAD = 0o200;
        /// Parity generation and checking.
        const PARENB = 0o400;
        /// Hang up on last close.
        const HUPCL = 0o2000;
        /// Ignore modem status lines.
        const CLOCAL = 0o4000;
    }
}

flag_set! {
    /// Line editing, echo and signals (`c_lflag`).
    pub struct LocalFlags: u32 {
        /// `VINTR`, `VQUIT` and `VSUSP` generate signals.
        const ISIG = 0o1;
        /// Canonical mode: input is edited and read in lines.
        const ICANON = 0o2;
        /// Echo input.
        const ECHO = 0o10;
        /// `VERASE` and `VWERASE` visibly erase (`\b \b`).
        const ECHOE = 0o20;
        /// `VKILL` echoes a newline after the kill character (without `ECHOKE`).
        const ECHOK = 0o40;
        /// Echo `\n` in canonical mode even without `ECHO`.
        const ECHONL = 0o100;
        /// Do not flush pending input on `VINTR`, `VQUIT` or `VSUSP`.
        const NOFLSH = 0o200;
        /// Background processes that write get `SIGTTOU`.
        const TOSTOP = 0o400;
        /// Echo control characters as `^X`.
        const ECHOCTL = 0o1000;
        /// `VKILL` visibly erases the whole line (with `ECHOE` and `ECHOK`).
        const ECHOKE = 0o4000;
        /// Extensions: `VWERASE`, `VLNEXT`, `VREPRINT`, `VEOL2`.
        const IEXTEN = 0o100000;
    }
}
