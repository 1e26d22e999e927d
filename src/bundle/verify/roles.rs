//! What each chunk is for, read from the tables that refer to it. A chunk is verified once
//! per use, against what that use needs (a guard returns a bool, a prompt a text, a body
//! ends in `Done`, ...).

use crate::codegen::isa::{ChunkId, Instr, Outcome, ProcId, VarId};
use crate::codegen::module::{BaseType, Module, TypeDef};

/// How a chunk is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    /// An expression returning a bool (audience, `when`).
    Guard,
    /// An expression returning a text (prompt, label, message).
    Text,
    /// A check's condition: a bool, with `value` of this base type.
    CheckCond(BaseType),
    /// A check's message: a text, with `value` of this base type.
    CheckMessage(BaseType),
    /// A variable's default: a value of that variable's type.
    Default(VarId),
    /// A variable's `choices` or `suggestions`: a list (of texts, checked when used).
    Items,
    /// A procedure's body.
    Body(ProcId),
    /// A procedure's `on failure`, `on denied` or `on cancelled` statements.
    Outcome(ProcId, Outcome),
    /// The condition of an `if` in a procedure's body or outcome chunk: a bool, which
    /// may read the effect's result and the failure.
    Cond(ProcId),
}

impl Role {
    /// The procedure whose statements (body or outcome chunk) this chunk holds.
    pub(crate) fn statements_of(self) -> Option<ProcId> {
        match self {
            Role::Body(p) | Role::Outcome(p, _) => Some(p),
            _ => None,
        }
    }
}

/// One use of a chunk.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Use {
    /// The chunk used.
    pub chunk: ChunkId,
    /// What for.
    pub role: Role,
    /// The procedure the use belongs to (its label, `when`, body, or local variable).
    pub owner: Option<ProcId>,
    /// Where it is used, described only when an error names it.
    pub place: Place,
}

/// Where a chunk is used: a table entry and the part of it. Kept as indexes, since a
/// bundle has tens of thousands of uses and only a refusal needs the words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// A check (`message`: its message) of a type.
    TypeCheck { ty: usize, message: bool },
    /// An audience's condition.
    Audience(usize),
    /// A variable's prompt.
    Prompt(VarId),
    /// A variable's `when`.
    VarWhen(VarId),
    /// A variable's default.
    VarDefault(VarId),
    /// A check (`message`: its message) of a variable.
    VarCheck { var: VarId, message: bool },
    /// A variable's `choices` (`suggestions: false`) or `suggestions`.
    VarItems { var: VarId, suggestions: bool },
    /// A variable's `invalid` message.
    VarInvalid(VarId),
    /// A procedure's label.
    Label(ProcId),
    /// A procedure's `when`.
    ProcWhen(ProcId),
    /// A procedure's body.
    Body(ProcId),
    /// A procedure's `require` (`message`: its message).
    Require {
        /// The procedure.
        proc: ProcId,
        /// Its position among the procedure's requirements.
        index: usize,
        /// The message rather than the condition.
        message: bool,
    },
    /// A procedure's outcome block.
    Outcome(ProcId, Outcome),
    /// The condition of an `if` of a procedure.
    Cond(ProcId),
}

impl Place {
    /// A noun phrase for error messages: "the `when` of variable `email`".
    pub(crate) fn describe(self, m: &Module) -> String {
        let name = |names: Option<&str>| names.unwrap_or("?").to_owned();
        let ty = |i: usize| name(m.types.get(i).map(|t| t.name.as_str()));
        let var = |i: VarId| name(m.vars.get(i as usize).map(|v| v.name.as_str()));
        let proc = |i: ProcId| name(m.procedures.get(i as usize).map(|p| p.name.as_str()));
        let check = |message: bool| {
            if message {
                "a check message"
            } else {
                "a check"
            }
        };
        match self {
            Place::TypeCheck { ty: t, message } => {
                format!("{} of type `{}`", check(message), ty(t))
            }
            Place::Audience(a) => format!(
                "audience `{}`",
                name(m.audiences.get(a).map(|a| a.name.as_str()))
            ),
            Place::Prompt(v) => format!("the prompt of variable `{}`", var(v)),
            Place::VarWhen(v) => format!("the `when` of variable `{}`", var(v)),
            Place::VarDefault(v) => format!("the default of variable `{}`", var(v)),
            Place::VarCheck { var: v, message } => {
                format!("{} of variable `{}`", check(message), var(v))
            }
            Place::VarItems {
                var: v,
                suggestions,
            } => format!(
                "the `{}` of variable `{}`",
                if suggestions {
                    "suggestions"
                } else {
                    "choices"
                },
                var(v)
            ),
            Place::VarInvalid(v) => format!("the `invalid` message of variable `{}`", var(v)),
            Place::Label(p) => format!("the label of procedure `{}`", proc(p)),
            Place::ProcWhen(p) => format!("the `when` of procedure `{}`", proc(p)),
            Place::Body(p) => format!("procedure `{}`", proc(p)),
            Place::Require {
                proc: p,
                index,
                message,
            } => format!(
                "the {} of requirement {} of procedure `{}`",
                if message { "message" } else { "condition" },
                index + 1,
                proc(p)
            ),
            Place::Outcome(p, o) => format!("`on {}` of procedure `{}`", block_name(o), proc(p)),
            Place::Cond(p) => format!("an `if` condition of procedure `{}`", proc(p)),
        }
    }
}

