//! `procc check PATH...`.

use procc::compiler::{Compilation, compile, discover, load};

use super::{CompileArgs, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, output};

/// Checks every project found under the paths.
pub fn run(args: &CompileArgs) -> u8 {
    let compilations = match compile_all(args) {
        Ok(compilations) => compilations,
        Err(code) => return code,
    };
    if output::report(&compilations, args) {
        EXIT_FAILURE
    } else {
        EXIT_OK
    }
}

/// Discovers, loads and compiles every project; an I/O problem is reported and gives
/// the usage exit code.
pub fn compile_all(args: &CompileArgs) -> Result<Vec<Compilation>, u8> {
    let projects = discover(&args.paths).map_err(io_failure)?;
    if projects.is_empty() {
        eprintln!("error: no .proc files found");
        return Err(EXIT_USAGE);
    }
    projects
        .iter()
        .map(|project| load(project).map(compile).map_err(io_failure))
        .collect()
}

fn io_failure(error: procc::compiler::LoadError) -> u8 {
    eprintln!("error: {error}");
    EXIT_USAGE
}
