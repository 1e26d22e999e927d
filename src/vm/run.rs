//! The body interpreter: runs the current procedure from its program counter until it
//! suspends (`ask`, `approve`, an awaited effect) or ends (`done`).

use serde_json::{Map, Value as Json};

use crate::codegen::isa::{Instr, Outcome, ProcId, Reason, RequestSpec, VarId};

use super::analytics::EventKind;
use super::eval::{Env, Flow, eval, eval_guard, eval_text, exec, pop};
use super::ops::{RuntimeError, fail};
use super::parse_answer::{Mode, validate_var};
use super::protocol::{Action, Offered};
use super::session::{BranchTaken, Cx, Effect, Failure, Refusal, Run, Session, Wait};
use super::url::percent_encode;
use super::value::Value;

/// What a procedure step asks the loop to do.
pub(super) enum StepFlow {
    Next,
    Jump(u32),
    Suspend(Wait),
    Finish(Outcome),
    Fail(Reason),
}

/// The result of storing a value into a variable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stored {
    /// Refused (an `invalid` went out or was logged).
    Invalid,
    /// Stored; `corrected` when it replaced a different known value.
    Ok { corrected: bool },
}

impl Session {
    /// Runs the current procedure until it suspends or ends.
    pub(crate) fn drive(&mut self, cx: &mut Cx<'_>) {
        let Some(run) = self.run.as_mut() else { return };
        run.wait = Wait::Nothing;
        let proc = run.proc;
        let mut pc = run.pc as usize;
        let mut stack = std::mem::take(&mut run.stack);
        let prog = cx.prog;
        let Some(code) = prog
            .procedure(proc)
            .and_then(|p| prog.chunk(p.body))
            .map(|c| &c.code)
        else {
            self.fail_run(cx, Reason::Action);
            return;
        };
        // Forward-only code: each drive executes every instruction at most once.
        for _ in 0..=code.len() {
            let Some(&instr) = code.get(pc) else { break };
            if let Instr::LoadSecret(i) = instr {
                // Secrets flow only into the next request (rule 3): it carries one,
                // and (§7) it is never sent when one was not supplied.
                self.secret_read = true;
                self.missing_secret |= self.secrets.get(i as usize).is_none_or(Option::is_none);
            }
            let flow = exec(&Env::new(prog, self), &mut stack, pc, instr);
            let step = match flow {
                Ok(Flow::Next) => Ok(StepFlow::Next),
                Ok(Flow::Jump(target)) => Ok(StepFlow::Jump(target)),
                Ok(Flow::Return(_)) => fail("Return in a procedure body"),
                Ok(Flow::Step) => self.step(cx, proc, instr, &mut stack),
                Err(error) => Err(error),
            };
            match step {
                Ok(StepFlow::Next) => pc += 1,
                Ok(StepFlow::Jump(target)) if target as usize > pc => pc = target as usize,
                Ok(StepFlow::Jump(_)) | Err(_) => break,
                Ok(StepFlow::Suspend(wait)) => {
                    if let Some(run) = self.run.as_mut() {
                        run.pc = u32::try_from(pc).unwrap_or(u32::MAX);
                        run.stack = stack;
                        run.wait = wait;
                    }
                    return;
                }
                Ok(StepFlow::Finish(outcome)) => {
                    self.finish(cx, outcome);
                    return;
                }
                Ok(StepFlow::Fail(reason)) => {
                    self.fail_run(cx, reason);
                    return;
                }
            }
        }
        // Fell off the end, ran out of fuel, or hit a run-time error: the run could not
        // do what it was for.
        self.fail_run(cx, Reason::Action);
    }

    /// Ends the run `completed`, `denied` or `cancelled` (a `failed` end goes through
    /// [`Session::fail_run`], which knows the reason).
    pub(crate) fn finish(&mut self, cx: &mut Cx<'_>, outcome: Outcome) {
        match outcome {
            Outcome::Failed => self.fail_run(cx, Reason::Action),
            _ => self.end_run(cx, outcome, None),
        }
    }

