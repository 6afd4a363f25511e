//! `umask`: shows or sets the file-creation mask (octal).

use alloc::string::String;

use crate::interp::Shell;
use crate::os::Os;

impl<O: Os> Shell<O> {
    /// `umask [mask]`.
    pub(super) fn builtin_umask(&mut self, args: &[String]) -> i32 {
        match args {
            [] => {
                let mask = self.os.umask(None);
                self.os.umask(Some(mask));
                self.print(&alloc::format!("{mask:04o}\n"))
            }
            [mask] => match u32::from_str_radix(mask, 8) {
                Ok(value) if value <= 0o777 => {
                    self.os.umask(Some(value));
                    0
                }
                _ => {
                    self.report(format_args!("umask: {mask}: invalid octal number"));
                    1
                }
            },
            _ => self.usage_error("umask", format_args!("too many arguments")),
        }
    }
}
