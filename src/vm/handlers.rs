//! The §7 semantics of every event except `start` and `end` (which create and remove
//! sessions, see `conversations.rs`).
//!
//! Each handler first checks everything that can make it an `error`, and only then
//! mutates; the caller also applies the input to a clone, so an `error` can never leave
//! a half-applied change behind.

use serde_json::{Map, Value as Json};

use crate::codegen::isa::{Instr, Outcome, ProcId, Reason, VarId};
use crate::codegen::module::Kind;

use super::analytics::EventKind;
use super::parse_answer::{answered, checked_result};
use super::protocol::{Event, Feedback};
use super::run::Stored;
use super::session::{Cx, Effect, Reject, Run, Session, Wait};
use super::value::Value;

impl Session {
    /// Applies one event (not `start`/`end`).
    pub(crate) fn apply(&mut self, cx: &mut Cx<'_>, event: Event) -> Result<(), Reject> {
        let prog = cx.prog;
        let triggers = &prog.module().triggers;
        match event {
            Event::Start { .. } | Event::End => {
                return Err(Reject::new(
                    "bad_input",
                    "start and end are handled by the conversation table",
                ));
            }
            Event::Message { .. } => self.offer(cx, &triggers.always),
            Event::Source { id } => self.offer(cx, prog.source_triggers(&id)),
            Event::Faq { id } => self.offer(cx, prog.faq_triggers(&id)),
            Event::Feedback {
                value: Feedback::Negative,
            } => self.offer(cx, &triggers.negative_feedback),
            Event::Feedback {
                value: Feedback::Positive,
            } => {}
            Event::Unanswered => self.offer(cx, &triggers.unanswered),
            Event::Click { procedure, vars } => self.click(cx, &procedure, vars.as_ref())?,
            Event::Dismiss { procedure } => self.dismiss(cx, &procedure)?,
            Event::Answer { var, value } => self.answer(cx, &var, &value)?,
            Event::Provide { vars } => self.provide(cx, &vars)?,
            Event::Approve { granted, .. } => self.decide(cx, granted)?,
            Event::Result {
                ok,
                status,
                response,
                output,
            } => self.result(cx, ok, status, response, output)?,
            Event::Cancel => {
                if self.run.is_none() {
                    return Err(Reject::new("nothing_pending", "no procedure is running"));
                }
                self.finish(cx, Outcome::Cancelled);
            }
        }
        Ok(())
    }

    /// Resolves variable names (the running or clicked procedure's locals first); any
    /// unknown name is `unknown_var`, before anything changes.
    fn resolve(
        cx: &Cx<'_>,
        vars: &Map<String, Json>,
        proc: Option<ProcId>,
    ) -> Result<Vec<(VarId, Json)>, Reject> {
        vars.iter()
            .map(|(name, json)| {
                cx.prog
                    .var_id(name, proc)
                    .map(|id| (id, json.clone()))
                    .ok_or_else(|| {
                        Reject::new("unknown_var", format!("no variable named {name:?} here"))
                    })
            })
            .collect()
    }

    fn click(
        &mut self,
        cx: &mut Cx<'_>,
        name: &str,
        vars: Option<&Map<String, Json>>,
    ) -> Result<(), Reject> {
        let proc = cx
            .prog
            .procedure_id(name)
            .filter(|p| self.offered.binary_search(p).is_ok() && self.eligible(cx, *p))
            .ok_or_else(|| {
                Reject::new(
                    "not_offered",
                    format!("{name} has not been offered or is no longer eligible"),
                )
            })?;
        let values = match vars {
            Some(vars) => Self::resolve(cx, vars, Some(proc))?,
            None => Vec::new(),
        };
        if self.run.is_some() {
            self.finish(cx, Outcome::Cancelled);
        }
        cx.event(EventKind::Clicked {
            procedure: name.to_owned(),
            after: None,
        });
        self.run = Some(Box::new(Run::new(proc)));
        // A validated variable the run collects waits for its lookups (one per click).
        let collects = |var: VarId| {
            cx.prog
                .procedure(proc)
                .and_then(|p| cx.prog.chunk(p.body))
                .is_some_and(|body| body.code.contains(&Instr::Collect(var)))
        };
        let mut validating = None;
        for (var, json) in &values {
            let validated = cx.prog.var(*var).is_some_and(|d| !d.validations.is_empty());
            if validating.is_none() && validated && collects(*var) {
                validating = Some((*var, json));
                continue;
            }
            self.store(cx, *var, json, true);
        }
        if let Some((var, json)) = validating
            && self.validate_given(cx, var, json)
        {
            return Ok(());
        }
        if let Some((var, json)) = validating {
            self.store(cx, var, json, true);
        }
        self.drive(cx);
        Ok(())
    }

