//! Reading analytics logs: one JSON object per line, as `procc run --events` writes
//! them (an [`AnalyticsEvent`] plus the host's `ts_ms`).

use std::path::Path;

use procc::vm::{AnalyticsEvent, EventKind};
use serde_json::Value as Json;

/// One event of a log.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Record {
    /// Which file it came from (index into the command line's files): conversations
    /// are told apart per file, since two logs may reuse an id.
    pub file: usize,
    /// The conversation.
    pub conversation: String,
    /// The host's clock when the event was written, if stamped.
    pub ts_ms: Option<u64>,
    /// What happened.
    pub kind: EventKind,
}

/// Why a log could not be read.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum ReadError {
    /// The file cannot be read (exit 2).
    Io(String),
    /// A line is not an analytics event (exit 1), located as `file:line`.
    Malformed(String),
}

/// Reads one log; `file` is its index among the logs.
pub(super) fn read(path: &Path, file: usize) -> Result<Vec<Record>, ReadError> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| ReadError::Io(format!("cannot read {}: {error}", path.display())))?;
    parse(&text, &path.display().to_string(), file)
}

/// Parses the text of one log named `origin`; blank lines are skipped.
pub(super) fn parse(text: &str, origin: &str, file: usize) -> Result<Vec<Record>, ReadError> {
    let mut records = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |why: String| ReadError::Malformed(format!("{origin}:{}: {why}", index + 1));
        let json: Json =
            serde_json::from_str(line).map_err(|error| at(format!("not JSON: {error}")))?;
        let ts_ms = match json.get("ts_ms") {
            None | Some(Json::Null) => None,
            Some(value) => Some(value.as_u64().ok_or_else(|| {
                at(format!(
                    "`ts_ms` must be a whole number of milliseconds, not {value}"
                ))
            })?),
        };
        let event: AnalyticsEvent = serde_json::from_value(json)
            .map_err(|error| at(format!("not an analytics event: {error}")))?;
        records.push(Record {
            file,
            conversation: event.conversation,
            ts_ms,
            kind: event.kind,
        });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_events_with_and_without_timestamps() {
        let text = "{\"conversation\":\"c\",\"event\":\"clicked\",\"procedure\":\"p\",\"ts_ms\":5}\n\n\
                    {\"conversation\":\"c\",\"event\":\"done\",\"procedure\":\"p\",\"outcome\":\"completed\",\"escalation\":false}\n";
        let records = parse(text, "log", 0).unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].ts_ms, Some(5));
        assert_eq!(records[1].ts_ms, None);
    }

    #[test]
    fn malformed_lines_are_located() {
        let text = "{\"conversation\":\"c\",\"event\":\"clicked\",\"procedure\":\"p\"}\n{\"event\":\"nope\"}\n";
        match parse(text, "e.jsonl", 0) {
            Err(ReadError::Malformed(why)) => assert!(why.starts_with("e.jsonl:2: "), "{why}"),
            other => panic!("{other:?}"),
        }
        match parse("not json", "e.jsonl", 0) {
            Err(ReadError::Malformed(why)) => assert!(why.starts_with("e.jsonl:1: not JSON")),
            other => panic!("{other:?}"),
        }
        let negative =
            "{\"conversation\":\"c\",\"event\":\"clicked\",\"procedure\":\"p\",\"ts_ms\":-1}";
        assert!(matches!(
            parse(negative, "e", 0),
            Err(ReadError::Malformed(_))
        ));
    }
}
