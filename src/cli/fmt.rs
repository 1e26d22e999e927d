//! `procc fmt PATH... [--check]`: the canonical layout, written back or checked.

use std::path::{Path, PathBuf};

use procc::compiler::discover;
use procc::format::format_source;

use super::{EXIT_FAILURE, EXIT_OK, EXIT_USAGE};

/// Arguments of `procc fmt`.
#[derive(clap::Args, Debug)]
pub(super) struct FmtArgs {
    /// `.proc` files or directories (searched recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Change nothing; print the paths of the files that would change, one a line.
    #[arg(long)]
    check: bool,
}

/// What happened to one file.
enum Outcome {
    /// Already in the canonical layout.
    Unchanged,
    /// Rewritten (or, under `--check`, would be).
    Changed,
    /// Not formatted: syntax errors or a layout the formatter refused.
    Refused,
}

/// Formats (or checks) every `.proc` file under the paths.
pub(super) fn run(args: &FmtArgs) -> u8 {
    let files = match files(&args.paths) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let (mut changed, mut refused) = (0usize, 0usize);
    for path in &files {
        match format_file(path, args.check) {
            Ok(Outcome::Unchanged) => {}
            Ok(Outcome::Changed) => {
                changed += 1;
                if args.check {
                    println!("{}", path.display());
                }
            }
            Ok(Outcome::Refused) => refused += 1,
            Err(message) => {
                eprintln!("error: {message}");
                return EXIT_USAGE;
            }
        }
    }
    if !args.check && changed > 0 {
        eprintln!(
            "formatted {changed} file{}",
            if changed == 1 { "" } else { "s" }
        );
    }
    if refused > 0 || (args.check && changed > 0) {
        EXIT_FAILURE
    } else {
        EXIT_OK
    }
}

/// Every `.proc` file the paths name, as `procc check` finds them, each once.
fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let projects = discover(paths).map_err(|error| error.to_string())?;
    let mut files: Vec<PathBuf> = Vec::new();
    for file in projects.into_iter().flat_map(|p| p.files) {
        if !files.contains(&file) {
            files.push(file);
        }
    }
    if files.is_empty() {
        return Err("no .proc files found".to_string());
    }
    Ok(files)
}

/// Formats one file; an I/O failure is an `Err` with its message.
fn format_file(path: &Path, check: bool) -> Result<Outcome, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let formatted = match format_source(&text) {
        Ok(formatted) => formatted,
        Err(error) => {
            eprintln!("error: {}: not formatted: {error}", path.display());
            return Ok(Outcome::Refused);
        }
    };
    if formatted == text {
        return Ok(Outcome::Unchanged);
    }
    if !check {
        write_atomically(path, &formatted)
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    }
    Ok(Outcome::Changed)
}

/// Writes through a temporary file in the same directory, so an interrupted write never
/// leaves a half-formatted file.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".fmt-tmp");
    let temporary = PathBuf::from(temporary);
    if let Ok(metadata) = std::fs::metadata(path) {
        std::fs::write(&temporary, text)?;
        std::fs::set_permissions(&temporary, metadata.permissions())?;
    } else {
        std::fs::write(&temporary, text)?;
    }
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}