    fn dismiss(&mut self, cx: &mut Cx<'_>, name: &str) -> Result<(), Reject> {
        let at = cx
            .prog
            .procedure_id(name)
            .and_then(|p| self.offered.binary_search(&p).ok())
            .ok_or_else(|| Reject::new("not_offered", format!("{name} is not on offer")))?;
        self.offered.remove(at);
        cx.event(EventKind::Dismissed {
            procedure: name.to_owned(),
        });
        Ok(())
    }

    fn asking(&self) -> Option<VarId> {
        match self.run.as_ref()?.wait {
            Wait::Ask(var) => Some(var),
            _ => None,
        }
    }

    fn answer(&mut self, cx: &mut Cx<'_>, name: &str, json: &Json) -> Result<(), Reject> {
        let var = cx
            .prog
            .var_id(name, self.running())
            .filter(|v| self.asking() == Some(*v) || self.known.contains_key(v))
            .ok_or_else(|| {
                Reject::new(
                    "unexpected_answer",
                    format!("{name} is not being asked and is not known"),
                )
            })?;
        if self.asking() != Some(var) {
            self.check_unlocked(cx, var)?;
            // A correction of a known value; a validated variable's lookups are
            // fetched again for the new candidate first (§4).
            let resumable = self
                .run
                .as_ref()
                .is_some_and(|run| matches!(run.wait, Wait::Ask(_) | Wait::Approve(_)));
            if resumable && self.validate_given(cx, var, json) {
                return Ok(());
            }
            if let Stored::Ok { corrected: true } = self.store(cx, var, json, true) {
                self.after_correction(cx);
            }
            return Ok(());
        }
        self.take_answer(cx, var, json);
        Ok(())
    }

    /// The answer to the variable being asked: its validation lookups fetched first
    /// (§4), then checked and stored, or refused (`invalid`, counting an attempt).
    pub(super) fn take_answer(&mut self, cx: &mut Cx<'_>, var: VarId, json: &Json) {
        if self.validate_first(cx, var, json) {
            return;
        }
        match self.store(cx, var, json, true) {
            Stored::Ok { .. } => self.drive(cx),
            Stored::Invalid => {
                self.forget_validations(cx, var);
                let attempts = cx.prog.var(var).map_or(1, |d| d.attempts.max(1));
                let Some(run) = self.run.as_mut() else {
                    return;
                };
                let used = match run.tries {
                    Some((v, n)) if v == var => n.saturating_add(1),
                    _ => 1,
                };
                run.tries = Some((var, used));
                if used >= attempts {
                    self.fail_run(cx, Reason::Attempts);
                } else {
                    // The same `ask` again (its prompt re-rendered).
                    self.drive(cx);
                }
            }
        }
    }

    fn provide(&mut self, cx: &mut Cx<'_>, vars: &Map<String, Json>) -> Result<(), Reject> {
        let values = Self::resolve(cx, vars, self.running())?;
        let asked = self.asking();
        for (var, _) in &values {
            if asked != Some(*var) {
                self.check_unlocked(cx, *var)?;
            }
        }
        // A validated variable waits for its lookups when the run can wait (one per
        // `provide`); outside a run, or while it waits for something else, it is
        // checked at once.
        let resumable = self
            .run
            .as_ref()
            .is_some_and(|run| matches!(run.wait, Wait::Ask(_) | Wait::Approve(_)));
        let mut validating = None;
        let mut corrected = false;
        for (var, json) in &values {
            let validated = cx.prog.var(*var).is_some_and(|d| !d.validations.is_empty());
            if validating.is_none() && resumable && validated {
                validating = Some((*var, json));
                continue;
            }
            if let Stored::Ok { corrected: true } = self.store(cx, *var, json, true) {
                corrected = true;
            }
        }
        if let Some((var, json)) = validating {
            if self.validate_given(cx, var, json) {
                return Ok(());
            }
            if let Stored::Ok { corrected: true } = self.store(cx, var, json, true) {
                corrected = true;
            }
        }
        if corrected {
            self.after_correction(cx);
        } else if asked.is_some_and(|v| self.known.contains_key(&v)) {
            self.drive(cx);
        }
        Ok(())
    }

