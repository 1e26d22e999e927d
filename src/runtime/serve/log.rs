//! `procc serve`'s log: one JSON object per line on stderr.
//!
//! A line is written with one `write_all` on a locked stderr, and a failed write (a
//! closed pipe, a full disk) loses that line and nothing else: unlike `eprintln!`, it
//! never panics, so a broken stderr cannot take a request (or its conversation) down.
//! Callers pass only what is safe to show: never a secret, a token or an answer's value.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value as Json};

/// How serious a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Normal operation.
    Info,
    /// Something the operator may want to look at (a client error, a cut connection).
    Warn,
    /// A failure (the store, a request to the business's API).
    Error,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        }
    }
}

/// The current time in RFC 3339, UTC, to the millisecond (`2026-03-02T09:30:00.123Z`).
pub fn timestamp() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = since.as_secs();
    let days = i32::try_from(secs / 86_400).unwrap_or(i32::MAX);
    let rest = secs % 86_400;
    format!(
        "{}T{:02}:{:02}:{:02}.{:03}Z",
        crate::calendar::format_date(days),
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        since.subsec_millis()
    )
}

/// Writes one line: `ts`, `level`, then `fields` in order.
pub fn write(level: Level, fields: Map<String, Json>) {
    let mut line = Map::with_capacity(fields.len() + 2);
    line.insert("ts".to_owned(), timestamp().into());
    line.insert("level".to_owned(), level.as_str().into());
    line.extend(fields);
    let mut text = Json::Object(line).to_string();
    text.push('\n');
    // A failed write loses this line only: see the module's doc.
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Writes one line with a message and no other field.
pub fn message(level: Level, message: impl Into<String>) {
    let mut fields = Map::new();
    fields.insert("message".to_owned(), Json::String(message.into()));
    write(level, fields);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_utc_milliseconds() {
        let ts = timestamp();
        assert_eq!(ts.len(), "2026-03-02T09:30:00.123Z".len(), "{ts}");
        assert!(ts.ends_with('Z') && ts.as_bytes()[10] == b'T', "{ts}");
    }
}
