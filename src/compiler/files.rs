//! Reading the file system safely: each directory is followed once (a symlink loop or a
//! directory reached along two paths is walked once, so a walk is linear in the tree),
//! only regular files are read (a FIFO would block, a device such as `/dev/zero` would
//! never end), and a file's size is capped.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::{LoadError, LoadProblem};

/// The largest `.proc` (or `procc.toml`) file procc reads: far above any real source
/// file, low enough that a mistaken path cannot exhaust memory.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The file that makes a directory one project.
pub const MANIFEST: &str = "procc.toml";

/// A walk over directories that visits each real directory and file once.
#[derive(Default)]
pub(crate) struct Walk {
    /// Canonical paths of the directories already listed.
    dirs: HashSet<PathBuf>,
    /// Canonical paths of the files already collected.
    files: HashSet<PathBuf>,
}

/// What one directory holds, each list sorted by name.
pub(crate) struct Listing {
    /// Its `.proc` files (whatever their type; [`read_text`] refuses what is not regular).
    pub files: Vec<PathBuf>,
    /// Its subdirectories not walked before.
    pub subdirs: Vec<PathBuf>,
    /// Whether it holds a `procc.toml`.
    pub manifest: bool,
}

impl Walk {
    /// Marks `dir` as visited; false when it was visited before (through another path
    /// or a symlink loop).
    pub(super) fn enter(&mut self, dir: &Path) -> bool {
        let key = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        self.dirs.insert(key)
    }

    /// Marks `file` as collected; false when the same file was collected before.
    pub(super) fn take_file(&mut self, file: &Path) -> bool {
        let key = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
        self.files.insert(key)
    }

    /// Lists `dir` (which the caller has [`Walk::enter`]ed): its `.proc` files and the
    /// subdirectories not visited yet. A symlink to a directory counts as a directory
    /// and is followed, once.
    pub(super) fn list(&mut self, dir: &Path) -> Result<Listing, LoadError> {
        let error = |e: std::io::Error| LoadError::new(dir, LoadProblem::Io(e));
        let mut listing = Listing {
            files: Vec::new(),
            subdirs: Vec::new(),
            manifest: false,
        };
        for entry in std::fs::read_dir(dir).map_err(error)? {
            let path = entry.map_err(error)?.path();
            // `metadata` follows symlinks; a dangling one is treated as a file, and
            // reported when read if it is named `.proc`.
            let is_dir = std::fs::metadata(&path).is_ok_and(|m| m.is_dir());
            if is_dir {
                if self.enter(&path) {
                    listing.subdirs.push(path);
                }
            } else if path.file_name().is_some_and(|name| name == MANIFEST) {
                listing.manifest = true;
            } else if path.extension().is_some_and(|ext| ext == "proc") {
                listing.files.push(path);
            }
        }
        listing.files.sort();
        listing.subdirs.sort();
        Ok(listing)
    }
}

/// Reads a regular file of at most [`MAX_FILE_BYTES`] as UTF-8 text. Anything else (a
/// FIFO, a socket, a device, a file too large, bytes that are not UTF-8) is a clear
/// error, and reading never blocks on a FIFO nor runs on forever.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    let error = |problem: LoadProblem| LoadError::new(path, problem);
    let io = |e: std::io::Error| error(LoadProblem::Io(e));
    let metadata = std::fs::metadata(path).map_err(io)?;
    if metadata.is_dir() {
        return Err(error(LoadProblem::Directory));
    }
    if !metadata.is_file() {
        return Err(error(LoadProblem::NotRegular));
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(error(LoadProblem::TooLarge));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    // The file may grow between `metadata` and the read: read at most one byte more
    // than the limit to notice.
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(error(LoadProblem::TooLarge));
    }
    String::from_utf8(bytes).map_err(|e| {
        error(LoadProblem::NotUtf8 {
            offset: e.utf8_error().valid_up_to(),
        })
    })
}