    /// §7: from a granted approval until the run ends, a correction of a variable of the
    /// running procedure's collection set (its own variables, and every variable its
    /// body collects) is `locked`, so what was approved is what is done.
    fn check_unlocked(&self, cx: &Cx<'_>, var: VarId) -> Result<(), Reject> {
        let Some(run) = self.run.as_ref().filter(|run| run.approved) else {
            return Ok(());
        };
        let prog = cx.prog;
        let collected = prog
            .procedure(run.proc)
            .and_then(|p| prog.chunk(p.body))
            .is_some_and(|body| body.code.contains(&Instr::Collect(var)));
        if collected || prog.locals_of(run.proc).contains(&var) {
            return Err(Reject::new(
                "locked",
                format!(
                    "{} was approved with the current value of {}; it cannot change until the run ends",
                    cx.proc_name(run.proc),
                    cx.var_name(var)
                ),
            ));
        }
        Ok(())
    }

    /// After a correction, a run waiting for an answer or an approval starts its body
    /// again: collection skips what is still known and re-asks what was forgotten, and a
    /// pending approval is asked again with its prompt rendered anew. (The body before
    /// the action has no side effects, so running it again is exact.)
    fn after_correction(&mut self, cx: &mut Cx<'_>) {
        if let Some(run) = self.run.as_mut()
            && matches!(run.wait, Wait::Ask(_) | Wait::Approve(_))
        {
            run.pc = 0;
            run.stack.clear();
            self.drive(cx);
        }
    }

    fn decide(&mut self, cx: &mut Cx<'_>, granted: bool) -> Result<(), Reject> {
        let (proc, by) = match self.run.as_ref() {
            Some(run) => match run.wait {
                Wait::Approve(by) => (run.proc, by),
                _ => return Err(Reject::new("nothing_pending", "no approval is pending")),
            },
            None => return Err(Reject::new("nothing_pending", "no approval is pending")),
        };
        let procedure = cx.proc_name(proc);
        let by = by.as_str().to_owned();
        if granted {
            cx.event(EventKind::Approved { procedure, by });
            if let Some(run) = self.run.as_mut() {
                run.pc = run.pc.saturating_add(1);
                run.approved = true;
            }
            self.drive(cx);
        } else {
            cx.event(EventKind::Denied { procedure, by });
            self.finish(cx, Outcome::Denied);
        }
        Ok(())
    }

    fn result(
        &mut self,
        cx: &mut Cx<'_>,
        ok: bool,
        status: Option<u16>,
        response: Option<Json>,
        output: Option<Json>,
    ) -> Result<(), Reject> {
        let (proc, effect) = match self.run.as_ref().map(|run| (run.proc, run.wait)) {
            Some((proc, Wait::Await(effect))) => (proc, effect),
            Some((_, wait @ (Wait::Lookup(lookup) | Wait::Validate(_, lookup)))) => {
                self.lookup_result(cx, lookup, wait, ok, status, response);
                return Ok(());
            }
            _ => {
                return Err(Reject::new(
                    "nothing_pending",
                    "no effect is waiting for a result",
                ));
            }
        };
        let prog = cx.prog;
        let (success, json, mismatch) = match effect {
            Effect::Request => {
                let response = response.unwrap_or(Json::Null);
                let returns = prog
                    .procedure(proc)
                    .map_or(&[][..], |p| p.returns.as_slice());
                let (success, mismatch) =
                    checked_result(prog, self, answered(ok, status), returns, &response);
                (success, response, mismatch)
            }
            Effect::Component(index) => {
                let output = output.or(response).unwrap_or(Json::Null);
                let declared = prog
                    .module()
                    .components
                    .get(index as usize)
                    .map_or(&[][..], |c| c.output.as_slice());
                // A completed component's output must match its declared `output` shape,
                // as an api_call's response must match `returns`.
                let (success, mismatch) = checked_result(prog, self, ok, declared, &output);
                (success, output, mismatch)
            }
            Effect::Javascript | Effect::LiveChat | Effect::Lookup => {
                (ok, output.or(response).unwrap_or(Json::Null), None)
            }
        };
        let is_api = prog
            .procedure(proc)
            .is_some_and(|p| p.kind == Kind::ApiCall);
        cx.event(EventKind::ApiResult {
            procedure: cx.proc_name(proc),
            ok: success,
            status: if is_api { status } else { None },
            mismatch,
        });
        if let Some(run) = self.run.as_mut() {
            run.result = match json {
                Json::Object(_) | Json::Array(_) => Value::json(json),
                other => Value::from_json(&other),
            };
            run.failed = !success;
            run.status = if is_api { status } else { None };
            run.pc = run.pc.saturating_add(1);
        }
        self.drive(cx);
        Ok(())
    }

    /// `end`: a running procedure is cancelled first.
    pub(crate) fn end(&mut self, cx: &mut Cx<'_>) {
        if self.run.is_some() {
            self.finish(cx, Outcome::Cancelled);
        }
    }
}
