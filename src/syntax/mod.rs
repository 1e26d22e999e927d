//! The syntax stage: the lossless token stream, the pest grammar and the AST.

pub mod ast;
