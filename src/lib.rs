//! procc: a compiler and runtime for *Procedures*, the actions a customer-facing AI agent
//! may take for a customer during a conversation.
//!
//! The crate is one pipeline, one module per stage, data flowing one way:
//!
//! - [`syntax`]: tokens, the pest grammar, the AST with spans (feature `compiler`);
//! - [`semantics`]: names, types, the variable dependency graph (feature `compiler`);
//! - [`format`]: the canonical layout of `.proc` files, on the token stream (feature
//!   `compiler`); `lsp`: the language server (feature `lsp`, on with `cli`);
//! - [`codegen`]: the bytecode instruction set and module tables (always), and the
//!   lowering from the AST (feature `compiler`);
//! - [`bundle`]: the `.procb` format and its verifier (always);
//! - [`calendar`]: dates and IANA time zones (`jiff`), shared by the checker and the
//!   interpreter (always);
//! - [`vm`]: the sans-IO interpreter, one pure state machine per conversation (always);
//! - `runtime`: tokio, HTTP for `api_call`, `procc serve`, durable storage (feature
//!   `runtime`);
//! - `cli`: the `procc` command (feature `cli`, in the binary).
//!
//! An embedding service that only runs bundles depends on the crate with
//! `default-features = false` and gets [`bundle`] and [`vm`] without the compiler's or
//! the server's dependencies. See `ARCHITECTURE.md`.

#[cfg(feature = "compiler")]
pub mod compiler;
#[cfg(feature = "compiler")]
pub mod diagnostics;
#[cfg(feature = "compiler")]
pub mod format;
#[cfg(feature = "lsp")]
pub mod lsp;
#[cfg(feature = "compiler")]
pub mod semantics;
#[cfg(feature = "compiler")]
pub mod source;
#[cfg(feature = "compiler")]
pub mod stdlib;
#[cfg(feature = "compiler")]
pub mod syntax;
#[cfg(feature = "compiler")]
pub mod testing;

pub mod bundle;
pub mod calendar;
pub mod codegen;
#[cfg(feature = "runtime")]
pub mod runtime;
pub mod vm;
