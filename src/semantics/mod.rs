//! The semantic stage: name resolution, type checking, the variable dependency graph and
//! every check of the contract's §5.
//!
//! [`analyze`] takes every parsed file of a build (the user's files and the embedded
//! standard library) and returns an [`Analysis`]: all diagnostics, the standard library
//! items the build imports, and the variable dependency graph that code generation uses
//! for collection order and the interpreter for corrections.
//!
//! Interface fixed for code generation (implementation to follow):
//!
//! ```ignore
//! pub struct Analysis {
//!     pub diagnostics: Vec<Diagnostic>,
//!     /// Standard-library items imported by `use`, as (file, index into its items).
//!     pub imported: Vec<(FileId, usize)>,
//!     pub graph: VarGraph,
//! }
//! pub fn analyze(files: &[SourceFile], sources: &Sources, stdlib: &[FileId]) -> Analysis;
//! pub enum VarKey { Conversation(String), Local { procedure: String, name: String } }
//! pub enum DepKind { Prompt, Guard }
//! impl VarGraph {
//!     /// The variables a procedure's run collects, in collection order.
//!     pub fn collection_order(&self, procedure: &str) -> Vec<VarKey>;
//!     /// What a variable depends on directly.
//!     pub fn deps(&self, var: &VarKey) -> Vec<(VarKey, DepKind)>;
//! }
//! ```

pub mod graph;
pub mod walk;

pub use graph::{DepKind, VarGraph, VarKey};
