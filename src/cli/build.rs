//! `procc build PATH... -o FILE.procb`.

use std::path::Path;

use super::check::compile_all;
use super::{CompileArgs, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, output};

/// Compiles one project and writes its verified bundle.
pub(super) fn run(args: &CompileArgs, out: &Path, sign: Option<&Path>) -> u8 {
    // The key is read first: a bad key path fails before any work.
    let key = match sign.map(read_key).transpose() {
        Ok(key) => key,
        Err(code) => return code,
    };
    let build = match compile_all(args) {
        Ok(build) => build,
        Err(code) => return code,
    };
    let compilations = &build.compilations;
    if compilations.len() > 1 {
        eprintln!(
            "error: the paths hold {} separate projects; build one at a time",
            compilations.len()
        );
        if let Some(hint) = &build.layout_hint {
            eprintln!("note: {hint}");
        }
        return EXIT_USAGE;
    }
    if output::report(&build, args) {
        return EXIT_FAILURE;
    }
    let module = match compilations[0].generate() {
        Ok(module) => module,
        Err(error) => {
            eprintln!("error: internal compiler error: {error}");
            return EXIT_FAILURE;
        }
    };
    let mut bytes = procc::bundle::encode(&module);
    // The compiler runs the same verifier on what it emits as every loader does.
    if let Err(error) = procc::bundle::load(&bytes) {
        eprintln!("error: the generated bundle was refused by the verifier: {error}");
        return EXIT_FAILURE;
    }
    if let Some(key) = &key {
        bytes = match procc::bundle::sign::sign(&bytes, key) {
            Ok(signed) => signed,
            Err(error) => {
                eprintln!("error: cannot sign the bundle: {error}");
                return EXIT_FAILURE;
            }
        };
    }
    if let Err(error) = std::fs::write(out, &bytes) {
        eprintln!("error: cannot write {}: {error}", out.display());
        return EXIT_USAGE;
    }
    if args.format == super::Format::Human {
        eprintln!("wrote {} ({} bytes)", out.display(), bytes.len());
    }
    EXIT_OK
}

/// Reads a signing key (`NAME.key`); unreadable or malformed is a usage error.
fn read_key(path: &Path) -> Result<procc::bundle::sign::SecretKey, u8> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        eprintln!("error: cannot read {}: {error}", path.display());
        EXIT_USAGE
    })?;
    procc::bundle::sign::read_secret(&text).map_err(|error| {
        eprintln!(
            "error: {} is not a procc signing key: {error}",
            path.display()
        );
        EXIT_USAGE
    })
}
