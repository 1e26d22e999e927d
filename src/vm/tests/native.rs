//! Differential tests: native guards and the interpreter agree exactly — true, false,
//! a run-time error, or a value that is not a bool — on random expressions (the
//! supported subset, some unsupported instructions, random raw bytecode) and random
//! inputs (absent values, overflow edges, NaN, lists, JSON).

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::json;

use crate::codegen::isa::{BinaryOp, Builtin, Chunk, Const, Instr, UnaryOp};
use crate::codegen::module::{AudienceDef, Module, VarDef, builtin_type_defs};
use crate::vm::eval::{Env, eval};
use crate::vm::program::Program;
use crate::vm::session::Session;
use crate::vm::value::Value;

use crate::vm::eval::native_inputs;
use crate::vm::jit::{Verdict, run};

/// The constant pool every test module has.
fn consts() -> Vec<Const> {
    vec![
        Const::Int(0),
        Const::Int(1),
        Const::Int(-1),
        Const::Int(i64::MAX),
        Const::Int(i64::MIN),
        Const::Int(42),
        Const::Number(0.5),
        Const::Number(-0.0),
        Const::Number(1e308),
        Const::Number(f64::NAN),
        Const::Bool(true),
        Const::Bool(false),
        Const::Date(0),
        Const::Date(19_723),
        Const::Absent,
        Const::Number(f64::INFINITY),
    ]
}

/// The string pool; the last one is a regex.
fn strings() -> Vec<String> {
    [
        "",
        "a",
        "pro",
        "NL",
        "enterprise",
        "2024-01-01",
        "ab",
        "é",
        "Europe/Amsterdam",
        "^[a-z]+$",
    ]
    .map(String::from)
    .to_vec()
}

const REGEX: u32 = 9;
const CUSTOMER: u32 = 4;
const VARS: u32 = 3;

/// A module whose only audience is `code`.
fn module(code: Vec<Instr>) -> Module {
    let var = |i: u32| VarDef {
        name: format!("v{i}"),
        ty: 0,
        optional: true,
        owner: None,
        ask: None,
        when: None,
        checks: Vec::new(),
        default: None,
        attempts: 3,
        choices: None,
        suggestions: None,
        invalid: None,
        deps: Vec::new(),
    };
    Module {
        strings: strings(),
        consts: consts(),
        chunks: vec![Chunk {
            code,
            ..Chunk::default()
        }],
        types: builtin_type_defs(),
        audiences: vec![AudienceDef {
            name: "a".into(),
            cond: 0,
        }],
        vars: (0..VARS).map(var).collect(),
        ..Module::default()
    }
}

/// An expression tree that compiles to the bytecode the code generator emits.
#[derive(Clone, Debug)]
enum E {
    Const(u32),
    Str(u32),
    Var(u32),
    Customer(u32),
    Value,
    Unary(UnaryOp, Box<E>),
    Binary(BinaryOp, Box<E>, Box<E>),
    And(Box<E>, Box<E>),
    Or(Box<E>, Box<E>),
    Coalesce(Box<E>, Box<E>),
    /// `cond ? a : b` with `JumpIfFalse`/`Jump`: merges of different tags.
    If(Box<E>, Box<E>, Box<E>),
    InList(Box<E>, Vec<E>),
    Call(Builtin, Vec<E>),
    ListLen(Vec<E>),
    Matches(Box<E>),
    Exists(Box<E>),
    /// Outside the subset: the chunk stays interpreted.
    Unsupported(Box<E>),
}

