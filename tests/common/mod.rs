//! Hand-built modules shared by the bundle tests.
#![allow(dead_code)]

use procc::codegen::isa::{Approver, Chunk, Instr, Method, Outcome, Reason, RequestSpec};
use procc::codegen::module::{
    AudienceDef, BaseType, FieldDef, Kind, Knowledge, Module, ProcDef, TriggerIndex, TypeDef,
    VarDef, builtin_type_defs,
};

/// A chunk from code.
pub(crate) fn chunk(code: Vec<Instr>) -> Chunk {
    Chunk {
        code,
        lines: vec![(0, 1)],
        file: 0,
    }
}

/// Index of the refund procedure's body chunk in [`good`].
pub(crate) const REFUND_BODY: usize = 1;
/// Index of the redirect procedure's body chunk in [`good`].
pub(crate) const REDIRECT_BODY: usize = 3;

/// A module that verifies: an irreversible api_call `refund` with approval, a secret
/// header and a failure branch; a `redirect` procedure; a conversation variable.
pub(crate) fn good() -> Module {
    let strings: Vec<String> = [
        "Refund",                             // 0
        "Refund order?",                      // 1
        "https://api.example/refunds",        // 2
        "Authorization",                      // 3
        "Bearer ",                            // 4
        "Done: ",                             // 5
        "refund_id",                          // 6
        "Sorry",                              // 7
        "Pricing",                            // 8
        "https://shop.example/pricing?plan=", // 9
        "What's your email?",                 // 10
        "enterprise",                         // 11
        "^[^@]+@[^@]+$",                      // 12
        "That is not an email.",              // 13
        "order",                              // 14
    ]
    .map(String::from)
    .to_vec();
    use Instr::*;
    let chunks = vec![
        // 0: refund label
        chunk(vec![Str(0), Return]),
        // 1: refund body
        chunk(vec![
            Collect(0),
            Str(1),
            Approve(Approver::Customer),
            Str(2),
            Str(3),
            Str(4),
            LoadSecret(0),
            Concat(2),
            MakeObject(1),
            MakeObject(0),
            Str(14),
            LoadVar(0),
            MakeObject(1),
            Request(RequestSpec {
                method: Method::Post,
                timeout_ms: 5000,
                retry: 2,
            }),
            Await,
            JumpIfFailed(22),
            Str(5),
            LoadResult,
            GetField(6),
            Concat(2),
            Say,
            Done(Outcome::Completed),
            Str(7), // 22
            Say,
            Fail(Reason::Action),
        ]),
        // 2: redirect label
        chunk(vec![Str(8), Return]),
        // 3: redirect body: the URL uses the customer's plan, or "free" when absent
        chunk(vec![
            Str(9),
            LoadCustomer(0),
            JumpIfPresent(4),
            Str(11),
            UrlEncode, // 4: a value in a URL is percent-encoded (§7)
            Concat(2),
            Redirect,
            Done(Outcome::Completed),
        ]),
        // 4: email prompt
        chunk(vec![Str(10), Return]),
        // 5: audience: customer.plan == "enterprise" and customer.orders > 1
        chunk(vec![
            LoadCustomer(0),
            Str(11),
            Binary(procc::codegen::isa::BinaryOp::Eq),
            JumpIfFalseKeep(7),
            LoadCustomer(1),
            Const(0),
            Binary(procc::codegen::isa::BinaryOp::Gt),
            Return,
        ]),
        // 6: email check
        chunk(vec![LoadValue, Matches(12), Return]),
        // 7: email check message
        chunk(vec![Str(13), Return]),
    ];
    let mut types = builtin_type_defs();
    types.push(TypeDef {
        name: "email".into(),
        base: BaseType::Text,
        parent: Some(0),
        choices: vec![],
        check: Some(procc::codegen::module::CheckDef {
            cond: 6,
            message: 7,
        }),
        shape: procc::codegen::module::Shape::Scalar,
    });
    Module {
        files: vec!["test.proc".into()],
        strings,
        consts: vec![procc::codegen::isa::Const::Int(1)],
        chunks,
        types,
        customer: vec![
            FieldDef {
                name: "plan".into(),
                ty: 0,
                optional: true,
            },
            FieldDef {
                name: "orders".into(),
                ty: 1,
                optional: false,
            },
        ],
        secrets: vec!["shop_token".into()],
        sources: vec![Knowledge {
            name: "pricing_page".into(),
            id: "src_pricing".into(),
        }],
        faqs: vec![Knowledge {
            name: "refunds".into(),
            id: "faq_refunds".into(),
        }],
        topics: vec![],
        components: vec![],
        audiences: vec![AudienceDef {
            name: "enterprise".into(),
            cond: 5,
        }],
        vars: vec![VarDef {
            name: "email".into(),
            ty: 6,
            optional: false,
            owner: None,
            ask: Some(4),
            when: None,
            checks: vec![],
            default: None,
            attempts: 3,
            choices: None,
            suggestions: None,
            invalid: None,
            deps: vec![],
            lookup: None,
            validations: vec![],
        }],
        procedures: vec![
            ProcDef {
                name: "refund".into(),
                kind: Kind::ApiCall,
                label: 0,
                description: None,
                escalation: false,
                irreversible: true,
                audiences: vec![0],
                when: None,
                body: 1,
                outcomes: Default::default(),
                collects: vec![0],
                requires: vec![],
                returns: vec![FieldDef {
                    name: "refund_id".into(),
                    ty: 0,
                    optional: false,
                }],
            },
            ProcDef {
                name: "see_pricing".into(),
                kind: Kind::Redirect,
                label: 2,
                description: Some(8),
                escalation: false,
                irreversible: false,
                audiences: vec![],
                when: None,
                body: 3,
                outcomes: Default::default(),
                collects: vec![],
                requires: vec![],
                returns: vec![],
            },
        ],
        triggers: TriggerIndex {
            always: vec![],
            negative_feedback: vec![],
            unanswered: vec![1],
            by_source: vec![vec![1]],
            by_faq: vec![vec![0]],
        },
    }
}
