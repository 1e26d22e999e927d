//! The JSON session protocol of `../shared/LANGUAGE.md` §7, as typed Rust values.
//!
//! [`Input`] is one line in; [`Output`] is one line out. Both serialise to exactly the
//! contract's JSON. Parsing a raw line (with the `bad_input` rules) is
//! [`super::parse_input_line`]'s job.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// One protocol input: an event for a conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Input {
    /// The conversation it belongs to.
    pub conversation: String,
    /// What happened.
    #[serde(flatten)]
    pub event: Event,
    /// When it happened (RFC 3339, e.g. `"2026-03-02T09:30:00Z"`): the time `today()`
    /// and `hour()` read while this input is handled. `procc run` and `procc serve`
    /// stamp it from the clock when the host leaves it out; a library host passes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<jiff::Timestamp>,
}

impl Input {
    /// An input without a time (`at`).
    pub fn new(conversation: impl Into<String>, event: Event) -> Input {
        Input {
            conversation: conversation.into(),
            event,
            at: None,
        }
    }
}

/// The events of §7.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A conversation begins.
    Start {
        /// Customer attributes, checked against the schema.
        #[serde(default)]
        customer: Map<String, Json>,
        /// Secret values for this conversation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        secrets: Option<Map<String, Json>>,
    },
    /// A customer turn: fires `always`.
    Message {
        /// The customer's text, if the host passes it on.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// A knowledge source was used.
    Source {
        /// The platform's id.
        id: String,
    },
    /// An FAQ was used.
    Faq {
        /// The platform's id.
        id: String,
    },
    /// The customer gave feedback.
    Feedback {
        /// `"negative"` or `"positive"`.
        value: Feedback,
    },
    /// The agent could not answer.
    Unanswered,
    /// The customer chose a procedure.
    Click {
        /// The procedure's name.
        procedure: String,
        /// Values the agent already extracted for it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        vars: Option<Map<String, Json>>,
    },
    /// The customer dismissed an offered procedure.
    Dismiss {
        /// The procedure's name.
        procedure: String,
    },
    /// The customer answered a question.
    Answer {
        /// The variable.
        var: String,
        /// Their answer: text to parse by the variable's type, or a JSON value of it.
        value: Json,
    },
    /// The agent already knows some values.
    Provide {
        /// Variable name to value.
        vars: Map<String, Json>,
    },
    /// A human decided on the pending approval.
    Approve {
        /// Whether it was granted.
        granted: bool,
        /// Who decided.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<String>,
    },
    /// The pending effect finished.
    Result {
        /// Whether it succeeded.
        ok: bool,
        /// For `api_call`: the HTTP status.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// For `api_call`: the response JSON.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        response: Option<Json>,
        /// For `component`: its output.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<Json>,
    },
    /// Cancel the running procedure.
    Cancel,
    /// The conversation is over.
    End,
}

/// The value of a `feedback` event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Feedback {
    /// Thumbs down: fires `negative_feedback`.
    Negative,
    /// Thumbs up.
    Positive,
}

/// One protocol output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Output {
    /// The conversation it belongs to (absent only for a `bad_input` whose conversation
    /// could not be read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<String>,
    /// What to do.
    #[serde(flatten)]
    pub action: Action,
}

/// A procedure in an `offer`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Offered {
    /// The procedure's name.
    pub id: String,
    /// The rendered button text.
    pub label: String,
    /// Whether it hands off to a human.
    pub escalation: bool,
}

