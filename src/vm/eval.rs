//! Expression evaluation: the instructions every chunk may use, and running an
//! expression chunk (guard, template, check, default) to its single value.
//!
//! Bytecode only jumps forward, so a chunk runs at most `code.len()` instructions; the
//! loop still counts fuel and refuses backward jumps, a deep stack, and any operand out
//! of range, so a malformed bundle gives a [`RuntimeError`], never a panic or a hang.

use crate::codegen::isa::{ChunkId, Const, Instr, VarId};

use super::ops::{self, RuntimeError, fail};
use super::program::Program;
use super::session::Session;
use super::value::{MAX_NESTING, Value};

/// The deepest operand stack a chunk may build.
pub(crate) const MAX_STACK: usize = 1024;

/// What an expression can read. `Copy`, so that a guard's hot path can keep it in
/// registers (see [`eval_guard`]).
#[derive(Clone, Copy)]
pub(crate) struct Env<'a> {
    /// The program.
    pub prog: &'a Program,
    /// Variables, customer attributes, secrets, the last effect's result.
    pub session: &'a Session,
    /// `value` in a check.
    pub value: Option<&'a Value>,
    /// The variable whose candidate answer `value` is while its own checks run:
    /// `LoadVar` of it reads `value`.
    pub candidate: Option<VarId>,
}

impl<'a> Env<'a> {
    /// An environment without a value under test.
    pub fn new(prog: &'a Program, session: &'a Session) -> Env<'a> {
        Env {
            prog,
            session,
            value: None,
            candidate: None,
        }
    }
}

/// What an instruction asks the loop to do next.
pub(crate) enum Flow {
    /// Go on with the next instruction.
    Next,
    /// Go on at this (forward) instruction index.
    Jump(u32),
    /// The chunk's result.
    Return(Value),
    /// A procedure step: only a body may run it.
    Step,
}

/// Pops the top of the stack.
pub(crate) fn pop(stack: &mut Vec<Value>) -> Result<Value, RuntimeError> {
    stack
        .pop()
        .ok_or_else(|| RuntimeError("operand stack underflow".into()))
}

/// Pushes, refusing to grow past [`MAX_STACK`].
pub(crate) fn push(stack: &mut Vec<Value>, value: Value) -> Result<(), RuntimeError> {
    if stack.len() >= MAX_STACK {
        return fail("operand stack overflow");
    }
    stack.push(value);
    Ok(())
}

/// Pops `n` values, first pushed first.
pub(crate) fn pop_n(stack: &mut Vec<Value>, n: usize) -> Result<Vec<Value>, RuntimeError> {
    if n > stack.len() {
        return fail("operand stack underflow");
    }
    Ok(stack.split_off(stack.len() - n))
}

fn forward(pc: usize, target: u32) -> Result<Flow, RuntimeError> {
    if (target as usize) <= pc {
        return fail(format!("jump from {pc} to {target} is not forward"));
    }
    Ok(Flow::Jump(target))
}

fn peek_bool(stack: &[Value]) -> Result<bool, RuntimeError> {
    match stack.last() {
        Some(Value::Bool(flag)) => Ok(*flag),
        Some(other) => fail(format!("expected a bool, got {}", other.kind_name())),
        None => fail("operand stack underflow"),
    }
}

