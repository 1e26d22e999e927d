//! Files that hold secrets (the session store, signing keys): readable and writable by
//! their owner only, from the moment they exist.

use std::fs::File;
use std::path::Path;

/// Creates a file that must not exist yet with permissions `mode` (Unix) set at creation,
/// so its content is never readable by others, not even between creation and a `chmod`.
pub fn create_new(path: &Path, mode: u32) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    options.open(path)
}

/// Sets a path's permission bits (Unix; elsewhere the platform's defaults stay).
pub fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}
