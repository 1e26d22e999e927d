//! The catalogue of diagnostic codes: the tables of `docs/diagnostics.md`, embedded and
//! read at run time, so that the documentation is the one source of truth for what a
//! code means and how to fix it (`procc explain CODE`, editors' hovers).

/// The documentation the catalogue is read from.
const DOCUMENT: &str = include_str!("../../docs/diagnostics.md");

/// One row of the tables of `docs/diagnostics.md`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The code, e.g. `E0103`.
    pub code: &'static str,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// What it means.
    pub meaning: &'static str,
    /// How to fix it.
    pub fix: &'static str,
    /// The title of the section the row is in (`Syntax`, `Semantic analysis`, ...).
    pub section: &'static str,
}

/// Every documented code, in the document's order.
pub fn entries() -> Vec<Entry> {
    let mut section = "";
    let mut entries = Vec::new();
    for line in DOCUMENT.lines() {
        if let Some(title) = line.strip_prefix("## ") {
            section = title.trim();
            continue;
        }
        if let Some(entry) = parse_row(line, section) {
            entries.push(entry);
        }
    }
    entries
}

/// The entry of `code` (case-insensitive), if it is documented.
pub fn entry(code: &str) -> Option<Entry> {
    entries()
        .into_iter()
        .find(|entry| entry.code.eq_ignore_ascii_case(code.trim()))
}

/// A table row `| CODE | severity | meaning | fix |` whose code looks like `E0123`.
fn parse_row(line: &'static str, section: &'static str) -> Option<Entry> {
    let inner = line.trim().strip_prefix('|')?.strip_suffix('|')?;
    let cells = split_cells(inner);
    let [code, severity, meaning, fix] = cells.as_slice() else {
        return None;
    };
    let looks_like_code = code.len() == 5
        && code.starts_with(|c: char| c.is_ascii_uppercase())
        && code[1..].chars().all(|c| c.is_ascii_digit());
    looks_like_code.then_some(Entry {
        code,
        severity,
        meaning,
        fix,
        section,
    })
}

/// The cells of a Markdown table row, splitting on `|` outside backticks (a cell may
/// show `a | b` in code).
fn split_cells(inner: &'static str) -> Vec<&'static str> {
    let mut cells = Vec::new();
    let (mut start, mut in_code) = (0, false);
    for (i, ch) in inner.char_indices() {
        match ch {
            '`' => in_code = !in_code,
            '|' if !in_code && !inner[..i].ends_with('\\') => {
                cells.push(inner[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    cells.push(inner[start..].trim());
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_with_their_section() {
        let unknown = entry("e0103").expect("E0103 is documented");
        assert_eq!(unknown.severity, "error");
        assert!(unknown.meaning.contains("unknown name"), "{unknown:?}");
        assert!(unknown.fix.contains("did you mean"), "{unknown:?}");
        assert_eq!(unknown.section, "Semantic analysis");
        assert_eq!(entry("W0101").map(|e| e.severity), Some("warning"));
        assert!(entry("X9999").is_none());
    }

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<&str> = entries().iter().map(|e| e.code).collect();
        let total = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), total, "a code is documented twice");
    }
}
