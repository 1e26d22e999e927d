//! `/send`: performing a pending request for real, with the runtime's HTTP client (the
//! same timeouts, retries and `Idempotency-Key` as `procc run`).

use procc::runtime::http::HttpClient;
use procc::vm::{Action, Event};

/// Performs `request` and waits for it; gives the `result` event and a one-line summary
/// (attempts, and why no response arrived, if none did), or why it could not be sent.
pub(super) fn perform(request: &Action) -> Result<(Event, String), String> {
    let client = HttpClient::new().map_err(|error| error.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("cannot start the HTTP runtime: {error}"))?;
    let outcome = runtime.block_on(client.perform(request));
    let mut summary = format!(
        "sent ({} attempt{})",
        outcome.attempts,
        if outcome.attempts == 1 { "" } else { "s" }
    );
    if let Some(error) = &outcome.error {
        summary.push_str(&format!(": {error}"));
    }
    Ok((outcome.into_event(), summary))
}
