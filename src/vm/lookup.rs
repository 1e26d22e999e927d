//! Lookups (§4): a value fetched from the business's API when collection reaches it.
//!
//! `Collect` of a lookup that is not known runs the lookup's request chunk, sends the
//! `request` (with `lookup`: its name) and suspends the run until the `result`; a 2xx
//! answer whose body fits `returns` becomes the lookup's value, anything else ends the
//! run `failed` with reason `lookup` (`status` and `response` set when an answer came).
//! A validation lookup is fetched for each candidate answer of the variable it
//! validates, with the candidate in place of the variable, before that variable's
//! checks run; a refused answer forgets it again.

use serde_json::Value as Json;

use crate::codegen::isa::{Instr, Reason, VarId};

use super::analytics::EventKind;
use super::eval::{Env, Flow, eval_guard, exec};
use super::ops::{RuntimeError, fail};
use super::parse_answer::{Mode, answered, checked_result, parse_typed, type_checks};
use super::protocol::Action;
use super::run::{StepFlow, Stored};
use super::session::{Cx, Effect, Session, Wait};
use super::url::has_dot_segment;
use super::value::Value;

/// What became of a lookup's request.
enum Sent {
    /// It went out: the run waits for its `result`.
    Out,
    /// It needs a secret nobody supplied: never sent (reason `missing`).
    Missing,
    /// A value made a URL path segment `.` or `..`: never sent (reason `lookup`).
    Refused,
}

impl Sent {
    /// How the run goes on when the request did not go out.
    fn failure(&self) -> Option<Reason> {
        match self {
            Sent::Out => None,
            Sent::Missing => Some(Reason::Missing),
            Sent::Refused => Some(Reason::Lookup),
        }
    }
}

impl Session {
    /// `Collect` of a lookup that is not known: absent when its `when` does not hold,
    /// else its request goes out and the run waits for the result.
    pub(super) fn collect_lookup(
        &mut self,
        cx: &mut Cx<'_>,
        var: VarId,
    ) -> Result<StepFlow, RuntimeError> {
        let when = cx.prog.var(var).and_then(|def| def.when);
        if let Some(when) = when
            && !eval_guard(&Env::new(cx.prog, self), when)
        {
            self.known.insert(var, Value::Absent);
            return Ok(StepFlow::Next);
        }
        let sent = self.send_lookup(cx, var, None)?;
        Ok(match sent.failure() {
            Some(reason) => StepFlow::Fail(reason),
            None => StepFlow::Suspend(Wait::Lookup(var)),
        })
    }

    /// Runs lookup `var`'s request chunk (with `candidate` standing for the variable
    /// it validates) and sends the request, unless §7 refuses it.
    fn send_lookup(
        &mut self,
        cx: &mut Cx<'_>,
        var: VarId,
        candidate: Option<(VarId, &Value)>,
    ) -> Result<Sent, RuntimeError> {
        let prog = cx.prog;
        let chunk = prog
            .var(var)
            .and_then(|def| def.lookup.as_ref())
            .and_then(|lookup| prog.chunk(lookup.request))
            .ok_or_else(|| RuntimeError(format!("variable {var} is not a lookup")))?;
        let env = Env {
            prog,
            session: self,
            value: candidate.map(|(_, value)| value),
            candidate: candidate.map(|(id, _)| id),
        };
        let mut stack: Vec<Value> = Vec::new();
        let (mut secret, mut missing) = (false, false);
        let mut spec = None;
        let mut pc = 0usize;
        // Forward-only code: at most one pass over the chunk.
        for _ in 0..=chunk.code.len() {
            let Some(&instr) = chunk.code.get(pc) else {
                break;
            };
            if let Instr::Lookup(s) = instr {
                spec = Some(s);
                break;
            }
            if let Instr::LoadSecret(i) = instr {
                secret = true;
                missing |= self.secrets.get(i as usize).is_none_or(Option::is_none);
            }
            match exec(&env, &mut stack, pc, instr)? {
                Flow::Next => pc += 1,
                Flow::Jump(target) if target as usize > pc => pc = target as usize,
                _ => return fail("a lookup's request chunk holds a step"),
            }
        }
        let spec = spec.ok_or_else(|| RuntimeError("a lookup's request never ends".into()))?;
        self.secret_read = secret;
        let mut request = self.request(cx, spec, &mut stack)?;
        if missing {
            return Ok(Sent::Missing);
        }
        if let Action::Request { url, lookup, .. } = &mut request {
            if has_dot_segment(url) {
                return Ok(Sent::Refused);
            }
            *lookup = Some(cx.var_name(var));
        }
        cx.out(request);
        Ok(Sent::Out)
    }

