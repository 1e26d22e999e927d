//! `procc keygen NAME`: an Ed25519 key pair for signing bundles (§6): `NAME.key`,
//! readable and writable by its owner only, and `NAME.pub`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{EXIT_OK, EXIT_USAGE};

/// Writes `NAME.key` and `NAME.pub`; refuses to overwrite an existing key.
pub(super) fn run(name: &Path) -> u8 {
    let secret_path = with_extension(name, "key");
    let public_path = with_extension(name, "pub");
    // A signing key comes from the operating system's source or not at all.
    let seed = match procc::runtime::random::secret_bytes() {
        Ok(seed) => seed,
        Err(error) => {
            eprintln!("error: cannot draw a random key: {error}");
            return EXIT_USAGE;
        }
    };
    let (secret, public) = procc::bundle::sign::generate(seed);
    if let Err(error) = write_new(&secret_path, secret.as_bytes(), true) {
        eprintln!("error: cannot write {}: {error}", secret_path.display());
        return EXIT_USAGE;
    }
    if let Err(error) = write_new(&public_path, public.as_bytes(), false) {
        eprintln!("error: cannot write {}: {error}", public_path.display());
        return EXIT_USAGE;
    }
    eprintln!(
        "wrote {} (keep it secret) and {}",
        secret_path.display(),
        public_path.display()
    );
    EXIT_OK
}

/// `NAME` plus an extension (`NAME.key`), keeping any dots already in the name.
fn with_extension(name: &Path, ext: &str) -> PathBuf {
    let mut text = name.as_os_str().to_owned();
    text.push(".");
    text.push(ext);
    PathBuf::from(text)
}

/// Creates a file that must not exist yet; the secret key is owner-only (0600) from
/// the start.
fn write_new(path: &Path, bytes: &[u8], secret: bool) -> std::io::Result<()> {
    let mode = if secret { 0o600 } else { 0o644 };
    let mut file = procc::runtime::private::create_new(path, mode)?;
    file.write_all(bytes)?;
    file.sync_all()
}
