//! The verifier refuses every kind of unsafe module, naming the rule, and accepts good ones.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test fails by panicking
mod common;

use common::{REDIRECT_BODY, REFUND_BODY, chunk, good};
use procc::bundle::{Rule, verify};
use procc::codegen::isa::{Approver, Instr, Method, Outcome, RequestSpec};
use procc::codegen::module::Module;

fn refused(m: &Module) -> procc::bundle::VerifyError {
    match verify(m) {
        Ok(()) => panic!("the module verified but should have been refused"),
        Err(e) => e,
    }
}

fn body(m: &mut Module, i: usize) -> &mut Vec<Instr> {
    &mut m.chunks[i].code
}

#[test]
fn the_good_module_verifies() {
    assert_eq!(verify(&good()), Ok(()));
}

#[test]
fn irreversible_effect_without_approval_is_refused() {
    let mut m = good();
    // Replace the prompt and the approval by something stack-neutral.
    body(&mut m, REFUND_BODY)[1] = Instr::Collect(0);
    body(&mut m, REFUND_BODY)[2] = Instr::Collect(0);
    let e = refused(&m);
    assert_eq!(e.rule, Rule::MissingApproval);
    assert_eq!(e.procedure.as_deref(), Some("refund"));
}

#[test]
fn approval_on_only_one_branch_is_refused() {
    use Instr::*;
    let mut m = good();
    m.customer[0].optional = false;
    m.chunks[REFUND_BODY] = chunk(vec![
        LoadCustomer(0),             // 0
        Exists,                      // 1
        JumpIfFalse(5),              // 2: skip the approval when the plan is absent
        Str(1),                      // 3
        Approve(Approver::Customer), // 4
        Str(2),                      // 5: both paths meet here
        MakeObject(0),
        MakeObject(0),
        MakeObject(0),
        Request(RequestSpec {
            method: Method::Post,
            timeout_ms: 1000,
            retry: 0,
        }), // 9
        Await,
        Done(Outcome::Completed),
    ]);
    let e = refused(&m);
    assert_eq!(e.rule, Rule::UnapprovedEffect);
    assert_eq!(e.instr, Some(9));
    assert_eq!(e.procedure.as_deref(), Some("refund"));
    assert!(e.to_string().contains("unapproved_effect"), "{e}");
}

#[test]
fn approval_before_a_branch_is_accepted() {
    use Instr::*;
    let mut m = good();
    m.chunks[REFUND_BODY] = chunk(vec![
        Str(1),
        Approve(Approver::Staff),
        LoadCustomer(1),
        Const(0),
        Binary(procc::codegen::isa::BinaryOp::Gt),
        JumpIfFalse(12),
        Str(2),
        MakeObject(0),
        MakeObject(0),
        MakeObject(0),
        Request(RequestSpec {
            method: Method::Delete,
            timeout_ms: 1000,
            retry: 0,
        }),
        Await,
        Done(Outcome::Completed), // 12
    ]);
    assert_eq!(verify(&m), Ok(()));
}

#[test]
fn a_backward_jump_is_refused() {
    let mut m = good();
    body(&mut m, REDIRECT_BODY)[2] = Instr::JumpIfPresent(1);
    let e = refused(&m);
    assert_eq!(e.rule, Rule::BackwardJump);
    assert_eq!(e.procedure.as_deref(), Some("see_pricing"));
    assert_eq!(e.instr, Some(2));
    // A jump to itself loops just as well.
    body(&mut m, REDIRECT_BODY)[2] = Instr::JumpIfPresent(2);
    assert_eq!(refused(&m).rule, Rule::BackwardJump);
}

#[test]
fn a_jump_out_of_the_chunk_is_refused() {
    let mut m = good();
    body(&mut m, REDIRECT_BODY)[2] = Instr::JumpIfPresent(8);
    assert_eq!(refused(&m).rule, Rule::JumpOutOfChunk);
}

