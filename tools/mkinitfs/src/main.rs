//! `mkinitfs`: the host tool that packs files, directory trees and (with `--bad-elves`)
//! deliberately broken ELF test executables into a Cairn initfs image, the read-only image
//! GRUB loads as a Multiboot2 module. Run `mkinitfs --help` for the command line.
//!
//! Depends on `std` and `cairn-initfs` (feature `writer`); the ELF handling is its own.

mod badelf;
mod cli;
mod elf;
mod pack;

use std::process::ExitCode;

use cairn_initfs::InitfsBuilder;

use crate::cli::{Command, Options};
use crate::pack::PackError;

fn main() -> ExitCode {
    match cli::parse(std::env::args_os().skip(1)) {
        Ok(Command::Help) => {
            println!("{}", cli::USAGE);
            ExitCode::SUCCESS
        }
        Ok(Command::Pack(options)) => match pack(&options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("mkinitfs: {error}");
                ExitCode::FAILURE
            }
        },
        Err(error) => {
            eprintln!("mkinitfs: {error}\n\n{}", cli::USAGE);
            ExitCode::from(2)
        }
    }
}

fn pack(options: &Options) -> Result<(), PackError> {
    let mut builder = InitfsBuilder::new();
    for source in &options.sources {
        pack::add(&mut builder, source)?;
    }
    pack::write_image(&options.out, &builder.build())
}
