//! Tests driving hand-assembled modules through the public API.

mod builder;
mod harness;
mod proptests;
mod scenarios;
mod webshop;