#[test]
fn a_secret_flowing_into_say_is_refused() {
    use Instr::*;
    let mut m = good();
    let b = body(&mut m, REFUND_BODY);
    // Say "Done: " + secret, through a Dup and a Concat.
    b[16] = LoadSecret(0);
    b[17] = Dup;
    b[18] = Pop;
    b[19] = Concat(1);
    let e = refused(&m);
    assert_eq!(e.rule, Rule::SecretLeak);
    assert_eq!(e.instr, Some(20));
    assert_eq!(e.procedure.as_deref(), Some("refund"));
}

#[test]
fn a_secret_in_the_request_url_is_refused() {
    let mut m = good();
    body(&mut m, REFUND_BODY)[3] = Instr::LoadSecret(0);
    let e = refused(&m);
    assert_eq!(e.rule, Rule::SecretLeak);
    assert_eq!(e.instr, Some(13));
}

#[test]
fn a_secret_through_a_merge_into_a_condition_is_refused() {
    use Instr::*;
    let mut m = good();
    m.chunks[REDIRECT_BODY] = chunk(vec![
        LoadCustomer(0),
        JumpIfPresent(3),
        LoadSecret(0),
        Exists, // 3: merge of plan and the secret
        JumpIfFalse(5),
        Str(9),
        Redirect,
        Done(Outcome::Completed),
    ]);
    // Index 3 merges a tainted value; `Exists` reads it: a secret enters only as itself
    // (revision 2), so the refusal comes at the `Exists`, before the condition.
    let e = refused(&m);
    assert_eq!(e.rule, Rule::SecretLeak);
    assert_eq!(e.instr, Some(3));
}

#[test]
fn a_secret_in_an_expression_chunk_is_refused() {
    let mut m = good();
    m.chunks[0].code[0] = Instr::LoadSecret(0);
    let e = refused(&m);
    assert_eq!(e.rule, Rule::SecretLeak);
    assert_eq!(e.procedure.as_deref(), Some("refund"));
}

/// A change that breaks a good module.
type Mutation = Box<dyn Fn(&mut Module)>;

#[test]
fn indexes_out_of_range_are_refused() {
    let cases: Vec<(&str, Mutation)> = vec![
        (
            "string",
            Box::new(|m| m.chunks[0].code[0] = Instr::Str(999)),
        ),
        (
            "constant",
            Box::new(|m| m.chunks[5].code[5] = Instr::Const(7)),
        ),
        (
            "variable",
            Box::new(|m| m.chunks[REFUND_BODY].code[0] = Instr::Collect(3)),
        ),
        (
            "secret",
            Box::new(|m| m.chunks[REFUND_BODY].code[6] = Instr::LoadSecret(1)),
        ),
        (
            "customer",
            Box::new(|m| m.chunks[5].code[4] = Instr::LoadCustomer(2)),
        ),
        ("procedure", Box::new(|m| m.triggers.unanswered = vec![5])),
        (
            "procedure",
            Box::new(|m| m.chunks[REFUND_BODY].code[22] = Instr::Offer(2)),
        ),
        ("chunk", Box::new(|m| m.procedures[1].body = 40)),
        ("type", Box::new(|m| m.vars[0].ty = 17)),
        ("type", Box::new(|m| m.types[6].parent = Some(9))),
        (
            "audience",
            Box::new(|m| m.procedures[0].audiences = vec![1]),
        ),
        (
            "topic",
            Box::new(|m| {
                m.procedures[1].kind = procc::codegen::module::Kind::SwitchTopic;
                m.chunks[REDIRECT_BODY].code =
                    vec![Instr::SwitchTopic(0), Instr::Done(Outcome::Completed)];
            }),
        ),
        ("variable", Box::new(|m| m.procedures[0].collects = vec![1])),
        (
            "variable",
            Box::new(|m| {
                m.vars[0].deps = vec![procc::codegen::module::Dep {
                    var: 4,
                    kind: procc::codegen::module::DepKind::Guard,
                }]
            }),
        ),
        ("file", Box::new(|m| m.chunks[2].file = 3)),
    ];
    for (what, mutate) in cases {
        let mut m = good();
        mutate(&mut m);
        let e = refused(&m);
        assert_eq!(e.rule, Rule::IndexOutOfRange, "{what}: {e}");
        assert!(e.detail.contains(what), "{what}: {e}");
    }
}