    /// Ends the run `failed` for `reason`: `on failure` sees the reason, and the status
    /// and body of the HTTP answer when the failure came from one.
    pub(crate) fn fail_run(&mut self, cx: &mut Cx<'_>, reason: Reason) {
        let Some(run) = self.run.as_mut() else { return };
        // An effect refused before it went out fails for the refusal's reason.
        let reason = match (reason, run.refused) {
            (Reason::Action, Some(refusal)) => refusal.reason(),
            _ => reason,
        };
        let http = match reason {
            Reason::Action => run.refused.is_none() && run.effect == Some(Effect::Request),
            Reason::Lookup => run.effect == Some(Effect::Lookup),
            _ => false,
        };
        let status = if http { run.status } else { None };
        let response = match status {
            Some(_) => run.result.clone(),
            None => Value::Absent,
        };
        run.failure = Some(Failure {
            reason,
            status,
            response,
        });
        self.end_run(cx, Outcome::Failed, Some(reason));
    }

    /// Ends the run: its outcome's statements (§7: before `done`), `done`, its local
    /// variables forgotten; then the procedure a `then` named starts, if it is eligible
    /// now (after the statements ran and this run ended).
    fn end_run(&mut self, cx: &mut Cx<'_>, outcome: Outcome, reason: Option<Reason>) {
        let Some(proc) = self.running() else { return };
        if let Some(chunk) = cx.prog.procedure(proc).and_then(|p| p.outcomes.of(outcome)) {
            self.outcome_statements(cx, proc, chunk);
        }
        let Some(run) = self.run.take() else { return };
        for var in cx.prog.locals_of(run.proc) {
            self.known.remove(var);
        }
        let procedure = cx.proc_name(run.proc);
        let escalation = cx.prog.procedure(run.proc).is_some_and(|p| p.escalation);
        cx.out(Action::Done {
            procedure: procedure.clone(),
            outcome: outcome.as_str().to_owned(),
            escalation,
        });
        cx.event(EventKind::Done {
            procedure: procedure.clone(),
            outcome: outcome.as_str().to_owned(),
            reason: reason.map(|r| r.as_str().to_owned()),
            escalation,
        });
        // A cancelled run never hands over: the customer is doing something else.
        if let Some(next) = run.then.filter(|_| outcome != Outcome::Cancelled)
            && cx.hand_overs < cx.prog.module().procedures.len()
            && self.eligible(cx, next)
        {
            cx.hand_overs += 1;
            self.begin(cx, next, Some(procedure));
        }
    }

    /// Starts a run of `proc` (clicked, or handed over to by `then` after `after`).
    pub(crate) fn begin(&mut self, cx: &mut Cx<'_>, proc: ProcId, after: Option<String>) {
        cx.event(EventKind::Clicked {
            procedure: cx.proc_name(proc),
            after,
        });
        self.run = Some(Box::new(Run::new(proc)));
        self.drive(cx);
    }

    /// Runs an outcome chunk to its `Done`. Outcome statements never suspend: a
    /// run-time error ends the statements early (the `done` still follows), and anything
    /// but a statement (which the verifier refuses) stops them too.
    fn outcome_statements(&mut self, cx: &mut Cx<'_>, proc: ProcId, chunk: u32) {
        let prog = cx.prog;
        let Some(code) = prog.chunk(chunk).map(|c| &c.code) else {
            return;
        };
        let mut stack: Vec<Value> = Vec::new();
        let mut pc = 0usize;
        for _ in 0..=code.len() {
            let Some(&instr) = code.get(pc) else { return };
            let flow = exec(&Env::new(prog, self), &mut stack, pc, instr);
            let step = match flow {
                Ok(Flow::Next) => Ok(StepFlow::Next),
                Ok(Flow::Jump(target)) => Ok(StepFlow::Jump(target)),
                Ok(Flow::Step) if is_statement(instr) => self.step(cx, proc, instr, &mut stack),
                Ok(_) | Err(_) => return,
            };
            match step {
                Ok(StepFlow::Next) => pc += 1,
                Ok(StepFlow::Jump(target)) if target as usize > pc => pc = target as usize,
                _ => return,
            }
        }
    }

