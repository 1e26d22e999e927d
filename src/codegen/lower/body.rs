//! Procedures: their table entries, the trigger index, and their bodies.
//!
//! A body runs, whatever the order of the items: `Collect` for each variable of the
//! collection order, with a `Require` for each requirement right after what it mentions
//! (a requirement that does not hold ends the run as `Fail(Require)` does); the approval
//! (prompt, `Approve`); the kind's effect (for waiting
//! kinds then `Await` and `JumpIfFailed` to a `Fail(Action)`); the `on success`
//! statements and `Done(Completed)`. Each step starts a source-map line.
//!
//! `on failure`, `on denied` and `on cancelled` are chunks of their own, each ending in
//! `Done` with its outcome: a run can end that way from many places (attempts running
//! out during collection, a denial, a click elsewhere), and the interpreter runs the
//! chunk wherever it ends. An `if` is a `JumpUnless` over a guard chunk per branch and
//! forward jumps to its end; `then` is a `Then` the interpreter acts on after `done`.

use super::emit::Emitter;
use super::expr::Scope;
use super::{Gen, Result, missing};
use crate::codegen::isa::{
    Approver, Const, Instr, Method, Outcome, OutcomeChunks, Reason, RequestSpec,
};
use crate::codegen::module::{Kind, ProcDef, RequireDef};
use crate::semantics::resolved::{Step, Target};
use crate::syntax::ast::{
    self, FileId, IfStmt, ItemKind, ProcItemKind, ProcedureDecl, RequestDecl, RequestItemKind,
    Stmt, StmtKind, TriggerKind,
};

/// A request's timeout when none is given, in milliseconds.
const DEFAULT_TIMEOUT_MS: u32 = 10_000;

/// Adds every procedure and the trigger index.
pub(super) fn lower_procedures(g: &mut Gen<'_>) -> Result<()> {
    g.module.triggers.by_source = vec![Vec::new(); g.module.sources.len()];
    g.module.triggers.by_faq = vec![Vec::new(); g.module.faqs.len()];
    for index in 0..g.resolved.procedures.len() {
        let slot = &g.resolved.procedures[index];
        let (file, steps) = (slot.file, slot.steps.clone());
        let ItemKind::Procedure(decl) = &g.item(file, slot.item)?.kind else {
            return Err(missing(format!("procedure {index} is not a `procedure`")));
        };
        let def = g.procedure(index as u32, file, decl, &steps)?;
        g.module.procedures.push(def);
    }
    Ok(())
}

