//! Counting: per procedure, how often it was offered, clicked and how its runs ended;
//! per run, the time from click to done.
//!
//! A *run* starts at a `clicked` event and ends at the next `done` of the same procedure
//! in the same conversation (conversations are told apart per log file). An
//! *escalation* is a run of an escalation procedure that ended `completed`: the customer
//! was handed to a person.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use procc::vm::EventKind;
use serde::Serialize;

use super::read::Record;

/// The numbers of one procedure.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct ProcedureStats {
    /// The procedure's name.
    pub procedure: String,
    /// Times it was listed in an offer.
    pub offered: u64,
    /// Times it was clicked (runs started).
    pub clicked: u64,
    /// Times it was dismissed.
    pub dismissed: u64,
    /// Runs that ended `completed`.
    pub completed: u64,
    /// Runs that ended `failed`.
    pub failed: u64,
    /// The failed runs by `reason` (`attempts`, `lookup`, `require`, `action`,
    /// `missing`; `unknown` for a log written before reasons were recorded).
    pub failed_by_reason: BTreeMap<String, u64>,
    /// Runs that ended `cancelled`.
    pub cancelled: u64,
    /// Runs that ended `denied`.
    pub denied: u64,
    /// `completed / clicked`, when anything was clicked.
    pub completion_rate: Option<f64>,
    /// Completed runs of an escalation procedure.
    pub escalations: u64,
    /// The median time from click to done over the runs that ended (whole ms, the lower
    /// middle's and upper middle's mean rounded down), when any run has both timestamps.
    pub median_click_to_done_ms: Option<u64>,
}

/// The results of one lookup's requests (§7's `lookup result` events).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct LookupStats {
    /// The lookup's name.
    pub lookup: String,
    /// Results that gave it a value.
    pub fetched: u64,
    /// Results that did not (no answer, a status outside 2xx, a body not matching
    /// `returns`): each ended its run `failed` with reason `lookup`.
    pub failed: u64,
}

/// The whole report.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct Summary {
    /// Events read.
    pub events: u64,
    /// Distinct conversations.
    pub conversations: u64,
    /// Conversations with at least one escalation.
    pub escalated_conversations: u64,
    /// `escalated_conversations / conversations`, when there are conversations.
    pub escalation_share: Option<f64>,
    /// Per procedure, by name.
    pub procedures: Vec<ProcedureStats>,
    /// Per lookup, by name (empty when no lookup was fetched).
    pub lookups: Vec<LookupStats>,
}

/// One run of a procedure, for `--procedure`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(super) struct Run {
    /// The log file it is in.
    pub file: String,
    /// The conversation.
    pub conversation: String,
    /// `completed`, `failed`, `cancelled`, `denied`, or `unfinished` (no `done` in the log).
    pub outcome: String,
    /// Time from click to done, when both are stamped.
    pub duration_ms: Option<u64>,
}

/// Counts everything in `records` (in log order).
pub(super) fn summarise(records: &[Record]) -> Summary {
    let mut stats: BTreeMap<String, ProcedureStats> = BTreeMap::new();
    let mut durations: HashMap<&str, Vec<u64>> = HashMap::new();
    let mut conversations = BTreeSet::new();
    let mut escalated = BTreeSet::new();
    let mut open: HashMap<(usize, &str, &str), Option<u64>> = HashMap::new();
    let mut lookups: BTreeMap<String, LookupStats> = BTreeMap::new();
    for record in records {
        let conversation = (record.file, record.conversation.as_str());
        conversations.insert(conversation);
        match &record.kind {
            EventKind::Offered { procedure } => stat(&mut stats, procedure).offered += 1,
            EventKind::Dismissed { procedure } => stat(&mut stats, procedure).dismissed += 1,
            EventKind::Clicked { procedure, .. } => {
                stat(&mut stats, procedure).clicked += 1;
                open.insert((record.file, &record.conversation, procedure), record.ts_ms);
            }
            EventKind::Done {
                procedure,
                outcome,
                reason,
                escalation,
            } => {
                let s = stat(&mut stats, procedure);
                match outcome.as_str() {
                    "completed" => s.completed += 1,
                    "failed" => {
                        s.failed += 1;
                        let reason = reason.as_deref().unwrap_or("unknown");
                        *s.failed_by_reason.entry(reason.to_owned()).or_default() += 1;
                    }
                    "cancelled" => s.cancelled += 1,
                    "denied" => s.denied += 1,
                    _ => {}
                }
                if *escalation && outcome == "completed" {
                    s.escalations += 1;
                    escalated.insert(conversation);
                }
                let key = (
                    record.file,
                    record.conversation.as_str(),
                    procedure.as_str(),
                );
                if let Some(Some(start)) = open.remove(&key)
                    && let Some(end) = record.ts_ms
                {
                    durations
                        .entry(procedure)
                        .or_default()
                        .push(end.saturating_sub(start));
                }
            }
            EventKind::LookupResult { lookup, ok, .. } => {
                let entry = lookups
                    .entry(lookup.clone())
                    .or_insert_with(|| LookupStats {
                        lookup: lookup.clone(),
                        ..LookupStats::default()
                    });
                if *ok {
                    entry.fetched += 1;
                } else {
                    entry.failed += 1;
                }
            }
            _ => {}
        }
    }
    let procedures = stats
        .into_values()
        .map(|mut s| {
            s.completion_rate = (s.clicked > 0).then(|| s.completed as f64 / s.clicked as f64);
            s.median_click_to_done_ms = durations
                .get_mut(s.procedure.as_str())
                .and_then(|d| median(d));
            s
        })
        .collect();
    Summary {
        events: records.len() as u64,
        conversations: conversations.len() as u64,
        escalated_conversations: escalated.len() as u64,
        escalation_share: (!conversations.is_empty())
            .then(|| escalated.len() as f64 / conversations.len() as f64),
        procedures,
        lookups: lookups.into_values().collect(),
    }
}

