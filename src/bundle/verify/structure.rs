//! Per-instruction checks that need no data flow: operand indexes, jump targets, which
//! instructions a chunk of this role may hold, effects matching the procedure's kind,
//! request limits, regexes.

use super::error::{Rule, VerifyError};
use super::roles::Role;
use super::tables::in_range;
use super::{ChunkCtx, effect_kind};
use crate::codegen::isa::{Instr, Method, Outcome, RequestSpec};
use crate::codegen::module::{Kind, Module};

/// The most a request may wait, in milliseconds.
pub(crate) const MAX_TIMEOUT_MS: u32 = 60_000;
/// The most retries a request may make.
pub(crate) const MAX_RETRY: u8 = 5;

/// Checks every instruction of the chunk, reachable or not.
pub(crate) fn check_structure(cx: &ChunkCtx<'_>) -> Result<(), VerifyError> {
    let m = cx.module;
    let len = cx.code.len();
    for (pc, instr) in cx.code.iter().enumerate() {
        let pc = pc as u32;
        let index = |i: u32, n: usize, what: &str| {
            in_range(i, n, what, String::new).map_err(|e| cx.err(e.rule, pc, e.detail))
        };
        match *instr {
            Instr::Const(i) => index(i, m.consts.len(), "constant")?,
            Instr::Str(i) | Instr::GetField(i) | Instr::Javascript(i) => {
                index(i, m.strings.len(), "string")?
            }
            // The patterns themselves are compiled once per bundle (`regexes`).
            Instr::Matches(i) => index(i, m.strings.len(), "string")?,
            Instr::LoadVar(v) | Instr::Collect(v) | Instr::Save(v) => {
                index(v, m.vars.len(), "variable")?;
                check_local(cx, m, v, pc, matches!(instr, Instr::Save(_)))?;
            }
            Instr::LoadCustomer(i) => index(i, m.customer.len(), "customer attribute")?,
            Instr::LoadSecret(i) => index(i, m.secrets.len(), "secret")?,
            Instr::OpenComponent(i) => index(i, m.components.len(), "component")?,
            Instr::SwitchTopic(i) => index(i, m.topics.len(), "topic")?,
            Instr::Offer(p) | Instr::Then(p) => index(p, m.procedures.len(), "procedure")?,
            Instr::Require(i) => {
                // A body may check only its own procedure's requirements.
                let own = cx
                    .owner
                    .and_then(|p| m.procedures.get(p as usize))
                    .map_or(0, |p| p.requires.len());
                index(i, own, "requirement")?
            }
            _ if let Some(t) = instr.jump_target() => {
                if let Instr::JumpUnless { cond, .. } = *instr {
                    index(cond, m.chunks.len(), "chunk")?;
                }
                if t <= pc {
                    return Err(cx.err(Rule::BackwardJump, pc, format!("a jump goes back to {t}")));
                }
                if t as usize >= len {
                    return Err(cx.err(
                        Rule::JumpOutOfChunk,
                        pc,
                        format!("a jump targets {t}, past the chunk's {len} instructions"),
                    ));
                }
            }
            Instr::Request(spec) | Instr::Lookup(spec)
                if spec.timeout_ms == 0
                    || spec.timeout_ms > MAX_TIMEOUT_MS
                    || spec.retry > MAX_RETRY =>
            {
                return Err(cx.err(
                        Rule::InvalidRequest,
                        pc,
                        format!(
                            "a request has timeout {} ms and {} retries (allowed: 1 to {MAX_TIMEOUT_MS} ms, at most {MAX_RETRY} retries)",
                            spec.timeout_ms, spec.retry
                        ),
                    ));
            }
            Instr::Done(o) => check_done(cx, o, pc)?,
            Instr::Lookup(spec) => check_lookup(cx, spec, pc)?,
            _ => {}
        }
        check_allowed(cx, instr, pc)?;
    }
    Ok(())
}

/// A local variable may be read or collected only by chunks of its own procedure, and
/// never saved into.
fn check_local(
    cx: &ChunkCtx<'_>,
    m: &Module,
    v: u32,
    pc: u32,
    save: bool,
) -> Result<(), VerifyError> {
    let Some(var) = m.vars.get(v as usize) else {
        return Ok(());
    };
    if save && var.owner.is_some() {
        return Err(cx.err(
            Rule::LocalVariable,
            pc,
            format!(
                "`save` may store only into conversation variables, not the local `{}`",
                var.name
            ),
        ));
    }
    if var.owner.is_some() && var.owner != cx.owner {
        return Err(cx.err(
            Rule::LocalVariable,
            pc,
            format!("`{}` is a local variable of another procedure", var.name),
        ));
    }
    Ok(())
}

/// `Lookup` only ends a lookup's request chunk, and proves it a read (§6): `GET`, or a
/// `POST` the author marked `reversible`.
fn check_lookup(cx: &ChunkCtx<'_>, spec: RequestSpec, pc: u32) -> Result<(), VerifyError> {
    let Role::Lookup(var) = cx.role else {
        return Err(cx.err(
            Rule::LookupNotRead,
            pc,
            "a lookup's request appears outside a lookup",
        ));
    };
    let reversible = cx
        .module
        .vars
        .get(var as usize)
        .and_then(|v| v.lookup.as_ref())
        .is_some_and(|l| l.reversible);
    match spec.method {
        Method::Get => Ok(()),
        Method::Post if reversible => Ok(()),
        other => Err(cx.err(
            Rule::LookupNotRead,
            pc,
            format!(
                "a lookup sends a {} request: only GET, or a POST marked reversible, is a read",
                other.as_str()
            ),
        )),
    }
}

