//! Printing diagnostics for the commands that compile.

use std::io::IsTerminal;

use procc::compiler::Compilation;
use procc::diagnostics::Diagnostic;
use procc::diagnostics::render::{render_human, render_json};
use procc::semantics::codes::UNKNOWN_NAME;

use super::{ColorChoice, CompileArgs, Format};

/// Whether human output to stderr should be coloured.
pub(super) fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

/// The compiled projects of a command line, with the note to print when their errors
/// may come from how the files were grouped into projects.
pub(super) struct Build {
    /// One compilation per project.
    pub compilations: Vec<Compilation>,
    /// How to make one project of these files (see [`procc::compiler::layout_hint`]).
    pub layout_hint: Option<String>,
}

/// Prints every compilation's diagnostics: human text on stderr, or one JSON document
/// `{"diagnostics": [...]}` on stdout. Returns whether the build fails (errors, or
/// warnings under `--deny-warnings`).
pub(super) fn report(build: &Build, args: &CompileArgs) -> bool {
    report_as(build, args, args.format)
}

/// [`report`], always as human text on stderr (for commands whose stdout is taken).
pub(super) fn report_to_stderr(build: &Build, args: &CompileArgs) -> bool {
    report_as(build, args, Format::Human)
}

fn report_as(build: &Build, args: &CompileArgs, format: Format) -> bool {
    let compilations = &build.compilations;
    match format {
        Format::Json => {
            let diagnostics: Vec<serde_json::Value> = compilations
                .iter()
                .flat_map(|c| match render_json(&c.diagnostics, &c.sources) {
                    serde_json::Value::Object(mut object) => match object.remove("diagnostics") {
                        Some(serde_json::Value::Array(items)) => items,
                        _ => Vec::new(),
                    },
                    _ => Vec::new(),
                })
                .collect();
            println!("{}", serde_json::json!({ "diagnostics": diagnostics }));
        }
        Format::Human => {
            let color = use_color(args.color);
            let (mut errors, mut warnings, mut files) = (0, 0, 0);
            // Errors first (they stop the build), then warnings, each in file order.
            for severity_is_error in [true, false] {
                for compilation in compilations {
                    let selected: Vec<Diagnostic> = compilation
                        .diagnostics
                        .iter()
                        .filter(|d| d.is_error() == severity_is_error)
                        .cloned()
                        .collect();
                    eprint!("{}", render_human(&selected, &compilation.sources, color));
                }
            }
            for compilation in compilations {
                errors += compilation
                    .diagnostics
                    .iter()
                    .filter(|d| d.is_error())
                    .count();
                warnings += compilation
                    .diagnostics
                    .iter()
                    .filter(|d| !d.is_error())
                    .count();
                files += compilation.sources.len() - compilation.stdlib.len();
            }
            let denied = if args.deny_warnings && warnings > 0 {
                " (warnings are denied by --deny-warnings: the build fails)"
            } else {
                ""
            };
            eprintln!(
                "checked {files} file{}: {errors} error{}, {warnings} warning{}{denied}",
                plural(files),
                plural(errors),
                plural(warnings)
            );
            print_layout_hint(build);
        }
    }
    compilations
        .iter()
        .any(|c| c.has_errors() || (args.deny_warnings && c.has_warnings()))
}

/// Prints the note on making one project when a name is unknown and the files were
/// grouped without a `procc.toml`.
pub(super) fn print_layout_hint(build: &Build) {
    let unknown_names = build
        .compilations
        .iter()
        .flat_map(|c| &c.diagnostics)
        .any(|d| d.code == UNKNOWN_NAME);
    if unknown_names && let Some(hint) = &build.layout_hint {
        eprintln!("note: {hint}");
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