fn emit(e: &E, code: &mut Vec<Instr>) {
    let patch = |code: &mut Vec<Instr>, at: usize| {
        let end = code.len() as u32;
        code[at] = match code[at] {
            Instr::JumpIfFalseKeep(_) => Instr::JumpIfFalseKeep(end),
            Instr::JumpIfTrueKeep(_) => Instr::JumpIfTrueKeep(end),
            Instr::JumpIfPresent(_) => Instr::JumpIfPresent(end),
            Instr::JumpIfFalse(_) => Instr::JumpIfFalse(end),
            _ => Instr::Jump(end),
        };
    };
    match e {
        E::Const(i) => code.push(Instr::Const(*i)),
        E::Str(i) => code.push(Instr::Str(*i)),
        E::Var(i) => code.push(Instr::LoadVar(*i)),
        E::Customer(i) => code.push(Instr::LoadCustomer(*i)),
        E::Value => code.push(Instr::LoadValue),
        E::Unary(op, a) => {
            emit(a, code);
            code.push(Instr::Unary(*op));
        }
        E::Binary(op, a, b) => {
            emit(a, code);
            emit(b, code);
            code.push(Instr::Binary(*op));
        }
        E::And(a, b) | E::Or(a, b) | E::Coalesce(a, b) => {
            emit(a, code);
            let at = code.len();
            code.push(match e {
                E::And(..) => Instr::JumpIfFalseKeep(0),
                E::Or(..) => Instr::JumpIfTrueKeep(0),
                _ => Instr::JumpIfPresent(0),
            });
            emit(b, code);
            patch(code, at);
        }
        E::If(c, a, b) => {
            emit(c, code);
            let at_else = code.len();
            code.push(Instr::JumpIfFalse(0));
            emit(a, code);
            let at_end = code.len();
            code.push(Instr::Jump(0));
            patch(code, at_else);
            emit(b, code);
            patch(code, at_end);
        }
        E::InList(needle, items) => {
            emit(needle, code);
            items.iter().for_each(|item| emit(item, code));
            code.push(Instr::MakeList(items.len() as u16));
            code.push(Instr::Binary(BinaryOp::In));
        }
        E::Call(builtin, args) => {
            args.iter().for_each(|arg| emit(arg, code));
            code.push(Instr::Call(*builtin, args.len() as u8));
        }
        E::ListLen(items) => {
            items.iter().for_each(|item| emit(item, code));
            code.push(Instr::MakeList(items.len() as u16));
            code.push(Instr::Call(Builtin::Len, 1));
        }
        E::Matches(a) => {
            emit(a, code);
            code.push(Instr::Matches(REGEX));
        }
        E::Exists(a) => {
            emit(a, code);
            code.push(Instr::Exists);
        }
        E::Unsupported(a) => {
            emit(a, code);
            code.push(Instr::Call(Builtin::Lower, 1));
        }
    }
}

fn compile(e: &E) -> Vec<Instr> {
    let mut code = Vec::new();
    emit(e, &mut code);
    code.push(Instr::Return);
    code
}

fn leaf() -> impl Strategy<Value = E> {
    prop_oneof![
        (0..consts().len() as u32).prop_map(E::Const),
        (0..strings().len() as u32).prop_map(E::Str),
        (0..VARS).prop_map(E::Var),
        (0..CUSTOMER + 1).prop_map(E::Customer),
        Just(E::Value),
    ]
}

fn binary_op() -> impl Strategy<Value = BinaryOp> {
    prop_oneof![
        Just(BinaryOp::Eq),
        Just(BinaryOp::Ne),
        Just(BinaryOp::Lt),
        Just(BinaryOp::Le),
        Just(BinaryOp::Gt),
        Just(BinaryOp::Ge),
        Just(BinaryOp::In),
        Just(BinaryOp::Add),
        Just(BinaryOp::Sub),
        Just(BinaryOp::Mul),
        Just(BinaryOp::Div),
    ]
}

/// Expressions in the supported subset (with `unsupported`, some outside it).
fn expr(unsupported: bool) -> impl Strategy<Value = E> {
    leaf().prop_recursive(4, 32, 3, move |inner| {
        let b = |e: E| Box::new(e);
        let mut options = vec![
            (
                prop_oneof![Just(UnaryOp::Not), Just(UnaryOp::Neg)],
                inner.clone(),
            )
                .prop_map(move |(op, a)| E::Unary(op, b(a)))
                .boxed(),
            (binary_op(), inner.clone(), inner.clone())
                .prop_map(move |(op, x, y)| E::Binary(op, b(x), b(y)))
                .boxed(),
            (inner.clone(), inner.clone())
                .prop_map(move |(x, y)| E::And(b(x), b(y)))
                .boxed(),
            (inner.clone(), inner.clone())
                .prop_map(move |(x, y)| E::Or(b(x), b(y)))
                .boxed(),
            (inner.clone(), inner.clone())
                .prop_map(move |(x, y)| E::Coalesce(b(x), b(y)))
                .boxed(),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(move |(c, x, y)| E::If(b(c), b(x), b(y)))
                .boxed(),
            (inner.clone(), prop::collection::vec(inner.clone(), 0..4))
                .prop_map(move |(n, items)| E::InList(b(n), items))
                .boxed(),
            call2(
                &[Builtin::Contains, Builtin::StartsWith, Builtin::EndsWith],
                inner.clone(),
            ),
            inner
                .clone()
                .prop_map(|x| E::Call(Builtin::Len, vec![x]))
                .boxed(),
            prop::collection::vec(inner.clone(), 0..3)
                .prop_map(E::ListLen)
                .boxed(),
            inner.clone().prop_map(move |x| E::Matches(b(x))).boxed(),
            inner.clone().prop_map(move |x| E::Exists(b(x))).boxed(),
        ];
        if unsupported {
            // Revision 2's built-ins (dates, the clock of the session's `at`, `join`) are
            // not in the native subset: a guard using them falls back to the interpreter,
            // whose answer the native tier must still never contradict.
            options.extend(revision_2_calls(inner.clone()));
            options.push(inner.prop_map(move |x| E::Unsupported(b(x))).boxed());
        }
        prop::strategy::Union::new(options)
    })
}

