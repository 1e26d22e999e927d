//! The report as aligned text tables.

use super::aggregate::{Run, Summary};

/// Formats a duration for people: `850 ms`, `12.3 s`, `2.5 min`.
pub(super) fn duration(ms: Option<u64>) -> String {
    match ms {
        None => "-".to_owned(),
        Some(ms) if ms < 1_000 => format!("{ms} ms"),
        Some(ms) if ms < 120_000 => format!("{:.1} s", ms as f64 / 1_000.0),
        Some(ms) => format!("{:.1} min", ms as f64 / 60_000.0),
    }
}

/// A rate as a whole percentage, `-` when undefined.
pub(super) fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "-".to_owned(), |r| format!("{:.0}%", r * 100.0))
}

/// Lays out rows under a header; the columns whose index is in `left` are left-aligned
/// (text), the others right-aligned (numbers).
fn layout(header: &[&str], rows: &[Vec<String>], left: &[usize]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (cell, width))| {
                if left.contains(&i) {
                    format!("{cell:<width$}")
                } else {
                    format!("{cell:>width$}")
                }
            })
            .collect();
        parts.join("  ").trim_end().to_owned()
    };
    let mut out = line(header.to_vec());
    out.push('\n');
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
        out.push('\n');
    }
    out
}

/// The per-procedure table and a closing line about conversations.
pub(super) fn summary(summary: &Summary) -> String {
    let header = [
        "procedure",
        "offered",
        "clicked",
        "completed",
        "failed",
        "cancelled",
        "denied",
        "completion",
        "escalations",
        "median click→done",
    ];
    let rows: Vec<Vec<String>> = summary
        .procedures
        .iter()
        .map(|p| {
            vec![
                p.procedure.clone(),
                p.offered.to_string(),
                p.clicked.to_string(),
                p.completed.to_string(),
                p.failed.to_string(),
                p.cancelled.to_string(),
                p.denied.to_string(),
                percent(p.completion_rate),
                p.escalations.to_string(),
                duration(p.median_click_to_done_ms),
            ]
        })
        .collect();
    let mut out = layout(&header, &rows, &[0]);
    out.push_str(&failures(summary));
    out.push_str(&lookups(summary));
    out.push_str(&format!(
        "\n{} conversation{}, {} escalated ({}); {} event{}\n",
        summary.conversations,
        plural(summary.conversations),
        summary.escalated_conversations,
        percent(summary.escalation_share),
        summary.events,
        plural(summary.events)
    ));
    out
}

/// The failed runs by `reason`, one row per procedure that failed (nothing when none
/// did): the contract's reasons in its order, then any other recorded (`unknown`).
fn failures(summary: &Summary) -> String {
    let failing: Vec<_> = summary.procedures.iter().filter(|p| p.failed > 0).collect();
    if failing.is_empty() {
        return String::new();
    }
    let mut reasons: Vec<&str> = procc::codegen::isa::Reason::ALL
        .iter()
        .map(|r| r.as_str())
        .collect();
    for p in &failing {
        for reason in p.failed_by_reason.keys() {
            if !reasons.contains(&reason.as_str()) {
                reasons.push(reason);
            }
        }
    }
    let mut header = vec!["failed by reason"];
    header.extend(reasons.iter().copied());
    let rows: Vec<Vec<String>> = failing
        .iter()
        .map(|p| {
            let mut row = vec![p.procedure.clone()];
            row.extend(
                reasons
                    .iter()
                    .map(|r| p.failed_by_reason.get(*r).copied().unwrap_or(0).to_string()),
            );
            row
        })
        .collect();
    format!("\n{}", layout(&header, &rows, &[0]))
}

/// Per lookup: requests that gave it a value, and those that failed (nothing when no
/// lookup was fetched).
fn lookups(summary: &Summary) -> String {
    if summary.lookups.is_empty() {
        return String::new();
    }
    let rows: Vec<Vec<String>> = summary
        .lookups
        .iter()
        .map(|l| {
            vec![
                l.lookup.clone(),
                l.fetched.to_string(),
                l.failed.to_string(),
            ]
        })
        .collect();
    format!(
        "\n{}",
        layout(&["lookup", "fetched", "failed"], &rows, &[0])
    )
}

/// The runs of one procedure.
pub(super) fn runs(procedure: &str, runs: &[Run], show_file: bool) -> String {
    if runs.is_empty() {
        return format!("{procedure} never ran in these logs\n");
    }
    let mut header = vec!["conversation", "outcome", "click→done"];
    if show_file {
        header.push("file");
    }
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            let mut row = vec![
                r.conversation.clone(),
                r.outcome.clone(),
                duration(r.duration_ms),
            ];
            if show_file {
                row.push(r.file.clone());
            }
            row
        })
        .collect();
    format!(
        "{procedure}: {} run{}\n\n{}",
        runs.len(),
        plural(runs.len() as u64),
        layout(&header, &rows, &[0, 1, 3])
    )
}

/// The plural ending for `count` things (`""` for one, else `"s"`), shared with the
/// HTML report so both word their counts alike.
pub(super) fn plural(count: u64) -> &'static str {
    if count == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_for_people() {
        assert_eq!(duration(None), "-");
        assert_eq!(duration(Some(850)), "850 ms");
        assert_eq!(duration(Some(12_345)), "12.3 s");
        assert_eq!(duration(Some(150_000)), "2.5 min");
        assert_eq!(percent(Some(0.5)), "50%");
    }
}
