//! What a refused module looks like: the rule it breaks and where.

use std::fmt;

use crate::codegen::isa::ChunkId;

/// The rules the verifier enforces. Each has a stable name ([`Rule::name`]) that tools and
/// tests may rely on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    /// An index (string, constant, chunk, variable, type, customer attribute, secret,
    /// component, topic, source, FAQ, procedure, audience, file) is out of range.
    IndexOutOfRange,
    /// The built-in types are missing or altered.
    BuiltinTypes,
    /// A type's parent chain loops, or a refinement's base differs from its parent's.
    TypeChain,
    /// Variable dependencies form a cycle.
    DependencyCycle,
    /// A table entry is malformed (trigger index shape or order, attempts, source map).
    MalformedTable,
    /// A chunk no table refers to.
    UnusedChunk,
    /// A chunk more than one table entry refers to (each chunk is verified once, for
    /// its one use).
    SharedChunk,
    /// Two procedures, two conversation variables, or two local variables of one
    /// procedure with the same name.
    DuplicateName,
    /// A chunk exceeds the verifier's size or stack-depth limits.
    LimitExceeded,
    /// A jump whose target is not after the jump (rule 4).
    BackwardJump,
    /// A jump whose target is outside its chunk.
    JumpOutOfChunk,
    /// A path runs past the last instruction without ending.
    FallsOffEnd,
    /// `Return` in a body, or with other than exactly one value.
    BadReturn,
    /// An instruction pops more values than the stack holds.
    StackUnderflow,
    /// Different stack depths meet at a merge point, or values remain at `Done`.
    StackMismatch,
    /// An operand has a type the instruction cannot take.
    OperandType,
    /// An expression chunk returns the wrong type for its use.
    ReturnType,
    /// An instruction that this kind of chunk may not contain.
    InstructionNotAllowed,
    /// An effect instruction that does not match the procedure's kind.
    WrongKind,
    /// `LoadResult` or `JumpIfFailed` not preceded by an `Await` on every path.
    ResultBeforeAwait,
    /// Rule 2: an effect of an irreversible procedure not dominated by an approval.
    UnapprovedEffect,
    /// Rule 2: an irreversible procedure without any approval.
    MissingApproval,
    /// Rule 3: a secret-derived value reaches something other than request headers,
    /// query or body.
    SecretLeak,
    /// A request or redirect URL holding a value that did not pass `UrlEncode` (§7).
    UnencodedUrl,
    /// A regex operand that does not compile, or all of them together are too large.
    InvalidRegex,
    /// A request's timeout or retry count is outside the allowed range.
    InvalidRequest,
    /// `Done` with an outcome a body may not choose (`cancelled`, `denied`).
    BadOutcome,
    /// A local variable used outside its procedure, or `Save` into a local.
    LocalVariable,
    /// `then` hand-overs that can come back to a procedure (rule 4: one click must not
    /// start an endless series of runs), or a `then` in `on cancelled`.
    ThenCycle,
    /// A lookup whose request is not a read (`GET`, or `POST` marked `reversible`), or
    /// a lookup instruction outside a lookup's request chunk.
    LookupNotRead,
}

impl Rule {
    /// The rule's stable name.
    pub fn name(self) -> &'static str {
        match self {
            Rule::IndexOutOfRange => "index_out_of_range",
            Rule::BuiltinTypes => "builtin_types",
            Rule::TypeChain => "type_chain",
            Rule::DependencyCycle => "dependency_cycle",
            Rule::MalformedTable => "malformed_table",
            Rule::UnusedChunk => "unused_chunk",
            Rule::SharedChunk => "shared_chunk",
            Rule::DuplicateName => "duplicate_name",
            Rule::LimitExceeded => "limit_exceeded",
            Rule::BackwardJump => "backward_jump",
            Rule::JumpOutOfChunk => "jump_out_of_chunk",
            Rule::FallsOffEnd => "falls_off_end",
            Rule::BadReturn => "bad_return",
            Rule::StackUnderflow => "stack_underflow",
            Rule::StackMismatch => "stack_mismatch",
            Rule::OperandType => "operand_type",
            Rule::ReturnType => "return_type",
            Rule::InstructionNotAllowed => "instruction_not_allowed",
            Rule::WrongKind => "wrong_kind",
            Rule::ResultBeforeAwait => "result_before_await",
            Rule::UnapprovedEffect => "unapproved_effect",
            Rule::MissingApproval => "missing_approval",
            Rule::SecretLeak => "secret_leak",
            Rule::UnencodedUrl => "unencoded_url",
            Rule::InvalidRegex => "invalid_regex",
            Rule::InvalidRequest => "invalid_request",
            Rule::BadOutcome => "bad_outcome",
            Rule::LocalVariable => "local_variable",
            Rule::ThenCycle => "then_cycle",
            Rule::LookupNotRead => "lookup_not_read",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A module the verifier refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyError {
    /// The rule broken.
    pub rule: Rule,
    /// Where: `procedure \`name\``, `variable \`name\``, `type \`name\``, `the trigger
    /// index`, ... (a short noun phrase).
    pub place: String,
    /// The procedure involved, when there is one (a body, label, `when`, or a local
    /// variable's chunk).
    pub procedure: Option<String>,
    /// The chunk, when the problem is in bytecode.
    pub chunk: Option<ChunkId>,
    /// The instruction index inside [`VerifyError::chunk`].
    pub instr: Option<u32>,
    /// What is wrong, in words.
    pub detail: String,
}

impl VerifyError {
    /// An error about a table entry, not bytecode.
    pub(crate) fn table(rule: Rule, place: impl Into<String>, detail: impl Into<String>) -> Self {
        VerifyError {
            rule,
            place: place.into(),
            procedure: None,
            chunk: None,
            instr: None,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bundle refused ({}): {} in {}",
            self.rule, self.detail, self.place
        )?;
        if let Some(chunk) = self.chunk {
            write!(f, ", chunk {chunk}")?;
        }
        if let Some(instr) = self.instr {
            write!(f, " at instruction {instr}")?;
        }
        f.write_str(".")
    }
}

impl std::error::Error for VerifyError {}