#[test]
fn the_trigger_index_must_match_the_sources() {
    let mut m = good();
    m.triggers.by_faq.clear();
    assert_eq!(refused(&m).rule, Rule::MalformedTable);
}

#[test]
fn a_type_cycle_is_refused() {
    let mut m = good();
    let mut t = m.types[6].clone();
    t.parent = Some(6);
    t.name = "loop".into();
    m.types.push(t);
    m.types[6].parent = Some(7);
    assert_eq!(refused(&m).rule, Rule::TypeChain);
}

#[test]
fn a_dependency_cycle_is_refused() {
    use procc::codegen::module::{Dep, DepKind};
    let mut m = good();
    let mut v = m.vars[0].clone();
    v.name = "other".into();
    v.deps = vec![Dep {
        var: 0,
        kind: DepKind::Guard,
    }];
    m.vars.push(v);
    m.vars[0].deps = vec![Dep {
        var: 1,
        kind: DepKind::Prompt,
    }];
    // Both variables share the prompt chunk: that is allowed.
    assert_eq!(refused(&m).rule, Rule::DependencyCycle);
}

#[test]
fn an_effect_of_the_wrong_kind_is_refused() {
    let mut m = good();
    m.procedures[1].kind = procc::codegen::module::Kind::FollowUp;
    let e = refused(&m);
    assert_eq!(e.rule, Rule::WrongKind);
    assert_eq!(e.procedure.as_deref(), Some("see_pricing"));
}

#[test]
fn effects_and_steps_in_expression_chunks_are_refused() {
    let mut m = good();
    m.chunks[0].code = vec![Instr::Str(0), Instr::Say, Instr::Str(0), Instr::Return];
    assert_eq!(refused(&m).rule, Rule::InstructionNotAllowed);
    let mut m = good();
    m.chunks[0].code = vec![Instr::Str(9), Instr::Redirect, Instr::Str(0), Instr::Return];
    assert_eq!(refused(&m).rule, Rule::InstructionNotAllowed);
    let mut m = good();
    m.chunks[4].code = vec![Instr::LoadValue, Instr::Return];
    assert_eq!(refused(&m).rule, Rule::InstructionNotAllowed);
}

#[test]
fn a_body_must_end_in_done_on_every_path() {
    let mut m = good();
    body(&mut m, REFUND_BODY).pop();
    assert_eq!(refused(&m).rule, Rule::FallsOffEnd);
    let mut m = good();
    *body(&mut m, REDIRECT_BODY).last_mut().unwrap() = Instr::Return;
    assert_eq!(refused(&m).rule, Rule::BadReturn);
    let mut m = good();
    m.chunks[0].code = vec![Instr::Str(0)];
    assert_eq!(refused(&m).rule, Rule::FallsOffEnd);
}

