//! The abstract syntax tree of `.proc` files.
//!
//! Every node carries a byte [`Span`] into the text of the file it came from, so that
//! later stages can point diagnostics at the exact source. The tree is produced by
//! [`crate::syntax::parse_file`] and consumed, read-only, by semantic analysis and code
//! generation. Names are not resolved here: an [`Ident`] is just text and a span.

pub use crate::source::{FileId, Span};

/// A name as written, with its span.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    /// The name's text.
    pub name: String,
    /// Where it stands.
    pub span: Span,
}

/// A plain string literal (no interpolation allowed), already unescaped.
#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    /// The unescaped value.
    pub value: String,
    /// The span of the whole literal, quotes included.
    pub span: Span,
}

/// An integer literal.
#[derive(Clone, Debug, PartialEq)]
pub struct IntLit {
    /// The value.
    pub value: i64,
    /// Where it stands.
    pub span: Span,
}

/// A duration literal such as `250ms`, `5s` or `2m`, normalised to milliseconds.
#[derive(Clone, Debug, PartialEq)]
pub struct Duration {
    /// The duration in milliseconds.
    pub millis: u64,
    /// Where it stands.
    pub span: Span,
}

/// One parsed `.proc` file.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceFile {
    /// The file's id in the build.
    pub id: FileId,
    /// The top-level declarations that parsed, in source order. Declarations with syntax
    /// errors are left out (their errors are reported separately).
    pub items: Vec<Item>,
    /// The spans that did not parse and were left out: whole declarations, and items
    /// of declarations that parsed without them. Names mentioned there count as used,
    /// so that a syntax error does not bring "unused" warnings.
    pub broken: Vec<Span>,
}

/// A top-level declaration.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// The text of the `///` doc comments directly above it, joined with newlines.
    pub doc: Option<String>,
    /// The span of the whole declaration.
    pub span: Span,
    /// What it declares.
    pub kind: ItemKind,
}

/// The kinds of top-level declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    /// `use std::MODULE::{a, b}` or `use std::MODULE::*`.
    Use(UseDecl),
    /// `customer { attr: TYPE, ... }`.
    Customer(CustomerDecl),
    /// `source N = "id"`, `faq N = "id"`, `topic N = "id"`.
    Knowledge(KnowledgeDecl),
    /// `component N = "id" { input {..} output {..} }`.
    Component(ComponentDecl),
    /// `audience N = EXPR`.
    Audience(AudienceDecl),
    /// `secret N`.
    Secret(Ident),
    /// `type N = BASE check EXPR else "message"`.
    Type(TypeDecl),
    /// `var N: TYPE { ... }` at top level: a conversation variable.
    Var(VarDecl),
    /// `lookup N { ... }` at top level: a value fetched once per conversation.
    Lookup(LookupDecl),
    /// `procedure N: KIND { ... }`.
    Procedure(ProcedureDecl),
    /// `test "name" { ... }`.
    Test(TestDecl),
}

/// `use std::MODULE::...`.
#[derive(Clone, Debug, PartialEq)]
pub struct UseDecl {
    /// The path after `std::`, e.g. `types`.
    pub module: Ident,
    /// What is imported.
    pub names: UseNames,
}

/// The imported names of a [`UseDecl`].
#[derive(Clone, Debug, PartialEq)]
pub enum UseNames {
    /// `*`, with the span of the star.
    All(Span),
    /// `{a, b}` (or a single name).
    List(Vec<Ident>),
}

/// `customer { ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomerDecl {
    /// The attributes, in order.
    pub fields: Vec<Field>,
}

/// A typed field: `name: TYPE` (customer attributes, component inputs/outputs, `returns`).
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    /// The doc comment above the field, if any.
    pub doc: Option<String>,
    /// The field's name.
    pub name: Ident,
    /// Its type.
    pub ty: TypeExpr,
}

/// Which knowledge a [`KnowledgeDecl`] declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnowledgeKind {
    /// `source`.
    Source,
    /// `faq`.
    Faq,
    /// `topic`.
    Topic,
}

/// `source N = "id"` and its siblings.
#[derive(Clone, Debug, PartialEq)]
pub struct KnowledgeDecl {
    /// Which kind.
    pub kind: KnowledgeKind,
    /// The name procedures use.
    pub name: Ident,
    /// The platform's id.
    pub id: StrLit,
}

/// `component N = "id" { input { .. } output { .. } }`.
#[derive(Clone, Debug, PartialEq)]
pub struct ComponentDecl {
    /// The name procedures use.
    pub name: Ident,
    /// The platform's id.
    pub id: StrLit,
    /// Declared inputs (empty when there is no `input` block).
    pub input: Vec<Field>,
    /// Declared outputs (empty when there is no `output` block).
    pub output: Vec<Field>,
}