/// The actions of §7.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Procedures the customer may choose, in declaration order.
    Offer {
        /// The eligible procedures.
        procedures: Vec<Offered>,
    },
    /// Ask the customer for a value.
    Ask {
        /// The variable.
        var: String,
        /// The rendered prompt.
        prompt: String,
        /// The declared type's name.
        #[serde(rename = "type")]
        ty: String,
        /// For `one_of` (a list's item `one_of`) and a variable with `choices`: the
        /// allowed answers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        choices: Option<Vec<String>>,
        /// For a variable with `suggestions`: answers to show as buttons.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        suggestions: Option<Vec<String>>,
        /// `true` for a list variable (several values in one answer); left out otherwise.
        #[serde(default, skip_serializing_if = "is_false")]
        multiple: bool,
    },
    /// The last answer or provided value was refused.
    Invalid {
        /// The variable.
        var: String,
        /// Why.
        message: String,
    },
    /// Ask a human to approve.
    Approve {
        /// The rendered question.
        prompt: String,
        /// `customer` or `staff`.
        by: String,
    },
    /// Show a follow-up question.
    FollowUp {
        /// The question.
        question: String,
    },
    /// Send the customer to a URL.
    Redirect {
        /// The URL.
        url: String,
    },
    /// Open a UI component.
    Component {
        /// The component's platform id.
        component: String,
        /// Its input.
        input: Json,
    },
    /// Move to another topic.
    SwitchTopic {
        /// The topic's platform id.
        topic: String,
    },
    /// Hand off to a human.
    LiveChat {
        /// The queue.
        queue: String,
        /// The hand-off note.
        note: String,
    },
    /// An HTTP request for the host to perform (`--host-http`).
    Request {
        /// The method.
        method: String,
        /// The full URL, query included.
        url: String,
        /// Header name to value.
        headers: Map<String, Json>,
        /// The JSON body (`null` when none).
        body: Json,
        /// The timeout.
        timeout_ms: u64,
        /// A key unique to this request (blake3 of the session's nonce, the
        /// conversation id and the session's request counter), for the host to send as an
        /// `Idempotency-Key` header and to reuse on its retries.
        #[serde(default)]
        idempotency_key: String,
        /// Added by procc: how many times the host should retry on connection errors,
        /// timeouts and 5xx (`retry N` of the request, default 0).
        #[serde(default)]
        retry: u8,
        /// The lookup's name when this request fetches a lookup (§7), absent for an
        /// api_call's request.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lookup: Option<String>,
        /// Whether a secret flows into the headers, query or body: procc's HTTP client
        /// then follows no redirect. Not part of the JSON output.
        #[serde(skip)]
        carries_secret: bool,
    },
    /// Run JavaScript in the customer's page.
    Javascript {
        /// The code.
        script: String,
        /// Its arguments.
        args: Json,
    },
    /// Show text.
    Say {
        /// The text.
        text: String,
    },
    /// A run ended.
    Done {
        /// The procedure.
        procedure: String,
        /// How it ended.
        outcome: String,
        /// Whether it is an escalation procedure.
        escalation: bool,
    },
    /// The input could not be taken; nothing changed.
    Error {
        /// A stable code (`bad_input`, `unknown_conversation`, ...).
        code: String,
        /// What was wrong.
        message: String,
    },
}

// Crate-internal (the server's metrics and request log): not part of the embedding
// API, so built only with the feature that uses it.
#[cfg(feature = "runtime")]
impl Event {
    /// The event's protocol name (`start`, `message`...): the `event` tag of its JSON.
    /// Written out rather than serialised so the server can count every input under it
    /// without allocating.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Event::Start { .. } => "start",
            Event::Message { .. } => "message",
            Event::Source { .. } => "source",
            Event::Faq { .. } => "faq",
            Event::Feedback { .. } => "feedback",
            Event::Unanswered => "unanswered",
            Event::Click { .. } => "click",
            Event::Dismiss { .. } => "dismiss",
            Event::Answer { .. } => "answer",
            Event::Provide { .. } => "provide",
            Event::Approve { .. } => "approve",
            Event::Result { .. } => "result",
            Event::Cancel => "cancel",
            Event::End => "end",
        }
    }
}

// Crate-internal (the server's metrics, the `.proc` test runner): not part of the
// embedding API, so built only with the features that use it.
#[cfg(any(feature = "runtime", feature = "compiler"))]
impl Action {
    /// The action's protocol name (`offer`, `ask`...): the `action` tag of its JSON.
    /// Written out rather than serialised so the server can count every output under
    /// it without allocating; the `.proc` test runner matches expectations to outputs
    /// by it, from the same table.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Action::Offer { .. } => "offer",
            Action::Ask { .. } => "ask",
            Action::Invalid { .. } => "invalid",
            Action::Approve { .. } => "approve",
            Action::FollowUp { .. } => "follow_up",
            Action::Redirect { .. } => "redirect",
            Action::Component { .. } => "component",
            Action::SwitchTopic { .. } => "switch_topic",
            Action::LiveChat { .. } => "live_chat",
            Action::Request { .. } => "request",
            Action::Javascript { .. } => "javascript",
            Action::Say { .. } => "say",
            Action::Done { .. } => "done",
            Action::Error { .. } => "error",
        }
    }
}

/// Whether a flag is off (so `multiple: false` is left out of `ask`).
fn is_false(flag: &bool) -> bool {
    !*flag
}
