//! The sans-IO interpreter: one pure state machine per conversation.
//!
//! A [`Program`] is a compiled [`Module`](crate::codegen::module::Module) that passed the
//! bundle verifier, prepared for running (regexes compiled, names indexed, tables checked); it is shared, as
//! `Arc<Program>`, by every conversation. [`Conversations`] routes each protocol
//! [`Input`] to its [`Session`] and returns a [`Step`]: the protocol outputs of §7, in
//! order, and the [`AnalyticsEvent`]s for the event log. Nothing here performs I/O,
//! reads a clock or draws a random number: the host does HTTP, components, scripts and
//! persistence, and feeds the results back as inputs.
//!
//! The crate root's documentation shows them at work: they are the embedding API.

pub mod analytics;
mod choices;
mod conversations;
mod eval;
mod guards;
mod handlers;
mod input;
#[cfg(feature = "jit")]
mod jit;
mod lookup;
mod ops;
mod parse_answer;
mod program;
pub mod protocol;
pub mod redact;
mod run;
mod session;
mod snapshot;
mod snapshot_v1;
pub mod url;
mod value;

#[cfg(test)]
mod tests;

pub use analytics::{AnalyticsEvent, EventKind};
pub use conversations::Conversations;
pub use input::{parse_input_bytes, parse_input_json, parse_input_line};
pub use ops::RuntimeError;
pub use program::{LoadError, Program, ProgramError, Tier};
pub use protocol::{Action, Event, Input, Output};
pub use session::{BranchTaken, Session, Step};
pub use snapshot::SnapshotError;
pub use value::Value;
