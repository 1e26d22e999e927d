//! Driving one input through a session while performing its HTTP requests.

use crate::vm::Step;
use crate::vm::protocol::{Action, Input};

use super::http::{HttpClient, HttpOutcome};

/// Handles one input, performing every `request` output over HTTP and feeding its result
/// back (repeatedly, since the result may lead to another request), until the
/// conversation waits on someone else. The returned [`Step`] has the `request` outputs
/// removed and all events of all steps, in order.
pub async fn handle_performing(
    http: &HttpClient,
    handle: impl FnMut(Input) -> Step,
    input: Input,
) -> Step {
    handle_performing_observed(http, handle, input, |_, _| {}).await
}

/// [`handle_performing`], calling `observe` with each request performed and its outcome
/// (for logging: the request holds secret values in its headers, query and body, so an
/// observer must not print it; the outcome's `error` is safe to show).
pub async fn handle_performing_observed(
    http: &HttpClient,
    mut handle: impl FnMut(Input) -> Step,
    input: Input,
    mut observe: impl FnMut(&Action, &HttpOutcome),
) -> Step {
    let conversation = input.conversation.clone();
    // The result answers this input: it is handled at the input's time.
    let at = input.at;
    let mut step = handle(input);
    let mut all = Step::default();
    loop {
        let mut request = None;
        for output in step.outputs {
            match output.action {
                action @ Action::Request { .. } => request = Some(action),
                _ => all.outputs.push(output),
            }
        }
        all.events.append(&mut step.events);
        // A run waits after its request, so a step holds at most one; its result
        // resumes the run, which may finish or (in principle) send the next one.
        let Some(request) = request else {
            return all;
        };
        let outcome = http.perform(&request).await;
        observe(&request, &outcome);
        step = handle(Input {
            at,
            ..Input::new(conversation.clone(), outcome.into_event())
        });
    }
}