/// `audience N = EXPR`.
#[derive(Clone, Debug, PartialEq)]
pub struct AudienceDecl {
    /// The audience's name.
    pub name: Ident,
    /// A boolean expression over `customer.*`.
    pub expr: Expr,
}

/// `type N = BASE check EXPR else "message"`.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeDecl {
    /// The new type's name.
    pub name: Ident,
    /// The refined type.
    pub base: TypeExpr,
    /// The condition over `value`; absent for a plain alias `type N = BASE`.
    pub check: Option<Expr>,
    /// The message shown when the check fails (present exactly when `check` is).
    pub message: Option<Template>,
}

/// A type as written.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    /// The type itself.
    pub kind: TypeExprKind,
    /// `?` after it: the value may be absent.
    pub optional: bool,
    /// The span, `?` included.
    pub span: Span,
}

/// The forms of [`TypeExpr`].
#[derive(Clone, Debug, PartialEq)]
pub enum TypeExprKind {
    /// A built-in (`text`, `int`, `number`, `bool`, `date`, `json`) or a refinement type's name.
    Named(Ident),
    /// `one_of("a", "b", ...)`.
    OneOf(Vec<StrLit>),
    /// `[T]`: a list of values of the item type.
    List(Box<TypeExpr>),
    /// `{ field: TYPE, ... }`: a record shape (a field `f: T?` may be missing).
    Record(Vec<Field>),
}

/// `var N: TYPE { ... }`, at top level or inside a procedure.
#[derive(Clone, Debug, PartialEq)]
pub struct VarDecl {
    /// The variable's name.
    pub name: Ident,
    /// Its type.
    pub ty: TypeExpr,
    /// The block's items, in order.
    pub items: Vec<VarItem>,
    /// The span of the whole declaration.
    pub span: Span,
}

/// One item of a variable block.
#[derive(Clone, Debug, PartialEq)]
pub struct VarItem {
    /// What it is.
    pub kind: VarItemKind,
    /// The span of the whole item.
    pub span: Span,
}

/// The kinds of [`VarItem`].
#[derive(Clone, Debug, PartialEq)]
pub enum VarItemKind {
    /// `ask TEMPLATE`.
    Ask(Template),
    /// `when EXPR`.
    When(Expr),
    /// `check EXPR else TEMPLATE`.
    Check {
        /// The condition that must hold.
        expr: Expr,
        /// Shown with `invalid` when it does not.
        message: Template,
    },
    /// `default EXPR`.
    Default(Expr),
    /// `attempts N`.
    Attempts(IntLit),
    /// `choices EXPR`: a `[text]` of the allowed answers, computed when asked.
    Choices(Expr),
    /// `suggestions EXPR`: a `[text]` shown with the question; does not restrict.
    Suggestions(Expr),
    /// `invalid TEMPLATE`: the message for an answer that cannot be read as the type
    /// or is not one of the choices (`value` is the refused answer).
    Invalid(Template),
}

/// `lookup N { request .. returns { .. } when EXPR reversible }`: a value that comes
/// from the business's API when a run first needs it (§4 "Lookups").
#[derive(Clone, Debug, PartialEq)]
pub struct LookupDecl {
    /// The lookup's name.
    pub name: Ident,
    /// The block's items, in order.
    pub items: Vec<LookupItem>,
    /// The span of the whole declaration.
    pub span: Span,
}

/// One item of a lookup block.
#[derive(Clone, Debug, PartialEq)]
pub struct LookupItem {
    /// What it is.
    pub kind: LookupItemKind,
    /// The span of the whole item.
    pub span: Span,
}

/// The kinds of [`LookupItem`].
#[derive(Clone, Debug, PartialEq)]
pub enum LookupItemKind {
    /// `request METHOD URL { ... }` (required).
    Request(RequestDecl),
    /// `returns { field: TYPE, ... }`: the value's shape (without it, `json`).
    Returns(Vec<Field>),
    /// `when EXPR`: fetched only when true; otherwise absent.
    When(Expr),
    /// `reversible`: a `POST` that only reads (a search endpoint).
    Reversible,
}

impl LookupDecl {
    /// The first `request`.
    pub fn request(&self) -> Option<&RequestDecl> {
        self.items.iter().find_map(|item| match &item.kind {
            LookupItemKind::Request(request) => Some(request),
            _ => None,
        })
    }

