//! What each chunk is for, read from the tables that refer to it. A chunk is verified once
//! per use, against what that use needs (a guard returns a bool, a prompt a text, a body
//! ends in `Done`, ...).

use crate::codegen::isa::{ChunkId, ProcId, VarId};
use crate::codegen::module::{BaseType, CheckDef, Module, TypeDef};

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
    /// A procedure's body.
    Body(ProcId),
}

/// One use of a chunk.
#[derive(Clone, Debug)]
pub(crate) struct Use {
    /// The chunk used.
    pub chunk: ChunkId,
    /// What for.
    pub role: Role,
    /// The procedure the use belongs to (its label, `when`, body, or local variable).
    pub owner: Option<ProcId>,
    /// A noun phrase for error messages.
    pub place: String,
}

/// Every use of every chunk. Indexes have been checked by the table checks.
pub(crate) fn uses(m: &Module) -> Vec<Use> {
    let mut out = Vec::new();
    let mut push = |chunk, role, owner, place: String| {
        out.push(Use {
            chunk,
            role,
            owner,
            place,
        })
    };
    for t in &m.types {
        if let Some(c) = &t.check {
            let base = t.base;
            checks(&mut push, c, base, None, || format!("type `{}`", t.name));
        }
    }
    for a in &m.audiences {
        push(a.cond, Role::Guard, None, format!("audience `{}`", a.name));
    }
    for (vi, v) in m.vars.iter().enumerate() {
        let place = || format!("variable `{}`", v.name);
        let base = base_of(m.types.get(v.ty as usize));
        if let Some(c) = v.ask {
            push(c, Role::Text, v.owner, format!("the prompt of {}", place()));
        }
        if let Some(c) = v.when {
            push(
                c,
                Role::Guard,
                v.owner,
                format!("the `when` of {}", place()),
            );
        }
        if let Some(c) = v.default {
            push(
                c,
                Role::Default(vi as VarId),
                v.owner,
                format!("the default of {}", place()),
            );
        }
        for c in &v.checks {
            checks(&mut push, c, base, v.owner, place);
        }
    }
    for (pi, p) in m.procedures.iter().enumerate() {
        let owner = Some(pi as ProcId);
        push(
            p.label,
            Role::Text,
            owner,
            format!("the label of procedure `{}`", p.name),
        );
        if let Some(c) = p.when {
            push(
                c,
                Role::Guard,
                owner,
                format!("the `when` of procedure `{}`", p.name),
            );
        }
        push(
            p.body,
            Role::Body(pi as ProcId),
            owner,
            format!("procedure `{}`", p.name),
        );
    }
    out
}

fn checks(
    push: &mut impl FnMut(ChunkId, Role, Option<ProcId>, String),
    c: &CheckDef,
    base: BaseType,
    owner: Option<ProcId>,
    place: impl Fn() -> String,
) {
    push(
        c.cond,
        Role::CheckCond(base),
        owner,
        format!("a check of {}", place()),
    );
    push(
        c.message,
        Role::CheckMessage(base),
        owner,
        format!("a check message of {}", place()),
    );
}

/// The base type of a type entry (`json` when missing, which table checks already refuse).
pub(crate) fn base_of(t: Option<&TypeDef>) -> BaseType {
    t.map(|t| t.base).unwrap_or(BaseType::Json)
}