/// Calls of one of these two-argument built-ins on two expressions.
fn call2(builtins: &[Builtin], inner: BoxedStrategy<E>) -> BoxedStrategy<E> {
    (
        prop::sample::select(builtins.to_vec()),
        inner.clone(),
        inner,
    )
        .prop_map(|(f, x, y)| E::Call(f, vec![x, y]))
        .boxed()
}

/// Calls of `add_days`, `days_between`, `join`, `weekday`, `today` and `hour`.
fn revision_2_calls(inner: BoxedStrategy<E>) -> Vec<BoxedStrategy<E>> {
    vec![
        call2(
            &[Builtin::AddDays, Builtin::DaysBetween, Builtin::Join],
            inner.clone(),
        ),
        inner
            .clone()
            .prop_map(|x| E::Call(Builtin::Weekday, vec![x]))
            .boxed(),
        (
            prop_oneof![Just(Builtin::Today), Just(Builtin::Hour)],
            prop::collection::vec(inner.clone(), 0..2),
        )
            .prop_map(|(f, args)| E::Call(f, args))
            .boxed(),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    let text = prop_oneof![
        Just(""),
        Just("a"),
        Just("pro"),
        Just("NL"),
        Just("2024-01-01"),
        Just("ab"),
        Just("é"),
        Just("B"),
        Just("abcdefg"),
        Just("abcdefh"),
        Just("bbcdefg"),
        Just("enterprisE"),
        Just("a text longer than the inline compare limit")
    ]
    .prop_map(|t| Value::Text(t.to_owned()));
    let int = prop_oneof![
        Just(0i64),
        Just(1),
        Just(-1),
        Just(2),
        Just(i64::MAX),
        Just(i64::MIN),
        Just(1 << 53),
        any::<i64>()
    ]
    .prop_map(Value::Int);
    let number = prop_oneof![
        Just(0.0f64),
        Just(-0.0),
        Just(0.5),
        Just(1.0),
        Just(f64::NAN),
        Just(1e308),
        Just(-1e308),
        Just(f64::MIN_POSITIVE),
        any::<f64>()
    ]
    .prop_map(Value::Number);
    prop_oneof![
        Just(Value::Absent),
        text,
        int,
        number,
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![Just(0i32), Just(19_723), Just(i32::MIN), Just(i32::MAX)].prop_map(Value::Date),
        Just(Value::List(vec![Value::Int(1), Value::Text("a".into())])),
        Just(Value::json(json!({"a": 1}))),
        Just(Value::json(json!(3))),
        Just(Value::Text("Europe/Amsterdam".into())),
        Just(Value::Text("2026-03-02".into())),
        Just(Value::List(vec![Value::Date(1), Value::Int(2)])),
    ]
}

/// A session and the `value` of a check.
fn inputs() -> impl Strategy<Value = (Session, Option<Value>, bool)> {
    (
        prop::collection::vec(value(), CUSTOMER as usize),
        prop::collection::btree_map(0..VARS, value(), 0..VARS as usize),
        prop::option::of(value()),
        any::<bool>(),
        prop::option::of(any::<i32>()),
    )
        .prop_map(|(customer, known, value, candidate, at)| {
            let session = Session {
                customer,
                known: known.into_iter().collect::<BTreeMap<_, _>>(),
                // The input's time (`today()`, `hour()`), or none (a run-time error).
                at: at.and_then(|s| jiff::Timestamp::from_second(i64::from(s) * 97).ok()),
                ..Session::default()
            };
            (session, value, candidate)
        })
}

/// The interpreter's answer, in the native tier's terms.
fn interpreted(env: &Env<'_>) -> Verdict {
    match eval(env, 0) {
        Ok(Value::Bool(true)) => Verdict::True,
        Ok(Value::Bool(false)) => Verdict::False,
        Ok(_) => Verdict::NotBool,
        Err(_) => Verdict::Error,
    }
}

/// Checks one chunk on one input: the native verdict, unless it falls back, is the
/// interpreter's. Returns whether the chunk was compiled.
fn agree(
    program: &Program,
    session: &Session,
    value: Option<&Value>,
    candidate: bool,
) -> Result<bool, TestCaseError> {
    let env = Env {
        prog: program,
        session,
        value,
        candidate: value.filter(|_| candidate).map(|_| 0),
    };
    let expected = interpreted(&env);
    let Some(guard) = program.native_guard(0) else {
        return Ok(false);
    };
    let native = run(guard, native_inputs(&env));
    if native != Verdict::Fallback {
        prop_assert_eq!(native, expected);
    }
    prop_assert_eq!(
        crate::vm::eval::eval_guard(&env, 0),
        expected == Verdict::True
    );
    Ok(true)
}

fn raw_instr() -> impl Strategy<Value = Instr> {
    prop_oneof![
        (0..consts().len() as u32 + 1).prop_map(Instr::Const),
        (0..strings().len() as u32 + 1).prop_map(Instr::Str),
        (0..VARS + 1).prop_map(Instr::LoadVar),
        (0..CUSTOMER + 1).prop_map(Instr::LoadCustomer),
        Just(Instr::LoadValue),
        (0..4u16).prop_map(Instr::MakeList),
        Just(Instr::Pop),
        Just(Instr::Dup),
        Just(Instr::Unary(UnaryOp::Not)),
        binary_op().prop_map(Instr::Binary),
        (0..3u8).prop_map(|n| Instr::Call(Builtin::Len, n)),
        Just(Instr::Call(Builtin::Contains, 2)),
        (0..3u8).prop_map(|n| Instr::Call(Builtin::Today, n)),
        Just(Instr::Call(Builtin::DaysBetween, 2)),
        Just(Instr::Call(Builtin::Join, 2)),
        Just(Instr::Matches(REGEX)),
        Just(Instr::Matches(0)),
        Just(Instr::Exists),
        (0..12u32).prop_map(Instr::Jump),
        (0..12u32).prop_map(Instr::JumpIfFalse),
        (0..12u32).prop_map(Instr::JumpIfFalseKeep),
        (0..12u32).prop_map(Instr::JumpIfTrueKeep),
        (0..12u32).prop_map(Instr::JumpIfPresent),
        Just(Instr::Return),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn supported_expressions_compile_and_agree(
        e in expr(false),
        cases in prop::collection::vec(inputs(), 8),
    ) {
        let program = Program::unverified(module(compile(&e)), true).expect("module is valid");
        prop_assert_eq!(program.native_guards(), 1, "not compiled: {:?}", e);
        for (session, value, candidate) in &cases {
            agree(&program, session, value.as_ref(), *candidate)?;
        }
    }

    #[test]
    fn any_expression_agrees(
        e in expr(true),
        cases in prop::collection::vec(inputs(), 4),
    ) {
        let program = Program::unverified(module(compile(&e)), true).expect("module is valid");
        for (session, value, candidate) in &cases {
            agree(&program, session, value.as_ref(), *candidate)?;
        }
    }

    #[test]
    fn raw_bytecode_never_crashes_and_agrees(
        mut code in prop::collection::vec(raw_instr(), 0..12),
        cases in prop::collection::vec(inputs(), 4),
    ) {
        code.push(Instr::Return);
        let program = Program::unverified(module(code), true).expect("module is valid");
        for (session, value, candidate) in &cases {
            agree(&program, session, value.as_ref(), *candidate)?;
        }
    }
}

/// A guard the benchmarks use compiles, and decides natively on plain inputs.
#[test]
fn benchmark_shapes_compile() {
    // customer.plan == "pro" and customer.orders > 0
    let code = vec![
        Instr::LoadCustomer(0),
        Instr::Str(2),
        Instr::Binary(BinaryOp::Eq),
        Instr::JumpIfFalseKeep(7),
        Instr::LoadCustomer(1),
        Instr::Const(0),
        Instr::Binary(BinaryOp::Gt),
        Instr::Return,
    ];
    let program = Program::unverified(module(code), true).expect("valid");
    assert_eq!(program.native_guards(), 1);
    let guard = program.native_guard(0).expect("compiled");
    let mut session = Session {
        customer: vec![Value::Text("pro".into()), Value::Int(3)],
        ..Session::default()
    };
    assert_eq!(
        run(guard, native_inputs(&Env::new(&program, &session))),
        Verdict::True
    );
    session.customer[1] = Value::Int(0);
    assert_eq!(
        run(guard, native_inputs(&Env::new(&program, &session))),
        Verdict::False
    );
    session.customer[1] = Value::Text("x".into());
    assert_eq!(
        run(guard, native_inputs(&Env::new(&program, &session))),
        Verdict::Error
    );
    session.customer.truncate(1);
    // Fewer attributes than the chunk reads: the interpreter decides (an error, so
    // false).
    assert_eq!(
        run(guard, native_inputs(&Env::new(&program, &session))),
        Verdict::Fallback
    );
    assert!(!program.eval_guard(0, &session));
    session.customer[0] = Value::json(json!("pro"));
    assert_eq!(
        run(guard, native_inputs(&Env::new(&program, &session))),
        Verdict::Fallback
    );
    assert!(!program.eval_guard(0, &session));
    let interpreted = Program::unverified(module(Vec::new()), false).expect("valid");
    assert_eq!(interpreted.native_guards(), 0);
}

/// `text in [constants]` decides natively, with constants of several lengths, some
/// sharing one: every input gets the answer of a plain Rust `contains`.
#[test]
fn text_lists_decide_natively() {
    let constants = [3, 6, 7, 1, 0, 3];
    let mut code = vec![Instr::LoadCustomer(0)];
    code.extend(constants.map(Instr::Str));
    code.extend([
        Instr::MakeList(constants.len() as u16),
        Instr::Binary(BinaryOp::In),
        Instr::Return,
    ]);
    let program = Program::unverified(module(code), true).expect("valid");
    let guard = program.native_guard(0).expect("compiled");
    let pool = strings();
    let listed: Vec<&str> = constants
        .iter()
        .map(|&i| pool[i as usize].as_str())
        .collect();
    for text in [
        "NL",
        "ab",
        "é",
        "a",
        "",
        "NM",
        "b",
        "abc",
        "N",
        "enterprise",
    ] {
        let session = Session {
            customer: vec![Value::Text(text.into())],
            ..Session::default()
        };
        let expected = if listed.contains(&text) {
            Verdict::True
        } else {
            Verdict::False
        };
        assert_eq!(
            run(guard, native_inputs(&Env::new(&program, &session))),
            expected,
            "{text:?}"
        );
    }
}

/// A guard with the clock and date built-ins is not compiled: it falls back, and the
/// interpreter reads the session's `at` (none: a run-time error, so the guard is false).
#[test]
fn date_built_ins_fall_back_to_the_interpreter() {
    // days_between(1970-01-01, today("Europe/Amsterdam")) > 1
    let code = vec![
        Instr::Const(12),
        Instr::Str(8),
        Instr::Call(Builtin::Today, 1),
        Instr::Call(Builtin::DaysBetween, 2),
        Instr::Const(1),
        Instr::Binary(BinaryOp::Gt),
        Instr::Return,
    ];
    let program = Program::unverified(module(code), true).expect("module is valid");
    assert_eq!(program.native_guards(), 0);
    let at = crate::calendar::parse_instant("2026-03-02T23:30:00Z");
    let with_time = Session {
        at,
        ..Session::default()
    };
    assert_eq!(
        eval(&Env::new(&program, &with_time), 0),
        Ok(Value::Bool(true))
    );
    assert!(crate::vm::eval::eval_guard(
        &Env::new(&program, &with_time),
        0
    ));
    let without = Session::default();
    assert!(eval(&Env::new(&program, &without), 0).is_err());
    assert!(!crate::vm::eval::eval_guard(
        &Env::new(&program, &without),
        0
    ));
}
