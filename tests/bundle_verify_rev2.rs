//! The verifier over revision 2's control flow: outcome chunks, `if` (`JumpUnless` over
//! a condition chunk), `Fail` and `then`. Rule 2's dominance proof still holds across
//! the new branches; `then` cycles and misplaced statements are refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking
mod common;

use common::{REDIRECT_BODY, REFUND_BODY, chunk, good};
use procc::bundle::{Rule, verify};
use procc::codegen::isa::{
    Approver, BinaryOp, FailureField, Instr, Method, Outcome, OutcomeChunks, Reason, RequestSpec,
};
use procc::codegen::module::Module;

fn refused(m: &Module) -> procc::bundle::VerifyError {
    match verify(m) {
        Ok(()) => panic!("the module verified but should have been refused"),
        Err(e) => e,
    }
}

/// Adds a chunk, returning its index.
fn add(m: &mut Module, code: Vec<Instr>) -> u32 {
    m.chunks.push(chunk(code));
    (m.chunks.len() - 1) as u32
}

/// `customer.orders > 1` as a condition chunk.
fn orders_above_one(m: &mut Module) -> u32 {
    add(
        m,
        vec![
            Instr::LoadCustomer(1),
            Instr::Const(0),
            Instr::Binary(BinaryOp::Gt),
            Instr::Return,
        ],
    )
}

fn request() -> Instr {
    Instr::Request(RequestSpec {
        method: Method::Post,
        timeout_ms: 1000,
        retry: 0,
    })
}

#[test]
fn an_if_that_can_skip_the_approval_is_refused() {
    use Instr::*;
    let mut m = good();
    let cond = orders_above_one(&mut m);
    m.chunks[REFUND_BODY] = chunk(vec![
        JumpUnless { cond, target: 3 }, // 0: skip the approval for small customers
        Str(1),                         // 1
        Approve(Approver::Customer),    // 2
        Str(2),                         // 3: both paths meet here
        MakeObject(0),
        MakeObject(0),
        MakeObject(0),
        request(), // 7
        Await,
        Done(Outcome::Completed),
    ]);
    let e = refused(&m);
    assert_eq!(e.rule, Rule::UnapprovedEffect);
    assert_eq!(e.instr, Some(7));
}

#[test]
fn an_if_after_the_approval_keeps_the_proof() {
    use Instr::*;
    let mut m = good();
    let cond = orders_above_one(&mut m);
    m.chunks[REFUND_BODY] = chunk(vec![
        Str(1),
        Approve(Approver::Staff),
        JumpUnless { cond, target: 9 }, // 2
        Str(2),
        MakeObject(0),
        MakeObject(0),
        MakeObject(0),
        request(),
        Await,
        Str(7), // 9
        Say,
        Done(Outcome::Completed),
    ]);
    assert_eq!(verify(&m), Ok(()));
}

#[test]
fn a_condition_must_be_a_bool() {
    let mut m = good();
    let cond = add(&mut m, vec![Instr::Str(0), Instr::Return]);
    let code = &mut m.chunks[REDIRECT_BODY].code;
    code.insert(0, Instr::JumpUnless { cond, target: 1 });
    // The redirect body's own jump moves with it.
    code[3] = Instr::JumpIfPresent(5);
    assert_eq!(refused(&m).rule, Rule::ReturnType);
}

#[test]
fn then_cycles_are_refused() {
    let mut m = good();
    let failure = add(&mut m, vec![Instr::Then(1), Instr::Done(Outcome::Failed)]);
    m.procedures[0].outcomes.failure = Some(failure);
    assert_eq!(verify(&m), Ok(()), "refund → see_pricing alone is fine");
    let code = &mut m.chunks[REDIRECT_BODY].code;
    let done = code.len() - 1;
    code.insert(done, Instr::Then(0));
    let e = refused(&m);
    assert_eq!(e.rule, Rule::ThenCycle);
    assert!(e.to_string().contains("then_cycle"), "{e}");
}

#[test]
fn a_procedure_handing_over_to_itself_is_refused() {
    let mut m = good();
    let code = &mut m.chunks[REDIRECT_BODY].code;
    let done = code.len() - 1;
    code.insert(done, Instr::Then(1));
    assert_eq!(refused(&m).rule, Rule::ThenCycle);
}

#[test]
fn then_in_on_cancelled_is_refused() {
    let mut m = good();
    let cancelled = add(
        &mut m,
        vec![Instr::Then(1), Instr::Done(Outcome::Cancelled)],
    );
    m.procedures[0].outcomes.cancelled = Some(cancelled);
    assert_eq!(refused(&m).rule, Rule::ThenCycle);
}

/// One case: which outcome chunk to set, its code, and the rule it breaks (if any).
type OutcomeCase = (fn(&mut OutcomeChunks, u32), Vec<Instr>, Option<Rule>);

#[test]
fn outcome_chunks_hold_only_statements_and_end_with_their_outcome() {
    use Instr::*;
    let cases: Vec<OutcomeCase> = vec![
        (
            |o, c| o.failure = Some(c),
            vec![
                LoadFailure(FailureField::Reason),
                Say,
                Done(Outcome::Failed),
            ],
            None,
        ),
        (
            |o, c| o.denied = Some(c),
            vec![Str(7), Say, Offer(1), Done(Outcome::Denied)],
            None,
        ),
        (
            |o, c| o.failure = Some(c),
            vec![Str(8), Redirect, Done(Outcome::Failed)],
            Some(Rule::InstructionNotAllowed),
        ),
        (
            |o, c| o.denied = Some(c),
            vec![Collect(0), Done(Outcome::Denied)],
            Some(Rule::InstructionNotAllowed),
        ),
        (
            |o, c| o.denied = Some(c),
            vec![
                LoadFailure(FailureField::Status),
                Pop,
                Done(Outcome::Denied),
            ],
            Some(Rule::InstructionNotAllowed),
        ),
        (
            |o, c| o.cancelled = Some(c),
            vec![Fail(Reason::Action)],
            Some(Rule::InstructionNotAllowed),
        ),
        (
            |o, c| o.denied = Some(c),
            vec![Done(Outcome::Completed)],
            Some(Rule::BadOutcome),
        ),
        (
            |o, c| o.failure = Some(c),
            vec![LoadSecret(0), Say, Done(Outcome::Failed)],
            Some(Rule::SecretLeak),
        ),
    ];
    for (set, code, expected) in cases {
        let mut m = good();
        let c = add(&mut m, code.clone());
        set(&mut m.procedures[0].outcomes, c);
        match expected {
            None => assert_eq!(verify(&m), Ok(()), "{code:?}"),
            Some(rule) => assert_eq!(refused(&m).rule, rule, "{code:?}"),
        }
    }
}

#[test]
fn the_failure_is_readable_only_in_on_failure() {
    let mut m = good();
    let code = &mut m.chunks[REDIRECT_BODY].code;
    code.insert(0, Instr::LoadFailure(FailureField::Reason));
    code.insert(1, Instr::Pop);
    code[4] = Instr::JumpIfPresent(6);
    assert_eq!(refused(&m).rule, Rule::InstructionNotAllowed);
}

#[test]
fn a_body_fails_with_fail_not_done_failed() {
    let mut m = good();
    *m.chunks[REDIRECT_BODY].code.last_mut().unwrap() = Instr::Done(Outcome::Failed);
    assert_eq!(refused(&m).rule, Rule::BadOutcome);
    let mut m = good();
    *m.chunks[REDIRECT_BODY].code.last_mut().unwrap() = Instr::Fail(Reason::Missing);
    assert_eq!(verify(&m), Ok(()));
}
