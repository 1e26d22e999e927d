//! The tokio runtime around the sans-IO interpreter: real HTTP for `api_call`
//! ([`http`], [`driver`]), secrets from the environment ([`secrets`]), the analytics log
//! ([`events`]) and `procc serve` ([`serve`]): the session protocol over HTTP with
//! conversations in a durable store.
//!
//! Nothing here imports the compiler: an embedder builds it with
//! `--no-default-features --features runtime`.

pub mod driver;
pub mod events;
pub mod http;
pub mod private;
pub mod random;
pub mod secrets;
pub mod serve;

pub use driver::{handle_performing, handle_performing_observed};
pub use events::EventLog;
pub use http::{HttpClient, HttpError, HttpOutcome};
pub use secrets::EnvSecrets;
