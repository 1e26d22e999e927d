//! The tokio runtime: HTTP for `api_call`, `procc serve`, durable storage.