/// The stats entry of a procedure, created on first sight.
fn stat<'a>(
    stats: &'a mut BTreeMap<String, ProcedureStats>,
    procedure: &str,
) -> &'a mut ProcedureStats {
    stats
        .entry(procedure.to_owned())
        .or_insert_with(|| ProcedureStats {
            procedure: procedure.to_owned(),
            ..ProcedureStats::default()
        })
}

/// The median of `values` (sorted in place), in whole ms.
pub(super) fn median(values: &mut [u64]) -> Option<u64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    let value = if values.len() % 2 == 1 {
        values.get(mid).copied()?
    } else {
        let (low, high) = (values.get(mid - 1)?, values.get(mid)?);
        low / 2 + high / 2 + (low % 2 + high % 2) / 2
    };
    Some(value)
}

/// Every run of `procedure`, in log order; `files` names the logs by index.
pub(super) fn runs(records: &[Record], procedure: &str, files: &[String]) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    let mut open: HashMap<(usize, &str), (usize, Option<u64>)> = HashMap::new();
    for record in records {
        let key = (record.file, record.conversation.as_str());
        match &record.kind {
            EventKind::Clicked { procedure: p, .. } if p == procedure => {
                open.insert(key, (runs.len(), record.ts_ms));
                runs.push(Run {
                    file: files.get(record.file).cloned().unwrap_or_default(),
                    conversation: record.conversation.clone(),
                    outcome: "unfinished".to_owned(),
                    duration_ms: None,
                });
            }
            EventKind::Done {
                procedure: p,
                outcome,
                ..
            } if p == procedure => {
                if let Some((index, start)) = open.remove(&key)
                    && let Some(run) = runs.get_mut(index)
                {
                    run.outcome = outcome.clone();
                    run.duration_ms = start
                        .zip(record.ts_ms)
                        .map(|(start, end)| end.saturating_sub(start));
                }
            }
            _ => {}
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(conversation: &str, ts: u64, kind: EventKind) -> Record {
        Record {
            file: 0,
            conversation: conversation.into(),
            ts_ms: Some(ts),
            kind,
        }
    }

    fn click(p: &str) -> EventKind {
        EventKind::Clicked {
            procedure: p.into(),
            after: None,
        }
    }

    fn done(p: &str, outcome: &str, escalation: bool) -> EventKind {
        EventKind::Done {
            procedure: p.into(),
            outcome: outcome.into(),
            reason: None,
            escalation,
        }
    }

    fn failed(p: &str, reason: &str) -> EventKind {
        EventKind::Done {
            procedure: p.into(),
            outcome: "failed".into(),
            reason: Some(reason.into()),
            escalation: false,
        }
    }

    #[test]
    fn counts_failures_by_reason() {
        let records = vec![
            rec("a", 0, click("p")),
            rec("a", 1, failed("p", "attempts")),
            rec("b", 0, click("p")),
            rec("b", 1, failed("p", "action")),
            rec("c", 0, click("p")),
            rec("c", 1, failed("p", "action")),
            rec("d", 0, click("p")),
            rec("d", 1, done("p", "failed", false)),
        ];
        let summary = summarise(&records);
        let p = &summary.procedures[0];
        assert_eq!(p.failed, 4);
        let by_reason: Vec<(&str, u64)> = p
            .failed_by_reason
            .iter()
            .map(|(r, n)| (r.as_str(), *n))
            .collect();
        assert_eq!(by_reason, [("action", 2), ("attempts", 1), ("unknown", 1)]);
        let table = super::super::table::summary(&summary);
        assert!(table.contains("failed by reason"), "{table}");
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [5]), Some(5));
        assert_eq!(median(&mut [9, 1, 4]), Some(4));
        assert_eq!(median(&mut [1, 4]), Some(2));
        assert_eq!(median(&mut [3, 5]), Some(4));
        assert_eq!(median(&mut [u64::MAX, u64::MAX]), Some(u64::MAX));
    }

    #[test]
    fn counts_runs_and_escalations() {
        let records = vec![
            rec(
                "a",
                0,
                EventKind::Offered {
                    procedure: "p".into(),
                },
            ),
            rec("a", 100, click("p")),
            rec("a", 400, done("p", "completed", false)),
            rec("b", 0, click("p")),
            rec("b", 50, done("p", "denied", false)),
            rec("b", 60, click("h")),
            rec("b", 90, done("h", "completed", true)),
            rec("c", 0, click("p")),
        ];
        let summary = summarise(&records);
        assert_eq!(summary.conversations, 3);
        assert_eq!(summary.escalated_conversations, 1);
        let p = &summary.procedures[1];
        assert_eq!(
            (
                p.procedure.as_str(),
                p.offered,
                p.clicked,
                p.completed,
                p.denied
            ),
            ("p", 1, 3, 1, 1)
        );
        assert_eq!(p.completion_rate, Some(1.0 / 3.0));
        assert_eq!(p.median_click_to_done_ms, Some(175));
        assert_eq!(summary.procedures[0].escalations, 1);
        let runs = runs(&records, "p", &["log".into()]);
        let outcomes: Vec<_> = runs.iter().map(|r| r.outcome.as_str()).collect();
        assert_eq!(outcomes, ["completed", "denied", "unfinished"]);
        assert_eq!(runs[0].duration_ms, Some(300));
    }
}
