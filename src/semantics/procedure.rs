//! Checks of one procedure: its kind and items, its local variables, every expression
//! in it (with the right scope), and the per-procedure warnings.

use rustc_hash::{FxHashMap, FxHashSet};

use super::checker::{Checker, has_when};
use super::codes;
use super::graph::{VarGraph, VarKey};
use super::outcomes::Block;
use super::report;
use super::scope::{Outcome, Scope, Vars};
use super::suggest::did_you_mean;
use super::symbols::{Decl, duplicate};
use super::types::Ty;
use crate::diagnostics::Diagnostic;
use crate::syntax::ast::{
    Expr, ExprKind, FieldInit, FileId, Ident, KnowledgeKind, ProcItem, ProcItemKind, ProcedureDecl,
    RequestDecl, RequestItemKind, Span, Template, TemplatePart, TriggerKind,
};

/// The procedure kinds.
pub const KINDS: &[&str] = &[
    "follow_up",
    "redirect",
    "component",
    "switch_topic",
    "live_chat",
    "api_call",
    "javascript",
];

/// The HTTP methods a request may use.
pub(super) const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Each kind's required item.
fn required_item(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "follow_up" => "question",
        "redirect" => "url",
        "component" => "open",
        "switch_topic" => "topic",
        "live_chat" => "queue",
        "api_call" => "request",
        "javascript" => "script",
        _ => return None,
    })
}

/// An item's keyword, and the kind it belongs to when it is a kind item.
fn item_keyword(item: &ProcItemKind) -> (&'static str, Option<&'static str>) {
    match item {
        ProcItemKind::Label(_) => ("label", None),
        ProcItemKind::Description(_) => ("description", None),
        ProcItemKind::Trigger(_) => ("trigger", None),
        ProcItemKind::Audience(_) => ("audience", None),
        ProcItemKind::When(_) => ("when", None),
        ProcItemKind::Escalation => ("escalation", None),
        ProcItemKind::Irreversible => ("irreversible", None),
        ProcItemKind::Reversible => ("reversible", None),
        ProcItemKind::Needs(_) => ("needs", None),
        ProcItemKind::Var(_) => ("var", None),
        ProcItemKind::Lookup(_) => ("lookup", None),
        ProcItemKind::Approve { .. } => ("approve", None),
        ProcItemKind::Question(_) => ("question", Some("follow_up")),
        ProcItemKind::Url(_) => ("url", Some("redirect")),
        ProcItemKind::Open { .. } => ("open", Some("component")),
        ProcItemKind::Topic(_) => ("topic", Some("switch_topic")),
        ProcItemKind::Queue(_) => ("queue", Some("live_chat")),
        ProcItemKind::Note(_) => ("note", Some("live_chat")),
        ProcItemKind::Request(_) => ("request", Some("api_call")),
        ProcItemKind::Returns(_) => ("returns", Some("api_call")),
        ProcItemKind::Script(_) => ("script", Some("javascript")),
        ProcItemKind::Args(_) => ("args", Some("javascript")),
        ProcItemKind::OnSuccess(_) => ("on success", None),
        ProcItemKind::OnFailure(_) => ("on failure", None),
        ProcItemKind::Require { .. } => ("require", None),
        ProcItemKind::OnDenied(_) => ("on denied", None),
        ProcItemKind::OnCancelled(_) => ("on cancelled", None),
    }
}

/// Items that may be repeated.
const REPEATABLE: &[&str] = &["trigger", "audience", "needs", "var", "lookup", "require"];

/// What the body's expressions see.
struct Body<'s> {
    file: FileId,
    /// The procedure's name.
    name: &'s str,
    locals: &'s FxHashMap<String, Ty>,
    collected: &'s FxHashSet<String>,
}