    /// The first `returns`' fields.
    pub fn returns(&self) -> Option<&[Field]> {
        self.items.iter().find_map(|item| match &item.kind {
            LookupItemKind::Returns(fields) => Some(fields.as_slice()),
            _ => None,
        })
    }

    /// The first `when`'s condition.
    pub fn when(&self) -> Option<&Expr> {
        self.items.iter().find_map(|item| match &item.kind {
            LookupItemKind::When(expr) => Some(expr),
            _ => None,
        })
    }

    /// Whether it is marked `reversible`.
    pub fn reversible(&self) -> bool {
        self.items
            .iter()
            .any(|item| matches!(item.kind, LookupItemKind::Reversible))
    }
}

/// `procedure N: KIND { ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcedureDecl {
    /// The procedure's name.
    pub name: Ident,
    /// The kind as written (`follow_up`, `redirect`, ...); checked by semantic analysis.
    pub kind: Ident,
    /// The block's items, in order.
    pub items: Vec<ProcItem>,
}

/// One item of a procedure block.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcItem {
    /// What it is.
    pub kind: ProcItemKind,
    /// The span of the whole item.
    pub span: Span,
}

/// The kinds of [`ProcItem`].
#[derive(Clone, Debug, PartialEq)]
pub enum ProcItemKind {
    /// `label TEMPLATE`.
    Label(Template),
    /// `description "..."`.
    Description(Template),
    /// `trigger T, ...`.
    Trigger(Vec<Trigger>),
    /// `audience N, ...`.
    Audience(Vec<Ident>),
    /// `when EXPR`.
    When(Expr),
    /// `escalation`.
    Escalation,
    /// `irreversible`.
    Irreversible,
    /// `reversible` (silences the warning for a non-GET `api_call`).
    Reversible,
    /// `needs VAR, ...`.
    Needs(Vec<Ident>),
    /// A local `var` block.
    Var(VarDecl),
    /// A local `lookup` block (its value is kept for the run).
    Lookup(LookupDecl),
    /// `approve by customer|staff TEMPLATE`.
    Approve {
        /// Who approves.
        by: Approver,
        /// The span of `customer`/`staff`.
        by_span: Span,
        /// What they are asked.
        prompt: Template,
    },
    /// `question TEMPLATE` (follow_up).
    Question(Template),
    /// `url TEMPLATE` (redirect).
    Url(Template),
    /// `open COMPONENT { input: EXPR, ... }` (component).
    Open {
        /// The component's name.
        component: Ident,
        /// The inputs given.
        inputs: Vec<FieldInit>,
    },
    /// `topic N` (switch_topic).
    Topic(Ident),
    /// `queue TEMPLATE` (live_chat).
    Queue(Template),
    /// `note TEMPLATE` (live_chat).
    Note(Template),
    /// `request METHOD URL { ... }` (api_call).
    Request(RequestDecl),
    /// `returns { field: TYPE, ... }` (api_call).
    Returns(Vec<Field>),
    /// `script """..."""` (javascript).
    Script(Script),
    /// `args { name: EXPR, ... }` (javascript).
    Args(Vec<FieldInit>),
    /// `on success { ... }`.
    OnSuccess(Vec<Stmt>),
    /// `on failure { ... }`: `reason`, `status` and `response` are in scope.
    OnFailure(Vec<Stmt>),
    /// `require EXPR else TEMPLATE`: checked during collection as soon as what it
    /// mentions is known; when false the message is said and the run ends `failed`.
    Require {
        /// The condition that must hold.
        cond: Expr,
        /// What is said when it does not.
        message: Template,
    },
    /// `on denied { ... }` (only with an `approve` step).
    OnDenied(Vec<Stmt>),
    /// `on cancelled { ... }` (no `then` in it).
    OnCancelled(Vec<Stmt>),
}

/// Who approves an `approve` step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Approver {
    /// `approve by customer`.
    Customer,
    /// `approve by staff`.
    Staff,
}

/// One trigger of a `trigger` item.
#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    /// Which trigger.
    pub kind: TriggerKind,
    /// Where it stands.
    pub span: Span,
}

/// The kinds of [`Trigger`].
#[derive(Clone, Debug, PartialEq)]
pub enum TriggerKind {
    /// `always`: every customer message.
    Always,
    /// `negative_feedback`.
    NegativeFeedback,
    /// `unanswered`.
    Unanswered,
    /// `source N`.
    Source(Ident),
    /// `faq N`.
    Faq(Ident),
}

/// `name: EXPR` in an object-like block (`open`, `args`, `body`, object literals).
#[derive(Clone, Debug, PartialEq)]
pub struct FieldInit {
    /// The key.
    pub name: Ident,
    /// The value.
    pub value: Expr,
}

