//! The compiler's diagnostics as the protocol's, and quick fixes from their help lines.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_types::{
    CodeAction, CodeActionKind, DiagnosticRelatedInformation, DiagnosticSeverity, Location,
    NumberOrString, TextEdit, Uri, WorkspaceEdit,
};

use super::convert::{LineIndex, path_to_uri};
use super::workspace::ProjectState;
use crate::diagnostics::{Diagnostic, Severity};
use crate::syntax::ast::{FileId, Span};

/// The protocol diagnostics of a checked project, per file path (every user file of the
/// project has an entry, empty when clean): the analysis's, and what generating and
/// verifying it added once known, in the order of `procc check`.
pub(super) fn by_file(
    project: &ProjectState,
    stdlib_dir: &Path,
) -> HashMap<PathBuf, Vec<lsp_types::Diagnostic>> {
    let mut out: HashMap<PathBuf, Vec<lsp_types::Diagnostic>> = project
        .files
        .iter()
        .map(|path| (path.clone(), Vec::new()))
        .collect();
    let Some(analysis) = &project.analysis else {
        return out;
    };
    let mut all: Vec<&Diagnostic> = analysis.diagnostics.iter().collect();
    if !project.late.is_empty() {
        all.extend(&project.late);
        all.sort_by_key(|d| d.order_key());
    }
    // Only the files a diagnostic points into are indexed (usually none or one).
    let mut indexes: HashMap<FileId, LineIndex> = HashMap::new();
    let mut range = |file: FileId, span: &Span| {
        if file.0 as usize >= analysis.sources.len() {
            return None;
        }
        let index = indexes
            .entry(file)
            .or_insert_with(|| LineIndex::new(&analysis.sources.get(file).text));
        Some(index.range(span))
    };
    for diagnostic in all {
        let Some(path) = project.path_of(diagnostic.file, stdlib_dir) else {
            continue;
        };
        let Some(primary) = range(diagnostic.file, &diagnostic.span) else {
            continue;
        };
        let related = diagnostic
            .labels
            .iter()
            .filter_map(|label| {
                let uri = path_to_uri(&project.path_of(label.file, stdlib_dir)?)?;
                Some(DiagnosticRelatedInformation {
                    location: Location::new(uri, range(label.file, &label.span)?),
                    message: label.message.clone(),
                })
            })
            .collect::<Vec<_>>();
        out.entry(path).or_default().push(lsp_types::Diagnostic {
            range: primary,
            severity: Some(match diagnostic.severity {
                Severity::Error => DiagnosticSeverity::ERROR,
                Severity::Warning => DiagnosticSeverity::WARNING,
            }),
            code: Some(NumberOrString::String(diagnostic.code.to_string())),
            source: Some("procc".to_string()),
            message: message(diagnostic),
            related_information: (!related.is_empty()).then_some(related),
            ..Default::default()
        });
    }
    out
}

/// The message as the editor shows it: the sentence, the label, and the help line.
fn message(diagnostic: &Diagnostic) -> String {
    let mut text = diagnostic.message.clone();
    if !diagnostic.primary_label.is_empty() {
        text.push_str(&format!(" ({})", diagnostic.primary_label));
    }
    if let Some(help) = &diagnostic.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    text
}

/// The replacement a "did you mean `x`?" help line proposes.
pub(super) fn suggestion(help: &str) -> Option<&str> {
    let rest = help.strip_prefix("did you mean `")?;
    rest.strip_suffix("`?")
}

/// Quick fixes for the diagnostics of `uri` that overlap `range` (byte span) and
/// suggest a name.
pub(super) fn quick_fixes(
    diagnostics: &[Diagnostic],
    file: crate::syntax::ast::FileId,
    index: &LineIndex,
    uri: &Uri,
    range: &std::ops::Range<usize>,
) -> Vec<CodeAction> {
    diagnostics
        .iter()
        .filter(|d| d.file == file && d.span.start <= range.end && range.start <= d.span.end)
        .filter_map(|d| {
            let replacement = suggestion(d.help.as_deref()?)?;
            let edit = TextEdit::new(index.range(&d.span), replacement.to_string());
            Some(CodeAction {
                title: format!("Replace with `{replacement}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                edit: Some(WorkspaceEdit::new(HashMap::from([(
                    uri.clone(),
                    vec![edit],
                )]))),
                is_preferred: Some(true),
                ..Default::default()
            })
        })
        .collect()
}
