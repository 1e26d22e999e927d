//! The instruction set of procc bytecode.
//!
//! A stack machine whose programs only jump forward, so every run terminates. Code is
//! organised in [`Chunk`]s: small self-contained programs. Expression chunks (a guard,
//! a template, a check, a default) end in [`Instr::Return`] with exactly one value on the
//! stack. A procedure's body chunk runs its steps (collect variables, approve, the kind's
//! effect, the outcome statements) and ends in [`Instr::Done`].
//!
//! Operands that name things are indexes into the tables of [`crate::codegen::module::Module`]:
//! strings, constants, variables, customer attributes, secrets, components, topics,
//! procedures. Jump targets are instruction indexes inside the same chunk and always
//! greater than the jump's own index.
//!
//! This module is always compiled (the interpreter and verifier need it); the lowering
//! from the AST is behind the `compiler` feature.

use serde::{Deserialize, Serialize};

/// The deepest the operand stack of one chunk may grow (a limit of the bundle format, in
/// `limits`). The verifier proves every chunk stays within it; the interpreter checks it
/// again.
pub use crate::limits::MAX_STACK;

/// An index into the module's string pool.
pub type StrId = u32;
/// An index into the module's constant pool.
pub type ConstId = u32;
/// An index into the module's variable table.
pub type VarId = u32;
/// An index into the module's procedure table.
pub type ProcId = u32;
/// An index into the module's chunk table.
pub type ChunkId = u32;
/// An index into the module's type table.
pub type TypeId = u32;

/// One instruction.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Instr {
    // ---- values -------------------------------------------------------------------
    /// Push constant `consts[i]`.
    Const(ConstId),
    /// Push the text `strings[i]`.
    Str(StrId),
    /// Push the value of a variable. The variable is known here (collected earlier, or
    /// the chunk belongs to something that depends on it); an absent optional value or
    /// a variable whose `when` was false pushes `Absent`.
    LoadVar(VarId),
    /// Push a customer attribute (`Absent` when an optional one is missing).
    LoadCustomer(u32),
    /// Push a secret's value. Everything computed from it is tainted (rule 3).
    LoadSecret(u32),
    /// Push `value`: the value under test in a refinement type's or variable's check.
    LoadValue,
    /// Push `result` / `response`: the JSON of the last awaited effect.
    LoadResult,
    /// Push a part of the failure an `on failure` block runs for: `reason` (text),
    /// `status` (int, absent unless an HTTP answer came) or `response` (its JSON body,
    /// absent unless there was one).
    LoadFailure(FailureField),
    /// Pop an object, push its field named `strings[i]` (`Absent` when missing).
    GetField(StrId),
    /// Pop `n` values, push them as a list (first pushed is first).
    MakeList(u16),
    /// Pop `n` key/value pairs (key text pushed before its value), push a JSON object.
    MakeObject(u16),
    /// Pop `n` values, render each as template text, push their concatenation.
    Concat(u16),
    /// Pop a value, push its template text percent-encoded for a URL (§7: every byte
    /// outside RFC 3986's unreserved characters becomes `%XX`). Emitted after every
    /// value interpolated into a URL template; the verifier refuses a request or
    /// redirect URL built from anything but string constants and encoded values.
    UrlEncode,
    /// Pop one value and discard it.
    Pop,
    /// Duplicate the top of the stack.
    Dup,

    // ---- operators ----------------------------------------------------------------
    /// Pop one operand, push the result.
    Unary(UnaryOp),
    /// Pop right then left operand, push the result.
    Binary(BinaryOp),
    /// Pop `argc` arguments (first pushed is first), push the result.
    Call(Builtin, u8),
    /// Pop a text, push whether it matches the regex `strings[i]` (compiled at load).
    Matches(StrId),
    /// Pop a value, push whether it is not `Absent`.
    Exists,

    // ---- control (forward only) ---------------------------------------------------
    /// Jump to the instruction index.
    Jump(u32),
    /// Pop a bool; jump when false.
    JumpIfFalse(u32),
    /// Peek a bool; jump when false (keeping it), else pop it. For `and`.
    JumpIfFalseKeep(u32),
    /// Peek a bool; jump when true (keeping it), else pop it. For `or`.
    JumpIfTrueKeep(u32),
    /// Peek a value; jump when it is not `Absent` (keeping it), else pop it. For `??`.
    JumpIfPresent(u32),
    /// End an expression chunk: the single value on the stack is its result.
    Return,
    /// Evaluate the guard chunk `cond` (a run-time error counts as false) and jump to
    /// `target` unless it is true. For the statement `if`.
    JumpUnless {
        /// The condition: an expression chunk returning a bool.
        cond: ChunkId,
        /// Where the run goes when the condition does not hold.
        target: u32,
    },

    // ---- procedure steps ----------------------------------------------------------
    /// Make sure a variable is known: if it is not, evaluate its `when`/`default`, or
    /// suspend with `ask` until it is answered (or attempts run out: `done failed`).
    Collect(VarId),
    /// Pop the prompt text; suspend until a human decides. Denied ends the run with
    /// `done denied`, so the instruction after it is reached only on a granted approval.
    Approve(Approver),
    /// Pop the question text; emit `follow_up`.
    FollowUp,
    /// Pop the URL text; emit `redirect`.
    Redirect,
    /// Pop the input object; emit `component` for `components[i]`.
    OpenComponent(u32),
    /// Emit `switch_topic` for `topics[i]`.
    SwitchTopic(u32),
    /// Pop the note, then the queue text; emit `live_chat`.
    LiveChat,
    /// Pop body (JSON), query (object of texts), headers (object of texts), then URL
    /// text; emit `request`. Only headers, query and body may carry secret-derived values.
    Request(RequestSpec),
    /// Pop body (JSON), query, headers, then URL text, and end a lookup's request chunk:
    /// the interpreter sends them as that lookup's `request` (§4). Only in a lookup's
    /// request chunk, whose method the verifier proves a read.
    Lookup(RequestSpec),
    /// Pop the args object; emit `javascript` with the script `strings[i]`.
    Javascript(StrId),
    /// Suspend until the host sends the effect's `result`; then `LoadResult` reads it and
    /// [`Instr::JumpIfFailed`] branches on it.
    Await,
    /// Jump when the awaited effect failed.
    JumpIfFailed(u32),
    /// Pop a text; emit `say`.
    Say,
    /// Pop a text; emit `follow_up` (the `suggest` statement).
    Suggest,
    /// Pop a value; store it into a conversation variable (validated like an answer).
    Save(VarId),
    /// Emit an `offer` listing `procedures[i]` if it is eligible.
    Offer(ProcId),
    /// Check the running procedure's `requires[i]`: when its condition does not hold
    /// (a run-time error counts as not holding), say its message and end the run
    /// `failed` with reason `require`, as [`Instr::Fail`] does.
    Require(u32),
    /// `then P`: after this run's `done`, `procedures[i]` starts as if clicked, when it
    /// is eligible then. The last one executed wins (the compiler allows one per path).
    Then(ProcId),
    /// End the run `failed` for this reason: the procedure's `on failure` chunk runs
    /// (with `reason`, and `status`/`response` of a failed HTTP answer), then `done`.
    Fail(Reason),
    /// End the run with this outcome (in a body: `completed`; in an outcome chunk: that
    /// chunk's outcome).
    Done(Outcome),
}