impl Body<'_> {
    fn scope<'p>(&'p self, place: &'p str) -> Scope<'p> {
        Scope::new(
            self.file,
            place,
            Vars::Procedure {
                locals: self.locals,
                collected: Some(self.collected),
            },
        )
    }

    /// The scope of an outcome block. Variables are typed as in the body: a run that
    /// ends before collecting one (`on failure` for `attempts`, `on cancelled`) reads
    /// it as absent, which a template renders as nothing (docs/language-notes.md).
    fn outcome_scope<'p>(&'p self, outcome: Outcome<'p>) -> Scope<'p> {
        let mut scope = self.scope("");
        scope.outcome = outcome;
        scope
    }
}

impl<'a> Checker<'a> {
    /// Checks one procedure.
    pub(super) fn check_procedure(&mut self, file: FileId, decl: &ProcedureDecl, graph: &VarGraph) {
        let kind = self.procedure_kind(file, &decl.kind);
        self.item_structure(file, decl, kind);
        self.current_procedure = Some(decl.name.name.clone());

        self.local_sites.clear();
        for item in &decl.items {
            let name = match &item.kind {
                ProcItemKind::Var(var) => &var.name,
                ProcItemKind::Lookup(lookup) => &lookup.name,
                _ => continue,
            };
            self.local_sites
                .entry(name.name.clone())
                .or_insert((file, name.span.start));
        }
        let locals = self.local_vars(file, decl);
        let collected: FxHashSet<String> = graph
            .collection_order(&decl.name.name)
            .into_iter()
            .filter_map(|key| match key {
                VarKey::Conversation(name) => Some(name),
                VarKey::Local { .. } => None,
            })
            .collect();
        let body = Body {
            file,
            name: &decl.name.name,
            locals: &locals,
            collected: &collected,
        };
        let mut returns: Option<Ty> = None;
        let mut outputs: Option<Ty> = None;
        for item in &decl.items {
            match &item.kind {
                ProcItemKind::Returns(fields) => {
                    returns = Some(self.record_type(file, fields, "field of `returns`"))
                }
                ProcItemKind::Open { component, .. } => {
                    outputs = self
                        .components
                        .get(&component.name)
                        .map(|c| c.outputs.clone());
                }
                _ => {}
            }
        }
        let success = match kind {
            Some("component") => match &outputs {
                Some(outputs) => Outcome::Result(outputs),
                None => Outcome::None,
            },
            Some("api_call") => Outcome::Response(returns.as_ref()),
            _ => Outcome::None,
        };
        for item in &decl.items {
            self.procedure_item(item, &body, success);
        }
        self.current_procedure = None;
        self.kind_warnings(file, decl, kind);
        self.unused_local_lookups(file, decl);
    }

