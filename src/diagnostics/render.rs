//! Rendering diagnostics for people (ariadne) and for tools (the JSON of `procc check
//! --format json`).
//!
//! Both renderings list diagnostics sorted by file, then position, so that output does
//! not depend on the order in which the stages found the problems.

use std::ops::Range;

use ariadne::{Config, IndexType, Label as AriadneLabel, Report, ReportKind};
use serde_json::{Value, json};

use super::{Diagnostic, Severity, Sources};
use crate::source::FileId;

/// The diagnostics in the one order of [`super::sort`].
fn sorted(diags: &[Diagnostic]) -> Vec<&Diagnostic> {
    let mut sorted: Vec<&Diagnostic> = diags.iter().collect();
    sorted.sort_by_key(|diag| diag.order_key());
    sorted
}

/// A span clamped into the file and onto character boundaries, so that a stale or
/// hand-made span can never make a renderer panic.
fn clamp(sources: &Sources, file: FileId, span: &Range<usize>) -> Range<usize> {
    if file.0 as usize >= sources.len() {
        return 0..0;
    }
    let text = &sources.get(file).text;
    let floor = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = floor(span.start);
    let end = floor(span.end.max(span.start));
    start..end
}

/// The path shown for a file (empty for an id outside `sources`).
fn path_of(sources: &Sources, file: FileId) -> String {
    if (file.0 as usize) < sources.len() {
        sources.get(file).path.clone()
    } else {
        String::new()
    }
}

