//! `procc serve`'s log: one JSON object per line on stderr.
//!
//! A line is written with one `write_all` on a locked stderr, and a failed write (a
//! closed pipe, a full disk) loses that line and nothing else: unlike `eprintln!`, it
//! never panics, so a broken stderr cannot take a request (or its conversation) down.
//! Callers pass only what is safe to show: never a secret, a token or an answer's value.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value as Json;

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
///
/// The line is written as it is serialized, without building a JSON object first: this
/// runs once per request, and a map of owned keys cost more than the request's handler.
pub fn write(level: Level, fields: &[(&str, Json)]) {
    // A failed write loses this line only: see the module's doc.
    let _ = std::io::stderr().lock().write_all(&line(level, fields));
}

/// The bytes of one line, newline included.
fn line(level: Level, fields: &[(&str, Json)]) -> Vec<u8> {
    let mut line = Vec::with_capacity(160);
    line.extend_from_slice(b"{\"ts\":\"");
    line.extend_from_slice(timestamp().as_bytes());
    line.extend_from_slice(b"\",\"level\":\"");
    line.extend_from_slice(level.as_str().as_bytes());
    line.push(b'"');
    for (key, value) in fields {
        line.push(b',');
        // Serializing a text or a JSON value into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut line, key);
        line.push(b':');
        let _ = serde_json::to_writer(&mut line, value);
    }
    line.extend_from_slice(b"}\n");
    line
}

/// Writes one line with a message and no other field.
pub fn message(level: Level, message: impl Into<String>) {
    write(level, &[("message", Json::String(message.into()))]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_one_json_object_with_its_fields_in_order() {
        let fields = [
            ("conversation", Json::from("c\"1")),
            ("status", Json::from(200)),
            ("event", Json::Null),
        ];
        let bytes = line(Level::Warn, &fields);
        assert_eq!(bytes.last(), Some(&b'\n'));
        assert_eq!(bytes.iter().filter(|&&b| b == b'\n').count(), 1);
        let object: serde_json::Map<String, Json> = serde_json::from_slice(&bytes).unwrap();
        let keys: Vec<&str> = object.keys().map(String::as_str).collect();
        assert_eq!(keys, ["ts", "level", "conversation", "status", "event"]);
        assert_eq!(object["level"], "warn");
        assert_eq!(object["conversation"], "c\"1");
    }

    #[test]
    fn timestamps_are_rfc3339_utc_milliseconds() {
        let ts = timestamp();
        assert_eq!(ts.len(), "2026-03-02T09:30:00.123Z".len(), "{ts}");
        assert!(ts.ends_with('Z') && ts.as_bytes()[10] == b'T', "{ts}");
    }
}