/// Why a run ended `failed`: `reason` in `on failure`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Reason {
    /// A question ran out of attempts.
    Attempts,
    /// A lookup failed.
    Lookup,
    /// A `require` did not hold.
    Require,
    /// The kind's action failed.
    Action,
    /// A value the run needs that nobody provided (a host-provided variable, a secret).
    Missing,
}

impl Reason {
    /// Every reason, in the contract's order.
    pub const ALL: [Reason; 5] = [
        Reason::Attempts,
        Reason::Lookup,
        Reason::Require,
        Reason::Action,
        Reason::Missing,
    ];

    /// The text `reason` holds, and the analytics spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Attempts => "attempts",
            Reason::Lookup => "lookup",
            Reason::Require => "require",
            Reason::Action => "action",
            Reason::Missing => "missing",
        }
    }
}

/// What [`Instr::LoadFailure`] reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailureField {
    /// `reason`: a text, always present.
    Reason,
    /// `status`: the HTTP status, when an HTTP answer came.
    Status,
    /// `response`: the HTTP answer's JSON body, when there was one.
    Response,
}

/// The constant operands of [`Instr::Request`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSpec {
    /// The HTTP method.
    pub method: Method,
    /// The timeout in milliseconds (default 10 000, at most 60 000).
    pub timeout_ms: u32,
    /// How many times to retry on connection errors, timeouts and 5xx.
    pub retry: u8,
}

/// HTTP methods an `api_call` may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Instr {
    /// Where a jump may go: the target of every jump instruction, `None` for others.
    pub fn jump_target(&self) -> Option<u32> {
        match *self {
            Instr::Jump(t)
            | Instr::JumpIfFalse(t)
            | Instr::JumpIfFalseKeep(t)
            | Instr::JumpIfTrueKeep(t)
            | Instr::JumpIfPresent(t)
            | Instr::JumpIfFailed(t)
            | Instr::JumpUnless { target: t, .. } => Some(t),
            _ => None,
        }
    }
}

impl Method {
    /// The method's name as HTTP writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Parses an upper-case method name.
    pub fn parse(name: &str) -> Option<Method> {
        Some(match name {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => return None,
        })
    }
}

/// Who approves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Approver {
    /// The customer.
    Customer,
    /// A member of staff.
    Staff,
}

