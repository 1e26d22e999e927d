//! `procc lsp`: the language server on stdin/stdout.

use super::{EXIT_OK, EXIT_USAGE};

/// Serves one editor until it exits; a broken connection is an I/O failure.
pub(super) fn run() -> u8 {
    match procc::lsp::run_stdio() {
        Ok(()) => EXIT_OK,
        Err(message) => {
            eprintln!("error: language server: {message}");
            EXIT_USAGE
        }
    }
}
