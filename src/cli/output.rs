//! Printing diagnostics for the commands that compile.

use std::io::IsTerminal;

use procc::compiler::Compilation;
use procc::diagnostics::render::{render_human, render_json};

use super::{ColorChoice, CompileArgs, Format};

/// Whether human output to stderr should be coloured.
pub fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

/// Prints every compilation's diagnostics: human text on stderr, or one JSON document
/// `{"diagnostics": [...]}` on stdout. Returns whether the build fails (errors, or
/// warnings under `--deny-warnings`).
pub fn report(compilations: &[Compilation], args: &CompileArgs) -> bool {
    match args.format {
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
            for compilation in compilations {
                eprint!(
                    "{}",
                    render_human(&compilation.diagnostics, &compilation.sources, color)
                );
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
            eprintln!(
                "checked {files} file{}: {errors} error{}, {warnings} warning{}",
                plural(files),
                plural(errors),
                plural(warnings)
            );
        }
    }
    compilations
        .iter()
        .any(|c| c.has_errors() || (args.deny_warnings && c.has_warnings()))
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}