/// `request METHOD URL { ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestDecl {
    /// The HTTP method as written (`GET`, `POST`, `PUT`, `PATCH`, `DELETE`).
    pub method: Ident,
    /// The URL template.
    pub url: Template,
    /// The block's items, in order.
    pub items: Vec<RequestItem>,
}

/// One item of a request block.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestItem {
    /// What it is.
    pub kind: RequestItemKind,
    /// The span of the whole item.
    pub span: Span,
}

/// The kinds of [`RequestItem`].
#[derive(Clone, Debug, PartialEq)]
pub enum RequestItemKind {
    /// `header "Name" = TEMPLATE`.
    Header {
        /// The header's name.
        name: StrLit,
        /// Its value.
        value: Template,
    },
    /// `query "name" = TEMPLATE`: appended to the URL's query string, URL-encoded.
    Query {
        /// The parameter's name.
        name: StrLit,
        /// Its value.
        value: Template,
    },
    /// `body { key: EXPR, ... }`: the JSON body.
    Body(Vec<FieldInit>),
    /// `timeout DURATION`.
    Timeout(Duration),
    /// `retry N`.
    Retry(IntLit),
}

/// The JavaScript of a `script` item.
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    /// The code, with common indentation removed (for raw strings).
    pub code: String,
    /// The span of the literal.
    pub span: Span,
    /// For each line of `code`, the byte offset in the file where that line's text
    /// starts, so that a JavaScript error can be mapped back to the `.proc` file.
    pub line_starts: Vec<usize>,
}

/// A statement of an outcome block (`on success`, `on failure`, `on denied`,
/// `on cancelled`), or of a branch of an `if` in one.
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    /// What it is.
    pub kind: StmtKind,
    /// The span of the whole statement.
    pub span: Span,
}

/// The kinds of [`Stmt`].
#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `say TEMPLATE`.
    Say(Template),
    /// `save VAR = EXPR`.
    Save {
        /// The conversation variable saved into.
        var: Ident,
        /// The value.
        value: Expr,
    },
    /// `offer PROC`.
    Offer(Ident),
    /// `suggest TEMPLATE`: a follow-up question.
    Suggest(Template),
    /// `if C { .. } else if C { .. } else { .. }`.
    If(IfStmt),
    /// `then PROC`: after this run's `done`, PROC starts as if clicked.
    Then(Ident),
}

/// `if C { .. } else if C { .. } else { .. }`, its `else if`s flattened.
#[derive(Clone, Debug, PartialEq)]
pub struct IfStmt {
    /// The `if` and each `else if`, in order: the first whose condition holds runs.
    pub branches: Vec<IfBranch>,
    /// The final `else` block, if any.
    pub otherwise: Option<Vec<Stmt>>,
    /// The span of the `else` keyword of that final block (where `procc test
    /// --coverage` locates it: an `else` has no condition of its own).
    pub else_span: Option<Span>,
}

/// One conditional branch of an [`IfStmt`].
#[derive(Clone, Debug, PartialEq)]
pub struct IfBranch {
    /// The condition (a `bool`; a run-time error counts as false).
    pub cond: Expr,
    /// The statements run when it holds.
    pub body: Vec<Stmt>,
}

/// A string with `{expr}` interpolations (or a raw `"""` string, which has none).
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    /// The pieces in order; adjacent text is merged.
    pub parts: Vec<TemplatePart>,
    /// The span of the whole literal, quotes included.
    pub span: Span,
}

/// A piece of a [`Template`].
#[derive(Clone, Debug, PartialEq)]
pub enum TemplatePart {
    /// Literal text, escapes already applied.
    Text {
        /// The text.
        value: String,
        /// Its span in the file.
        span: Span,
    },
    /// An interpolated `{expr}`.
    Expr(Expr),
}

/// An expression. `Clone` and `Drop` are written by hand (in `spine`) so that a flat
/// chain of 20,000 operators, a tree as deep as it is long, is copied and freed in a
/// loop instead of one stack frame per operator.
#[derive(Debug, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it stands.
    pub span: Span,
}