    fn procedure_kind(&mut self, file: FileId, kind: &Ident) -> Option<&'static str> {
        let found = KINDS.iter().copied().find(|k| *k == kind.name);
        if found.is_none() {
            self.unknown(file, kind, "procedure kind", KINDS.iter().copied());
        }
        found
    }

    /// Duplicated items, items of another kind, missing required items, and the
    /// approval and failure rules.
    fn item_structure(&mut self, file: FileId, decl: &ProcedureDecl, kind: Option<&str>) {
        let mut first: FxHashMap<&'static str, &ProcItem> = FxHashMap::default();
        for item in &decl.items {
            let (keyword, owner) = item_keyword(&item.kind);
            if let Some(previous) = first.get(keyword) {
                if !REPEATABLE.contains(&keyword) {
                    let place = format!("procedure `{}`", decl.name.name);
                    let diagnostic =
                        report::duplicate_item(file, keyword, &place, &item.span, &previous.span)
                            .with_help(format!("a procedure has at most one `{keyword}`"));
                    self.diags.push(diagnostic);
                }
            } else {
                first.insert(keyword, item);
            }
            if let (Some(owner), Some(kind)) = (owner, kind)
                && owner != kind
            {
                self.diags.push(
                    Diagnostic::error(
                        codes::ITEM_IN_WRONG_KIND,
                        format!("`{keyword}` belongs to a `{owner}` procedure, not a `{kind}`"),
                        file,
                        item.span.clone(),
                    )
                    .with_primary_label(format!("not allowed in a `{kind}`"))
                    .with_label(
                        file,
                        decl.kind.span.clone(),
                        format!("this procedure is a `{kind}`"),
                    )
                    .with_help(match required_item(kind) {
                        Some(required) => format!("a `{kind}` procedure uses `{required}`"),
                        None => "remove this item".to_string(),
                    }),
                );
            }
        }
        let missing = |what: &str, help: String| {
            Diagnostic::error(
                codes::MISSING_ITEM,
                format!("procedure `{}` has no `{what}`", decl.name.name),
                file,
                decl.name.span.clone(),
            )
            .with_primary_label(format!("`{what}` missing"))
            .with_help(help)
        };
        let mut found = Vec::new();
        if !first.contains_key("label") {
            found.push(missing(
                "label",
                "add `label \"...\"`: the text of the button the customer clicks".to_string(),
            ));
        }
        if let Some(kind) = kind
            && let Some(required) = required_item(kind)
            && !first.contains_key(required)
        {
            found.push(missing(
                required,
                format!("a `{kind}` procedure needs `{required}`"),
            ));
        }
        self.diags.extend(found);
        if let Some(denied) = first.get("on denied")
            && !first.contains_key("approve")
        {
            self.diags.push(
                Diagnostic::error(
                    codes::DENIED_WITHOUT_APPROVE,
                    format!(
                        "procedure `{}` has `on denied` but no `approve` step",
                        decl.name.name
                    ),
                    file,
                    denied.span.clone(),
                )
                .with_primary_label("never runs: nothing can be denied")
                .with_help(
                    "add `approve by customer \"...\"` (or `by staff`), or remove `on denied`",
                ),
            );
        }
        if let Some(irreversible) = first.get("irreversible") {
            if !first.contains_key("approve") {
                self.diags.push(
                    Diagnostic::error(
                        codes::IRREVERSIBLE_WITHOUT_APPROVE,
                        format!(
                            "irreversible procedure `{}` has no `approve` step",
                            decl.name.name
                        ),
                        file,
                        irreversible.span.clone(),
                    )
                    .with_primary_label("irreversible, but nobody approves it")
                    .with_help(
                        "add `approve by customer \"...\"` (or `by staff`) before the action",
                    ),
                );
            }
            if let Some(reversible) = first.get("reversible") {
                self.diags.push(
                    Diagnostic::error(
                        codes::REVERSIBLE_AND_IRREVERSIBLE,
                        format!(
                            "procedure `{}` is marked both `irreversible` and `reversible`",
                            decl.name.name
                        ),
                        file,
                        reversible.span.clone(),
                    )
                    .with_primary_label("contradicts `irreversible`")
                    .with_label(file, irreversible.span.clone(), "marked irreversible here")
                    .with_help("keep only the one that is true"),
                );
            }
        }
    }

    /// The local variables' types; reports duplicates and clashes with conversation
    /// variables.
    fn local_vars(&mut self, file: FileId, decl: &ProcedureDecl) -> FxHashMap<String, Ty> {
        let mut locals = FxHashMap::default();
        let mut first: FxHashMap<&str, &Ident> = FxHashMap::default();
        for item in &decl.items {
            if let ProcItemKind::Lookup(lookup) = &item.kind {
                self.local_lookup(file, decl, lookup, &mut first, &mut locals);
                continue;
            }
            let ProcItemKind::Var(var) = &item.kind else {
                continue;
            };
            let ty = self.resolve_type(file, &var.ty);
            self.all_locals.insert(var.name.name.clone());
            if let Some(previous) = first.get(var.name.name.as_str()) {
                self.diags
                    .push(duplicate("local variable", &var.name, file, file, previous));
                continue;
            }
            first.insert(&var.name.name, &var.name);
            if let Some(entry) = self.syms.values.get(var.name.name.as_str())
                && matches!(entry.decl, Decl::Var(_) | Decl::Lookup(_))
            {
                self.diags.push(
                    Diagnostic::error(
                        codes::LOCAL_SHADOWS_CONVERSATION,
                        format!(
                            "local variable `{}` has the name of a conversation variable",
                            var.name.name
                        ),
                        file,
                        var.name.span.clone(),
                    )
                    .with_primary_label("clashes with a conversation variable")
                    .with_label(
                        entry.file,
                        entry.name.span.clone(),
                        "conversation variable declared here",
                    )
                    .with_help(format!(
                        "rename the local variable, or remove it and write `needs {}`",
                        var.name.name
                    )),
                );
            }
            let ty = if has_when(&var.items) {
                ty.optional()
            } else {
                ty
            };
            locals.insert(var.name.name.clone(), ty);
        }
        locals
    }

    /// A local lookup's name (unique among the procedure's locals, not a conversation
    /// variable's or lookup's) and type: `json`, optional when it has a `when`.
    fn local_lookup<'d>(
        &mut self,
        file: FileId,
        decl: &ProcedureDecl,
        lookup: &'d crate::syntax::ast::LookupDecl,
        first: &mut FxHashMap<&'d str, &'d Ident>,
        locals: &mut FxHashMap<String, Ty>,
    ) {
        let name = &lookup.name;
        if let Some(previous) = first.get(name.name.as_str()) {
            self.diags
                .push(duplicate("local lookup", name, file, file, previous));
            return;
        }
        first.insert(&name.name, name);
        if let Some(entry) = self.syms.values.get(name.name.as_str())
            && matches!(entry.decl, Decl::Var(_) | Decl::Lookup(_))
        {
            self.diags.push(
                Diagnostic::error(
                    codes::LOCAL_SHADOWS_CONVERSATION,
                    format!(
                        "local lookup `{}` has the name of {}",
                        name.name,
                        entry.decl.describe()
                    ),
                    file,
                    name.span.clone(),
                )
                .with_primary_label("clashes with a top-level name")
                .with_label(entry.file, entry.name.span.clone(), "declared here")
                .with_help("rename the local lookup"),
            );
        }
        self.register_lookup(file, lookup, Some(&decl.name.name));
        let ty = if lookup.when().is_some() {
            Ty::Json.optional()
        } else {
            Ty::Json
        };
        locals.insert(name.name.clone(), ty);
    }

    fn procedure_item(&mut self, item: &ProcItem, body: &Body<'_>, success: Outcome<'_>) {
        let file = body.file;
        let shown = |place: &'static str| Scope::new(file, place, Vars::ConversationOptional);
        match &item.kind {
            ProcItemKind::Label(template) => self.template(template, shown("the `label`")),
            ProcItemKind::Description(template) => {
                self.template(template, shown("the `description`"))
            }
            ProcItemKind::When(expr) => self.condition(expr, shown("the procedure's `when`")),
            ProcItemKind::Trigger(triggers) => {
                for trigger in triggers {
                    let (name, wanted, what) = match &trigger.kind {
                        TriggerKind::Source(name) => (name, KnowledgeKind::Source, "a source"),
                        TriggerKind::Faq(name) => (name, KnowledgeKind::Faq, "an FAQ"),
                        _ => continue,
                    };
                    let accept = |d: &Decl<'_>| matches!(d, Decl::Knowledge(k) if k.kind == wanted);
                    if self.lookup(file, name, what, accept).is_some() {
                        self.used.insert(name.name.clone());
                    }
                }
            }
            ProcItemKind::Audience(names) => {
                for name in names {
                    let accept = |d: &Decl<'_>| matches!(d, Decl::Audience(_));
                    if self.lookup(file, name, "an audience", accept).is_some() {
                        self.used.insert(name.name.clone());
                    }
                }
            }
            ProcItemKind::Needs(names) => {
                for name in names {
                    let accept = |d: &Decl<'_>| matches!(d, Decl::Var(_));
                    if self
                        .lookup(file, name, "a conversation variable", accept)
                        .is_some()
                    {
                        self.used.insert(name.name.clone());
                    }
                }
            }
            ProcItemKind::Var(var) => {
                let declared = self.resolve_type_quietly(file, &var.ty);
                let vars = Vars::Procedure {
                    locals: body.locals,
                    collected: None,
                };
                self.check_var(file, var, &declared, vars);
            }
            ProcItemKind::Lookup(lookup) => {
                let vars = Vars::Procedure {
                    locals: body.locals,
                    collected: None,
                };
                self.check_lookup(file, lookup, vars);
            }
            ProcItemKind::Approve { prompt, .. } => {
                self.template(prompt, body.scope("the approval prompt"))
            }
            ProcItemKind::Question(template) => {
                self.template(template, body.scope("the `question`"))
            }
            ProcItemKind::Url(template) => {
                self.template(template, body.scope("the `url`"));
                self.check_url_template(file, template, "the `url`");
            }
            ProcItemKind::Open { component, inputs } => self.open(component, inputs, body),
            ProcItemKind::Topic(name) => {
                let accept = |d: &Decl<'_>| matches!(d, Decl::Knowledge(k) if k.kind == KnowledgeKind::Topic);
                self.lookup(file, name, "a topic", accept);
            }
            ProcItemKind::Queue(template) => self.template(template, body.scope("the `queue`")),
            ProcItemKind::Note(template) => self.template(template, body.scope("the `note`")),
            ProcItemKind::Request(request) => self.request(request, body.scope("")),
            ProcItemKind::Returns(_) => {}
            ProcItemKind::Script(script) => self.check_script(file, script),
            ProcItemKind::Args(fields) => {
                self.unique_keys(file, fields, "argument");
                for field in fields {
                    self.expr(&field.value, body.scope("`args`"));
                }
            }
            ProcItemKind::OnSuccess(stmts) => {
                let scope = body.outcome_scope(success);
                self.outcome_block(body.name, stmts, scope, Block::Success);
            }
            ProcItemKind::OnFailure(stmts) => {
                let scope = body.outcome_scope(Outcome::Failure);
                self.outcome_block(body.name, stmts, scope, Block::Failure);
            }
            ProcItemKind::OnDenied(stmts) => {
                let scope = body.outcome_scope(Outcome::None);
                self.outcome_block(body.name, stmts, scope, Block::Denied);
            }
            ProcItemKind::OnCancelled(stmts) => {
                let scope = body.outcome_scope(Outcome::None);
                self.outcome_block(body.name, stmts, scope, Block::Cancelled);
            }
            ProcItemKind::Require { cond, message } => {
                self.requirement(cond, message, body.scope("a `require`"))
            }
            ProcItemKind::Escalation | ProcItemKind::Irreversible | ProcItemKind::Reversible => {}
        }
    }

    /// `require EXPR else TEMPLATE`: a condition that is a `bool` (E0204) and a message.
    /// Both see what the run collects; a conversation variable it does not collect is
    /// optional there, as in every other item of the body.
    fn requirement(&mut self, cond: &Expr, message: &Template, scope: Scope<'_>) {
        self.form_condition(
            cond,
            scope,
            (
                codes::REQUIRE_CONDITION,
                "require",
                "a requirement states what must hold, e.g. `require amount <= 500 else \"…\"`",
            ),
        );
        self.template(message, scope);
    }

    fn unique_keys(&mut self, file: FileId, fields: &[FieldInit], what: &str) {
        let mut first: FxHashMap<&str, &Ident> = FxHashMap::default();
        for field in fields {
            match first.get(field.name.name.as_str()) {
                Some(previous) => {
                    self.diags
                        .push(duplicate(what, &field.name, file, file, previous))
                }
                None => {
                    first.insert(&field.name.name, &field.name);
                }
            }
        }
    }

    /// `open C { .. }`: every required input given, no unknown input, each of its type.
    fn open(&mut self, component: &Ident, inputs: &[FieldInit], body: &Body<'_>) {
        let file = body.file;
        let scope = body.scope("`open`");
        let accept = |d: &Decl<'_>| matches!(d, Decl::Component(_));
        let declared = self
            .lookup(file, component, "a component", accept)
            .and_then(|_| self.components.get(&component.name).cloned());
        self.unique_keys(file, inputs, "input");
        let Some(declared) = declared else {
            for input in inputs {
                self.expr(&input.value, scope);
            }
            return;
        };
        for input in inputs {
            match declared.inputs.get(&input.name.name) {
                Some(ty) => self.expect(&input.value, scope, ty),
                None => {
                    self.expr(&input.value, scope);
                    let mut diag = Diagnostic::error(
                        codes::UNKNOWN_INPUT,
                        format!(
                            "component `{}` has no input `{}`",
                            component.name, input.name.name
                        ),
                        file,
                        input.name.span.clone(),
                    )
                    .with_primary_label("not a declared input");
                    diag.help = did_you_mean(
                        &input.name.name,
                        declared.input_order.iter().map(String::as_str),
                    )
                    .or_else(|| {
                        Some(format!(
                            "its inputs are: {}",
                            declared.input_order.join(", ")
                        ))
                    });
                    self.diags.push(diag);
                }
            }
        }
        let missing: Vec<&str> = declared
            .input_order
            .iter()
            .filter(|name| {
                !inputs.iter().any(|i| &i.name.name == *name)
                    && declared
                        .inputs
                        .get(*name)
                        .is_some_and(|ty| !ty.is_optional())
            })
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            let list: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
            self.diags.push(
                Diagnostic::error(
                    codes::MISSING_INPUT,
                    format!(
                        "`open {}` does not give the input{} {}",
                        component.name,
                        if missing.len() == 1 { "" } else { "s" },
                        list.join(", ")
                    ),
                    file,
                    component.span.clone(),
                )
                .with_primary_label("missing inputs")
                .with_help(format!("add `{}: ...`", missing.join(": ..., "))),
            );
        }
    }

    /// A header or query template: rule 3 lets a secret in only as itself
    /// (`{secret.N}`); inside any other expression it is refused as anywhere else.
    fn secret_template(&mut self, template: &Template, base: Scope<'_>, place: &'static str) {
        for part in &template.parts {
            if let TemplatePart::Expr(expr) = part {
                let mut scope = base.at(place);
                match expr.kind {
                    ExprKind::Secret(_) => scope.secrets = true,
                    _ => scope.place = "an expression in a request header or query",
                }
                self.value(expr, scope);
            }
        }
    }

    /// A request block (an api_call's or a lookup's): its method, URL template, and
    /// items; `base` is what its expressions see.
    pub(super) fn request(&mut self, request: &RequestDecl, base: Scope<'_>) {
        let file = base.file;
        if !METHODS.contains(&request.method.name.as_str()) {
            self.bad_method(file, &request.method);
        }
        self.template(&request.url, base.at("the request URL"));
        self.check_url_template(file, &request.url, "the request URL");
        let secret_ok = |place| {
            let mut scope = base.at(place);
            scope.secrets = true;
            scope
        };
        let mut seen: FxHashMap<&'static str, &Span> = FxHashMap::default();
        for item in &request.items {
            let single = match &item.kind {
                RequestItemKind::Body(_) => Some("body"),
                RequestItemKind::Timeout(_) => Some("timeout"),
                RequestItemKind::Retry(_) => Some("retry"),
                _ => None,
            };
            if let Some(single) = single {
                if let Some(previous) = seen.get(single) {
                    let diagnostic =
                        report::duplicate_item(file, single, "a request", &item.span, previous);
                    self.diags.push(diagnostic);
                }
                seen.insert(single, &item.span);
            }
            match &item.kind {
                RequestItemKind::Header { value, .. } => {
                    self.secret_template(value, base, "a header")
                }
                RequestItemKind::Query { value, .. } => {
                    self.secret_template(value, base, "a query parameter")
                }
                RequestItemKind::Body(fields) => {
                    self.unique_keys(file, fields, "body field");
                    for field in fields {
                        let scope = match field.value.kind {
                            ExprKind::Secret(_) => secret_ok("the request body"),
                            _ => base.at("an expression in the request body"),
                        };
                        self.expr(&field.value, scope);
                    }
                }
                RequestItemKind::Timeout(duration) => {
                    if duration.millis == 0 || duration.millis > 60_000 {
                        self.diags.push(
                            Diagnostic::error(
                                codes::BAD_TIMEOUT,
                                format!("a request timeout must be more than 0 and at most 60s, found {}ms", duration.millis),
                                file,
                                duration.span.clone(),
                            )
                            .with_primary_label("out of range")
                            .with_help("use a timeout from `1ms` to `60s` (the default is `10s`)"),
                        );
                    }
                }
                RequestItemKind::Retry(n) => {
                    if !(0..=5).contains(&n.value) {
                        self.diags.push(
                            Diagnostic::error(
                                codes::BAD_RETRY,
                                format!("`retry` must be from 0 to 5, found {}", n.value),
                                file,
                                n.span.clone(),
                            )
                            .with_primary_label("out of range")
                            .with_help("retry at most 5 times"),
                        );
                    }
                }
            }
        }
    }

    /// Reports an HTTP method that is not one of [`METHODS`].
    pub(super) fn bad_method(&mut self, file: FileId, method: &Ident) {
        let mut diag = Diagnostic::error(
            codes::BAD_METHOD,
            format!("`{}` is not an HTTP method procc supports", method.name),
            file,
            method.span.clone(),
        )
        .with_primary_label("unknown method");
        diag.help = did_you_mean(&method.name, METHODS.iter().copied())
            .or_else(|| Some(format!("use one of {}", METHODS.join(", "))));
        self.diags.push(diag);
    }

    /// The warnings about one procedure: unmarked non-GET api_call, live_chat without
    /// escalation.
    fn kind_warnings(&mut self, file: FileId, decl: &ProcedureDecl, kind: Option<&str>) {
        let has = |wanted: fn(&ProcItemKind) -> bool| decl.items.iter().any(|i| wanted(&i.kind));
        if kind == Some("api_call") {
            let request = decl.items.iter().find_map(|i| match &i.kind {
                ProcItemKind::Request(r) => Some(r),
                _ => None,
            });
            if let Some(request) = request
                && request.method.name != "GET"
                && METHODS.contains(&request.method.name.as_str())
                && !has(|k| matches!(k, ProcItemKind::Irreversible | ProcItemKind::Reversible))
            {
                self.diags.push(
                    Diagnostic::warning(
                        codes::UNMARKED_API_CALL,
                        format!(
                            "`{}` sends a {} request but is not marked `irreversible` or `reversible`",
                            decl.name.name, request.method.name
                        ),
                        file,
                        request.method.span.clone(),
                    )
                    .with_primary_label("may change something for the customer")
                    .with_help("mark it `irreversible` and add `approve`, or say `reversible`"),
                );
            }
        }
        if kind == Some("live_chat") && !has(|k| matches!(k, ProcItemKind::Escalation)) {
            self.diags.push(
                Diagnostic::warning(
                    codes::LIVE_CHAT_WITHOUT_ESCALATION,
                    format!(
                        "live_chat procedure `{}` is not marked `escalation`",
                        decl.name.name
                    ),
                    file,
                    decl.name.span.clone(),
                )
                .with_primary_label("hands over to a human without `escalation`")
                .with_help("add `escalation` so the handover is counted as one"),
            );
        }
    }
}
