//! `procc test PATH...`: runs the `test` blocks of each project.

use procc::diagnostics::render::render_human;
use procc::testing::run_tests;

use super::check::compile_all;
use super::{CompileArgs, EXIT_FAILURE, EXIT_OK, output};

/// Compiles each project, runs its tests, prints each test and `N passed, N failed`.
pub fn run(args: &CompileArgs) -> u8 {
    let compilations = match compile_all(args) {
        Ok(compilations) => compilations,
        Err(code) => return code,
    };
    if output::report(&compilations, args) {
        return EXIT_FAILURE;
    }
    let color = output::use_color(args.color);
    let (mut passed, mut failed) = (0, 0);
    for compilation in &compilations {
        let module = match compilation.generate() {
            Ok(module) => module,
            Err(error) => {
                eprintln!("error: internal compiler error: {error}");
                return EXIT_FAILURE;
            }
        };
        let user_files: Vec<_> = compilation
            .files
            .iter()
            .filter(|file| !compilation.stdlib.contains(&file.id))
            .cloned()
            .collect();
        let results = match run_tests(&user_files, &module) {
            Ok(results) => results,
            Err(error) => {
                eprintln!("error: {error}");
                return EXIT_FAILURE;
            }
        };
        for result in results {
            match result.failure {
                None => {
                    passed += 1;
                    println!("test {} ... ok", result.name);
                }
                Some(failure) => {
                    failed += 1;
                    println!("test {} ... FAILED", result.name);
                    print!("{}", render_human(&[failure], &compilation.sources, color));
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 { EXIT_OK } else { EXIT_FAILURE }
}