/// Executes one instruction that any chunk may contain.
pub(crate) fn exec(
    env: &Env<'_>,
    stack: &mut Vec<Value>,
    pc: usize,
    instr: Instr,
) -> Result<Flow, RuntimeError> {
    let module = env.prog.module();
    match instr {
        Instr::Const(id) => {
            let value = match module.consts.get(id as usize) {
                Some(Const::Int(int)) => Value::Int(*int),
                Some(Const::Number(n)) if n.is_finite() => Value::Number(*n),
                Some(Const::Number(_)) => return fail("non-finite constant"),
                Some(Const::Bool(flag)) => Value::Bool(*flag),
                Some(Const::Date(days)) => Value::Date(*days),
                Some(Const::Absent) => Value::Absent,
                None => return fail(format!("constant {id} out of range")),
            };
            push(stack, value)?;
        }
        Instr::Str(id) => {
            let text = env.prog.string(id).ok_or_else(|| bad("string", id))?;
            push(stack, Value::Text(text.to_owned()))?;
        }
        Instr::LoadVar(var) => {
            if env.prog.var(var).is_none() {
                return Err(bad("variable", var));
            }
            let value = match (env.candidate, env.value) {
                (Some(id), Some(value)) if id == var => value.clone(),
                _ => env
                    .session
                    .known
                    .get(&var)
                    .cloned()
                    .unwrap_or(Value::Absent),
            };
            push(stack, value)?;
        }
        Instr::LoadCustomer(i) => {
            let value = env
                .session
                .customer
                .get(i as usize)
                .ok_or_else(|| bad("customer attribute", i))?;
            push(stack, value.clone())?;
        }
        Instr::LoadSecret(i) => {
            if i as usize >= module.secrets.len() {
                return Err(bad("secret", i));
            }
            let value = match env.session.secrets.get(i as usize) {
                Some(Some(secret)) => Value::Text(secret.clone()),
                _ => Value::Absent,
            };
            push(stack, value)?;
        }
        Instr::LoadValue => {
            let value = env
                .value
                .cloned()
                .ok_or_else(|| RuntimeError("no `value` here".into()))?;
            push(stack, value)?;
        }
        Instr::LoadResult => {
            let value = env
                .session
                .run
                .as_ref()
                .map_or(Value::Absent, |run| run.result.clone());
            push(stack, value)?;
        }
        Instr::GetField(id) => {
            let name = env.prog.string(id).ok_or_else(|| bad("string", id))?;
            let value = match pop(stack)? {
                Value::Json(serde_json::Value::Object(map)) => {
                    map.get(name).map_or(Value::Absent, Value::from_json)
                }
                Value::Absent => Value::Absent,
                other => return fail(format!("cannot read field {name} of {}", other.kind_name())),
            };
            push(stack, value)?;
        }
        Instr::MakeList(n) => {
            let items = pop_n(stack, n.into())?;
            push(stack, nested(Value::List(items))?)?;
        }
        Instr::MakeObject(n) => {
            let items = pop_n(stack, usize::from(n) * 2)?;
            let mut map = serde_json::Map::new();
            let mut items = items.into_iter();
            while let (Some(key), Some(value)) = (items.next(), items.next()) {
                let Value::Text(key) = key else {
                    return fail(format!("object key must be text, got {}", key.kind_name()));
                };
                map.insert(key, value.to_json());
            }
            push(stack, nested(Value::Json(serde_json::Value::Object(map)))?)?;
        }
        Instr::Concat(n) => {
            let parts = pop_n(stack, n.into())?;
            let text: String = parts.iter().map(Value::render).collect();
            push(stack, Value::Text(text))?;
        }
        Instr::Pop => {
            pop(stack)?;
        }
        Instr::Dup => {
            let top = stack
                .last()
                .cloned()
                .ok_or_else(|| RuntimeError("operand stack underflow".into()))?;
            push(stack, top)?;
        }
        Instr::Unary(op) => {
            let operand = pop(stack)?;
            push(stack, ops::unary(op, operand)?)?;
        }
        Instr::Binary(op) => {
            let right = pop(stack)?;
            let left = pop(stack)?;
            push(stack, ops::binary(op, left, right)?)?;
        }
        Instr::Call(builtin, argc) => {
            let args = pop_n(stack, argc.into())?;
            push(stack, ops::call(builtin, args)?)?;
        }
        Instr::Matches(id) => {
            let regex = env.prog.regex(id).ok_or_else(|| bad("regex", id))?;
            let matched = match pop(stack)? {
                Value::Text(text) => regex.is_match(&text),
                Value::Absent => false,
                other => return fail(format!("matches needs text, got {}", other.kind_name())),
            };
            push(stack, Value::Bool(matched))?;
        }
        Instr::Exists => {
            let present = !pop(stack)?.is_absent();
            push(stack, Value::Bool(present))?;
        }
        Instr::Jump(target) => return forward(pc, target),
        Instr::JumpIfFalse(target) => {
            let flag = peek_bool(stack)?;
            pop(stack)?;
            if !flag {
                return forward(pc, target);
            }
        }
        Instr::JumpIfFalseKeep(target) => {
            if !peek_bool(stack)? {
                return forward(pc, target);
            }
            pop(stack)?;
        }
        Instr::JumpIfTrueKeep(target) => {
            if peek_bool(stack)? {
                return forward(pc, target);
            }
            pop(stack)?;
        }
        Instr::JumpIfPresent(target) => match stack.last() {
            Some(Value::Absent) => {
                pop(stack)?;
            }
            Some(_) => return forward(pc, target),
            None => return fail("operand stack underflow"),
        },
        Instr::Return => return Ok(Flow::Return(pop(stack)?)),
        Instr::Collect(_)
        | Instr::Approve(_)
        | Instr::FollowUp
        | Instr::Redirect
        | Instr::OpenComponent(_)
        | Instr::SwitchTopic(_)
        | Instr::LiveChat
        | Instr::Request(_)
        | Instr::Javascript(_)
        | Instr::Await
        | Instr::JumpIfFailed(_)
        | Instr::Say
        | Instr::Suggest
        | Instr::Save(_)
        | Instr::Offer(_)
        | Instr::Done(_) => return Ok(Flow::Step),
    }
    Ok(Flow::Next)
}

