//! Snapshot format 1, frozen: the session as it was encoded before sessions carried an
//! idempotency nonce and runs their approval lock and refusal (format 2). Decoding it
//! and converting it to today's [`Session`] lets a host upgraded in place restore every
//! conversation written before the upgrade.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::codegen::isa::{ProcId, VarId};

use super::session::{Effect, Run, Session, Wait};
use super::value::Value;

/// [`Session`] in format 1 (field order is the encoding: never change it).
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct SessionV1 {
    customer: Vec<Value>,
    secrets: Vec<Option<String>>,
    known: BTreeMap<VarId, Value>,
    offered: Vec<ProcId>,
    run: Option<Box<RunV1>>,
    requests: u32,
}

/// [`Run`] in format 1.
#[derive(Deserialize)]
#[cfg_attr(test, derive(serde::Serialize))]
struct RunV1 {
    proc: ProcId,
    pc: u32,
    stack: Vec<Value>,
    wait: Wait,
    tries: Option<(VarId, u32)>,
    effect: Option<Effect>,
    result: Value,
    failed: bool,
}

/// Decodes a format-1 body. The session gets a nonce derived from the body (a format-1
/// session had none): deterministic, so a conversion whose input then fails to be
/// stored gives the same keys when it is converted again, and different for different
/// conversations' states.
pub(super) fn decode(body: &[u8]) -> Result<Session, postcard::Error> {
    let old: SessionV1 = postcard::from_bytes(body)?;
    let mut nonce = [0; 16];
    nonce.copy_from_slice(&blake3::hash(body).as_bytes()[..16]);
    Ok(Session {
        customer: old.customer,
        secrets: old.secrets,
        known: old.known,
        offered: old.offered,
        run: old.run.map(|run| {
            Box::new(Run {
                proc: run.proc,
                pc: run.pc,
                stack: run.stack,
                wait: run.wait,
                tries: run.tries,
                effect: run.effect,
                result: run.result,
                failed: run.failed,
                // Format 1 had no lock: a run resumed from it was never approved under
                // the lock rule, and nothing had been refused.
                approved: false,
                refused: None,
                // Revision 2's run state did not exist: no HTTP status, failure or
                // `then` was pending.
                status: None,
                failure: None,
                then: None,
            })
        }),
        requests: old.requests,
        nonce,
        ..Session::default()
    })
}

/// Encodes `session` as format 1 did (its body, without the header): what a procc of
/// that format wrote, for the tests of the upgrade.
#[cfg(test)]
pub(super) fn encode(session: &Session) -> Vec<u8> {
    let old = SessionV1 {
        customer: session.customer.clone(),
        secrets: session.secrets.clone(),
        known: session.known.clone(),
        offered: session.offered.clone(),
        run: session.run.as_ref().map(|run| {
            Box::new(RunV1 {
                proc: run.proc,
                pc: run.pc,
                stack: run.stack.clone(),
                wait: run.wait,
                tries: run.tries,
                effect: run.effect,
                result: run.result.clone(),
                failed: run.failed,
            })
        }),
        requests: session.requests,
    };
    postcard::to_allocvec(&old).unwrap_or_default()
}
