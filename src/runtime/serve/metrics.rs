//! `GET /metrics`: what §8 asks to watch, in the Prometheus (OpenMetrics) text format.
//!
//! `prometheus-client` is the Prometheus project's own Rust client: its families,
//! histograms and text encoder are what a scraper expects, so this module only names the
//! metrics and records them.

use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::vm::protocol::{Action, Event, Output};

/// Label pairs of one series.
type Labels = Vec<(&'static str, String)>;

/// The one label of a series whose value is one of the server's own names (an event, an
/// action): counted on every input, so it is kept without allocating.
type StaticLabel = [(&'static str, &'static str); 1];

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The server's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    inputs: Family<StaticLabel, Counter>,
    outputs: Family<StaticLabel, Counter>,
    runs: Family<Labels, Counter>,
    request_duration: Histogram,
    store_duration: Histogram,
    conversations: Gauge,
}

/// Buckets from 100 µs to about 6.5 s: a request or a commit is usually well under a
/// millisecond, but one that waits for the business's API can take seconds.
fn latency_buckets() -> impl Iterator<Item = f64> {
    exponential_buckets(0.000_1, 2.0, 17)
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Every metric at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("procc");
        let metrics = Metrics {
            inputs: Family::default(),
            outputs: Family::default(),
            runs: Family::default(),
            request_duration: Histogram::new(latency_buckets()),
            store_duration: Histogram::new(latency_buckets()),
            conversations: Gauge::default(),
            registry: Registry::default(),
        };
        registry.register(
            "inputs",
            "Protocol inputs taken, by event",
            metrics.inputs.clone(),
        );
        registry.register(
            "outputs",
            "Protocol outputs answered, by action",
            metrics.outputs.clone(),
        );
        registry.register(
            "runs",
            "Procedure runs ended, by procedure and outcome",
            metrics.runs.clone(),
        );
        registry.register(
            "request_duration_seconds",
            "Time to answer an HTTP request",
            metrics.request_duration.clone(),
        );
        registry.register(
            "store_duration_seconds",
            "Time to make a conversation's new state durable",
            metrics.store_duration.clone(),
        );
        registry.register(
            "conversations",
            "Conversations in memory",
            metrics.conversations.clone(),
        );
        Metrics {
            registry,
            ..metrics
        }
    }

    /// Counts an input taken by the server.
    pub fn input(&self, event: &Event) {
        self.inputs.get_or_create(&[("event", event.name())]).inc();
    }

    /// Counts the outputs of one input, and the runs they end.
    pub fn outputs(&self, outputs: &[Output]) {
        for output in outputs {
            self.outputs
                .get_or_create(&[("action", output.action.name())])
                .inc();
            if let Action::Done {
                procedure, outcome, ..
            } = &output.action
            {
                self.runs
                    .get_or_create(&vec![
                        ("procedure", procedure.clone()),
                        ("outcome", outcome.clone()),
                    ])
                    .inc();
            }
        }
    }

    /// Records an HTTP request's duration.
    pub fn request(&self, took: Duration) {
        self.request_duration.observe(took.as_secs_f64());
    }

    /// Records a store commit's duration.
    pub fn store(&self, took: Duration) {
        self.store_duration.observe(took.as_secs_f64());
    }

    /// Sets how many conversations are in memory.
    pub fn set_conversations(&self, count: usize) {
        self.conversations
            .set(i64::try_from(count).unwrap_or(i64::MAX));
    }

    /// The text a scraper reads.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}
