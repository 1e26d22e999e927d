//! procc: a compiler and runtime for *Procedures*, the actions a customer-facing AI agent
//! may take for a customer during a conversation.
//!
//! # The embedding API
//!
//! A host that runs bundles (`procc build` writes them) uses the items at the crate
//! root, and only those: they are the library's API, chosen on purpose and kept stable.
//!
//! - **Load a bundle:** [`Program::load`] decodes the `.procb` bytes, runs the bundle
//!   verifier once and prepares the program ([`LoadError`] says why not). A
//!   [`Verified`] module is one the verifier passed; [`Program::from_verified`] prepares
//!   it without verifying again. There is no way to run a module the verifier did not
//!   pass.
//! - **Conversations:** [`Conversations`] routes each protocol [`Input`] to its
//!   [`Session`] (one conversation: a pure state machine) and returns a [`Step`]: the
//!   protocol [`Output`]s of the contract's §7, in order, and the [`AnalyticsEvent`]s.
//!   Nothing performs I/O, reads a clock or draws a random number.
//! - **Inputs and outputs:** [`parse_input_line`] (and [`parse_input_json`],
//!   [`parse_input_bytes`]) read the JSON-lines protocol with its `bad_input` rules;
//!   [`Event`], [`Action`] and [`Value`] are the protocol's shapes.
//! - **Snapshots:** [`Conversations::snapshot`] and [`Conversations::restore`] (compact
//!   postcard bytes; [`SnapshotError`]).
//! - **Errors:** enums, `#[non_exhaustive]`, with their causes as `source()` chains:
//!   [`LoadError`], [`BundleError`], [`VerifyError`], [`ProgramError`],
//!   [`SnapshotError`], [`RuntimeError`].
//!
//! ```
//! # #[cfg(feature = "compiler")] {
//! use std::sync::Arc;
//! use procc::{Action, Conversations, Program};
//!
//! # let mut sources = procc::diagnostics::Sources::new();
//! # sources.add(
//! #     "help.proc",
//! #     r#"procedure more: follow_up { label "More help" question "More help" trigger always }"#,
//! # );
//! # let module = procc::compiler::compile(sources).generate().unwrap();
//! # let bundle_bytes = procc::bundle::encode(&module);
//! // The bytes of a `.procb` bundle (`procc build help.proc`), verified on load.
//! let program = Arc::new(Program::load(&bundle_bytes).unwrap());
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
//!
//! An embedding service that only runs bundles depends on the crate with
//! `default-features = false` and gets this API without the compiler's or the server's
//! dependencies.
//!
//! # The stages (not the API)
//!
//! The crate is one pipeline, one module per stage, data flowing one way: `syntax`
//! (tokens, grammar, AST), `semantics` (names, types, the variable graph), `format`,
//! `codegen` (the instruction set, module tables and lowering), `bundle` (the `.procb`
//! format and its verifier), `vm` (the interpreter), `runtime` (tokio, HTTP, `procc
//! serve`), `compiler` (the driver), `lsp`, `testing`, and the leaves `source`,
//! `calendar`, `limits`, `diagnostics`, `stdlib`. They are public so that the `procc`
//! binary and the tests can reach them, and hidden from the documentation: **API
//! boundary:** they may change in any release; only the crate root's items are the API.
//! See `ARCHITECTURE.md`.

#[cfg(feature = "compiler")]
#[doc(hidden)]
pub mod compiler;
#[cfg(feature = "compiler")]
#[doc(hidden)]
pub mod diagnostics;
#[cfg(feature = "compiler")]
#[doc(hidden)]
pub mod format;
#[cfg(feature = "lsp")]
#[doc(hidden)]
pub mod lsp;
#[cfg(feature = "compiler")]
#[doc(hidden)]
pub mod semantics;
#[cfg(feature = "compiler")]
#[doc(hidden)]
pub mod source;
#[cfg(feature = "compiler")]
#[doc(hidden)]
pub mod stdlib;
#[cfg(feature = "compiler")]
#[doc(hidden)]
pub mod syntax;
#[cfg(feature = "compiler")]
#[doc(hidden)]
pub mod testing;

#[doc(hidden)]
pub mod bundle;
#[doc(hidden)]
pub mod calendar;
#[doc(hidden)]
pub mod codegen;
#[doc(hidden)]
pub mod limits;
#[cfg(feature = "runtime")]
#[doc(hidden)]
pub mod runtime;
#[doc(hidden)]
pub mod vm;

pub use bundle::{BundleError, Rule, Verified, VerifyError};
pub use vm::{
    Action, AnalyticsEvent, BranchTaken, Conversations, Event, EventKind, Input, LoadError, Output,
    Program, ProgramError, RuntimeError, Session, SnapshotError, Step, Tier, Value,
    parse_input_bytes, parse_input_json, parse_input_line,
};