/// A body ends `completed` (a failure goes through `Fail`); an outcome chunk ends with
/// its own outcome.
fn check_done(cx: &ChunkCtx<'_>, o: Outcome, pc: u32) -> Result<(), VerifyError> {
    let (allowed, what) = match cx.role {
        Role::Outcome(_, own) => (own, "an outcome block"),
        _ => (Outcome::Completed, "a body"),
    };
    if o == allowed {
        return Ok(());
    }
    Err(cx.err(
        Rule::BadOutcome,
        pc,
        format!(
            "{what} may end only {}, not {}",
            allowed.as_str(),
            o.as_str()
        ),
    ))
}

/// What the statements of an outcome chunk, and the new control flow of revision 2, may
/// hold: `None` when the instruction is for [`check_allowed`]'s general rules.
fn check_revision2(cx: &ChunkCtx<'_>, instr: &Instr, pc: u32) -> Option<Result<(), VerifyError>> {
    let not_allowed = |what: &str| Err(cx.err(Rule::InstructionNotAllowed, pc, what.to_string()));
    let statements = cx.role.statements_of().is_some();
    Some(match (instr, cx.role) {
        (Instr::LoadFailure(_), Role::Outcome(_, Outcome::Failed) | Role::Cond(_)) => Ok(()),
        (Instr::LoadFailure(_), _) => not_allowed("the failure is readable only in `on failure`"),
        (Instr::LoadResult, Role::Cond(_)) => Ok(()),
        (Instr::Then(_), Role::Outcome(_, Outcome::Cancelled)) => Err(cx.err(
            Rule::ThenCycle,
            pc,
            "`then` in `on cancelled`: a cancelled run never hands over",
        )),
        (Instr::Then(_) | Instr::JumpUnless { .. }, _) if statements => Ok(()),
        (Instr::Then(_) | Instr::JumpUnless { .. }, _) => {
            not_allowed("a statement appears in an expression chunk")
        }
        (Instr::Fail(_), Role::Body(_)) => Ok(()),
        (Instr::Fail(_), _) => not_allowed("only a body may fail"),
        (
            Instr::Collect(_)
            | Instr::Approve(_)
            | Instr::Await
            | Instr::JumpIfFailed(_)
            | Instr::LoadResult
            | Instr::Return,
            Role::Outcome(..),
        ) => not_allowed("an outcome block holds only statements"),
        (_, Role::Outcome(..)) if effect_kind(instr).is_some() => {
            not_allowed("an effect appears in an outcome block")
        }
        (
            Instr::Say | Instr::Suggest | Instr::Save(_) | Instr::Offer(_) | Instr::Done(_),
            Role::Outcome(..),
        ) => Ok(()),
        _ => return None,
    })
}

/// What a chunk of this role may contain, and effects matching the procedure's kind.
fn check_allowed(cx: &ChunkCtx<'_>, instr: &Instr, pc: u32) -> Result<(), VerifyError> {
    if let Some(verdict) = check_revision2(cx, instr, pc) {
        return verdict;
    }
    let body_kind = match cx.role {
        Role::Body(_) => cx.kind,
        _ => None,
    };
    let is_check = matches!(cx.role, Role::CheckCond(_) | Role::CheckMessage(_));
    let not_allowed = |what: &str| cx.err(Rule::InstructionNotAllowed, pc, what.to_string());
    match instr {
        Instr::Return if body_kind.is_some() || matches!(cx.role, Role::Lookup(_)) => Err(cx.err(
            Rule::BadReturn,
            pc,
            "a body or a lookup's request may not `Return`",
        )),
        Instr::LoadValue if !is_check => Err(not_allowed("`value` is readable only in checks")),
        // A lookup's request carries secrets like an api_call's (rule 3, proved by `flow`).
        Instr::LoadSecret(_) if body_kind.is_none() && !matches!(cx.role, Role::Lookup(_)) => {
            Err(cx.err(
                Rule::SecretLeak,
                pc,
                "a secret is read outside a procedure body",
            ))
        }
        Instr::Collect(_)
        | Instr::Approve(_)
        | Instr::Await
        | Instr::JumpIfFailed(_)
        | Instr::LoadResult
        | Instr::Say
        | Instr::Suggest
        | Instr::Save(_)
        | Instr::Offer(_)
        | Instr::Require(_)
        | Instr::Done(_)
            if body_kind.is_none() =>
        {
            Err(not_allowed(
                "a procedure step appears in an expression chunk",
            ))
        }
        _ => {
            if let Some(effect) = effect_kind(instr) {
                match body_kind {
                    None => return Err(not_allowed("an effect appears in an expression chunk")),
                    Some(k) if k != effect => {
                        return Err(cx.err(
                            Rule::WrongKind,
                            pc,
                            format!("a {} effect in a {} procedure", effect.as_str(), k.as_str()),
                        ));
                    }
                    Some(_) => {}
                }
            }
            if matches!(instr, Instr::Await)
                && !matches!(
                    body_kind,
                    Some(Kind::Component | Kind::ApiCall | Kind::Javascript | Kind::LiveChat)
                )
            {
                return Err(cx.err(
                    Rule::WrongKind,
                    pc,
                    format!(
                        "`Await` in a {} procedure, which does not wait",
                        body_kind.map(Kind::as_str).unwrap_or("?")
                    ),
                ));
            }
            Ok(())
        }
    }
}