impl Approver {
    /// The protocol's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Approver::Customer => "customer",
            Approver::Staff => "staff",
        }
    }
}

/// How a run ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Outcome {
    /// It did what it was for.
    Completed,
    /// An effect failed, or attempts ran out.
    Failed,
    /// Another procedure was clicked, or `cancel`/`end` came.
    Cancelled,
    /// The approval was denied.
    Denied,
}

impl Outcome {
    /// The protocol's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::Failed => "failed",
            Outcome::Cancelled => "cancelled",
            Outcome::Denied => "denied",
        }
    }
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnaryOp {
    /// Boolean negation.
    Not,
    /// Arithmetic negation.
    Neg,
}

/// Infix operators evaluated eagerly (`and`, `or`, `??` compile to jumps).
///
/// Not the source's `syntax::ast::BinaryOp`, though most variants match: this is the
/// bundle's operand (postcard writes its variant index into `.procb` files, so its order
/// is part of the format), it lacks the short-circuit operators, and the instruction set
/// builds without the compiler-only `syntax` module. `codegen::lower` maps one onto the
/// other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinaryOp {
    /// Equality of any two values.
    Eq,
    /// Inequality.
    Ne,
    /// Less than (numbers, texts, dates).
    Lt,
    /// Less or equal.
    Le,
    /// Greater than.
    Gt,
    /// Greater or equal.
    Ge,
    /// Membership in a list, or a substring of a text.
    In,
    /// Numeric addition or text concatenation.
    Add,
    /// Subtraction.
    Sub,
    /// Multiplication.
    Mul,
    /// Division (always a `number`; dividing by zero is a runtime error).
    Div,
}

/// Built-in functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Builtin {
    /// `len(text|list)`: characters or elements.
    Len,
    /// `lower(text)`.
    Lower,
    /// `upper(text)`.
    Upper,
    /// `trim(text)`.
    Trim,
    /// `contains(text|list, x)`.
    Contains,
    /// `starts_with(text, prefix)`.
    StartsWith,
    /// `ends_with(text, suffix)`.
    EndsWith,
    /// `join(list, separator)`: the items rendered as template text, separated.
    Join,
    /// `today()` (0 arguments: UTC) or `today(zone)`: the date of the input's `at`.
    Today,
    /// `hour()` (0 arguments: UTC) or `hour(zone)`: the hour (0–23) of the input's `at`.
    Hour,
    /// `add_days(date, int)`.
    AddDays,
    /// `days_between(a, b)`: `b` minus `a`, in days.
    DaysBetween,
    /// `weekday(date)`: `"monday"` … `"sunday"`.
    Weekday,
}

impl Builtin {
    /// The numbers of arguments the built-in takes (`today` and `hour` take an
    /// optional zone).
    pub fn arities(self) -> &'static [u8] {
        match self {
            Builtin::Len | Builtin::Lower | Builtin::Upper | Builtin::Trim | Builtin::Weekday => {
                &[1]
            }
            Builtin::Contains
            | Builtin::StartsWith
            | Builtin::EndsWith
            | Builtin::Join
            | Builtin::AddDays
            | Builtin::DaysBetween => &[2],
            Builtin::Today | Builtin::Hour => &[0, 1],
        }
    }

    /// Whether the result depends on the input's time (`today`, `hour`).
    pub fn reads_clock(self) -> bool {
        matches!(self, Builtin::Today | Builtin::Hour)
    }
}

/// A constant of the constant pool.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Const {
    /// An `int`.
    Int(i64),
    /// A `number`.
    Number(f64),
    /// A `bool`.
    Bool(bool),
    /// A `date`, as days since 1970-01-01.
    Date(i32),
    /// The absent value.
    Absent,
}

/// The outcome chunks of a procedure: statements run when its run ends that way, each
/// ending in `Done` with that outcome. (`on success` is part of the body, after the
/// effect, where `result`/`response` are known.)
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeChunks {
    /// `on failure` (or `Done(Failed)` alone when the procedure has none).
    pub failure: Option<ChunkId>,
    /// `on denied`.
    pub denied: Option<ChunkId>,
    /// `on cancelled`.
    pub cancelled: Option<ChunkId>,
}

impl OutcomeChunks {
    /// The chunk run for an outcome (`None` for `completed`, and for a block not given).
    pub fn of(&self, outcome: Outcome) -> Option<ChunkId> {
        match outcome {
            Outcome::Completed => None,
            Outcome::Failed => self.failure,
            Outcome::Denied => self.denied,
            Outcome::Cancelled => self.cancelled,
        }
    }
}

/// A self-contained forward-only program.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Chunk {
    /// The instructions.
    pub code: Vec<Instr>,
    /// Source map: `(instruction index, source line)` pairs, sorted by index; an
    /// instruction's line is that of the last entry at or before it.
    pub lines: Vec<(u32, u32)>,
    /// The index of the source file (in the module's `files`) this chunk came from.
    pub file: u32,
}
