//! What each operator does for each pair of operand tags: the semantics of
//! `vm::ops` as a table, so native code only emits the cases that can happen.
//!
//! Every entry mirrors one arm of `ops.rs`; the differential tests check the two
//! agree on random expressions and inputs.

use cranelift_codegen::ir::condcodes::IntCC;

use crate::codegen::isa::{BinaryOp, Builtin, UnaryOp};

use super::layout::{ABSENT, BOOL, DATE, INT, NUMBER, TEXT};

/// What to emit for one combination of operand tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Plan {
    /// The guard fails: a run-time error in the interpreter.
    Error,
    /// Hand the guard back to the interpreter (a case native code does not model:
    /// text concatenation, a date against a text).
    Fallback,
    /// A known bool.
    Bool(bool),
    /// Integer comparison with this condition.
    IntCmp(IntCC),
    /// Float comparison (ints converted) with this condition; NaN is an error.
    FloatCmp(IntCC),
    /// Float equality (ints converted); `true` negates it (`!=`).
    FloatEq(bool),
    /// Text comparison with this condition (through a helper).
    TextCmp(IntCC),
    /// Text equality; `true` negates it.
    TextEq(bool),
    /// Whether the number operand is not finite; `true` negates it.
    NotFinite(bool),
    /// Bool equality; `true` negates it.
    BoolEq(bool),
    /// Date comparison with this condition.
    DateCmp(IntCC),
    /// Checked integer arithmetic.
    IntArith(Arith),
    /// Float arithmetic (ints converted), the result must be finite.
    FloatArith(Arith),
    /// Float division: zero divisor and non-finite results are errors.
    FloatDiv,
    /// `left in right` on texts: right contains left.
    TextIn,
    /// `starts_with(left, right)`.
    TextStarts,
    /// `ends_with(left, right)`.
    TextEnds,
}

/// The arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Arith {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
}

/// What to emit for a unary operation on one tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Plan1 {
    /// A run-time error.
    Error,
    /// A known bool.
    Bool(bool),
    /// `not`.
    Not,
    /// Checked integer negation.
    IntNeg,
    /// Float negation.
    FloatNeg,
    /// `len` of a text.
    TextLen,
    /// `matches` of a text against the regex `strings[id]`.
    Matches(u32),
}

fn numeric(tag: u8) -> bool {
    tag == INT || tag == NUMBER
}

fn mixed_date(l: u8, r: u8) -> bool {
    (l == DATE && r == TEXT) || (l == TEXT && r == DATE)
}

/// The condition of an ordering operator, `None` for the others.
fn ordering(op: BinaryOp) -> Option<IntCC> {
    Some(match op {
        BinaryOp::Lt => IntCC::SignedLessThan,
        BinaryOp::Le => IntCC::SignedLessThanOrEqual,
        BinaryOp::Gt => IntCC::SignedGreaterThan,
        BinaryOp::Ge => IntCC::SignedGreaterThanOrEqual,
        _ => return None,
    })
}

/// `ops::equal` for scalars; `negate` gives `!=`.
fn equality(l: u8, r: u8, negate: bool) -> Plan {
    match (l, r) {
        (ABSENT, ABSENT) => Plan::Bool(!negate),
        (INT, INT) => Plan::IntCmp(if negate {
            IntCC::NotEqual
        } else {
            IntCC::Equal
        }),
        (l, r) if numeric(l) && numeric(r) => Plan::FloatEq(negate),
        (TEXT, TEXT) => Plan::TextEq(negate),
        (BOOL, BOOL) => Plan::BoolEq(negate),
        // Dates render injectively, so equal JSON forms mean equal days.
        (DATE, DATE) => Plan::DateCmp(if negate {
            IntCC::NotEqual
        } else {
            IntCC::Equal
        }),
        (l, r) if mixed_date(l, r) => Plan::Fallback,
        // A non-finite number (never built by the interpreter, but a host may hand
        // one in) has the JSON form `null`, like an absent value.
        (NUMBER, ABSENT) | (ABSENT, NUMBER) => Plan::NotFinite(negate),
        // Different JSON kinds (null, string, number, bool) are never equal.
        _ => Plan::Bool(negate),
    }
}

/// The plan of an infix operator for operand tags `l` and `r` (`In` is `l in r`).
pub(super) fn binary(op: BinaryOp, l: u8, r: u8) -> Plan {
    let arith = |kind| match (l, r) {
        (INT, INT) => Plan::IntArith(kind),
        (l, r) if numeric(l) && numeric(r) => Plan::FloatArith(kind),
        _ => Plan::Error,
    };
    match op {
        BinaryOp::Eq => equality(l, r, false),
        BinaryOp::Ne => equality(l, r, true),
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            let cc = ordering(op).unwrap_or(IntCC::Equal);
            match (l, r) {
                (INT, INT) => Plan::IntCmp(cc),
                (l, r) if numeric(l) && numeric(r) => Plan::FloatCmp(cc),
                (TEXT, TEXT) => Plan::TextCmp(cc),
                (DATE, DATE) => Plan::DateCmp(cc),
                (l, r) if mixed_date(l, r) => Plan::Fallback,
                _ => Plan::Error,
            }
        }
        BinaryOp::In => match (l, r) {
            (TEXT, TEXT) => Plan::TextIn,
            _ => Plan::Error,
        },
        BinaryOp::Add if l == TEXT && r == TEXT => Plan::Fallback,
        BinaryOp::Add => arith(Arith::Add),
        BinaryOp::Sub => arith(Arith::Sub),
        BinaryOp::Mul => arith(Arith::Mul),
        BinaryOp::Div if numeric(l) && numeric(r) => Plan::FloatDiv,
        BinaryOp::Div => Plan::Error,
    }
}

/// The plan of `starts_with`/`ends_with`, `None` for the other built-ins
/// (`contains(h, n)` is lowered as `n in h`).
pub(super) fn builtin2(builtin: Builtin, first: u8, second: u8) -> Option<Plan> {
    Some(match (builtin, first, second) {
        (Builtin::StartsWith, TEXT, TEXT) => Plan::TextStarts,
        (Builtin::EndsWith, TEXT, TEXT) => Plan::TextEnds,
        (Builtin::StartsWith | Builtin::EndsWith, _, _) => Plan::Error,
        _ => return None,
    })
}

/// The plan of a prefix operator.
pub(super) fn unary(op: UnaryOp, tag: u8) -> Plan1 {
    match (op, tag) {
        (UnaryOp::Not, BOOL) => Plan1::Not,
        (UnaryOp::Neg, INT) => Plan1::IntNeg,
        (UnaryOp::Neg, NUMBER) => Plan1::FloatNeg,
        _ => Plan1::Error,
    }
}

/// The plan of `len` on a scalar.
pub(super) fn len(tag: u8) -> Plan1 {
    if tag == TEXT {
        Plan1::TextLen
    } else {
        Plan1::Error
    }
}

/// The plan of `matches` on a scalar: absent never matches.
pub(super) fn matches(id: u32, tag: u8) -> Plan1 {
    match tag {
        TEXT => Plan1::Matches(id),
        ABSENT => Plan1::Bool(false),
        _ => Plan1::Error,
    }
}