    /// The `result` of a lookup's request, while the run waits at `wait`
    /// ([`Wait::Lookup`] or [`Wait::Validate`]).
    pub(super) fn lookup_result(
        &mut self,
        cx: &mut Cx<'_>,
        lookup: VarId,
        wait: Wait,
        ok: bool,
        status: Option<u16>,
        response: Option<Json>,
    ) {
        let prog = cx.prog;
        let response = response.unwrap_or(Json::Null);
        let returns = prog
            .var(lookup)
            .and_then(|def| def.lookup.as_ref())
            .map_or(&[][..], |l| l.returns.as_slice());
        let (success, mismatch) =
            checked_result(prog, self, answered(ok, status), returns, &response);
        cx.event(EventKind::LookupResult {
            procedure: self.running_name(cx).unwrap_or_default(),
            lookup: cx.var_name(lookup),
            ok: success,
            status,
            mismatch,
        });
        let value = match response {
            json @ (Json::Object(_) | Json::Array(_)) => Value::json(json),
            other => Value::from_json(&other),
        };
        if !success {
            if let Some(run) = self.run.as_mut() {
                run.effect = Some(Effect::Lookup);
                run.status = status;
                run.result = if status.is_some() {
                    value
                } else {
                    Value::Absent
                };
            }
            self.fail_run(cx, Reason::Lookup);
            return;
        }
        self.known.insert(lookup, value);
        match wait {
            Wait::Validate(var, _) => self.validated(cx, var),
            _ => self.drive(cx),
        }
    }

    /// An answer (or a correction) for `var`, which has validation lookups: fetches
    /// the first one not known with the candidate in place of `var`. `true` when that
    /// took the input (the run now waits for the lookup, or ended); `false` when the
    /// answer goes on to be checked as usual (it does not read as the type, or every
    /// validation lookup is known).
    pub(super) fn validate_first(&mut self, cx: &mut Cx<'_>, var: VarId, json: &Json) -> bool {
        let prog = cx.prog;
        let Some(def) = prog.var(var) else {
            return false;
        };
        let Some(&lookup) = def.validations.iter().find(|l| !self.known.contains_key(l)) else {
            return false;
        };
        let candidate = match parse_typed(prog, def.ty, def.optional, json, Mode::Answer) {
            Ok(value) if !value.is_absent() => value,
            _ => return false,
        };
        if type_checks(prog, self, def.ty, &candidate).is_err() {
            return false;
        }
        // A validation lookup whose `when` does not hold for this candidate is absent,
        // and the next one (if any) is considered.
        let when = prog.var(lookup).and_then(|l| l.when);
        if let Some(when) = when {
            let env = Env {
                prog,
                session: self,
                value: Some(&candidate),
                candidate: Some(var),
            };
            if !eval_guard(&env, when) {
                self.known.insert(lookup, Value::Absent);
                return self.validate_first(cx, var, json);
            }
        }
        let sent = match self.send_lookup(cx, lookup, Some((var, &candidate))) {
            Ok(sent) => sent,
            Err(_) => Sent::Refused,
        };
        match sent.failure() {
            Some(reason) => self.fail_run(cx, reason),
            None => {
                if let Some(run) = self.run.as_mut() {
                    run.wait = Wait::Validate(var, lookup);
                    // The answer waits here for the lookup (nothing reads `result`
                    // during collection).
                    run.result = Value::json(json.clone());
                }
            }
        }
        true
    }

    /// A validation lookup of `var` came back: fetch the next one, or check the answer
    /// kept in the run's `result`.
    fn validated(&mut self, cx: &mut Cx<'_>, var: VarId) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        let json = std::mem::replace(&mut run.result, Value::Absent).to_json();
        run.wait = Wait::Ask(var);
        // The answer to its own question, or a value given otherwise (a correction,
        // `provide`, `click … vars`).
        let at_its_question = cx
            .prog
            .procedure(run.proc)
            .and_then(|p| cx.prog.chunk(p.body))
            .and_then(|c| c.code.get(run.pc as usize))
            == Some(&Instr::Collect(var));
        let asked = at_its_question && !self.known.contains_key(&var);
        if self.validate_first(cx, var, &json) {
            return;
        }
        if asked {
            self.take_answer(cx, var, &json);
        } else {
            self.correct_validated(cx, var, &json);
        }
    }

    /// A validated variable's value given otherwise than as the answer to its question
    /// (a correction, `provide`, `click … vars`), its lookups fetched: stored when its
    /// checks pass; either way the run goes on from the start of its collection.
    fn correct_validated(&mut self, cx: &mut Cx<'_>, var: VarId, json: &Json) {
        if let Stored::Invalid = self.store(cx, var, json, true) {
            self.forget_validations(cx, var);
        }
        if let Some(run) = self.run.as_mut() {
            run.pc = 0;
            run.stack.clear();
        }
        self.drive(cx);
    }

    /// `provide` or `click … vars` giving `var`, which has validation lookups, while the
    /// run can wait: its lookups are fetched for this value before it is checked.
    /// `true` when that took the value (the run waits for the lookup, or ended).
    pub(super) fn validate_given(&mut self, cx: &mut Cx<'_>, var: VarId, json: &Json) -> bool {
        if cx.prog.var(var).is_none_or(|d| d.validations.is_empty()) {
            return false;
        }
        self.forget_validations(cx, var);
        self.validate_first(cx, var, json)
    }

    /// Forgets the validation lookups of `var` (its answer was refused: the next one
    /// fetches them again).
    pub(super) fn forget_validations(&mut self, cx: &Cx<'_>, var: VarId) {
        if let Some(def) = cx.prog.var(var) {
            for lookup in &def.validations {
                self.known.remove(lookup);
            }
        }
    }
}