#[test]
fn stack_depth_and_types_are_checked() {
    use Instr::*;
    let mut m = good();
    m.chunks[0].code = vec![Str(0), Str(0), Return];
    assert_eq!(refused(&m).rule, Rule::BadReturn);
    let mut m = good();
    m.chunks[0].code = vec![Return];
    assert_eq!(refused(&m).rule, Rule::StackUnderflow);
    let mut m = good();
    m.chunks[0].code = vec![Const(0), Return];
    assert_eq!(refused(&m).rule, Rule::ReturnType);
    let mut m = good();
    // Paths meet with different depths.
    m.chunks[5].code = vec![
        LoadCustomer(0),
        JumpIfPresent(4),
        Str(0),
        Str(0),
        Pop,
        Exists,
        Return,
    ];
    assert_eq!(refused(&m).rule, Rule::StackMismatch);
    let mut m = good();
    m.chunks[REDIRECT_BODY].code = vec![Const(0), Redirect, Done(Outcome::Completed)];
    assert_eq!(refused(&m).rule, Rule::OperandType);
    let mut m = good();
    m.chunks[5].code = vec![
        Str(0),
        Const(0),
        Binary(procc::codegen::isa::BinaryOp::Sub),
        Return,
    ];
    assert_eq!(refused(&m).rule, Rule::OperandType);
    let mut m = good();
    m.chunks[5].code = vec![Str(0), JumpIfFalse(2), Const(0), Return];
    assert_eq!(refused(&m).rule, Rule::OperandType);
}

#[test]
fn a_result_read_before_await_is_refused() {
    let mut m = good();
    let b = body(&mut m, REFUND_BODY);
    b.swap(13, 14); // Await before the request
    b[13] = Instr::LoadResult;
    b[14] = Instr::Pop;
    assert_eq!(refused(&m).rule, Rule::ResultBeforeAwait);
}

#[test]
fn bad_regexes_and_request_limits_are_refused() {
    let mut m = good();
    m.strings[12] = "(".into();
    assert_eq!(refused(&m).rule, Rule::InvalidRegex);
    let mut m = good();
    body(&mut m, REFUND_BODY)[13] = Instr::Request(RequestSpec {
        method: Method::Get,
        timeout_ms: 600_000,
        retry: 0,
    });
    assert_eq!(refused(&m).rule, Rule::InvalidRequest);
}

#[test]
fn unused_chunks_and_bad_outcomes_are_refused() {
    let mut m = good();
    m.chunks.push(chunk(vec![Instr::Str(0), Instr::Return]));
    assert_eq!(refused(&m).rule, Rule::UnusedChunk);
    let mut m = good();
    *body(&mut m, REDIRECT_BODY).last_mut().unwrap() = Instr::Done(Outcome::Denied);
    assert_eq!(refused(&m).rule, Rule::BadOutcome);
}

#[test]
fn builtin_types_must_be_intact() {
    let mut m = good();
    m.types[1].base = procc::codegen::module::BaseType::Text;
    assert_eq!(refused(&m).rule, Rule::BuiltinTypes);
}

#[test]
fn errors_read_as_one_sentence() {
    let mut m = good();
    body(&mut m, REDIRECT_BODY)[2] = Instr::JumpIfPresent(1);
    let text = refused(&m).to_string();
    assert!(text.starts_with("bundle refused (backward_jump)"), "{text}");
    assert!(text.contains("procedure `see_pricing`"), "{text}");
    assert!(text.ends_with("at instruction 2."), "{text}");
}

#[test]
fn two_procedures_with_one_name_are_refused() {
    let mut m = good();
    assert!(m.procedures.len() >= 2);
    m.procedures[1].name = m.procedures[0].name.clone();
    let e = refused(&m);
    assert_eq!(e.rule, Rule::DuplicateName, "{e}");
}

#[test]
fn two_conversation_variables_with_one_name_are_refused() {
    let mut m = good();
    let mut copy = m.vars[0].clone();
    copy.ask = None;
    copy.when = None;
    copy.default = None;
    copy.checks.clear();
    copy.deps.clear();
    m.vars.push(copy);
    let e = refused(&m);
    assert_eq!(e.rule, Rule::DuplicateName, "{e}");
}

#[test]
fn a_chunk_used_twice_is_refused() {
    let mut m = good();
    let label = m.procedures[0].label;
    m.procedures[1].label = label;
    let e = refused(&m);
    // The second procedure's own label chunk is now unused, and procedure 0's is shared:
    // the sharing is found first.
    assert_eq!(e.rule, Rule::SharedChunk, "{e}");
}
