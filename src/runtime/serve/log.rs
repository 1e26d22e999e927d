//! `procc serve`'s log: one JSON object per line on stderr.
//!
//! A line is written with one `write_all` on a locked stderr, and a failed write (a
//! closed pipe, a full disk) loses that line and nothing else: unlike `eprintln!`, it
//! never panics, so a broken stderr cannot take a request (or its conversation) down.
//! Callers pass only what is safe to show: never a secret, a token or an answer's value.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

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
    let mut out = String::with_capacity(24);
    push_timestamp(&mut out, since.as_secs(), since.subsec_millis());
    out
}

/// Appends the timestamp of `secs` (since the epoch) and `millis`. Every request writes
/// one, so the date is formatted once a day (per thread) and the time by hand instead
/// of through `format!`.
fn push_timestamp(out: &mut String, secs: u64, millis: u32) {
    thread_local! {
        static DATE: std::cell::RefCell<(u64, String)> =
            const { std::cell::RefCell::new((u64::MAX, String::new())) };
    }
    let day = secs / 86_400;
    DATE.with_borrow_mut(|(cached_day, date)| {
        if *cached_day != day {
            *cached_day = day;
            *date = crate::calendar::format_date(i32::try_from(day).unwrap_or(i32::MAX));
        }
        out.push_str(date);
    });
    let rest = secs % 86_400;
    out.push('T');
    push_digits(out, rest / 3600, 2);
    out.push(':');
    push_digits(out, rest % 3600 / 60, 2);
    out.push(':');
    push_digits(out, rest % 60, 2);
    out.push('.');
    push_digits(out, u64::from(millis), 3);
    out.push('Z');
}

/// Appends the last `width` decimal digits of `value`, zero-padded.
fn push_digits(out: &mut String, value: u64, width: u32) {
    for position in (0..width).rev() {
        let digit = value / 10u64.pow(position) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

/// A field's value on a line. Borrowed: a line allocates nothing but itself.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    /// A JSON string.
    Text(&'a str),
    /// A whole number.
    Integer(u64),
    /// Any other number.
    Number(f64),
    /// JSON `null`: the field does not apply to this line.
    Null,
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(text: &'a str) -> Self {
        Value::Text(text)
    }
}

impl From<u16> for Value<'_> {
    fn from(number: u16) -> Self {
        Value::Integer(number.into())
    }
}

impl From<f64> for Value<'_> {
    fn from(number: f64) -> Self {
        Value::Number(number)
    }
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(text: Option<&'a str>) -> Self {
        text.map_or(Value::Null, Value::Text)
    }
}

/// Writes one line: `ts`, `level`, then `fields` in order.
///
/// The line is written as it is serialized, without building a JSON object first: this
/// runs once per request, and a map of owned keys cost more than the request's handler.
pub fn write(level: Level, fields: &[(&str, Value<'_>)]) {
    // A failed write loses this line only: see the module's doc.
    let _ = std::io::stderr().lock().write_all(&line(level, fields));
}

/// The bytes of one line, newline included.
fn line(level: Level, fields: &[(&str, Value<'_>)]) -> Vec<u8> {
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
        let _ = match value {
            Value::Text(text) => serde_json::to_writer(&mut line, text),
            Value::Integer(number) => serde_json::to_writer(&mut line, number),
            Value::Number(number) => serde_json::to_writer(&mut line, number),
            Value::Null => serde_json::to_writer(&mut line, &()),
        };
    }
    line.extend_from_slice(b"}\n");
    line
}

/// Writes one line with a message and no other field.
pub fn message(level: Level, message: impl AsRef<str>) {
    write(level, &[("message", message.as_ref().into())]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_is_one_json_object_with_its_fields_in_order() {
        let fields = [
            ("conversation", Value::from("c\"1")),
            ("status", Value::from(200u16)),
            ("ms", Value::from(1.5)),
            ("event", Value::Null),
        ];
        let bytes = line(Level::Warn, &fields);
        assert_eq!(bytes.last(), Some(&b'\n'));
        assert_eq!(bytes.iter().filter(|&&b| b == b'\n').count(), 1);
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&bytes).unwrap();
        let keys: Vec<&str> = object.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            ["ts", "level", "conversation", "status", "ms", "event"]
        );
        assert_eq!(object["level"], "warn");
        assert_eq!(object["conversation"], "c\"1");
        assert_eq!(object["status"], 200);
        assert_eq!(object["ms"], 1.5);
        assert!(object["event"].is_null());
    }

    #[test]
    fn a_timestamp_is_the_date_and_the_time_of_day() {
        let mut out = String::new();
        // 2026-03-02T09:30:05.007Z, then a second one on the next day (the cached date
        // must not stick).
        push_timestamp(&mut out, 1_772_443_805, 7);
        assert_eq!(out, "2026-03-02T09:30:05.007Z");
        out.clear();
        push_timestamp(&mut out, 1_772_443_805 + 86_400 - 34_205, 999);
        assert_eq!(out, "2026-03-03T00:00:00.999Z");
    }

    #[test]
    fn timestamps_are_rfc3339_utc_milliseconds() {
        let ts = timestamp();
        assert_eq!(ts.len(), "2026-03-02T09:30:00.123Z".len(), "{ts}");
        assert!(ts.ends_with('Z') && ts.as_bytes()[10] == b'T', "{ts}");
    }
}