/// Renders diagnostics as ariadne reports, one after the other, with or without ANSI
/// colours. Offsets are bytes; each report shows its code, the primary label, the
/// secondary labels and the help line.
pub fn render_human(diags: &[Diagnostic], sources: &Sources, color: bool) -> String {
    // Only the files a diagnostic points into are indexed: indexing every line of a
    // large project that checks clean would cost as much as its semantic analysis.
    let shown: std::collections::HashSet<FileId> = diags
        .iter()
        .flat_map(|diag| std::iter::once(diag.file).chain(diag.labels.iter().map(|l| l.file)))
        .collect();
    let cache_sources: Vec<(String, String)> = sources
        .iter()
        .filter(|(id, _)| shown.contains(id))
        .map(|(_, f)| (f.path.clone(), f.text.clone()))
        .collect();
    let mut cache = ariadne::sources(cache_sources);
    let mut out = Vec::new();
    // Errors first, then warnings: what stops the build is read first.
    let mut ordered = sorted(diags);
    ordered.sort_by_key(|diag| diag.severity != Severity::Error);
    for diag in ordered {
        let kind = match diag.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
        };
        let primary = (
            path_of(sources, diag.file),
            clamp(sources, diag.file, &diag.span),
        );
        let mut report = Report::build(kind, primary.clone())
            .with_config(
                Config::default()
                    .with_index_type(IndexType::Byte)
                    .with_color(color),
            )
            .with_code(diag.code)
            .with_message(&diag.message);
        // Labels in source order, the primary's file first: ariadne starts a new
        // snippet whenever the order goes back up a file, and heads every snippet of
        // the primary's file with the primary's location, so out-of-order labels would
        // show a snippet under another place's header.
        let order = label_order(diag);
        let mut label = AriadneLabel::new(primary).with_order(order[0]);
        if !diag.primary_label.is_empty() {
            label = label.with_message(&diag.primary_label);
        }
        report = report.with_label(label);
        for (i, extra) in diag.labels.iter().enumerate() {
            let span = (
                path_of(sources, extra.file),
                clamp(sources, extra.file, &extra.span),
            );
            report = report.with_label(
                AriadneLabel::new(span)
                    .with_message(&extra.message)
                    .with_order(order[i + 1]),
            );
        }
        if let Some(help) = &diag.help {
            report = report.with_help(help);
        }
        // Writing into a Vec cannot fail for I/O reasons; a failure to fetch a source
        // (an id outside `sources`) falls back to the plain message below.
        if report.finish().write(&mut cache, &mut out).is_err() {
            out.extend_from_slice(format!("[{}] {}\n", diag.code, diag.message).as_bytes());
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The display rank of each label of `diag` (the primary first in the list, then the
/// secondary labels): the primary's file first, then by file, each file by where the
/// labels end (ariadne places a label on its last line).
fn label_order(diag: &Diagnostic) -> Vec<i32> {
    let places: Vec<(bool, FileId, usize)> = std::iter::once((false, diag.file, diag.span.end))
        .chain(
            diag.labels
                .iter()
                .map(|label| (label.file != diag.file, label.file, label.span.end)),
        )
        .collect();
    let mut ranked: Vec<usize> = (0..places.len()).collect();
    ranked.sort_by_key(|&i| (places[i], i));
    let mut order = vec![0; places.len()];
    for (rank, index) in ranked.into_iter().enumerate() {
        order[index] = rank as i32;
    }
    order
}

/// The location fields (`file`, `line`, `column`, `end_line`, `end_column`) of a span,
/// 1-based, columns in characters.
fn location(sources: &Sources, file: FileId, span: &Range<usize>) -> (String, Value) {
    let path = path_of(sources, file);
    let span = clamp(sources, file, span);
    let ((line, column), (end_line, end_column)) = if (file.0 as usize) < sources.len() {
        (
            sources.line_col(file, span.start),
            sources.line_col(file, span.end),
        )
    } else {
        ((1, 1), (1, 1))
    };
    (
        path,
        json!({"line": line, "column": column, "end_line": end_line, "end_column": end_column}),
    )
}

/// Renders diagnostics as the JSON object of `procc check --format json`:
/// `{"diagnostics": [{"severity", "code", "message", "file", "line", "column",
/// "end_line", "end_column", "labels": [...], "help"}]}`.
pub fn render_json(diags: &[Diagnostic], sources: &Sources) -> Value {
    let list: Vec<Value> = sorted(diags)
        .into_iter()
        .map(|diag| {
            let (file, loc) = location(sources, diag.file, &diag.span);
            let labels: Vec<Value> = diag
                .labels
                .iter()
                .map(|label| {
                    let (file, loc) = location(sources, label.file, &label.span);
                    json!({
                        "file": file,
                        "line": loc["line"],
                        "column": loc["column"],
                        "end_line": loc["end_line"],
                        "end_column": loc["end_column"],
                        "message": label.message,
                    })
                })
                .collect();
            json!({
                "severity": match diag.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                "code": diag.code,
                "message": diag.message,
                "file": file,
                "line": loc["line"],
                "column": loc["column"],
                "end_line": loc["end_line"],
                "end_column": loc["end_column"],
                "labels": labels,
                "help": diag.help,
            })
        })
        .collect();
    json!({ "diagnostics": list })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> (Vec<Diagnostic>, Sources) {
        let mut sources = Sources::new();
        let a = sources.add("a.proc", "var x: int {\n  ask \"héllo {y}\"\n}\n");
        let b = sources.add("b.proc", "secret s\n");
        let diags = vec![
            Diagnostic::warning("W0100", "second file", b, 7..8),
            Diagnostic::error("E0103", "unknown variable `y`", a, 28..29)
                .with_primary_label("not declared")
                .with_label(a, 4..5, "in this variable")
                .with_help("did you mean `x`?"),
        ];
        (diags, sources)
    }

    #[test]
    fn json_is_sorted_and_counts_characters() {
        let (diags, sources) = sample();
        let value = render_json(&diags, &sources);
        let list = value["diagnostics"].as_array().expect("a list");
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["file"], "a.proc");
        assert_eq!(list[0]["severity"], "error");
        assert_eq!(list[0]["line"], 2);
        // `é` is two bytes but one column.
        assert_eq!(list[0]["column"], 15);
        assert_eq!(list[0]["end_column"], 16);
        assert_eq!(list[0]["labels"][0]["message"], "in this variable");
        assert_eq!(list[0]["help"], "did you mean `x`?");
        assert_eq!(list[1]["help"], Value::Null);
        assert_eq!(list[1]["labels"], json!([]));
    }

    #[test]
    fn human_shows_code_labels_and_help() {
        let (diags, sources) = sample();
        let text = render_human(&diags, &sources, false);
        assert!(text.contains("[E0103]"), "{text}");
        assert!(text.contains("not declared"), "{text}");
        assert!(text.contains("in this variable"), "{text}");
        assert!(text.contains("did you mean `x`?"), "{text}");
        assert!(text.contains("[W0100]"), "{text}");
        assert!(text.find("E0103") < text.find("W0100"));
        assert!(!text.contains('\u{1b}'));
    }

    #[test]
    fn out_of_range_spans_do_not_panic() {
        let mut sources = Sources::new();
        let a = sources.add("a.proc", "é");
        let diags = vec![
            Diagnostic::error("E0100", "far", a, 1..500),
            Diagnostic::error("E0100", "other file", FileId(9), 0..3),
        ];
        let _ = render_human(&diags, &sources, true);
        let value = render_json(&diags, &sources);
        assert_eq!(value["diagnostics"][0]["column"], 1);
    }
}
