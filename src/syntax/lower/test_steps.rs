//! `test "name" { ... }`: set-up, inputs and expectations (LANGUAGE.md §4a).

use pest::iterators::Pair;

use super::{Lower, has, kids};
use crate::syntax::ast::{Expr, ExprKind, TemplatePart, TestDecl, TestStep, TestStepKind};
use crate::syntax::errors::SYNTAX;
use crate::syntax::grammar::Rule;

impl Lower<'_> {
    /// A whole test declaration.
    pub(super) fn test(&mut self, decl: Pair<'_, Rule>) -> Option<TestDecl> {
        let parts = kids(decl);
        let name = self.str_lit(parts.get(1)?.clone())?;
        let steps = parts
            .into_iter()
            .filter(|p| p.as_rule() == Rule::test_step)
            .map(|s| self.test_step(s))
            .collect::<Option<Vec<_>>>()?;
        Some(TestDecl { name, steps })
    }

    fn test_step(&mut self, pair: Pair<'_, Rule>) -> Option<TestStep> {
        let span = self.span(&pair);
        let inner = kids(pair).into_iter().next()?;
        let parts = kids(inner.clone());
        let operand = parts.get(1).cloned();
        let kind = match inner.as_rule() {
            Rule::t_customer => TestStepKind::Customer(self.literal_fields(operand?)?),
            Rule::t_secret => TestStepKind::Secret {
                name: self.ident(&operand?),
                value: self.str_lit(parts.get(2)?.clone())?,
            },
            Rule::t_send => {
                let what = operand?;
                match what.as_rule() {
                    Rule::kw_message => {
                        TestStepKind::SendMessage(self.str_lit(parts.get(2)?.clone())?)
                    }
                    Rule::kw_source => TestStepKind::SendSource(self.ident(parts.get(2)?)),
                    Rule::kw_faq => TestStepKind::SendFaq(self.ident(parts.get(2)?)),
                    Rule::kw_feedback => TestStepKind::SendFeedback {
                        negative: has(&inner, Rule::kw_negative),
                    },
                    _ => TestStepKind::SendUnanswered,
                }
            }
            Rule::t_click => match parts.get(2) {
                Some(vars) => TestStepKind::ClickWith {
                    procedure: self.ident(&operand?),
                    vars: self.literal_fields(vars.clone())?,
                },
                None => TestStepKind::Click(self.ident(&operand?)),
            },
            Rule::t_at => TestStepKind::At(self.str_lit(operand?)?),
            Rule::t_dismiss => TestStepKind::Dismiss(self.ident(&operand?)),
            Rule::t_answer => TestStepKind::Answer(self.test_value(operand?)?),
            Rule::t_provide => TestStepKind::Provide(self.literal_fields(operand?)?),
            Rule::t_approve => TestStepKind::Approve,
            Rule::t_deny => TestStepKind::Deny,
            Rule::t_respond => TestStepKind::Respond {
                status: self.int_lit(&operand?),
                body: match parts.get(2) {
                    Some(body) => Some(self.test_value(body.clone())?),
                    None => None,
                },
            },
            Rule::t_complete => TestStepKind::Complete(match operand {
                Some(output) => Some(self.test_value(output)?),
                None => None,
            }),
            Rule::t_fail => TestStepKind::Fail,
            Rule::t_cancel => TestStepKind::Cancel,
            Rule::t_expect => self.expectation(operand?)?,
            _ => return None,
        };
        Some(TestStep { kind, span })
    }

    fn expectation(&mut self, pair: Pair<'_, Rule>) -> Option<TestStepKind> {
        let inner = kids(pair).into_iter().next()?;
        let parts = kids(inner.clone());
        let operand = parts.get(1).cloned();
        Some(match inner.as_rule() {
            Rule::e_no_offer => TestStepKind::ExpectNoOffer,
            Rule::e_offer => TestStepKind::ExpectOffer(self.idents(inner)),
            Rule::e_ask => TestStepKind::ExpectAsk(self.ident(&operand?)),
            Rule::e_invalid => TestStepKind::ExpectInvalid(self.ident(&operand?)),
            Rule::e_approve => TestStepKind::ExpectApprove,
            Rule::e_say => TestStepKind::ExpectSay(self.str_lit(operand?)?),
            Rule::e_follow_up => TestStepKind::ExpectFollowUp(self.str_lit(operand?)?),
            Rule::e_redirect => TestStepKind::ExpectRedirect(self.str_lit(operand?)?),
            Rule::e_component => TestStepKind::ExpectComponent(self.ident(&operand?)),
            Rule::e_switch_topic => TestStepKind::ExpectSwitchTopic(self.ident(&operand?)),
            Rule::e_live_chat => TestStepKind::ExpectLiveChat(self.str_lit(operand?)?),
            Rule::e_request => TestStepKind::ExpectRequest {
                method: self.ident(&operand?),
                url: self.str_lit(parts.get(2)?.clone())?,
            },
            Rule::e_javascript => TestStepKind::ExpectJavascript,
            Rule::e_error => TestStepKind::ExpectError(self.ident(&operand?)),
            Rule::e_done => TestStepKind::ExpectDone {
                procedure: self.ident(&operand?),
                outcome: self.ident(parts.get(2)?),
            },
            _ => return None,
        })
    }

    /// A `test_value` pair: a literal, checked to hold only literals.
    fn test_value(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let inner = kids(pair).into_iter().next()?;
        let expr = self.primary(inner)?;
        self.require_literal(&expr);
        Some(expr)
    }

    /// The fields of an object literal whose values must all be literals.
    fn literal_fields(
        &mut self,
        pair: Pair<'_, Rule>,
    ) -> Option<Vec<crate::syntax::ast::FieldInit>> {
        let fields = self.object_fields(pair)?;
        for field in &fields {
            self.require_literal(&field.value);
        }
        Some(fields)
    }

    /// Reports the first part of `expr` that is not a literal value.
    fn require_literal(&mut self, expr: &Expr) {
        if let Some(span) = non_literal(expr) {
            self.error_at(
                SYNTAX,
                "a test value must be a literal".to_string(),
                span,
                "write numbers, strings without `{...}`, `true`/`false`, lists and objects",
            );
        }
    }
}

/// The span of the first part of `expr` that is not a literal, if any.
fn non_literal(expr: &Expr) -> Option<crate::syntax::ast::Span> {
    match &expr.kind {
        ExprKind::Int(_) | ExprKind::Number(_) | ExprKind::Bool(_) => None,
        ExprKind::Str(template) => template.parts.iter().find_map(|part| match part {
            TemplatePart::Expr(inner) => Some(inner.span.clone()),
            TemplatePart::Text { .. } => None,
        }),
        ExprKind::List(items) => items.iter().find_map(non_literal),
        ExprKind::Object(fields) => fields.iter().find_map(|f| non_literal(&f.value)),
        _ => Some(expr.span.clone()),
    }
}
