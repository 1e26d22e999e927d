//! The pest parser generated from `grammar/proc.pest`: one top-level declaration at a time.

// The generated `Rule` enum has one variant per grammar rule; they are documented in the
// grammar file, not here.
#![allow(missing_docs)]

use pest_derive::Parser;

/// The pest parser of a single declaration (`Rule::declaration_file`).
#[derive(Parser)]
#[grammar = "../grammar/proc.pest"]
pub(crate) struct ProcParser;
