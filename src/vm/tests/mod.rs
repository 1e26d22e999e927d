//! Tests driving hand-assembled modules through the public API.

mod builder;
mod harness;
#[cfg(feature = "jit")]
mod native;
mod proptests;
mod scenarios;
mod webshop;
