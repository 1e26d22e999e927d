//! Tests driving hand-assembled modules through the public API.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking
mod builder;
mod harness;
#[cfg(feature = "jit")]
mod native;
mod proptests;
mod scenarios;
mod webshop;