    fn step(
        &mut self,
        cx: &mut Cx<'_>,
        proc: ProcId,
        instr: Instr,
        stack: &mut Vec<Value>,
    ) -> Result<StepFlow, RuntimeError> {
        let prog = cx.prog;
        let name = cx.proc_name(proc);
        let action = |cx: &mut Cx<'_>, kind: &str| {
            cx.event(EventKind::Action {
                procedure: name.clone(),
                action: kind.to_owned(),
            });
        };
        match instr {
            Instr::Collect(var) => return self.collect(cx, proc, var),
            Instr::Approve(by) => {
                let prompt = pop(stack)?.render();
                cx.out(Action::Approve {
                    prompt,
                    by: by.as_str().to_owned(),
                });
                return Ok(StepFlow::Suspend(Wait::Approve(by)));
            }
            Instr::FollowUp => {
                let question = pop(stack)?.render();
                cx.out(Action::FollowUp { question });
                action(cx, "follow_up");
            }
            Instr::Redirect => {
                let url = pop(stack)?.render();
                if super::url::has_dot_segment(&url) {
                    // §7: a value made a path segment `.`/`..`: nothing is sent.
                    self.set_refused(Refusal::Action);
                    return Ok(StepFlow::Finish(Outcome::Failed));
                }
                cx.out(Action::Redirect { url });
                action(cx, "redirect");
            }
            Instr::OpenComponent(i) => {
                let component = prog
                    .module()
                    .components
                    .get(i as usize)
                    .ok_or_else(|| RuntimeError(format!("component {i} out of range")))?;
                let input = pop(stack)?.to_json();
                cx.out(Action::Component {
                    component: component.id.clone(),
                    input,
                });
                action(cx, "component");
                self.set_effect(Effect::Component(i));
            }
            Instr::SwitchTopic(i) => {
                let topic = prog
                    .module()
                    .topics
                    .get(i as usize)
                    .ok_or_else(|| RuntimeError(format!("topic {i} out of range")))?;
                cx.out(Action::SwitchTopic {
                    topic: topic.id.clone(),
                });
                action(cx, "switch_topic");
            }
            Instr::LiveChat => {
                let note = pop(stack)?.render();
                let queue = pop(stack)?.render();
                cx.out(Action::LiveChat { queue, note });
                action(cx, "live_chat");
                self.set_effect(Effect::LiveChat);
            }
            Instr::Request(spec) => {
                let missing = std::mem::take(&mut self.missing_secret);
                let request = self.request(cx, spec, stack)?;
                self.set_effect(Effect::Request);
                let refusal = match &request {
                    _ if missing => Some(Refusal::Missing),
                    Action::Request { url, .. } if super::url::has_dot_segment(url) => {
                        Some(Refusal::Action)
                    }
                    _ => None,
                };
                match refusal {
                    // Not sent: the run goes on as after a failed result, so its
                    // failure statements run (see `Await`).
                    Some(refusal) => self.set_refused(refusal),
                    None => {
                        cx.out(request);
                        action(cx, "request");
                    }
                }
            }
            Instr::Javascript(id) => {
                let script = prog
                    .string(id)
                    .ok_or_else(|| RuntimeError(format!("string {id} out of range")))?
                    .to_owned();
                let args = match pop(stack)? {
                    Value::Absent => Json::Object(Map::new()),
                    other => other.to_json(),
                };
                cx.out(Action::Javascript { script, args });
                action(cx, "javascript");
                self.set_effect(Effect::Javascript);
            }
            Instr::Await => {
                let run = self
                    .run
                    .as_mut()
                    .ok_or_else(|| RuntimeError("Await without a run".into()))?;
                let effect = run
                    .effect
                    .ok_or_else(|| RuntimeError("Await without an effect".into()))?;
                if run.refused.is_some() {
                    // The request was refused before sending: there is no result to
                    // wait for, and `failed` is already set.
                    return Ok(StepFlow::Next);
                }
                return Ok(StepFlow::Suspend(Wait::Await(effect)));
            }
            Instr::JumpIfFailed(target) => {
                if self.run.as_ref().is_some_and(|run| run.failed) {
                    return Ok(StepFlow::Jump(target));
                }
            }
            Instr::Say => {
                let text = pop(stack)?.render();
                cx.out(Action::Say { text });
            }
            Instr::Suggest => {
                let question = pop(stack)?.render();
                cx.out(Action::FollowUp { question });
            }
            Instr::Save(var) => {
                if prog.var(var).is_none() {
                    return fail(format!("variable {var} out of range"));
                }
                let value = pop(stack)?;
                // An invalid value is skipped; `store` logs it as `invalid`.
                self.store(cx, var, &value.to_json(), false);
            }
            Instr::Offer(target) => {
                if prog.procedure(target).is_none() {
                    return fail(format!("procedure {target} out of range"));
                }
                self.offer(cx, &[target]);
            }
            Instr::Require(index) => return self.require(cx, proc, index),
            Instr::Then(target) => {
                if prog.procedure(target).is_none() {
                    return fail(format!("procedure {target} out of range"));
                }
                if let Some(run) = self.run.as_mut() {
                    run.then = Some(target);
                }
            }
            Instr::JumpUnless { cond, target } => {
                let held = eval_guard(&Env::new(prog, self), cond);
                if prog.traces_branches() {
                    cx.step.branches.push(BranchTaken { cond, held });
                }
                if !held {
                    return Ok(StepFlow::Jump(target));
                }
            }
            Instr::Fail(reason) => return Ok(StepFlow::Fail(reason)),
            Instr::Done(outcome) => return Ok(StepFlow::Finish(outcome)),
            _ => return fail(format!("{instr:?} is not a procedure step")),
        }
        Ok(StepFlow::Next)
    }

    /// Marks the run's effect as refused before it went out: the run fails (§7).
    fn set_refused(&mut self, refusal: Refusal) {
        if let Some(run) = self.run.as_mut() {
            run.refused = Some(refusal);
            run.failed = true;
            run.result = Value::Absent;
        }
    }

    /// `Require(i)`: a requirement that holds lets the run go on; one that does not
    /// (or cannot be evaluated) says its message and ends the run `failed` with reason
    /// `require`.
    fn require(
        &mut self,
        cx: &mut Cx<'_>,
        proc: ProcId,
        index: u32,
    ) -> Result<StepFlow, RuntimeError> {
        let prog = cx.prog;
        let def = prog
            .procedure(proc)
            .and_then(|p| p.requires.get(index as usize))
            .ok_or_else(|| RuntimeError(format!("requirement {index} out of range")))?;
        if eval_guard(&Env::new(prog, self), def.cond) {
            return Ok(StepFlow::Next);
        }
        // A message that cannot be rendered is not said; the run still ends.
        if let Ok(text) = eval_text(&Env::new(prog, self), def.message) {
            cx.out(Action::Say { text });
        }
        Ok(StepFlow::Fail(Reason::Require))
    }

    fn set_effect(&mut self, effect: Effect) {
        if let Some(run) = self.run.as_mut() {
            run.effect = Some(effect);
        }
    }

    /// `Collect(var)`: known → go on; `when` false → absent; `default` → its value;
    /// `ask` → suspend; otherwise absent if optional, else the run fails.
    fn collect(
        &mut self,
        cx: &mut Cx<'_>,
        proc: ProcId,
        var: VarId,
    ) -> Result<StepFlow, RuntimeError> {
        let prog = cx.prog;
        let def = prog
            .var(var)
            .ok_or_else(|| RuntimeError(format!("variable {var} out of range")))?;
        if self.known.contains_key(&var) {
            return Ok(StepFlow::Next);
        }
        if def.lookup.is_some() {
            return self.collect_lookup(cx, var);
        }
        if let Some(when) = def.when
            && !eval_guard(&Env::new(prog, self), when)
        {
            self.known.insert(var, Value::Absent);
            return Ok(StepFlow::Next);
        }
        if let Some(default) = def.default {
            let value = eval(&Env::new(prog, self), default)?;
            let value = super::parse_answer::parse_typed(
                prog,
                def.ty,
                true,
                &value.to_json(),
                Mode::Answer,
            )
            .map_err(RuntimeError)?;
            self.known.insert(var, value);
            return Ok(StepFlow::Next);
        }
        let Some(ask) = def.ask else {
            if def.optional {
                self.known.insert(var, Value::Absent);
                return Ok(StepFlow::Next);
            }
            // Neither asked nor defaulted, and the host did not provide it.
            return Ok(StepFlow::Fail(Reason::Missing));
        };
        let prompt = eval_text(&Env::new(prog, self), ask)?;
        let shape = super::choices::ask_shape(prog, self, def);
        cx.out(Action::Ask {
            var: def.name.clone(),
            prompt,
            ty: shape.ty,
            choices: shape.choices,
            suggestions: shape.suggestions,
            multiple: shape.multiple,
        });
        cx.event(EventKind::Asked {
            procedure: cx.proc_name(proc),
            var: def.name.clone(),
        });
        if let Some(run) = self.run.as_mut()
            && run.tries.map(|(v, _)| v) != Some(var)
        {
            run.tries = Some((var, 0));
        }
        Ok(StepFlow::Suspend(Wait::Ask(var)))
    }

    pub(super) fn request(
        &mut self,
        cx: &mut Cx<'_>,
        spec: RequestSpec,
        stack: &mut Vec<Value>,
    ) -> Result<Action, RuntimeError> {
        let body = pop(stack)?.to_json();
        let query = pop(stack)?;
        let headers = pop(stack)?;
        let mut url = pop(stack)?.render();
        let texts = |value: Value, what: &str| -> Result<Vec<(String, String)>, RuntimeError> {
            if let Value::Json(json) = &value
                && let Json::Object(map) = &**json
            {
                return Ok(map
                    .iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k.clone(), Value::from_json(v).render()))
                    .collect());
            }
            match value {
                Value::Absent => Ok(Vec::new()),
                other => fail(format!(
                    "request {what} must be an object, got {}",
                    other.kind_name()
                )),
            }
        };
        for (i, (name, value)) in texts(query, "query")?.into_iter().enumerate() {
            let separator = if i == 0 && !url.contains('?') {
                '?'
            } else {
                '&'
            };
            url.push(separator);
            url.push_str(&percent_encode(&name));
            url.push('=');
            url.push_str(&percent_encode(&value));
        }
        let carries_secret = std::mem::take(&mut self.secret_read);
        let headers: Map<String, Json> = texts(headers, "headers")?
            .into_iter()
            .map(|(k, v)| (k, Json::String(v)))
            .collect();
        let counter = self.requests;
        self.requests = self.requests.wrapping_add(1);
        Ok(Action::Request {
            method: spec.method.as_str().to_owned(),
            url,
            headers,
            body,
            timeout_ms: u64::from(spec.timeout_ms),
            idempotency_key: idempotency_key(&self.nonce, cx.conv, counter),
            retry: spec.retry,
            lookup: None,
            carries_secret,
        })
    }

    /// Whether a procedure may be offered or clicked now: every audience and its `when`
    /// hold (a run-time error counts as false), and it is not running.
    pub(crate) fn eligible(&self, cx: &Cx<'_>, proc: ProcId) -> bool {
        let prog = cx.prog;
        let Some(def) = prog.procedure(proc) else {
            return false;
        };
        if self.running() == Some(proc) {
            return false;
        }
        let env = Env::new(prog, self);
        def.audiences.iter().all(|&a| {
            prog.module()
                .audiences
                .get(a as usize)
                .is_some_and(|aud| eval_guard(&env, aud.cond))
        }) && def.when.is_none_or(|when| eval_guard(&env, when))
    }

    /// Offers the eligible procedures of a list (declaration order); nothing when none.
    pub(crate) fn offer(&mut self, cx: &mut Cx<'_>, candidates: &[ProcId]) {
        let mut ids: Vec<ProcId> = candidates.to_vec();
        ids.sort_unstable();
        ids.dedup();
        let mut procedures = Vec::new();
        for proc in ids {
            if !self.eligible(cx, proc) {
                continue;
            }
            let Some(def) = cx.prog.procedure(proc) else {
                continue;
            };
            // A label that cannot be rendered cannot be shown: the procedure is left out.
            let Ok(label) = eval_text(&Env::new(cx.prog, self), def.label) else {
                continue;
            };
            procedures.push(Offered {
                id: def.name.clone(),
                label,
                escalation: def.escalation,
            });
            if let Err(at) = self.offered.binary_search(&proc) {
                self.offered.insert(at, proc);
            }
            cx.event(EventKind::Offered {
                procedure: def.name.clone(),
            });
        }
        if !procedures.is_empty() {
            cx.out(Action::Offer { procedures });
        }
    }

    /// Validates and stores a value. Refused: `invalid` goes out (or, for `save`, is
    /// only logged). Replacing a different known value is a correction: every variable
    /// whose guards depend on it, transitively, is forgotten.
    pub(crate) fn store(
        &mut self,
        cx: &mut Cx<'_>,
        var: VarId,
        json: &Json,
        report: bool,
    ) -> Stored {
        let procedure = self.running_name(cx);
        let name = cx.var_name(var);
        match validate_var(cx.prog, self, var, json, Mode::Answer) {
            Err(message) => {
                if report {
                    cx.out(Action::Invalid {
                        var: name.clone(),
                        message,
                    });
                }
                cx.event(EventKind::Invalid {
                    procedure,
                    var: name,
                });
                Stored::Invalid
            }
            Ok(value) => {
                let previous = self.known.insert(var, value.clone());
                let corrected = previous.is_some_and(|old| old != value);
                if corrected {
                    for stale in cx.prog.stale_after_change(var) {
                        self.known.remove(&stale);
                    }
                }
                cx.event(EventKind::Answered {
                    procedure,
                    var: name,
                });
                Stored::Ok { corrected }
            }
        }
    }
}

/// The instructions an outcome chunk may run (the statements of §4 and `if`'s jumps).
fn is_statement(instr: Instr) -> bool {
    matches!(
        instr,
        Instr::Say
            | Instr::Suggest
            | Instr::Save(_)
            | Instr::Offer(_)
            | Instr::Then(_)
            | Instr::JumpUnless { .. }
            | Instr::Done(_)
    )
}

/// An idempotency key: the same for every retry of one request (the host resends the
/// `request` output it got), never the same for two requests: the session's nonce (drawn
/// by the host at `start`, kept in the snapshot) separates sessions, also across `end` +
/// `start` of one conversation id and across host restarts; the counter separates the
/// requests of one session.
fn idempotency_key(nonce: &[u8; 16], conversation: &str, counter: u32) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(nonce);
    hasher.update(conversation.as_bytes());
    hasher.update(&[0]);
    hasher.update(&counter.to_le_bytes());
    hasher.finalize().to_hex()[..32].to_owned()
}
