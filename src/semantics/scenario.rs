//! Checks of `test` blocks: every name they mention exists and is of the right kind,
//! values are literals, and `expect done` names a real outcome.

use super::checker::Checker;
use super::codes;
use super::procedure::METHODS;
use super::scope::{Scope, Vars};
use super::symbols::Decl;
use super::types::Ty;
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{
    ExprKind, FieldInit, FileId, Ident, KnowledgeKind, TestDecl, TestStepKind,
};

/// The outcomes of `done`.
pub(super) const OUTCOMES: &[&str] = &["completed", "failed", "cancelled", "denied"];

/// The codes of the protocol's `error` output (§7), which `expect error` may name.
pub(super) const ERROR_CODES: &[&str] = &[
    "bad_input",
    "unknown_conversation",
    "invalid_customer",
    "not_offered",
    "unexpected_answer",
    "nothing_pending",
    "unknown_var",
    "locked",
    "unknown_secret",
];

const TEST_SCOPE: Vars<'static> = Vars::None("a test gives literal values only");

impl<'a> Checker<'a> {
    /// Checks one test block.
    pub(super) fn check_test(&mut self, file: FileId, test: &TestDecl) {
        for step in &test.steps {
            match &step.kind {
                TestStepKind::Customer(fields) => {
                    for field in fields {
                        let ty = self.customer_types.get(&field.name.name).cloned();
                        match ty {
                            Some(ty) => {
                                let scope = Scope::new(file, "the test's customer", TEST_SCOPE);
                                self.expect(&field.value, scope, ty.non_optional());
                            }
                            None => {
                                let mut names: Vec<&str> =
                                    self.syms.customer.keys().copied().collect();
                                names.sort();
                                self.unknown(file, &field.name, "customer attribute", names);
                            }
                        }
                    }
                }
                TestStepKind::Secret { name, .. } => {
                    self.lookup(file, name, "a secret", |d| matches!(d, Decl::Secret(_)));
                }
                TestStepKind::SendSource(name) => self.knowledge(file, name, KnowledgeKind::Source),
                TestStepKind::SendFaq(name) => self.knowledge(file, name, KnowledgeKind::Faq),
                TestStepKind::ExpectSwitchTopic(name) => {
                    self.knowledge(file, name, KnowledgeKind::Topic)
                }
                TestStepKind::Click(name) | TestStepKind::Dismiss(name) => {
                    self.procedure(file, name)
                }
                TestStepKind::ClickWith { procedure, vars } => {
                    self.procedure(file, procedure);
                    self.provided(file, vars);
                }
                TestStepKind::At(time) => {
                    if crate::calendar::parse_instant(&time.value).is_none() {
                        self.diags.push(
                            Diagnostic::error(
                                codes::INVALID_TIME,
                                format!("{:?} is not an RFC 3339 time", time.value),
                                file,
                                time.span.clone(),
                            )
                            .with_primary_label("not a time with a date and an offset")
                            .with_help("write it as RFC 3339, e.g. \"2026-03-02T09:30:00Z\" or \"2026-03-02T10:30:00+01:00\""),
                        );
                    }
                }
                TestStepKind::ExpectError(code) => {
                    if !ERROR_CODES.contains(&code.name.as_str()) {
                        let mut diag = Diagnostic::error(
                            codes::UNKNOWN_ERROR_CODE,
                            format!("`{}` is not an error code of the protocol", code.name),
                            file,
                            code.span.clone(),
                        )
                        .with_primary_label("unknown error code");
                        diag.help =
                            super::suggest::did_you_mean(&code.name, ERROR_CODES.iter().copied())
                                .or_else(|| {
                                    Some(format!("the codes are {}", ERROR_CODES.join(", ")))
                                });
                        self.diags.push(diag);
                    }
                }
                TestStepKind::ExpectOffer(names) => {
                    for name in names {
                        self.procedure(file, name);
                    }
                }
                TestStepKind::ExpectDone { procedure, outcome } => {
                    self.procedure(file, procedure);
                    if !OUTCOMES.contains(&outcome.name.as_str()) {
                        self.unknown_outcome(file, outcome);
                    }
                }
                TestStepKind::Provide(fields) => self.provided(file, fields),
                TestStepKind::ExpectAsk(var) | TestStepKind::ExpectInvalid(var) => {
                    self.test_var(file, var);
                }
                TestStepKind::ExpectComponent(name) => {
                    self.lookup(file, name, "a component", |d| {
                        matches!(d, Decl::Component(_))
                    });
                }
                TestStepKind::ExpectRequest { method, .. } => {
                    if !METHODS.contains(&method.name.as_str()) {
                        self.bad_method(file, method);
                    }
                }
                TestStepKind::SendMessage(_)
                | TestStepKind::SendFeedback { .. }
                | TestStepKind::SendUnanswered
                | TestStepKind::Approve
                | TestStepKind::Deny
                | TestStepKind::Fail
                | TestStepKind::Cancel
                | TestStepKind::ExpectNoOffer
                | TestStepKind::ExpectApprove
                | TestStepKind::ExpectSay(_)
                | TestStepKind::ExpectFollowUp(_)
                | TestStepKind::ExpectRedirect(_)
                | TestStepKind::ExpectLiveChat(_)
                | TestStepKind::ExpectJavascript
                // Test values are literals: the parser refuses anything else.
                | TestStepKind::Answer(_)
                | TestStepKind::Respond { .. }
                | TestStepKind::Complete(_) => {}
            }
        }
    }