/// Refuses a value nested beyond [`MAX_NESTING`] (forward-only code can still nest a
/// list in a list many thousand times).
fn nested(value: Value) -> Result<Value, RuntimeError> {
    if value.nesting() > MAX_NESTING {
        return fail("values nest too deeply");
    }
    Ok(value)
}

fn bad(what: &str, index: u32) -> RuntimeError {
    RuntimeError(format!("{what} {index} out of range"))
}

/// Runs an expression chunk to its value.
pub(crate) fn eval(env: &Env<'_>, chunk: ChunkId) -> Result<Value, RuntimeError> {
    let code = &env
        .prog
        .chunk(chunk)
        .ok_or_else(|| bad("chunk", chunk))?
        .code;
    let mut stack = Vec::new();
    let mut pc = 0usize;
    // Forward-only code runs each instruction at most once; fuel is the belt to that.
    for _ in 0..=code.len() {
        let Some(&instr) = code.get(pc) else {
            return fail(format!("chunk {chunk} ends without Return"));
        };
        match exec(env, &mut stack, pc, instr)? {
            Flow::Next => pc += 1,
            Flow::Jump(target) => pc = target as usize,
            Flow::Return(value) => return Ok(value),
            Flow::Step => return fail(format!("{instr:?} is not allowed in an expression")),
        }
    }
    fail(format!("chunk {chunk} ran out of fuel"))
}

/// Runs a guard (audience, `when`, check condition): a run-time error makes it false.
#[inline]
pub(crate) fn eval_guard(env: &Env<'_>, chunk: ChunkId) -> bool {
    // A native guard decides unless it meets a value it does not model.
    #[cfg(feature = "jit")]
    if let Some(guard) = env.prog.native_guard(chunk) {
        use super::jit::Verdict;
        match super::jit::run(guard, env) {
            Verdict::True => return true,
            Verdict::False | Verdict::Error | Verdict::NotBool => return false,
            Verdict::Fallback => {}
        }
    }
    interpret_guard(*env, chunk)
}

/// The interpreter's answer for a guard. Kept out of line, and given `env` by value,
/// so that the native path above stays a few instructions and never needs `env` in
/// memory.
#[inline(never)]
fn interpret_guard(env: Env<'_>, chunk: ChunkId) -> bool {
    matches!(eval(&env, chunk), Ok(Value::Bool(true)))
}

/// Runs a template chunk to its rendered text.
pub(crate) fn eval_text(env: &Env<'_>, chunk: ChunkId) -> Result<String, RuntimeError> {
    eval(env, chunk).map(|value| value.render())
}
