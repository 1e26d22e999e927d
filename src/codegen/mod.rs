//! The bytecode: its instruction set and module tables (always compiled), and the
//! lowering from a checked program (feature `compiler`).

pub mod isa;
#[cfg(feature = "compiler")]
mod lower;
pub mod module;

#[cfg(feature = "compiler")]
pub use lower::{CodegenError, SourceMap, generate, generate_mapped, limit_diagnostic};
