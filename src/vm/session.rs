//! One conversation's state, and the context an input is handled in.
//!
//! The state is plain data (serde), indexed by the program's tables: values by variable
//! index, customer attributes by schema position, secrets by declaration position.
//! It holds no names and no program, so a snapshot of an idle session is a few dozen
//! bytes. Event handling lives in `handlers.rs`, the body interpreter in `run.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

use crate::codegen::isa::{Approver, ChunkId, ProcId, Reason, VarId};

use super::analytics::{AnalyticsEvent, EventKind};
use super::parse_answer::{Mode, parse_typed, type_checks};
use super::program::Program;
use super::protocol::{Action, Output};
use super::value::Value;

/// The state of one conversation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Customer attributes, by position in the schema (`Absent` when missing).
    pub(crate) customer: Vec<Value>,
    /// Secret values by position in `Module::secrets` (`None` when not supplied).
    /// Kept in the state because a durable host must be able to resume a run that
    /// still has to send its request; they never reach an output other than `request`.
    pub(crate) secrets: Vec<Option<String>>,
    /// Known variables (answered, provided, saved, defaulted, or absent by `when`).
    pub(crate) known: BTreeMap<VarId, Value>,
    /// Procedures offered and not dismissed since, sorted.
    pub(crate) offered: Vec<ProcId>,
    /// The running procedure, if any. Boxed: most sessions are idle between
    /// procedures, and inline the run would double every idle session's size.
    pub(crate) run: Option<Box<Run>>,
    /// Requests sent so far: makes each request's idempotency key unique in the session.
    pub(crate) requests: u32,
    /// Drawn by the host at `start` (the vm has no randomness): makes idempotency keys
    /// unique across sessions, also of one conversation id and across host restarts.
    pub(crate) nonce: [u8; 16],
    /// A secret was read since the last request (only while a body runs).
    #[serde(skip)]
    pub(crate) secret_read: bool,
    /// A secret that was not supplied was read since the last request.
    #[serde(skip)]
    pub(crate) missing_secret: bool,
    /// The time of the input being handled (its `at`), read by `today()` and `hour()`.
    /// It belongs to one input, not to the conversation: set before an input is applied
    /// and cleared after, so it is never in a snapshot and a later input without `at`
    /// cannot see an old time.
    #[serde(skip)]
    pub(crate) at: Option<jiff::Timestamp>,
}

/// A suspended run of a procedure body.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Run {
    /// The procedure.
    pub proc: ProcId,
    /// The instruction the run waits at (`Collect`, `Approve` or `Await`).
    pub pc: u32,
    /// The operand stack (empty at every suspension the code generator emits, kept
    /// anyway so any valid bytecode resumes exactly).
    pub stack: Vec<Value>,
    /// What the run waits for.
    pub wait: Wait,
    /// The variable last asked and how many wrong answers it has had.
    pub tries: Option<(VarId, u32)>,
    /// The effect last emitted, which `Await` waits for.
    pub effect: Option<Effect>,
    /// `result`/`response` of the awaited effect.
    pub result: Value,
    /// Whether the awaited effect failed.
    pub failed: bool,
    /// The HTTP status of the awaited request's answer, when one came.
    pub status: Option<u16>,
    /// While `on failure` runs: what it reads as `reason`, `status` and `response`.
    pub failure: Option<Failure>,
    /// The procedure a `then` hands over to after `done` (the last `then` executed).
    pub then: Option<ProcId>,
    /// A granted approval was passed: the collection set is locked (§7).
    pub approved: bool,
    /// The effect was refused before it went out (the run fails without waiting).
    pub refused: Option<Refusal>,
}

impl Run {
    /// A run of `proc` about to execute its first instruction.
    pub(crate) fn new(proc: ProcId) -> Run {
        Run {
            proc,
            pc: 0,
            stack: Vec::new(),
            wait: Wait::Nothing,
            tries: None,
            effect: None,
            result: Value::Absent,
            failed: false,
            status: None,
            failure: None,
            then: None,
            approved: false,
            refused: None,
        }
    }
}

/// Why a run failed, as `on failure` sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Failure {
    /// `reason`.
    pub reason: Reason,
    /// `status`: the HTTP status, when the failure came from an HTTP answer.
    pub status: Option<u16>,
    /// `response`: the HTTP answer's body (`Absent` when there was none).
    pub response: Value,
}

/// Why an effect was not sent (§7); the run ends `failed` with this `reason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Refusal {
    /// A value made a URL path segment `.` or `..`.
    Action,
    /// The request needs a secret nobody supplied.
    Missing,
}

impl Refusal {
    /// The `reason` of the failed run.
    pub(crate) fn reason(self) -> Reason {
        match self {
            Refusal::Action => Reason::Action,
            Refusal::Missing => Reason::Missing,
        }
    }
}

/// What a suspended run waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Wait {
    /// Not suspended (only while the body is running).
    Nothing,
    /// An answer for this variable.
    Ask(VarId),
    /// A human's decision.
    Approve(Approver),
    /// The `result` of an effect.
    Await(Effect),
    /// The `result` of a lookup's request (collection waits at its `Collect`).
    Lookup(VarId),
    /// The `result` of a validation lookup (the second) fetched for a candidate answer
    /// of a variable (the first), kept in the run's `result` until the checks run.
    Validate(VarId, VarId),
}

/// An effect that ends in a `result`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Effect {
    /// A UI component (index into `Module::components`).
    Component(u32),
    /// An HTTP request.
    Request,
    /// A script in the customer's page.
    Javascript,
    /// A hand-off to a human.
    LiveChat,
    /// A lookup's request whose HTTP answer made the run fail: `on failure` reads its
    /// `status` and `response`.
    Lookup,
}

