//! `procc inspect FILE.procb`: summary, collection order, disassembly with source lines.

use std::path::{Path, PathBuf};

use procc::bundle::disasm::{disassemble, to_json};

use super::run::load_bundle;
use super::{EXIT_OK, Format};

/// Loads (and so verifies) a bundle and prints it; a refused bundle exits 1.
pub(super) fn run(path: &Path, format: Format, trust: &[PathBuf]) -> u8 {
    let trusted = match super::trust::read_keys(trust) {
        Ok(keys) => keys,
        Err(code) => return code,
    };
    let module = match load_bundle(path, &trusted) {
        Ok(verified) => verified.into_module(),
        Err(code) => return code,
    };
    match format {
        Format::Human => print!("{}", disassemble(&module)),
        Format::Json => println!("{}", to_json(&module)),
    }
    EXIT_OK
}
