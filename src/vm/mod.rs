//! The sans-IO interpreter: one pure state machine per conversation.
//!
//! A [`Program`] is a compiled [`Module`](crate::codegen::module::Module) prepared for
//! running (regexes compiled, names indexed, tables checked); it is shared, as
//! `Arc<Program>`, by every conversation. [`Conversations`] routes each protocol
//! [`Input`] to its [`Session`] and returns a [`Step`]: the protocol outputs of §7, in
//! order, and the [`AnalyticsEvent`]s for the event log. Nothing here performs I/O,
//! reads a clock or draws a random number: the host does HTTP, components, scripts and
//! persistence, and feeds the results back as inputs.
//!
//! ```
//! use std::sync::Arc;
//! use procc::codegen::isa::{Chunk, Instr, Outcome};
//! use procc::codegen::module::{Kind, Module, ProcDef, TriggerIndex};
//! use procc::vm::{Conversations, Program, protocol::Action};
//!
//! // A hand-assembled module: one follow_up procedure triggered by every message.
//! let module = Module {
//!     strings: vec!["More help".into()],
//!     chunks: vec![
//!         Chunk { code: vec![Instr::Str(0), Instr::Return], ..Chunk::default() },
//!         Chunk {
//!             code: vec![Instr::Str(0), Instr::FollowUp, Instr::Done(Outcome::Completed)],
//!             ..Chunk::default()
//!         },
//!     ],
//!     procedures: vec![ProcDef {
//!         name: "more".into(), kind: Kind::FollowUp, label: 0, description: None,
//!         escalation: false, irreversible: false, audiences: vec![], when: None,
//!         body: 1, collects: vec![], returns: vec![],
//!     }],
//!     triggers: TriggerIndex { always: vec![0], ..TriggerIndex::default() },
//!     ..Module::default()
//! };
//! let mut conversations = Conversations::new(Arc::new(Program::new(module).unwrap()));
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
//! ```

pub mod analytics;
mod conversations;
mod date;
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
mod run;
mod session;
mod snapshot;
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