/// Everything one input produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Step {
    /// Protocol outputs, in order.
    pub outputs: Vec<Output>,
    /// Analytics events, in order.
    pub events: Vec<AnalyticsEvent>,
    /// Each `if` condition the runs tested, in order; empty unless the program was made
    /// with [`Program::with_branch_trace`].
    pub branches: Vec<BranchTaken>,
}

/// One test of an `if` (or `else if`) condition during a run: the branch under it ran
/// when the condition held; when the last condition of an `if` with an `else` did not
/// hold, the `else` ran.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BranchTaken {
    /// The condition's chunk (the compiler's source map locates it).
    pub cond: ChunkId,
    /// Whether it held.
    pub held: bool,
}

/// An input that cannot be taken: becomes an `error` output, and nothing changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reject {
    pub code: &'static str,
    pub message: String,
}

impl Reject {
    pub(crate) fn new(code: &'static str, message: impl Into<String>) -> Reject {
        Reject {
            code,
            message: message.into(),
        }
    }
}

/// The output of an `error`.
pub(crate) fn error_output(conversation: Option<String>, code: &str, message: String) -> Output {
    Output {
        conversation,
        action: Action::Error {
            code: code.to_owned(),
            message,
        },
    }
}

/// Where an input's outputs and events are collected.
pub(crate) struct Cx<'a> {
    pub prog: &'a Program,
    pub conv: &'a str,
    pub step: Step,
    /// `then` hand-overs made while handling this input. The verifier refuses cycles;
    /// the interpreter still stops a chain longer than the procedure table, so even an
    /// unverified module cannot hand over forever.
    pub hand_overs: usize,
}

impl<'a> Cx<'a> {
    pub(crate) fn new(prog: &'a Program, conv: &'a str) -> Cx<'a> {
        Cx {
            prog,
            conv,
            step: Step {
                // Most inputs answer with one or two outputs. An `Output` is about 280
                // bytes, so the default first growth (to four) asks the allocator for a
                // large block, which glibc's malloc serves by consolidating its free
                // lists: measured at a tenth of an event's instructions.
                outputs: Vec::with_capacity(2),
                ..Step::default()
            },
            hand_overs: 0,
        }
    }

    /// Emits a protocol output.
    pub(crate) fn out(&mut self, action: Action) {
        self.step.outputs.push(Output {
            conversation: Some(self.conv.to_owned()),
            action,
        });
    }

    /// Records an analytics event.
    pub(crate) fn event(&mut self, kind: EventKind) {
        self.step.events.push(AnalyticsEvent {
            conversation: self.conv.to_owned(),
            kind,
        });
    }

    /// A procedure's name for outputs and events.
    pub(crate) fn proc_name(&self, proc: ProcId) -> String {
        self.prog
            .procedure(proc)
            .map_or_else(String::new, |p| p.name.clone())
    }

    /// A variable's name for outputs and events.
    pub(crate) fn var_name(&self, var: VarId) -> String {
        self.prog
            .var(var)
            .map_or_else(String::new, |v| v.name.clone())
    }
}

impl Session {
    /// The customer attributes, in the order of the program's customer schema
    /// (`Absent` for a missing optional one).
    pub fn customer(&self) -> &[Value] {
        &self.customer
    }

    /// A known variable's value (answered, provided, saved, defaulted, or absent by
    /// its `when`); `None` while it is not known.
    pub fn known(&self, var: VarId) -> Option<&Value> {
        self.known.get(&var)
    }

    /// Starts a conversation: checks `customer` against the schema (a missing required
    /// attribute, a wrong type or a failing type check is `invalid_customer`) and keeps
    /// the secrets (a name the bundle does not declare is `unknown_secret`).
    pub(crate) fn start(
        prog: &Program,
        customer: &Map<String, Json>,
        secrets: Option<&Map<String, Json>>,
        nonce: [u8; 16],
    ) -> Result<Session, Reject> {
        if let Some(name) = secrets
            .into_iter()
            .flat_map(|s| s.keys())
            .find(|name| !prog.module().secrets.contains(name))
        {
            // A typo would otherwise send the request without its credential.
            return Err(Reject::new(
                "unknown_secret",
                format!("the bundle declares no secret named {name:?}"),
            ));
        }
        let mut session = Session {
            nonce,
            ..Session::default()
        };
        let schema = &prog.module().customer;
        let mut values = Vec::with_capacity(schema.len());
        for field in schema {
            let json = customer.get(&field.name).unwrap_or(&Json::Null);
            let value = parse_typed(prog, field.ty, field.optional, json, Mode::Strict)
                .and_then(|value| type_checks(prog, &session, field.ty, &value).map(|()| value))
                .map_err(|why| {
                    let why = if json.is_null() {
                        "missing".to_owned()
                    } else {
                        why
                    };
                    Reject::new(
                        "invalid_customer",
                        format!("customer.{}: {why}", field.name),
                    )
                })?;
            values.push(value);
        }
        session.customer = values;
        session.secrets = prog
            .module()
            .secrets
            .iter()
            .map(|name| match secrets.and_then(|s| s.get(name)) {
                Some(Json::String(text)) => Some(text.clone()),
                Some(Json::Null) | None => None,
                Some(other) => Some(other.to_string()),
            })
            .collect();
        Ok(session)
    }

    /// The running procedure's id.
    pub(crate) fn running(&self) -> Option<ProcId> {
        self.run.as_ref().map(|run| run.proc)
    }

    /// The name of the running procedure, for events.
    pub(crate) fn running_name(&self, cx: &Cx<'_>) -> Option<String> {
        self.running().map(|p| cx.proc_name(p))
    }
}