impl Gen<'_> {
    fn procedure(
        &mut self,
        id: u32,
        file: FileId,
        p: &ProcedureDecl,
        collection: &[Step],
    ) -> Result<ProcDef> {
        let name = p.name.name.as_str();
        let kind = Kind::parse(&p.kind.name)
            .ok_or_else(|| missing(format!("unknown kind `{}`", p.kind.name)))?;
        let scope = Scope::top(file);
        let mut label = None;
        let mut def = ProcDef {
            name: name.to_string(),
            kind,
            label: 0,
            description: None,
            escalation: false,
            irreversible: false,
            audiences: Vec::new(),
            when: None,
            body: 0,
            outcomes: OutcomeChunks::default(),
            collects: Vec::new(),
            returns: Vec::new(),
            requires: Vec::new(),
        };
        for item in &p.items {
            match &item.kind {
                ProcItemKind::Label(t) => label = Some(self.template_chunk(scope, t)?),
                ProcItemKind::Description(t) => {
                    let text: String = t
                        .parts
                        .iter()
                        .filter_map(|part| match part {
                            ast::TemplatePart::Text { value, .. } => Some(value.as_str()),
                            ast::TemplatePart::Expr(_) => None,
                        })
                        .collect();
                    def.description = Some(self.string(&text));
                }
                ProcItemKind::Trigger(triggers) => {
                    for t in triggers {
                        self.trigger(id, file, &t.kind)?;
                    }
                }
                ProcItemKind::Audience(names) => {
                    for n in names {
                        def.audiences.push(self.index(file, n, Target::Audience)?);
                    }
                }
                ProcItemKind::When(x) => def.when = Some(self.expr_chunk(scope, x)?),
                ProcItemKind::Escalation => def.escalation = true,
                ProcItemKind::Irreversible => def.irreversible = true,
                ProcItemKind::Returns(fields) => def.returns = self.fields(file, fields)?,
                ProcItemKind::Require { cond, message } => def.requires.push(RequireDef {
                    cond: self.expr_chunk(scope, cond)?,
                    message: self.template_chunk(scope, message)?,
                }),
                _ => {}
            }
        }
        def.label = label.ok_or_else(|| missing(format!("procedure `{name}` has no label")))?;
        let mut steps = Vec::new();
        for &step in collection {
            let instr = match step {
                Step::Collect(var) => {
                    def.collects.push(var);
                    Instr::Collect(var)
                }
                Step::Require(index) => Instr::Require(
                    u32::try_from(index).map_err(|_| missing("too many requirements"))?,
                ),
            };
            steps.push(instr);
        }
        def.body = self.body(scope, p, kind, &steps)?;
        def.outcomes = self.outcome_chunks(scope, p)?;
        Ok(def)
    }

    fn trigger(&mut self, id: u32, file: FileId, t: &TriggerKind) -> Result<()> {
        let index = match t {
            TriggerKind::Source(n) => Some(self.index(file, n, Target::Source)? as usize),
            TriggerKind::Faq(n) => Some(self.index(file, n, Target::Faq)? as usize),
            _ => None,
        };
        let triggers = &mut self.module.triggers;
        let list = match t {
            TriggerKind::Always => &mut triggers.always,
            TriggerKind::NegativeFeedback => &mut triggers.negative_feedback,
            TriggerKind::Unanswered => &mut triggers.unanswered,
            TriggerKind::Source(_) => index
                .and_then(|i| triggers.by_source.get_mut(i))
                .ok_or_else(|| missing("source out of range"))?,
            TriggerKind::Faq(_) => index
                .and_then(|i| triggers.by_faq.get_mut(i))
                .ok_or_else(|| missing("faq out of range"))?,
        };
        // Procedures are lowered in declaration order: a list only ever grows at its end.
        if list.last() != Some(&id) {
            list.push(id);
        }
        Ok(())
    }

    fn body(
        &mut self,
        scope: Scope,
        p: &ProcedureDecl,
        kind: Kind,
        steps: &[Instr],
    ) -> Result<u32> {
        let file = scope.file;
        let mut e = Emitter::new(file.0);
        e.line(self.line(file, &p.name.span));
        // Collection, with each requirement checked as soon as what it mentions is known.
        for &step in steps {
            e.push(step);
        }
        for item in &p.items {
            if let ProcItemKind::Approve { by, prompt, .. } = &item.kind {
                e.line(self.line(file, &item.span));
                self.template(&mut e, scope, prompt)?;
                e.push(Instr::Approve(match by {
                    ast::Approver::Customer => Approver::Customer,
                    ast::Approver::Staff => Approver::Staff,
                }));
            }
        }
        let failed = self.effect(&mut e, scope, p, kind)?;
        for item in &p.items {
            if let ProcItemKind::OnSuccess(stmts) = &item.kind {
                self.statements(&mut e, scope, stmts)?;
            }
        }
        e.push(Instr::Done(Outcome::Completed));
        if let Some(hole) = failed {
            e.land(hole);
            e.push(Instr::Fail(Reason::Action));
        }
        self.chunk(e, file, &p.name.span)
    }

    /// The chunks of `on failure`, `on denied` and `on cancelled`, for the blocks given.
    fn outcome_chunks(&mut self, scope: Scope, p: &ProcedureDecl) -> Result<OutcomeChunks> {
        let mut chunks = OutcomeChunks::default();
        for item in &p.items {
            let (outcome, stmts, slot) = match &item.kind {
                ProcItemKind::OnFailure(stmts) => (Outcome::Failed, stmts, &mut chunks.failure),
                ProcItemKind::OnDenied(stmts) => (Outcome::Denied, stmts, &mut chunks.denied),
                ProcItemKind::OnCancelled(stmts) => {
                    (Outcome::Cancelled, stmts, &mut chunks.cancelled)
                }
                _ => continue,
            };
            let mut e = Emitter::new(scope.file.0);
            e.line(self.line(scope.file, &item.span));
            self.statements(&mut e, scope, stmts)?;
            e.line(self.line(scope.file, &item.span));
            e.push(Instr::Done(outcome));
            *slot = Some(self.chunk(e, scope.file, &item.span)?);
        }
        Ok(chunks)
    }

    /// Emits the kind's effect; for waiting kinds also `Await` and the jump to the
    /// failure statements, which is returned for patching.
    fn effect(
        &mut self,
        e: &mut Emitter,
        scope: Scope,
        p: &ProcedureDecl,
        kind: Kind,
    ) -> Result<Option<super::emit::Hole>> {
        let file = scope.file;
        let item_of = |want: fn(&ProcItemKind) -> bool| p.items.iter().find(|i| want(&i.kind));
        let missing_item =
            |what: &str| missing(format!("procedure `{}` has no {what}", p.name.name));
        match kind {
            Kind::FollowUp => {
                let item = item_of(|k| matches!(k, ProcItemKind::Question(_)))
                    .ok_or_else(|| missing_item("question"))?;
                if let ProcItemKind::Question(t) = &item.kind {
                    e.line(self.line(file, &item.span));
                    self.template(e, scope, t)?;
                }
                e.push(Instr::FollowUp);
                Ok(None)
            }
            Kind::Redirect => {
                let item = item_of(|k| matches!(k, ProcItemKind::Url(_)))
                    .ok_or_else(|| missing_item("url"))?;
                if let ProcItemKind::Url(t) = &item.kind {
                    e.line(self.line(file, &item.span));
                    self.url_template(e, scope, t)?;
                }
                e.push(Instr::Redirect);
                Ok(None)
            }
            Kind::SwitchTopic => {
                let item = item_of(|k| matches!(k, ProcItemKind::Topic(_)))
                    .ok_or_else(|| missing_item("topic"))?;
                if let ProcItemKind::Topic(n) = &item.kind {
                    e.line(self.line(file, &item.span));
                    e.push(Instr::SwitchTopic(self.index(file, n, Target::Topic)?));
                }
                Ok(None)
            }
            Kind::Component => {
                let item = item_of(|k| matches!(k, ProcItemKind::Open { .. }))
                    .ok_or_else(|| missing_item("open"))?;
                if let ProcItemKind::Open { component, inputs } = &item.kind {
                    e.line(self.line(file, &item.span));
                    self.object(e, scope, inputs, &item.span)?;
                    e.push(Instr::OpenComponent(self.index(
                        file,
                        component,
                        Target::Component,
                    )?));
                }
                Ok(Some(await_result(e)))
            }
            Kind::LiveChat => {
                let queue = item_of(|k| matches!(k, ProcItemKind::Queue(_)))
                    .ok_or_else(|| missing_item("queue"))?;
                e.line(self.line(file, &queue.span));
                if let ProcItemKind::Queue(t) = &queue.kind {
                    self.template(e, scope, t)?;
                }
                match item_of(|k| matches!(k, ProcItemKind::Note(_))).map(|i| &i.kind) {
                    Some(ProcItemKind::Note(t)) => self.template(e, scope, t)?,
                    _ => e.push(Instr::Str(self.string(""))),
                }
                e.push(Instr::LiveChat);
                Ok(Some(await_result(e)))
            }
            Kind::ApiCall => {
                let item = item_of(|k| matches!(k, ProcItemKind::Request(_)))
                    .ok_or_else(|| missing_item("request"))?;
                if let ProcItemKind::Request(r) = &item.kind {
                    e.line(self.line(file, &item.span));
                    self.request(e, scope, r)?;
                }
                Ok(Some(await_result(e)))
            }
            Kind::Javascript => {
                let item = item_of(|k| matches!(k, ProcItemKind::Script(_)))
                    .ok_or_else(|| missing_item("script"))?;
                let script = match &item.kind {
                    ProcItemKind::Script(s) => self.string(&s.code),
                    _ => return Err(missing_item("script")),
                };
                e.line(self.line(file, &item.span));
                match item_of(|k| matches!(k, ProcItemKind::Args(_))).map(|i| &i.kind) {
                    Some(ProcItemKind::Args(fields)) => {
                        self.object(e, scope, fields, &item.span)?
                    }
                    _ => e.push(Instr::MakeObject(0)),
                }
                e.push(Instr::Javascript(script));
                Ok(Some(await_result(e)))
            }
        }
    }

    /// Pushes URL, headers, query and body, then `Request`.
    fn request(&mut self, e: &mut Emitter, scope: Scope, r: &RequestDecl) -> Result<()> {
        let spec = self.request_parts(e, scope, r)?;
        e.push(Instr::Request(spec));
        Ok(())
    }

    /// Pushes URL, headers, query and body of a request (an api_call's or a lookup's),
    /// and gives its method, timeout and retries.
    pub(super) fn request_parts(
        &mut self,
        e: &mut Emitter,
        scope: Scope,
        r: &RequestDecl,
    ) -> Result<RequestSpec> {
        let method = Method::parse(&r.method.name)
            .ok_or_else(|| missing(format!("unknown method `{}`", r.method.name)))?;
        self.url_template(e, scope, &r.url)?;
        let mut spec = RequestSpec {
            method,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            retry: 0,
        };
        for want_header in [true, false] {
            let mut n = 0usize;
            for item in &r.items {
                let (name, value) = match (&item.kind, want_header) {
                    (RequestItemKind::Header { name, value }, true)
                    | (RequestItemKind::Query { name, value }, false) => (name, value),
                    _ => continue,
                };
                e.push(Instr::Str(self.string(&name.value)));
                self.template(e, scope, value)?;
                n += 1;
            }
            let n = super::parts(
                n,
                "headers or query parameters",
                (scope.file, &r.method.span),
            )?;
            e.push(Instr::MakeObject(n));
        }
        let mut body = false;
        for item in &r.items {
            match &item.kind {
                RequestItemKind::Body(fields) if !body => {
                    self.object(e, scope, fields, &item.span)?;
                    body = true;
                }
                RequestItemKind::Timeout(d) => {
                    spec.timeout_ms = u32::try_from(d.millis).unwrap_or(u32::MAX)
                }
                RequestItemKind::Retry(n) => {
                    spec.retry = u8::try_from(n.value.max(0)).unwrap_or(u8::MAX)
                }
                _ => {}
            }
        }
        if !body {
            // No body: JSON null, so a GET sends none.
            e.push(Instr::Const(self.constant(Const::Absent)));
        }
        Ok(spec)
    }

    fn statements(&mut self, e: &mut Emitter, scope: Scope, stmts: &[Stmt]) -> Result<()> {
        for s in stmts {
            e.line(self.line(scope.file, &s.span));
            match &s.kind {
                StmtKind::Say(t) => {
                    self.template(e, scope, t)?;
                    e.push(Instr::Say);
                }
                StmtKind::Suggest(t) => {
                    self.template(e, scope, t)?;
                    e.push(Instr::Suggest);
                }
                StmtKind::Save { var, value } => {
                    self.expr(e, scope, value)?;
                    e.push(Instr::Save(self.index(scope.file, var, Target::Var)?));
                }
                StmtKind::Offer(p) => e.push(Instr::Offer(self.index(
                    scope.file,
                    p,
                    Target::Procedure,
                )?)),
                StmtKind::Then(p) => {
                    e.push(Instr::Then(self.index(scope.file, p, Target::Procedure)?))
                }
                StmtKind::If(stmt) => self.if_statement(e, scope, stmt)?,
            }
        }
        Ok(())
    }

    /// `if`: each branch tests its condition chunk and skips to the next branch when it
    /// does not hold; a branch that ran jumps to the end. Forward jumps only.
    fn if_statement(&mut self, e: &mut Emitter, scope: Scope, stmt: &IfStmt) -> Result<()> {
        let mut to_end = Vec::new();
        let last = stmt.branches.len().saturating_sub(1);
        for (i, branch) in stmt.branches.iter().enumerate() {
            let cond = self.expr_chunk(scope, &branch.cond)?;
            self.map.conditions.insert(cond);
            e.line(self.line(scope.file, &branch.cond.span));
            let skip = e.jump_unless(cond);
            self.statements(e, scope, &branch.body)?;
            if i < last || stmt.otherwise.is_some() {
                to_end.push(e.jump(Instr::Jump));
            }
            e.land(skip);
        }
        if let Some(otherwise) = &stmt.otherwise {
            self.statements(e, scope, otherwise)?;
        }
        for hole in to_end {
            e.land(hole);
        }
        Ok(())
    }
}

/// `Await`, then a jump to the failure statements (patched by the caller).
fn await_result(e: &mut Emitter) -> super::emit::Hole {
    e.push(Instr::Await);
    e.jump(Instr::JumpIfFailed)
}