/// The kinds of [`Expr`].
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// An integer literal.
    Int(i64),
    /// A decimal literal.
    Number(f64),
    /// `true` / `false`.
    Bool(bool),
    /// A string literal, possibly with interpolations.
    Str(Template),
    /// `[a, b, ...]`.
    List(Vec<Expr>),
    /// `{ key: value, ... }`: a JSON object.
    Object(Vec<FieldInit>),
    /// A bare name: a variable, or `value` / `result` / `response` where in scope.
    Name(Ident),
    /// `customer.attr`.
    Customer(Ident),
    /// `secret.N`.
    Secret(Ident),
    /// `expr.field` on anything else.
    Field(Box<Expr>, Ident),
    /// A prefix operator.
    Unary(UnaryOp, Box<Expr>),
    /// An infix operator.
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// A built-in function call such as `len(x)`.
    Call(Ident, Vec<Expr>),
    /// `if C then A else B`.
    If {
        /// The condition.
        cond: Box<Expr>,
        /// The value when it holds.
        then: Box<Expr>,
        /// The value when it does not.
        otherwise: Box<Expr>,
    },
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    /// `not`.
    Not,
    /// `-`.
    Neg,
}

/// Infix operators, loosest binding first: `??`, `or`, `and`, comparisons and `in`,
/// `+ -`, `* /`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    /// `??`.
    Coalesce,
    /// `or`.
    Or,
    /// `and`.
    And,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `in`.
    In,
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
}

/// `test "name" { ... }`.
#[derive(Clone, Debug, PartialEq)]
pub struct TestDecl {
    /// The test's name.
    pub name: StrLit,
    /// Its statements, in order.
    pub steps: Vec<TestStep>,
}

/// One statement of a test block.
#[derive(Clone, Debug, PartialEq)]
pub struct TestStep {
    /// What it is.
    pub kind: TestStepKind,
    /// The span of the whole statement.
    pub span: Span,
}

/// The kinds of [`TestStep`]. Values (`answer`, `provide`, `respond`, ...) are literal
/// expressions: numbers, strings without interpolation, booleans, lists and objects.
#[derive(Clone, Debug, PartialEq)]
pub enum TestStepKind {
    /// `customer { attr: value, ... }`.
    Customer(Vec<FieldInit>),
    /// `secret N = "value"`.
    Secret {
        /// The secret's name.
        name: Ident,
        /// Its value for this test.
        value: StrLit,
    },
    /// `send message "text"`.
    SendMessage(StrLit),
    /// `send source N`.
    SendSource(Ident),
    /// `send faq N`.
    SendFaq(Ident),
    /// `send feedback negative|positive`.
    SendFeedback {
        /// `true` for `negative`.
        negative: bool,
    },
    /// `send unanswered`.
    SendUnanswered,
    /// `click P`.
    Click(Ident),
    /// `click P { var: value, ... }`: a click with values the agent already extracted.
    ClickWith {
        /// The procedure.
        procedure: Ident,
        /// The values (literals), as the protocol's `click … vars`.
        vars: Vec<FieldInit>,
    },
    /// `at "RFC3339"`: the time of the inputs that follow.
    At(StrLit),
    /// `dismiss P`.
    Dismiss(Ident),
    /// `answer VALUE`.
    Answer(Expr),
    /// `provide { var: value, ... }`.
    Provide(Vec<FieldInit>),
    /// `approve`.
    Approve,
    /// `deny`.
    Deny,
    /// `respond STATUS { json }` (the body is optional).
    Respond {
        /// The HTTP status.
        status: IntLit,
        /// The JSON body.
        body: Option<Expr>,
    },
    /// `complete { output }` (the output is optional).
    Complete(Option<Expr>),
    /// `fail`.
    Fail,
    /// `cancel`.
    Cancel,
    /// `expect offer P, ...`.
    ExpectOffer(Vec<Ident>),
    /// `expect no offer`.
    ExpectNoOffer,
    /// `expect ask VAR`.
    ExpectAsk(Ident),
    /// `expect invalid VAR`.
    ExpectInvalid(Ident),
    /// `expect approve`.
    ExpectApprove,
    /// `expect say TEXT`.
    ExpectSay(StrLit),
    /// `expect follow_up TEXT`.
    ExpectFollowUp(StrLit),
    /// `expect redirect URL`.
    ExpectRedirect(StrLit),
    /// `expect component N`.
    ExpectComponent(Ident),
    /// `expect switch_topic N`.
    ExpectSwitchTopic(Ident),
    /// `expect live_chat QUEUE`.
    ExpectLiveChat(StrLit),
    /// `expect request METHOD URL`.
    ExpectRequest {
        /// The method, e.g. `POST`.
        method: Ident,
        /// The exact URL.
        url: StrLit,
    },
    /// `expect javascript`.
    ExpectJavascript,
    /// `expect error CODE`: an `error` output with that code.
    ExpectError(Ident),
    /// `expect done P OUTCOME`.
    ExpectDone {
        /// The procedure.
        procedure: Ident,
        /// `completed`, `failed`, `cancelled` or `denied`.
        outcome: Ident,
    },
}
