//! The logic of `sed`: [`parse`] turns the `-e` scripts into a [`Script`], and
//! [`Script::run`] runs it over a whole input (all of it, so that `$` knows the last line) and
//! returns the output bytes. `-i` and `-s` are the binary's business: it runs the script once
//! per file and writes the output where it belongs.
//!
//! Supported: `s` (flags `g`, `p`, `N`, `i`/`I`; `&`, `\1`..`\9`, `\n`, `\U \L \u \l \E` in the
//! replacement; any delimiter), `y`, `d D p P l = q Q n N h H g G x z`, `a`/`i`/`c` (also as
//! GNU one-liners), `b t T :label`, `{ }`, `#` comments and `#n`; addresses `N`, `$`, `/re/`,
//! `\cREc`, `I`, `first~step`, ranges `A,B`, `0,/re/`, `A,+N`, `A,~N`, and `!`. Not supported:
//! the commands that read or write files or run programs (`r R w W e F`), the `M`, `w` and `e`
//! modifiers, and back-references inside regexes.

mod error;
mod exec;
mod parse;
mod replace;
mod script;

pub use error::{SedError, SedErrorKind};
pub use exec::SedOutput;
pub use script::Script;

/// Parses a script given as `-e` parts (joined with newlines, so `-e 'a\' -e 'text'` works);
/// `extended` is `-E`.
pub fn parse(scripts: &[&[u8]], extended: bool) -> Result<Script, SedError> {
    parse::parse(scripts, extended)
}

impl Script {
    /// Runs the script over `input`; `quiet` is `-n` (a script starting with `#n` is quiet
    /// anyway). Never fails: every problem is found by [`parse`].
    pub fn run(&self, input: &[u8], quiet: bool) -> SedOutput {
        exec::run(self, input, quiet)
    }
}

#[cfg(test)]
mod tests;
