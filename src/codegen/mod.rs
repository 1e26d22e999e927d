//! The bytecode: its instruction set and module tables (always compiled), and the
//! lowering from a checked program (feature `compiler`).

pub mod isa;
pub mod module;
