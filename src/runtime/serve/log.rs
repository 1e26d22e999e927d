//! `procc serve`'s log: one JSON object per line on stderr.
//!
//! A line is written with one `write_all` on a locked stderr, and a failed write (a
//! closed pipe, a full disk) loses that line and nothing else: unlike `eprintln!`, it
//! never panics, so a broken stderr cannot take a request (or its conversation) down.
//! Callers pass only what is safe to show: never a secret, a token or an answer's value.
//!
//! A runtime worker thread holds its `info` lines (one per request) until it is idle or
//! holds [`HELD_LIMIT`] bytes, and writes them with one `write`: a system call per
//! request cost a tenth of the server's throughput. The runtime calls
//! [`on_worker_idle`] before a worker parks (so under light load a line is out within
//! microseconds of its request) and [`on_worker_stop`] when one stops. Warnings and
//! errors are written at once, after what the thread held, so a thread's lines keep
//! their order. What a `kill -9` can lose is the `info` lines held at that moment: at
//! most [`HELD_LIMIT`] bytes per worker, of requests already answered.

use std::cell::RefCell;
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
    let mut out = Vec::with_capacity(24);
    push_now(&mut out);
    // The timestamp is ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends the current time as [`timestamp`] gives it.
fn push_now(out: &mut Vec<u8>) {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    push_timestamp(out, since.as_secs(), since.subsec_millis());
}

/// Appends the timestamp of `secs` (since the epoch) and `millis`. Every request writes
/// one, so the date is formatted once a day (per thread) and the time by hand instead
/// of through `format!`.
fn push_timestamp(out: &mut Vec<u8>, secs: u64, millis: u32) {
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
        out.extend_from_slice(date.as_bytes());
    });
    let rest = secs % 86_400;
    out.push(b'T');
    push_digits(out, rest / 3600, 2);
    out.push(b':');
    push_digits(out, rest % 3600 / 60, 2);
    out.push(b':');
    push_digits(out, rest % 60, 2);
    out.push(b'.');
    push_digits(out, u64::from(millis), 3);
    out.push(b'Z');
}

/// Appends the last `width` decimal digits of `value`, zero-padded.
fn push_digits(out: &mut Vec<u8>, value: u64, width: u32) {
    for position in (0..width).rev() {
        let digit = value / 10u64.pow(position) % 10;
        out.push(b'0' + digit as u8);
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

/// How many bytes of `info` lines a worker thread holds before writing them out.
pub const HELD_LIMIT: usize = 8 * 1024;

/// The lines a thread holds: `None` on a thread that writes each line at once (every
/// thread but the runtime's workers).
struct Held {
    lines: Vec<u8>,
}

impl Held {
    /// Adds one line; returns whether the held lines must go out now.
    fn add(&mut self, level: Level, fields: &[(&str, Value<'_>)]) -> bool {
        push_line(&mut self.lines, level, fields);
        level != Level::Info || self.lines.len() >= HELD_LIMIT
    }

    /// Writes out what is held.
    fn flush(&mut self) {
        if !self.lines.is_empty() {
            write_out(&self.lines);
            self.lines.clear();
        }
    }
}

thread_local! {
    static HELD: RefCell<Option<Held>> = const { RefCell::new(None) };
}

/// For the runtime's `on_thread_park`: writes out the lines this worker holds, and from
/// now on lets it hold its `info` lines (only workers park, so only they hold).
pub fn on_worker_idle() {
    HELD.with_borrow_mut(|held| {
        held.get_or_insert_with(|| Held {
            lines: Vec::with_capacity(HELD_LIMIT + 512),
        })
        .flush();
    });
}

/// For the runtime's `on_thread_stop`: writes out what this thread holds; it holds
/// nothing more.
pub fn on_worker_stop() {
    HELD.with_borrow_mut(|held| {
        if let Some(mut held) = held.take() {
            held.flush();
        }
    });
}

/// Writes one line: `ts`, `level`, then `fields` in order (held for a while on a
/// worker thread, when it is an `info` line: see the module's doc).
///
/// The line is written as it is serialized, without building a JSON object first: this
/// runs once per request, and a map of owned keys cost more than the request's handler.
pub fn write(level: Level, fields: &[(&str, Value<'_>)]) {
    HELD.with_borrow_mut(|held| match held {
        Some(held) => {
            if held.add(level, fields) {
                held.flush();
            }
        }
        None => {
            let mut line = Vec::with_capacity(160);
            push_line(&mut line, level, fields);
            write_out(&line);
        }
    });
}

/// Writes lines to stderr in one `write_all`; a failed write loses them and nothing
/// else (see the module's doc).
fn write_out(lines: &[u8]) {
    let _ = std::io::stderr().lock().write_all(lines);
}

/// Appends one line to `line`, newline included.
fn push_line(line: &mut Vec<u8>, level: Level, fields: &[(&str, Value<'_>)]) {
    line.extend_from_slice(b"{\"ts\":\"");
    push_now(line);
    line.extend_from_slice(b"\",\"level\":\"");
    line.extend_from_slice(level.as_str().as_bytes());
    line.push(b'"');
    for (key, value) in fields {
        line.push(b',');
        // Serializing a text or a JSON value into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *line, key);
        line.push(b':');
        let _ = match value {
            Value::Text(text) => serde_json::to_writer(&mut *line, text),
            Value::Integer(number) => serde_json::to_writer(&mut *line, number),
            Value::Number(number) => serde_json::to_writer(&mut *line, number),
            Value::Null => serde_json::to_writer(&mut *line, &()),
        };
    }
    line.extend_from_slice(b"}\n");
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
        let mut bytes = Vec::new();
        push_line(&mut bytes, Level::Warn, &fields);
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
    fn info_lines_are_held_to_the_limit_and_a_warning_takes_them_out() {
        let mut held = Held { lines: Vec::new() };
        let request = [("path", Value::from("/v1/events"))];
        assert!(!held.add(Level::Info, &request));
        let one = held.lines.len();
        while held.lines.len() + one < HELD_LIMIT {
            assert!(!held.add(Level::Info, &request));
        }
        assert!(held.add(Level::Info, &request));
        held.lines.clear();
        assert!(!held.add(Level::Info, &request));
        assert!(held.add(Level::Warn, &request));
        // Both lines, in their order.
        let text = String::from_utf8(held.lines.clone()).unwrap();
        let levels: Vec<_> = text
            .lines()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()["level"].clone())
            .collect();
        assert_eq!(levels, ["info", "warn"]);
    }

    #[test]
    fn a_timestamp_is_the_date_and_the_time_of_day() {
        let mut out = Vec::new();
        // 2026-03-02T09:30:05.007Z, then a second one on the next day (the cached date
        // must not stick).
        push_timestamp(&mut out, 1_772_443_805, 7);
        assert_eq!(out, b"2026-03-02T09:30:05.007Z");
        out.clear();
        push_timestamp(&mut out, 1_772_443_805 + 86_400 - 34_205, 999);
        assert_eq!(out, b"2026-03-03T00:00:00.999Z");
    }

    #[test]
    fn timestamps_are_rfc3339_utc_milliseconds() {
        let ts = timestamp();
        assert_eq!(ts.len(), "2026-03-02T09:30:00.123Z".len(), "{ts}");
        assert!(ts.ends_with('Z') && ts.as_bytes()[10] == b'T', "{ts}");
    }
}
