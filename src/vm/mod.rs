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
//! ```
//! # #[cfg(feature = "compiler")] {
//! use std::sync::Arc;
//! use procc::diagnostics::Sources;
//! use procc::vm::{Conversations, Program, protocol::Action};
//!
//! // A module compiled from source (a host that ships bundles uses `procc::bundle::load`).
//! let mut sources = Sources::new();
//! sources.add(
//!     "help.proc",
//!     r#"procedure more: follow_up { label "More help" question "More help" trigger always }"#,
//! );
//! let module = procc::compiler::compile(sources).generate().unwrap();
//! // `Program::new` runs the bundle verifier: a module it refuses can never run.
//! let program = Arc::new(Program::new(module).unwrap());
//! // The seed is the host's randomness: it makes idempotency keys unique (§7).
//! let mut conversations = Conversations::with_seed(program, [7; 32]);
//! conversations.handle_line(r#"{"conversation":"c1","event":"start","customer":{}}"#);
//! let step = conversations.handle_line(r#"{"conversation":"c1","event":"message"}"#);
//! assert!(matches!(step.outputs[0].action, Action::Offer { .. }));
//! let step = conversations.handle_line(r#"{"conversation":"c1","event":"click","procedure":"more"}"#);
//! assert_eq!(
//!     serde_json::to_string(&step.outputs[1]).unwrap(),
//!     r#"{"conversation":"c1","action":"done","procedure":"more","outcome":"completed","escalation":false}"#
//! );
//! // A persisting host stores the snapshot after every input, and restores it later.
//! let bytes = conversations.snapshot("c1").unwrap();
//! conversations.restore("c1", &bytes).unwrap();
//! # }
//! ```

pub mod analytics;
mod choices;
mod conversations;
mod eval;
mod guards;
mod handlers;
mod input;
#[cfg(feature = "jit")]
mod jit;
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
pub use program::{Program, ProgramError};
pub use protocol::{Action, Event, Input, Output};
pub use session::{Session, Step};
pub use snapshot::SnapshotError;
pub use value::Value;