    fn knowledge(&mut self, file: FileId, name: &Ident, kind: KnowledgeKind) {
        let what = match kind {
            KnowledgeKind::Source => "a source",
            KnowledgeKind::Faq => "an FAQ",
            KnowledgeKind::Topic => "a topic",
        };
        self.lookup(
            file,
            name,
            what,
            |d| matches!(d, Decl::Knowledge(k) if k.kind == kind),
        );
    }

    fn procedure(&mut self, file: FileId, name: &Ident) {
        self.lookup(file, name, "a procedure", |d| {
            matches!(d, Decl::Procedure(_))
        });
    }

    fn unknown_outcome(&mut self, file: FileId, outcome: &Ident) {
        let mut diag = Diagnostic::error(
            codes::UNKNOWN_OUTCOME,
            format!("`{}` is not an outcome", outcome.name),
            file,
            outcome.span.clone(),
        )
        .with_primary_label("unknown outcome");
        diag.help = super::suggest::did_you_mean(&outcome.name, OUTCOMES.iter().copied())
            .or_else(|| Some(format!("the outcomes are {}", OUTCOMES.join(", "))));
        self.diags.push(diag);
    }

    /// A variable named by a test: a conversation variable or some procedure's local.
    fn test_var(&mut self, file: FileId, var: &Ident) -> Option<Ty> {
        if self.is_conv_lookup(&var.name) {
            // A lookup is fetched, never asked nor provided.
            self.lookup(file, var, "a variable", |d| matches!(d, Decl::Var(_)));
            return None;
        }
        if let Some(ty) = self.conv_types.get(&var.name) {
            return Some(ty.clone());
        }
        if self.all_locals.contains(&var.name) {
            return None;
        }
        let mut names: Vec<String> = self
            .conv_types
            .keys()
            .filter(|name| !self.is_conv_lookup(name))
            .chain(self.all_locals.iter())
            .cloned()
            .collect();
        names.sort();
        self.unknown(file, var, "variable", names.iter().map(String::as_str));
        None
    }

    fn provided(&mut self, file: FileId, fields: &[FieldInit]) {
        for field in fields {
            let ty = self.test_var(file, &field.name);
            // A list variable also takes a text of comma-separated items, as an
            // answer does; the interpreter checks each item.
            let text_for_list = ty.as_ref().is_some_and(|t| t.item().is_some())
                && matches!(field.value.kind, ExprKind::Str(_));
            if let (Some(ty), false) = (ty, text_for_list) {
                let scope = Scope::new(file, "`provide`", TEST_SCOPE);
                self.expect(&field.value, scope, ty.non_optional());
            }
        }
    }
}
