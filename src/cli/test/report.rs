//! Printing test results: the human listing, or §8's JSON document.

use procc::diagnostics::render::render_human;
use procc::testing::{ProcedureCoverage, Target, TestResult};
use serde_json::{Value, json};

use super::ProjectRun;

/// `test NAME ... ok|FAILED` per test (a failure with its source excerpt), the coverage
/// when asked, then `N passed, N failed`.
pub(super) fn print_human(runs: &[ProjectRun<'_>], color: bool, with_coverage: bool) {
    for run in runs {
        for result in &run.results {
            match &result.failure {
                None => println!("test {} ... ok", result.name),
                Some(failure) => {
                    println!("test {} ... FAILED", result.name);
                    print!(
                        "{}",
                        render_human(std::slice::from_ref(failure), run.sources(), color)
                    );
                }
            }
        }
    }
    if with_coverage {
        println!("coverage:");
        for run in runs {
            for procedure in &run.coverage {
                println!("  {}", coverage_line(run, procedure));
                for point in procedure.missed() {
                    if let Target::Branch(branch) = &point.target {
                        println!(
                            "    procedure {}: {} not reached",
                            procedure.procedure,
                            branch.describe(run.sources())
                        );
                    }
                }
            }
        }
    }
    let (passed, failed) = counts(runs);
    println!("{passed} passed, {failed} failed");
}

/// `NAME (file:line): reached outcome completed, outcome denied; no test reached outcome
/// failed, outcome cancelled` (its outcomes; the `if` branches missed follow, a line each).
fn coverage_line(run: &ProjectRun<'_>, procedure: &ProcedureCoverage) -> String {
    let (file, line) = file_line(run, procedure.file, procedure.span.start);
    let names = |reached: bool| -> String {
        let names: Vec<String> = procedure
            .points
            .iter()
            .filter(|point| point.reached == reached)
            .filter(|point| matches!(point.target, Target::Outcome(_)))
            .map(|point| point.target.describe(run.sources()))
            .collect();
        if names.is_empty() {
            "nothing".to_string()
        } else {
            names.join(", ")
        }
    };
    format!(
        "{} ({file}:{line}): reached {}; no test reached {}",
        procedure.procedure,
        names(true),
        names(false)
    )
}

/// `{"tests": [{"name", "file", "line", "outcome", "message"}], "passed", "failed"}` on
/// stdout, and a `"coverage"` list when `--coverage` asked for it: per procedure,
/// `"reached"` and `"not_reached"` name its outcomes and `if` branches.
pub(super) fn print_json(runs: &[ProjectRun<'_>], with_coverage: bool) {
    let tests: Vec<Value> = runs
        .iter()
        .flat_map(|run| run.results.iter().map(move |result| test_json(run, result)))
        .collect();
    let (passed, failed) = counts(runs);
    let mut document = json!({ "tests": tests, "passed": passed, "failed": failed });
    if with_coverage {
        let coverage: Vec<Value> = runs
            .iter()
            .flat_map(|run| run.coverage.iter().map(move |p| coverage_json(run, p)))
            .collect();
        document["coverage"] = Value::Array(coverage);
    }
    println!("{document}");
}

fn test_json(run: &ProjectRun<'_>, result: &TestResult) -> Value {
    let (file, line) = file_line(run, result.file, result.span.start);
    json!({
        "name": result.name,
        "file": file,
        "line": line,
        "outcome": if result.failure.is_some() { "failed" } else { "passed" },
        "message": result.failure.as_ref().map(|failure| {
            let (path, line, column) = location(run, failure.file, failure.span.start);
            format!("{} (at {path}:{line}:{column})", failure.message)
        }),
    })
}

fn coverage_json(run: &ProjectRun<'_>, procedure: &ProcedureCoverage) -> Value {
    let (file, line) = file_line(run, procedure.file, procedure.span.start);
    let points = |reached: bool| -> Vec<String> {
        procedure
            .points
            .iter()
            .filter(|point| point.reached == reached)
            .map(|point| point.target.describe(run.sources()))
            .collect()
    };
    json!({
        "procedure": procedure.procedure,
        "file": file,
        "line": line,
        "reached": points(true),
        "not_reached": points(false),
    })
}

/// How many tests passed and failed, over every project.
pub(super) fn counts(runs: &[ProjectRun<'_>]) -> (usize, usize) {
    let results = || runs.iter().flat_map(|run| &run.results);
    let failed = results().filter(|r| r.failure.is_some()).count();
    (results().count() - failed, failed)
}

/// The path and 1-based line of an offset.
pub(super) fn file_line(
    run: &ProjectRun<'_>,
    file: procc::syntax::ast::FileId,
    offset: usize,
) -> (String, usize) {
    let (path, line, _) = location(run, file, offset);
    (path, line)
}

fn location(
    run: &ProjectRun<'_>,
    file: procc::syntax::ast::FileId,
    offset: usize,
) -> (String, usize, usize) {
    let sources = run.sources();
    let (line, column) = sources.line_col(file, offset);
    (sources.get(file).path.clone(), line, column)
}
