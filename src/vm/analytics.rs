//! Analytics events: what happened in a conversation, for `procc report`.
//!
//! Events carry names only (procedures, variables, action kinds), never a value: no
//! secret and no customer answer can leak into the log. They carry no timestamp either;
//! the host stamps them as it writes them (the interpreter is sans-IO and has no clock).

use serde::{Deserialize, Serialize};

/// One analytics event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalyticsEvent {
    /// The conversation it happened in.
    pub conversation: String,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What happened. Serialised with an `"event"` tag in snake case, e.g.
/// `{"conversation":"c1","event":"done","procedure":"refund_order","outcome":"completed","escalation":false}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    /// A procedure was listed in an `offer`.
    Offered {
        /// The procedure.
        procedure: String,
    },
    /// The customer clicked a procedure (the run starts), or a `then` of the procedure
    /// `after` started it.
    Clicked {
        /// The procedure.
        procedure: String,
        /// The procedure whose `then` started this run (no click came).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
    },
    /// The customer dismissed an offered procedure.
    Dismissed {
        /// The procedure.
        procedure: String,
    },
    /// A variable was asked.
    Asked {
        /// The running procedure.
        procedure: String,
        /// The variable.
        var: String,
    },
    /// A value was accepted for a variable (answer, provided value or `save`).
    Answered {
        /// The running procedure, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        procedure: Option<String>,
        /// The variable.
        var: String,
    },
    /// A value was refused for a variable.
    Invalid {
        /// The running procedure, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        procedure: Option<String>,
        /// The variable.
        var: String,
    },
    /// An approval was granted.
    Approved {
        /// The procedure.
        procedure: String,
        /// Who was asked (`customer` or `staff`).
        by: String,
    },
    /// An approval was denied.
    Denied {
        /// The procedure.
        procedure: String,
        /// Who was asked (`customer` or `staff`).
        by: String,
    },
    /// A procedure's action went out (`follow_up`, `redirect`, `component`,
    /// `switch_topic`, `live_chat`, `request`, `javascript`).
    Action {
        /// The procedure.
        procedure: String,
        /// The action's name.
        action: String,
    },
    /// The result of an effect the run waited for (an `api_call`'s HTTP result, a
    /// component, a script, a live chat).
    ApiResult {
        /// The procedure.
        procedure: String,
        /// Whether it counted as success.
        ok: bool,
        /// The HTTP status, for an `api_call`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// For an `api_call` whose response does not fit its `returns { .. }`: the JSON
        /// path that did not match and the type it should have had
        /// (`"$.id: expected text"`), which made the result a failure.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mismatch: Option<String>,
    },
    /// A lookup's request was answered (or not): `lookup result` of §7.
    LookupResult {
        /// The running procedure.
        procedure: String,
        /// The lookup.
        lookup: String,
        /// Whether its value was taken (a 2xx answer matching `returns`).
        ok: bool,
        /// The HTTP status, when an answer came.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// Where the body does not fit `returns` (names only, never values).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mismatch: Option<String>,
    },
    /// A run ended.
    Done {
        /// The procedure.
        procedure: String,
        /// `completed`, `failed`, `cancelled` or `denied`.
        outcome: String,
        /// For `failed`: why (`attempts`, `lookup`, `require`, `action`, `missing`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        /// Whether the procedure is an escalation.
        escalation: bool,
    },
}
