//! `/send`: performing a pending request for real, with the runtime's HTTP client.

use procc::vm::{Action, Event};

/// Performs `request`; gives the `result` event and a one-line summary, or why it could
/// not be performed.
pub fn perform(request: &Action) -> Result<(Event, String), String> {
    let _ = request;
    Err("this build cannot perform requests yet (the runtime's HTTP client is not merged); type the response instead".to_owned())
}
