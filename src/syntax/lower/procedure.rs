//! `procedure N: KIND { ... }`: its items, the request block and outcome statements.

use pest::iterators::Pair;

use super::{Lower, child, kids};
use crate::syntax::ast::{
    Approver, Duration, IfBranch, IfStmt, LookupDecl, LookupItem, LookupItemKind, ProcItem,
    ProcItemKind, ProcedureDecl, RequestDecl, RequestItem, RequestItemKind, Stmt, StmtKind,
    Trigger, TriggerKind,
};
use crate::syntax::errors::INVALID_NUMBER;
use crate::syntax::grammar::Rule;

impl Lower<'_> {
    /// A whole procedure declaration.
    pub(super) fn procedure(&mut self, decl: Pair<'_, Rule>) -> Option<ProcedureDecl> {
        let parts = kids(decl);
        let name = self.ident(parts.get(1)?);
        let kind = self.ident(parts.get(2)?);
        let items = parts
            .into_iter()
            .filter(|p| p.as_rule() == Rule::proc_item)
            .map(|item| self.proc_item(item))
            .collect::<Option<Vec<_>>>()?;
        Some(ProcedureDecl { name, kind, items })
    }

    fn proc_item(&mut self, item: Pair<'_, Rule>) -> Option<ProcItem> {
        let span = self.span(&item);
        let inner = kids(item).into_iter().next()?;
        let parts = kids(inner.clone());
        // The operand after the leading keyword, for the one-operand items.
        let operand = parts.get(1).cloned();
        let kind = match inner.as_rule() {
            Rule::label_item => ProcItemKind::Label(self.template(operand?)?),
            Rule::description_item => ProcItemKind::Description(self.template(operand?)?),
            Rule::trigger_item => ProcItemKind::Trigger(
                parts
                    .into_iter()
                    .filter(|p| p.as_rule() == Rule::trigger)
                    .map(|t| self.trigger(t))
                    .collect::<Option<Vec<_>>>()?,
            ),
            Rule::audience_item => ProcItemKind::Audience(self.idents(inner)),
            Rule::when_item => ProcItemKind::When(self.expr(operand?)?),
            Rule::escalation_item => ProcItemKind::Escalation,
            Rule::irreversible_item => ProcItemKind::Irreversible,
            Rule::reversible_item => ProcItemKind::Reversible,
            Rule::needs_item => ProcItemKind::Needs(self.idents(inner)),
            Rule::var_decl => ProcItemKind::Var(self.var_decl(inner)?),
            Rule::lookup_decl => ProcItemKind::Lookup(self.lookup_decl(inner)?),
            Rule::approve_item => {
                let who = parts.get(2)?;
                let by = if who.as_rule() == Rule::kw_staff {
                    Approver::Staff
                } else {
                    Approver::Customer
                };
                ProcItemKind::Approve {
                    by,
                    by_span: self.span(who),
                    prompt: self.template(parts.get(3)?.clone())?,
                }
            }
            Rule::question_item => ProcItemKind::Question(self.template(operand?)?),
            Rule::url_item => ProcItemKind::Url(self.template(operand?)?),
            Rule::open_item => ProcItemKind::Open {
                component: self.ident(&operand?),
                inputs: self.object_fields(parts.get(2)?.clone())?,
            },
            Rule::topic_item => ProcItemKind::Topic(self.ident(&operand?)),
            Rule::queue_item => ProcItemKind::Queue(self.template(operand?)?),
            Rule::note_item => ProcItemKind::Note(self.template(operand?)?),
            Rule::request_item => ProcItemKind::Request(self.request(inner)?),
            Rule::returns_item => ProcItemKind::Returns(self.fields(child(&inner, Rule::fields)?)?),
            Rule::script_item => ProcItemKind::Script(self.script(operand?)?),
            Rule::args_item => ProcItemKind::Args(self.object_fields(operand?)?),
            Rule::require_item => ProcItemKind::Require {
                cond: self.expr(operand?)?,
                message: self.template(parts.get(3)?.clone())?,
            },
            Rule::on_item => {
                let which = parts.get(1)?.as_rule();
                let stmts = self.stmts(parts)?;
                match which {
                    Rule::kw_success => ProcItemKind::OnSuccess(stmts),
                    Rule::kw_failure => ProcItemKind::OnFailure(stmts),
                    Rule::kw_denied => ProcItemKind::OnDenied(stmts),
                    _ => ProcItemKind::OnCancelled(stmts),
                }
            }
            _ => return None,
        };
        Some(ProcItem { kind, span })
    }

    fn trigger(&mut self, pair: Pair<'_, Rule>) -> Option<Trigger> {
        let span = self.span(&pair);
        let parts = kids(pair);
        let kind = match parts.first()?.as_rule() {
            Rule::kw_always => TriggerKind::Always,
            Rule::kw_neg_feedback => TriggerKind::NegativeFeedback,
            Rule::kw_unanswered => TriggerKind::Unanswered,
            Rule::kw_source => TriggerKind::Source(self.ident(parts.get(1)?)),
            Rule::kw_faq => TriggerKind::Faq(self.ident(parts.get(1)?)),
            _ => return None,
        };
        Some(Trigger { kind, span })
    }

    /// `lookup N { .. }`, at top level or in a procedure.
    pub(super) fn lookup_decl(&mut self, decl: Pair<'_, Rule>) -> Option<LookupDecl> {
        let span = self.span(&decl);
        let parts = kids(decl);
        let name = self.ident(parts.get(1)?);
        let items = parts
            .into_iter()
            .filter(|p| p.as_rule() == Rule::lookup_item)
            .map(|item| {
                let span = self.span(&item);
                let inner = kids(item).into_iter().next()?;
                let kind = match inner.as_rule() {
                    Rule::request_item => LookupItemKind::Request(self.request(inner)?),
                    Rule::returns_item => {
                        LookupItemKind::Returns(self.fields(child(&inner, Rule::fields)?)?)
                    }
                    Rule::when_item => {
                        LookupItemKind::When(self.expr(kids(inner).get(1)?.clone())?)
                    }
                    Rule::reversible_item => LookupItemKind::Reversible,
                    _ => return None,
                };
                Some(LookupItem { kind, span })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(LookupDecl { name, items, span })
    }

    fn request(&mut self, pair: Pair<'_, Rule>) -> Option<RequestDecl> {
        let parts = kids(pair);
        let method = self.ident(parts.get(1)?);
        let url = self.template(parts.get(2)?.clone())?;
        let items = parts
            .into_iter()
            .filter(|p| p.as_rule() == Rule::request_part)
            .map(|p| self.request_part(p))
            .collect::<Option<Vec<_>>>()?;
        Some(RequestDecl { method, url, items })
    }

    fn request_part(&mut self, pair: Pair<'_, Rule>) -> Option<RequestItem> {
        let span = self.span(&pair);
        let inner = kids(pair).into_iter().next()?;
        let parts = kids(inner.clone());
        let kind = match inner.as_rule() {
            Rule::header_part => RequestItemKind::Header {
                name: self.str_lit(parts.get(1)?.clone())?,
                value: self.template(parts.get(2)?.clone())?,
            },
            Rule::query_part => RequestItemKind::Query {
                name: self.str_lit(parts.get(1)?.clone())?,
                value: self.template(parts.get(2)?.clone())?,
            },
            Rule::body_part => RequestItemKind::Body(self.object_fields(parts.get(1)?.clone())?),
            Rule::timeout_part => RequestItemKind::Timeout(self.duration(parts.get(1)?)),
            Rule::retry_part => RequestItemKind::Retry(self.int_lit(parts.get(1)?)),
            _ => return None,
        };
        Some(RequestItem { kind, span })
    }

    /// A duration literal in milliseconds (E0004 when it overflows).
    fn duration(&mut self, pair: &Pair<'_, Rule>) -> Duration {
        let span = self.span(pair);
        let text = pair.as_str();
        let digits_end = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (digits, unit) = text.split_at(digits_end);
        let factor: u64 = match unit {
            "ms" => 1,
            "s" => 1_000,
            _ => 60_000,
        };
        let millis = digits
            .parse::<u64>()
            .ok()
            .and_then(|n| n.checked_mul(factor));
        let millis = match millis {
            Some(millis) => millis,
            None => {
                self.error_at(
                    INVALID_NUMBER,
                    format!("the duration `{text}` is too long"),
                    span.clone(),
                    "durations are written like `250ms`, `5s` or `2m`",
                );
                0
            }
        };
        Duration { millis, span }
    }

    fn stmt(&mut self, pair: Pair<'_, Rule>) -> Option<Stmt> {
        let mut span = self.span(&pair);
        // An `if` without `else` ends with pest's attempt at one, which took the
        // whitespace (and comments) after the block: the statement ends at its `}`.
        if let Some(end) = pair.clone().into_inner().next().and_then(last_block) {
            span.end = span.end.min(self.span(&end).end);
        }
        let inner = kids(pair).into_iter().next()?;
        let parts = kids(inner.clone());
        let kind = match inner.as_rule() {
            Rule::say_stmt => StmtKind::Say(self.template(parts.get(1)?.clone())?),
            Rule::save_stmt => StmtKind::Save {
                var: self.ident(parts.get(1)?),
                value: self.expr(parts.get(2)?.clone())?,
            },
            Rule::offer_stmt => StmtKind::Offer(self.ident(parts.get(1)?)),
            Rule::suggest_stmt => StmtKind::Suggest(self.template(parts.get(1)?.clone())?),
            Rule::if_stmt => StmtKind::If(self.if_stmt(inner)?),
            Rule::then_stmt => StmtKind::Then(self.ident(parts.get(1)?)),
            _ => return None,
        };
        Some(Stmt { kind, span })
    }

    /// The statements among a rule's children (a block, an `on` item).
    fn stmts(&mut self, parts: Vec<Pair<'_, Rule>>) -> Option<Vec<Stmt>> {
        parts
            .into_iter()
            .filter(|p| p.as_rule() == Rule::stmt)
            .map(|s| self.stmt(s))
            .collect()
    }

    /// An `if` with its `else if` chain flattened. The chain is walked in a loop, not by
    /// recursion, so a long `else if` ladder costs no stack.
    fn if_stmt(&mut self, pair: Pair<'_, Rule>) -> Option<IfStmt> {
        let mut branches = Vec::new();
        let mut otherwise = None;
        let mut else_span = None;
        let mut current = pair;
        loop {
            let parts = kids(current);
            let cond = self.expr(parts.get(1)?.clone())?;
            let body = self.stmts(kids(parts.get(2)?.clone()))?;
            branches.push(IfBranch { cond, body });
            match parts.get(4) {
                Some(next) if next.as_rule() == Rule::if_stmt => current = next.clone(),
                Some(block) => {
                    let keyword = parts.get(3).filter(|p| p.as_rule() == Rule::kw_else);
                    else_span = Some(self.span(keyword.unwrap_or(block)));
                    otherwise = Some(self.stmts(kids(block.clone()))?);
                    break;
                }
                None => break,
            }
        }
        Some(IfStmt {
            branches,
            otherwise,
            else_span,
        })
    }
}

/// The last block of an `if` statement, following its `else if` chain (iteratively).
fn last_block(pair: Pair<'_, Rule>) -> Option<Pair<'_, Rule>> {
    let mut current = pair;
    loop {
        if current.as_rule() != Rule::if_stmt {
            return None;
        }
        let last = current.into_inner().last()?;
        match last.as_rule() {
            Rule::stmt_block => return Some(last),
            _ => current = last,
        }
    }
}
