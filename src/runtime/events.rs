//! The analytics log: one JSON object per line, each event stamped with `ts_ms` (the
//! host's clock, milliseconds since the Unix epoch), as `procc report` reads it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;

use crate::vm::AnalyticsEvent;

/// An append-only analytics log, shareable between threads.
#[derive(Debug)]
pub struct EventLog {
    file: Mutex<BufWriter<File>>,
}

impl EventLog {
    /// Opens the log file for appending, creating it when missing (§7: restarting
    /// `procc run` or `procc serve` never loses earlier events). The name is kept for
    /// the callers: it creates the log when there is none.
    pub fn create(path: &Path) -> std::io::Result<EventLog> {
        let file = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)?;
        Ok(EventLog {
            file: Mutex::new(BufWriter::new(file)),
        })
    }

    /// Appends events, stamped with the current time (buffered: see [`EventLog::flush`]).
    pub fn write(&self, events: &[AnalyticsEvent]) -> std::io::Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let mut text = String::new();
        for event in events {
            let mut json = serde_json::to_value(event).unwrap_or_default();
            if let Some(object) = json.as_object_mut() {
                object.insert("ts_ms".to_owned(), millis.into());
            }
            text.push_str(&json.to_string());
            text.push('\n');
        }
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(text.as_bytes())
    }

    /// Writes buffered events to the file.
    pub fn flush(&self) -> std::io::Result<()> {
        self.file.lock().unwrap_or_else(|e| e.into_inner()).flush()
    }
}
