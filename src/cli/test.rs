//! `procc test PATH...`: runs the `test` blocks of each project; `--filter`, `--format
//! json`, `--junit FILE` and `--coverage` as the contract's §8 describes.

mod junit;
mod report;

use std::path::PathBuf;

use procc::compiler::Compilation;
use procc::diagnostics::Sources;
use procc::testing::{ProcedureCoverage, TestResult, coverage, matches_filter, run_selected_tests};

use super::check::compile_all;
use super::{CompileArgs, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, Format, output};

/// Options of `procc test`.
#[derive(clap::Args, Debug)]
pub(super) struct TestArgs {
    #[command(flatten)]
    compile: CompileArgs,
    /// Run only the tests whose name contains TEXT.
    #[arg(long, value_name = "TEXT")]
    filter: Option<String>,
    /// Also write the results as JUnit XML to FILE.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also report, per procedure, the outcomes it can reach and which of them no test
    /// reached, then each branch of its `if` statements (`if`, `else if`, `else`) that no
    /// test entered, as `procedure NAME: if branch at FILE:LINE (else) not reached`;
    /// runs in failing tests count.
    #[arg(long)]
    coverage: bool,
}

/// The tests of one project, with what they need to be reported.
pub(super) struct ProjectRun<'a> {
    /// The project's compilation (its sources locate failures).
    pub compilation: &'a Compilation,
    /// The results, in declaration order.
    pub results: Vec<TestResult>,
    /// Per procedure coverage, when `--coverage` was asked.
    pub coverage: Vec<ProcedureCoverage>,
}

impl ProjectRun<'_> {
    /// The project's sources.
    pub(super) fn sources(&self) -> &Sources {
        &self.compilation.sources
    }
}

/// Compiles each project, runs its (selected) tests and reports them.
pub(super) fn run(args: &TestArgs) -> u8 {
    let build = match compile_all(&args.compile) {
        Ok(build) => build,
        Err(code) => return code,
    };
    let compilations = &build.compilations;
    let json = args.compile.format == Format::Json;
    // With `--format json`, stdout holds the test report and nothing else: diagnostics
    // go to stderr as text.
    let failed_to_compile = if json {
        output::report_to_stderr(&build, &args.compile)
    } else {
        output::report(&build, &args.compile)
    };
    if failed_to_compile {
        return EXIT_FAILURE;
    }
    if let Some(filter) = &args.filter
        && !any_test_matches(compilations, filter)
    {
        eprintln!("error: no test name contains `{filter}`");
        return EXIT_USAGE;
    }
    let mut runs = Vec::new();
    for compilation in compilations {
        match run_project(compilation, args) {
            Ok(run) => runs.push(run),
            Err(message) => {
                eprintln!("error: {message}");
                return EXIT_FAILURE;
            }
        }
    }
    let color = output::use_color(args.compile.color);
    if json {
        report::print_json(&runs, args.coverage);
    } else {
        report::print_human(&runs, color, args.coverage);
    }
    if let Some(path) = &args.junit
        && let Err(error) = std::fs::write(path, junit::render(&runs))
    {
        eprintln!("error: cannot write {}: {error}", path.display());
        return EXIT_USAGE;
    }
    let failed = runs
        .iter()
        .flat_map(|run| &run.results)
        .any(|result| result.failure.is_some());
    if failed { EXIT_FAILURE } else { EXIT_OK }
}

/// Whether a `test` of any project has a name containing `filter`.
fn any_test_matches(compilations: &[Compilation], filter: &str) -> bool {
    compilations
        .iter()
        .flat_map(user_files)
        .flat_map(|file| &file.items)
        .any(|item| match &item.kind {
            procc::syntax::ast::ItemKind::Test(test) => {
                matches_filter(&test.name.value, Some(filter))
            }
            _ => false,
        })
}

fn user_files(compilation: &Compilation) -> impl Iterator<Item = &procc::syntax::ast::SourceFile> {
    compilation
        .files
        .iter()
        .filter(|file| !compilation.stdlib.contains(&file.id))
}

fn run_project<'a>(
    compilation: &'a Compilation,
    args: &TestArgs,
) -> Result<ProjectRun<'a>, String> {
    let (module, source_map) = compilation
        .verified_mapped()
        .map_err(|error| format!("internal compiler error: {error}"))?;
    let files: Vec<_> = user_files(compilation).cloned().collect();
    let results = run_selected_tests(&files, &module, args.filter.as_deref())?;
    let coverage = if args.coverage {
        coverage(&files, &results, source_map)
    } else {
        Vec::new()
    };
    Ok(ProjectRun {
        compilation,
        results,
        coverage,
    })
}