/// Every use of every chunk. Indexes have been checked by the table checks.
pub(crate) fn uses(m: &Module) -> Vec<Use> {
    let mut out = Vec::with_capacity(m.chunks.len());
    let mut push = |chunk, role, owner, place| {
        out.push(Use {
            chunk,
            role,
            owner,
            place,
        })
    };
    for (ti, t) in m.types.iter().enumerate() {
        if let Some(c) = &t.check {
            push(
                c.cond,
                Role::CheckCond(t.base),
                None,
                Place::TypeCheck {
                    ty: ti,
                    message: false,
                },
            );
            push(
                c.message,
                Role::CheckMessage(t.base),
                None,
                Place::TypeCheck {
                    ty: ti,
                    message: true,
                },
            );
        }
    }
    for (ai, a) in m.audiences.iter().enumerate() {
        push(a.cond, Role::Guard, None, Place::Audience(ai));
    }
    for (vi, v) in m.vars.iter().enumerate() {
        let vi = vi as VarId;
        let base = base_of(m.types.get(v.ty as usize));
        if let Some(c) = v.ask {
            push(c, Role::Text, v.owner, Place::Prompt(vi));
        }
        if let Some(c) = v.when {
            push(c, Role::Guard, v.owner, Place::VarWhen(vi));
        }
        if let Some(c) = v.default {
            push(c, Role::Default(vi), v.owner, Place::VarDefault(vi));
        }
        for (chunk, suggestions) in [(v.choices, false), (v.suggestions, true)] {
            if let Some(c) = chunk {
                let place = Place::VarItems {
                    var: vi,
                    suggestions,
                };
                push(c, Role::Items, v.owner, place);
            }
        }
        if let Some(c) = v.invalid {
            // `value` is the refused answer, as text.
            let role = Role::CheckMessage(BaseType::Text);
            push(c, role, v.owner, Place::VarInvalid(vi));
        }
        for c in &v.checks {
            push(
                c.cond,
                Role::CheckCond(base),
                v.owner,
                Place::VarCheck {
                    var: vi,
                    message: false,
                },
            );
            push(
                c.message,
                Role::CheckMessage(base),
                v.owner,
                Place::VarCheck {
                    var: vi,
                    message: true,
                },
            );
        }
    }
    for (pi, p) in m.procedures.iter().enumerate() {
        let pi = pi as ProcId;
        let owner = Some(pi);
        push(p.label, Role::Text, owner, Place::Label(pi));
        if let Some(c) = p.when {
            push(c, Role::Guard, owner, Place::ProcWhen(pi));
        }
        push(p.body, Role::Body(pi), owner, Place::Body(pi));
        for (index, r) in p.requires.iter().enumerate() {
            let place = |message| Place::Require {
                proc: pi,
                index,
                message,
            };
            push(r.cond, Role::Guard, owner, place(false));
            push(r.message, Role::Text, owner, place(true));
        }
        let blocks = [
            (p.outcomes.failure, Outcome::Failed),
            (p.outcomes.denied, Outcome::Denied),
            (p.outcomes.cancelled, Outcome::Cancelled),
        ];
        let mut statements = vec![p.body];
        for (chunk, outcome) in blocks {
            if let Some(c) = chunk {
                push(
                    c,
                    Role::Outcome(pi, outcome),
                    owner,
                    Place::Outcome(pi, outcome),
                );
                statements.push(c);
            }
        }
        // `if` conditions are named by the statements' `JumpUnless`, not by a table.
        for c in statements {
            let code = m.chunks.get(c as usize).map_or(&[][..], |c| &c.code[..]);
            for instr in code {
                if let Instr::JumpUnless { cond, .. } = instr {
                    push(*cond, Role::Cond(pi), owner, Place::Cond(pi));
                }
            }
        }
    }
    out
}

/// The block an outcome chunk comes from: `on failure`, `on denied`, `on cancelled`.
pub(crate) fn block_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Completed => "success",
        Outcome::Failed => "failure",
        Outcome::Denied => "denied",
        Outcome::Cancelled => "cancelled",
    }
}

/// The base type of a type entry (`json` when missing, which table checks already refuse).
pub(crate) fn base_of(t: Option<&TypeDef>) -> BaseType {
    t.map(|t| t.base).unwrap_or(BaseType::Json)
}
