//! `--trust NAME.pub` (repeatable) on `run`, `serve` and `inspect` (§6): only a bundle
//! signed by a trusted key is loaded, and the signature is checked before the verifier
//! sees anything.

use std::path::{Path, PathBuf};

use procc::bundle::sign::{PublicKey, check_trusted, read_public};

use super::{EXIT_FAILURE, EXIT_USAGE};

/// Reads the trusted public keys; an unreadable or malformed file is a usage error.
pub(super) fn read_keys(paths: &[PathBuf]) -> Result<Vec<PublicKey>, u8> {
    paths
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).map_err(|error| {
                eprintln!("error: cannot read {}: {error}", path.display());
                EXIT_USAGE
            })?;
            read_public(&text).map_err(|error| {
                eprintln!(
                    "error: {} is not a procc public key: {error}",
                    path.display()
                );
                EXIT_USAGE
            })
        })
        .collect()
}

/// With trusted keys, refuses (exit 1) a bundle that none of them signed; without any,
/// accepts every bundle.
pub(super) fn check(path: &Path, bytes: &[u8], trusted: &[PublicKey]) -> Result<(), u8> {
    if trusted.is_empty() {
        return Ok(());
    }
    check_trusted(bytes, trusted).map_err(|error| {
        eprintln!("error: {} is refused: {error}", path.display());
        EXIT_FAILURE
    })
}
