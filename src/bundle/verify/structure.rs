//! Per-instruction checks that need no data flow: operand indexes, jump targets, which
//! instructions a chunk of this role may hold, effects matching the procedure's kind,
//! request limits, regexes.

use super::error::{Rule, VerifyError};
use super::roles::Role;
use super::tables::in_range;
use super::{ChunkCtx, effect_kind};
use crate::codegen::isa::{Instr, Outcome};
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
            Instr::Offer(p) => index(p, m.procedures.len(), "procedure")?,
            _ if let Some(t) = instr.jump_target() => {
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
            Instr::Request(spec)
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
            Instr::Done(o) if !matches!(o, Outcome::Completed | Outcome::Failed) => {
                return Err(cx.err(
                    Rule::BadOutcome,
                    pc,
                    format!(
                        "a body may end only completed or failed, not {}",
                        o.as_str()
                    ),
                ));
            }
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

/// What a chunk of this role may contain, and effects matching the procedure's kind.
fn check_allowed(cx: &ChunkCtx<'_>, instr: &Instr, pc: u32) -> Result<(), VerifyError> {
    let body_kind = match cx.role {
        Role::Body(_) => cx.kind,
        _ => None,
    };
    let is_check = matches!(cx.role, Role::CheckCond(_) | Role::CheckMessage(_));
    let not_allowed = |what: &str| cx.err(Rule::InstructionNotAllowed, pc, what.to_string());
    match instr {
        Instr::Return if body_kind.is_some() => {
            Err(cx.err(Rule::BadReturn, pc, "a body may not `Return`"))
        }
        Instr::LoadValue if !is_check => Err(not_allowed("`value` is readable only in checks")),
        Instr::LoadSecret(_) if body_kind.is_none() => Err(cx.err(
            Rule::SecretLeak,
            pc,
            "a secret is read outside a procedure body",
        )),
        Instr::Collect(_)
        | Instr::Approve(_)
        | Instr::Await
        | Instr::JumpIfFailed(_)
        | Instr::LoadResult
        | Instr::Say
        | Instr::Suggest
        | Instr::Save(_)
        | Instr::Offer(_)
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
